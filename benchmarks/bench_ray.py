"""Ray engine against the local engine on the same generated corpus, and its scaling from 1 to 2 workers.

The corpus is :func:`benchmarks.corpora.generated` (``--quick``: 8 MB, ``--full``: 200 MB), read once;
each run is ``analyze(documents, engine=...)`` in this process, so the engines differ only in where the
heavy primitives run:

* local engine, 1 and 2 worker processes (the reference);
* Ray engine on a local Ray instance of 1 and then 2 CPUs (``shards`` = CPUs).

Each run reports wall time, throughput, the driver's peak RSS, the largest Ray worker's peak RSS and
the sampled peak PSS of the whole process tree, plus the report's per-stage seconds: the *engine*
stages (segmentation, signatures, paragraph and sentence matching, diffs, figure conflicts) run their
heavy work through the engine; the driver keeps stories, the document view and what it does between
engine calls. That driver work is serial whatever the number of workers (Amdahl): the column "driver
CPU s" is the main thread's CPU time during the scan, for the Ray runs the serial share. Every Ray
report is compared with the local one (minus timings). Ray's start-up is not timed: each engine first
scans the bundled sample (workers import dedup and load the compiled kernels once).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import psutil

from benchmarks import corpora
from benchmarks._harness import MB, Measurement, Result, Table, Target, _status_kb, measure, parse_mode, ratio
from dedup.engines.base import Engine
from dedup.engines.local import LocalEngine
from dedup.engines.ray import RayEngine
from dedup.model import Report
from dedup.pipeline import analyze
from dedup.report.render_json import report_dict
from dedup.segment import SegmentTexts

# Larger than the harness's 2 MB quick corpus: below a few MB, Ray's per-stage latency (tens of ms)
# hides the scaling this script is about.
CORPUS_BYTES = {"quick": 8_000_000, "full": 200_000_000}
ENGINE_STAGES = ("segment", "signatures", "paragraph_matches", "sentence_matches", "diffs", "figure_conflicts")
SCALING_GOAL = 1.7


def ray_worker_peak_mb() -> float:
    """The largest peak RSS (VmHWM) among the Ray worker processes below this one."""
    peaks = [0.0]
    for child in psutil.Process().children(recursive=True):
        try:
            if child.cmdline()[:1] and child.cmdline()[0].startswith("ray::"):
                peaks.append(_status_kb("VmHWM", child.pid) * 1024 / MB)
        except (psutil.Error, OSError, RuntimeError):
            continue
    return max(peaks)


@dataclass(frozen=True, slots=True)
class Run:
    """One engine configuration: its measurement, each stage's fastest time over the runs, a report."""

    engine: str
    workers: int
    measurement: Measurement
    stages: dict[str, float]
    driver_cpu: float
    report: Report
    worker_peak_mb: float | None = None

    @property
    def engine_seconds(self) -> float:
        return sum(self.stages[s] for s in ENGINE_STAGES)


def timed_scan(name: str, workers: int, engine: Engine, documents: list[Any], repeat: int) -> Run:
    analyze(corpora.sample().documents, engine=engine)  # warm-up: worker start, imports, compiled kernels
    timings: list[dict[str, float]] = []
    driver_cpu: list[float] = []

    def scan() -> Report:
        started = time.thread_time()
        report = analyze(documents, engine=engine)
        driver_cpu.append(time.thread_time() - started)
        timings.append(report.stats["seconds"])  # type: ignore[arg-type]
        return report

    report, measurement = measure(scan, repeat=repeat, children=True)
    return Run(name, workers, measurement, {s: min(t[s] for t in timings) for s in timings[0]}, min(driver_cpu),
               report)


