"""The index file: one SQLite database, its tables, its parameters, and how it is opened and upgraded.

* ``meta``: ``format``, ``schema_version``, ``params`` (JSON). An index is opened only with the
  parameters it was built with (:class:`IndexMismatch` names the ones that differ), and only at this
  schema version: an older one is refused with the command that upgrades it.
* ``documents(doc, id, exact, chars, metadata, text)``: the raw text, so passages and diffs quote it;
  ``exact`` hashes the normalised text, ``chars`` counts the characters of its compared paragraphs
  (:func:`dedup.matches.compared_paragraphs`), the denominator of its reused share as in the scan.
* ``paragraphs`` / ``sentences``: spans into the text (``start``, ``end``, 1-based ``line``) with the
  exact hash of the normalised span and its shingle set (little-endian uint64 BLOB); paragraphs also
  keep their MinHash signature (little-endian uint32 BLOB).
* ``bands(key, paragraph)``: the LSH band keys of :func:`dedup.candidates.band_keys` with
  ``optimal_params(threshold, num_perm)``; the primary key is the look-up index.
* ``words(word, documents)``: how many stored documents hold each word (token hash, numbers left out),
  for the evidence rule of :mod:`dedup.evidence` (a distinctive word is in few documents).
* ``headlines(doc, headline, day)``: the headline of every stored document that opens with one (its first
  line in capitals, figures masked) and the day it was written (its date's, else its dateline's), as
  :mod:`dedup.series` reads them; indexed by headline, so a check counts the documents and days of its own.
* ``subjects(key, doc)``: the subject keys of every stored document (:func:`dedup.subjects.subject_keys`:
  ``<ticker>`` of its opening, adjacent headline word pairs), keyed by key, so a check of a correction counts
  the headlines holding each of its pairs and finds the stored documents that name its subject.
* ``names(name, doc)``: the names of every stored document (:func:`dedup.stories.document_names`: words
  written capitalised inside a sentence), keyed by name, so a check counts the documents holding each of
  its names and finds the stored reports of its event (:mod:`dedup.index.conflicts`).
* ``postings(shingle, sentences)``: the posting list of every sentence shingle, for partial reuse: its
  sentence rows as one little-endian int64 BLOB, one row per shingle keyed by the shingle itself, so a
  check looks up each of its ~700 shingles with one integer-key seek. A shingle held by more than
  ``max_shingle_df`` sentences is a stock phrase: its list becomes NULL for good. Shingles are not
  sampled: reused sentences in rewritten news share few shingles (the sample's reused sentence pairs
  share 7 to 11), and keeping 1 shingle in 2 would lose a 7-shingle pair 6% of the time
  (``P(Binomial(7, 1/2) < 2)``). So the candidate rule is exactly the scan's.

Every SQLite integer is a signed 64-bit value (hashes are stored as ``uint64.view(int64)``). The file
is in WAL mode (readers never block the writer or each other) with ``synchronous=FULL``: an add that
has returned survives a power cut, because a lost add would let a later copy of that article pass as
new.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from dedup.candidates import optimal_params
from dedup.config import ScanConfig
from dedup.dates import DEFAULT_DATE_FIELD, parse_date
from dedup.evidence import document_words
from dedup.index.errors import IndexCorrupt, IndexFileError, IndexFull, IndexMismatch, IndexVersionError
from dedup.normalize import NORMALIZER_VERSION
from dedup.series import document_day, series_headline
from dedup.stories import document_names
from dedup.subjects import subject_keys

FORMAT = "dedup.index"
# 2: one posting list per shingle (1 had a row per posting and a stock table);
# 3: documents.chars counts compared paragraphs only (2 counted every paragraph); the words table;
# 4: the headlines table; 5: the subjects table; 6: headlines hold a series' opening words, not the whole line;
# 7: the names table.
SCHEMA_VERSION = 7
BUSY_TIMEOUT_SECONDS = 30.0
# A failed write counts as "disk full" when less than this is left (of the file system, or below the
# process's file size limit): a WAL frame is one page plus 24 bytes, the -shm file grows by 32 KiB.
_ROOM_BYTES = 1 << 20
# Band keys and postings have random keys, so a batch dirties pages all over their B-trees; a cache that
# holds a whole batch's dirty pages writes each of them once, at commit, instead of spilling them early.
BULK_CACHE_KIB = 2 << 20
INT64 = np.dtype("<i8")

HEADLINES = """
CREATE TABLE headlines (doc INTEGER PRIMARY KEY, headline TEXT NOT NULL, day INTEGER);
CREATE INDEX headlines_headline ON headlines (headline, day);
"""

# WITHOUT ROWID, keyed by (key, doc): a look-up by key is one seek; a removal recomputes its keys from the text.
SUBJECTS = """
CREATE TABLE subjects (key TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID;
"""

# Keyed by (name, doc) like subjects: a check counts the documents holding each of its names with one seek.
NAMES = """
CREATE TABLE names (name TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (name, doc)) WITHOUT ROWID;
"""

TABLES = """
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
CREATE TABLE words (word INTEGER PRIMARY KEY, documents INTEGER NOT NULL);
""" + HEADLINES + SUBJECTS + NAMES

# The ScanConfig fields that decide what a check reports; the index stores them and is opened only with
# the same values (``date_field``: the metadata field that dates a stored document). ``workers``, ``diffs``
# and ``figure_groups`` only change how a scan runs and reports.
CONFIG_FIELDS = ("threshold", "shingle_size", "num_perm", "seed", "min_words", "sentence_shingle_size",
                 "partial_containment", "partial_min_shared", "max_shingle_df", "boilerplate_min_docs",
                 "boilerplate_lines", "date_field")


def config_of(params: Mapping[str, Any]) -> ScanConfig:
    """The scan configuration of index parameters (unknown names and invalid values are errors)."""
    unknown = sorted(set(params) - set(CONFIG_FIELDS))
    if unknown:
        raise ValueError(f"unknown index parameter {unknown[0]!r} (known: {', '.join(CONFIG_FIELDS)})")
    return ScanConfig(**{name: tuple(value) if isinstance(value, list) else value for name, value in params.items()})


def stored_params(config: ScanConfig) -> dict[str, Any]:
    """What the index stores and checks on open: every matching parameter and the derived LSH shape."""
    bands, rows = optimal_params(config.threshold, config.num_perm)
    fields = {name: list(value) if isinstance(value := getattr(config, name), tuple) else value
              for name in CONFIG_FIELDS}
    return {**fields, **config.signature_params(), "bands": bands, "rows": rows}


def compare_params(stored: Mapping[str, Any], asked: Mapping[str, Any]) -> None:
    """Refuse an index built with other parameters, naming each one that differs."""
    config_of(asked)  # unknown names and invalid values are errors even when the index would match
    default = stored_params(ScanConfig())  # an index made before a parameter existed has its default
    differences = [f"{name}: index has {stored.get(name, default.get(name))}, asked for {value}"
                   for name, value in asked.items()
                   if stored.get(name, default.get(name)) != (list(value) if isinstance(value, tuple) else value)]
    if stored.get("normalizer") != NORMALIZER_VERSION:
        differences.append(f"normalizer: index has {stored.get('normalizer')}, this dedup has "
                           f"{NORMALIZER_VERSION} (rebuild the index)")
    if differences:
        raise IndexMismatch("; ".join(differences))


def connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN / BEGIN IMMEDIATE ... COMMIT).
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA mmap_size = 1099511627776")  # capped at the build's maximum (often 2 GB)
    return connection


def connect_existing(path: Path) -> sqlite3.Connection:
    """:func:`connect` to a file that passed :func:`check_header`, its failures as index errors."""
    try:
        return connect(path)
    except sqlite3.OperationalError as exc:
        raise cannot_open(path, exc) from None
    except sqlite3.Error as exc:
        raise IndexCorrupt(f"{path}: not a dedup index ({exc})") from None


def files(path: Path) -> list[Path]:
    """The index file and SQLite's companions (``-wal``: committed writes not yet checkpointed; ``-shm``)."""
    return [path] + [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def out_of_space(exc: sqlite3.Error, path: Path) -> bool:
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
    return limit != resource.RLIM_INFINITY and max(map(file_size, files(path))) > limit - _ROOM_BYTES


def cannot_open(path: Path, exc: sqlite3.OperationalError) -> IndexFileError:
    """An index that SQLite cannot open for a reason outside the file (no room, permissions, a lock)."""
    if out_of_space(exc, path):
        return IndexFull(f"{path}: disk full: SQLite needs room next to the index for its -wal and -shm files")
    return IndexFileError(f"{path}: cannot open ({exc})")


def check_header(path: Path) -> int:
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
    if header_valid and size < pages * page_size and file_size(wal) == 0:
        raise IndexCorrupt(f"{path}: truncated ({size} bytes, the header says {pages * page_size})")
    return size


def pragma_problems(connection: sqlite3.Connection, pragma: str) -> list[str]:
    """The problems a check pragma reports, one line each (none when it says "ok")."""
    rows = connection.execute(f"PRAGMA {pragma}").fetchall()
    lines = [line.strip() for row in rows for line in str(row[0]).splitlines()]
    return [line for line in lines if line not in ("ok", "*** in database main ***")]


def read_params(path: Path, connection: sqlite3.Connection) -> dict[str, Any]:
    """The stored parameters of an index at this schema version (an older one is refused)."""
    meta, version = schema_version(path, connection)
    if version < SCHEMA_VERSION:
        raise IndexVersionError(f"{path}: index schema version {version} is older than this dedup's "
                                f"({SCHEMA_VERSION}); upgrade it with `dedup index upgrade {path}`")
    return _params(path, meta)


def _params(path: Path, meta: Mapping[str, str]) -> dict[str, Any]:
    """The stored parameters, checked."""
    try:
        params = json.loads(meta["params"])
        config_of({k: v for k, v in params.items() if k in CONFIG_FIELDS})
        int(params["bands"]), int(params["rows"])
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexCorrupt(f"{path}: corrupt (stored parameters unreadable: {exc})") from None
    return params


def schema_version(path: Path, connection: sqlite3.Connection) -> tuple[dict[str, str], int]:
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


def upgrade_tables(path: Path, db: sqlite3.Connection, meta: Mapping[str, str], version: int) -> None:
    """Bring the tables of a schema ``version`` index to this schema (inside the caller's transaction)."""
    params = _params(path, meta)
    if version < 2:
        _posting_rows_to_lists(db, int(params["max_shingle_df"]))
    if version < 3:
        db.execute("UPDATE documents SET chars = (SELECT coalesce(sum(p.end - p.start), 0) FROM paragraphs p "
                   "WHERE p.doc = documents.doc AND p.words >= ?)", (int(params["min_words"]),))
        db.execute("CREATE TABLE words (word INTEGER PRIMARY KEY, documents INTEGER NOT NULL)")
        db.executemany("INSERT INTO words (word, documents) VALUES (?, ?)", stored_word_counts(db))
    if version < 4:
        for statement in filter(str.strip, HEADLINES.split(";")):
            db.execute(statement)
        db.executemany("INSERT INTO headlines (doc, headline, day) VALUES (?, ?, ?)",
                       stored_headlines(db, str(params.get("date_field", DEFAULT_DATE_FIELD))))
    if version < 5:
        db.execute(SUBJECTS)
        db.executemany("INSERT INTO subjects (key, doc) VALUES (?, ?)", stored_subjects(db))
    if 4 <= version < 6:
        db.execute("DELETE FROM headlines")
        db.executemany("INSERT INTO headlines (doc, headline, day) VALUES (?, ?, ?)",
                       stored_headlines(db, str(params.get("date_field", DEFAULT_DATE_FIELD))))
    if version < 7:
        db.execute(NAMES)
        db.executemany("INSERT INTO names (name, doc) VALUES (?, ?)", stored_names(db))
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))


