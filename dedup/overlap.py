"""Document view: how much of each document is reused from another, and runs of repeated paragraphs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.model import Cluster, DocumentOverlap, Match, Passage, RepeatedBlock

# A cluster spread over more documents than this contributes only its member -> representative pairs,
# so a boilerplate paragraph in 10,000 files does not produce 50 million document pairs.
MAX_PAIRWISE_DOCS = 100


def document_overlaps(clusters: Sequence[Cluster], matches: Sequence[Match],
                      text_chars: Sequence[int]) -> list[DocumentOverlap]:
    """Share of each document's characters (in compared paragraphs) found in the other, for every pair
    that shares at least one cluster or passage. ``text_chars[d]`` is the compared text length of d."""
    parts: list[np.ndarray] = []  # rows of (doc, other doc, start, end): doc's text start:end is in other
    for cluster in clusters:
        members = np.array([(p.doc, p.start, p.end) for p in cluster.members], dtype=np.int64)
        docs = np.unique(members[:, 0])
        if len(docs) < 2:
            continue
        if len(docs) > MAX_PAIRWISE_DOCS:
            rep = cluster.representative
            docs = np.array([rep.doc])
            rep_row = np.array([[rep.doc, rep.start, rep.end]], dtype=np.int64)
            outside = members[members[:, 0] != rep.doc]
            parts.append(np.column_stack([np.full(len(outside), rep.doc), outside[:, 0], np.repeat(rep_row[:, 1:], len(outside), 0)]))
        pairs = np.repeat(members, len(docs), axis=0)
        others = np.tile(docs, len(members))
        keep = pairs[:, 0] != others
        parts.append(np.column_stack([pairs[keep, 0], others[keep], pairs[keep, 1], pairs[keep, 2]]))
    cross = [m for m in matches if m.scope == "cross"]
    if cross:
        parts.append(np.array([(m.a.doc, m.b.doc, m.a.start, m.a.end) for m in cross]
                              + [(m.b.doc, m.a.doc, m.b.start, m.b.end) for m in cross], dtype=np.int64))
    if not parts:
        return []
    covered = _covered_chars(np.concatenate(parts))
    pairs = sorted({(min(a, b), max(a, b)) for a, b in covered})
    return [
        DocumentOverlap(a, b, _share(covered.get((a, b), 0), text_chars[a]), _share(covered.get((b, a), 0), text_chars[b]))
        for a, b in pairs
    ]


def _covered_chars(rows: np.ndarray) -> dict[tuple[int, int], int]:
    """Characters covered by the union of intervals, per (doc, other) pair, vectorised."""
    rows = rows[np.lexsort((rows[:, 2], rows[:, 1], rows[:, 0]))]
    group = np.r_[True, (rows[1:, 0] != rows[:-1, 0]) | (rows[1:, 1] != rows[:-1, 1])].cumsum() - 1
    # Shift each group far apart so one running maximum over everything never crosses groups.
    shift = group * (int(rows[:, 3].max()) + 1)
    start, end = rows[:, 2] + shift, rows[:, 3] + shift
    reach = np.maximum.accumulate(end)
    previous_reach = np.r_[-1, reach[:-1]]
    first_of_group = np.r_[True, group[1:] != group[:-1]]
    previous_reach[first_of_group] = start[first_of_group]
    gained = np.clip(end - np.maximum(start, previous_reach), 0, None)
    totals = np.bincount(group, weights=gained)
    heads = np.flatnonzero(first_of_group)
    return {(int(rows[i, 0]), int(rows[i, 1])): int(total) for i, total in zip(heads, totals)}


def _share(chars: int, total: int) -> float:
    return min(chars / total, 1.0) if total else 0.0


def repeated_blocks(matches: Sequence[Match], paragraph_index: dict[Passage, int]) -> list[RepeatedBlock]:
    """Runs of paragraph matches that are consecutive on both sides, e.g. lines 9-15 repeating 2-8."""
    candidates = sorted(
        (m for m in matches if m.kind in ("exact", "near") and m.a in paragraph_index and m.b in paragraph_index),
        key=lambda m: (m.b.doc, m.a.doc, paragraph_index[m.b]),
    )
    blocks: list[RepeatedBlock] = []
    run: list[Match] = []
    for match in candidates:
        if run and _continues(run[-1], match, paragraph_index):
            run.append(match)
            continue
        if run:
            blocks.append(_block(run))
        run = [match]
    if run:
        blocks.append(_block(run))
    return [b for b in blocks if b.count > 1]


def _continues(previous: Match, match: Match, index: dict[Passage, int]) -> bool:
    return (match.a.doc == previous.a.doc and match.b.doc == previous.b.doc
            and index[match.b] == index[previous.b] + 1 and index[match.a] == index[previous.a] + 1)


def _block(run: list[Match]) -> RepeatedBlock:
    first, last = run[0], run[-1]
    kind = "exact" if all(m.kind == "exact" for m in run) else "near"
    a = Passage(first.a.doc, first.a.start, last.a.end, first.a.line, last.a.end_line)
    b = Passage(first.b.doc, first.b.start, last.b.end, first.b.line, last.b.end_line)
    return RepeatedBlock(kind, a, b, len(run))
