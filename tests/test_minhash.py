import datasketch
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.minhash import EMPTY, permutations, shingle_hash32, signatures
from dedup.normalize import normalize
from dedup.shingle import shingle_sets

TEXTS = [
    "Videos shared on social media show insurgents roaming freely through Quetta, firing rocket launchers",
    "Pakistan has repeatedly accused Baloch separatists, the Pakistani Taliban, and other militant groups",
]


def test_permutations_are_datasketch_affine32():
    a, b = permutations(128, 7)
    reference = datasketch.MinHash(num_perm=128, seed=7, scheme="affine32").permutations
    assert np.array_equal(a, reference[0]) and np.array_equal(b, reference[1])


def test_signatures_equal_datasketch_minhash_of_the_same_shingle_hashes():
    sets = shingle_sets([normalize(t) for t in TEXTS], 5)
    ours = signatures(sets, 128, 1)
    for i in range(len(TEXTS)):
        theirs = datasketch.MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=int)
        theirs.update_batch(shingle_hash32(sets, i).tolist())
        assert np.array_equal(ours[i], theirs.hashvalues)
        lean = datasketch.LeanMinHash(seed=1, hashvalues=ours[i], scheme="affine32")
        assert lean == datasketch.LeanMinHash(theirs)


def test_empty_set_signature_is_all_empty():
    sets = shingle_sets([""], 5)
    assert np.all(signatures(sets, 16, 1) == EMPTY)


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(0, 60), min_size=1, max_size=50), st.sets(st.integers(0, 60), min_size=1, max_size=50))
def test_estimate_is_within_the_minhash_error_bound(left, right):
    words = lambda s: " ".join(f"w{x}" for x in sorted(s))  # noqa: E731
    sets = shingle_sets([words(left), words(right)], 1)
    num_perm = 256
    sig = signatures(sets, num_perm, 3)
    estimate = float(np.mean(sig[0] == sig[1]))
    exact = len(left & right) / len(left | right)
    # Standard error sqrt(J(1-J)/k) <= 1/(2 sqrt(k)); 4.5 standard errors keeps flakiness negligible.
    assert abs(estimate - exact) <= 4.5 / (2 * np.sqrt(num_perm))


def test_signature_does_not_depend_on_shingle_order():
    sets = shingle_sets(["c b a d e f"], 1)
    reversed_sets = shingle_sets(["f e d a b c"], 1)
    assert np.array_equal(signatures(sets, 64, 1), signatures(reversed_sets, 64, 1))
