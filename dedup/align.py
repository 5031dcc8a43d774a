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
paired twice and moved paragraphs do not cross. A run of consecutive paragraphs may pair with one paragraph
of the other document that joins them: one text laid out in other paragraphs. Paragraphs outside every
aligned passage are listed as removed (only in A) or added (only in B).
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dedup import verify
from dedup.config import ScanConfig
from dedup.diff import Diff, diff_texts
from dedup.figure_moves import settled
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
from dedup.shingle import number_hash, shingle_sets, token_hashes

# Paragraphs pair as edited when this share of their word 3-shingles agree (numbers masked), or lines of
# at most EDITED_LINE_WORDS words when as many of their words do, or a quarter and the first one.
EDITED_SIMILARITY = 0.5
EDITED_SHINGLE = 3
EDITED_LINE_WORDS = 16
EDITED_LINE_SIMILARITY = 0.25
NUMBER = int(number_hash())
# Two documents with at most this many pairs of paragraphs have every pair measured for alignment.
ALL_PAIRS = 2500
# A paragraph of one document that this share of the words of each of several consecutive paragraphs of the
# other is found in may be those paragraphs joined (one text laid out in paragraphs otherwise).
JOINED_WORDS = 0.8


@dataclass(frozen=True, slots=True)
class AlignedItem:
    """``aligned`` (a and b, with the match kind, similarity and diff), ``removed`` (a only) or ``added`` (b only).
    An aligned item's kind is a match kind, or ``edited`` for a line in the same place whose words changed
    too much to be a copy."""

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
    return align_texts([d.text for d in report.documents], report.clusters, paragraphs, sentences, config)


def align_texts(texts: Sequence[str], found: Sequence[Cluster], paragraphs: SegmentTable, sentences: SegmentTable,
                config: ScanConfig, *, measured: bool = True) -> list[AlignedItem]:
    """Align ``texts[0]`` with ``texts[1]``, whose segments are the tables' documents 0 and 1, from the
    clusters ``found`` that hold their copies (a scan's document relations align versions this way).
    Without ``measured`` the aligned items have no similarity, containment or diff yet (see
    :func:`measure`): what lines up is known before what changed is worked out."""
    texts = list(texts)
    clusters: dict[str, list[Cluster]] = {"paragraph": [], "sentence": []}
    for c in found:
        clusters[c.level].append(c)
    candidates = (_paragraph_pairs(paragraphs, clusters["paragraph"], texts, config)
                  + _passage_pairs(paragraphs, sentences, clusters, texts, config))
    candidates += _edited_pairs(candidates, paragraphs, texts)
    candidates += _joined_pairs(paragraphs, texts, config)
    chosen = _heaviest_chain(candidates)
    items = [AlignedItem("aligned", p.a, p.b, p.kind) for p in chosen]
    for doc, status in ((0, "removed"), (1, "added")):
        spans = [p.a if doc == 0 else p.b for p in chosen]
        for paragraph in paragraphs.passages(np.flatnonzero(paragraphs.doc == doc)):
            if not _covered(paragraph, spans):
                items.append(AlignedItem(status, paragraph if doc == 0 else None, paragraph if doc == 1 else None))
    items = sorted(items, key=_reading_order(items))
    return measure(items, texts, config) if measured else items


def measure(items: Sequence[AlignedItem], texts: Sequence[str], config: ScanConfig, *,
            diff_exact: bool = True) -> list[AlignedItem]:
    """``items`` with each aligned pair's similarity and containment as written and its diff
    (``texts[p.doc]`` holds each passage p). Without ``diff_exact`` an exact pair (the same normalised
    text) gets no diff: a scan's reports show only what changed."""
    aligned = [i for i in items if i.status == "aligned" and i.a is not None and i.b is not None]
    spans = [(texts[i.a.doc][i.a.start:i.a.end], texts[i.b.doc][i.b.start:i.b.end]) for i in aligned]  # type: ignore[union-attr]
    # An edited line is measured as reused sentences are, on the shorter shingles.
    measures = as_written(spans, [i.kind if i.kind != "edited" else "partial" for i in aligned], config)
    done = {id(i): dataclasses.replace(i, similarity=similarity, containment=containment,
                                       diff=diff_texts(a, b, i.a.start, i.b.start)  # type: ignore[union-attr]
                                       if diff_exact or i.kind != "exact" else None)
            for i, (a, b), (similarity, containment, _, _) in zip(aligned, spans, measures)}
    return _without_moved_figures([done.get(id(i), i) for i in items], texts)


