"""Report -> JSON (``"schema": "dedup.report/2"``), with stable key order and rounding for golden files.

The document relations come first, ranked as the text report ranks them (figures changed first, then by
share; the versions and duplicates of one story together), then the boilerplate, then the detail."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

import orjson

from dedup import __version__
from dedup.conflicts import FigureConflict
from dedup.model import RELATION_KINDS, Boilerplate, Cluster, Comparison, Match, Passage, Relation, Report
from dedup.report.ranking import ranked_groups

if TYPE_CHECKING:
    from dedup.align import AlignedItem

SCHEMA = "dedup.report/2"
# What the numbers of a match mean, written into every report.
MEASURES = {
    "kind": "exact: the same normalised text, figures included; near: paragraphs whose wording (every number "
            "read as one token) is at least the threshold alike, between related documents; partial: reused "
            "sentences inside different paragraphs",
    "similarity": "Jaccard similarity of the two spans' word shingles (5 words for exact and near, 3 for "
                  "partial), figures read as written",
    "containment": "share of the smaller span's shingles found in the other, figures read as written",
}
ITEMS_PER_WRITE = 1000  # list items serialised per call: few calls, and a bounded piece of text at a time


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data (the golden tests compare this)."""
    return {key: list(value) if isinstance(value, Iterator) else value for key, value in _sections(report).items()}


def write_json(report: Report, handle: TextIO) -> None:
    """Write the report as one JSON document, a thousand list items at a time: a large corpus's report
    is never held in memory twice (as data and as text)."""
    handle.write("{")
    for number, (key, value) in enumerate(_sections(report).items()):
        handle.write(("," if number else "") + json.dumps(key) + ":")
        if isinstance(value, Iterator):
            handle.write("[")
            batches = iter(lambda: list(itertools.islice(value, ITEMS_PER_WRITE)), [])
            for index, items in enumerate(batches):
                handle.write(("," if index else "") + _dumps(items)[1:-1])
            handle.write("]")
        else:
            handle.write(_dumps(value))
    handle.write("}\n")


