"""What is particular to the Ray engine (its primitives are checked in test_engines.py): starting and
joining Ray, the missing-extra error, parallel reading of folders, JSONL and Parquet, and the
large-corpus output files."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup.pipeline import analyze
from dedup.report.output_files import drop_list, duplicate_groups, write_outputs
from dedup.sources import Document, InputError, read_documents
from tests.conftest import SAMPLE

pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Any:
    from dedup.engines.ray import RayEngine

    request.getfixturevalue("ray_session")

    return RayEngine(shards=3)


# ---------------------------------------------------------------------------------------------- engine

def test_missing_ray_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.engines.ray import RayEngine

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install dedup\[ray\]"):
        RayEngine()


def test_joins_the_running_instance_and_leaves_it_running(engine: Any) -> None:
    import ray

    with engine:
        assert engine.start() == 3
    assert ray.is_initialized()


def test_joins_a_cluster_by_address(engine: Any) -> None:
    import ray

    script = ("import numpy as np\nfrom dedup.engines.ray import RayEngine\n"
              f"with RayEngine(address={ray.get_runtime_context().gcs_address!r}) as engine:\n"
              "    print(engine.start(), engine.cluster(4, np.array([[0, 1], [2, 3]])).label.tolist())\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.split("\n")[-2] == "2 [0, 0, 1, 1]"
    assert ray.is_initialized()


def test_default_shards_are_the_cluster_cpus(engine: Any) -> None:
    import ray

    from dedup.engines.ray import RayEngine

    assert RayEngine().start() == int(ray.cluster_resources()["CPU"])


def test_rejects_a_bad_shard_count(engine: Any) -> None:
    from dedup.engines.ray import RayEngine

    with pytest.raises(ValueError, match="shards must be a positive integer"):
        RayEngine(shards=0).start()


# ---------------------------------------------------------------------------------------------- reading

def read_both(paths: list[Path], engine: Any, **options: Any) -> tuple[Any, Any]:
    """(documents, warnings) of read_documents and of the Ray engine's read for the same paths."""
    expected_warnings: list[str] = []
    found_warnings: list[str] = []
    expected = read_documents(paths, warn=expected_warnings.append, **options)
    found = engine.read(paths, warn=found_warnings.append, **options)
    return (expected, expected_warnings), (found, found_warnings)


def test_reads_what_read_documents_reads(tmp_path: Path, engine: Any) -> None:
    folder = tmp_path / "corpus"
    (folder / "b").mkdir(parents=True)
    (folder / "a.txt").write_text("First article.\n\nSecond paragraph.\n")
    (folder / "b" / "c.md").write_text("Nested article.\n")
    (folder / "b" / "empty.txt").write_text("   \n")
    (folder / "b" / "binary.txt").write_bytes(b"\x00\x01\x02")
    (folder / "latin.txt").write_bytes("Caf\xe9 au lait.\n".encode("latin-1"))
    records = [{"id": "a.txt", "text": "Id clash with the folder file."}, {"text": "No id."},
               {"id": 7, "text": "Int id."}]
    (folder / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    with gzip.open(folder / "b" / "more.jsonl.gz", "wt") as handle:
        handle.write(json.dumps({"id": "z", "text": "Zipped.", "published": "2024-01-02"}) + "\n")
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "z", "text": "Clashes with the zipped one."}) + "\n")
    expected, found = read_both([folder, extra, SAMPLE], engine)
    assert found == expected
    assert len(found[0]) == 8 + len(read_documents([SAMPLE])) and len(found[1]) == 5


def test_bad_jsonl_lines_fail_or_are_skipped_as_in_read_documents(tmp_path: Path, engine: Any) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine"}\nnot json\n{"text": 3}\n')
    with pytest.raises(InputError, match=r"bad\.jsonl:2"):
        engine.read([path])
    expected, found = read_both([path], engine, skip_bad_lines=True)
    assert found == expected and len(found[0]) == 1
    with pytest.raises(InputError, match="no such file"):
        engine.read([tmp_path / "missing"])


def test_reads_parquet_by_row_groups(tmp_path: Path, engine: Any) -> None:
    table = pa.table({"id": ["x", None, "z", "w", "v"], "text": [f"Text {i}." for i in range(5)],
                      "published": ["2024-01-05", "2024-01-01", None, "2024-01-03", "2024-01-02"]})
    folder = tmp_path / "pq"
    folder.mkdir()
    pq.write_table(table, folder / "docs.parquet", row_group_size=2)
    (folder / "a.txt").write_text("Plain file before the Parquet file.\n")
    documents = engine.read([folder])
    assert [d.id for d in documents] == ["a.txt", "x", "docs.parquet:2", "z", "w", "v"]
    path = folder / "docs.parquet"
    assert documents[3] == Document("z", f"{path}:3", "Text 2.", "utf-8", {"published": None})
    assert documents[2].metadata == {"published": "2024-01-01"}


