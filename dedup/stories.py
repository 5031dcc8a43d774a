"""Story lines: groups of documents that tell one story, the scope of figure conflicts.

A story line holds the versions and rewrites of one story (documents the pipeline relates by
reuse) and other reports of the same event: documents that share distinctive names within a time
window. Words shared by chance must not chain a wire into one "story", so a name is a word written
capitalised inside a sentence (never a common word, never the opening dateline) and found in few
documents, and a document joins a story line only when it is linked to at least half of its
members (average linkage over the links), up to ``MAX_STORY_SIZE`` documents.

Name links are the cosine of TF-IDF vectors over the names: scikit-learn's ``TfidfVectorizer``
weighting with ``sublinear_tf=True``, (1 + ln tf) x (ln((1 + n) / (1 + df)) + 1), rows scaled to
unit length, computed here because scikit-learn took 0.7 s to import, a third of a scan of five
articles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy.sparse import csr_matrix, triu

from dedup.dateline import DATELINE_CHARS, dateline_day
from dedup.figures.tables import MONTHS

NAME_THRESHOLD = 0.2
MIN_SHARED_NAMES = 2
WINDOW = timedelta(days=2)
MAX_STORY_SIZE = 50
LINKED_SHARE = 0.5
COMMON_NAME_SHARE = 0.01  # a name in more of the documents than this says nothing about the story
SMALL_CORPUS = 50  # up to this many documents every name counts as distinctive

# A capitalised word after a lower-case word, a digit or a clause mark and one space: inside a
# sentence, so neither a sentence's first word nor a word of a line of capitals (a headline, a
# dateline). Common words capitalised in a sentence ("the Company") are in too many documents.
_NAME_RE = re.compile(r"(?<=[a-z0-9,;:)] )[A-Z][A-Za-z&-]*[A-Za-z]")

# Capitalised inside a sentence, yet they name no story.
NOT_NAMES = frozenset(
    {month.lower() for month in MONTHS} | {
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "i", "mr", "mrs", "ms", "dr", "the", "a", "an", "and", "of", "in", "on", "for", "to", "said",
    })  # fmt: skip


def story_groups(texts: Sequence[str], related_pairs: Sequence[tuple[int, int]],
                 dates: Sequence[datetime | None] | None = None, *,
                 threshold: float = NAME_THRESHOLD, window: timedelta = WINDOW,
                 max_size: int = MAX_STORY_SIZE) -> list[list[int]]:
    """Story lines of two or more document indices, each sorted, in order of their first document.

    ``related_pairs`` are documents related by reuse (always linked); ``dates`` the documents' dates
    (None where unknown): documents sharing names are linked only within ``window`` of each other.
    """
    names = [document_names(text) for text in texts]
    days = document_days([text[:DATELINE_CHARS] for text in texts], dates or [None] * len(texts))
    related = {(min(pair), max(pair)) for pair in related_pairs if pair[0] != pair[1]}
    pairs, cosines = name_links(names, threshold, days, window)
    # Strongest links first: reuse, then names by cosine.
    strongest = np.lexsort((pairs[:, 1], pairs[:, 0], -cosines)) if len(pairs) else np.empty(0, dtype=np.int64)
    ordered = sorted(related) + [pair for pair in map(tuple, pairs[strongest].tolist()) if pair not in related]
    return average_linkage(len(texts), ordered, max_size)


def document_days(texts: Sequence[str], dates: Sequence[datetime | None]) -> list[float | None]:
    """Each document's day as a number (days since year 1, hours as a fraction), from its date; when
    no date is known at all, from the day of its opening wire dateline ("PORTLAND, March 6 - ",
    searched in ``texts``), in a year of its own (a dateline names no year)."""
    if any(d is not None for d in dates):
        return [None if d is None else d.toordinal() + (d.hour * 3600 + d.minute * 60 + d.second) / 86400
                for d in dates]
    return [dateline_day(text) for text in texts]


def document_names(text: str) -> frozenset[str]:
    """The words ``text`` writes capitalised inside a sentence, casefolded."""
    return frozenset(map(str.casefold, _NAME_RE.findall(text))) - NOT_NAMES


def name_links(names: Sequence[frozenset[str]], threshold: float, days: Sequence[float | None],
               window: timedelta, holding: NameCounts | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)``, ``i < j``, and their cosines, of documents sharing at least
    ``MIN_SHARED_NAMES`` distinctive names whose cosine is at least ``threshold``, within ``window``
    of each other when both dates are known. ``holding`` says how many documents hold each name and how
    many there are, when ``names`` are not the whole collection (an index's check); else they are counted."""
    holding = holding or count_names(names)
    vectors = name_vectors(distinctive_names(names, holding), holding)
    pairs, cosines = similar_pairs(vectors, threshold)
    present = vectors.copy()
    present.data[:] = 1.0
    shared = np.asarray((present @ present.T)[pairs[:, 0], pairs[:, 1]]).ravel() if len(pairs) else np.empty(0)
    day = np.array([np.nan if d is None else d for d in days], dtype=float)
    apart = np.abs(day[pairs[:, 0]] - day[pairs[:, 1]]) > window.total_seconds() / 86400  # NaN: never apart
    keep = (shared >= MIN_SHARED_NAMES) & ~apart
    return pairs[keep], cosines[keep]


