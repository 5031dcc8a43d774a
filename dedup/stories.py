"""Stories: groups of documents that report one event, the scope of figure conflicts.

Rewrites of a story do not always reuse sentences word for word (two outlets may share only names
and numbers), so two documents belong to one story when they reuse text from each other or when
their TF-IDF vectors (scikit-learn) have a cosine similarity of at least ``threshold``. Past
``max_documents`` only reuse links are used, since all-pairs cosine grows with the square of the
corpus.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.cluster import cluster

STORY_THRESHOLD = 0.15
MAX_DOCUMENTS = 5000


def story_groups(texts: Sequence[str], reuse_pairs: Sequence[tuple[int, int]], *,
                 threshold: float = STORY_THRESHOLD, max_documents: int = MAX_DOCUMENTS) -> list[list[int]]:
    """Groups of two or more document indices, each sorted, in order of their first document."""
    edges = [tuple(pair) for pair in reuse_pairs]
    if 2 <= len(texts) <= max_documents:
        from sklearn.feature_extraction.text import TfidfVectorizer  # slow to import; only needed here

        try:
            vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
        except ValueError:  # every text is empty or stop words only
            vectors = None
        if vectors is not None:
            similar = (vectors @ vectors.T).tocoo()
            keep = (similar.row < similar.col) & (similar.data >= threshold)
            edges.extend(zip(similar.row[keep].tolist(), similar.col[keep].tolist()))
    return [members.tolist() for members in cluster(len(texts), np.array(edges, dtype=np.int64)).members()]
