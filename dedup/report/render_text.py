"""Report -> terminal text with rich. It leads with the answer: the document relations ranked (figure
changes first), boilerplate and figure conflicts, then the passages of each related pair, then the
passages copied into many documents. Colours only on a terminal (and never with NO_COLOR); plain markers
(``[-old-]{+new+}``) otherwise, so the output reads the same in a log file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from dedup.conflicts import FigureConflict
from dedup.diff import Diff
from dedup.model import Boilerplate, Comparison, Match, Relation, RepeatedBlock, Report
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
from dedup.report.ranking import (
    COPIED_DOCUMENTS,
    PairDetail,
    RankedRelation,
    RelationGroup,
    Selection,
    pair_key,
    select,
)

if TYPE_CHECKING:
    from dedup.align import AlignedItem

EXCERPT = 160
PRINT_BATCH = 1000  # lines per write
MEMBERS_LISTED = 12  # members named for a copied passage or a boilerplate text
DETAIL = "Detail, pair by pair"
# The head (relations, boilerplate, conflicts) fits a few screens; the rest follows the detail.
HEAD_GROUPS = 30
HEAD_BOILERPLATE = 10
HEAD_CONFLICTS = 10
VALUES_QUOTED = 4  # a conflict's values quoted in their sentence; the summary line names every value


def render_text(report: Report, console: Console, scope: str = "all", top: int | None = None,
                min_share: float | None = None) -> None:
    """The scan report, written line by line (see ``write_lines``), filtered as ``ranking.select`` says."""
    write_lines(console, _report_lines(report, select(report, scope, top, min_share), plain=_plain(console)))


def write_lines(console: Console, lines: Iterable[Text]) -> None:
    """Plain text (a file, a pipe, NO_COLOR) is written directly; a terminal gets rich's styling in
    batches. A print per line cost rich's whole render path per line: 25 s for the Debian report."""
    lines = iter(lines)
    batches = iter(lambda: list(islice(lines, PRINT_BATCH)), [])
    if _plain(console):
        for batch in batches:
            console.file.write("".join(line.plain + "\n" for line in batch))
        return
    for batch in batches:
        console.print(Text("\n").join(batch))


def _plain(console: Console) -> bool:
    """No styling: a file, a pipe or NO_COLOR (changes are marked ``[-old-]{+new+}`` instead)."""
    return console.no_color or not console.is_terminal


def _report_lines(report: Report, selection: Selection, plain: bool) -> Iterator[Text]:
    ids = [d.id for d in report.documents]
    texts = [d.text for d in report.documents]
    stats = report.stats
    yield Text(f"dedup scan: {counted(len(ids), 'document')}, {counted(stats.get('paragraphs', 0), 'paragraph')}, "
               f"{counted(stats.get('sentences', 0), 'sentence')}", style="bold")
    counts = ", ".join(f"{report.count(k)} {k}" for k in ("exact", "near", "partial"))
    conflicts = len(report.figure_conflicts) if report.diffs else "not computed (--no-diffs)"
    yield Text(f"matches: {counts}; clusters: {len(report.clusters)}; figure conflicts: {conflicts}")
    kinds = ", ".join(f"{sum(r.kind == k for r in report.relations)} {k}" for k in ("duplicate", "version", "reuse"))
    yield Text(f"relations: {kinds}; boilerplate: {counted(len(report.boilerplate), 'text')}")

    cross = selection.scope != "internal"
    listed = len(selection.groups) if selection.filtered else HEAD_GROUPS
    if cross:
        yield from _heading("Relations (figures changed first, then by share)")
        if not selection.groups:
            yield Text("  none" + (" within the filters" if selection.filtered and report.relations else ""))
        for number, group in enumerate(selection.groups[:listed], 1):
            yield from _group(number, group, ids)
        rest = [r.relation for group in selection.groups[listed:] for r in group.relations]
        if rest:
            kinds = ", ".join(f"{sum(r.kind == k for r in rest)} {k}" for k in ("duplicate", "version", "reuse"))
            yield Text(f"  \u2026 and {counted(len(rest), 'more relation')} ({kinds}), in this order in the detail "
                       "below (--top N lists N here, --min-share keeps the strongest)", style="dim")
        if report.boilerplate:
            yield from _heading("Boilerplate (in many unrelated documents; never counted as reuse)")
            for boilerplate in report.boilerplate[:HEAD_BOILERPLATE]:
                yield from _boilerplate(boilerplate, ids, texts)
            if len(report.boilerplate) > HEAD_BOILERPLATE:
                yield Text(f"  \u2026 and {len(report.boilerplate) - HEAD_BOILERPLATE} more, after the detail", style="dim")
        if report.figure_conflicts:
            yield from _heading("Figure conflicts")
            for conflict in report.figure_conflicts[:HEAD_CONFLICTS]:
                yield from _conflict(conflict, ids)
            if len(report.figure_conflicts) > HEAD_CONFLICTS:
                yield Text(f"  \u2026 and {len(report.figure_conflicts) - HEAD_CONFLICTS} more, after the detail",
                           style="dim")

    blocks: dict[tuple[int, int], list[RepeatedBlock]] = defaultdict(list)
    for block in report.blocks:
        blocks[pair_key(block.a.doc, block.b.doc)].append(block)
    by_relation = {r.pair: r for group in selection.groups for r in group.relations}
    if selection.related or selection.unrelated or selection.internal:
        yield from _heading(DETAIL)
    for detail in selection.related:
        yield from _pair(detail, by_relation[detail.pair], blocks.get(detail.pair, ()), ids, texts, plain)
    for detail in [*selection.unrelated, *selection.internal]:
        yield from _pair(detail, None, blocks.get(detail.pair, ()), ids, texts, plain)

    if cross and report.boilerplate[HEAD_BOILERPLATE:]:
        yield from _heading("More boilerplate")
        for boilerplate in report.boilerplate[HEAD_BOILERPLATE:]:
            yield from _boilerplate(boilerplate, ids, texts)
    if cross and report.figure_conflicts[HEAD_CONFLICTS:]:
        yield from _heading("More figure conflicts")
        for conflict in report.figure_conflicts[HEAD_CONFLICTS:]:
            yield from _conflict(conflict, ids)

    if selection.copied:
        yield from _heading(f"Copied passages (one exact text in {COPIED_DOCUMENTS} documents or more)")
        for cluster in selection.copied:
            members = [f"{ids[p.doc]}:{lines_label(p)}" for p in cluster.members]
            yield Text(f"  cluster {cluster.id}: {counted(len({p.doc for p in cluster.members}), 'document')}: "
                       + _listed(members))
            yield Text("    " + _excerpt(texts[cluster.representative.doc][cluster.representative.start:
                                                                           cluster.representative.end]))

    for warning in report.warnings:
        yield Text(f"warning: {warning}", style="yellow")


