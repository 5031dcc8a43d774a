"""Posting lists (schema 2 on): what they hold after adds and removals, and the upgrades from schemas 1 and 2."""

import sqlite3
from collections import defaultdict

import numpy as np
import pytest

from dedup.index import SCHEMA_VERSION, Index, IndexVersionError
from tests.conftest import as_schema, seed
from tests.test_index import WORDS, index_cli, seed_text, synthetic

COMMON = "officials said on tuesday that the talks would resume next week in the capital"


def articles(count):
    """Short articles that share one stock sentence, so small ``max_shingle_df`` values make stock."""
    return [(f"s{k}", f"{synthetic(k, 2)} {COMMON} {WORDS[k]} {WORDS[k + 1]}.") for k in range(count)]


def stored_lists(index):
    """``shingle -> sorted sentence rows`` (None for stock) as the index holds them."""
    return {shingle: None if blob is None else sorted(np.frombuffer(blob, dtype="<i8").tolist())
            for shingle, blob in index._db.execute("SELECT shingle, sentences FROM postings")}


def expected_lists(index):
    """The same, derived from the sentences table: every shingle of a canonical sentence of at least
    ``partial_min_shared`` shingles, and a shingle held by more than ``max_shingle_df`` of them is stock."""
    lists = defaultdict(list)
    for sentence, blob in index._db.execute("SELECT sentence, shingles FROM sentences WHERE canonical = 1 "
                                            "AND length(shingles) >= ? ORDER BY sentence",
                                            (8 * index.config.partial_min_shared,)):
        for shingle in np.frombuffer(blob, dtype="<i8").tolist():
            lists[shingle].append(sentence)
    return {s: None if len(rows) > index.config.max_shingle_df else rows for s, rows in lists.items()}


def test_posting_lists_follow_adds_and_removals(tmp_path):
    with Index.create(tmp_path / "lists.dedup", max_shingle_df=3) as index:
        index.add_many(articles(3), batch_size=2)
        assert stored_lists(index) == expected_lists(index)
        assert None not in stored_lists(index).values()  # three sentences share COMMON: not over 3 yet

        index.add_many(articles(6)[3:])
        lists = stored_lists(index)
        assert lists == expected_lists(index)
        stock = {s for s, rows in lists.items() if rows is None}
        assert stock and index.stats(verify=True)["stock"] == len(stock)

        index.add("copy", dict(articles(1))["s0"])  # the same sentences as s0: no postings of its own
        assert stored_lists(index) == lists
        index.remove("s0")  # its sentences hand their postings on to the copy's
        assert stored_lists(index) == expected_lists(index)
        index.remove("s4")
        index.remove("s5")
        after = stored_lists(index)
        assert {s for s, rows in after.items() if rows is None} == stock  # stock stays stock
        live = {s: rows for s, rows in expected_lists(index).items() if s not in stock}
        assert {s: rows for s, rows in after.items() if rows is not None} == live  # emptied lists are gone
        assert index.stats(verify=True)["ok"]


def test_verify_finds_a_posting_of_a_missing_sentence(tmp_path):
    with Index.create(tmp_path / "orphan.dedup") as index:
        index.add_many(articles(2))
        shingle, blob = index._db.execute("SELECT shingle, sentences FROM postings LIMIT 1").fetchone()
        index._db.execute("UPDATE postings SET sentences = ? WHERE shingle = ?",
                          (blob + np.array([10 ** 9], dtype="<i8").tobytes(), shingle))
        stats = index.stats(verify=True)
    assert not stats["ok"] and "1 postings of missing or non-canonical sentences" in stats["problems"]


SCHEMA_1_POSTINGS = """
CREATE TABLE postings_1 (shingle INTEGER NOT NULL, sentence INTEGER NOT NULL, PRIMARY KEY (shingle, sentence))
    WITHOUT ROWID;
CREATE TABLE stock (shingle INTEGER PRIMARY KEY) WITHOUT ROWID;
"""


