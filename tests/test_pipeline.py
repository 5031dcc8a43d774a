"""The pipeline's own plumbing (the stages have their own test files)."""

from __future__ import annotations

import dataclasses
import gc

import pytest

from dedup.config import ScanConfig
from dedup.diff import diff_texts
from dedup.pipeline import analyze, diff_values
from dedup.sources import Document


def test_analyze_leaves_the_cycle_collector_as_it_found_it() -> None:
    documents = [Document(str(i), str(i), "Thirty-one civilians were killed on Monday in the town.", "utf-8", {})
                 for i in range(2)]
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            assert analyze(documents).matches
            assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_diff_values_are_the_diff_fields_in_order() -> None:
    a, b = "At least 31 civilians were killed, officials said.", "18 civilians died, the officials said."
    diff = diff_texts(a, b, 10, 20)
    ops, wording, figures = diff_values(a, b, 10, 20)
    assert diff.figures and diff.wording
    assert ops == [(o.op, o.a_start, o.a_end, o.b_start, o.b_end, o.a, o.b) for o in diff.ops]
    assert wording == [(w.kind, w.a, w.b) for w in diff.wording]
    assert figures == [(f.change, f.a, f.b, f.counts, f.a_start, f.b_start) for f in diff.figures]


def test_scan_without_diffs_through_the_api() -> None:
    text = "At least 31 civilians were killed on Monday in the town, officials said on Tuesday."
    documents = [Document("a", "a", text, "utf-8", {}),
                 Document("b", "b", text.replace("At least 31", "18"), "utf-8", {})]
    full, lean = analyze(documents), analyze(documents, ScanConfig(diffs=False))
    assert [(m.kind, m.diff is not None) for m in full.matches] == [("near", True)]
    assert [f.a + " -> " + f.b for f in full.matches[0].diff.figures] == ["At least 31 civilians -> 18 civilians"]
    assert [(m.kind, m.diff) for m in lean.matches] == [("near", None)]
    assert (full.diffs, lean.diffs) == (True, False)
    assert ([dataclasses.replace(r, alignment=()) for r in full.relations] == lean.relations
            and lean.figure_conflicts == [])
    with pytest.raises(ValueError, match="diffs must be True or False, got 'no'"):
        ScanConfig(diffs="no")  # type: ignore[arg-type]
