"""Quality: does the scan find the near-copies it should, and only those?

The scan is ``dedup.analyze`` with the default ``ScanConfig`` (diffs off: they do not change what
is matched). A pair of paragraphs counts as *found* when the paragraph level (candidates, verification)
joins them, directly or through other paragraphs: what this benchmark measures is whether the MinHash and
LSH stages find the near-copies. What the editorial rules then keep is counted beside it as *reported*: the
report's exact and near matches join the pair (each copy is matched to its source only, and boilerplate
and copies without evidence of reuse between two documents are not reported, by design).

* Planted recall: the generated corpus's planted copies, by edit kind and by design similarity (the
  exact Jaccard the edits were spaced to give, see ``benchmarks.corpora``); the target counts copies
  designed at threshold + 0.1 or more. The LSH S-curve ``1 - (1 - s**rows)**bands`` at each
  similarity is shown next to it: the share a single band lookup is expected to find.
* All-pairs recall: every pair with exact Jaccard >= threshold + 0.1 among a sample of paragraphs
  (brute force: a sparse product of the sample's shingle-incidence matrix), on the Debian corpus
  (real reuse) and on the generated corpus (the sample there is half planted pairs, so it has positives).
* Precision: every reported exact/near paragraph match re-checked by exact Jaccard of its shingle
  sets, computed here with ``np.intersect1d`` (1.0 expected: matches are verified).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, triu
from sklearn.metrics import precision_score, recall_score

from benchmarks import corpora
from benchmarks._harness import Result, Table, Target, parse_mode
from dedup.cluster import cluster
from dedup.config import ScanConfig
from dedup.dates import time_order
from dedup.engines.local import LocalEngine, sign_all
from dedup.matches import paragraph_level
from dedup.model import Report
from dedup.pipeline import analyze
from dedup.segment import SegmentTable, segment_documents
from dedup.shingle import shingle_sets

TARGET_RECALL = 0.99


class Scanned:
    """A corpus scanned by dedup, with paragraph rows, their shingle sets and their cluster labels."""

    def __init__(self, corpus: corpora.Corpus, config: ScanConfig) -> None:
        self.corpus = corpus
        self.report: Report = analyze(corpus.documents, config)
        texts = corpus.texts
        self.table: SegmentTable = segment_documents(texts)[0]
        self.sets, signatures = sign_all(self.table.texts(texts), config.shingle_size, config.num_perm, config.seed)
        self.row_of = {(int(d), int(s)): i for i, (d, s) in enumerate(zip(self.table.doc, self.table.start))}
        with LocalEngine(1) as engine:
            level = paragraph_level(self.table, self.sets, signatures, config, engine,
                                    time_order([None] * len(texts)))
        self.label = level.components.label
        # Clusters are stars around a source (a copy of a copy is in its own source's cluster): two paragraphs
        # are reported as copies when reported matches join them, directly or through their sources.
        pairs = np.array([(self.row_of[m.a.doc, m.a.start], self.row_of[m.b.doc, m.b.start])
                          for m in self.report.matches if m.kind in ("exact", "near")], dtype=np.int64).reshape(-1, 2)
        self.reported_label = cluster(len(self.table), pairs).label

    def found(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether the paragraph level (candidates and verification) joins each pair of paragraph rows."""
        return (self.label[a] >= 0) & (self.label[a] == self.label[b])

    def reported(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether the report's paragraph matches join each pair (after boilerplate and the evidence rule)."""
        return (self.reported_label[a] >= 0) & (self.reported_label[a] == self.reported_label[b])

    def jaccard(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Exact Jaccard of each pair, set by set (independent of dedup's verification code)."""
        values = np.empty(len(a))
        for k, (i, j) in enumerate(zip(a.tolist(), b.tolist())):
            x, y = self.sets.get(i), self.sets.get(j)
            shared = len(np.intersect1d(x, y, assume_unique=True))
            union = len(x) + len(y) - shared
            values[k] = shared / union if union else 0.0
        return values

    def lsh(self) -> tuple[int, int]:
        stats: dict[str, Any] = self.report.stats
        return int(stats["lsh_bands"]), int(stats["lsh_rows"])


def s_curve(similarity: float | np.ndarray, bands: int, rows: int) -> float | np.ndarray:
    """P(candidate | s) = 1 - (1 - s**rows)**bands."""
    return 1.0 - (1.0 - np.asarray(similarity) ** rows) ** bands


def planted_tables(scanned: Scanned, planted: corpora.Planted,
                   threshold: float) -> tuple[Table, Table, dict[str, tuple[float, int]]]:
    """Per-kind and per-similarity tables of planted recall, and the headline (recall, pairs) of the
    copies designed at threshold + 0.1 or more, between the threshold and that, below the threshold,
    and of the copies whose actual Jaccard is threshold + 0.1 or more."""
    found = scanned.found(planted.source, planted.copy)
    actual = scanned.jaccard(planted.source, planted.copy)
    bands, rows = scanned.lsh()
    margin = threshold + 0.1
    by_kind = Table("planted copies by edit kind",
                    ["kind", "planted", "design similarity", "actual Jaccard (mean)", "edit rate (mean)",
                     f"found, design ≥ {margin:.1f}", f"recall, design ≥ {margin:.1f}"])
    for kind in corpora.KINDS:
        mask = planted.kind == kind
        target = mask & (planted.design >= margin)
        design = planted.design[mask]
        by_kind.rows.append([kind, int(mask.sum()), f"{design.min():.2f}–{design.max():.2f}",
                             float(actual[mask].mean()), float(planted.edit_rate[mask].mean()),
                             int(found[target].sum()), _recall(found[target])])
    by_similarity = Table("planted copies by design similarity",
                          ["design similarity", "planted", "found", "recall", "S-curve at bin start"],
                          notes=[(f"LSH {bands} bands x {rows} rows; threshold {threshold}: copies designed "
                                  "below it are found only through other members of their cluster")])
    bins = np.floor(planted.design * 20 + 1e-9) / 20
    for start in np.unique(bins):
        mask = bins == start
        name = "1.00" if start >= 1 else f"{start:.2f}–{start + 0.05:.2f}"
        by_similarity.rows.append([name, int(mask.sum()), int(found[mask].sum()), _recall(found[mask]),
                                   float(s_curve(start, bands, rows))])
    target = planted.design >= margin
    borderline = (planted.design >= threshold) & ~target
    groups = {"target": target, "borderline": borderline, "below": planted.design < threshold,
              "actual": actual >= margin}
    reported = scanned.reported(planted.source, planted.copy)
    headline = {name: (_recall(found[mask]), int(mask.sum())) for name, mask in groups.items()}
    headline["target reported"] = (_recall(reported[target]), int(target.sum()))
    return by_kind, by_similarity, headline


def _recall(found: np.ndarray) -> float:
    """Recall of pairs that are all true (sklearn's definition; NaN for none)."""
    if len(found) == 0:
        return float("nan")
    return float(recall_score(np.ones(len(found), dtype=bool), found, zero_division=np.nan))


def sample_pairs(scanned: Scanned, rows: np.ndarray, minimum: float) -> tuple[np.ndarray, np.ndarray]:
    """All pairs ``(a, b)`` of ``rows`` with exact Jaccard >= ``minimum``, by brute force."""
    sizes = scanned.sets.sizes()[rows]
    columns = np.concatenate([scanned.sets.get(i) for i in rows.tolist()])
    _, column_ids = np.unique(columns, return_inverse=True)
    owner = np.repeat(np.arange(len(rows)), sizes)
    incidence = csr_matrix((np.ones(len(owner), dtype=np.int32), (owner, column_ids.ravel())),
                           shape=(len(rows), int(column_ids.max()) + 1 if len(columns) else 0))
    shared = triu(incidence @ incidence.T, k=1).tocoo()
    jaccard = shared.data / (sizes[shared.row] + sizes[shared.col] - shared.data)
    keep = jaccard >= minimum
    return rows[shared.row[keep]], rows[shared.col[keep]]


def _sample_rows(scanned: Scanned, size: int, rng: np.random.Generator,
                 extra: np.ndarray | None = None) -> np.ndarray:
    """``size`` random compared paragraphs (enough words) plus the ``extra`` rows."""
    compared = np.flatnonzero(scanned.sets.words >= ScanConfig().min_words)
    chosen = rng.choice(compared, min(size, len(compared)), replace=False)
    return np.unique(chosen if extra is None else np.concatenate([chosen, extra]))


def all_pairs_row(scanned: Scanned, rows: np.ndarray, margin: float, name: str) -> list[object]:
    a, b = sample_pairs(scanned, rows, margin)
    identical = scanned.sets.exact[a] == scanned.sets.exact[b]
    found = scanned.found(a, b)
    reported = scanned.reported(a, b)
    return [f"all pairs with Jaccard ≥ {margin:.1f} in a sample of {len(rows):,} paragraphs", name,
            len(a), _recall(found), (f"{int((~found).sum())} missed; near (not identical) pairs: "
                                     f"{int((~identical).sum())}, recall {_recall(found[~identical]):.4f}; "
                                     f"reported {_recall(reported):.3f} (boilerplate and pairs without "
                                     "evidence of reuse are left out by design)")]


def precision_row(scanned: Scanned, threshold: float, name: str) -> tuple[list[object], float]:
    """Precision of the reported paragraph matches (exact Jaccard, numbers masked as the matching stage
    compares them), and the largest error of a reported similarity against the Jaccard as written (numbers
    included: what a report says, see ``dedup.matches.as_written``)."""
    matches = [m for m in scanned.report.matches if m.kind in ("exact", "near")]
    if not matches:
        return ["precision of reported paragraph matches", name, 0, float("nan"), "no matches"], float("nan")
    a = np.array([scanned.row_of[m.a.doc, m.a.start] for m in matches])
    b = np.array([scanned.row_of[m.b.doc, m.b.start] for m in matches])
    exact = scanned.jaccard(a, b)
    correct = exact >= threshold - 1e-12
    precision = float(precision_score(correct, np.ones(len(correct), dtype=bool), zero_division=np.nan))
    texts = scanned.corpus.texts
    written = shingle_sets([texts[m.a.doc][m.a.start:m.a.end] for m in matches]
                           + [texts[m.b.doc][m.b.start:m.b.end] for m in matches], ScanConfig().shingle_size,
                           figures=True)
    as_written = np.array([_set_jaccard(written.get(k), written.get(len(matches) + k)) for k in range(len(matches))])
    error = float(np.abs(as_written - np.array([m.similarity for m in matches])).max())
    return (["precision of reported paragraph matches", name, len(a), precision,
             f"max |reported − Jaccard as written| = {error:.2g}"], precision)


def _set_jaccard(x: np.ndarray, y: np.ndarray) -> float:
    shared = len(np.intersect1d(x, y))
    union = len(np.union1d(x, y))
    return shared / union if union else 0.0


def main() -> None:
    mode = parse_mode(__doc__ or "")
    config = ScanConfig(diffs=False)  # recall and precision are of the matches; what changed is not scored
    threshold, margin = config.threshold, config.threshold + 0.1
    rng = np.random.default_rng(0)
    generated = corpora.generated(mode.quality_bytes)
    synthetic = Scanned(generated.corpus, config)
    debian = Scanned(corpora.debian(mode.debian_bytes), config)
    by_kind, by_similarity, headline = planted_tables(synthetic, generated.planted, threshold)

    planted = generated.planted
    chosen = rng.choice(len(planted), min(len(planted), mode.sample_paragraphs // 4), replace=False)
    planted_members = np.concatenate([planted.source[chosen], planted.copy[chosen]])
    summary = Table("summary", ["measure", "corpus", "pairs", "value", "note"])
    for measure, name, note in (
        (f"planted recall, design ≥ {margin:.1f}", "target", "the target"),
        (f"planted copies reported, design ≥ {margin:.1f}", "target reported",
         "what the report keeps of them (boilerplate and copies without evidence of reuse are left out)"),
        (f"planted recall, design in [{threshold}, {margin:.1f})", "borderline",
         "near the threshold: the S-curve's slope"),
        (f"planted found, design < {threshold}", "below", "not expected (below the threshold)"),
        (f"planted recall, actual Jaccard ≥ {margin:.1f}", "actual", ""),
    ):
        recall, pairs = headline[name]
        summary.rows.append([measure, "generated", pairs, recall, note])
    synthetic_sample = _sample_rows(synthetic, mode.sample_paragraphs // 2, rng, planted_members)
    summary.rows += [all_pairs_row(synthetic, synthetic_sample, margin, "generated"),
                     all_pairs_row(debian, _sample_rows(debian, mode.sample_paragraphs, rng), margin,
                                   "debian")]
    precisions = []
    for scanned, name in ((synthetic, "generated"), (debian, "debian")):
        row, precision = precision_row(scanned, threshold, name)
        summary.rows.append(row)
        precisions.append(precision)
    summary.notes += [generated.description, debian.corpus.description,
                      f"threshold {threshold} (dedup's default); found: both paragraphs in one cluster"]

    result = Result("quality", mode, params={
        "threshold": threshold, "generated": generated.description, "debian": debian.corpus.description,
        "lsh_bands_rows": list(synthetic.lsh())})
    result.tables += [summary, by_kind, by_similarity]
    recall, pairs = headline["target"]
    result.targets += [
        Target(f"planted near-copy recall (design ≥ {margin:.1f})", f"≥ {TARGET_RECALL}",
               f"{recall:.4f} of {pairs:,}", recall >= TARGET_RECALL),
        Target("precision of reported paragraph matches", "1.0 (verified)",
               " / ".join(f"{p:.4f}" for p in precisions), all(p == 1.0 for p in precisions)),
    ]
    result.write()


if __name__ == "__main__":
    main()
