"""Faults (issue 8): a full disk, damaged pages, two writers at once and hostile HTTP requests leave the
index as it was, never give a wrong verdict silently, and leave the service serving.

Full disks are real: a child process runs under ``RLIMIT_FSIZE`` (writes past it fail with EFBIG, which
SQLite reports as an I/O error), and, where this test may mount one (root), on a tiny tmpfs (ENOSPC,
which SQLite reports as "database or disk is full").
"""

import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager

import httpx
import pytest

from dedup.index import Index, IndexCorrupt
from tests.conftest import ROOT, SAMPLE, SEED_IDS
from tests.test_index import synthetic
from tests.test_service import AUTH, MAX_BYTES, serve

SEEDS = {name: (SAMPLE / name).read_text(encoding="utf-8") for name in SEED_IDS}
# Runs the dedup CLI (or, with -c, a script) under a file size limit; SIGXFSZ ignored so writes fail with EFBIG.
LIMITED = textwrap.dedent("""
    import resource, runpy, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = int(sys.argv.pop(1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    if sys.argv[1] == "-c":
        sys.argv[:2] = ["-c"]
        exec(sys.argv.pop(1))
    else:
        sys.argv[0] = "dedup"
        runpy.run_module("dedup", run_name="__main__")
""")


def seeded_index(path):
    """An index holding the five sample articles."""
    with Index.create(path) as index:
        index.add_many(SEEDS.items())
    return path


def contents(path):
    """What an index holds, read back after a fault: ids with texts, and the verified stats."""
    with Index.open(path) as index:
        documents = dict(index._db.execute("SELECT id, text FROM documents"))
        stats = index.stats(verify=True)
    assert stats["ok"], stats["problems"]
    return documents, {k: stats[k] for k in ("documents", "paragraphs", "sentences", "bands", "postings")}


def dedup(*args, limit=None, timeout=120):
    """``dedup ARGS`` in a fresh process, under a file size limit of ``limit`` bytes if given."""
    prefix = [sys.executable, "-m", "dedup"] if limit is None else [sys.executable, "-c", LIMITED, str(limit)]
    return subprocess.run([*prefix, *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          check=False)


def file_limit(room):
    """A file size limit that leaves the WAL ``room`` bytes. An add writes only to the WAL (one ~3-paragraph
    article takes about 110 kB), never to the index file, which may be larger than the limit; SQLite's -shm
    file takes 32 KiB."""
    return (32 << 10) + room


def articles(folder, count, paragraphs=3, start=100):
    folder.mkdir()
    for k in range(count):
        (folder / f"new{k:03}.txt").write_text(synthetic(start + k, paragraphs), encoding="utf-8")
    return folder


# --- a full disk -----------------------------------------------------------------------------------


def test_adding_past_the_file_size_limit_changes_nothing(tmp_path):
    path = seeded_index(tmp_path / "articles.db")
    before = contents(path)
    new = articles(tmp_path / "new", 30)
    result = dedup("index", "add", path, new, limit=file_limit(64 << 10))
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"dedup: error: {path}: disk full while adding 'new000.txt' and 29 more; "
                             "the index is unchanged\n")
    assert contents(path) == before

    article = new / "new000.txt"
    result = dedup("check", "--index", path, "--add", article, limit=file_limit(0))
    assert result.returncode == 2
    assert result.stderr == (f"dedup: error: {article}: {path}: disk full while adding 'new000.txt'; "
                             "the index is unchanged\n")
    assert contents(path) == before

    with Index.open(path) as index:  # with room, the same articles go in
        index.add_many((p.name, p.read_text(encoding="utf-8")) for p in sorted(new.iterdir()))
    assert len(contents(path)[0]) == len(before[0]) + 30


def test_a_batch_that_finds_no_room_keeps_the_batches_before_it(tmp_path):
    path = seeded_index(tmp_path / "articles.db")
    before, _ = contents(path)
    new = articles(tmp_path / "new", 3, paragraphs=2)
    (new / "zz-long.txt").write_text(synthetic(7, paragraphs=400), encoding="utf-8")  # needs 1.3 MB

    result = dedup("index", "add", path, new, "--batch-size", "1", "-q", limit=file_limit(512 << 10))
    assert result.returncode == 2
    assert result.stderr == (f"dedup: error: {path}: disk full while adding 'zz-long.txt'; "
                             "only the first 3 documents were added\n")
    after, _ = contents(path)
    assert set(after) == set(before) | {"new000.txt", "new001.txt", "new002.txt"}


@contextmanager
def tiny_disk(folder, size):
    """A tmpfs of ``size`` bytes mounted on ``folder``; skips the test where mounting is not allowed."""
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder, leave):
    """Fill the file system of ``folder`` until only about ``leave`` bytes are free."""
    with (folder / "filler").open("ab", buffering=0) as handle:
        while (free := shutil.disk_usage(folder).free) > leave:
            handle.write(bytes(min(free - leave, 1 << 20)))


