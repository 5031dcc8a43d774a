"""Short labels shared by the text and HTML renderers: line ranges, excerpts, change descriptions."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from dedup.diff import FigureChange
from dedup.model import Passage, Relation, RepeatedBlock, Report


def relation_label(relation: Relation) -> str:
    """A relation's kind as a reader sees it: a version that says it corrects its source is a correction."""
    return "correction" if relation.correction and relation.kind == "version" else relation.kind


def block_members(report: Report) -> set[tuple[Passage, Passage]]:
    """The (a, b) sides of matches that a repeated block already shows (so they are not listed twice).

    Blocks of one document pair are sorted by start with a running maximum of their ends, so a match
    looks back only over blocks that can still contain it (a scan over every block of the pair was
    quadratic: 5 s of the Debian text report)."""
    blocks_of: dict[tuple[int, int], list[RepeatedBlock]] = {}
    for block in report.blocks:
        blocks_of.setdefault((block.a.doc, block.b.doc), []).append(block)
    index: dict[tuple[int, int], tuple[list[int], list[int], list[RepeatedBlock]]] = {}
    for pair, blocks in blocks_of.items():
        blocks.sort(key=lambda b: b.a.start)
        index[pair] = ([b.a.start for b in blocks], list(accumulate((b.a.end for b in blocks), max)), blocks)
    members: set[tuple[Passage, Passage]] = set()
    for m in report.matches:
        found = index.get((m.a.doc, m.b.doc))
        if found is None:
            continue
        starts, reach, blocks = found
        i = bisect_right(starts, m.a.start) - 1
        while i >= 0 and reach[i] >= m.a.end:
            b = blocks[i]
            if m.a.end <= b.a.end and b.b.start <= m.b.start and m.b.end <= b.b.end:
                members.add((m.a, m.b))
                break
            i -= 1
    return members


def counted(count: int, noun: str) -> str:
    """``1 document``, ``2 documents``, ``2 matches``: the noun agrees with the count."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun}es" if noun.endswith(("ch", "sh", "s", "x")) else f"{count} {noun}s"


def value_label(value: str) -> str:
    """A conflict's value as a reader takes it in: ``58,700,000`` for ``58700000``, ``1,000-2,000`` for a range;
    decimals and small numbers as they are (the JSON report keeps the plain number)."""
    return _GROUPABLE.sub(lambda number: f"{int(number[0]):,}", value)


_GROUPABLE = re.compile(r"(?<![\d.])\d{4,}(?![\d.])")


def lines_label(p: Passage) -> str:
    """"4" or "9-15"."""
    return str(p.line) if p.line == p.end_line else f"{p.line}-{p.end_line}"


def wording_text(kind: str, a: str, b: str) -> str:
    """A wording change as a person reads it: 'roaming' -> 'moving', added 'including by the BLA'."""
    if kind == "insert":
        return f"added '{short(b)}'"
    if kind == "delete":
        return f"removed '{short(a)}'"
    return f"'{short(a)}' -> '{short(b)}'"


def figure_text(change: str, a: str | None, b: str | None) -> str:
    """A figure change: "at least 31 civilians -> 18 civilians (changed)", "added 84 security personnel"."""
    if change == "added":
        return f"added {b}"
    if change == "removed":
        return f"removed {a}"
    return f"{a} -> {b} ({change})"


def figures_summary(changes: Sequence[FigureChange], limit: int = 3) -> str:
    """The first ``limit`` figure changes on one line, and how many more."""
    named = "; ".join(" ".join(figure_text(f.change, f.a, f.b).split()) for f in changes[:limit])
    return named + (f" (+{len(changes) - limit} more)" if len(changes) > limit else "")


def short(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
