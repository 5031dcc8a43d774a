"""Ray engine: the heavy primitives of a scan as Ray tasks, on this machine or across a Ray cluster.

Every task calls the same functions as :class:`~dedup.engines.local.LocalEngine`; only the split of
the work changes, and every split is one under which the result is provably the local one:

* reading: files, and Parquet files by row group, in chunks, each job read by
  :func:`dedup.sources.read_job` (a job's documents depend on its file alone); the driver plans the
  jobs and puts the results in reading order (:func:`dedup.sources.in_reading_order`);
* signatures: texts in batches, each signed by :func:`~dedup.engines.local.sign_batch` (a text's
  shingles and signature depend on that text alone);
* LSH candidates: band-key columns in groups of bands; a bucket lies inside one band, so each task
  pairs its bands alone and the driver only unions (:func:`dedup.candidates.unique_pairs`);
* shared-shingle pairs: shingles in hash ranges (blocks of sets route their elements in tasks, a
  shuffle); every owner of a shingle falls in the same range, so the ``max_df`` cut is exact per task;
  a pair may share shingles of several ranges, so the partial counts are summed (by ranges of the
  pair's first node) before the ``min_shared`` cut;
* verification: pairs in chunks, every chunk verified against the shingle arrays, put in the object
  store once (one copy per node, read without copying by the tasks of that node);
* pure-Python stages (segmentation per document, diffs per match, figure conflicts per story): calls
  in chunks, one task per chunk, results in submission order (each call depends on its arguments alone);
* clusters: connected components without any task holding every edge: components of each edge shard
  first, then large-star / small-star rounds (Kiveris et al., "Connected Components in MapReduce and
  Beyond", SoCC 2014) over node-partitioned edges until every component is a star around its
  smallest node. Parents then come from a breadth-first search *per component shard*: edges are routed
  by their component's root and each task runs :func:`dedup.cluster.cluster` on its components, so
  parents are the local ones by construction (same root, smallest-index neighbour of the previous
  level). A level-synchronous distributed BFS would need one shuffle per level; near-copy components
  are small (identical segments are stars, buckets are capped at ``SMALL_BUCKET``), so one shuffle
  and one task per group of components is cheaper and the only limit is one component per worker.

Plain tasks rather than Ray Data: the stages exchange numpy arrays (CSR sets, packed pairs) whose
order is part of the result, and tasks return them in submission order without conversion to Arrow
rows. Ray is an optional extra: it is imported when an engine is created, never with this module.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any, Self

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from dedup import candidates, sources, verify
from dedup.cluster import Clustering, cluster
from dedup.engines import chunks
from dedup.engines.base import Advance, Result
from dedup.engines.local import BATCH_TEXTS, batches, concatenate_sets, sign_batch
from dedup.segment import SegmentTexts, slice_texts
from dedup.shingle import ShingleSets
from dedup.sources import DEFAULT_GLOBS, MAX_DOCUMENT_BYTES, Document, InputError, Warn

_MIX = np.uint64(0x9E3779B97F4A7C15)
_LOW32 = np.int64(0xFFFFFFFF)
STARMAP_CHUNKS_PER_SHARD = 8  # several tasks per worker: the last ones are short, so workers finish together
STARMAP_MIN_CHUNK = 256  # a task costs about a millisecond to schedule: not for one diff
ROUTE_BLOCKS_PER_SHARD = 4  # a routing task's temporaries are a few times its block: keep blocks small
STARMAP_MIN_COST = 100_000  # the same, for calls given costs in characters (a few ms of work or more)
# Ray retries an unreachable cluster address for minutes, warning about addresses of its own; the
# address is tried first with a plain connection, which answers at once or within this many seconds.
CONNECT_TIMEOUT_S = 5.0


class ClusterUnreachable(InputError):
    """No Ray cluster answers at the address given (a usage error: exit 2 on the command line)."""


def _import_ray() -> ModuleType:
    try:
        import ray
    except ImportError as exc:
        raise ImportError("the Ray engine needs Ray and pyarrow: pip install dedup[ray]") from exc
    return ray


class RayEngine:
    """The engine contract (:class:`dedup.engines.base.Engine`) on Ray.

    Args:
        address: a running Ray cluster to join (``"auto"``, ``"ray://head:10001"``); ``None`` starts a
            local Ray instance, or uses the one this process already started.
        shards: how many pieces each stage is cut into; ``None``: the CPUs of the cluster.
        num_cpus: CPUs of the local instance started without ``address`` (``None``: all cores).
        notify: told one line when a local instance is being started (it takes a few seconds).

    Ray is connected to on first use (or :meth:`start`), but a missing Ray fails here, before a long
    read. :meth:`close` (or leaving a ``with`` block) shuts down an instance this engine started.
    """

    def __init__(self, address: str | None = None, shards: int | None = None,
                 num_cpus: int | None = None, notify: Callable[[str], None] | None = None) -> None:
        self.address = address
        self.shards = shards
        self.num_cpus = num_cpus
        self.notify = notify
        self._started = False
        _import_ray()

    def start(self) -> int:
        """Connect to Ray (starting it when needed); returns the number of shards. Called by every stage."""
        if self.shards is not None and (not isinstance(self.shards, int) or self.shards < 1):
            raise ValueError(f"shards must be a positive integer, got {self.shards!r}")
        ray = _import_ray()
        if not ray.is_initialized():
            if self.address is None:
                if self.notify is not None:
                    cpus = self.num_cpus or os.cpu_count()
                    self.notify(f"starting a local Ray instance ({cpus} CPUs); --address joins a running cluster")
                ray.init(num_cpus=self.num_cpus, include_dashboard=False, log_to_driver=False,
                         logging_level=logging.ERROR)
            else:
                check_reachable(self.address)
                try:
                    ray.init(address=self.address, log_to_driver=False, logging_level=logging.ERROR)
                except ConnectionError as exc:  # "auto" with no cluster on this machine
                    raise ClusterUnreachable(f"cannot reach a Ray cluster at {self.address} ({exc})") from None
            self._started = True
        return self.shards or max(int(ray.cluster_resources().get("CPU", 1)), 1)

    def close(self) -> None:
        """Shut Ray down if this engine started it (an instance someone else started is left running)."""
        if self._started:
            _import_ray().shutdown()
            self._started = False

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, paths: Sequence[str | os.PathLike[str]], *, globs: Sequence[str] = DEFAULT_GLOBS,
             warn: Warn = lambda message: None, skip_bad_lines: bool = False,
             max_document_bytes: int = MAX_DOCUMENT_BYTES) -> list[Document]:
        """Files, and Parquet files by row group, read in tasks (a few chunks per worker: small files
        share a task); the driver only plans and assembles. Files must be readable from every node."""
        shards = self.start()
        ray, tasks = _import_ray(), _tasks()
        paths, globs = list(paths), tuple(globs)
        plan = sources.reading_plan(paths, globs)
        jobs = [item for item in plan if isinstance(item, sources.ReadJob)]
        size = max(math.ceil(len(jobs) / (4 * shards)), 1)
        found = ray.get([tasks.read.remote(jobs[s:s + size], skip_bad_lines, max_document_bytes)
                         for s in range(0, len(jobs), size)])
        return sources.in_reading_order(paths, globs, plan, itertools.chain.from_iterable(found), warn)

    def sign(self, texts: SegmentTexts, shingle_size: int, num_perm: int, seed: int, *,
             progress: Advance | None = None) -> tuple[ShingleSets, np.ndarray]:
        shards = self.start()
        tasks = _tasks()
        spans = batches(len(texts), min(BATCH_TEXTS, math.ceil(len(texts) / shards)))
        # A batch travels as the documents it lies in and offsets, sliced in the task (no Python object
        # per segment on the driver).
        pending = {tasks.sign.remote(*texts.pieces(s, e), shingle_size, num_perm, seed): e - s for s, e in spans}
        results = _results_in_order(pending, progress)
        sigs = np.concatenate([r[1] for r in results]) if results else np.empty((0, num_perm), dtype=np.uint32)
        return concatenate_sets([r[0] for r in results]), sigs

    def bucket_pairs(self, keys: np.ndarray) -> np.ndarray:
        shards = self.start()
        bands = keys.shape[1]
        groups = np.array_split(np.arange(bands), min(shards, bands)) if bands else []
        ray, tasks = _import_ray(), _tasks()
        found = ray.get([tasks.bucket_pairs.remote(np.ascontiguousarray(keys[:, g])) for g in groups])
        return candidates.unique_pairs(np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64))

    def shared_shingle_pairs(self, hashes: np.ndarray, offsets: np.ndarray, min_shared: int,
                             max_df: int) -> tuple[np.ndarray, np.ndarray]:
        shards = self.start()
        ray, tasks = _import_ray(), _tasks()
        n_sets = len(offsets) - 1
        # Blocks of whole sets, about equal in elements; each block's task routes its elements to hash
        # ranges, so the driver only slices (a shuffle, as a cluster would run it).
        cuts = np.searchsorted(offsets, np.linspace(0, offsets[-1], ROUTE_BLOCKS_PER_SHARD * shards + 1)[1:-1])
        blocks = itertools.pairwise([0, *np.unique(cuts).tolist(), n_sets])
        routed = [_split_call(tasks.route_shingles, shards, hashes[offsets[a]:offsets[b]],
                              offsets[a:b + 1] - offsets[a], a, shards)
                  for a, b in blocks if b > a]
        if not routed:  # no sets
            return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
        counted = [_split_call(tasks.count_shared, shards, max_df, n_sets, shards, *[parts[r] for parts in routed])
                   for r in range(shards)]
        summed = ray.get([tasks.sum_shared.remote(min_shared, *[parts[p] for parts in counted])
                          for p in range(shards)])
        packed = np.concatenate([s[0] for s in summed])
        return _unpack(packed), np.concatenate([s[1] for s in summed])

    def overlaps(self, hashes: np.ndarray, offsets: np.ndarray, pairs: np.ndarray) -> verify.Overlaps:
        shards = self.start()
        ray, tasks = _import_ray(), _tasks()
        pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
        hashes_ref, offsets_ref = ray.put(hashes), ray.put(offsets)
        parts = ray.get([tasks.overlaps.remote(hashes_ref, offsets_ref, chunk)
                         for chunk in np.array_split(pairs, shards)])
        return verify.Overlaps(pairs, *(np.concatenate([getattr(p, name) for p in parts])
                                        for name in ("shared", "size_a", "size_b")))

    def starmap(self, function: Callable[..., Result], arguments: Sequence[tuple[Any, ...]], *,
                progress: Advance | None = None, costs: Sequence[int] | None = None) -> list[Result]:
        shards = self.start()
        tasks = _tasks()
        parts = chunks.split(arguments, shards * STARMAP_CHUNKS_PER_SHARD, STARMAP_MIN_CHUNK, costs, STARMAP_MIN_COST)
        done = _results_in_order({tasks.apply.remote(function, part): len(part) for part in parts}, progress)
        return [result for part in done for result in part]

    def cluster(self, n_nodes: int, edges: np.ndarray) -> Clustering:
        shards = self.start()
        ray, tasks = _import_ray(), _tasks()
        edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        edges = edges[edges[:, 0] != edges[:, 1]]  # a self-loop joins nothing (as in the local engine)
        if len(edges) == 0:
            alone = np.arange(n_nodes)
            return Clustering(np.full(n_nodes, -1, dtype=np.int64), alone, np.empty(0, dtype=np.int64))
        child, root = _star_links(edges, shards)
        root_of = np.arange(n_nodes, dtype=np.int64)
        root_of[child] = root
        representative = np.unique(root)
        label = np.full(n_nodes, -1, dtype=np.int64)
        label[child] = np.searchsorted(representative, root)
        label[representative] = np.arange(len(representative))
        # Breadth-first parents per group of whole components.
        parent = np.arange(n_nodes, dtype=np.int64)
        routed = _by_partition(edges, root_of[edges[:, 0]], shards)
        for nodes, parents in ray.get([tasks.bfs_parents.remote(shard) for shard in routed]):
            parent[nodes] = parents
        return Clustering(label, parent, representative)


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Raise :class:`ClusterUnreachable` unless something accepts connections at ``address``
    (``HOST:PORT`` or ``ray://HOST:PORT``; ``auto`` is left to Ray, which answers at once)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if address == "auto":
        return
    if not host or not port.isdigit():
        raise ClusterUnreachable(f"cannot reach a Ray cluster at {address}: the address must be HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        raise ClusterUnreachable(f"cannot reach a Ray cluster at {address} ({reason})") from None


def _star_links(edges: np.ndarray, shards: int) -> np.ndarray:
    """``(node, smallest node of its component)`` for every non-root node of the graph.

    Components of each edge shard, then large-star / small-star rounds over node partitions until the
    graph is a forest of stars around the smallest nodes; only these final links reach the driver.
    """
    ray, tasks = _import_ray(), _tasks()
    chunks = np.array_split(edges, shards)
    parts = [_split_call(tasks.shard_components, shards, chunk, shards) for chunk in chunks]
    while True:
        starred = [tasks.large_star.options(num_returns=shards + 1).remote(shards, *[p[j] for p in parts])
                   for j in range(shards)]
        if all(ray.get([s[0] for s in starred])):
            return _unpack(np.concatenate(ray.get([s[1 + j] for s in starred for j in range(shards)]))).T
        parts = [_split_call(tasks.small_star, shards, shards, *[s[1 + j] for s in starred])
                 for j in range(shards)]


# ---------------------------------------------------------------------------------------------- tasks
# Plain functions, wrapped as Ray remote functions on first use (see _tasks), so importing this module
# does not import Ray. Edges travel packed as ``(a << 32) | b`` int64 (node ids < 2**31, as in
# candidates.unique_pairs).

def _pack(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a.astype(np.int64) << 32) | b.astype(np.int64)


def _unpack(packed: np.ndarray) -> np.ndarray:
    return np.stack([packed >> 32, packed & _LOW32], axis=1)


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts (``values`` sorted)."""
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if len(values) else np.empty(0, np.int64)