def test_a_full_file_system(tmp_path):
    with tiny_disk(tmp_path / "disk", 2 << 20) as disk:
        path = seeded_index(disk / "articles.db")
        before = contents(path)
        new = articles(tmp_path / "new", 30)
        fill(disk, leave=96 << 10)  # room to open the index (-shm, 32 KiB), not to add 30 articles

        result = dedup("index", "add", path, new)
        assert result.returncode == 2, result.stderr
        assert result.stderr == (f"dedup: error: {path}: disk full while adding 'new000.txt' and 29 more; "
                                 "the index is unchanged\n")
        assert contents(path) == before  # readable and verified on the full disk

        for leftover in (disk / "articles.db-shm", disk / "articles.db-wal"):
            leftover.unlink(missing_ok=True)
        fill(disk, leave=0)  # not even room for SQLite's -shm file
        result = dedup("check", "--index", path, new / "new000.txt")
        assert result.returncode == 2
        assert result.stderr == (f"dedup: error: {path}: disk full: SQLite needs room next to the index for "
                                 "its -wal and -shm files\n")

        (disk / "filler").unlink()
        assert contents(path) == before
        with Index.open(path) as index:
            index.add("new000.txt", (new / "new000.txt").read_text(encoding="utf-8"))


SERVER = textwrap.dedent("""
    import socket, sys
    import uvicorn
    from dedup.service import create_app

    app = create_app(sys.argv[1])
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[socket.socket(fileno=int(sys.argv[2]))])
""")


