import logging
import re
import socket
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import quote

import httpx
import pytest
import uvicorn

from dedup.index import Index, IndexCorrupt
from dedup.service import create_app
from tests.browser import FLAGS, chromium
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


IDS = ["politics/2024/a.txt", "https://example.com/a?b=1#top", "a b/c d.txt", "Zürich/日本 100%.txt", "a%2Fb"]


@pytest.mark.parametrize("doc_id", IDS)
def test_any_stored_id_can_be_read_and_removed(server, doc_id):
    text = synthetic(len(doc_id))
    assert server.post("/documents", json={"id": doc_id, "text": text}, headers=AUTH).status_code == 201
    url = "/documents/" + quote(doc_id, safe="")
    stored = server.get(url)
    assert stored.status_code == 200 and (stored.json()["id"], stored.json()["text"]) == (doc_id, text)
    if "%" not in doc_id and "?" not in doc_id and "#" not in doc_id:  # slashes and spaces may go unencoded
        assert server.get("/documents/" + quote(doc_id, safe="/ ")).json()["id"] == doc_id
    assert server.delete(url).status_code == 401
    assert server.delete(url, headers=AUTH).json() == {"id": doc_id, "removed": True}
    assert server.get(url).status_code == 404


def test_ids_are_listed_in_pages(server):
    for k, doc_id in enumerate(IDS):
        assert server.post("/documents", json={"id": doc_id, "text": synthetic(k)}, headers=AUTH).status_code == 201
    pages, after = [], None
    while True:
        page = server.get("/documents", params={"limit": 2} | ({"after": after} if after else {})).json()
        pages.append(page["ids"])
        if page["next"] is None:
            break
        after = page["next"]
    assert pages == [sorted(IDS)[:2], sorted(IDS)[2:4], sorted(IDS)[4:]]
    assert server.get("/documents").json() == {"ids": sorted(IDS), "next": None}
    assert server.get("/documents", params={"limit": 0}).status_code == 422


def test_a_retried_add_gives_the_stored_verdict(server):
    assert server.post("/documents", json={"id": "base", "text": seed_text("001")}, headers=AUTH).status_code == 201
    edited = {"id": "wire-7", "text": seed_text("001").replace("31 civilians", "18 civilians")}
    first = server.post("/documents", json=edited, headers=AUTH)
    assert first.status_code == 201 and first.json()["verdict"] == "near-duplicate"
    again = server.post("/documents", json=edited, headers=AUTH)
    assert again.status_code == 200
    assert {**again.json(), "added": True, "stats": None} == {**first.json(), "stats": None}
    other = server.post("/documents", json={**edited, "text": synthetic(3)}, headers=AUTH)
    assert other.status_code == 409 and other.json() == {"detail": "document 'wire-7' already exists with another text"}
    assert server.get("/health").json()["documents"] == 2


def test_a_private_service_needs_the_token_for_reads(tmp_path):
    with serve(tmp_path / "news.dedup", private=True) as client:
        assert client.post("/documents", json={"id": "a/b", "text": synthetic(1)}, headers=AUTH).status_code == 201
        reads = [("GET", "/documents/a%2Fb", None), ("GET", "/documents", None), ("GET", "/stats", None),
                 ("POST", "/check", {"text": synthetic(1)})]
        for method, url, body in reads:
            refused = client.request(method, url, json=body)
            assert refused.status_code == 401, url
            assert refused.json() == {"detail": "a valid bearer token is required for reads"}
            assert client.request(method, url, json=body, headers=AUTH).status_code == 200, url
        assert client.get("/health").json()["documents"] == 1
        assert client.get("/docs").status_code == 200 and client.get("/openapi.json").status_code == 200


def test_an_open_service_answers_reads_without_the_token(shared):
    assert shared.get("/documents").status_code == 200 and shared.get("/stats").status_code == 200
    assert shared.post("/check", json={"text": synthetic(1)}).status_code == 200


def test_plain_text_bodies_are_checked(server):
    assert server.post("/documents", json={"id": "a", "text": seed_text("000")}, headers=AUTH).status_code == 201
    plain = {"content-type": "text/plain; charset=utf-8"}
    response = server.post("/check", content=seed_text("000").encode(), headers=plain)
    assert response.status_code == 200 and response.json()["verdict"] == "duplicate"
    assert server.post("/check", content=synthetic(1).encode(), headers=plain).json()["verdict"] == "new"
    refused = server.post("/check", content="café".encode("latin-1"), headers=plain)
    assert refused.status_code == 400 and refused.json() == {"detail": "the text/plain body is not UTF-8 (byte 3)"}
    assert server.post("/check", content=b"  \n", headers=plain).status_code == 422
    assert server.post("/check", content=b"x" * (MAX_BYTES + 1), headers=plain).status_code == 413


def test_openapi_lists_the_error_answers(shared):
    paths = shared.get("/openapi.json").json()["paths"]
    assert {"400", "413", "422", "503"} <= set(paths["/check"]["post"]["responses"])
    assert {"200", "201", "400", "401", "409", "413", "422", "503", "507"} <= set(paths["/documents"]["post"]["responses"])
    assert {"401", "404"} <= set(paths["/documents/{doc_id}"]["delete"]["responses"])
    assert "404" in paths["/documents/{doc_id}"]["get"]["responses"]
    assert set(paths["/check"]["post"]["requestBody"]["content"]) == {"application/json", "text/plain"}
    assert paths["/documents"]["get"]["responses"]["200"]


