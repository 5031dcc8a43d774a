import numpy as np

from dedup.cluster import cluster, identical_edges
from dedup.verify import overlaps, set_overlap


def csr(*sets):
    hashes = np.concatenate([np.array(sorted(s), dtype=np.uint64) for s in sets])
    return hashes, np.r_[0, np.cumsum([len(s) for s in sets])].astype(np.int64)


def test_exact_jaccard_and_containment():
    hashes, offsets = csr({1, 2, 3, 4}, {3, 4, 5}, {9})
    result = overlaps(hashes, offsets, np.array([[0, 1], [0, 2]]))
    assert result.shared.tolist() == [2, 0]
    assert result.jaccard().tolist() == [2 / 5, 0.0]
    assert result.containment().tolist() == [2 / 3, 0.0]


def test_set_overlap_of_merged_passages():
    jaccard, containment, a_in_b, b_in_a = set_overlap(np.array([1, 2, 2, 3]), np.array([2, 3, 4, 5]))
    assert (jaccard, containment, a_in_b, b_in_a) == (2 / 5, 2 / 3, 2 / 3, 2 / 4)


def test_identical_edges_form_a_star_on_the_first_node():
    keys = np.array([7, 5, 7, 7, 5], dtype=np.uint64)
    edges = identical_edges(keys, np.arange(5))
    assert sorted(map(tuple, edges.tolist())) == [(0, 2), (0, 3), (1, 4)]


def test_clusters_point_members_at_the_representative():
    # a 300-member cluster: 299 edges to the first member, never 45,000
    edges = np.stack([np.zeros(299, dtype=np.int64), np.arange(1, 300)], axis=1)
    result = cluster(300, edges)
    assert result.representative.tolist() == [0]
    assert np.all(result.parent == 0)
    assert len(result.members()) == 1 and len(result.members()[0]) == 300


def test_member_only_similar_to_another_member_points_at_it():
    result = cluster(4, np.array([[0, 1], [1, 2]]))
    assert result.parent.tolist() == [0, 0, 1, 3]
    assert result.label.tolist() == [0, 0, 0, -1]


def test_cluster_ids_follow_document_order_and_ignore_edge_order():
    edges = np.array([[5, 6], [1, 3], [3, 2]])
    first = cluster(7, edges)
    second = cluster(7, edges[::-1])
    assert first.label.tolist() == second.label.tolist() == [-1, 0, 0, 0, -1, 1, 1]
    assert first.parent.tolist() == second.parent.tolist()
