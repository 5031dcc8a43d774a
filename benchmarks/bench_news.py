"""News: what ``dedup scan`` reports on a real newswire, and how much of it a reader would call reuse.

Runs ``python -m dedup scan`` on a news JSONL (by default the dev corpus
``../shared/corpora/reuters-dev.jsonl.gz`` beside the repository; any corpus by path) and writes
matches by kind and scope, clusters, figure conflicts, figures extracted (``extract_figures`` over
every sentence of the corpus, and how many start or end inside a number), seconds per stage from
the report's stats, wall seconds and peak memory.

Precision comes from hand labels (``benchmarks/labels/*.jsonl``, one record per labelled item, no
story text). A label file is a random sample of one report: ``random.Random(seed).sample`` over the
matches of one kind and scope in report order (or over the figure conflicts). For every labelled
item the table says whether the current report still reports it: a match joining the same two
stories over overlapping spans (a conflict setting two of its stories' values against each other).
That is the recall of the items labelled true, the check that a change of the matching rules
keeps every real reuse. When drawing the same sample from the current report gives exactly the
labelled items, the labels describe this report and its precision per sample is shown.

``--quick`` scans the first 500 stories, so CI runs it in seconds; labelled items whose stories
are outside the scanned corpus are left out of the counts.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks._harness import MODES, REPO, Measurement, Mode, Result, Table, python_module, run_command
from dedup.figures import extract_figures
from dedup.segment import segment_documents
from dedup.sources import Document, InputError, read_documents

DEV_CORPUS = REPO.parent / "shared" / "corpora" / "reuters-dev.jsonl.gz"
LABELS = Path(__file__).resolve().parent / "labels"
SEED = 20261202
SAMPLE_SIZE = 50
QUICK_STORIES = 500
KINDS = ("exact", "near", "partial")
SCOPES = ("cross", "internal")
CONFLICTS = "conflicts"

Item = Mapping[str, Any]


# ---------------------------------------------------------------------------------------------- samples

def draw_matches(matches: Sequence[Item], kind: str, scope: str, seed: int = SEED,
                 size: int = SAMPLE_SIZE) -> list[int]:
    """Report positions of a random sample of the matches of one kind and scope (all, if fewer)."""
    pool = [i for i, match in enumerate(matches) if match["kind"] == kind and match["scope"] == scope]
    return sorted(random.Random(seed).sample(pool, min(size, len(pool))))


def draw_conflicts(conflicts: Sequence[Item], seed: int = SEED, size: int = SAMPLE_SIZE) -> list[int]:
    """Report positions of a random sample of the figure conflicts (all, if fewer)."""
    return sorted(random.Random(seed).sample(range(len(conflicts)), min(size, len(conflicts))))


def span_key(match: Item) -> tuple[str, int, int, str, int, int]:
    a, b = match["a"], match["b"]
    return a["doc"], a["start"], a["end"], b["doc"], b["start"], b["end"]


def relation_pool(report: Mapping[str, Any]) -> list[Item]:
    """The report's relations in document order of (source, copy): the order samples are drawn in, so a
    change in how a report ranks them does not change the sample."""
    position = {d["id"]: i for i, d in enumerate(report["documents"])}
    return sorted(report["relations"], key=lambda r: (position[r["source"]], position[r["copy"]]))


def draw_relations(report: Mapping[str, Any], seed: int = SEED, size: int = SAMPLE_SIZE) -> list[Item]:
    """A random sample of the report's relations (all, if fewer), in pool order."""
    pool = relation_pool(report)
    return [pool[i] for i in sorted(random.Random(seed).sample(range(len(pool)), min(size, len(pool))))]


