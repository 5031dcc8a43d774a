"""HTTP service under load: latency per request kind, throughput, and not one 5xx or lost write.

The real server (``python -m dedup serve``: uvicorn, one process) runs on a loopback port over a temporary
index holding the sample articles and generated ones (:func:`benchmarks.corpora.generated`). Client
processes (``multiprocessing``, each with its own keep-alive ``httpx`` client, one request at a time)
send a fixed plan of requests, bounded in count and in time, on 127.0.0.1 only:

* ~80% ``POST /check``: stored articles verbatim (duplicate), stored ~800-word articles with a changed
  figure and three substituted words (near-duplicate: verification and diffs), unstored ones (new,
  until an add below stores a copy);
* ~15% ``POST /documents``: unstored articles with a first paragraph of their own and an id never used
  (each must be stored: 201);
* ~5% malformed or oversized requests, each of which must get its 4xx (413, 422 or 400).

Reported: p50/p99/max latency per kind, throughput, status counts, and errors: 5xx, connection errors
and any status a request should not get (a 4xx for a good request, a 2xx for a malformed one). After
the run the index must verify and hold exactly the documents the clients were told were stored (201).
The script exits non-zero on any error. ``--quick`` (CI, under a minute): ~3,000 stored paragraphs,
2,000 requests; ``--full``: 100,000 paragraphs, 20,000 requests.
Results: ``benchmarks/results/[quick/]service_load.{json,md}``.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

import httpx
import numpy as np

from benchmarks import corpora
from benchmarks._harness import REPO, Mode, Result, Table, Target, parse_mode, python_module
from benchmarks.bench_index import (
    ARTICLE_WORDS,
    BYTES_PER_PARAGRAPH,
    FRESH_BYTES_PER_ARTICLE,
    _documents,
    _update_articles,
)
from dedup.index import Index

SIZES = {"quick": {"paragraphs": 3_000, "requests": 2_000, "seconds": 40.0},
         "full": {"paragraphs": 100_000, "requests": 20_000, "seconds": 900.0}}
CLIENTS = 4
SHARES = {"check": 0.80, "add": 0.15, "malformed": 0.05}
MAX_BYTES = 256_000  # the server's --max-bytes: articles are 5-60 kB
START_SECONDS = 120.0  # the server checks the index's integrity before listening
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Planned:
    """One JSON ``POST``: ``kind`` is check, add or malformed, ``case`` which one; ``status`` the one
    status it must get."""

    kind: str
    case: str
    path: str
    body: bytes
    status: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one request got: ``status`` None for a connection error; ``error`` says what was wrong
    (None when ``status`` is the planned one); ``index_milliseconds`` is the time the index took (the
    verdict's ``stats.seconds``); ``stored`` the id of a document stored (201)."""

    kind: str
    case: str
    status: int | None
    milliseconds: float
    error: str | None = None
    index_milliseconds: float | None = None
    stored: str | None = None