@dataclass(frozen=True, slots=True)
class NameCounts:
    """How many of ``documents`` documents hold each name (``held``; a name absent is held by none)."""

    held: Mapping[str, int]
    documents: int


def count_names(names: Sequence[frozenset[str]]) -> NameCounts:
    """The counts of a collection that is all of ``names`` (a scan's documents)."""
    return NameCounts(Counter(name for document in names for name in document), len(names))


def distinctive_names(names: Sequence[frozenset[str]], holding: NameCounts | None = None) -> list[frozenset[str]]:
    """Each document's names found in at least two documents and in few (see ``COMMON_NAME_SHARE``)."""
    holding = holding or count_names(names)
    most = holding.documents * COMMON_NAME_SHARE if holding.documents > SMALL_CORPUS else holding.documents
    return [frozenset(name for name in document if 2 <= holding.held.get(name, 0) <= most) for document in names]


def name_vectors(names: Sequence[frozenset[str]], holding: NameCounts | None = None) -> csr_matrix:
    """One unit row per document over its names (all zero when it has none), IDF-weighted over the
    documents ``holding`` counts (by default ``names``)."""
    holding = holding or count_names(names)
    columns: dict[str, int] = {}
    rows = [row for row, document in enumerate(names) for _ in document]
    cols = [columns.setdefault(name, len(columns)) for document in names for name in sorted(document)]
    df = np.array([holding.held.get(name, 0) for document in names for name in sorted(document)], dtype=float)
    weights = np.log((1 + holding.documents) / (1 + df)) + 1 if cols else np.empty(0)
    norms = np.sqrt(np.bincount(rows, weights * weights, minlength=len(names)))
    return csr_matrix((weights / norms[rows], (rows, cols)), shape=(len(names), len(columns)))


def similar_pairs(vectors: csr_matrix, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)``, ``i < j``, of unit rows whose cosine is at least ``threshold``, and their cosines.

    One sparse product: its cost is each column's document frequency squared, small because names
    in many documents are left out."""
    product = triu(vectors @ vectors.T, k=1).tocoo()
    keep = product.data >= threshold
    return np.stack([product.row[keep], product.col[keep]], axis=1).astype(np.int64), product.data[keep]


def average_linkage(count: int, links: Sequence[tuple[int, int]], max_size: int) -> list[list[int]]:
    """Groups merged along ``links`` in order while at least ``LINKED_SHARE`` of the pairs across
    two groups are linked and the union holds at most ``max_size`` documents: a document never
    joins through one neighbour of a neighbour."""
    linked: list[set[int]] = [set() for _ in range(count)]
    for i, j in links:
        linked[i].add(j)
        linked[j].add(i)
    group = list(range(count))
    members: dict[int, set[int]] = {}
    for i, j in links:
        a, b = group[i], group[j]
        if a == b:
            continue
        small, large = members.get(a) or {a}, members.get(b) or {b}
        if len(small) > len(large):
            a, b, small, large = b, a, large, small
        if len(small) + len(large) > max_size:
            continue
        if sum(len(linked[doc] & large) for doc in small) < LINKED_SHARE * len(small) * len(large):
            continue
        for doc in small:
            group[doc] = b
        members.pop(a, None)
        members[b] = large | small
    return sorted(sorted(docs) for docs in members.values())