def _by_partition(rows: np.ndarray, nodes: np.ndarray, shards: int) -> tuple[np.ndarray, ...]:
    """``rows`` split into ``shards`` arrays by a hash of ``nodes`` (one node per row), which balances
    the partitions even though the busiest nodes (roots) are the smallest ids."""
    partition = ((nodes.astype(np.uint64) * _MIX) >> np.uint64(40)) % np.uint64(shards)
    order = np.argsort(partition, kind="stable")
    return tuple(np.split(rows[order], np.cumsum(np.bincount(partition, minlength=shards))[:-1]))


def _returns(parts: tuple[Any, ...]) -> Any:
    """What a task with ``num_returns=len(parts)`` returns (Ray wants the bare value when it is one)."""
    return parts if len(parts) > 1 else parts[0]


def _results_in_order(pending: dict[Any, int], progress: Advance | None) -> list[Any]:
    """The results of ``pending`` (task ref -> texts it covers) in submission order; ``progress`` hears
    of each task as it finishes, whatever the order."""
    ray = _import_ray()
    order = list(pending)
    while pending and progress is not None:
        done, _ = ray.wait(list(pending), num_returns=1)
        progress(pending.pop(done[0]))
    return ray.get(order)


def _split_call(function: Any, shards: int, *args: Any) -> list[Any]:
    """Refs of the ``shards`` outputs of a remote function with one output per partition."""
    refs = function.options(num_returns=shards).remote(*args)
    return list(refs) if shards > 1 else [refs]


