"""Local engine: the signature stage over independent batches, one thread per worker (the compiled
loops release the GIL); the pure-Python stages (segmentation, figures, diffs) hold the GIL, so with
more than one worker they run in worker processes. The other primitives are compiled or vectorised;
files are read in this process, one after another (:func:`dedup.sources.read_documents`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import nullcontext
from typing import Any

import numpy as np

from dedup import candidates, verify
from dedup.cluster import Clustering, cluster
from dedup.engines import chunks
from dedup.engines.base import Advance, Result
from dedup.minhash import sign_texts
from dedup.segment import SegmentTexts
from dedup.shingle import ShingleSets
from dedup.sources import DEFAULT_GLOBS, MAX_DOCUMENT_BYTES, Document, Warn, read_documents

# Texts per signature batch: enough that a batch's compiled work dwarfs its start-up, few enough that two
# threads get many batches to share (measured on Debian paragraphs: 2-thread scaling peaks around here).
BATCH_TEXTS = 8192
MIN_BATCH_TEXTS = 512  # the last, shrinking batches of several workers (see batches)
# Below this many calls, or this much estimated work (characters, when the caller gives costs), a worker
# process costs more to start and feed than it saves.
PROCESS_MIN_CALLS = 2_000
PROCESS_MIN_COST = 1_000_000
CHUNKS_PER_WORKER = 8  # smaller chunks balance uneven work and let the progress bar move


class LocalEngine:
    """The reference engine (see :class:`dedup.engines.base.Engine`); close it (or use ``with``) to
    stop its worker processes, if ``starmap`` started any."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def read(self, paths: Sequence[str | os.PathLike[str]], *, globs: Sequence[str] = DEFAULT_GLOBS,
             warn: Warn = lambda message: None, skip_bad_lines: bool = False,
             max_document_bytes: int = MAX_DOCUMENT_BYTES) -> list[Document]:
        return read_documents(paths, globs=globs, warn=warn, skip_bad_lines=skip_bad_lines,
                              max_document_bytes=max_document_bytes)

    def sign(self, texts: SegmentTexts, shingle_size: int, num_perm: int, seed: int, *,
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

    def starmap(self, function: Callable[..., Result], arguments: Sequence[tuple[Any, ...]], *,
                progress: Advance | None = None, costs: Sequence[int] | None = None) -> list[Result]:
        heavy = len(arguments) >= PROCESS_MIN_CALLS or (costs is not None and sum(costs) >= PROCESS_MIN_COST)
        pool = self._processes() if heavy else None
        parts = chunks.split(arguments, self.workers * CHUNKS_PER_WORKER if pool else CHUNKS_PER_WORKER,
                             costs=costs)
        done = (pool.map(chunks.apply, [function] * len(parts), parts) if pool
                else (chunks.apply(function, part) for part in parts))
        results: list[Result] = []
        for part, part_results in zip(parts, done):
            results.extend(part_results)
            if progress:
                progress(len(part))
        return results

    def _processes(self) -> ProcessPoolExecutor | None:
        """The worker processes, started on first use and kept until ``close``. Forked: a worker
        starts at once and needs no import of the caller's main module (which "spawn" would run
        again); where fork is not available the work stays in this process."""
        if self._pool is None and self.workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
        return self._pool


def sign_batch(texts: Sequence[str], shingle_size: int, num_perm: int, seed: int) -> tuple[ShingleSets, np.ndarray]:
    """Shingle (normalised) and sign one batch of raw texts (``num_perm == 0``: no signatures)."""
    return sign_texts(texts, shingle_size, num_perm, seed)


def batches(count: int, batch_texts: int, workers: int = 1) -> list[tuple[int, int]]:
    """Consecutive ``(start, end)`` spans of ``batch_texts`` texts: by count, not by characters, so
    threads start without a pass over every text. With several workers the last spans shrink (each a
    ``2 * workers``-th of what is left, down to ``MIN_BATCH_TEXTS``), so the workers finish together
    rather than one signing a whole batch while the others wait."""
    spans, start, step = [], 0, max(batch_texts, 1)
    while start < count:
        size = step if workers <= 1 else min(step, max((count - start) // (2 * workers), MIN_BATCH_TEXTS))
        spans.append((start, min(start + size, count)))
        start += size
    return spans


def sign_all(texts: Sequence[str], shingle_size: int, num_perm: int, seed: int, *, workers: int = 1,
             progress: Advance | None = None, batch_texts: int = BATCH_TEXTS) -> tuple[ShingleSets, np.ndarray]:
    """Shingle sets and signatures of every text, in order; ``progress`` gets the texts done per batch.

    With ``workers > 1`` batches are signed by that many threads: the tokeniser, shingler and MinHash
    loops are compiled without the GIL, and threads share the texts and the results, where processes
    would have to send them through pipes (measured: processes ran slower than one worker, because a
    paragraph's signature outweighs its text; see benchmarks/). A thread holds the GIL only to join
    and encode its batch (two C calls, see :func:`~dedup.shingle.run_kernel`), and each batch writes
    its rows of one signature matrix in place.
    """
    spans = batches(len(texts), batch_texts, workers)
    sigs = np.empty((len(texts), num_perm), dtype=np.uint32)

    def sign(span: tuple[int, int]) -> ShingleSets:
        start, end = span
        return sign_texts(texts[start:end], shingle_size, num_perm, seed, sigs[start:end])[0]

    parts: list[ShingleSets] = []
    with ThreadPoolExecutor(max_workers=workers) if workers > 1 and len(spans) > 1 else nullcontext() as pool:
        for (start, end), sets in zip(spans, pool.map(sign, spans) if pool else map(sign, spans)):
            parts.append(sets)
            if progress:
                progress(end - start)
    return concatenate_sets(parts), sigs


def concatenate_sets(parts: Sequence[ShingleSets]) -> ShingleSets:
    """Join batch results into one CSR."""
    if not parts:
        return ShingleSets(np.empty(0, np.uint64), np.zeros(1, np.int64), np.empty(0, np.uint64),
                           np.empty(0, np.int32))
    shifts = np.cumsum([0] + [len(p.hashes) for p in parts[:-1]])
    offsets = np.concatenate([parts[0].offsets[:1]] + [p.offsets[1:] + shift for p, shift in zip(parts, shifts)])
    return ShingleSets(np.concatenate([p.hashes for p in parts]), offsets, np.concatenate([p.exact for p in parts]),
                       np.concatenate([p.words for p in parts]))
