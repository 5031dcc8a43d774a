"""Reading: paths (files, folders, JSONL, Parquet, HTML pages) to decoded documents.

This is the only stage that touches the filesystem, and its rules are the same on every engine: an
engine reads the jobs of :func:`reading_plan` where it likes (:func:`read_documents` in this process)
and :func:`in_reading_order` assembles them. Files that cannot be used are skipped with one
warning each (the rest of the run goes on); a path that does not exist, or a run with nothing to
read, is an :class:`InputError`, which the CLI turns into exit code 2. HTML pages are read as their
article text (:mod:`dedup.formats`).
"""

from __future__ import annotations

import codecs
import dataclasses
import fnmatch
import gzip
import itertools
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from dedup.formats import MissingExtractor, article_text, format_not_read, is_html

DEFAULT_GLOBS = ("*.txt", "*.md", "*.html", "*.htm")
MAX_DOCUMENT_BYTES = 32_000_000
UTF8_REPLACED = "utf-8 (invalid bytes replaced)"
# A UTF-8 file with a few bad bytes (a stray cp1252 quote pasted in) is still UTF-8: when its valid
# multi-byte characters are at least as many as its invalid bytes, those bytes are replaced rather
# than the whole file decoded as cp1252, which would garble every other non-ASCII character.
_DECODED_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
PARQUET_SUFFIX = ".parquet"
CORPUS_SUFFIXES = (*JSONL_SUFFIXES, PARQUET_SUFFIX)  # read in folders whatever the globs

Warn = Callable[[str], None]


class InputError(Exception):
    """The run cannot go on: a missing path, nothing to read, a malformed JSONL line."""


class UnusableFile(Exception):
    """One file cannot be used (binary, unreadable, empty); the run skips it."""


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded document. ``id`` is stable across runs; ``text`` is the full raw text."""

    id: str
    path: str
    text: str
    encoding: str = "utf-8"
    metadata: dict[str, object] = field(default_factory=dict)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LEGACY_ENCODINGS = ("cp1252", "latin-1")
_CONTROL = frozenset(range(0, 32)) - {9, 10, 12, 13}


def decode(data: bytes) -> tuple[str, str]:
    """Decode file bytes; returns ``(text, encoding)`` or raises :class:`UnusableFile`.

    UTF-8 (with or without BOM), UTF-16/32 with BOM and BOM-less UTF-16 are recognised; anything else
    that is not UTF-8 falls back to a legacy single-byte encoding, which the caller reports.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise UnusableFile(f"starts with a {encoding} byte-order mark but is not {encoding}: {exc.reason}")
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return data.decode(utf16), utf16
    if b"\x00" in data:
        raise UnusableFile("binary file (contains NUL bytes)")
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = _decode_mixed(data)
    sample = text[:65536]
    if sample and sum(ord(c) in _CONTROL for c in sample) > 0.01 * len(sample):
        raise UnusableFile("binary file (control characters)")
    return text, encoding


