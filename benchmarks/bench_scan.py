"""End to end: the ``dedup scan`` command line, timed from outside as a user runs it.

Each run is a subprocess (``python -m dedup scan PATH --format json --quiet``): wall time including
interpreter start-up, reading and writing the report, the peak RSS of its largest process and the
sampled peak PSS of its whole process tree (the memory target is checked on the latter). The JSON
report goes to a temporary file rather than /dev/null so that its per-stage timings (``stats.seconds``,
the last key) can be read back; the file is deleted afterwards.

* Debian copyright corpus: ``dedup scan`` with every level (exact, near, partial) and diffs, against
  a datasketch pipeline doing the paragraph level alone (``python -m benchmarks.baselines``: naive
  MinHash + MinHashLSH + exact Jaccard verification), in the same run;
* the generated corpus (200 MB in ``--full``) with 1 and 2 workers;
* the bundled sample (start-up dominated: the latency of a small scan);
* the Debian scan again with the text and HTML reports, which is what a person waits for;
* ``--no-diffs`` on the Debian and the generated corpus: a dedup job that needs only the matches;
* in ``--full``, the 20 MB generated corpus too: under 5,000 documents, so stories compare every
  pair of documents (the 200 MB corpus is past that limit);
* what the Debian scan costs outside its analysis stages (start-up, reading, writing the JSON report),
  measured in this process, beside the time a scan 10x faster than the datasketch pipeline would take.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import corpora
from benchmarks._harness import (
    MB,
    CommandTimedOut,
    Measurement,
    Result,
    Table,
    Target,
    parse_mode,
    python_module,
    ratio,
    run_command,
)
from dedup.config import ScanConfig
from dedup.pipeline import analyze
from dedup.report.render_json import write_json
from dedup.sources import read_documents

MEMORY_LIMIT_MB = 4000.0


@dataclass(frozen=True, slots=True)
class Run:
    name: str
    corpus: str
    megabytes: float
    argv: list[str]
    report: Path | None = None  # where dedup writes its report
    report_format: str = "json"


def dedup_run(name: str, corpus: str, megabytes: float, path: Path, folder: Path, workers: int = 1,
              report_format: str = "json", *options: str) -> Run:
    report = folder / f"{corpus}-{workers}{''.join(options)}.{report_format}"
    argv = python_module("dedup", "scan", str(path), "--format", report_format, "--quiet", "--workers",
                         str(workers), "--output", str(report), *options)
    return Run(name, corpus, megabytes, argv, report, report_format)


def stage_seconds(report: Path) -> dict[str, float]:
    """``stats.seconds`` of a JSON report, parsed from the end of the file (stats is its last key)."""
    with open(report, "rb") as handle:
        handle.seek(max(0, report.stat().st_size - 65536))
        tail = handle.read().decode("utf-8", "replace")
    start = tail.rfind('"stats":') + len('"stats":')
    while tail[start].isspace():
        start += 1
    stats, _ = json.JSONDecoder().raw_decode(tail, start)
    return dict(stats["seconds"])


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finished run (``measurement``) or one stopped at the time limit (``None``)."""

    measurement: Measurement | None
    stages: dict[str, float]
    note: str

    @property
    def seconds(self) -> float:
        return self.measurement.seconds if self.measurement else float("nan")


def execute(run: Run, timeout: float) -> Outcome:
    try:
        stdout, measurement = run_command(run.argv, capture=True, timeout=timeout)
    except CommandTimedOut:
        return Outcome(None, {}, f"stopped after {timeout:,.0f} s (time limit)")
    if run.report is None:
        return Outcome(measurement, {}, _baseline_note(stdout))
    stages = stage_seconds(run.report) if run.report_format == "json" else {}
    note = f"report {run.report.stat().st_size / MB:,.1f} MB"
    run.report.unlink()
    return Outcome(measurement, stages, note)


