"""Short labels shared by the text and HTML renderers: line ranges, excerpts, change descriptions."""

from __future__ import annotations

from dedup.model import Passage, RepeatedBlock, Report


def block_members(report: Report) -> set[tuple[Passage, Passage]]:
    """The (a, b) sides of matches that a repeated block already shows (so they are not listed twice)."""
    blocks_of: dict[tuple[int, int], list[RepeatedBlock]] = {}
    for block in report.blocks:
        blocks_of.setdefault((block.a.doc, block.b.doc), []).append(block)
    return {
        (m.a, m.b) for m in report.matches
        if any(b.a.start <= m.a.start and m.a.end <= b.a.end and b.b.start <= m.b.start and m.b.end <= b.b.end
               for b in blocks_of.get((m.a.doc, m.b.doc), ()))
    }


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


def short(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
