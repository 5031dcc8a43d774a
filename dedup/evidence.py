"""Evidence of reuse: what two documents share that a template or a coincidence would not.

Numbers are masked to find candidates and to compare wording (every number reads as one token), never
to judge them. Whether a cross match is reuse is decided on the words and figures as written, over all
the matches between the two documents:

* **Distinctive words** (outside a story's opening dateline) are found in at most :func:`distinctive_limit`
  documents (names and rare terms, not the words of a template); **rare words** in at most :func:`rare_limit`
  (a name only this story line uses). A distinctive word is a **name** when both spans write it capitalised
  or as a ``<TICKER>`` (a headline's line, all in capitals, names nothing): a dateline and "Imperial Chemical
  Industries Plc <ICI.L> said" open every story of that company, whatever its news. A **precise figure** is
  a quantity written with at least four significant digits (1,545,160 or 102.5, not 10, 10.6 or 250
  million, which recur by coincidence).
* **Figures agree** when one side quotes no quantity, or when at least half of the smaller side's
  quantities (counts, percentages, money and durations, as :mod:`dedup.figures` reads them; dates and
  years are not quantities) appear on the other side with the same value; a span keeps **the same
  figures** when every quantity of the side quoting fewer is on the other.
* Two documents are **related** when their matched spans, pooled, have figures that agree, and the
  matches whose figures agree share a precise figure, a rare word that is not a name, two distinctive words
  that are not names, three quantities, a distinctive word (a name will do) and a quantity, a name and a
  distinctive word that is not one, or a long passage (:data:`LONG_COPY_WORDS` words) copied with the same
  figures and a distinctive word that is not a name (a stock clause's words are all the template's); or
  when one match's words carry it whatever its figures (at least :data:`WORDS_CARRY` distinctive words) and
  the documents quote few quantities (at most :data:`MAX_QUANTITIES_CARRIED` on one side): an edited copy
  whose figure changed, not the next report of a series whose every figure did; a match sharing
  :data:`WORDS_CARRY_ALONE` distinctive words carries it alone. Names alone relate nothing: two stories
  of one company or one official share them without sharing any news.
* Two dated documents more than :data:`EDITION_GAP` apart are related only when, besides, a matched span
  keeps its figures (both sides quote quantities, and the side quoting fewer quotes none the other does
  not), or they share a rare word, or :data:`EDITION_WORDS` distinctive words (in one match, or over the
  matches whose figures agree): a week apart, a new edition of a series or a new story of the same
  subject reuses its template and background, not the earlier story. When both quote at least
  :data:`CHANGED_REPORT` quantities, one value must be on both sides (unless the words carry the copy alone):
  a company's next assay of one vein, every figure new, is its next report, not an edit. Undated documents
  are judged as if they were close in time.
* Two documents whose matched spans each quote at least :data:`STATISTICS_QUANTITIES` quantities are related
  only when those figures agree, however many words they share: a board's meat exports for January and
  February, sent the day its 1986 table was, repeats the table's words and countries with every tonnage new
  (an edit of one report keeps most of its figures; a story rewritten with new figures quotes fewer).
* Two documents that are other editions of one series (:mod:`dedup.series`: under one series headline,
  written on different days) are judged as two documents more than :data:`EDITION_GAP` apart: an edition
  repeats the series' lead by design, a re-sent edition keeps its figures, and a story re-sent under its
  headline over two days shares rare words or the words of a whole passage.
* Two documents about **other subjects** (:func:`dedup.subjects.other_subjects`: each lead names its own and
  neither mentions the other's) are never related: two issuers' eurobonds share a fee clause, not news.

Cross matches between documents that are not related are not reuse: results lines, price tables and
reports of a recurring series (their figures differ), stock phrases, short lines identical by
coincidence, and the dateline and attribution that open two stories of one subject. Between related
documents a match stands, figures agreeing or not (a changed figure in a version of a story is exactly
what the diff must show), unless it pairs the wrong lines: a passage matched elsewhere with agreeing
figures, or copied with the same figures into the other document (a re-sent table's nine-month share
line), is not also matched to another line whose figures differ; a passage copied word for word is not
also matched in part to another passage of the copy; and two lines that share no figure and
no distinctive word share only their template ("Gasoline prices rose 5.5 pct" and "Natural gas prices
rose 1.8 pct"). The scan (:func:`related_matches`) and the index's verdict call these same functions; only
where the word frequencies come from differs (the scanned documents, or the stored ones).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from dedup import verify
from dedup.config import ScanConfig
from dedup.dateline import DATELINE
from dedup.dates import apart
from dedup.figures import extract_figures, significant_digits
from dedup.figures.tables import YEAR_RANGE
from dedup.matches import near, paragraph_kinds
from dedup.minhash import sign_texts
from dedup.model import Cluster, Match, Passage
from dedup.normalize import normalize
from dedup.series import HEADLINE, Edition, other_editions, series_editions
from dedup.shingle import number_hash, token_hashes
from dedup.subjects import Lead, keyed, lead_subject, other_subjects

MIN_DISTINCTIVE_LIMIT = 50  # a small corpus has no templates to tell apart: every word is distinctive
DISTINCTIVE_SHARE = 0.01  # of the documents
MIN_RARE_LIMIT = 5
RARE_SHARE = 0.0005
DISTINCTIVE_WORDS = 2
SHARED_QUANTITIES = 3  # quantities both documents quote, as many as a results line's by coincidence, plus one
FIGURE_AGREEMENT = 0.5
DISTINCTIVE_DIGITS = 4
WORDS_CARRY = 8
LONG_COPY_WORDS = 15  # a passage this long, copied with its figures, is evidence whatever its words
MAX_QUANTITIES_CARRIED = 3  # more quantities, all changed, make a new report of a series, not an edit
WORDS_CARRY_ALONE = 24  # ... unless the copy shares this many distinctive words: a rewrite with new figures
CHANGED_REPORT = 2  # quantities on each side, none shared, that make a later report of a series or a company
STATISTICS_QUANTITIES = 5  # quantities on each side, mostly other, that make another report of a statistics table
EDITION_GAP = timedelta(days=7)  # read on the dev-corpus labels: a shorter gap loses updates of a story
EDITION_WORDS = WORDS_CARRY  # distinctive words that relate two documents further apart than EDITION_GAP
MAX_EVIDENCE_COPIES = 8  # documents holding one identical paragraph for it to be evidence between them
MAX_SOURCES_TRIED = 8  # members of a cluster verified as another source for a copy
QUANTITY_KINDS = frozenset({"count", "percent", "money", "duration", "age"})
_DIGIT = re.compile(r"\d")
_NAME = re.compile(r"<[^<>\s]*>|(?<![^\s(\"'])[A-Z]\S*")  # a capitalised word, an acronym or a <TICKER>
_LOWER = re.compile(r"[a-z]")
_NOT_WORD = re.compile(r"\W")
Quantity = tuple[str, float, "str | None"]  # (kind, value, unit)
Dates = Mapping[int, datetime | None] | Sequence[datetime | None]  # by document number
Editions = Mapping[int, Edition | None] | Sequence[Edition | None]  # by document number
Leads = Mapping[int, Lead | None]  # by document number


def distinctive_limit(documents: int) -> int:
    """The most documents a distinctive word may be found in."""
    return max(MIN_DISTINCTIVE_LIMIT, int(DISTINCTIVE_SHARE * documents))


def rare_limit(documents: int) -> int:
    """The most documents a rare word may be found in."""
    return max(MIN_RARE_LIMIT, int(RARE_SHARE * documents))


@dataclass(frozen=True, slots=True)
class WordFrequencies:
    """How many of ``documents`` documents hold each word: ``words`` (sorted token hashes) and ``counts``."""

    words: np.ndarray
    counts: np.ndarray
    documents: int

    def of(self, words: np.ndarray) -> np.ndarray:
        """How many documents hold each of ``words`` (token hashes); 0 for a word none holds."""
        if len(self.words) == 0:
            return np.zeros(len(words), dtype=np.int64)
        position = np.minimum(np.searchsorted(self.words, words), len(self.words) - 1)
        return np.where(self.words[position] == words, self.counts[position], 0)


def document_words(texts: Sequence[str]) -> list[np.ndarray]:
    """Each text's distinct words (token hashes, numbers left out), sorted."""
    hashes, offsets = token_hashes(texts)
    number = number_hash()
    return [np.unique(words[words != number]) for words in np.split(hashes, offsets[1:-1])] if len(texts) else []


