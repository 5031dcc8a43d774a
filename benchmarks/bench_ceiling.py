"""Ceiling: how far the hand labels of the dev corpus can be told apart by what two texts show.

    python -m benchmarks.bench_ceiling --full [REPORT.json]

A rule of :mod:`dedup.evidence` decides from what two stories share (distinctive, rare and name words,
quantities and whether they agree, how long a run of words is copied, how many shared word 3-grams no
other story holds, the dates, the headlines, the subjects). Before tuning such a rule for precision, this
measures the best any rule over those signals could do: two classifiers (logistic regression and
gradient-boosted trees) are trained on every labelled item of ``benchmarks/labels/`` (partial cross
matches, and document relations the report still holds) and scored by grouped 5-fold cross-validation
(the items of one pair of stories are never on both sides). Each table row keeps the items a classifier
scores at least a threshold and gives the precision of the kept items still reported and how many of
their true items it keeps. A precision target this table reaches only by dropping true items cannot be
met by tuning the rules over these signals. A last table gives how often two readers of one sample agree
(files whose records say ``"reader": "second"``, left out of the training).

REPORT is a ``dedup scan ../shared/corpora/reuters-dev.jsonl.gz --format json`` report of the code
measured; without it the scan is run. Writes ``benchmarks/results/ceiling.{json,md}``; there is no ``--quick`` mode (the labels are of the whole corpus).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks._harness import MODES, Result, Table
from benchmarks.bench_news import DEV_CORPUS, LABELS, MatchIndex, read_labels, scan
from dedup.dateline import DATELINE, DATELINE_CHARS
from dedup.dates import parse_date
from dedup.evidence import SpanEvidence, span_evidence, word_frequencies, word_hashes
from dedup.shingle import token_hashes
from dedup.sources import Document, read_documents
from dedup.subjects import keyed, lead_subject, other_subjects

THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9)
FOLDS = 5
LEAD_CHARS = 70  # a span starting this early is the story's lead (after headline and dateline)
RARE_HEADLINE_WORD = 20  # documents a shared headline word may be found in to count as rare
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Items:
    """Labelled items: each one's features, label, false class, whether the report still holds it, and its
    group (the pair of stories: the items of one pair are never on both sides of a fold)."""

    features: list[dict[str, float]]
    labels: list[bool]
    classes: list[str]
    reported: list[bool]
    groups: list[str]


class Corpus:
    """The dev corpus's stories with what the features read of them: word frequencies, which stories hold
    each word 3-gram, dates, headlines, datelines and lead subjects."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.position = {d.id: k for k, d in enumerate(documents)}
        self.texts = [d.text for d in documents]
        self.titles = [str(d.metadata.get("title", "")) for d in documents]
        self.dates = [parse_date(d.metadata.get("date")) for d in documents]
        self.frequencies = word_frequencies(self.texts)
        per_story = [trigrams(text) for text in self.texts]
        postings = np.concatenate(per_story)
        order = np.argsort(postings, kind="stable")
        self.posting_grams = postings[order]
        self.posting_stories = np.repeat(np.arange(len(per_story)), [len(g) for g in per_story])[order]
        self.grams, self.gram_counts = np.unique(self.posting_grams, return_counts=True)
        self.cities = [dateline_city(text) for text in self.texts]
        self.leads = keyed({k: lead_subject(text) for k, text in enumerate(self.texts)},
                           lambda words: self.frequencies.of(word_hashes(words)).tolist())

    def text(self, span: Mapping[str, Any]) -> str:
        return self.texts[self.position[span["doc"]]][span["start"]:span["end"]]

    def holding(self, grams: np.ndarray) -> np.ndarray:
        where = np.minimum(np.searchsorted(self.grams, grams), len(self.grams) - 1)
        return np.where(self.grams[where] == grams, self.gram_counts[where], 0)

    def family(self, grams: np.ndarray, pair: tuple[str, str]) -> int:
        """How many other stories than the ``pair`` (ids) hold at least half of ``grams``: a stock clause's
        family is large, a copy's is the story line's."""
        if not len(grams):
            return 0
        starts = np.searchsorted(self.posting_grams, grams, side="left")
        ends = np.searchsorted(self.posting_grams, grams, side="right")
        stories = self.posting_stories[np.concatenate([np.arange(x, y) for x, y in zip(starts, ends)])]
        counts = np.bincount(stories, minlength=len(self.texts))
        counts[[self.position[doc] for doc in pair]] = 0
        return int((counts * 2 >= len(grams)).sum())

    def pair_features(self, a: str, b: str) -> dict[str, float]:
        """What two stories (by id) are: days apart, other subjects, headline words, the same dateline city."""
        first, other = self.position[a], self.position[b]
        dated = self.dates[first] and self.dates[other]
        headlines = set(words(self.titles[first])), set(words(self.titles[other]))
        shared = [w for w in headlines[0] & headlines[1] if not w.isdigit()]
        held = self.frequencies.of(word_hashes(shared)) if shared else np.empty(0)
        return {"days apart": abs((self.dates[first] - self.dates[other]).total_seconds()) / 86400 if dated else -1,
                "other subjects": float(other_subjects(self.leads[first], self.leads[other])),
                "headline words": len(shared), "rare headline words": int((held <= RARE_HEADLINE_WORD).sum()),
                "headline overlap": len(shared) / max(1, len(headlines[0] | headlines[1])),
                "same dateline city": float(self.cities[first] is not None and self.cities[first] == self.cities[other])}


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def dateline_city(text: str) -> str | None:
    found = DATELINE.search(text[:DATELINE_CHARS])
    return found.group(0).split(",", 1)[0].strip().lower() if found else None


