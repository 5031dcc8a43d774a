"""The pure parts of benchmarks/bench_stream.py: date order, the hand-label counts, and one small stream."""

from benchmarks.bench_stream import (
    conflicting_row,
    flagged_updates,
    in_date_order,
    labelled_verdicts,
    run_stream,
    timing_row,
)
from dedup.sources import Document

LEAD = ("Acme Corp said it agreed to buy the Widget Works of Toledo, Ohio, for 42 mln dlrs in cash, "
        "and expects to close the purchase in the second quarter after a review by regulators.")
OTHER = ("The central bank of Ruritania left its discount rate unchanged at its weekly meeting on Thursday, "
         "citing a stable currency and slowing inflation in the first two months of the year.")


def story(doc_id, date, text):
    return Document(doc_id, doc_id, text, metadata={"date": date, "title": doc_id})


def test_stories_sort_by_wire_date_with_desk_codes_and_ties_in_corpus_order():
    documents = [story("3", "5-MAR-1987 10:00:00.00   RM", OTHER), story("1", "2-MAR-1987 09:00:00.00", LEAD),
                 story("2", "2-MAR-1987 09:00:00.00", OTHER), story("4", "not a date", LEAD)]
    assert [d.id for d in in_date_order(documents)] == ["1", "2", "3", "4"]  # undated last, as the scan orders


def test_a_re_sent_story_names_the_stored_one_and_an_unrelated_one_is_new(tmp_path):
    stored = [story("1", "2-MAR-1987 09:00:00.00", LEAD), story("2", "2-MAR-1987 10:00:00.00", OTHER)]
    checked = [story("3", "3-MAR-1987 09:00:00.00", LEAD),
               story("4", "3-MAR-1987 10:00:00.00", "Heavy rain flooded the lower town of Lakeside overnight, "
                     "and the mayor asked residents of the river streets to stay at home until the water recedes.")]
    rows = run_stream(stored, checked, tmp_path / "stream.db")
    assert [(r["incoming"], r["verdict"], [m["id"] for m in r["matches"]]) for r in rows] == [
        ("3", "duplicate", ["1"]), ("4", "new", [])]
    labels = [{"sample": "stream", "incoming": "3", "stored": "1", "verdict": "duplicate", "label": "true"},
              {"sample": "stream", "incoming": "4", "stored": "2", "verdict": "partial-reuse", "label": "false"},
              {"sample": "stream-updates", "incoming": "3", "stored": "1", "label": "update"},
              {"sample": "stream-updates", "incoming": "4", "stored": "2", "label": "correction"},
              {"sample": "stream-updates", "incoming": "9", "stored": "2", "label": "correction"}]
    assert labelled_verdicts(labels, rows) == [2, 1, 1, 0, 1.0]
    assert flagged_updates(labels, rows) == [3, 2, 1]
    assert conflicting_row(rows) == [0, 0, 0]
    assert timing_row(rows)[0] == 2