def word_hashes(words: Sequence[str]) -> np.ndarray:
    """The token hash of each word (its first token, for a word the tokenizer splits)."""
    hashes, offsets = token_hashes(list(words))
    return hashes[offsets[:-1]]


def word_frequencies(texts: Sequence[str]) -> WordFrequencies:
    """The document frequency of every word of ``texts``."""
    per_document = document_words(texts)
    if not per_document:
        return WordFrequencies(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64), 0)
    words, counts = np.unique(np.concatenate(per_document), return_counts=True)
    return WordFrequencies(words, counts, len(texts))


@dataclass(frozen=True, slots=True)
class SpanEvidence:
    """What two spans ``a`` and ``b`` share: whether their figures agree, their quantities, and the shared
    distinctive words (``names``: those both write as names), rare words and precise figures."""

    figures_agree: bool
    a_quantities: frozenset[Quantity]
    b_quantities: frozenset[Quantity]
    distinctive: frozenset[int]
    rare: int
    precise: int
    shared_words: int
    names: frozenset[int] = frozenset()

    @property
    def carries(self) -> bool:
        """Whether the words alone carry the match, whatever its figures."""
        return len(self.distinctive) >= WORDS_CARRY


def span_evidence(pairs: Sequence[tuple[str, str]], frequencies: WordFrequencies) -> list[SpanEvidence]:
    """:class:`SpanEvidence` of each pair of span texts (each distinct text, and each distinct pair of
    texts, is read once: boilerplate repeats the same pair thousands of times)."""
    if not pairs:
        return []
    index: dict[str, int] = {}
    for pair in pairs:
        for text in pair:
            index.setdefault(text, len(index))
    texts = list(index)
    keys = [(index[a], index[b]) for a, b in pairs]
    distinct = list(dict.fromkeys(keys))
    bodies = [DATELINE.sub("", text, count=1) for text in texts]
    words = document_words(bodies)
    quoted = {k: quantities(texts[k]) for k in {k for pair in distinct for k in pair} if _DIGIT.search(texts[k])}
    shared = [words[a] if a == b else np.intersect1d(words[a], words[b], assume_unique=True) for a, b in distinct]
    counts = frequencies.of(np.concatenate(shared))
    ends = np.cumsum([len(x) for x in shared])
    loose, strict = distinctive_limit(frequencies.documents), rare_limit(frequencies.documents)
    per_pair = np.split(counts, ends[:-1])
    distinctive = [frozenset(common_words[found <= loose].tolist()) for common_words, found in zip(shared, per_pair)]
    # The words each text also writes in lower case: read only for texts sharing a distinctive word.
    readers = sorted({k for pair, words_ in zip(distinct, distinctive) if words_ for k in pair})
    lowercase = {k: frozenset(found.tolist())
                 for k, found in zip(readers, document_words([_without_names(bodies[k]) for k in readers]))}
    found_for = {}
    for (a, b), common_words, found, evidence_words in zip(distinct, shared, per_pair, distinctive):
        names = evidence_words - lowercase[a] - lowercase[b] if evidence_words else evidence_words
        a_values = quoted.get(a, frozenset()) if b in quoted else frozenset()
        b_values = quoted.get(b, frozenset()) if a_values else frozenset()
        common = a_values & b_values
        found_for[a, b] = SpanEvidence(_agree(a_values, b_values), a_values, b_values,
                                       evidence_words, int((found <= strict).sum()),
                                       sum(precise_figure(q[1]) for q in common), len(common_words), names)
    return [found_for[key] for key in keys]