def _listed(names: Sequence[str], limit: int = MEMBERS_LISTED) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _shares(r: Relation) -> str:
    return f"{r.copy_in_source:.0%} of the copy and {r.source_in_copy:.0%} of the source shared"


def _changes_label(ranked: RankedRelation) -> str:
    if ranked.figures:
        return f"figures: {figures_summary(ranked.figures)}"
    if ranked.wording:
        return f"wording: {counted(ranked.wording, 'change')}"
    return "no change" if ranked.relation.kind != "reuse" else ""


def _relation_line(ranked: RankedRelation, ids: Sequence[str], indent: str) -> Text:
    r = ranked.relation
    line = Text(f"{indent}{relation_label(r):<9} {ids[r.copy]} <- {ids[r.source]}  ",
                style={"duplicate": "red", "version": "magenta", "reuse": "cyan"}.get(r.kind, ""))
    line.append(f"{_shares(r)}; {counted(r.matches, 'match')}", style="dim")
    label = _changes_label(ranked)
    if label:
        line.append("; " + label, style="bold yellow" if ranked.figures else "")
    return line


def _group(number: int, group: RelationGroup, ids: Sequence[str]) -> Iterator[Text]:
    names = [ids[d] for d in group.documents]
    if group.duplicates_only:
        yield Text(f"  {number}. duplicates (the same text re-sent): " + " = ".join(names))
        return
    if len(group.relations) == 1:
        yield _relation_line(group.relations[0], ids, f"  {number}. ")
        return
    yield Text(f"  {number}. versions of one story: {', '.join(names)}")
    for ranked in group.relations:
        yield _relation_line(ranked, ids, "       ")


def _boilerplate(boilerplate: Boilerplate, ids: Sequence[str], texts: Sequence[str]) -> Iterator[Text]:
    first = boilerplate.examples[0]
    yield Text(f"  {counted(boilerplate.documents, 'document')} ({boilerplate.level}): "
               f"{_excerpt(texts[first.doc][first.start:first.end])}")
    yield Text("    e.g. " + _listed([f"{ids[p.doc]}:{lines_label(p)}" for p in boilerplate.examples]), style="dim")