def _without_moved_figures(items: list[AlignedItem], texts: Sequence[str]) -> list[AlignedItem]:
    """``items`` without the figures their diffs list as removed or added that did not go, and with a figure
    relabelled under another sign as one sign change (:func:`dedup.figure_moves.settled`)."""
    passages = [i.diff.figures for i in items if i.diff is not None and i.diff.figures]
    aligned = next((i for i in items if i.a is not None and i.b is not None), None)
    if not passages or aligned is None:
        return items
    settled_figures = settled(passages, texts[aligned.a.doc], texts[aligned.b.doc])  # type: ignore[union-attr]
    out = []
    for item in items:
        if item.diff is None:
            out.append(item)
            continue
        kept = [settled_figures.get(id(f), f) for f in item.diff.figures]
        kept = [f for f in kept if f is not None]
        out.append(item if kept == list(item.diff.figures)
                   else dataclasses.replace(item, diff=dataclasses.replace(item.diff, figures=tuple(kept))))
    return out


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
    identical paragraphs too short for the scan to compare. Documents of at most
    :data:`ALL_PAIRS` paragraph pairs have every pair measured: a corrected paragraph whose figure's unit
    changed (``a year`` -> ``a day``) is near its original even where the evidence rule left it out."""
    sets = shingle_sets(paragraphs.texts(texts), config.shingle_size)
    identical: dict[int, list[Passage]] = {}
    everything = paragraphs.passages(np.arange(len(paragraphs)))
    for passage, key in zip(everything, sets.exact.tolist()):
        identical.setdefault(key, []).append(passage)
    groups = [c.members for c in clusters] + list(identical.values())
    if int((paragraphs.doc == 0).sum()) * int((paragraphs.doc == 1).sum()) <= ALL_PAIRS:
        groups.append(everything)
    pairs = _cross_pairs(paragraphs, groups)
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


def _edited_pairs(found: list[_Pair], paragraphs: SegmentTable, texts: list[str]) -> list[_Pair]:
    """Paragraphs of two short documents (at most :data:`ALL_PAIRS` pairs) that are not copies but share
    most of their word 3-shingles (numbers masked), or short lines that share most of their words, or
    keep their first word and a quarter of them: a results line whose figures and sign changed (``Shr profit 61 cts`` -> ``Shr
    loss 1.59 dlrs``) is too short to be a near copy, yet it is the line a correction changed. They align
    where nothing closer does."""
    left = np.flatnonzero(paragraphs.doc == 0)
    right = np.flatnonzero(paragraphs.doc == 1)
    if not len(left) or not len(right) or len(left) * len(right) > ALL_PAIRS:
        return []
    rows = np.r_[left, right]
    spans = paragraphs.texts(texts, rows.tolist())
    pairs = np.array([(i, len(left) + j) for i in range(len(left)) for j in range(len(right))],
                     dtype=np.int64).reshape(-1, 2)
    words, shingles = shingle_sets(spans, 1), shingle_sets(spans, EDITED_SHINGLE)
    word_jaccard = verify.overlaps(words.hashes, words.offsets, pairs).jaccard().tolist()
    shingle_jaccard = verify.overlaps(shingles.hashes, shingles.offsets, pairs).jaccard().tolist()
    first_word = [tokens[0] if tokens else None for tokens in _token_lists(spans)]
    short = (words.words <= EDITED_LINE_WORDS).tolist()
    copies = {(p.a.start, p.b.start) for p in found if p.kind != "partial"}
    held = _held_word_for_word(words.exact, len(left)).tolist()  # aligns with its copy, not as a line edited
    passages = paragraphs.passages(rows)
    out = []
    for (i, j), by_words, by_shingles in zip(pairs.tolist(), word_jaccard, shingle_jaccard):
        a, b = passages[i], passages[j]
        if (a.start, b.start) in copies or held[i] or held[j]:
            continue
        same_start = first_word[i] is not None and first_word[i] == first_word[j] and first_word[i] != NUMBER
        line = short[i] and short[j] and (by_words >= EDITED_SIMILARITY
                                          or (same_start and by_words >= EDITED_LINE_SIMILARITY))
        if by_shingles >= EDITED_SIMILARITY or line:
            out.append(_Pair("edited", a, b, max(by_shingles, by_words), max(by_shingles, by_words)))
    return out


def _joined_pairs(paragraphs: SegmentTable, texts: list[str], config: ScanConfig) -> list[_Pair]:
    """Runs of consecutive paragraphs of one of two short documents (at most :data:`ALL_PAIRS` pairs) paired with
    one paragraph of the other that joins them: the same text laid out otherwise (a story re-sent with its lines
    wrapped at other places, a paragraph a line) is one passage, not a paragraph whose words were added and
    others removed. A run is kept when the paragraph holds :data:`JOINED_WORDS` of each of its members' words,
    none of which the paragraph's document holds word for word, and the run's text, read whole, is a near copy
    of it."""
    left = np.flatnonzero(paragraphs.doc == 0)
    right = np.flatnonzero(paragraphs.doc == 1)
    if (len(left) < 2 and len(right) < 2) or len(left) * len(right) > ALL_PAIRS:
        return []
    rows = np.r_[left, right]
    words = shingle_sets(paragraphs.texts(texts, rows.tolist()), 1)
    pairs = np.array([(i, len(left) + j) for i in range(len(left)) for j in range(len(right))],
                     dtype=np.int64).reshape(-1, 2)
    checked = verify.overlaps(words.hashes, words.offsets, pairs)
    held = (checked.shared / np.maximum(checked.size_a, 1)).reshape(len(left), len(right))  # of a's words in b
    holds = (checked.shared / np.maximum(checked.size_b, 1)).reshape(len(left), len(right))  # of b's words in a
    alone = ~_held_word_for_word(words.exact, len(left))  # a paragraph with a copy aligns with it, never in a run
    a_alone, b_alone = alone[:len(left)], alone[len(left):]
    runs = [(left[first:last + 1], right[j:j + 1]) for j in range(len(right))
            for first, last in _runs((held[:, j] >= JOINED_WORDS) & a_alone)]
    runs += [(left[i:i + 1], right[first:last + 1]) for i in range(len(left))
             for first, last in _runs((holds[i, :] >= JOINED_WORDS) & b_alone)]
    if not runs:
        return []
    a_side = [paragraphs.passages(a[:1], a[-1:])[0] for a, _ in runs]
    b_side = [paragraphs.passages(b[:1], b[-1:])[0] for _, b in runs]
    sets = shingle_sets([texts[p.doc][p.start:p.end] for side in (a_side, b_side) for p in side], config.shingle_size)
    measured = verify.overlaps(sets.hashes, sets.offsets,
                               np.stack([np.arange(len(runs)), len(runs) + np.arange(len(runs))], axis=1))
    similar = near(measured, config)
    kinds = paragraph_kinds(sets.exact[:len(runs)], sets.exact[len(runs):])
    return [_Pair(kind, a, b, similarity, containment)
            for a, b, kind, keep, similarity, containment in zip(a_side, b_side, kinds, similar.tolist(),
                                                                  measured.jaccard().tolist(),
                                                                  measured.containment().tolist())
            if keep or kind == "exact"]


def _held_word_for_word(exact: np.ndarray, left: int) -> np.ndarray:
    """For the paragraphs of two documents (``exact``: their normalised-text hashes, the first ``left`` of
    document 0), whether the other document holds each one word for word."""
    return np.r_[np.isin(exact[:left], exact[left:]), np.isin(exact[left:], exact[:left])]


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last)`` of each run of at least two consecutive true ``flags``, and of each of its prefixes and
    suffixes of two or more: the paragraph at either end of a run may belong to the passage next to it."""
    out: set[tuple[int, int]] = set()
    first = None
    for k, flag in enumerate([*flags.tolist(), False]):
        if flag and first is None:
            first = k
        elif not flag and first is not None:
            last = k - 1
            out.update((first, end) for end in range(first + 1, last + 1))
            out.update((start, last) for start in range(first, last))
            first = None
    return sorted(out)