def relation_rows(records: Sequence[Item], report: Mapping[str, Any]) -> list[list[object]]:
    """Per relation label file: items, true, false by class, precision when the same seed draws exactly
    these relations from this report, and how many labelled pairs are still related (with the same kind)."""
    if not records:
        return []
    related = {frozenset((r["source"], r["copy"])): r["kind"] for r in report["relations"]}
    docs = {d["id"] for d in report["documents"]}
    inside = [r for r in records if {r["source"], r["copy"]} <= docs]
    drawn = {(r["source"], r["copy"]) for r in draw_relations(report, int(records[0]["seed"]), len(records))}
    same = drawn == {(r["source"], r["copy"]) for r in records}
    still = [r for r in inside if frozenset((r["source"], r["copy"])) in related]
    same_kind = sum(related[frozenset((r["source"], r["copy"]))] == r["kind"] for r in still)
    true_in = [r for r in inside if r["label"] == "true"]
    return [[records[0].get("commit", "")[:7], len(records), len(true_in),
             ", ".join(f"{c} {n}" for c, n in false_classes(records).most_common()) or "–",
             precision(records) if same else None,
             f"{sum(frozenset((r['source'], r['copy'])) in related for r in true_in)} of {len(true_in)}",
             f"{same_kind} of {len(still)}"]]


def corrected_rows(records: Sequence[Item], report: Mapping[str, Any]) -> list[list[object]]:
    """For each CORRECTED story whose original is in the corpus: how the report relates the two, and
    whether the version's alignment shows a change (the hand label says whether it is the corrected one)."""
    by_pair = {frozenset((r["source"], r["copy"])): r for r in report["relations"]}
    docs = {d["id"] for d in report["documents"]}
    rows = []
    for record in records:
        if record.get("original") is None or not {record["original"], record["corrected"]} <= docs:
            continue
        relation = by_pair.get(frozenset((record["original"], record["corrected"])))
        shown = relation is not None and any(item["status"] != "aligned" or "diff" in item and (
            item["diff"]["figures"] or item["diff"]["wording"]) for item in relation["alignment"])
        rows.append([record["original"], record["corrected"], record.get("corrected_what", ""),
                     relation["kind"] if relation else "none", "yes" if shown else "no"])
    return rows


def conflict_key(conflict: Item) -> tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    values = tuple(sorted((str(v["value"]), tuple(sorted(v["docs"]))) for v in conflict["values"]))
    return str(conflict["counts"]), values


def is_conflict_sample(records: Sequence[Item]) -> bool:
    return bool(records) and records[0]["sample"] == CONFLICTS


def drawn_from(records: Sequence[Item], report: Mapping[str, Any]) -> bool:
    """Whether drawing this sample again from ``report`` (same seed and size) gives exactly these items."""
    if not records:
        return False
    seed = int(records[0]["seed"])
    if is_conflict_sample(records):
        conflicts = report["figure_conflicts"]
        drawn = {conflict_key(conflicts[i]) for i in draw_conflicts(conflicts, seed, len(records))}
        return drawn == {conflict_key(r) for r in records}
    matches = report["matches"]
    kind, scope = records[0]["kind"], records[0]["scope"]
    drawn = {span_key(matches[i]) for i in draw_matches(matches, kind, scope, seed, len(records))}
    return drawn == {span_key(r) for r in records}


# ---------------------------------------------------------------------------------------------- still reported

def overlaps(x: Item, y: Item) -> bool:
    return x["doc"] == y["doc"] and x["start"] < y["end"] and y["start"] < x["end"]


class MatchIndex:
    """A report's matches by the unordered pair of stories they join."""

    def __init__(self, matches: Iterable[Item]) -> None:
        self.by_pair: dict[frozenset[str], list[Item]] = defaultdict(list)
        for match in matches:
            self.by_pair[frozenset((match["a"]["doc"], match["b"]["doc"]))].append(match)

    def reports(self, item: Item) -> bool:
        """Whether a match joins the item's two stories over spans overlapping the item's, either way round."""
        a, b = item["a"], item["b"]
        return any((overlaps(a, m["a"]) and overlaps(b, m["b"])) or (overlaps(a, m["b"]) and overlaps(b, m["a"]))
                   for m in self.by_pair.get(frozenset((a["doc"], b["doc"])), ()))


def conflict_reported(item: Item, conflicts: Iterable[Item]) -> bool:
    """Whether a conflict still sets two of the item's stories against each other: two stories that
    the item gave different values still appear under different values of one conflict."""
    labelled = {doc: str(v["value"]) for v in item["values"] for doc in v["docs"]}
    for conflict in conflicts:
        seen = {doc: str(v["value"]) for v in conflict["values"] for doc in v["docs"] if doc in labelled}
        if any(seen[x] != seen[y] and labelled[x] != labelled[y] for x in seen for y in seen if x < y):
            return True
    return False


