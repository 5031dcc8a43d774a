"""Report -> terminal text with rich: summary, repeated blocks, reuse with inline diffs, figure
conflicts, document overlap. Colours only on a terminal (and never with NO_COLOR); plain markers
(``[-old-]{+new+}``) otherwise, so the output reads the same in a log file.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dedup.conflicts import FigureConflict
from dedup.diff import Diff
from dedup.model import Comparison, Match, Report
from dedup.report.labels import block_members, figure_text, lines_label, short, wording_text

EXCERPT = 160


def render_text(report: Report, console: Console) -> None:
    ids = [d.id for d in report.documents]
    texts = [d.text for d in report.documents]
    plain = console.no_color or not console.is_terminal
    stats = report.stats
    console.print(Text(f"dedup scan: {len(ids)} documents, {stats.get('paragraphs', 0)} paragraphs, "
                       f"{stats.get('sentences', 0)} sentences", style="bold"))
    counts = ", ".join(f"{report.count(k)} {k}" for k in ("exact", "near", "partial"))
    console.print(f"matches: {counts}; clusters: {len(report.clusters)}; "
                  f"figure conflicts: {len(report.figure_conflicts)}")

    in_blocks = block_members(report)
    if report.blocks:
        console.print()
        console.print(Text("Repeated blocks", style="bold underline"))
        for block in report.blocks:
            where = "inside" if block.a.doc == block.b.doc else "from"
            console.print(f"  {ids[block.b.doc]} lines {lines_label(block.b)} repeat {where} "
                          f"{'' if block.a.doc == block.b.doc else ids[block.a.doc] + ' '}lines {lines_label(block.a)} "
                          f"({block.count} paragraphs, {block.kind})")

    rest = [m for m in report.matches if (m.a, m.b) not in in_blocks]
    if rest:
        console.print()
        console.print(Text("Matches", style="bold underline"))
        for m in rest:
            _match(console, m, ids, texts, plain)

    if report.figure_conflicts:
        console.print()
        console.print(Text("Figure conflicts", style="bold underline"))
        for conflict in report.figure_conflicts:
            _conflict(console, conflict, ids)

    if report.overlaps:
        console.print()
        table = Table(title="Document overlap (share of each reused from the other)", title_justify="left",
                      show_edge=False)
        for column in ("a", "b", "a in b", "b in a"):
            table.add_column(column, justify="right" if " in " in column else "left")
        for o in sorted(report.overlaps, key=lambda o: -max(o.a_in_b, o.b_in_a)):
            table.add_row(ids[o.a], ids[o.b], f"{o.a_in_b:.0%}", f"{o.b_in_a:.0%}")
        console.print(table)

    for warning in report.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"))


def _match(console: Console, m: Match, ids: Sequence[str], texts: Sequence[str], plain: bool) -> None:
    header = Text()
    header.append(f"  [{m.kind}, {m.scope}] ", style={"exact": "red", "near": "magenta", "partial": "cyan"}[m.kind])
    header.append(f"{ids[m.b.doc]}:{lines_label(m.b)} reuses {ids[m.a.doc]}:{lines_label(m.a)}  ")
    header.append(f"similarity {m.similarity:.2f}, containment {m.containment:.2f}", style="dim")
    console.print(header)
    if m.diff is None or m.kind == "exact":
        console.print(Text("    " + _excerpt(texts[m.b.doc][m.b.start:m.b.end])))
        return
    console.print(_inline_diff(m.diff, texts[m.b.doc], plain))
    _changes(console, m.diff, plain)


def _changes(console: Console, diff: Diff, plain: bool) -> None:
    if diff.wording:
        changes = "; ".join(wording_text(w.kind, w.a, w.b) for w in diff.wording[:8])
        more = f" (+{len(diff.wording) - 8} more)" if len(diff.wording) > 8 else ""
        console.print(Text(f"    wording: {changes}{more}"))
    if diff.figures:
        figures = "; ".join(figure_text(f.change, f.a, f.b) for f in diff.figures)
        console.print(Text(f"    figures: {figures}", style="" if plain else "bold yellow"))


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
    return text.replace("\r", "").replace("\n", " ")


def _conflict(console: Console, conflict: FigureConflict, ids: Sequence[str]) -> None:
    summary = " vs ".join(f"{v.value} ({', '.join(ids[d] for d in v.docs)})" for v in conflict.values)
    console.print(Text(f"  {conflict.counts}: ", style="bold") + Text(summary))
    for value in conflict.values:
        source = value.sources[0]
        line = Text(f"    {value.value}: {ids[source.doc]}:{source.line} ", style="dim")
        line.append_text(_around(source.sentence, source.figure.start, source.figure.end))
        console.print(line)


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
    ids = [d.id for d in comparison.documents]
    texts = [d.text for d in comparison.documents]
    plain = console.no_color or not console.is_terminal
    counts = {s: sum(i.status == s for i in comparison.items) for s in ("aligned", "added", "removed")}
    console.print(Text(f"dedup diff: A = {ids[0]}, B = {ids[1]}", style="bold"))
    console.print(f"{counts['aligned']} aligned, {counts['removed']} only in A (removed), "
                  f"{counts['added']} only in B (added)")
    for item in comparison.items:
        console.print()
        if item.status == "aligned" and item.a is not None and item.b is not None:
            console.print(Text(f"= A:{lines_label(item.a)} ~ B:{lines_label(item.b)}  [{item.kind}] similarity "
                               f"{item.similarity:.2f}, containment {item.containment:.2f}", style="bold"))
            if item.diff is None or not item.diff.changed:
                console.print(Text("    " + _excerpt(texts[1][item.b.start:item.b.end])))
                continue
            console.print(_inline_diff(item.diff, texts[1], plain))
            _changes(console, item.diff, plain)
        elif item.a is not None:
            console.print(Text(f"- A:{lines_label(item.a)} removed", style="red"))
            console.print(Text("    " + _excerpt(texts[0][item.a.start:item.a.end])))
        elif item.b is not None:
            console.print(Text(f"+ B:{lines_label(item.b)} added", style="green"))
            console.print(Text("    " + _excerpt(texts[1][item.b.start:item.b.end])))
    if comparison.figure_conflicts:
        console.print()
        console.print(Text("Figure conflicts", style="bold underline"))
        for conflict in comparison.figure_conflicts:
            _conflict(console, conflict, ids)
