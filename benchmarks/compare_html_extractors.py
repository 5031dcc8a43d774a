"""Compare article-text extractors on news-style pages: what they keep, what they drop, how fast.

``python -m benchmarks.compare_html_extractors [--pages N]`` needs trafilatura, readability-lxml and
selectolax installed (only trafilatura is a dedup dependency, in the ``html`` extra). The pages are
the fixtures of ``tests/fixtures/html/`` (header, nav, cookie banner, article, related links, footer,
scripts) and the same pages with every semantic tag turned into a ``<div>`` (older templates).
"""

from __future__ import annotations

import argparse
import html
import re
import time
from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "html"
NOISE = {"cookie banner": "cookies", "nav": "Business and markets", "menu": "Companies", "related box": "Flood waters",
         "footer": "All rights reserved", "wire footer": "Prices delayed", "script": "dataLayer", "ad script": "adSlots",
         "style": "font-family", "ad slot": "Advertisement", "newsletter": "Sign up now", "byline": "Amna Qureshi"}
_SEMANTIC = re.compile(r"<(/?)(article|nav|header|footer|aside|main)\b")


def as_div_soup(page: str) -> str:
    return _SEMANTIC.sub(lambda m: f"<{m.group(1)}div", page)


_NOT_BODY = re.compile(r'<h1>.*?</h1>|<(p|div) class="(byline|meta|ad-slot|newsletter)">.*?</\1>', re.S)


def body_paragraphs(page: str) -> list[str]:
    """The article's paragraphs as a reader sees them: the fixture's text from its headline to the
    related box or page bottom, less byline, ads and promotions, split at paragraph ends."""
    article = page[page.index("<h1>"):re.search(r'<\w+ (class="related"|id="bottom")', page).start()]
    blocks = re.split(r"</p>|<br><br>", _NOT_BODY.sub("", article))
    return [text for text in (" ".join(html.unescape(re.sub(r"<[^>]+>", "", b)).split()) for b in blocks) if text]


def with_trafilatura(page: str) -> str:
    import trafilatura

    return trafilatura.extract(page, include_comments=False, include_tables=True) or ""


def with_readability(page: str) -> str:
    import lxml.html
    from readability import Document

    summary = lxml.html.fromstring(Document(page).summary(html_partial=True))
    return "\n".join(" ".join(p.text_content().split()) for p in summary.iter("p", "h1", "h2", "li"))


def with_selectolax(page: str) -> str:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(page)
    tree.strip_tags(["script", "style", "nav", "header", "footer", "aside", "noscript"])
    return "\n".join(" ".join(node.text().split()) for node in tree.css("p, h1, h2, li"))


EXTRACTORS: dict[str, Callable[[str], str]] = {"trafilatura": with_trafilatura,
                                               "readability-lxml": with_readability,
                                               "selectolax": with_selectolax}


def judge(text: str, page: str) -> dict[str, object]:
    blocks = [" ".join(b.split()) for b in text.split("\n") if b.strip()]
    paragraphs = body_paragraphs(page)
    return {"paragraphs kept as blocks": f"{sum(p in blocks for p in paragraphs)}/{len(paragraphs)}",
            "noise kept": [name for name, marker in NOISE.items() if marker in text] or "none",
            "entities decoded": "&#x27;" not in text and "&amp;" not in text}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    pages = {path.name: path.read_text() for path in sorted(FIXTURES.glob("*.html"))}
    pages |= {f"div-soup {name}": as_div_soup(page) for name, page in list(pages.items())}
    corpus = [page.replace("Quetta", f"Quetta{i}") for i, page in zip(range(args.pages), _cycle(list(pages.values())))]
    for name, extract in EXTRACTORS.items():
        print(f"== {name}")
        for page_name, page in pages.items():
            print(f"  {page_name}: {judge(extract(page), page)}")
        started = time.perf_counter()
        for page in corpus:
            extract(page)
        seconds = time.perf_counter() - started
        print(f"  speed: {len(corpus)} pages in {seconds:.2f} s, {len(corpus) / seconds:.0f} pages/s")


def _cycle(items: list[str]):  # type: ignore[no-untyped-def]
    while True:
        yield from items


if __name__ == "__main__":
    main()
