"""Stories: the TF-IDF weighting equals scikit-learn's, and the groups it gives."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from dedup.stories import STOP_WORDS, story_groups, tfidf_vectors
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