def _pair(detail: PairDetail, ranked: RankedRelation | None, blocks: Sequence[RepeatedBlock], ids: Sequence[str],
          texts: Sequence[str], plain: bool) -> Iterator[Text]:
    a, b = detail.pair
    yield Text()
    if ranked is not None:
        r = ranked.relation
        yield Text(f"{ids[r.copy]} <- {ids[r.source]}: {relation_label(r)}, {_shares(r)}, {counted(r.matches, 'match')}",
                   style="bold")
    elif a == b:
        yield Text(f"inside {ids[a]}", style="bold")
    else:
        yield Text(f"{ids[a]} and {ids[b]}: {counted(detail.total, 'match')}, no document relation", style="bold")
    for block in blocks:
        where = "inside" if block.a.doc == block.b.doc else "from"
        yield Text(f"  {ids[block.b.doc]} lines {lines_label(block.b)} repeat {where} "
                   f"{'' if block.a.doc == block.b.doc else ids[block.a.doc] + ' '}lines {lines_label(block.a)} "
                   f"({counted(block.count, 'paragraph')}, {block.kind})")
    if ranked is not None and ranked.relation.alignment:
        yield from _alignment(ranked.relation.alignment, ids, texts, plain)
    else:
        for m in detail.shown:
            yield from _match(m, ids, texts, plain)
    if detail.copied:
        clusters = ("cluster " if len(detail.copied) == 1 else "clusters ") + ", ".join(map(str, detail.copied))
        yield Text(f"  and exact passages copied into more documents: {clusters} (under Copied passages)", style="dim")


def _alignment(items: Sequence[AlignedItem], ids: Sequence[str], texts: Sequence[str], plain: bool) -> Iterator[Text]:
    """A version's changes, as ``dedup diff`` shows them; unchanged passages are only counted."""
    unchanged = 0
    for item in items:
        if item.status == "aligned" and item.a is not None and item.b is not None:
            if item.diff is None or not item.diff.changed:
                unchanged += 1
                continue
            yield Text(f"  ~ {ids[item.b.doc]}:{lines_label(item.b)} <- {ids[item.a.doc]}:{lines_label(item.a)}  "
                       f"[{item.kind}] similarity {item.similarity:.2f}", style="magenta")
            yield _inline_diff(item.diff, texts[item.b.doc], plain)
            yield from _changes(item.diff, plain)
        elif item.a is not None:
            yield Text(f"  - {ids[item.a.doc]}:{lines_label(item.a)} removed", style="red")
            yield Text("    " + _excerpt(texts[item.a.doc][item.a.start:item.a.end]))
        elif item.b is not None:
            yield Text(f"  + {ids[item.b.doc]}:{lines_label(item.b)} added", style="green")
            yield Text("    " + _excerpt(texts[item.b.doc][item.b.start:item.b.end]))
    if unchanged:
        yield Text(f"  = {counted(unchanged, 'passage')} unchanged", style="dim")


def _heading(title: str) -> Iterator[Text]:
    yield Text()
    yield Text(title, style="bold underline")


def _table(header: Sequence[str], right: Sequence[bool], rows: Sequence[Sequence[str]]) -> Iterator[Text]:
    """Columns padded to their widest cell, drawn like rich's default table. Written here because
    rich.Table measures every cell through its render path: about 15 s for 67,000 overlap rows."""
    widths = [max([len(h)] + [len(r[c]) for r in rows]) for c, h in enumerate(header)]

    def cells(values: Sequence[str]) -> list[str]:
        return [v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)]

    yield Text(" " + " \u2503 ".join(cells(header)) + " ", style="bold")
    yield Text("\u2501" + "\u2501\u2547\u2501".join("\u2501" * w for w in widths) + "\u2501")
    for row in rows:
        yield Text(" " + " \u2502 ".join(cells(row)) + " ")


def _match(m: Match, ids: Sequence[str], texts: Sequence[str], plain: bool) -> Iterator[Text]:
    header = Text()
    header.append(f"  [{m.kind}, {m.scope}] ", style={"exact": "red", "near": "magenta", "partial": "cyan"}[m.kind])
    header.append(f"{ids[m.b.doc]}:{lines_label(m.b)} reuses {ids[m.a.doc]}:{lines_label(m.a)}  ")
    header.append(f"similarity {m.similarity:.2f}, containment {m.containment:.2f}", style="dim")
    yield header
    if m.diff is None or m.kind == "exact":
        yield Text("    " + _excerpt(texts[m.b.doc][m.b.start:m.b.end]))
        return
    yield _inline_diff(m.diff, texts[m.b.doc], plain)
    yield from _changes(m.diff, plain)


def _changes(diff: Diff, plain: bool) -> Iterator[Text]:
    if diff.wording:
        changes = "; ".join(wording_text(w.kind, w.a, w.b) for w in diff.wording[:8])
        more = f" (+{len(diff.wording) - 8} more)" if len(diff.wording) > 8 else ""
        yield Text(f"    wording: {changes}{more}")
    if diff.figures:
        figures = "; ".join(figure_text(f.change, f.a, f.b) for f in diff.figures)
        yield Text(f"    figures: {figures}", style="" if plain else "bold yellow")


