"""Document view: how much of each document is reused from another, and runs of repeated paragraphs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from dedup.model import Cluster, DocumentOverlap, Match, Passage, RepeatedBlock

# A cluster spread over more documents than this contributes only its member -> representative pairs,
# so a boilerplate paragraph in 10,000 files does not produce 50 million document pairs.
MAX_PAIRWISE_DOCS = 100


def document_overlaps(clusters: Sequence[Cluster], matches: Sequence[Match],
                      text_chars: Sequence[int]) -> list[DocumentOverlap]:
    """Share of each document's characters (in paragraphs) found in the other, for every pair that
    shares at least one cluster or passage. ``text_chars[d]`` is the paragraph text length of d."""
    spans: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for cluster in clusters:
        docs = {m.doc for m in cluster.members}
        if len(docs) < 2:
            continue
        pairwise = len(docs) <= MAX_PAIRWISE_DOCS
        for member in cluster.members:
            others = docs if pairwise else {cluster.representative.doc}
            for other in others:
                if other != member.doc:
                    spans[(member.doc, other)].append((member.start, member.end))
                    if not pairwise:
                        rep = cluster.representative
                        spans[(other, member.doc)].append((rep.start, rep.end))
    for match in matches:
        if match.scope == "cross":
            spans[(match.a.doc, match.b.doc)].append((match.a.start, match.a.end))
            spans[(match.b.doc, match.a.doc)].append((match.b.start, match.b.end))
    covered = {key: _covered(intervals) for key, intervals in spans.items()}
    pairs = sorted({(min(a, b), max(a, b)) for a, b in covered})
    return [
        DocumentOverlap(a, b, _share(covered.get((a, b), 0), text_chars[a]), _share(covered.get((b, a), 0), text_chars[b]))
        for a, b in pairs
    ]


def _covered(intervals: list[tuple[int, int]]) -> int:
    total, reach = 0, -1
    for start, end in sorted(intervals):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def _share(chars: int, total: int) -> float:
    return min(chars / total, 1.0) if total else 0.0


def repeated_blocks(matches: Sequence[Match], paragraph_index: dict[Passage, int]) -> list[RepeatedBlock]:
    """Runs of paragraph matches that are consecutive on both sides, e.g. lines 9-15 repeating 2-8."""
    candidates = sorted(
        (m for m in matches if m.kind in ("exact", "near") and m.a in paragraph_index and m.b in paragraph_index),
        key=lambda m: (m.b.doc, m.a.doc, paragraph_index[m.b]),
    )
    blocks: list[RepeatedBlock] = []
    run: list[Match] = []
    for match in candidates:
        if run and _continues(run[-1], match, paragraph_index):
            run.append(match)
            continue
        if run:
            blocks.append(_block(run))
        run = [match]
    if run:
        blocks.append(_block(run))
    return [b for b in blocks if b.count > 1]


def _continues(previous: Match, match: Match, index: dict[Passage, int]) -> bool:
    return (match.a.doc == previous.a.doc and match.b.doc == previous.b.doc
            and index[match.b] == index[previous.b] + 1 and index[match.a] == index[previous.a] + 1)


def _block(run: list[Match]) -> RepeatedBlock:
    first, last = run[0], run[-1]
    kind = "exact" if all(m.kind == "exact" for m in run) else "near"
    a = Passage(first.a.doc, first.a.start, last.a.end, first.a.line, last.a.end_line)
    b = Passage(first.b.doc, first.b.start, last.b.end, first.b.line, last.b.end_line)
    return RepeatedBlock(kind, a, b, len(run))
