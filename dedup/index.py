"""Persistent index: check an incoming article against every stored one in milliseconds, then store it.

One SQLite file holds the stored articles and everything a check needs, so a check is a handful of
indexed look-ups and never rescans the corpus:

* ``meta``: ``format``, ``schema_version``, ``params`` (JSON). An index is opened only with the
  parameters it was built with (:class:`IndexMismatch` names the ones that differ), and only at this
  schema version: an older one is refused with the command that upgrades it (:meth:`Index.upgrade`).
* ``documents(doc, id, exact, chars, metadata, text)``: the raw text, so passages and diffs quote it;
  ``exact`` hashes the normalised text, ``chars`` counts the characters inside paragraphs.
* ``paragraphs`` / ``sentences``: spans into the text (``start``, ``end``, 1-based ``line``) with the
  exact hash of the normalised span and its shingle set (little-endian uint64 BLOB); paragraphs also
  keep their MinHash signature (little-endian uint32 BLOB).
* ``bands(key, paragraph)``: the LSH band keys of :func:`dedup.candidates.band_keys` with
  ``optimal_params(threshold, num_perm)``; the primary key is the look-up index.
* ``postings(shingle, sentences)``: the posting list of every sentence shingle, for partial reuse (a
  passage shares at least ``partial_min_shared`` shingles with a stored sentence, whatever the rest of
  the sentence says): its sentence rows as one little-endian int64 BLOB. One row per shingle
  keyed by the shingle itself (a rowid table): a check looks up each of its ~700 shingles with one
  integer-key seek and gets the list back as one value, not as one row per posting. A shingle held by
  more than ``max_shingle_df`` sentences is a stock phrase: its list becomes NULL for good, so no
  look-up ever reads a long posting list. Shingles are not
  sampled: reused sentences in rewritten news share few shingles (the sample's reused sentence pairs
  share 7, 7, 7, 7, 8, 11, 11), and keeping 1 shingle in 2 while asking for 2 shared would lose a
  7-shingle pair 6% of the time (``P(Binomial(7, 1/2) < 2)``), to halve the largest table. So the
  candidate rule is exactly the scan's.

Like the scan, identical segments are indexed once: only the first stored copy of a normalised
paragraph or sentence (``canonical``) has band keys and postings; its copies are found through the
indexed exact hash. Removing that copy hands the keys on to the next one.

Every SQLite integer is a signed 64-bit value (hashes are stored as ``uint64.view(int64)``). The file
is in WAL mode (readers never block the writer or each other) with ``synchronous=FULL``: an add
that has returned survives a power cut, because a lost add would let a later copy of that article
pass as new; the cost is one fsync per transaction, which :meth:`Index.add_many` pays once per batch.
Every add, batch, removal and check-then-add is one transaction.

Boilerplate bounds the work: a band bucket or a set of identical copies is read up to
``max_shingle_df`` members (oldest first), and a check reports at most ``limit`` documents (diffs are
computed for those only).

Verdict rules (:meth:`Index.check`), over the segments the scan compares (paragraphs of at least
``min_words`` words, sentences of at least ``partial_min_shared`` shingles):

* ``duplicate``: a stored article has the same normalised text, or the same set of paragraphs
  (every paragraph exact-matched both ways);
* ``near-duplicate``: at least :data:`NEAR_DUPLICATE_SHARE` (half) of the incoming text's paragraph
  characters are exact, near or partial copies from ONE stored article;
* ``partial-reuse``: any verified passage (exact or near paragraph, or reused sentences);
* ``new``: nothing.

Paragraph and sentence matches follow the scan's definitions (:mod:`dedup.matches`): exact = equal
normalised text; near = exact Jaccard of the shingle sets >= ``threshold``; partial = sentences
sharing >= ``partial_min_shared`` shingles with containment >= ``partial_containment``, outside
paragraphs already matched as exact or near. Every similarity is computed on the stored shingle sets.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np

from dedup import verify
from dedup.candidates import band_keys, optimal_params
from dedup.config import ScanConfig
from dedup.diff import Diff, diff_texts
from dedup.engines.local import sign_batch
from dedup.model import Match, Passage
from dedup.normalize import NORMALIZER_VERSION, normalize
from dedup.overlap import document_overlaps
from dedup.report.render_json import diff_dict
from dedup.resident import ResidencyError, ResidentFile
from dedup.segment import SegmentTable, segment_documents
from dedup.shingle import ShingleSets

FORMAT = "dedup.index"
SCHEMA_VERSION = 2  # 2: one posting list per shingle (1 had a row per posting and a stock table)
NEAR_DUPLICATE_SHARE = 0.5
DEFAULT_LIMIT = 10
# PRAGMA integrity_check reads every page; on open it runs by default only for files up to this size
# (about 0.2 s). Larger indexes are checked by the header tests on open and by `stats(verify=True)`.
# (quick_check would take 0.1 s, but it passes a stale or misplaced page of an index or a WITHOUT ROWID
# table, such as bands and postings, and checks then give wrong verdicts without an error.)
QUICK_CHECK_MAX_BYTES = 64 << 20
BUSY_TIMEOUT_SECONDS = 30.0
# A failed write counts as "disk full" when less than this is left (of the file system, or below the
# process's file size limit): a WAL frame is one page plus 24 bytes, the -shm file grows by 32 KiB.
_ROOM_BYTES = 1 << 20
UNCHANGED = "the index is unchanged"  # what a failed write leaves: its transaction is rolled back
# Band keys and postings have random keys, so a batch dirties pages all over their B-trees; a cache that
# holds a whole batch's dirty pages writes each of them once, at commit, instead of spilling them early.
BULK_CACHE_KIB = 2 << 20
RELATIONS = ("new", "partial-reuse", "near-duplicate", "duplicate")
WARM_UP_TEXT = "Numba compiles the shingle and signature loops on first use; this text pays for it at start."
# Metadata comes back inside every match: deeper nesting than this fails JSON encoders (pydantic stops
# at about 250 levels, Python's json at about 1,000) and would break every check that matches it.
MAX_METADATA_DEPTH = 32
_INT64 = np.dtype("<i8")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE documents (
    doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, exact INTEGER NOT NULL, chars INTEGER NOT NULL,
    metadata TEXT, text TEXT NOT NULL);
CREATE INDEX documents_exact ON documents (exact);
CREATE TABLE paragraphs (
    paragraph INTEGER PRIMARY KEY, doc INTEGER NOT NULL, ord INTEGER NOT NULL, start INTEGER NOT NULL,
    end INTEGER NOT NULL, line INTEGER NOT NULL, words INTEGER NOT NULL, exact INTEGER NOT NULL,
    canonical INTEGER NOT NULL, shingles BLOB NOT NULL, signature BLOB NOT NULL);
CREATE INDEX paragraphs_doc ON paragraphs (doc);
CREATE INDEX paragraphs_exact ON paragraphs (exact);
CREATE TABLE bands (key INTEGER NOT NULL, paragraph INTEGER NOT NULL, PRIMARY KEY (key, paragraph))
    WITHOUT ROWID;
CREATE TABLE sentences (
    sentence INTEGER PRIMARY KEY, doc INTEGER NOT NULL, paragraph INTEGER NOT NULL, ord INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, line INTEGER NOT NULL, exact INTEGER NOT NULL,
    canonical INTEGER NOT NULL, shingles BLOB NOT NULL);
CREATE INDEX sentences_doc ON sentences (doc);
CREATE INDEX sentences_exact ON sentences (exact);
CREATE TABLE postings (shingle INTEGER PRIMARY KEY, sentences BLOB);
"""
_IN = "IN (SELECT value FROM json_each(?))"  # one parameter for any number of int64 values


class IndexFileError(Exception):
    """An index cannot be used as asked; the message is one line naming the file and the reason."""


class IndexCorrupt(IndexFileError):
    """The file is not a dedup index, or is damaged or truncated."""


