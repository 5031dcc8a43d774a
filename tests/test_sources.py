import codecs
import gzip
import json
import os
import sys

import pytest

from dedup.sources import InputError, UnusableFile, decode, read_documents

TEXT = "Caf\u00e9 \u201cquoted\u201d \u2014 na\u00efve r\u00e9sum\u00e9.\nSecond line."


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-32"), "utf-32"),
        ("plain ascii text without a byte order mark".encode("utf-16-le"), "utf-16-le"),
        ("plain ascii text without a byte order mark".encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_decodes_unicode_encodings(data, encoding):
    text, found = decode(data)
    assert found == encoding
    assert text in (TEXT, "plain ascii text without a byte order mark")


def test_legacy_encoding_fallback_is_named():
    text, encoding = decode("Caf\u00e9 \u2014 \u201cok\u201d".encode("cp1252"))
    assert (text, encoding) == ("Caf\u00e9 \u2014 \u201cok\u201d", "cp1252")


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(0, 32)) * 20])
def test_binary_is_unusable(data):
    with pytest.raises(UnusableFile, match="binary"):
        decode(data)


def test_folder_reading_is_recursive_sorted_and_filtered(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.md").write_text("Two.", encoding="utf-8")
    (tmp_path / "one.txt").write_text("One.", encoding="utf-8")
    (tmp_path / "skip.csv").write_text("a,b", encoding="utf-8")
    documents = read_documents([tmp_path])
    assert [(d.id, d.text) for d in documents] == [("b/two.md", "Two."), ("one.txt", "One.")]
    assert [d.id for d in read_documents([tmp_path], globs=["*.csv"])] == ["skip.csv"]


def test_unusable_files_are_skipped_with_one_warning_each(tmp_path):
    (tmp_path / "good.txt").write_text("Good text.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "legacy.txt").write_bytes("Caf\u00e9".encode("cp1252"))
    warnings = []
    documents = read_documents([tmp_path], warn=warnings.append)
    assert [d.id for d in documents] == ["good.txt", "legacy.txt"]
    assert warnings == [
        f"{tmp_path / 'binary.txt'}: binary file (contains NUL bytes), skipped",
        f"{tmp_path / 'empty.txt'}: empty, skipped",
        f"{tmp_path / 'legacy.txt'}: not valid UTF-8, decoded as cp1252",
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without permission")
def test_unreadable_file_is_skipped(tmp_path):
    locked = tmp_path / "locked.txt"
    locked.write_text("secret", encoding="utf-8")
    locked.chmod(0)
    (tmp_path / "open.txt").write_text("open", encoding="utf-8")
    warnings = []
    assert [d.id for d in read_documents([tmp_path], warn=warnings.append)] == ["open.txt"]
    assert "cannot read" in warnings[0]


def test_missing_path_and_empty_folder_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        read_documents([tmp_path / "nope"])
    with pytest.raises(InputError, match="no files matching"):
        read_documents([tmp_path])


def test_jsonl_records_with_ids_and_metadata(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text(json.dumps({"id": "a1", "text": "First.", "date": "2025-02-01"}) + "\n\n"
                    + json.dumps({"id": 7, "text": "Second."}) + "\n", encoding="utf-8")
    documents = read_documents([path])
    assert [(d.id, d.text, d.metadata) for d in documents] == [("a1", "First.", {"date": "2025-02-01"}),
                                                                ("7", "Second.", {})]
    assert documents[0].path == f"{path}:1"


def test_gzip_jsonl(tmp_path):
    path = tmp_path / "corpus.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "z", "text": "Zipped."}) + "\n")
    assert [d.id for d in read_documents([path])] == ["z"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "a record must be a JSON object"),
        ('{"id": "x"}', '"text" is missing or not a string'),
        ('{"id": true, "text": "t"}', '"id" must be a string or an integer'),
    ],
)
def test_malformed_jsonl_line_names_file_and_line(tmp_path, line, problem):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "ok", "text": "Fine."}) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_documents([path])
    assert str(error.value).startswith(f"{path}:2: {problem}")
    warnings = []
    assert [d.id for d in read_documents([path], skip_bad_lines=True, warn=warnings.append)] == ["ok"]
    assert warnings[0].startswith(f"{path}:2: {problem}")


