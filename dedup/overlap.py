"""Document view: how much of each document is reused in another (the measure relations use), and runs of
repeated paragraphs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.model import Match, Passage, RepeatedBlock
from dedup.segment import SegmentTable


def reused_shares(rows: np.ndarray, text_chars: Sequence[int]) -> dict[tuple[int, int], float]:
    """``(doc, other) -> share of doc's compared text reused in other``, from spans ``(doc, other, start,
    end)`` of doc found in other (overlapping spans count once). The scan and the index's verdict both
    measure documents this way."""
    if len(rows) == 0:
        return {}
    return {pair: _share(chars, text_chars[pair[0]]) for pair, chars in _covered_chars(rows).items()}


def compared_chars(paragraphs: SegmentTable, compared: np.ndarray, documents: int) -> list[int]:
    """Each document's characters in ``compared`` paragraphs (:func:`dedup.matches.compared_paragraphs`)."""
    lengths = (paragraphs.end - paragraphs.start)[compared]
    return np.bincount(paragraphs.doc[compared], weights=lengths, minlength=documents).astype(np.int64).tolist()


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


def repeated_blocks(matches: Sequence[Match], paragraphs: SegmentTable) -> list[RepeatedBlock]:
    """Runs of paragraph matches that are consecutive on both sides, e.g. lines 9-15 repeating 2-8."""
    paired = [m for m in matches if m.kind in ("exact", "near")]
    if not paired:
        return []
    a_rows, b_rows = paragraphs.rows_of([m.a for m in paired]), paragraphs.rows_of([m.b for m in paired])
    a_docs, b_docs = paragraphs.doc[a_rows], paragraphs.doc[b_rows]
    order = np.lexsort((b_rows, a_docs, b_docs))
    a_rows, b_rows, a_docs, b_docs = a_rows[order], b_rows[order], a_docs[order], b_docs[order]
    continues = ((a_docs[1:] == a_docs[:-1]) & (b_docs[1:] == b_docs[:-1])
                 & (np.diff(a_rows) == 1) & (np.diff(b_rows) == 1))
    starts = np.flatnonzero(np.r_[True, ~continues])
    ends = np.r_[starts[1:], len(order)]
    return [_block([paired[i] for i in order[first:last]]) for first, last in zip(starts, ends) if last - first > 1]


def _block(run: list[Match]) -> RepeatedBlock:
    first, last = run[0], run[-1]
    kind = "exact" if all(m.kind == "exact" for m in run) else "near"
    a = Passage(first.a.doc, first.a.start, last.a.end, first.a.line, last.a.end_line)
    b = Passage(first.b.doc, first.b.start, last.b.end, first.b.line, last.b.end_line)
    return RepeatedBlock(kind, a, b, len(run))
