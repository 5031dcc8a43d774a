"""Local engine: everything in this process; the signature stage over independent batches, one
thread per core (the compiled loops release the GIL). The other primitives are compiled or
vectorised already.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np

from dedup import candidates, verify
from dedup.cluster import Clustering, cluster
from dedup.engines.base import Advance
from dedup.minhash import signatures
from dedup.shingle import ShingleSets, shingle_sets

BATCH_CHARS = 2_000_000


class LocalEngine:
    """The reference engine (see :class:`dedup.engines.base.Engine`)."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers

    def sign(self, texts: Sequence[str], shingle_size: int, num_perm: int, seed: int, *,
             progress: Advance | None = None) -> tuple[ShingleSets, np.ndarray]:
        return sign_all(texts, shingle_size, num_perm, seed, workers=self.workers, progress=progress)

    def bucket_pairs(self, keys: np.ndarray) -> np.ndarray:
        return candidates.bucket_pairs(keys)

    def shared_shingle_pairs(self, hashes: np.ndarray, offsets: np.ndarray, min_shared: int,
                             max_df: int) -> tuple[np.ndarray, np.ndarray]:
        return candidates.shared_shingle_pairs(hashes, offsets, min_shared, max_df)

    def overlaps(self, hashes: np.ndarray, offsets: np.ndarray, pairs: np.ndarray) -> verify.Overlaps:
        return verify.overlaps(hashes, offsets, pairs)

    def cluster(self, n_nodes: int, edges: np.ndarray) -> Clustering:
        return cluster(n_nodes, edges)


def sign_batch(texts: Sequence[str], shingle_size: int, num_perm: int, seed: int) -> tuple[ShingleSets, np.ndarray]:
    """Shingle (normalised) and sign one batch of raw texts (``num_perm == 0``: no signatures)."""
    sets = shingle_sets(texts, shingle_size)
    sigs = signatures(sets, num_perm, seed) if num_perm else np.empty((len(sets), 0), dtype=np.uint32)
    return sets, sigs


def batches(texts: Sequence[str], batch_chars: int) -> Iterator[tuple[int, int]]:
    start, size = 0, 0
    for i, text in enumerate(texts):
        size += len(text)
        if size >= batch_chars:
            yield start, i + 1
            start, size = i + 1, 0
    if start < len(texts):
        yield start, len(texts)


def sign_all(texts: Sequence[str], shingle_size: int, num_perm: int, seed: int, *, workers: int = 1,
             progress: Advance | None = None, batch_chars: int = BATCH_CHARS) -> tuple[ShingleSets, np.ndarray]:
    """Shingle sets and signatures of every text, in order; ``progress`` gets the texts done per batch.

    With ``workers > 1`` batches are signed by that many threads: the tokeniser, shingler and MinHash
    loops are compiled without the GIL, and threads share the texts and the results, where processes
    would have to send them through pipes (measured: processes ran slower than one worker, because a
    paragraph's signature outweighs its text; see benchmarks/).
    """
    spans = list(batches(texts, batch_chars))

    def sign(span: tuple[int, int]) -> tuple[ShingleSets, np.ndarray]:
        return sign_batch(texts[span[0]:span[1]], shingle_size, num_perm, seed)

    results: list[tuple[ShingleSets, np.ndarray]] = []
    with ThreadPoolExecutor(max_workers=workers) if workers > 1 and len(spans) > 1 else nullcontext() as pool:
        for (start, end), result in zip(spans, pool.map(sign, spans) if pool else map(sign, spans)):
            results.append(result)
            if progress:
                progress(end - start)
    return concatenate(results, num_perm)


def concatenate(parts: Sequence[tuple[ShingleSets, np.ndarray]], num_perm: int) -> tuple[ShingleSets, np.ndarray]:
    """Join batch results into one CSR and one signature matrix."""
    if not parts:
        empty = ShingleSets(np.empty(0, np.uint64), np.zeros(1, np.int64), np.empty(0, np.uint64),
                            np.empty(0, np.int32))
        return empty, np.empty((0, num_perm), dtype=np.uint32)
    shifts = np.cumsum([0] + [len(p[0].hashes) for p in parts[:-1]])
    offsets = np.concatenate([parts[0][0].offsets[:1]] + [p[0].offsets[1:] + shift for p, shift in zip(parts, shifts)])
    sets = ShingleSets(np.concatenate([p[0].hashes for p in parts]), offsets,
                       np.concatenate([p[0].exact for p in parts]), np.concatenate([p[0].words for p in parts]))
    return sets, np.concatenate([p[1] for p in parts])