def related(doc_pairs: Iterable[tuple[int, int]], evidence: Iterable[SpanEvidence],
            dates: Dates | None = None, editions: Editions | None = None,
            leads: Leads | None = None) -> set[tuple[int, int]]:
    """The document pairs that their spans relate (see the module docstring); each pair ``(a, b)`` names the
    documents of its span's ``a`` and ``b`` sides, and the result has each related pair both ways round.
    ``dates`` gives each document's date (None where unknown); without it every pair is judged as close.
    ``editions`` gives each document's series edition (:mod:`dedup.series`), None for a document of none;
    ``leads`` each document's lead subject (:func:`dedup.subjects.lead_subject`): two documents about other
    subjects are never related."""
    pooled: dict[tuple[int, int], _Pool] = {}
    for (a, b), found in zip(doc_pairs, evidence):
        pooled.setdefault((min(a, b), max(a, b)), _Pool(a)).add(a, found)
    return {pair for key, pool in pooled.items()
            if not (leads is not None and other_subjects(leads[key[0]], leads[key[1]]))
            and pool.relates(dates is not None and far_apart(dates[key[0]], dates[key[1]]),
                            editions is not None and other_editions(editions[key[0]], editions[key[1]]))
            for pair in (key, key[::-1])}


def far_apart(first: datetime | None, other: datetime | None) -> bool:
    """Whether two documents are dated more than :data:`EDITION_GAP` apart (both must be dated)."""
    return apart(first, other, EDITION_GAP)


