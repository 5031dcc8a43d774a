"""Figure conflicts within a story line: the same quantity, counted differently.

Rewrites of one story often keep the wording and change the numbers ("31 civilians" vs "18
civilians"). Only precise figures are compared (never vague amounts, bare numbers such as "1300
GMT", or spans of time such as "Six mths"), and only for the same quantity:

* a count of what happened in an event ("31 civilians killed") is grouped by what it counts
  (folded, see ``fold_counts``), what happened ("killed or wounded" is not "killed") and whether
  it is a claim, however each report words its sentence, between reports at most ``EVENT_DAYS``
  apart (the day a sentence names, "last April 26", is its event's);
* any other figure ("six ships loading", "2.5 mln shares", "Net 1,279,000", "14 cts per share",
  "6 pct") says what it is of only in its sentence: it is compared only between versions of one
  report (documents related by reuse whose first lines share ``SAME_HEADLINE`` of their words), in
  a sentence, or a results table's line, that the other words almost the same way (``SAME_ROLE``)
  with the same word before and after it, for the same period ("4TH QTR", "Nine mths", "Year" head
  the lines below them; a sentence naming other years is of another period) and the same day (a daily or weekly series is not one quantity). Amounts
  that differ only by rounding ("30.1 mln", "30,142,000") agree.

The headline rule keeps a document from contradicting itself: only each document's *first*
figure of a quantity is compared, because later figures of the same group in one document are
different facts ("145 attackers killed" in the attack, "41 insurgents killed in separate
operations" the day before). Qualifiers ("at least 31" vs "31") do not make a conflict.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from math import ceil
from typing import Any

from dedup.dateline import DATELINE
from dedup.figures import DEFAULT_FOLDS, Figure, extract_figures, fold_counts, may_hold_event, may_hold_figure
from dedup.figures.patterns import _CUE_WORD_RE
from dedup.figures.tables import NUMBER_WORDS, RESULTS_LABEL_WORDS
from dedup.stories import document_days

SAME_ROLE = 0.8  # Jaccard of the two sentences' words (numbers aside) for a figure without an event
SAME_HEADLINE = 0.5  # and of the two documents' first lines: versions of one report
EVENT_DAYS = 2  # the most days between two reports of one event's count
_WORD_RE = re.compile(r"[a-z][a-z'-]*")
_EITHER_RE = re.compile(r"\s+or\s+(?:were\s+|was\s+|are\s+|is\s+)?([a-z]+)", re.IGNORECASE)
_EITHER_WINDOW = 60  # characters after a count searched for its event word
_NUMBER_RE = re.compile(r"\d[\d,]*(?:\.\d+)?")
# The period a figure is of: "4TH QTR", "Nine mths", "Year" head the lines of a results table below them.
_PERIOD_RE = re.compile(r"\b(quarter|qtr|half|year|months?|mths|weeks?)\b", re.IGNORECASE)
_LAST_WORD_RE = re.compile(r"([a-z0-9]+)[\s-]+$", re.IGNORECASE)
_PERIOD_UNITS = {"qtr": "quarter", "month": "months", "mths": "months", "week": "weeks"}
_LABELS = frozenset(word.lower() for word in RESULTS_LABEL_WORDS)


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
_Dates = frozenset[str]  # the dates a sentence names

# Counted "things" that are spans of time: "Six mths" heads a results table, it counts nothing.
_TIME_COUNTS = frozenset({"mths", "months", "weeks", "days", "years", "quarters", "qtrs", "hours"})


def _group_key(figure: Figure, sentence: str, folds: Mapping[str, Sequence[str]]) -> _GroupKey | None:
    """What a precise figure is a quantity of: the thing a count counts and what happened to it
    ("killed or wounded" is not "killed"), else the results line or kind and unit of an amount or
    percentage (which only versions compare, see ``_Quantity``)."""
    if figure.vague or figure.value is None or figure.kind not in ("count", "money", "percent"):
        return None
    if figure.counts:
        group = fold_counts(figure.counts, folds)
        if group in _TIME_COUNTS or group is None:
            return None
        either = _either_event(sentence, figure) if figure.event else None
        return group, f"{figure.event} or {either}" if either else figure.event, figure.claimed
    if figure.kind == "count" and not figure.measure:  # a bare number: "1300 GMT", "13 head"
        return None
    unit = (figure.unit or "").replace("cents", "USD")
    label = " ".join(part for part in (figure.measure or figure.kind, unit and f"({unit})") if part)
    return label, None, figure.claimed


def _either_event(sentence: str, figure: Figure) -> str | None:
    """The second event of "31 killed or wounded", "1,000 died or were missing", if any."""
    cue = _CUE_WORD_RE.search(sentence, figure.end, figure.end + _EITHER_WINDOW)
    other = _EITHER_RE.match(sentence, cue.end()) if cue else None
    second = _CUE_WORD_RE.fullmatch(other.group(1)) if other else None
    return second.lastgroup if second and second.lastgroup != figure.event else None


def _amount(figure: Figure) -> tuple[float | None, float | None]:
    """The figure's value and upper bound in one unit per currency, signed ("loss 12 cts": -0.12)."""
    factor = (0.01 if (figure.unit or "").startswith("cents") else 1.0) * (figure.sign or 1)
    low, high = figure.value, figure.high
    return (None if low is None else round(low * factor, 9), None if high is None else round(high * factor, 9))


