import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from dedup.cli_index import register
from tests.conftest import FIXTURES, ROOT, SAMPLE, SEED_IDS, seed
from tests.test_index import seed_text

runner = CliRunner()


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture
def index(app, tmp_path):
    path = tmp_path / "news.dedup"
    assert runner.invoke(app, ["index", "create", str(path)]).exit_code == 0
    return path


def run(app, *args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_create_add_stats_remove(app, index, tmp_path):
    result = run(app, "index", "add", index, SAMPLE, "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"added 5 documents to {index}"
    one = run(app, "index", "add", index, SAMPLE / SEED_IDS[0], "--replace")
    assert one.stdout.strip() == f"added 1 document to {index}"
    stats = json.loads(run(app, "index", "stats", index).stdout)
    assert stats["documents"] == 5 and stats["params"]["threshold"] == 0.7
    result = run(app, "index", "stats", index, "--verify")
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"]
    assert run(app, "index", "remove", index, seed("004")).exit_code == 0
    assert json.loads(run(app, "index", "stats", index).stdout)["documents"] == 4


def test_create_options_and_errors(app, tmp_path, index):
    path = tmp_path / "strict.dedup"
    assert run(app, "index", "create", path, "--threshold", "0.9").exit_code == 0
    assert json.loads(run(app, "index", "stats", path).stdout)["params"]["threshold"] == 0.9
    result = run(app, "index", "create", index)
    assert result.exit_code == 2 and result.stderr.strip() == f"dedup: error: {index}: already exists " \
                                                               "(remove it or pick another path)"
    result = run(app, "index", "create", tmp_path / "bad.dedup", "--threshold", "1.5")
    assert result.exit_code == 2 and "threshold must be in (0.0, 1.0]" in result.stderr


def test_re_adding_an_id_is_an_error_unless_replace(app, index, tmp_path):
    assert run(app, "index", "add", index, SAMPLE / seed("000")).exit_code == 0
    result = run(app, "index", "add", index, SAMPLE)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"dedup: error: document '{seed('000')}' is already in {index} " \
                                    "(use --replace to overwrite it)"
    assert json.loads(run(app, "index", "stats", index).stdout)["documents"] == 1  # nothing half-added
    assert run(app, "index", "add", index, SAMPLE, "--replace").exit_code == 0
    assert json.loads(run(app, "index", "stats", index).stdout)["documents"] == 5


def test_jsonl_ids_and_metadata(app, index, tmp_path):
    records = tmp_path / "feed.jsonl"
    records.write_text(json.dumps({"id": "wire-1", "text": seed_text("000"), "outlet": "wire"}) + "\n")
    assert run(app, "index", "add", index, records).exit_code == 0
    result = run(app, "check", "--index", index, SAMPLE / seed("000"), "--format", "json")
    match = json.loads(result.stdout)["matches"][0]
    assert (match["id"], match["metadata"]["outlet"]) == ("wire-1", "wire")


def test_check_exit_codes_follow_the_verdict(app, index, tmp_path):
    assert run(app, "index", "add", index, SAMPLE / seed("000")).exit_code == 0
    assert run(app, "check", "--index", index, SAMPLE / seed("000")).exit_code == 5
    result = run(app, "check", "--index", index, SAMPLE / seed("001"))
    assert result.exit_code == 3 and result.stdout.startswith("partial-reuse\n")
    assert run(app, "check", "--index", index, FIXTURES / "articles" / "unrelated_library.txt").exit_code == 0
    assert run(app, "index", "add", index, SAMPLE / seed("001")).exit_code == 0
    edited = seed_text("001").replace("31 civilians", "18 civilians")
    result = run(app, "check", "--index", index, "-", input=edited)
    assert result.exit_code == 4
    assert "figures: at least 31 civilians -> at least 18 civilians (changed)" in result.stdout
    verdict = json.loads(run(app, "check", "--index", index, "--format", "json", input=edited).stdout)
    assert verdict["verdict"] == "near-duplicate" and verdict["matches"][0]["id"] == seed("001")


def test_check_add_stores_unless_duplicate(app, index, tmp_path):
    article = tmp_path / "incoming.txt"
    article.write_text(seed_text("002"), encoding="utf-8")
    result = run(app, "check", "--index", index, article, "--add", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["added"] is True
    result = run(app, "check", "--index", index, "-", "--add", "--id", "again", input=seed_text("002"))
    assert result.exit_code == 5
    stats = json.loads(run(app, "index", "stats", index).stdout)
    assert stats["documents"] == 1  # the duplicate was not stored
    result = run(app, "check", "--index", index, article, "--add")  # a retry: the stored verdict, exit 0
    assert result.exit_code == 0 and result.stdout.strip() == "new (already stored as incoming.txt)"
    article.write_text(seed_text("003"), encoding="utf-8")
    result = run(app, "check", "--index", index, article, "--add")
    assert result.exit_code == 2 and "'incoming.txt' is already in" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["-", "--add"], "--add needs --id when the article comes from stdin"),
    (["missing.txt"], "missing.txt: cannot read (No such file or directory)"),
])
def test_check_bad_input_exits_2(app, index, args, message):
    result = run(app, "check", "--index", index, *args, input="Some text that is here.")
    assert result.exit_code == 2 and result.stderr.strip() == f"dedup: error: {message}"


