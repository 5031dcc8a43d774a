"""Series headlines: editions of a daily report on other days are not reuse, in the scan and in the index alike."""

import sqlite3
from datetime import UTC, datetime

import pytest

from dedup.config import ScanConfig
from dedup.index import Index, IndexVersionError
from dedup.pipeline import analyze
from dedup.series import document_day, other_editions, series_editions, series_headline
from dedup.sources import Document
from tests.conftest import as_schema
from tests.test_evidence import COUNCIL, NAMES

SERIES_HEAD = "BUNDESBANK LEAVES CREDIT POLICIES UNCHANGED"


def council_edition(day: int, discount: str, lombard: str = "5.0", head: str = SERIES_HEAD) -> str:
    return (f"{head}\n\n{COUNCIL.format(day)}\n\n"
            f"The discount rate stays at {discount} pct and the Lombard rate at {lombard} pct.\n")


# The rate line's words and the headline's verb are the template's, in most stories; the council's words
# are in a few (distinctive, not rare).
BOARD = [Document(f"b{k}", f"b{k}", f"{name} Industries said in answer to a question that today's regular meeting "
                  f"of the board left the dividend of its stock as it was after the vote. It leaves the discount on its "
                  f"Lombard notes: the rate stays at 4 pct and the fee at 1 pct.") for k, name in enumerate(NAMES[:60])]
NOTES = [Document(f"n{k}", f"n{k}", f"Bundesbank {word}: credit policies unchanged, council spokesman reports "
                  f"enquiries.") for k, word in enumerate(("watch", "view", "note", "brief", "diary", "digest"))]
# Three editions on three days; Thursday's, the next; Monday's re-sent on Tuesday morning; Wednesday's
# corrected that afternoon under the same headline (the Lombard rate).
EDITIONS = {"mon": (council_edition(2, "3.0"), "2-MAR-1987 10:02:11.00"),
            "tue": (council_edition(3, "3.5"), "3-MAR-1987 10:04:30.00"),
            "wed": (council_edition(4, "2.5"), "4-MAR-1987 10:01:52.00"),
            "thu": (council_edition(5, "3.25"), "5-MAR-1987 10:03:05.00"),
            "resent": (council_edition(2, "3.0") + "\nReuter\n", "3-MAR-1987 08:15:00.00"),
            "corrected": (council_edition(4, "2.5", "5.5"), "4-MAR-1987 15:40:00.00")}
STORED = ("mon", "tue", "wed")


def edition_documents(dated: bool, head: bool = True) -> list[Document]:
    def text(name: str) -> str:
        return EDITIONS[name][0] if head else EDITIONS[name][0].replace(f"{SERIES_HEAD}\n\n", "")

    return BOARD + NOTES + [Document(name, name, text(name), metadata={"date": date} if dated else {})
                            for name, (_, date) in EDITIONS.items()]


def test_a_series_headline_recurs_with_its_figures_masked_on_three_days_or_more():
    """Undated, the opening datelines give the days; a headline on one day only, in two documents only, a
    story sent three times over two days under one headline, or a first line in lower case is no series'."""
    texts = [council_edition(2, "3.0"), council_edition(3, "3.5"), council_edition(4, "2.5"),
             "FED SETS 1.5 BILLION DLR REPURCHASES\nNEW YORK, March 2 - The Fed arranged them.",
             "FED SETS 2 BILLION DLR REPURCHASES\nNEW YORK, March 3 - The Fed arranged them.",
             "FED SETS 1 BILLION DLR REPURCHASES\nNEW YORK, March 4 - The Fed arranged them.",
             "EC TALKS END\nBRUSSELS, March 2 - Talks ended.", "EC TALKS END\nBRUSSELS, March 3 - Talks ended.",
             *["OPEC OUTPUT CUT\nVIENNA, March 5 - Ministers met."] * 3,
             "EC WARNS ON TRADE\nBRUSSELS, March 16 - Ministers warned.",
             "EC WARNS ON TRADE\nBRUSSELS, March 16 - Ministers warned again.",
             "EC WARNS ON TRADE\nBRUSSELS, March 17 - Ministers warned Japan.",
             "Fed sets repurchases\nNEW YORK, March 4 - The Fed arranged them."]
    editions = series_editions(texts)
    head = "bundesbank leaves credit"
    assert [e and e[0] for e in editions[:3]] == [head] * 3 and len({e[1] for e in editions[:3]}) == 3
    assert editions[3][0] == editions[4][0] == "fed sets 0"
    assert editions[3][1] != editions[4][1]
    assert editions[5] == ("fed sets 0", editions[4][1] + 1)
    assert editions[6:] == [None] * 9