def _bomless_utf16(data: bytes) -> str | None:
    """Spot UTF-16 without a BOM: mostly-ASCII text leaves every other byte NUL."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.9 * half and even_nuls == 0:
        candidate = "utf-16-le"
    elif even_nuls > 0.9 * half and odd_nuls == 0:
        candidate = "utf-16-be"
    else:
        return None
    try:
        data.decode(candidate)
    except UnicodeDecodeError:
        return None
    return candidate


def _decode_mixed(data: bytes) -> tuple[str, str]:
    """Mostly UTF-8 with a few invalid bytes -> UTF-8 with replacements; otherwise a legacy encoding."""
    replaced = data.decode("utf-8", errors="replace")
    invalid = replaced.count("\ufffd") - data.count("\ufffd".encode())
    valid = len(_DECODED_NON_ASCII.findall(replaced))
    if valid >= invalid:
        return replaced, UTF8_REPLACED
    return _decode_legacy(data)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    for encoding in _LEGACY_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def read_documents(
    paths: Iterable[str | os.PathLike[str]],
    *,
    globs: Iterable[str] = DEFAULT_GLOBS,
    warn: Warn = lambda message: None,
    skip_bad_lines: bool = False,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
) -> list[Document]:
    """Read every document under ``paths`` in a stable order (sorted within folders), in this process.

    Documents over ``max_document_bytes`` are skipped with a warning, so one huge dump cannot
    exhaust memory; the limit is checked before reading.
    """
    paths, globs = list(paths), tuple(globs)
    plan = reading_plan(paths, globs)
    found = (read_job(job, skip_bad_lines, max_document_bytes) for job in plan if isinstance(job, ReadJob))
    return in_reading_order(paths, globs, plan, found, warn)


@dataclass(frozen=True, slots=True)
class ReadJob:
    """One file to read, or one row group of a Parquet file (whose first row is number ``first_row + 1``)."""

    path: str
    doc_id: str
    row_group: int = -1
    first_row: int = 0


ReadResult = tuple[list[Document], list[str], InputError | None]


def reading_plan(paths: Sequence[str | os.PathLike[str]], globs: tuple[str, ...]) -> list[ReadJob | str]:
    """The files to read (Parquet files by row group) and, as strings, the warnings met while finding
    them, in reading order: an engine reads the jobs where it likes and :func:`in_reading_order`
    puts the results back in this order."""
    for raw_path in paths:
        if not Path(raw_path).exists():
            raise InputError(f"{raw_path}: no such file or folder")
    plan: list[ReadJob | str] = []
    for raw_path in paths:
        path = Path(raw_path)
        if path.is_dir():
            files = walk(path, globs, plan.append)
            if not files:
                raise InputError(f"{path}: folder has no files matching {', '.join(globs)} "
                                 "(choose the patterns with --glob)")
            found = [(file, file.relative_to(path).as_posix()) for file in files]
        else:
            found = [(path, path.name)]
        for file, doc_id in found:
            if file.name.endswith(PARQUET_SUFFIX):
                plan.extend(_parquet_jobs(file, doc_id, plan.append))
            else:
                plan.append(ReadJob(str(file), doc_id))
    return plan


def read_job(job: ReadJob, skip_bad_lines: bool, max_bytes: int) -> ReadResult:
    """The documents of one job, its warnings, and the error that stops the run (raised by
    :func:`in_reading_order` when the reading gets there, after the warnings before it)."""
    warnings: list[str] = []
    try:
        if job.row_group >= 0:
            found = list(_read_row_group(job, warnings.append, skip_bad_lines, max_bytes))
        else:
            found = list(read_file(Path(job.path), job.doc_id, warnings.append, skip_bad_lines, max_bytes))
    except InputError as exc:
        return [], warnings, exc
    return found, warnings, None


def read_jobs(jobs: Sequence[ReadJob], skip_bad_lines: bool, max_bytes: int) -> list[ReadResult]:
    """:func:`read_job` of each job, in order (one task of an engine)."""
    return [read_job(job, skip_bad_lines, max_bytes) for job in jobs]


def in_reading_order(paths: Sequence[str | os.PathLike[str]], globs: tuple[str, ...], plan: Sequence[ReadJob | str],
                     results: Iterable[ReadResult], warn: Warn) -> list[Document]:
    """The documents of ``plan`` from the results of its jobs (in plan order), with unique ids
    (:func:`with_unique_ids`); warnings and the first error come out as the plan meets them."""
    results = iter(results)

    def found() -> Iterator[Document]:
        for item in plan:
            if isinstance(item, str):
                warn(item)
                continue
            documents, warnings, error = next(results)
            for message in warnings:
                warn(message)
            if error is not None:
                raise error
            yield from documents

    documents = list(with_unique_ids(found(), warn))
    if not documents:
        shown = ", ".join(str(p) for p in paths)
        raise InputError(f"{shown}: no readable documents (looked for {', '.join(globs)}, JSONL and Parquet)")
    return documents


def with_unique_ids(documents: Iterable[Document], warn: Warn) -> Iterator[Document]:
    """Documents with ids made unique: a repeated id becomes the document's path (with a warning);
    a repeated path is the same document read twice and is dropped."""
    seen_ids: set[str] = set()
    for document in documents:
        if document.id in seen_ids:
            warn(f"{document.path}: duplicate document id {document.id!r}, renamed to its path")
            document = Document(document.path, document.path, document.text, document.encoding, document.metadata)
            if document.id in seen_ids:
                continue
        seen_ids.add(document.id)
        yield document


def walk(root: Path, globs: tuple[str, ...], warn: Warn) -> list[Path]:
    """Matching files below ``root``, sorted. Iterative (any depth); symlinked folders are followed
    once, so a symlink loop is reported instead of walked forever; unreadable folders are reported."""
    found: list[Path] = []
    visited: set[tuple[int, int]] = set()
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            info = folder.stat()
        except OSError as exc:
            warn(f"{folder}: cannot read folder ({exc.strerror or exc})")
            continue
        if (info.st_dev, info.st_ino) in visited:
            warn(f"{folder}: symlink loop, not followed")
            continue
        visited.add((info.st_dev, info.st_ino))
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            warn(f"{folder}: cannot read folder ({exc.strerror or exc})")
            continue
        for entry in entries:
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if is_folder:
                pending.append(Path(entry.path))
            elif any(fnmatch.fnmatch(entry.name, g) for g in globs) or entry.name.endswith(CORPUS_SUFFIXES):
                found.append(Path(entry.path))
    return sorted(found)


def read_file(path: Path, doc_id: str, warn: Warn, skip_bad_lines: bool, max_bytes: int) -> Iterator[Document]:
    """The documents of one text, HTML or JSONL file (one, or one per record); problems are warnings,
    not errors, except a missing HTML extractor, which would skip every page."""
    info = _regular_file(path, warn)
    if info is None:
        return
    if path.name.endswith(JSONL_SUFFIXES):
        yield from _read_jsonl(path, warn, skip_bad_lines, max_bytes)
        return
    if info.st_size > max_bytes:
        warn(f"{path}: {_megabytes(info.st_size)} is over the document size limit of {_megabytes(max_bytes)}, "
             "skipped (raise it with --max-document-mb)")
        return
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        warn(f"{path}: cannot read ({exc.strerror or exc}), skipped")
        return
    if len(data) > max_bytes:
        warn(f"{path}: grew over the document size limit of {_megabytes(max_bytes)} while being read, skipped")
        return
    try:
        text, encoding = file_text(path, data)
    except UnusableFile as exc:
        warn(f"{path}: {exc}, skipped")
        return
    if encoding in _LEGACY_ENCODINGS:
        warn(f"{path}: not valid UTF-8, decoded as {encoding}")
    elif encoding == UTF8_REPLACED:
        warn(f"{path}: UTF-8 with {text.count(chr(0xFFFD))} invalid bytes, replaced by U+FFFD")
    if not text.strip():
        warn(f"{path}: empty, skipped")
        return
    yield Document(doc_id, str(path), text, encoding)


def file_text(path: Path, data: bytes) -> tuple[str, str]:
    """The text of a file's bytes, by its format: ``(text, encoding)``; an HTML page gives its
    article text. Raises :class:`UnusableFile` for what cannot be read as text, and
    :class:`InputError` when HTML is met without its extractor."""
    named = format_not_read(path, data[:8])
    if named is not None:
        raise UnusableFile(f"{named} is not read; extract its text first")
    text, encoding = decode(data)
    if not is_html(path) or not text.strip():
        return text, encoding
    try:
        text = article_text(text)
    except MissingExtractor as exc:
        raise InputError(f"{path}: {exc}") from None
    if not text:
        raise UnusableFile("no article text found in the HTML")
    return text, encoding


def _regular_file(path: Path, warn: Warn) -> os.stat_result | None:
    """The file's status, or None (with a warning) when it cannot be read or is not a regular file."""
    try:
        info = path.stat()
    except OSError as exc:
        warn(f"{path}: cannot read ({exc.strerror or exc}), skipped")
        return None
    if not stat.S_ISREG(info.st_mode):
        warn(f"{path}: not a regular file, skipped")  # a FIFO or a device would block or never end
        return None
    return info


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _read_jsonl(path: Path, warn: Warn, skip_bad_lines: bool, max_bytes: int) -> Iterator[Document]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="strict") as handle:  # type: ignore[operator]
            yield from _records(path, _json_lines(handle), warn, skip_bad_lines, max_bytes)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        warn(f"{path}: cannot read ({reason}), skipped")