def test_check_refuses_empty_text_and_non_index(app, index, tmp_path):
    result = run(app, "check", "--index", index, "-", input="   \n")
    assert result.exit_code == 2 and result.stderr.strip() == "dedup: error: -: text is empty"
    other = tmp_path / "notes.txt"
    other.write_text("not an index\n" * 20)
    result = run(app, "check", "--index", other, "-", input="Some text.")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"dedup: error: {other}: not a dedup index (not an SQLite database)"
    assert run(app, "check", "-", input="Some text.").exit_code == 2  # --index is required


def test_remove_unknown_id_exits_2(app, index):
    result = run(app, "index", "remove", index, "nope")
    assert result.exit_code == 2 and result.stderr.strip() == f"dedup: error: no document 'nope' in {index}"


def test_the_dedup_app_has_the_commands():
    from dedup.cli import app as dedup_app

    result = runner.invoke(dedup_app, ["index", "--help"])
    assert result.exit_code == 0 and all(c in result.stdout for c in ("create", "add", "remove", "stats"))
    result = runner.invoke(dedup_app, ["check", "--help"])
    assert result.exit_code == 0 and "3 partial-reuse" in result.stdout
    assert runner.invoke(dedup_app, ["serve", "--help"]).exit_code == 0


def test_verify_fails_with_exit_1_on_a_damaged_index(app, index):
    assert run(app, "index", "add", index, SAMPLE).exit_code == 0
    with index.open("r+b") as handle:
        handle.seek(index.stat().st_size // 2)
        handle.write(b"\x00" * 8192)
    result = run(app, "index", "stats", index, "--verify")
    assert result.exit_code == 1 and result.stderr.startswith(f"dedup: error: {index}: corrupt")
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_checks_the_index_once_and_refuses_a_bad_one(app, index, tmp_path, monkeypatch):
    from dedup import service
    from dedup.index import schema

    pragmas = []
    real = schema.pragma_problems
    monkeypatch.setattr(schema, "pragma_problems",
                        lambda db, pragma: pragmas.append(pragma) or real(db, pragma))
    served = []
    monkeypatch.setattr(service, "serve", lambda app, host, port: served.append((type(app).__name__, host, port)))
    result = run(app, "serve", "--index", index, "--port", "8123")
    assert result.exit_code == 0, result.output
    assert served == [("FastAPI", "127.0.0.1", 8123)]
    assert [p for p in pragmas if p.startswith("integrity_check")] == ["integrity_check(3)"]

    other = tmp_path / "notes.txt"
    other.write_text("not an index\n" * 20)
    result = run(app, "serve", "--index", other)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"dedup: error: {other}: not a dedup index (not an SQLite database)"
    assert len(served) == 1  # nothing listens on a bad index


def test_add_skip_existing_adds_the_others_and_says_how_many_were_skipped(app, index):
    assert run(app, "index", "add", index, SAMPLE / seed("000"), SAMPLE / seed("002")).exit_code == 0
    result = run(app, "index", "add", index, SAMPLE, "--skip-existing")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"added 3 documents to {index} (skipped 2 already stored)"
    assert json.loads(run(app, "index", "stats", index).stdout)["documents"] == 5
    result = run(app, "index", "add", index, SAMPLE, "--skip-existing", "--replace")
    assert result.exit_code == 2 and "--replace and --skip-existing exclude each other" in result.stderr


def test_list_gives_the_ids_one_a_line_or_as_json(app, index, tmp_path):
    records = tmp_path / "feed.jsonl"
    ids = ["politics/2024/a.txt", "https://example.com/a?b=1", "Zürich nachrichten"]
    records.write_text("".join(json.dumps({"id": i, "text": seed_text(f"00{k}")}) + "\n"
                               for k, i in enumerate(ids)), encoding="utf-8")
    assert run(app, "index", "add", index, records).exit_code == 0
    result = run(app, "index", "list", index)
    assert result.exit_code == 0 and result.stdout.splitlines() == sorted(ids)
    assert json.loads(run(app, "index", "list", index, "--format", "json").stdout) == sorted(ids)
    empty = tmp_path / "empty.dedup"
    assert run(app, "index", "create", empty).exit_code == 0
    result = run(app, "index", "list", empty)
    assert (result.exit_code, result.stdout) == (0, "")


def test_check_replace_swaps_the_text_under_an_id(app, index, tmp_path):
    article = tmp_path / "story.txt"
    article.write_text(seed_text("002"), encoding="utf-8")
    assert run(app, "check", "--index", index, article, "--add").exit_code == 0
    article.write_text(seed_text("003"), encoding="utf-8")
    result = run(app, "check", "--index", index, article, "--add", "--replace")
    assert result.exit_code == 0 and result.stdout.strip() == "new (stored as story.txt)"
    assert run(app, "check", "--index", index, SAMPLE / seed("003")).exit_code == 5
    assert run(app, "check", "--index", index, SAMPLE / seed("002")).exit_code != 5  # the old text is gone
    result = run(app, "check", "--index", index, article, "--replace")
    assert result.exit_code == 2 and result.stderr.strip() == "dedup: error: --replace needs --add"


def test_serve_exit_codes(app, index):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(app, "serve", "--index", index, "--port", port, "--no-resident")
    assert result.exit_code == 6
    assert result.stderr.strip() == f"dedup: error: cannot listen on 127.0.0.1:{port} (Address already in use)"
    result = run(app, "serve", "--index", index, "--private")
    assert result.exit_code == 2
    assert result.stderr.strip() == "dedup: error: a private service needs a token (--token or DEDUP_TOKEN)"


def test_serve_logs_each_request_on_stderr_and_exits_0_on_sigterm(index, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen([sys.executable, "-m", "dedup", "serve", "--index", str(index), "--port", str(port),
                              "--no-resident"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert child.poll() is None and time.monotonic() < deadline, "the server did not start"
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health.json()["documents"] == 0
        text = "An unpublished story: the council votes on the harbour budget tonight."
        check = httpx.post(f"http://127.0.0.1:{port}/check?draft=1", content=text.encode(),
                           headers={"content-type": "text/plain"})
        assert check.json()["verdict"] == "new"
    finally:
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=30)
    assert child.returncode == 0, stderr
    lines = [line.split(" dedup.service: ", 1)[1] for line in stderr.splitlines() if " dedup.service: " in line]
    assert [re.sub(r" [\d.]+ ms$", " ms", line) for line in lines] == [
        "GET /health 200 ms", "POST /check 200 verdict=new ms"]
    assert "harbour" not in stderr and "draft" not in stderr


def deploy_unit() -> str:
    """The systemd unit of docs/deploy.md, its ExecStart on this checkout's dedup."""
    unit = re.search(r"```ini\n(.*?)```", (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8"), re.S)[1]
    return unit.replace("/opt/dedup/.venv/bin/dedup", str(Path(sys.executable).with_name("dedup")))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_deploy_recipe_unit_passes_systemd_analyze_verify(tmp_path):
    unit = tmp_path / "dedup.service"
    unit.write_text(deploy_unit(), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    assert "LimitMEMLOCK=infinity" in unit.read_text() and "EnvironmentFile=/etc/dedup/dedup.env" in unit.read_text()
    misspelt = tmp_path / "misspelt.service"  # the check is not vacuous: a wrong key is reported
    misspelt.write_text(deploy_unit().replace("LimitMEMLOCK", "LimitMEMLOK"), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(misspelt)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert "Unknown key 'LimitMEMLOK'" in result.stderr


def test_the_deploy_recipe_command_line_is_accepted_by_serve(app, tmp_path, monkeypatch):
    from dedup import service

    command = re.search(r"^ExecStart=\S+ (.*)$", deploy_unit(), re.M)[1].split()
    path = tmp_path / "articles.db"
    assert run(app, "index", "create", path).exit_code == 0
    command[command.index("--index") + 1] = str(path)
    served = []
    monkeypatch.setattr(service, "serve", lambda app, host, port: served.append((host, port)))
    monkeypatch.setenv("DEDUP_TOKEN", "from-the-environment-file")
    result = run(app, *command, "--no-resident")
    assert result.exit_code == 0, result.output
    assert served == [("0.0.0.0", 8000)]
