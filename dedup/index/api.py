"""The public index: check an incoming article against every stored one in milliseconds, then store it.

An :class:`Index` is one connection to one SQLite file (:mod:`dedup.index.schema`): use it from one
thread, open one per thread or request. It ties the store (:mod:`dedup.index.store`) to the verdict
rules (:mod:`dedup.index.verdict`), which are the scan's own.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Self

import numpy as np

from dedup import verify
from dedup.dates import parse_date
from dedup.index import integrity, schema
from dedup.index.batch import Batch, prepare
from dedup.index.errors import (
    UNCHANGED,
    DocumentExists,
    DocumentNotFound,
    IndexCorrupt,
    IndexFileError,
    IndexFull,
)
from dedup.index.resident import ResidencyError, ResidentFile
from dedup.index.store import Store, metadata_of
from dedup.index.validate import validate_document, validate_text
from dedup.index.verdict import DEFAULT_LIMIT, Verdict, verdict

# PRAGMA integrity_check reads every page; on open it runs by default only for files up to this size
# (about 0.2 s). Larger indexes are checked by the header tests on open and by `stats(verify=True)`.
# (quick_check would take 0.1 s, but it passes a stale or misplaced page of an index or a WITHOUT ROWID
# table, such as bands and postings, and checks then give wrong verdicts without an error.)
QUICK_CHECK_MAX_BYTES = 64 << 20
WARM_UP_TEXT = "Numba compiles the shingle and signature loops on first use; this text pays for it at start."


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: str
    text: str
    metadata: dict[str, Any] | None
    paragraphs: int


class Index:
    """A persistent index of articles in one SQLite file."""

    def __init__(self, path: Path, connection: sqlite3.Connection, params: dict[str, Any]) -> None:
        self.path = path
        self.params = params
        self.config = schema.config_of({k: v for k, v in params.items() if k in schema.CONFIG_FIELDS})
        self._db = connection
        self._store = Store(path, connection, self.config, int(params["bands"]), int(params["rows"]))

    # --- opening -------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], **params: Any) -> Index:
        """Create an empty index; ``params`` are :class:`~dedup.config.ScanConfig` fields."""
        path = Path(path)
        stored = schema.stored_params(schema.config_of(params))
        try:
            path.open("xb").close()  # claims the name, even against another process creating it now
        except FileExistsError:
            raise IndexFileError(f"{path}: already exists (remove it or pick another path)") from None
        except OSError as exc:
            raise IndexFileError(f"{path}: cannot create ({exc.strerror or exc})") from None
        connection = None
        try:
            connection = schema.connect(path)
            # UTF-8: posting lists are joined with `||` (see Store._add_postings)
            connection.executescript("PRAGMA encoding = 'UTF-8'; BEGIN;" + schema.TABLES)
            connection.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                ("format", schema.FORMAT), ("schema_version", str(schema.SCHEMA_VERSION)),
                ("params", json.dumps(stored)),
            ])
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            if connection is not None:
                connection.close()
            for leftover in schema.files(path):  # ours, and half-written: it would be refused as "not an index"
                leftover.unlink(missing_ok=True)
            if schema.out_of_space(exc, path):
                raise IndexFull(f"{path}: disk full while creating the index; nothing was created") from None
            raise IndexFileError(f"{path}: cannot create ({exc})") from None
        return cls(path, connection, stored)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, quick_check: bool | None = None, resident: bool = False,
             **params: Any) -> Index:
        """Open an index, refusing it if it is not an index, is damaged, or differs from ``params``.

        ``quick_check`` runs ``PRAGMA integrity_check`` (default: for files up to 64 MB). ``resident``
        locks the file's pages in memory (:mod:`dedup.index.resident`) so checks never wait for the disk,
        and raises :class:`IndexFileError` when it cannot.
        """
        path = Path(path)
        size = schema.check_header(path)
        connection = schema.connect_existing(path)
        try:
            if quick_check or (quick_check is None and size <= QUICK_CHECK_MAX_BYTES):
                problems = schema.pragma_problems(connection, "integrity_check(3)")
                if problems:
                    raise IndexCorrupt(f"{path}: corrupt ({'; '.join(problems)})")
            stored = schema.read_params(path, connection)
            schema.compare_params(stored, params)
        except sqlite3.OperationalError as exc:
            connection.close()
            raise schema.cannot_open(path, exc) from None
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise IndexCorrupt(f"{path}: corrupt or not a dedup index ({exc})") from None
        except BaseException:
            connection.close()
            raise
        index = cls(path, connection, stored)
        if resident:
            try:
                index._store.resident = ResidentFile(path)
            except ResidencyError as exc:
                connection.close()
                raise IndexFileError(str(exc)) from None
        return index

    @classmethod
    def upgrade(cls, path: str | os.PathLike[str]) -> int:
        """Rewrite an index of an older schema version in this one, in one transaction (an interrupted
        upgrade leaves it as it was); returns the version it had. Its checks give the same verdicts after."""
        path = Path(path)
        schema.check_header(path)
        connection = schema.connect_existing(path)
        try:
            meta, version = schema.schema_version(path, connection)
            if version < schema.SCHEMA_VERSION:
                connection.execute(f"PRAGMA cache_size = -{schema.BULK_CACHE_KIB}")
                connection.execute("BEGIN IMMEDIATE")
                try:
                    schema.upgrade_tables(path, connection, meta, version)
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
        except sqlite3.OperationalError as exc:
            if schema.out_of_space(exc, path):
                raise IndexFull(f"{path}: disk full while upgrading the index; {UNCHANGED}") from None
            raise IndexFileError(f"{path}: {exc} while upgrading the index; {UNCHANGED}") from None
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(f"{path}: corrupt ({exc})") from None
        finally:
            connection.close()
        return version

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- queries -------------------------------------------------------------------------------

    def check(self, text: str, *, limit: int = DEFAULT_LIMIT, date: datetime | str | None = None) -> Verdict:
        """The verdict for ``text`` against the stored documents (reads only; at most ``limit`` matches).

        ``date`` is when the text was written (a datetime, or a string as :func:`dedup.dates.parse_date`
        reads it): a stored article of another story line, days older, is then not taken for a version.
        A ``date`` that names no time raises ValueError."""
        started = time.perf_counter()
        when = parse_date(date)
        if date is not None and when is None:
            raise ValueError(f"{date!r} is not a date")
        batch = self._prepare([validate_text(text)])
        with self._store.reading():
            found = verdict(batch, self._store, limit, when)
        return _timed(found, started)

    def check_and_add(self, doc_id: str, text: str, metadata: Mapping[str, Any] | None = None, *,
                      limit: int = DEFAULT_LIMIT, replace: bool = False) -> Verdict:
        """Check ``text`` and store it unless it is a ``duplicate``, in one write transaction.

        Near-duplicates and partial rewrites are stored: they are articles of their own, and the next
        copy of them must be found. A duplicate adds nothing but a second identical match to every
        later check, so it is not stored (``Verdict.added`` says whether this call stored it).
        An id stored with the same text is an ingest retried after it succeeded: nothing changes, and the
        verdict is the text's against every other stored document, with ``added`` False (metadata is not
        compared). An id stored with another text raises :class:`DocumentExists`, unless ``replace``:
        then the stored one is removed first, and the new text is stored unless it is a duplicate.
        The ``date_field`` of ``metadata`` (``date`` by default) dates the text as :meth:`check`'s ``date`` does.
        """
        started = time.perf_counter()
        doc_id, text, meta = validate_document(doc_id, text, metadata)
        batch = self._prepare([text])
        date = parse_date((metadata or {}).get(self.config.date_field))
        with self._store.writing(f"adding {doc_id!r}"):
            doc = None if replace else self._store.doc_of(doc_id)
            stored = None if doc is None else self._store.document(doc_id)
            if doc is not None and stored is not None and stored[1] == text:
                with self._store.without(doc):
                    found = verdict(batch, self._store, limit, date)
                return _timed(dataclasses.replace(found, id=doc_id, added=False), started)
            self._store.claim([doc_id], replace=replace)
            found = verdict(batch, self._store, limit, date)
            added = found.verdict != "duplicate"
            if added:
                self._store.insert([doc_id], [meta], batch)
        return _timed(dataclasses.replace(found, id=doc_id, added=added), started)

    def ids(self, *, after: str | None = None, limit: int | None = None) -> list[str]:
        """Stored ids in code point order, those after ``after`` only, at most ``limit`` of them (all by
        default): pass the last id of one page as ``after`` to get the next."""
        with self._store.guard():
            return self._store.ids(after, -1 if limit is None else limit)

    def warm_up(self) -> None:
        """Load every compiled loop a check runs, so the first real check does not pay for it: a check of a
        fixed text loads shingling and signing, but verification runs only when something matches."""
        self.check(WARM_UP_TEXT)
        verify.overlaps(np.arange(2, dtype=np.uint64), np.array([0, 1, 2], dtype=np.int64),
                        np.array([[0, 1]], dtype=np.int64))  # the argument types of a check's verification

    def get(self, doc_id: str) -> StoredDocument | None:
        with self._store.guard():
            row = self._store.document(doc_id)
        if row is None:
            return None
        return StoredDocument(row[0], row[1], metadata_of(row[2]), row[3])

    def __contains__(self, doc_id: object) -> bool:
        with self._store.guard():
            return isinstance(doc_id, str) and self._store.doc_of(doc_id) is not None

    def __len__(self) -> int:
        with self._store.guard():
            return self._store.count("documents")

    def stats(self, verify: bool = False) -> dict[str, Any]:
        """Counts, sizes and parameters; ``verify=True`` also runs the integrity and consistency checks
        (``stats["ok"]`` is False and ``stats["problems"]`` lists them on failure)."""
        store = self._store
        with store.reading():
            out: dict[str, Any] = {"path": str(self.path), "format": schema.FORMAT,
                                   "schema_version": schema.SCHEMA_VERSION, "params": self.params}
            for table in ("documents", "paragraphs", "sentences"):
                out[table] = store.count(table)
            out["file_bytes"] = schema.file_size(self.path)
            out["wal_bytes"] = schema.file_size(self.path.with_name(self.path.name + "-wal"))
            if store.resident is not None:
                out.update(store.resident.stats())
            if verify:
                counts, problems = integrity.problems(store)
                out.update(counts)
                out["ok"] = not problems
                out["problems"] = problems
        return out

    # --- writes --------------------------------------------------------------------------------

    def add(self, doc_id: str, text: str, metadata: Mapping[str, Any] | None = None, *,
            replace: bool = False) -> None:
        """Store one document (one transaction); an existing id is an error unless ``replace``."""
        self.add_many([(doc_id, text, metadata)], replace=replace)

    def add_many(self, items: Iterable[tuple[str, str] | tuple[str, str, Mapping[str, Any] | None]], *,
                 batch_size: int = 500, replace: bool = False,
                 progress: Callable[[int], None] | None = None) -> int:
        """Store many documents, one transaction per ``batch_size`` of them; returns how many.

        Signing runs before each transaction, so the write lock is held only while rows are written.
        Band keys and postings are B-trees with random keys: each batch rewrites every page it touches
        once, so bulk loads into a large index want thousands of documents per batch (the page cache
        grows up to 2 GiB while this runs). ``progress`` gets the number stored so far after each
        committed batch. On an error (an id already stored, an empty text, a full disk) the failing batch
        is rolled back; earlier batches stay stored (an IndexFull error says how many).
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        with self._store.bulk_cache(schema.BULK_CACHE_KIB):
            stored = 0
            for chunk in _chunks(items, batch_size):
                checked = [validate_document(*item) for item in chunk]
                ids = [c[0] for c in checked]
                if len(set(ids)) != len(ids):
                    twice = next(i for i in ids if ids.count(i) > 1)
                    raise DocumentExists(f"document id {twice!r} appears twice in the input")
                batch = self._prepare([c[1] for c in checked])
                adding = f"adding {ids[0]!r}" + (f" and {len(ids) - 1} more" if len(ids) > 1 else "")
                outcome = (f"only the first {stored} {'document was' if stored == 1 else 'documents were'} added"
                           if stored else UNCHANGED)
                with self._store.writing(adding, outcome):
                    self._store.claim(ids, replace=replace)
                    self._store.insert(ids, [c[2] for c in checked], batch)
                stored += len(ids)
                if progress is not None:
                    progress(stored)
        return stored

    def remove(self, doc_id: str) -> None:
        """Remove a document (one transaction); raises :class:`DocumentNotFound` if it is not stored."""
        with self._store.writing(f"removing {doc_id!r}"):
            doc = self._store.doc_of(doc_id)
            if doc is None:
                raise DocumentNotFound(f"no document {doc_id!r} in {self.path}")
            self._store.delete(doc)

    def _prepare(self, texts: list[str]) -> Batch:
        return prepare(texts, self.config, self._store.bands, self._store.rows)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _timed(found: Verdict, started: float) -> Verdict:
    stats = {**found.stats, "seconds": round(time.perf_counter() - started, 6)}
    return dataclasses.replace(found, stats=stats)