def _agree(a: Figure, b: Figure, rounded: bool) -> bool:
    """Equal values, or with ``rounded`` values that differ by less than the coarser one's last
    written digit ("30.1 mln" and "30,142,000", "103,000" and "103,005")."""
    (low_a, high_a), (low_b, high_b) = _amount(a), _amount(b)
    if (low_a, high_a) == (low_b, high_b):
        return True
    if not rounded or high_a is not None or high_b is not None or low_a is None or low_b is None:
        return False
    return abs(low_a - low_b) < 0.999 * max(_last_digit(a), _last_digit(b))


def _last_digit(figure: Figure) -> float:
    """What one unit of the figure's last written digit is worth; trailing zeros of a whole number
    are taken as rounding ("1,460,000": ten thousand)."""
    found = _NUMBER_RE.search(figure.text)
    low = _amount(figure)[0]
    if found is None or not low:
        return 0.0
    whole, _, decimals = found.group().replace(",", "").partition(".")
    written = float(found.group().replace(",", ""))
    step = 10.0 ** -len(decimals) if decimals else 10.0 ** (len(whole) - len(whole.rstrip("0")))
    return abs(step * low / written) if written else 0.0


@dataclass(frozen=True, slots=True)
class _Context:
    """Where a figure stands: its document and the words of its first line, the words of its
    sentence (or table line), the words just before and after it, the dates the sentence names, the
    period it is of (named by its sentence or by the last one before it that names one) and its day
    (the document's, or for an event the day its sentence names), if known."""

    doc: Any
    headline: frozenset[str]
    words: frozenset[str]
    neighbours: tuple[str, str]
    dates: _Dates
    period: str | None
    day: float | None


Related = Callable[[Any, Any], bool]


@dataclass(slots=True)
class _Quantity:
    """One quantity of a story line: its group, and each document's first figure of it with the
    figure's context."""

    key: _GroupKey
    contexts: list[_Context]
    sources: list[FigureSource]

    def holds(self, context: _Context, related: Related) -> bool:
        """Whether a figure of this group in ``context`` is this quantity: it must be so next to
        every figure of it so far (see the module's rules)."""
        return all(self._beside(known, context, related) for known in self.contexts)

    def _beside(self, known: _Context, context: _Context, related: Related) -> bool:
        event = self.key[1]
        if event and known.dates and context.dates and known.dates != context.dates:
            return False
        if not event and ((known.period and context.period and known.period != context.period)
                          or _years(known.dates) != _years(context.dates)):
            return False
        if known.day is not None and context.day is not None and (
                abs(known.day - context.day) > EVENT_DAYS if event else int(known.day) != int(context.day)):
            return False
        return bool(event) or (related(known.doc, context.doc) and known.neighbours == context.neighbours
                               and _similar(known.words, context.words, SAME_ROLE)
                               and _similar(known.headline, context.headline, SAME_HEADLINE))


def _years(dates: _Dates) -> frozenset[str]:
    """The years a sentence names: a total of 1986 and one of 1987 are two quantities, however alike
    their sentences."""
    return frozenset(named for named in dates if named.startswith("year:"))


def _similar(a: frozenset[str], b: frozenset[str], share: float) -> bool:
    """Jaccard at least ``share`` (which sets of very different sizes cannot reach)."""
    if min(len(a), len(b)) < share * max(len(a), len(b)):
        return False
    return len(a & b) >= share * len(a | b)


def _period(text: str, end: int | None = None) -> str | None:
    """The last period ``text`` names before ``end``: "quarter", "year", "9 months" ("12 mths" is a year)."""
    found = None
    for found in _PERIOD_RE.finditer(text, 0, len(text) if end is None else end):  # noqa: B007 - the last one
        pass
    if found is None:
        return None
    before = _LAST_WORD_RE.search(text, max(0, found.start() - 20), found.start())
    number, unit = before.group(1).lower() if before else "", found.group(1).lower()
    unit = _PERIOD_UNITS.get(unit, unit)
    count = int(number) if number.isdigit() else NUMBER_WORDS.get(number, ("", 0))[1]
    if unit in ("months", "weeks") and count:
        return "year" if (count, unit) == (12, "months") else f"{count:g} {unit}"
    return unit


