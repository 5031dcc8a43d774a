"""Report -> one self-contained HTML page: the ranked relations first, a capped heat map, boilerplate,
figure conflicts, then each pair's passages side by side in a collapsed section.

The page is for a reader checking a folder of copy or a wire: which articles are copies or versions of
which, which passages, what changed. Its size follows the reuse found: documents with no relation get no
row, and exact passages copied into many documents are listed once. It carries its own CSS, runs no script and fetches nothing (a Content-Security-Policy
forbids it), so it can be mailed, archived or printed as is. Article text is untrusted: jinja2
autoescapes every value, and the markup lives only in the templates. This module shapes the report
into small view records (which text is deleted, inserted or a changed figure); the templates draw them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined

from dedup import __version__
from dedup.diff import Diff
from dedup.figures import extract_figures
from dedup.model import Comparison, Passage, Report
from dedup.report.labels import (
    counted,
    figure_text,
    figures_summary,
    lines_label,
    relation_label,
    short,
    value_label,
    wording_text,
)
from dedup.report.ranking import PairDetail, RankedRelation, RelationGroup, pair_key, select

HEAT_LEVELS = 10  # the heat map's colour steps; a share rounds up, so any reuse is visible
HEAT_MAP_DOCUMENTS = 30  # rows and columns of the heat map at most: it fits a laptop screen


def _percent(share: float) -> str:
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


_ENV = Environment(
    loader=PackageLoader("dedup", "report/templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
_ENV.filters["lines"] = lines_label
_ENV.filters["percent"] = _percent
_ENV.filters["counted"] = counted
_ENV.filters["value"] = value_label

Side = Literal["a", "b"]


@dataclass(frozen=True, slots=True)
class Run:
    """Passage text under one diff operation: ``tag`` is "del", "ins" or None (unchanged)."""

    tag: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Span:
    """A changed figure (``figure`` says what changed) or the text between two, as diff runs.

    Figures are the outer level so that a figure cut by the diff ("at least" kept, "12" -> "14")
    is still marked as one figure; a change that crosses a figure's edge is cut there instead."""

    figure: str | None
    runs: tuple[Run, ...]


@dataclass(frozen=True, slots=True)
class Column:
    """One side of a row: the passage's document and lines, and its text cut into spans."""

    doc: int
    lines: str
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Row:
    """A side-by-side row: ``status`` is "match" or "aligned" (both sides), "removed" (left only) or
    "added" (right only)."""

    status: str
    left: Column | None
    right: Column | None
    kind: str | None = None
    similarity: float | None = None
    containment: float | None = None
    wording: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cell:
    """A heat map cell: ``level`` is the colour step of the share of the row document reused from the
    column document; on the diagonal, ``label`` counts the passages repeated inside the document."""

    level: int
    label: str
    title: str
    href: str | None
    diagonal: bool


@dataclass(frozen=True, slots=True)
class RelationRow:
    """A line of the relations table: ``number`` is the group's rank (shown on its first row only)."""

    number: int | None
    kind: str
    label: str
    copy: str
    source: str
    shares: str
    matches: int
    changes: str
    figures: bool
    href: str


@dataclass(frozen=True, slots=True)
class GroupRows:
    """The rows of one group; ``title`` names a group of several documents."""

    title: str | None
    rows: tuple[RelationRow, ...]


@dataclass(frozen=True, slots=True)
class PairSection:
    """Everything shown for documents ``a`` and ``b`` (``a == b``: repeats inside one document)."""

    a: int
    b: int
    title: str
    summary: str
    blocks: tuple[str, ...]
    rows: tuple[Row, ...]
    unchanged: int
    copied: tuple[int, ...]

    @property
    def anchor(self) -> str:
        return _pair_anchor(self.a, self.b)


@dataclass(frozen=True, slots=True)
class CopiedPassage:
    """An exact passage found in many documents, listed once."""

    id: int
    documents: int
    excerpt: str
    members: tuple[str, ...]


