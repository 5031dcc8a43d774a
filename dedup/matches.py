"""Matches: the three kinds of reuse, from shingle sets and signatures to verified, clustered pairs.

* ``exact``: the same normalised paragraph (numbers included);
* ``near``: paragraphs whose shingle sets have Jaccard >= threshold (numbers masked);
* ``partial``: sentences reused with rewording inside a different paragraph; adjacent reused
  sentences are merged into one passage.

Both levels run the same steps: identical segments are grouped first (one representative each),
candidates are proposed (LSH for paragraphs, shared shingles for sentences), verified exactly, and
linked to their true sources (:func:`dedup.cluster.true_sources`): each segment yields one match against
the segment it most plausibly came from, earlier in time, and clusters are the stars of those sources.

The rules that decide what is compared and what counts as reuse are the public functions below the
result type (``compared_paragraphs`` ... ``passage_overlap``): the index's verdict
(:mod:`dedup.index.verdict`) calls the same ones, so a check and a scan never disagree on a pair.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup import candidates, verify
from dedup.cluster import Clustering, Stars, identical_edges, stars, true_sources
from dedup.config import ScanConfig
from dedup.engines.base import Engine
from dedup.model import KIND_ORDER, Cluster, Match, Passage
from dedup.segment import SegmentTable
from dedup.shingle import ShingleSets, shingle_sets


@dataclass(frozen=True, slots=True)
class LevelResult:
    """``components`` are the connected components of the level's verified pairs: they keep reuse already
    reported at the paragraph level from being reported again at the sentence level."""

    matches: list[Match]
    clusters: list[Cluster]
    components: Clustering
    stats: dict[str, int]


# --- the rules, shared with the index -----------------------------------------------------------

def compared_paragraphs(words: np.ndarray, config: ScanConfig) -> np.ndarray:
    """Paragraphs (of ``words`` words each) long enough to compare at all: a two-word heading is not
    evidence of reuse. The share of a document that is reused is a share of these."""
    return words >= config.min_words


def compared_sentences(sets: ShingleSets, config: ScanConfig) -> np.ndarray:
    """Sentences with enough shingles to share ``partial_min_shared`` of them with another."""
    return sets.sizes() >= config.partial_min_shared


def near(checked: verify.Overlaps, config: ScanConfig) -> np.ndarray:
    """Verified paragraph pairs that are near copies: exact Jaccard at least the threshold."""
    return checked.jaccard() >= config.threshold


def reused(checked: verify.Overlaps, config: ScanConfig) -> np.ndarray:
    """Verified sentence pairs that are partial reuse: enough shared shingles, covering enough of the
    smaller sentence."""
    return (checked.shared >= config.partial_min_shared) & (checked.containment() >= config.partial_containment)


def paragraph_kinds(a_exact: np.ndarray, b_exact: np.ndarray) -> list[str]:
    """``exact`` where the normalised texts are equal (numbers included), else ``near``."""
    return np.where(a_exact == b_exact, "exact", "near").tolist()


def outside_paragraph_matches(a_paragraph: np.ndarray, b_paragraph: np.ndarray,
                              paragraph_label: np.ndarray) -> np.ndarray:
    """Sentence pairs whose paragraphs are neither one paragraph nor in one paragraph cluster: reuse
    that an exact or near paragraph match already reports is not reported again as partial."""
    same = a_paragraph == b_paragraph
    a_label, b_label = paragraph_label[a_paragraph], paragraph_label[b_paragraph]
    return ~(same | ((a_label >= 0) & (a_label == b_label)))


def adjacent_runs(a_doc: np.ndarray, a_row: np.ndarray, b_doc: np.ndarray, b_row: np.ndarray) -> list[list[int]]:
    """Sentence pairs ``a_row[i] -> b_row[i]`` grouped into passages: a pair continues a run when both
    of its sentences follow the run's last pair in their documents. Returns each run's pair indices,
    in order of b's document, a's document and b's position."""
    order = np.lexsort((a_row, b_row, a_doc, b_doc)).tolist()
    a_doc, a_row, b_doc, b_row = (column.tolist() for column in (a_doc, a_row, b_doc, b_row))
    open_runs: dict[tuple[int, int, int, int], list[int]] = {}
    runs: list[list[int]] = []
    for i in order:
        run = open_runs.pop((a_doc[i], b_doc[i], a_row[i] - 1, b_row[i] - 1), None)
        if run is None:
            run = []
            runs.append(run)
        run.append(i)
        open_runs[(a_doc[i], b_doc[i], a_row[i], b_row[i])] = run
    return runs