def test_a_day_is_the_dates_else_the_datelines_and_the_two_clocks_never_meet():
    """A dateline names no year: an undated edition is not known to be of another day than a dated one."""
    text = council_edition(3, "3.5")
    assert series_headline(text) == "bundesbank leaves credit"
    assert series_headline("Bundesbank leaves policies unchanged\n" + COUNCIL.format(3)) is None
    assert series_headline("FED SETS 1.5 BILLION DLR REPURCHASES\n") == "fed sets 0"
    march_3 = datetime(1987, 3, 3, 10, tzinfo=UTC)
    assert document_day(text, march_3) == march_3.toordinal()
    assert document_day(council_edition(4, "2.5"), None) == document_day(text, None) + 1 < 0
    assert document_day("NO DATELINE\nThe council met.", None) is None
    head = series_headline(text)
    assert other_editions((head, march_3.toordinal()), (head, march_3.toordinal() + 1))
    assert not other_editions((head, march_3.toordinal()), (head, march_3.toordinal()))
    assert not other_editions((head, march_3.toordinal()), (head, document_day(text, None)))
    assert not other_editions((head, 1), ("another series", 2)) and not other_editions(None, (head, 2))


def test_a_series_keeps_its_headlines_opening_and_a_companys_story_line_is_none():
    """A daily report says what happened after its standing opening; a company's stories of many days are
    a story line, whatever their headlines share."""
    texts = [f"TREASURY BALANCES AT FED {verb} ON MARCH {day}\nWASHINGTON, March {day + 1} - Treasury balances "
             f"at the Federal Reserve {verb.lower()} on March {day}." for verb, day in (("ROSE", 2), ("FELL", 3),
                                                                                       ("ROSE", 4))]
    texts += [f"HARBOR LIGHT <HLSC> {news}\nNEW YORK, March {day} - Harbor Light Systems said it {news.lower()}."
              for news, day in (("SEES HIGHER NET", 2), ("SETS DIVIDEND", 3), ("SEES GROWTH", 4))]
    editions = series_editions(texts)
    assert [e and e[0] for e in editions[:3]] == ["treasury balances at"] * 3 and len({e[1] for e in editions[:3]}) == 3
    assert editions[3:] == [None] * 3


@pytest.mark.parametrize("dated", [True, False])
def test_the_scan_relates_editions_only_when_re_sent_or_corrected_the_same_day(dated):
    """The editions share the series' headline, its standing lead (seven distinctive words) and a rate that
    did not change: without their headline they are related, as editions of other days they are not. The
    re-sent edition keeps its figures (a duplicate), the corrected one is the same day's story (a version).
    (Dated, the re-sent edition is Tuesday's document: the same day's edition is judged by its words.)"""
    editions = set(EDITIONS)

    def relations(head: bool) -> dict[tuple[str, str], str]:
        report = analyze(edition_documents(dated, head), ScanConfig(diffs=False))
        ids = [d.id for d in report.documents]
        return {tuple(sorted((ids[r.source], ids[r.copy]))): r.kind for r in report.relations
                if {ids[r.source], ids[r.copy]} <= editions}

    found = relations(head=True)
    assert found[("mon", "resent")] == "duplicate" and found[("corrected", "wed")] == "version"
    assert not found.keys() & {("mon", "tue"), ("mon", "wed"), ("mon", "thu"), ("tue", "wed"), ("thu", "wed")}
    assert {("mon", "tue"), ("mon", "wed"), ("mon", "thu")} <= relations(head=False).keys()