def _body(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


# name -> (path, body, status): each must get its 4xx, and none may be stored
MALFORMED: dict[str, tuple[str, bytes, int]] = {
    "invalid JSON": ("/check", b'{"text": "unterminated', 422),
    "JSON array": ("/check", _body([{"text": "a b c d e"}]), 422),
    "text not a string": ("/check", _body({"text": 42}), 422),
    "unknown field": ("/check", _body({"text": "a b c d e", "lang": "en"}), 422),
    "huge id": ("/documents", _body({"id": "x" * 5000, "text": "a b c d e"}), 422),
    "metadata not an object": ("/documents", _body({"id": "m", "text": "a b c d e", "metadata": [1]}), 422),
    "lone surrogate": ("/documents", b'{"id": "s", "text": "a \\ud800 b c d"}', 422),
    "not UTF-8": ("/check", b'{"text": "caf\xe9 \xff"}', 400),
    "empty body": ("/check", b"", 422),
    "over max_bytes": ("/check", _body({"text": "word " * (MAX_BYTES // 5 + 100)}), 413),
}


def plan(count: int, stored: Sequence[str], updates: Sequence[str], fresh: Sequence[str],
         seed: int = 0) -> list[Planned]:
    """``count`` requests in the shares of :data:`SHARES`, in a random but fixed order.

    Each add stores a ``fresh`` text no other request sends (a text sent twice is a duplicate the
    second time, and is not stored); the checks of new articles take the fresh texts left over."""
    rng = random.Random(seed)
    kinds = rng.choices(list(SHARES), weights=list(SHARES.values()), k=count)
    adds = kinds.count("add")
    if len(fresh) <= adds:
        raise ValueError(f"{len(fresh)} fresh articles for {adds} adds: every add needs one of its own, and checks more")
    own, left = iter(fresh[:adds]), list(fresh[adds:])
    checks = [("duplicate", list(stored)), ("near-duplicate", list(updates)), ("new", left)]
    malformed = itertools.cycle(MALFORMED)  # every case once before any twice
    out = []
    for k, kind in enumerate(kinds):
        if kind == "check":
            case, texts = checks[k % len(checks)]
            out.append(Planned(kind, case, "/check", _body({"text": rng.choice(texts)}), 200))
        elif kind == "add":
            text = f"Filed by the load test as article {k}, desk {k % 7}.\n\n{next(own)}"
            document = {"id": f"load-{k}", "text": text, "metadata": {"k": k}}
            out.append(Planned(kind, "new article", "/documents", _body(document), 201))
        else:
            case = next(malformed)
            out.append(Planned(kind, case, *MALFORMED[case]))
    return out


def client(base_url: str, requests: Sequence[Planned], seconds: float) -> list[Outcome]:
    """Send ``requests`` one after another until done or ``seconds`` have passed (one client process)."""
    deadline = time.monotonic() + seconds
    outcomes = []
    with httpx.Client(base_url=base_url, timeout=60) as http:
        for request in requests:
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            try:
                response = http.post(request.path, content=request.body, headers={"content-type": JSON})
            except httpx.HTTPError as exc:
                outcomes.append(Outcome(request.kind, request.case, None, (time.perf_counter() - started) * 1000,
                                        f"{type(exc).__name__}: {exc}"))
                continue
            milliseconds = (time.perf_counter() - started) * 1000
            if response.status_code != request.status:
                outcomes.append(Outcome(request.kind, request.case, response.status_code, milliseconds,
                                        response.text[:200]))
            elif request.kind == "malformed":
                outcomes.append(Outcome(request.kind, request.case, response.status_code, milliseconds))
            else:
                verdict = response.json()
                outcomes.append(Outcome(request.kind, request.case, response.status_code, milliseconds,
                                        index_milliseconds=verdict["stats"]["seconds"] * 1000,
                                        stored=verdict.get("id")))
    return outcomes


@dataclass(frozen=True, slots=True)
class Load:
    """The outcome of a load run: every request's outcome, the wall time, and the index afterwards."""

    outcomes: list[Outcome]
    seconds: float
    documents_before: int
    documents_after: int
    stored_ids_found: bool
    verified: bool

    @property
    def errors(self) -> list[Outcome]:
        """5xx, connection errors and unexpected statuses."""
        return [o for o in self.outcomes if o.error is not None]

    @property
    def lost(self) -> bool:
        """Whether the index lost a stored document or holds one no client was told about."""
        added = sum(o.stored is not None for o in self.outcomes)
        return not self.stored_ids_found or self.documents_after != self.documents_before + added


@contextmanager
def server(index: Path, log: Path) -> Iterator[str]:
    """``dedup serve`` on a free loopback port until the block ends; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(python_module("dedup", "serve", "--index", str(index), "--host", "127.0.0.1",
                                                 "--port", str(port), "--max-bytes", str(MAX_BYTES)),
                                   cwd=REPO, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{base_url}/health", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def build_index(path: Path, documents: Sequence[tuple[str, str]]) -> int:
    """The index the server starts with; returns how many paragraphs it holds."""
    with Index.create(path) as index:
        index.add_many(documents, batch_size=5000)
        return int(index.stats()["paragraphs"])


def _client_process(base_url: str, requests: Sequence[Planned], seconds: float, ready: Any, go: Any,
                    results: Any) -> None:
    ready.put(True)  # imported: every client starts with the clock
    go.wait()
    results.put(client(base_url, requests, seconds))


def _collect(queue: Any, processes: Sequence[Any], seconds: float) -> list[Any]:
    """One item from each process, failing fast if one dies without sending it."""
    items: list[Any] = []
    deadline = time.monotonic() + seconds
    while len(items) < len(processes):
        try:
            items.append(queue.get(timeout=0.2))
        except Empty:
            if any(p.exitcode not in (None, 0) for p in processes) or time.monotonic() > deadline:
                raise RuntimeError("a client process failed (its traceback is on stderr)") from None
    return items


def run_load(index: Path, requests: Sequence[Planned], *, clients: int = CLIENTS, seconds: float = 60.0) -> Load:
    """Serve ``index`` and send ``requests`` from ``clients`` processes (request k goes to client
    k mod clients), for at most ``seconds``; then verify the index against what the clients were told."""
    with Index.open(index) as opened:
        before = len(opened)
    context = multiprocessing.get_context("spawn")  # clean client processes: no inherited threads or sockets
    ready, go, results = context.Queue(), context.Event(), context.Queue()
    with server(index, index.with_name("server.log")) as base_url:
        processes = [context.Process(target=_client_process,
                                     args=(base_url, requests[k::clients], seconds, ready, go, results))
                     for k in range(clients)]
        for process in processes:
            process.start()
        try:
            _collect(ready, processes, START_SECONDS)
            go.set()
            started = time.perf_counter()
            outcomes = [o for result in _collect(results, processes, seconds + 60) for o in result]
            elapsed = time.perf_counter() - started
        finally:
            for process in processes:
                process.join(10)
                if process.is_alive():
                    process.kill()
                    process.join()
    stored = [o.stored for o in outcomes if o.stored is not None]
    with Index.open(index) as opened:
        stats = opened.stats(verify=True)
        found = all(doc_id in opened for doc_id in stored)
    return Load(outcomes, elapsed, before, stats["documents"], found, stats["ok"])


def main(argv: Sequence[str] | None = None) -> None:
    mode = parse_mode(__doc__.splitlines()[0], argv)
    size = SIZES[mode.name]
    generated, _ = _documents(corpora.generated(size["paragraphs"] * BYTES_PER_PARAGRAPH).corpus.texts,
                              size["paragraphs"])
    documents = [(d.id, d.text) for d in corpora.sample().documents]
    documents += [(f"g{k}", text) for k, text in enumerate(generated)]
    stored = [text for _, text in documents]
    updates = _update_articles(stored, 200)
    articles = 300 + 2 * int(SHARES["add"] * size["requests"])  # one of its own per add, and some for checks
    fresh = [t for t in corpora.generated(articles * FRESH_BYTES_PER_ARTICLE, seed=1).corpus.texts
             if ARTICLE_WORDS[0] <= len(t.split()) <= ARTICLE_WORDS[1]]
    requests = plan(size["requests"], stored, updates, fresh)

    folder = Path(tempfile.mkdtemp(prefix="dedup-load-"))
    try:
        path = folder / "load.dedup"
        paragraphs = build_index(path, documents)
        print(f"service load: {len(documents):,} documents, {paragraphs:,} paragraphs; {len(requests):,} "
              f"requests from {CLIENTS} clients", flush=True)
        load = run_load(path, requests, seconds=size["seconds"])
    finally:
        shutil.rmtree(folder)
    result = report(mode, load, len(documents), paragraphs, len(requests), size["seconds"])
    result.write()
    if load.errors or load.lost or not load.verified:
        for outcome in load.errors[:20]:
            print(f"error: {outcome}", file=sys.stderr)
        sys.exit(1)


def report(mode: Mode, load: Load, documents: int, paragraphs: int, planned: int, seconds: float) -> Result:
    """The result tables of a load run."""
    outcomes = load.outcomes
    result = Result("service_load", mode, params={
        "clients": CLIENTS, "planned_requests": planned, "time_limit_seconds": seconds, "max_bytes": MAX_BYTES,
        "shares": SHARES, "stored_documents": documents, "stored_paragraphs": paragraphs,
        "server": "python -m dedup serve (uvicorn, 1 process)"})
    kinds = Table("latency by request kind", ["kind", "requests", "p50 ms", "p99 ms", "max ms",
                                              "index p50 ms", "index p99 ms", "statuses"])
    for kind in [*SHARES, "all"]:
        chosen = [o for o in outcomes if kind in ("all", o.kind)]
        index_ms = [o.index_milliseconds for o in chosen if o.index_milliseconds is not None]
        statuses = Counter(str(o.status or "connection error") for o in chosen)
        kinds.rows.append([kind, len(chosen), *_percentiles([o.milliseconds for o in chosen], 50, 99, 100),
                           *_percentiles(index_ms, 50, 99),
                           ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))])
    kinds.notes += [
        ("latency as a client sees it: request sent to response read, over a keep-alive connection, with "
         "the clients and the server sharing the machine's cores; index: the time the index itself took "
         "(the verdict's stats.seconds), the rest is HTTP, JSON, validation and waiting for the GIL, the "
         "write lock or a core"),
    ]
    server_errors = sum(o.status is not None and o.status >= 500 for o in outcomes)
    connection_errors = sum(o.status is None for o in outcomes)
    malformed = [o for o in outcomes if o.kind == "malformed"]
    totals = Table("totals", ["requests", "seconds", "requests/s", "5xx", "connection errors",
                              "unexpected statuses", "malformed given their 4xx", "stored (201)",
                              "index verified", "nothing lost"])
    totals.rows.append([len(outcomes), load.seconds, len(outcomes) / load.seconds, server_errors,
                        connection_errors, len(load.errors) - server_errors - connection_errors,
                        f"{sum(o.error is None for o in malformed)} of {len(malformed)}",
                        sum(o.stored is not None for o in outcomes), load.verified, not load.lost])
    cases = Table("malformed requests", ["case", "requests", "statuses"])
    for case in MALFORMED:
        chosen = [o for o in malformed if o.case == case]
        statuses = Counter(str(o.status or "connection error") for o in chosen)
        cases.rows.append([case, len(chosen), ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))])
    result.tables += [kinds, totals, cases]
    result.targets += [
        Target("5xx and connection errors under load", "0", str(server_errors + connection_errors),
               server_errors + connection_errors == 0),
        Target("requests with an unexpected status (4xx only for malformed ones)", "0", str(len(load.errors)),
               not load.errors),
        Target("stored documents found after the run, index verified", "all",
               "all" if load.verified and not load.lost else "no", load.verified and not load.lost),
    ]
    if len(outcomes) < planned:
        result.notes.append(f"stopped at the time limit: {len(outcomes):,} of {planned:,} requests sent")
    return result


def _percentiles(values: Sequence[float], *percents: float) -> list[float]:
    return [float(np.percentile(values, p)) if values else float("nan") for p in percents]


if __name__ == "__main__":
    main()