def test_parquet_rows_without_text(tmp_path: Path, engine: Any) -> None:
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"text": ["Good.", None]}), path)
    with pytest.raises(InputError, match=r"docs.parquet:2: \"text\" is missing"):
        engine.read([path])
    warnings: list[str] = []
    documents = engine.read([path], warn=warnings.append, skip_bad_lines=True)
    assert [d.text for d in documents] == ["Good."]
    assert warnings == [f"{path}:2: \"text\" is missing or not a string, skipped"]
    pq.write_table(pa.table({"body": ["No text column."]}), path)
    with pytest.raises(InputError, match="no \"text\" column"):
        engine.read([path])


def test_scan_reads_through_the_engine(tmp_path: Path, engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``dedup.scan(paths, engine=RayEngine())`` reads in Ray tasks: with this process's reader broken,
    the scan of a folder and a Parquet file still gives the local report, warnings included."""
    import dedup
    import dedup.sources
    from tests.test_engines import report_json

    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLE.glob("*.txt"))[:3]]
    rows = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"id": ["r1", "r2", "r3"], "text": [t.replace("the", "a", 2) for t in texts]}), rows)
    (tmp_path / "empty.txt").write_text("\n")
    expected = dedup.scan([SAMPLE, rows, tmp_path / "empty.txt"])

    def not_here(*args: Any) -> None:
        raise AssertionError("a file was read on the driver")

    monkeypatch.setattr(dedup.sources, "read_job", not_here)
    report = dedup.scan([SAMPLE, rows, tmp_path / "empty.txt"], engine=engine)
    assert report.warnings == [f"{tmp_path / 'empty.txt'}: empty, skipped"] == expected.warnings
    assert report_json(report) == report_json(expected)
    assert {d.id for d in report.documents} >= {"r1", "r2", "r3"}
    assert any(m.a.doc < len(texts) and report.documents[m.b.doc].id == "r1" for m in report.matches)
    with pytest.raises(AssertionError, match="read on the driver"):
        dedup.scan([rows])


# ---------------------------------------------------------------------------------------------- outputs

def _paragraphs(seed: int, count: int) -> list[str]:
    rng = np.random.default_rng(seed)
    words = [a + b for a in "bdfgklmnprst" for b in ("a", "e", "i", "o", "u", "an", "er", "is")]
    return [" ".join(rng.choice(words, 30)).capitalize() + "." for _ in range(count)]


@pytest.fixture(scope="module")
def duplicates_report() -> Any:
    """Documents 0, 2, 3 are one duplicate group (copies, one with a changed word and an extra
    sentence); 1 is unrelated; 4 is an excerpt of 0 (covered by 0, but 0 not by it)."""
    body = _paragraphs(1, 4)
    edited = [*body[:2], body[2].replace(body[2].split()[5], "changed", 1), *body[3:]]
    texts = ["\n\n".join(body), "\n\n".join(_paragraphs(2, 4)), "\n\n".join(body),
             "\n\n".join(edited) + " Extra.", body[1]]
    metadata: list[dict[str, object]] = [{"published": "2024-03-05"}, {"published": "2024-01-01"},
                                         {"published": "2024-03-02"}, {}, {"published": "2024-02-01"}]
    documents = [Document(f"d{i}", f"d{i}.jsonl", text, "utf-8", fields)
                 for i, (text, fields) in enumerate(zip(texts, metadata))]
    return analyze(documents)


def test_duplicate_groups_are_mutual(duplicates_report: Any, seed_report: Any) -> None:
    assert duplicate_groups(duplicates_report) == [[0, 2, 3]]
    assert duplicate_groups(seed_report) == []  # rewrites of one story by five outlets are not copies


@pytest.mark.parametrize(("keep", "kept", "dropped"), [
    ("first", "d0", ["d2", "d3"]),
    ("longest", "d3", ["d0", "d2"]),
    ("metadata:published", "d2", ["d0", "d3"]),
    ("metadata:missing", "d0", ["d2", "d3"]),
])
def test_keep_rules(duplicates_report: Any, keep: str, kept: str, dropped: list[str]) -> None:
    drops = drop_list(duplicates_report, keep)
    assert [d.id for d in drops] == dropped
    assert {d.kept for d in drops} == {kept}


def test_keep_rule_errors(duplicates_report: Any, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="metadata:<field>"):
        drop_list(duplicates_report, "newest")
    with pytest.raises(ValueError, match="format must be one of jsonl, parquet"):
        write_outputs(duplicates_report, tmp_path, "csv")
    mixed = analyze([Document(d.id, d.path, d.text, d.encoding, {"n": i if i % 2 else str(i)})
                     for i, d in enumerate(duplicates_report.documents)])
    with pytest.raises(ValueError, match="different types"):
        drop_list(mixed, "metadata:n")


def test_jsonl_and_parquet_files_hold_the_same_rows(duplicates_report: Any, tmp_path: Path) -> None:
    as_jsonl = write_outputs(duplicates_report, tmp_path / "j", "jsonl", "longest")
    as_parquet = write_outputs(duplicates_report, tmp_path / "p", "parquet", "longest")
    for name in ("matches", "clusters", "drop"):
        rows = [json.loads(line) for line in as_jsonl[name].read_text().splitlines()]
        parquet_rows = pq.read_table(as_parquet[name]).to_pylist()
        for row in rows:
            if "diff" in row:
                row["diff"] = json.dumps(row["diff"], ensure_ascii=False) if row["diff"] is not None else None
        assert rows == parquet_rows
    matches = pq.read_table(as_parquet["matches"]).to_pylist()
    assert len(matches) == len(duplicates_report.matches)
    assert {m["b_doc"] for m in matches if m["kind"] == "exact"} >= {"d2"}
    clusters = pq.read_table(as_parquet["clusters"]).to_pylist()
    assert sum(c["representative"] for c in clusters) == len(duplicates_report.clusters)
    assert as_jsonl["drop_list"].read_text() == "d0\nd2\n" == as_parquet["drop_list"].read_text()
    assert pq.read_table(as_parquet["drop"]).to_pylist()[0] == {"id": "d0", "kept": "d3", "group": 0}


def test_empty_outputs_have_their_columns(tmp_path: Path) -> None:
    report = analyze([Document("only", "only.txt", "One lonely paragraph with a few words.\n")])
    paths = write_outputs(report, tmp_path, "parquet")
    assert pq.read_table(paths["matches"]).num_rows == 0
    assert "similarity" in pq.read_table(paths["matches"]).column_names
    assert paths["drop_list"].read_text() == ""


def test_failed_output_write_keeps_the_previous_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      duplicates_report: Any) -> None:
    """A disk that fills during the third file leaves every file of the previous run as it was."""
    import dedup.report.output_files as output

    before = write_outputs(duplicates_report, tmp_path, "jsonl")
    contents = {name: path.read_bytes() for name, path in before.items()}
    written: list[Path] = []

    def fill_the_disk(path: Path, rows: list[dict[str, Any]], columns: dict[str, str]) -> None:
        written.append(path)
        path.write_text("partial", encoding="utf-8")
        if len(written) == 3:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "_write_jsonl", fill_the_disk)
    with pytest.raises(OSError, match="No space left"):
        write_outputs(duplicates_report, tmp_path, "jsonl", keep="longest")
    assert {name: path.read_bytes() for name, path in before.items()} == contents
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in before.values())


# ---------------------------------------------------------------------------------------------- start-up

def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_no_cluster_at_the_address_is_one_line_and_exit_2_at_once() -> None:
    """Run in a fresh process: in this one a Ray instance may be running, which any engine joins."""
    import time

    address = f"127.0.0.1:{unused_port()}"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "dedup", "scan", str(SAMPLE), "--engine", "ray",
                           "--address", address], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"dedup: error: cannot reach a Ray cluster at {address} (Connection refused)\n"
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(("address", "reason"), [
    ("ray://127.0.0.1:{port}", " (Connection refused)"),
    ("headnode", ": the address must be HOST:PORT"),
    ("headnode:port", ": the address must be HOST:PORT"),
])
def test_addresses_are_tried_before_ray_is(address: str, reason: str) -> None:
    from dedup.engines.ray import ClusterUnreachable, check_reachable

    address = address.format(port=unused_port())
    with pytest.raises(ClusterUnreachable) as raised:
        check_reachable(address)
    assert str(raised.value) == f"cannot reach a Ray cluster at {address}{reason}"


class FakeRay:
    """Stands in for the ray module where only start-up is under test."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def is_initialized(self) -> bool:
        return False

    def init(self, **options: Any) -> None:
        self.calls.append(options)
        raise ImportError("stopped after ray.init")

    def cluster_resources(self) -> dict[str, float]:
        return {"CPU": 2.0}


def test_starting_a_local_instance_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from dedup.cli import app
    from dedup.engines.ray import RayEngine

    fake = FakeRay()
    monkeypatch.setitem(sys.modules, "ray", fake)
    lines: list[str] = []
    with pytest.raises(ImportError, match="stopped after ray.init"):
        RayEngine(num_cpus=2, notify=lines.append).start()
    assert lines == ["starting a local Ray instance (2 CPUs); --address joins a running cluster"]
    assert fake.calls[0]["num_cpus"] == 2
    loud = CliRunner().invoke(app, ["scan", str(SAMPLE), "--engine", "ray"])
    assert loud.stderr.splitlines()[0].startswith("dedup: starting a local Ray instance (")
    assert loud.stderr.splitlines()[1:] == ["dedup: error: stopped after ray.init"]
    quiet = CliRunner().invoke(app, ["scan", str(SAMPLE), "--engine", "ray", "-q"])
    assert quiet.stderr == "dedup: error: stopped after ray.init\n"
