"""Which stored documents a check's passages relate to the incoming text: the evidence rule of
:mod:`dedup.evidence` over the stored documents, as a scan relates two documents (their word counts, dates,
series editions and lead subjects read from the store)."""

from __future__ import annotations

from datetime import datetime

from dedup.dates import parse_date
from dedup.evidence import related, span_evidence, word_hashes
from dedup.index.batch import Batch
from dedup.index.boilerplate import INCOMING
from dedup.index.store import Store
from dedup.series import Edition, document_day, edition_of, is_series, series_headline
from dedup.subjects import keyed, lead_subject

Span = tuple[int, int, int, int]  # stored start and end, incoming start and end


def related_documents(batch: Batch, store: Store, spans: dict[int, list[Span]],
                      date: datetime | None) -> tuple[set[int], dict[int, str]]:
    """The stored documents the evidence rule relates to the incoming text (dated ``date``, when known), from
    all the passages (``spans``, by stored document) they share with it; and the stored texts it read (the
    verdict quotes them)."""
    if not spans:
        return set(), {}
    texts = store.stored_texts(sorted(spans))
    owners = [doc for doc, found in spans.items() for _ in found]
    pairs = [(texts[doc][a:b], batch.texts[0][c:d]) for doc, found in spans.items() for a, b, c, d in found]
    frequencies = store.word_frequencies(batch.words[0], plus=1)  # the checked text counts, as in a scan
    dates = None
    if date is not None:
        dates = {doc: parse_date((metadata or {}).get(store.config.date_field))
                 for doc, metadata in store.metadata(sorted(spans)).items()} | {INCOMING: date}
    leads = keyed({doc: lead_subject(text) for doc, text in texts.items()} | {INCOMING: lead_subject(batch.texts[0])},
                  lambda words: store.word_frequencies(word_hashes(words), plus=1).of(word_hashes(words)).tolist())
    linked = related([(doc, INCOMING) for doc in owners], span_evidence(pairs, frequencies), dates,
                     _editions(batch.texts[0], store, sorted(spans), date), leads)
    return {doc for doc in spans if (doc, INCOMING) in linked}, texts


def _editions(text: str, store: Store, docs: list[int], date: datetime | None) -> dict[int, Edition | None]:
    """The series editions (:mod:`dedup.series`) of the incoming ``text`` and of the stored ``docs``, by
    document: the incoming text counts as one of its headline's documents, written on the day of ``date``,
    else of its dateline. Only editions of the incoming text's series are read: every pair judged here holds it."""
    editions: dict[int, Edition | None] = dict.fromkeys([*docs, INCOMING])
    headline = series_headline(text)
    if headline is None:
        return editions
    day = document_day(text, date)
    documents, days = store.headline_days(headline)
    if not is_series(documents + 1, len(days | ({day} - {None}))):
        return editions
    editions[INCOMING] = edition_of(headline, day, True)
    for doc, (stored_headline, stored_day) in store.headlines(docs).items():
        if stored_headline == headline:
            editions[doc] = edition_of(headline, stored_day, True)
    return editions