def passage_overlap(a_sets: Sequence[np.ndarray], b_sets: Sequence[np.ndarray]) -> tuple[float, float, float, float]:
    """``(similarity, containment, a_in_b, b_in_a)`` of two passages given their sentences' shingle sets."""
    return verify.set_overlap(np.concatenate(a_sets), np.concatenate(b_sets))


def as_written(pairs: Sequence[tuple[str, str]], kinds: Sequence[str],
               config: ScanConfig) -> list[tuple[float, float, float, float]]:
    """What a report says of each matched pair of span texts: ``(similarity, containment, a_in_b, b_in_a)``
    measured on the words and figures as written (word shingles of the match's level, numbers not masked).
    Numbers are masked to find and verify candidates; a changed figure still lowers the similarity shown."""
    if not pairs:
        return []
    sizes = [config.sentence_shingle_size if kind == "partial" else config.shingle_size for kind in kinds]
    out: list[tuple[float, float, float, float]] = [(0.0, 0.0, 0.0, 0.0)] * len(pairs)
    for k in set(sizes):
        rows = [i for i, size in enumerate(sizes) if size == k]
        sets = shingle_sets([text for i in rows for text in pairs[i]], k, figures=True)
        checked = verify.overlaps(sets.hashes, sets.offsets, np.arange(2 * len(rows)).reshape(-1, 2))
        columns = (checked.jaccard(), checked.containment(), checked.shared / np.maximum(checked.size_a, 1),
                   checked.shared / np.maximum(checked.size_b, 1))
        for i, values in zip(rows, zip(*(column.astype(float).tolist() for column in columns))):
            out[i] = values
    return out


def measured_as_written(matches: Sequence[Match], texts: Sequence[str], config: ScanConfig) -> list[Match]:
    """``matches`` with the measures of :func:`as_written`."""
    measures = as_written([(texts[m.a.doc][m.a.start:m.a.end], texts[m.b.doc][m.b.start:m.b.end]) for m in matches],
                          [m.kind for m in matches], config)
    return [Match(m.kind, m.a, m.b, *values, m.cluster, m.diff) for m, values in zip(matches, measures)]


# --- the levels -----------------------------------------------------------------------------------

def passage_of(table: SegmentTable, first: int, last: int | None = None) -> Passage:
    """The span from row ``first`` to row ``last`` (inclusive) of one document."""
    return table.passages(np.array([first]), np.array([first if last is None else last]))[0]


def oriented(matches: Sequence[Match], doc_rank: np.ndarray) -> list[Match]:
    """``matches`` (not yet diffed) with ``a`` the earlier side in time (``doc_rank``:
    :func:`~dedup.dates.time_order`; within one document, the earlier position) and ``b`` the later."""
    return [m if (doc_rank[m.a.doc], m.a.start) <= (doc_rank[m.b.doc], m.b.start)
            else Match(m.kind, m.b, m.a, m.similarity, m.containment, m.b_in_a, m.a_in_b, m.cluster, m.diff)
            for m in matches]


