import pytest
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


# Figure changes of wire copy: (a, b, expected (change, a, b) list).
WIRE_FIGURE_CHANGES = [
    ("Shr profit 61 cts", "Shr loss 1.59 dlrs", [("sign", "Shr profit 61 cts", "Shr loss 1.59 dlrs")]),
    ("Shr profit 61 cts vs 48 cts", "Shr loss 1.59 dlrs vs profit 48 cts",
     [("sign", "Shr profit 61 cts", "Shr loss 1.59 dlrs")]),
    ("Net 1,545,160 vs 2,188,933", "Net 1,645,160 vs 2,188,933", [("changed", "Net 1,545,160", "Net 1,645,160")]),
    ("Net 1,545,160 vs 2,188,933", "Net 1,545,160 vs 2,188,933", []),
    ("Revs 12.4 mln vs 10.6 mln", "Revs 12.4 bln vs 10.6 mln", [("scale", "Revs 12.4 mln", "Revs 12.4 bln")]),
    ("Net 3.1 mln vs 2.2 mln", "Net loss 3.1 mln vs profit 2.2 mln", [("sign", "Net 3.1 mln", "Net loss 3.1 mln")]),
    ("The index was up 2.1 pct on the week.", "The index was down 2.1 pct on the week.",
     [("sign", "up 2.1 pct", "down 2.1 pct")]),
    ("The company sold 113,275 shares.", "The company sold 94,400 shares.",
     [("changed", "113,275 shares", "94,400 shares")]),
    ("It paid 61 cts a share.", "It paid 61 dlrs a share.", [("unit", "61 cts a share", "61 dlrs a share")]),
    ("It will pay 42 cts on April 1.", "It will pay 42 cts per share on April 1.", []),  # said per share
    # lines of a results table pair by what they measure, never across lines
    ("Shr 39 cts vs 50 cts\n    Net 1,545,160 vs 2,188,933",
     "Shr 41 cts vs 50 cts\n    Net 1,545,160 vs 2,188,933", [("changed", "Shr 39 cts", "Shr 41 cts")]),
    # one measure under two names: a re-sent table's "Revs" for "Sales" changes a word, not its figures
    ("Sales 41.1 mln vs 20.3 mln", "Revs 41.1 mln vs 20.3 mln", []),
    ("Sales 31.9 mln vs 23.9 mln", "Revs 32.6 mln vs 23.9 mln", [("changed", "Sales 31.9 mln", "Revs 32.6 mln")]),
    # a headline restates its lead's figures: one side holding it adds none; a figure changed in both is a change
    ("YEN MAY RISE TO 140 TO THE DOLLAR\nTOKYO, March 25 - The yen could rise to 140 yen to the dollar.",
     "TOKYO, March 25 - The yen could rise to 140 yen to the dollar.", []),
    ("QANTAS TO BUY FOUR JETS\nSYDNEY, March 2 - Qantas will buy four jets.",
     "QANTAS TO BUY FIVE JETS\nSYDNEY, March 2 - Qantas will buy five jets.",
     [("changed", "FOUR jets", "FIVE jets"), ("changed", "four jets", "five jets")]),
    # one day with its year and without it; a results table's period written short
    ("The notes are redeemable on October 17, 1988.", "The notes are redeemable on Oct. 17.", []),
    ("The notes are redeemable on October 17, 1988.", "The notes are redeemable on Oct. 18.",
     [("changed", "October 17, 1988", "Oct. 18")]),
    ("Six months\n    Shr 41 cts vs 28 cts", "Six mths\n    Shr 41 cts vs 28 cts", []),
    # the day a story was filed, in its dateline, is no figure of it
    ("NEW YORK, March 12 - It sold 113,275 shares on March 9.", "NEW YORK, March 13 - It sold 94,400 shares on March 9.",
     [("changed", "113,275 shares", "94,400 shares")]),
    # a figure written out in full is the same figure; written alike, two values differ
    ("Net 11.9 mln vs 10.0 mln", "Net 11,908,000 vs 10,005,000", []),
    ("It sold 1.5 mln dlrs of notes.", "It sold 1,623,000 dlrs of notes.",
     [("scale", "1.5 mln dlrs", "1,623,000 dlrs")]),
    ("Shr 1.52 dlrs vs 1.07 dlrs", "Shr 1.5 dlrs vs 1.07 dlrs", [("changed", "Shr 1.52 dlrs", "Shr 1.5 dlrs")]),
    # a table sent rounded to the thousand, then in full; outside a results line, two counts
    ("Net profit 570,000 vs 319,000", "Net profit 570,222 vs 319,344", []),
    ("Net profit 570,000 vs 319,000", "Net profit 571,222 vs 319,344",
     [("changed", "Net profit 570,000", "Net profit 571,222")]),
    ("It sold 500,000 shares.", "It sold 500,100 shares.", [("changed", "500,000 shares", "500,100 shares")]),
    # a range of days written two ways is one period; another last day is another
    ("Car sales for the March 11 to 20 period fell 62 pct.", "Car sales for the March 11-20 period fell 62 pct.", []),
    ("Car sales for the March 11 to 20 period fell 62 pct.", "Car sales for the March 11-19 period fell 62 pct.",
     [("changed", "March 11 to 20", "March 11-19")]),
]


