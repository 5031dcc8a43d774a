"""Every option and error path of the scan and diff commands, through typer's CliRunner."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import jsonschema
import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.report import schema_json
from tests.conftest import ROOT, SAMPLE, seed

runner = CliRunner()
SCHEMA = json.loads(schema_json())


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_help_lists_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("scan", "diff"):
        assert command in result.stdout


def test_json_report_is_valid_and_alone_on_stdout():
    result = run("scan", SAMPLE, "--format", "json", "--quiet")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["schema"] == "dedup.report/2"
    assert report["summary"]["matches"] == {"exact": 12, "near": 0, "partial": 4}
    jsonschema.validate(report, SCHEMA)


def test_text_report_prints_ids_literally(tmp_path):
    """Ids are data, not rich markup or emoji codes: "[/x]" once ended the run with a MarkupError."""
    paragraphs = ("The council approved the new budget for the coming year after a long debate on Tuesday night.\n\n"
                  "The mayor said the plan would fund twelve new schools and repair the old bridge by next spring.\n\n")
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": name, "text": paragraphs + f"Other text {i}."}) + "\n"
                              for i, name in enumerate(["[bold]wire", "desk [/x] :smile:"])))
    result = run("scan", corpus)
    assert result.exit_code == 0, result.output
    assert "  desk [/x] :smile: lines 1-3 repeat from [bold]wire lines 1-3 (2 paragraphs, exact)\n" in result.stdout


def test_text_report_shows_relations_then_blocks_and_matches_pair_by_pair():
    result = run("scan", SAMPLE)
    assert result.exit_code == 0
    out = result.stdout
    assert f"{seed('000')} lines 9-15 repeat inside lines 2-8 (7 paragraphs, exact)" in out
    assert f"{seed('003')} lines 7-11 repeat inside lines 2-6 (5 paragraphs, exact)" in out
    assert f"{seed('001')}:8 reuses {seed('000')}:4" in out
    assert out.index("\nRelations") < out.index("\nFigure conflicts") < out.index("\nDetail, pair by pair")
    assert (f"\n{seed('001')} <- {seed('000')}: reuse, 15% of the copy and 20% of the source shared, "
            "3 matches\n") in out
    assert "Document overlap" not in out


def test_output_file(tmp_path):
    target = tmp_path / "report.json"
    result = run("scan", SAMPLE, "--format", "json", "--output", target, "--quiet")
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["summary"]["documents"] == 5


def test_output_file_that_cannot_be_written(tmp_path):
    result = run("scan", SAMPLE, "--output", tmp_path / "missing" / "r.txt")
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def test_failed_write_keeps_the_previous_report(tmp_path, monkeypatch):
    """A disk that fills half way leaves the last good report whole, and no partial file behind."""
    import dedup.report.render_json as render_json

    target = tmp_path / "report.json"
    target.write_text("the previous report\n", encoding="utf-8")

    def fill_the_disk(report, handle):
        handle.write("{\"schema\":")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render_json, "write_json", fill_the_disk)
    result = run("scan", SAMPLE, "--format", "json", "--output", target, "--quiet")
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: {target}: cannot write (No space left on device)\n"
    assert target.read_text(encoding="utf-8") == "the previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_output_through_a_symlink_and_to_a_fifo(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    (tmp_path / "link.json").symlink_to(real)
    assert run("scan", SAMPLE, "--format", "json", "--output", tmp_path / "link.json", "-q").exit_code == 0
    assert (tmp_path / "link.json").is_symlink()  # the link stays a link; its target gets the report
    assert json.loads(real.read_text(encoding="utf-8"))["summary"]["documents"] == 5
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with ThreadPoolExecutor(1) as pool:
        received = pool.submit(fifo.read_text, encoding="utf-8")
        assert run("scan", SAMPLE, "--format", "json", "--output", fifo, "-q").exit_code == 0
        assert json.loads(received.result(timeout=60))["summary"]["documents"] == 5


@pytest.mark.parametrize(("kind", "code"), [("exact", 1), ("near", 1), ("partial", 1)])
def test_fail_on_exits_1_when_found(kind, code):
    assert run("scan", SAMPLE, "--fail-on", kind, "--quiet").exit_code == code


def test_fail_on_exits_0_when_nothing_of_that_kind(tmp_path):
    (tmp_path / "a.txt").write_text("Alpha beta gamma delta epsilon zeta.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Completely different words are written right here today.", encoding="utf-8")
    assert run("scan", tmp_path, "--fail-on", "partial", "--quiet").exit_code == 0


def test_threshold_changes_near_matching(tmp_path):
    base = ("The council approved the new budget for schools and roads after a long debate on Tuesday night. "
            "Members of the opposition said the plan did too little for the northern districts. "
            "The mayor promised a second vote on transport spending before the summer.")
    (tmp_path / "a.txt").write_text(base, encoding="utf-8")
    (tmp_path / "b.txt").write_text(base.replace("long", "lengthy"), encoding="utf-8")
    loose = json.loads(run("scan", tmp_path, "--format", "json", "--threshold", "0.7", "-q").stdout)
    strict = json.loads(run("scan", tmp_path, "--format", "json", "--threshold", "0.95", "-q").stdout)
    # 43 words, 39 shingles each; one changed word touches 5 of them: 34 / 44
    assert [(m["kind"], m["similarity"]) for m in loose["matches"]] == [("near", round(34 / 44, 4))]
    assert loose["matches"][0]["diff"]["wording"] == [{"kind": "replace", "a": "long", "b": "lengthy"}]
    # above the paragraph's similarity, the changed sentence is still a reused passage
    assert [m["kind"] for m in strict["matches"]] == ["partial"]


def test_glob_option(tmp_path):
    (tmp_path / "a.text").write_text("Some words here for a test of globs.", encoding="utf-8")
    assert run("scan", tmp_path, "-q").exit_code == 2
    assert run("scan", tmp_path, "--glob", "*.text", "-q").exit_code == 0


def test_min_words_and_workers_options():
    result = run("scan", SAMPLE, "--format", "json", "--min-words", "1000", "--workers", "2", "-q")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["matches"]["exact"] == 0


def test_no_diffs_leaves_out_what_changed_and_nothing_else(tmp_path):
    full = json.loads(run("scan", SAMPLE, "--format", "json", "-q").stdout)
    lean = json.loads(run("scan", SAMPLE, "--format", "json", "-q", "--no-diffs").stdout)
    assert [m["kind"] for m in full["matches"] if "diff" in m] == ["partial"] * 4
    assert lean["matches"] == [{key: value for key, value in m.items() if key != "diff"} for m in full["matches"]]
    assert [c["counts"] for c in full["figure_conflicts"]] == [
        "people killed", "security personnel killed", "civilians killed", "militants killed"]
    assert lean["figure_conflicts"] == []
    assert (full["config"]["diffs"], lean["config"]["diffs"]) == (True, False)
    jsonschema.validate(lean, SCHEMA)
    assert list(lean["stats"]["seconds"]) == ["segment", "signatures", "paragraph_matches", "sentence_matches",
                                              "evidence", "document_view"]
    for key in ("documents", "relations", "boilerplate", "repeated_blocks", "clusters", "warnings"):
        assert lean[key] == full[key], key
    text = run("scan", SAMPLE, "--no-diffs").stdout
    assert "matches: 12 exact, 0 near, 4 partial; clusters: 16; figure conflicts: not computed (--no-diffs)\n" in text
    assert "Figure conflicts" not in text
    page = tmp_path / "report.html"
    assert run("scan", SAMPLE, "--no-diffs", "--format", "html", "-o", page, "-q").exit_code == 0
    assert "<dd>not computed</dd>" in page.read_text(encoding="utf-8")
    assert "Not computed: the scan ran with <code>--no-diffs</code>." in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "/nonexistent/folder"], "/nonexistent/folder: no such file or folder"),
        (["scan", SAMPLE, "--threshold", "1.5"], "--threshold must be in (0.0, 1.0], got 1.5"),
        (["scan", SAMPLE, "--workers", "0"], "--workers must be a positive integer, got 0"),
        (["scan", SAMPLE, "--min-words", "0"], "--min-words must be a positive integer, got 0"),
        (["scan", SAMPLE, "--shards", "0"], "--shards must be a positive integer, got 0"),
        (["diff", SAMPLE / seed("000"), SAMPLE / seed("001"), "--threshold", "0"],
         "--threshold must be in (0.0, 1.0], got 0.0"),
    ],
)
def test_errors_are_one_line_with_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: {message}\n"


def test_empty_folder_is_exit_2(tmp_path):
    result = run("scan", tmp_path)
    assert result.exit_code == 2
    assert "no files matching" in result.stderr


def test_warnings_go_to_stderr_and_quiet_silences_them(tmp_path):
    (tmp_path / "ok.txt").write_text("Fine words in this file.", encoding="utf-8")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x00binary")
    loud = run("scan", tmp_path, "--format", "json")
    assert loud.exit_code == 0
    assert "binary file (contains NUL bytes), skipped" in loud.stderr
    json.loads(loud.stdout)
    quiet = run("scan", tmp_path, "--format", "json", "--quiet")
    assert quiet.stderr == ""
    assert json.loads(quiet.stdout)["warnings"] == [f"{tmp_path / 'bin.txt'}: binary file (contains NUL bytes), skipped"]


def test_malformed_jsonl_and_skip_bad_lines(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "Some words for a record."}\nnot json\n', encoding="utf-8")
    result = run("scan", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"dedup: error: {path}:2: not valid JSON")
    assert run("scan", path, "--skip-bad-lines", "-q").exit_code == 0


def test_diff_command_text():
    result = run("diff", SAMPLE / seed("000"), SAMPLE / seed("001"))
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith(f"dedup diff: A = {seed('000')}, B = {seed('001')}\n3 aligned, 12 only in A (removed), "
                          "12 only in B (added)\n")
    assert "= A:4 ~ B:8  [partial] similarity 0.27, containment 0.58" in out
    assert "show insurgents [-roaming-]{+moving+} freely" in out
    assert "social media{+, including by the BLA,+} show" in out
    assert "The proscribed [-Balochistan-]{+Baloch+} Liberation Army" in out
    assert "- A:9 removed" in out and "+ B:3 added" in out
    assert "Figure conflicts" not in out  # 000 and 001 agree on every headline figure


def test_diff_command_shows_figure_conflicts():
    out = run("diff", SAMPLE / seed("001"), SAMPLE / seed("003")).stdout
    conflicts = out[out.index("Figure conflicts"):]
    assert f"civilians killed: 31 ({seed('001')}) vs 18 ({seed('003')})" in conflicts
    assert f"security personnel killed: 17 ({seed('001')}) vs 15 ({seed('003')})" in conflicts
    assert f"militants killed: 145 ({seed('001')}) vs 92 ({seed('003')})" in conflicts


STORY = ("Police in the northern province said {n} {who} were killed on Sunday when troops stormed a hideout "
         "near the border town, according to a statement released by the provincial government.")


def test_figure_groups_file_extends_the_fold_table(tmp_path):
    (tmp_path / "a.txt").write_text(STORY.format(n=12, who="jihadists"), encoding="utf-8")
    (tmp_path / "b.txt").write_text(STORY.format(n=20, who="militants"), encoding="utf-8")
    groups = tmp_path / "groups.json"
    groups.write_text('{"militants": ["jihadists"]}', encoding="utf-8")
    plain = json.loads(run("scan", tmp_path, "--format", "json", "-q").stdout)
    extended = json.loads(run("scan", tmp_path, "--format", "json", "-q", "--figure-groups", groups).stdout)
    assert plain["figure_conflicts"] == []
    assert [(c["counts"], [v["value"] for v in c["values"]]) for c in extended["figure_conflicts"]] == [
        ("militants killed", ["12", "20"])]
    toml = tmp_path / "groups.toml"
    toml.write_text('militants = ["jihadists"]\n', encoding="utf-8")
    again = json.loads(run("scan", tmp_path, "--format", "json", "-q", "--figure-groups", toml).stdout)
    assert again["figure_conflicts"] == extended["figure_conflicts"]


@pytest.mark.parametrize(("content", "problem"), [("{nope", "not valid JSON"), ('{"a": "b"}', "must map a group")])
def test_bad_figure_groups_file(tmp_path, content, problem):
    groups = tmp_path / "groups.json"
    groups.write_text(content, encoding="utf-8")
    result = run("scan", SAMPLE, "--figure-groups", groups)
    assert result.exit_code == 2 and problem in result.stderr and result.stderr.count("\n") == 1


def test_progress_bar_draws_every_stage():
    from io import StringIO

    from rich.console import Console
    from rich.progress import Progress

    from dedup import scan
    from dedup.cli import BarProgress

    screen = StringIO()
    bar = Progress(console=Console(file=screen, force_terminal=True, width=100))
    with bar:
        scan(SAMPLE, progress=BarProgress(bar))
    assert [task.description for task in bar.tasks] == ["documents", "paragraphs", "sentences", "diffs", "figures"]
    assert all(task.finished for task in bar.tasks)
    assert bar.tasks[0].completed == 5 and bar.tasks[1].completed == 84 and bar.tasks[2].completed == 166


def test_diff_command_json():
    result = run("diff", SAMPLE / seed("000"), SAMPLE / seed("001"), "--format", "json")
    data = json.loads(result.stdout)
    assert data["schema"] == "dedup.diff/1"
    aligned = [i for i in data["items"] if i["status"] == "aligned"]
    assert any({"kind": "replace", "a": "roaming", "b": "moving"} in i["diff"]["wording"] for i in aligned)
    assert data["summary"]["removed"] + data["summary"]["aligned"] >= 1


def test_diff_rejects_missing_file(tmp_path):
    result = run("diff", tmp_path / "x.txt", SAMPLE / seed("000"))
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: {tmp_path / 'x.txt'}: no such file or folder\n"


HEAVY_MODULES = ("numba", "numpy", "scipy", "sklearn", "datasketch", "jinja2", "fastapi", "ray", "dedup.index",
                 "dedup.pipeline", "dedup.service", "dedup.report.render_json", "dedup.report.render_text",
                 "dedup.report.render_html")
LOADED_BY_COMMAND = """
import json, sys
from dedup.cli import app
try:
    app(sys.argv[1:], prog_name="dedup")
