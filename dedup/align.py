"""Alignment of two documents for ``dedup diff``: reused passages paired one-to-one in reading order.

The candidate pairs are every pair of a cluster's members that lies across the two documents, not only
the scan's matches (each member against one parent): a paragraph repeated in both documents must be
able to pair with its own counterpart, and the scan pairs every copy in B with the first copy in A.
Each candidate is measured and kept by the scan's rules (:mod:`dedup.matches`): paragraphs that are
identical or near, sentences that are reused (merged into passages as the scan merges them). Identical
paragraphs pair however short they are: a diff accounts for every paragraph, while a scan leaves out
paragraphs under ``min_words`` as no evidence of reuse.

The alignment keeps the heaviest set of candidates that is increasing on both sides and
non-overlapping (a longest path, like a weighted longest common subsequence), so a paragraph is never
paired twice and moved paragraphs do not cross. Paragraphs outside every aligned passage are listed
as removed (only in A) or added (only in B).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dedup import verify
from dedup.config import ScanConfig
from dedup.diff import Diff, diff_texts
from dedup.matches import (
    adjacent_runs,
    as_written,
    near,
    outside_paragraph_matches,
    paragraph_kinds,
    passage_of,
    passage_overlap,
    reused,
)
from dedup.model import Cluster, Passage, Report
from dedup.segment import SegmentTable
from dedup.shingle import shingle_sets


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


@dataclass(frozen=True, slots=True)
class _Pair:
    """A candidate for alignment: ``a`` in document 0, ``b`` in document 1."""

    kind: str
    a: Passage
    b: Passage
    similarity: float
    containment: float

    @property
    def weight(self) -> float:
        """Characters paired, discounted by dissimilarity (identical text counts in full)."""
        return self.similarity * (self.a.end - self.a.start + self.b.end - self.b.start)


def align(report: Report, paragraphs: SegmentTable, sentences: SegmentTable, config: ScanConfig) -> list[AlignedItem]:
    """Align document A (doc 0) with document B (doc 1) of ``report``, a scan of the two whose
    paragraph and sentence tables are ``paragraphs`` and ``sentences``."""
    texts = [d.text for d in report.documents]
    clusters: dict[str, list[Cluster]] = {"paragraph": [], "sentence": []}
    for c in report.clusters:
        clusters[c.level].append(c)
    candidates = (_paragraph_pairs(paragraphs, clusters["paragraph"], texts, config)
                  + _passage_pairs(paragraphs, sentences, clusters, texts, config))
    chosen = _heaviest_chain(candidates)
    spans = [(texts[0][p.a.start:p.a.end], texts[1][p.b.start:p.b.end]) for p in chosen]
    items = [
        AlignedItem("aligned", p.a, p.b, p.kind, similarity, containment, diff_texts(a, b, p.a.start, p.b.start))
        for p, (a, b), (similarity, containment, _, _) in zip(chosen, spans,
                                                               as_written(spans, [p.kind for p in chosen], config))
    ]
    for doc, status in ((0, "removed"), (1, "added")):
        spans = [p.a if doc == 0 else p.b for p in chosen]
        for paragraph in paragraphs.passages(np.flatnonzero(paragraphs.doc == doc)):
            if not _covered(paragraph, spans):
                items.append(AlignedItem(status, paragraph if doc == 0 else None, paragraph if doc == 1 else None))
    return sorted(items, key=_reading_order(items))


def _cross_pairs(table: SegmentTable, groups: Iterable[Sequence[Passage]]) -> np.ndarray:
    """Every (row in document 0, row in document 1) pair of members of each group, without repeats."""
    pairs: set[tuple[int, int]] = set()
    for members in groups:
        rows = table.rows_of(members).tolist()
        a_rows = [r for r, m in zip(rows, members) if m.doc == 0]
        b_rows = [r for r, m in zip(rows, members) if m.doc == 1]
        pairs.update(itertools.product(a_rows, b_rows))
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def _paragraph_pairs(paragraphs: SegmentTable, clusters: list[Cluster], texts: list[str],
                     config: ScanConfig) -> list[_Pair]:
    """Paragraphs across the documents that are one cluster's members and identical or near, and
    identical paragraphs too short for the scan to compare."""
    sets = shingle_sets(paragraphs.texts(texts), config.shingle_size)
    identical: dict[int, list[Passage]] = {}
    for passage, key in zip(paragraphs.passages(np.arange(len(paragraphs))), sets.exact.tolist()):
        identical.setdefault(key, []).append(passage)
    pairs = _cross_pairs(paragraphs, [c.members for c in clusters] + list(identical.values()))
    checked = verify.overlaps(sets.hashes, sets.offsets, pairs)
    same = sets.exact[pairs[:, 0]] == sets.exact[pairs[:, 1]]
    keep = same | near(checked, config)
    pairs, checked, same = pairs[keep], checked.select(keep), same[keep]
    kinds = paragraph_kinds(sets.exact[pairs[:, 0]], sets.exact[pairs[:, 1]])
    # Identical text is similar in full even when it has no shingle to measure (punctuation only).
    similarity = np.where(same, 1.0, checked.jaccard()).tolist()
    containment = np.where(same, 1.0, checked.containment()).tolist()
    return [_Pair(*row) for row in zip(kinds, paragraphs.passages(pairs[:, 0]), paragraphs.passages(pairs[:, 1]),
                                       similarity, containment)]


def _passage_pairs(paragraphs: SegmentTable, sentences: SegmentTable, clusters: dict[str, list[Cluster]],
                   texts: list[str], config: ScanConfig) -> list[_Pair]:
    """Reused sentences across the documents (one sentence cluster's members), outside paragraphs that
    are copies of one another, merged into passages as the scan merges them."""
    sets = shingle_sets(sentences.texts(texts), config.sentence_shingle_size)
    pairs = _cross_pairs(sentences, [c.members for c in clusters["sentence"]])
    checked = verify.overlaps(sets.hashes, sets.offsets, pairs)
    paragraph_label = np.full(len(paragraphs), -1, dtype=np.int64)
    for c in clusters["paragraph"]:
        paragraph_label[paragraphs.rows_of(c.members)] = c.id
    keep = reused(checked, config) & outside_paragraph_matches(
        sentences.paragraph[pairs[:, 0]], sentences.paragraph[pairs[:, 1]], paragraph_label)
    a_rows, b_rows = pairs[keep, 0], pairs[keep, 1]
    result = []
    for run in adjacent_runs(sentences.doc[a_rows], a_rows, sentences.doc[b_rows], b_rows):
        a_run, b_run = a_rows[run].tolist(), b_rows[run].tolist()
        similarity, containment, _, _ = passage_overlap([sets.get(r) for r in a_run], [sets.get(r) for r in b_run])
        result.append(_Pair("partial", passage_of(sentences, a_run[0], a_run[-1]),
                            passage_of(sentences, b_run[0], b_run[-1]), similarity, containment))
    return result


def _heaviest_chain(pairs: list[_Pair]) -> list[_Pair]:
    """Maximum-weight subset increasing and non-overlapping on both sides (O(n^2), n is small).
    Of equally heavy chains the first found wins: the earliest copy of a repeated passage."""
    ordered = sorted(pairs, key=lambda p: (p.a.start, p.b.start))
    best = [p.weight for p in ordered]
    previous = [-1] * len(ordered)
    for j, pj in enumerate(ordered):
        for i in range(j):
            pi = ordered[i]
            if pi.a.end <= pj.a.start and pi.b.end <= pj.b.start and best[i] + pj.weight > best[j]:
                best[j] = best[i] + pj.weight
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
