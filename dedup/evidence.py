"""Evidence of reuse: what two documents share that a template or a coincidence would not.

Numbers are masked to find candidates and to compare wording (every number reads as one token), never
to judge them. Whether a cross match is reuse is decided on the words and figures as written:

* **Figures agree** when one side quotes no quantity, or when at least half of the smaller side's
  quantities (counts, percentages, money and durations, as :mod:`dedup.figures` reads them; dates and
  years are not quantities) appear on the other side with the same value.
* **Distinctive content** is a word found in at most :func:`distinctive_limit` documents (names and rare
  terms, not the words of a template), or a quantity written with at least four significant digits (a
  precise figure such as 1,545,160 or 102.5, not 10, 10.6 or 250 million, which recur by coincidence).
* Two documents are **related** when a match between them shares distinctive content and either its
  figures agree or its words carry it (at least :data:`WORDS_CARRY` distinctive words: an edited copy whose
  figure changed, not a template whose slots did).

Cross matches between documents that are not related are not reuse: results lines, price tables and
weekly reports of one template, stock phrases, and short lines identical by coincidence. Between
related documents every match stands, figures agreeing or not: a changed figure in a version of a story
is exactly what the diff must show. The scan (:func:`related_matches`) and the index's verdict call
these same functions; only where the word frequencies come from differs (the scanned documents, or the
stored ones).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dedup import verify
from dedup.config import ScanConfig
from dedup.figures import extract_figures
from dedup.matches import near, paragraph_kinds
from dedup.minhash import sign_texts
from dedup.model import Cluster, Match, Passage
from dedup.shingle import number_hash, token_hashes

MIN_DISTINCTIVE_LIMIT = 50  # a small corpus has no templates to tell apart: every word is distinctive
DISTINCTIVE_SHARE = 0.01  # of the documents
FIGURE_AGREEMENT = 0.5
DISTINCTIVE_DIGITS = 4
WORDS_CARRY = 8
MAX_SOURCES_TRIED = 8  # members of a cluster verified as another source for a copy
QUANTITY_KINDS = frozenset({"count", "percent", "money", "duration", "age"})
_DIGIT = re.compile(r"\d")


def distinctive_limit(documents: int) -> int:
    """The most documents a distinctive word may be found in."""
    return max(MIN_DISTINCTIVE_LIMIT, int(DISTINCTIVE_SHARE * documents))


@dataclass(frozen=True, slots=True)
class WordFrequencies:
    """How many of ``documents`` documents hold each word: ``words`` (sorted token hashes) and ``counts``."""

    words: np.ndarray
    counts: np.ndarray
    documents: int

    def distinctive(self, words: np.ndarray) -> np.ndarray:
        """Which of ``words`` (token hashes) are distinctive; a word no document holds is."""
        if len(self.words) == 0:
            return np.ones(len(words), dtype=bool)
        position = np.minimum(np.searchsorted(self.words, words), len(self.words) - 1)
        found = np.where(self.words[position] == words, self.counts[position], 0)
        return found <= distinctive_limit(self.documents)


def document_words(texts: Sequence[str]) -> list[np.ndarray]:
    """Each text's distinct words (token hashes, numbers left out), sorted."""
    hashes, offsets = token_hashes(texts)
    number = number_hash()
    return [np.unique(words[words != number]) for words in np.split(hashes, offsets[1:-1])] if len(texts) else []


def word_frequencies(texts: Sequence[str]) -> WordFrequencies:
    """The document frequency of every word of ``texts``."""
    per_document = document_words(texts)
    if not per_document:
        return WordFrequencies(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64), 0)
    words, counts = np.unique(np.concatenate(per_document), return_counts=True)
    return WordFrequencies(words, counts, len(texts))


@dataclass(frozen=True, slots=True)
class SpanEvidence:
    """What two spans share: whether their figures agree, and their shared distinctive words and figures."""

    figures_agree: bool
    distinctive: frozenset[Hashable]

    @property
    def relates(self) -> bool:
        """Whether these spans alone relate their documents (see the module docstring)."""
        words = sum(isinstance(token, int) for token in self.distinctive)
        return bool(self.distinctive) and (self.figures_agree or words >= WORDS_CARRY)


def span_evidence(pairs: Sequence[tuple[str, str]], frequencies: WordFrequencies) -> list[SpanEvidence]:
    """:class:`SpanEvidence` of each pair of span texts."""
    if not pairs:
        return []
    words = document_words([text for pair in pairs for text in pair])
    out = []
    for k, (a, b) in enumerate(pairs):
        shared = np.intersect1d(words[2 * k], words[2 * k + 1], assume_unique=True)
        tokens: set[Hashable] = set(shared[frequencies.distinctive(shared)].tolist())
        agree = True
        if _DIGIT.search(a) and _DIGIT.search(b):
            a_values, b_values = _quantities(a), _quantities(b)
            common = a_values & b_values
            if a_values and b_values:
                agree = len(common) >= FIGURE_AGREEMENT * min(len(a_values), len(b_values))
            tokens |= {value for value in common if _distinctive_figure(value[1])}
        out.append(SpanEvidence(agree, frozenset(tokens)))
    return out


