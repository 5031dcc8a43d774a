"""The verdict of a check: which stored documents an incoming text reuses, and how.

* ``duplicate``: a stored article has the same normalised text, or the same set of compared paragraphs
  (every one exact-matched both ways), or the scan would relate the two as re-sent copies;
* ``near-duplicate``: the scan would relate a stored article and the incoming text as versions of one
  story (an update or correction: :func:`dedup.relations.relation_kind`, and reuse whose whole-document
  alignment lines up, as in :func:`dedup.relations.with_alignments`), of one company when both name theirs
  by a ticker (:func:`dedup.subjects.one_company`); what changed is that alignment;
* ``partial-reuse``: any verified passage (exact or near paragraph, or reused sentences);
* ``new``: nothing.

When both texts are dated, a stored article more than :data:`dedup.relations.STORY_WINDOW` older than the
incoming one is of another story line (the scan's rule): a daily or weekly series and a bond or offering
template repeat their wording from one report to the next, so such an article is never a version, only
reused.

An incoming text whose headline says it corrects another is a version of the stored story it corrects,
whatever the two share (:mod:`dedup.corrections`, the scan's rule over the stored documents that name its
subject): the verdict names that story, unless the text is a duplicate of a stored one.

Which pairs of segments match is decided by the scan's own rules, the functions of
:mod:`dedup.matches` (what is compared, near, reused, the paragraph kinds, sentence pairs outside
paragraph matches, adjacent runs, passage overlap), stored documents count only when
:mod:`dedup.evidence` relates them to the incoming text (:mod:`dedup.index.related`, as a scan keeps cross
matches only between related documents; series headlines are counted over the stored documents and the
incoming text, as :mod:`dedup.series` says), passages of boilerplate (:mod:`dedup.index.boilerplate`, the scan's rule over the
stored documents) do not count, and documents are measured with :func:`dedup.overlap.reused_shares`, so
a check and a scan of the same texts report the same pairs (``tests/test_index_parity.py``). Only the
look-ups differ: band keys and posting lists in the store.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np

from dedup import verify
from dedup.align import AlignedItem, align
from dedup.cluster import cluster
from dedup.config import ScanConfig
from dedup.dates import parse_date
from dedup.diff import Diff, diff_texts
from dedup.index.batch import Batch
from dedup.index.boilerplate import boilerplate_passages
from dedup.index.conflicts import ConflictingReport, conflicting_reports
from dedup.index.corrections import corrected_original
from dedup.index.related import related_documents
from dedup.index.store import Store, StoredSegment, distinct
from dedup.matches import (
    adjacent_runs,
    as_written,
    compared_paragraphs,
    compared_sentences,
    near,
    outside_paragraph_matches,
    paragraph_kinds,
    passage_overlap,
    reused,
)
from dedup.model import Passage
from dedup.overlap import reused_shares
from dedup.pipeline import analyze
from dedup.relations import ALIGNED_SHARE, outside_window, passage_changed, relation_kind
from dedup.segment import segment_documents
from dedup.series import sent_under
from dedup.shingle import ShingleSets
from dedup.sources import Document
from dedup.subjects import one_company, subject_keys

DEFAULT_LIMIT = 10
RELATIONS = ("new", "partial-reuse", "near-duplicate", "duplicate")
VERDICT_OF_KIND = {"duplicate": "duplicate", "version": "near-duplicate", "reuse": "partial-reuse"}


@dataclass(frozen=True, slots=True)
class Quote:
    """``text[start:end]`` of one document, from 1-based ``line`` to ``end_line``."""

    start: int
    end: int
    line: int
    end_line: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "end_line": self.end_line, "start": self.start, "end": self.end,
                "text": self.text}


@dataclass(frozen=True, slots=True)
class PassageMatch:
    """A passage of the incoming text that copies one of a stored document (``kind`` as in the scan)."""

    kind: str
    similarity: float
    containment: float
    incoming: Quote
    stored: Quote
    diff: Diff | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind, "similarity": round(self.similarity, 4),
               "containment": round(self.containment, 4), "incoming": self.incoming.to_dict(),
               "stored": self.stored.to_dict()}
        if self.diff is not None:
            out["diff"] = self.diff.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class DocumentMatch:
    """One stored document the incoming text reuses.

    ``similarity`` is the exact Jaccard of the two documents' paragraph shingle sets;
    ``incoming_in_stored`` / ``stored_in_incoming`` the share of each side's compared paragraph
    characters covered by the matched passages; ``kind`` the document relation a scan of the two would
    give (``duplicate``, ``version`` or ``reuse``) and ``relation`` the verdict it gives; ``alignment``
    the whole-document alignment of a version (stored text as document 0, incoming as 1), else empty.
    """

    id: str
    metadata: dict[str, Any] | None
    relation: str
    similarity: float
    incoming_in_stored: float
    stored_in_incoming: float
    passages: tuple[PassageMatch, ...]
    kind: str
    alignment: tuple[AlignedItem, ...] = ()
    texts: tuple[str, str] = field(default=("", ""), repr=False)  # (stored, incoming): what alignment quotes

    def changes(self) -> dict[str, list[Any]]:
        """What changed: a version's from its whole-document alignment (as ``dedup diff`` shows it, with
        the paragraphs only one side holds), other matches' from their passages."""
        if not self.alignment:
            diffs = [p.diff.to_dict() for p in self.passages if p.diff is not None]
            return {"wording": [w for d in diffs for w in d["wording"]],
                    "figures": [f for d in diffs for f in d["figures"]], "added": [], "removed": []}
        diffs = [i.diff.to_dict() for i in self.alignment if i.diff is not None]
        return {"wording": [w for d in diffs for w in d["wording"]],
                "figures": [f for d in diffs for f in d["figures"]],
                "added": [_passage_quote(self.texts[1], i.b).to_dict() for i in self.alignment
                          if i.status == "added" and i.b is not None],
                "removed": [_passage_quote(self.texts[0], i.a).to_dict() for i in self.alignment
                            if i.status == "removed" and i.a is not None]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "metadata": self.metadata, "relation": self.relation, "kind": self.kind,
            "similarity": round(self.similarity, 4), "incoming_in_stored": round(self.incoming_in_stored, 4),
            "stored_in_incoming": round(self.stored_in_incoming, 4), "changes": self.changes(),
            "passages": [p.to_dict() for p in self.passages],
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a check found: the verdict and the stored documents it rests on, strongest first (the
    stored story the incoming text is a duplicate or a version of comes first).

    ``correction`` says that the incoming text corrects the stored story it is a version of (its headline
    says so). ``conflicting_reports`` are the stored reports of its event that share no passage with it and
    give other counts of it (:mod:`dedup.index.conflicts`), whatever the verdict. ``id``/``added`` are set by
    :meth:`dedup.index.Index.check_and_add`; ``stats`` has counts and timings.
    """

    verdict: str
    matches: tuple[DocumentMatch, ...]
    correction: bool = False
    conflicting_reports: tuple[ConflictingReport, ...] = ()
    id: str | None = None
    added: bool = False
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def duplicate_of(self) -> str | None:
        return self.matches[0].id if self.verdict == "duplicate" else None

    @property
    def version_of(self) -> str | None:
        return self.matches[0].id if self.verdict == "near-duplicate" else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict, "duplicate_of": self.duplicate_of,
                               "version_of": self.version_of, "correction": self.correction}
        if self.id is not None:
            out["id"] = self.id
            out["added"] = self.added
        out["matches"] = [m.to_dict() for m in self.matches]
        out["conflicting_reports"] = [m.to_dict() for m in self.conflicting_reports]
        out["stats"] = self.stats
        return out


@dataclass(slots=True)
class _Pair:
    """A verified match between incoming segment(s) and stored segment(s) of one stored document."""

    kind: str
    incoming: list[int]
    stored: list[StoredSegment]
    similarity: float
    containment: float


def verdict(batch: Batch, store: Store, limit: int = DEFAULT_LIMIT, date: datetime | None = None) -> Verdict:
    """Look up, verify and rank the stored documents ``batch.texts[0]`` reuses (inside a read or write
    transaction of ``store``); ``date`` is the incoming text's, when known (see :data:`dedup.relations.STORY_WINDOW`)."""
    paragraph_pairs, paragraph_stats = _paragraph_pairs(batch, store)
    sentence_pairs, sentence_stats = _sentence_pairs(batch, store, paragraph_pairs)
    pairs = paragraph_pairs + sentence_pairs
    boilerplate = boilerplate_passages(batch, store, [
        ("sentence" if p.kind == "partial" else "paragraph", p.incoming, p.stored[0].doc, [s.row for s in p.stored])
        for p in pairs])
    found_in: dict[int, list[_Pair]] = defaultdict(list)
    for k, pair in enumerate(pairs):
        if k not in boilerplate:
            found_in[pair.stored[0].doc].append(pair)
    spans = {doc: [(pair.stored[0].start, pair.stored[-1].end, *_incoming_span(batch, pair)) for pair in pairs]
             for doc, pairs in found_in.items()}
    related, read = related_documents(batch, store, spans, date)
    by_doc = {doc: pairs for doc, pairs in found_in.items() if doc in related}
    same_text = store.same_text(batch.exact[0])
    for doc in same_text:
        by_doc.setdefault(doc, [])
    original = corrected_original(batch, store, date)
    if original is not None:
        by_doc.setdefault(original, [])
    matches, corrected = _document_matches(batch, store, by_doc, set(same_text), limit, read, date, original)
    found = max((m.relation for m in matches), key=RELATIONS.index, default="new")
    correction = found == "near-duplicate" and corrected is not None and matches[0].id == corrected
    reports = conflicting_reports(batch, store, set(by_doc), date, limit)
    stats = {"paragraphs": len(batch.paragraphs), "sentences": len(batch.sentences), **paragraph_stats,
             **sentence_stats, "passages_of_boilerplate": len(boilerplate), "documents_matched": len(by_doc),
             "documents_without_evidence": len(found_in) - len(related), "conflicting_reports": len(reports)}
    return Verdict(found, tuple(matches), correction, reports, stats=stats)


def _paragraph_pairs(batch: Batch, store: Store) -> tuple[list[_Pair], dict[str, int]]:
    """Exact and near paragraph matches: band-key look-ups, verified on the stored shingle sets."""
    config = store.config
    sets = batch.paragraph_sets
    exact = sets.exact.view(np.int64)
    eligible = np.flatnonzero(compared_paragraphs(sets.words, config)).tolist()
    askers: dict[int, list[int]] = defaultdict(list)  # band key -> incoming paragraphs with it
    for i in eligible:
        for key in batch.keys[i].tolist():
            askers[key].append(i)
    proposed = sorted({(i, paragraph) for key, paragraph in store.band_members(list(askers)) for i in askers[key]})
    stored = store.segment_sets("paragraphs", {c for _, c in proposed})
    checked = _verified(sets, stored, proposed)
    jaccard, containment = checked.jaccard().tolist(), checked.containment().tolist()
    best: dict[tuple[int, int], tuple[float, float]] = {}  # (incoming, stored exact) -> scores
    for k in np.flatnonzero(near(checked, config)).tolist():
        i, c = proposed[k]
        if stored[c][0] != exact[i]:
            best[(i, stored[c][0])] = (jaccard[k], containment[k])
    for i in eligible:
        best[(i, int(exact[i]))] = (1.0, 1.0)
    copies = store.copies("paragraphs", {h for _, h in best})
    kinds = paragraph_kinds(np.array([h for _, h in best], dtype=np.int64),
                            np.array([exact[i] for i, _ in best], dtype=np.int64))
    pairs = [_Pair(kind, [i], [segment], *scores)
             for ((i, h), scores), kind in zip(best.items(), kinds) for segment in copies.get(h, [])]
    return pairs, {"paragraph_candidates": len(proposed)}


def _sentence_pairs(batch: Batch, store: Store, paragraph_pairs: list[_Pair]) -> tuple[list[_Pair], dict[str, int]]:
    """Partial reuse: sentences sharing enough non-stock shingles (postings), verified, then adjacent
    reused sentences merged into passages. Pairs inside exact/near paragraph pairs are left out."""
    config = store.config
    sets = batch.sentence_sets
    compared = compared_sentences(sets, config)
    if not compared.any():
        return [], {}
    owner = np.repeat(np.arange(len(sets)), sets.sizes())
    take = compared[owner]
    shingles, owner = sets.hashes.view(np.int64)[take], owner[take]
    keys, lengths, listed = store.posting_lists(distinct(shingles))
    proposed = _shared_pairs(shingles, owner, keys, lengths, listed, config.partial_min_shared)
    stored = store.segment_sets("sentences", {c for _, c in proposed})
    checked = _verified(sets, stored, proposed)
    verified = {(proposed[k][0], stored[proposed[k][1]][0]) for k in np.flatnonzero(reused(checked, config)).tolist()}
    copies = store.copies("sentences", {h for _, h in verified})
    edges = [(i, segment, h) for i, h in sorted(verified) for segment in copies.get(h, [])]
    stats = {"postings_read": len(listed), "sentence_candidates": len(proposed)}
    if not edges:
        return [], stats
    edges = [edges[k] for k in np.flatnonzero(_outside_paragraph_pairs(batch, paragraph_pairs, edges)).tolist()]
    stored_sets = {h: shingle_set for h, shingle_set in stored.values()}
    runs = adjacent_runs(np.array([s.doc for _, s, _ in edges], dtype=np.int64),
                         np.array([s.ordinal for _, s, _ in edges], dtype=np.int64),
                         np.zeros(len(edges), dtype=np.int64), np.array([i for i, _, _ in edges], dtype=np.int64))
    pairs = []
    for run in runs:
        taken = [edges[k] for k in run]
        scores = passage_overlap([stored_sets[h] for _, _, h in taken], [sets.get(i) for i, _, _ in taken])
        pairs.append(_Pair("partial", [i for i, _, _ in taken], [s for _, s, _ in taken], *scores[:2]))
    return pairs, stats


def _outside_paragraph_pairs(batch: Batch, paragraph_pairs: list[_Pair],
                             edges: list[tuple[int, StoredSegment, int]]) -> np.ndarray:
    """:func:`~dedup.matches.outside_paragraph_matches` of sentence edges, with the paragraph clusters the
    incoming paragraphs and the stored ones they matched form (nodes: incoming paragraphs first)."""
    incoming_paragraphs = len(batch.paragraphs)
    node: dict[int, int] = {}
    for row in [s.row for p in paragraph_pairs for s in p.stored] + [s.paragraph for _, s, _ in edges]:
        node.setdefault(row, incoming_paragraphs + len(node))
    links = np.array([(p.incoming[0], node[s.row]) for p in paragraph_pairs for s in p.stored],
                     dtype=np.int64).reshape(-1, 2)
    label = cluster(incoming_paragraphs + len(node), links).label
    stored_paragraph = np.array([node[s.paragraph] for _, s, _ in edges], dtype=np.int64)
    incoming_paragraph = batch.sentences.paragraph[[i for i, _, _ in edges]]
    return outside_paragraph_matches(stored_paragraph, incoming_paragraph, label)


def _document_matches(batch: Batch, store: Store, by_doc: dict[int, list[_Pair]], same_text: set[int], limit: int,
                      read: dict[int, str], date: datetime | None,
                      original: int | None) -> tuple[list[DocumentMatch], str | None]:
    """Group passages by stored document, measure each document and keep the ``limit`` strongest; the
    stored ``original`` the incoming text corrects is a version of it, first unless a duplicate is. Returns
    the matches and the original's id."""
    if not by_doc:
        return [], None
    docs = sorted(by_doc)
    chars = store.compared_chars(docs)
    position = {doc: k + 1 for k, doc in enumerate(docs)}  # document 0 is the incoming text
    spans = []  # (doc, other, start, end): a span of doc found in other
    for doc in docs:
        for pair in by_doc[doc]:
            start, end = _incoming_span(batch, pair)
            spans.append((0, position[doc], start, end))
            spans.append((position[doc], 0, pair.stored[0].start, pair.stored[-1].end))
    shares = reused_shares(np.array(spans, dtype=np.int64).reshape(-1, 4), [batch.chars[0]] + [chars[d] for d in docs])
    coverage = {doc: (shares.get((0, position[doc]), 0.0), shares.get((position[doc], 0), 0.0)) for doc in docs}
    incoming_sets = batch.paragraph_sets
    incoming_exact = set(incoming_sets.exact.view(np.int64)[compared_paragraphs(incoming_sets.words, store.config)]
                         .tolist())
    incoming_shingles = distinct(incoming_sets.hashes)
    ranked = sorted(docs, key=lambda d: (d not in same_text, d != original, -coverage[d][0], -coverage[d][1], d))
    chosen = ranked[:limit]
    texts = store.texts(chosen, read)
    corrected = None if original is None else texts[original].id
    incoming_keys = subject_keys(batch.texts[0])
    dates: dict[str, datetime | None] = {}
    out = []
    for doc in chosen:
        stored = texts[doc]
        incoming_in_stored, stored_in_incoming = coverage[doc]
        similarity = verify.set_overlap(stored.shingles, incoming_shingles)[0]
        passages = tuple(_passage(batch, pair, stored.text, written)
                         for pair, written in _shown_pairs(batch, by_doc[doc], stored.text, store.config))
        kind = relation_kind(stored_in_incoming, incoming_in_stored, {p.kind for p in passages},
                             any(passage_changed(p.kind, p.similarity) for p in passages))
        stored_date = parse_date((stored.metadata or {}).get(store.config.date_field))
        if doc in same_text or (incoming_exact and incoming_exact == stored.compared_exact):
            kind = "duplicate"
        elif kind == "reuse" and (sent := sent_under(stored.text, stored_date)) is not None \
                and sent == sent_under(batch.texts[0], date):
            kind = "version"  # re-sent under its headline the same day (dedup.relations.resent_versions)
        alignment: tuple[AlignedItem, ...] = ()
        if kind != "duplicate" and doc == original:
            kind, alignment = _whole_alignment(stored.text, batch.texts[0], "version", store.config, (stored_date, date))
        elif kind != "duplicate" and outside_window(date, stored_date):
            kind = "reuse"
        elif kind == "version" or (kind == "reuse" and min(coverage[doc]) >= ALIGNED_SHARE):
            kind, alignment = _whole_alignment(stored.text, batch.texts[0], kind, store.config, (stored_date, date))
            if kind == "version" and not one_company(subject_keys(stored.text), incoming_keys):
                kind, alignment = "reuse", ()
        out.append(DocumentMatch(stored.id, stored.metadata, VERDICT_OF_KIND[kind], similarity, incoming_in_stored,
                                 stored_in_incoming, passages, kind, alignment, (stored.text, batch.texts[0])))
        dates[stored.id] = stored_date
    out.sort(key=lambda m: (-RELATIONS.index(m.relation), m.id != corrected, outside_window(date, dates[m.id]),
                            _stamp(dates[m.id]) if m.relation == "duplicate" else 0.0,
                            -m.incoming_in_stored, -m.similarity, -m.stored_in_incoming))
    return out, corrected


def _stamp(date: datetime | None) -> float:
    return float("inf") if date is None else date.timestamp()


def _whole_alignment(stored: str, incoming: str, kind: str, config: ScanConfig,
                     dates: tuple[datetime | None, datetime | None]) -> tuple[str, tuple[AlignedItem, ...]]:
    """The kind and alignment a scan of the two texts, with their ``dates``, gives a version (``dedup diff``'s
    alignment): reuse that shares much of both is a version when its alignment lines up
    (:func:`dedup.relations.with_alignments`)."""
    texts = [stored, incoming]
    segments = segment_documents(texts)
    documents = [Document(name, name, text, metadata={config.date_field: date.isoformat()} if date else {})
                 for name, text, date in zip(("stored", "incoming"), texts, dates)]
    report = analyze(documents, replace(config, diffs=False, workers=1), segments=segments)
    if kind == "reuse" and not any(r.kind == "version" for r in report.relations):
        return kind, ()
    return "version", tuple(align(report, *segments, config))


def _passage_quote(text: str, passage: Passage) -> Quote:
    return _quote(text, passage.start, passage.end, passage.line)


def _incoming_span(batch: Batch, pair: _Pair) -> tuple[int, int]:
    table = batch.paragraphs if pair.kind != "partial" else batch.sentences
    return int(table.start[pair.incoming[0]]), int(table.end[pair.incoming[-1]])


Measures = tuple[float, float, float, float]  # as_written: similarity, containment, a_in_b, b_in_a


def _shown_pairs(batch: Batch, pairs: list[_Pair], stored_text: str,
                 config: ScanConfig) -> list[tuple[_Pair, Measures]]:
    """One pair per incoming span, in text order: a stored article that repeats a paragraph matches it
    twice, and both copies count for coverage, but the passage is reported once: the closest as written
    (figures included: a re-sent table's nine-month line goes with the stored nine-month line, not with the
    quarter's, which masked numbers make the same), then the strongest masked, the earliest. A stored
    passage the incoming text copies word for word is not also reported in part against another incoming
    span (:func:`dedup.evidence.related_matches` in a scan). Each pair comes with its measures as written."""
    spans = [_incoming_span(batch, pair) for pair in pairs]
    written = as_written([(stored_text[pair.stored[0].start:pair.stored[-1].end], batch.texts[0][start:end])
                          for pair, (start, end) in zip(pairs, spans)], [pair.kind for pair in pairs], config)
    best: dict[tuple[int, int], tuple[_Pair, Measures]] = {}
    ranked = sorted(zip(pairs, spans, written), key=lambda found: (-found[2][0], -found[0].similarity,
                                                                    found[0].stored[0].start))
    for pair, span, measures in ranked:
        best.setdefault(span, (pair, measures))
    chosen = [best[span] for span in sorted(best)]
    verbatim = {(pair.stored[0].start, pair.stored[-1].end) for pair, _ in chosen if pair.kind == "exact"}
    return [(pair, measures) for pair, measures in chosen
            if pair.kind != "partial" or (pair.stored[0].start, pair.stored[-1].end) not in verbatim]


def _passage(batch: Batch, pair: _Pair, stored_text: str, measures: Measures) -> PassageMatch:
    start, end = _incoming_span(batch, pair)
    table = batch.paragraphs if pair.kind != "partial" else batch.sentences
    incoming = _quote(batch.texts[0], start, end, int(table.line[pair.incoming[0]]))
    stored = _quote(stored_text, pair.stored[0].start, pair.stored[-1].end, pair.stored[0].line)
    diff = None if pair.kind == "exact" else diff_texts(stored.text, incoming.text, stored.start, incoming.start)
    similarity, containment, _, _ = measures
    return PassageMatch(pair.kind, similarity, containment, incoming, stored, diff)


def _quote(text: str, start: int, end: int, line: int) -> Quote:
    return Quote(start, end, line, line + text.count("\n", start, end), text[start:end])


def _verified(incoming: ShingleSets, stored: dict[int, tuple[int, np.ndarray]],
              pairs: list[tuple[int, int]]) -> verify.Overlaps:
    """Exact overlaps of (incoming segment, stored row) ``pairs``, in their order."""
    rows = sorted(stored)
    position = {row: len(incoming) + k for k, row in enumerate(rows)}
    hashes = np.concatenate([incoming.hashes] + [stored[r][1] for r in rows])
    sizes = np.concatenate([incoming.sizes(), [len(stored[r][1]) for r in rows]]).astype(np.int64)
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return verify.overlaps(hashes, offsets, np.array([(i, position[c]) for i, c in pairs], dtype=np.int64))


def _shared_pairs(shingles: np.ndarray, owners: np.ndarray, keys: np.ndarray, lengths: np.ndarray,
                  listed: np.ndarray, min_shared: int) -> list[tuple[int, int]]:
    """``(incoming segment, stored sentence)`` pairs sharing at least ``min_shared`` shingles: the incoming
    ``(shingle, owner)`` pairs joined on shingle with the posting lists (``keys`` ascending, each list
    ``lengths[k]`` long in ``listed``)."""
    if len(keys) == 0:
        return []
    position = np.minimum(np.searchsorted(keys, shingles), len(keys) - 1)
    counts = np.where(keys[position] == shingles, lengths[position], 0)
    low = (np.cumsum(lengths) - lengths)[position]
    first = np.cumsum(counts) - counts
    rows = np.repeat(low - first, counts) + np.arange(int(counts.sum()))
    packed = (np.repeat(owners, counts) << 40) | listed[rows]  # sentence ids stay below 2**40
    pairs, shared = np.unique(packed, return_counts=True)
    pairs = pairs[shared >= min_shared]
    return list(zip((pairs >> 40).tolist(), (pairs & ((1 << 40) - 1)).tolist()))