def _both_ways(a: np.ndarray, b: np.ndarray, shards: int) -> tuple[np.ndarray, ...]:
    """Undirected edges as directed ones, each direction in the partition of its source."""
    source, target = np.concatenate([a, b]), np.concatenate([b, a])
    return _by_partition(_pack(source, target), source, shards)


def _route_shingles_task(hashes: np.ndarray, offsets: np.ndarray, first_set: int, shards: int) -> Any:
    """The elements of a block of sets (CSR, set ids from ``first_set``) as ``(hashes, owner)`` per
    contiguous hash range; a stable sort by range keeps every set's elements together and in order."""
    owner = first_set + np.repeat(np.arange(len(offsets) - 1, dtype=np.int32), np.diff(offsets))  # see _pack
    hash_range = (((hashes >> np.uint64(32)) * np.uint64(shards)) >> np.uint64(32)).astype(
        np.min_scalar_type(shards - 1))  # small integers: numpy's stable sort is a radix sort
    order = np.argsort(hash_range, kind="stable")
    cuts = np.cumsum(np.bincount(hash_range, minlength=shards))[:-1]
    return _returns(tuple(zip(np.split(hashes[order], cuts), np.split(owner[order], cuts))))


def _count_shared_task(max_df: int, n_sets: int, shards: int, *pieces: tuple[np.ndarray, np.ndarray]) -> Any:
    """Pairs and shared counts over the shingles of one hash range (``pieces`` from the blocks of sets
    in order, so owners ascend), split by ranges of the first node."""
    hashes = np.concatenate([p[0] for p in pieces])
    owner = np.concatenate([p[1] for p in pieces])
    present, local_owner = np.unique(owner, return_inverse=True)
    offsets = np.r_[0, np.cumsum(np.bincount(local_owner, minlength=len(present)))]
    pairs, counts = candidates.shared_shingle_pairs(hashes, offsets, 1, max_df)
    first = present[pairs[:, 0]]
    packed = _pack(first, present[pairs[:, 1]])  # the local order is the global one: present is sorted
    cuts = np.searchsorted(first, [(p * n_sets) // shards for p in range(1, shards)])
    return _returns(tuple(zip(np.split(packed, cuts), np.split(counts, cuts))))


def _sum_shared_task(min_shared: int, *parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Total shared count of each pair over all hash ranges; pairs below ``min_shared`` dropped; sorted."""
    packed = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts])
    order = np.argsort(packed, kind="stable")
    packed, counts = packed[order], counts[order]
    starts = _run_starts(packed)
    totals = np.add.reduceat(counts, starts) if len(starts) else np.empty(0, dtype=np.int64)
    strong = totals >= min_shared
    return packed[starts][strong], totals[strong].astype(np.int64)


def _shard_components_task(edges: np.ndarray, shards: int) -> Any:
    """Components of one edge shard as stars around their smallest nodes, partitioned for large-star."""
    nodes, local = np.unique(edges, return_inverse=True)
    local = local.reshape(-1, 2)
    graph = coo_matrix((np.ones(len(local), dtype=np.int8), (local[:, 0], local[:, 1])),
                       shape=(len(nodes), len(nodes)))
    _, component = connected_components(graph, directed=False)
    _, first = np.unique(component, return_index=True)  # nodes are sorted: the first is the smallest
    root = nodes[first][component]
    leaf = nodes != root
    return _returns(_both_ways(nodes[leaf], root[leaf], shards))


def _large_star_task(shards: int, *parts: np.ndarray) -> tuple[Any, ...]:
    """Large-star: every neighbour larger than u is linked to the smallest node of u's neighbourhood.

    Input: directed edges partitioned by source (both directions of each edge). Returns whether the
    input was already a forest of stars around their smallest nodes (every node with a smaller
    neighbour has no other neighbour; then the output is the input), then the output edges
    ``(larger, smaller)`` partitioned by the larger node (for a small-star round, or the final result).
    """
    packed = np.unique(np.concatenate(parts))
    source, target = packed >> 32, packed & _LOW32
    starts = _run_starts(source)
    sizes = np.diff(np.r_[starts, len(packed)])
    smallest = np.minimum(source[starts], target[starts])  # targets are sorted within a source
    is_star = bool(np.all(sizes[target[starts] < source[starts]] == 1))
    group = np.repeat(np.arange(len(starts)), sizes)
    larger = target > source
    child, root = target[larger], smallest[group[larger]]
    return (is_star, *_by_partition(_pack(child, root), child, shards))


def _small_star_task(shards: int, *parts: np.ndarray) -> Any:
    """Small-star: u and all its smaller neighbours are linked to the smallest of them.

    Input: edges ``(larger, smaller)`` partitioned by the larger node. Output: undirected edges as both
    directions partitioned by source (for a large-star round).
    """
    packed = np.unique(np.concatenate(parts))
    source, target = packed >> 32, packed & _LOW32
    starts = _run_starts(source)
    smallest = np.repeat(target[starts], np.diff(np.r_[starts, len(packed)]))
    others = target != smallest
    a = np.concatenate([source[starts], target[others]])
    b = np.concatenate([target[starts], smallest[others]])
    return _returns(_both_ways(a, b, shards))


def _sign_segments_task(documents: list[str], doc: np.ndarray, start: np.ndarray, end: np.ndarray,
                      shingle_size: int, num_perm: int, seed: int) -> tuple[ShingleSets, np.ndarray]:
    """:func:`~dedup.engines.local.sign_batch` of segments given as :meth:`SegmentTexts.pieces`."""
    return sign_batch(slice_texts(documents, doc, start, end), shingle_size, num_perm, seed)


def _bfs_parents_task(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Breadth-first parents of whole components: :func:`dedup.cluster.cluster` on their own nodes,
    renumbered in order so the root and the smallest-neighbour rule are the global ones."""
    nodes, local = np.unique(edges, return_inverse=True)
    found = cluster(len(nodes), local.reshape(-1, 2))
    return nodes, nodes[found.parent]


@dataclass(frozen=True, slots=True)
class _Tasks:
    sign: Any
    bucket_pairs: Any
    route_shingles: Any
    count_shared: Any
    sum_shared: Any
    overlaps: Any
    shard_components: Any
    large_star: Any
    small_star: Any
    bfs_parents: Any
    read: Any
    apply: Any


@cache
def _tasks() -> _Tasks:
    ray = _import_ray()
    return _Tasks(*(ray.remote(f) for f in (
        _sign_segments_task, candidates.bucket_pairs, _route_shingles_task, _count_shared_task, _sum_shared_task,
        verify.overlaps, _shard_components_task, _large_star_task, _small_star_task, _bfs_parents_task,
        sources.read_jobs, chunks.apply)))
