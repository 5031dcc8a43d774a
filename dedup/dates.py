"""Document dates: when each document was written, from a metadata field, so reuse can run forward in time.

A date is read from ISO 8601 (``2026-12-02T10:00:00Z``), RFC 2822 as feeds write it
(``Mon, 02 Mar 1987 12:27:27 +0000``), the wire's own form (``2-MAR-1987 12:27:27.54``; the desk codes
a wire may write after it, ``F RM``, are ignored) and the other common written forms python-dateutil reads (``March 2, 1987``), or a Unix
time in seconds. A value must name a day, month and year: ``12`` or ``March`` is not a date. A datetime
without a zone is taken as UTC, so dated documents with and without zones compare on one clock.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import numpy as np
from dateutil import parser as date_parser

from dedup.sources import Document

DEFAULT_DATE_FIELD = "date"
# Two fillers that differ in every field: a part the value does not name shows up as a difference.
_FILLERS = (datetime(1, 1, 1), datetime(2, 2, 2))
_WIRE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
                   r"(?:\s+[A-Z]{1,3})*")
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def parse_date(value: object) -> datetime | None:
    """The time ``value`` names, in UTC; None when it names none (missing, empty or unreadable)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    wire = _WIRE.fullmatch(text)
    if wire:
        return _wire_date(*wire.groups())
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    try:
        return _utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    return _written_date(text)


def _wire_date(day: str, month: str, year: str, hour: str | None, minute: str | None, second: str | None,
               fraction: str | None) -> datetime | None:
    """The wire's ``2-MAR-1987 12:27:27.54``, read field by field (a corpus has one per story)."""
    try:
        return datetime(int(year), _MONTHS[month.lower()], int(day), int(hour or 0), int(minute or 0),
                        int(second or 0), int((fraction or "0").ljust(6, "0")), tzinfo=UTC)
    except (KeyError, ValueError):
        return None


def _written_date(text: str) -> datetime | None:
    """A date in one of the written forms dateutil reads, only when the text names its day, month and year."""
    read = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an unknown zone name is read as none: the time is taken as UTC
        for filler in _FILLERS:
            try:
                read.append(date_parser.parse(text, default=filler))
            except (ValueError, OverflowError):
                return None
    first, second = read
    if first.date() != second.date():
        return None
    return _utc(first)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def document_dates(documents: Sequence[Document], field: str = DEFAULT_DATE_FIELD,
                   warn: Callable[[str], None] | None = None) -> list[datetime | None]:
    """The date of each document from its metadata ``field`` (None: undated). A value that cannot be read
    leaves its document undated, with a warning naming the document and the value."""
    dates = []
    for document in documents:
        value = document.metadata.get(field)
        found = parse_date(value)
        if found is None and value not in (None, "") and warn is not None:
            warn(f"{document.path}: {field} {value!r} is not a date; the document is taken as undated")
        dates.append(found)
    return dates


def apart(first: datetime | None, other: datetime | None, gap: timedelta) -> bool:
    """Whether two documents are dated more than ``gap`` apart (both must be dated: an undated one is near)."""
    return first is not None and other is not None and abs(first - other) > gap


def time_order(dates: Sequence[datetime | None]) -> np.ndarray:
    """Each document's rank in time: dated documents by date, then undated ones; ties in document order.

    Without any date this is document order (a folder's files). An undated document in a dated corpus
    comes after every dated one: it is never taken as the source of a dated copy."""
    undated = np.fromiter((d is None for d in dates), dtype=bool, count=len(dates))
    stamps = np.fromiter((0.0 if d is None else d.timestamp() for d in dates), dtype=np.float64, count=len(dates))
    rank = np.empty(len(dates), dtype=np.int64)
    rank[np.lexsort((np.arange(len(dates)), stamps, undated))] = np.arange(len(dates))
    return rank