def _token_lists(texts: list[str]) -> list[list[int]]:
    hashes, offsets = token_hashes(texts)
    return [hashes[offsets[i]:offsets[i + 1]].tolist() for i in range(len(texts))]


def _heaviest_chain(pairs: list[_Pair]) -> list[_Pair]:
    """Maximum-weight subset increasing and non-overlapping on both sides. Of equally heavy chains the first
    found wins: the earliest copy of a repeated passage. Each pair extends the heaviest chain that ends before it
    on both sides, found in a Fenwick tree of the chains by where they end in B (O(n log n): two licence files
    that repeat their paragraphs give tens of thousands of candidates)."""
    ordered = sorted(pairs, key=lambda p: (p.a.start, p.b.start))
    n = len(ordered)
    if not n:
        return []
    ends = sorted({p.b.end for p in ordered})
    tree: list[tuple[float, int]] = [(-math.inf, n)] * (len(ends) + 1)  # (chain weight, its last pair)

    def better(x: tuple[float, int], y: tuple[float, int]) -> bool:
        return x[0] > y[0] or (x[0] == y[0] and x[1] < y[1])

    best = [0.0] * n
    previous = [-1] * n
    by_a_end = sorted(range(n), key=lambda i: ordered[i].a.end)
    inserted = 0
    for j, pj in enumerate(ordered):
        while inserted < n and ordered[by_a_end[inserted]].a.end <= pj.a.start:
            i = by_a_end[inserted]  # ends before pj starts in A, so it was placed already
            position = bisect.bisect_left(ends, ordered[i].b.end) + 1
            while position <= len(ends):
                if better((best[i], i), tree[position]):
                    tree[position] = (best[i], i)
                position += position & -position
            inserted += 1
        found, position = (-math.inf, n), bisect.bisect_right(ends, pj.b.start)
        while position > 0:
            if better(tree[position], found):
                found = tree[position]
            position -= position & -position
        weight = pj.weight
        best[j] = weight
        if found[1] < n and found[0] + weight > weight:
            best[j], previous[j] = found[0] + weight, found[1]
    chain, k = [], max(range(n), key=best.__getitem__)
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