def render_html(report: Report) -> str:
    """The scan report as one HTML page (``dedup scan --format html``)."""
    ids = [d.id for d in report.documents]
    texts = [d.text for d in report.documents]
    selection = select(report)
    by_relation = {r.pair: r for group in selection.groups for r in group.relations}
    pairs = [_pair_section(d, by_relation.get(d.pair), report, ids, texts)
             for d in [*selection.related, *selection.unrelated, *selection.internal]]
    return _ENV.get_template("report.html").render(
        report=report,
        ids=ids,
        version=__version__,
        counts={kind: report.count(kind) for kind in ("exact", "near", "partial")},
        relation_counts={kind: sum(r.kind == kind for r in report.relations) for kind in ("duplicate", "version", "reuse")},
        groups=[_group_rows(number, group, ids) for number, group in enumerate(selection.groups, 1)],
        matrix=_matrix(report, ids, {p.anchor for p in pairs}),
        heat_levels=HEAT_LEVELS,
        boilerplate=[(b, short(texts[b.examples[0].doc][b.examples[0].start:b.examples[0].end], 200),
                      [f"{ids[p.doc]}:{lines_label(p)}" for p in b.examples]) for b in report.boilerplate],
        pairs=pairs,
        copied=[CopiedPassage(c.id, len({p.doc for p in c.members}),
                              short(texts[c.representative.doc][c.representative.start:c.representative.end], 200),
                              tuple(f"{ids[p.doc]}:{lines_label(p)}" for p in c.members)) for c in selection.copied],
    )


def _shares(copy_share: float, source_share: float) -> str:
    return f"{_percent(copy_share)} of the copy, {_percent(source_share)} of the source"


def _changes(ranked: RankedRelation) -> str:
    if ranked.figures:
        return figures_summary(ranked.figures)
    if ranked.wording:
        return f"wording: {counted(ranked.wording, 'change')}"
    return "" if ranked.relation.kind == "reuse" else "no change"


def _group_rows(number: int, group: RelationGroup, ids: Sequence[str]) -> GroupRows:
    def row(ranked: RankedRelation, first: bool) -> RelationRow:
        r = ranked.relation
        return RelationRow(number if first else None, r.kind, relation_label(r), ids[r.copy], ids[r.source],
                           _shares(r.copy_in_source, r.source_in_copy), r.matches, _changes(ranked),
                           ranked.figures_changed, "#" + _pair_anchor(*ranked.pair))

    names = [ids[d] for d in group.documents]
    if group.duplicates_only and len(group.relations) > 1:
        first = group.relations[0]
        merged = RelationRow(number, "duplicate", "duplicate", " = ".join(names[1:]), names[0], "the same text", sum(
            r.relation.matches for r in group.relations), "re-sent", False, "#" + _pair_anchor(*first.pair))
        return GroupRows(None, (merged,))
    title = f"versions of one story: {', '.join(names)}" if len(group.relations) > 1 else None
    return GroupRows(title, tuple(row(r, i == 0) for i, r in enumerate(group.relations)))