@dataclass(slots=True)
class _Pool:
    """The evidence of all the matches between two documents, ``first`` and the other."""

    first: int
    carried: bool = False
    carried_alone: bool = False
    long_copy: bool = False
    copied_figures: bool = False
    words: set[int] = field(default_factory=set)
    names: set[int] = field(default_factory=set)
    rare: int = 0
    precise: int = 0
    quantities: tuple[set[Quantity], set[Quantity]] = field(default_factory=lambda: (set(), set()))

    def add(self, a: int, found: SpanEvidence) -> None:
        first, other = (found.a_quantities, found.b_quantities) if a == self.first else (found.b_quantities,
                                                                                          found.a_quantities)
        self.quantities[0].update(first)
        self.quantities[1].update(other)
        self.carried |= found.carries
        self.carried_alone |= len(found.distinctive) >= WORDS_CARRY_ALONE
        self.copied_figures |= bool(found.a_quantities and found.b_quantities) and _same_figures(found.a_quantities,
                                                                                                  found.b_quantities)
        if found.figures_agree:
            self.long_copy |= found.shared_words >= LONG_COPY_WORDS and _same_figures(found.a_quantities,
                                                                                     found.b_quantities)
            self.words.update(found.distinctive)
            self.names.update(found.names)
            self.rare += found.rare
            self.precise += found.precise

    def relates(self, far_apart: bool = False, other_editions: bool = False) -> bool:
        """Whether the pooled evidence relates the two documents; ``far_apart``: they are dated more than
        :data:`EDITION_GAP` apart, or ``other_editions``: editions of one series written on different days; then
        an edition of a series or a later story of the subject must be ruled out."""
        if (far_apart or other_editions) and not (self.copied_figures or self.rare or self.carried
                                                  or len(self.words) >= EDITION_WORDS):
            return False
        first, other = self.quantities
        fewest = min(len(first), len(other))
        if far_apart and fewest >= CHANGED_REPORT and not _values(first) & _values(other) and not self.carried_alone:
            return False
        if fewest >= STATISTICS_QUANTITIES and not _agree(first, other):
            return False
        if self.carried_alone or (self.carried and fewest <= MAX_QUANTITIES_CARRIED):
            return True
        common = len(first & other)
        content = self.words - self.names
        enough = (len(content) >= DISTINCTIVE_WORDS or common >= SHARED_QUANTITIES
                  or (self.words and common) or (content and self.names))
        return _agree(first, other) and bool(self.precise or (self.rare and content) or enough
                                             or (self.long_copy and content))


