"""File formats other than plain text: HTML pages read as their article text, and the formats not read.

A news page holds its article among a header, navigation, cookie banners, related links and a footer
shared by every page of the site; compared as text, that markup and the shared furniture would be
reported as reuse. The article is extracted with trafilatura (the ``html`` extra), which scored best
of the extractors compared in ``benchmarks/compare_html_extractors.py``: every paragraph kept and no
navigation, footer, banner, byline, advert or promotion left, with or without semantic tags.
Offsets and lines of an HTML document refer to this extracted text, one paragraph per block.
"""

from __future__ import annotations

import logging
from pathlib import Path

HTML_SUFFIXES = (".html", ".htm")
# Formats a newsroom meets whose text is not readable as it stands: named, so the user knows what to do.
NOT_READ = {".pdf": "PDF", ".docx": "Word (.docx)", ".doc": "Word (.doc)", ".odt": "OpenDocument (.odt)",
            ".rtf": "RTF"}
_MAGIC = ((b"%PDF-", "PDF"), (b"{\\rtf", "RTF"))
HTML_EXTRA = "pip install 'dedup[html]'"


class MissingExtractor(Exception):
    """trafilatura is not installed: the ``html`` extra is needed to read HTML."""


def is_html(path: Path) -> bool:
    return path.suffix.lower() in HTML_SUFFIXES


def format_not_read(path: Path, head: bytes) -> str | None:
    """The name of a format whose text must be extracted by another tool first (from the file's
    suffix, or its first bytes for PDF and RTF under another name), or None."""
    named = NOT_READ.get(path.suffix.lower())
    if named is not None:
        return named
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def article_text(page: str) -> str:
    """The article of an HTML page as plain text, one paragraph per blank-line separated block (so
    segmentation finds them), entities decoded; empty when the page has no text at all.

    trafilatura finds the main content; a page too short or too bare for that (a one-paragraph brief)
    falls back to its baseline extraction of the page's paragraphs rather than being lost.
    """
    trafilatura = _trafilatura()
    text = trafilatura.extract(page, include_comments=False, include_tables=True, include_images=False,
                               include_links=False, deduplicate=False)
    if not text:
        text = trafilatura.baseline(page)[1]
    blocks = (" ".join(line.split()) for line in (text or "").splitlines())
    return "\n\n".join(block for block in blocks if block)


def _trafilatura():  # type: ignore[no-untyped-def]
    try:
        import trafilatura
    except ImportError:
        raise MissingExtractor(f"reading HTML needs trafilatura: {HTML_EXTRA}") from None
    # Its warnings (a page it could not parse, a date it could not find) are about the page's markup,
    # not the run: the caller reports what matters in one line per file.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    return trafilatura