def _excerpt(text: str) -> str:
    return short(text, EXCERPT)


def _inline_diff(diff: Diff, b_text: str, plain: bool) -> Text:
    """The copy's raw text with deletions and insertions marked in place."""
    out = Text("    ")
    position = diff.ops[0].b_start if diff.ops else 0
    for op in diff.ops:
        out.append(_flat(b_text[position:op.b_start]))
        position = op.b_end
        if op.op == "equal":
            out.append(_flat(op.b))
            continue
        if op.a:
            out.append(f"[-{_flat(op.a)}-]" if plain else _flat(op.a), style="" if plain else "red strike")
        if op.a and (op.b and not plain or not op.b and b_text[op.b_end:op.b_end + 1].isalnum()):
            out.append(" ")  # keep the words apart: "[-Additionally,-] Pakistan"
        if op.b:
            out.append(f"{{+{_flat(op.b)}+}}" if plain else _flat(op.b), style="" if plain else "green bold")
    return out


def _flat(text: str) -> str:
    """One line: newlines and tabs become spaces (a tab inside a marked-up diff line aligns nothing)."""
    return text.replace("\r", "").replace("\n", " ").replace("\t", " ")


def _conflict(conflict: FigureConflict, ids: Sequence[str]) -> Iterator[Text]:
    summary = " vs ".join(f"{value_label(v.value)} ({', '.join(ids[d] for d in v.docs)})" for v in conflict.values)
    yield Text(f"  {conflict.counts}: ", style="bold") + Text(summary)
    for value in conflict.values[:VALUES_QUOTED]:
        source = value.sources[0]
        line = Text(f"    {value_label(value.value)}: {ids[source.doc]}:{source.line} ", style="dim")
        line.append_text(_around(source.sentence, source.figure.start, source.figure.end))
        yield line
    if len(conflict.values) > VALUES_QUOTED:
        yield Text(f"    \u2026 {counted(len(conflict.values) - VALUES_QUOTED, 'more value')} (the JSON report quotes every one)",
                   style="dim")


def _around(sentence: str, start: int, end: int, context: int = 70) -> Text:
    """The sentence cut to ``context`` characters each side of the figure, the figure in bold."""
    left = sentence[max(0, start - context):start]
    right = sentence[end:end + context]
    out = Text("\u201c" + ("\u2026" if start > context else "") + _flat(left))
    out.append(_flat(sentence[start:end]), style="bold")
    out.append(_flat(right) + ("\u2026" if end + context < len(sentence) else "") + "\u201d")
    return out


def render_comparison(comparison: Comparison, console: Console) -> None:
    """``dedup diff A B``: each aligned pair with its changes marked, added/removed paragraphs, conflicts."""
    write_lines(console, _comparison_lines(comparison, plain=_plain(console)))


def _comparison_lines(comparison: Comparison, plain: bool) -> Iterator[Text]:
    ids = [d.id for d in comparison.documents]
    texts = [d.text for d in comparison.documents]
    counts = {s: sum(i.status == s for i in comparison.items) for s in ("aligned", "added", "removed")}
    yield Text(f"dedup diff: A = {ids[0]}, B = {ids[1]}", style="bold")
    yield Text(f"{counts['aligned']} aligned, {counts['removed']} only in A (removed), "
               f"{counts['added']} only in B (added)")
    for item in comparison.items:
        yield Text()
        if item.status == "aligned" and item.a is not None and item.b is not None:
            yield Text(f"= A:{lines_label(item.a)} ~ B:{lines_label(item.b)}  [{item.kind}] similarity "
                       f"{item.similarity:.2f}, containment {item.containment:.2f}", style="bold")
            if item.diff is None or not item.diff.changed:
                yield Text("    " + _excerpt(texts[1][item.b.start:item.b.end]))
                continue
            yield _inline_diff(item.diff, texts[1], plain)
            yield from _changes(item.diff, plain)
        elif item.a is not None:
            yield Text(f"- A:{lines_label(item.a)} removed", style="red")
            yield Text("    " + _excerpt(texts[0][item.a.start:item.a.end]))
        elif item.b is not None:
            yield Text(f"+ B:{lines_label(item.b)} added", style="green")
            yield Text("    " + _excerpt(texts[1][item.b.start:item.b.end]))
    if comparison.figure_conflicts:
        yield from _heading("Figure conflicts")
        for conflict in comparison.figure_conflicts:
            yield from _conflict(conflict, ids)
