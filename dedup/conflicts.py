"""Figure conflicts within a story line: the same quantity, counted differently.

Rewrites of one story often keep the wording and change the numbers ("31 civilians" vs "18
civilians"). Only precise counts of a named thing are compared, never money, percentages or
vague amounts, and only for the same quantity:

* a count of what happened in the event ("31 civilians killed") is grouped by what it counts
  (folded, see ``fold_counts``), what happened and whether it is a claim, however each report
  words its sentence;
* any other count ("six ships loading", "2.5 mln shares", "50,000 tonnes") says what it is a
  count of only in its sentence: it is compared only with counts of the same thing whose sentence
  is a rewording of its own (see ``SAME_ROLE``), which keeps two companies' offerings, two
  tenders or two bank lists apart, and only for the same day (the sentence's dates, else the
  dateline's: a daily or weekly series is not one quantity).

No two figures of different periods (a quarter and a year, March 6 and March 9) are compared.

The headline rule keeps a document from contradicting itself: only each document's *first*
precise figure for a group is compared, because later figures of the same group in one document
are different facts ("145 attackers killed" in the attack, "41 insurgents killed in separate
operations" the day before). Values agree when value and upper bound match; qualifiers ("at
least 31" vs "31") do not make a conflict, and vague amounts ("dozens") never take part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dedup.figures import DEFAULT_FOLDS, Figure, extract_figures, fold_counts
from dedup.figures.tables import MONTHS

SAME_ROLE = 0.8  # Jaccard of the two sentences' words (numbers aside) for a count without an event
EVENT_DAYS = 2  # the most days between the datelines of two reports of one event's count
_WORD_RE = re.compile(r"[a-z][a-z'-]*")
_PERIOD_RE = re.compile(
    r"\b(?:(first|second|third|fourth|1st|2nd|3rd|4th|last|next|this|past)\s+)?"
    r"(quarter|qtr|half|year|month|mths|week)s?\b", re.IGNORECASE)
_MONTHS = {name.lower(): number for name, number in MONTHS.items()}
# An opening wire dateline: "PORTLAND, Ore., March 6 - " (place in capitals, then the day).
_DATELINE_RE = re.compile(
    r"^\s*[A-Z][A-Z .'/&-]+,(?:\s+[A-Z][A-Za-z.]*,)?\s+((?:%s)\.?\s+\d{1,2})\s+-\s" % "|".join(MONTHS),
    re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FigureSource:
    """Where a value was read: the document, the 1-based line and text of the sentence, the figure
    (whose ``start``/``end`` are offsets in that sentence)."""

    doc: Any
    line: int
    sentence: str
    figure: Figure


@dataclass(frozen=True, slots=True)
class ConflictValue:
    """One of the disagreeing values, with the documents that give it.

    ``value`` is the number without qualifier ("31", "30-40"); the qualifiers as written are in
    ``sources``. ``text`` is the sentence of the first source.
    """

    value: str
    docs: tuple[Any, ...]
    text: str
    sources: tuple[FigureSource, ...]


@dataclass(frozen=True, slots=True)
class FigureConflict:
    """A group ("civilians killed") and its values, ordered by first appearance."""

    counts: str
    values: tuple[ConflictValue, ...]


_GroupKey = tuple[str, str | None, bool]  # (folded counts, event, claimed)
_Period = frozenset[str]  # the dates and periods a sentence names

# Counted "things" that are spans of time: "Six mths" heads a results table, it counts nothing.
_TIME_COUNTS = frozenset({"mths", "months", "weeks", "days", "years", "quarters", "qtrs", "hours"})


def _group_key(figure: Figure, folds: Mapping[str, Sequence[str]]) -> _GroupKey | None:
    """Only precise counts of something named can disagree."""
    group = fold_counts(figure.counts, folds)
    if figure.kind != "count" or figure.vague or group is None or group in _TIME_COUNTS:
        return None
    return group, figure.event, figure.claimed


@dataclass(frozen=True, slots=True)
class _Context:
    """Where a figure stands: the words of its sentence, the dates and periods it names, and the
    day (ordinal) of its document, if known."""

    words: frozenset[str]
    period: _Period
    day: int | None


@dataclass(slots=True)
class _Quantity:
    """One quantity of a story line: its group, and each document's first figure of it with the
    figure's context."""

    key: _GroupKey
    contexts: list[_Context]
    sources: list[FigureSource]

    def holds(self, context: _Context) -> bool:
        """Whether a figure of this group in ``context`` is this quantity: it must be so next to
        every figure of it so far (see the module's rules)."""
        return all(self._beside(known, context) for known in self.contexts)

    def _beside(self, known: _Context, context: _Context) -> bool:
        event = self.key[1]
        if known.period and context.period and known.period != context.period:
            return False
        if known.day is not None and context.day is not None and abs(known.day - context.day) > (
                EVENT_DAYS if event else 0):
            return False
        return bool(event) or len(known.words & context.words) >= SAME_ROLE * len(known.words | context.words)


