"""Alignment of two documents for ``dedup diff``: reused passages paired one-to-one in reading order.

The scan's cross-document matches are the candidate pairs; the alignment keeps the heaviest set of
them that is increasing on both sides and non-overlapping (a longest-path over the matches, like a
weighted longest common subsequence), so a paragraph is never paired twice and moved paragraphs do
not cross. Paragraphs outside every aligned passage are listed as removed (only in A) or added
(only in B).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dedup.diff import Diff, diff_texts
from dedup.model import Match, Passage


@dataclass(frozen=True, slots=True)
class AlignedItem:
    """``aligned`` (a and b, with the match kind, similarity and diff), ``removed`` (a only) or ``added`` (b only)."""

    status: str
    a: Passage | None
    b: Passage | None
    kind: str | None = None
    similarity: float | None = None
    containment: float | None = None
    diff: Diff | None = None


def align(matches: Sequence[Match], a_paragraphs: Sequence[Passage], b_paragraphs: Sequence[Passage],
          a_text: str, b_text: str) -> list[AlignedItem]:
    """Align document A (doc 0) with document B (doc 1) from the scan's matches between them."""
    oriented = [_oriented(m) for m in matches if {m.a.doc, m.b.doc} == {0, 1}]
    chosen = _heaviest_chain(oriented)
    items = [
        AlignedItem("aligned", m.a, m.b, m.kind, m.similarity, m.containment,
                    diff_texts(a_text[m.a.start:m.a.end], b_text[m.b.start:m.b.end], m.a.start, m.b.start))
        for m in chosen
    ]
    items += [AlignedItem("removed", p, None) for p in a_paragraphs if not _covered(p, [m.a for m in chosen])]
    items += [AlignedItem("added", None, p) for p in b_paragraphs if not _covered(p, [m.b for m in chosen])]
    return sorted(items, key=_reading_order(items))


def _oriented(match: Match) -> Match:
    """The match with its ``a`` side in document 0."""
    if match.a.doc == 0:
        return match
    return Match(match.kind, match.b, match.a, match.similarity, match.containment, match.b_in_a, match.a_in_b,
                 match.cluster, match.diff)


def _weight(match: Match) -> float:
    return match.similarity * (match.a.end - match.a.start + match.b.end - match.b.start)


def _heaviest_chain(matches: list[Match]) -> list[Match]:
    """Maximum-weight subset increasing and non-overlapping on both sides (O(n^2), n is small)."""
    ordered = sorted(matches, key=lambda m: (m.a.start, m.b.start))
    best = [_weight(m) for m in ordered]
    previous = [-1] * len(ordered)
    for j, mj in enumerate(ordered):
        for i in range(j):
            mi = ordered[i]
            if mi.a.end <= mj.a.start and mi.b.end <= mj.b.start and best[i] + _weight(mj) > best[j]:
                best[j] = best[i] + _weight(mj)
                previous[j] = i
    if not ordered:
        return []
    chain, k = [], max(range(len(ordered)), key=best.__getitem__)
    while k >= 0:
        chain.append(ordered[k])
        k = previous[k]
    return chain[::-1]


def _covered(paragraph: Passage, spans: list[Passage]) -> bool:
    return any(s.start < paragraph.end and paragraph.start < s.end for s in spans)


def _reading_order(items: list[AlignedItem]):  # type: ignore[no-untyped-def]
    """Aligned and added items by their place in B; removed ones right after the aligned item before them in A."""
    aligned = sorted((i for i in items if i.status == "aligned"), key=lambda i: i.a.start)  # type: ignore[union-attr]

    def key(item: AlignedItem) -> tuple[float, int, int]:
        if item.b is not None:
            return (item.b.start, 0, 0)
        assert item.a is not None
        before = [i for i in aligned if i.a.start < item.a.start]  # type: ignore[union-attr]
        anchor = before[-1].b.start if before else -1  # type: ignore[union-attr]
        return (anchor + 0.5, 1, item.a.start)

    return key
