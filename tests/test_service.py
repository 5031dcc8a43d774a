import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from dedup.index import Index, IndexCorrupt
from dedup.service import create_app
from tests.conftest import seed
from tests.test_index import seed_text, synthetic

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_BYTES = 100_000


@contextmanager
def serve(path, **options):
    """The real service on a free loopback port, served by uvicorn in a background thread (``options``:
    more of ``create_app``'s)."""
    Index.create(path).close()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(path, token=TOKEN, max_bytes=MAX_BYTES, **options), log_level="warning")
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not runner.started:
        assert thread.is_alive(), "the server did not start"
        threading.Event().wait(0.01)
    with httpx.Client(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}", timeout=30) as client:
        yield client
    runner.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def server(tmp_path):
    """A service over a fresh, empty index."""
    with serve(tmp_path / "news.dedup") as client:
        yield client


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One service for the tests that only read or are refused (their writes never succeed)."""
    with serve(tmp_path_factory.mktemp("shared") / "news.dedup") as client:
        yield client


def test_seed_verdicts_over_http(server):
    first = server.post("/documents", json={"id": seed("000"), "text": seed_text("000"), "metadata": {"n": 0}},
                        headers=AUTH)
    assert first.status_code == 201 and first.json()["verdict"] == "new" and first.json()["added"] is True
    second = server.post("/documents", json={"id": seed("001"), "text": seed_text("001")}, headers=AUTH)
    assert second.status_code == 201
    body = second.json()
    assert body["verdict"] == "partial-reuse" and body["matches"][0]["id"] == seed("000")
    assert body["matches"][0]["metadata"] == {"n": 0}
    reused = " ".join(p["incoming"]["text"] for p in body["matches"][0]["passages"])
    assert "Videos shared on social media" in reused and "proscribed Baloch Liberation Army" in reused

    again = server.post("/check", json={"text": seed_text("000")})
    assert again.status_code == 200 and again.json()["verdict"] == "duplicate"
    near = server.post("/check", json={"text": seed_text("001").replace("31 civilians", "18 civilians")}).json()
    assert near["verdict"] == "near-duplicate" and near["matches"][0]["id"] == seed("001")
    assert {"change": "changed", "a": "at least 31 civilians", "b": "at least 18 civilians",
            "counts": "civilians"} in near["matches"][0]["changes"]["figures"]

    duplicate = server.post("/documents", json={"id": "copy", "text": seed_text("000")}, headers=AUTH)
    assert duplicate.status_code == 200 and duplicate.json()["added"] is False
    assert server.get("/documents/copy").status_code == 404
    stored = server.get(f"/documents/{seed('000')}").json()
    assert stored["text"] == seed_text("000") and stored["paragraphs"] == 15
    assert server.get("/stats").json()["documents"] == 2
    assert server.get("/health").json()["status"] == "ok"


def test_writes_need_the_token(server):
    document = {"id": "a", "text": synthetic(1)}
    assert server.post("/documents", json=document).status_code == 401
    refused = server.post("/documents", json=document, headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert server.post("/documents", json=document, headers=AUTH).status_code == 201
    assert server.post("/documents", json={**document, "text": synthetic(2)}, headers=AUTH).status_code == 409
    assert server.delete("/documents/a").status_code == 401
    assert server.post("/check", json={"text": synthetic(1)}).json()["verdict"] == "duplicate"  # reads are open
    assert server.delete("/documents/a", headers=AUTH).json() == {"id": "a", "removed": True}
    assert server.delete("/documents/a", headers=AUTH).status_code == 404


@pytest.mark.parametrize("body", [
    {"text": ""}, {"text": "  \n "}, {"text": 42}, {"text": ["a"]}, {}, {"txt": "hello"},
])
def test_bad_check_bodies_are_422(shared, body):
    response = shared.post("/check", json=body)
    assert response.status_code == 422 and "detail" in response.json()


@pytest.mark.parametrize("body", [
    {"id": 7, "text": "some text"}, {"id": "", "text": "some text"}, {"id": "x", "text": "some text", "metadata": 3},
    {"id": "x"},
])
def test_bad_document_bodies_are_422(shared, body):
    assert shared.post("/documents", json=body, headers=AUTH).status_code == 422


def test_not_json_is_422(shared):
    response = shared.post("/check", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_bodies_over_max_bytes_are_413(server):
    big = {"text": "word " * (MAX_BYTES // 4)}
    response = server.post("/check", json=big)
    assert response.status_code == 413 and "larger than 100000 bytes" in response.json()["detail"]

    def chunks():  # no Content-Length: the limit is enforced on the bytes received
        yield b'{"text": "'
        for _ in range(30):
            yield b"word " * 1000
        yield b'"}'

    response = server.post("/check", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert server.post("/documents", json={"id": "big", **big}, headers=AUTH).status_code == 413
    assert server.get("/stats").json()["documents"] == 0


def test_unknown_ids_are_404(shared):
    assert shared.get("/documents/nope").json() == {"detail": "no document 'nope'"}
    assert shared.get("/documents/nope").status_code == 404


def test_openapi_schema(shared):
    schema = shared.get("/openapi.json").json()
    assert {"/check", "/documents", "/documents/{doc_id}", "/stats", "/health"} <= set(schema["paths"])
    assert {"VerdictModel", "CheckRequest", "DocumentRequest"} <= set(schema["components"]["schemas"])


def test_many_readers_and_one_writer(server):
    """8 threads check while a writer adds: no 5xx, and a document once added is found by every later check."""
    for k in range(3):
        assert server.post("/documents", json={"id": f"base{k}", "text": synthetic(k)}, headers=AUTH).is_success
    added: list[int] = []
    stop = threading.Event()
    failures: list[str] = []

    def writer():
        try:
            for k in range(10, 40):
                response = server.post("/documents", json={"id": f"w{k}", "text": synthetic(k)}, headers=AUTH)
                if response.status_code != 201:
                    failures.append(f"add w{k}: {response.status_code} {response.text}")
                added.append(k)
        finally:
            stop.set()

    def reader(seed_number):
        checks = 0
        while not stop.is_set() or checks < 5:
            known = list(added)
            k = known[(seed_number + checks) % len(known)] if known else seed_number % 3
            response = server.post("/check", json={"text": synthetic(k)})
            checks += 1
            if response.status_code != 200:
                failures.append(f"check {k}: {response.status_code} {response.text}")
                continue
            verdict = response.json()
            name = f"w{k}" if known else f"base{k}"
            if verdict["verdict"] != "duplicate" or verdict["matches"][0]["id"] != name:
                failures.append(f"check {k}: {verdict['verdict']} {[m['id'] for m in verdict['matches']]}")
        return checks

    with ThreadPoolExecutor(9) as pool:
        readers = [pool.submit(reader, n) for n in range(8)]
        pool.submit(writer).result()
        checks = sum(r.result() for r in readers)
    assert not failures, failures[:5]
    assert len(added) == 30 and checks >= 40
    assert server.get("/stats").json()["documents"] == 33


def test_a_bad_index_is_refused_before_serving(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("no index here\n" * 20)
    with pytest.raises(IndexCorrupt, match="not a dedup index"):
        create_app(path)
