"""Document relations: which documents are re-sent copies, versions or reusers of which.

Two documents are related by the matches between them (after the evidence stage), and by nothing
else: a paragraph both hold in a cluster of many documents says nothing about the pair unless one was
matched to the other. Their shares are measured from those matches only, as the index measures a
stored article (:func:`dedup.overlap.reused_shares` over the compared text), and the kind follows from
the shares and from whether any matched passage reads differently (:func:`relation_kind`, which the
index's verdict calls too).
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from dedup.align import AlignedItem, align_texts, measure
from dedup.cluster import cluster
from dedup.config import ScanConfig
from dedup.dates import apart
from dedup.model import Cluster, Match, Passage, Relation
from dedup.normalize import normalize
from dedup.overlap import reused_shares
from dedup.segment import SegmentTable
from dedup.subjects import SubjectKeys, one_company

# Exact copies of one passage in at most this many documents relate those documents to one another.
MAX_SIBLINGS = 10
# A re-sent story: every compared paragraph of each found in the other, none reworded.
DUPLICATE_SHARE = 0.95
# A version (update or correction): most of both shared, or nearly all of one (a correction re-sent
# without its last paragraphs, an update that adds to the story) and some of the other.
VERSION_SHARE = 0.5
VERSION_CONTAINED = 0.75
VERSION_REST = 0.15
# Reuse sharing this much of both documents is aligned, to see whether the rest lines up too: it is a
# version when its alignment pairs this much of each document's paragraph text.
ALIGNED_SHARE = 0.2
ALIGNED_VERSION = 0.65
# Two stories dated further apart are of two story lines: a version of the older is a series' or template's
# report of another day, or a later event of the same deal (read on the dev corpus: true versions come
# within two days, save corrections).
STORY_WINDOW = timedelta(days=3)


def relation_kind(source_in_copy: float, copy_in_source: float, kinds: Collection[str], changed: bool) -> str:
    """``duplicate``, ``version`` or ``reuse`` of two documents whose matched passages are of ``kinds``,
    each found in the other by the given shares; ``changed`` when any matched passage reads differently."""
    shared, contained = sorted((source_in_copy, copy_in_source))
    if shared >= DUPLICATE_SHARE and not changed and set(kinds) <= {"exact", "near"}:
        return "duplicate"
    if shared >= VERSION_SHARE or (contained >= VERSION_CONTAINED and shared >= VERSION_REST):
        return "version"
    return "reuse"


def passage_changed(kind: str, similarity: float) -> bool:
    """Whether a matched passage reads differently from its source (similarity as written, figures included)."""
    return kind != "exact" and similarity < 1.0


def document_relations(matches: Sequence[Match], paragraphs: SegmentTable, keys: np.ndarray,
                       text_chars: Sequence[int], times: np.ndarray | None = None) -> list[Relation]:
    """One relation per pair of documents with a cross match (or exact copies of one passage, see
    :func:`_exact_siblings`), in order of source and copy.

    ``keys[i]`` is the exact hash of compared paragraph i of ``paragraphs`` (-1 when it is not compared):
    a paragraph both documents hold word for word is shared however the scan matched it (a cluster of
    identical paragraphs matches each copy with the first, often a third document). ``text_chars[d]``
    is the compared text length of document d (:func:`dedup.overlap.compared_chars`); ``times[d]`` its
    rank in time (:func:`dedup.dates.time_order`): the earlier document is the source, as the earlier
    side of a match is its source."""
    by_pair: dict[tuple[int, int], list[Match]] = defaultdict(list)
    for m in matches:
        if m.a.doc != m.b.doc:
            by_pair[(min(m.a.doc, m.b.doc), max(m.a.doc, m.b.doc))].append(m)
    for pair in _exact_siblings(matches):
        by_pair.setdefault(pair, [])
    if not by_pair:
        return []
    rows = [row for m in (m for found in by_pair.values() for m in found)
            for row in ((m.a.doc, m.b.doc, m.a.start, m.a.end), (m.b.doc, m.a.doc, m.b.start, m.b.end))]
    rows += _identical_paragraphs(list(by_pair), paragraphs, keys)
    rows += _repeated_inside(rows, matches)
    shares = reused_shares(np.array(rows, dtype=np.int64), text_chars)
    relations = []
    for (first, second), found in by_pair.items():
        source, copy = _ordered(first, second, times)
        source_in_copy, copy_in_source = shares.get((source, copy), 0.0), shares.get((copy, source), 0.0)
        kinds = {m.kind for m in found} or {"exact"}
        changed = any(passage_changed(m.kind, m.similarity) for m in found)
        kind = relation_kind(source_in_copy, copy_in_source, kinds, changed)
        relations.append(Relation(kind, source, copy, source_in_copy, copy_in_source, len(found)))
    return _grouped(sorted(relations, key=lambda r: (r.source, r.copy)), len(text_chars))


def _exact_siblings(matches: Sequence[Match]) -> set[tuple[int, int]]:
    """Pairs of documents whose paragraphs are exact copies of one passage of a third: a cluster of
    identical paragraphs matches every copy with its first, so a story re-sent twice, or corrected twice,
    has no match between its two later copies. Passages copied into more than :data:`MAX_SIBLINGS`
    documents do not pair them."""
    copies: dict[Passage, set[int]] = defaultdict(set)
    for m in matches:
        if m.kind == "exact" and m.a.doc != m.b.doc:
            copies[m.a].add(m.b.doc)
    return {pair for docs in copies.values() if len(docs) <= MAX_SIBLINGS
            for pair in itertools.combinations(sorted(docs), 2)}


def _repeated_inside(rows: Sequence[tuple[int, int, int, int]],
                     matches: Sequence[Match]) -> list[tuple[int, int, int, int]]:
    """Rows (doc, other, start, end) for the exact repeats inside a document of its spans found in
    another: a paragraph a story repeats is reused wherever its first copy is (the index, which matches
    every stored copy, measures it so too)."""
    groups: dict[Passage, set[Passage]] = defaultdict(set)
    for m in matches:
        if m.kind == "exact" and m.a.doc == m.b.doc:
            groups[m.a].update((m.a, m.b))
    inside: dict[int, list[tuple[Passage, set[Passage]]]] = defaultdict(list)
    for group in groups.values():
        for member in group:
            inside[member.doc].append((member, group))
    # A document's repeated paragraphs do not overlap: only those starting last at or before a span can hold it.
    starts: dict[int, list[int]] = {}
    for doc, found in inside.items():
        found.sort(key=lambda entry: entry[0].start)
        starts[doc] = [paragraph.start for paragraph, _ in found]
    out = []
    for doc, other, start, end in rows:
        found = inside.get(doc)
        if not found:
            continue
        k = bisect.bisect_right(starts[doc], start) - 1
        last = starts[doc][k] if k >= 0 else None
        while k >= 0 and starts[doc][k] == last:
            paragraph, group = found[k]
            if end <= paragraph.end:
                out += [(doc, other, copy.start + start - paragraph.start, min(copy.start + end - paragraph.start,
                                                                                copy.end))
                        for copy in group if copy != paragraph]
            k -= 1
    return out


def _identical_paragraphs(pairs: Sequence[tuple[int, int]], paragraphs: SegmentTable,
                          keys: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Rows (doc, other, start, end) of the compared paragraphs each pair of documents both hold."""
    held: dict[int, dict[int, list[tuple[int, int]]]] = {}
    for doc in {doc for pair in pairs for doc in pair}:
        rows = _rows(paragraphs, doc)
        rows = rows[keys[rows] != -1]
        spans = held[doc] = defaultdict(list)
        for key, start, end in zip(keys[rows].tolist(), paragraphs.start[rows].tolist(), paragraphs.end[rows].tolist()):
            spans[key].append((start, end))
    out = []
    for first, second in pairs:
        for key in held[first].keys() & held[second].keys():
            out += [(first, second, start, end) for start, end in held[first][key]]
            out += [(second, first, start, end) for start, end in held[second][key]]
    return out


