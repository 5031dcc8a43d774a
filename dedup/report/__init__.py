"""Renderers: a Report as JSON, terminal text or HTML. They format; they decide nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dedup.model import Comparison, Report

FORMATS = ("text", "json", "html")
# Text written to a file or a pipe: one line per record, never wrapped mid-sentence.
PLAIN_WIDTH = 160


def render(result: Report | Comparison, format: str = "text") -> str:
    """A scan report (or a ``dedup diff`` comparison) as ``dedup`` writes it to a file with
    ``--format`` ``text``, ``json`` or ``html``."""
    import io
    import json

    from dedup.model import Comparison

    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    comparison = isinstance(result, Comparison)
    if format == "html":
        from dedup.report.render_html import render_comparison_html, render_html

        return render_comparison_html(result) if comparison else render_html(result)  # type: ignore[arg-type]
    if format == "json" and comparison:
        from dedup.report.render_json import comparison_dict

        return json.dumps(comparison_dict(result), ensure_ascii=False, indent=2) + "\n"  # type: ignore[arg-type]
    from rich.console import Console

    from dedup.report.render_json import write_json
    from dedup.report.render_text import render_comparison, render_text

    handle = io.StringIO()
    if format == "json":
        write_json(result, handle)  # type: ignore[arg-type]
    else:
        console = Console(file=handle, no_color=True, highlight=False, soft_wrap=True, width=PLAIN_WIDTH)
        (render_comparison if comparison else render_text)(result, console)  # type: ignore[operator]
    return handle.getvalue()


def schema_json() -> str:
    """The JSON schema of ``dedup scan --format json``, as shipped in the package (``schema.json`` here),
    for ``dedup schema`` and for anyone validating reports without a checkout."""
    from importlib.resources import files

    return files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
