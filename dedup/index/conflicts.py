"""Stored reports of the incoming text's event that share no passage with it and give other figures.

A second account of an attack often reuses no sentence of the first ("at least 31 civilians" in one,
"18 civilians" in the other), so no passage finds it, and the figures are what an editor must see. The scan
joins reports of one event into its story lines (:mod:`dedup.stories`: distinctive names in common, within
two days of each other) and sets the counts of the event against each other (:mod:`dedup.conflicts`: two
reports that reuse no passage are compared only on what happened in the event, "civilians killed", never on
other figures); a check applies the same two rules to the incoming text and the stored documents that hold
its names, counted over the stored documents and the incoming text as a scan counts them over its
documents. A stored document the verdict already names is left out (its passages and changes say more).

Only the reports that disagree on such a count are given. Names alone are not enough to name a report of
the same event: read by hand on the dev-corpus stream, 10 of 50 stored stories linked by names alone
(`benchmarks/labels/story-line-links.jsonl`) were of the incoming story's story line; the others were other
matters of one subject (a country's inflation and its GDP), of one topic (two issuers' Canadian dollar bonds)
or shared only an intermediary (an underwriter).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dedup.conflicts import FigureConflict
from dedup.dateline import DATELINE_CHARS
from dedup.dates import parse_date
from dedup.figures import extract_figures, may_hold_event
from dedup.index.batch import Batch
from dedup.index.store import Store
from dedup.pipeline import figure_conflicts, figure_folds
from dedup.segment import segment_documents
from dedup.stories import (
    MIN_SHARED_NAMES,
    NAME_THRESHOLD,
    WINDOW,
    NameCounts,
    distinctive_names,
    document_days,
    document_names,
    name_links,
)

MAX_READ = 50  # stored documents holding the most of the text's names that are read and compared


@dataclass(frozen=True, slots=True)
class ConflictingReport:
    """A stored report of the incoming text's event: its id and metadata, the cosine of the two documents'
    name vectors, the distinctive names both hold, and the counts on which the two disagree (stored values
    first)."""

    id: str
    metadata: dict[str, Any] | None
    similarity: float
    names: tuple[str, ...]
    conflicts: tuple[FigureConflict, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "metadata": self.metadata, "similarity": round(self.similarity, 4),
                "names": list(self.names),
                "conflicts": [{"counts": c.counts, "values": [
                    {"value": v.value, "sides": ["stored" if doc == 0 else "incoming" for doc in v.docs],
                     "text": v.text} for v in c.values]} for c in self.conflicts]}


def conflicting_reports(batch: Batch, store: Store, named: set[int], date: datetime | None,
                        limit: int) -> tuple[ConflictingReport, ...]:
    """The stored reports of the event of ``batch.texts[0]`` (dated ``date``, when known) outside the
    documents ``named`` by the verdict that give other counts of it, closest first, at most ``limit``."""
    text = batch.texts[0]
    if not any(figure.event for sentence in batch.sentences.texts(batch.texts) if may_hold_event(sentence)
               for figure in extract_figures(sentence)):
        return ()  # two reports that reuse no passage are compared only on the counts of an event
    incoming = document_names(text)
    documents = store.count("documents") + 1  # the incoming text counts, as in a scan
    held = store.name_counts(incoming)
    holding = NameCounts({name: held.get(name, 0) + 1 for name in incoming}, documents)
    distinctive = distinctive_names([incoming], holding)[0]
    if len(distinctive) < MIN_SHARED_NAMES:
        return ()
    candidates = [doc for doc in store.name_holders(distinctive, MIN_SHARED_NAMES) if doc not in named][:MAX_READ]
    if not candidates:
        return ()
    texts = store.stored_texts(candidates)
    names = [document_names(texts[doc]) for doc in candidates]
    others = frozenset().union(*names) - incoming
    holding = NameCounts({**holding.held, **store.name_counts(others)}, documents)
    described = store.described(candidates)
    dates = [date] + [parse_date((described[doc][1] or {}).get(store.config.date_field)) for doc in candidates]
    days = document_days([t[:DATELINE_CHARS] for t in [text, *(texts[doc] for doc in candidates)]], dates)
    pairs, cosines = name_links([incoming, *names], NAME_THRESHOLD, days, WINDOW, holding)
    linked = sorted(((cosine, int(j) - 1) for (i, j), cosine in zip(pairs.tolist(), cosines.tolist()) if i == 0),
                    key=lambda found: (-found[0], candidates[found[1]]))
    kept = distinctive_names([incoming, *names], holding)
    folds = figure_folds(store.config)
    reports = []
    for cosine, k in linked:
        conflicts = _conflicts(texts[candidates[k]], text, dates[k + 1], date, folds)
        if conflicts:
            reports.append(ConflictingReport(*described[candidates[k]], cosine, tuple(sorted(kept[0] & kept[k + 1])),
                                             conflicts))
    return tuple(reports[:limit])


def _conflicts(stored: str, incoming: str, stored_date: datetime | None, date: datetime | None,
               folds: Mapping[str, Sequence[str]]) -> tuple[FigureConflict, ...]:
    """The scan's figure conflicts between two reports of one event that reuse no passage of each other."""
    _, sentences = segment_documents([stored, incoming])
    return tuple(figure_conflicts([stored, incoming], sentences, [[0, 1]], folds, dates=[stored_date, date],
                                  related=[]))
