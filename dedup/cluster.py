"""Clusters: connected components of verified matches, each member pointing at one parent.

A paragraph copied into 300 files is one cluster of 300 members with 299 matches, nearly all to the
representative (the earliest member); a member that is only similar to another member (near
copies drift) points at that member instead, so every reported match is a verified pair.
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
