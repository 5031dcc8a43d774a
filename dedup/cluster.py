"""Clusters of verified matches: connected components, and the stars of true sources a scan reports.

:func:`cluster` gives connected components with breadth-first parents (stories, the index's paragraph
groups, the engines' contract). A scan reports :class:`Stars` instead (:func:`true_sources`): each
passage points at the passage it most plausibly came from among its own verified copies, never at a
neighbour's neighbour, so a chain of weak partial matches does not put two passages that never copied
each other in one cluster, and the direction of reuse follows time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components


@dataclass(frozen=True, slots=True)
class Clustering:
    """``label[i]`` is the cluster of node i (-1 when alone); ``parent[i]`` the node it matches
    (itself for representatives and lone nodes); ``representative[c]`` the first node of cluster c."""

    label: np.ndarray
    parent: np.ndarray
    representative: np.ndarray

    def members(self) -> list[np.ndarray]:
        """Node indices of each cluster, in order."""
        order = np.argsort(self.label, kind="stable")
        labels = self.label[order]
        keep = labels >= 0
        order, labels = order[keep], labels[keep]
        return np.split(order, np.flatnonzero(np.diff(labels)) + 1) if len(order) else []


@dataclass(frozen=True, slots=True)
class Stars:
    """Copies grouped around their source: ``source[i]`` is the node i copies (i itself when it copies
    none); star c is ``heads[c]`` with every node whose source it is. ``star[i]`` is the star node i is a
    copy in, or its own star when it is a source that copies nothing (-1 when alone). A source that is
    itself a copy heads its own star and is a copy in its source's."""

    source: np.ndarray
    star: np.ndarray
    heads: np.ndarray

    def members(self) -> list[np.ndarray]:
        """Node indices of each star: its head first, then its copies in node order."""
        copies = np.flatnonzero(self.source != np.arange(len(self.source)))
        labels = np.concatenate([np.arange(len(self.heads)), self.star[copies]])
        nodes = np.concatenate([self.heads, copies])
        is_copy = np.r_[np.zeros(len(self.heads), dtype=bool), np.ones(len(copies), dtype=bool)]
        order = np.lexsort((nodes, is_copy, labels))
        return np.split(nodes[order], np.flatnonzero(np.diff(labels[order])) + 1) if len(order) else []


def true_sources(rank: np.ndarray, identical: np.ndarray, verified: np.ndarray, similarity: np.ndarray) -> np.ndarray:
    """The node each node copies: the closest of the nodes it was verified against that come before it in time.

    ``rank`` orders the nodes in time (a permutation: dated documents by date, then document order, then
    position); ``identical`` are :func:`identical_edges` (every member of a group of identical nodes is a
    verified copy of every other); ``verified`` are the verified pairs between the groups' first nodes by
    index, with their ``similarity``. An earlier identical copy comes first (the earliest of them: a story
    re-sent is a copy of its first sending, not of a rewrite of it); else the earlier copy with the highest
    similarity, the earliest among equals (a correction is a copy of the original it corrects, not of an
    older story of the same template). A node with no earlier verified copy is its own source. Linear in
    nodes and edges: every member of a group of identical nodes has the same verified copies, so only each
    group's earliest member competes.
    """
    n = len(rank)
    rank = np.asarray(rank, dtype=np.int64)
    node_at = np.empty(n, dtype=np.int64)
    node_at[rank] = np.arange(n)
    group = np.arange(n)
    group[identical[:, 1]] = identical[:, 0]
    first = rank.copy()  # first[g]: the rank of group g's earliest member
    np.minimum.at(first, group, rank)
    ends = np.asarray(verified, dtype=np.int64).reshape(-1, 2)
    g, h = np.r_[ends[:, 0], ends[:, 1]], np.r_[ends[:, 1], ends[:, 0]]
    similarity = np.r_[similarity, similarity].astype(np.float64)
    earlier = first[h] < first[g]
    g, h, similarity = g[earlier], h[earlier], similarity[earlier]
    order = np.lexsort((first[h], -similarity, g))
    leads = order[np.r_[True, g[order][1:] != g[order][:-1]]] if len(order) else order
    closest = np.full(n, n, dtype=np.int64)  # n: no earlier verified copy
    closest[g[leads]] = first[h[leads]]
    first_of = first[group]
    choice = np.where(first_of < rank, first_of, closest[group])
    return np.where(choice < rank, node_at[np.minimum(choice, n - 1)], np.arange(n)) if n else np.arange(n)


def stars(source: np.ndarray) -> Stars:
    """The stars of ``source`` (see :class:`Stars`), numbered in the order of their heads."""
    source = np.asarray(source, dtype=np.int64)
    copies = np.flatnonzero(source != np.arange(len(source)))
    heads = np.unique(source[copies])
    star = np.full(len(source), -1, dtype=np.int64)
    star[heads] = np.arange(len(heads))
    star[copies] = np.searchsorted(heads, source[copies])
    return Stars(source, star, heads)


def identical_edges(keys: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Edges linking every node to the first node with the same key (a star per group)."""
    if len(keys) == 0:
        return np.empty((0, 2), dtype=np.int64)
    order = np.lexsort((nodes, keys))
    ordered_keys, ordered_nodes = keys[order], nodes[order]
    head = np.r_[True, ordered_keys[1:] != ordered_keys[:-1]]
    head_node = ordered_nodes[np.flatnonzero(head)[np.cumsum(head) - 1]]
    keep = ~head
    return np.stack([head_node[keep], ordered_nodes[keep]], axis=1).astype(np.int64)


def cluster(n_nodes: int, edges: np.ndarray) -> Clustering:
    """Components of the graph with ``edges``; parents by breadth-first search from the representative."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) == 0:
        alone = np.arange(n_nodes)
        return Clustering(np.full(n_nodes, -1), alone, np.empty(0, dtype=np.int64))
    graph = coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])),
                       shape=(n_nodes, n_nodes))
    _, component = connected_components(graph, directed=False)
    sizes = np.bincount(component)
    clustered = sizes[component] > 1
    # Renumber multi-member components by their first node, so cluster ids follow document order.
    first = np.full(len(sizes), n_nodes, dtype=np.int64)
    np.minimum.at(first, component, np.arange(n_nodes))
    multi = np.flatnonzero(sizes > 1)
    representative = np.sort(first[multi])
    new_id = np.full(len(sizes), -1, dtype=np.int64)
    new_id[component[representative]] = np.arange(len(representative))
    label = np.where(clustered, new_id[component], -1)
    return Clustering(label, _bfs_parents(n_nodes, edges, representative), representative)


def _bfs_parents(n_nodes: int, edges: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """Parent of each node in a breadth-first forest grown from all roots at once.

    One scipy BFS from a virtual node joined to every root, so the cost is O(nodes + edges) however
    deep the clusters are (a chain of near copies). Neighbours are visited in index order, so the
    result depends only on the graph; a component's parents do not depend on other components.
    """
    virtual = n_nodes
    rows = np.concatenate([edges[:, 0], np.full(len(roots), virtual)])
    cols = np.concatenate([edges[:, 1], roots])
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n_nodes + 1, n_nodes + 1)).tocsr()
    graph.sort_indices()
    _, predecessors = breadth_first_order(graph, virtual, directed=False, return_predecessors=True)
    parent = predecessors[:n_nodes].astype(np.int64)
    alone = (parent < 0) | (parent == virtual)
    parent[alone] = np.flatnonzero(alone)
    return parent
