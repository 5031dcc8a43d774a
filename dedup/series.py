"""Series headlines: the standing headline of a daily or weekly report, and the editions written under it.

A **series headline** is the opening of a headline (a document's first line, all in capitals: its first
:data:`SERIES_WORDS` words, figures masked) found in at least :data:`SERIES_DOCUMENTS` documents on at least
:data:`SERIES_DAYS` days (``FED ADDS RESERVES VIA CUSTOMER REPURCHASES``, ``TREASURY BALANCES AT FED ROSE ON
MARCH 6`` and ``... FELL ON MARCH 5``, ``HOG AND CATTLE SLAUGHTER GUESSTIMATES``). A headline naming a company
by ticker counts whole: a company's stories of many days are a story line. Two documents
under one series headline written on different days are **other editions** of the series: an edition
repeats the series' lead by design, so :mod:`dedup.evidence` judges them as documents a week apart.

A document's day is its date's, else the day of its opening wire dateline. A dateline names no year, so
its days are counted on a clock of their own (numbered below zero) and never compared with a date's: a
dated and an undated document are not known to be written on different days.

The scan counts a headline's documents and days over the scanned documents (:func:`series_editions`); the
index stores each document's headline and day and counts the stored ones plus the checked text
(:func:`is_series`, :func:`edition_of`). Both judge pairs with :func:`other_editions`.

The whole headline, figures as written, and the day tell a **re-send** (:func:`sent_under`): a story sent
again under its headline the same day is a version of it (:func:`dedup.relations.resent_versions`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from dedup.dateline import DATELINE_CHARS, dateline_day
from dedup.normalize import normalize
from dedup.subjects import headline as first_line

SERIES_DOCUMENTS = 3  # documents under one headline, figures masked, for it to be a series'
SERIES_DAYS = 3  # days those documents are written on: a story re-sent under one headline spans two
SERIES_WORDS = 3  # a daily report's headline keeps its opening and says what happened after it (ROSE, FELL)
DATELINE_CLOCK = 1 << 20  # subtracted from a dateline's day (an ordinal of 2001): below zero, apart from dates
HEADLINE = re.compile(r"(?m)^[^a-z\n]*[A-Z][^a-z\n]*$")  # a line in capitals, with at least one letter
_FIGURE = re.compile(r"\d+(?:[.,/]\d+)*")
Edition = tuple[str, int]  # a series headline (figures masked) and the day a document of it was written


def series_headline(text: str) -> str | None:
    """The part of a document's headline (its first line, all in capitals) that a series keeps from day to
    day: normalised, figures masked, its first :data:`SERIES_WORDS` words (``U.K. MONEY MARKET GIVEN 24 MLN
    STG ASSISTANCE``, ``... RECEIVES 37 MLN STG ASSISTANCE``); all of it when it names a company by ticker,
    whose stories of many days are a story line, not a series."""
    line = _capital_headline(text)
    if line is None:
        return None
    masked = _FIGURE.sub("0", normalize(line))
    return masked if "<" in line else " ".join(masked.split()[:SERIES_WORDS])


def sent_under(text: str, date: datetime | None) -> tuple[str, int] | None:
    """The whole headline (normalised, figures as written) and the day a document was sent. Two documents
    sharing them were sent under one headline on one day: the wire re-sends a story to update or correct it
    (a results table with its figures fixed), however little of it is left unchanged."""
    line, day = _capital_headline(text), document_day(text, date)
    return (normalize(line), day) if line is not None and day is not None else None


def _capital_headline(text: str) -> str | None:
    """A document's first line when it is a headline: all in capitals."""
    line = first_line(text)
    return line if line and HEADLINE.fullmatch(line) else None


def document_day(text: str, date: datetime | None) -> int | None:
    """The day a document was written: its date's ordinal, else its opening dateline's day on the dateline
    clock (below zero), else None."""
    if date is not None:
        return date.toordinal()
    day = dateline_day(text[:DATELINE_CHARS])
    return None if day is None else day - DATELINE_CLOCK


def is_series(documents: int, days: int) -> bool:
    """Whether a headline found in ``documents`` documents written on ``days`` distinct days is a series'."""
    return documents >= SERIES_DOCUMENTS and days >= SERIES_DAYS


def edition_of(headline: str | None, day: int | None, series: bool) -> Edition | None:
    """A document's edition: its headline and day when both are known and the headline is a series'."""
    return (headline, day) if series and headline is not None and day is not None else None


def series_editions(texts: Sequence[str], dates: Sequence[datetime | None] | None = None) -> list[Edition | None]:
    """Each document's series edition among ``texts`` (``dates``: their dates, None where unknown), None for a
    document outside every series."""
    headlines = [series_headline(text) for text in texts]
    days = [document_day(text, date) for text, date in zip(texts, dates or [None] * len(texts))]
    documents: dict[str, int] = defaultdict(int)
    written_on: dict[str, set[int]] = defaultdict(set)
    for headline, day in zip(headlines, days):
        if headline is not None:
            documents[headline] += 1
            if day is not None:
                written_on[headline].add(day)
    return [edition_of(headline, day, headline is not None and is_series(documents[headline], len(written_on[headline])))
            for headline, day in zip(headlines, days)]


def other_editions(first: Edition | None, other: Edition | None) -> bool:
    """Whether two documents are editions of one series written on different days (of one clock)."""
    return (first is not None and other is not None and first[0] == other[0] and first[1] != other[1]
            and (first[1] < 0) == (other[1] < 0))
