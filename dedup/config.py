"""Scan parameters: one frozen, validated object shared by every stage and stored with an index."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from dedup.normalize import NORMALIZER_VERSION

KINDS = ("exact", "near", "partial")
# Text in this many otherwise unrelated documents is boilerplate (see dedup.boilerplate). On the dev corpus
# 3 finds 32 items (30 of 30 read were boilerplate) and keeps every match labelled true; 4 finds 16.
BOILERPLATE_MIN_DOCS = 3
PATTERN_PREFIX = "re:"  # a boilerplate line that starts so is a regular expression


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """Parameters that decide what counts as reuse.

    Paragraphs are compared on word ``shingle_size``-grams with MinHash + LSH at ``threshold``
    (exact Jaccard after verification). Sentences are compared on shorter ``sentence_shingle_size``-grams:
    a reused passage shares at least ``partial_min_shared`` of them and covers at least
    ``partial_containment`` of the smaller side, so stock phrases alone never match.
    """

    threshold: float = 0.7
    shingle_size: int = 5
    num_perm: int = 128
    seed: int = 1
    min_words: int = 4
    sentence_shingle_size: int = 3
    partial_containment: float = 0.3
    partial_min_shared: int = 6
    max_shingle_df: int = 256
    workers: int = 1
    # What changed (word and figure diffs of near and partial matches, figure conflicts between rewrites
    # of one story): what an editor reads, and most of a large dedup job's time, which needs only the matches.
    diffs: bool = True
    # Extra figure groups for conflicts, merged with dedup.figures.DEFAULT_FOLDS:
    # (("militants", ("jihadists",)), ("police", ("policemen", "police officers")))
    figure_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Boilerplate (dedup.boilerplate): text recurring in at least this many otherwise unrelated documents,
    # and the lines (or "re:" patterns) the user lists as boilerplate whatever their count.
    boilerplate_min_docs: int = BOILERPLATE_MIN_DOCS
    boilerplate_lines: tuple[str, ...] = ()
    # The metadata field (JSONL, Parquet) that dates a document: reuse runs from the earlier to the later.
    date_field: str = "date"

    def __post_init__(self) -> None:
        _check_range("threshold", self.threshold, 0.0, 1.0, low_open=True)
        _check_range("partial_containment", self.partial_containment, 0.0, 1.0, low_open=True)
        for name in ("shingle_size", "num_perm", "min_words", "sentence_shingle_size", "partial_min_shared",
                     "max_shingle_df", "workers", "boilerplate_min_docs"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.diffs, bool):
            raise ValueError(f"diffs must be True or False, got {self.diffs!r}")
        if self.boilerplate_min_docs < 2:
            raise ValueError(f"boilerplate_min_docs must be at least 2, got {self.boilerplate_min_docs}")
        if not (isinstance(self.boilerplate_lines, tuple) and all(isinstance(x, str) for x in self.boilerplate_lines)):
            raise ValueError(f"boilerplate_lines must be a tuple of strings, got {self.boilerplate_lines!r}")
        for number, line in enumerate(self.boilerplate_lines, start=1):
            pattern_error(line, f"boilerplate_lines entry {number}")
        if not isinstance(self.date_field, str) or not self.date_field:
            raise ValueError(f"date_field must be a field name, got {self.date_field!r}")
        if self.num_perm > 1024:
            raise ValueError(f"num_perm must be at most 1024, got {self.num_perm}")
        for group in self.figure_groups:
            if not (isinstance(group, tuple) and len(group) == 2 and isinstance(group[0], str)
                    and isinstance(group[1], tuple) and all(isinstance(w, str) for w in group[1])):
                raise ValueError(f"figure_groups entries must be (name, (synonym, ...)), got {group!r}")

    def signature_params(self) -> dict[str, int | str]:
        """The fields that change signatures: an index built with other values cannot be queried."""
        return {
            "shingle_size": self.shingle_size,
            "num_perm": self.num_perm,
            "seed": self.seed,
            "normalizer": NORMALIZER_VERSION,
        }

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def pattern_error(line: str, where: str) -> None:
    """Raise ValueError naming ``where`` when ``line`` is a pattern that does not compile, or empty."""
    if not line.strip():
        raise ValueError(f"{where}: empty")
    if line.startswith(PATTERN_PREFIX):
        try:
            re.compile(line[len(PATTERN_PREFIX):])
        except re.error as exc:
            raise ValueError(f"{where}: bad regular expression {line[len(PATTERN_PREFIX):]!r} ({exc})") from None


def _check_range(name: str, value: float, low: float, high: float, *, low_open: bool = False) -> None:
    if not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if value > high or value < low or (low_open and value == low):
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high}], got {value}")
