"""Verdicts of a check on small hand-written wire stories: which stored story an article is a duplicate
or version of, or that it reuses a passage, with what changed."""

from datetime import UTC, datetime

import pytest

from dedup.index import Index

RESULTS = """KELLWOOD MILLS <KWM> 4TH QTR NET

Kellwood Mills Inc said its fourth quarter net profit rose to 12.4 mln dlrs, or 61 cts a share, from
8.1 mln dlrs, or 40 cts a share, a year earlier.

Sales for the quarter ending January 31 rose to 212.6 mln dlrs from 190.3 mln dlrs, the Toledo, Ohio,
maker of worsted fabrics and industrial yarns said.

The company said its spinning mill in Greenville, South Carolina, worked three shifts through the
quarter to meet orders from carpet makers, and that it expects the mill to stay busy through the spring.

Kellwood also said its board approved a plan to spend 30 mln dlrs on new looms at the Dalton, Georgia,
weaving plant over the next two years.
"""

CORRECTED = RESULTS.replace("KELLWOOD MILLS <KWM> 4TH QTR NET", "(CORRECTED) - KELLWOOD MILLS <KWM> 4TH QTR NET").replace(
    "12.4 mln dlrs, or 61 cts", "12.4 mln dlrs, or 71 cts")
# The same change without a headline that says it corrects: a version only within the story window (a
# correction is one within weeks: tests/test_index_corrections.py).
REVISED = CORRECTED.replace("(CORRECTED) - ", "")

QUOTING = """TEXTILE MAKERS SEE STRONG CARPET DEMAND

Makers of carpet yarn expect orders to stay strong through the spring as home building picks up in the
south east, industry executives told a trade meeting in Atlanta.

The company said its spinning mill in Greenville, South Carolina, worked three shifts through the
quarter to meet orders from carpet makers, and that it expects the mill to stay busy through the spring.

Ruth Abernathy, president of the Southern Yarn Spinners Association, said imports of cheap acrylic
yarn from Asia remained the industry's main worry, and that members would press Congress for quotas.
"""

OFFERING = """HALVERSON PUMPS <HLVP> FILES FOR OFFERING

Halverson Pumps Corp said it filed with the Securities and Exchange Commission for a proposed public
offering of 1,500,000 common shares through underwriters led by Piper, Jaffray and Hopwood Inc.

The company said proceeds will be used to repay bank debt and to expand its plant in Sioux Falls.
"""

OTHER_OFFERING = """MERRIMAC VALVE <MVAL> FILES FOR OFFERING

Merrimac Valve Co said it filed with the Securities and Exchange Commission for a proposed public
offering of 800,000 common shares through underwriters led by Kidder, Peabody and Co Inc.

The company said proceeds will be used for working capital and to buy a foundry in Lowell.
"""

