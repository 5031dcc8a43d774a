import dataclasses
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest

from dedup.config import ScanConfig
from dedup.index import (
    DocumentExists,
    DocumentNotFound,
    Index,
    IndexCorrupt,
    IndexFileError,
    IndexMismatch,
    IndexVersionError,
)
from dedup.index.schema import CONFIG_FIELDS
from tests.conftest import FIXTURES, ROOT, SAMPLE, seed

WORDS = [f"{c}{v}{e}" for c in "bdfgklmnprstvz" for v in "aeiou" for e in ("n", "r", "s", "t", "lo")]


def seed_text(prefix: str) -> str:
    return (SAMPLE / seed(prefix)).read_text(encoding="utf-8")


def synthetic(k: int, paragraphs: int = 3) -> str:
    """An article of made-up words, different for every ``k``."""
    rng = random.Random(k)
    return "\n".join(" ".join(" ".join(rng.choices(WORDS, k=12)).capitalize() + "." for _ in range(3))
                     for _ in range(paragraphs))


def index_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``dedup index ...`` in a fresh process."""
    return subprocess.run([sys.executable, "-m", "dedup", "index", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "news.dedup"


@pytest.fixture
def seeded(path):
    with Index.create(path) as index:
        index.add(seed("000"), seed_text("000"), {"outlet": "a"})
        index.add(seed("001"), seed_text("001"), {"outlet": "b"})
    return path


def test_seeds_one_by_one(path):
    with Index.create(path) as index:
        first = index.check_and_add(seed("000"), seed_text("000"), {"outlet": "a"})
        assert (first.verdict, first.added, first.matches) == ("new", True, ())

        second = index.check_and_add(seed("001"), seed_text("001"))
        assert second.verdict == "partial-reuse" and second.added
        [match] = second.matches
        assert (match.id, match.relation, match.metadata) == (seed("000"), "partial-reuse", {"outlet": "a"})
        assert {p.kind for p in match.passages} == {"partial"}
        reused = " ".join(p.incoming.text for p in match.passages)
        assert "Videos shared on social media" in reused
        assert "proscribed Baloch Liberation Army" in reused
        videos = next(p for p in match.passages if p.incoming.text.startswith("Videos shared"))
        assert videos.stored.text.startswith("Videos shared on social media show insurgents roaming")
        assert seed_text("000")[videos.stored.start:videos.stored.end] == videos.stored.text
        assert videos.stored.line == 4 and videos.diff is not None
        # the same figures as the scan's document view of these two seeds
        assert match.incoming_in_stored == pytest.approx(0.1454, abs=1e-4)
        assert match.stored_in_incoming == pytest.approx(0.2034, abs=1e-4)
        assert 0 < match.similarity < 0.1

        again = index.check(seed_text("000"))
        assert again.verdict == "duplicate"
        assert (again.matches[0].id, again.matches[0].relation) == (seed("000"), "duplicate")
        assert again.matches[0].similarity == again.matches[0].incoming_in_stored == 1.0
        assert {p.kind for p in again.matches[0].passages} == {"exact"}
        assert [m.relation for m in again.matches[1:]] == ["partial-reuse"]

        edited = seed_text("001").replace("31 civilians", "18 civilians")
        assert edited != seed_text("001")
        near = index.check(edited)
        assert near.verdict == "near-duplicate"
        assert (near.matches[0].id, near.matches[0].relation) == (seed("001"), "near-duplicate")
        figures = near.to_dict()["matches"][0]["changes"]["figures"]
        assert any(f["change"] == "changed" and "31" in f["a"] and "18" in f["b"] for f in figures)
        [changed] = [p for p in near.matches[0].passages if p.kind == "near"]
        assert "18 civilians" in changed.incoming.text and "31 civilians" in changed.stored.text
        assert len(index) == 2


def test_verdict_json_round_trips(seeded):
    with Index.open(seeded) as index:
        verdict = index.check(seed_text("001").replace("31 civilians", "18 civilians"))
    data = json.loads(json.dumps(verdict.to_dict()))
    assert data["verdict"] == "near-duplicate"
    match = data["matches"][0]
    assert set(match) == {"id", "metadata", "relation", "kind", "similarity", "incoming_in_stored",
                          "stored_in_incoming", "changes", "passages"}
    assert match["kind"] == "version"
    near = next(p for p in match["passages"] if p["kind"] == "near")
    assert set(near["incoming"]) == {"line", "end_line", "start", "end", "text"}
    assert near["diff"]["figures"][0]["change"] == "changed" and near["diff"]["ops"]


def test_check_and_add_does_not_store_a_duplicate(seeded):
    with Index.open(seeded) as index:
        verdict = index.check_and_add("copy", seed_text("000"))
        assert (verdict.verdict, verdict.id, verdict.added) == ("duplicate", "copy", False)
        assert "copy" not in index and len(index) == 2
        with pytest.raises(DocumentExists, match="001"):
            index.check_and_add(seed("001"), "anything at all in here")


def test_check_and_add_is_atomic_across_connections(path):
    Index.create(path).close()
    text = synthetic(1)
    results = []

    def writer(k):
        with Index.open(path, quick_check=False) as index:
            results.append(index.check_and_add(f"w{k}", text).verdict)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["duplicate", "duplicate", "duplicate", "new"]
    with Index.open(path) as index:
        assert len(index) == 1


def test_unrelated_text_is_new(seeded):
    with Index.open(seeded) as index:
        verdict = index.check((FIXTURES / "articles" / "unrelated_library.txt").read_text(encoding="utf-8"))
    assert (verdict.verdict, verdict.matches) == ("new", ())


def test_empty_text_and_bad_items_are_refused(seeded):
    with Index.open(seeded) as index:
        with pytest.raises(ValueError, match="text is empty"):
            index.check(" \n ")
        with pytest.raises(ValueError, match="document id"):
            index.add("", "some text here")
        with pytest.raises(ValueError, match="not JSON"):
            index.add("x", "some text here", {"when": object()})


def test_parameters_are_stored_and_checked(path):
    Index.create(path, threshold=0.8, num_perm=64).close()
    with Index.open(path, threshold=0.8) as index:
        assert index.config.num_perm == 64 and index.params["threshold"] == 0.8
        assert index.params["bands"] * index.params["rows"] <= 64
    with pytest.raises(IndexMismatch, match=r"^threshold: index has 0.8, asked for 0.9$"):
        Index.open(path, threshold=0.9)
    with pytest.raises(IndexMismatch, match="threshold: index has 0.8, asked for 0.7; num_perm: index has 64"):
        Index.open(path, threshold=0.7, num_perm=128)
    with pytest.raises(ValueError, match="unknown index parameter 'bogus'"):
        Index.open(path, bogus=1)


def test_every_matching_parameter_is_stored():
    """A new ScanConfig field must be stored with the index, or named here as not changing a check."""
    fields = {f.name for f in dataclasses.fields(ScanConfig)}
    assert fields - set(CONFIG_FIELDS) == {"workers", "diffs", "figure_groups"}


def test_create_refuses_an_existing_file(seeded):
    with pytest.raises(IndexFileError, match="already exists"):
        Index.create(seeded)


def test_newer_schema_is_refused(seeded):
    with sqlite3.connect(seeded) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(IndexVersionError, match="schema version 99 is newer than this dedup supports"):
        Index.open(seeded)


@pytest.mark.parametrize("content", [b"", b"just some text, not a database\n" * 10])
def test_a_file_that_is_not_sqlite_is_refused(tmp_path, content):
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    with pytest.raises(IndexCorrupt, match=r"not a dedup index \(not an SQLite database\)$"):
        Index.open(path)


def test_an_sqlite_file_that_is_not_an_index_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    db.close()
    with pytest.raises(IndexCorrupt, match=r"not a dedup index \(no meta table\)"):
        Index.open(path)


def test_missing_file(tmp_path):
    with pytest.raises(IndexFileError, match="no such index file"):
        Index.open(tmp_path / "missing.dedup")


def test_truncated_file_is_refused(seeded):
    size = seeded.stat().st_size
    os.truncate(seeded, size // 2)
    with pytest.raises(IndexCorrupt, match=r"truncated \(\d+ bytes, the header says \d+\)"):
        Index.open(seeded)


def test_damaged_pages_are_refused_on_open_and_by_verify(seeded):
    with seeded.open("r+b") as handle:
        handle.seek(seeded.stat().st_size // 2)
        handle.write(b"\xff" * 8192)
    with pytest.raises(IndexCorrupt) as caught:
        Index.open(seeded)
    assert "corrupt" in str(caught.value) and "\n" not in str(caught.value)
    result = index_cli("stats", str(seeded), "--verify")
    assert result.returncode == 1 and "corrupt" in result.stderr and "Traceback" not in result.stderr


def test_get_remove_replace(seeded):
    with Index.open(seeded) as index:
        stored = index.get(seed("000"))
        assert stored is not None and stored.text == seed_text("000") and stored.metadata == {"outlet": "a"}
        assert stored.paragraphs == 15 and index.get("nope") is None
        with pytest.raises(DocumentExists, match="000"):
            index.add(seed("000"), "other text entirely here")
        index.remove(seed("000"))
        assert seed("000") not in index and len(index) == 1
        assert index.check(seed_text("000")).verdict == "partial-reuse"  # only 001's reuse of it is left
        with pytest.raises(DocumentNotFound, match="nope"):
            index.remove("nope")
        index.add(seed("001"), seed_text("000"), replace=True)
        assert index.get(seed("001")).text == seed_text("000")
        verdict = index.check(seed_text("000"))
        assert [(m.id, m.relation) for m in verdict.matches] == [(seed("001"), "duplicate")]
        stats = index.stats(verify=True)
    assert stats["ok"], stats["problems"]
    assert (stats["documents"], stats["paragraphs"]) == (1, 15)


def test_removing_the_first_copy_hands_its_keys_to_the_next(path):
    text = seed_text("000")
    with Index.create(path) as index:
        index.add("a", text)
        index.add("b", text)  # add() stores duplicates too: only check_and_add skips them
        index.add("c", seed_text("001"))
        index.remove("a")
        verdict = index.check(text.replace("31 civilians", "18 civilians"))
        assert [(m.id, m.relation) for m in verdict.matches][:1] == [("b", "near-duplicate")]
        assert index.check(seed_text("001")).matches[1].id == "b"  # partial reuse still found via b's postings
        stats = index.stats(verify=True)
    assert stats["ok"], stats["problems"]


def test_add_many_commits_one_transaction_per_batch(path):
    done = []
    with Index.create(path) as index:
        items = [(f"d{k}", synthetic(k), {"k": k}) for k in range(25)]
        assert index.add_many(items, batch_size=10, progress=done.append) == 25
        assert done == [10, 20, 25]
        later = [(f"e{k}", synthetic(100 + k)) for k in range(10)] + [("d3", synthetic(3))]
        with pytest.raises(DocumentExists, match="'d3'"):
            index.add_many(later, batch_size=10)
        assert len(index) == 35  # the first batch of ten committed, the failing one rolled back
        assert index.get("d7").metadata == {"k": 7}
        with pytest.raises(DocumentExists, match="appears twice"):
            index.add_many([("x", "one text here"), ("x", "two text here")])
        assert index.stats(verify=True)["ok"]


def test_stock_shingles_leave_the_postings(path):
    with Index.create(path, max_shingle_df=2) as index:
        common = "officials said on tuesday that the talks would resume next week in the capital"
        index.add_many([(f"s{k}", f"{synthetic(k, 1)} {common} {WORDS[k]} {WORDS[k + 1]}.") for k in range(4)])
        stats = index.stats(verify=True)
        assert stats["ok"], stats["problems"]
        assert stats["stock"] > 0
        assert index._db.execute("SELECT max(length(sentences)) FROM postings").fetchone()[0] <= 2 * 8
        index.remove("s0")
        after = index.stats(verify=True)
        assert after["ok"] and after["stock"] == stats["stock"]  # a stock phrase stays stock


CHILD = textwrap.dedent("""
    import sys
    from dedup.index import Index
    from tests.test_index import synthetic

    index = Index.open(sys.argv[1])
    batch = int(sys.argv[2])
    # "commit" is printed when COMMIT starts, the count once it has returned: a kill between the two is
    # the only moment the test cannot know whether the batch is in.
    index._db.set_trace_callback(lambda sql: sql == "COMMIT" and print("commit", flush=True))
    index.add_many(((f"doc{k}", synthetic(k)) for k in range(100_000)), batch_size=batch,
                   progress=lambda stored: print(stored, flush=True))
