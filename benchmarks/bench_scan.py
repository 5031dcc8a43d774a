"""End to end: the ``dedup scan`` command line, timed from outside as a user runs it.

Each run is a subprocess (``python -m dedup scan PATH --format json --quiet``, report to /dev/null):
wall time including interpreter start-up and reading, peak RSS of its largest process and the sampled
peak PSS of its whole process tree (the memory target is checked on the latter).

* Debian copyright corpus: ``dedup scan`` with every level (exact, near, partial) and diffs, against
  a datasketch pipeline doing the paragraph level alone (``python -m benchmarks.baselines``: naive
  MinHash + MinHashLSH + exact Jaccard verification), in the same run;
* the generated corpus (200 MB in ``--full``) with 1 and 2 workers;
* the bundled sample (start-up dominated: the latency of a small scan).
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import corpora
from benchmarks._harness import MB, Measurement, Result, Table, Target, parse_mode, python_module, ratio, run_command

MEMORY_LIMIT_MB = 4000.0


def dedup_scan(path: Path, workers: int = 1) -> list[str]:
    return python_module("dedup", "scan", str(path), "--format", "json", "--quiet", "--workers", str(workers))


def main() -> None:
    mode = parse_mode(__doc__ or "")
    debian = corpora.debian(mode.debian_bytes)
    generated = corpora.generated(mode.generated_bytes)
    sample = corpora.sample()
    runs: list[tuple[str, str, float, list[str]]] = [
        ("dedup scan, all levels + diffs", "debian", debian.size_bytes / MB, dedup_scan(debian.jsonl())),
        ("datasketch pipeline, paragraph level only", "debian", debian.size_bytes / MB,
         python_module("benchmarks.baselines", str(debian.jsonl()))),
        ("dedup scan, 1 worker", "generated", generated.size_bytes / MB, dedup_scan(generated.path, 1)),
        ("dedup scan, 2 workers", "generated", generated.size_bytes / MB, dedup_scan(generated.path, 2)),
        ("dedup scan", "sample", sample.size_bytes / MB, dedup_scan(corpora.SAMPLE)),
    ]
    table = Table("end-to-end scans", ["run", "corpus", "MB", "seconds", "MB/s", "peak RSS MB (largest process)",
                                       "peak total MB (tree PSS)", "note"])
    measured: dict[tuple[str, str], Measurement] = {}
    for name, corpus, megabytes, argv in runs:
        stdout, measurement = run_command(argv, capture=True)
        measured[(name, corpus)] = measurement
        note = _baseline_note(stdout) if argv[2] == "benchmarks.baselines" else ""
        table.rows.append([name, corpus, megabytes, measurement.seconds, megabytes / measurement.seconds,
                           measurement.peak_rss_mb, measurement.peak_total_mb, note])
    table.notes += [f"debian: {debian.description}", generated.description, sample.description,
                    "one run each (wall time includes Python start-up, about 1-2 s)"]
    result = Result("scan", mode, params={"debian": debian.description, "generated": generated.description,
                                          "generated_path": str(generated.path.relative_to(corpora.REPO))})
    result.tables.append(table)
    dedup_time = measured[runs[0][0], "debian"].seconds
    baseline_time = measured[runs[1][0], "debian"].seconds
    speedup = ratio(baseline_time, dedup_time)
    peak = max(measured[runs[2][0], "generated"].peak_mb, measured[runs[3][0], "generated"].peak_mb)
    size = f"{generated.size_bytes / 1e6:.0f} MB"
    result.targets += [
        Target("Debian scan vs datasketch paragraph pipeline", "≥ 10x faster",
               f"{speedup:.1f}x ({dedup_time:.1f} s vs {baseline_time:.1f} s)", speedup >= 10),
        Target("peak memory of the generated-corpus scan", f"< 4 GB at 200 MB (this run: {size})",
               f"{peak:,.0f} MB", peak < MEMORY_LIMIT_MB),
    ]
    result.write()


def _baseline_note(stdout: str) -> str:
    counts = json.loads(stdout)
    return (f"{counts['unique']:,} unique paragraphs, {counts['candidates']:,} candidates, "
            f"{counts['near_pairs']:,} near pairs")


if __name__ == "__main__":
    main()
