"""Corrections in the index: a checked story whose headline says it corrects another is a version of the
stored story it corrects (:mod:`dedup.corrections`, the scan's rule), whatever the two share."""

import json
import sqlite3
import subprocess
import sys

import pytest

from dedup.corrections import is_correction
from dedup.index import Index, IndexVersionError
from tests.conftest import as_schema

GATEWAY = """PACIFIC GATEWAY PROPERTIES <PGP> 4TH QTR NET
SAN FRANCISCO, March 2 -
    Shr 41 cts vs 28 cts
    Net 2,184,000 vs 1,496,000
    Revs 18.6 mln vs 15.2 mln
    Year
    Shr 1.52 dlrs vs 1.07 dlrs
    Net 8,102,000 vs 5,704,000
    Revs 70.3 mln vs 61.8 mln
 Reuter
"""

# The same template, another company the same afternoon.
HARBOR = """HARBOR LIGHT REALTY <HLR> 4TH QTR NET
BOSTON, March 2 -
    Shr 33 cts vs 30 cts
    Net 1,210,000 vs 1,105,000
    Revs 9.4 mln vs 8.8 mln
    Year
    Shr 1.21 dlrs vs 1.12 dlrs
    Net 4,480,000 vs 4,150,000
    Revs 36.1 mln vs 33.9 mln
 Reuter
"""

# Re-sent the next morning with the fourth quarter's revenues reversed.
GATEWAY_CORRECTED = GATEWAY.replace("PACIFIC GATEWAY", "CORRECTED - PACIFIC GATEWAY").replace(
    "March 2", "March 3").replace("Revs 18.6 mln vs 15.2 mln", "Revs 15.2 mln vs 18.6 mln")

PIZZA = """NATIONAL PIZZA CO <PIZA> 4TH QTR NET
PITTSBURG, Kan., March 3 -
    Shr eight cts vs 10 cts
    Net 528,790 vs 640,112
    Revs 14.2 mln vs 12.9 mln
    Avg shrs 6,610,000 vs 6,402,000
 Reuter
"""

OVENS = """MIDLAND OVENS INC <MOVN> 4TH QTR NET
KANSAS CITY, March 3 -
    Shr nine cts vs seven cts
    Net 612,400 vs 455,300
    Revs 11.8 mln vs 10.6 mln
    Avg shrs 6,810,000 vs 6,500,000
 Reuter
"""

PIZZA_CORRECTS = """NATIONAL PIZZA <PIZA> CORRECTS NET
PITTSBURG, Kan., March 12 - National Pizza Co said it corrected its fourth quarter net to 485,380 dlrs
from 528,790 dlrs reported on March 3, after an error in the accrual of franchise fees.
    The company said revenues of 14.2 mln dlrs were as reported.
 Reuter
"""

MARKET = """WALL STREET STOCKS SLIDE IN LATE SELLING
NEW YORK, March 4 - Wall Street stocks slid in late trading as program sellers unloaded blue chips ahead
of the quarterly expiration of index options and futures, traders said.
    The Dow Jones industrial average fell 21.54 points to 2,237.05, after rising as much as 12 points in
the morning, and declines led advances by about seven to five on volume of 196 mln shares.
 Reuter
"""

# The next day's market report: its own words, a few names and figures of the day before.
MARKET_PULLBACK = """WALL STREET STOCKS IN DOWNWARD CORRECTION
NEW YORK, March 5 - Blue chips extended their downward correction on Thursday, with brokers blaming
program sellers and the coming expiration of options for a second day of losses.
    The Dow gave up another 18 points to 2,219 in light trade, having shed 21.54 points to 2,237.05 a day
earlier.
 Reuter
"""