def _context(sentence: str, figures: Sequence[Figure], day: int | None) -> _Context:
    dates = {f"{figure.unit or figure.kind}:{figure.value:g}" for figure in figures if figure.kind in ("date", "year")}
    periods = {" ".join(part.lower() for part in match.groups() if part) for match in _PERIOD_RE.finditer(sentence)}
    return _Context(frozenset(_WORD_RE.findall(sentence.lower())), frozenset(dates | periods), day)


def _dateline_day(sentences: Sequence[tuple[str, int]]) -> int | None:
    """The day of the document's opening dateline, in its first two sentences, as an ordinal."""
    for sentence, _ in sentences[:2]:
        found = _DATELINE_RE.search(sentence)
        if found:
            month, day = found.group(1).replace(".", "").split()
            try:  # a year with every day but February 29
                return date(2001, _MONTHS[month.lower()], int(day)).toordinal()
            except ValueError:
                return None
    return None


def _group_label(key: _GroupKey) -> str:
    group, event, claimed = key
    label = f"{group} {event}" if event else group
    return f"{label} (claimed)" if claimed else label


def _display_number(number: float) -> str:
    return str(int(number)) if number.is_integer() else f"{number:f}".rstrip("0")


def _display_value(figure: Figure) -> str:
    assert figure.value is not None  # counts always have a value
    low = _display_number(figure.value)
    return f"{low}-{_display_number(figure.high)}" if figure.high is not None else low


def _headline_sources(
    documents: Sequence[tuple[Any, Sequence[tuple[str, int]]]], folds: Mapping[str, Sequence[str]],
    dates: Sequence[datetime | None],
) -> list[_Quantity]:
    """Each document's first figure per quantity; quantities in order of first appearance.

    A repeated sentence can never be a document's first figure twice, so exact duplicates
    inside one document count once.
    """
    quantities: list[_Quantity] = []
    by_key: dict[_GroupKey, list[_Quantity]] = {}
    for (doc, sentences), known in zip(documents, dates, strict=True):
        day = known.toordinal() if known is not None else _dateline_day(sentences)
        seen: set[int] = set()
        for sentence, line in sentences:
            figures = extract_figures(sentence)
            context = None
            for figure in figures:
                key = _group_key(figure, folds)
                if key is None:
                    continue
                context = context or _context(sentence, figures, day)
                candidates = by_key.setdefault(key, [])
                quantity = next((q for q in candidates if q.holds(context)), None)
                if quantity is None:
                    quantity = _Quantity(key, [], [])
                    candidates.append(quantity)
                    quantities.append(quantity)
                if id(quantity) not in seen:
                    seen.add(id(quantity))
                    quantity.contexts.append(context)
                    quantity.sources.append(FigureSource(doc, line, sentence, figure))
    return quantities


def find_figure_conflicts(
    documents: Sequence[tuple[Any, Sequence[tuple[str, int]]]], folds: Mapping[str, Sequence[str]] = DEFAULT_FOLDS,
    dates: Sequence[datetime | None] | None = None,
) -> list[FigureConflict]:
    """Quantities whose documents give different headline values, in order of first appearance.

    ``documents`` are ``(doc, sentences)`` pairs in the caller's order: ``doc`` is any sortable key
    (the pipeline passes document indices), ``sentences`` are ``(text, line)`` in text order.
    ``dates`` are the documents' dates (None where unknown: the day of an opening dateline
    stands in).
    """
    conflicts = []
    for quantity in _headline_sources(documents, folds, dates or [None] * len(documents)):
        by_value: dict[tuple[float | None, float | None], list[FigureSource]] = {}
        for source in quantity.sources:
            by_value.setdefault((source.figure.value, source.figure.high), []).append(source)
        if len(by_value) < 2:
            continue
        values = tuple(
            ConflictValue(
                value=_display_value(group[0].figure),
                docs=tuple(sorted({source.doc for source in group})),
                text=group[0].sentence,
                sources=tuple(group),
            )
            for group in by_value.values()
        )
        conflicts.append(FigureConflict(_group_label(quantity.key), values))
    return conflicts
