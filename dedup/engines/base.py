"""The engine contract: reading and the heavy, data-parallel primitives of a scan.

The pipeline and the match levels call only these; an engine decides where they run (this
process, local processes, a Ray cluster), never what they compute: reading follows the rules of
:mod:`dedup.sources` and every primitive calls the stage functions it names. Every engine must return exactly what the local engine
returns for the same input, so reports do not depend on where they were computed
(tests/test_engines.py checks that).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np

from dedup.cluster import Clustering
from dedup.segment import SegmentTable, SegmentTexts
from dedup.shingle import ShingleSets
from dedup.sources import Document, Warn
from dedup.verify import Overlaps

Advance = Callable[[int], None]  # called with the number of texts just done
Result = TypeVar("Result")


class Engine(Protocol):
    def read(self, paths: Sequence[str | os.PathLike[str]], *, globs: Sequence[str], warn: Warn,
             skip_bad_lines: bool, max_document_bytes: int) -> list[Document]:
        """The documents under ``paths``: :func:`dedup.sources.read_documents`, the same documents,
        order, warnings and errors, wherever the files are read."""
        ...

    def sign(self, texts: SegmentTexts, shingle_size: int, num_perm: int, seed: int, *,
             progress: Advance | None = None) -> tuple[ShingleSets, np.ndarray]:
        """Shingle sets (CSR) and a ``(len(texts), num_perm)`` signature matrix, rows in input order.
        ``texts`` are segments of documents, so an engine can ship a batch as the few documents it
        lies in plus offsets (:meth:`~dedup.segment.SegmentTexts.pieces`); :func:`whole_texts` makes
        them of plain strings."""
        ...

    def bucket_pairs(self, keys: np.ndarray) -> np.ndarray:
        """LSH candidate pairs from a ``(n, bands)`` band-key matrix (as :func:`dedup.candidates.bucket_pairs`)."""
        ...

    def shared_shingle_pairs(self, hashes: np.ndarray, offsets: np.ndarray, min_shared: int,
                             max_df: int) -> tuple[np.ndarray, np.ndarray]:
        """Pairs of sets sharing at least ``min_shared`` elements (as :func:`dedup.candidates.shared_shingle_pairs`)."""
        ...

    def overlaps(self, hashes: np.ndarray, offsets: np.ndarray, pairs: np.ndarray) -> Overlaps:
        """Exact overlaps of pairs (as :func:`dedup.verify.overlaps`)."""
        ...

    def cluster(self, n_nodes: int, edges: np.ndarray) -> Clustering:
        """Connected components with breadth-first parents (as :func:`dedup.cluster.cluster`)."""
        ...

    def starmap(self, function: Callable[..., Result], arguments: Sequence[tuple[Any, ...]], *,
                progress: Advance | None = None, costs: Sequence[int] | None = None) -> list[Result]:
        """``[function(*args) for args in arguments]``, in order: the pure-Python stages (segmentation,
        figures, diffs) spread over the engine's workers. ``function`` must be importable by name.
        ``costs`` estimates each call's work (its characters): workers get equal shares of it."""
        ...

    def close(self) -> None:
        """Stop the workers this engine started (processes, a local Ray instance); idempotent."""
        ...


def whole_texts(texts: Sequence[str]) -> SegmentTexts:
    """Plain strings as the segment texts :meth:`Engine.sign` takes: one segment per text, the whole of it."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    table = SegmentTable(np.arange(len(texts), dtype=np.int32), np.zeros(len(texts), dtype=np.int64), lengths,
                         np.ones(len(texts), dtype=np.int32), np.full(len(texts), -1, dtype=np.int32))
    return SegmentTexts(table, texts)
