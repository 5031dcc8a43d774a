"""The plain data a scan produces. No I/O here: renderers in ``dedup.report`` turn it into JSON/text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dedup.conflicts import FigureConflict
from dedup.sources import Document

if TYPE_CHECKING:
    from dedup.align import AlignedItem
    from dedup.diff import Diff

KIND_ORDER = {"exact": 0, "near": 1, "partial": 2}


@dataclass(frozen=True, slots=True, order=True)
class Passage:
    """``documents[doc].text[start:end]``, starting on 1-based ``line`` and ending on ``end_line``."""

    doc: int
    start: int
    end: int
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Match:
    """``b`` reuses ``a``: ``a`` is the cluster member ``b`` was verified against.

    ``similarity`` is the exact Jaccard of the two shingle sets; ``containment`` the share of the
    smaller set found in the larger; ``a_in_b``/``b_in_a`` the share of each side found in the other.
    """

    kind: str
    a: Passage
    b: Passage
    similarity: float
    containment: float
    a_in_b: float
    b_in_a: float
    cluster: int
    diff: Diff | None = None

    @property
    def scope(self) -> str:
        return "internal" if self.a.doc == self.b.doc else "cross"


@dataclass(frozen=True, slots=True)
class Cluster:
    """Segments that are copies of one another; ``level`` is "paragraph" or "sentence"."""

    id: int
    level: str
    kind: str
    representative: Passage
    members: tuple[Passage, ...]


@dataclass(frozen=True, slots=True)
class RepeatedBlock:
    """Consecutive matches between the same two documents, shown as one block (lines 9-15 repeat 2-8)."""

    kind: str
    a: Passage
    b: Passage
    count: int


class _Passages:
    """A passage's document id and text, for results that hold the ``documents`` passages index."""

    __slots__ = ()
    documents: list[Document]

    def doc_id(self, passage: Passage) -> str:
        """The id of the document ``passage`` lies in (its path relative to the scanned folder, or the JSONL id)."""
        return self.documents[passage.doc].id

    def text_of(self, passage: Passage) -> str:
        """The raw text of ``passage``, as the reports quote it."""
        return self.documents[passage.doc].text[passage.start:passage.end]


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """Text found in many otherwise unrelated documents: a sign-off, a standing headline, a table header,
    a stock clause. It is reported once, here, and is never reuse between two documents.

    ``level`` is "paragraph" or "sentence" when learned from the corpus, "listed" when it matched a line or
    pattern the user gave; ``documents`` is how many documents hold it; ``examples`` are its first
    occurrences in document order (the first is the text a report quotes)."""

    level: str
    documents: int
    examples: tuple[Passage, ...]


RELATION_KINDS = ("duplicate", "version", "reuse")


@dataclass(frozen=True, slots=True)
class Relation:
    """Two documents related by the matches between them: ``copy`` reuses ``source``.

    ``kind`` is "duplicate" (re-sent: the same text), "version" (an update or correction: most of both
    shared, something changed) or "reuse" (some passages). ``source`` is the earlier document when dates
    are known. ``source_in_copy``/``copy_in_source`` are the share of each document's compared text found
    in the other, from the matches between the two only; ``matches`` counts them. ``group`` numbers the
    groups of duplicates and versions of one story (-1 for plain reuse). ``alignment`` is the
    whole-document alignment of a version (as ``dedup diff`` aligns two files), else empty. ``correction``:
    the copy says it corrects the source (:mod:`dedup.corrections`), a version whatever the two share."""

    kind: str
    source: int
    copy: int
    source_in_copy: float
    copy_in_source: float
    matches: int
    group: int = -1
    alignment: tuple[AlignedItem, ...] = ()
    correction: bool = False


@dataclass(slots=True)
class Report(_Passages):
    documents: list[Document]
    matches: list[Match]
    clusters: list[Cluster]
    blocks: list[RepeatedBlock]
    relations: list[Relation]
    boilerplate: list[Boilerplate]
    figure_conflicts: list[FigureConflict]
    config: dict[str, object]
    stats: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(m.kind == kind for m in self.matches)

    @property
    def diffs(self) -> bool:
        """Whether what changed was computed (``--no-diffs`` skips it): no conflicts then means unknown."""
        return self.config.get("diffs", True) is not False


@dataclass(slots=True)
class Comparison(_Passages):
    """``dedup diff A B``: the two documents, their aligned passages and their figure conflicts."""

    documents: list[Document]
    items: list[AlignedItem]
    figure_conflicts: list[FigureConflict]