def trigrams(text: str) -> np.ndarray:
    """A text's distinct word 3-grams (numbers masked, as the shingles mask them), hashed."""
    hashes, _ = token_hashes([text])
    if len(hashes) < 3:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return np.unique(hashes[:-2] * np.uint64(1_000_003) + hashes[1:-1] * np.uint64(7919) + hashes[2:])


def span_features(corpus: Corpus, a: str, b: str, found: SpanEvidence, pair: tuple[str, str]) -> dict[str, float]:
    """What two spans of the stories ``pair`` share, as :mod:`dedup.evidence` reads it and beyond: copied runs,
    the 3-grams few stories hold, and how many other stories hold them."""
    first, other = words(a), words(b)
    blocks = SequenceMatcher(None, first, other, autojunk=False).get_matching_blocks()
    common = np.intersect1d(trigrams(a), trigrams(b))
    holding = corpus.holding(common)
    return {"distinctive": len(found.distinctive), "names": len(found.names), "rare": found.rare,
            "precise": found.precise, "shared words": found.shared_words, "figures agree": float(found.figures_agree),
            "quantities a": len(found.a_quantities), "quantities b": len(found.b_quantities),
            "quantities shared": len(found.a_quantities & found.b_quantities),
            "longest copied run": max((x.size for x in blocks), default=0),
            "copied share": sum(x.size for x in blocks if x.size >= 3) / max(1, min(len(first), len(other))),
            "words a": len(first), "words b": len(other), "shared 3-grams": len(common),
            "3-grams only these two hold": int((holding <= 2).sum()), "3-grams at most five hold": int((holding <= 5).sum()),
            "other stories holding half of them": corpus.family(common, pair)}


