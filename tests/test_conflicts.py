"""Figure conflicts across rewrites: the seed acceptance test and the headline rule on small cases."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np

from dedup.conflicts import FigureConflict, find_figure_conflicts
from dedup.figures import fold_counts, merge_folds
from dedup.pipeline import analyze, figure_conflicts
from dedup.segment import segment_documents
from dedup.sources import Document

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def seed_documents() -> list[tuple[str, list[tuple[str, int]]]]:
    return [
        (path.name[:3], [(s, number) for number, line in enumerate(lines(path), 1)
                         for s in _SENTENCE_BREAK.split(line) if s.strip()])
        for path in sorted(SAMPLE.glob("*.txt"))
    ]


def numbered(documents: list[tuple[str, list[str]]]) -> list[tuple[str, list[tuple[str, int]]]]:
    """Documents of sentences, one sentence per line."""
    return [(doc, [(sentence, number) for number, sentence in enumerate(sentences, 1)]) for doc, sentences in documents]


def summary(conflicts: list[FigureConflict]) -> list[tuple[str, list[tuple[str, tuple[str, ...]]]]]:
    return [(c.counts, [(v.value, v.docs) for v in c.values]) for c in conflicts]


def test_seed_conflicts() -> None:
    conflicts = find_figure_conflicts(seed_documents())
    assert summary(conflicts) == [
        # 000's headline total, 002's and 004's totals: the stories also disagree on the overall toll.
        ("people killed", [("31", ("000",)), ("190", ("002",)), ("120", ("004",))]),
        ("security personnel killed", [("17", ("000", "001", "002")), ("15", ("003", "004"))]),
        ("civilians killed", [("31", ("000", "001", "002")), ("18", ("003", "004"))]),
        ("militants killed", [("145", ("001", "002")), ("92", ("003", "004"))]),
    ]
    by_group = {c.counts: c for c in conflicts}
    civilians = by_group["civilians killed"].values
    assert civilians[0].text == (
        "The assault also resulted in the deaths of at least 31 civilians, with many more injured."
    )
    assert civilians[1].text == (
        "The military reported that 15 security service personnel and 18 civilians were also killed, "
        "alleging "
        "India's support for the militants, a claim that Delhi has repeatedly denied."
    )
    assert [(s.doc, s.line, s.figure.text) for s in civilians[1].sources] == [
        ("003", 1, "18"),
        ("004", 4, "a total of 18"),
    ]
    security = by_group["security personnel killed"].values
    assert security[0].text == (
        "Scores of insurgents launched a coordinated attack on military installations, police stations, "
        "banks, "
        "and government offices, killing at least 17 security personnel."
    )
    assert security[1].sources[1].sentence == (
        "The military reported casualties among civilians, security personnel, and insurgents, with a total "
        "of "
        "18 civilians, 15 security personnel, and 92 insurgents losing their lives."
    )
    militants = by_group["militants killed"].values
    assert militants[0].text == (
        "In response to the assaults, Sarfraz Bugti, the chief minister of Balochistan, stated that security "
        "forces had killed 145 militants within 40 hours, with their bodies now in the custody of "
        "authorities."
    )
    assert militants[1].text == (
        "Pakistan's military says it has killed at least 92 militants blamed for deadly co-ordinated attacks "
        "in the "
        "south-western Balochistan province on Saturday."
    )


def test_seed_conflicts_leave_out_claims_later_facts_and_prisoners() -> None:
    sources = [s for c in find_figure_conflicts(seed_documents()) for v in c.values for s in v.sources]
    assert all(not s.figure.claimed for s in sources)  # the 84 claimed by the BLA: 000 and 001 agree
    assert 84.0 not in {s.figure.value for s in sources}
    assert 41.0 not in {s.figure.value for s in sources}  # 002 and 004: killed in separate operations
    assert all(s.figure.event == "killed" for s in sources)  # nobody taken prisoner is mixed in
    assert all("official" not in (s.figure.counts or "") for s in sources)
    civilians = next(c for c in find_figure_conflicts(seed_documents()) if c.counts == "civilians killed")
    assert {fold_counts(s.figure.counts) for v in civilians.values for s in v.sources} == {"civilians"}


def test_agreeing_values_are_not_conflicts() -> None:
    documents = [
        ("a", ["At least 31 civilians were killed."]),
        ("b", ["The attack killed 31 civilians."]),  # a qualifier difference is not a conflict
        ("c", ["Officials said 31 residents died."]),
    ]
    assert find_figure_conflicts(numbered(documents)) == []


def test_a_document_does_not_contradict_itself() -> None:
    documents = [
        ("a", ["Troops killed 145 militants.", "Earlier they killed 41 insurgents in other operations."]),
        ("b", ["Security forces eliminated 145 attackers."]),
    ]
    assert find_figure_conflicts(numbered(documents)) == []


def test_repeated_sentences_count_once() -> None:
    documents = [
        ("a", ["Gunmen killed 12 soldiers.", "Gunmen killed 12 soldiers."]),
        ("b", ["Gunmen killed 14 soldiers."]),
    ]
    [conflict] = find_figure_conflicts(numbered(documents))
    values = [(v.value, v.docs, len(v.sources)) for v in conflict.values]
    assert values == [("12", ("a",), 1), ("14", ("b",), 1)]


def test_vague_amounts_and_claims_are_kept_apart() -> None:
    documents = [
        ("a", ["Dozens of soldiers were killed."]),
        ("b", ["The army said 12 soldiers were killed."]),
        ("c", ["The rebels claimed to have killed 50 soldiers."]),
    ]
    assert find_figure_conflicts(numbered(documents)) == []


def test_ranges_and_order_of_first_appearance() -> None:
    documents = [
        ("b", ["Police arrested 9 students.", "Between 30 and 40 people were killed."]),
        ("a", ["Police arrested 7 students.", "At least 50 people were killed."]),
    ]
    assert summary(find_figure_conflicts(numbered(documents))) == [
        ("students arrested", [("9", ("b",)), ("7", ("a",))]),
        ("people killed", [("30-40", ("b",)), ("50", ("a",))]),
    ]


def test_claims_conflict_only_with_claims() -> None:
    documents = [
        ("a", ["The group claimed to have killed 84 security personnel."]),
        ("b", ["The group asserted that it killed 90 soldiers."]),
    ]
    assert summary(find_figure_conflicts(numbered(documents))) == [
        ("security personnel killed (claimed)", [("84", ("a",)), ("90", ("b",))]),
    ]


def test_extended_folds_group_jihadists_with_militants() -> None:
    documents = [("a", ["Troops killed 5 jihadists."]), ("b", ["Troops killed 7 militants."])]
    assert find_figure_conflicts(numbered(documents)) == []
    assert summary(find_figure_conflicts(numbered(documents), merge_folds({"militants": ["jihadists"]}))) == [
        ("militants killed", [("5", ("a",)), ("7", ("b",))]),
    ]


def test_pipeline_ships_stories_as_texts_and_spans() -> None:
    """The pipeline sends each story's texts and sentence spans to the engine: the conflicts are the
    rule's on those sentences, story by story, for stories of any documents in any order."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLE.glob("*.txt"))] + [""]
    _, sentences = segment_documents(texts)

    def sentences_of(doc: int) -> list[tuple[str, int]]:
        rows = np.flatnonzero(sentences.doc == doc)
        return list(zip(sentences.texts(texts, rows), sentences.line[rows].tolist()))

    stories = [[0, 2, 5], [1, 3, 4], [0, 1, 2, 3, 4]]
    expected = [c for story in stories for c in find_figure_conflicts([(d, sentences_of(d)) for d in story])]
    assert len(expected) > 3
    assert figure_conflicts(texts, sentences, stories) == expected
    assert figure_conflicts(texts, sentences, []) == []