def run_dedup(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dedup", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def stored(path, *stories: tuple[str, str, str]) -> Index:
    """An index holding ``(id, text, date)`` stories, added in one batch."""
    index = Index.create(path)
    index.add_many([(doc_id, text, {"date": date}) for doc_id, text, date in stories])
    return index


WIRE = (("gateway", GATEWAY, "2-MAR-1987 16:05:00.00"), ("harbor", HARBOR, "2-MAR-1987 16:20:00.00"),
        ("pizza", PIZZA, "3-MAR-1987 09:10:00.00"), ("ovens", OVENS, "3-MAR-1987 09:40:00.00"),
        ("market", MARKET, "4-MAR-1987 16:30:00.00"))
CHECKS = ((GATEWAY_CORRECTED, "3-MAR-1987 11:00:00.00"), (PIZZA_CORRECTS, "12-MAR-1987 10:00:00.00"),
          (MARKET_PULLBACK, "5-MAR-1987 16:30:00.00"))


def summary(found) -> tuple[str, str | None, bool]:
    return found.verdict, found.version_of, found.correction


def test_a_corrected_results_table_is_a_version_of_its_original_with_the_figures_it_reverses(tmp_path):
    with stored(tmp_path / "wire.dedup", *WIRE) as index:
        found = index.check(GATEWAY_CORRECTED, date="3-MAR-1987 11:00:00.00")
    assert summary(found) == ("near-duplicate", "gateway", True)
    shown = found.to_dict()
    assert (shown["version_of"], shown["correction"]) == ("gateway", True)
    assert [(f["a"], f["b"]) for f in shown["matches"][0]["changes"]["figures"]] == [
        ("March 2", "March 3"), ("Revs 18.6 mln", "Revs 15.2 mln"), ("Revs 15.2 mln", "Revs 18.6 mln")]


def test_a_company_notice_correcting_its_net_names_its_results_table_not_another_companys(tmp_path):
    """The notice shares no passage with the table it corrects, nine days before: what ties them is the
    ticker, the company's name and the net it quotes (528,790)."""
    with stored(tmp_path / "wire.dedup", *WIRE) as index:
        found = index.check(PIZZA_CORRECTS, date="12-MAR-1987 10:00:00.00")
        revised = index.check(PIZZA_CORRECTS.replace("CORRECTS", "REVISES"), date="12-MAR-1987 10:00:00.00")
    assert summary(found) == ("near-duplicate", "pizza", True)
    match = found.to_dict()["matches"][0]
    assert (match["id"], match["kind"], match["passages"]) == ("pizza", "version", [])
    assert [q["line"] for q in match["changes"]["added"]] == [2, 3, 4, 5]
    assert "485,380 dlrs" in match["changes"]["added"][0]["text"]
    assert summary(revised) == ("new", None, False)  # no headline says it corrects: nothing ties them


def test_a_story_older_than_the_correction_window_or_of_another_company_is_not_picked(tmp_path):
    with stored(tmp_path / "old.dedup", ("pizza", PIZZA, "3-FEB-1987 09:10:00.00"),
                ("ovens", OVENS, "3-MAR-1987 09:40:00.00")) as index:
        assert summary(index.check(PIZZA_CORRECTS, date="12-MAR-1987 10:00:00.00")) == ("new", None, False)
        assert summary(index.check(PIZZA_CORRECTS, date="3-MAR-1987 10:00:00.00")) == (
            "near-duplicate", "pizza", True)  # within the month
        assert summary(index.check(PIZZA_CORRECTS, date="2-FEB-1987 10:00:00.00")) == (
            "new", None, False)  # a correction never corrects a later story
        assert summary(index.check(PIZZA_CORRECTS)) == ("near-duplicate", "pizza", True)  # undated: no window
    with stored(tmp_path / "other.dedup", ("ovens", OVENS, "3-MAR-1987 09:40:00.00")) as index:
        assert summary(index.check(PIZZA_CORRECTS, date="12-MAR-1987 10:00:00.00")) == ("new", None, False)


def test_a_downward_correction_of_the_market_is_no_correction(tmp_path):
    assert is_correction(MARKET_PULLBACK.replace("WALL", "CORRECTED - WALL", 1))
    assert not is_correction(MARKET_PULLBACK)
    with stored(tmp_path / "wire.dedup", *WIRE) as index:
        pullback = index.check(MARKET_PULLBACK, date="5-MAR-1987 16:30:00.00")
        marked = index.check(MARKET_PULLBACK.replace("WALL", "CORRECTED - WALL", 1), date="5-MAR-1987 16:30:00.00")
    assert summary(pullback) == ("new", None, False)
    assert summary(marked) == ("near-duplicate", "market", True)  # the same story, if it said it corrects


def test_check_and_add_of_a_correction_names_its_original(tmp_path):
    with stored(tmp_path / "wire.dedup", *WIRE) as index:
        found = index.check_and_add("pizza-corrects", PIZZA_CORRECTS, {"date": "12-MAR-1987 10:00:00.00"})
        assert (*summary(found), found.added) == ("near-duplicate", "pizza", True, True)
        again = index.check(PIZZA_CORRECTS, date="12-MAR-1987 10:05:00.00")
    assert (again.verdict, again.duplicate_of, again.correction) == ("duplicate", "pizza-corrects", False)


def test_dedup_check_says_which_stored_story_a_correction_corrects(tmp_path):
    path = tmp_path / "wire.dedup"
    stored(path, *WIRE).close()
    notice = tmp_path / "notice.txt"
    notice.write_text(PIZZA_CORRECTS, encoding="utf-8")
    text = run_dedup("check", "--index", str(path), "--date", "12-MAR-1987 10:00:00.00", str(notice))
    assert text.returncode == 4 and text.stdout.splitlines()[0] == "near-duplicate (corrects pizza)"
    shown = run_dedup("check", "--index", str(path), "--format", "json", str(notice))
    assert json.loads(shown.stdout)["correction"] is True


def subject_rows(path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT s.key, d.id FROM subjects s JOIN documents d USING (doc) ORDER BY s.key, d.id").fetchall()
    db.close()
    return rows


def test_adds_fill_the_subjects_table_and_removals_clear_it(tmp_path):
    path = tmp_path / "wire.dedup"
    with stored(path, *WIRE[:4]) as index:
        index.add("market", MARKET)
        assert [key for key, doc_id in subject_rows(path) if doc_id == "pizza"] == [
            "4th qtr", "<piza>", "co 4th", "national pizza", "pizza co", "qtr net"]
        assert ("wall street", "market") in subject_rows(path)
        index.remove("pizza")
        assert [doc_id for _, doc_id in subject_rows(path) if doc_id == "pizza"] == []
        assert index.stats(verify=True)["ok"]
        index._db.execute("DELETE FROM subjects WHERE key = '<hlr>'")
        assert index.stats(verify=True)["problems"] == ["subject keys that do not match the stored texts"]


def test_an_index_upgraded_from_schema_4_holds_the_subjects_and_gives_a_fresh_ones_verdicts(tmp_path):
    fresh, old = tmp_path / "fresh.dedup", tmp_path / "old.dedup"
    stored(fresh, *WIRE).close()
    stored(old, *WIRE).close()
    as_schema(old, 4)
    with pytest.raises(IndexVersionError, match="schema version 4 is older"):
        Index.open(old)
    assert Index.upgrade(old) == 4
    assert subject_rows(old) == subject_rows(fresh) and len(subject_rows(old)) == 30
    verdicts = []
    for path in (fresh, old):
        with Index.open(path) as index:
            assert index.stats(verify=True)["ok"]
            verdicts.append([index.check(text, date=date).to_dict() for text, date in CHECKS])
    for verdict in verdicts[0] + verdicts[1]:
        verdict["stats"].pop("seconds")
    assert verdicts[0] == verdicts[1]
    assert [(v["verdict"], v["version_of"], v["correction"]) for v in verdicts[1]][:2] == [
        ("near-duplicate", "gateway", True), ("near-duplicate", "pizza", True)]
