"""Folding counted phrases into groups: "soldiers", "troops" and "security personnel" count the same people."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from dedup.figures.context import _is_plural
from dedup.figures.tables import COUNT_CONJUNCTIONS, DEFAULT_FOLDS, MEASURE_FOLDS, PLURAL_RULES


def _normalise_phrase(phrase: str) -> str:
    """Lower case, unquoted, single-spaced, head noun in the plural ("Official" -> "officials")."""
    words = re.sub(r"[\"“”‘’']", " ", phrase).lower().split()
    if not words:
        return ""
    head = words.index("of", 1) - 1 if "of" in words[1:] else len(words) - 1
    if not _is_plural(words[head]):
        pattern, replacement = next((p, r) for p, r in PLURAL_RULES if re.search(p, words[head]))
        words[head] = re.sub(pattern, replacement, words[head], count=1)
    return " ".join(words)


def fold_counts(counts: str | None, folds: Mapping[str, Sequence[str]] = DEFAULT_FOLDS) -> str | None:
    """Canonical group of a counted phrase, else the normalised phrase itself.

    The whole phrase is looked up, then without its leading modifiers ("Baloch insurgents" ->
    militants). Coordinated or "of" phrases are only looked up whole, so "civilians and security
    personnel" and "security and civilian officials" stay themselves.
    """
    if counts is None:
        return None
    lookup, folded = _fold_lookup(folds)
    group = folded.get(counts)
    if group is None:
        if len(folded) >= _MAX_FOLDED:  # a long-running service sees ever new phrases
            folded.clear()
        phrase = _normalise_phrase(counts)
        words = phrase.split()
        whole_only = any(word in COUNT_CONJUNCTIONS or word == "of" for word in words)
        candidates = [phrase] if whole_only else [" ".join(words[i:]) for i in range(len(words))]
        group = folded[counts] = next((lookup[candidate] for candidate in candidates if candidate in lookup), phrase)
    return group


_MAX_FOLDED = 100_000
_FOLD_LOOKUPS: dict[int, tuple[Mapping[str, Sequence[str]], dict[str, str], dict[str, str]]] = {}


def _fold_lookup(folds: Mapping[str, Sequence[str]]) -> tuple[dict[str, str], dict[str, str]]:
    """Normalised synonym -> group, built once per fold table, and the groups of the counted phrases
    seen so far (asked for every figure of every document: corpora repeat a few phrases)."""
    cached = _FOLD_LOOKUPS.get(id(folds))
    if cached is None or cached[0] is not folds:
        lookup = {
            _normalise_phrase(synonym): canonical
            for canonical, synonyms in folds.items()
            for synonym in (canonical, *synonyms)
        }
        if len(_FOLD_LOOKUPS) >= 8:  # a long-running service sees a new table per scan
            _FOLD_LOOKUPS.clear()
        cached = _FOLD_LOOKUPS[id(folds)] = (folds, lookup, {})
    return cached[1], cached[2]


def merge_folds(
    extra: Mapping[str, Sequence[str]], base: Mapping[str, Sequence[str]] = DEFAULT_FOLDS
) -> dict[str, tuple[str, ...]]:
    """Extend ``base`` with user groups; a synonym listed in ``extra`` moves to its new group."""
    moved = {_normalise_phrase(synonym) for synonyms in extra.values() for synonym in synonyms}
    merged = {
        canonical: tuple(s for s in synonyms if _normalise_phrase(s) not in moved)
        for canonical, synonyms in base.items()
    }
    for canonical, synonyms in extra.items():
        merged[canonical] = tuple(dict.fromkeys((*merged.get(canonical, ()), *synonyms)))
    return merged


def fold_measure(measure: str | None) -> str:
    """What a results line measures, whatever the wire calls it: "Sales" and "Revs" are one measure."""
    return " ".join(MEASURE_FOLDS.get(word, word) for word in (measure or "").lower().split())
