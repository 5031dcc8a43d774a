import collections

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

from dedup.candidates import SMALL_BUCKET, band_keys, bucket_pairs, optimal_params, shared_shingle_pairs, unique_pairs


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
@pytest.mark.parametrize("num_perm", [64, 128])
@pytest.mark.parametrize("weights", [(0.5, 0.5), (0.1, 0.9)])
def test_params_match_datasketch(threshold, num_perm, weights):
    assert optimal_params(threshold, num_perm, *weights) == _optimal_param(threshold, num_perm, *weights)


def test_default_params_favour_recall():
    bands, rows = optimal_params(0.7, 128)
    assert (bands, rows) == (20, 6)
    assert 1 - (1 - 0.8**rows) ** bands > 0.99


def test_params_respect_num_perm():
    bands, rows = optimal_params(0.3, 32)
    assert bands * rows <= 32


def test_identical_signatures_share_every_band():
    sig = np.array([[1, 2, 3, 4], [1, 2, 3, 4], [9, 9, 9, 9]], dtype=np.uint32)
    keys = band_keys(sig, 2, 2)
    assert np.array_equal(keys[0], keys[1]) and not np.any(keys[0] == keys[2])
    assert bucket_pairs(keys).tolist() == [[0, 1]]


def test_large_bucket_is_linear_not_quadratic():
    keys = np.zeros((300, 1), dtype=np.uint64)
    pairs = bucket_pairs(keys)
    # every member is paired with the SMALL_BUCKET-1 members before it (or with the head): about 300*31
    assert len(pairs) < 300 * SMALL_BUCKET
    assert set(np.unique(pairs)) == set(range(300))


def test_unique_pairs_orders_and_deduplicates():
    assert unique_pairs(np.array([[3, 1], [1, 3], [2, 2], [0, 5]])).tolist() == [[0, 5], [1, 3]]


def test_shared_shingle_pairs_counts_and_ignores_stock_shingles():
    #        set0: 1..8    set1: 1..6 + 50   set2: 1,2 + 90..95   set3: 1 (a stock shingle everywhere)
    sets = [list(range(1, 9)), [1, 2, 3, 4, 5, 6, 50], [1, 2, 90, 91, 92, 93], [1, 100]]
    hashes = np.concatenate([np.array(sorted(s), dtype=np.uint64) for s in sets])
    offsets = np.r_[0, np.cumsum([len(s) for s in sets])]
    # shingle 1 is in 4 sets > max_df, so it gives no evidence; shingle 2 links sets 0, 1 and 2
    pairs, shared = shared_shingle_pairs(hashes, offsets, min_shared=1, max_df=3)
    assert pairs.tolist() == [[0, 1], [0, 2], [1, 2]]
    assert shared.tolist() == [5, 1, 1]
    pairs, shared = shared_shingle_pairs(hashes, offsets, min_shared=2, max_df=3)
    assert pairs.tolist() == [[0, 1]] and shared.tolist() == [5]


def test_shared_shingle_pairs_when_the_sets_left_share_nothing():
    # set 0 is in two shared runs (shingles 1 and 2), sets 1 and 2 in one each: only set 0 is left
    sets = [[1, 2], [1, 5], [2, 6]]
    hashes = np.concatenate([np.array(s, dtype=np.uint64) for s in sets])
    pairs, shared = shared_shingle_pairs(hashes, np.array([0, 2, 4, 6]), min_shared=2, max_df=10)
    assert pairs.shape == (0, 2) and shared.tolist() == []


@pytest.mark.parametrize("seed", range(5))
def test_shared_shingle_pairs_equal_brute_force(seed):
    """Every pair with at least min_shared elements in common (stock elements, in over max_df sets,
    left out) and no other: sets dropped early for lying in too few shared runs lose no pair."""
    rng = np.random.default_rng(seed)
    sets = [np.unique(rng.zipf(1.3, rng.integers(0, 40)) % 400).astype(np.uint64) for _ in range(300)]
    hashes = np.concatenate(sets)
    offsets = np.r_[0, np.cumsum([len(s) for s in sets])]
    for min_shared, max_df in ((1, 300), (2, 50), (4, 20), (6, 256)):
        owners = collections.Counter(int(h) for h in hashes)
        kept = [{int(h) for h in s if owners[int(h)] <= max_df} for s in sets]
        expected = [(i, j, len(kept[i] & kept[j])) for i in range(len(sets)) for j in range(i + 1, len(sets))
                    if len(kept[i] & kept[j]) >= min_shared]
        pairs, shared = shared_shingle_pairs(hashes, offsets, min_shared, max_df)
        assert [(i, j, c) for (i, j), c in zip(pairs.tolist(), shared.tolist())] == expected
