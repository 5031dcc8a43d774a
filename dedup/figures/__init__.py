"""Figures in raw news text: counts, money, percentages, dates, ages, durations, with their spans.

Rewrites of one story are compared number by number (see ``dedup.conflicts`` and ``dedup.diff``), so
each figure keeps its exact span in the input, what it counts ("civilians"), what happened to them
("killed"), whether the text only reports somebody's claim, its sign ("loss", "up") and the results
line it belongs to ("Shr"). Extraction is a small grammar (``grammar``, ``context``) over the
vocabularies of ``tables``: to support a new word, extend a table, not the code.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dedup.figures.context import _claimed, _compared, _counted_phrase, _events, _measures
from dedup.figures.figure import Figure, significant_digits
from dedup.figures.folds import fold_counts, fold_measure, merge_folds
from dedup.figures.grammar import _scan
from dedup.figures.patterns import _ANY_CUE_RE
from dedup.figures.tables import (
    BARE_EVENT_COUNTS,
    DEFAULT_FOLDS,
    NOT_A_FIGURE_RULES,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    VAGUE_AMOUNTS,
)  # fmt: skip

__all__ = ["DEFAULT_FOLDS", "NOT_A_FIGURE_RULES", "Figure", "extract_figures", "fold_counts", "fold_measure",
           "may_hold_event", "may_hold_figure", "merge_folds", "significant_digits"]

# (dates need a day or a year; qualifiers and articles need a number after them), so text with none
# of these is skipped with one set intersection: most prose of a large corpus holds no figure.
_FIGURE_WORDS = frozenset(
    word.lower() for table in (NUMBER_WORDS, VAGUE_AMOUNTS, ORDINAL_WORDS) for key in table for word in key.split()
) - {"of"}
_DIGIT_OR_CURRENCY_RE = re.compile(r"[\d$£€₹]")
_LETTERS_RE = re.compile(r"[A-Za-z]+")


def _may_hold_figure(text: str) -> bool:
    if _DIGIT_OR_CURRENCY_RE.search(text):
        return True
    if text.isascii():  # its letter runs, lower-cased, are those of the lower-cased text: one C call
        return not _FIGURE_WORDS.isdisjoint(_LETTERS_RE.findall(text.lower()))
    return not _FIGURE_WORDS.isdisjoint(word.lower() for word in _LETTERS_RE.findall(text))


def may_hold_figure(text: str) -> bool:
    """Whether ``text`` may hold a figure at all (a cheap test; see ``_may_hold_figure``)."""
    return _may_hold_figure(text)


def may_hold_event(text: str) -> bool:
    """Whether ``text`` may hold a figure and has a word that can say what happened to a count
    ("killed", "rescued"): without both, none of its figures has an ``event``."""
    return _may_hold_figure(text) and _ANY_CUE_RE.search(text.lower()) is not None


def extract_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, sorted by start, with what it counts, what happened and who claims it."""
    return list(_extract_cached(text)) if _may_hold_figure(text) else []


@lru_cache(maxsize=1 << 18)
def _extract_cached(text: str) -> tuple[Figure, ...]:
    """Corpora repeat sentences (boilerplate, copies): each distinct text is parsed once."""
    figures = _compared(text, _scan(text))
    phrases = [_counted_phrase(text, f) if f.kind == "count" else (None, f.end) for f in figures]
    events, claims, measures = _events(text, figures, phrases), _claimed(text, figures), _measures(text, figures)
    result = []
    for figure, (counts, _), event, claimed, measure in zip(figures, phrases, events, claims, measures, strict=True):
        bare_counts = BARE_EVENT_COUNTS[event] if event else None  # "31 killed" counts the dead
        # Built directly: dataclasses.replace looks the fields up by name on every call (4% of extraction).
        result.append(Figure(figure.start, figure.end, figure.text, figure.value, figure.high, figure.kind,
                             figure.vague, figure.qualifier, figure.unit, counts or bare_counts, event, claimed,
                             figure.sign, figure.scale, measure))
    return tuple(result)