def related(doc_pairs: Iterable[tuple[int, int]], evidence: Iterable[SpanEvidence]) -> set[tuple[int, int]]:
    """The document pairs (as given, smaller id first) that some of their spans relate."""
    return {pair for pair, found in zip(doc_pairs, evidence) if found.relates}


def related_matches(matches: Sequence[Match], clusters: Sequence[Cluster], texts: Sequence[str],
                    frequencies: WordFrequencies, config: ScanConfig) -> tuple[list[Match], list[Cluster]]:
    """The matches that are reuse: internal ones, and cross ones between related documents. A paragraph
    whose match to its cluster parent is dropped is matched instead to the first member of its cluster in a
    related document that it copies (the corrected results line of a re-sent story, matched first to
    another company's line of the same template). Clusters lose the members only dropped matches joined
    (a cluster left with fewer than two members is gone)."""
    cross = [m for m in matches if m.a.doc != m.b.doc]
    evidence = span_evidence([(_text(texts, m.a), _text(texts, m.b)) for m in cross], frequencies)
    linked = related([_pair(m) for m in cross], evidence)
    by_id = {c.id: c for c in clusters}
    kept = [m for m in matches if m.a.doc == m.b.doc or _pair(m) in linked]
    spans = {(m.a, m.b) for m in kept}
    for m in matches:
        if m.a.doc != m.b.doc and _pair(m) not in linked and by_id[m.cluster].level == "paragraph":
            source = _related_source(m, by_id[m.cluster], linked, texts, config)
            if source is not None and (source.a, source.b) not in spans:
                kept.append(source)
                spans.add((source.a, source.b))
    joined = {p for m in kept for p in (m.a, m.b)}
    dropped = {p for m in cross if _pair(m) not in linked for p in (m.a, m.b)} - joined
    remaining = []
    for cluster in clusters:
        members = tuple(p for p in cluster.members if p not in dropped)
        if len(members) == len(cluster.members):
            remaining.append(cluster)
        elif len(members) >= 2:
            remaining.append(Cluster(cluster.id, cluster.level, cluster.kind, members[0], members))
    return kept, remaining


def _related_source(match: Match, cluster: Cluster, linked: set[tuple[int, int]], texts: Sequence[str],
                    config: ScanConfig) -> Match | None:
    """A match of ``match.b`` with the first member of its cluster, in a document related to b's, that it is
    an exact or near copy of (verified by the rules of :mod:`dedup.matches`), the earlier of the two as
    ``a``; or None."""
    copy = match.b
    candidates = [p for p in cluster.members
                  if p.doc != copy.doc and (min(p.doc, copy.doc), max(p.doc, copy.doc)) in linked]
    for source in candidates[:MAX_SOURCES_TRIED]:
        sets, _ = sign_texts([_text(texts, source), _text(texts, copy)], config.shingle_size, 0, config.seed)
        checked = verify.overlaps(sets.hashes, sets.offsets, np.array([[0, 1]]))
        (kind,) = paragraph_kinds(sets.exact[:1], sets.exact[1:])
        if kind == "exact" or near(checked, config)[0]:
            shares = (float(checked.shared[0] / max(checked.size_a[0], 1)),
                      float(checked.shared[0] / max(checked.size_b[0], 1)))
            a, b = (source, copy) if source < copy else (copy, source)
            a_in_b, b_in_a = shares if source < copy else shares[::-1]
            return Match(kind, a, b, float(checked.jaccard()[0]), float(checked.containment()[0]), a_in_b, b_in_a,
                         match.cluster)
    return None


def _pair(match: Match) -> tuple[int, int]:
    return (min(match.a.doc, match.b.doc), max(match.a.doc, match.b.doc))


def _text(texts: Sequence[str], passage: Passage) -> str:
    return texts[passage.doc][passage.start:passage.end]


def _quantities(text: str) -> set[tuple[str, float, str | None]]:
    return {(f.kind, round(f.value, 6), f.unit) for f in extract_figures(text)
            if f.kind in QUANTITY_KINDS and f.value is not None}


def _distinctive_figure(value: float) -> bool:
    """A precise figure: four or more significant digits (1,545,160, 102.5; not 10, 10.6, 250 million)."""
    digits = f"{abs(value):.6e}".split("e")[0].replace(".", "").rstrip("0")
    return len(digits) >= DISTINCTIVE_DIGITS