# Story-line conflicts on wire copy written for these tests, in the style of a newswire.
RESULTS_ACME = ("ACME CORP <ACM> 4TH QTR NET\nDALLAS, March 4 - Shr 40 cts vs 31 cts\n"
                "    Net 2,100,000 vs 1,650,000\n    Revs 30.2 mln vs 28.7 mln\n    Year\n"
                "    Shr 1.50 dlrs vs 1.20 dlrs\n    Net 7,900,000 vs 6,300,000\n")
RESULTS_BOLT = ("BOLT INDUSTRIES <BLT> 4TH QTR NET\nDALLAS, March 4 - Shr 12 cts vs 10 cts\n"
                "    Net 640,000 vs 520,000\n    Revs 9.8 mln vs 9.1 mln\n    Year\n"
                "    Shr 48 cts vs 41 cts\n    Net 2,550,000 vs 2,180,000\n")
QUAKE_FIRST = ("QUAKE KILLS 31 IN NORTHERN ECUADOR\nQUITO, March 6 - An earthquake struck Napo province near "
               "Lago Agrio on Thursday and killed at least 31 people, the Civil Defence office said.")
QUAKE_SECOND = ("ECUADOR QUAKE TOLL PUT AT 18\nQUITO, March 7 - Rescuers in Napo said 18 people were killed when "
                "houses collapsed in Thursday's tremor, officials of Civil Defence in Lago Agrio said.")
