from datetime import UTC, date, datetime

import pytest

from dedup.dates import document_dates, parse_date, time_order
from dedup.sources import Document

WIRE = datetime(1987, 3, 2, 12, 27, 27, 540000, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("2-MAR-1987 12:27:27.54", WIRE),  # the wire's own form
    ("27-MAR-1987 00:02:59.13   RM", datetime(1987, 3, 27, 0, 2, 59, 130000, tzinfo=UTC)),  # a desk code after it
    ("27-MAR-1987 02:17:09.88   T C", datetime(1987, 3, 27, 2, 17, 9, 880000, tzinfo=UTC)),
    ("2-MAR-1987", datetime(1987, 3, 2, tzinfo=UTC)),
    ("1987-03-02T12:27:27.54", WIRE),  # ISO 8601 without a zone: UTC
    ("1987-03-02T14:27:27.54+02:00", WIRE),  # with one: the same instant
    ("1987-03-02T12:27:27.540Z", WIRE),
    ("1987-03-02", datetime(1987, 3, 2, tzinfo=UTC)),
    ("Mon, 02 Mar 1987 12:27:27 +0000", datetime(1987, 3, 2, 12, 27, 27, tzinfo=UTC)),  # RFC 2822 (RSS)
    ("Mon, 02 Mar 1987 07:27:27 EST", datetime(1987, 3, 2, 12, 27, 27, tzinfo=UTC)),
    ("March 2, 1987", datetime(1987, 3, 2, tzinfo=UTC)),
    ("2 March 1987 12:27", datetime(1987, 3, 2, 12, 27, tzinfo=UTC)),
    (541254447, datetime(1987, 2, 25, 12, 27, 27, tzinfo=UTC)),  # Unix seconds
    (datetime(1987, 3, 2, 12, 27, 27, 540000), WIRE),  # a Parquet timestamp column
    (date(1987, 3, 2), datetime(1987, 3, 2, tzinfo=UTC)),
    # Not a date: no day, month and year, or not a time at all.
    ("1987", None), ("March", None), ("12", None), ("2026-12", None), ("yesterday", None),
    ("31-FEB-1987 10:00:00.00", None), ("", None), (None, None), (True, None), (["2-MAR-1987"], None),
])
def test_parse_table(value: object, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_unreadable_dates_warn_with_document_and_value_and_leave_it_undated() -> None:
    documents = [Document("a", "feed.jsonl:1", "text", metadata={"published": "2-MAR-1987 12:27:27.54"}),
                 Document("b", "feed.jsonl:2", "text", metadata={"published": "soon"}),
                 Document("c", "feed.jsonl:3", "text", metadata={"date": "3-MAR-1987"}),
                 Document("d", "folder/d.txt", "text")]
    warnings: list[str] = []
    assert document_dates(documents, "published", warnings.append) == [WIRE, None, None, None]
    assert warnings == ["feed.jsonl:2: published 'soon' is not a date; the document is taken as undated"]


def test_time_order_is_by_date_then_document_order_with_undated_last() -> None:
    rank = time_order([datetime(1987, 3, 3, tzinfo=UTC), None, datetime(1987, 3, 2, tzinfo=UTC),
                       datetime(1987, 3, 3, tzinfo=UTC), None])
    assert rank.tolist() == [1, 3, 0, 2, 4]


def test_no_dates_is_document_order() -> None:
    assert time_order([None, None, None]).tolist() == [0, 1, 2]