def _ordered(first: int, second: int, times: np.ndarray | None) -> tuple[int, int]:
    """(source, copy): the earlier in ``times`` (:func:`dedup.dates.time_order`) first, else document order."""
    if times is not None and times[second] < times[first]:
        return second, first
    return first, second


def _grouped(relations: list[Relation], documents: int) -> list[Relation]:
    """Duplicates and versions numbered by story: connected components of those pairs, in document order."""
    edges = np.array([(r.source, r.copy) for r in relations if r.kind != "reuse"], dtype=np.int64).reshape(-1, 2)
    label = cluster(documents, edges).label
    return [r if r.kind == "reuse" else replace(r, group=int(label[r.source])) for r in relations]


def with_corrections(relations: Sequence[Relation], originals: Sequence[tuple[int, int]]) -> list[Relation]:
    """``relations`` with each ``(original, correction)`` pair (:func:`dedup.corrections.correction_originals`)
    a version marked as a correction: a pair already related keeps its shares (a duplicate stays one), a pair
    that no match relates is added, in order of source and copy, its shares left to its alignment."""
    corrected = {pair: False for pair in originals}
    result = []
    for r in relations:
        if (r.source, r.copy) in corrected:
            corrected[(r.source, r.copy)] = True
            r = replace(r, kind="duplicate" if r.kind == "duplicate" else "version", correction=True)
        result.append(r)
    result += [Relation("version", source, copy, 0.0, 0.0, 0, correction=True)
               for (source, copy), related in corrected.items() if not related]
    return sorted(result, key=lambda r: (r.source, r.copy))


