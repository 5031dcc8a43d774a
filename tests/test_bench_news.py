"""The pure parts of benchmarks/bench_news.py on small synthetic reports: drawing a sample, finding a
labelled item among a report's matches or conflicts, and the precision and recall counts."""

import math

from benchmarks.bench_news import (
    MatchIndex,
    conflict_reported,
    corrected_rows,
    cut_inside_number,
    draw_conflicts,
    draw_figure_changes,
    draw_matches,
    draw_relations,
    drawn_from,
    figure_change_rows,
    precision,
    relation_pool,
    relation_rows,
    sample_rows,
    text_report_head,
)


def span(doc, start, end):
    return {"doc": doc, "start": start, "end": end}


def match(kind, scope, a, b):
    return {"kind": kind, "scope": scope, "a": a, "b": b}


def label(sample, m, verdict, cls=None, seed=7):
    kind, scope = sample.split("-")
    return {"sample": sample, "seed": seed, "commit": "abc1234def", "kind": kind, "scope": scope,
            "a": m["a"], "b": m["b"], "label": verdict, "class": cls, "reason": "synthetic"}


MATCHES = [
    match("near", "cross", span("1", 0, 40), span("2", 10, 50)),
    match("exact", "cross", span("1", 60, 90), span("3", 0, 30)),
    match("near", "cross", span("2", 100, 140), span("4", 0, 40)),
    match("near", "internal", span("4", 0, 40), span("4", 50, 90)),
    match("near", "cross", span("3", 40, 80), span("5", 5, 45)),
    match("partial", "cross", span("5", 50, 70), span("6", 0, 20)),
]
REPORT = {"documents": [{"id": str(k)} for k in range(1, 7)], "matches": MATCHES,
          "figure_conflicts": [{"counts": "ships", "values": [{"value": "6", "docs": ["1", "2"]},
                                                              {"value": "2", "docs": ["3"]}]}]}


def test_draw_takes_one_kind_and_scope_in_report_order_and_repeats_with_the_seed():
    drawn = draw_matches(MATCHES, "near", "cross", seed=7, size=2)
    assert len(drawn) == 2 and drawn == sorted(drawn)
    assert set(drawn) <= {0, 2, 4}
    assert draw_matches(MATCHES, "near", "cross", seed=7, size=2) == drawn
    assert draw_matches(MATCHES, "near", "cross", seed=7, size=50) == [0, 2, 4]  # all, when fewer
    assert draw_matches(MATCHES, "near", "internal", seed=7) == [3]


def test_an_item_is_still_reported_by_a_match_over_overlapping_spans_of_the_same_two_stories():
    index = MatchIndex(MATCHES)
    assert index.reports({"a": span("1", 30, 35), "b": span("2", 45, 60)})
    assert index.reports({"a": span("2", 0, 20), "b": span("1", 39, 41)})  # either way round
    assert not index.reports({"a": span("1", 40, 60), "b": span("2", 10, 50)})  # touching is not overlapping
    assert not index.reports({"a": span("1", 0, 40), "b": span("2", 60, 90)})  # same stories, other place
    assert not index.reports({"a": span("1", 0, 40), "b": span("4", 0, 40)})  # no match joins 1 and 4


def test_a_conflict_item_is_still_reported_while_two_of_its_stories_keep_different_values():
    item = {"values": [{"value": "6", "docs": ["1"]}, {"value": "2", "docs": ["3", "9"]}]}
    assert conflict_reported(item, REPORT["figure_conflicts"])
    same_value = [{"counts": "ships", "values": [{"value": "6", "docs": ["1", "3"]}]}]
    assert not conflict_reported(item, same_value)
    assert not conflict_reported(item, [{"counts": "ships", "values": [{"value": "6", "docs": ["1"]},
                                                                      {"value": "5", "docs": ["7"]}]}])


def test_a_label_file_describes_a_report_only_when_the_seed_draws_exactly_its_items():
    records = [label("near-cross", MATCHES[i], "true") for i in draw_matches(MATCHES, "near", "cross", 7, 2)]
    assert drawn_from(records, REPORT)
    moved = [dict(records[0], a=span(records[0]["a"]["doc"], 1, 40)), records[1]]
    assert not drawn_from(moved, REPORT)
    assert not drawn_from([dict(r, kind="exact") for r in records], REPORT)
    assert not drawn_from([], REPORT)


def test_precision_is_the_share_labelled_true():
    records = [{"label": "true"}, {"label": "false"}, {"label": "true"}, {"label": "true"}]
    assert precision(records) == 0.75
    assert math.isnan(precision([]))


def test_sample_rows_count_true_and_false_items_still_reported_and_leave_out_stories_outside_the_corpus():
    near = [label("near-cross", MATCHES[i], verdict, cls) for i, verdict, cls in
            ((0, "true", None), (2, "false", "figure-template"), (4, "false", "boilerplate"))]
    gone = label("near-cross", match("near", "cross", span("1", 200, 240), span("2", 200, 240)), "true")
    outside = label("near-cross", match("near", "cross", span("1", 0, 40), span("99", 0, 40)), "true")
    rows = sample_rows("dev.jsonl", near, REPORT)
    assert rows == [["dev.jsonl", "near-cross", "abc1234", 3, 1, "figure-template 1, boilerplate 1",
                     1 / 3, "1 of 1", "2 of 2"]]
    rows = sample_rows("dev.jsonl", [*near, gone, outside], REPORT)
    assert rows[0][3:5] == [5, 3]
    assert rows[0][6] is None  # five items are not what the seed draws from this report
    assert rows[0][7:] == ["1 of 2", "2 of 2"]