def item_docs(item: Item) -> set[str]:
    if "values" in item:
        return {doc for v in item["values"] for doc in v["docs"]}
    return {item["a"]["doc"], item["b"]["doc"]}


# ---------------------------------------------------------------------------------------------- counts

def precision(records: Sequence[Item]) -> float:
    """Share of items labelled true (NaN for an empty sample)."""
    return sum(r["label"] == "true" for r in records) / len(records) if records else float("nan")


def false_classes(records: Iterable[Item]) -> Counter[str]:
    return Counter(r["class"] for r in records if r["label"] != "true")


def sample_rows(name: str, records: Sequence[Item], report: Mapping[str, Any]) -> list[list[object]]:
    """One row per sample of a label file: size, true, false by class, precision when the sample was
    drawn from this report, and how many true (false) items the report still has."""
    docs = {d["id"] for d in report["documents"]}
    index = MatchIndex(report["matches"])
    rows = []
    for sample, items in group_by_sample(records).items():
        inside = [r for r in items if item_docs(r) <= docs]
        if is_conflict_sample(items):
            still = [r for r in inside if conflict_reported(r, report["figure_conflicts"])]
        else:
            still = [r for r in inside if index.reports(r)]
        true_in = sum(r["label"] == "true" for r in inside)
        true_still = sum(r["label"] == "true" for r in still)
        classes = ", ".join(f"{c} {n}" for c, n in sorted(false_classes(items).items(), key=lambda kv: -kv[1]))
        rows.append([name, sample, items[0].get("commit", "")[:7], len(items), sum(r["label"] == "true" for r in items),
                     classes or "–", precision(items) if drawn_from(items, report) else None,
                     f"{true_still} of {true_in}", f"{len(still) - true_still} of {len(inside) - true_in}"])
    return rows


MATCH_SAMPLES = frozenset(f"{kind}-{scope}" for kind in KINDS for scope in SCOPES)


def group_by_sample(records: Iterable[Item]) -> dict[str, list[Item]]:
    """Match and conflict samples by name; other label files (relations, stream verdicts) are other
    benchmarks' and are left out."""
    groups: dict[str, list[Item]] = defaultdict(list)
    for record in records:
        if record.get("sample") in MATCH_SAMPLES or record.get("sample") == CONFLICTS:
            groups[record["sample"]].append(record)
    return dict(groups)


def match_counts(report: Mapping[str, Any]) -> list[list[object]]:
    counts = Counter((m["kind"], m["scope"]) for m in report["matches"])
    return [[kind, scope, counts[kind, scope]] for kind in KINDS for scope in SCOPES]


def cut_inside_number(text: str, start: int, end: int) -> bool:
    """A figure span that begins or ends inside a number token (``113,2|75``, ``1.5|0``)."""
    def digit(i: int) -> bool:
        return 0 <= i < len(text) and text[i].isdigit()
    before = digit(start - 1) or (start >= 1 and text[start - 1] in ",." and digit(start - 2) and digit(start))
    after = digit(end) or (end < len(text) and text[end] in ",." and digit(end + 1) and digit(end - 1))
    return before or after


def figure_counts(texts: Sequence[str]) -> tuple[int, int, int, int]:
    """Sentences, sentences with a figure, figures, and figures cut inside a number, over every sentence."""
    _, sentences = segment_documents(texts)
    with_figure = figures = cut = 0
    for sentence in sentences.text_view(texts):
        found = extract_figures(sentence)
        with_figure += bool(found)
        figures += len(found)
        cut += sum(cut_inside_number(sentence, f.start, f.end) for f in found)
    return len(sentences), with_figure, figures, cut


# ---------------------------------------------------------------------------------------------- I/O

def read_labels(paths: Iterable[Path]) -> dict[str, list[dict[str, Any]]]:
    """Label records by file name; a bad file stops the run with a one-line error."""
    labels = {}
    for path in paths:
        try:
            labels[path.name] = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        except (OSError, json.JSONDecodeError) as exc:
            sys.exit(f"bench_news: {path}: not a JSONL label file ({exc})")
    return labels


