"""Candidates: pairs of segments worth verifying.

Paragraphs: LSH banding of MinHash signatures. ``bands`` x ``rows`` is chosen from the threshold the
way datasketch does (minimising the weighted false positive and false negative areas under the
S-curve ``P(candidate | s) = 1 - (1 - s**rows)**bands``); band keys are hashed from the signature
matrix and candidate pairs found by sorting the keys of each band, not by a hash table per entry.

Sentences: a reused passage may be a small part of a long sentence, which Jaccard-tuned LSH misses,
so sentence candidates come from shared shingles instead: pairs that share at least ``min_shared``
shingles, counted by sorting ``(shingle, sentence)`` pairs. Shingles in more than ``max_df``
sentences are stock phrases and give no evidence.

A bucket of many identical keys (a paragraph copied into 300 files) pairs each member only with the
``SMALL_BUCKET - 1`` members before it, and members further down also with the bucket's first
member, so the work stays linear in the bucket size (about 31 candidates per member, never the
45,000 pairs of all 300). Exact copies never get here: they are grouped before LSH.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SMALL_BUCKET = 32
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _false_positive_area(threshold: float, bands: int, rows: int, grid: int = 2001) -> float:
    s = np.linspace(0.0, threshold, grid)
    return float(np.trapezoid(1.0 - (1.0 - s**rows) ** bands, s))


def _false_negative_area(threshold: float, bands: int, rows: int, grid: int = 2001) -> float:
    s = np.linspace(threshold, 1.0, grid)
    return float(np.trapezoid((1.0 - s**rows) ** bands, s))


# Every candidate is verified on its exact shingle sets, so a false positive costs a little time and a
# false negative costs a missed copy: weigh misses 9:1 (datasketch weighs them 1:1). At threshold 0.7
# and 128 permutations this gives 20 bands x 6 rows: P(candidate) = 0.92 at s = 0.7, 0.998 at 0.8.
FALSE_POSITIVE_WEIGHT = 0.1
FALSE_NEGATIVE_WEIGHT = 0.9


@lru_cache(maxsize=64)
def optimal_params(threshold: float, num_perm: int, false_positive_weight: float = FALSE_POSITIVE_WEIGHT,
                   false_negative_weight: float = FALSE_NEGATIVE_WEIGHT) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows <= num_perm`` minimising the weighted error areas."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    best, best_error = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            error = (false_positive_weight * _false_positive_area(threshold, bands, rows)
                     + false_negative_weight * _false_negative_area(threshold, bands, rows))
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A ``(n, bands)`` uint64 matrix: one hash of each band's ``rows`` signature values."""
    n, num_perm = signatures.shape
    if bands * rows > num_perm:
        raise ValueError(f"bands * rows = {bands * rows} exceeds num_perm {num_perm}")
    keys = np.empty((n, bands), dtype=np.uint64)
    for band in range(bands):
        key = np.full(n, band + 1, dtype=np.uint64)
        for column in range(band * rows, (band + 1) * rows):
            key ^= signatures[:, column].astype(np.uint64)
            key *= _MIX
            key ^= key >> np.uint64(29)
        keys[:, band] = key
    return keys


def bucket_pairs(keys: np.ndarray) -> np.ndarray:
    """Candidate pairs ``(i, j)``, ``i < j``, of rows sharing a key in any column, de-duplicated."""
    found = [_pairs_of_equal_keys(keys[:, band]) for band in range(keys.shape[1])]
    return unique_pairs(np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64))


def _pairs_of_equal_keys(key: np.ndarray) -> np.ndarray:
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    same_as_next = ordered[1:] == ordered[:-1]
    if not same_as_next.any():
        return np.empty((0, 2), dtype=np.int64)
    # Keep only members of buckets with at least two rows.
    in_bucket = np.zeros(len(key), dtype=bool)
    in_bucket[:-1] |= same_as_next
    in_bucket[1:] |= same_as_next
    members = order[in_bucket]
    bucket_keys = ordered[in_bucket]
    return _pairs_within_runs(members, bucket_keys)