def _pair_section(detail: PairDetail, ranked: RankedRelation | None, report: Report, ids: Sequence[str],
                  texts: Sequence[str]) -> PairSection:
    """A pair's blocks and passages side by side; a version's alignment in place of its matches, its
    unchanged passages only counted."""
    a, b = detail.pair
    blocks = []
    for block in report.blocks:
        if pair_key(block.a.doc, block.b.doc) != detail.pair:
            continue
        inside = block.a.doc == block.b.doc
        copy, source = ("", "") if inside else (f"{ids[block.b.doc]} ", f"{ids[block.a.doc]} ")
        blocks.append(f"{copy}lines {lines_label(block.b)} repeat {source}lines {lines_label(block.a)} "
                      f"({counted(block.count, 'paragraph')}, {block.kind})")
    rows: list[Row] = []
    unchanged = 0
    if ranked is not None and ranked.relation.alignment:
        for item in ranked.relation.alignment:
            if item.status == "aligned" and item.a is not None and item.b is not None:
                if item.diff is None or not item.diff.changed:
                    unchanged += 1
                    continue
                rows.append(_row("aligned", item.a, item.b, texts, item.diff, item.kind, item.similarity,
                                 item.containment))
            elif item.a is not None:
                rows.append(Row("removed", _column(item.a, texts[item.a.doc], None, "a"), None))
            elif item.b is not None:
                rows.append(Row("added", None, _column(item.b, texts[item.b.doc], None, "b")))
    else:
        rows = [_row("match", m.a, m.b, texts, m.diff, m.kind, m.similarity, m.containment) for m in detail.shown]
    if ranked is not None:
        r = ranked.relation
        title = f"{ids[r.copy]} \u2190 {ids[r.source]}"
        summary = f"{relation_label(r)}: {_shares(r.copy_in_source, r.source_in_copy)} shared, {counted(r.matches, 'match')}"
    elif a == b:
        title, summary = f"Inside {ids[a]}", counted(detail.total, "passage") + " repeated"
    else:
        title, summary = f"{ids[a]} \u2194 {ids[b]}", f"{counted(detail.total, 'match')}, no document relation"
    return PairSection(a, b, title, summary, tuple(blocks), tuple(rows), unchanged, detail.copied)


def render_comparison_html(comparison: Comparison) -> str:
    """``dedup diff A B --format html``: aligned passages side by side, added and removed paragraphs,
    figure conflicts."""
    ids = [d.id for d in comparison.documents]
    texts = [d.text for d in comparison.documents]
    rows = []
    for item in comparison.items:
        if item.status == "aligned" and item.a is not None and item.b is not None:
            rows.append(_row("aligned", item.a, item.b, texts, item.diff, item.kind, item.similarity,
                             item.containment))
        elif item.a is not None:
            rows.append(Row("removed", _column(item.a, texts[0], None, "a"), None))
        elif item.b is not None:
            rows.append(Row("added", None, _column(item.b, texts[1], None, "b")))
    return _ENV.get_template("comparison.html").render(
        documents=comparison.documents,
        ids=ids,
        version=__version__,
        counts={s: sum(i.status == s for i in comparison.items) for s in ("aligned", "removed", "added")},
        rows=rows,
        conflicts=comparison.figure_conflicts,
    )


def _pair_anchor(a: int, b: int) -> str:
    return f"pair-{a}-{b}"


def _row(status: str, a: Passage, b: Passage, texts: Sequence[str], diff: Diff | None, kind: str | None,
         similarity: float | None, containment: float | None) -> Row:
    """``a`` on the left, ``b`` (the copy) on the right, each with its side of the diff marked."""
    return Row(
        status,
        _column(a, texts[a.doc], diff, "a"),
        _column(b, texts[b.doc], diff, "b"),
        kind,
        similarity,
        containment,
        tuple(wording_text(w.kind, w.a, w.b) for w in diff.wording) if diff else (),
        tuple(figure_text(f.change, f.a, f.b) for f in diff.figures) if diff else (),
    )


def _column(passage: Passage, text: str, diff: Diff | None, side: Side) -> Column:
    """The passage with its changed figures set apart and each part cut into diff runs."""
    runs = _runs(passage, diff, side)
    spans: list[Span] = []
    position = passage.start
    for start, end, title in _figure_marks(passage, text, diff, side) if diff else ():
        if start > position:
            spans.append(Span(None, _clip(runs, text, position, start)))
        spans.append(Span(title, _clip(runs, text, start, end)))
        position = end
    if position < passage.end:
        spans.append(Span(None, _clip(runs, text, position, passage.end)))
    return Column(passage.doc, lines_label(passage), tuple(spans))