MARCH_2 = datetime(1987, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def index(tmp_path):
    with Index.create(tmp_path / "wire.dedup") as opened:
        opened.add("results", RESULTS, {"date": "2-MAR-1987 12:00:00.00"})
        opened.add("offering", OFFERING, {"date": "2-MAR-1987 09:30:00.00"})
        yield opened


def test_a_re_sent_story_is_a_duplicate_of_it(index):
    found = index.check(RESULTS)
    assert (found.verdict, found.duplicate_of, found.version_of) == ("duplicate", "results", None)
    assert (found.matches[0].relation, found.matches[0].kind) == ("duplicate", "duplicate")


def test_a_corrected_story_is_a_version_of_the_original_with_the_changed_figure(index):
    found = index.check(CORRECTED, date="2-MAR-1987 14:10:00.00")
    assert (found.verdict, found.version_of, found.duplicate_of) == ("near-duplicate", "results", None)
    match = found.to_dict()["matches"][0]
    assert (match["relation"], match["kind"]) == ("near-duplicate", "version")
    assert [(f["a"], f["b"]) for f in match["changes"]["figures"]] == [("61 cts a share", "71 cts a share")]
    assert match["changes"]["added"] == [] and match["changes"]["removed"] == []


def test_a_story_quoting_one_paragraph_reuses_it(index):
    found = index.check(QUOTING)
    assert found.verdict == "partial-reuse" and (found.duplicate_of, found.version_of) == (None, None)
    match = found.matches[0]
    assert (match.id, match.kind) == ("results", "reuse")
    assert [p.stored.line for p in match.passages] == [9]


def test_the_same_template_of_another_company_is_new(index):
    """Neither filing names the other's company (dedup.subjects.other_subjects): they share a template."""
    assert index.check(OTHER_OFFERING).verdict == "new"


def test_a_version_of_a_story_far_older_than_the_article_is_only_reuse(index):
    """A changed figure within the story line's window is a version; the same text a week later is a series'
    or template's report of another day: the stored story is reused, not a version."""
    assert index.check(REVISED, date=datetime(1987, 3, 4, 11, 0, tzinfo=UTC)).verdict == "near-duplicate"
    later = index.check(REVISED, date=datetime(1987, 3, 9, 12, 0))
    assert (later.verdict, later.matches[0].id, later.matches[0].kind) == ("partial-reuse", "results", "reuse")
    assert later.matches[0].to_dict()["changes"]["added"] == []


def test_undated_checks_take_no_window(index):
    assert index.check(CORRECTED).verdict == "near-duplicate"


def test_copies_of_a_duplicate_are_named_earliest_first(tmp_path):
    with Index.create(tmp_path / "wire.dedup") as index:
        index.add("resent", RESULTS, {"date": "2-MAR-1987 15:00:00.00"})
        index.add("first", RESULTS + "\n", {"date": "2-MAR-1987 12:00:00.00"})
        index.add("undated", RESULTS + "\n\n")
        found = index.check(RESULTS, date=MARCH_2)
    assert found.verdict == "duplicate"
    assert [m.id for m in found.matches] == ["first", "resent", "undated"]


def test_check_and_add_dates_the_article_from_its_metadata(index):
    later = index.check_and_add("corrected", REVISED, {"date": "9-MAR-1987 12:00:00.00"})
    assert (later.verdict, later.added) == ("partial-reuse", True)
    index.remove("corrected")
    same_day = index.check_and_add("corrected", CORRECTED, {"date": "2-MAR-1987 14:10:00.00"})
    assert (same_day.verdict, same_day.version_of, same_day.added) == ("near-duplicate", "results", True)


TIMBER = """HARNOW TIMBER INC <HRNW> 3RD QTR JAN 31 NET
PORTLAND, Ore., March 4 - Shr profit 13 cts vs loss one ct
    Net profit 853,000 vs loss 22,000
    Sales 41.1 mln vs 20.3 mln
    Avg shrs 6,349,753 vs 4,403,852
    Nine mths
    Shr profit 57 cts vs profit 28 cts
    Net profit 2,869,000 vs profit 1,252,000
    Sales 119.0 mln vs 67.6 mln
    Avg shrs 5,054,844 vs 4,403,852
 Reuter
"""
# Re-sent minutes later: "Revs" for "Sales", one figure of the nine months' average shares changed.
TIMBER_AGAIN = TIMBER.replace("Sales", "Revs").replace("5,054,844 vs 4,403,852", "5,054,844 vs 4,403,000")


def test_a_re_sent_table_pairs_each_line_with_its_own_and_shows_only_the_changed_figure(tmp_path):
    """Numbers masked, both "Avg shrs" lines are one line: the nine months' is paired with its own stored
    line, the closest as written, not with the quarter's; "Revs" for "Sales" is a word, not four figures."""
    with Index.create(tmp_path / "wire.dedup") as index:
        index.add("timber", TIMBER, {"date": "4-MAR-1987 15:36:00.00"})
        found = index.check(TIMBER_AGAIN, date="4-MAR-1987 15:43:00.00").to_dict()["matches"][0]
    assert (found["id"], found["kind"]) == ("timber", "version")
    assert [(p["incoming"]["line"], p["stored"]["line"]) for p in found["passages"]
            if p["incoming"]["text"].startswith("Avg shrs")] == [(5, 5), (10, 10)]
    assert [(f["change"], f["a"], f["b"]) for f in found["changes"]["figures"]] == [
        ("changed", "Avg shrs 4,403,852", "Avg shrs 4,403,000")]
    assert ("replace", "Sales", "Revs") in [(w["kind"], w["a"], w["b"]) for w in found["changes"]["wording"]]


DIESEL = """EC AGREES DIESEL EMISSION RULES
BRUSSELS, March 20 - European Community environment ministers agreed on new rules to cut diesel exhaust
emissions from lorries and buses, diplomats said.

The ministers also gave Portugal a go-ahead to move towards a ban on the sale of leaded regular petrol,
after Lisbon asked leave to do so to encourage the use of low-pollution cars, diplomats said.
"""
# The longer version keeps the paragraph word for word and adds a sentence restating part of it.
DIESEL_LONGER = DIESEL.replace("RULES\n", "RULES, PORTUGAL BAN\n") + """
Officials said the competition rules would need an exemption. This would be the case if Portugal were to
implement a ban on the sale of leaded regular petrol.
"""


def test_a_paragraph_kept_word_for_word_is_not_also_shown_against_the_sentence_restating_it(tmp_path):
    with Index.create(tmp_path / "wire.dedup") as index:
        index.add("diesel", DIESEL, {"date": "20-MAR-1987 15:00:00.00"})
        found = index.check(DIESEL_LONGER, date="20-MAR-1987 16:00:00.00").to_dict()["matches"][0]
    shown = [(p["kind"], p["stored"]["text"][:20], p["incoming"]["text"][:20]) for p in found["passages"]]
    assert ("exact", "The ministers also g", "The ministers also g") in shown
    assert [row for row in shown if row[1].startswith("The ministers") and row[0] != "exact"] == []

