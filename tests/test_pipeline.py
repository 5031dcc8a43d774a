"""The pipeline's own plumbing (the stages have their own test files)."""

from __future__ import annotations

import gc

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