def test_a_figure_cut_inside_a_number_is_found():
    text = "The company sold 113,275 shares at 1.50 dlrs."
    whole = text.index("113,275")
    assert not cut_inside_number(text, whole, whole + len("113,275 shares"))
    assert cut_inside_number(text, whole + 4, whole + len("113,275 shares"))  # "275 shares"
    assert cut_inside_number(text, whole, whole + 3)  # "113"
    price = text.index("1.50")
    assert cut_inside_number(text, price + 2, price + 4)  # "50"
    assert not cut_inside_number(text, price, price + len("1.50 dlrs"))
    assert not cut_inside_number("Prices rose 5, then fell.", 12, 13)  # a comma ending a clause


def test_a_conflict_sample_is_redrawn_from_the_report_conflicts():
    conflicts = [{"counts": "ships", "values": [{"value": str(k), "docs": [str(k)]}, {"value": "0", "docs": ["0"]}]}
                 for k in range(1, 6)]
    report = {"matches": [], "figure_conflicts": conflicts}
    records = [{"sample": "conflicts", "seed": 7, "counts": conflicts[i]["counts"], "values": conflicts[i]["values"],
                "label": "false", "class": "bare-unit"} for i in draw_conflicts(conflicts, seed=7, size=3)]
    assert len(records) == 3 and drawn_from(records, report)
    assert not drawn_from(records[:2] + [dict(records[2], counts="tonnes")], report)


def relation(source, copy, kind="reuse", alignment=()):
    return {"kind": kind, "source": source, "copy": copy, "alignment": list(alignment)}


RELATIONS_REPORT = {"documents": [{"id": str(k)} for k in range(1, 7)],
                    "relations": [relation("3", "5"), relation("1", "2", "version", [
                        {"status": "aligned", "kind": "exact"},
                        {"status": "aligned", "kind": "near", "diff": {"figures": [{"a": "61 cts"}], "wording": []}}]),
                                  relation("1", "3", "duplicate")]}


def relation_label(source, copy, kind, verdict, cls=None, seed=7):
    return {"sample": "relations", "seed": seed, "commit": "abc1234def", "source": source, "copy": copy,
            "kind": kind, "label": verdict, "class": cls, "reason": "synthetic"}


def test_relations_are_drawn_in_document_order_whatever_the_report_ranks_first():
    drawn = draw_relations(RELATIONS_REPORT, seed=7, size=2)
    assert len(drawn) == 2 and drawn == [r for r in relation_pool(RELATIONS_REPORT) if r in drawn]
    assert [(r["source"], r["copy"]) for r in relation_pool(RELATIONS_REPORT)] == [("1", "2"), ("1", "3"), ("3", "5")]


def test_relation_rows_count_labels_precision_and_pairs_still_related():
    drawn = draw_relations(RELATIONS_REPORT, seed=7, size=2)
    labels = [relation_label(r["source"], r["copy"], r["kind"], "true") for r in drawn]
    labels[-1]["label"], labels[-1]["class"] = "false", "template"
    assert relation_rows(labels, RELATIONS_REPORT) == [["abc1234", 2, 1, "template 1", 0.5, "1 of 1", "2 of 2"]]
    moved = [relation_label("2", "4", "reuse", "true"), relation_label("3", "1", "version", "true")]
    assert relation_rows(moved, RELATIONS_REPORT) == [["abc1234", 2, 2, "–", None, "1 of 2", "0 of 1"]]


def test_corrected_rows_say_how_the_report_relates_each_correction_to_its_original():
    records = [{"sample": "corrected", "corrected": "2", "original": "1", "corrected_what": "cts"},
               {"sample": "corrected", "corrected": "5", "original": "4", "corrected_what": "year"},
               {"sample": "corrected", "corrected": "6", "original": None}]
    assert corrected_rows(records, RELATIONS_REPORT) == [["1", "2", "cts", "version", "yes"],
                                                          ["4", "5", "year", "none", "no"]]


def test_text_report_head_finds_where_the_detail_starts():
    assert text_report_head("dedup scan: 2 documents\n\nRelations\n  1. ...\n\nDetail, pair by pair\n\na\n") == [8, 6]


def test_figure_change_rows_count_the_labelled_entries_a_report_still_lists():
    def item(a: int, b: int, figures: int) -> dict:
        return {"status": "aligned", "a": {"start": a}, "b": {"start": b},
                "diff": {"figures": [{"change": "changed"}] * figures}}

    report = {"documents": [{"id": "1"}, {"id": "2"}],
              "relations": [{"source": "1", "copy": "2", "alignment": [item(0, 0, 1), item(40, 44, 2)]}]}

    def label(a: int, b: int, entry: int, verdict: str, cls: str | None = None) -> dict:
        return {"sample": "figure-changes", "seed": 7, "commit": "abc1234", "source": "1", "copy": "2",
                "a_span": [a, a + 9], "b_span": [b, b + 9], "entry": entry, "change": "changed", "label": verdict,
                "class": cls}

    records = [label(40, 44, 1, "true"), label(40, 44, 2, "false", "same-figure"), label(0, 0, 0, "false", "other")]
    assert figure_change_rows(records, report) == [
        ["abc1234", 3, 1, "same-figure 1, other 1", None, "1 of 1", "1 of 2"]]
    # the pool's three entries, every one drawn: the sample is the report's, and its precision is shown
    assert draw_figure_changes(report, 7, 3) == [("1", "2", 0, 0, 0), ("1", "2", 40, 44, 0), ("1", "2", 40, 44, 1)]
    drawn = [label(0, 0, 0, "false", "other"), label(40, 44, 0, "true"), label(40, 44, 1, "true")]
    assert figure_change_rows(drawn, report) == [["abc1234", 3, 2, "other 1", 2 / 3, "2 of 2", "1 of 1"]]