except SystemExit:
    pass
heavy = json.loads(sys.stdin.read())
print(json.dumps(sorted(m for m in sys.modules if m in heavy or m.split(".")[0] in heavy)))
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["version"], ["schema"], ["index", "--help"],
                                  ["check", "--help"], ["serve", "--help"], ["scan", "--help"], ["diff", "--help"]],
                         ids=" ".join)
def test_help_and_version_load_no_heavy_module(args):
    """The stages, the renderers and the service load inside the commands that run them, so that help
    and version answer at once."""
    result = subprocess.run([sys.executable, "-c", LOADED_BY_COMMAND, *args], input=json.dumps(HEAVY_MODULES),
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_version_option_and_command_print_the_installed_version():
    from importlib.metadata import version

    expected = f"dedup {version('dedup')}\n"
    for args in (["--version"], ["version"]):
        result = run(*args)
        assert result.exit_code == 0 and result.stdout == expected
    script = subprocess.run([sys.executable, "-m", "dedup", "--version"], capture_output=True, text=True, check=True)
    assert script.stdout == expected and script.stderr == ""


def test_schema_command_prints_the_shipped_schema():
    """``dedup schema`` prints the file the package ships, byte for byte, as importlib.resources reads it."""
    from importlib.resources import files

    result = run("schema")
    assert result.exit_code == 0
    assert result.stdout == (files("dedup.report") / "schema.json").read_text(encoding="utf-8")
    assert result.stdout == (ROOT / "dedup" / "report" / "schema.json").read_text(encoding="utf-8")
    schema = json.loads(result.stdout)
    assert schema["$id"] == schema["properties"]["schema"]["const"] == "dedup.report/2"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "dedup", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "scan" in result.stdout


def test_console_script_scan_exits_without_teardown_and_loses_nothing(tmp_path):
    """``main`` ends a finished local scan with os._exit: stdout, the report file and the exit code
    must all be there as with a normal exit."""
    (tmp_path / "note.txt").write_text("A short note with nothing repeated in it at all.\n", encoding="utf-8")
    small = subprocess.run([sys.executable, "-m", "dedup", "scan", tmp_path / "note.txt"], capture_output=True,
                           text=True, check=False)  # a few bytes: still in stdout's buffer at the end
    assert small.returncode == 0 and small.stdout == run("scan", tmp_path / "note.txt").stdout != ""
    script = [sys.executable, "-m", "dedup", "scan", SAMPLE, "-q"]
    piped = subprocess.run([*script, "--format", "json"], capture_output=True, text=True, check=False)
    assert piped.returncode == 0 and piped.stderr == ""
    assert json.loads(piped.stdout)["summary"] == json.loads(run("scan", SAMPLE, "--format", "json", "-q").stdout)["summary"]
    found = subprocess.run([*script, "--fail-on", "exact"], capture_output=True, text=True, check=False)
    assert found.returncode == 1 and found.stdout == run("scan", SAMPLE).stdout
    target = tmp_path / "report.txt"
    written = subprocess.run([*script, "--output", target], capture_output=True, text=True, check=False)
    assert written.returncode == 0 and written.stdout == ""
    assert target.read_text(encoding="utf-8") == found.stdout


def test_html_report_of_scan_and_diff(tmp_path):
    target = tmp_path / "report.html"
    assert run("scan", SAMPLE, "--format", "html", "--output", target, "-q").exit_code == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "overlap-matrix" in page
    diff = run("diff", SAMPLE / seed("000"), SAMPLE / seed("001"), "--format", "html")
    assert diff.exit_code == 0 and diff.stdout.startswith("<!DOCTYPE html>")
    assert "<del" in diff.stdout and "roaming" in diff.stdout


@pytest.mark.parametrize("options", [(), ("--no-diffs",)])
def test_scan_on_ray_gives_the_local_report(ray_session, tmp_path, options):
    local = json.loads(run("scan", SAMPLE, "--format", "json", "-q", *options).stdout)
    on_ray = run("scan", SAMPLE, "--format", "json", "-q", "--engine", "ray", "--shards", "3", *options)
    assert on_ray.exit_code == 0, on_ray.stderr
    remote = json.loads(on_ray.stdout)
    assert (remote["config"]["diffs"], len(remote["figure_conflicts"])) == ((True, 4) if not options else (False, 0))
    for report in (local, remote):
        del report["stats"]
    assert remote == local


def test_parquet_on_the_local_engine_gives_the_jsonl_report(tmp_path):
    pa, pq = pytest.importorskip("pyarrow"), pytest.importorskip("pyarrow.parquet")
    records = [{"id": path.stem, "text": path.read_text(encoding="utf-8"), "desk": "wires"}
               for path in sorted(SAMPLE.glob("*.txt"))]
    (tmp_path / "x.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "x.parquet", row_group_size=4)
    reports = []
    for name in ("x.jsonl", "x.parquet"):
        result = run("scan", tmp_path / name, "--format", "json", "-q")
        assert result.exit_code == 0, result.stderr
        reports.append(json.loads(result.stdout))
        del reports[-1]["stats"]
        for document in reports[-1]["documents"]:
            assert document.pop("path").startswith(f"{tmp_path / name}:")
    assert reports[1] == reports[0]
    assert len(reports[0]["documents"]) == len(records) and reports[0]["matches"]


def test_parquet_errors_are_one_line(tmp_path, monkeypatch):
    pa, pq = pytest.importorskip("pyarrow"), pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"body": ["A corpus whose column is not called text."]}), path)
    result = run("scan", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f'dedup: error: {path}: Parquet file has no "text" column\n'
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = run("scan", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"dedup: error: {path}: reading Parquet needs pyarrow: pip install 'dedup[parquet]'\n"


def test_output_files_for_large_corpora(tmp_path):
    (tmp_path / "in").mkdir()
    text = (SAMPLE / seed("002")).read_text(encoding="utf-8")
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / "in" / name).write_text(text if name != "c.txt" else "Something else entirely, written "
                                            "for this test and about nothing in the others.", encoding="utf-8")
    out = tmp_path / "out"
    result = run("scan", tmp_path / "in", "--format", "json", "--output-format", "jsonl", "--output-dir", out,
                 "--keep", "first")
    assert result.exit_code == 0, result.stderr
    assert "dedup: wrote" in result.stderr
    assert (out / "drop.txt").read_text(encoding="utf-8").split() == ["b.txt"]
    assert (out / "matches.jsonl").exists() and (out / "clusters.jsonl").exists()
    bad = run("scan", tmp_path / "in", "--output-format", "jsonl", "--output-dir", out, "--keep", "tallest")
    assert bad.exit_code == 2 and bad.stdout == ""
    assert bad.stderr == ('dedup: error: keep must be "first", "longest" or "metadata:<field>" '
                          "(e.g. metadata:published), got 'tallest'\n")


def test_a_report_with_every_new_figure_change_kind_is_valid(tmp_path):
    """Results lines whose share result changes sign, whose sales change scale and whose payout changes
    unit: the JSON report names each change and still validates against the shipped schema."""
    lead = "Acme Widget Corp said on Tuesday that its board approved the quarterly results and the payout"
    (tmp_path / "a.txt").write_text(f"{lead}, with Shr profit 61 cts and sales of 12.5 mln dlrs and a "
                                    "dividend of 10 cts.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"{lead}, with Shr loss 1.59 dlrs and sales of 12.5 bln dlrs and a "
                                    "dividend of 10 dlrs.\n", encoding="utf-8")
    result = run("scan", tmp_path, "--format", "json", "--quiet")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    (match,) = report["matches"]
    assert [(f["change"], f["a"], f["b"]) for f in match["diff"]["figures"]] == [
        ("sign", "profit 61 cts", "loss 1.59 dlrs"), ("scale", "12.5 mln dlrs", "12.5 bln dlrs"),
        ("unit", "10 cts", "10 dlrs")]


@pytest.mark.parametrize("command", ["scan", "diff"])
@pytest.mark.parametrize(("name", "starts"), [("r.html", "<!DOCTYPE html>"), ("r.htm", "<!DOCTYPE html>"),
                                              ("r.json", "{"), ("r.txt", "dedup "), ("report", "dedup ")])
def test_output_format_follows_the_extension(tmp_path, command, name, starts):
    inputs = [SAMPLE] if command == "scan" else [SAMPLE / seed("000"), SAMPLE / seed("001")]
    target = tmp_path / name
    result = run(command, *inputs, "-o", target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == f"dedup: wrote {target}\n"
    written = target.read_text(encoding="utf-8")
    assert written.startswith(starts)
    if starts == "{":
        assert json.loads(written)["schema"] == ("dedup.report/2" if command == "scan" else "dedup.diff/1")
    quiet = run(command, *inputs, "-o", target, "--quiet")
    assert (quiet.exit_code, quiet.stderr) == (0, "")


@pytest.mark.parametrize("command", ["scan", "diff"])
def test_a_format_that_contradicts_the_extension_is_refused(tmp_path, command):
    inputs = [SAMPLE] if command == "scan" else [SAMPLE / seed("000"), SAMPLE / seed("001")]
    target = tmp_path / "report.html"
    result = run(command, *inputs, "-o", target, "--format", "json")
    assert result.exit_code == 2 and not target.exists()
    assert result.stderr == (f"dedup: error: {target}: --format json does not match the extension .html "
                             "(a html file); change one of them\n")
    agreeing = run(command, *inputs, "-o", tmp_path / "report.JSON", "--format", "json", "-q")
    assert agreeing.exit_code == 0 and json.loads((tmp_path / "report.JSON").read_text(encoding="utf-8"))
    other = run(command, *inputs, "-o", tmp_path / "report.out", "--format", "json", "-q")
    assert other.exit_code == 0 and json.loads((tmp_path / "report.out").read_text(encoding="utf-8"))


def test_an_output_that_cannot_be_written_is_refused_before_the_scan(tmp_path, monkeypatch):
    import dedup.pipeline

    def no_scan(*args, **kwargs):
        raise AssertionError("the scan ran")

    monkeypatch.setattr(dedup.pipeline, "scan", no_scan)
    monkeypatch.setattr(dedup.pipeline, "compare", no_scan)
    (tmp_path / "file").write_text("", encoding="utf-8")
    for target, problem in [(tmp_path / "missing" / "r.txt", f"no folder {tmp_path / 'missing'}"),
                            (tmp_path / "file" / "r.txt", f"no folder {tmp_path / 'file'}"),
                            (tmp_path, "it is a folder")]:
        for args in (["scan", SAMPLE], ["diff", SAMPLE / seed("000"), SAMPLE / seed("001")]):
            result = run(*args, "-o", target)
            assert result.exit_code == 2
            assert result.stderr == f"dedup: error: {target}: cannot write ({problem})\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_an_output_in_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    result = run("scan", SAMPLE, "-o", folder / "r.txt")
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: {folder / 'r.txt'}: cannot write (folder {folder} is not writable)\n"


def test_keep_by_a_metadata_field_no_record_has_warns(tmp_path):
    corpus = tmp_path / "c.jsonl"
    text = (SAMPLE / seed("002")).read_text(encoding="utf-8")
    corpus.write_text("".join(json.dumps({"id": i, "text": text, "published": f"2024-0{n}-01"}) + "\n"
                              for n, i in enumerate(("a", "b"), 1)), encoding="utf-8")
    out = tmp_path / "out"
    result = run("scan", corpus, "--format", "json", "--output-format", "jsonl", "--output-dir", out,
                 "--keep", "metadata:publised")
    message = ("keep=metadata:publised: no document has the metadata field 'publised' (the fields are "
               "published); each duplicate group keeps its first document")
    assert result.exit_code == 0
    assert f"dedup: warning: {message}\n" in result.stderr
    assert json.loads(result.stdout)["warnings"] == [message]
    found = run("scan", corpus, "--format", "json", "--output-format", "jsonl", "--output-dir", out,
                "--keep", "metadata:published")
    assert "warning" not in found.stderr and json.loads(found.stdout)["warnings"] == []


def test_help_is_readable_at_80_columns_with_conventional_metavars():
    for command, expected in [("scan", ["Usage: dedup scan [OPTIONS] PATH...", "  PATH...  Files, folders",
                                        "--threshold FLOAT", "-o, --output FILE", "--min-words INTEGER",
                                        "--figure-groups FILE", "-f, --format [text|json|html]",
                                        "--skip-bad-lines  ", "--output-dir DIRECTORY", "--keep RULE"]),
                              ("diff", ["Usage: dedup diff [OPTIONS] A B", "--threshold FLOAT", "-o, --output FILE"])]:
        result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0
        lines = result.stdout.splitlines()
        assert max(map(len, lines)) <= 80
        for text in expected:
            assert any(text in line for line in lines), text
        assert "<" not in result.stdout and "{paths}" not in result.stdout and "no-skip" not in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["scan", SAMPLE, "--threshold", "high"], "Invalid value for '--threshold': 'high' is not a number"),
    (["scan", SAMPLE, "--workers", "2.5"], "Invalid value for '--workers': '2.5' is not an integer"),
    (["scan", SAMPLE, "--format", "xml"], "Invalid value for '--format' / '-f': 'xml' is not one of text, json, html"),
    (["scan", SAMPLE, "--fail-on", "any"], "Invalid value for '--fail-on': 'any' is not one of exact, near, partial"),
    (["scan"], "Missing argument 'PATH...'."),
    (["diff", SAMPLE / seed("000")], "Missing argument 'B'."),
])
def test_parser_errors_name_the_value_and_what_was_expected(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {message}"


def test_counts_agree_with_their_nouns(tmp_path):
    (tmp_path / "one.txt").write_text("A single paragraph of one sentence here.\n", encoding="utf-8")
    assert run("scan", tmp_path).stdout.startswith("dedup scan: 1 document, 1 paragraph, 1 sentence\n")
    (tmp_path / "two.txt").write_text("Two sentences here. And a second one.\n\nA second paragraph.\n",
                                      encoding="utf-8")
    assert run("scan", tmp_path).stdout.startswith("dedup scan: 2 documents, 3 paragraphs, 4 sentences\n")
    page = tmp_path / "r.html"
    run("scan", tmp_path / "one.txt", "-o", page)
    assert "<title>dedup report: 1 document</title>" in page.read_text(encoding="utf-8")


def test_scope_filters_the_text_report():
    internal = run("scan", SAMPLE, "--scope", "internal")
    assert internal.exit_code == 0, internal.stderr
    assert "Relations" not in internal.stdout and "Figure conflicts" not in internal.stdout
    assert f"  {seed('000')} lines 9-15 repeat inside lines 2-8 (7 paragraphs, exact)\n" in internal.stdout
    cross = run("scan", SAMPLE, "--scope", "cross", "--top", "5", "--min-share", "0.1")
    assert cross.exit_code == 0, cross.stderr
    assert "\nRelations (figures changed first, then by share)\n" in cross.stdout and "inside " not in cross.stdout


@pytest.mark.parametrize(("options", "message"), [
    (("--top", "0"), "dedup: error: --top must be a positive integer, got 0\n"),
    (("--min-share", "1.5"), "dedup: error: --min-share must be a number in [0, 1], got 1.5\n"),
    (("--format", "json", "--top", "3"),
     "dedup: error: --top filters the text report; the JSON and HTML reports hold every relation\n"),
    (("-o", "r.html", "--scope", "cross", "--min-share", "0.5"),
     "dedup: error: --scope, --min-share filter the text report; the JSON and HTML reports hold every relation\n"),
])
def test_report_filters_that_cannot_apply_are_refused_in_one_line(tmp_path, monkeypatch, options, message):
    monkeypatch.chdir(tmp_path)
    result = run("scan", SAMPLE, *options)
    assert (result.exit_code, result.stderr, result.stdout) == (2, message, "")
    assert not (tmp_path / "r.html").exists()


def test_an_unknown_scope_names_the_choices():
    result = run("scan", SAMPLE, "--scope", "both")
    assert result.exit_code == 2
    assert "Invalid value for '--scope': 'both' is not one of internal, cross, all" in result.stderr
