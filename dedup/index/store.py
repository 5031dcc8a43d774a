"""The SQLite store of an index: transactions, and the named reads and writes a check or an add needs.

Identical segments are indexed once: only the first stored copy of a normalised paragraph or sentence
(``canonical``) has band keys and postings; its copies are found through the indexed exact hash.
Removing that copy hands the keys on to the next one. Every add, batch, removal and check-then-add is
one transaction; a failed one is rolled back whole. Boilerplate bounds the work: a band bucket or a set
of identical copies is read up to ``max_shingle_df`` members (oldest first).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dedup.candidates import band_keys
from dedup.config import ScanConfig
from dedup.evidence import WordFrequencies, document_words
from dedup.index.batch import Batch, text_hash
from dedup.index.errors import UNCHANGED, DocumentExists, IndexCorrupt, IndexFileError, IndexFull
from dedup.index.resident import ResidentFile
from dedup.index.schema import (
    INT64,
    headline_rows,
    name_rows,
    out_of_space,
    posting_rows,
    subject_rows,
)
from dedup.matches import compared_paragraphs, compared_sentences

_IN = "IN (SELECT value FROM json_each(?))"  # one parameter for any number of int64 values


@dataclass(slots=True)
class StoredSegment:
    """A stored paragraph or sentence (one copy), as a check sees it; ``paragraph`` is a sentence's."""

    row: int
    doc: int
    ordinal: int
    start: int
    end: int
    line: int
    paragraph: int = -1


@dataclass(frozen=True, slots=True)
class StoredText:
    """What a verdict needs of a matched stored document: its id, metadata and text, the shingle set of
    all its paragraphs, and the exact hashes of its compared paragraphs."""

    id: str
    metadata: dict[str, Any] | None
    text: str
    shingles: np.ndarray
    compared_exact: frozenset[int]


