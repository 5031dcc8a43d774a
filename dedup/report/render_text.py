"""Report -> terminal text with rich: summary, repeated blocks, reuse with inline diffs, figure
conflicts, document overlap. Colours only on a terminal (and never with NO_COLOR); plain markers
(``[-old-]{+new+}``) otherwise, so the output reads the same in a log file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from rich.console import Console
from rich.text import Text

from dedup.conflicts import FigureConflict
from dedup.diff import Diff
from dedup.model import Comparison, Match, Report
from dedup.report.labels import block_members, counted, figure_text, lines_label, short, wording_text

EXCERPT = 160
PRINT_BATCH = 1000  # lines per write


def render_text(report: Report, console: Console) -> None:
    """The scan report, written line by line (see ``write_lines``)."""
    write_lines(console, _report_lines(report, plain=_plain(console)))


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


def _report_lines(report: Report, plain: bool) -> Iterator[Text]:
    ids = [d.id for d in report.documents]
    texts = [d.text for d in report.documents]
    stats = report.stats
    yield Text(f"dedup scan: {counted(len(ids), 'document')}, {counted(stats.get('paragraphs', 0), 'paragraph')}, "
               f"{counted(stats.get('sentences', 0), 'sentence')}", style="bold")
    counts = ", ".join(f"{report.count(k)} {k}" for k in ("exact", "near", "partial"))
    conflicts = len(report.figure_conflicts) if report.diffs else "not computed (--no-diffs)"
    yield Text(f"matches: {counts}; clusters: {len(report.clusters)}; figure conflicts: {conflicts}")

    in_blocks = block_members(report)
    if report.blocks:
        yield from _heading("Repeated blocks")
        for block in report.blocks:
            where = "inside" if block.a.doc == block.b.doc else "from"
            yield Text(f"  {ids[block.b.doc]} lines {lines_label(block.b)} repeat {where} "
                       f"{'' if block.a.doc == block.b.doc else ids[block.a.doc] + ' '}lines {lines_label(block.a)} "
                       f"({counted(block.count, 'paragraph')}, {block.kind})")

    rest = [m for m in report.matches if (m.a, m.b) not in in_blocks]
    if rest:
        yield from _heading("Matches")
        for m in rest:
            yield from _match(m, ids, texts, plain)

    if report.figure_conflicts:
        yield from _heading("Figure conflicts")
        for conflict in report.figure_conflicts:
            yield from _conflict(conflict, ids)

    if report.overlaps:
        yield Text()
        yield Text("Document overlap (share of each reused from the other)", style="italic")
        overlaps = sorted(report.overlaps, key=lambda o: -max(o.a_in_b, o.b_in_a))
        yield from _table(("a", "b", "a in b", "b in a"), (False, False, True, True),
                          [(ids[o.a], ids[o.b], f"{o.a_in_b:.0%}", f"{o.b_in_a:.0%}") for o in overlaps])

    for warning in report.warnings:
        yield Text(f"warning: {warning}", style="yellow")


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
    summary = " vs ".join(f"{v.value} ({', '.join(ids[d] for d in v.docs)})" for v in conflict.values)
    yield Text(f"  {conflict.counts}: ", style="bold") + Text(summary)
    for value in conflict.values:
        source = value.sources[0]
        line = Text(f"    {value.value}: {ids[source.doc]}:{source.line} ", style="dim")
        line.append_text(_around(source.sentence, source.figure.start, source.figure.end))
        yield line


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
