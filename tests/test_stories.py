"""Story lines: names, their TF-IDF weighting (scikit-learn's), the links and the groups they give."""

from datetime import date, datetime

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse import random as sparse_random
from sklearn.feature_extraction.text import TfidfVectorizer

from dedup.stories import average_linkage, document_names, name_vectors, similar_pairs, story_groups
from tests.conftest import SAMPLE

NAMES = [frozenset({"portland", "columbia", "kalama"}), frozenset({"portland", "columbia"}),
         frozenset({"kalama", "vancouver"}), frozenset(), frozenset({"vancouver"})]

# Two reports of one quake that reuse no sentence, a report of another quake, and a results story.
QUAKE_A = ("QUAKE HITS ECUADOR\n    QUITO, March 6 - A strong earthquake struck the Napo province of "
           "Ecuador on Thursday, killing 31 people near Lago Agrio, the Civil Defence office said.")
QUAKE_B = ("ECUADOR QUAKE TOLL\n    QUITO, March 7 - Rescuers in Napo searched collapsed houses after "
           "the tremor, and officials of Civil Defence in Lago Agrio put the dead at 18.")
QUAKE_OTHER = ("QUAKE IN CHILE\n    SANTIAGO, March 6 - A tremor shook the Atacama region of Chile on "
               "Thursday, and the Onemi office said no one was hurt in Copiapo.")
RESULTS = ("ACME CORP 1ST QTR NET\n    NEW YORK, March 6 - Acme Corp said profit rose in the quarter "
           "on higher sales of its Roadrunner traps in Arizona.")


def test_names_are_capitalised_inside_a_sentence():
    text = ("USX SEEKS BUYER\n    PITTSBURGH, March 2 - The company said on Monday that Marathon's "
            "unit in Findlay, Ohio, would be sold. It said so in March, Mr Roderick said.")
    # Not the headline, the dateline, a sentence's first word, a month, a weekday or a title.
    assert document_names(text) == {"marathon", "findlay", "ohio", "roderick"}


def test_name_weights_are_scikit_learns_sublinear_tfidf():
    ours = name_vectors(NAMES).toarray()
    reference = TfidfVectorizer(sublinear_tf=True, analyzer=lambda names: sorted(names)).fit(NAMES)
    theirs = reference.transform(NAMES).toarray()
    # Columns are names in another order: compare the rows' sorted weights and the cosine matrices.
    assert np.allclose(np.sort(ours, axis=1), np.sort(theirs, axis=1))
    assert np.allclose(ours @ ours.T, theirs @ theirs.T)


def test_reports_of_one_event_share_names_in_a_time_window():
    texts = [QUAKE_A, RESULTS, QUAKE_B, QUAKE_OTHER]
    # 0 and 2 share Napo, Civil Defence, Lago Agrio; the other quake and the results share no name.
    assert story_groups(texts, []) == [[0, 2]]
    close = [datetime(1987, 3, 6), datetime(1987, 3, 6), datetime(1987, 3, 7), None]
    assert story_groups(texts, [], close) == [[0, 2]]
    apart = [datetime(1987, 3, 6), datetime(1987, 3, 6), datetime(1987, 3, 12), None]
    assert story_groups(texts, [], apart) == []
    assert story_groups(texts, [(1, 3)], apart) == [[1, 3]]  # related by reuse: always linked
    # With no date known, the datelines' days ("QUITO, March 7 - ") stand in.
    assert story_groups([QUAKE_A, QUAKE_B.replace("March 7", "March 12")], []) == []


def test_texts_without_names_have_no_story():
    assert story_groups(["the and of", "", "It was. They said so."], []) == []


def test_the_five_seed_articles_are_one_story():
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLE.iterdir())]
    assert story_groups(texts, []) == [[0, 1, 2, 3, 4]]  # 002 and 003 reuse no sentence of the others
    assert story_groups(texts, [], threshold=0.6) == [[1, 4]]  # 001 and 004: cosine 0.66


def test_links_do_not_chain():
    """A chain of reuse 0-1-2-3-4 is not one story: each document joins only a group it is linked to
    at least half of; a document linked to all the others joins them."""
    chain = [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert average_linkage(5, chain, 50) == [[0, 1, 2], [3, 4]]
    hub = chain + [(0, 2), (0, 3), (0, 4), (1, 3)]
    assert average_linkage(5, hub, 50) == [[0, 1, 2, 3, 4]]
    assert average_linkage(5, hub, 3) == [[0, 1, 2], [3, 4]]  # capped


@pytest.mark.parametrize("seed", range(4))
def test_similar_pairs_are_the_thresholded_cosines(seed):
    vectors = sparse_random(60, 400, density=0.02, random_state=seed).toarray()
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.where(norms == 0, 1, norms)
    cosine = vectors @ vectors.T
    expected = {(i, j) for i, j in zip(*np.nonzero(cosine >= 0.15), strict=True) if i < j}
    pairs, cosines = similar_pairs(csr_matrix(vectors), 0.15)
    assert sorted(map(tuple, pairs.tolist())) == sorted(expected)
    assert np.allclose(cosines, cosine[pairs[:, 0], pairs[:, 1]])
    assert 0 < len(expected) < 60 * 59 // 2


def test_one_dateline_rule_gives_the_day_and_the_span_every_stage_strips():
    from dedup.dateline import DATELINE, dateline_day

    text = "GRAIN SHIPS LOADING AT PORTLAND\nPORTLAND, Ore., March 6 - There were six grain ships loading."
    assert DATELINE.sub("", text, count=1) == "GRAIN SHIPS LOADING AT PORTLAND\nThere were six grain ships loading."
    assert dateline_day(text) == dateline_day("LONDON, Mar. 6 - Gilts rose.") == date(2001, 3, 6).toordinal()
    assert dateline_day("WASHINGTON, Feb 30 - No such day.") is None
    assert dateline_day("In March 6 - not a dateline") is None
    # the month as the wire also writes it, in capitals or in lower case; "may", a verb, only capitalised
    assert dateline_day("WASHINGTON, MARCH 6 - The board met.") == dateline_day("Lima, march 6 - a report said.") \
        == date(2001, 3, 6).toordinal()
    assert dateline_day("He said, may 5 - not a dateline") is None
    assert dateline_day("TOKYO, MAY 5 - Shares fell.") == date(2001, 5, 5).toordinal()