def _json_lines(lines: Iterable[str]) -> Iterator[tuple[int, object]]:
    """Numbered records of the non-blank lines; a line that is not JSON is its ValueError."""
    for line_no, line in enumerate(lines, 1):
        if line.strip():
            try:
                yield line_no, json.loads(line)
            except json.JSONDecodeError as exc:
                yield line_no, ValueError(f"not valid JSON ({exc.msg})")


def _records(path: Path, records: Iterable[tuple[int, object]], warn: Warn, skip_bad_lines: bool,
             max_bytes: int) -> Iterator[Document]:
    """Documents of numbered records (JSONL lines, Parquet rows), by one rule: a bad record stops the
    run, or is skipped with a warning under ``skip_bad_lines``; a text over the limit is skipped."""
    for row, record in records:
        try:
            document = _record_document(path, row, record)
        except ValueError as exc:
            message = f"{path}:{row}: {exc}"
            if not skip_bad_lines:
                raise InputError(message + " (use --skip-bad-lines to go on)") from None
            warn(message + ", skipped")
            continue
        document, replaced = _without_lone_surrogates(document)
        if replaced:
            warn(f"{path}:{row}: {replaced} escaped lone surrogate(s) (\\ud800-\\udfff, not text in "
                 "any encoding) replaced by U+FFFD")
        if len(document.text) > max_bytes:
            warn(f"{path}:{row}: text of {_megabytes(len(document.text))} is over the document size "
                 f"limit of {_megabytes(max_bytes)}, skipped")
            continue
        yield document


