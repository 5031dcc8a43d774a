"""Reading: paths (files, folders, JSONL) to decoded documents.

This is the only stage that touches the filesystem. Files that cannot be used are skipped with one
warning each (the rest of the run goes on); a path that does not exist, or a run with nothing to
read, is an :class:`InputError`, which the CLI turns into exit code 2.
"""

from __future__ import annotations

import codecs
import dataclasses
import fnmatch
import gzip
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_GLOBS = ("*.txt", "*.md")
MAX_DOCUMENT_BYTES = 32_000_000
UTF8_REPLACED = "utf-8 (invalid bytes replaced)"
# A UTF-8 file with a few bad bytes (a stray cp1252 quote pasted in) is still UTF-8: when its valid
# multi-byte characters are at least as many as its invalid bytes, those bytes are replaced rather
# than the whole file decoded as cp1252, which would garble every other non-ASCII character.
_DECODED_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")

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
    """Read every document under ``paths`` in a stable order (sorted within folders).

    Documents over ``max_document_bytes`` are skipped with a warning, so one huge dump cannot
    exhaust memory; the limit is checked before reading.
    """
    globs = tuple(globs)
    for raw_path in paths:
        if not Path(raw_path).exists():
            raise InputError(f"{raw_path}: no such file or folder")
    found = (document for raw_path in paths
             for document in _read_path(Path(raw_path), globs, warn, skip_bad_lines, max_document_bytes))
    documents = list(with_unique_ids(found, warn))
    if not documents:
        shown = ", ".join(str(p) for p in paths)
        raise InputError(f"{shown}: no readable documents (looked for {', '.join(globs)} and JSONL)")
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


def _read_path(path: Path, globs: tuple[str, ...], warn: Warn, skip_bad_lines: bool,
               max_bytes: int) -> Iterator[Document]:
    if path.is_dir():
        files = walk(path, globs, warn)
        if not files:
            raise InputError(f"{path}: folder has no files matching {', '.join(globs)}")
        for file in files:
            yield from read_file(file, file.relative_to(path).as_posix(), warn, skip_bad_lines, max_bytes)
    else:
        yield from read_file(path, path.name, warn, skip_bad_lines, max_bytes)


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
            elif any(fnmatch.fnmatch(entry.name, g) for g in globs) or entry.name.endswith(JSONL_SUFFIXES):
                found.append(Path(entry.path))
    return sorted(found)


def read_file(path: Path, doc_id: str, warn: Warn, skip_bad_lines: bool, max_bytes: int) -> Iterator[Document]:
    """The documents of one file (one, or one per JSONL record); problems are warnings, not errors."""
    try:
        info = path.stat()
    except OSError as exc:
        warn(f"{path}: cannot read ({exc.strerror or exc}), skipped")
        return
    if not stat.S_ISREG(info.st_mode):
        warn(f"{path}: not a regular file, skipped")  # a FIFO or a device would block or never end
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
        text, encoding = decode(data)
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


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _read_jsonl(path: Path, warn: Warn, skip_bad_lines: bool, max_bytes: int) -> Iterator[Document]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="strict") as handle:  # type: ignore[operator]
            for line_no, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    document = _jsonl_record(path, line_no, line)
                except ValueError as exc:
                    message = f"{path}:{line_no}: {exc}"
                    if not skip_bad_lines:
                        raise InputError(message + " (use --skip-bad-lines to go on)") from None
                    warn(message + ", skipped")
                    continue
                if document is None:
                    continue
                document, replaced = _without_lone_surrogates(document)
                if replaced:
                    warn(f"{path}:{line_no}: {replaced} escaped lone surrogate(s) (\\ud800-\\udfff, not text in "
                         "any encoding) replaced by U+FFFD")
                if len(document.text) > max_bytes:
                    warn(f"{path}:{line_no}: text of {_megabytes(len(document.text))} is over the document size "
                         f"limit of {_megabytes(max_bytes)}, skipped")
                    continue
                yield document
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        warn(f"{path}: cannot read ({reason}), skipped")


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


def _jsonl_record(path: Path, line_no: int, line: str) -> Document | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise ValueError("a record must be a JSON object with a \"text\" field")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("\"text\" is missing or not a string")
    raw_id = record.get("id", f"{path.name}:{line_no}")
    if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        raise ValueError("\"id\" must be a string or an integer")
    metadata = {k: v for k, v in record.items() if k not in ("id", "text")}
    return Document(str(raw_id), f"{path}:{line_no}", text, "utf-8", metadata)
