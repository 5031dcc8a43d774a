"""Corrections: a story that says it corrects an earlier one is a version of it, whatever the two share.

A wire marks a correction in its headline (``CORRECTED - MELLON <MEL> UNIT'S NOTES``, ``(CORRECTED)-...``,
``NATIONAL PIZZA <PIZA> CORRECTS FIGURE``, ``CORRECTION - ...``). Its original need not share a matched
passage with it: a results table whose figures were reversed, or a company's notice that its net was 485,380
dlrs, not 528,790, shares almost nothing a copy would. What ties the two is their subject and what the
correction repeats of the original:

* **Candidates** are earlier documents (by date, at most :data:`CORRECTION_DAYS` before; undated, earlier in
  order) that share a **subject key** with the correction: a ticker or name in angle brackets in its opening
  (``<MEL>``, ``<AMERICAN VARIETY INTERNATIONAL INC>``), or a pair of adjacent headline words found in few
  headlines (``federal paper``, ``1987 growth``: at most the distinctive-word limit of
  :func:`dedup.evidence.distinctive_limit`). Tickers alone would miss a misspelt one (``<FBO>`` for ``<FBT>``);
  but a correction that names its company by a ticker corrects only a story carrying that ticker, or one a
  letter apart (:func:`other_companies`), whatever headline words the two share (``3rd qtr``, ``year net``:
  in a small collection every pair of headline words is rare).
* The **original** is the candidate the correction repeats most of: each shared ticker counts
  :data:`TICKER_WEIGHT`, each shared distinctive word (outside the datelines and the correction's headline,
  which names the subject every candidate shares) one, each quantity both quote one
  (:func:`dedup.evidence.quantities`) and each precise value both quote one more, whatever its unit (``Net
  528,790`` and ``528,790 dlrs``); it must reach :data:`MIN_SCORE`, and ties go to the later candidate (a
  correction corrects the latest report).

The scan (:func:`correction_originals`) and the index's check (:func:`best_original`, over the stored
documents that hold one of the correction's subject keys) call these same functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import numpy as np

from dedup.dateline import DATELINE
from dedup.evidence import WordFrequencies, distinctive_limit, document_words, precise_figure, quantities
from dedup.subjects import (
    CORRECTION_MARKER,
    SubjectKeys,
    headline,
    headlines_holding,
    naming_keys,
    other_companies,
    subject_keys,
)

CORRECTION_DAYS = timedelta(days=31)  # a correction may name a report of some weeks before ("on March 11")
TICKER_WEIGHT = 2  # a shared ticker is worth two shared words: it names the company
MIN_SCORE = 4  # a ticker and two words, or four words or quantities


def is_correction(text: str) -> bool:
    """Whether a story's headline says that it corrects an earlier one."""
    return bool(CORRECTION_MARKER.search(headline(text)))


def best_original(correction: str, candidates: Sequence[tuple[int, str]], frequencies: WordFrequencies) -> int | None:
    """The candidate (``(doc, text)``, oldest first) that ``correction`` corrects, or None when none repeats
    :data:`MIN_SCORE` of it; ``frequencies`` tell which words are distinctive. A candidate of another company
    (:func:`other_companies`) is never it."""
    own = subject_keys(correction)
    candidates = [(doc, text, found) for doc, text in candidates
                  if not other_companies(own, found := subject_keys(text))]
    if not candidates:
        return None
    texts = [correction, *(text for _, text, _ in candidates)]
    keys = [own, *(found for _, _, found in candidates)]
    bodies = [DATELINE.sub("", text, count=1) for text in texts]
    words = document_words([*bodies, headline(correction)])
    limit = distinctive_limit(frequencies.documents)
    distinctive = [set(found[frequencies.of(found) <= limit].tolist()) for found in words[:-1]]
    distinctive[0] -= set(words[-1].tolist())  # the headline names the subject, which every candidate shares
    quoted = [quantities(text) for text in bodies]
    precise = [{value for _, value, _ in found if precise_figure(value)} for found in quoted]
    best, best_score = None, MIN_SCORE - 1
    for k, (doc, _, _) in enumerate(candidates, 1):
        score = (TICKER_WEIGHT * len(keys[0].tickers & keys[k].tickers) + len(distinctive[0] & distinctive[k])
                 + len(quoted[0] & quoted[k]) + len(precise[0] & precise[k]))
        if score >= best_score:  # a tie goes to the later candidate
            best, best_score = doc, score
    return best


def within_window(correction: datetime | None, original: datetime | None) -> bool:
    """Whether an original dated ``original`` may be corrected by a story dated ``correction``: earlier, and
    at most :data:`CORRECTION_DAYS` before (an undated side is not ruled out by time)."""
    if correction is None or original is None:
        return True
    return timedelta(0) <= correction - original <= CORRECTION_DAYS


def correction_originals(texts: Sequence[str], times: np.ndarray, dates: Sequence[datetime | None],
                         frequencies: WordFrequencies,
                         keys: Sequence[SubjectKeys] | None = None) -> list[tuple[int, int]]:
    """``(original, correction)`` for every correction of ``texts`` whose original is among them (``times``:
    :func:`dedup.dates.time_order`; ``dates`` each document's date, None where unknown; ``keys`` their
    subject keys, when the caller has them)."""
    corrections = [doc for doc, text in enumerate(texts) if is_correction(text)]
    if not corrections:
        return []
    keys = keys if keys is not None else [subject_keys(text) for text in texts]
    holding = headlines_holding(keys)
    limit = distinctive_limit(len(texts))
    wanted = {doc: naming_keys(keys[doc], holding.__getitem__, limit) for doc in corrections}
    holders = _holders(keys, {key for found in wanted.values() for key in found})
    found = []
    for doc in corrections:
        candidates = sorted({other for key in wanted[doc] for other in holders[key]
                             if times[other] < times[doc] and within_window(dates[doc], dates[other])},
                            key=times.__getitem__)
        original = best_original(texts[doc], [(other, texts[other]) for other in candidates], frequencies)
        if original is not None:
            found.append((original, doc))
    return found


def _holders(keys: Sequence[SubjectKeys], wanted: Iterable[str]) -> dict[str, list[int]]:
    """The documents holding each wanted key, in document order."""
    wanted = set(wanted)
    holders: dict[str, list[int]] = defaultdict(list)
    for doc, key in enumerate(keys):
        for found in key.all() & wanted:
            holders[found].append(doc)
    return holders