@pytest.mark.parametrize(("a", "b", "expected"), WIRE_FIGURE_CHANGES)
def test_wire_figure_changes(a, b, expected):
    assert figures(diff_texts(a, b)) == expected
    mirrored = {"sign": "sign", "scale": "scale", "changed": "changed", "unit": "unit"}
    assert figures(diff_texts(b, a)) == [(mirrored[c], new, old) for c, old, new in expected]


def test_results_line_figures_pair_by_measure_not_position():
    diff = diff_texts("Revs 25.2 mln vs 19.5 mln\n    Net 1.1 mln vs 0.9 mln",
                      "Net 1.1 mln vs 0.9 mln\n    Revs 25.2 mln vs 19.7 mln")
    assert figures(diff) == [("changed", "Revs 19.5 mln", "Revs 19.7 mln")]


WORDS = st.lists(st.sampled_from(["the", "army", "killed", "31", "18", "civilians", "at", "least", "said", ",",
                                  "roaming", "moving", "Quetta", "."]), max_size=30).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(WORDS, WORDS)
def test_swapping_inputs_swaps_the_output(a, b):
    forward, backward = diff_texts(a, b), diff_texts(b, a)
    swap = {"insert": "delete", "delete": "insert", "replace": "replace", "equal": "equal"}
    assert [(swap[o.op], o.b, o.a) for o in forward.ops] == [(o.op, o.a, o.b) for o in backward.ops]
    assert [(swap[w.kind], w.b, w.a) for w in forward.wording] == [(w.kind, w.a, w.b) for w in backward.wording]
    swap_change = {"added": "removed", "removed": "added", "changed": "changed", "qualifier": "qualifier",
                   "sign": "sign", "scale": "scale", "unit": "unit"}
    assert [(swap_change[f.change], f.b, f.a) for f in forward.figures] == [
        (f.change, f.a, f.b) for f in backward.figures]


@settings(max_examples=60, deadline=None)
@given(WORDS)
def test_a_text_has_no_changes_against_itself(a):
    diff = diff_texts(a, a)
    assert not diff.changed and all(op.op == "equal" for op in diff.ops)


# --- alignment of two documents (dedup diff) --------------------------------------------------------

VOCABULARY = ["police", "said", "the", "army", "killed", "31", "civilians", "in", "Quetta", "on", "Saturday",
              "militants", "attacked", "a", "bank", "and", "stations", "officials", "confirmed", "18"]
SENTENCE = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=14).map(lambda words: " ".join(words) + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=3).map(" ".join)


@st.composite
def articles(draw):
    """Paragraphs (one blank line apart) drawn from a small pool, so that some repeat."""
    pool = draw(st.lists(PARAGRAPH, min_size=1, max_size=5, unique=True))
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=9))