def resent_versions(relations: Sequence[Relation], sent: Mapping[int, tuple[str, int] | None]) -> list[Relation]:
    """``relations`` with reuse between two documents sent under one headline on one day
    (:func:`dedup.series.sent_under`, ``sent`` by document) made versions: a re-send updates or corrects
    its story, though the matches between the two may be few (every figure line of a table changed)."""
    return [replace(r, kind="version") if r.kind == "reuse" and sent[r.source] is not None
            and sent[r.source] == sent[r.copy] else r for r in relations]


def versions_of_one_company(relations: Sequence[Relation], keys: Sequence[SubjectKeys]) -> list[Relation]:
    """``relations`` with each version (not a correction) of two companies (:func:`dedup.subjects.one_company`:
    their tickers differ) made reuse, without an alignment, and the groups numbered again; ``keys`` are the
    documents' subject keys."""
    kept = [replace(r, kind="reuse", alignment=())
            if r.kind == "version" and not r.correction and not one_company(keys[r.source], keys[r.copy]) else r
            for r in relations]
    return _grouped([replace(r, group=-1) for r in kept], len(keys))


def versions_within_window(relations: Sequence[Relation], dates: Sequence[datetime | None]) -> list[Relation]:
    """``relations`` with each version (not a correction) of two documents dated more than
    :data:`STORY_WINDOW` apart made reuse, without an alignment, and the groups numbered again (the check's
    rule, :mod:`dedup.index.verdict`); undated documents are judged as before."""
    kept = [replace(r, kind="reuse", alignment=()) if r.kind == "version" and not r.correction
            and outside_window(dates[r.source], dates[r.copy]) else r for r in relations]
    return _grouped([replace(r, group=-1) for r in kept], len(dates))


def outside_window(first: datetime | None, other: datetime | None) -> bool:
    """Whether two documents are dated more than :data:`STORY_WINDOW` apart (both must be dated)."""
    return apart(first, other, STORY_WINDOW)


def with_alignments(relations: Sequence[Relation], texts: Sequence[str], paragraphs: SegmentTable,
                    sentences: SegmentTable, clusters: Sequence[Cluster], config: ScanConfig, *,
                    keep: bool = True) -> list[Relation]:
    """Versions with their whole-document alignment (as ``dedup diff`` aligns two files), so a short
    changed line is paired with its original and its diff shown, from the scan's own segments and
    clusters. Reuse that shares at least :data:`ALIGNED_SHARE` of both documents is aligned too, and is
    a version when its alignment pairs :data:`ALIGNED_VERSION` of both: a corrected results table whose
    changed lines are too short to match still lines up with its original, line for line. Two documents
    whose whole texts are the same once normalised are duplicates however their paragraphs split. Without
    ``keep`` (``--no-diffs``) the kinds are decided the same way and no alignment is kept. A correction or a
    version that no match relates (two copies of one source: a story re-sent twice has its matches with its
    first sending only) is aligned in any case: its shares are what its alignment pairs. (Other pairs that no
    match relates, documents that share an identical paragraph, are not: two licence files' boilerplate would
    be aligned paragraph by paragraph for nothing.)"""
    candidates = [r for r in relations if (r.kind == "version" and (keep or not r.matches))
                  or (r.correction and not r.matches)
                  or (r.kind == "reuse" and min(r.source_in_copy, r.copy_in_source) >= ALIGNED_SHARE)]
    in_doc: dict[int, set[int]] = defaultdict(set)
    wanted = {doc for r in candidates for doc in (r.source, r.copy)}
    for index, c in enumerate(clusters):
        for member in c.members:
            if member.doc in wanted:
                in_doc[member.doc].add(index)
    aligned = {}
    for r in candidates:
        if normalize(texts[r.source]) == normalize(texts[r.copy]):  # re-sent, its lines wrapped otherwise
            aligned[(r.source, r.copy)] = replace(r, kind="duplicate")
            continue
        shared = [clusters[i] for i in sorted(in_doc[r.source] & in_doc[r.copy])]
        items = pair_alignment(texts, paragraphs, sentences, shared, r.source, r.copy, config)
        shares = _aligned_shares(items, paragraphs, r.source, r.copy)
        if not r.matches:
            r = replace(r, source_in_copy=shares[0], copy_in_source=shares[1])
        if r.kind == "version" or min(shares) >= ALIGNED_VERSION:
            alignment = tuple(measure(items, texts, config, diff_exact=False)) if keep else ()
            r = replace(r, kind="version", alignment=alignment)
        aligned[(r.source, r.copy)] = r
    return _grouped([aligned.get((r.source, r.copy), r) for r in relations], len(texts))


