"""The scan's report filters on the command line (``--scope``, ``--top``, ``--min-share``), and the
parsers of the commands' numeric and fixed-choice options.

They narrow the text report a person reads; the JSON and HTML reports are for programs and browsers,
which hold every relation, so the filters are refused there rather than silently ignored.
"""

from __future__ import annotations

import enum
from typing import Annotated, Optional

import typer


class Scope(str, enum.Enum):
    internal = "internal"
    cross = "cross"
    all = "all"


def number(convert: type[int] | type[float]):  # type: ignore[no-untyped-def]
    """A parser for a numeric option whose error names the value and what was expected."""
    expected = "an integer" if convert is int else "a number"

    def parse(value: str) -> int | float:
        try:
            return convert(value)
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not {expected}") from None

    return parse


def choice(kind: type[enum.Enum]):  # type: ignore[no-untyped-def]
    """A parser for an option of fixed values whose error lists them."""
    def parse(value: str) -> enum.Enum:
        try:
            return kind(value)
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(k.value for k in kind)}") from None

    return parse


ScopeOption = Annotated[Scope, typer.Option(
    metavar="[internal|cross|all]", parser=choice(Scope),
    help="Text report: repeats inside documents, relations across them, or both.")]
TopOption = Annotated[Optional[int], typer.Option(
    metavar="N", parser=number(int), help="Text report: the N strongest relations and their detail.")]
MinShareOption = Annotated[Optional[float], typer.Option(
    metavar="FLOAT", parser=number(float), help="Text report: relations where either document shares at least this.")]


def filter_error(scope: Scope, top: int | None, min_share: float | None, text: bool) -> str | None:
    """Why the filters cannot be used as given, in one line, or None."""
    if top is not None and top < 1:
        return f"--top must be a positive integer, got {top}"
    if min_share is not None and not 0 <= min_share <= 1:
        return f"--min-share must be a number in [0, 1], got {min_share:g}"
    given = [name for name, value in (("--scope", scope is not Scope.all), ("--top", top is not None),
                                      ("--min-share", min_share is not None)) if value]
    if given and not text:
        verb = "filters" if len(given) == 1 else "filter"
        return f"{', '.join(given)} {verb} the text report; the JSON and HTML reports hold every relation"
    return None