def compare_paragraphs(a: list[str], b: list[str], *, changes: bool = False):
    """The items of ``dedup diff`` of two texts of ``a``'s and ``b``'s paragraphs (one blank line apart): each
    item's status, kind and texts, or with ``changes`` every wording and figure change of the aligned ones."""
    import tempfile
    from pathlib import Path

    from dedup.pipeline import compare

    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder, name) for name in ("a.txt", "b.txt")]
        for path, paragraphs in zip(paths, (a, b)):
            path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        comparison = compare(*paths)
    if changes:
        return [change for item in comparison.items if item.diff is not None
                for change in [*wording(item.diff), *figures(item.diff)]]
    texts = [d.text for d in comparison.documents]
    return [(item.status, item.kind, None if item.a is None else texts[0][item.a.start:item.a.end],
             None if item.b is None else texts[1][item.b.start:item.b.end]) for item in comparison.items]


def test_a_repeated_block_aligns_with_its_own_copy():
    """The sample's first article repeats its paragraphs 2-8 as 9-15: against itself every paragraph
    pairs with itself, not the second copies in B with the first in A."""
    from dedup.pipeline import compare
    from tests.conftest import SAMPLE, seed

    path = SAMPLE / seed("000")
    comparison = compare(path, path)
    assert [(i.status, i.kind, i.a.line, i.b.line) for i in comparison.items] == [
        ("aligned", "exact", line, line) for line in range(1, 16)]


@settings(max_examples=80, deadline=None)
@given(articles())
def test_any_text_against_itself_is_all_aligned(paragraphs):
    items = compare_paragraphs(paragraphs, paragraphs)
    assert items == [("aligned", "exact", p, p) for p in paragraphs]


@settings(max_examples=80, deadline=None)
@given(articles(), st.data())
def test_one_edited_word_leaves_every_other_paragraph_aligned(paragraphs, data):
    edited = data.draw(st.integers(0, len(paragraphs) - 1), label="paragraph")
    words = paragraphs[edited].split(" ")
    position = data.draw(st.integers(0, len(words) - 1), label="word")
    words[position] = "Balochistan" + ("." if words[position].endswith(".") else "")
    copy = [*paragraphs[:edited], " ".join(words), *paragraphs[edited + 1:]]

    items = compare_paragraphs(paragraphs, copy)
    exact = [(a, b) for status, kind, a, b in items if status == "aligned" and kind == "exact"]
    rest = [item for item in items if not (item[0] == "aligned" and item[1] == "exact")]
    # Every other paragraph is aligned exactly, in order (of P P against P' P, the first P pairs with
    # B's P: an equally short diff, and the earliest copy wins a tie).
    assert [a for a, _ in exact] == [*paragraphs[:edited], *paragraphs[edited + 1:]]
    assert all(a == b for a, b in exact)
    if not rest:
        return
    if rest[0][0] == "aligned":  # near or partial: passages of the edited paragraph in both
        assert all(status == "aligned" and a in paragraphs[edited] and b in copy[edited]
                   for status, _, a, b in rest)
    else:
        assert sorted(rest) == [("added", None, None, copy[edited]), ("removed", None, paragraphs[edited], None)]


def test_a_figure_moved_to_the_next_paragraph_did_not_change():
    """The later version moves the count of firms from the lead to the next paragraph: it is neither
    removed from the one nor added to the other; the changed toll still is a change."""
    import tempfile
    from pathlib import Path

    from dedup.pipeline import compare

    first = ["Soldiers detained at least 286 firms' managers in the capital overnight, the interior ministry "
             "said on Tuesday in a statement read on state radio.",
             "The ministry said the raids followed three coup attempts and that 40 people had died in the "
             "fighting since Friday, most of them in the northern districts."]
    later = ["Soldiers detained managers in the capital overnight, the interior ministry said on Tuesday in a "
             "statement read on state radio.",
             "The ministry said the raids, on at least 286 firms, followed three coup attempts and that 45 "
             "people had died in the fighting since Friday, most of them in the northern districts."]
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder, name) for name in ("a.txt", "b.txt")]
        for path, paragraphs in zip(paths, (first, later)):
            path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        comparison = compare(*paths)
    changes = [(f.change, f.a, f.b) for item in comparison.items if item.diff is not None for f in item.diff.figures]
    assert changes == [("changed", "40 people", "45 people")]


