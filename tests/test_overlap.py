import numpy as np

from dedup.model import Cluster, Match, Passage
from dedup.overlap import MAX_PAIRWISE_DOCS, _covered_chars, document_overlaps, repeated_blocks


def test_covered_chars_is_the_union_of_intervals_per_pair():
    rows = np.array([[0, 1, 0, 10], [0, 1, 5, 15], [0, 1, 20, 25], [1, 0, 3, 4], [0, 2, 0, 100]])
    assert _covered_chars(rows) == {(0, 1): 20, (1, 0): 1, (0, 2): 100}


def p(doc, start, end, line=1):
    return Passage(doc, start, end, line, line)


def test_cluster_members_count_towards_every_other_document_of_the_cluster():
    cluster = Cluster(0, "paragraph", "exact", p(0, 0, 50), (p(0, 0, 50), p(1, 10, 60), p(2, 0, 50)))
    overlaps = document_overlaps([cluster], [], [100, 200, 50])
    assert [(o.a, o.b, o.a_in_b, o.b_in_a) for o in overlaps] == [
        (0, 1, 0.5, 0.25), (0, 2, 0.5, 1.0), (1, 2, 0.25, 1.0)]


def test_huge_clusters_only_pair_members_with_the_representative():
    n = MAX_PAIRWISE_DOCS + 5
    members = tuple(p(d, 0, 10) for d in range(n))
    overlaps = document_overlaps([Cluster(0, "paragraph", "exact", members[0], members)], [], [10] * n)
    assert len(overlaps) == n - 1 and all(o.a == 0 for o in overlaps)


def test_partial_matches_add_their_passages():
    match = Match("partial", p(0, 0, 30), p(1, 50, 80), 0.5, 0.6, 0.6, 0.5, 3)
    overlaps = document_overlaps([], [match], [60, 120])
    assert [(o.a_in_b, o.b_in_a) for o in overlaps] == [(0.5, 0.25)]


def test_repeated_blocks_merge_consecutive_paragraph_matches():
    from dedup.segment import segment_documents

    text = "\n".join(f"Paragraph number {i} has enough words in it." for i in range(6))
    paragraphs, _ = segment_documents([text])
    rows = paragraphs.passages(np.arange(6))
    matches = [Match("exact", rows[i], rows[i + 3], 1, 1, 1, 1, i) for i in range(3)]
    matches.append(Match("near", rows[0], rows[5], 0.8, 0.8, 0.8, 0.8, 9))  # not consecutive: no block
    blocks = repeated_blocks(matches, paragraphs)
    assert [(bl.a.line, bl.a.end_line, bl.b.line, bl.b.end_line, bl.count, bl.kind) for bl in blocks] == [
        (1, 3, 4, 6, 3, "exact")]
