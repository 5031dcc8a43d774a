"""The stored story an incoming correction corrects: the scan's rule (:mod:`dedup.corrections`) over the
stored documents, found through the subject keys the index keeps (:mod:`dedup.index.schema`, ``subjects``)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from dedup.corrections import best_original, is_correction, within_window
from dedup.dates import parse_date, time_order
from dedup.evidence import distinctive_limit
from dedup.index.batch import Batch
from dedup.index.store import Store
from dedup.subjects import naming_keys, subject_keys


def corrected_original(batch: Batch, store: Store, date: datetime | None) -> int | None:
    """The stored story the incoming text (dated ``date``, when known) corrects, when its headline says it
    corrects one: :func:`dedup.corrections.best_original` over the stored documents holding one of its naming
    keys within the correction window, oldest first. A headline word pair names the subject when few
    headlines hold it, the incoming one included (as in a scan of the stored documents and the text)."""
    text = batch.texts[0]
    if not is_correction(text):
        return None
    keys = subject_keys(text)
    holding = store.subject_counts(keys.pairs)
    naming = naming_keys(keys, lambda pair: holding.get(pair, 0) + 1, distinctive_limit(store.count("documents") + 1))
    holders = store.subject_holders(naming)
    if not holders:
        return None
    dates = {doc: parse_date((metadata or {}).get(store.config.date_field))
             for doc, metadata in store.metadata(holders).items()}
    candidates = [doc for doc in holders if within_window(date, dates[doc])]
    order = np.argsort(time_order([dates[doc] for doc in candidates]), kind="stable").tolist()
    texts = store.stored_texts(candidates)
    return best_original(text, [(candidates[k], texts[candidates[k]]) for k in order],
                         store.word_frequencies(batch.words[0], plus=1))