def to_schema_1(path):
    """Rewrite an index's posting lists as schema 1 had them: one row per posting, stock in its own table."""
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_1_POSTINGS)
        for shingle, blob in db.execute("SELECT shingle, sentences FROM postings").fetchall():
            if blob is None:
                db.execute("INSERT INTO stock VALUES (?)", (shingle,))
            else:
                db.executemany("INSERT INTO postings_1 VALUES (?, ?)",
                               [(shingle, s) for s in np.frombuffer(blob, dtype="<i8").tolist()])
        db.execute("DROP TABLE postings")
        db.execute("ALTER TABLE postings_1 RENAME TO postings")
    db.close()
    as_schema(path, 1)


def test_a_schema_1_index_is_refused_then_upgraded(tmp_path):
    path = tmp_path / "old.dedup"
    edited = seed_text("001").replace("31 civilians", "18 civilians")
    with Index.create(path, max_shingle_df=2) as index:
        index.add_many([(seed(p), seed_text(p)) for p in ("000", "001", "002")] + articles(4))
        before = [index.check(text).to_dict() for text in (edited, seed_text("003"), articles(5)[4][1])]
        lists, counts = stored_lists(index), index.stats(verify=True)
    assert None in lists.values()
    to_schema_1(path)

    with pytest.raises(IndexVersionError, match=rf"schema version 1 is older than this dedup's \({SCHEMA_VERSION}\); "
                                                rf"upgrade it with `dedup index upgrade {path}`"):
        Index.open(path)
    result = index_cli("upgrade", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"upgraded {path} from schema version 1 to {SCHEMA_VERSION}"

    with Index.open(path) as index:
        assert stored_lists(index) == lists
        after = [index.check(text).to_dict() for text in (edited, seed_text("003"), articles(5)[4][1])]
        stats = index.stats(verify=True)
    for verdict in before + after:
        verdict["stats"].pop("seconds")
    assert after == before and before[0]["verdict"] == "near-duplicate"
    assert stats["ok"], stats["problems"]
    assert {k: stats[k] for k in ("postings", "stock")} == {k: counts[k] for k in ("postings", "stock")}
    assert Index.upgrade(path) == SCHEMA_VERSION  # nothing left to do
    assert index_cli("upgrade", str(path)).stdout.strip() == f"{path} is already at schema version {SCHEMA_VERSION}"


def test_a_schema_2_index_is_upgraded_to_compared_characters_and_word_counts(tmp_path):
    """Schema 2 counted every paragraph in ``documents.chars``; 3 counts the compared ones (at least
    ``min_words`` words), as the scan's document view does, so a short heading no longer dilutes a share,
    and counts the documents holding each word (the evidence rule)."""
    path = tmp_path / "two.dedup"
    stored = "SHORT HEADING\n\n" + seed_text("000")
    with Index.create(path) as index:
        index.add("000", stored)
        before = index.check(seed_text("000")).to_dict()
        compared = index._db.execute("SELECT chars FROM documents").fetchone()[0]
        words = index._db.execute("SELECT word, documents FROM words ORDER BY word").fetchall()
    with sqlite3.connect(path) as db:
        every = db.execute("SELECT sum(end - start) FROM paragraphs").fetchone()[0]
    db.close()
    as_schema(path, 2, f"UPDATE documents SET chars = {every}")
    assert every == compared + len("SHORT HEADING")

    with pytest.raises(IndexVersionError, match="schema version 2 is older"):
        Index.open(path)
    assert Index.upgrade(path) == 2
    with Index.open(path) as index:
        assert index._db.execute("SELECT chars FROM documents").fetchone()[0] == compared
        assert index._db.execute("SELECT word, documents FROM words ORDER BY word").fetchall() == words
        after = index.check(seed_text("000")).to_dict()
        assert index.stats(verify=True)["ok"]
    for verdict in (before, after):
        verdict["stats"].pop("seconds")
    assert after == before
    assert before["matches"][0]["stored_in_incoming"] == 1.0  # the heading is not part of the share
