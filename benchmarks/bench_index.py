"""Pre-ingest index: check latency and add throughput as the index grows, next to datasketch's MinHashLSH.

For each size (stored paragraphs), an index is built with ``Index.add_many`` from the generated corpus
(:func:`benchmarks.corpora.generated`: Zipf pseudo-words, ~100-word paragraphs, 10% planted near
copies), then measured:

* ``check`` latency (p50/p99) of ~800-word articles: *update* articles (a stored article with a changed
  figure and three substituted words, so near matches and their diffs are computed) and *fresh* ones
  (not stored: nothing to verify, the look-ups alone);
* ``check_and_add`` latency of fresh articles (one transaction and one fsync each);
* add throughput of ``add_many`` (paragraphs/s, batches of 5,000 documents), disk bytes per stored
  paragraph, the bytes locked in memory per stored paragraph (the index is opened ``resident=True``, as
  ``dedup serve`` does) and the private memory (anonymous RSS) a checking process grows by per stored
  paragraph. In ``--full`` the largest index sits idle for 90 s before it is checked, so the kernel has
  evicted whatever it would evict from an idle service;
* datasketch ``MinHashLSH`` in memory on the same paragraphs and signatures (same bands and rows):
  insert throughput, query latency for the same articles (segment + sign + one query per paragraph:
  candidates only, no verification, no partial reuse, no diff) and memory per paragraph. With Redis
  storage as well when a ``redis-server`` binary and the ``redis`` package are present.

``--quick`` runs tiny sizes (CI, under a minute); ``--full`` runs 10k, 100k and 1M paragraphs;
``--paragraphs N ...`` picks the sizes. Results: ``benchmarks/results/[quick/]index.{json,md}``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from benchmarks import corpora
from benchmarks._harness import Result, Table, Target, _status_kb, parse_mode, release_memory, render_result
from dedup.candidates import optimal_params
from dedup.config import ScanConfig
from dedup.engines.local import sign_batch
from dedup.index import Index
from dedup.segment import segment_documents, split_paragraphs

SIZES = {"quick": (2_000, 10_000), "full": (10_000, 100_000, 1_000_000)}
QUERIES = {"quick": 30, "full": 200}
ADDS = {"quick": 10, "full": 50}
BATCH_DOCUMENTS = 5000  # bulk load: each batch rewrites the B-tree pages it touches once
BYTES_PER_PARAGRAPH = 720  # of the generated corpus, with a margin
ARTICLE_WORDS = (700, 900)
FRESH_BYTES_PER_ARTICLE = 40_000  # about one generated document in six has 700-900 words
TARGET_P99_MS = 20.0
IDLE_SECONDS = {"quick": 0.0, "full": 90.0}
REDIS_MAX_PARAGRAPHS = 100_000  # datasketch inserts about 1,700 paragraphs/s into Redis: 1M would take 10 min
TARGET_PARAGRAPHS = 1_000_000
_NUMBER = re.compile(r"\b\d+\b")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--paragraphs", type=int, nargs="+", help="stored paragraphs of each run")
    args, rest = parser.parse_known_args(argv)
    mode = parse_mode(__doc__.splitlines()[0], rest)
    sizes = sorted(args.paragraphs or SIZES[mode.name])
    config = ScanConfig()
    stored_corpus = corpora.generated(max(sizes) * BYTES_PER_PARAGRAPH)
    documents, paragraph_counts = _documents(stored_corpus.corpus.texts, max(sizes))
    queries = QUERIES[mode.name]
    wanted = queries + ADDS[mode.name]
    fresh = corpora.generated(wanted * FRESH_BYTES_PER_ARTICLE, seed=1).corpus.texts  # never stored
    fresh_articles = [t for t in fresh if ARTICLE_WORDS[0] <= len(t.split()) <= ARTICLE_WORDS[1]]
    if len(fresh_articles) < wanted:
        raise RuntimeError(f"{len(fresh_articles)} fresh ~800-word articles generated, {wanted} wanted")
    result = Result("index", mode, params={
        **config.as_dict(), "sizes": sizes, "queries": queries, "adds": ADDS[mode.name],
        "batch_documents": BATCH_DOCUMENTS, "corpus": stored_corpus.corpus.description,
        "redis": _redis_available()})
    ours = Table("dedup Index (SQLite file)", [
        "paragraphs", "documents", "add_many paragraphs/s", "check p50 ms (update)", "check p99 ms (update)",
        "check p50 ms (fresh)", "check p99 ms (fresh)", "check_and_add p50 ms", "check_and_add p99 ms",
        "disk bytes/paragraph", "resident bytes/paragraph", "lock s", "private memory bytes/paragraph"])
    theirs = Table("datasketch MinHashLSH, same paragraphs and signatures", [
        "storage", "paragraphs", "insert paragraphs/s", "query p50 ms (update)", "query p99 ms (update)",
        "query p50 ms (fresh)", "query p99 ms (fresh)", "memory bytes/paragraph"])
    cumulative = np.cumsum(paragraph_counts)
    for size in sizes:
        count = int(np.searchsorted(cumulative, size) + 1)
        stored = documents[:count]
        paragraphs = int(cumulative[count - 1])
        updates = _update_articles(stored, queries)
        fresh_queries = fresh_articles[:queries]
        adds = fresh_articles[queries:queries + ADDS[mode.name]]
        print(f"index: {paragraphs:,} paragraphs in {count:,} documents", flush=True)
        idle = IDLE_SECONDS[mode.name] if size == max(sizes) else 0.0
        ours.rows.append(_measure_index(stored, paragraphs, updates, fresh_queries, adds, idle))
        theirs.rows.append(_measure_datasketch("memory", stored, paragraphs, updates, fresh_queries, config))
        if result.params["redis"] and size <= REDIS_MAX_PARAGRAPHS:
            with _redis_server() as port:
                theirs.rows.append(_measure_datasketch(
                    "redis", stored, paragraphs, updates, fresh_queries, config,
                    {"type": "redis", "redis": {"host": "127.0.0.1", "port": port}}))
    ours.notes += [
        ("update: a stored ~800-word article with one figure changed and three words substituted (near "
         "matches verified, diffs with wording and figure changes computed); fresh: an unstored "
         "~800-word article"),
        ("resident: the index is opened with resident=True (as `dedup serve` does): its file pages are locked "
         "in memory (mlock), shared by every connection and process; lock s: the time that takes at open"),
        ("private memory: growth of the checking process's anonymous RSS per stored paragraph (the locked "
         "file pages are not private: they are the OS page cache)"),
        "synchronous=FULL: every check_and_add pays one fsync; add_many pays one per batch",
    ]
    if IDLE_SECONDS[mode.name]:
        ours.notes.append(f"the largest index waits {IDLE_SECONDS[mode.name]:g} s between opening and checking, "
                          "longer than this machine's kernel keeps file pages nobody reads")
    theirs.notes.append("datasketch returns LSH candidates only: no verification, partial reuse or diff")
    theirs.notes.append("memory: this process's private memory in memory storage, the Redis server's used_memory "
                        f"with Redis (run up to {REDIS_MAX_PARAGRAPHS:,} paragraphs: it inserts about 1,700/s)")
    result.tables += [ours, theirs]
    largest = ours.rows[-1]
    result.targets.append(Target(
        f"check p99 (update) at {TARGET_PARAGRAPHS:,} paragraphs", f"< {TARGET_P99_MS:g} ms",
        f"{largest[4]:.1f} ms at {largest[0]:,} paragraphs",
        largest[0] >= TARGET_PARAGRAPHS and largest[4] < TARGET_P99_MS))
    path = result.write()
    path.with_suffix(".md").write_text(render_result(result.as_dict(), level=1))


def _documents(texts: Sequence[str], paragraphs: int) -> tuple[list[str], np.ndarray]:
    """The first documents holding at least ``paragraphs`` paragraphs, with each one's paragraph count."""
    chosen, counts, total = [], [], 0
    for text in texts:
        chosen.append(text)
        counts.append(len(split_paragraphs(text)))
        total += counts[-1]
        if total >= paragraphs:
            return chosen, np.array(counts)
    raise RuntimeError(f"the generated corpus has only {total:,} paragraphs, {paragraphs:,} wanted")


