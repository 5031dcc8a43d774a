"""Verification: exact Jaccard and containment of candidate pairs on their real shingle sets.

MinHash only proposes; every similarity in a report is computed here from the sets themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np


@nb.njit(nogil=True, cache=True)
def _intersections(hashes, offsets, pairs):  # pragma: no cover - compiled
    out = np.zeros(len(pairs), dtype=np.int64)
    for p in range(len(pairs)):
        i, j = pairs[p, 0], pairs[p, 1]
        x, x_end = offsets[i], offsets[i + 1]
        y, y_end = offsets[j], offsets[j + 1]
        shared = 0
        while x < x_end and y < y_end:
            if hashes[x] == hashes[y]:
                shared += 1
                x += 1
                y += 1
            elif hashes[x] < hashes[y]:
                x += 1
            else:
                y += 1
        out[p] = shared
    return out


@dataclass(frozen=True, slots=True)
class Overlaps:
    """Set overlap of pairs ``(i, j)``: shared elements and both set sizes."""

    pairs: np.ndarray
    shared: np.ndarray
    size_a: np.ndarray
    size_b: np.ndarray

    def jaccard(self) -> np.ndarray:
        union = self.size_a + self.size_b - self.shared
        return np.divide(self.shared, union, out=np.zeros(len(self.shared)), where=union > 0)

    def containment(self) -> np.ndarray:
        """Share of the smaller set found in the larger one (the overlap coefficient)."""
        smaller = np.minimum(self.size_a, self.size_b)
        return np.divide(self.shared, smaller, out=np.zeros(len(self.shared)), where=smaller > 0)

    def select(self, keep: np.ndarray) -> Overlaps:
        return Overlaps(self.pairs[keep], self.shared[keep], self.size_a[keep], self.size_b[keep])


def overlaps(hashes: np.ndarray, offsets: np.ndarray, pairs: np.ndarray) -> Overlaps:
    """Exact overlaps of ``pairs`` over the sorted sets ``hashes[offsets[i]:offsets[i+1]]``."""
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    sizes = np.diff(offsets)
    return Overlaps(pairs, _intersections(hashes, offsets, pairs), sizes[pairs[:, 0]], sizes[pairs[:, 1]])


def set_overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float, float]:
    """``(jaccard, containment, a_in_b, b_in_a)`` of two sets given as arrays (for merged passages)."""
    a, b = np.unique(a), np.unique(b)
    shared = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - shared
    return (shared / union if union else 0.0, shared / min(len(a), len(b)) if len(a) and len(b) else 0.0,
            shared / len(a) if len(a) else 0.0, shared / len(b) if len(b) else 0.0)