def stored_word_counts(db: sqlite3.Connection) -> list[tuple[int, int]]:
    """``(word, documents)`` rows counted from the stored texts, a thousand at a time."""
    counts: dict[int, int] = {}
    rows = db.execute("SELECT text FROM documents")
    for chunk in iter(lambda: rows.fetchmany(1000), []):
        for words in document_words([text for (text,) in chunk]):
            for word in words.view(np.int64).tolist():
                counts[word] = counts.get(word, 0) + 1
    return sorted(counts.items())


def headline_rows(docs: Iterable[int], texts: Iterable[str], metadata: Iterable[Mapping[str, Any] | None],
                  date_field: str) -> list[tuple[int, str, int | None]]:
    """``(doc, headline, day)`` rows of the documents that open with a headline (:mod:`dedup.series`), each
    dated by its metadata ``date_field`` when it can be read."""
    rows = []
    for doc, text, meta in zip(docs, texts, metadata):
        headline = series_headline(text)
        if headline is not None:
            rows.append((doc, headline, document_day(text, parse_date((meta or {}).get(date_field)))))
    return rows


def stored_headlines(db: sqlite3.Connection, date_field: str) -> list[tuple[int, str, int | None]]:
    """:func:`headline_rows` of every stored document, in document order, a thousand at a time."""
    rows = db.execute("SELECT doc, text, metadata FROM documents ORDER BY doc")
    return [row for chunk in iter(lambda: rows.fetchmany(1000), [])
            for row in headline_rows([r[0] for r in chunk], [r[1] for r in chunk],
                                     [None if r[2] is None else json.loads(r[2]) for r in chunk], date_field)]


