"""Hostile input: each case gets a clear one-line outcome naming the file, and the rest of the run goes on."""

import json
import os
import shutil

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import dedup.sources
from dedup import Document, scan
from dedup.cli import app
from dedup.pipeline import analyze
from dedup.report import schema_json
from dedup.report.render_json import report_dict
from tests.conftest import SAMPLE, seed

runner = CliRunner()
PARAGRAPH = ("The harbour authority said on Monday that the new ferry terminal would open in the spring, "
             "after two years of delays caused by storms and a shortage of steel.")


def scan_cli(*args):
    return runner.invoke(app, ["scan", *[str(a) for a in args], "--format", "json"])


@pytest.fixture
def folder(tmp_path):
    """A folder with one good article that every case keeps: the run must go on for it."""
    (tmp_path / "good.txt").write_text(PARAGRAPH, encoding="utf-8")
    return tmp_path


def outcome(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr.splitlines()


def test_binary_and_nul_bytes(folder):
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (folder / "nul.txt").write_bytes(b"text with a \x00 NUL byte inside")
    report, stderr = outcome(scan_cli(folder))
    assert [d["id"] for d in report["documents"]] == ["good.txt"]
    assert stderr == [f"dedup: warning: {folder / 'image.txt'}: binary file (contains NUL bytes), skipped",
                      f"dedup: warning: {folder / 'nul.txt'}: binary file (contains NUL bytes), skipped"]


def test_invalid_utf8_falls_back_to_a_named_legacy_encoding(folder):
    (folder / "legacy.txt").write_bytes(PARAGRAPH.replace("said", "\u201csaid\u201d").encode("cp1252"))
    report, stderr = outcome(scan_cli(folder))
    assert stderr == [f"dedup: warning: {folder / 'legacy.txt'}: not valid UTF-8, decoded as cp1252"]
    assert report["documents"][1]["encoding"] == "cp1252"
    assert [m["kind"] for m in report["matches"]] == ["near"]  # the copy is still found


def test_mixed_encodings_keep_the_utf8_and_replace_the_stray_bytes(folder):
    mixed = ("Caf\u00e9 owners in M\u00fcnchen said: " + PARAGRAPH).encode("utf-8") + b" \x93quoted\x94"
    (folder / "mixed.txt").write_bytes(mixed)
    report, stderr = outcome(scan_cli(folder))
    assert stderr == [f"dedup: warning: {folder / 'mixed.txt'}: UTF-8 with 2 invalid bytes, replaced by U+FFFD"]
    text = next(d for d in report["documents"] if d["id"] == "mixed.txt")
    assert text["encoding"] == "utf-8 (invalid bytes replaced)"


@pytest.mark.parametrize("report_format", ["json", "text", "html"])
def test_escaped_lone_surrogates_in_jsonl_become_replacement_characters(tmp_path, report_format):
    """``"\\ud800"`` is valid JSON but no text: it reached the terminal or the report file and failed
    there with a traceback. Each record says how many it held; offsets stay (one character for one)."""
    corpus = tmp_path / "corpus.jsonl"
    records = [{"id": "a\ud83d", "text": PARAGRAPH + " \udc00 end"}, {"id": "b", "text": PARAGRAPH + " \udc00 end"}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = runner.invoke(app, ["scan", str(corpus), "--format", report_format])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"dedup: warning: {corpus}:1: 2 escaped lone surrogate(s) (\\ud800-\\udfff, not text in any encoding) "
        "replaced by U+FFFD",
        f"dedup: warning: {corpus}:2: 1 escaped lone surrogate(s) (\\ud800-\\udfff, not text in any encoding) "
        "replaced by U+FFFD"]
    if report_format == "json":
        report = json.loads(result.stdout)
        assert [d["id"] for d in report["documents"]] == ["a\ufffd", "b"]
        assert [m["kind"] for m in report["matches"]] == ["exact"]
        assert report["matches"][0]["b"]["text"] == PARAGRAPH + " \ufffd end"


def test_utf16_without_bom_is_read(folder):
    (folder / "wide.txt").write_bytes(PARAGRAPH.encode("utf-16-le"))
    report, stderr = outcome(scan_cli(folder))
    assert stderr == []
    assert [m["kind"] for m in report["matches"]] == ["exact"]


def test_oversized_single_line_file_is_skipped_before_reading(folder):
    with (folder / "dump.txt").open("wb") as handle:
        handle.write(b"word " * 400_000)  # 2 MB on one line
    report, stderr = outcome(scan_cli(folder, "--max-document-mb", "1"))
    assert stderr == [f"dedup: warning: {folder / 'dump.txt'}: 2.0 MB is over the document size limit of 1.0 MB, "
                      "skipped (raise it with --max-document-mb)"]
    assert [d["id"] for d in report["documents"]] == ["good.txt"]


@pytest.mark.slow
def test_200_mb_single_line_file(folder):
    with (folder / "dump.txt").open("wb") as handle:
        for _ in range(200):
            handle.write(b"x" * 1_000_000)
    report, stderr = outcome(scan_cli(folder))
    assert "200.0 MB is over the document size limit of 32.0 MB" in stderr[0]


def test_huge_line_under_the_limit_is_one_paragraph(folder):
    line = " ".join(f"w{i % 5000}" for i in range(200_000))  # ~1.3 MB, one line, no sentence end
    (folder / "long.txt").write_text(line, encoding="utf-8")
    report, _ = outcome(scan_cli(folder))
    assert report["stats"]["paragraphs"] == 2


def test_fifo_does_not_hang_the_scan(folder):
    os.mkfifo(folder / "pipe.txt")
    report, stderr = outcome(scan_cli(folder))
    assert stderr == [f"dedup: warning: {folder / 'pipe.txt'}: not a regular file, skipped"]


def test_deeply_nested_folders(folder):
    deep = folder
    for _ in range(400):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text(PARAGRAPH, encoding="utf-8")
    report, stderr = outcome(scan_cli(folder))
    assert stderr == [] and len(report["documents"]) == 2
    assert [m["kind"] for m in report["matches"]] == ["exact"]


def test_symlink_loop(folder):
    (folder / "sub").mkdir()
    (folder / "sub" / "back").symlink_to(folder)
    report, stderr = outcome(scan_cli(folder))
    assert [d["id"] for d in report["documents"]] == ["good.txt"]
    assert stderr == [f"dedup: warning: {folder / 'sub' / 'back'}: symlink loop, not followed"]


def test_unreadable_file_is_reported(folder, monkeypatch):
    (folder / "secret.txt").write_text("secret text here", encoding="utf-8")
    real_open = dedup.sources.Path.open

    def deny(self, *args, **kwargs):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(dedup.sources.Path, "open", deny)
    report, stderr = outcome(scan_cli(folder))
    assert stderr == [f"dedup: warning: {folder / 'secret.txt'}: cannot read (Permission denied), skipped"]


def test_file_that_vanishes_during_the_scan(folder, monkeypatch):
    (folder / "gone.txt").write_text(PARAGRAPH, encoding="utf-8")
    walk = dedup.sources.walk

    def walk_then_delete(*args):
        found = walk(*args)
        (folder / "gone.txt").unlink()
        return found

    monkeypatch.setattr(dedup.sources, "walk", walk_then_delete)
    report, stderr = outcome(scan_cli(folder))
    assert stderr == [f"dedup: warning: {folder / 'gone.txt'}: cannot read (No such file or directory), skipped"]
    assert [d["id"] for d in report["documents"]] == ["good.txt"]


def test_paths_with_spaces_and_non_ascii_names(tmp_path):
    odd = tmp_path / "Dossier d’été 2025" / "naïve copy (1)"
    odd.mkdir(parents=True)
    (odd / "artículo №1.txt").write_text(PARAGRAPH, encoding="utf-8")
    (tmp_path / "Dossier d’été 2025" / "источник.md").write_text(PARAGRAPH, encoding="utf-8")
    report, stderr = outcome(scan_cli(tmp_path / "Dossier d’été 2025"))
    assert sorted(d["id"] for d in report["documents"]) == ["naïve copy (1)/artículo №1.txt", "источник.md"]
    assert [m["kind"] for m in report["matches"]] == ["exact"]


@pytest.mark.parametrize(
    "text",
    ["12 34 56 78 90 1,200 3.5 2025", "... !!! ??? --- ;;; (( )) ...", "Hello", "\u200b\u200b\u200b", "\n\n \t \n"],
    ids=["numbers", "punctuation", "one word", "zero-width", "blank"],
)
def test_degenerate_texts_give_a_valid_report(tmp_path, text):
    (tmp_path / "a.txt").write_text(PARAGRAPH, encoding="utf-8")
    (tmp_path / "odd.txt").write_text(text, encoding="utf-8")
    result = scan_cli(tmp_path)
    assert result.exit_code == 0
    json.loads(result.stdout)


def test_right_to_left_text_reuse_is_found(tmp_path):
    arabic = ("أعلنت السلطات في المدينة أن المكتبة العامة ستفتح أبوابها من جديد يوم الاثنين بعد ثلاث سنوات من "
              "أعمال الترميم التي شملت قاعة القراءة القديمة والحديقة على السطح.")
    (tmp_path / "a.txt").write_text(arabic, encoding="utf-8")
    (tmp_path / "b.txt").write_text("مقدمة قصيرة. " + arabic, encoding="utf-8")
    report, _ = outcome(scan_cli(tmp_path))
    assert [m["kind"] for m in report["matches"]] == ["near"]
    assert report["matches"][0]["a"]["text"] == arabic and report["matches"][0]["similarity"] > 0.8


def test_cjk_text_reuse_is_found(tmp_path):
    chinese = "巴基斯坦俾路支省发生协调一致的袭击事件，造成至少三十一名平民和十七名安全人员死亡。军方随后展开清剿行动。"
    reworded = "巴基斯坦俾路支省发生协调一致的袭击事件，造成至少十八名平民和十五名安全人员死亡。军方随后展开清剿行动。"
    (tmp_path / "a.txt").write_text(chinese, encoding="utf-8")
    (tmp_path / "b.txt").write_text(reworded, encoding="utf-8")
    report, _ = outcome(scan_cli(tmp_path))
    assert [(m["kind"], m["a"]["line"], m["b"]["line"]) for m in report["matches"]] == [("partial", 1, 1)]
    assert report["matches"][0]["containment"] > 0.8
    # each character is a token: 三十一 -> 十八 is "三" deleted and "一" -> "八"
    assert report["matches"][0]["diff"]["wording"] == [
        {"kind": "delete", "a": "三", "b": ""}, {"kind": "replace", "a": "一", "b": "八"},
        {"kind": "replace", "a": "七", "b": "五"}]


@pytest.mark.slow
def test_a_million_tiny_files(tmp_path):
    root = tmp_path / "many"
    for block in range(1000):
        sub = root / f"{block:03d}"
        sub.mkdir(parents=True)
        for i in range(1000):
            (sub / f"{i:03d}.txt").write_text(f"note {block} {i}", encoding="utf-8")
    report = scan(root)
    assert len(report.documents) == 1_000_000


# --- Property tests over the whole pipeline -----------------------------------------------------------

TEXTS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
SCHEMA = json.loads(schema_json())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=4))
def test_any_text_gives_a_valid_report_with_offsets_on_the_quoted_text(texts):
    documents = [Document(f"d{i}", f"d{i}.txt", text) for i, text in enumerate(texts)]
    data = report_dict(analyze(documents))
    jsonschema.validate(json.loads(json.dumps(data)), SCHEMA)
    for match in data["matches"]:
        for side in ("a", "b"):
            span = match[side]
            text = texts[int(span["doc"][1:])]
            assert text[span["start"]:span["end"]] == span["text"]
            assert text.count("\n", 0, span["start"]) + 1 == span["line"]


WORDS = st.lists(st.sampled_from("the council said budget roads schools ferry storm steel harbour two years "
                                 "delays on Monday would open in spring".split()), min_size=8, max_size=60)


@settings(max_examples=30, deadline=None)
@given(st.lists(WORDS.map(" ".join), min_size=1, max_size=3).map(".\n\n".join))
def test_a_document_always_matches_itself(text):
    report = analyze([Document("a", "a.txt", text), Document("b", "b.txt", text)])
    compared = [m for m in report.matches if m.scope == "cross"]
    assert compared, "a copy must be found"
    assert all(m.similarity == 1.0 for m in compared if m.kind in ("exact", "near"))
    assert [(r.source_in_copy, r.copy_in_source) for r in report.relations] == [(1.0, 1.0)]


def test_copy_of_the_sample_under_another_name_matches_itself(tmp_path):
    shutil.copy(SAMPLE / seed("001"), tmp_path / "one.txt")
    shutil.copy(SAMPLE / seed("001"), tmp_path / "two.txt")
    report = scan(tmp_path)
    assert [(r.source_in_copy, r.copy_in_source) for r in report.relations] == [(1.0, 1.0)]