SHIPS_MONDAY = ("GRAIN SHIPS LOADING AT PORTLAND\nPORTLAND, March 6 - There were six grain ships loading and two "
                "ships were waiting to load at Portland, according to the Merchants Exchange.")
SHIPS_THURSDAY = ("GRAIN SHIPS LOADING AT PORTLAND\nPORTLAND, March 9 - There were two grain ships loading and four "
                  "ships were waiting to load at Portland, according to the Merchants Exchange.")


def wire(*texts: str) -> list[tuple[str, list[tuple[str, int]]]]:
    """Documents named a, b, ... as the pipeline segments them."""
    _, sentences = segment_documents(list(texts))
    return [(chr(ord("a") + doc), list(zip(sentences.texts(list(texts), np.flatnonzero(sentences.doc == doc)),
                                            sentences.line[sentences.doc == doc].tolist())))
            for doc in range(len(texts))]


def test_two_companies_results_are_no_conflict() -> None:
    """Two results tables of one template, even related by a (false) match: their headlines differ."""
    assert find_figure_conflicts(wire(RESULTS_ACME, RESULTS_BOLT)) == []
    assert find_figure_conflicts(wire(RESULTS_ACME, RESULTS_BOLT), related=[("a", "b")]) == []


def test_two_reports_of_one_quake_conflict_on_the_dead() -> None:
    assert summary(find_figure_conflicts(wire(QUAKE_FIRST, QUAKE_SECOND), related=[])) == [
        ("people killed", [("31", ("a",)), ("18", ("b",))]),
    ]
    days_apart = [datetime(1987, 3, 6), datetime(1987, 3, 12)]  # a week later: another event's count
    assert find_figure_conflicts(wire(QUAKE_FIRST, QUAKE_SECOND), dates=days_apart) == []


def test_one_series_on_two_days_is_no_conflict() -> None:
    """The same report of another day (its dateline) counts other ships, even between related documents."""
    assert find_figure_conflicts(wire(SHIPS_MONDAY, SHIPS_THURSDAY), related=[("a", "b")]) == []
    same_day = SHIPS_THURSDAY.replace("March 9", "March 6")  # a corrected re-send of one day's report
    assert summary(find_figure_conflicts(wire(SHIPS_MONDAY, same_day), related=[("a", "b")])) == [
        ("grain ships", [("6", ("a",)), ("2", ("b",))]),
        ("ships", [("2", ("a",)), ("4", ("b",))]),
    ]
    assert find_figure_conflicts(wire(SHIPS_MONDAY, same_day), related=[]) == []  # not versions


def test_a_corrected_results_line_conflicts_with_the_original() -> None:
    corrected = "CORRECTED - " + RESULTS_ACME.replace("Net 2,100,000", "Net 2,400,000").replace(
        "Shr 40 cts", "Shr loss 40 cts")
    assert summary(find_figure_conflicts(wire(RESULTS_ACME, corrected), related=[("a", "b")])) == [
        ("Shr (USD)", [("0.4", ("a",)), ("-0.4", ("b",))]),
        ("Net", [("2100000", ("a",)), ("2400000", ("b",))]),
    ]


