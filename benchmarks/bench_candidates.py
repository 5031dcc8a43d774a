"""Candidate stage: dedup's sort-based LSH banding vs datasketch ``MinHashLSH`` on the same signatures.

Both get the signature matrix of the Debian paragraphs that dedup's paragraph level compares (at
least ``min_words`` words, exact repeats dropped). datasketch: ``MinHashLSH(threshold=0.8,
num_perm=128)``, insert every paragraph (as ``LeanMinHash``, built beforehand and not timed), then
query every paragraph. dedup: ``band_keys`` + ``bucket_pairs`` over the matrix with the same bands x
rows as datasketch (so the candidate sets can be compared), and once more with the bands x rows dedup
itself picks for 0.8 (recall-weighted, so more bands). Memory is the tracemalloc peak of each stage
(numpy buffers included) over the number of entries, in a separate untimed run. The candidate pairs
are compared raw and after exact-Jaccard verification: dedup pairs a bucket of more than
``SMALL_BUCKET`` equal keys only with its first member, so it emits fewer raw pairs but should
connect the same paragraphs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from datasketch import LeanMinHash, MinHashLSH
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from benchmarks import corpora
from benchmarks._harness import Result, Table, Target, measure, parse_mode, ratio, traced_peak_mb
from benchmarks.baselines import NUM_PERM, SEED, SHINGLE
from dedup.candidates import SMALL_BUCKET, band_keys, bucket_pairs, optimal_params
from dedup.config import ScanConfig
from dedup.engines.local import sign_all
from dedup.shingle import ShingleSets
from dedup.verify import overlaps

THRESHOLD = 0.8
MIN_SECONDS = 0.5  # dedup's runs repeat until they add up to this (short timings are noisy)


def entries(sets: ShingleSets, min_words: int) -> np.ndarray:
    """Rows the paragraph level compares: enough words, first of each group of exact repeats."""
    rows = np.flatnonzero(sets.words >= min_words)
    _, first = np.unique(sets.exact[rows], return_index=True)
    return np.sort(rows[first])


def dedup_candidates(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    return bucket_pairs(band_keys(signatures, bands, rows))


def datasketch_candidates(minhashes: Sequence[LeanMinHash]) -> list[tuple[int, int]]:
    """Insert every entry, then query every entry: pairs ``(i, j)``, ``i < j``, each once."""
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, minhash in enumerate(minhashes):
            session.insert(i, minhash)
    return [(i, j) for i, minhash in enumerate(minhashes) for j in lsh.query(minhash) if j > i]


def _packed(pairs: np.ndarray) -> np.ndarray:
    return np.unique((pairs[:, 0].astype(np.int64) << 32) | pairs[:, 1].astype(np.int64))


def _disconnected(edges: np.ndarray, pairs: np.ndarray, n: int) -> int:
    """How many of ``pairs`` have their two ends in different components of the graph of ``edges``."""
    if len(pairs) == 0:
        return 0
    graph = coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    return int(np.sum(label[pairs[:, 0]] != label[pairs[:, 1]]))


def main() -> None:
    mode = parse_mode(__doc__ or "")
    corpus = corpora.debian(mode.debian_bytes)
    sets, signatures = sign_all(corpus.paragraphs(), SHINGLE, NUM_PERM, SEED)
    rows = entries(sets, ScanConfig().min_words)
    matrix = np.ascontiguousarray(signatures[rows])
    n = len(rows)
    reference = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    bands, band_rows = reference.b, reference.r
    own_bands, own_rows = optimal_params(THRESHOLD, NUM_PERM)
    minhashes = [LeanMinHash(seed=SEED, hashvalues=row, scheme="affine32") for row in matrix]

    dedup_pairs, dedup_time = measure(lambda: dedup_candidates(matrix, bands, band_rows), repeat=mode.repeat,
                                      min_seconds=MIN_SECONDS)
    _, dedup_memory = traced_peak_mb(lambda: dedup_candidates(matrix, bands, band_rows))
    own_pairs, own_time = measure(lambda: dedup_candidates(matrix, own_bands, own_rows), repeat=mode.repeat,
                                  min_seconds=MIN_SECONDS)
    _, own_memory = traced_peak_mb(lambda: dedup_candidates(matrix, own_bands, own_rows))
    datasketch_list, datasketch_time = measure(lambda: datasketch_candidates(minhashes))
    _, datasketch_memory = traced_peak_mb(lambda: datasketch_candidates(minhashes))
    datasketch_pairs = np.array(datasketch_list, dtype=np.int64).reshape(-1, 2)

    result = Result("candidates", mode, params={
        "corpus": corpus.description, "entries": n, "threshold": THRESHOLD, "num_perm": NUM_PERM,
        "bands": bands, "rows": band_rows, "dedup_own_bands": own_bands, "dedup_own_rows": own_rows,
        "small_bucket": SMALL_BUCKET})

    def row(name: str, seconds: float, memory: float, pairs: int) -> list[object]:
        return [name, n, seconds, n / seconds, memory, memory * 1e6 / n, pairs]

    result.tables.append(Table(
        "LSH candidates over the same signature matrix",
        ["method", "entries", "seconds", "entries/s", "traced peak MB", "bytes/entry", "candidate pairs"],
        [row(f"dedup band_keys + bucket_pairs ({bands} x {band_rows}, as datasketch)", dedup_time.seconds,
             dedup_memory, len(dedup_pairs)),
         row(f"dedup, its own parameters ({own_bands} x {own_rows})", own_time.seconds, own_memory,
             len(own_pairs)),
         row(f"datasketch MinHashLSH insert + query ({bands} x {band_rows})", datasketch_time.seconds,
             datasketch_memory, len(datasketch_pairs))],
        [(f"corpus: {corpus.description}; {n:,} entries (≥ {ScanConfig().min_words} words, exact repeats "
          f"dropped), threshold {THRESHOLD}, {NUM_PERM} permutations"),
         ("datasketch's LeanMinHash objects are built before timing; memory is measured in a second, "
          "untimed run under tracemalloc and includes the candidate pairs each returns")]))
    result.tables.append(_agreement(sets, rows, dedup_pairs, datasketch_pairs))
    speedup = ratio(datasketch_time.seconds, dedup_time.seconds)
    memory_share = ratio(dedup_memory, datasketch_memory)
    result.targets += [
        Target("candidates vs datasketch MinHashLSH insert+query", "≥ 10x throughput", f"{speedup:.1f}x",
               speedup >= 10),
        Target("candidate memory per paragraph vs datasketch", "≤ 1/5", f"{memory_share:.3f}",
               memory_share <= 0.2),
    ]
    result.write()


def _agreement(sets: ShingleSets, rows: np.ndarray, dedup_pairs: np.ndarray,
               datasketch_pairs: np.ndarray) -> Table:
    """Raw and verified overlap of the two candidate sets (pairs are positions in ``rows``)."""
    n = len(rows)

    def verified(pairs: np.ndarray) -> np.ndarray:
        checked = overlaps(sets.hashes, sets.offsets, rows[pairs])
        return pairs[checked.jaccard() >= THRESHOLD]

    table = Table("agreement with datasketch (same bands x rows)",
                  ["pairs", "dedup", "datasketch", "both", "datasketch's missing from dedup's",
                   "datasketch's not connected by dedup's"],
                  notes=[("connected: both ends in one connected component of dedup's pairs, which is what "
                          "clustering uses; a pair not connected is a grouping dedup loses")])
    for name, ours, theirs in (("candidate pairs", dedup_pairs, datasketch_pairs),
                               (f"verified pairs (Jaccard ≥ {THRESHOLD})", verified(dedup_pairs),
                                verified(datasketch_pairs))):
        both = len(np.intersect1d(_packed(ours), _packed(theirs), assume_unique=True))
        table.rows.append([name, len(ours), len(theirs), both, len(theirs) - both,
                           _disconnected(ours, theirs, n)])
    return table

if __name__ == "__main__":
    main()
