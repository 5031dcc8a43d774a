"""The README's Python blocks run as written, in a folder holding the sample; ``dedup.render``
writes what the command line writes."""

import json
import re
import shutil

import pytest
from typer.testing import CliRunner

import dedup
from dedup.cli import app
from tests.conftest import ROOT, SAMPLE, seed

BLOCKS = re.findall(r"^```python\n(.*?)^```$", (ROOT / "README.md").read_text(encoding="utf-8"), re.S | re.M)


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 2 and any("dedup.render(" in block for block in BLOCKS)


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_a_readme_python_block_runs_as_written(number, tmp_path, monkeypatch, capsys):
    shutil.copytree(SAMPLE, tmp_path / "data" / "sample")
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[number], f"README.md python block {number + 1}", "exec"), {"__name__": "readme"})
    assert capsys.readouterr().out  # every block shows its result


def test_passages_give_their_document_id_and_text():
    report = dedup.scan(SAMPLE)
    match = next(m for m in report.matches if m.a.doc != m.b.doc and m.kind == "partial")
    assert report.doc_id(match.a) == report.documents[match.a.doc].id == seed("000")
    assert report.text_of(match.b) == report.documents[match.b.doc].text[match.b.start:match.b.end]
    assert report.text_of(match.b).startswith("Pakistan's security forces have significantly escalated")


def test_render_writes_what_the_command_line_writes(tmp_path):
    report = dedup.scan(SAMPLE)
    runner = CliRunner()
    assert dedup.render(report, "text") == runner.invoke(app, ["scan", str(SAMPLE)]).stdout
    cli_json = json.loads(runner.invoke(app, ["scan", str(SAMPLE), "--format", "json"]).stdout)
    rendered = json.loads(dedup.render(report, "json"))
    assert {k: v for k, v in rendered.items() if k != "stats"} == {k: v for k, v in cli_json.items() if k != "stats"}
    page = tmp_path / "r.html"
    runner.invoke(app, ["scan", str(SAMPLE), "-o", str(page)])
    assert dedup.render(report, "html") == page.read_text(encoding="utf-8")

    from dedup.pipeline import compare

    a, b = SAMPLE / seed("000"), SAMPLE / seed("001")
    comparison = compare(a, b)
    assert dedup.render(comparison, "text") == runner.invoke(app, ["diff", str(a), str(b)]).stdout
    assert json.loads(dedup.render(comparison, "json"))["schema"] == "dedup.diff/1"
    with pytest.raises(ValueError, match="format must be one of text, json, html, got 'xml'"):
        dedup.render(report, "xml")


def test_the_worked_example_is_the_sample_report_shortened():
    """Every line of the README's worked example that is not shortened (no ``…``) is a line of the
    sample's text report, in the same order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"^\$ dedup scan data/sample\n(.*?)^```$", readme, re.S | re.M)
    assert example is not None
    report = CliRunner().invoke(app, ["scan", str(SAMPLE)]).stdout.split("\n")
    position = 0
    for line in example.group(1).rstrip("\n").split("\n"):
        if "\u2026" in line:
            continue
        assert line in report[position:], f"not in the sample report (or out of order): {line!r}"
        position = report.index(line, position) + 1
    assert position > len(report) // 2  # the example covers the report, not only its first lines
