"""Boilerplate: text that recurs across many otherwise unrelated documents.

A sign-off, a newsletter footer, the standing headline of a recurring report, a table header or a stock
clause is found in many documents that share nothing else. Such text is reported once, as boilerplate,
and is never reuse between two documents: it links no stories and drives no verdict.

The rule (one rule, two callers: the scan, over its segments, and the index, over the stored copies of an
incoming text's segments) is:

* a paragraph or sentence **recurs** when its exact copies (the same normalised text, figures included:
  a results line of another company is a template, not the same text) are found in at least
  ``boilerplate_min_docs`` documents;
* two documents are **otherwise related** when they share a segment that does not recur (an exact copy,
  or a near or reused copy that still holds with its figures as written), or when the recurring text they
  share covers at least half of each (a story re-sent several times);
* a recurring group is **boilerplate** when fewer than half of the pairs among its documents are otherwise
  related (the first :data:`MAX_JUDGED_DOCUMENTS` documents are judged). Versions of one story that
  share a paragraph are related by the rest of their text, so their shared paragraph is not boilerplate.

A match whose two sides are boilerplate through and through is dropped before the evidence stage, so it
is evidence of nothing, unless its two documents are otherwise related (then it is part of a version).
A near copy of boilerplate stays a match for the evidence rule to judge.

Users add lines of their own (``boilerplate_lines``, from ``--boilerplate-file``): a line is boilerplate
text, compared as the matching rules compare paragraphs (case, quotes, dashes and white space aside), or,
after ``re:``, a regular expression that must match a whole paragraph or sentence (case-insensitively,
its white space collapsed). Segments they match are boilerplate whatever their document count, and
a match of which one side is all listed text is dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from typing import TypeVar

import numpy as np

from dedup.config import PATTERN_PREFIX, ScanConfig, pattern_error
from dedup.matches import as_written, passage_of
from dedup.model import Boilerplate, Cluster, Match, Passage
from dedup.normalize import normalize
from dedup.segment import SegmentTable

RELATED_SHARE = 0.5  # of the pairs among a text's documents: this many otherwise related, and it is a story's
MOSTLY_SHARED = 0.5  # of each document's compared text: two documents sharing this much are one text
MAX_JUDGED_DOCUMENTS = 32  # a group is judged on the pairs among its first documents (496 pairs)
EXAMPLES = 3
LISTED = "listed"

Key = TypeVar("Key", bound=Hashable)


# --- the rule -------------------------------------------------------------------------------------

def recurs(documents: int, config: ScanConfig) -> bool:
    """Whether a text found in ``documents`` documents is frequent enough to be boilerplate."""
    return documents >= config.boilerplate_min_docs


def mostly_shared(a_shared: int, a_chars: int, b_shared: int, b_chars: int) -> bool:
    """Whether recurring text shared by two documents (``a_shared`` of ``a_chars`` compared characters, and
    ``b_shared`` of ``b_chars``) makes most of both: then they are one text sent again, not two stories."""
    return a_shared >= MOSTLY_SHARED * max(a_chars, 1) and b_shared >= MOSTLY_SHARED * max(b_chars, 1)


def boilerplate_groups(groups: Mapping[Key, Iterable[int]], related: Callable[[int, int], bool]) -> set[Key]:
    """The recurring ``groups`` (key -> the documents holding it) that are boilerplate: fewer than
    :data:`RELATED_SHARE` of the pairs among their first :data:`MAX_JUDGED_DOCUMENTS` documents are
    ``related`` otherwise."""
    found = set()
    for key, documents in groups.items():
        judged = sorted(set(documents))[:MAX_JUDGED_DOCUMENTS]
        pairs = len(judged) * (len(judged) - 1) // 2
        if pairs and sum(related(a, b) for a, b in combinations(judged, 2)) < RELATED_SHARE * pairs:
            found.add(key)
    return found


class Relatedness:
    """Whether two documents are otherwise related: ``linked`` pairs (``(low, high)``) share a segment that
    does not recur; others when their recurring shared text is most of both (``held``: each document's
    characters in each recurring group; ``chars``: each document's compared characters)."""

    def __init__(self, linked: set[tuple[int, int]], held: Mapping[int, Mapping[Hashable, int]],
                 chars: Callable[[int], int]) -> None:
        self.linked, self.held, self.chars = linked, held, chars
        self._known: dict[tuple[int, int], bool] = {}

    def __call__(self, a: int, b: int) -> bool:
        pair = (a, b) if a < b else (b, a)
        if pair in self.linked:
            return True
        known = self._known.get(pair)
        if known is None:
            a_held, b_held = self.held.get(a, {}), self.held.get(b, {})
            common = a_held.keys() & b_held.keys()
            known = mostly_shared(sum(a_held[k] for k in common), self.chars(a),
                                  sum(b_held[k] for k in common), self.chars(b))
            self._known[pair] = known
        return known


# --- listed lines ---------------------------------------------------------------------------------

def parse_listed(lines: Iterable[str], source: str) -> tuple[str, ...]:
    """The boilerplate lines of a file's ``lines``: blank lines and ``#`` comments left out; a bad pattern
    raises ValueError naming ``source`` and its line."""
    found = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            pattern_error(line, f"{source}:{number}")
            found.append(line)
    return tuple(found)


def listed_matcher(lines: Sequence[str]) -> Callable[[str], int | None]:
    """A function giving the number of the first of ``lines`` a segment's text matches, or None."""
    literal: dict[str, int] = {}
    patterns: list[tuple[int, re.Pattern[str]]] = []
    for k, line in enumerate(lines):
        if line.startswith(PATTERN_PREFIX):
            patterns.append((k, re.compile(line[len(PATTERN_PREFIX):], re.IGNORECASE)))
        else:
            literal.setdefault(normalize(line), k)

    def match(text: str) -> int | None:
        found = literal.get(normalize(text))
        if found is not None:
            return found
        collapsed = " ".join(text.split())
        return next((k for k, pattern in patterns if pattern.fullmatch(collapsed)), None)

    return match


def listed_rows(table: SegmentTable, texts: Sequence[str], lines: Sequence[str]) -> dict[int, int]:
    """Row -> listed line, for the rows of ``table`` whose text a listed line matches."""
    if not lines:
        return {}
    match = listed_matcher(lines)
    found = {}
    for row, text in enumerate(table.text_view(texts)):
        k = match(text)
        if k is not None:
            found[row] = k
    return found


# --- the scan -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Segments:
    """One level of a scan's segments: the table, each row's exact hash (normalised text, numbers
    included) and whether the row is compared at all."""

    level: str
    table: SegmentTable
    exact: np.ndarray
    compared: np.ndarray


def shared_rows(segments: Segments) -> dict[int, tuple[np.ndarray, int]]:
    """Exact hash -> (its compared rows, how many documents hold it), for the texts in two documents or more."""
    rows = np.flatnonzero(segments.compared)
    if not len(rows):
        return {}
    exact, doc = segments.exact[rows].view(np.int64), segments.table.doc[rows]
    order = np.lexsort((doc, exact))  # by text, then document (rows stay in order within a text)
    rows, exact, doc = rows[order], exact[order], doc[order]
    new_text = np.r_[True, exact[1:] != exact[:-1]]
    new_doc = new_text | np.r_[True, doc[1:] != doc[:-1]]
    starts = np.flatnonzero(new_text)
    documents = np.add.reduceat(new_doc.astype(np.int64), starts)
    ends = np.r_[starts[1:], len(rows)]
    shared = documents >= 2
    return {h: (rows[start:end], n) for h, start, end, n in zip(exact[starts][shared].tolist(), starts[shared].tolist(),
                                                                ends[shared].tolist(), documents[shared].tolist())}


def scan_boilerplate(matches: Sequence[Match], clusters: Sequence[Cluster], texts: Sequence[str],
                     levels: Sequence[Segments], compared_chars: Sequence[int],
                     config: ScanConfig) -> tuple[list[Match], list[Cluster], list[Boilerplate]]:
    """The scan's matches and clusters without boilerplate, and the boilerplate found (most documents
    first). ``levels`` are the paragraph and sentence segments; ``compared_chars`` each document's
    compared characters. A match is boilerplate when every segment on both of its sides is (or is a
    listed line), and its two documents are not otherwise related."""
    by_level = {s.level: s for s in levels}
    by_id = {c.id: c for c in clusters}
    level_of = [by_id[m.cluster].level for m in matches]
    spans = _match_rows(matches, level_of, by_level)
    listed = {s.level: listed_rows(s.table, texts, config.boilerplate_lines) for s in levels}
    items = _listed_items(listed, by_level, len(config.boilerplate_lines))
    not_listed = [k for k, (a_rows, b_rows) in enumerate(spans)
                  if not (_all_in(a_rows, listed[level_of[k]]) or _all_in(b_rows, listed[level_of[k]]))]

    linked: set[tuple[int, int]] = set()
    held: dict[int, dict[Hashable, int]] = defaultdict(dict)
    groups: dict[tuple[str, int], list[int]] = {}
    recurring: dict[str, dict[int, int]] = {}  # level -> row -> hash of its recurring text
    for s in levels:
        recurring[s.level] = {}
        unlisted = s.compared.copy()
        unlisted[list(listed[s.level])] = False  # listed text is reported as listed, not learned again
        for h, (rows, documents) in shared_rows(replace(s, compared=unlisted)).items():
            docs = s.table.doc[rows].tolist()
            if not recurs(documents, config):
                linked.update(_ordered(a, b) for a, b in combinations(sorted(set(docs)), 2))
                continue
            groups[s.level, h] = docs
            recurring[s.level].update(dict.fromkeys(rows.tolist(), h))
    for s in levels:
        table = s.table
        for row, h in recurring[s.level].items():
            if s.level == "sentence" and int(table.paragraph[row]) in recurring["paragraph"]:
                continue  # counted with its paragraph
            doc = int(table.doc[row])
            held[doc][s.level, h] = held[doc].get((s.level, h), 0) + int(table.end[row] - table.start[row])
    rewritten = [matches[k] for k in not_listed if matches[k].a.doc != matches[k].b.doc
                 and _ordered(matches[k].a.doc, matches[k].b.doc) not in linked
                 and not all(_all_in(rows, recurring[level_of[k]]) for rows in spans[k])]
    linked.update(_ordered(m.a.doc, m.b.doc) for m in holding_as_written(rewritten, texts, config))
    related = Relatedness(linked, held, compared_chars.__getitem__)
    found = boilerplate_groups(groups, related)
    found_rows = {level: {row for row, h in rows.items() if (level, h) in found} for level, rows in recurring.items()}
    copies: dict[str, dict[int, list[int]]] = {level: defaultdict(list) for level in recurring}
    for level, rows in recurring.items():
        for row, h in sorted(rows.items()):
            copies[level][h].append(row)
    kept = []
    for k in not_listed:
        m, level = matches[k], level_of[k]
        if (m.a.doc == m.b.doc or not all(_all_in(rows, found_rows[level]) for rows in spans[k])
                or related(m.a.doc, m.b.doc)):
            kept.append(m)
        elif len(spans[k][1]) == 1:  # its copy in an otherwise related document, if any, is its source
            row = spans[k][1][0]
            table = by_level[level].table
            source = next((r for r in copies[level][recurring[level][row]]
                           if r < row and int(table.doc[r]) != m.b.doc and related(int(table.doc[r]), m.b.doc)), None)
            if source is not None:
                kept.append(Match("exact" if level == "paragraph" else "partial", passage_of(table, source), m.b,
                                  1.0, 1.0, 1.0, 1.0, m.cluster))
    for level, h in found:
        table = by_level[level].table
        rows = copies[level][h]
        if level == "sentence" and all(int(table.paragraph[r]) in found_rows["paragraph"] for r in rows):
            continue  # a sentence of a boilerplate paragraph is reported with it
        items.append(Boilerplate(level, len(set(groups[level, h])), _examples(passage_of(table, r) for r in rows)))
    items.sort(key=lambda item: (-item.documents, item.examples[0]))
    return kept, _pruned(clusters, matches, kept), items


def holding_as_written(matches: Sequence[Match], texts: Sequence[str], config: ScanConfig) -> list[Match]:
    """The ``matches`` that are still copies with their figures as written (a near copy at the threshold, a
    reused passage covering as much of the smaller side): what two versions of a story share, and what
    two reports of one template (every figure changed) do not."""
    measured = as_written([(texts[m.a.doc][m.a.start:m.a.end], texts[m.b.doc][m.b.start:m.b.end]) for m in matches],
                          [m.kind for m in matches], config)
    return [m for m, (similarity, containment, _, _) in zip(matches, measured)
            if (containment >= config.partial_containment if m.kind == "partial" else similarity >= config.threshold)]


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _match_rows(matches: Sequence[Match], levels: Sequence[str],
                by_level: Mapping[str, Segments]) -> list[tuple[list[int], list[int]]]:
    """The segment rows (of its level) each side of each match covers."""
    out: list[tuple[list[int], list[int]]] = [([], [])] * len(matches)
    for level, segments in by_level.items():
        chosen = [k for k, of in enumerate(levels) if of == level]
        if not chosen:
            continue
        table = segments.table
        keys = (table.doc.astype(np.int64) << 40) | table.start
        passages = [p for k in chosen for p in (matches[k].a, matches[k].b)]
        first = np.searchsorted(keys, np.array([(p.doc << 40) | p.start for p in passages], dtype=np.int64))
        last = np.searchsorted(keys, np.array([(p.doc << 40) | p.end for p in passages], dtype=np.int64))
        spans = [list(range(f, e)) for f, e in zip(first.tolist(), last.tolist())]
        for j, k in enumerate(chosen):
            out[k] = (spans[2 * j], spans[2 * j + 1])
    return out


def _all_in(rows: Sequence[int], chosen: Mapping[int, object] | set[int]) -> bool:
    return bool(chosen) and bool(rows) and all(row in chosen for row in rows)


def _listed_items(listed: Mapping[str, Mapping[int, int]], levels: Mapping[str, Segments],
                  lines: int) -> list[Boilerplate]:
    """One item per listed line that some segment matches: the documents holding it and its first copies
    (a paragraph and the sentence it is made of count once)."""
    found: dict[int, dict[int, Passage]] = defaultdict(dict)
    for level in ("paragraph", "sentence"):
        table = levels[level].table
        for row, k in sorted(listed.get(level, {}).items()):
            found[k].setdefault(int(table.doc[row]), passage_of(table, row))
    return [Boilerplate(LISTED, len(docs), tuple(sorted(docs.values())[:EXAMPLES]))
            for k, docs in sorted(found.items()) if k < lines]


def _examples(members: Iterable[Passage]) -> tuple[Passage, ...]:
    """The first copy in each of the first :data:`EXAMPLES` documents holding it."""
    first: dict[int, Passage] = {}
    for member in sorted(members):
        first.setdefault(member.doc, member)
    return tuple(list(first.values())[:EXAMPLES])


def _pruned(clusters: Sequence[Cluster], matches: Sequence[Match], kept: Sequence[Match]) -> list[Cluster]:
    """Clusters without the members that only dropped matches reported (fewer than two left: gone, unless
    a kept match names the cluster: a passage of several sentences is no member of it)."""
    reported = {p for m in kept for p in (m.a, m.b)}
    named = {m.cluster for m in kept}
    dropped = {p for m in matches for p in (m.a, m.b)} - reported
    remaining = []
    for cluster in clusters:
        members = tuple(p for p in cluster.members if p not in dropped)
        if len(members) == len(cluster.members) or (len(members) < 2 and cluster.id in named):
            remaining.append(cluster)
        elif len(members) >= 2:
            remaining.append(Cluster(cluster.id, cluster.level, cluster.kind, members[0], members))
    return remaining