def _named_day(sentence: str, figures: Sequence[Figure], day: float | None) -> float | None:
    """The day an event's sentence names ("killed after an explosion last April 26"), not in its
    dateline, in the year of the report or the one before (a report tells what happened before it);
    else the report's day."""
    dateline = DATELINE.search(sentence)
    named = [figure for figure in figures if figure.kind == "date" and figure.unit == "mmdd"
             and (dateline is None or figure.start >= dateline.end())]
    if day is None or len(named) != 1 or named[0].value is None:
        return day
    month, day_of_month = divmod(int(named[0].value), 100)
    year = date.fromordinal(int(day)).year
    try:
        return next(ordinal for ordinal in (date(year, month, day_of_month).toordinal(),
                                            date(year - 1, month, day_of_month).toordinal()) if ordinal <= day + 1)
    except (ValueError, StopIteration):
        return day


def _role_text(sentence: str, figure: Figure) -> str:
    """What a figure's role is read from: the line of a results table ("Net 1,279,000 vs 7,979,000"),
    which segmentation may glue to the lines around it, else the whole sentence."""
    if not figure.measure:
        return sentence
    start = sentence.rfind("\n", 0, figure.start) + 1
    end = sentence.find("\n", figure.end)
    return sentence[start:] if end < 0 else sentence[start:end]


def _units(sentence: str) -> list[str]:
    """The sentence, and its first line and the lines of a results table in it ("Net 1,279,000 vs
    7,979,000") when it spans lines."""
    if "\n" not in sentence:
        return [sentence]
    first, *lines = sentence.split("\n")
    return [sentence, first, *(line for line in lines if line.split()[:1] and line.split()[0].lower() in _LABELS)]


def _neighbours(sentence: str, figure: Figure) -> tuple[str, str]:
    before = _WORD_RE.findall(sentence[max(0, figure.start - 40):figure.start].lower())
    after = _WORD_RE.findall(sentence[figure.end:figure.end + 40].lower())
    return before[-1] if before else "", after[0] if after else ""


def _group_label(key: _GroupKey) -> str:
    group, event, claimed = key
    label = f"{group} {event}" if event else group
    return f"{label} (claimed)" if claimed else label


def _display_number(number: float) -> str:
    return str(int(number)) if number.is_integer() else f"{number:f}".rstrip("0")


def _display_value(figure: Figure) -> str:
    low, high = _amount(figure)
    assert low is not None  # _group_key keeps figures with a value only
    return f"{_display_number(low)}-{_display_number(high)}" if high is not None else _display_number(low)


def _headline_sources(
    documents: Sequence[tuple[Any, Sequence[tuple[str, int]]]], folds: Mapping[str, Sequence[str]],
    days: Sequence[float | None], related: Related, partners: Mapping[Any, Sequence[Any]] | None,
) -> list[_Quantity]:
    """Each document's first figure per quantity; quantities in order of first appearance.

    A repeated sentence can never be a document's first figure twice, so exact duplicates
    inside one document count once. With ``partners`` (each document's versions among the
    others), only the sentences that may count an event or that a version rewords (see
    ``_reworded``) are read: no other figure can be compared.
    """
    reworded = None if partners is None else _reworded(documents, partners)
    quantities: list[_Quantity] = []
    by_key: dict[_GroupKey, list[_Quantity]] = {}
    for (doc, sentences), day in zip(documents, days, strict=True):
        headline = frozenset(_WORD_RE.findall(sentences[0][0].split("\n", 1)[0].lower())) if sentences else frozenset()
        period: str | None = None
        seen: set[int] = set()
        compared = None if reworded is None else reworded.get(doc)
        dated = reworded is None or compared is not None  # periods matter to figures without an event
        for sentence, line in sentences:
            before = period
            period = (_period(sentence) or period) if dated else None
            if reworded is not None and sentence not in (compared or ()) and not may_hold_event(sentence):
                continue
            figures = extract_figures(sentence)
            for figure in figures:
                key = _group_key(figure, sentence, folds)
                if key is None:
                    continue
                sentence_dates = frozenset(f"{f.unit or f.kind}:{f.value:g}" for f in figures
                                           if f.kind in ("date", "year"))
                context = _Context(doc, headline, _words(_role_text(sentence, figure)), _neighbours(sentence, figure),
                                   sentence_dates, (_period(sentence, figure.start) or before) if dated else None,
                                   _named_day(sentence, figures, day) if figure.event else day)
                candidates = by_key.setdefault(key, [])
                quantity = next((q for q in candidates if q.holds(context, related)), None)
                if quantity is None:
                    quantity = _Quantity(key, [], [])
                    candidates.append(quantity)
                    quantities.append(quantity)
                if id(quantity) not in seen:
                    seen.add(id(quantity))
                    quantity.contexts.append(context)
                    quantity.sources.append(FigureSource(doc, line, sentence, figure))
    return quantities