@contextmanager
def server_process(path, limit, log):
    """The service in a child process under a file size limit, on a loopback socket bound here."""
    with socket.socket() as sock, log.open("w") as stderr:
        sock.bind(("127.0.0.1", 0))
        child = subprocess.Popen([sys.executable, "-c", LIMITED, str(limit), "-c", SERVER, str(path),
                                  str(sock.fileno())], cwd=ROOT, pass_fds=[sock.fileno()], stderr=stderr)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}", timeout=30) as client:
                deadline = time.monotonic() + 60
                while True:
                    assert child.poll() is None, f"the server exited: {log.read_text()[-2000:]}"
                    assert time.monotonic() < deadline, "the server did not start"
                    try:
                        if client.get("/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                yield client
        finally:
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def test_the_service_answers_507_when_the_disk_is_full(tmp_path):
    path = seeded_index(tmp_path / "articles.db")
    before = contents(path)
    with server_process(path, file_limit(128 << 10), tmp_path / "server.log") as client:
        response = client.post("/documents", json={"id": "long", "text": synthetic(7, paragraphs=150)})
        assert response.status_code == 507
        assert response.json() == {"detail": f"{path}: disk full while adding 'long'; the index is unchanged"}
        assert client.get("/stats").json()["documents"] == 5
        check = client.post("/check", json={"text": SEEDS[SEED_IDS[0]]})
        assert check.status_code == 200 and check.json()["verdict"] == "duplicate"
    assert contents(path) == before


# --- damaged pages ---------------------------------------------------------------------------------


def damage(path, page, kind, rng):
    """Overwrite page ``page`` (0-based) with zeros, random bytes, or a copy of the next page (a stale or
    misdirected write: a valid page in the wrong place)."""
    size = 4096
    with path.open("r+b") as handle:
        if kind == "zeroed":
            data = bytes(size)
        elif kind == "garbage":
            data = rng.randbytes(size)
        else:
            handle.seek((page + 1) % (path.stat().st_size // size) * size)
            data = handle.read(size)
        handle.seek(page * size)
        handle.write(data)


@pytest.mark.parametrize("kind", ["zeroed", "garbage", "stale copy"])
def test_no_damaged_page_gives_a_silent_verdict(tmp_path, kind):
    """Every page but the header, damaged in turn: the index is refused on open, or verification reports
    it and every check either raises IndexCorrupt or still gives the undamaged verdict."""
    intact = seeded_index(tmp_path / "intact.dedup")
    probes = list(SEEDS.values()) + [text.replace(" the ", " a ") for text in SEEDS.values()]
    with Index.open(intact) as index:
        truth = [index.check(text).to_dict()["matches"] for text in probes]
    rng = random.Random(kind)
    pages = intact.stat().st_size // 4096
    refused = 0
    for page in range(1, pages):
        path = tmp_path / f"damaged{page}.dedup"
        shutil.copy(intact, path)
        damage(path, page, kind, rng)
        try:
            index = Index.open(path)
        except IndexCorrupt as exc:
            assert "\n" not in str(exc)
            refused += 1
            continue
        with index:
            try:
                noticed = not index.stats(verify=True)["ok"]
            except IndexCorrupt:
                noticed = True
            assert noticed, f"page {page}: damage unnoticed by verification"
            for text, matches in zip(probes, truth):
                try:
                    assert index.check(text).to_dict()["matches"] == matches, f"page {page}: wrong verdict"
                except IndexCorrupt:
                    pass
    assert refused >= (pages - 1) // 2


def test_check_on_a_damaged_index_exits_2_with_the_message(tmp_path):
    path = seeded_index(tmp_path / "articles.db")
    article = SAMPLE / SEED_IDS[0]
    damaged = tmp_path / "damaged.dedup"
    shutil.copy(path, damaged)
    damage(damaged, damaged.stat().st_size // 4096 // 2, "garbage", random.Random(1))
    result = dedup("check", "--index", damaged, article)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.fullmatch(rf"dedup: error: {re.escape(str(damaged))}: corrupt[^\n]*\(.+\)\n", result.stderr)

    # The end of a text longer than a page sits alone on an overflow page: zeroed, SQLite's checks pass it.
    name = max(SEEDS, key=lambda n: len(SEEDS[n]))
    data = path.read_bytes()
    tail = SEEDS[name].rstrip()[-60:].encode()
    assert data.count(tail) == 1
    damage(path, data.index(tail) // 4096, "zeroed", None)
    article = SAMPLE / name
    result = dedup("check", "--index", path, article)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == (f"dedup: error: {article}: {path}: corrupt (the text of document {name!r} "
                             "does not match its hash)\n")
    with Index.open(path) as index:
        assert index.stats(verify=True)["problems"] == ["1 documents whose text does not match its hash"]


# --- two writers at once ---------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import json, sys
    from dedup.index import DocumentExists, Index
    from tests.test_index import synthetic

    path, name, mode = sys.argv[1:4]
    rounds, offset = 8, 1000 if name == "a" else 2000
    index = Index.open(path, quick_check=False)
    index.check(synthetic(0))  # loads the compiled loops, so neither process starts late
    print("ready", flush=True)
    sys.stdin.readline()  # both processes start on the same line from the test
    out = {"won": [], "lost": []}
    for k in range(rounds) if name == "a" else reversed(range(rounds)):  # they meet halfway, racing
        if mode == "add":
            own = [(f"{name}{k}-{j}", synthetic(offset + 10 * k + j)) for j in range(5)]
            index.add_many(own, batch_size=5)
            try:
                index.add(f"shared{k}", synthetic(offset + 500 + k))
                out["won"].append(f"shared{k}")
            except DocumentExists:
                out["lost"].append(f"shared{k}")
        else:
            verdict = index.check_and_add(f"{name}{k}", synthetic(5000 + k))
            out["won" if verdict.added else "lost"].append([k, verdict.verdict])
    print(json.dumps(out), flush=True)
""")


def run_at_once(path, mode):
    """Both writers, started on the same signal; returns each one's result."""
    children = {name: subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, mode], cwd=ROOT,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                for name in "ab"}
    try:
        for child in children.values():
            assert child.stdout.readline().strip() == "ready"
        for child in children.values():
            child.stdin.write("go\n")
            child.stdin.flush()
        results = {name: json.loads(child.communicate(timeout=120)[0]) for name, child in children.items()}
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
                child.wait()
    assert all(child.returncode == 0 for child in children.values())
    return results


def test_two_processes_adding_at_once_store_the_union(tmp_path):
    path = seeded_index(tmp_path / "articles.db")
    results = run_at_once(path, "add")
    shared = [f"shared{k}" for k in range(8)]
    a, b = results["a"], results["b"]
    assert sorted(a["won"] + b["won"]) == sorted(shared) == sorted(a["lost"] + b["lost"])
    expected = {**SEEDS}
    for name, offset in (("a", 1000), ("b", 2000)):
        expected.update({f"{name}{k}-{j}": synthetic(offset + 10 * k + j) for k in range(8) for j in range(5)})
        expected.update({f"shared{k}": synthetic(offset + 500 + k) for k in range(8)
                         if f"shared{k}" in results[name]["won"]})
    stored, _ = contents(path)
    assert stored == expected
    with Index.open(path) as index:
        for doc_id, text in stored.items():
            verdict = index.check(text)
            assert verdict.verdict == "duplicate", doc_id
            assert doc_id in {m.id for m in verdict.matches if m.relation == "duplicate"}


def test_one_new_article_checked_and_added_by_two_processes_is_stored_once(tmp_path):
    path = seeded_index(tmp_path / "articles.db")
    results = run_at_once(path, "check")
    outcomes = sorted(results["a"]["won"] + results["b"]["won"] + results["a"]["lost"] + results["b"]["lost"])
    assert outcomes == sorted([[k, "new"] for k in range(8)] + [[k, "duplicate"] for k in range(8)])
    assert sorted(k for k, _ in results["a"]["won"] + results["b"]["won"]) == list(range(8))
    assert all(verdict == "new" for _, verdict in results["a"]["won"] + results["b"]["won"])
    stored, _ = contents(path)
    assert len(stored) == 5 + 8


# --- hostile requests ------------------------------------------------------------------------------

JSON = {"content-type": "application/json"}
ARTICLE = synthetic(1)


def nested(depth):
    return "[" * depth + "]" * depth


MALFORMED = {
    "invalid JSON": ("/check", {"content": b'{"text": "unterminated', "headers": JSON}, 422),
    "a JSON array": ("/check", {"json": [{"text": ARTICLE}]}, 422),
    "JSON null": ("/documents", {"content": b"null", "headers": JSON}, 422),
    "text a number": ("/check", {"json": {"text": 42}}, 422),
    "text an object": ("/documents", {"json": {"id": "t", "text": {"body": ARTICLE}}}, 422),
    "a huge id": ("/documents", {"json": {"id": "i" * 50_000, "text": ARTICLE}}, 422),
    "metadata a list": ("/documents", {"json": {"id": "m", "text": ARTICLE, "metadata": [1, 2]}}, 422),
    "metadata a string": ("/documents", {"json": {"id": "m", "text": ARTICLE, "metadata": "x"}}, 422),
    "metadata too deep to return": (
        "/documents", {"content": b'{"id": "d", "text": "%s", "metadata": {"a": %s}}'
                       % (ARTICLE.encode(), nested(200).encode()), "headers": JSON}, 422),
    "JSON too deep to parse": ("/check", {"content": b'{"text": %s}' % nested(20_000).encode(),
                                          "headers": JSON}, 400),
    "an unknown field": ("/check", {"json": {"text": ARTICLE, "lang": "en"}}, 422),
    "a misspelt field": ("/documents", {"json": {"id": "u", "text": ARTICLE, "metdata": {}}}, 422),
    "bytes that are not UTF-8": ("/check", {"content": b'{"text": "caf\xe9 \xff\xfe"}', "headers": JSON}, 400),
    "a lone surrogate in the text": ("/check", {"content": b'{"text": "a \\ud800 b c d"}', "headers": JSON}, 422),
    "a lone surrogate in the id": ("/documents", {"content": b'{"id": "\\udc80", "text": "a b c d"}',
                                                  "headers": JSON}, 422),
    "a lone surrogate in metadata": (
        "/documents", {"content": b'{"id": "s", "text": "a b c d", "metadata": {"k": ["\\ud83d"]}}',
                       "headers": JSON}, 422),
    "an empty body": ("/check", {"content": b"", "headers": JSON}, 422),
    "an empty body, no type": ("/documents", {"content": b""}, 422),
    "a body over max_bytes": ("/documents", {"json": {"id": "big", "text": "word " * MAX_BYTES}}, 413),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """One service for every hostile request (none of them may store anything)."""
    with serve(tmp_path_factory.mktemp("hostile") / "news.dedup") as client:
        yield client


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_requests_get_a_4xx_json_error(hostile, case):
    endpoint, request, status = MALFORMED[case]
    request = {**request, "headers": {**AUTH, **request.get("headers", {})}}
    response = hostile.post(endpoint, **request)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json" and response.json()["detail"]
    assert hostile.get("/health").status_code == 200


def test_a_body_longer_than_its_content_length_is_cut_there(hostile):
    """A client declares a small body and sends one over max_bytes: the app sees the declared bytes only
    (here truncated JSON: 422), and the rest is refused as a malformed next request (uvicorn's 400)."""
    body = json.dumps({"text": "word " * MAX_BYTES}).encode()
    declared = 1000
    port = hostile.base_url.port
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % declared + body[:declared])
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 422 and json.loads(response.read())["detail"]
        try:
            sock.sendall(body[declared:])
            rest = sock.recv(1 << 16)
        except ConnectionError:  # closed without reading the rest: a reset, and no answer at all
            rest = b""
    assert rest == b"" or rest.startswith(b"HTTP/1.1 4"), rest[:100]
    assert hostile.get("/health").status_code == 200


def test_after_the_hostile_requests_nothing_is_stored_and_checks_work(hostile):
    assert hostile.get("/stats").json()["documents"] == 0
    assert hostile.post("/check", json={"text": ARTICLE}).json()["verdict"] == "new"
    response = hostile.post("/documents", json={"id": "fine", "text": ARTICLE}, headers=AUTH)
    assert response.status_code == 201 and hostile.get("/stats").json()["documents"] == 1