def reported_stars(matches: Sequence[Match], clusters: Sequence[Cluster],
                   found: Sequence[Cluster]) -> tuple[list[Match], list[Cluster]]:
    """The clusters left once the evidence of reuse has judged the matches, still stars around a source.

    ``found`` are the clusters before the judgement, ``clusters`` what it left of them. A paragraph cluster
    is re-formed from its kept matches: each source with the paragraphs matched to it; a match moved to
    another member of its cluster (:func:`dedup.evidence.related_matches`) makes that member the source of
    a star of its own, under a new id, and the match takes that id. A sentence cluster whose source was
    dropped is gone: its other members were copies of that source only."""
    sources = {c.id: c.representative for c in found}
    kept = [c for c in clusters if c.level == "sentence" and c.representative == sources[c.id]]
    paragraph = {c.id for c in found if c.level == "paragraph"}
    stars: dict[tuple[int, Passage], list[int]] = {}
    for i, m in enumerate(matches):
        if m.cluster in paragraph:
            stars.setdefault((m.cluster, m.a), []).append(i)
    next_id = max(sources, default=-1) + 1
    used: set[int] = set()
    result = list(matches)
    for cluster_id, source in sorted(stars, key=lambda key: (key[0], key[1] != sources.get(key[0]), key[1])):
        rows = stars[(cluster_id, source)]
        if cluster_id in used:
            cluster_id, next_id = next_id, next_id + 1
            for i in rows:
                result[i] = dataclasses.replace(matches[i], cluster=cluster_id)
        used.add(cluster_id)
        kind = max((matches[i].kind for i in rows), key=KIND_ORDER.__getitem__)
        copies = sorted({matches[i].b for i in rows})
        kept.append(Cluster(cluster_id, "paragraph", kind, source, (source, *copies)))
    return result, sorted(kept, key=lambda c: c.id)


def linked_to_sources(table: SegmentTable, doc_rank: np.ndarray, identical: np.ndarray,
                      verified: verify.Overlaps) -> Stars:
    """Stars of true sources over the segments of ``table`` (see :func:`dedup.cluster.true_sources`), their
    documents ranked in time by ``doc_rank``."""
    rank = np.empty(len(table), dtype=np.int64)
    rank[np.lexsort((np.arange(len(table)), doc_rank[table.doc]))] = np.arange(len(table))
    return stars(true_sources(rank, identical, verified.pairs, verified.jaccard()))


def paragraph_level(table: SegmentTable, sets: ShingleSets, signatures: np.ndarray, config: ScanConfig,
                    engine: Engine, doc_rank: np.ndarray) -> LevelResult:
    """Exact and near paragraph matches (``signatures`` has one row per paragraph; ``doc_rank``: the
    documents in time, :func:`~dedup.dates.time_order`)."""
    nodes = np.flatnonzero(compared_paragraphs(sets.words, config))
    exact_edges = identical_edges(sets.exact[nodes], nodes)
    unique = np.setdiff1d(nodes, exact_edges[:, 1], assume_unique=True)
    bands, rows = candidates.optimal_params(config.threshold, config.num_perm)
    keys = candidates.band_keys(signatures[unique], bands, rows)
    proposed = unique[engine.bucket_pairs(keys)]
    checked = engine.overlaps(sets.hashes, sets.offsets, proposed)
    near_pairs = checked.select(near(checked, config))
    components = engine.cluster(len(table), np.concatenate([exact_edges, near_pairs.pairs]))
    linked = linked_to_sources(table, doc_rank, exact_edges, near_pairs)
    stats = {"paragraphs": len(table), "paragraphs_compared": len(nodes), "unique_paragraphs": len(unique),
             "lsh_bands": bands, "lsh_rows": rows, "paragraph_candidates": len(proposed),
             "near_verified": len(near_pairs.pairs)}
    # Clusters are the components until the evidence of reuse has judged the matches: a match it drops may be
    # moved to another member of its component in a related document; then they become stars (reported_stars).
    matches = _member_matches(table, sets, linked.source, components.label)
    return LevelResult(matches, _clusters(table, components.members(), "paragraph", matches), components, stats)