def test_rounded_amounts_agree_and_periods_are_apart() -> None:
    rounded = RESULTS_ACME.replace("Net 2,100,000", "Net 2.1 mln").replace("Revs 30.2 mln", "Revs 30,237,000")
    assert find_figure_conflicts(wire(RESULTS_ACME, rounded), related=[("a", "b")]) == []
    # The year's lines are compared with the year's, never with the quarter's.
    quarter_only = RESULTS_ACME.split("    Year")[0]
    year_first = RESULTS_ACME.replace("4TH QTR", "YEAR").split("    Year")[1]
    assert find_figure_conflicts(wire(quarter_only, "ACME CORP <ACM> YEAR NET\nDALLAS, March 4 -" + year_first),
                                 related=[("a", "b")]) == []


CATTLE_YEAR = ("URUGUAY BEEF SALES ABROAD\nMONTEVIDEO, March 11 - Uruguay's beef sales abroad in Jan/Dec 1986 came to "
               "118,402 tonnes, against 131,077 tonnes in the same 1985 period, the livestock institute said.")


def test_totals_of_other_years_are_other_quantities() -> None:
    """Two reports of one board the same day, one for the year and one for two months: their sentences are
    worded alike, but a sentence naming other years counts another period."""
    months = CATTLE_YEAR.replace("Jan/Dec 1986 came to 118,402", "Jan/Feb 1987 came to 20,650").replace(
        "131,077 tonnes in the same 1985", "22,813 tonnes in the same 1986")
    assert find_figure_conflicts(wire(CATTLE_YEAR, months), related=[("a", "b")]) == []
    corrected = CATTLE_YEAR.replace("118,402", "118,204")  # the same year's total, corrected
    assert summary(find_figure_conflicts(wire(CATTLE_YEAR, corrected), related=[("a", "b")])) == [
        ("tonnes", [("118402", ("a",)), ("118204", ("b",))]),
    ]


def test_killed_or_wounded_is_not_killed() -> None:
    documents = [("a", ["Iran said Iraq lost 3,000 men killed or wounded in the battle."]),
                 ("b", ["Iraq said 220 men were killed in the battle."])]
    assert find_figure_conflicts(numbered(documents)) == []


def test_a_scan_of_a_small_wire_reports_the_quake_toll_only() -> None:
    """End to end: six stories, two companies' results, a series on two days and two reports of a
    quake; the story lines hold each report pair, and the only conflict is the quake's dead."""
    texts = [RESULTS_ACME, QUAKE_FIRST, SHIPS_MONDAY, RESULTS_BOLT, QUAKE_SECOND, SHIPS_THURSDAY]
    report = analyze([Document(str(number), f"{number}.txt", text) for number, text in enumerate(texts)])
    assert [(c.counts, [(v.value, v.docs) for v in c.values]) for c in report.figure_conflicts] == [
        ("people killed", [("31", (1,)), ("18", (4,))]),
    ]


def test_an_event_of_another_day_is_another_quantity() -> None:
    """A report that recalls last year's disaster ("31 were killed ... last April 26") does not
    disagree with today's dam collapse: the day its sentence names is the event's."""
    recalled = wire("SCIENTIST SPEAKS ON CHERNOBYL\nMOSCOW, March 16 - About 31 people were killed after an explosion "
                    "at Chernobyl last April 26, Pravda said.",
                    "DAM COLLAPSES IN TADZHIKISTAN\nMOSCOW, March 16 - Seventeen people were killed when a dam "
                    "collapsed, Tass said.")
    assert find_figure_conflicts(recalled) == []
    today = "DAM COLLAPSES\nMOSCOW, March 16 - About 31 people were killed when a dam collapsed, Tass said."
    assert summary(find_figure_conflicts(wire(today, today.replace("About 31", "Seventeen")))) == [
        ("people killed", [("31", ("a",)), ("17", ("b",))]),
    ]
