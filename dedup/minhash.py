"""MinHash signatures of many shingle sets at once, in datasketch's "affine32" scheme.

Each shingle hash is truncated to 32 bits, pre-mixed with the MurmurHash3 32-bit finalizer and put
through ``num_perm`` affine permutations ``a*h + b mod 2**32`` (odd ``a``), with the parameters drawn
exactly as datasketch 2.x draws them from ``seed``. So ``datasketch.LeanMinHash(seed=seed,
hashvalues=row, scheme="affine32")`` equals datasketch's own MinHash of the same 32-bit shingle
hashes (tests/test_minhash.py), and signatures can be handed to datasketch's LSH classes.

The scheme is also the fastest measured: 32-bit lanes, no modulo (see benchmarks/). The loop is
compiled with numba because a numpy formulation spends its time writing the shingles x permutations
matrix to memory (about 10x slower, measured in benchmarks/).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache, partial

import numba as nb
import numpy as np

from dedup import shingle
from dedup.shingle import ShingleSets

EMPTY = np.uint32(0xFFFFFFFF)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) parameters of datasketch's affine32 scheme for ``(num_perm, seed)``."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


@nb.njit(nogil=True, cache=True)
def _signatures(hashes, offsets, a, b, out):  # pragma: no cover - compiled
    n_segments = len(offsets) - 1
    num_perm = len(a)
    out[:] = np.uint32(0xFFFFFFFF)
    mask = np.uint64(0xFFFFFFFF)
    for s in range(n_segments):
        row = out[s]
        for i in range(offsets[s], offsets[s + 1]):
            # numba widens uint32 products to 64 bits, so the 2**32 wrap-around is an explicit mask.
            h = hashes[i] & mask
            h ^= h >> np.uint64(16)
            h = (h * np.uint64(0x85EBCA6B)) & mask
            h ^= h >> np.uint64(13)
            h = (h * np.uint64(0xC2B2AE35)) & mask
            h ^= h >> np.uint64(16)
            for j in range(num_perm):
                v = np.uint32((np.uint64(a[j]) * h + np.uint64(b[j])) & mask)
                if v < row[j]:
                    row[j] = v


def signatures(shingles: ShingleSets, num_perm: int, seed: int) -> np.ndarray:
    """A ``(len(shingles), num_perm)`` uint32 matrix; an empty set's row is all ``EMPTY``."""
    out = np.empty((len(shingles), num_perm), dtype=np.uint32)
    _signatures(shingles.hashes, shingles.offsets, *permutations(num_perm, seed), out)
    return out


def shingle_hash32(shingles: ShingleSets, i: int) -> np.ndarray:
    """The 32-bit values MinHash sees for segment ``i`` (what datasketch would be fed)."""
    return (shingles.get(i) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


@nb.njit(nogil=True, cache=True)
def _shingle_and_sign(codes, bounds, fold, space, word, single, digit, complex_table, k, a, b, out):  # pragma: no cover
    hashes, offsets, exact, words, complex_rows = shingle._shingle_texts(
        codes, bounds, len(out), fold, space, word, single, digit, complex_table, k)
    if len(a) and len(offsets):
        _signatures(hashes, offsets, a, b, out)
    return hashes, offsets, exact, words, complex_rows


def sign_texts(texts: Sequence[str], k: int, num_perm: int, seed: int,
               out: np.ndarray | None = None) -> tuple[ShingleSets, np.ndarray]:
    """Shingle sets and signatures of raw texts (as :func:`~dedup.shingle.shingle_sets` then
    :func:`signatures`) in one compiled call: a thread takes the GIL once per batch, to join and
    encode it, not between the stages (measured: each re-take waited for the other thread's encoding)."""
    if out is None:
        out = np.empty((len(texts), num_perm), dtype=np.uint32)
    sets = shingle.run_kernel(texts, partial(_kernel, k, *permutations(num_perm, seed)), out)
    return sets, out


def _kernel(k: int, a: np.ndarray, b: np.ndarray, codes: np.ndarray, bounds: np.ndarray, complex_table: np.ndarray,
            out: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return _shingle_and_sign(codes, bounds, *shingle.TABLES, complex_table, k, a, b, out)