def _pairs_within_runs(members: np.ndarray, run_keys: np.ndarray) -> np.ndarray:
    """All pairs inside runs of equal ``run_keys`` up to SMALL_BUCKET apart; beyond, pairs with the run head."""
    starts = np.flatnonzero(np.r_[True, run_keys[1:] != run_keys[:-1]])
    run_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(members)]))
    pairs = []
    for gap in range(1, min(SMALL_BUCKET, len(members))):
        same = run_of[gap:] == run_of[:-gap]
        if not same.any():
            break
        pairs.append(np.stack([members[:-gap][same], members[gap:][same]], axis=1))
    position = np.arange(len(members)) - starts[run_of]
    far = position >= SMALL_BUCKET
    if far.any():
        pairs.append(np.stack([members[starts[run_of[far]]], members[far]], axis=1))
    return np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=np.int64)


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Sort each pair to ``i < j``, drop self-pairs and duplicates; result sorted."""
    if len(pairs) == 0:
        return np.empty((0, 2), dtype=np.int64)
    low = np.minimum(pairs[:, 0], pairs[:, 1]).astype(np.int64)
    high = np.maximum(pairs[:, 0], pairs[:, 1]).astype(np.int64)
    packed = np.unique((low << 32) | high)
    packed = packed[(packed >> 32) != (packed & 0xFFFFFFFF)]
    return np.stack([packed >> 32, packed & 0xFFFFFFFF], axis=1)


def shared_shingle_pairs(hashes: np.ndarray, offsets: np.ndarray, min_shared: int,
                         max_df: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of sets sharing at least ``min_shared`` elements, with the shared count.

    Elements held by more than ``max_df`` sets are ignored (stock phrases); each set must be
    de-duplicated (as :class:`~dedup.shingle.ShingleSets` are).

    Memory matters here (the sentence shingles of a corpus are its largest array): temporaries the
    size of ``hashes`` are few and freed as soon as they are used, and the runs are found from the
    few shingles held by two sets or more, never from all of them.
    """
    owner = np.repeat(np.arange(len(offsets) - 1, dtype=np.int32), np.diff(offsets))
    order = np.argsort(hashes, kind="stable")  # stable: owners ascend within a run of one hash
    ordered_owner = owner[order]
    del owner
    ordered_hash = hashes[order]
    del order
    same_as_next = ordered_hash[1:] == ordered_hash[:-1]
    shared = np.flatnonzero(np.r_[same_as_next, False] | np.r_[False, same_as_next])
    del same_as_next
    members, run_keys = ordered_owner[shared].astype(np.int64), ordered_hash[shared]
    del ordered_owner, ordered_hash, shared
    starts = np.flatnonzero(np.r_[True, run_keys[1:] != run_keys[:-1]])
    run_length = np.diff(np.r_[starts, len(members)])
    keep = np.repeat(run_length <= max_df, run_length)
    members, run_keys = members[keep], run_keys[keep]
    if min_shared > 1 and len(members):
        # A pair sharing min_shared elements has both sets in at least min_shared runs; most sets share
        # only a stock phrase or two, and their pairs were most of the pairs counted and then dropped.
        runs_per_set = np.bincount(members)
        keep = runs_per_set[members] >= min_shared
        members, run_keys = members[keep], run_keys[keep]
    if len(members) == 0:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, run_keys[1:] != run_keys[:-1]])
    run_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(members)]))
    pieces = []
    for gap in range(1, max_df):
        same = run_of[gap:] == run_of[:-gap]
        if not same.any():
            break
        pieces.append((members[:-gap][same] << 32) | members[gap:][same])
    if not pieces:  # the sets left share no element with one another
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    packed, counts = np.unique(np.concatenate(pieces), return_counts=True)
    strong = counts >= min_shared
    packed = packed[strong]
    return np.stack([packed >> 32, packed & 0xFFFFFFFF], axis=1), counts[strong]
