"""HTML pages are read as their article text; formats whose text must be extracted first are named."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.pipeline import analyze, compare
from dedup.sources import InputError, read_documents

pytest.importorskip("trafilatura")

PAGES = Path(__file__).parent / "fixtures" / "html"
QUETTA_PARAGRAPHS = [
    "Pakistan launches operation in Balochistan after attacks",
    "Pakistan's security forces launched a wide operation against separatist fighters in Balochistan on Sunday, a "
    "day after coordinated attacks killed at least 31 civilians and 17 soldiers, officials said.",
    "The interior minister told reporters in Islamabad that troops had cleared three districts near Quetta and that "
    "the operation would continue \"until the last attacker is found\".",
    "The outlawed Baloch Liberation Army said it carried out the attacks, which struck a railway station, two police "
    "posts and a market in the provincial capital.",
    "Hospitals in Quetta appealed for blood donors as more than 60 wounded people were brought in overnight, a "
    "health department spokesman said.",
    "Residents described hours of gunfire & explosions, and said shops in the old bazaar stayed shut on Sunday "
    "morning while soldiers searched houses.",
]
runner = CliRunner()


def test_a_page_is_read_as_its_article_one_paragraph_per_block() -> None:
    (document,) = read_documents([PAGES / "quetta.html"])
    assert document.text.split("\n\n") == QUETTA_PARAGRAPHS
    assert document.id == "quetta.html" and document.path == str(PAGES / "quetta.html")


@pytest.mark.parametrize("furniture", ["<", "&#x27;", "&amp;", "&quot;", "dataLayer", "track(", "font-family",
                                       "cookies", "World news", "Related stories", "Flood waters",
                                       "All rights reserved", "Privacy policy", "Amna Qureshi"])
def test_markup_scripts_entities_and_page_furniture_are_gone(furniture: str) -> None:
    (document,) = read_documents([PAGES / "quetta.html"])
    assert furniture not in document.text


def test_paragraphs_split_by_line_breaks_and_adverts_in_the_body() -> None:
    (document,) = read_documents([PAGES / "copper-brief.html"])
    paragraphs = document.text.split("\n\n")
    assert [p[:30] for p in paragraphs] == ["Copper prices rose 2.1 percent", "Benchmark three-month copper o",
                                            "“The market was already tight ", "The mine operator said it expe"]
    assert "Chile’s largest mines" in paragraphs[0]
    assert not any(word in document.text for word in ("Advertisement", "Sign up", "Subscribe", "Prices delayed"))


def test_html_is_read_by_default_in_folders_beside_text(tmp_path: Path) -> None:
    shutil.copy(PAGES / "port-strike.html", tmp_path / "a.html")
    shutil.copy(PAGES / "copper-brief.html", tmp_path / "b.htm")
    (tmp_path / "c.txt").write_text("A plain text article about the harbour and its cranes.\n")
    assert [d.id for d in read_documents([tmp_path])] == ["a.html", "b.htm", "c.txt"]


def test_the_shared_footer_and_navigation_of_two_pages_do_not_match() -> None:
    documents = read_documents([PAGES / "quetta.html", PAGES / "port-strike.html"])
    report = analyze(documents)
    assert report.matches == []


def test_two_versions_of_a_page_differ_only_in_the_changed_words() -> None:
    comparison = compare(PAGES / "quetta.html", PAGES / "quetta-updated.html")
    statuses = [item.status for item in comparison.items]
    assert statuses == ["aligned"] * 6
    changed = [(op.op, op.a, op.b) for item in comparison.items if item.diff for op in item.diff.ops if op.op != "equal"]
    assert changed == [("replace", "31", "39"), ("insert", "", "urgently")]
    figures = [(f.change, f.a, f.b) for item in comparison.items if item.diff for f in item.diff.figures]
    assert figures == [("changed", "at least 31 civilians", "at least 39 civilians")]
    assert [(c.counts, sorted(v.value for v in c.values)) for c in comparison.figure_conflicts] == [
        ("civilians killed", ["31", "39"])]


def test_scan_offsets_and_lines_refer_to_the_extracted_text() -> None:
    result = runner.invoke(app, ["scan", str(PAGES / "quetta.html"), str(PAGES / "quetta-updated.html"),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    texts = {d.id: d.text for d in read_documents([PAGES / "quetta.html", PAGES / "quetta-updated.html"])}
    partial = [m for m in report["matches"] if m["kind"] == "partial"]
    assert len(partial) == 1
    for side in (partial[0]["a"], partial[0]["b"]):
        assert texts[side["doc"]][side["start"]:side["end"]] == side["text"]
        assert side["line"] == 9  # the fifth paragraph of blocks separated by blank lines
        assert side["text"].startswith("Hospitals in Quetta appealed")


def test_a_page_without_text_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_text("<html><head><script>var x = 1;</script></head><body></body></html>")
    shutil.copy(PAGES / "port-strike.html", tmp_path / "story.html")
    warnings: list[str] = []
    assert [d.id for d in read_documents([tmp_path], warn=warnings.append)] == ["story.html"]
    assert warnings == [f"{tmp_path / 'empty.html'}: no article text found in the HTML, skipped"]


def test_a_missing_extractor_is_one_line_naming_the_file_and_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)
    with pytest.raises(InputError) as raised:
        read_documents([PAGES / "quetta.html"])
    assert str(raised.value) == (f"{PAGES / 'quetta.html'}: reading HTML needs trafilatura: "
                                 "pip install 'dedup[html]'")
    result = runner.invoke(app, ["scan", str(PAGES)])
    assert result.exit_code == 2
    assert result.stderr == (f"dedup: error: {PAGES / 'copper-brief.html'}: reading HTML needs trafilatura: "
                             "pip install 'dedup[html]'\n")


@pytest.mark.parametrize(("name", "content", "named"), [
    ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    ("story.docx", b"PK\x03\x04\x14\x00\x06\x00", "Word (.docx)"),
    ("story.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Word (.doc)"),
    ("story.odt", b"PK\x03\x04\x14\x00\x00\x08", "OpenDocument (.odt)"),
    ("story.rtf", b"{\\rtf1\\ansi The minister said", "RTF"),
    ("misnamed.txt", b"%PDF-1.4\n1 0 obj", "PDF"),
])
def test_formats_to_extract_first_are_named(tmp_path: Path, name: str, content: bytes, named: str) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "story.txt").write_text("The port strike entered its second day on Tuesday.\n")
    warnings: list[str] = []
    documents = read_documents([tmp_path / name, tmp_path / "story.txt"], warn=warnings.append)
    assert [d.id for d in documents] == ["story.txt"]
    assert warnings == [f"{tmp_path / name}: {named} is not read; extract its text first, skipped"]


def test_a_folder_without_matching_files_hints_at_glob(tmp_path: Path) -> None:
    (tmp_path / "story.xml").write_text("<story>text</story>")
    result = runner.invoke(app, ["scan", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (f"dedup: error: {tmp_path}: folder has no files matching *.txt, *.md, *.html, *.htm "
                             "(choose the patterns with --glob)\n")


def test_check_reads_a_page_by_its_article_as_the_index_stores_it(tmp_path: Path) -> None:
    index = tmp_path / "articles.db"
    assert runner.invoke(app, ["index", "create", str(index)]).exit_code == 0
    assert runner.invoke(app, ["index", "add", str(index), str(PAGES / "quetta.html")]).exit_code == 0
    same = runner.invoke(app, ["check", "--index", str(index), str(PAGES / "quetta.html")])
    assert (same.exit_code, same.stdout.splitlines()[0]) == (5, "duplicate")
    other_story = runner.invoke(app, ["check", "--index", str(index), str(PAGES / "port-strike.html")])
    assert (other_story.exit_code, other_story.stdout.splitlines()[0]) == (0, "new")  # the shared footer is gone
