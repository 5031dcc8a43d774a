import numpy as np

from dedup.model import Match, Passage
from dedup.overlap import _covered_chars, repeated_blocks
from dedup.relations import document_relations
from dedup.segment import segment_documents


def test_covered_chars_is_the_union_of_intervals_per_pair():
    rows = np.array([[0, 1, 0, 10], [0, 1, 5, 15], [0, 1, 20, 25], [1, 0, 3, 4], [0, 2, 0, 100]])
    assert _covered_chars(rows) == {(0, 1): 20, (1, 0): 1, (0, 2): 100}


def p(doc, start, end, line=1):
    return Passage(doc, start, end, line, line)


def test_partial_matches_add_their_passages():
    match = Match("partial", p(0, 0, 30), p(1, 50, 80), 0.5, 0.6, 0.6, 0.5, 3)
    relations = document_relations([match], segment_documents(["", ""])[0], np.empty(0, dtype=np.int64), [60, 120])
    assert [(r.source, r.copy, r.source_in_copy, r.copy_in_source) for r in relations] == [(0, 1, 0.5, 0.25)]


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
