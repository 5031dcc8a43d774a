"""Matches: the three kinds of reuse, from shingle sets and signatures to verified, clustered pairs.

* ``exact``: the same normalised paragraph (numbers included);
* ``near``: paragraphs whose shingle sets have Jaccard >= threshold (numbers masked);
* ``partial``: sentences reused with rewording inside a different paragraph; adjacent reused
  sentences are merged into one passage.

Both levels run the same steps: identical segments are grouped first (one representative each),
candidates are proposed (LSH for paragraphs, shared shingles for sentences), verified exactly, and
clustered; each member of a cluster yields one match against its parent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup import candidates, verify
from dedup.cluster import Clustering, identical_edges
from dedup.config import ScanConfig
from dedup.engines.base import Engine
from dedup.model import KIND_ORDER, Cluster, Match, Passage
from dedup.segment import SegmentTable
from dedup.shingle import ShingleSets


@dataclass(frozen=True, slots=True)
class LevelResult:
    matches: list[Match]
    clusters: list[Cluster]
    clustering: Clustering
    stats: dict[str, int]


def passage_of(table: SegmentTable, first: int, last: int | None = None) -> Passage:
    """The span from row ``first`` to row ``last`` (inclusive) of one document."""
    return table.passages(np.array([first]), np.array([first if last is None else last]))[0]


def paragraph_level(table: SegmentTable, sets: ShingleSets, signatures: np.ndarray, config: ScanConfig,
                    engine: Engine) -> LevelResult:
    """Exact and near paragraph matches (``signatures`` has one row per paragraph)."""
    nodes = np.flatnonzero(sets.words >= config.min_words)
    exact_edges = identical_edges(sets.exact[nodes], nodes)
    unique = np.setdiff1d(nodes, exact_edges[:, 1], assume_unique=True)
    bands, rows = candidates.optimal_params(config.threshold, config.num_perm)
    keys = candidates.band_keys(signatures[unique], bands, rows)
    proposed = unique[engine.bucket_pairs(keys)]
    checked = engine.overlaps(sets.hashes, sets.offsets, proposed)
    near = checked.select(checked.jaccard() >= config.threshold)
    clustering = engine.cluster(len(table), np.concatenate([exact_edges, near.pairs]))
    stats = {"paragraphs": len(table), "paragraphs_compared": len(nodes), "unique_paragraphs": len(unique),
             "lsh_bands": bands, "lsh_rows": rows, "paragraph_candidates": len(proposed),
             "near_verified": len(near.pairs)}
    matches = _member_matches(table, sets, clustering)
    return LevelResult(matches, _clusters(table, clustering, "paragraph", matches), clustering, stats)


def sentence_level(table: SegmentTable, sets: ShingleSets, paragraphs: Clustering, config: ScanConfig,
                   engine: Engine, label_offset: int = 0) -> LevelResult:
    """Partial reuse: sentences shared by paragraphs that are not themselves exact or near copies.

    Cluster ids start at ``label_offset`` so they do not collide with the paragraph clusters'.
    """
    nodes = np.flatnonzero(sets.sizes() >= config.partial_min_shared)
    exact_edges = identical_edges(sets.exact[nodes], nodes)
    unique = np.setdiff1d(nodes, exact_edges[:, 1], assume_unique=True)
    hashes, offsets = sets.subset(unique)
    pairs, _shared = engine.shared_shingle_pairs(hashes, offsets, config.partial_min_shared, config.max_shingle_df)
    del hashes, offsets, _shared
    proposed = unique[pairs]
    checked = engine.overlaps(sets.hashes, sets.offsets, proposed)
    reused = checked.select(checked.containment() >= config.partial_containment)
    clustering = engine.cluster(len(table), np.concatenate([exact_edges, reused.pairs]))

    paragraph = table.paragraph
    paragraph_label = paragraphs.label

    def already_reported(child: int, parent: int) -> bool:
        a, b = paragraph[child], paragraph[parent]
        return bool(a == b or (paragraph_label[a] >= 0 and paragraph_label[a] == paragraph_label[b]))

    edges = [(int(p), int(c)) for c, p in enumerate(clustering.parent)
             if p != c and not already_reported(c, int(p))]
    matches = _merge_adjacent(table, sets, edges, clustering, label_offset)
    stats = {"sentences": len(table), "sentences_compared": len(nodes), "unique_sentences": len(unique),
             "sentence_candidates": len(proposed), "partial_verified": len(reused.pairs)}
    return LevelResult(matches, _clusters(table, clustering, "sentence", matches, label_offset), clustering, stats)


def _member_matches(table: SegmentTable, sets: ShingleSets, clustering: Clustering) -> list[Match]:
    """One match per cluster member against its parent: exact when their normalised texts are equal."""
    children = np.flatnonzero(clustering.parent != np.arange(len(clustering.parent)))
    parents = clustering.parent[children]
    measured = verify.overlaps(sets.hashes, sets.offsets, np.stack([parents, children], axis=1))
    kinds = np.where(sets.exact[children] == sets.exact[parents], "exact", "near").tolist()
    columns = (measured.jaccard(), measured.containment(), measured.shared / np.maximum(measured.size_a, 1),
               measured.shared / np.maximum(measured.size_b, 1))
    return [Match(*row) for row in zip(kinds, table.passages(parents), table.passages(children),
                                       *(column.astype(float).tolist() for column in columns),
                                       clustering.label[children].tolist())]


def _merge_adjacent(table: SegmentTable, sets: ShingleSets, edges: list[tuple[int, int]],
                    clustering: Clustering, label_offset: int) -> list[Match]:
    """Merge runs of reused sentences that are consecutive on both sides into one passage."""
    edges.sort(key=lambda e: (table.doc[e[1]], table.doc[e[0]], e[1]))
    runs: list[list[tuple[int, int]]] = []
    for parent, child in edges:
        if runs:
            last_parent, last_child = runs[-1][-1]
            if (child == last_child + 1 and parent == last_parent + 1
                    and table.doc[child] == table.doc[last_child] and table.doc[parent] == table.doc[last_parent]):
                runs[-1].append((parent, child))
                continue
        runs.append([(parent, child)])
    matches = []
    for run in runs:
        parents = [p for p, _ in run]
        children = [c for _, c in run]
        a_set = np.concatenate([sets.get(p) for p in parents])
        b_set = np.concatenate([sets.get(c) for c in children])
        jaccard, containment, a_in_b, b_in_a = verify.set_overlap(a_set, b_set)
        matches.append(Match("partial", passage_of(table, parents[0], parents[-1]),
                             passage_of(table, children[0], children[-1]), jaccard, containment, a_in_b,
                             b_in_a, int(clustering.label[children[0]]) + label_offset))
    return matches


def _clusters(table: SegmentTable, clustering: Clustering, level: str, matches: list[Match],
              label_offset: int = 0) -> list[Cluster]:
    """Clusters that produced at least one reported match, with their members in order.

    A cluster's kind is the loosest kind among its matches (exact < near < partial).
    """
    kinds: dict[int, str] = {}
    for m in matches:
        known = kinds.get(m.cluster, m.kind)
        kinds[m.cluster] = max(known, m.kind, key=KIND_ORDER.__getitem__)
    groups = [(label + label_offset, members) for label, members in enumerate(clustering.members())
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