def _runs(passage: Passage, diff: Diff | None, side: Side) -> list[tuple[str | None, int, int]]:
    """The passage cut at the diff's operations as ``(tag, start, end)``: text only on this side is
    "del" on the left (a) and "ins" on the right (b); unchanged text and the spaces between
    operations are plain."""
    runs: list[tuple[str | None, int, int]] = []
    position = passage.start
    for op in diff.ops if diff else ():
        start, end = (op.a_start, op.a_end) if side == "a" else (op.b_start, op.b_end)
        if start > position:
            runs.append((None, position, start))
        if end > start:
            runs.append((None if op.op == "equal" else ("del" if side == "a" else "ins"), start, end))
        position = max(position, end)
    if position < passage.end:
        runs.append((None, position, passage.end))
    return runs


def _figure_marks(passage: Passage, text: str, diff: Diff, side: Side) -> list[tuple[int, int, str]]:
    """Absolute extents of this side's changed figures, with what changed; the diff gives where each
    changed figure starts, the figure grammar on the same passage text gives where it ends."""
    changed = {(f.a_start if side == "a" else f.b_start): figure_text(f.change, f.a, f.b)
               for f in diff.figures}
    found = extract_figures(text[passage.start:passage.end])
    return [(passage.start + f.start, passage.start + f.end, changed[passage.start + f.start])
            for f in found if passage.start + f.start in changed]


def _clip(runs: Sequence[tuple[str | None, int, int]], text: str, start: int, end: int) -> tuple[Run, ...]:
    """The runs' text within ``start:end``."""
    return tuple(Run(tag, text[max(lo, start):min(hi, end)])
                 for tag, lo, hi in runs if max(lo, start) < min(hi, end))


def _matrix(report: Report, ids: Sequence[str], sections: set[str]) -> list[tuple[int, list[Cell]]]:
    """Row r, column c: share of document r reused from document c, from their relation. The diagonal
    counts the passages repeated inside the document. Cells with a pair section link to it. Rows and
    columns are the ``HEAT_MAP_DOCUMENTS`` documents with the most reuse, in document order: past that
    the grid no longer fits a screen (and a document with no relation gets no row)."""
    share: dict[tuple[int, int], float] = {}
    for r in report.relations:
        share[(r.copy, r.source)] = r.copy_in_source
        share[(r.source, r.copy)] = r.source_in_copy
    internal = [0] * len(ids)
    for m in report.matches:
        if m.scope == "internal":
            internal[m.a.doc] += 1
    shown = heat_map_documents(len(ids), share, internal, HEAT_MAP_DOCUMENTS)
    matrix = []
    for r in shown:
        cells = []
        for c in shown:
            anchor = _pair_anchor(*pair_key(r, c))
            href = "#" + anchor if anchor in sections else None
            if r == c:
                cells.append(Cell(0, f"\u21bb {internal[r]}" if internal[r] else "",
                                  f"{ids[r]}: {counted(internal[r], 'passage')} repeated inside", href, True))
                continue
            value = share.get((r, c), 0.0)
            cells.append(Cell(math.ceil(value * HEAT_LEVELS), _percent(value) if value else "",
                              f"{_percent(value)} of {ids[r]} is reused from {ids[c]}", href, False))
        matrix.append((r, cells))
    return matrix


def heat_map_documents(count: int, share: dict[tuple[int, int], float], internal: Sequence[int],
                       limit: int) -> list[int]:
    """All documents, or the ``limit`` with the largest reused share (summed over the others, then
    internal repeats, then document order) and any reuse at all, in document order."""
    if count <= limit:
        return list(range(count))
    reused = [0.0] * count
    for (r, _), value in share.items():
        reused[r] += value
    ranked = sorted((d for d in range(count) if reused[d] or internal[d]), key=lambda d: (-reused[d], -internal[d], d))
    return sorted(ranked[:limit])
