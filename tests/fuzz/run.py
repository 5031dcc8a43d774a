"""Fuzz the figure parser, the segmenter, normalisation, the diff and the reading of a wire story's headline
and lead with hypothesis for a time budget.

``make fuzz`` runs ``python -m tests.fuzz.run --minutes 3``. Inputs mix random Unicode with the
pieces these parsers care about (numbers, number words, qualifiers, abbreviations, quotes, line
breaks). A failure prints hypothesis' smallest failing input and exits 1: add it to
``tests/test_fuzz_regressions.py`` as a regression test, then fix the code.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import zlib

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from dedup.diff import diff_texts
from dedup.figures import extract_figures
from dedup.normalize import normalize
from dedup.segment import split_paragraphs, split_sentences
from dedup.series import sent_under, series_headline
from dedup.subjects import keyed, lead_subject, other_subjects

PIECES = [
    "31", "1,200", "3.5", "45%", "$3.5 million", "€1.2bn", "Rs 500", "twenty-one", "a dozen", "half a dozen",
    "dozens of", "scores of", "hundreds", "at least", "more than", "over", "nearly", "up to", "30 to 40",
    "between 30 and 40", "February 2", "2 Feb. 2025", "1947", "21st", "first", "COVID-19", "F-16", "G7",
    "killed", "civilians", "security personnel", "militants", "were", "the deaths of", "taken", "prisoner",
    "claiming to have killed", "Dr.", "U.S.", "S.", "Mr.", ".", "!", "?", ",", ";", '"', "“", "”", "'", "’",
    "(", ")", "—", "-", " ", " ", " ", "\n", "\n\n", "\r\n", "\t", "。", "巴基斯坦", "مقدمة", "\u200b", "\ufeff",
]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=80).map("".join)
WIRE_PIECES = [
    "LONDON, March 18 - ", "NEW YORK, Feb 3 - ", "CORRECTED - ", "GECC ISSUES", "BANK OF ", "<ABC>", "<BBCZ.Z>",
    "<Angio-Medical Corp>", "Christiania", "General Electric Credit Corp", "The ", "'s", '"s', "s'", "Inc", "of",
    "and", "-", "/", "\n", "\n    ", " ", "ISSUES", "said", "SAYS", "U.S.", "B.F.", "Int'l",
]
WIRE = st.lists(st.one_of(st.sampled_from(WIRE_PIECES), st.text(max_size=6)), max_size=40).map("".join)
FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def check_figures(text: str) -> None:
    previous_end = 0
    for figure in extract_figures(text):
        assert 0 <= figure.start < figure.end <= len(text)
        assert text[figure.start:figure.end] == figure.text
        assert figure.start >= previous_end
        previous_end = figure.end


def check_segments(text: str) -> None:
    end = 0
    for paragraph in split_paragraphs(text):
        assert paragraph.start >= end and text[paragraph.start:paragraph.end].strip()
        assert paragraph.line == text.count("\n", 0, paragraph.start) + 1
        end = paragraph.end
        inner = paragraph.start
        for sentence in split_sentences(text, paragraph):
            assert inner <= sentence.start < sentence.end <= paragraph.end
            inner = sentence.end


def check_normalize_and_diff(a: str, b: str) -> None:
    assert normalize(normalize(a)) == normalize(a)
    diff = diff_texts(a, b)
    assert "".join(op.a for op in diff.ops if op.op != "insert") == "".join(
        a[op.a_start:op.a_end] for op in diff.ops if op.op != "insert")


def check_headline_and_lead(a: str, b: str) -> None:
    """A story mentions its own subject (its name, and its key word whatever the document frequencies), so it
    is never about another subject than itself; two stories are about other subjects or not either way round;
    a series headline is the opening of the headline."""
    first, other = lead_subject(a), lead_subject(b)
    assert first is None or (first.names and first.names <= first.stems)
    assert other_subjects(first, other) == other_subjects(other, first)
    leads = keyed({0: first, 1: other}, lambda words: [zlib.crc32(word.encode()) % 7 for word in words])
    assert all(lead is None or (lead.key in lead.names and lead.mentioned_in(lead)) for lead in leads.values())
    assert other_subjects(leads[0], leads[1]) == other_subjects(leads[1], leads[0])
    headline, sent = series_headline(a), sent_under(a, None)
    if headline is not None and sent is not None:
        whole = re.sub(r"\d+(?:[.,/]\d+)*", "0", sent[0]).split()
        assert whole[:len(headline.split())] == headline.split()


TARGETS = {
    "figures": (check_figures, (TEXT,)),
    "segments": (check_segments, (TEXT,)),
    "normalize+diff": (check_normalize_and_diff, (TEXT, TEXT)),
    "headline+lead": (check_headline_and_lead, (WIRE, WIRE)),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=3.0)
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.minutes * 60
    rounds = 0
    while time.monotonic() < deadline:
        for name, (check, strategies) in TARGETS.items():
            try:
                seed(rounds)(FUZZ(given(*strategies)(check)))()
            except Exception:
                print(f"fuzz: {name} failed in round {rounds}; the failing input is above", file=sys.stderr)
                raise
        rounds += 1
    examples = rounds * len(TARGETS) * FUZZ.max_examples
    print(f"fuzz: {rounds} rounds, about {examples} inputs over {len(TARGETS)} targets, no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
