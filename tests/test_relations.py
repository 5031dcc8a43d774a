"""Document relations: duplicates, versions and reuse from the matches between two documents."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Document, Index, analyze
from dedup.align import align_texts
from dedup.config import ScanConfig
from dedup.relations import relation_kind
from dedup.segment import segment_documents

ORIGINAL = """KESTREL FOODS INC <KSTL> 4TH QTR NET
OMAHA, Neb., March 4 - Shr profit 61 cts vs profit 42 cts
    Net profit 3,412,000 vs profit 2,318,000
    Revs 48.7 mln vs 41.2 mln
    Year
    Shr profit 2.14 dlrs vs profit 1.77 dlrs
    Net profit 11,905,000 vs profit 9,866,000
    Revs 181.3 mln vs 160.9 mln
    NOTE: Current year net includes a gain of 1.2 mln dlrs from
the sale of the company's frozen dessert unit in Lincoln.
 Reuter
"""
CORRECTED = (ORIGINAL.replace("KESTREL FOODS", "CORRECTED - KESTREL FOODS")
             .replace("Shr profit 61 cts vs", "Shr loss 1.59 dlrs vs")
             .replace("Net profit 3,412,000 vs", "Net loss 8,845,000 vs")
             .replace(" Reuter", "    (Corrects fourth quarter share and net to losses from profits.)\n Reuter"))

STORY = """HARBOUR AUTHORITY APPROVES NEW GRAIN TERMINAL
PORTLAND, Ore., March 9 - The Port of Portland commission approved
a 42 mln dlr grain terminal on the Willamette river, to be run
by a consortium of three Pacific Northwest cooperatives.

Construction is expected to begin in May and the terminal should
handle its first ships in the autumn of next year, the port said.

The terminal will load Panamax vessels with wheat and barley from
growers in Oregon, Washington and Idaho, a port spokeswoman said.
"""
QUOTED = ("Construction is expected to begin in May and the terminal should\n"
          "handle its first ships in the autumn of next year, the port said.")
ROUNDUP = f"""PACIFIC NORTHWEST GRAIN SHIPPERS EXPAND CAPACITY
SEATTLE, March 10 - Grain shippers in the Pacific Northwest are
adding loading capacity as Asian buyers return to the market for
soft white wheat, trade sources said on Tuesday.

{QUOTED}

