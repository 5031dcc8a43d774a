"""A scan of a small wire (tests/fixtures/wire/, stories written for the tests) with the relations and
the boilerplate set by hand, as the relation and boilerplate stages give them: the reports render them
whatever stage fills them.

a.txt is a results story; b.txt its correction (the first paragraph's figures changed, the rest the
same); c.txt a re-send of a.txt; d.txt another company's story reusing one paragraph of a.txt.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from dedup import scan
from dedup.model import Boilerplate, Passage, Relation, Report
from dedup.pipeline import compare

WIRE = Path(__file__).resolve().parent / "fixtures" / "wire"


def _local(passage: Passage | None, docs: tuple[int, int]) -> Passage | None:
    return None if passage is None else dataclasses.replace(passage, doc=docs[passage.doc])


def wire_report() -> Report:
    report = scan(WIRE)
    index = {d.id: i for i, d in enumerate(report.documents)}
    a, b, c, d = (index[name] for name in ("a.txt", "b.txt", "c.txt", "d.txt"))
    alignment = tuple(dataclasses.replace(item, a=_local(item.a, (a, b)), b=_local(item.b, (a, b)))
                      for item in compare(WIRE / "a.txt", WIRE / "b.txt").items)
    report.relations = [
        Relation("reuse", a, d, 0.25, 0.3, 1),
        Relation("duplicate", a, c, 1.0, 1.0, 5, group=0),
        Relation("version", a, b, 0.8, 0.8, 3, group=0, alignment=alignment),
    ]
    headline = next(m.b for m in report.matches if m.b.doc == c and m.b.line == 1)
    report.boilerplate = [Boilerplate("paragraph", 57, (headline, dataclasses.replace(headline, doc=a)))]
    return report