def test_duplicate_ids_are_renamed_to_their_path(tmp_path):
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.txt").write_text(folder, encoding="utf-8")
    warnings = []
    documents = read_documents([tmp_path / "x", tmp_path / "y"], warn=warnings.append)
    assert [d.id for d in documents] == ["same.txt", str(tmp_path / "y" / "same.txt")]
    assert "duplicate document id" in warnings[0]


def test_symlink_loop_is_reported_not_followed(tmp_path):
    (tmp_path / "a.txt").write_text("text", encoding="utf-8")
    (tmp_path / "loop").symlink_to(tmp_path)
    warnings = []
    assert [d.id for d in read_documents([tmp_path], warn=warnings.append)] == ["a.txt"]
    assert any("symlink loop" in w for w in warnings)


def test_dangling_link_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "dead.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "alive.txt").write_text("alive", encoding="utf-8")
    warnings = []
    assert [d.id for d in read_documents([tmp_path], warn=warnings.append)] == ["alive.txt"]
    assert warnings == [f"{tmp_path / 'dead.txt'}: cannot read (No such file or directory), skipped"]


# Parquet: one document per row, checked as JSONL records are (pyarrow only for these tests).

def _parquet(path, columns, **options):
    pa, pq = pytest.importorskip("pyarrow"), pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.table(columns), path, **options)
    return path


def test_parquet_rows_with_ids_and_metadata(tmp_path):
    path = _parquet(tmp_path / "docs.parquet", {"id": ["x", None, "z"], "text": ["One.", "Two.", "Three."],
                                                "published": ["2024-01-05", "2024-01-01", None]}, row_group_size=2)
    documents = read_documents([path])
    assert [(d.id, d.path, d.text, d.metadata) for d in documents] == [
        ("x", f"{path}:1", "One.", {"published": "2024-01-05"}),
        ("docs.parquet:2", f"{path}:2", "Two.", {"published": "2024-01-01"}),
        ("z", f"{path}:3", "Three.", {"published": None}),
    ]
    (tmp_path / "a.txt").write_text("Before the Parquet file.", encoding="utf-8")
    assert [d.id for d in read_documents([tmp_path])] == ["a.txt", "x", "docs.parquet:2", "z"]


def test_parquet_rows_that_are_not_documents(tmp_path):
    path = _parquet(tmp_path / "bad.parquet", {"id": [1.5, 2.5, None], "text": ["a", "b", None]})
    with pytest.raises(InputError) as error:
        read_documents([path])
    assert str(error.value) == f"{path}:1: \"id\" must be a string or an integer (use --skip-bad-lines to go on)"
    warnings = []
    with pytest.raises(InputError, match="no readable documents"):
        read_documents([path], skip_bad_lines=True, warn=warnings.append)
    assert warnings == [f"{path}:1: \"id\" must be a string or an integer, skipped",
                        f"{path}:2: \"id\" must be a string or an integer, skipped",
                        f"{path}:3: \"text\" is missing or not a string, skipped"]
    big = _parquet(tmp_path / "big.parquet", {"text": ["x" * 2000, "small"]})
    assert [d.text for d in read_documents([big], max_document_bytes=1000, warn=warnings.append)] == ["small"]
    assert warnings[-1] == f"{big}:1: text of 0.0 MB is over the document size limit of 0.0 MB, skipped"


def test_parquet_without_text_column_is_one_line(tmp_path):
    path = _parquet(tmp_path / "docs.parquet", {"body": ["No text column."]})
    with pytest.raises(InputError) as error:
        read_documents([path])
    assert str(error.value) == f"{path}: Parquet file has no \"text\" column"


def test_file_that_is_not_parquet_is_skipped(tmp_path):
    pytest.importorskip("pyarrow")
    (tmp_path / "fake.parquet").write_text("not parquet at all", encoding="utf-8")
    (tmp_path / "good.txt").write_text("Good text.", encoding="utf-8")
    warnings = []
    assert [d.id for d in read_documents([tmp_path], warn=warnings.append)] == ["good.txt"]
    assert len(warnings) == 1 and warnings[0].startswith(f"{tmp_path / 'fake.parquet'}: cannot read as Parquet (")
    assert warnings[0].endswith("), skipped") and "\n" not in warnings[0]


def test_missing_pyarrow_names_the_file_and_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "docs.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(InputError) as error:
        read_documents([path])
    assert str(error.value) == f"{path}: reading Parquet needs pyarrow: pip install 'dedup[parquet]'"