def _aligned_shares(items: Sequence[AlignedItem], paragraphs: SegmentTable, source: int, copy: int) -> tuple[float, float]:
    """How much of each document its alignment pairs with the other: the larger of the share of its
    paragraph text and the share of its paragraphs (a long note that changed must not outweigh the
    table lines that line up, nor a short line a long paragraph)."""
    shares = []
    for doc, side in ((source, "a"), (copy, "b")):
        rows = _rows(paragraphs, doc)
        spans = [getattr(i, side) for i in items if i.status == "aligned"]
        starts, ends = paragraphs.start[rows], paragraphs.end[rows]
        paired = np.zeros(len(rows), dtype=bool)
        for span in spans:
            paired |= (starts < span.end) & (span.start < ends)
        total = int((ends - starts).sum())
        text_share = sum(span.end - span.start for span in spans) / total if total else 0.0
        shares.append(min(max(text_share, float(paired.mean()) if len(rows) else 0.0), 1.0))
    return shares[0], shares[1]


def pair_alignment(texts: Sequence[str], paragraphs: SegmentTable, sentences: SegmentTable,
                   clusters: Sequence[Cluster], a: int, b: int, config: ScanConfig) -> list[AlignedItem]:
    """:func:`dedup.align.align_texts` of documents ``a`` and ``b`` of a scan, on their rows of the scan's
    tables and their members of ``clusters``; passages name ``a`` and ``b`` again (not yet measured:
    :func:`dedup.align.measure`)."""
    a_paragraphs, b_paragraphs = _rows(paragraphs, a), _rows(paragraphs, b)
    a_sentences, b_sentences = _rows(sentences, a), _rows(sentences, b)
    paragraph_at = np.full(len(paragraphs), -1, dtype=np.int64)
    paragraph_at[np.r_[a_paragraphs, b_paragraphs]] = np.arange(len(a_paragraphs) + len(b_paragraphs))
    pair_paragraphs = _pair_table(paragraphs, a_paragraphs, b_paragraphs, np.full(len(paragraphs), -1))
    pair_sentences = _pair_table(sentences, a_sentences, b_sentences, paragraph_at[sentences.paragraph])
    local = {a: 0, b: 1}
    pair_clusters = []
    for c in clusters:
        members = tuple(_renamed(p, local) for p in c.members if p.doc in local)
        pair_clusters.append(replace(c, representative=members[0], members=members))
    items = align_texts([texts[a], texts[b]], pair_clusters, pair_paragraphs, pair_sentences, config, measured=False)
    back = {0: a, 1: b}
    return [replace(item, a=_renamed(item.a, back), b=_renamed(item.b, back)) for item in items]


def _rows(table: SegmentTable, doc: int) -> np.ndarray:
    first, last = np.searchsorted(table.doc, [doc, doc + 1])
    return np.arange(first, last)


def _pair_table(table: SegmentTable, a_rows: np.ndarray, b_rows: np.ndarray, paragraph: np.ndarray) -> SegmentTable:
    """The rows of two documents as a table of documents 0 and 1 (``paragraph`` renumbered by the caller)."""
    rows = np.r_[a_rows, b_rows]
    doc = np.r_[np.zeros(len(a_rows), dtype=np.int64), np.ones(len(b_rows), dtype=np.int64)]
    return SegmentTable(doc, table.start[rows], table.end[rows], table.line[rows], paragraph[rows])


def _renamed(passage: Passage | None, docs: dict[int, int]) -> Passage | None:
    # The constructor, not dataclasses.replace: this runs for every cluster member of every aligned pair.
    return None if passage is None else Passage(docs[passage.doc], passage.start, passage.end, passage.line,
                                                passage.end_line)