def match_items(corpus: Corpus, labels: Mapping[str, Sequence[Mapping[str, Any]]],
                report: Mapping[str, Any]) -> Items:
    """Every distinct labelled partial cross match."""
    items = {}
    for records in labels.values():
        for r in records:
            if r.get("kind") == "partial" and r.get("scope") == "cross" and all(
                    side["doc"] in corpus.position for side in (r["a"], r["b"])):
                items[(r["a"]["doc"], r["a"]["start"], r["a"]["end"], r["b"]["doc"], r["b"]["start"], r["b"]["end"])] = r
    records = list(items.values())
    texts = [(corpus.text(r["a"]), corpus.text(r["b"])) for r in records]
    reported = MatchIndex(report["matches"])
    shares = {frozenset((r["source"], r["copy"])): (r["source_in_copy"], r["copy_in_source"]) for r in report["relations"]}
    features = []
    for r, (a, b), found in zip(records, texts, span_evidence(texts, corpus.frequencies)):
        pair = (r["a"]["doc"], r["b"]["doc"])
        share = shares.get(frozenset(pair), (0.0, 0.0))
        features.append({**span_features(corpus, a, b, found, pair), **corpus.pair_features(*pair),
                         "lead": float(r["a"]["start"] < LEAD_CHARS and r["b"]["start"] < LEAD_CHARS),
                         "span starts, share of a": r["a"]["start"] / max(1, len(corpus.texts[corpus.position[pair[0]]])),
                         "span starts, share of b": r["b"]["start"] / max(1, len(corpus.texts[corpus.position[pair[1]]])),
                         "larger share of the pair": max(share), "smaller share of the pair": min(share)})
    return Items(features, [r["label"] == "true" for r in records], [r.get("class") or "" for r in records],
                 [reported.reports(r) for r in records], ["|".join(sorted((r["a"]["doc"], r["b"]["doc"]))) for r in records])


def relation_items(corpus: Corpus, labels: Mapping[str, Sequence[Mapping[str, Any]]],
                   report: Mapping[str, Any]) -> Items:
    """Every distinct labelled relation the report still holds: features of the relation and its matches."""
    held = {(r["source"], r["copy"]): r for r in report["relations"]}
    between: dict[frozenset[str], list[Mapping[str, Any]]] = {}
    for m in report["matches"]:
        if m["scope"] == "cross":
            between.setdefault(frozenset((m["a"]["doc"], m["b"]["doc"])), []).append(m)
    items = {(r["source"], r["copy"]): r for records in labels.values() for r in records
             if r.get("sample") == "relations" and (r["source"], r["copy"]) in held
             and between.get(frozenset((r["source"], r["copy"])))}
    features = []
    for (source, copy), r in items.items():
        relation, found = held[source, copy], between[frozenset((source, copy))]
        spans = [span_features(corpus, m["a"]["text"], m["b"]["text"], e, (source, copy))
                 for m, e in zip(found, span_evidence([(m["a"]["text"], m["b"]["text"]) for m in found],
                                                      corpus.frequencies))]
        strongest = {name: max(s[name] for s in spans) for name in spans[0]}
        features.append({**strongest, **corpus.pair_features(source, copy),
                         "version": float(relation["kind"] == "version"),
                         "duplicate": float(relation["kind"] == "duplicate"),
                         "source in copy": relation["source_in_copy"], "copy in source": relation["copy_in_source"],
                         "matches": len(found), "best similarity": max(m["similarity"] for m in found)})
    return Items(features, [r["label"] == "true" for r in items.values()],
                 [r.get("class") or "" for r in items.values()], [True] * len(items), ["|".join(sorted(key)) for key in items])


def ceiling_rows(items: Items) -> list[list[object]]:
    """Per classifier and threshold: kept items, their precision, true items kept and the classes of the
    false ones kept (of the items still reported)."""
    names = list(items.features[0])
    x = np.array([[f[name] for name in names] for f in items.features], dtype=float)
    y, now = np.array(items.labels), np.array(items.reported)
    group_ids = np.unique(items.groups, return_inverse=True)[1]

    def false_kept(kept: np.ndarray) -> str:
        found = Counter(c for c, keep, true in zip(items.classes, kept, y) if keep and not true)
        return ", ".join(f"{c} {n}" for c, n in found.most_common())

    models = {"logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
              "gradient-boosted trees": HistGradientBoostingClassifier(max_depth=3, learning_rate=0.05,
                                                                      max_iter=200)}
    rows: list[list[object]] = [["none (the report)", "–", int(now.sum()), round(float(y[now].mean()), 3),
                                 f"{int((y & now).sum())} of {int((y & now).sum())}", false_kept(now)]]
    for name, model in models.items():
        scores = cross_val_predict(model, x, y, cv=GroupKFold(FOLDS), groups=group_ids, method="predict_proba")[:, 1]
        for threshold in THRESHOLDS:
            kept = now & (scores >= threshold)
            rows.append([name, threshold, int(kept.sum()), round(float(y[kept].mean()), 3) if kept.any() else None,
                         f"{int((y & kept).sum())} of {int((y & now).sum())}", false_kept(kept)])
    return rows


