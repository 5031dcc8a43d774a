"""The index file's integrity and consistency: what ``Index.stats(verify=True)`` reports, every table checked
against the others and against the stored texts (band keys, postings, canonical copies, word counts,
headlines, subject keys, names)."""

from __future__ import annotations

import sqlite3

import numpy as np

from dedup.index.batch import text_hash
from dedup.index.schema import (
    INT64,
    pragma_problems,
    stored_headlines,
    stored_names,
    stored_subjects,
    stored_word_counts,
)
from dedup.index.store import Store, sorted_member


def problems(store: Store) -> tuple[dict[str, int], list[str]]:
    """Counts of band keys, postings and stock lists, and the file's integrity and consistency problems
    (empty when sound)."""
    db, config = store.db, store.config
    counts = {"bands": store.count("bands")}
    counts["postings"], counts["stock"] = db.execute(
        "SELECT coalesce(sum(length(sentences)), 0) / 8, count(*) - count(sentences) FROM postings").fetchone()
    found = [f"integrity_check: {p}" for p in pragma_problems(db, "integrity_check(20)")]
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
            f"% 8 != 0 OR length(sentences) NOT BETWEEN 8 AND {8 * int(config.max_shingle_df)}",
        "paragraph texts without exactly one canonical copy":
            "SELECT count(*) FROM (SELECT exact FROM paragraphs WHERE words >= "
            f"{int(config.min_words)} GROUP BY exact HAVING sum(canonical) != 1)",
        "sentence texts without exactly one canonical copy":
            f"SELECT count(*) FROM (SELECT exact FROM sentences WHERE length(shingles) >= "
            f"{8 * int(config.partial_min_shared)} GROUP BY exact HAVING sum(canonical) != 1)",
    }
    for problem, sql in queries.items():
        count = db.execute(sql).fetchone()[0]
        if count:
            found.append(f"{count} {problem}")
    orphans = _orphan_postings(db)
    if orphans:
        found.append(f"{orphans} postings of missing or non-canonical sentences")
    damaged = sum(text_hash(text) != digest for text, digest in db.execute("SELECT text, exact FROM documents"))
    if damaged:
        found.append(f"{damaged} documents whose text does not match its hash")
    elif db.execute("SELECT word, documents FROM words ORDER BY word").fetchall() != stored_word_counts(db):
        found.append("word counts that do not match the stored texts")  # (damaged texts explain them)
    elif (db.execute("SELECT doc, headline, day FROM headlines ORDER BY doc").fetchall()
          != stored_headlines(db, config.date_field)):
        found.append("headlines that do not match the stored texts and dates")
    elif db.execute("SELECT key, doc FROM subjects ORDER BY key, doc").fetchall() != stored_subjects(db):
        found.append("subject keys that do not match the stored texts")
    elif db.execute("SELECT name, doc FROM names ORDER BY name, doc").fetchall() != stored_names(db):
        found.append("names that do not match the stored texts")
    canonical = db.execute("SELECT count(*) FROM paragraphs WHERE canonical = 1").fetchone()[0]
    if counts["bands"] != canonical * store.bands:
        found.append(f"{counts['bands']} band keys for {canonical} canonical paragraphs x {store.bands} bands")
    return counts, found

def _orphan_postings(db: sqlite3.Connection) -> int:
    """Postings whose sentence is gone or not canonical (the lists are BLOBs, so SQL cannot join them)."""
    canonical = np.fromiter((r[0] for r in db.execute(
        "SELECT sentence FROM sentences WHERE canonical = 1 ORDER BY sentence")), dtype=np.int64)
    lists = db.execute("SELECT sentences FROM postings WHERE sentences IS NOT NULL")
    orphans = 0
    for chunk in iter(lambda: lists.fetchmany(100_000), []):
        blobs = (r[0] for r in chunk if isinstance(r[0], bytes) and len(r[0]) % 8 == 0)  # others: see above
        orphans += int((~sorted_member(np.frombuffer(b"".join(blobs), dtype=INT64), canonical)).sum())
    return orphans
