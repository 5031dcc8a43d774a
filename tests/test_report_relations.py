"""The reports lead with the document relations: ranked (figures changed first), grouped by story, then
boilerplate, then the passages pair by pair; the text report's filters; the JSON relations and boilerplate."""

import dataclasses
import io
import json

import jsonschema
import pytest
from rich.console import Console

from dedup.report import PLAIN_WIDTH, schema_json
from dedup.report.render_json import report_dict
from dedup.report.render_text import DETAIL, render_text
from tests.report_relations import wire_report

SCHEMA = json.loads(schema_json())


@pytest.fixture(scope="module")
def wire():
    return wire_report()


def text(report, **filters) -> str:
    buffer = io.StringIO()
    render_text(report, Console(file=buffer, no_color=True, highlight=False, soft_wrap=True, width=PLAIN_WIDTH),
                **filters)
    return buffer.getvalue()


def section(out: str, title: str) -> list[str]:
    """The lines under a heading, up to the next heading (a blank line, then a line at column 0)."""
    lines = out.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(title)) + 1
    end = next((i for i in range(start, len(lines) - 1) if not lines[i] and lines[i + 1][:1].isupper()), len(lines))
    return lines[start:end]


def test_relations_lead_grouped_by_story_with_the_figure_change_first(wire):
    out = text(wire)
    assert out.index("\nRelations") < out.index("\nBoilerplate") < out.index("\n" + DETAIL) < out.index("\nCopied")
    assert section(out, "Relations") == [
        "  1. versions of one story: a.txt, b.txt, c.txt",
        "       version   b.txt <- a.txt  80% of the copy and 80% of the source shared; 3 matches; "
        "figures: 61 cts a share -> 66 cts a share (changed)",
        "       duplicate c.txt <- a.txt  100% of the copy and 100% of the source shared; 5 matches; no change",
        "  2. reuse     d.txt <- a.txt  30% of the copy and 25% of the source shared; 1 match",
    ]
    assert section(out, "Boilerplate") == [
        "  57 documents (paragraph): ACME MINING SAYS FIRST QUARTER PROFIT ROSE",
        "    e.g. c.txt:1, a.txt:1",
    ]


def test_a_version_shows_its_changed_passages_and_counts_the_rest(wire):
    detail = section(text(wire), DETAIL)
    start = detail.index("b.txt <- a.txt: version, 80% of the copy and 80% of the source shared, 3 matches")
    assert detail[start + 1:start + 10] == [
        "  b.txt lines 1-9 repeat from a.txt lines 1-9 (5 paragraphs, near)",
        "  ~ b.txt:1 <- a.txt:1  [near] similarity 0.75",
        "    {+CORRECTED -+} ACME MINING SAYS FIRST QUARTER PROFIT ROSE",
        "    wording: added 'CORRECTED'",
        "  ~ b.txt:3 <- a.txt:3  [near] similarity 0.68",
        "    Acme Mining Corp said its first quarter net profit rose to [-61-]{+66+} cts a share from 40 cts a year "
        "earlier, helped by higher copper prices at its Chilean mines.",
        "    figures: 61 cts a share -> 66 cts a share (changed)",
        "  = 3 passages unchanged",
        "",
    ]
    # the pairs follow the relations' ranking
    headers = [line for line in detail if line and not line.startswith(" ")]
    assert [h.split(":")[0] for h in headers] == ["b.txt <- a.txt", "c.txt <- a.txt", "d.txt <- a.txt"]


def test_an_exact_passage_in_many_documents_is_listed_once_with_its_members(wire):
    out = text(wire)
    assert "  and exact passages copied into more documents: cluster 3 (under Copied passages)" in out
    copied = section(out, "Copied passages")
    assert copied[:2] == [
        "  cluster 3: 4 documents: a.txt:7, b.txt:7, c.txt:7, d.txt:5",
        "    Chief executive John Harlow told reporters in Toronto that the company had no plans to sell its stake in "
        "the smelter venture with Pacific Metals.",
    ]
    assert out.count("Chief executive John Harlow told reporters") == 1


def test_a_group_of_duplicates_only_is_one_line(wire):
    report = dataclasses.replace(wire, relations=[r for r in wire.relations if r.kind == "duplicate"])
    assert section(text(report), "Relations") == ["  1. duplicates (the same text re-sent): a.txt = c.txt"]


def test_top_keeps_the_strongest_relations_and_their_detail_only(wire):
    out = text(wire, top=1)
    assert section(out, "Relations") == [
        "  1. version   b.txt <- a.txt  80% of the copy and 80% of the source shared; 3 matches; "
        "figures: 61 cts a share -> 66 cts a share (changed)",
    ]
    headers = [line for line in section(out, DETAIL) if line and not line.startswith(" ")]
    assert headers == ["b.txt <- a.txt: version, 80% of the copy and 80% of the source shared, 3 matches"]
    assert "Copied passages" not in out


def test_min_share_keeps_relations_where_either_share_reaches_it(wire):
    assert section(text(wire, min_share=0.9), "Relations") == [
        "  1. duplicates (the same text re-sent): a.txt = c.txt"]
    assert section(text(wire, min_share=0.3), "Relations")[-1].startswith("  2. reuse     d.txt <- a.txt")
    assert section(text(wire, min_share=0.31), "Relations")[-1].startswith("       duplicate c.txt <- a.txt")
    assert section(text(wire, min_share=1.0, top=5), "Relations") != ["  none within the filters"]


