import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.model import Match, Passage, RepeatedBlock, Report
from dedup.report.labels import block_members, value_label


def _passage(doc: int, start: int, length: int) -> Passage:
    return Passage(doc, start, start + length, 1, 1)


spans = st.tuples(st.integers(0, 1), st.integers(0, 40), st.integers(1, 15))


def _report(blocks, matches) -> Report:
    return Report([], [Match("exact", _passage(*a), _passage(*b), 1.0, 1.0, 1.0, 1.0, 0) for a, b in matches],
                  [], [RepeatedBlock("exact", _passage(*a), _passage(*b), 2) for a, b in blocks], [], [], [], {})


def _contains(outer: Passage, inner: Passage) -> bool:
    return outer.doc == inner.doc and outer.start <= inner.start and inner.end <= outer.end


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(spans, spans), max_size=8), st.lists(st.tuples(spans, spans), max_size=20))
def test_block_members_are_the_matches_inside_a_block_on_both_sides(blocks, matches):
    report = _report(blocks, matches)
    expected = {(m.a, m.b) for m in report.matches
                if any(_contains(b.a, m.a) and _contains(b.b, m.b) for b in report.blocks)}
    assert block_members(report) == expected


def test_block_members_looks_past_a_nested_block_to_an_earlier_wider_one():
    # blocks of one pair sorted by start: (0, 100) then (10, 20); a match at 30-40 lies only in the first
    report = _report([((0, 0, 100), (1, 0, 100)), ((0, 10, 10), (1, 10, 10))],
                     [((0, 30, 10), (1, 30, 10)), ((0, 30, 10), (1, 200, 10))])
    assert block_members(report) == {(_passage(0, 30, 10), _passage(1, 30, 10))}


@pytest.mark.parametrize(("value", "shown"), [
    ("31", "31"), ("58700000", "58,700,000"), ("13000", "13,000"), ("1000-2000", "1,000-2,000"),
    ("-0.015", "-0.015"), ("6.3158", "6.3158"), ("1234.5678", "1234.5678"),
])
def test_a_conflict_value_is_shown_with_its_thousands_grouped(value, shown):
    assert value_label(value) == shown


def test_the_text_report_groups_a_conflict_value_and_the_json_keeps_the_number():
    from dedup import Document, analyze
    from dedup.report import render

    texts = ["ACME SALES\nNEW YORK, March 3 - Acme Corp said its sales reached 58.7 mln dlrs in the year to\n"
             "December, up from 40.6 mln dlrs, the company said in a statement on Tuesday.\n",
             "ACME SALES\nNEW YORK, March 3 - Acme Corp said its sales reached 58.8 mln dlrs in the year to\n"
             "December, up from 40.6 mln dlrs, the company said in a statement on Tuesday.\n"]
    report = analyze([Document(f"d{i}", f"d{i}.txt", text) for i, text in enumerate(texts)])
    values = [v.value for c in report.figure_conflicts for v in c.values]
    assert values == ["58700000", "58800000"]
    assert "58,700,000 (d0) vs 58,800,000 (d1)" in render(report, "text")