def write_slice(documents: Sequence[Any], path: Path) -> None:
    with path.open("w") as handle:
        for document in documents:
            handle.write(json.dumps({"id": document.id, "text": document.text, **document.metadata}) + "\n")


def scan(corpus: Path, output: Path, mode: Mode, output_format: str = "json") -> Measurement:
    argv = python_module("dedup", "scan", str(corpus), "--format", output_format, "--output", str(output), "--quiet")
    _, measurement = run_command(argv, timeout=mode.command_timeout)
    return measurement


def text_report_head(text: str) -> list[int]:
    """``[lines, line where the pair-by-pair detail starts]`` of a text report."""
    lines = text.splitlines()
    detail = next((i + 1 for i, line in enumerate(lines) if line.startswith("Detail, pair by pair")), len(lines))
    return [len(lines), detail]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", dest="mode", action="store_const", const="quick",
                       help=f"the first {QUICK_STORIES} stories (CI; the default)")
    group.add_argument("--full", dest="mode", action="store_const", const="full", help="the whole corpus")
    parser.add_argument("corpus", nargs="?", type=Path, help=f"a news JSONL (default: {DEV_CORPUS})")
    parser.add_argument("--labels", type=Path, action="append",
                        help="a label file (repeatable; default: every file in benchmarks/labels/)")
    return parser.parse_args(argv)


def news_corpus(given: Path | None, result: Result) -> tuple[Path, list[Document]] | None:
    """The corpus a news benchmark reads (``given``, else the dev corpus) and its stories; None, with a
    note written to ``result``, when the dev corpus is not beside the repository. A bad corpus ends the run."""
    corpus = given or DEV_CORPUS
    if not corpus.exists():
        if given:
            sys.exit(f"bench_{result.benchmark}: {corpus}: no such file")
        result.notes.append(f"{DEV_CORPUS} not found: nothing measured (give a news JSONL by path)")
        result.write()
        return None
    try:
        return corpus, read_documents([corpus])
    except InputError as exc:
        sys.exit(f"bench_{result.benchmark}: {exc}")


def figure_change_pool(report: Mapping[str, Any]) -> list[tuple[str, str, int, int, int]]:
    """Every entry of the versions' figure lists as ``(source, copy, a_start, b_start, entry)``: the relations in
    document order of source and copy, then their aligned pairs and entries in order."""
    return [(r["source"], r["copy"], item["a"]["start"], item["b"]["start"], k)
            for r in relation_pool(report) for item in r.get("alignment") or []
            if item.get("diff") and item.get("a") and item.get("b") for k in range(len(item["diff"]["figures"]))]


def draw_figure_changes(report: Mapping[str, Any], seed: int = SEED,
                        size: int = SAMPLE_SIZE) -> list[tuple[str, str, int, int, int]]:
    """A random sample of the entries of the versions' figure lists (all, if fewer), in pool order."""
    pool = figure_change_pool(report)
    return [pool[i] for i in sorted(random.Random(seed).sample(range(len(pool)), min(size, len(pool))))]