def _record_document(path: Path, row: int, record: object) -> Document:
    """A record's document: ``text`` a string, ``id`` a string or an integer (default ``<file>:<row>``),
    other fields metadata; raises ValueError naming the problem."""
    if isinstance(record, ValueError):
        raise record
    if not isinstance(record, dict):
        raise ValueError("a record must be a JSON object with a \"text\" field")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("\"text\" is missing or not a string")
    raw_id = record.get("id", f"{path.name}:{row}")
    if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        raise ValueError("\"id\" must be a string or an integer")
    metadata = {k: v for k, v in record.items() if k not in ("id", "text")}
    return Document(str(raw_id), f"{path}:{row}", text, "utf-8", metadata)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(document: Document) -> tuple[Document, int]:
    """JSON can escape half of a UTF-16 pair (``"\\ud800"``), which decodes to a string no UTF-8
    output can hold: the report, the terminal and the index would fail on it far from its source.
    Each one becomes U+FFFD (one character for one, so offsets stay), and the count is returned."""
    text, doc_id = document.text, document.id
    if (text.isascii() or not _SURROGATE.search(text)) and (doc_id.isascii() or not _SURROGATE.search(doc_id)):
        return document, 0
    replaced = len(_SURROGATE.findall(text)) + len(_SURROGATE.findall(doc_id))
    return dataclasses.replace(document, id=_SURROGATE.sub("\ufffd", doc_id),
                               text=_SURROGATE.sub("\ufffd", text)), replaced


# ---------------------------------------------------------------------------------------------- Parquet
# One document per row: ``text`` required, ``id`` optional, other columns metadata, rows checked as
# JSONL records are. pyarrow is imported only when a Parquet file is met (the ``parquet`` extra).

def _pyarrow_parquet(path: Path) -> ModuleType:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(f"{path}: reading Parquet needs pyarrow: pip install 'dedup[parquet]'") from None
    return pq


def _parquet_jobs(path: Path, doc_id: str, warn: Warn) -> list[ReadJob]:
    """One job per row group (the unit a reader can read alone); an unreadable file is a warning,
    a file without a ``text`` column an error."""
    pq = _pyarrow_parquet(path)
    if _regular_file(path, warn) is None:
        return []
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError: not a Parquet file
        warn(f"{path}: cannot read as Parquet ({getattr(exc, 'strerror', None) or exc}), skipped")
        return []
    if "text" not in parquet.schema_arrow.names:
        raise InputError(f"{path}: Parquet file has no \"text\" column")
    metadata = parquet.metadata
    first_rows = itertools.accumulate((metadata.row_group(g).num_rows for g in range(metadata.num_row_groups)),
                                      initial=0)
    return [ReadJob(str(path), doc_id, group, first) for group, first in zip(range(metadata.num_row_groups),
                                                                             first_rows)]


def _read_row_group(job: ReadJob, warn: Warn, skip_bad_lines: bool, max_bytes: int) -> Iterator[Document]:
    path = Path(job.path)
    try:
        rows = _pyarrow_parquet(path).ParquetFile(path).read_row_group(job.row_group).to_pylist()
    except (OSError, ValueError) as exc:
        warn(f"{path}: cannot read row group {job.row_group} ({getattr(exc, 'strerror', None) or exc}), skipped")
        return
    # A null id is a row without one (a column holds every row's field); in JSONL it is a bad record.
    records = ((job.first_row + offset + 1, {k: v for k, v in row.items() if k != "id" or v is not None})
               for offset, row in enumerate(rows))
    yield from _records(path, records, warn, skip_bad_lines, max_bytes)
