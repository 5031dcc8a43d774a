"""True sources on the dev corpus: reuse that runs backwards in time, clusters that chain, and the matches
whose source changed between two scan reports.

    python -m benchmarks.measure_sources BEFORE.json AFTER.json [--sample 20] [--show]

BEFORE and AFTER are ``dedup scan ../shared/corpora/reuters-dev.jsonl.gz --format json`` reports of two
commits. The verified pairs (paragraph and sentence level) are recomputed with this checkout's stages, which
find and verify candidates as the commits being compared do. ``--show`` prints the drawn matches with their
old and new source, for reading (the corpus text is printed, never written).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from dedup import matches as match_stages
from dedup.dates import document_dates
from dedup.pipeline import analyze
from dedup.sources import read_documents

REPO = Path(__file__).resolve().parent.parent
DEV_CORPUS = REPO.parent / "shared" / "corpora" / "reuters-dev.jsonl.gz"
SEED = 20261202
Span = tuple[str, int, int]


def verified_links(documents: Sequence[Any]) -> dict[str, tuple[dict[Span, int], set[tuple[int, int]]]]:
    """Per level: each segment's group of identical segments, and the verified pairs between groups."""
    captured: list[tuple[Any, np.ndarray, np.ndarray]] = []
    original = match_stages.linked_to_sources

    def capture(table, doc_rank, identical, verified):  # type: ignore[no-untyped-def]
        captured.append((table, identical, verified.pairs))
        return original(table, doc_rank, identical, verified)

    match_stages.linked_to_sources = capture
    try:
        analyze(documents)
    finally:
        match_stages.linked_to_sources = original
    links = {}
    for level, (table, identical, pairs) in zip(("paragraph", "sentence"), captured):
        group = np.arange(len(table))
        group[identical[:, 1]] = identical[:, 0]
        ids = [d.id for d in documents]
        spans = {(ids[doc], start, end): int(g) for doc, start, end, g in
                 zip(table.doc.tolist(), table.start.tolist(), table.end.tolist(), group.tolist())}
        links[level] = (spans, {(int(a), int(b)) for a, b in pairs} | {(int(b), int(a)) for a, b in pairs})
    return links


def linked(level: tuple[dict[Span, int], set[tuple[int, int]]], x: Span, y: Span) -> bool:
    spans, pairs = level
    gx, gy = spans.get(x), spans.get(y)
    return gx is not None and gy is not None and (gx == gy or (gx, gy) in pairs)


def chained(report: Mapping[str, Any], links: Mapping[str, Any]) -> tuple[int, int, int]:
    """(clusters, clusters with a member not verified against the representative, such members)."""
    bad_clusters = bad_members = 0
    for cluster in report["clusters"]:
        level = links[cluster["level"]]
        rep = cluster["representative"]
        head = (rep["doc"], rep["start"], rep["end"])
        unlinked = sum(not linked(level, head, (m["doc"], m["start"], m["end"])) for m in cluster["members"]
                       if (m["doc"], m["start"], m["end"]) != head)
        bad_clusters += unlinked > 0
        bad_members += unlinked
    return len(report["clusters"]), bad_clusters, bad_members


def backwards(report: Mapping[str, Any], dates: Mapping[str, datetime | None]) -> tuple[int, int]:
    """(cross matches between dated documents, those whose ``a`` is dated after its ``b``)."""
    dated = [m for m in report["matches"] if m["scope"] == "cross"
             and dates[m["a"]["doc"]] is not None and dates[m["b"]["doc"]] is not None]
    return len(dated), sum(dates[m["a"]["doc"]] > dates[m["b"]["doc"]] for m in dated)


def span(side: Mapping[str, Any]) -> Span:
    return (side["doc"], side["start"], side["end"])


def source_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[tuple[dict[str, Any], list[Span]]]:
    """Cross matches of ``after`` whose copy (``b``) was matched in ``before``, but never to this source."""
    partners: dict[Span, set[Span]] = defaultdict(set)
    for m in before["matches"]:
        partners[span(m["a"])].add(span(m["b"]))
        partners[span(m["b"])].add(span(m["a"]))
    return [(m, sorted(partners[span(m["b"])])) for m in after["matches"]
            if m["scope"] == "cross" and span(m["b"]) in partners and span(m["a"]) not in partners[span(m["b"])]]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args(argv)
    documents = read_documents([DEV_CORPUS])
    dates = dict(zip((d.id for d in documents), document_dates(documents)))
    texts = {d.id: d.text for d in documents}
    links = verified_links(documents)
    reports = {"before": json.loads(args.before.read_text()), "after": json.loads(args.after.read_text())}
    for name, report in reports.items():
        total, wrong = backwards(report, dates)
        clusters, bad, members = chained(report, links)
        print(f"{name}: cross matches between dated documents {total}, backwards in time {wrong} "
              f"({wrong / max(total, 1):.1%}); clusters {clusters}, chained {bad} "
              f"({members} members with no verified link to the cluster's source)")
    changed = source_changes(reports["before"], reports["after"])
    drawn = random.Random(SEED).sample(range(len(changed)), min(args.sample, len(changed)))
    print(f"cross matches whose source changed: {len(changed)}; drawn (seed {SEED}): {sorted(drawn)}")
    for k in sorted(drawn):
        match, old = changed[k]
        print(json.dumps({"item": k, "kind": match["kind"], "a": dict(zip(("doc", "start", "end"), span(match["a"]))),
                          "b": dict(zip(("doc", "start", "end"), span(match["b"]))),
                          "old": [dict(zip(("doc", "start", "end"), s)) for s in old]}))
        if args.show:
            for label, (doc, start, end) in [("NEW a", span(match["a"])), ("b", span(match["b"])),
                                             *(("OLD", s) for s in old)]:
                print(f"  {label} doc {doc} {dates[doc]} {texts[doc][:60]!r}")
                print(f"      {texts[doc][start:end]!r}")


if __name__ == "__main__":
    main()
