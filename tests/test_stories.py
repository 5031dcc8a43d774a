"""Stories: the TF-IDF weighting equals scikit-learn's, and the groups it gives."""

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse import random as sparse_random
from sklearn.feature_extraction.text import TfidfVectorizer

from dedup import stories
from dedup.stories import STOP_WORDS, similar_pairs, story_groups, tfidf_vectors
from tests.conftest import SAMPLE

# Words the two tokenisers agree on: lower case, two letters or more, no numbers, no stop words.
CONTENT = ["storm flooding coast villages rescue teams storm", "storm flooding coast budget council",
           "budget council vote taxes budget budget", "election ballots council", "rescue teams villages"]


def test_weights_are_scikit_learns_sublinear_tfidf():
    ours = tfidf_vectors(CONTENT).toarray()
    reference = TfidfVectorizer(sublinear_tf=True).fit(CONTENT)
    theirs = reference.transform(CONTENT).toarray()
    # Columns are words in another order: compare the rows' sorted weights and the cosine matrices.
    assert np.allclose(np.sort(ours, axis=1)[:, ::-1][:, :theirs.shape[1]], np.sort(theirs, axis=1)[:, ::-1])
    assert np.allclose(ours @ ours.T, theirs @ theirs.T)


def test_stop_words_numbers_and_case_do_not_make_a_story():
    texts = ["The Storm hit the coast, and 31 people were there.", "the storm HIT the coast and 18 people were there",
             "The budget was of the council, and 31 were there."]
    similar = (tfidf_vectors(texts) @ tfidf_vectors(texts).T).toarray()
    assert similar[0, 1] == pytest.approx(1.0)  # case, punctuation and figures aside, the same words
    assert similar[0, 2] == pytest.approx(0.0)  # only stop words and a number in common
    assert {"the", "and", "were", "there", "s", "didn"} <= set(STOP_WORDS)


def test_texts_of_stop_words_only_have_no_vector_and_no_story():
    assert tfidf_vectors(["the and of", "", "it was"]).nnz == 0
    assert story_groups(["the and of", "", "it was"], []) == []


def test_the_five_seed_articles_are_one_story():
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLE.iterdir())]
    assert story_groups(texts, []) == [[0, 1, 2, 3, 4]]
    assert story_groups(texts, [], threshold=0.3) == [[0, 1]]  # 000 and 001: cosine 0.40


def test_reuse_links_alone_past_max_documents():
    texts = [CONTENT[0], CONTENT[1], CONTENT[2]]
    assert story_groups(texts, []) == [[0, 1, 2]]
    assert story_groups(texts, [(1, 2)], max_documents=2) == [[1, 2]]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("block_rows", [1, 7, 512])
def test_similar_pairs_are_the_thresholded_cosines(seed, block_rows, monkeypatch):
    """Common words multiplied densely, rare ones sparsely, in blocks: the same pairs as one product."""
    monkeypatch.setattr(stories, "BLOCK_ROWS", block_rows)
    rare = sparse_random(60, 400, density=0.02, random_state=seed).toarray()
    common = sparse_random(60, 5, density=0.6, random_state=seed + 100).toarray()  # words in most rows
    vectors = np.hstack([rare, common])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.where(norms == 0, 1, norms)
    cosine = vectors @ vectors.T
    expected = {(i, j) for i, j in zip(*np.nonzero(cosine >= 0.15), strict=True) if i < j}
    found = similar_pairs(csr_matrix(vectors), 0.15).tolist()
    assert sorted(map(tuple, found)) == sorted(expected)
    assert 0 < len(expected) < 60 * 59 // 2