Elevators in Tacoma and Kalama also plan new berths, and a rail
operator said it would add two unit trains a week from Spokane.
"""


def relations_of(texts, dates=None):
    dated = [{"date": date.isoformat()} if date else {} for date in dates or [None] * len(texts)]
    report = analyze([Document(f"d{i}", f"d{i}.txt", text, metadata=meta) for i, (text, meta) in
                      enumerate(zip(texts, dated))])
    return report, report.relations


def test_a_re_sent_story_is_a_duplicate():
    _, relations = relations_of([STORY, STORY])
    assert [(r.kind, r.source, r.copy, r.source_in_copy, r.copy_in_source, r.group, r.alignment)
            for r in relations] == [("duplicate", 0, 1, 1.0, 1.0, 0, ())]


def test_a_corrected_results_story_is_a_version_with_the_changed_lines_aligned():
    report, relations = relations_of([ORIGINAL, CORRECTED])
    assert [(r.kind, r.source, r.copy, r.group) for r in relations] == [("version", 0, 1, 0)]
    changed = [(item.kind, report.text_of(item.a), report.text_of(item.b), [(f.change, f.a, f.b) for f in item.diff.figures])
               for item in relations[0].alignment if item.status == "aligned" and item.diff and item.diff.figures]
    assert all(item.diff is None for item in relations[0].alignment if item.kind == "exact")  # nothing to show
    assert changed == [
        ("edited", "OMAHA, Neb., March 4 - Shr profit 61 cts vs profit 42 cts",
         "OMAHA, Neb., March 4 - Shr loss 1.59 dlrs vs profit 42 cts",
         [("sign", "Shr profit 61 cts", "Shr loss 1.59 dlrs")]),
        ("edited", "Net profit 3,412,000 vs profit 2,318,000", "Net loss 8,845,000 vs profit 2,318,000",
         [("sign", "Net profit 3,412,000", "Net loss 8,845,000")]),
    ]
    added = [report.text_of(item.b) for item in relations[0].alignment if item.status == "added"]
    assert added == ["(Corrects fourth quarter share and net to losses from profits.)"]


def test_a_story_quoting_one_paragraph_of_another_is_reuse_with_shares_both_ways():
    report, relations = relations_of([STORY, ROUNDUP])
    assert [(r.kind, r.source, r.copy, r.matches, r.group, r.alignment) for r in relations] == [
        ("reuse", 0, 1, 1, -1, ())]
    paragraphs, _ = segment_documents([STORY, ROUNDUP])  # every paragraph here has enough words to compare
    compared = [int((paragraphs.end - paragraphs.start)[paragraphs.doc == doc].sum()) for doc in (0, 1)]
    assert relations[0].source_in_copy == pytest.approx(len(QUOTED) / compared[0])
    assert relations[0].copy_in_source == pytest.approx(len(QUOTED) / compared[1])
    assert report.relations == relations


def test_the_earlier_dated_document_is_the_source():
    dates = [datetime(1987, 3, 5, 12, 37), datetime(1987, 3, 5, 11, 41)]
    _, relations = relations_of([CORRECTED, ORIGINAL], dates)
    assert [(r.kind, r.source, r.copy) for r in relations] == [("version", 1, 0)]
    _, undated = relations_of([CORRECTED, ORIGINAL], [None, None])
    assert [(r.source, r.copy) for r in undated] == [(0, 1)]


def test_duplicates_and_versions_of_one_story_form_one_group_and_reuse_none():
    _, relations = relations_of([ORIGINAL, STORY, CORRECTED, CORRECTED, ROUNDUP])
    assert [(r.kind, r.source, r.copy, r.group) for r in relations] == [
        ("version", 0, 2, 0), ("version", 0, 3, 0), ("reuse", 1, 4, -1), ("duplicate", 2, 3, 0)]


@pytest.mark.parametrize(("shares", "kinds", "changed", "kind"), [
    ((1.0, 1.0), {"exact"}, False, "duplicate"),
    ((1.0, 0.96), {"exact", "near"}, False, "duplicate"),
    ((1.0, 1.0), {"exact", "near"}, True, "version"),
    ((1.0, 1.0), {"exact", "partial"}, False, "version"),
    ((0.6, 0.5), {"exact"}, False, "version"),
    ((0.2, 0.9), {"partial"}, True, "version"),
    ((0.1, 0.9), {"partial"}, True, "reuse"),
    ((0.45, 0.4), {"exact"}, False, "reuse"),
])
def test_relation_kind_rule(shares, kinds, changed, kind):
    assert relation_kind(*shares, kinds, changed) == kind


def test_the_seeds_relate_only_the_documents_that_reuse_one_another(seed_report):
    ids = [d.id[:3] for d in seed_report.documents]
    assert [(r.kind, ids[r.source], ids[r.copy], round(r.source_in_copy, 4), round(r.copy_in_source, 4), r.group)
            for r in seed_report.relations] == [("reuse", "000", "001", 0.2034, 0.1454, -1),
                                                ("reuse", "001", "004", 0.0433, 0.0384, -1)]


def test_alignment_pairs_a_changed_line_too_short_to_be_a_copy():
    texts = ["Shr profit 61 cts\nNet sales rose on strong demand for frozen desserts in the region\n",
             "Shr loss 1.59 dlrs\nNet sales rose on strong demand for frozen desserts in the region\n"]
    paragraphs, sentences = segment_documents(texts)
    items = align_texts(texts, [], paragraphs, sentences, ScanConfig())
    assert [(i.status, i.kind) for i in items] == [("aligned", "edited"), ("aligned", "exact")]
    assert [(f.change, f.a, f.b) for f in items[0].diff.figures] == [("sign", "Shr profit 61 cts", "Shr loss 1.59 dlrs")]


def test_the_index_names_the_relation_a_scan_gives(tmp_path):
    with Index.create(tmp_path / "wire.db") as index:
        index.add("original", ORIGINAL)
        index.add("story", STORY)
        assert [(m.id, m.kind) for m in index.check(CORRECTED).matches] == [("original", "version")]
        assert [(m.id, m.kind) for m in index.check(STORY).matches] == [("story", "duplicate")]
        found = index.check(ROUNDUP).matches
        assert [(m.id, m.kind) for m in found] == [("story", "reuse")]
        assert found[0].to_dict()["kind"] == "reuse"


def test_no_diffs_decides_the_same_kinds_without_alignments():
    documents = [Document(f"d{i}", f"d{i}.txt", text) for i, text in enumerate([ORIGINAL, STORY, CORRECTED, ROUNDUP])]
    full, lean = analyze(documents), analyze(documents, ScanConfig(diffs=False))
    assert [(r.kind, r.source, r.copy, r.group) for r in lean.relations] == [
        (r.kind, r.source, r.copy, r.group) for r in full.relations]
    assert [r.alignment for r in lean.relations] == [(), ()] and full.relations[0].alignment


def test_a_re_sent_story_wrapped_otherwise_is_a_duplicate_not_a_version():
    wrapped = STORY.replace("\n\n", "\n", 1)  # its first two paragraphs run together when re-sent
    assert segment_documents([wrapped])[0].doc.size < segment_documents([STORY])[0].doc.size
    _, relations = relations_of([STORY, wrapped])
    assert [(r.kind, r.source, r.copy, r.alignment) for r in relations] == [("duplicate", 0, 1, ())]


# The story re-sent under its headline, its lead kept and the rest rewritten at length: an update.
UPDATED = STORY.split("\n\n")[0] + """

