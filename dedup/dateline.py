"""The dateline that opens a wire story ("DES MOINES, Iowa, March 5 - "): where and on which day the
agency filed it. Its words say nothing about which story a text tells (the evidence rule strips it), and
its day dates a story that carries no date (story lines and figure conflicts read it)."""

from __future__ import annotations

import re
from datetime import date

from dedup.figures.tables import MONTHS

# The month as the wire writes it: "March", "MARCH" or "march" ("may", a verb, only capitalised).
_MONTH_NAMES = sorted({form for name in MONTHS for form in (name, name.upper(), name.lower()) if form != "may"},
                      key=len, reverse=True)
# Place words, a comma, the month (longest name first: "March" before "Mar") and the day, a dash.
DATELINE = re.compile(
    r"(?m)^[ \t]*[A-Z][\w.'/&()-]*(?:[ ,]+[\w.'/&()-]+){0,6}?,\s+((?:%s)\.?\s+\d{1,2})\s*[-\u2013\u2014]+\s+"
    % "|".join(_MONTH_NAMES))
DATELINE_CHARS = 300  # a dateline opens a story, after its headline


def dateline_day(text: str) -> int | None:
    """The day of the first dateline in ``text`` as an ordinal (of 2001, a year without February 29)."""
    found = DATELINE.search(text)
    if not found:
        return None
    month, day = found.group(1).replace(".", "").split()
    try:
        return date(2001, MONTHS[month.capitalize()], int(day)).toordinal()
    except ValueError:
        return None