def _update_articles(stored: Sequence[str], count: int) -> list[str]:
    """Stored ~800-word articles, each with one figure changed and three words substituted."""
    rng = np.random.default_rng(7)
    candidates = [t for t in stored if ARTICLE_WORDS[0] <= len(t.split()) <= ARTICLE_WORDS[1]]
    picks = rng.choice(len(candidates), min(count, len(candidates)), replace=False)
    updates = []
    for pick in picks.tolist():
        paragraphs = candidates[pick].split("\n\n")
        first = paragraphs[0]
        number = _NUMBER.search(first)
        if number is not None:
            paragraphs[0] = first[:number.start()] + str(int(number.group()) + 7) + first[number.end():]
        words = paragraphs[-1].split(" ")
        for position in rng.choice(len(words) - 1, 3, replace=False).tolist():
            words[position] = "zorblat"
        paragraphs[-1] = " ".join(words)
        updates.append("\n\n".join(paragraphs))
    return updates


def _measure_index(stored: Sequence[str], paragraphs: int, updates: Sequence[str], fresh: Sequence[str],
                   adds: Sequence[str], idle: float) -> list[object]:
    folder = Path(tempfile.mkdtemp(prefix="dedup-bench-"))
    try:
        path = folder / "bench.dedup"
        with Index.create(path) as index:
            started = time.perf_counter()
            index.add_many(((f"s{k}", text) for k, text in enumerate(stored)), batch_size=BATCH_DOCUMENTS)
            build = time.perf_counter() - started
        disk = sum(p.stat().st_size for p in folder.iterdir())
        release_memory()
        before = _private_mb()
        started = time.perf_counter()
        with Index.open(path, quick_check=False, resident=True) as index:
            lock = time.perf_counter() - started
            resident = index.stats()["resident_bytes"]
            for text in fresh[:3]:
                index.check(text)  # load numba's compiled loops
            if idle:
                print(f"  idle {idle:g} s: the kernel may evict the file pages nobody reads", flush=True)
                time.sleep(idle)
            update_ms = _latencies(index.check, updates)
            fresh_ms = _latencies(index.check, fresh)
            memory = (_private_mb() - before) * 1e6 / paragraphs
            names = iter(range(len(adds)))
            add_ms = _latencies(lambda text: index.check_and_add(f"a{next(names)}", text), adds)
    finally:
        shutil.rmtree(folder)
    print(f"  dedup: built in {build:.1f} s, check p99 {np.percentile(update_ms, 99):.1f} ms", flush=True)
    return [paragraphs, len(stored), paragraphs / build, *_p50_p99(update_ms), *_p50_p99(fresh_ms),
            *_p50_p99(add_ms), disk / paragraphs, resident / paragraphs, lock, memory]