The commission voted four to one after a three-hour hearing at which farm groups from eastern Oregon
backed the plan and two neighbourhood associations in north Portland opposed it over truck traffic.

The dissenting commissioner, Lloyd Hartnett, said the port had not studied the effect of the extra
rail traffic on the St. Johns bridge and should have waited for the state's freight study.

The consortium, led by the Columbia Basin Growers cooperative of Pendleton, will pay for the conveyors
and silos, while the port will borrow about 18 mln dlrs for the dock and channel deepening.

Port officials said the terminal would add about 140 jobs once running and bring some two mln tonnes
of grain a year through Portland that now moves through Puget Sound elevators.
"""


@pytest.mark.parametrize(("hours_later", "kind"), [(3, "version"), (27, "reuse")])
def test_a_story_re_sent_under_its_headline_the_same_day_is_a_version(hours_later, kind):
    """Its lead alone is kept, too little for the shares to make it a version; its headline and day do."""
    sent = datetime(1987, 3, 9, 8, 30)
    _, relations = relations_of([STORY, UPDATED], [sent, sent + timedelta(hours=hours_later)])
    assert [(r.kind, r.source, r.copy) for r in relations] == [(kind, 0, 1)]
    assert relation_kind(relations[0].source_in_copy, relations[0].copy_in_source, {"exact"}, False) == "reuse"


def test_a_check_of_a_story_re_sent_under_its_headline_that_day_names_it_a_version(tmp_path):
    with Index.create(tmp_path / "wire.db") as index:
        index.add("story", STORY, {"date": "9-MAR-1987 08:30:00.00"})
        found = index.check(UPDATED, date="9-MAR-1987 11:30:00.00")
        assert (found.verdict, found.version_of, found.matches[0].kind) == ("near-duplicate", "story", "version")
        assert index.check(UPDATED, date="10-MAR-1987 11:30:00.00").verdict == "partial-reuse"


# The results story revised without a word saying it corrects: its revenue line changed.
REVISED = ORIGINAL.replace("Revs 48.7 mln vs 41.2 mln", "Revs 49.7 mln vs 41.2 mln")


@pytest.mark.parametrize(("days_later", "kind"), [(1, "version"), (5, "reuse")])
def test_a_version_is_of_one_story_line_a_scan_and_a_check_alike(tmp_path, days_later, kind):
    """A changed figure within the story window is a version; days later the same text is a series' or
    template's report of another day, reuse at most; a correction is a version whenever it comes."""
    sent = datetime(1987, 3, 4, 9, 0)
    _, relations = relations_of([ORIGINAL, REVISED], [sent, sent + timedelta(days=days_later)])
    assert [(r.kind, r.source, r.copy, bool(r.alignment)) for r in relations] == [(kind, 0, 1, kind == "version")]
    _, corrected = relations_of([ORIGINAL, CORRECTED], [sent, sent + timedelta(days=days_later)])
    assert [(r.kind, r.correction) for r in corrected] == [("version", True)]
    with Index.create(tmp_path / "wire.db") as index:
        index.add("original", ORIGINAL, {"date": sent.isoformat()})
        found = index.check(REVISED, date=(sent + timedelta(days=days_later)).isoformat())
    assert [(m.id, m.kind) for m in found.matches] == [("original", kind)]


