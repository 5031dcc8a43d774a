"""Run every benchmark and write ``summary.json`` and ``summary.md`` next to their results.

``python -m benchmarks.run --quick`` (CI: about a minute, so the scripts never rot) or ``--full``.
Each script runs in its own process (its memory peaks and thread pools stay its own; a crash is
caught) as ``python -m benchmarks.bench_<name> --quick|--full`` and writes its result through the
harness. The summary gathers them with the machine description and one table of every target.
The exit status is non-zero when a script fails; timings and targets are never asserted.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any

from benchmarks._harness import (
    REPO,
    Mode,
    machine_info,
    parse_mode,
    python_module,
    render_machine,
    render_result,
    render_targets,
    timestamp,
    write_json,
)

BENCHMARKS = ("signatures", "candidates", "scan", "quality", "news", "stream", "index", "ray", "service_load")


def run_benchmark(name: str, mode: Mode) -> dict[str, Any]:
    """Run one script; returns its outcome (name, status, seconds, its result when it wrote one)."""
    module = f"benchmarks.bench_{name}"
    if importlib.util.find_spec(module) is None:
        return {"name": name, "status": "missing"}
    path = mode.results_dir / f"{name}.json"
    started = time.time()
    print(f"[benchmarks] {name} ...", file=sys.stderr, flush=True)
    completed = subprocess.run(python_module(module, f"--{mode.name}"), cwd=REPO, capture_output=True,
                               text=True, check=False)
    seconds = time.time() - started
    fresh = path.exists() and path.stat().st_mtime >= started
    if completed.returncode != 0 or not fresh:
        reason = f"exit status {completed.returncode}" if completed.returncode else f"{path.name} not written"
        print(f"[benchmarks] {name} FAILED ({reason}):\n{completed.stderr[-4000:]}", file=sys.stderr,
              flush=True)
        return {"name": name, "status": "failed", "seconds": seconds, "reason": reason}
    print(f"[benchmarks] {name} ok ({seconds:.0f} s)", file=sys.stderr, flush=True)
    result = json.loads(path.read_text())
    result.pop("machine", None)  # the summary has it once
    return {"name": name, "status": "ok", "seconds": seconds, "result": result}


def render_summary(summary: Mapping[str, Any]) -> str:
    outcomes: list[dict[str, Any]] = summary["benchmarks"]
    ran = [o for o in outcomes if o["status"] == "ok"]
    parts = [f"# dedup benchmarks ({summary['mode']})",
             f"`{summary['command']}`, started {summary['started']}, {summary['seconds']:.0f} s",
             "## machine\n\n" + render_machine(summary["machine"]),
             "## runs\n\n" + "\n".join(f"- {o['name']}: {o['status']}"
                                       + (f" ({o['seconds']:.0f} s)" if "seconds" in o else "")
                                       + (f": {o['reason']}" if "reason" in o else "") for o in outcomes)]
    targets = [{**t, "target": f"{o['name']}: {t['target']}"} for o in ran for t in o["result"]["targets"]]
    if targets:
        parts.append("## targets\n\n" + render_targets(targets))
    parts += [render_result(o["result"]).rstrip() for o in ran]
    return "\n\n".join(parts) + "\n"


def stored_result(name: str, mode: Mode) -> dict[str, Any]:
    """A benchmark's last written result, for a summary after re-running single scripts."""
    path = mode.results_dir / f"{name}.json"
    if not path.exists():
        return {"name": name, "status": "missing"}
    result = json.loads(path.read_text())
    result.pop("machine", None)
    return {"name": name, "status": "ok", "result": result}


def main() -> None:
    """``--summary-only`` rebuilds the summary from the results already written, running nothing."""
    summary_only = "--summary-only" in sys.argv[1:]
    mode = parse_mode(__doc__ or "", [arg for arg in sys.argv[1:] if arg != "--summary-only"])
    started = time.time()
    outcomes = [stored_result(name, mode) if summary_only else run_benchmark(name, mode) for name in BENCHMARKS]
    command = f"python -m benchmarks.run --{mode.name}" + (" --summary-only" if summary_only else "")
    summary = {"mode": mode.name, "command": command,
               "started": timestamp(started), "seconds": time.time() - started, "machine": machine_info(),
               "benchmarks": outcomes}
    write_json(mode.results_dir / "summary.json", summary)
    markdown = render_summary(json.loads((mode.results_dir / "summary.json").read_text()))
    (mode.results_dir / "summary.md").write_text(markdown)
    print(markdown)
    failed = [o["name"] for o in outcomes if o["status"] == "failed"]
    if failed:
        print(f"[benchmarks] failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
