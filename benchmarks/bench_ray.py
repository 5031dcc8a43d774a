"""Ray engine against the local engine on the same generated corpus, and its scaling from 1 to 2 workers.

The corpus is :func:`benchmarks.corpora.generated` (``--quick``: 8 MB, ``--full``: 200 MB), read once;
each run is ``analyze(documents, engine=...)`` in this process, so the engines differ only in where the
heavy primitives run:

* local engine, 1 and 2 worker processes (the reference);
* Ray engine on a local Ray instance of 1 and then 2 CPUs (``shards`` = CPUs).

Each run reports wall time, throughput, the driver's peak RSS, the largest Ray worker's peak RSS and
the sampled peak PSS of the whole process tree, plus the report's per-stage seconds: the *engine*
stages (signatures, paragraph and sentence matching) are the ones the engine spreads over workers;
segmentation, diffs, the document view and figure conflicts run in the driver for every engine, so
end-to-end scaling is bounded by them (Amdahl). Every Ray report is compared with the local one
(minus timings). Ray's start-up is not timed: each engine first scans the bundled sample (workers
import dedup and load the compiled kernels once).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import psutil

from benchmarks import corpora
from benchmarks._harness import MB, Measurement, Result, Table, Target, _status_kb, measure, parse_mode, ratio
from dedup.engines.base import Engine
from dedup.engines.local import LocalEngine
from dedup.engines.ray import RayEngine
from dedup.model import Report
from dedup.pipeline import analyze
from dedup.report.render_json import report_dict

# Larger than the harness's 2 MB quick corpus: below a few MB, Ray's per-stage latency (tens of ms)
# hides the scaling this script is about.
CORPUS_BYTES = {"quick": 8_000_000, "full": 200_000_000}
ENGINE_STAGES = ("signatures", "paragraph_matches", "sentence_matches")
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


def timed_scan(documents: list[Any], engine: Engine, repeat: int) -> tuple[Report, Measurement]:
    analyze(corpora.sample().documents, engine=engine)  # warm-up: worker start, imports, compiled kernels
    return measure(lambda: analyze(documents, engine=engine), repeat=repeat, children=True)


def without_stats(report: Report) -> dict[str, Any]:
    data = report_dict(report)
    del data["stats"]
    return data


def main() -> None:
    mode = parse_mode(__doc__ or "")
    generated = corpora.generated(CORPUS_BYTES[mode.name])
    documents = generated.corpus.documents
    megabytes = generated.size_bytes / MB
    repeat = 3 if mode.name == "quick" else 1  # a 200 MB scan is minutes long: one run each
    runs: list[tuple[str, int, Callable[[int], Engine]]] = [
        ("local", 1, LocalEngine), ("local", 2, LocalEngine),
        ("ray", 1, lambda cpus: RayEngine(num_cpus=cpus)), ("ray", 2, lambda cpus: RayEngine(num_cpus=cpus)),
    ]
    table = Table("analyze(documents, engine=...)", [
        "engine", "workers", "seconds", "MB/s", "paragraphs/s", "engine stages s", "driver stages s",
        "driver peak RSS MB", "largest worker peak RSS MB", "tree peak PSS MB", "same report as local"])
    stages = Table("seconds per stage (best run)", ["engine", "workers", "segment", *ENGINE_STAGES, "diffs",
                                                    "document_view", "figure_conflicts"])
    reference: dict[str, Any] | None = None
    engine_seconds: dict[tuple[str, int], float] = {}
    total_seconds: dict[tuple[str, int], float] = {}
    for name, workers, make in runs:
        engine = make(workers)
        report, measurement = timed_scan(documents, engine, repeat)
        worker_peak = ray_worker_peak_mb() if name == "ray" else None
        if isinstance(engine, RayEngine):
            engine.close()
        seconds: dict[str, float] = report.stats["seconds"]  # type: ignore[assignment]
        in_engine = sum(seconds[s] for s in ENGINE_STAGES)
        engine_seconds[name, workers], total_seconds[name, workers] = in_engine, measurement.seconds
        data = without_stats(report)
        reference = reference or data
        table.rows.append([name, workers, measurement.seconds, megabytes / measurement.seconds,
                           report.stats["paragraphs"] / measurement.seconds, in_engine,
                           sum(seconds.values()) - in_engine, measurement.peak_rss_mb, worker_peak,
                           measurement.peak_total_mb, data == reference])
        stages.rows.append([name, workers, *(seconds.get(s) for s in stages.columns[2:])])
    table.notes += [generated.description, f"best of {repeat} runs; {os.cpu_count()} cores shared with other work",
                    "engine stages: signatures + paragraph and sentence matching (what an engine distributes)"]
    result = Result("ray", mode, params={"corpus": generated.description, "repeat": repeat,
                                         "corpus_path": str(generated.path.relative_to(corpora.REPO))})
    result.tables += [table, stages]
    scaling = ratio(engine_seconds["ray", 1], engine_seconds["ray", 2])
    end_to_end = ratio(total_seconds["ray", 1], total_seconds["ray", 2])
    result.targets += [
        Target("Ray engine stages, 2 workers vs 1", f"≥ {SCALING_GOAL}x", f"{scaling:.2f}x", scaling >= SCALING_GOAL),
        Target("Ray reports equal the local report", "every run", str(all(row[-1] for row in table.rows)),
               all(row[-1] for row in table.rows)),
    ]
    result.notes.append(f"end to end, Ray 2 workers vs 1: {end_to_end:.2f}x (the driver stages do not scale)")
    result.write()


if __name__ == "__main__":
    main()