def test_two_copies_of_one_source_with_no_match_between_them_take_their_shares_from_their_alignment():
    """A story sent, re-sent, then updated: each later copy is matched with the first sending only, so the
    re-send and the update share no match, and their shares are what their alignment pairs."""
    update = (STORY.replace("a port spokeswoman said", "a port spokeswoman said on Monday")
              + "\nThe cooperatives will lease the terminal for thirty years, with an option to buy it\n"
                "at the end of the lease, the commission said.\n")
    _, relations = relations_of([STORY, STORY, update])
    resent_and_update = [r for r in relations if (r.source, r.copy) == (1, 2)]
    assert [(r.kind, r.matches, r.source_in_copy) for r in resent_and_update] == [("version", 0, 1.0)]
    assert resent_and_update[0].copy_in_source == pytest.approx(4 / 5)  # its headline and paragraphs but the added one


def _reference_repeated_inside(rows, matches):
    """Rows for the repeats inside a document by the definition: every repeated paragraph tried for each row."""
    groups = {}
    for m in matches:
        if m.kind == "exact" and m.a.doc == m.b.doc:
            groups.setdefault(m.a, set()).update((m.a, m.b))
    out = []
    for doc, other, start, end in rows:
        for group in groups.values():
            for paragraph in group:
                if paragraph.doc == doc and paragraph.start <= start and end <= paragraph.end:
                    out += [(doc, other, copy.start + start - paragraph.start,
                             min(copy.start + end - paragraph.start, copy.end)) for copy in group if copy != paragraph]
    return sorted(out)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_repeats_inside_a_document_are_found_for_every_span_they_hold(data):
    """Paragraphs of two documents (ten slots of ten characters each, none overlapping), some repeated inside
    their document as exact matches, and spans found in another document: each span inside a repeated
    paragraph is reused at every other copy of it, as the quadratic definition says."""
    from dedup.model import Match, Passage
    from dedup.relations import _repeated_inside

    slots = [Passage(doc, 10 * k, 10 * k + 8, k + 1, k + 1) for doc in (0, 1) for k in range(10)]
    repeats = data.draw(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 1)), max_size=8))
    matches = [Match("exact", slots[10 * doc + a], slots[10 * doc + b], 1.0, 1.0, 1.0, 1.0, 0)
               for a, b, doc in repeats if a < b]
    spans = data.draw(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 99), st.integers(1, 9)), max_size=12))
    rows = [(doc, 2, start, start + length) for doc, start, length in spans]
    assert sorted(_repeated_inside(rows, matches)) == _reference_repeated_inside(rows, matches)
