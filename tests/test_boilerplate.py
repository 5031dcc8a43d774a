"""Boilerplate: text recurring across otherwise unrelated documents is reported once and is never reuse."""

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup import scan
from dedup.boilerplate import boilerplate_groups, listed_matcher, mostly_shared, parse_listed
from dedup.cli import app
from dedup.config import ScanConfig
from dedup.index import Index
from dedup.pipeline import analyze
from dedup.sources import Document
from tests.conftest import FIXTURES

CASE = FIXTURES / "boilerplate"
STORED = [CASE / f"stored-{k}.txt" for k in (1, 2, 3)]
SIGN_OFF = "Reporting by the Northgate Wire newsroom; all times local."
FOOTER = ("Get the morning briefing in your inbox: sign up to the Northgate Wire newsletter at "
          "northgatewire.example/briefing and read every story free for a month.")
runner = CliRunner()


def documents(*texts: str) -> list[Document]:
    return [Document(f"d{k}", f"d{k}.txt", text) for k, text in enumerate(texts)]


# --- the rule ---------------------------------------------------------------------------------------

def test_a_group_is_boilerplate_when_most_pairs_of_its_documents_share_nothing_else():
    groups = {"sign-off": [1, 2, 3, 4], "lead": [5, 6, 7, 8]}
    linked = {(5, 6), (5, 7), (6, 8)}  # three of the lead's six pairs are versions of one another
    related = lambda a, b: (min(a, b), max(a, b)) in linked  # noqa: E731
    assert boilerplate_groups(groups, related) == {"sign-off"}
    assert boilerplate_groups({"lead": [5, 6, 7, 8]}, lambda a, b: (a, b) == (5, 6)) == {"lead"}  # 1 of 6


def test_recurring_text_that_is_most_of_both_documents_relates_them():
    assert mostly_shared(600, 1000, 600, 900)
    assert not mostly_shared(600, 1000, 100, 900)  # a short note and a long story sharing the note's text


def test_listed_lines_and_patterns():
    lines = parse_listed(["# our wire's furniture", "", SIGN_OFF.upper(), "re:reporting by .* newsroom.*"], "bp.txt")
    assert lines == (SIGN_OFF.upper(), "re:reporting by .* newsroom.*")
    match = listed_matcher(lines)
    assert match(f"  {SIGN_OFF}  ") == 0  # compared as paragraphs are: case and white space aside
    assert match("Reporting by the Harbour desk newsroom;\nall times local.") == 1
    assert match("The reporting by the newsroom was praised.") is None  # a pattern matches a whole segment
    with pytest.raises(ValueError, match=r"^bp\.txt:3: bad regular expression '\(unclosed'"):
        parse_listed(["Reuter", "", "re:(unclosed"], "bp.txt")
    with pytest.raises(ValueError, match="boilerplate_lines entry 1: bad regular expression"):
        ScanConfig(boilerplate_lines=("re:[a-",))
    with pytest.raises(ValueError, match="boilerplate_min_docs must be at least 2, got 1"):
        ScanConfig(boilerplate_min_docs=1)


# --- the scan ---------------------------------------------------------------------------------------

def test_the_scan_reports_a_sign_off_and_a_footer_once_and_never_as_reuse():
    report = scan([*STORED, CASE / "new-short.txt"])
    assert [(b.level, b.documents, report.text_of(b.examples[0])) for b in report.boilerplate] == [
        ("paragraph", 4, SIGN_OFF), ("paragraph", 4, FOOTER)]
    assert [p.doc for p in report.boilerplate[1].examples] == [0, 1, 2]  # the first three documents
    assert report.matches == [] and report.clusters == [] and report.relations == []
    assert report.stats["matches_of_boilerplate"] == 6  # three copies of each matched to the first
    three = scan(STORED, boilerplate_min_docs=4)  # in three documents only: not boilerplate yet
    assert three.boilerplate == [] and len(three.matches) == 4
    assert len(scan(STORED).boilerplate) == 2  # the default is three documents


LEAD = ("The port authority said on Monday that container traffic through the northern terminal rose by "
        "a fifth last year, helped by a new rail link to the inland depots.")
BACKGROUND = "The terminal, opened in 2009, handles about a third of the country's container imports."


def test_versions_of_one_story_sharing_paragraphs_are_not_boilerplate():
    versions = [f"{LEAD}\n\n{BACKGROUND}\n\nThe authority expects {n} ships a week by the summer, its director "
                f"said in a statement released after the board meeting." for n in (40, 42, 45, 48)]
    report = analyze(documents(*versions))
    assert report.boilerplate == []
    assert sum(m.kind == "exact" for m in report.matches) == 6  # lead and background, three copies each
    assert report.stats["matches_of_boilerplate"] == 0