def related_matches(matches: Sequence[Match], clusters: Sequence[Cluster], texts: Sequence[str],
                    frequencies: WordFrequencies, config: ScanConfig,
                    dates: Sequence[datetime | None] | None = None) -> tuple[list[Match], list[Cluster]]:
    """The matches that are reuse: internal ones, and cross ones between related documents (``dates``: the
    documents' dates, None where unknown).

    Two documents are judged on their matches and on the identical paragraphs their clusters hold (a
    cluster pairs each member with one other, so a re-sent results table's lines may each be matched to
    another company's line of the template first). A paragraph whose match to its cluster parent is
    dropped, and that no kept match reports, is matched instead to the member of its cluster in its own or
    a related document that it copies most closely (exact first), never a line copied there with all its
    figures whose own figures differ from the paragraph's (a re-sent table's quarter line is not its
    nine-month line's source). Clusters lose the members only dropped matches joined (a cluster left with
    fewer than two members is gone)."""
    cross = [m for m in matches if m.a.doc != m.b.doc]
    by_id = {c.id: c for c in clusters}
    sides = [(m.a, m.b) for m in cross]
    evidence = span_evidence([(_text(texts, a), _text(texts, b)) for a, b in sides], frequencies)
    editions = series_editions(texts, dates)
    def held_by(words: list[str]) -> list[int]:
        return frequencies.of(word_hashes(words)).tolist()

    leads = keyed({doc: lead_subject(texts[doc]) for doc in sorted({p.doc for m in cross for p in (m.a, m.b)})},
                  held_by)
    linked = related([(a.doc, b.doc) for a, b in sides], evidence, dates, editions, leads)
    # Identical paragraphs can only add to what relates two documents: read them where it is still needed.
    copies = [(a, b) for a, b in _identical_paragraphs(clusters, texts) if (a.doc, b.doc) not in linked]
    if copies:
        sides += copies
        evidence += span_evidence([(_text(texts, a), _text(texts, b)) for a, b in copies], frequencies)
        leads |= keyed({doc: lead_subject(texts[doc]) for a, b in copies for doc in (a.doc, b.doc)
                        if doc not in leads}, held_by)
        linked = related([(a.doc, b.doc) for a, b in sides], evidence, dates, editions, leads)
    agreeing = {p for pair, found in zip(sides, evidence) if found.figures_agree for p in pair}
    disagreeing = {id(m) for m, found in zip(cross, evidence) if not found.figures_agree}
    # A line of a re-sent table copied with all its figures in the other document ("Shr loss 55 cts vs
    # profit seven cts") is not also matched to another line there whose figures differ in part.
    # Only a line that quotes figures keeps them: a story's own lead, quoting none, copies none.
    quoted = [bool(found.a_quantities and found.b_quantities) for found in evidence]
    same = [both and _same_figures(found.a_quantities, found.b_quantities) for both, found in zip(quoted, evidence)]
    copied = {(p, q.doc) for (a, b), kept_figures in zip(sides, same) if kept_figures for p, q in ((a, b), (b, a))}
    changed = {id(m) for m, kept_figures, both in zip(cross, same, quoted) if both and not kept_figures}
    # A passage copied word for word into the other document is not also matched in part to another passage
    # there ("gave West Germany a go-ahead ... leaded regular petrol" and "if West Germany were to implement a
    # ban"); a second near copy of it there is a copy of its own.
    verbatim = {(p.doc, p.start, p.end, q.doc) for m in cross if m.kind == "exact" for p, q in ((m.a, m.b), (m.b, m.a))}
    elsewhere = {id(m) for m in cross if m.kind == "partial" and ((m.a.doc, m.a.start, m.a.end, m.b.doc) in verbatim
                                                                   or (m.b.doc, m.b.start, m.b.end, m.a.doc) in verbatim)}
    # Two lines that share no figure and no distinctive word share only their template ("Gasoline prices
    # rose 5.5 pct last month" and "Natural gas prices rose 1.8 pct"), even in two versions of one story.
    template_lines = {id(m) for m, found in zip(cross, evidence)
                      if found.a_quantities and found.b_quantities and not found.a_quantities & found.b_quantities
                      and not found.distinctive}
    # A passage matched with agreeing figures is not also matched to another line of its template.
    kept = [m for m in matches if m.a.doc == m.b.doc
            or (_pair(m) in linked and id(m) not in template_lines and id(m) not in elsewhere
                and not (id(m) in disagreeing and (m.a in agreeing or m.b in agreeing))
                and not (id(m) in changed and ((m.a, m.b.doc) in copied or (m.b, m.a.doc) in copied)))]
    reported = {p for m in kept for p in (m.a, m.b)}
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b in linked:
        neighbours[a].add(b)
    by_doc: dict[int, dict[int, list[Passage]]] = {}  # cluster -> doc -> members, built as needed
    for m in matches:
        if (m.a.doc != m.b.doc and _pair(m) not in linked and m.b not in reported
                and by_id[m.cluster].level == "paragraph"):
            if m.cluster not in by_doc:
                by_doc[m.cluster] = defaultdict(list)
                for member in by_id[m.cluster].members:
                    by_doc[m.cluster][member.doc].append(member)
            members = by_doc[m.cluster]
            docs = sorted({m.b.doc} | (neighbours[m.b.doc] & members.keys()))
            # A line copied with all its figures into this document is not the source of a line here whose
            # figures differ from its own (a re-sent table's quarter line, of its nine-month line).
            moved = quantities(_text(texts, m.b))
            candidates = [p for doc in docs for p in members.get(doc, ()) if p != m.b and (
                (p, m.b.doc) not in copied or _same_figures(moved, quantities(_text(texts, p))))]
            source = _related_source(m.b, candidates, m.cluster, texts, config)
            if source is not None:
                kept.append(source)
                reported |= {source.a, source.b}
    kept_ids = {id(m) for m in kept}
    dropped = {p for m in cross if id(m) not in kept_ids for p in (m.a, m.b)} - reported
    remaining = []
    for cluster in clusters:
        members = tuple(p for p in cluster.members if p not in dropped)
        if len(members) == len(cluster.members):
            remaining.append(cluster)
        elif len(members) >= 2:
            remaining.append(Cluster(cluster.id, cluster.level, cluster.kind, members[0], members))
    return kept, remaining