def _reworded(documents: Sequence[tuple[Any, Sequence[tuple[str, int]]]],
              partners: Mapping[Any, Sequence[Any]]) -> dict[Any, set[str]]:
    """For each document with versions, its sentences holding a figure that a version words almost
    the same way (``SAME_ROLE``) but not identically, whole or a line of a table: the only ones
    whose figures without an event can differ from a version's (a sentence every version repeats
    cannot).

    Candidates come from a prefix filter: two word sets with a Jaccard of at least ``SAME_ROLE``
    share one of the first ``n - ceil(SAME_ROLE * n) + 1`` words of each in any fixed order (rarest
    first here), so only units sharing such a word are compared."""
    holders: dict[str, set[Any]] = {}  # the documents with versions that hold each sentence
    for doc, sentences in documents:
        if partners.get(doc):
            for sentence, _ in sentences:
                holders.setdefault(sentence, set()).add(doc)
    versions_of = {doc: set(others) for doc, others in partners.items()}
    units = [(doc, sentence, unit, _words(unit)) for doc, sentences in documents if partners.get(doc)
             for sentence, _ in sentences
             if may_hold_figure(sentence) and not holders[sentence] >= versions_of[doc]
             for unit in _units(sentence)]
    frequency = Counter(word for *_, words in units for word in words)
    index: dict[str, list[int]] = {}
    prefixes = []
    for number, (*_, words) in enumerate(units):
        prefix = sorted(words, key=lambda word: (frequency[word], word))[:len(words) - ceil(SAME_ROLE * len(words)) + 1]
        prefixes.append(prefix)
        for word in prefix:
            index.setdefault(word, []).append(number)
    reworded: dict[Any, set[str]] = {doc: set() for doc, *_ in units}
    for number, (doc, sentence, unit, words) in enumerate(units):
        versions = partners[doc]
        if sentence in reworded[doc]:
            continue
        candidates = {other for word in prefixes[number] for other in index[word]}
        if any(units[other][0] in versions and units[other][2] != unit and _similar(words, units[other][3], SAME_ROLE)
               for other in candidates):
            reworded[doc].add(sentence)
    return reworded


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD_RE.findall(text.lower()))


def _partners(related: Collection[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    partners: dict[Any, list[Any]] = {}
    for a, b in related:
        partners.setdefault(a, []).append(b)
        partners.setdefault(b, []).append(a)
    return partners


def find_figure_conflicts(
    documents: Sequence[tuple[Any, Sequence[tuple[str, int]]]], folds: Mapping[str, Sequence[str]] = DEFAULT_FOLDS,
    dates: Sequence[datetime | None] | None = None, related: Collection[tuple[Any, Any]] | None = None,
) -> list[FigureConflict]:
    """Quantities whose documents give different headline values, in order of first appearance.

    ``documents`` are ``(doc, sentences)`` pairs in the caller's order: ``doc`` is any sortable key
    (the pipeline passes document indices), ``sentences`` are ``(text, line)`` in text order.
    ``dates`` are the documents' dates (None where unknown; when none is known, the day of an
    opening dateline stands in). ``related`` are the pairs of documents related by reuse, the only
    ones whose figures without an event are compared (None: every pair, as for two documents
    compared).
    """
    pairs = None if related is None else {frozenset(pair) for pair in related}
    partners = None if related is None else _partners(related)

    def is_related(a: Any, b: Any) -> bool:
        return pairs is None or frozenset((a, b)) in pairs

    openings = ["\n".join(sentence for sentence, _ in sentences[:2]) for _, sentences in documents]
    days = document_days(openings, dates or [None] * len(documents))
    conflicts = []
    for quantity in _headline_sources(documents, folds, days, is_related, partners):
        by_value: list[list[FigureSource]] = []
        rounded = quantity.key[1] is None  # amounts in tables and prose are rounded; tolls are not
        for source in quantity.sources:
            group = next((g for g in by_value if _agree(g[0].figure, source.figure, rounded)), None)
            if group is None:
                by_value.append([source])
            else:
                group.append(source)
        if len(by_value) < 2:
            continue
        values = tuple(
            ConflictValue(
                value=_display_value(group[0].figure),
                docs=tuple(sorted({source.doc for source in group})),
                text=group[0].sentence,
                sources=tuple(group),
            )
            for group in by_value
        )
        conflicts.append(FigureConflict(_group_label(quantity.key), values))
    return conflicts