def test_a_paragraph_shared_by_documents_most_of_which_are_related_otherwise_is_not_boilerplate():
    shared = {(0, 1): "Analysts at the three largest brokers had expected a smaller rise in the second quarter.",
              (2, 3): "The ministry will publish the revised figures for the whole year at the end of March.",
              (0, 2): "Exports of machinery, the largest item, grew faster than imports for a third month.",
              (1, 3): "Shipping rates on the main routes to Asia fell for the first time since the autumn."}
    texts = []
    for doc in range(4):
        own = [text for pair, text in shared.items() if doc in pair]
        texts.append("\n\n".join([f"Story {doc} opens with words of its own about subject number {doc} today.",
                                  *own, BACKGROUND]))
    report = analyze(documents(*texts))
    assert report.boilerplate == []  # four of the six pairs share a paragraph of their own
    assert report.stats["matches_of_boilerplate"] == 0
    unrelated = analyze(documents(*[f"{(CASE / name).read_text()}\n\n{BACKGROUND}"
                                    for name in ("stored-1.txt", "stored-2.txt", "stored-3.txt", "new-long.txt")]),
                        ScanConfig(boilerplate_lines=(SIGN_OFF, FOOTER)))
    assert [(b.level, b.documents, unrelated.text_of(b.examples[0])) for b in unrelated.boilerplate] == [
        ("listed", 4, SIGN_OFF), ("listed", 4, FOOTER), ("paragraph", 4, BACKGROUND)]
    assert unrelated.matches == []


def test_listed_lines_drop_their_matches_whatever_the_count():
    texts = [(CASE / "stored-1.txt").read_text(), (CASE / "stored-2.txt").read_text()]
    plain = analyze(documents(*texts))
    assert len(plain.matches) == 2 and plain.boilerplate == []
    listed = analyze(documents(*texts), ScanConfig(boilerplate_lines=("re:reporting by the .* newsroom.*",)))
    assert [listed.text_of(m.b) for m in listed.matches] == [FOOTER]
    assert [(b.level, b.documents, listed.text_of(b.examples[0])) for b in listed.boilerplate] == [
        ("listed", 2, SIGN_OFF)]


def test_the_seeds_have_no_boilerplate(seed_report):
    assert seed_report.boilerplate == [] and seed_report.stats["matches_of_boilerplate"] == 0


# --- the command line and the index -------------------------------------------------------------------

def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_an_unrelated_article_sharing_only_the_sign_off_and_footer_is_new(tmp_path: Path):
    index = tmp_path / "articles.db"
    assert invoke("index", "create", index).exit_code == 0
    assert invoke("index", "add", index, *STORED, "-q").exit_code == 0
    for name in ("new-short.txt", "new-long.txt"):
        result = invoke("check", "--index", index, CASE / name, "--format", "json")
        assert result.exit_code == 0, result.output
        verdict = json.loads(result.stdout)
        assert (verdict["verdict"], verdict["matches"]) == ("new", [])
        assert verdict["stats"]["passages_of_boilerplate"] == 6  # two paragraphs, three stored copies each
    result = invoke("scan", *STORED, CASE / "new-short.txt", "--format", "json", "-q")
    report = json.loads(result.stdout)
    assert (report["matches"], report["stats"]["matches_of_boilerplate"]) == ([], 6)


def test_a_version_of_a_stored_article_is_still_found_despite_its_boilerplate(tmp_path: Path):
    index = tmp_path / "articles.db"
    assert invoke("index", "create", index).exit_code == 0
    assert invoke("index", "add", index, *STORED, "-q").exit_code == 0
    update = tmp_path / "update.txt"
    update.write_text(STORED[1].read_text().replace("41 degrees", "42 degrees"))
    result = invoke("check", "--index", index, update, "--format", "json")
    verdict = json.loads(result.stdout)
    assert result.exit_code == 4 and verdict["verdict"] == "near-duplicate"
    assert [m["id"] for m in verdict["matches"]] == ["stored-2.txt"]
    assert len(verdict["matches"][0]["passages"]) == 5  # the sign-off and footer count within the version


def test_an_index_keeps_its_boilerplate_lines(tmp_path: Path):
    lines = tmp_path / "boilerplate.txt"
    lines.write_text("# the wire's sign-off\nre:reporting by the northgate wire.*\n")
    index = tmp_path / "articles.db"
    assert invoke("index", "create", index, "--boilerplate-file", lines, "--boilerplate-min-docs", "5").exit_code == 0
    with Index.open(index) as opened:
        assert opened.config.boilerplate_lines == ("re:reporting by the northgate wire.*",)
        assert opened.config.boilerplate_min_docs == 5
        opened.add("stored-1", STORED[0].read_text())
        verdict = opened.check(STORED[1].read_text())
    assert verdict.verdict == "partial-reuse"
    assert [p.stored.text for p in verdict.matches[0].passages] == [FOOTER]  # the sign-off is listed


def test_an_index_made_before_boilerplate_settings_opens_with_the_defaults(tmp_path: Path):
    index = tmp_path / "articles.db"
    Index.create(index).close()
    with sqlite3.connect(index) as db:
        params = json.loads(db.execute("SELECT value FROM meta WHERE key = 'params'").fetchone()[0])
        del params["boilerplate_min_docs"], params["boilerplate_lines"]
        db.execute("UPDATE meta SET value = ? WHERE key = 'params'", (json.dumps(params),))
    with Index.open(index, boilerplate_min_docs=3) as opened:
        assert (opened.config.boilerplate_min_docs, opened.config.boilerplate_lines) == (3, ())