def stored_editions(path, dated: bool, head: bool = True) -> Index:
    index = Index.create(path)
    documents = {d.id: d for d in edition_documents(dated, head)}
    index.add_many([(d.id, d.text) for d in BOARD + NOTES]
                   + [(name, documents[name].text, documents[name].metadata) for name in STORED])
    return index


def verdicts(index: Index, dated: bool, head: bool = True) -> dict[str, tuple[str, str | None]]:
    """The verdict of each edition not stored, checked with its date (or without), and the story it names."""
    documents = {d.id: d for d in edition_documents(dated, head)}
    found = {}
    for name in ("thu", "resent", "corrected"):
        checked = index.check(documents[name].text, date=EDITIONS[name][1] if dated else None)
        found[name] = (checked.verdict, checked.matches[0].id if checked.matches else None)
    return found


AGREED = {"thu": ("new", None), "resent": ("duplicate", "mon"), "corrected": ("near-duplicate", "wed")}


@pytest.mark.parametrize("dated", [True, False])
def test_a_check_judges_editions_as_the_scan_does(tmp_path, dated):
    """Three editions stored: the fourth is new, the re-sent one a duplicate of Monday's, the corrected one a
    near-duplicate of Wednesday's; without their headline the fourth reuses the others."""
    with stored_editions(tmp_path / "council.dedup", dated) as index:
        assert verdicts(index, dated) == AGREED
    with stored_editions(tmp_path / "headless.dedup", dated, head=False) as index:
        assert verdicts(index, dated, head=False)["thu"][0] != "new"


def test_removed_editions_no_longer_make_a_series(tmp_path):
    """With Tuesday's and Wednesday's editions removed, Monday's and Thursday's are two documents under the
    headline: no series, and Thursday's reuses Monday's lead."""
    with stored_editions(tmp_path / "council.dedup", dated=True) as index:
        index.remove("tue")
        index.remove("wed")
        assert index.stats(verify=True)["ok"]
        thursday = index.check(EDITIONS["thu"][0], date=EDITIONS["thu"][1])
        assert thursday.verdict != "new" and thursday.matches[0].id == "mon"


def test_a_schema_5_index_is_upgraded_to_the_headlines_openings(tmp_path):
    fresh, old = tmp_path / "fresh.dedup", tmp_path / "old.dedup"
    stored_editions(fresh, True).close()
    stored_editions(old, True).close()
    # schema 5 stored the whole masked line
    as_schema(old, 5, "UPDATE headlines SET headline = 'bundesbank leaves credit policies unchanged'")
    with pytest.raises(IndexVersionError, match="schema version 5 is older"):
        Index.open(old)
    assert Index.upgrade(old) == 5
    assert {headline for _, headline, _ in headline_rows(old)} == {"bundesbank leaves credit"}
    assert headline_rows(old) == headline_rows(fresh)
    with Index.open(old) as index:
        assert index.stats(verify=True)["ok"]
        assert verdicts(index, True) == AGREED


def to_schema_3(path) -> None:
    """Rewrite an index as schema 3 had it: no headlines table (nor the subjects table of schema 5)."""
    as_schema(path, 3)


def headline_rows(path) -> list[tuple[str, str, int | None]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT d.id, h.headline, h.day FROM headlines h JOIN documents d USING (doc) "
                          "ORDER BY d.id").fetchall()
    db.close()
    return rows


@pytest.mark.parametrize("dated", [True, False])
def test_an_upgraded_index_holds_the_headlines_and_gives_a_fresh_ones_verdicts(tmp_path, dated):
    fresh, old = tmp_path / "fresh.dedup", tmp_path / "old.dedup"
    stored_editions(fresh, dated).close()
    stored_editions(old, dated).close()
    to_schema_3(old)
    with pytest.raises(IndexVersionError, match="schema version 3 is older"):
        Index.open(old)
    assert Index.upgrade(old) == 3
    rows = headline_rows(old)
    assert rows == headline_rows(fresh)
    assert [(name, day is not None and (day > 0) == dated) for name, _, day in rows] == [
        (name, True) for name in STORED]
    with Index.open(old) as index:
        assert index.stats(verify=True)["ok"]
        assert verdicts(index, dated) == AGREED