def subject_rows(docs: Iterable[int], texts: Iterable[str]) -> list[tuple[str, int]]:
    """``(key, doc)`` rows of every subject key (:func:`dedup.subjects.subject_keys`) of each document."""
    return [(key, doc) for doc, text in zip(docs, texts) for key in sorted(subject_keys(text).all())]


def stored_subjects(db: sqlite3.Connection) -> list[tuple[str, int]]:
    """:func:`subject_rows` of every stored document, in key order, a thousand documents at a time."""
    rows = db.execute("SELECT doc, text FROM documents ORDER BY doc")
    return sorted(row for chunk in iter(lambda: rows.fetchmany(1000), [])
                  for row in subject_rows([r[0] for r in chunk], [r[1] for r in chunk]))


def name_rows(docs: Iterable[int], texts: Iterable[str]) -> list[tuple[str, int]]:
    """``(name, doc)`` rows of every name (:func:`dedup.stories.document_names`) of each document."""
    return [(name, doc) for doc, text in zip(docs, texts) for name in sorted(document_names(text))]


def stored_names(db: sqlite3.Connection) -> list[tuple[str, int]]:
    """:func:`name_rows` of every stored document, in name order, a thousand documents at a time."""
    rows = db.execute("SELECT doc, text FROM documents ORDER BY doc")
    return sorted(row for chunk in iter(lambda: rows.fetchmany(1000), [])
                  for row in name_rows([r[0] for r in chunk], [r[1] for r in chunk]))


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
                       posting_rows(pairs[:, 0], pairs[:, 1], max_df))
        if not chunk:
            break
    db.execute("INSERT INTO posting_lists (shingle, sentences) SELECT shingle, NULL FROM stock")
    db.execute("DROP TABLE postings")
    db.execute("DROP TABLE stock")
    db.execute("ALTER TABLE posting_lists RENAME TO postings")


def posting_rows(shingles: np.ndarray, sentences: np.ndarray, max_df: int) -> list[tuple[int, bytes | None]]:
    """``(shingle, posting list)`` rows of ``(shingle, sentence)`` pairs sorted by both; a list of more than
    ``max_df`` sentences is None (stock)."""
    if len(shingles) == 0:
        return []
    starts = np.flatnonzero(np.r_[True, shingles[1:] != shingles[:-1]])
    ends = np.r_[starts[1:], len(shingles)]
    data = sentences.astype(INT64).tobytes()  # slicing bytes is 3x faster than slicing an array per list
    return list(zip(shingles[starts].tolist(), [None if b - a > max_df else data[8 * a:8 * b]
                                                for a, b in zip(starts.tolist(), ends.tolist())]))
