"""Check the figure grammar over every sentence of a news corpus: no figure starts or ends inside a number.

A number here is a digit run with its grouping separators and decimal point (``1,545,160``,
``6.3158``, ``2.000.000``): a figure that covers only part of one (``160`` of ``1,545,160``) corrupts
every diff and conflict built on it. The corpus is segmented with dedup's own segmenter and each
sentence is passed to ``extract_figures`` as the scan does; the script prints the number of
sentences and figures, the seconds spent extracting, the count of violations and a few of them by
story id and offset (offsets in the story's text, so nothing of the text needs to be shown).

    python -m benchmarks.check_figures [CORPUS.jsonl.gz] [--examples N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks._harness import REPO
from dedup.figures import extract_figures
from dedup.segment import segment_text

DEV_CORPUS = REPO.parent / "shared" / "corpora" / "reuters-dev.jsonl.gz"
NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def read_stories(path: Path) -> Iterator[tuple[str, str]]:
    """``(id, text)`` of each JSONL record; a bad line stops the run with one line naming it."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                yield str(record["id"]), record["text"]
            except (ValueError, KeyError, TypeError) as error:
                raise SystemExit(f"{path}:{number}: not a story record ({error})") from None


def inside_number(sentence: str, offset: int) -> bool:
    """Whether ``offset`` falls strictly inside a number of ``sentence`` (not at either edge)."""
    return any(m.start() < offset < m.end() for m in NUMBER_RE.finditer(sentence, max(0, offset - 40), offset + 40))


def check(path: Path, examples: int) -> int:
    sentences: list[tuple[str, int, str]] = []
    for story_id, text in read_stories(path):
        _, rows = segment_text(text)
        sentences.extend((story_id, int(start), text[start:end]) for start, end, _, _ in rows.tolist())
    began = time.perf_counter()
    found = [extract_figures(sentence) for _, _, sentence in sentences]
    seconds = time.perf_counter() - began
    violations = [
        (story_id, base + figure.start, base + figure.end, figure.text)
        for (story_id, base, sentence), figures in zip(sentences, found, strict=True)
        for figure in figures
        if inside_number(sentence, figure.start) or inside_number(sentence, figure.end)
    ]
    print(f"{path.name}: {len(sentences):,} sentences, {sum(map(len, found)):,} figures, "
          f"extraction {seconds:.2f} s")
    print(f"figures starting or ending inside a number: {len(violations)}")
    for story_id, start, end, figure_text in violations[:examples]:
        print(f"  story {story_id} chars {start}-{end}: {figure_text!r}")
    return 1 if violations else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEV_CORPUS, help="JSONL(.gz) of {id, text} records")
    parser.add_argument("--examples", type=int, default=10, help="violations to show (default 10)")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"{args.corpus}: no such corpus file", file=sys.stderr)
        return 2
    return check(args.corpus, args.examples)


if __name__ == "__main__":
    sys.exit(main())