class IndexFull(IndexFileError):
    """A write found no room (file system full, or the process's file size limit); nothing was written."""


class IndexMismatch(IndexFileError):
    """The index was built with other parameters than the ones asked for."""


class IndexVersionError(IndexFileError):
    """The index has a schema version this dedup cannot read."""


class DocumentExists(IndexFileError):
    """A document with this id is already stored."""


class DocumentNotFound(IndexFileError):
    """No document with this id is stored."""


@dataclass(frozen=True, slots=True)
class Quote:
    """``text[start:end]`` of one document, from 1-based ``line`` to ``end_line``."""

    start: int
    end: int
    line: int
    end_line: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "end_line": self.end_line, "start": self.start, "end": self.end,
                "text": self.text}


@dataclass(frozen=True, slots=True)
class PassageMatch:
    """A passage of the incoming text that copies one of a stored document (``kind`` as in the scan)."""

    kind: str
    similarity: float
    containment: float
    incoming: Quote
    stored: Quote
    diff: Diff | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind, "similarity": round(self.similarity, 4),
               "containment": round(self.containment, 4), "incoming": self.incoming.to_dict(),
               "stored": self.stored.to_dict()}
        if self.diff is not None:
            out["diff"] = diff_dict(self.diff)
        return out


@dataclass(frozen=True, slots=True)
class DocumentMatch:
    """One stored document the incoming text reuses.

    ``similarity`` is the exact Jaccard of the two documents' paragraph shingle sets;
    ``incoming_in_stored`` / ``stored_in_incoming`` the share of each side's paragraph characters
    covered by the matched passages; ``relation`` the verdict this document alone would give.
    """

    id: str
    metadata: dict[str, Any] | None
    relation: str
    similarity: float
    incoming_in_stored: float
    stored_in_incoming: float
    passages: tuple[PassageMatch, ...]

    def to_dict(self) -> dict[str, Any]:
        diffs = [diff_dict(p.diff) for p in self.passages if p.diff is not None]
        return {
            "id": self.id, "metadata": self.metadata, "relation": self.relation,
            "similarity": round(self.similarity, 4), "incoming_in_stored": round(self.incoming_in_stored, 4),
            "stored_in_incoming": round(self.stored_in_incoming, 4),
            "changes": {"wording": [w for d in diffs for w in d["wording"]],
                        "figures": [f for d in diffs for f in d["figures"]]},
            "passages": [p.to_dict() for p in self.passages],
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a check found: the verdict and the stored documents it rests on, strongest first.

    ``id``/``added`` are set by :meth:`Index.check_and_add`; ``stats`` has counts and timings.
    """

    verdict: str
    matches: tuple[DocumentMatch, ...]
    id: str | None = None
    added: bool = False
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict}
        if self.id is not None:
            out["id"] = self.id
            out["added"] = self.added
        out["matches"] = [m.to_dict() for m in self.matches]
        out["stats"] = self.stats
        return out


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: str
    text: str
    metadata: dict[str, Any] | None
    paragraphs: int


@dataclass(frozen=True, slots=True)
class _Batch:
    """Texts segmented, shingled and signed: what an add writes and what a check looks up."""

    texts: list[str]
    exact: list[int]
    paragraphs: SegmentTable
    paragraph_sets: ShingleSets
    signatures: np.ndarray
    keys: np.ndarray
    sentences: SegmentTable
    sentence_sets: ShingleSets

    def paragraph_chars(self) -> np.ndarray:
        p = self.paragraphs
        return np.bincount(p.doc, weights=p.end - p.start, minlength=len(self.texts)).astype(np.int64)


@dataclass(slots=True)
class _Segment:
    """A stored paragraph or sentence (one copy), as a check sees it."""

    row: int
    doc: int
    ordinal: int
    start: int
    end: int
    line: int
    paragraph: int = -1


@dataclass(slots=True)
class _Pair:
    """A verified match between incoming segment(s) and stored segment(s) of one stored document."""

    kind: str
    incoming: list[int]
    stored: list[_Segment]
    similarity: float
    containment: float


class Index:
    """A persistent index of articles in one SQLite file (see the module docstring).

    One ``Index`` object is one connection: use it from one thread, open one per thread or request.
    """

    def __init__(self, path: Path, connection: sqlite3.Connection, config: ScanConfig,
                 params: dict[str, Any]) -> None:
        self.path = path
        self.config = config
        self.params = params
        self._db = connection
        self._bands, self._rows = int(params["bands"]), int(params["rows"])
        self._resident: ResidentFile | None = None

    # --- opening -------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], **params: Any) -> Index:
        """Create an empty index; ``params`` are :class:`~dedup.config.ScanConfig` fields."""
        path = Path(path)
        config = _config(params)
        try:
            path.open("xb").close()  # claims the name, even against another process creating it now
        except FileExistsError:
            raise IndexFileError(f"{path}: already exists (remove it or pick another path)") from None
        except OSError as exc:
            raise IndexFileError(f"{path}: cannot create ({exc.strerror or exc})") from None
        stored = _index_params(config)
        connection = None
        try:
            connection = _connect(path)
            connection.executescript("PRAGMA encoding = 'UTF-8'; BEGIN;" + _SCHEMA)  # UTF-8: see _add_postings
            connection.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                ("format", FORMAT), ("schema_version", str(SCHEMA_VERSION)), ("params", json.dumps(stored)),
            ])
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            if connection is not None:
                connection.close()
            for leftover in _files(path):  # ours, and half-written: it would be refused as "not an index"
                leftover.unlink(missing_ok=True)
            if _out_of_space(exc, path):
                raise IndexFull(f"{path}: disk full while creating the index; nothing was created") from None
            raise IndexFileError(f"{path}: cannot create ({exc})") from None
        return cls(path, connection, config, stored)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, quick_check: bool | None = None, resident: bool = False,
             **params: Any) -> Index:
        """Open an index, refusing it if it is not an index, is damaged, or differs from ``params``.

        ``quick_check`` runs ``PRAGMA integrity_check`` (default: for files up to 64 MB). ``resident``
        locks the file's pages in memory (:mod:`dedup.resident`) so checks never wait for the disk, and
        raises :class:`IndexFileError` when it cannot.
        """
        path = Path(path)
        size = _check_header(path)
        connection = _connect_existing(path)
        try:
            if quick_check or (quick_check is None and size <= QUICK_CHECK_MAX_BYTES):
                problems = _pragma_problems(connection, "integrity_check(3)")
                if problems:
                    raise IndexCorrupt(f"{path}: corrupt ({'; '.join(problems)})")
            stored = _read_meta(path, connection)
            _compare_params(stored, params)
            config = _config({k: v for k, v in stored.items() if k in _CONFIG_FIELDS})
        except sqlite3.OperationalError as exc:
            connection.close()
            raise _cannot_open(path, exc) from None
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise IndexCorrupt(f"{path}: corrupt or not a dedup index ({exc})") from None
        except BaseException:
            connection.close()
            raise
        index = cls(path, connection, config, stored)
        if resident:
            try:
                index._resident = ResidentFile(path)
            except ResidencyError as exc:
                connection.close()
                raise IndexFileError(str(exc)) from None
        return index

    @classmethod
    def upgrade(cls, path: str | os.PathLike[str]) -> int:
        """Rewrite an index of an older schema version in this one, in one transaction (an interrupted
        upgrade leaves it as it was); returns the version it had. Its checks give the same verdicts after."""
        path = Path(path)
        _check_header(path)
        connection = _connect_existing(path)
        try:
            meta, version = _schema_version(path, connection)
            if version < SCHEMA_VERSION:
                connection.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
                connection.execute("BEGIN IMMEDIATE")
                try:
                    _posting_rows_to_lists(connection, int(_params(path, meta)["max_shingle_df"]))
                    connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                                       (str(SCHEMA_VERSION),))
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
        except sqlite3.OperationalError as exc:
            if _out_of_space(exc, path):
                raise IndexFull(f"{path}: disk full while upgrading the index; {UNCHANGED}") from None
            raise IndexFileError(f"{path}: {exc} while upgrading the index; {UNCHANGED}") from None
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(f"{path}: corrupt ({exc})") from None
        finally:
            connection.close()
        return version

    def close(self) -> None:
        self._db.close()
        if self._resident is not None:
            self._resident.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- queries -------------------------------------------------------------------------------

    def check(self, text: str, *, limit: int = DEFAULT_LIMIT) -> Verdict:
        """The verdict for ``text`` against the stored documents (reads only; at most ``limit`` matches)."""
        started = time.perf_counter()
        batch = self._prepare([validate_text(text)])
        with self._read():
            verdict = self._verdict(batch, limit)
        return _timed(verdict, started)

    def check_and_add(self, doc_id: str, text: str, metadata: Mapping[str, Any] | None = None, *,
                      limit: int = DEFAULT_LIMIT) -> Verdict:
        """Check ``text`` and store it unless it is a ``duplicate``, in one write transaction.

        Near-duplicates and partial rewrites are stored: they are articles of their own, and the next
        copy of them must be found. A duplicate adds nothing but a second identical match to every
        later check, so it is not stored (``Verdict.added`` says which happened).
        Raises :class:`DocumentExists` if ``doc_id`` is stored.
        """
        started = time.perf_counter()
        doc_id, text, meta = validate_document(doc_id, text, metadata)
        batch = self._prepare([text])
        with self._write(f"adding {doc_id!r}"):
            self._claim([doc_id], replace=False)
            verdict = self._verdict(batch, limit)
            added = verdict.verdict != "duplicate"
            if added:
                self._insert([doc_id], [meta], batch)
        return _timed(dataclasses.replace(verdict, id=doc_id, added=added), started)

    def warm_up(self) -> None:
        """Load every compiled loop a check runs, so the first real check does not pay for it: a check of a
        fixed text loads shingling and signing, but verification runs only when something matches."""
        self.check(WARM_UP_TEXT)
        verify.overlaps(np.arange(2, dtype=np.uint64), np.array([0, 1, 2], dtype=np.int64),
                        np.array([[0, 1]], dtype=np.int64))  # the argument types of _overlaps

    def get(self, doc_id: str) -> StoredDocument | None:
        with self._guard():
            row = self._db.execute(
                "SELECT d.id, d.text, d.metadata, (SELECT count(*) FROM paragraphs p WHERE p.doc = d.doc) "
                "FROM documents d WHERE d.id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        return StoredDocument(row[0], row[1], _metadata(row[2]), row[3])

    def __contains__(self, doc_id: object) -> bool:
        with self._guard():
            return self._db.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None

    def __len__(self) -> int:
        with self._guard():
            return int(self._db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def stats(self, verify: bool = False) -> dict[str, Any]:
        """Counts, sizes and parameters; ``verify=True`` also runs the integrity and consistency checks
        (``stats["ok"]`` is False and ``stats["problems"]`` lists them on failure)."""
        with self._read():
            out: dict[str, Any] = {"path": str(self.path), "format": FORMAT, "schema_version": SCHEMA_VERSION,
                                   "params": self.params}
            for table in ("documents", "paragraphs", "sentences"):
                out[table] = self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            out["file_bytes"] = _file_size(self.path)
            out["wal_bytes"] = _file_size(self.path.with_name(self.path.name + "-wal"))
            if self._resident is not None:
                out.update(self._resident.stats())
            if verify:
                out["bands"] = self._db.execute("SELECT count(*) FROM bands").fetchone()[0]
                out["postings"], out["stock"] = self._db.execute(
                    "SELECT coalesce(sum(length(sentences)), 0) / 8, count(*) - count(sentences) FROM postings"
                ).fetchone()
                problems = self._problems(out["bands"])
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
        with self._cache(BULK_CACHE_KIB):
            return self._add_batches(items, batch_size, replace, progress)

    def _add_batches(self, items: Iterable[Any], batch_size: int, replace: bool,
                     progress: Callable[[int], None] | None) -> int:
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
            with self._write(adding, outcome):
                self._claim(ids, replace=replace)
                self._insert(ids, [c[2] for c in checked], batch)
            stored += len(ids)
            if progress is not None:
                progress(stored)
        return stored

    def remove(self, doc_id: str) -> None:
        """Remove a document (one transaction); raises :class:`DocumentNotFound` if it is not stored."""
        with self._write(f"removing {doc_id!r}"):
            row = self._db.execute("SELECT doc FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                raise DocumentNotFound(f"no document {doc_id!r} in {self.path}")
            self._delete(row[0])

    # --- transactions --------------------------------------------------------------------------

    @contextmanager
    def _cache(self, kib: int) -> Iterator[None]:
        """A larger page cache while bulk loading (SQLite allocates it only as pages are used)."""
        previous = self._db.execute("PRAGMA cache_size").fetchone()[0]
        self._db.execute(f"PRAGMA cache_size = -{int(kib)}")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA cache_size = {int(previous)}")

    @contextmanager
    def _guard(self, doing: str = "reading it", outcome: str = "") -> Iterator[None]:
        """SQLite errors become one line, never a traceback: damage is :class:`IndexCorrupt`, no room
        :class:`IndexFull`, anything else the environment causes (locked, read-only, I/O error) an
        :class:`IndexFileError` naming what was being done and, for a write, what it left behind."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if _out_of_space(exc, self.path):
                raise IndexFull(f"{self.path}: disk full while {doing}{outcome}") from None
            raise IndexFileError(f"{self.path}: {exc} while {doing}{outcome}") from None
        except sqlite3.DatabaseError as exc:
            if type(exc) is sqlite3.DatabaseError:
                raise IndexCorrupt(f"{self.path}: corrupt ({exc})") from None
            raise

    @contextmanager
    def _read(self) -> Iterator[None]:
        """One read transaction: every look-up of a check sees the same snapshot."""
        if self._resident is not None:
            self._resident.refresh()  # pages another writer added since
        with self._guard():
            self._db.execute("BEGIN")
            try:
                yield
            finally:
                self._db.execute("COMMIT")

    @contextmanager
    def _write(self, doing: str, outcome: str = UNCHANGED) -> Iterator[None]:
        """One write transaction. ``BEGIN IMMEDIATE`` takes the write lock first, so no writer slips in
        between check and add. Any error, in COMMIT too (where a full disk shows), rolls it all back;
        ``doing`` and ``outcome`` (what the index holds afterwards) word the error."""
        with self._guard(doing, f"; {outcome}"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already (e.g. disk full)
                    self._db.execute("ROLLBACK")
                raise
        if self._resident is not None:
            self._resident.refresh()

    # --- preparing -----------------------------------------------------------------------------

    def _prepare(self, texts: list[str]) -> _Batch:
        config = self.config
        paragraphs, sentences = segment_documents(texts)
        paragraph_sets, signatures = sign_batch(paragraphs.texts(texts), config.shingle_size, config.num_perm,
                                                config.seed)
        sentence_sets, _ = sign_batch(sentences.texts(texts), config.sentence_shingle_size, 0, config.seed)
        keys = band_keys(signatures, self._bands, self._rows).view(np.int64)
        return _Batch(texts, [_text_hash(t) for t in texts], paragraphs, paragraph_sets, signatures, keys,
                      sentences, sentence_sets)

    # --- writing -------------------------------------------------------------------------------

    def _claim(self, ids: list[str], *, replace: bool) -> None:
        """Make room for ``ids``: an id already stored is removed (``replace``) or an error."""
        rows = self._db.execute(f"SELECT id, doc FROM documents WHERE id {_IN}", (json.dumps(ids),))
        rows = rows.fetchall()
        if rows and not replace:
            raise DocumentExists(f"document {rows[0][0]!r} is already in {self.path}")
        for _, doc in rows:
            self._delete(doc)

    def _insert(self, ids: list[str], metadata: list[str | None], batch: _Batch) -> None:
        db, config = self._db, self.config
        doc0, paragraph0, sentence0 = (
            db.execute(f"SELECT coalesce(max({key}), 0) + 1 FROM {table}").fetchone()[0]
            for key, table in (("doc", "documents"), ("paragraph", "paragraphs"), ("sentence", "sentences")))
        chars = batch.paragraph_chars().tolist()
        db.executemany(
            "INSERT INTO documents (doc, id, exact, chars, metadata, text) VALUES (?, ?, ?, ?, ?, ?)",
            [(doc0 + k, ids[k], batch.exact[k], chars[k], metadata[k], batch.texts[k])
             for k in range(len(ids))])

        p, p_sets = batch.paragraphs, batch.paragraph_sets
        p_exact = p_sets.exact.view(np.int64)
        p_canonical = _canonical(db, "paragraphs", p_exact, p_sets.words >= config.min_words)
        db.executemany(
            "INSERT INTO paragraphs (paragraph, doc, ord, start, end, line, words, exact, canonical, "
            "shingles, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            zip(range(paragraph0, paragraph0 + len(p)), (p.doc + doc0).tolist(), _ordinals(p.doc).tolist(),
                p.start.tolist(), p.end.tolist(), p.line.tolist(), p_sets.words.tolist(), p_exact.tolist(),
                p_canonical.tolist(),
                _blobs(p_sets.hashes, p_sets.offsets, "<u8"),
                _blobs(batch.signatures.ravel(), np.arange(len(p) + 1) * config.num_perm, "<u4")))
        rows = np.flatnonzero(p_canonical)
        self._add_band_keys(rows + paragraph0, batch.keys[rows])

        s, s_sets = batch.sentences, batch.sentence_sets
        s_exact = s_sets.exact.view(np.int64)
        s_canonical = _canonical(db, "sentences", s_exact, s_sets.sizes() >= config.partial_min_shared)
        db.executemany(
            "INSERT INTO sentences (sentence, doc, paragraph, ord, start, end, line, exact, canonical, "
            "shingles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            zip(range(sentence0, sentence0 + len(s)), (s.doc + doc0).tolist(),
                (s.paragraph + paragraph0).tolist(), _ordinals(s.doc).tolist(), s.start.tolist(),
                s.end.tolist(), s.line.tolist(), s_exact.tolist(), s_canonical.tolist(),
                _blobs(s_sets.hashes, s_sets.offsets, "<u8")))
        rows = np.flatnonzero(s_canonical)
        self._add_postings(rows + sentence0, [s_sets.get(int(i)) for i in rows])

    def _add_band_keys(self, paragraphs: np.ndarray, keys: np.ndarray) -> None:
        """Band keys of canonical paragraphs (``keys`` has one row of int64 keys per paragraph)."""
        owners = np.repeat(np.asarray(paragraphs, dtype=np.int64), keys.shape[1])
        order = np.argsort(keys.ravel(), kind="stable")  # in key order: B-tree inserts walk forward
        self._db.executemany("INSERT INTO bands (key, paragraph) VALUES (?, ?)",
                             zip(keys.ravel()[order].tolist(), owners[order].tolist()))

    def _add_postings(self, sentences: np.ndarray, sets: Sequence[np.ndarray]) -> None:
        """Postings of canonical sentences, appended to the stored lists in one upsert per shingle (in key
        order, so the B-tree is walked forward); a list that passes ``max_shingle_df`` sentences becomes
        stock (NULL) for good."""
        if not sets:
            return
        shingles = np.concatenate(sets).view(np.int64)
        owners = np.repeat(np.asarray(sentences, dtype=np.int64), [len(x) for x in sets])
        order = np.lexsort((owners, shingles))
        max_df = int(self.config.max_shingle_df)
        # `||` joins two BLOBs byte for byte in a UTF-8 database (as TEXT, hence the CAST back)
        self._db.executemany(
            "INSERT INTO postings (shingle, sentences) VALUES (?, ?) ON CONFLICT (shingle) DO UPDATE SET "
            "sentences = CASE WHEN sentences IS NULL OR excluded.sentences IS NULL OR length(sentences) + "
            f"length(excluded.sentences) > {8 * max_df} THEN NULL "
            "ELSE CAST(sentences || excluded.sentences AS BLOB) END",
            _posting_rows(shingles[order], owners[order], max_df))

    def _remove_postings(self, sentences: list[int], sets: Sequence[np.ndarray]) -> None:
        """Take ``sentences`` (all of them, with these shingle sets) out of the posting lists; an emptied
        list is deleted, a stock one stays stock."""
        if not sets:
            return
        keys, lengths, listed = self._posting_lists(_distinct(np.concatenate(sets).view(np.int64)))
        kept = ~np.isin(listed, sentences)
        remaining = np.bincount(np.repeat(np.arange(len(keys)), lengths)[kept], minlength=len(keys))
        offsets = np.r_[0, np.cumsum(remaining)].tolist()
        data = listed[kept].astype(_INT64)
        self._db.executemany("DELETE FROM postings WHERE shingle = ?",
                             [(k,) for k in keys[remaining == 0].tolist()])
        rest = np.flatnonzero(remaining).tolist()
        self._db.executemany("UPDATE postings SET sentences = ? WHERE shingle = ?",
                             [(data[offsets[i]:offsets[i + 1]].tobytes(), int(keys[i])) for i in rest])

    def _posting_lists(self, shingles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stored posting lists of the distinct ``shingles`` (stock ones left out), as ``(shingle, length,
        sentences)``: the ascending shingles that have one, each list's length, and the lists concatenated in
        that order (one array, so a check's ~3,000 postings never become Python objects)."""
        rows = self._db.execute(f"SELECT shingle, sentences FROM postings WHERE shingle {_IN} "
                                "AND sentences IS NOT NULL ORDER BY shingle", (json.dumps(shingles.tolist()),)).fetchall()
        keys, blobs = zip(*rows) if rows else ((), ())
        lengths = np.array([len(b) for b in blobs], dtype=np.int64) // 8
        listed = np.frombuffer(b"".join(blobs), dtype=_INT64).astype(np.int64)
        return np.array(keys, dtype=np.int64), lengths, listed

    def _delete(self, doc: int) -> None:
        """Delete a document's rows and hand its band keys and postings to the next copy of each segment."""
        db = self._db
        paragraphs = db.execute(
            "SELECT paragraph, exact, signature FROM paragraphs WHERE doc = ? AND canonical = 1",
            (doc,)).fetchall()
        if paragraphs:
            signatures = np.stack([np.frombuffer(r[2], dtype="<u4") for r in paragraphs])
            keys = band_keys(signatures, self._bands, self._rows).view(np.int64)
            owners = np.repeat([r[0] for r in paragraphs], keys.shape[1])
            db.executemany("DELETE FROM bands WHERE key = ? AND paragraph = ?", zip(keys.ravel().tolist(),
                                                                                   owners.tolist()))
        sentences = db.execute(
            "SELECT sentence, exact, shingles FROM sentences WHERE doc = ? AND canonical = 1",
            (doc,)).fetchall()
        self._remove_postings([r[0] for r in sentences], [np.frombuffer(r[2], dtype=_INT64) for r in sentences])
        for table in ("paragraphs", "sentences", "documents"):
            db.execute(f"DELETE FROM {table} WHERE doc = ?", (doc,))
        for row, signature in self._promote("paragraphs", [r[1] for r in paragraphs], "signature"):
            keys = band_keys(np.frombuffer(signature, dtype="<u4")[None, :], self._bands, self._rows)
            self._add_band_keys(np.array([row]), keys.view(np.int64))
        promoted = self._promote("sentences", [r[1] for r in sentences], "shingles")
        self._add_postings(np.array([r for r, _ in promoted], dtype=np.int64),
                           [np.frombuffer(blob, dtype="<u8") for _, blob in promoted])

    def _promote(self, table: str, hashes: list[int], column: str) -> list[tuple[int, bytes]]:
        """Make the oldest remaining copy of each exact hash canonical; returns (row, ``column``) of each."""
        key = table[:-1]
        promoted = []
        for exact in hashes:
            row = self._db.execute(
                f"SELECT {key}, {column} FROM {table} WHERE exact = ? ORDER BY {key} LIMIT 1",
                (exact,)).fetchone()
            if row is not None:
                self._db.execute(f"UPDATE {table} SET canonical = 1 WHERE {key} = ?", (row[0],))
                promoted.append((row[0], row[1]))
        return promoted

    # --- checking ------------------------------------------------------------------------------

    def _verdict(self, batch: _Batch, limit: int) -> Verdict:
        """Look up, verify and rank the stored documents ``batch.texts[0]`` reuses."""
        paragraph_pairs, paragraph_stats = self._paragraph_pairs(batch)
        matched = {(batch_paragraph, seg.row) for pair in paragraph_pairs
                   for batch_paragraph in pair.incoming for seg in pair.stored}
        sentence_pairs, sentence_stats = self._sentence_pairs(batch, matched)
        by_doc: dict[int, list[_Pair]] = defaultdict(list)
        for pair in paragraph_pairs + sentence_pairs:
            by_doc[pair.stored[0].doc].append(pair)
        same_text = [r[0] for r in self._db.execute("SELECT doc FROM documents WHERE exact = ?",
                                                    (batch.exact[0],))]
        for doc in same_text:
            by_doc.setdefault(doc, [])
        matches = self._document_matches(batch, by_doc, set(same_text), limit)
        verdict = max((m.relation for m in matches), key=RELATIONS.index, default="new")
        stats = {"paragraphs": len(batch.paragraphs), "sentences": len(batch.sentences), **paragraph_stats,
                 **sentence_stats, "documents_matched": len(by_doc)}
        return Verdict(verdict, tuple(matches), stats=stats)

    def _paragraph_pairs(self, batch: _Batch) -> tuple[list[_Pair], dict[str, int]]:
        """Exact and near paragraph matches: band-key look-ups, verified on the stored shingle sets."""
        config = self.config
        sets = batch.paragraph_sets
        exact = sets.exact.view(np.int64)
        eligible = np.flatnonzero(sets.words >= config.min_words)
        askers: dict[int, list[int]] = defaultdict(list)  # band key -> incoming paragraphs with it
        for i in eligible.tolist():
            for key in batch.keys[i].tolist():
                askers[key].append(i)
        # One statement for every key; each bucket is read up to max_shingle_df members (oldest first).
        cap = int(config.max_shingle_df)
        rows = self._db.execute(
            "SELECT j.value, b.paragraph FROM json_each(?) j JOIN bands b ON b.key = j.value "
            f"WHERE b.paragraph IN (SELECT paragraph FROM bands WHERE key = j.value LIMIT {cap})",
            (json.dumps(list(askers)),))
        proposed = sorted({(i, paragraph) for key, paragraph in rows for i in askers[key]})
        stored = self._sets("paragraphs", {c for _, c in proposed})
        checked = _overlaps(sets, stored, proposed)
        best: dict[tuple[int, int], tuple[float, float]] = {}  # (incoming, stored exact) -> scores
        for (i, c), jaccard, containment in checked:
            stored_exact = stored[c][0]
            if stored_exact != exact[i] and jaccard >= config.threshold:
                best[(i, stored_exact)] = (jaccard, containment)
        for i in eligible.tolist():
            best[(i, int(exact[i]))] = (1.0, 1.0)
        copies = self._copies("paragraphs", {h for _, h in best})
        pairs = [_Pair("exact" if h == exact[i] else "near", [i], [seg], *scores)
                 for (i, h), scores in best.items() for seg in copies.get(h, [])]
        return pairs, {"paragraph_candidates": len(proposed)}

    def _sentence_pairs(self, batch: _Batch,
                        matched: set[tuple[int, int]]) -> tuple[list[_Pair], dict[str, int]]:
        """Partial reuse: sentences sharing enough non-stock shingles (postings), verified, then adjacent
        reused sentences merged into passages. Pairs inside exact/near paragraph pairs are left out."""
        config = self.config
        sets = batch.sentence_sets
        compared = sets.sizes() >= config.partial_min_shared
        if not compared.any():
            return [], {}
        owner = np.repeat(np.arange(len(sets)), sets.sizes())
        take = compared[owner]
        shingles, owner = sets.hashes.view(np.int64)[take], owner[take]
        keys, lengths, listed = self._posting_lists(_distinct(shingles))
        proposed = _shared_pairs(shingles, owner, keys, lengths, listed, config.partial_min_shared)
        stored = self._sets("sentences", {c for _, c in proposed})
        best: dict[tuple[int, int], tuple[float, float]] = {}
        for (i, c), jaccard, containment in _overlaps(sets, stored, proposed, config.partial_min_shared):
            if containment >= config.partial_containment:
                best[(i, stored[c][0])] = (jaccard, containment)
        copies = self._copies("sentences", {h for _, h in best})
        incoming_paragraph = batch.sentences.paragraph
        edges = sorted(((seg.doc, i, seg.ordinal, seg, stored_exact)
                        for (i, stored_exact) in best for seg in copies.get(stored_exact, [])
                        if (int(incoming_paragraph[i]), seg.paragraph) not in matched), key=lambda e: e[:3])
        pairs = self._merge(edges, sets, {h: stored_set for h, stored_set in stored.values()}, best)
        return pairs, {"postings_read": len(listed), "sentence_candidates": len(proposed)}

    def _merge(self, edges: list[tuple[int, int, int, _Segment, int]], incoming: ShingleSets,
               stored_sets: dict[int, np.ndarray], scores: dict[tuple[int, int], tuple[float, float]]) -> list[_Pair]:
        """Runs of reused sentences consecutive on both sides become one passage (as in the scan); a run
        of one sentence keeps the ``scores`` its pair was verified with, longer runs are measured whole."""
        open_runs: dict[tuple[int, int, int], list[tuple[int, _Segment, int]]] = {}
        runs = []
        for doc, i, ordinal, seg, stored_exact in edges:
            run = open_runs.pop((doc, i - 1, ordinal - 1), None)
            if run is None:
                run = []
                runs.append(run)
            run.append((i, seg, stored_exact))
            open_runs[(doc, i, ordinal)] = run
        pairs = []
        for run in runs:
            if len(run) == 1:
                jaccard, containment = scores[(run[0][0], run[0][2])]
            else:
                a = np.concatenate([stored_sets[h] for _, _, h in run])
                b = np.concatenate([incoming.get(i) for i, _, _ in run])
                jaccard, containment, _, _ = verify.set_overlap(a, b)
            pairs.append(_Pair("partial", [i for i, _, _ in run], [seg for _, seg, _ in run], jaccard,
                               containment))
        return pairs

    def _sets(self, table: str, rows: set[int]) -> dict[int, tuple[int, np.ndarray]]:
        """``row -> (exact hash, shingle set)`` of stored segments."""
        if not rows:
            return {}
        key = table[:-1]
        found = self._db.execute(f"SELECT {key}, exact, shingles FROM {table} WHERE {key} {_IN}",
                                 (json.dumps(sorted(rows)),))
        return {r[0]: (r[1], np.frombuffer(r[2], dtype="<u8")) for r in found}

    def _copies(self, table: str, hashes: set[int]) -> dict[int, list[_Segment]]:
        """Up to ``max_shingle_df`` stored copies (oldest first) of each exact hash."""
        key = table[:-1]
        extra = ", t.paragraph" if table == "sentences" else ""
        rows = self._db.execute(
            f"SELECT j.value, t.{key}, t.doc, t.ord, t.start, t.end, t.line{extra} FROM json_each(?) j "
            f"JOIN {table} t ON t.exact = j.value WHERE t.{key} IN "
            f"(SELECT {key} FROM {table} WHERE exact = j.value ORDER BY {key} "
            f"LIMIT {int(self.config.max_shingle_df)})",
            (json.dumps(sorted(hashes)),))
        out: dict[int, list[_Segment]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: r[1]):
            out[row[0]].append(_Segment(*row[1:]))
        return out

    def _document_matches(self, batch: _Batch, by_doc: dict[int, list[_Pair]], same_text: set[int],
                          limit: int) -> list[DocumentMatch]:
        """Group passages by stored document, measure each document and keep the ``limit`` strongest."""
        if not by_doc:
            return []
        docs = sorted(by_doc)
        chars = dict(self._db.execute(f"SELECT doc, chars FROM documents WHERE doc {_IN}",
                                      (json.dumps(docs),)))
        position = {doc: k + 1 for k, doc in enumerate(docs)}  # document 0 is the incoming text
        p, s = batch.paragraphs, batch.sentences
        matches = []  # only their spans matter to document_overlaps
        for doc in docs:
            for pair in by_doc[doc]:
                table = p if pair.kind != "partial" else s
                first, last = pair.incoming[0], pair.incoming[-1]
                stored = Passage(position[doc], pair.stored[0].start, pair.stored[-1].end, 0, 0)
                incoming = Passage(0, int(table.start[first]), int(table.end[last]), 0, 0)
                matches.append(Match(pair.kind, stored, incoming, 0.0, 0.0, 0.0, 0.0, -1))
        coverage = {o.b: (o.a_in_b, o.b_in_a) for o in document_overlaps(
            [], matches, [int(batch.paragraph_chars()[0])] + [chars[d] for d in docs])}
        incoming_exact = _eligible_exact(batch.paragraph_sets, self.config.min_words)
        incoming_set = _distinct(batch.paragraph_sets.hashes)
        ranked = sorted(docs, key=lambda d: (d not in same_text,
                                             *(-x for x in coverage.get(position[d], (0, 0))), d))
        chosen = ranked[:limit]
        details = self._documents(chosen)
        out = []
        for doc in chosen:
            doc_id, metadata, text, paragraph_sets, eligible_exact = details[doc]
            incoming_in_stored, stored_in_incoming = coverage.get(position[doc], (0.0, 0.0))
            if doc in same_text or (incoming_exact and incoming_exact == eligible_exact):
                relation = "duplicate"
            elif incoming_in_stored >= NEAR_DUPLICATE_SHARE:
                relation = "near-duplicate"
            else:
                relation = "partial-reuse"
            similarity = _jaccard(paragraph_sets, incoming_set)
            passages = tuple(self._passage(batch, pair, text)
                             for pair in _strongest_per_span(batch, by_doc[doc]))
            out.append(DocumentMatch(doc_id, metadata, relation, similarity, incoming_in_stored,
                                     stored_in_incoming, passages))
        out.sort(key=lambda m: (-RELATIONS.index(m.relation), -m.incoming_in_stored, -m.similarity,
                                -m.stored_in_incoming))
        return out

    def _documents(self, docs: list[int]) -> dict[int, tuple[str, Any, str, np.ndarray, set[int]]]:
        """``doc -> (id, metadata, text, its paragraphs' shingle set, exact hashes of compared paragraphs)``."""
        shingles: dict[int, list[np.ndarray]] = defaultdict(list)
        exact: dict[int, set[int]] = defaultdict(set)
        for doc, words, h, blob in self._db.execute(
                f"SELECT doc, words, exact, shingles FROM paragraphs WHERE doc {_IN}", (json.dumps(docs),)):
            shingles[doc].append(np.frombuffer(blob, dtype="<u8"))
            if words >= self.config.min_words:
                exact[doc].add(h)
        out = {}
        for doc, doc_id, metadata, text, text_hash in self._db.execute(
                f"SELECT doc, id, metadata, text, exact FROM documents WHERE doc {_IN}", (json.dumps(docs),)):
            if _text_hash(text) != text_hash:  # neither SQLite check sees a damaged page inside a long text
                raise IndexCorrupt(f"{self.path}: corrupt (the text of document {doc_id!r} does not match "
                                   "its hash)")
            sets = _distinct(np.concatenate(shingles[doc])) if shingles[doc] else np.empty(0, dtype=np.uint64)
            out[doc] = (doc_id, _metadata(metadata), text, sets, exact[doc])
        return out

    def _passage(self, batch: _Batch, pair: _Pair, stored_text: str) -> PassageMatch:
        table = batch.paragraphs if pair.kind != "partial" else batch.sentences
        incoming_text = batch.texts[0]
        first, last = pair.incoming[0], pair.incoming[-1]
        incoming = _quote(incoming_text, int(table.start[first]), int(table.end[last]),
                          int(table.line[first]))
        stored = _quote(stored_text, pair.stored[0].start, pair.stored[-1].end, pair.stored[0].line)
        diff = None
        if pair.kind != "exact":
            diff = diff_texts(stored.text, incoming.text, stored.start, incoming.start)
        return PassageMatch(pair.kind, pair.similarity, pair.containment, incoming, stored, diff)

    def _problems(self, band_rows: int) -> list[str]:
        """Integrity and consistency problems of the file (empty when sound)."""
        db = self._db
        problems = [f"integrity_check: {p}" for p in _pragma_problems(db, "integrity_check(20)")]
        queries = {
            "paragraphs without a document":
                "SELECT count(*) FROM paragraphs WHERE doc NOT IN (SELECT doc FROM documents)",
            "sentences without a document":
                "SELECT count(*) FROM sentences WHERE doc NOT IN (SELECT doc FROM documents)",
            "band keys of missing or non-canonical paragraphs":
                "SELECT count(*) FROM bands b LEFT JOIN paragraphs p ON p.paragraph = b.paragraph "
                "WHERE p.paragraph IS NULL OR p.canonical = 0",
            "posting lists that are not a BLOB of 1 to max_shingle_df sentences":
                "SELECT count(*) FROM postings WHERE typeof(sentences) NOT IN ('blob', 'null') OR length(sentences) "
                f"% 8 != 0 OR length(sentences) NOT BETWEEN 8 AND {8 * int(self.config.max_shingle_df)}",
            "paragraph texts without exactly one canonical copy":
                "SELECT count(*) FROM (SELECT exact FROM paragraphs WHERE words >= "
                f"{int(self.config.min_words)} GROUP BY exact HAVING sum(canonical) != 1)",
            "sentence texts without exactly one canonical copy":
                f"SELECT count(*) FROM (SELECT exact FROM sentences WHERE length(shingles) >= "
                f"{8 * int(self.config.partial_min_shared)} GROUP BY exact HAVING sum(canonical) != 1)",
        }
        for problem, sql in queries.items():
            count = db.execute(sql).fetchone()[0]
            if count:
                problems.append(f"{count} {problem}")
        orphans = self._orphan_postings()
        if orphans:
            problems.append(f"{orphans} postings of missing or non-canonical sentences")
        damaged = sum(_text_hash(text) != text_hash
                      for text, text_hash in db.execute("SELECT text, exact FROM documents"))
        if damaged:
            problems.append(f"{damaged} documents whose text does not match its hash")
        canonical = db.execute("SELECT count(*) FROM paragraphs WHERE canonical = 1").fetchone()[0]
        if band_rows != canonical * self._bands:
            problems.append(f"{band_rows} band keys for {canonical} canonical paragraphs x "
                            f"{self._bands} bands")
        return problems

    def _orphan_postings(self) -> int:
        """Postings whose sentence is gone or not canonical (the lists are BLOBs, so SQL cannot join them)."""
        canonical = np.fromiter((r[0] for r in self._db.execute(
            "SELECT sentence FROM sentences WHERE canonical = 1 ORDER BY sentence")), dtype=np.int64)
        lists = self._db.execute("SELECT sentences FROM postings WHERE sentences IS NOT NULL")
        orphans = 0
        for chunk in iter(lambda: lists.fetchmany(100_000), []):
            blobs = (r[0] for r in chunk if isinstance(r[0], bytes) and len(r[0]) % 8 == 0)  # others: see above
            orphans += int((~_sorted_member(np.frombuffer(b"".join(blobs), dtype=_INT64), canonical)).sum())
        return orphans


# --- helpers ----------------------------------------------------------------------------------------

# The ScanConfig fields that decide what a check reports; the index stores them and is opened only with
# the same values. (``workers``, ``diffs`` and ``figure_groups`` only change how a scan runs and reports.)
_CONFIG_FIELDS = ("threshold", "shingle_size", "num_perm", "seed", "min_words", "sentence_shingle_size",
                  "partial_containment", "partial_min_shared", "max_shingle_df")


def _config(params: Mapping[str, Any]) -> ScanConfig:
    unknown = sorted(set(params) - set(_CONFIG_FIELDS))
    if unknown:
        raise ValueError(f"unknown index parameter {unknown[0]!r} (known: {', '.join(_CONFIG_FIELDS)})")
    return ScanConfig(**params)


def _index_params(config: ScanConfig) -> dict[str, Any]:
    """What the index stores and checks on open: every matching parameter and the derived LSH shape."""
    bands, rows = optimal_params(config.threshold, config.num_perm)
    fields = {name: getattr(config, name) for name in _CONFIG_FIELDS}
    return {**fields, **config.signature_params(), "bands": bands, "rows": rows}


def _compare_params(stored: Mapping[str, Any], asked: Mapping[str, Any]) -> None:
    """Refuse an index built with other parameters, naming each one that differs."""
    _config(asked)  # unknown names and invalid values are errors even when the index would match
    differences = [f"{name}: index has {stored.get(name)}, asked for {value}"
                   for name, value in asked.items() if stored.get(name) != value]
    if stored.get("normalizer") != NORMALIZER_VERSION:
        differences.append(f"normalizer: index has {stored.get('normalizer')}, this dedup has "
                           f"{NORMALIZER_VERSION} (rebuild the index)")
    if differences:
        raise IndexMismatch("; ".join(differences))


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN / BEGIN IMMEDIATE ... COMMIT).
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA mmap_size = 1099511627776")  # capped at the build's maximum (often 2 GB)
    return connection


def _connect_existing(path: Path) -> sqlite3.Connection:
    """``_connect`` to a file that passed ``_check_header``, its failures as index errors."""
    try:
        return _connect(path)
    except sqlite3.OperationalError as exc:
        raise _cannot_open(path, exc) from None
    except sqlite3.Error as exc:
        raise IndexCorrupt(f"{path}: not a dedup index ({exc})") from None


def _files(path: Path) -> list[Path]:
    """The index file and SQLite's companions (``-wal``: committed writes not yet checkpointed; ``-shm``)."""
    return [path] + [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _out_of_space(exc: sqlite3.Error, path: Path) -> bool:
    """Whether a failed SQLite call ran out of room. SQLite says so for ENOSPC ("database or disk is full"),
    but reports other write failures (EFBIG past the process's file size limit, ENOSPC while growing the
    -shm file) as I/O errors: those count when the file system is (nearly) full or an index file has
    reached ``RLIMIT_FSIZE``."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    if name == "SQLITE_FULL":
        return True
    if not name.startswith("SQLITE_IOERR") or os.name != "posix":
        return False
    import resource

    try:
        space = os.statvfs(path.parent)
    except OSError:
        return False
    if space.f_bavail * space.f_frsize < _ROOM_BYTES:
        return True
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return limit != resource.RLIM_INFINITY and max(map(_file_size, _files(path))) > limit - _ROOM_BYTES


def _cannot_open(path: Path, exc: sqlite3.OperationalError) -> IndexFileError:
    """An index that SQLite cannot open for a reason outside the file (no room, permissions, a lock)."""
    if _out_of_space(exc, path):
        return IndexFull(f"{path}: disk full: SQLite needs room next to the index for its -wal and -shm files")
    return IndexFileError(f"{path}: cannot open ({exc})")


def _check_header(path: Path) -> int:
    """Cheap checks before SQLite sees the file: it exists, is SQLite, and is as long as its header says."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        raise IndexFileError(f"{path}: no such index file") from None
    except OSError as exc:
        raise IndexFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        raise IndexCorrupt(f"{path}: not a dedup index (not an SQLite database)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_valid = pages > 0 and header[24:28] == header[92:96]
    wal = path.with_name(path.name + "-wal")
    if header_valid and size < pages * page_size and _file_size(wal) == 0:
        raise IndexCorrupt(f"{path}: truncated ({size} bytes, the header says {pages * page_size})")
    return size


def _pragma_problems(connection: sqlite3.Connection, pragma: str) -> list[str]:
    """The problems a check pragma reports, one line each (none when it says "ok")."""
    rows = connection.execute(f"PRAGMA {pragma}").fetchall()
    lines = [line.strip() for row in rows for line in str(row[0]).splitlines()]
    return [line for line in lines if line not in ("ok", "*** in database main ***")]


def _read_meta(path: Path, connection: sqlite3.Connection) -> dict[str, Any]:
    meta, version = _schema_version(path, connection)
    if version < SCHEMA_VERSION:
        raise IndexVersionError(f"{path}: index schema version {version} is older than this dedup's "
                                f"({SCHEMA_VERSION}); upgrade it with `dedup index upgrade {path}`")
    return _params(path, meta)


def _params(path: Path, meta: Mapping[str, str]) -> dict[str, Any]:
    """The stored parameters, checked."""
    try:
        params = json.loads(meta["params"])
        _config({k: v for k, v in params.items() if k in _CONFIG_FIELDS})
        int(params["bands"]), int(params["rows"])
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexCorrupt(f"{path}: corrupt (stored parameters unreadable: {exc})") from None
    return params


def _schema_version(path: Path, connection: sqlite3.Connection) -> tuple[dict[str, str], int]:
    """The meta table and schema version of a dedup index this dedup can read or upgrade."""
    try:
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.OperationalError:
        raise IndexCorrupt(f"{path}: not a dedup index (no meta table)") from None
    if meta.get("format") != FORMAT:
        raise IndexCorrupt(f"{path}: not a dedup index (format is {meta.get('format')!r})")
    version = meta.get("schema_version", "")
    if not version.isdigit() or int(version) < 1:
        raise IndexCorrupt(f"{path}: corrupt (schema_version is {version!r})")
    if int(version) > SCHEMA_VERSION:
        raise IndexVersionError(f"{path}: index schema version {version} is newer than this dedup supports "
                                f"({SCHEMA_VERSION}); upgrade dedup")
    return meta, int(version)


def _posting_rows_to_lists(db: sqlite3.Connection, max_df: int) -> None:
    """Schema 1 to 2: the ``(shingle, sentence)`` rows and the ``stock`` table become one posting list per
    shingle (read in key order, so the new table is written front to back)."""
    db.execute("CREATE TABLE posting_lists (shingle INTEGER PRIMARY KEY, sentences BLOB)")
    rows = db.execute("SELECT shingle, sentence FROM postings ORDER BY shingle, sentence")
    carry = np.empty((0, 2), dtype=np.int64)  # the last shingle of a chunk may go on in the next one
    while True:
        chunk = rows.fetchmany(1 << 20)
        pairs = np.concatenate([carry, np.array(chunk, dtype=np.int64).reshape(-1, 2)])
        cut = int(np.searchsorted(pairs[:, 0], pairs[-1, 0])) if chunk else len(pairs)
        pairs, carry = pairs[:cut], pairs[cut:]
        db.executemany("INSERT INTO posting_lists (shingle, sentences) VALUES (?, ?)",
                       _posting_rows(pairs[:, 0], pairs[:, 1], max_df))
        if not chunk:
            break
    db.execute("INSERT INTO posting_lists (shingle, sentences) SELECT shingle, NULL FROM stock")
    db.execute("DROP TABLE postings")
    db.execute("DROP TABLE stock")
    db.execute("ALTER TABLE posting_lists RENAME TO postings")


def _posting_rows(shingles: np.ndarray, sentences: np.ndarray, max_df: int) -> list[tuple[int, bytes | None]]:
    """``(shingle, posting list)`` rows of ``(shingle, sentence)`` pairs sorted by both; a list of more than
    ``max_df`` sentences is None (stock)."""
    if len(shingles) == 0:
        return []
    starts = np.flatnonzero(np.r_[True, shingles[1:] != shingles[:-1]])
    ends = np.r_[starts[1:], len(shingles)]
    data = sentences.astype(_INT64).tobytes()  # slicing bytes is 3x faster than slicing an array per list
    return list(zip(shingles[starts].tolist(), [None if b - a > max_df else data[8 * a:8 * b]
                                                for a, b in zip(starts.tolist(), ends.tolist())]))


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def validate_text(text: object) -> str:
    """``text`` if it can be checked: a non-blank string of valid Unicode (else TypeError / ValueError)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("text is empty")
    return _unicode(text, "text")


def _unicode(value: str, what: str) -> str:
    """``value`` if it is valid Unicode: a lone surrogate (from a JSON ``\\ud800`` escape) cannot be stored
    by SQLite, nor encoded in a response."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{what} is not valid Unicode (a lone surrogate at character {exc.start})") from None
    return value


def validate_document(doc_id: object, text: object,
                      metadata: Mapping[str, Any] | None = None) -> tuple[str, str, str | None]:
    """``(id, text, metadata as JSON or None)`` of a document that can be stored and later returned in
    matches, or ValueError saying why not (callers such as the service refuse it before any work)."""
    if not isinstance(doc_id, str) or not doc_id:
        raise ValueError(f"document id must be a non-empty string, got {doc_id!r}")
    _unicode(doc_id, f"document id {doc_id!r}")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise ValueError(f"metadata of {doc_id!r} must be a mapping, got {type(metadata).__name__}")
    if metadata is not None and _depth(metadata) > MAX_METADATA_DEPTH:
        raise ValueError(f"metadata of {doc_id!r} is nested deeper than {MAX_METADATA_DEPTH} levels")
    try:
        meta = None if metadata is None else json.dumps(dict(metadata), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata of {doc_id!r} is not JSON ({exc})") from None
    try:
        return doc_id, validate_text(text), meta if meta is None else _unicode(meta, "metadata")
    except ValueError as exc:
        raise ValueError(f"document {doc_id!r}: {exc}") from None


def _depth(value: object) -> int:
    """Nesting depth of a JSON-like value, level by level (no recursion, so any depth is measured)."""
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [child for v in level if isinstance(v, (Mapping, list, tuple))
                 for child in (v.values() if isinstance(v, Mapping) else v)]
    return depth


def _metadata(value: str | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(value)


def _text_hash(text: str) -> int:
    """Signed 64-bit hash of the normalised text (equal texts after normalisation are duplicates)."""
    digest = hashlib.blake2b(normalize(text).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ordinals(doc: np.ndarray) -> np.ndarray:
    """Position of each row within its document (rows are ordered by document)."""
    return np.arange(len(doc)) - np.searchsorted(doc, doc, side="left")


def _blobs(values: np.ndarray, offsets: np.ndarray, dtype: str) -> list[bytes]:
    data = values.astype(dtype, copy=False)
    return [data[offsets[i]:offsets[i + 1]].tobytes() for i in range(len(offsets) - 1)]


def _canonical(db: sqlite3.Connection, table: str, exact: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """1 for the eligible rows that are the first copy of their text: not stored yet, first in the batch."""
    rows = np.flatnonzero(eligible)
    canonical = np.zeros(len(exact), dtype=np.int64)
    if len(rows) == 0:
        return canonical
    _, first = np.unique(exact[rows], return_index=True)
    candidates = rows[first]
    stored = db.execute(f"SELECT DISTINCT exact FROM {table} WHERE exact {_IN}",
                        (json.dumps(exact[candidates].tolist()),)).fetchall()
    canonical[candidates[~np.isin(exact[candidates], [r[0] for r in stored])]] = 1
    return canonical


def _overlaps(incoming: ShingleSets, stored: dict[int, tuple[int, np.ndarray]], pairs: list[tuple[int, int]],
              min_shared: int = 0) -> Iterator[tuple[tuple[int, int], float, float]]:
    """Exact Jaccard and containment of (incoming segment, stored row) pairs with at least ``min_shared``
    shared shingles."""
    if not pairs:
        return
    rows = sorted(stored)
    position = {row: len(incoming) + k for k, row in enumerate(rows)}
    hashes = np.concatenate([incoming.hashes] + [stored[r][1] for r in rows])
    sizes = np.concatenate([incoming.sizes(), [len(stored[r][1]) for r in rows]]).astype(np.int64)
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    pair_rows = np.array([(i, position[c]) for i, c in pairs], dtype=np.int64)
    measured = verify.overlaps(hashes, offsets, pair_rows)
    jaccard, containment = measured.jaccard(), measured.containment()
    for k in np.flatnonzero(measured.shared >= min_shared).tolist():
        yield pairs[k], float(jaccard[k]), float(containment[k])


def _shared_pairs(shingles: np.ndarray, owners: np.ndarray, keys: np.ndarray, lengths: np.ndarray,
                  listed: np.ndarray, min_shared: int) -> list[tuple[int, int]]:
    """``(incoming segment, stored sentence)`` pairs sharing at least ``min_shared`` shingles: the incoming
    ``(shingle, owner)`` pairs joined on shingle with the posting lists (``keys`` ascending, each list
    ``lengths[k]`` long in ``listed``)."""
    if len(keys) == 0:
        return []
    position = np.minimum(np.searchsorted(keys, shingles), len(keys) - 1)
    counts = np.where(keys[position] == shingles, lengths[position], 0)
    low = (np.cumsum(lengths) - lengths)[position]
    first = np.cumsum(counts) - counts
    rows = np.repeat(low - first, counts) + np.arange(int(counts.sum()))
    packed = (np.repeat(owners, counts) << 40) | listed[rows]  # sentence ids stay below 2**40
    pairs, shared = np.unique(packed, return_counts=True)
    pairs = pairs[shared >= min_shared]
    return list(zip((pairs >> 40).tolist(), (pairs & ((1 << 40) - 1)).tolist()))


def _sorted_member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin`` for a sorted ``sorted_set`` (binary search; numpy's hash-based isin is slower here)."""
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    position = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[position] == values


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting: numpy's default hash-based unique is 3x slower on these small arrays."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted arrays of distinct values."""
    shared = int(_sorted_member(a, b).sum())
    union = len(a) + len(b) - shared
    return shared / union if union else 0.0


def _eligible_exact(sets: ShingleSets, min_words: int) -> set[int]:
    return set(sets.exact.view(np.int64)[sets.words >= min_words].tolist())


def _strongest_per_span(batch: _Batch, pairs: list[_Pair]) -> list[_Pair]:
    """One pair per incoming span, in text order: a stored article that repeats a paragraph matches it
    twice, and both copies count for coverage, but the passage is reported once (strongest, earliest)."""
    best: dict[tuple[int, int], _Pair] = {}
    for pair in sorted(pairs, key=lambda p: (-p.similarity, p.stored[0].start)):
        table = batch.paragraphs if pair.kind != "partial" else batch.sentences
        best.setdefault((int(table.start[pair.incoming[0]]), int(table.end[pair.incoming[-1]])), pair)
    return [best[span] for span in sorted(best)]


def _quote(text: str, start: int, end: int, line: int) -> Quote:
    return Quote(start, end, line, line + text.count("\n", start, end), text[start:end])


def _timed(verdict: Verdict, started: float) -> Verdict:
    stats = {**verdict.stats, "seconds": round(time.perf_counter() - started, 6)}
    return dataclasses.replace(verdict, stats=stats)
