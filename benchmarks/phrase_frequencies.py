"""Phrases: can the document frequency of shared word n-grams tell reuse from template text?

For every cross match labelled by hand (``benchmarks/labels/*.jsonl``) that a scan report still
reports, the word n-grams both spans hold (3-grams as the sentence level shingles, 5-grams as the
paragraph level; numbers masked or as written) and how many documents of the corpus hold each
(3-grams counted over sentences, 5-grams over paragraphs, so no n-gram spans two segments). A
phrase is **own** when at most ``T`` documents hold it, **template** when more than ``H`` do.

Prints the separation tables: how many items labelled true a rule keeps and how many labelled false
it drops, per match and pooled over every match the report has between the item's two documents (as
the evidence rule pools them), and the best rules that lose at most a few true items. Then the same
items by the hours between their two stories' dates: stories days apart, alone, with no own phrase
(3-grams as written, in at most 3 documents), or with figures that changed (both spans quote
quantities and the side quoting fewer has one the other lacks).

    python -m benchmarks.phrase_frequencies /tmp/report.json [corpus]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.bench_news import DEV_CORPUS, LABELS, MatchIndex, read_labels, span_key
from dedup.evidence import _same_figures, quantities
from dedup.segment import SegmentTable, segment_documents
from dedup.shingle import shingle_sets
from dedup.sources import InputError, read_documents

LEVELS = ((3, "sentence"), (5, "paragraph"))
OWN_LIMITS = (2, 3, 5, 10, 20)
NEEDED = (1, 2, 3, 4, 6, 8, 10, 15)
TEMPLATE_LIMITS = (20, 50, 95, 200)
TEMPLATE_SHARES = (0.0, 0.2, 0.3, 0.5)
HOURS_APART = (12, 24, 48, 72, 96)
Item = Mapping[str, Any]


class PhraseFrequencies:
    """How many documents hold each n-gram of one size and masking, counted over one segment level."""

    def __init__(self, texts: Sequence[str], table: SegmentTable, k: int, figures: bool) -> None:
        sets = shingle_sets(list(table.text_view(texts)), k, figures=figures)
        docs = np.repeat(np.asarray(table.doc, dtype=np.int64), np.diff(sets.offsets))
        order = np.lexsort((docs, sets.hashes))
        phrases, docs = sets.hashes[order], docs[order]
        first = np.ones(len(phrases), dtype=bool)
        first[1:] = (phrases[1:] != phrases[:-1]) | (docs[1:] != docs[:-1])
        self.phrases, self.counts = np.unique(phrases[first], return_counts=True)
        self.k, self.figures = k, figures

    def shared(self, pairs: Iterable[tuple[str, str]]) -> np.ndarray:
        """The document frequencies of the distinct n-grams both texts of any pair hold."""
        found = []
        for a, b in pairs:
            sets = shingle_sets([a, b], self.k, figures=self.figures)
            found.append(np.intersect1d(sets.get(0), sets.get(1)))
        phrases = np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.uint64)
        if not len(phrases) or not len(self.phrases):
            return np.zeros(len(phrases), dtype=np.int64)
        position = np.minimum(np.searchsorted(self.phrases, phrases), len(self.phrases) - 1)
        return np.where(self.phrases[position] == phrases, self.counts[position], 0)


def labelled_matches(labels: Mapping[str, Sequence[Item]]) -> list[Item]:
    """Cross-match labels, one per span pair (the latest sample's, by file name, wins)."""
    items: dict[tuple, Item] = {}
    for name in sorted(labels, key=lambda n: (not n.startswith("dev-before"), n)):
        for record in labels[name]:
            if str(record.get("sample", "")).endswith("-cross") and "a" in record:
                items[span_key(record)] = record
    return list(items.values())


def separation(frequencies: Sequence[np.ndarray], truth: Sequence[bool]) -> list[tuple[int, int, int, int]]:
    """Per rule "at least ``need`` own phrases (in at most ``limit`` documents)": (limit, need, true kept,
    false dropped)."""
    rows = []
    for limit, need in itertools.product(OWN_LIMITS, NEEDED):
        kept = [int((found <= limit).sum()) >= need for found in frequencies]
        rows.append((limit, need, sum(k for k, t in zip(kept, truth) if t),
                     sum(not k for k, t in zip(kept, truth) if not t)))
    return rows


def cautious_rules(frequencies: Sequence[np.ndarray], truth: Sequence[bool]) -> dict[int, tuple]:
    """For each number of true items lost (0-3), the rule "fewer than ``need`` own phrases and at least
    ``share`` of the shared phrases template" that drops the most false items."""
    best: dict[int, tuple] = {}
    for limit, need, template, share in itertools.product(OWN_LIMITS, NEEDED, TEMPLATE_LIMITS, TEMPLATE_SHARES):
        dropped = [len(found) > 0 and (found <= limit).sum() < need and (found > template).mean() >= share
                   for found in frequencies]
        lost = sum(d for d, t in zip(dropped, truth) if t)
        gained = sum(d for d, t in zip(dropped, truth) if not t)
        if lost <= 3 and gained > best.get(lost, (0,))[0]:
            best[lost] = (gained, limit, need, template, share)
    return best


def hours_between(first: str, second: str) -> float:
    """Hours between two wire dates ("2-MAR-1987 12:27:27.54")."""
    def parse(date: str) -> datetime:
        return datetime.strptime(date.split(".")[0].title(), "%d-%b-%Y %H:%M:%S")
    return abs((parse(first) - parse(second)).total_seconds()) / 3600


def figures_changed(a: str, b: str) -> bool:
    """Both spans quote quantities and the side quoting fewer has one the other lacks."""
    first, other = quantities(a), quantities(b)
    return bool(first and other) and not _same_figures(first, other)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("report", type=Path, help="a scan's JSON report of the corpus")
    parser.add_argument("corpus", nargs="?", type=Path, default=DEV_CORPUS)
    args = parser.parse_args(argv)
    try:
        documents = read_documents([args.corpus])
        report = json.loads(args.report.read_text())
    except (InputError, OSError, json.JSONDecodeError) as exc:
        sys.exit(f"phrase_frequencies: {exc}")
    texts = [d.text for d in documents]
    position = {d.id: i for i, d in enumerate(documents)}
    paragraphs, sentences = segment_documents(texts)
    tables = {"sentence": sentences, "paragraph": paragraphs}
    index = MatchIndex(m for m in report["matches"] if m["scope"] == "cross")
    items = [r for r in labelled_matches(read_labels(sorted(LABELS.glob("*.jsonl"))))
             if r["a"]["doc"] in position and r["b"]["doc"] in position and index.reports(r)]
    truth = [r["label"] == "true" for r in items]
    print(f"{len(items)} labelled cross matches still reported: {sum(truth)} true, {len(truth) - sum(truth)} false")

    def span(side: Item) -> str:
        return texts[position[side["doc"]]][side["start"]:side["end"]]

    own_phrases: list[np.ndarray] = []
    for (k, level), figures in itertools.product(LEVELS, (False, True)):
        phrases = PhraseFrequencies(texts, tables[level], k, figures)
        per_match = [phrases.shared([(span(r["a"]), span(r["b"]))]) for r in items]
        pooled = [phrases.shared((span(m["a"]), span(m["b"]))
                                 for m in index.by_pair[frozenset((r["a"]["doc"], r["b"]["doc"]))]) for r in items]
        if (k, figures) == (3, True):
            own_phrases = pooled
        print(f"\n{k}-grams over {level}s, numbers {'as written' if figures else 'masked'}")
        print("own <= T  need  | per match: true kept  false dropped | pooled: true kept  false dropped")
        for (limit, need, kept, dropped), (_, _, pooled_kept, pooled_dropped) in zip(
                separation(per_match, truth), separation(pooled, truth)):
            print(f"{limit:>9} {need:>5}  | {kept:>20} {dropped:>14} | {pooled_kept:>17} {pooled_dropped:>14}")
        for lost, (gained, limit, need, template, share) in sorted(cautious_rules(pooled, truth).items()):
            print(f"pooled, {lost} true lost: {gained} false dropped by fewer than {need} own (<= {limit}) "
                  f"and >= {share:.0%} template (> {template} documents)")

    dates = {d.id: d.metadata.get("date") for d in documents}
    if not all(dates[r[side]["doc"]] for r in items for side in "ab"):
        return
    hours = [hours_between(dates[r["a"]["doc"]], dates[r["b"]["doc"]]) for r in items]
    changed = [figures_changed(span(r["a"]), span(r["b"])) for r in items]
    no_own = [not (found <= 3).any() for found in own_phrases]
    print("\nhours apart >=  | apart: true lost  false dropped | and no own phrase: lost  dropped "
          "| and figures changed: lost  dropped")
    for apart in HOURS_APART:
        far = [h >= apart for h in hours]
        row = [apart]
        for rule in (far, [f and n for f, n in zip(far, no_own)], [f and c for f, c in zip(far, changed)]):
            row += [sum(d and t for d, t in zip(rule, truth)), sum(d and not t for d, t in zip(rule, truth))]
        print("{:>15}  | {:>15} {:>14} | {:>22} {:>8} | {:>25} {:>8}".format(*row))


if __name__ == "__main__":
    main()