def sentence_level(table: SegmentTable, sets: ShingleSets, paragraph_components: np.ndarray, config: ScanConfig,
                   engine: Engine, doc_rank: np.ndarray, label_offset: int = 0) -> LevelResult:
    """Partial reuse: sentences shared by paragraphs that are not themselves exact or near copies
    (``paragraph_components``: the paragraph level's components).

    Cluster ids start at ``label_offset`` so they do not collide with the paragraph clusters'.
    """
    nodes = np.flatnonzero(compared_sentences(sets, config))
    exact_edges = identical_edges(sets.exact[nodes], nodes)
    unique = np.setdiff1d(nodes, exact_edges[:, 1], assume_unique=True)
    hashes, offsets = sets.subset(unique)
    pairs, _shared = engine.shared_shingle_pairs(hashes, offsets, config.partial_min_shared, config.max_shingle_df)
    del hashes, offsets, _shared
    proposed = unique[pairs]
    checked = engine.overlaps(sets.hashes, sets.offsets, proposed)
    reused_pairs = checked.select(reused(checked, config))
    components = engine.cluster(len(table), np.concatenate([exact_edges, reused_pairs.pairs]))
    linked = linked_to_sources(table, doc_rank, exact_edges, reused_pairs)

    children = np.flatnonzero(linked.source != np.arange(len(linked.source)))
    parents = linked.source[children]
    keep = outside_paragraph_matches(table.paragraph[parents], table.paragraph[children], paragraph_components)
    matches = _merged_passages(table, sets, parents[keep], children[keep], linked, label_offset)
    stats = {"sentences": len(table), "sentences_compared": len(nodes), "unique_sentences": len(unique),
             "sentence_candidates": len(proposed), "partial_verified": len(reused_pairs.pairs)}
    return LevelResult(matches, _clusters(table, linked.members(), "sentence", matches, label_offset), components,
                       stats)


def _member_matches(table: SegmentTable, sets: ShingleSets, source: np.ndarray, label: np.ndarray) -> list[Match]:
    """One match per copy against its ``source``, in cluster ``label`` of the copy: exact when their
    normalised texts are equal."""
    children = np.flatnonzero(source != np.arange(len(source)))
    parents = source[children]
    measured = verify.overlaps(sets.hashes, sets.offsets, np.stack([parents, children], axis=1))
    kinds = paragraph_kinds(sets.exact[parents], sets.exact[children])
    columns = (measured.jaccard(), measured.containment(), measured.shared / np.maximum(measured.size_a, 1),
               measured.shared / np.maximum(measured.size_b, 1))
    return [Match(*row) for row in zip(kinds, table.passages(parents), table.passages(children),
                                       *(column.astype(float).tolist() for column in columns),
                                       label[children].tolist())]


def _merged_passages(table: SegmentTable, sets: ShingleSets, parents: np.ndarray, children: np.ndarray,
                     linked: Stars, label_offset: int) -> list[Match]:
    """One partial match per run of reused sentences (see :func:`adjacent_runs`)."""
    matches = []
    for run in adjacent_runs(table.doc[parents], parents, table.doc[children], children):
        a_rows, b_rows = parents[run].tolist(), children[run].tolist()
        scores = passage_overlap([sets.get(p) for p in a_rows], [sets.get(c) for c in b_rows])
        matches.append(Match("partial", passage_of(table, a_rows[0], a_rows[-1]),
                             passage_of(table, b_rows[0], b_rows[-1]), *scores,
                             int(linked.star[b_rows[0]]) + label_offset))
    return matches


def _clusters(table: SegmentTable, node_groups: list[np.ndarray], level: str, matches: list[Match],
              label_offset: int = 0) -> list[Cluster]:
    """Clusters (the nodes of each of ``node_groups``, the first one representative) that produced at least
    one reported match.

    A cluster's kind is the loosest kind among its matches (exact < near < partial).
    """
    kinds: dict[int, str] = {}
    for m in matches:
        known = kinds.get(m.cluster, m.kind)
        kinds[m.cluster] = max(known, m.kind, key=KIND_ORDER.__getitem__)
    groups = [(label + label_offset, members) for label, members in enumerate(node_groups)
              if label + label_offset in kinds]
    if not groups:
        return []
    # One call for every member row: a call per cluster spent most of its time in numpy overheads.
    passages = table.passages(np.concatenate([members for _, members in groups]))
    ends = np.cumsum([len(members) for _, members in groups]).tolist()
    result = []
    for (cluster_id, _), start, end in zip(groups, [0, *ends[:-1]], ends):
        members = tuple(passages[start:end])
        result.append(Cluster(cluster_id, level, kinds[cluster_id], members[0], members))
    return result