def _measure_datasketch(storage: str, stored: Sequence[str], paragraphs: int, updates: Sequence[str],
                        fresh: Sequence[str], config: ScanConfig,
                        storage_config: dict[str, object] | None = None) -> list[object]:
    bands, rows = optimal_params(config.threshold, config.num_perm)  # the index's LSH shape
    release_memory()
    used = _memory_of(storage_config)
    before = used()
    lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm, params=(bands, rows),
                     storage_config=storage_config)
    started = time.perf_counter()
    for k in range(0, len(stored), BATCH_DOCUMENTS):
        texts = stored[k:k + BATCH_DOCUMENTS]
        table, _ = segment_documents(texts)
        _, signatures = sign_batch(table.texts(texts), config.shingle_size, config.num_perm, config.seed)
        with lsh.insertion_session() as session:
            for row, signature in enumerate(signatures):
                session.insert(f"s{k + int(table.doc[row])}#{row}",
                               LeanMinHash(seed=config.seed, hashvalues=signature, scheme="affine32"))
    insert = time.perf_counter() - started
    memory = (used() - before) * 1e6 / paragraphs

    def query(text: str) -> set[str]:
        table, _ = segment_documents([text])
        sets, signatures = sign_batch(table.texts([text]), config.shingle_size, config.num_perm, config.seed)
        found: set[str] = set()
        for row in np.flatnonzero(sets.words >= config.min_words).tolist():
            lean = LeanMinHash(seed=config.seed, hashvalues=signatures[row], scheme="affine32")
            found.update(lsh.query(lean))
        return found

    update_ms = _latencies(query, updates)
    fresh_ms = _latencies(query, fresh)
    print(f"  datasketch ({storage}): inserted in {insert:.1f} s, "
          f"query p99 {np.percentile(update_ms, 99):.2f} ms", flush=True)
    return [storage, paragraphs, paragraphs / insert, *_p50_p99(update_ms), *_p50_p99(fresh_ms), memory]


def _latencies(fn: Callable[[str], object], texts: Sequence[str]) -> np.ndarray:
    """Milliseconds of ``fn(text)`` for each text, one after another."""
    out = []
    for text in texts:
        started = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - started) * 1000)
    return np.array(out)


def _memory_of(storage_config: dict[str, object] | None) -> Callable[[], float]:
    """MB in use by datasketch's storage: this process's private memory, or the Redis server's own count."""
    if storage_config is None:
        return _private_mb
    import redis

    client = redis.Redis(port=storage_config["redis"]["port"])  # type: ignore[index]
    return lambda: client.info("memory")["used_memory"] / 1e6


def _private_mb() -> float:
    """Anonymous resident memory of this process (not the mapped index file, which the OS may drop)."""
    return _status_kb("RssAnon") * 1024 / 1e6


def _p50_p99(milliseconds: np.ndarray) -> list[float]:
    return [float(np.percentile(milliseconds, 50)), float(np.percentile(milliseconds, 99))]


def _redis_available() -> bool:
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    return shutil.which("redis-server") is not None


@contextmanager
def _redis_server() -> Iterator[int]:
    """A throw-away redis-server on a free loopback port, without persistence."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
