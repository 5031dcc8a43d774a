"""Figure conflicts across a cluster of rewrites: the same group, counted differently.

Rewrites of one story often keep the wording and change the numbers ("31 civilians" vs "18
civilians"). Counts are grouped by what they count (folded, see ``fold_counts``), what happened to
them and whether they are a claim; a group is a conflict when documents give different values.

The headline rule keeps a document from contradicting itself: only each document's *first*
precise figure for a group is compared, because later figures of the same group in one document
are different facts ("145 attackers killed" in the attack, "41 insurgents killed in separate
operations" the day before). Values agree when value and upper bound match; qualifiers ("at
least 31" vs "31") do not make a conflict, and vague amounts ("dozens") never take part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dedup.figures import DEFAULT_FOLDS, Figure, extract_figures, fold_counts


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


def _group_key(figure: Figure, folds: Mapping[str, Sequence[str]]) -> _GroupKey | None:
    """Only precise counts of something named can disagree."""
    group = fold_counts(figure.counts, folds)
    if figure.kind != "count" or figure.vague or group is None:
        return None
    return group, figure.event, figure.claimed


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
) -> dict[_GroupKey, list[FigureSource]]:
    """Each document's first figure per group; groups in order of first appearance.

    A repeated sentence can never be a document's first figure twice, so exact duplicates
    inside one document count once.
    """
    headlines: dict[_GroupKey, list[FigureSource]] = {}
    for doc, sentences in documents:
        seen: set[_GroupKey] = set()
        for sentence, line in sentences:
            for figure in extract_figures(sentence):
                key = _group_key(figure, folds)
                if key is not None and key not in seen:
                    seen.add(key)
                    headlines.setdefault(key, []).append(FigureSource(doc, line, sentence, figure))
    return headlines


def find_figure_conflicts(
    documents: Sequence[tuple[Any, Sequence[tuple[str, int]]]], folds: Mapping[str, Sequence[str]] = DEFAULT_FOLDS,
) -> list[FigureConflict]:
    """Groups whose documents give different headline values, in order of first appearance.

    ``documents`` are ``(doc, sentences)`` pairs in the caller's order: ``doc`` is any sortable key
    (the pipeline passes document indices), ``sentences`` are ``(text, line)`` in text order.
    """
    conflicts = []
    for key, sources in _headline_sources(documents, folds).items():
        by_value: dict[tuple[float | None, float | None], list[FigureSource]] = {}
        for source in sources:
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
        conflicts.append(FigureConflict(_group_label(key), values))
    return conflicts