def test_a_story_laid_out_in_other_paragraphs_aligns_whole_with_no_figure_added_or_removed():
    """A re-sent story whose lines are paragraphs of their own in one sending and wrapped into a longer
    paragraph in the other is the same text: the joined paragraph aligns with the run of lines it joins, so
    only what changed is listed, not the words and figures of a line that another paragraph now holds."""
    sent = ["HARBOUR AUTHORITY GRAIN EXPORTS OFF 18 PCT",
            "PORTLAND, Ore., March 9 - The Port of Portland said",
            "grain exports in the week to March 6 fell 18 pct to 412,000 tonnes",
            "from 502,000 tonnes in the same week a year ago.",
            "There were five loading days in both weeks, the port said."]
    resent = [sent[0],
              "PORTLAND, Ore., March 9 - The Port of Portland <PTPL> said\n"
              "grain exports in the week to March 6 fell 18 pct to 412,000 tonnes\n"
              "from 502,000 tonnes in the same week a year ago.",
              sent[4]]
    assert compare_paragraphs(sent, resent) == [
        ("aligned", "exact", sent[0], resent[0]),
        ("aligned", "near", "\n\n".join(sent[1:4]), resent[1]),
        ("aligned", "exact", sent[4], resent[2]),
    ]
    changes = compare_paragraphs(sent, resent, changes=True)
    assert changes == [("insert", "", "<PTPL>")]


def test_a_line_the_other_text_holds_word_for_word_aligns_with_its_copy_not_as_another_line_edited():
    """Five one-word lines and a short line whose first word was replaced: each one-word line pairs with its
    own copy; it is not taken as an edit of the changed line, which shares one word with it and is longer."""
    first = ["police."] * 5 + ["said police police."]
    later = ["police."] * 5 + ["Balochistan police police."]
    assert compare_paragraphs(first, later) == [("aligned", "exact", "police.", "police.")] * 5 + [
        ("removed", None, "said police police.", None), ("added", None, None, "Balochistan police police.")]


ZINC = ["HUDSON MINING CUTS ZINC PRICES",
        "TORONTO, March 9 - Hudson Mining Ltd said it cut the price of zinc sold in North America by one U.S. cent "
        "a pound, effective immediately.",
        "The new price for high grade zinc is 37 U.S. cents a pound, the company said. Special high grade zinc was "
        "also cut, to 38 U.S. cents a pound, it said."]
ZINC_PRICE = "The new price for high grade zinc is 37 U.S. cents a pound, the company said."
ZINC_SPECIAL = "Special high grade zinc was also cut, to 38 U.S. cents a pound, it said."


@pytest.mark.parametrize(("later", "changes"), [
    # the price sentence moved up to the lead: nothing was removed
    ([ZINC[0], ZINC_PRICE, ZINC[1], ZINC_SPECIAL],
     [("delete", "The new price for high grade zinc is 37 U.S. cents a pound, the company said", "")]),
    # the price sentence dropped: its figure is removed
    ([ZINC[0], ZINC[1], ZINC_SPECIAL],
     [("delete", "The new price for high grade zinc is 37 U.S. cents a pound, the company said", ""),
      ("removed", "37", None)]),
])
def test_a_figure_whose_sentence_the_other_text_still_writes_elsewhere_was_not_removed(later, changes):
    assert compare_paragraphs(ZINC, later, changes=True) == changes