def _identical_paragraphs(clusters: Sequence[Cluster], texts: Sequence[str]) -> list[tuple[Passage, Passage]]:
    """Pairs of paragraphs in different documents with the same normalised text (numbers included), taken
    from paragraph clusters: the first copy in each document, for groups in at most
    :data:`MAX_EVIDENCE_COPIES` documents (a line repeated in more is a template or boilerplate)."""
    pairs = []
    for cluster in clusters:
        if cluster.level != "paragraph":
            continue
        groups: dict[str, dict[int, Passage]] = {}
        for member in cluster.members:
            groups.setdefault(normalize(_text(texts, member)), {}).setdefault(member.doc, member)
        for first in groups.values():
            if 2 <= len(first) <= MAX_EVIDENCE_COPIES:
                members = sorted(first.values())
                pairs += [(a, b) for k, a in enumerate(members) for b in members[k + 1:]]
    return pairs


def _related_source(copy: Passage, candidates: list[Passage], cluster: int, texts: Sequence[str],
                    config: ScanConfig) -> Match | None:
    """A match of ``copy`` with the member of its cluster that it copies most closely, among ``candidates``
    (its cluster's members in its own or a related document): an exact copy, else the near copy in a related
    document with the highest similarity whose figures agree (not another line of the same template),
    verified by the rules of :mod:`dedup.matches`; the earlier of the two as ``a``; or None."""
    candidates = candidates[:MAX_SOURCES_TRIED]
    if not candidates:
        return None
    sets, _ = sign_texts([_text(texts, p) for p in [copy, *candidates]], config.shingle_size, 0, config.seed)
    pairs = np.array([(0, k) for k in range(1, len(candidates) + 1)])
    checked = verify.overlaps(sets.hashes, sets.offsets, pairs)
    kinds = paragraph_kinds(sets.exact[pairs[:, 1]], sets.exact[pairs[:, 0]])
    close = near(checked, config)
    copied = quantities(_text(texts, copy))
    agree = [_agree(copied, quantities(_text(texts, p))) for p in candidates]
    accepted = [k for k, kind in enumerate(kinds)
                if kind == "exact" or (close[k] and agree[k] and candidates[k].doc != copy.doc)]
    if not accepted:
        return None
    best = max(accepted, key=lambda k: (kinds[k] == "exact", checked.jaccard()[k], -k))
    source = candidates[best]
    share_copy = float(checked.shared[best] / max(checked.size_a[best], 1))
    share_source = float(checked.shared[best] / max(checked.size_b[best], 1))
    a, b = (source, copy) if source < copy else (copy, source)
    a_in_b, b_in_a = (share_source, share_copy) if source < copy else (share_copy, share_source)
    return Match(kinds[best], a, b, float(checked.jaccard()[best]), float(checked.containment()[best]), a_in_b,
                 b_in_a, cluster)