def _dumps(value: Any) -> str:
    """Compact JSON, as ``json.dumps(ensure_ascii=False, separators=(",", ":"))`` writes it, by orjson
    (compiled: the Debian corpus's 140 MB report took 2.7 s with the standard library). Text orjson
    refuses (a lone surrogate, which no UTF-8 file can hold either) gets the standard library's error."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sections(report: Report) -> dict[str, Any]:
    """Top-level keys in order; the long lists are generators."""
    documents = report.documents
    texts = [d.text for d in documents]
    ids = [d.id for d in documents]

    def span(p: Passage, with_text: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"doc": ids[p.doc], "line": p.line, "end_line": p.end_line, "start": p.start,
                               "end": p.end}
        if with_text:
            out["text"] = texts[p.doc][p.start:p.end]
        return out

    def match(m: Match) -> dict[str, Any]:
        out = {"kind": m.kind, "scope": m.scope, "similarity": _round(m.similarity),
               "containment": _round(m.containment), "a_in_b": _round(m.a_in_b), "b_in_a": _round(m.b_in_a),
               "cluster": m.cluster, "a": span(m.a), "b": span(m.b)}
        if m.diff is not None:
            out["diff"] = m.diff.to_dict()
        return out

    def relation(r: Relation) -> dict[str, Any]:
        return {"kind": r.kind, "source": ids[r.source], "copy": ids[r.copy],
                "source_in_copy": _round(r.source_in_copy), "copy_in_source": _round(r.copy_in_source),
                "matches": r.matches, "group": r.group, "correction": r.correction,
                "alignment": [aligned_item(item, span, quote_unchanged=False) for item in r.alignment]}

    def boilerplate(b: Boilerplate) -> dict[str, Any]:
        first = b.examples[0]
        return {"level": b.level, "documents": b.documents, "text": texts[first.doc][first.start:first.end],
                "examples": [span(p, with_text=False) for p in b.examples]}

    def cluster(c: Cluster) -> dict[str, Any]:
        return {"id": c.id, "level": c.level, "kind": c.kind, "size": len(c.members),
                "documents": len({p.doc for p in c.members}), "representative": span(c.representative),
                "members": [span(p, with_text=False) for p in c.members]}

    return {
        "schema": SCHEMA,
        "tool": {"name": "dedup", "version": __version__},
        "config": report.config,
        "measures": MEASURES,
        "summary": {
            "documents": len(documents),
            "matches": {kind: report.count(kind) for kind in ("exact", "near", "partial")},
            "clusters": len(report.clusters),
            "figure_conflicts": len(report.figure_conflicts),
            "relations": {kind: sum(r.kind == kind for r in report.relations) for kind in RELATION_KINDS},
            "boilerplate": len(report.boilerplate),
        },
        "relations": (relation(ranked.relation) for group in ranked_groups(report) for ranked in group.relations),
        "boilerplate": (boilerplate(b) for b in report.boilerplate),
        "documents": ({"id": d.id, "path": d.path, "encoding": d.encoding, "chars": len(d.text)}
                      for d in documents),
        "matches": (match(m) for m in report.matches),
        "repeated_blocks": ({"kind": b.kind, "count": b.count, "a": span(b.a, False), "b": span(b.b, False)}
                            for b in report.blocks),
        "clusters": (cluster(c) for c in report.clusters),
        "figure_conflicts": conflicts_list(report.figure_conflicts, ids),
        "warnings": list(report.warnings),
        "stats": report.stats,
    }


def conflicts_list(conflicts: list[FigureConflict], ids: list[str]) -> list[dict[str, Any]]:
    return [
        {"counts": c.counts, "values": [
            {"value": v.value, "docs": [ids[d] for d in v.docs], "text": v.text,
             "sources": [{"doc": ids[s.doc], "line": s.line, "figure": s.figure.label, "sentence": s.sentence,
                          "start": s.figure.start, "end": s.figure.end}
                         for s in v.sources]}
            for v in c.values]}
        for c in conflicts
    ]


def aligned_item(item: AlignedItem, span: Callable[..., dict[str, Any]], *,
                 quote_unchanged: bool = True) -> dict[str, Any]:
    """An aligned pair with its kind, measures and diff, or a passage only in A (removed) or B (added).

    Without ``quote_unchanged`` an exact pair is located, not quoted, and has no diff: a scan's version
    alignments would otherwise repeat every unchanged paragraph of both documents three times."""
    unchanged = item.status == "aligned" and item.kind == "exact" and not quote_unchanged
    out: dict[str, Any] = {"status": item.status,
                           "a": None if item.a is None else span(item.a, **({"with_text": False} if unchanged else {})),
                           "b": None if item.b is None else span(item.b, **({"with_text": False} if unchanged else {}))}
    if item.status == "aligned":
        out.update(kind=item.kind, similarity=_round(item.similarity or 0.0),
                   containment=_round(item.containment or 0.0))
        if item.diff is not None and not unchanged:
            out["diff"] = item.diff.to_dict()
    return out


def _round(value: float) -> float:
    return round(float(value), 4)


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    """``dedup diff A B`` as JSON: the aligned items in reading order, then the figure conflicts."""
    ids = [d.id for d in comparison.documents]
    texts = [d.text for d in comparison.documents]

    def span(p: Passage) -> dict[str, Any]:
        return {"doc": ids[p.doc], "line": p.line, "end_line": p.end_line, "start": p.start, "end": p.end,
                "text": texts[p.doc][p.start:p.end]}

    items = [aligned_item(item, span) for item in comparison.items]
    return {
        "schema": "dedup.diff/1",
        "a": {"id": ids[0], "path": comparison.documents[0].path},
        "b": {"id": ids[1], "path": comparison.documents[1].path},
        "summary": {status: sum(i.status == status for i in comparison.items)
                    for status in ("aligned", "added", "removed")},
        "items": items,
        "figure_conflicts": conflicts_list(comparison.figure_conflicts, ids),
    }
