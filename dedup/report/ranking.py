"""What the reports list and in which order: relations ranked and grouped, the matches of each document
pair, exact passages copied into many documents, and the text report's filters. Plain data in, plain
data out; the renderers only format what this module chose.

A reader looks for corrections and updates first, so a relation whose figures changed ranks before one
whose wording changed, and then by how much of either document is shared. A changed date alone (the
dateline of a story sent again the next day) is not a changed figure for the ranking. Versions and duplicates of
one story (one ``group``) are listed together, ranked by their strongest member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dedup.diff import FigureChange
from dedup.figures import extract_figures
from dedup.model import Cluster, Match, Passage, Relation, Report
from dedup.report.labels import block_members

SCOPES = ("all", "cross", "internal")
# An exact passage found in at least this many documents is listed once with its members, not per pair.
COPIED_DOCUMENTS = 3
DATE_KINDS = frozenset({"date", "year"})

Pair = tuple[int, int]


def pair_key(a: int, b: int) -> Pair:
    """The unordered pair of two documents (matches may run either way between them)."""
    return (a, b) if a <= b else (b, a)


def strength(relation: Relation) -> float:
    """How much of either document the other holds."""
    return max(relation.source_in_copy, relation.copy_in_source)


def relation_figures(relation: Relation, matches: Sequence[Match]) -> list[FigureChange]:
    """The figures that changed from source to copy: from a version's alignment, else from the
    matches between the two."""
    diffs = ([item.diff for item in relation.alignment] if relation.alignment
             else [m.diff for m in matches])
    return [change for diff in diffs if diff is not None for change in diff.figures]


def telling(change: FigureChange) -> bool:
    """Whether a figure change says more than a new date: a count, an amount, a share that changed."""
    found = [f for text in (change.a, change.b) if text for f in extract_figures(text)]
    return not found or any(f.kind not in DATE_KINDS for f in found)


def relation_wording(relation: Relation, matches: Sequence[Match]) -> int:
    """How many wording changes, and paragraphs added or removed, a relation holds."""
    if relation.alignment:
        return sum(len(item.diff.wording) if item.diff is not None else item.status != "aligned"
                   for item in relation.alignment)
    return sum(len(m.diff.wording) for m in matches if m.diff is not None)


@dataclass(frozen=True, slots=True)
class RankedRelation:
    """A relation with the matches between its two documents and what changed."""

    relation: Relation
    matches: tuple[Match, ...]
    figures: tuple[FigureChange, ...]
    wording: int

    @property
    def figures_changed(self) -> bool:
        """A figure other than a date changed (see ``telling``)."""
        return any(telling(f) for f in self.figures)

    @property
    def pair(self) -> Pair:
        return pair_key(self.relation.source, self.relation.copy)


@dataclass(frozen=True, slots=True)
class RelationGroup:
    """Relations listed together: the duplicates and versions of one story (``group`` >= 0), or a single
    reuse pair (``group`` -1). ``documents`` are the members, sources first."""

    group: int
    relations: tuple[RankedRelation, ...]

    @property
    def documents(self) -> list[int]:
        seen: dict[int, None] = {}
        for ranked in self.relations:
            seen.setdefault(ranked.relation.source)
            seen.setdefault(ranked.relation.copy)
        return list(seen)

    @property
    def duplicates_only(self) -> bool:
        return all(r.relation.kind == "duplicate" for r in self.relations)


def _rank(ranked: RankedRelation) -> tuple[bool, float, int, int, int]:
    r = ranked.relation
    return (not ranked.figures_changed, -strength(r), -r.matches, r.source, r.copy)


def matches_by_pair(report: Report) -> dict[Pair, list[Match]]:
    """The matches between each two documents (a document with itself: its internal repeats)."""
    found: dict[Pair, list[Match]] = defaultdict(list)
    for m in report.matches:
        found[pair_key(m.a.doc, m.b.doc)].append(m)
    return found


def ranked_groups(report: Report, relations: Iterable[Relation] | None = None) -> list[RelationGroup]:
    """The relations (all of the report's by default) grouped by story, strongest group first."""
    by_pair = matches_by_pair(report)
    ranked = []
    for r in report.relations if relations is None else relations:
        matches = tuple(by_pair.get(pair_key(r.source, r.copy), ()))
        figures = sorted(relation_figures(r, matches), key=lambda f: not telling(f))  # the telling ones first
        ranked.append(RankedRelation(r, matches, tuple(figures), relation_wording(r, matches)))
    ranked.sort(key=_rank)
    groups: dict[int, list[RankedRelation]] = {}
    order: list[list[RankedRelation]] = []
    for item in ranked:
        group = item.relation.group
        if group < 0:
            order.append([item])
        elif group in groups:
            groups[group].append(item)
        else:
            groups[group] = [item]
            order.append(groups[group])
    return [RelationGroup(members[0].relation.group, tuple(members)) for members in order]


def copied_clusters(report: Report) -> list[Cluster]:
    """Exact clusters found in ``COPIED_DOCUMENTS`` documents or more, most documents first: each is
    listed once with its members instead of as a pair per two documents."""
    found = [c for c in report.clusters
             if c.kind == "exact" and len({p.doc for p in c.members}) >= COPIED_DOCUMENTS]
    return sorted(found, key=lambda c: (-len({p.doc for p in c.members}), c.id))


@dataclass(frozen=True, slots=True)
class PairDetail:
    """The passages of one document pair: of its ``total`` matches, those ``shown`` one by one, and the
    exact ones listed under a copied cluster instead (``copied``, by cluster id); the rest are in
    repeated blocks."""

    pair: Pair
    total: int
    shown: tuple[Match, ...]
    copied: tuple[int, ...]


def pair_detail(pair: Pair, matches: Sequence[Match], in_blocks: set[tuple[Passage, Passage]],
                copied: set[int]) -> PairDetail:
    rest = [m for m in matches if (m.a, m.b) not in in_blocks]
    shown = tuple(m for m in rest if not (m.kind == "exact" and m.cluster in copied))
    listed = sorted({m.cluster for m in rest if m.kind == "exact" and m.cluster in copied})
    return PairDetail(pair, len(matches), shown, tuple(listed))


@dataclass(frozen=True, slots=True)
class Selection:
    """What a report shows after its filters: the relation groups, the detail of each related pair in
    rank order, the pairs with matches but no relation, the copied clusters and the repeated blocks."""

    groups: list[RelationGroup]
    related: list[PairDetail]
    unrelated: list[PairDetail]
    internal: list[PairDetail]
    copied: list[Cluster]
    scope: str
    filtered: bool


def select(report: Report, scope: str = "all", top: int | None = None, min_share: float | None = None) -> Selection:
    """The report as filtered by ``--scope``, ``--top`` (the N strongest relations) and ``--min-share``
    (relations where either document shares at least this much). Filtering by relation leaves out the
    pairs that have none."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    filtered = top is not None or min_share is not None
    cross = scope != "internal"
    relations = [r for r in report.relations if min_share is None or strength(r) >= min_share] if cross else []
    groups = ranked_groups(report, relations)
    if top is not None:
        groups = _first_relations(groups, top)
    by_pair = matches_by_pair(report)
    in_blocks = block_members(report)
    copied = copied_clusters(report) if cross else []
    copied_ids = {c.id for c in copied}
    related_pairs = [ranked.pair for group in groups for ranked in group.relations]
    related = [pair_detail(p, by_pair.get(p, ()), in_blocks, copied_ids) for p in related_pairs]
    known = {pair_key(r.source, r.copy) for r in report.relations}
    unrelated = [] if filtered or not cross else [
        pair_detail(p, found, in_blocks, copied_ids)
        for p, found in sorted(by_pair.items(), key=lambda item: (-len(item[1]), item[0]))
        if p[0] != p[1] and p not in known]
    internal = [] if scope == "cross" or filtered and scope == "all" else [
        pair_detail(p, found, in_blocks, set()) for p, found in sorted(by_pair.items()) if p[0] == p[1]]
    if filtered:
        copied_ids = {c for detail in related for c in detail.copied}
        copied = [c for c in copied if c.id in copied_ids]
    return Selection(groups, related, unrelated, internal, copied, scope, filtered)


def _first_relations(groups: list[RelationGroup], count: int) -> list[RelationGroup]:
    """The groups holding the ``count`` strongest relations, cut inside the last group if need be."""
    kept: list[RelationGroup] = []
    for group in groups:
        if count <= 0:
            break
        kept.append(RelationGroup(group.group, group.relations[:count]))
        count -= len(group.relations)
    return kept