def _pair(match: Match) -> tuple[int, int]:
    return (min(match.a.doc, match.b.doc), max(match.a.doc, match.b.doc))


def _text(texts: Sequence[str], passage: Passage) -> str:
    return texts[passage.doc][passage.start:passage.end]


def quantities(text: str) -> frozenset[Quantity]:
    """The quantities a text quotes; a "duration" of a year's number ("1985 year net") is the year."""
    return frozenset((f.kind, round(f.value, 6), f.unit) for f in extract_figures(text)
                     if f.kind in QUANTITY_KINDS and f.value is not None
                     and not (f.kind in ("duration", "age") and _year_like(f.value)))


def _agree(first: Set[Quantity], other: Set[Quantity]) -> bool:
    """Figures agree: one side quotes none, or at least half of the smaller side's appear on the other."""
    fewest = min(len(first), len(other))
    return not fewest or len(first & other) >= FIGURE_AGREEMENT * fewest


def _values(quantities: Set[Quantity]) -> set[tuple[str, float]]:
    return {(kind, value) for kind, value, _ in quantities}


def _without_names(text: str) -> str:
    """``text`` with its names blanked out. A headline's line, written all in capitals, loses the words its
    other lines write as names ("SUMITA" beside "Satoshi Sumita said"); a headline alone names nothing."""
    if not HEADLINE.search(text):
        return _NAME.sub(" ", text)
    lines = text.split("\n")
    named = {_bare(word) for line in lines if _LOWER.search(line) for word in _NAME.findall(line)}
    return "\n".join(_NAME.sub(" ", line) if _LOWER.search(line)
                     else " ".join(word for word in line.split() if _bare(word) not in named) for line in lines)


def _bare(word: str) -> str:
    return _NOT_WORD.sub("", word).lower()


def _same_figures(first: Set[Quantity], other: Set[Quantity]) -> bool:
    """Every quantity of the side that quotes fewer is quoted by the other."""
    return len(first & other) == min(len(first), len(other))


def _year_like(value: float) -> bool:
    return float(value).is_integer() and YEAR_RANGE[0] <= value <= YEAR_RANGE[1]


def precise_figure(value: float) -> bool:
    """A precise figure: four or more significant digits (1,545,160, 102.5; not 10, 10.6, 250 million, nor a
    number that could be a year)."""
    if _year_like(value):
        return False
    return significant_digits(value) >= DISTINCTIVE_DIGITS