def test_scope_internal_leaves_out_the_relations_and_cross_leaves_out_the_repeats(seed_report, wire):
    internal = text(seed_report, scope="internal")
    assert "Relations" not in internal and "Figure conflicts" not in internal
    assert [line for line in internal.split("\n") if line.startswith("inside ")] == [
        "inside 000_ba2f7013618a9ef5.txt", "inside 003_2cb979ca73d849dd.txt"]
    cross = text(seed_report, scope="cross")
    assert "inside " not in cross and "reuses 000_ba2f7013618a9ef5.txt:4" in cross
    assert "Relations" not in text(wire, scope="internal")
    with pytest.raises(ValueError, match="scope must be one of all, cross, internal, got 'both'"):
        text(wire, scope="both")


def test_json_relations_are_ranked_with_their_alignment_and_validate(wire):
    data = json.loads(json.dumps(report_dict(wire)))
    jsonschema.validate(data, SCHEMA)
    assert list(data)[5:7] == ["relations", "boilerplate"]
    assert [(r["kind"], r["source"], r["copy"], r["group"]) for r in data["relations"]] == [
        ("version", "a.txt", "b.txt", 0), ("duplicate", "a.txt", "c.txt", 0), ("reuse", "a.txt", "d.txt", -1)]
    version = data["relations"][0]
    assert (version["source_in_copy"], version["copy_in_source"], version["matches"]) == (0.8, 0.8, 3)
    exact = [item for item in version["alignment"] if item.get("kind") == "exact"]
    assert exact and all("diff" not in i and "text" not in i["a"] and "text" not in i["b"] for i in exact)
    changed = [item for item in version["alignment"] if "diff" in item and item["diff"]["figures"]]
    assert [(i["a"]["line"], i["b"]["line"], i["diff"]["figures"]) for i in changed] == [
        (3, 3, [{"change": "changed", "a": "61 cts a share", "b": "66 cts a share", "counts": None}])]
    assert data["relations"][1]["alignment"] == data["relations"][2]["alignment"] == []
    assert data["summary"]["relations"] == {"duplicate": 1, "version": 1, "reuse": 1}
    assert data["boilerplate"] == [{
        "level": "paragraph", "documents": 57, "text": "ACME MINING SAYS FIRST QUARTER PROFIT ROSE",
        "examples": [{"doc": "c.txt", "line": 1, "end_line": 1, "start": 0, "end": 42},
                     {"doc": "a.txt", "line": 1, "end_line": 1, "start": 0, "end": 42}]}]


@pytest.mark.parametrize(("path", "value"), [
    (("relations", 0, "kind"), "copy"),
    (("relations", 0, "unknown"), 1),
    (("relations", 0, "source_in_copy"), 1.2),
    (("relations", 0, "alignment", 0, "status"), "moved"),
    (("boilerplate", 0, "examples"), []),
    (("summary", "relations", "rewrite"), 1),
], ids=lambda item: ".".join(map(str, item)) if isinstance(item, tuple) else None)
def test_the_schema_refuses_what_relations_and_boilerplate_never_hold(wire, path, value):
    data = json.loads(json.dumps(report_dict(wire)))
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


def test_every_field_of_the_schema_is_described():
    def undescribed(node, where):
        if isinstance(node, dict):
            for name, field in node.get("properties", {}).items():
                if "description" not in field:
                    yield f"{where}.{name}"
                yield from undescribed(field, f"{where}.{name}")
            if isinstance(node.get("items"), dict):
                yield from undescribed(node["items"], where + "[]")
            for name, definition in node.get("$defs", {}).items():
                yield from undescribed(definition, f"$defs.{name}")

    assert list(undescribed(SCHEMA, "")) == []


def test_the_head_lists_the_strongest_groups_and_counts_the_rest_which_the_detail_holds(wire, monkeypatch):
    import dedup.report.render_text as render_text_module

    monkeypatch.setattr(render_text_module, "HEAD_GROUPS", 1)
    out = text(wire)
    assert section(out, "Relations")[-1] == (
        "  \u2026 and 1 more relation (0 duplicate, 0 version, 1 reuse), in this order in the detail below "
        "(--top N lists N here, --min-share keeps the strongest)")
    assert "\nd.txt <- a.txt: reuse, 30% of the copy and 25% of the source shared, 1 match\n" in out
    assert section(text(wire, top=3), "Relations")[-1].startswith("  2. reuse     d.txt <- a.txt")


def test_figure_conflicts_past_the_head_follow_the_detail(seed_report, monkeypatch):
    import dedup.report.render_text as render_text_module

    monkeypatch.setattr(render_text_module, "HEAD_CONFLICTS", 1)
    monkeypatch.setattr(render_text_module, "VALUES_QUOTED", 2)
    out = text(seed_report)
    head = section(out, "Figure conflicts")
    assert head[0].startswith("  people killed: 31 (000_ba2f7013618a9ef5.txt) vs 190")
    assert head[3:] == ["    \u2026 1 more value (the JSON report quotes every one)", "  \u2026 and 3 more, after the detail"]
    assert out.index("\n" + DETAIL) < out.index("\nMore figure conflicts") < out.index("  civilians killed: 31")
