"""Stream: the pre-ingest check as a newsroom runs it, on a real wire in date order.

The stories of a news JSONL (by default the dev corpus) are put in date order; the first ``--stored``
are stored in a fresh index, and each of the next ``--checked`` is checked against it one by one, as a
pipeline checks an incoming article before ingest (checks do not store: every check sees the same
index). The table gives the verdicts by kind, the seconds per check, and, from hand labels, how many
verdicts other than ``new`` name a stored story of the same story line, and whether the updates and
corrections among the checked stories are flagged.

Labels (``benchmarks/labels/stream-*.jsonl``, no story text): ``{"sample": "stream", "incoming": id,
"stored": id, "verdict": ..., "label": "true"|"false", "reason": ...}`` for a verdict read by hand (true
when the first stored story it names is of the incoming story's story line), and ``{"sample":
"stream-updates", "incoming": id, "stored": id, "label": "update"|"correction", "reason": ...}`` for an
incoming story that updates or corrects a stored one. A verdict label counts when the current run gives
the same verdict naming the same first stored story; an update counts as flagged when the incoming
story's verdict is not ``new`` and names that stored story among its matches.

``--quick`` stores 600 stories and checks the next 40, so CI runs it in seconds.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._harness import MODES, Result, Table
from benchmarks.bench_news import DEV_CORPUS, LABELS, news_corpus, read_labels
from dedup.dates import document_dates, time_order
from dedup.index import Index
from dedup.sources import Document

STORED = {"quick": 600, "full": 6000}
CHECKED = {"quick": 40, "full": 400}


def in_date_order(documents: Sequence[Document]) -> list[Document]:
    """Stories in the scan's time order (:func:`dedup.dates.time_order`: by date, ties in corpus order,
    undated stories last)."""
    rank = time_order(document_dates(documents))
    return [documents[i] for i in np.argsort(rank, kind="stable")]


def run_stream(stored: Sequence[Document], checked: Sequence[Document], index_path: Path) -> list[dict[str, Any]]:
    """Store ``stored``, then check each of ``checked``: one row per check (id, verdict, matches, seconds)."""
    with Index.create(index_path) as index:
        index.add_many((d.id, d.text, {"date": d.metadata.get("date"), "title": d.metadata.get("title")})
                       for d in stored)
        rows = []
        for document in checked:
            started = time.perf_counter()
            found = index.check(document.text, date=document.metadata.get("date"))
            rows.append({"incoming": document.id, "verdict": found.verdict,
                         "matches": [{"id": m.id, "relation": m.relation, "similarity": round(m.similarity, 4)}
                                     for m in found.matches],
                         "conflicting": [{"id": m.id, "conflicts": [c.counts for c in m.conflicts]}
                                         for m in found.conflicting_reports],
                         "seconds": time.perf_counter() - started})
    return rows


def verdict_rows(rows: Sequence[Mapping[str, Any]]) -> list[list[object]]:
    counts = Counter(row["verdict"] for row in rows)
    return [[verdict, count] for verdict, count in sorted(counts.items())]


def timing_row(rows: Sequence[Mapping[str, Any]]) -> list[object]:
    seconds = sorted(row["seconds"] for row in rows)
    if not seconds:
        return [0, None, None, None]
    return [len(seconds), round(seconds[len(seconds) // 2] * 1000, 1),
            round(seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))] * 1000, 1), round(seconds[-1] * 1000, 1)]


def labelled_verdicts(records: Iterable[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]]) -> list[object]:
    """``[labels, still given, true, false, share true]`` over the verdict labels this run still gives."""
    given = {(row["incoming"], row["verdict"], row["matches"][0]["id"]) for row in rows if row["matches"]}
    records = [r for r in records if r.get("sample") == "stream"]
    current = [r for r in records if (r["incoming"], r["verdict"], r["stored"]) in given]
    true = sum(r["label"] == "true" for r in current)
    false = len(current) - true
    share = round(true / len(current), 3) if current else None
    return [len(records), len(current), true, false, share]


def flagged_updates(records: Iterable[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]]) -> list[object]:
    """``[updates labelled, in this run, flagged]``: an update is flagged when its check names the story it updates."""
    by_id = {row["incoming"]: row for row in rows}
    updates = [r for r in records if r.get("sample") == "stream-updates"]
    present = [r for r in updates if r["incoming"] in by_id]
    flagged = sum(by_id[r["incoming"]]["verdict"] != "new"
                  and any(m["id"] == r["stored"] for m in by_id[r["incoming"]]["matches"]) for r in present)
    return [len(updates), len(present), flagged]


def conflicting_row(rows: Sequence[Mapping[str, Any]]) -> list[object]:
    """``[checks naming a conflicting report, reports named, counts in conflict]``."""
    named = [m for row in rows for m in row.get("conflicting", ())]
    return [sum(bool(row.get("conflicting")) for row in rows), len(named), sum(len(m["conflicts"]) for m in named)]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", dest="mode", action="store_const", const="quick",
                       help=f"store {STORED['quick']} stories, check {CHECKED['quick']} (CI; the default)")
    group.add_argument("--full", dest="mode", action="store_const", const="full",
                       help=f"store {STORED['full']} stories, check {CHECKED['full']}")
    parser.add_argument("corpus", nargs="?", type=Path, help=f"a news JSONL with dates (default: {DEV_CORPUS})")
    parser.add_argument("--verdicts", type=Path, help="also write every check's verdict to this JSON file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    mode = MODES[args.mode or "quick"]
    result = Result("stream", mode)
    found = news_corpus(args.corpus, result)
    if found is None:
        return
    corpus, documents = found[0], in_date_order(found[1])
    stored, checked = documents[:STORED[mode.name]], documents[STORED[mode.name]:][:CHECKED[mode.name]]
    with tempfile.TemporaryDirectory() as folder:
        rows = run_stream(stored, checked, Path(folder) / "stream.db")
    if args.verdicts:
        args.verdicts.write_text(json.dumps(rows, indent=1) + "\n")
    label_files = read_labels(sorted(LABELS.glob("stream-*.jsonl")))
    labels = [r for records in label_files.values() for r in records]
    result.params = {"corpus": str(corpus), "stored": len(stored), "checked": len(checked),
                     "first checked": checked[0].id if checked else None}
    result.tables += [
        Table("verdicts", ["verdict", "checks"], verdict_rows(rows)),
        Table("milliseconds per check", ["checks", "median", "p95", "max"], [timing_row(rows)]),
        Table("verdicts read by hand (other than new)",
              ["file", "labelled", "given now", "true", "false", "share true"],
              [[name, *labelled_verdicts(records, rows)] for name, records in label_files.items()
               if any(r.get("sample") == "stream" for r in records)],
              ["true: the first stored story the verdict names is of the incoming story's story line",
               "given now: the label's verdict and first stored story are this run's"]),
        Table("updates and corrections among the checked", ["labelled", "checked in this run", "flagged"],
              [flagged_updates(labels, rows)]),
        Table("conflicting reports (stored reports of the event that share no passage and give other counts)",
              ["checks naming one", "reports named", "counts in conflict"], [conflicting_row(rows)]),
    ]
    result.write()


if __name__ == "__main__":
    main()