def figure_change_rows(records: Sequence[Item], report: Mapping[str, Any]) -> list[list[object]]:
    """Per label file of versions' figure changes (``{"sample": "figure-changes", "source", "copy", "a_span",
    "b_span", "entry", "change", "label", ...}``: entry ``entry`` of the figure list of the aligned pair of
    spans): items, true, false by class, precision when the same seed draws exactly these entries from this
    report, and how many labelled entries the report still lists."""
    if not records:
        return []
    listed = set(figure_change_pool(report))

    def still(r: Item) -> bool:
        return (r["source"], r["copy"], r["a_span"][0], r["b_span"][0], r["entry"]) in listed

    true_in = [r for r in records if r["label"] == "true"]
    false_in = [r for r in records if r["label"] != "true"]
    drawn = set(draw_figure_changes(report, int(records[0]["seed"]), len(records)))
    same = drawn == {(r["source"], r["copy"], r["a_span"][0], r["b_span"][0], r["entry"]) for r in records}
    return [[records[0].get("commit", "")[:7], len(records), len(true_in),
             ", ".join(f"{c} {n}" for c, n in false_classes(records).most_common()) or "–",
             precision(records) if same else None,
             f"{sum(map(still, true_in))} of {len(true_in)}", f"{sum(map(still, false_in))} of {len(false_in)}"]]


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    mode = MODES[args.mode or "quick"]
    result = Result("news", mode)
    found = news_corpus(args.corpus, result)
    if found is None:
        return
    corpus, documents = found
    label_paths = args.labels or sorted(LABELS.glob("*.jsonl"))
    labels = read_labels(label_paths)
    relation_labels = [records for records in labels.values() if records and records[0].get("sample") == "relations"]
    corrected_labels = [records for records in labels.values() if records and records[0].get("sample") == "corrected"]
    figure_labels = [records for records in labels.values() if records and records[0].get("sample") == "figure-changes"]
    with tempfile.TemporaryDirectory() as folder:
        scanned = corpus
        if mode.name == "quick":
            documents = documents[:QUICK_STORIES]
            scanned = Path(folder) / "slice.jsonl"
            write_slice(documents, scanned)
        report_path, text_path = Path(folder) / "report.json", Path(folder) / "report.txt"
        measurement = scan(scanned, report_path, mode)
        report = json.loads(report_path.read_text())
        scan(scanned, text_path, mode, "text")
        text_head = text_report_head(text_path.read_text(encoding="utf-8"))
    sentences, with_figure, figures, cut = figure_counts([d.text for d in documents])
    result.params = {"corpus": str(corpus), "stories": len(documents), "labels": [p.name for p in label_paths],
                     "config": report["config"]}
    result.tables += [
        Table("matches by kind and scope", ["kind", "scope", "matches"], match_counts(report)),
        Table("report", ["stories", "matches", "clusters", "figure conflicts", "wall s", "peak MB"],
              [[len(documents), len(report["matches"]), len(report["clusters"]), len(report["figure_conflicts"]),
                measurement.seconds, measurement.peak_mb]],
              ["peak MB: sampled peak PSS of the scan's process tree (or its largest process's RSS, if higher)"]),
        Table("figures (extract_figures over every sentence)",
              ["sentences", "with a figure", "figures", "cut inside a number"],
              [[sentences, with_figure, figures, cut]]),
        Table("relations and boilerplate", ["duplicate", "version", "reuse", "groups", "boilerplate texts",
                                            "text report lines", "detail starts at line"],
              [[*(sum(r["kind"] == kind for r in report["relations"]) for kind in ("duplicate", "version", "reuse")),
                len({r["group"] for r in report["relations"] if r["group"] >= 0}), len(report["boilerplate"]),
                *text_head]]),
        Table("seconds per stage (the report's stats)", ["stage", "seconds"],
              [[stage, seconds] for stage, seconds in report["stats"]["seconds"].items()]),
        Table("hand labels", ["file", "sample", "commit", "items", "true", "false by class", "precision",
                              "true still reported", "false still reported"],
              [row for name, records in labels.items() for row in sample_rows(name, records, report)],
              ["precision: shown only when the same seed draws exactly the labelled items from this report",
               "still reported: a match joining the same two stories over overlapping spans (conflicts: two "
               "of the stories still under different values); items with a story outside the corpus are left out"]),
        Table("relations read by hand", ["commit", "items", "true", "false by class", "precision",
                                         "true still related", "still related with the same kind"],
              [row for records in relation_labels for row in relation_rows(records, report)],
              ["drawn with draw_relations: a seeded sample of the relations in document order of source and copy"]),
        Table("versions' figure changes read by hand", ["commit", "items", "true", "false by class", "precision",
                                                        "true still listed", "false still listed"],
              [row for records in figure_labels for row in figure_change_rows(records, report)],
              ["an entry of a version's figure list (its alignment's diffs): true when an editor comparing the "
               "two versions should be told it; drawn with draw_figure_changes (precision shown when the same "
               "seed draws exactly the labelled entries from this report)"]),
        Table("CORRECTED stories and their originals", ["original", "corrected", "what was corrected",
                                                        "relation", "alignment shows a change"],
              [row for records in corrected_labels for row in corrected_rows(records, report)]),
    ]
    result.write()


if __name__ == "__main__":
    main()
