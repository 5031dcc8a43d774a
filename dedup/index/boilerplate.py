"""Boilerplate in a check: the rule of :mod:`dedup.boilerplate` over the stored documents.

An incoming paragraph or sentence recurs when its exact copies are in enough stored documents (the checked
text counting as one more, as a scanned document does). Whether the documents holding it are otherwise
related is read from the store: the incoming text and a stored document are when the stored one holds an
exact copy of an incoming segment that does not recur, or a near or reused copy of one (figures as
written are not compared here: the scan's stricter test needs both texts); two stored documents are when
they share a compared segment, as written, that does not recur in the store. A passage whose every segment is boilerplate, matched to a
stored copy that is too, does not count for the verdict unless the two documents are otherwise related;
a passage of listed lines never counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from itertools import combinations

import numpy as np

from dedup.boilerplate import (
    MAX_JUDGED_DOCUMENTS,
    Relatedness,
    boilerplate_groups,
    listed_rows,
    recurs,
)
from dedup.index.batch import Batch
from dedup.index.store import Store
from dedup.matches import compared_paragraphs, compared_sentences

INCOMING = -1  # the checked text, among stored document numbers
TABLES = {"paragraph": "paragraphs", "sentence": "sentences"}

# A passage of a check: (level, incoming rows, stored document, stored rows).
Passage = tuple[str, Sequence[int], int, Sequence[int]]


def boilerplate_passages(batch: Batch, store: Store, passages: Sequence[Passage]) -> set[int]:
    """The positions of ``passages`` that are boilerplate (see the module docstring)."""
    config = store.config
    if not passages:
        return set()
    tables = {"paragraph": (batch.paragraphs, batch.paragraph_sets, compared_paragraphs(batch.paragraph_sets.words,
                                                                                          config)),
              "sentence": (batch.sentences, batch.sentence_sets, compared_sentences(batch.sentence_sets, config))}
    listed = {level: listed_rows(table, batch.texts[:1], config.boilerplate_lines)
              for level, (table, _, _) in tables.items()}
    exact = {level: sets.exact.view(np.int64) for level, (_, sets, _) in tables.items()}
    incoming = {level: {int(exact[level][i]): i for i in np.flatnonzero(compared).tolist() if i not in listed[level]}
                for level, (_, _, compared) in tables.items()}
    limit = max(MAX_JUDGED_DOCUMENTS, config.boilerplate_min_docs)

    groups: dict[Hashable, list[int]] = {}
    linked: set[tuple[int, int]] = set()
    held: dict[int, dict[Hashable, int]] = defaultdict(dict)
    for level, hashes in incoming.items():
        for h, docs in store.holders(TABLES[level], hashes, limit).items():
            if recurs(len(docs) + 1, config):
                groups[level, h] = [INCOMING, *docs]
            else:
                linked.update((INCOMING, doc) for doc in docs)
    if not groups:
        return {k for k, (level, rows, _, _) in enumerate(passages) if all(r in listed[level] for r in rows)}
    for (level, h), docs in groups.items():
        table = tables[level][0]
        row = incoming[level][h]
        if level == "sentence" and ("paragraph", int(exact["paragraph"][table.paragraph[row]])) in groups:
            continue  # counted with its paragraph
        for doc in docs:
            held[doc][level, h] = int(table.end[row] - table.start[row])
    linked.update((INCOMING, doc) for level, rows, doc, _ in passages  # a near or reused copy of other text
                  if not all((level, int(exact[level][r])) in groups for r in rows))
    _relate_stored(store, groups, incoming, linked, held)
    chars = {INCOMING: batch.chars[0], **store.compared_chars(sorted({d for docs in groups.values() for d in docs}
                                                                       - {INCOMING}))}
    related = Relatedness(linked, held, lambda doc: chars.get(doc, 0))
    found = boilerplate_groups(groups, related)
    stored_exact = {level: store.exact_of(TABLES[level], [r for p in passages if p[0] == level for r in p[3]])
                    for level in TABLES}
    dropped = set()
    for k, (level, rows, doc, stored) in enumerate(passages):
        if all(r in listed[level] for r in rows):
            dropped.add(k)
        elif (all((level, int(exact[level][r])) in found for r in rows)
              and all((level, stored_exact[level].get(r)) in found for r in stored)
              and not related(INCOMING, doc)):
            dropped.add(k)
    return dropped


def _relate_stored(store: Store, groups: dict[Hashable, list[int]], incoming: dict[str, dict[int, int]],
                   linked: set[tuple[int, int]], held: dict[int, dict[Hashable, int]]) -> None:
    """Add the pairs of judged stored documents that share a segment that does not recur to ``linked``, and
    the recurring paragraphs they hold to ``held``."""
    config = store.config
    judged = {d for docs in groups.values() for d in sorted(docs)[:MAX_JUDGED_DOCUMENTS]} - {INCOMING}
    holding: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
    for table, doc, h, chars in store.compared_segments(judged):
        holding[table, h][doc] = holding[table, h].get(doc, 0) + chars
    for (table, h), by_doc in holding.items():
        level = "paragraph" if table == "paragraphs" else "sentence"
        if len(by_doc) < 2 or (level, h) in groups:
            continue
        documents = len(store.holders(table, [h], config.boilerplate_min_docs)[h]) + (h in incoming[level])
        if not recurs(documents, config):
            linked.update(combinations(sorted(by_doc), 2))
        elif level == "paragraph":
            for doc, chars in by_doc.items():
                held[doc][level, h] = chars