def main() -> None:
    mode = parse_mode(__doc__ or "")
    debian = corpora.debian(mode.debian_bytes)
    generated = corpora.generated(mode.generated_bytes)
    sample = corpora.sample()
    debian_mb, generated_mb = debian.size_bytes / MB, generated.size_bytes / MB
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        notes: list[str] = []
        runs = [
            dedup_run("dedup scan, all levels + diffs", "debian", debian_mb, debian.jsonl(), folder),
            Run("datasketch pipeline, paragraph level only", "debian", debian_mb,
                python_module("benchmarks.baselines", str(debian.jsonl()))),
            dedup_run("dedup scan, 1 worker", "generated", generated_mb, generated.path, folder, 1),
            dedup_run("dedup scan, 2 workers", "generated", generated_mb, generated.path, folder, 2),
            dedup_run("dedup scan", "sample", sample.size_bytes / MB, corpora.SAMPLE, folder),
            # The target is judged on one worker (the baseline is one process); what two cores give:
            dedup_run("dedup scan, all levels + diffs, 2 workers", "debian", debian_mb, debian.jsonl(), folder, 2),
            # What a person at a terminal or a browser waits for: the same scan, rendered.
            dedup_run("dedup scan, text report", "debian", debian_mb, debian.jsonl(), folder, report_format="text"),
            dedup_run("dedup scan, HTML report", "debian", debian_mb, debian.jsonl(), folder, report_format="html"),
            # A dedup job that needs only the matches: no diffs, stories or figure conflicts.
            dedup_run("dedup scan --no-diffs", "debian", debian_mb, debian.jsonl(), folder, 1, "json",
                      "--no-diffs"),
            dedup_run("dedup scan --no-diffs, 1 worker", "generated", generated_mb, generated.path, folder, 1,
                      "json", "--no-diffs"),
        ]
        if mode.quality_bytes != mode.generated_bytes:  # under 5,000 documents: stories compare all pairs
            middle = corpora.generated(mode.quality_bytes)
            runs.append(dedup_run("dedup scan, 1 worker", f"generated {middle.size_bytes / 1e6:.0f} MB",
                                  middle.size_bytes / MB, middle.path, folder))
            notes.append(middle.description)
        outcomes = [execute(run, mode.command_timeout) for run in runs]

    table = Table("end-to-end scans", ["run", "corpus", "MB", "seconds", "MB/s",
                                       "peak RSS MB (largest process)", "peak total MB (tree PSS)", "note"])
    for run, outcome in zip(runs, outcomes, strict=True):
        m = outcome.measurement
        table.rows.append([run.name, run.corpus, run.megabytes, outcome.seconds,
                           run.megabytes / outcome.seconds, m.peak_rss_mb if m else None,
                           m.peak_total_mb if m else None, outcome.note])
    table.notes += [f"debian: {debian.description}", generated.description, sample.description,
                    *notes, "one run each; wall time includes Python start-up and imports"]
    result = Result("scan", mode, params={"debian": debian.description, "generated": generated.description,
                                          "generated_path": str(generated.path.relative_to(corpora.REPO)),
                                          "time_limit_seconds": mode.command_timeout})
    dedup_time, baseline_time = outcomes[0].seconds, outcomes[1].seconds
    result.tables += [table, _stage_table(runs, outcomes), _fixed_cost_table(debian.jsonl(), baseline_time)]
    speedup = ratio(baseline_time, dedup_time)
    peaks = [o.measurement.peak_mb for o in outcomes[2:4] if o.measurement]
    peak = max(peaks) if len(peaks) == 2 else float("nan")
    size = f"{generated.size_bytes / 1e6:.0f} MB"
    result.targets += [
        Target("Debian scan vs datasketch paragraph pipeline", "≥ 10x faster",
               f"{speedup:.1f}x ({dedup_time:.1f} s vs {baseline_time:.1f} s)", speedup >= 10),
        Target("peak memory of the generated-corpus scan", f"< 4 GB at 200 MB (this run: {size})",
               f"{peak:,.0f} MB", peak < MEMORY_LIMIT_MB),
    ]
    result.write()


def _stage_table(runs: list[Run], outcomes: list[Outcome]) -> Table:
    """Seconds per pipeline stage of each dedup run; "other" is start-up, reading and writing the report."""
    names = list(dict.fromkeys(name for outcome in outcomes for name in outcome.stages))
    table = Table("dedup scan stages (seconds, from the report's stats)",
                  ["run", "corpus", *names, "other", "total"])
    for run, outcome in zip(runs, outcomes, strict=True):
        if outcome.stages:
            other = outcome.seconds - sum(outcome.stages.values())
            table.rows.append([run.name, run.corpus, *(outcome.stages.get(n) for n in names), other,
                               outcome.seconds])
    return table


def _fixed_cost_table(path: Path, baseline_seconds: float) -> Table:
    """What a JSON scan of ``path`` costs outside its analysis stages, measured in this process (start-up in
    a fresh interpreter), beside the time a 10x faster scan than the datasketch pipeline would have."""
    startup = min(run_command([sys.executable, "-c", "import dedup.cli, dedup.pipeline, dedup.report.render_json"]
                              )[1].seconds for _ in range(3))
    started = time.perf_counter()
    documents = read_documents([path])
    read = time.perf_counter() - started
    report = analyze(documents, ScanConfig())
    with tempfile.TemporaryFile("w", encoding="utf-8") as handle:
        started = time.perf_counter()
        write_json(report, handle)
        handle.flush()
        write = time.perf_counter() - started
    table = Table("Debian scan: what it costs besides its analysis stages", ["part", "seconds"])
    table.rows += [["Python start-up and imports", startup], ["reading the corpus", read],
                   ["JSON report: built and written", write], ["together", startup + read + write],
                   ["a scan 10x faster than the datasketch pipeline (its time / 10)", baseline_seconds / 10]]
    table.notes.append("start-up: best of 3 fresh interpreters importing what a scan imports; reading and "
                       "writing: one run in this process")
    return table


def _baseline_note(stdout: str) -> str:
    counts = json.loads(stdout)
    return (f"{counts['unique']:,} unique paragraphs, {counts['candidates']:,} candidates, "
            f"{counts['near_pairs']:,} near pairs")


if __name__ == "__main__":
    main()