def test_a_figure_removed_and_added_under_another_label_is_one_figure_or_its_sign_changed():
    """Split across two aligned passages, a removed figure and an added one with the same precise value are
    one figure relabelled (nothing changed), or a profit that became a loss (one sign change); a small
    number that recurs by chance pairs with nothing."""
    from dedup.diff import FigureChange
    from dedup.figure_moves import moved_or_relabelled

    relabelled = [FigureChange("removed", "171.7 mln", None, None, 10), FigureChange("added", None, "Revs 171.7 mln", None, None, 40)]
    to_loss = [FigureChange("removed", "Oper net 794,711", None, None, 10), FigureChange("added", None, "Oper loss 794,711", None, None, 40)]
    small = [FigureChange("removed", "15 people", None, None, 10), FigureChange("added", None, "15 soldiers", None, None, 40)]
    assert moved_or_relabelled(relabelled) == {id(relabelled[0]): None, id(relabelled[1]): None}
    assert moved_or_relabelled(to_loss) == {
        id(to_loss[0]): FigureChange("sign", "Oper net 794,711", "Oper loss 794,711", None, 10, 40), id(to_loss[1]): None}
    assert moved_or_relabelled(small) == {}


def test_a_precise_figure_the_other_text_gives_reworded_elsewhere_was_not_removed():
    lead = ("RIO DE JANEIRO, March 16 - The trade surplus doubled in February to 261 mln dlrs from January's 129 "
            "mln, but was below the 628 mln of February 1986, official figures show.")
    first = ["BRAZIL TRADE SURPLUS DOUBLED IN FEBRUARY", lead, "Exports rose to 1.6 billion dlrs, the figures showed."]
    later = [first[0], lead.replace(", but was below the 628 mln of February 1986", ""),
             "Exports rose to 1.6 billion dlrs, well below the 628 mln dlrs of February last year in the surplus, "
             "the figures showed."]
    assert compare_paragraphs(first, later, changes=True) == [
        ("delete", "but was below the 628 mln of February 1986", "")]


def test_a_range_written_the_other_way_round_changes_no_figure():
    first = ["CAROLIN MINES ASSAYS TAILINGS",
             "VANCOUVER, March 9 - Carolin Mines Ltd said recent assays of tailings at its Hope mine ranged from "
             "0.50 to 0.64 ounces of gold per ton, with trace amounts of platinum."]
    later = [first[0], "VANCOUVER, March 9 - Carolin Mines Ltd said recent assays of tailings at its Hope mine "
             "indicated that ounces of gold per ton ranged from 0.64 to 0.50, with trace amounts of platinum."]
    assert [c for c in compare_paragraphs(first, later, changes=True) if c[0] in ("added", "removed", "changed")] == []


def _reference_chain(pairs):
    """The heaviest chain by the definition: every earlier pair tried for each pair (quadratic)."""
    ordered = sorted(pairs, key=lambda p: (p.a.start, p.b.start))
    best = [p.weight for p in ordered]
    previous = [-1] * len(ordered)
    for j, pj in enumerate(ordered):
        for i in range(j):
            pi = ordered[i]
            if pi.a.end <= pj.a.start and pi.b.end <= pj.b.start and best[i] + pj.weight > best[j]:
                best[j], previous[j] = best[i] + pj.weight, i
    if not ordered:
        return []
    chain, k = [], max(range(len(ordered)), key=best.__getitem__)
    while k >= 0:
        chain.append(ordered[k])
        k = previous[k]
    return chain[::-1]


SPAN = st.tuples(st.integers(0, 30), st.integers(1, 8))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(SPAN, SPAN, st.sampled_from([0.0, 0.25, 0.5, 1.0])), max_size=40))
def test_the_heaviest_chain_is_the_one_every_earlier_pair_tried_gives(spans):
    """The alignment's chain (a Fenwick tree over where chains end) is the quadratic definition's, ties
    included: the same pairs, in order."""
    from dedup.align import _heaviest_chain, _Pair
    from dedup.model import Passage

    pairs = [_Pair("near", Passage(0, a, a + la, 1, 1), Passage(1, b, b + lb, 1, 1), similarity, similarity)
             for (a, la), (b, lb), similarity in spans]
    assert _heaviest_chain(pairs) == _reference_chain(pairs)