def first_readings(labels: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, Sequence[Mapping[str, Any]]]:
    """The label files of a first reading (a second reader's file re-reads a sample, blind, to measure agreement)."""
    return {name: records for name, records in labels.items() if records and records[0].get("reader") != "second"}


def item_key(record: Mapping[str, Any]) -> tuple[object, ...] | None:
    """A labelled match's spans or a labelled relation's stories; None for other labels."""
    if "a" in record and "b" in record:
        return tuple((side["doc"], side["start"], side["end"]) for side in (record["a"], record["b"]))
    if "source" in record and "copy" in record:
        return record["source"], record["copy"]
    return None


def agreement_rows(labels: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[list[object]]:
    """Per second reading: the sample, how many items both readers label alike, and each reader's true count."""
    first = {(r["sample"], r.get("commit"), item_key(r)): r for records in first_readings(labels).values()
             for r in records if item_key(r) is not None}
    rows: list[list[object]] = []
    for name, records in labels.items():
        if not records or records[0].get("reader") != "second":
            continue
        pairs = [(first[r["sample"], r["commit"], item_key(r)], r) for r in records
                 if (r["sample"], r["commit"], item_key(r)) in first]
        rows.append([name, records[0]["sample"], len(pairs), sum(a["label"] == b["label"] for a, b in pairs),
                     sum(a["label"] == "true" for a, _ in pairs), sum(b["label"] == "true" for _, b in pairs),
                     sum(b.get("confidence") == "unsure" for _, b in pairs)])
    return rows


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--full", action="store_true", help="the only mode: the whole dev corpus")
    parser.add_argument("report", nargs="?", type=Path, help="a JSON scan report of the dev corpus (default: scan it)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    result = Result("ceiling", MODES["full"])
    if not DEV_CORPUS.exists():
        sys.exit(f"bench_ceiling: {DEV_CORPUS}: no such file (the labels are of the dev corpus)")
    documents = read_documents([DEV_CORPUS])
    if args.report:
        report = json.loads(args.report.read_text())
    else:
        with tempfile.TemporaryDirectory() as folder:
            scan(DEV_CORPUS, Path(folder) / "report.json", MODES["full"])
            report = json.loads((Path(folder) / "report.json").read_text())
    corpus = Corpus(documents)
    labels = read_labels(sorted(LABELS.glob("*.jsonl")))
    first = first_readings(labels)
    columns = ["classifier", "threshold", "kept", "precision", "true kept", "false kept, by class"]
    result.params = {"corpus": str(DEV_CORPUS), "folds": FOLDS, "report": str(args.report or "scanned with this checkout")}
    result.tables += [
        Table("partial cross matches: every labelled one", columns, ceiling_rows(match_items(corpus, first, report)),
              ["kept, precision, true kept: of the labelled items this report still reports"]),
        Table("document relations: every labelled one the report holds", columns,
              ceiling_rows(relation_items(corpus, first, report))),
        Table("two readers of one sample", ["second reading", "sample", "items", "labelled alike",
                                            "true (first reader)", "true (second reader)", "second reader unsure"],
              agreement_rows(labels), ["the second reader read the same items blind: the noise in a precision "
                                       "measured by reading"]),
    ]
    result.write()


if __name__ == "__main__":
    main()