""")


def test_sigkill_mid_batch_loses_nothing_committed(tmp_path):
    batch = 40
    for run in range(5):
        path = tmp_path / f"killed{run}.dedup"
        Index.create(path).close()
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(batch)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True)
        lines = []
        while len([x for x in lines if x != "commit"]) < 3:
            line = child.stdout.readline().strip()
            assert line, "the child stopped before committing three batches"
            lines.append(line)
        threading.Event().wait(random.Random(run).uniform(0.0, 0.05))
        child.send_signal(signal.SIGKILL)
        lines += child.stdout.read().split()
        child.wait()
        assert child.returncode == -signal.SIGKILL
        committed = [int(x) for x in lines if x != "commit"]
        result = index_cli("stats", str(path), "--verify")
        assert result.returncode == 0, result.stderr
        stats = json.loads(result.stdout)
        assert stats["ok"] and stats["documents"] % batch == 0
        if lines[-1] == "commit":  # killed inside COMMIT: either outcome is atomic, try another moment
            assert stats["documents"] in (committed[-1], committed[-1] + batch)
            continue
        assert stats["documents"] == committed[-1] == len(committed) * batch
        return
    pytest.fail("every kill landed inside COMMIT")


WARM = textwrap.dedent("""
    import sys
    from dedup import verify
    from dedup.index import Index

    index = Index.open(sys.argv[1])
    before = len(verify._intersections.signatures)
    index.warm_up()
    warm = len(verify._intersections.signatures)
    verdict = index.check(open(sys.argv[2], encoding="utf-8").read())  # verifies candidates
    print(before, warm, len(verify._intersections.signatures), verdict.verdict)