class Store:
    """One connection to an index file, with the index's parameters (``config``, LSH ``bands`` x ``rows``)."""

    def __init__(self, path: Path, db: sqlite3.Connection, config: ScanConfig, bands: int, rows: int) -> None:
        self.path, self.db, self.config = path, db, config
        self.bands, self.rows = bands, rows
        self.resident: ResidentFile | None = None

    def close(self) -> None:
        self.db.close()
        if self.resident is not None:
            self.resident.close()

    # --- transactions ----------------------------------------------------------------------------

    @contextmanager
    def guard(self, doing: str = "reading it", outcome: str = "") -> Iterator[None]:
        """SQLite errors become one line, never a traceback: damage is :class:`IndexCorrupt`, no room
        :class:`IndexFull`, anything else the environment causes (locked, read-only, I/O error) an
        :class:`IndexFileError` naming what was being done and, for a write, what it left behind."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if out_of_space(exc, self.path):
                raise IndexFull(f"{self.path}: disk full while {doing}{outcome}") from None
            raise IndexFileError(f"{self.path}: {exc} while {doing}{outcome}") from None
        except sqlite3.DatabaseError as exc:
            if type(exc) is sqlite3.DatabaseError:
                raise IndexCorrupt(f"{self.path}: corrupt ({exc})") from None
            raise

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction: every look-up of a check sees the same snapshot."""
        if self.resident is not None:
            self.resident.refresh()  # pages another writer added since
        with self.guard():
            self.db.execute("BEGIN")
            try:
                yield
            finally:
                self.db.execute("COMMIT")

    @contextmanager
    def writing(self, doing: str, outcome: str = UNCHANGED) -> Iterator[None]:
        """One write transaction. ``BEGIN IMMEDIATE`` takes the write lock first, so no writer slips in
        between check and add. Any error, in COMMIT too (where a full disk shows), rolls it all back;
        ``doing`` and ``outcome`` (what the index holds afterwards) word the error."""
        with self.guard(doing, f"; {outcome}"):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:  # SQLite may have rolled back already (e.g. disk full)
                    self.db.execute("ROLLBACK")
                raise
        if self.resident is not None:
            self.resident.refresh()

    @contextmanager
    def without(self, doc: int) -> Iterator[None]:
        """Inside a write transaction: the store as if ``doc`` were not stored, then as it was (a savepoint
        rolled back), so a check can be run against every other document."""
        self.db.execute("SAVEPOINT without")
        try:
            self.delete(doc)
            yield
        finally:
            self.db.execute("ROLLBACK TO without")
            self.db.execute("RELEASE without")

    @contextmanager
    def bulk_cache(self, kib: int) -> Iterator[None]:
        """A larger page cache while bulk loading (SQLite allocates it only as pages are used)."""
        previous = self.db.execute("PRAGMA cache_size").fetchone()[0]
        self.db.execute(f"PRAGMA cache_size = -{int(kib)}")
        try:
            yield
        finally:
            self.db.execute(f"PRAGMA cache_size = {int(previous)}")

    # --- writes ----------------------------------------------------------------------------------

    def claim(self, ids: list[str], *, replace: bool) -> None:
        """Make room for ``ids``: an id already stored is removed (``replace``) or an error."""
        rows = self.db.execute(f"SELECT id, doc FROM documents WHERE id {_IN}", (json.dumps(ids),)).fetchall()
        if rows and not replace:
            raise DocumentExists(f"document {rows[0][0]!r} is already in {self.path}")
        for _, doc in rows:
            self.delete(doc)

    def insert(self, ids: list[str], metadata: list[str | None], batch: Batch) -> None:
        db, config = self.db, self.config
        doc0, paragraph0, sentence0 = (
            db.execute(f"SELECT coalesce(max({key}), 0) + 1 FROM {table}").fetchone()[0]
            for key, table in (("doc", "documents"), ("paragraph", "paragraphs"), ("sentence", "sentences")))
        db.executemany(
            "INSERT INTO documents (doc, id, exact, chars, metadata, text) VALUES (?, ?, ?, ?, ?, ?)",
            [(doc0 + k, ids[k], batch.exact[k], batch.chars[k], metadata[k], batch.texts[k])
             for k in range(len(ids))])
        self._count_words(batch.words, +1)
        db.executemany("INSERT INTO headlines (doc, headline, day) VALUES (?, ?, ?)", headline_rows(
            range(doc0, doc0 + len(ids)), batch.texts, map(metadata_of, metadata), config.date_field))
        db.executemany("INSERT INTO subjects (key, doc) VALUES (?, ?)",
                       sorted(subject_rows(range(doc0, doc0 + len(ids)), batch.texts)))
        db.executemany("INSERT INTO names (name, doc) VALUES (?, ?)",
                       sorted(name_rows(range(doc0, doc0 + len(ids)), batch.texts)))

        p, p_sets = batch.paragraphs, batch.paragraph_sets
        p_exact = p_sets.exact.view(np.int64)
        p_canonical = self._canonical("paragraphs", p_exact, compared_paragraphs(p_sets.words, config))
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
        s_canonical = self._canonical("sentences", s_exact, compared_sentences(s_sets, config))
        db.executemany(
            "INSERT INTO sentences (sentence, doc, paragraph, ord, start, end, line, exact, canonical, "
            "shingles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            zip(range(sentence0, sentence0 + len(s)), (s.doc + doc0).tolist(),
                (s.paragraph + paragraph0).tolist(), _ordinals(s.doc).tolist(), s.start.tolist(),
                s.end.tolist(), s.line.tolist(), s_exact.tolist(), s_canonical.tolist(),
                _blobs(s_sets.hashes, s_sets.offsets, "<u8")))
        rows = np.flatnonzero(s_canonical)
        self._add_postings(rows + sentence0, [s_sets.get(int(i)) for i in rows])

    def delete(self, doc: int) -> None:
        """Delete a document's rows and hand its band keys and postings to the next copy of each segment."""
        db = self.db
        paragraphs = db.execute(
            "SELECT paragraph, exact, signature FROM paragraphs WHERE doc = ? AND canonical = 1",
            (doc,)).fetchall()
        if paragraphs:
            signatures = np.stack([np.frombuffer(r[2], dtype="<u4") for r in paragraphs])
            keys = band_keys(signatures, self.bands, self.rows).view(np.int64)
            owners = np.repeat([r[0] for r in paragraphs], keys.shape[1])
            db.executemany("DELETE FROM bands WHERE key = ? AND paragraph = ?", zip(keys.ravel().tolist(),
                                                                                   owners.tolist()))
        sentences = db.execute(
            "SELECT sentence, exact, shingles FROM sentences WHERE doc = ? AND canonical = 1",
            (doc,)).fetchall()
        self._remove_postings([r[0] for r in sentences], [np.frombuffer(r[2], dtype=INT64) for r in sentences])
        (text,) = db.execute("SELECT text FROM documents WHERE doc = ?", (doc,)).fetchone()
        self._count_words(document_words([text]), -1)
        db.executemany("DELETE FROM subjects WHERE key = ? AND doc = ?", subject_rows([doc], [text]))
        db.executemany("DELETE FROM names WHERE name = ? AND doc = ?", name_rows([doc], [text]))
        for table in ("paragraphs", "sentences", "headlines", "documents"):
            db.execute(f"DELETE FROM {table} WHERE doc = ?", (doc,))
        for row, signature in self._promote("paragraphs", [r[1] for r in paragraphs], "signature"):
            keys = band_keys(np.frombuffer(signature, dtype="<u4")[None, :], self.bands, self.rows)
            self._add_band_keys(np.array([row]), keys.view(np.int64))
        promoted = self._promote("sentences", [r[1] for r in sentences], "shingles")
        self._add_postings(np.array([r for r, _ in promoted], dtype=np.int64),
                           [np.frombuffer(blob, dtype="<u8") for _, blob in promoted])

    def _count_words(self, words: Sequence[np.ndarray], change: int) -> None:
        """Add ``change`` (1 or -1) to the document count of every word of each document's ``words``; a word
        no document holds any more is deleted."""
        if not words:
            return
        distinct, counts = np.unique(np.concatenate(words).view(np.int64), return_counts=True)
        self.db.executemany("INSERT INTO words (word, documents) VALUES (?, ?) ON CONFLICT (word) DO UPDATE SET "
                            "documents = documents + excluded.documents",
                            zip(distinct.tolist(), (counts * change).tolist()))
        if change < 0:
            self.db.execute(f"DELETE FROM words WHERE documents <= 0 AND word {_IN}", (json.dumps(distinct.tolist()),))

    def _canonical(self, table: str, exact: np.ndarray, eligible: np.ndarray) -> np.ndarray:
        """1 for the eligible rows that are the first copy of their text: not stored yet, first in the batch."""
        rows = np.flatnonzero(eligible)
        canonical = np.zeros(len(exact), dtype=np.int64)
        if len(rows) == 0:
            return canonical
        _, first = np.unique(exact[rows], return_index=True)
        candidates = rows[first]
        stored = self.db.execute(f"SELECT DISTINCT exact FROM {table} WHERE exact {_IN}",
                                 (json.dumps(exact[candidates].tolist()),)).fetchall()
        canonical[candidates[~np.isin(exact[candidates], [r[0] for r in stored])]] = 1
        return canonical

    def _add_band_keys(self, paragraphs: np.ndarray, keys: np.ndarray) -> None:
        """Band keys of canonical paragraphs (``keys`` has one row of int64 keys per paragraph)."""
        owners = np.repeat(np.asarray(paragraphs, dtype=np.int64), keys.shape[1])
        order = np.argsort(keys.ravel(), kind="stable")  # in key order: B-tree inserts walk forward
        self.db.executemany("INSERT INTO bands (key, paragraph) VALUES (?, ?)",
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
        self.db.executemany(
            "INSERT INTO postings (shingle, sentences) VALUES (?, ?) ON CONFLICT (shingle) DO UPDATE SET "
            "sentences = CASE WHEN sentences IS NULL OR excluded.sentences IS NULL OR length(sentences) + "
            f"length(excluded.sentences) > {8 * max_df} THEN NULL "
            "ELSE CAST(sentences || excluded.sentences AS BLOB) END",
            posting_rows(shingles[order], owners[order], max_df))

    def _remove_postings(self, sentences: list[int], sets: Sequence[np.ndarray]) -> None:
        """Take ``sentences`` (all of them, with these shingle sets) out of the posting lists; an emptied
        list is deleted, a stock one stays stock."""
        if not sets:
            return
        keys, lengths, listed = self.posting_lists(distinct(np.concatenate(sets).view(np.int64)))
        kept = ~np.isin(listed, sentences)
        remaining = np.bincount(np.repeat(np.arange(len(keys)), lengths)[kept], minlength=len(keys))
        offsets = np.r_[0, np.cumsum(remaining)].tolist()
        data = listed[kept].astype(INT64)
        self.db.executemany("DELETE FROM postings WHERE shingle = ?", [(k,) for k in keys[remaining == 0].tolist()])
        rest = np.flatnonzero(remaining).tolist()
        self.db.executemany("UPDATE postings SET sentences = ? WHERE shingle = ?",
                            [(data[offsets[i]:offsets[i + 1]].tobytes(), int(keys[i])) for i in rest])

    def _promote(self, table: str, hashes: list[int], column: str) -> list[tuple[int, bytes]]:
        """Make the oldest remaining copy of each exact hash canonical; returns (row, ``column``) of each."""
        key = table[:-1]
        promoted = []
        for exact in hashes:
            row = self.db.execute(f"SELECT {key}, {column} FROM {table} WHERE exact = ? ORDER BY {key} LIMIT 1",
                                  (exact,)).fetchone()
            if row is not None:
                self.db.execute(f"UPDATE {table} SET canonical = 1 WHERE {key} = ?", (row[0],))
                promoted.append((row[0], row[1]))
        return promoted

    # --- reads -----------------------------------------------------------------------------------

    def band_members(self, keys: list[int]) -> list[tuple[int, int]]:
        """``(key, paragraph)`` of the canonical paragraphs with each band key, up to ``max_shingle_df``
        per bucket (oldest first), in one statement."""
        cap = int(self.config.max_shingle_df)
        return self.db.execute(
            "SELECT j.value, b.paragraph FROM json_each(?) j JOIN bands b ON b.key = j.value "
            f"WHERE b.paragraph IN (SELECT paragraph FROM bands WHERE key = j.value LIMIT {cap})",
            (json.dumps(keys),)).fetchall()

    def posting_lists(self, shingles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stored posting lists of the distinct ``shingles`` (stock ones left out), as ``(shingle, length,
        sentences)``: the ascending shingles that have one, each list's length, and the lists concatenated in
        that order (one array, so a check's ~3,000 postings never become Python objects)."""
        rows = self.db.execute(f"SELECT shingle, sentences FROM postings WHERE shingle {_IN} "
                               "AND sentences IS NOT NULL ORDER BY shingle", (json.dumps(shingles.tolist()),)).fetchall()
        keys, blobs = zip(*rows) if rows else ((), ())
        lengths = np.array([len(b) for b in blobs], dtype=np.int64) // 8
        listed = np.frombuffer(b"".join(blobs), dtype=INT64).astype(np.int64)
        return np.array(keys, dtype=np.int64), lengths, listed

    def segment_sets(self, table: str, rows: set[int]) -> dict[int, tuple[int, np.ndarray]]:
        """``row -> (exact hash, shingle set)`` of stored segments of ``table`` (paragraphs or sentences)."""
        if not rows:
            return {}
        key = table[:-1]
        found = self.db.execute(f"SELECT {key}, exact, shingles FROM {table} WHERE {key} {_IN}",
                                (json.dumps(sorted(rows)),))
        return {r[0]: (r[1], np.frombuffer(r[2], dtype="<u8")) for r in found}

    def copies(self, table: str, hashes: set[int]) -> dict[int, list[StoredSegment]]:
        """Up to ``max_shingle_df`` stored copies (oldest first) of each exact hash."""
        key = table[:-1]
        extra = ", t.paragraph" if table == "sentences" else ""
        rows = self.db.execute(
            f"SELECT j.value, t.{key}, t.doc, t.ord, t.start, t.end, t.line{extra} FROM json_each(?) j "
            f"JOIN {table} t ON t.exact = j.value WHERE t.{key} IN "
            f"(SELECT {key} FROM {table} WHERE exact = j.value ORDER BY {key} "
            f"LIMIT {int(self.config.max_shingle_df)})",
            (json.dumps(sorted(hashes)),))
        out: dict[int, list[StoredSegment]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: r[1]):
            out[row[0]].append(StoredSegment(*row[1:]))
        return out

    def holders(self, table: str, hashes: Iterable[int], limit: int) -> dict[int, list[int]]:
        """Up to ``limit`` stored documents (oldest first) holding a compared paragraph or sentence (``table``)
        with each exact hash: boilerplate is judged on them."""
        compared = (f"words >= {int(self.config.min_words)}" if table == "paragraphs"
                    else f"length(shingles) >= {8 * int(self.config.partial_min_shared)}")
        out = {}
        for exact in hashes:
            rows = self.db.execute(f"SELECT DISTINCT doc FROM {table} WHERE exact = ? AND {compared} LIMIT ?",
                                   (exact, limit))
            out[exact] = [r[0] for r in rows]
        return out

    def compared_segments(self, docs: Iterable[int]) -> list[tuple[str, int, int, int]]:
        """``(table, doc, exact, characters)`` of the compared paragraphs and sentences of ``docs``."""
        listed = json.dumps(sorted(docs))
        return [("paragraphs", *row) for row in self.db.execute(
            f"SELECT doc, exact, end - start FROM paragraphs WHERE doc {_IN} AND words >= ?",
            (listed, int(self.config.min_words)))] + [("sentences", *row) for row in self.db.execute(
                f"SELECT doc, exact, end - start FROM sentences WHERE doc {_IN} AND length(shingles) >= ?",
                (listed, 8 * int(self.config.partial_min_shared)))]

    def exact_of(self, table: str, rows: Iterable[int]) -> dict[int, int]:
        """The exact hash of stored segments of ``table``, by row."""
        key = table[:-1]
        return dict(self.db.execute(f"SELECT {key}, exact FROM {table} WHERE {key} {_IN}",
                                    (json.dumps(sorted(set(rows))),)))

    def word_frequencies(self, words: np.ndarray, plus: int = 0) -> WordFrequencies:
        """The stored document frequencies of ``words`` (token hashes), each and the document count raised by
        ``plus`` (a checked text counts itself, as a scanned document does)."""
        distinct = np.unique(words)
        found = dict(self.db.execute(f"SELECT word, documents FROM words WHERE word {_IN}",
                                     (json.dumps(distinct.view(np.int64).tolist()),)).fetchall())
        counts = np.array([found.get(w, 0) for w in distinct.view(np.int64).tolist()], dtype=np.int64) + plus
        return WordFrequencies(distinct, counts, self.count("documents") + plus)

    def stored_texts(self, docs: list[int]) -> dict[int, str]:
        """The raw texts of stored documents (to quote and judge matched spans), each checked against its
        hash: neither SQLite check sees a damaged page inside a long text."""
        out = {}
        for doc, doc_id, text, digest in self.db.execute(
                f"SELECT doc, id, text, exact FROM documents WHERE doc {_IN}", (json.dumps(docs),)):
            if text_hash(text) != digest:
                raise IndexCorrupt(f"{self.path}: corrupt (the text of document {doc_id!r} does not match its hash)")
            out[doc] = text
        return out

    def metadata(self, docs: list[int]) -> dict[int, dict[str, Any] | None]:
        """The metadata of stored documents (a verdict reads their dates)."""
        return {doc: metadata_of(value) for doc, value in self.db.execute(
            f"SELECT doc, metadata FROM documents WHERE doc {_IN}", (json.dumps(docs),))}

    def described(self, docs: list[int]) -> dict[int, tuple[str, dict[str, Any] | None]]:
        """The id and metadata of stored documents."""
        return {doc: (doc_id, metadata_of(value)) for doc, doc_id, value in self.db.execute(
            f"SELECT doc, id, metadata FROM documents WHERE doc {_IN}", (json.dumps(docs),))}

    def headline_days(self, headline: str) -> tuple[int, set[int]]:
        """How many stored documents open with ``headline`` (masked), and the days they were written on."""
        rows = self.db.execute("SELECT day, count(*) FROM headlines WHERE headline = ? GROUP BY day",
                               (headline,)).fetchall()
        return sum(count for _, count in rows), {day for day, _ in rows if day is not None}

    def headlines(self, docs: list[int]) -> dict[int, tuple[str, int | None]]:
        """``doc -> (headline, day)`` of the stored documents ``docs`` that open with a headline."""
        return {doc: (headline, day) for doc, headline, day in self.db.execute(
            f"SELECT doc, headline, day FROM headlines WHERE doc {_IN}", (json.dumps(docs),))}

    def subject_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """How many stored documents hold each subject key (:func:`dedup.subjects.subject_keys`)."""
        return dict(self.db.execute(f"SELECT key, count(*) FROM subjects WHERE key {_IN} GROUP BY key",
                                    (json.dumps(sorted(keys)),)))

    def subject_holders(self, keys: Iterable[str]) -> list[int]:
        """The stored documents holding one of the subject ``keys``, in document order."""
        return [doc for (doc,) in self.db.execute(f"SELECT DISTINCT doc FROM subjects WHERE key {_IN} ORDER BY doc",
                                                  (json.dumps(sorted(keys)),))]

    def name_counts(self, names: Iterable[str]) -> dict[str, int]:
        """How many stored documents hold each of ``names`` (:func:`dedup.stories.document_names`)."""
        return dict(self.db.execute(f"SELECT name, count(*) FROM names WHERE name {_IN} GROUP BY name",
                                    (json.dumps(sorted(names)),)))

    def name_holders(self, names: Iterable[str], least: int) -> list[int]:
        """The stored documents holding at least ``least`` of ``names``, most names first (then in document order)."""
        return [doc for doc, _ in self.db.execute(
            f"SELECT doc, count(*) AS held FROM names WHERE name {_IN} GROUP BY doc HAVING held >= ? "
            "ORDER BY held DESC, doc", (json.dumps(sorted(names)), least))]

    def same_text(self, exact: int) -> list[int]:
        """Stored documents whose normalised text hashes to ``exact``."""
        return [r[0] for r in self.db.execute("SELECT doc FROM documents WHERE exact = ?", (exact,))]

    def compared_chars(self, docs: list[int]) -> dict[int, int]:
        return dict(self.db.execute(f"SELECT doc, chars FROM documents WHERE doc {_IN}", (json.dumps(docs),)))

    def texts(self, docs: list[int], read: Mapping[int, str] | None = None) -> dict[int, StoredText]:
        """The stored documents ``docs`` as a verdict quotes and measures them."""
        shingles: dict[int, list[np.ndarray]] = defaultdict(list)
        exact: dict[int, set[int]] = defaultdict(set)
        rows = self.db.execute(f"SELECT doc, words, exact, shingles FROM paragraphs WHERE doc {_IN}",
                               (json.dumps(docs),)).fetchall()
        compared = compared_paragraphs(np.array([r[1] for r in rows], dtype=np.int64), self.config).tolist()
        for (doc, _, h, blob), is_compared in zip(rows, compared):
            shingles[doc].append(np.frombuffer(blob, dtype="<u8"))
            if is_compared:
                exact[doc].add(h)
        read = read or {}
        texts = {**self.stored_texts([doc for doc in docs if doc not in read]), **read}
        out = {}
        for doc, doc_id, metadata in self.db.execute(f"SELECT doc, id, metadata FROM documents WHERE doc {_IN}",
                                                     (json.dumps(docs),)):
            sets = distinct(np.concatenate(shingles[doc])) if shingles[doc] else np.empty(0, dtype=np.uint64)
            out[doc] = StoredText(doc_id, metadata_of(metadata), texts[doc], sets, frozenset(exact[doc]))
        return out

    def document(self, doc_id: str) -> tuple[str, str, str | None, int] | None:
        """``(id, text, metadata JSON, paragraph count)`` of a stored document, or None."""
        return self.db.execute(
            "SELECT d.id, d.text, d.metadata, (SELECT count(*) FROM paragraphs p WHERE p.doc = d.doc) "
            "FROM documents d WHERE d.id = ?", (doc_id,)).fetchone()

    def ids(self, after: str | None, limit: int) -> list[str]:
        """Up to ``limit`` stored ids in id order (code point order, the unique index's), after ``after``."""
        rows = self.db.execute("SELECT id FROM documents WHERE id > ? ORDER BY id LIMIT ?",
                               ("" if after is None else after, limit))
        return [r[0] for r in rows]

    def doc_of(self, doc_id: str) -> int | None:
        row = self.db.execute("SELECT doc FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else int(row[0])

    def count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    # --- integrity -------------------------------------------------------------------------------


def metadata_of(value: str | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(value)


def sorted_member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin`` for a sorted ``sorted_set`` (binary search; numpy's hash-based isin is slower here)."""
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    position = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[position] == values


def distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting: numpy's default hash-based unique is 3x slower on these small arrays."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _ordinals(doc: np.ndarray) -> np.ndarray:
    """Position of each row within its document (rows are ordered by document)."""
    return np.arange(len(doc)) - np.searchsorted(doc, doc, side="left")


def _blobs(values: np.ndarray, offsets: np.ndarray, dtype: str) -> list[bytes]:
    data = values.astype(dtype, copy=False)
    return [data[offsets[i]:offsets[i + 1]].tobytes() for i in range(len(offsets) - 1)]
