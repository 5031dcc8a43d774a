from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.diff import diff_texts

VIDEOS_A = ("Videos shared on social media show insurgents roaming freely through Quetta, firing rocket launchers "
            "at a bank, and torching police stations.")
VIDEOS_B = ("Videos shared on social media, including by the BLA, show insurgents moving freely through Quetta, "
            "firing rocket launchers at a bank, torching police stations, and standing on roadsides.")


def wording(diff):
    return [(w.kind, w.a, w.b) for w in diff.wording]


def figures(diff):
    return [(f.change, f.a, f.b) for f in diff.figures]


def test_reworded_passage_lists_replacements_and_insertions():
    diff = diff_texts(VIDEOS_A, VIDEOS_B)
    assert wording(diff) == [
        ("insert", "", "including by the BLA"),
        ("replace", "roaming", "moving"),
        ("insert", "", "and standing on roadsides"),
    ]
    assert figures(diff) == []


def test_renamed_group():
    a = "The proscribed Balochistan Liberation Army (BLA) has claimed responsibility for the attacks."
    b = "The proscribed Baloch Liberation Army (BLA) has claimed responsibility for the attacks."
    assert wording(diff_texts(a, b)) == [("replace", "Balochistan", "Baloch")]


def test_changed_count_is_a_figure_change_not_wording():
    a = "The assault resulted in the deaths of at least 31 civilians, with many more injured."
    b = "The assault resulted in the deaths of at least 18 civilians, with many more injured."
    diff = diff_texts(a, b)
    assert wording(diff) == []
    assert figures(diff) == [("changed", "at least 31 civilians", "at least 18 civilians")]
    assert diff.figures[0].counts == "civilians"


def test_qualifier_change():
    diff = diff_texts("The army killed at least 92 militants.", "The army killed 92 militants.")
    assert figures(diff) == [("qualifier", "at least 92 militants", "92 militants")]


def test_added_and_removed_figures():
    diff = diff_texts("Police arrested 12 protesters on Monday.",
                      "Police arrested protesters on Monday and injured 4 journalists.")
    assert figures(diff) == [("removed", "12 protesters", None), ("added", None, "4 journalists")]


def test_case_and_typographic_quotes_are_not_changes():
    diff = diff_texts('He said "no" to the plan.', "He said \u201cNo\u201d to the plan.")
    assert wording(diff) == [] and figures(diff) == []
    assert all(op.op == "equal" for op in diff.ops)


def test_ops_carry_absolute_offsets():
    a, b = "xx " + VIDEOS_A, "yyyy " + VIDEOS_B
    diff = diff_texts(VIDEOS_A, VIDEOS_B, a_offset=3, b_offset=5)
    for op in diff.ops:
        assert a[op.a_start:op.a_end] == op.a
        assert b[op.b_start:op.b_end] == op.b


WORDS = st.lists(st.sampled_from(["the", "army", "killed", "31", "18", "civilians", "at", "least", "said", ",",
                                  "roaming", "moving", "Quetta", "."]), max_size=30).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(WORDS, WORDS)
def test_swapping_inputs_swaps_the_output(a, b):
    forward, backward = diff_texts(a, b), diff_texts(b, a)
    swap = {"insert": "delete", "delete": "insert", "replace": "replace", "equal": "equal"}
    assert [(swap[o.op], o.b, o.a) for o in forward.ops] == [(o.op, o.a, o.b) for o in backward.ops]
    assert [(swap[w.kind], w.b, w.a) for w in forward.wording] == [(w.kind, w.a, w.b) for w in backward.wording]
    swap_change = {"added": "removed", "removed": "added", "changed": "changed", "qualifier": "qualifier"}
    assert [(swap_change[f.change], f.b, f.a) for f in forward.figures] == [
        (f.change, f.a, f.b) for f in backward.figures]


@settings(max_examples=60, deadline=None)
@given(WORDS)
def test_a_text_has_no_changes_against_itself(a):
    diff = diff_texts(a, a)
    assert not diff.changed and all(op.op == "equal" for op in diff.ops)