""")


def test_warm_up_loads_the_verification_loop_a_check_uses(seeded, tmp_path):
    """The first check that finds candidates must not compile or load anything: warm_up() has loaded the
    verification loop for the very argument types a check passes it."""
    edited = tmp_path / "edited.txt"
    edited.write_text(seed_text("001").replace("31 civilians", "18 civilians"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", WARM, str(seeded), str(edited)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "1", "1", "near-duplicate"]


def test_check_and_add_retried_with_the_same_text_gives_the_stored_verdict(seeded):
    with Index.open(seeded) as index:
        edited = seed_text("001").replace("31 civilians", "18 civilians")
        first = index.check_and_add("wire-9", edited)
        assert (first.verdict, first.added, first.matches[0].id) == ("near-duplicate", True, seed("001"))
        again = index.check_and_add("wire-9", edited, {"retry": 1})
        assert (again.verdict, again.added, again.id) == ("near-duplicate", False, "wire-9")
        assert [m.id for m in again.matches] == [m.id for m in first.matches]  # not a duplicate of itself
        assert again.matches[0].similarity == first.matches[0].similarity
        assert len(index) == 3 and index.get("wire-9").metadata is None  # nothing changed
        with pytest.raises(DocumentExists, match="wire-9"):
            index.check_and_add("wire-9", edited + "\nA line added later.")
        assert index.get("wire-9").text == edited
        assert index.stats(verify=True)["ok"]


def test_check_and_add_replace_swaps_the_stored_text(seeded):
    with Index.open(seeded) as index:
        replaced = index.check_and_add(seed("000"), synthetic(7), {"v": 2}, replace=True)
        assert (replaced.verdict, replaced.added) == ("new", True)
        assert index.get(seed("000")).text == synthetic(7) and index.get(seed("000")).metadata == {"v": 2}
        assert index.check(seed_text("000")).verdict != "duplicate"  # the old text is gone
        assert len(index) == 2 and index.stats(verify=True)["ok"]


def test_ids_are_listed_in_pages_in_code_point_order(path):
    ids = ["b", "a/2024/x.txt", "https://example.com/a?b=1", "Zürich", "a b", "日本"]
    with Index.create(path) as index:
        index.add_many((doc_id, synthetic(k)) for k, doc_id in enumerate(ids))
        assert index.ids() == sorted(ids)
        pages, after = [], None
        while page := index.ids(after=after, limit=4):
            pages.append(page)
            after = page[-1]
        assert pages == [sorted(ids)[:4], sorted(ids)[4:]]
        assert index.ids(after="b", limit=10) == ["https://example.com/a?b=1", "日本"]