def test_one_log_line_per_request_without_the_text(server, caplog):
    caplog.set_level(logging.INFO, logger="dedup.service")
    secret = "Embargoed until noon: the minister resigns over the budget figures today."
    server.post("/documents", json={"id": "politics/2024/a.txt", "text": secret}, headers=AUTH)
    server.post("/check", content=secret.encode(), headers={"content-type": "text/plain"})
    server.get("/documents/politics%2F2024%2Fa.txt", params={"q": "secret-query"})
    server.delete("/documents/nope", headers=AUTH)
    lines = [r.getMessage() for r in caplog.records if r.name == "dedup.service"]
    assert [re.sub(r" [\d.]+ ms$", " ms", line) for line in lines] == [
        "POST /documents 201 verdict=new ms",
        "POST /check 200 verdict=duplicate ms",
        "GET /documents/politics%2F2024%2Fa.txt 200 ms",
        "DELETE /documents/nope 404 ms",
    ]
    assert all(float(line.split()[-2]) >= 0 for line in lines)
    assert not any("minister" in line or "secret-query" in line for line in lines)


def test_docs_are_served_without_internet(shared):
    page = shared.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    assert not re.search(r"https?://", page.text)  # no CDN, no external favicon
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r"url: '([^']+)'", page.text)
    assert {"/static-offline-docs/swagger-ui-bundle.js", "/static-offline-docs/swagger-ui.css",
            "/openapi.json"} <= set(assets)
    for asset in assets:
        response = shared.get(asset)
        assert response.status_code == 200 and len(response.content) > 100, asset
    redoc = shared.get("/redoc")
    assert redoc.status_code == 200 and not re.search(r"https?://", redoc.text)
    for asset in re.findall(r'(?:src|href|spec-url)="([^"]+)"', redoc.text):
        assert shared.get(asset).status_code == 200, asset


def test_docs_render_in_chromium_with_no_network_but_the_service(shared):
    """Headless Chromium loads /docs with every host name but the service's unresolvable, runs Swagger UI
    and lists the operations from /openapi.json; a page that needed a CDN would stay blank."""
    with tempfile.TemporaryDirectory(prefix="dedup-chromium-") as profile:
        result = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--dump-dom", f"{shared.base_url}/docs"],
            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.findall(r'class="opblock-summary-path" data-path="([^"]+)"', result.stdout) == [
        "/check", "/documents", "/documents", "/documents/{doc_id}", "/documents/{doc_id}", "/stats", "/health"]
    assert [line for line in result.stderr.splitlines() if ":CONSOLE" in line] == []


def test_the_verdict_models_agree_with_the_verdict_json(tmp_path):
    """The service's models are written by hand: every field ``Verdict.to_dict`` gives is in them (they
    forbid others) and each of theirs is given, for a version with its changes and a reused passage."""
    from dedup.service import VerdictModel
    from tests.test_index_verdicts import CORRECTED, QUOTING, RESULTS

    with Index.create(tmp_path / "wire.dedup") as index:
        index.add("results", RESULTS.replace("Kellwood also said", "Kellwood said"))
        verdicts = [index.check(QUOTING), index.check_and_add("corrected", CORRECTED), index.check(CORRECTED)]
    shown = [v.to_dict() for v in verdicts]
    assert [(d["verdict"], d["version_of"], d["duplicate_of"]) for d in shown] == [
        ("partial-reuse", None, None), ("near-duplicate", "results", None), ("duplicate", None, "corrected")]
    changes = shown[1]["matches"][0]["changes"]
    assert changes["figures"] and changes["wording"] and changes["added"] == [] and changes["removed"] == []
    assert any("diff" in p for d in shown for p in d["matches"][0]["passages"])
    for data in shown:
        assert VerdictModel.model_validate(data).model_dump(exclude_unset=True) == data


def test_a_dated_check_over_http_names_the_version_or_only_reuse(server):
    from tests.test_index_verdicts import CORRECTED, RESULTS, REVISED

    stored = server.post("/documents", json={"id": "results", "text": RESULTS,
                                             "metadata": {"date": "2-MAR-1987 12:00:00.00"}}, headers=AUTH)
    assert stored.status_code == 201
    same_day = server.post("/check", json={"text": CORRECTED, "date": "1987-03-02T14:10:00"}).json()
    assert (same_day["verdict"], same_day["version_of"], same_day["duplicate_of"]) == (
        "near-duplicate", "results", None)
    assert [(f["a"], f["b"]) for f in same_day["matches"][0]["changes"]["figures"]] == [
        ("61 cts a share", "71 cts a share")]
    week_later = server.post("/check", json={"text": REVISED, "date": "1987-03-09T14:10:00"}).json()
    assert (week_later["verdict"], week_later["version_of"]) == ("partial-reuse", None)
    refused = server.post("/check", json={"text": CORRECTED, "date": "last tuesday"})
    assert refused.status_code == 422 and "'last tuesday' is not a date" in refused.text