def test_bad_boilerplate_options_are_one_line_errors(tmp_path: Path):
    lines = tmp_path / "boilerplate.txt"
    lines.write_text("Reuter\nre:(unclosed\n")
    for command in (["scan", CASE], ["index", "create", tmp_path / "x.db"]):
        result = invoke(*command, "--boilerplate-file", lines)
        assert result.exit_code == 2
        assert result.stderr == (f"dedup: error: {lines}:2: bad regular expression '(unclosed' "
                                 "(missing ), unterminated subpattern at position 0)\n")
    result = invoke("scan", CASE, "--boilerplate-min-docs", "1")
    assert (result.exit_code, result.stderr) == (2, "dedup: error: --boilerplate-min-docs must be at least 2, got 1\n")
    result = invoke("scan", CASE, "--boilerplate-file", tmp_path / "missing.txt")
    assert result.exit_code == 2 and result.stderr.startswith(f"dedup: error: {tmp_path / 'missing.txt'}: cannot read")


def test_the_settings_file_sets_the_boilerplate_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lines.txt").write_text("re:reporting by the northgate wire.*\n")
    (tmp_path / "dedup.toml").write_text('boilerplate_min_docs = 4\nboilerplate_file = "lines.txt"\n')
    report = json.loads(invoke("scan", *STORED[:2], "--format", "json", "-q").stdout)
    assert (report["config"]["boilerplate_min_docs"], report["config"]["boilerplate_lines"]) == (
        4, ["re:reporting by the northgate wire.*"])
    assert [m["b"]["text"] for m in report["matches"]] == [FOOTER]  # the listed sign-off is no match
    flagged = json.loads(invoke("scan", *STORED[:2], "--format", "json", "-q", "--boilerplate-min-docs", "6").stdout)
    assert flagged["config"]["boilerplate_min_docs"] == 6  # a flag wins
    assert invoke("index", "create", "articles.db").exit_code == 0
    with Index.open(tmp_path / "articles.db") as opened:
        assert (opened.config.boilerplate_min_docs, opened.config.boilerplate_lines) == (
            4, ("re:reporting by the northgate wire.*",))
    (tmp_path / "dedup.toml").write_text("boilerplate_min_docs = 1\n")
    result = invoke("scan", *STORED)
    assert result.exit_code == 2
    assert "boilerplate_min_docs must be an integer of at least 2, got 1" in result.stderr


OWN = ["The bakery on Mill Street sold out of rye loaves before nine after a radio chef praised its crust.",
       "Two swimmers crossed the cold northern strait on Saturday in just under eleven hours, a new record.",
       "A rare orchid flowered in the botanical garden glasshouse for the first time since the war ended.",
       "The chess federation moved its winter congress to the lakeside hotel because the old hall flooded.",
       "Volunteers counted forty-one nesting storks along the river meadows, twice as many as last spring.",
       "A jazz quartet from the harbour district won the national student prize with an original suite.",
       "Engineers began replacing the cast-iron water mains under the old town, a job of some three years.",
       "The ferry company added a late sailing to the islands on Fridays for the rest of the summer season.",
       "A village school raised enough money at its spring fair to rebuild the playground destroyed by storms.",
       "The county archive put two centuries of parish maps online, free to anyone researching a family home."]
STORY = ("Regional health officials confirmed on Wednesday that the new children's hospital wing will open "
         "in October, after inspectors signed off on the last of its operating theatres.")
STOCK = ("Readers can find the full timetable of every regional event, with maps, opening hours and ticket "
         "prices, in the weekend supplement and on the community pages of our website.")


def test_the_index_judges_stored_documents_as_the_scan_does(tmp_path: Path):
    versions = [f"{STORY}\n\n{OWN[k]}\n\n{STOCK}" for k in range(4)]  # four versions of one story
    unrelated = [f"{OWN[2 * k]}\n\n{OWN[2 * k + 1]}\n\n{STOCK}" for k in range(4)]
    incoming = f"{OWN[8]}\n\n{OWN[9]}\n\n{STOCK}"
    config = ScanConfig(boilerplate_min_docs=5)
    for stored, boilerplate in ((versions, False), (unrelated, True)):
        report = analyze(documents(*stored, incoming), config)
        assert bool(report.boilerplate) is boilerplate  # six of the ten pairs are versions: a story's text
        index = tmp_path / f"{boilerplate}.db"
        with Index.create(index, boilerplate_min_docs=5) as opened:
            for k, text in enumerate(stored):
                opened.add(f"s{k}", text)
            verdict = opened.check(incoming)
        assert verdict.verdict == ("new" if boilerplate else "partial-reuse")
        assert (verdict.stats["passages_of_boilerplate"] > 0) is boilerplate
        assert bool([m for m in report.matches if m.b.doc == 4 or m.a.doc == 4]) is not boilerplate


def test_documents_with_nothing_to_compare_have_no_boilerplate():
    report = analyze(documents("Short.", "Also short.", "Tiny."))
    assert (report.boilerplate, report.matches, report.stats["matches_of_boilerplate"]) == ([], [], 0)
