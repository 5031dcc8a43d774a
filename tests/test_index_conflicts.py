"""A check's conflicting reports: stored reports of the incoming story's event that share no passage with it
(distinctive names in common, within the scan's window) and give other counts of it."""

import sqlite3

import pytest

from dedup.index import Index, IndexVersionError
from tests.conftest import SAMPLE, as_schema, seed

QUETTA = """GUNMEN KILL 12 IN QUETTA MARKET
QUETTA, March 4 - Gunmen killed at least 12 people in a market in Quetta on Tuesday, officials of the
Balochistan government said. The Baloch Liberation Army claimed the attack.
"""
KARACHI = """BALOCHISTAN TOLL RISES
KARACHI, March 5 - Provincial officials in Balochistan said 19 people were killed in Tuesday's attack on a
market in Quetta. The Baloch Liberation Army said it carried out the assault.
"""
RUPEE = """PAKISTAN RUPEE STEADY
KARACHI, March 5 - The rupee was steady against the dollar, dealers said, with the State Bank holding rates.
"""


def seed_text(prefix: str) -> str:
    return (SAMPLE / seed(prefix)).read_text(encoding="utf-8")


def counts_and_values(report) -> list[tuple[str, list[str]]]:
    return [(c.counts, [v.value for v in c.values]) for c in report.conflicts]


def test_a_report_of_the_event_that_reuses_no_sentence_names_the_stored_reports_and_their_counts(tmp_path):
    from dedup.service import VerdictModel

    with Index.create(tmp_path / "seeds.dedup") as index:
        index.add_many([(seed(prefix), seed_text(prefix)) for prefix in ("000", "001", "002")])
        found = index.check(seed_text("003"))
    assert found.verdict == "new" and found.matches == ()
    assert [report.id for report in found.conflicting_reports] == [seed("000"), seed("001"), seed("002")]
    assert {"balochistan", "bla", "quetta"} <= set(found.conflicting_reports[0].names)
    assert counts_and_values(found.conflicting_reports[0]) == [("security personnel killed", ["17", "15"]),
                                                       ("civilians killed", ["31", "18"])]
    assert ("militants killed", ["145", "92"]) in counts_and_values(found.conflicting_reports[1])
    data = found.to_dict()
    assert data["conflicting_reports"][0]["conflicts"][0]["values"][1] == {
        "value": "15", "sides": ["incoming"],
        "text": "The military reported that 15 security service personnel and 18 civilians were also killed, "
                "alleging India's support for the militants, a claim that Delhi has repeatedly denied."}
    assert VerdictModel.model_validate(data).model_dump(exclude_unset=True) == data


def test_a_stored_story_the_verdict_names_is_not_also_a_conflicting_report(tmp_path):
    with Index.create(tmp_path / "seeds.dedup") as index:
        index.add(seed("000"), seed_text("000"))
        found = index.check(seed_text("001"))
    assert found.verdict == "partial-reuse" and [m.id for m in found.matches] == [seed("000")]
    assert found.conflicting_reports == ()


@pytest.mark.parametrize(("checked_on", "named"), [("5-MAR-1987 09:00:00.00", ["quetta"]),
                                                   ("9-MAR-1987 09:00:00.00", [])])
def test_a_report_of_another_week_is_of_another_event(tmp_path, checked_on, named):
    with Index.create(tmp_path / "wire.dedup") as index:
        index.add_many([("quetta", QUETTA, {"date": "4-MAR-1987 15:00:00.00"}),
                        ("rupee", RUPEE, {"date": "5-MAR-1987 08:00:00.00"})])
        found = index.check(KARACHI, date=checked_on)
    assert found.verdict == "new"
    assert [report.id for report in found.conflicting_reports] == named
    if named:
        assert found.conflicting_reports[0].names == ("army", "baloch", "liberation", "quetta")
        assert counts_and_values(found.conflicting_reports[0]) == [("people killed", ["12", "19"])]


def test_a_report_of_the_same_names_that_gives_the_same_counts_is_not_named(tmp_path):
    with Index.create(tmp_path / "wire.dedup") as index:
        index.add("quetta", QUETTA.replace("12", "19"))
        assert index.check(KARACHI).conflicting_reports == ()


def name_rows(path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        found = db.execute("SELECT n.name, d.id FROM names n JOIN documents d USING (doc) "
                           "ORDER BY n.name, d.id").fetchall()
    db.close()
    return found


def test_adds_fill_the_names_table_removals_clear_it_and_the_integrity_check_reads_it(tmp_path):
    path = tmp_path / "wire.dedup"
    with Index.create(path) as index:
        index.add_many([("quetta", QUETTA), ("rupee", RUPEE)])
        assert name_rows(path) == [("army", "quetta"), ("baloch", "quetta"), ("bank", "rupee"),
                                   ("liberation", "quetta"), ("quetta", "quetta"), ("state", "rupee")]
        index.remove("rupee")
        assert {doc_id for _, doc_id in name_rows(path)} == {"quetta"}
        assert index.stats(verify=True)["ok"]
        index._db.execute("DELETE FROM names WHERE name = 'baloch'")
        assert index.stats(verify=True)["problems"] == ["names that do not match the stored texts"]


def test_an_index_upgraded_from_schema_6_holds_the_names_and_gives_a_fresh_ones_conflicting_reports(tmp_path):
    fresh, old = tmp_path / "fresh.dedup", tmp_path / "old.dedup"
    for path in (fresh, old):
        with Index.create(path) as index:
            index.add_many([(seed(prefix), seed_text(prefix)) for prefix in ("000", "001", "002")])
    as_schema(old, 6)
    with pytest.raises(IndexVersionError, match="schema version 6 is older"):
        Index.open(old)
    assert Index.upgrade(old) == 6
    assert name_rows(old) == name_rows(fresh) and len(name_rows(old)) > 30
    reports = []
    for path in (fresh, old):
        with Index.open(path) as index:
            assert index.stats(verify=True)["ok"]
            reports.append([report.to_dict() for report in index.check(seed_text("003")).conflicting_reports])
    assert reports[0] == reports[1] and len(reports[0]) == 3


def test_the_text_output_gives_each_conflicting_report_and_its_counts(tmp_path):
    from dedup.cli_index import render_verdict

    with Index.create(tmp_path / "wire.dedup") as index:
        index.add("quetta", QUETTA)
        shown = render_verdict(index.check(KARACHI))
    assert shown.splitlines() == [
        "new",
        "  other figures in quetta (same event, no passage reused; names army, baloch, liberation, quetta)",
        "    people killed: 12 (stored) vs 19 (here)"]