class Traffic:
    """An engine wrapper adding up the bytes each primitive receives and returns: what a driver ships
    to and from a cluster (the shuffles inside the Ray engine come on top; docs/scale.md bounds them)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.calls: dict[str, list[float]] = {}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.engine, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            calls, sent, received = self.calls.setdefault(name, [0, 0.0, 0.0])
            self.calls[name] = [calls + 1, sent + _nbytes(args), received + _nbytes(result)]
            return result
        return counted


def _nbytes(value: Any) -> float:
    if isinstance(value, SegmentTexts):  # as the Ray engine ships them: their documents and offsets
        return _nbytes(value.pieces(0, len(value)))
    if isinstance(value, np.ndarray):
        return float(value.nbytes)
    if isinstance(value, str):
        return float(len(value.encode("utf-8", "surrogatepass")))
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value)
    if hasattr(value, "__slots__"):  # ShingleSets, Overlaps, Clustering
        return sum(_nbytes(getattr(value, name)) for name in value.__slots__)
    return 0.0


def traffic_table(documents: list[Any], paragraphs: int) -> Table:
    traffic = Traffic(LocalEngine())
    analyze(documents, engine=traffic)  # type: ignore[arg-type]
    table = Table("bytes in and out of each engine primitive (one scan)",
                  ["primitive", "calls", "MB in", "MB out", "bytes in per paragraph",
                   "bytes out per paragraph"])
    for name, (calls, sent, received) in traffic.calls.items():
        table.rows.append([name, int(calls), sent / MB, received / MB, sent / paragraphs,
                           received / paragraphs])
    return table


def without_stats(report: Report) -> dict[str, Any]:
    data = report_dict(report)
    del data["stats"]
    return data


def main() -> None:
    mode = parse_mode(__doc__ or "")
    generated = corpora.generated(CORPUS_BYTES[mode.name])
    documents = generated.corpus.documents
    # A 200 MB scan is minutes long: one local run each, and two of each Ray configuration, since the
    # scaling target rides on them and single runs of the same code spread by about ±3%.
    repeat = {"local": 3, "ray": 3} if mode.name == "quick" else {"local": 1, "ray": 2}
    runs: list[Run] = []
    for name, workers in (("local", 1), ("local", 2), ("ray", 1), ("ray", 2)):
        engine: Engine = LocalEngine(workers) if name == "local" else RayEngine(num_cpus=workers)
        runs.append(timed_scan(name, workers, engine, documents, repeat[name]))
        if isinstance(engine, RayEngine):
            runs[-1] = replace(runs[-1], worker_peak_mb=ray_worker_peak_mb())
        engine.close()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    paragraphs = int(runs[0].report.stats["paragraphs"])  # type: ignore[call-overload]
    reference = without_stats(runs[0].report)
    same = [without_stats(run.report) == reference for run in runs]
    table = Table("analyze(documents, engine=...)", [
        "engine", "workers", "seconds", "MB/s", "paragraphs/s", "engine stages s", "driver CPU s", "driver peak RSS MB",
        "driver growth KB/paragraph", "largest worker peak RSS MB", "tree peak PSS MB",
        "same report as local"])
    for run, equal in zip(runs, same):
        m = run.measurement
        table.rows.append([run.engine, run.workers, m.seconds, generated.size_bytes / MB / m.seconds,
                           paragraphs / m.seconds, run.engine_seconds, run.driver_cpu, m.peak_rss_mb,
                           (m.peak_rss_mb - m.baseline_rss_mb) * 1000 / paragraphs, run.worker_peak_mb,
                           m.peak_total_mb, equal])
    table.notes += [
        generated.description,
        f"best of {repeat['local']} local and {repeat['ray']} Ray runs; {os.cpu_count()} cores shared with other "
        f"work (load average after: {load})",
        "engine stages: segmentation, signatures, paragraph and sentence matching, diffs and figure "
        "conflicts (what an engine distributes); the driver keeps reading, stories and the document view",
        "driver CPU: CPU time of the driver's main thread during the scan (least of the runs): for Ray the "
        "serial share; for the local engine with 1 worker nearly the whole scan",
    ]
    names = list(runs[0].stages)
    stages = Table("seconds per stage (fastest of the runs)", ["engine", "workers", *names])
    stages.rows += [[run.engine, run.workers, *(run.stages[s] for s in names)] for run in runs]
    result = Result("ray", mode, params={"corpus": generated.description, "repeat": repeat,
                                         "corpus_path": str(generated.path.relative_to(corpora.REPO))})
    result.tables += [table, stages, traffic_table(documents, paragraphs)]
    ray_1, ray_2 = runs[2], runs[3]
    scaling = ratio(ray_1.engine_seconds, ray_2.engine_seconds)
    end_to_end = ratio(ray_1.measurement.seconds, ray_2.measurement.seconds)
    result.targets += [
        Target("Ray scan end to end, 2 workers vs 1", f"≥ {SCALING_GOAL}x", f"{end_to_end:.2f}x",
               end_to_end >= SCALING_GOAL),
        Target("Ray reports equal the local report", "every run", f"{sum(same)} of {len(same)}", all(same)),
    ]
    result.notes.append(f"engine stages alone, Ray 2 workers vs 1: {scaling:.2f}x")
    result.write()


if __name__ == "__main__":
    main()
