"""The acceptance cases of the scan on the five bundled articles (checked by hand once)."""

import shutil

import pytest

from dedup import scan
from tests.conftest import FIXTURES, SAMPLE, seed


def spans(report, kind, scope=None):
    ids = [d.id[:3] for d in report.documents]
    return sorted(
        (ids[m.a.doc], m.a.line, ids[m.b.doc], m.b.line)
        for m in report.matches
        if m.kind == kind and (scope is None or m.scope == scope)
    )


def test_exact_internal_repeats_and_no_other_exact_match(seed_report):
    assert spans(seed_report, "exact") == (
        [("000", line, "000", line + 7) for line in range(2, 9)]
        + [("003", line, "003", line + 5) for line in range(2, 7)]
    )
    assert all(m.scope == "internal" for m in seed_report.matches if m.kind == "exact")


def test_repeated_blocks(seed_report):
    ids = [d.id[:3] for d in seed_report.documents]
    blocks = [(ids[b.a.doc], b.a.line, b.a.end_line, ids[b.b.doc], b.b.line, b.b.end_line, b.count, b.kind)
              for b in seed_report.blocks]
    assert blocks == [("000", 2, 8, "000", 9, 15, 7, "exact"), ("003", 2, 6, "003", 7, 11, 5, "exact")]


@pytest.mark.parametrize(
    ("a", "a_line", "a_start", "b", "b_line", "b_start"),
    [
        ("000", 4, "Videos shared on social media show insurgents roaming freely through Quetta",
         "001", 8, "Videos shared on social media, including by the BLA, show insurgents moving freely"),
        ("000", 3, "The proscribed Balochistan Liberation Army (BLA) has claimed responsibility",
         "001", 7, "The proscribed Baloch Liberation Army (BLA) has claimed responsibility"),
        ("001", 10, "Additionally, Pakistan has repeatedly accused Afghanistan of providing safe sanctuaries",
         "004", 17, "Pakistan has repeatedly accused Baloch separatists, the Pakistani Taliban"),
    ],
)
def test_cross_file_partial_reuse(seed_report, a, a_line, a_start, b, b_line, b_start):
    texts = {d.id[:3]: d.text for d in seed_report.documents}
    ids = [d.id[:3] for d in seed_report.documents]
    found = [
        m for m in seed_report.matches
        if m.kind == "partial" and m.scope == "cross" and ids[m.a.doc] == a and ids[m.b.doc] == b
        and m.a.line == a_line and m.b.line == b_line
    ]
    assert len(found) == 1
    match = found[0]
    assert texts[a][match.a.start:match.a.end].startswith(a_start)
    assert texts[b][match.b.start:match.b.end].startswith(b_start)
    assert 0 < match.similarity <= match.containment <= 1


def test_unrelated_article_and_stock_phrases_get_no_match(tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(SAMPLE, folder)
    for name in ("unrelated_library.txt", "stock_phrases.txt"):
        shutil.copy(FIXTURES / "articles" / name, folder / name)
    report = scan(folder)
    outsiders = {i for i, d in enumerate(report.documents) if d.id in ("unrelated_library.txt", "stock_phrases.txt")}
    assert len(outsiders) == 2
    assert not [m for m in report.matches if {m.a.doc, m.b.doc} & outsiders]
    assert not [r for r in report.relations if {r.source, r.copy} & outsiders]
    assert not [c for c in report.figure_conflicts if any(set(v.docs) & outsiders for v in c.values)]
    # ... and the seeds' own matches are unchanged by the newcomers
    assert len([m for m in report.matches if m.kind == "exact"]) == 12


def test_relations_are_directional_and_limited_to_reusing_pairs(seed_report):
    ids = [d.id[:3] for d in seed_report.documents]
    pairs = {(ids[r.source], ids[r.copy]): (r.kind, r.source_in_copy, r.copy_in_source) for r in seed_report.relations}
    assert set(pairs) == {("000", "001"), ("001", "004")}
    kind, source_in_copy, copy_in_source = pairs[("000", "001")]
    assert kind == "reuse" and 0 < copy_in_source < source_in_copy < 1


def test_a_document_always_matches_itself(tmp_path):
    text = (SAMPLE / seed("002")).read_text(encoding="utf-8")
    (tmp_path / "one.txt").write_text(text, encoding="utf-8")
    (tmp_path / "two.txt").write_text(text, encoding="utf-8")
    report = scan(tmp_path)
    assert [(r.kind, r.source_in_copy, r.copy_in_source) for r in report.relations] == [("duplicate", 1.0, 1.0)]


def _match_starting(report, prefix):
    return next(m for m in report.matches
                if report.documents[m.b.doc].text[m.b.start:m.b.end].startswith(prefix))


def test_diff_of_the_videos_pair(seed_report):
    match = _match_starting(seed_report, "Videos shared on social media, including by the BLA")
    wording = [(w.kind, w.a, w.b) for w in match.diff.wording]
    assert ("replace", "roaming", "moving") in wording
    assert ("insert", "", "including by the BLA") in wording


def test_diff_of_the_proscribed_pair(seed_report):
    match = _match_starting(seed_report, "The proscribed Baloch Liberation Army")
    assert [(w.kind, w.a, w.b) for w in match.diff.wording][0] == ("replace", "Balochistan", "Baloch")
    assert [(f.change, f.b) for f in match.diff.figures] == [
        ("added", "84 security personnel"), ("added", "18 security and civilian officials")]


def test_figure_conflicts_of_the_seeds(seed_report):
    ids = [d.id[:3] for d in seed_report.documents]
    found = {c.counts: [(v.value, [ids[d] for d in v.docs]) for v in c.values] for c in seed_report.figure_conflicts}
    assert found["civilians killed"] == [("31", ["000", "001", "002"]), ("18", ["003", "004"])]
    assert found["security personnel killed"] == [("17", ["000", "001", "002"]), ("15", ["003", "004"])]
    assert found["militants killed"] == [("145", ["001", "002"]), ("92", ["003", "004"])]
    values = [v.value for c in seed_report.figure_conflicts for v in c.values]
    assert "84" not in values and "41" not in values  # figures that agree are not conflicts
    civilians = next(c for c in seed_report.figure_conflicts if c.counts == "civilians killed")
    assert civilians.values[1].text.startswith("The military reported that 15 security service personnel and 18")
