"""What every benchmark shares: run modes, timing, peak memory, machine info and the result files.

Each ``bench_*.py`` builds a :class:`Result` (tables of measurements plus targets with a met/missed
mark) and writes it with :meth:`Result.write` to ``benchmarks/results/<name>.json`` (``--full``) or
``benchmarks/results/quick/<name>.json`` (``--quick``), so CI smoke runs never overwrite the committed
full results. The files are committed, so their layout is deterministic: keys sorted, floats rounded
to four significant digits, rows in a fixed order; only numbers and timestamps change between runs.

Memory: in-process measurements reset the kernel's peak-RSS mark (``/proc/self/clear_refs``) before
each method and read ``VmHWM`` after it, so one process can measure many methods. Worker processes
and subprocesses are covered by sampling the proportional set size (PSS, shared pages split between
processes, so forked workers are not counted twice) of the whole process tree.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import importlib.metadata
import json
import math
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self, TypeVar

import psutil

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ("numpy", "numba", "datasketch", "rensa", "scikit-learn", "xxhash", "psutil", "dedup")
T = TypeVar("T")
MB = 1e6


@dataclass(frozen=True, slots=True)
class Mode:
    """Corpus sizes and repeats of a run: ``quick`` runs in CI in about a minute, ``full`` is the real one."""

    name: str
    debian_bytes: int | None  # None: every copyright file of the machine
    generated_bytes: int  # the corpus scanned end to end
    quality_bytes: int  # the corpus whose planted copies are counted
    naive_paragraphs: int  # datasketch's one-update-per-shingle path runs on this many paragraphs
    sample_paragraphs: int  # brute-force exact Jaccard over all pairs of this many paragraphs
    repeat: int  # timed runs of fast in-process methods; the best is reported
    command_timeout: float  # seconds a measured subprocess may run before it is stopped

    @property
    def results_dir(self) -> Path:
        return RESULTS if self.name == "full" else RESULTS / self.name


MODES = {
    "quick": Mode("quick", debian_bytes=1_000_000, generated_bytes=2_000_000, quality_bytes=2_000_000,
                  naive_paragraphs=2_000, sample_paragraphs=2_000, repeat=3, command_timeout=600),
    "full": Mode("full", debian_bytes=None, generated_bytes=200_000_000, quality_bytes=20_000_000,
                 naive_paragraphs=20_000, sample_paragraphs=5_000, repeat=5, command_timeout=3600),
}


def parse_mode(description: str, argv: Sequence[str] | None = None) -> Mode:
    """The ``--quick`` / ``--full`` switch every script takes (quick by default)."""
    parser = argparse.ArgumentParser(description=description)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", dest="mode", action="store_const", const="quick", help="small corpora (CI)")
    group.add_argument("--full", dest="mode", action="store_const", const="full", help="full-size corpora")
    args = parser.parse_args(argv)
    return MODES[args.mode or "quick"]


# ---------------------------------------------------------------------------------------------- memory

def _status_kb(field_name: str, pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field_name + ":"):
                return float(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field_name}")


def rss_mb() -> float:
    """Resident set size of this process now."""
    return _status_kb("VmRSS") * 1024 / MB


def reset_peak_rss() -> None:
    """Reset this process's peak-RSS mark to its current RSS (Linux >= 4.0; elsewhere the peak stays
    the process's lifetime peak)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def release_memory() -> None:
    """Collect garbage and hand freed heap back to the OS (glibc), so that the next method's peak RSS
    is not hidden inside memory an earlier method freed but the allocator kept."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def peak_rss_mb() -> float:
    """Peak resident set size of this process since start or the last :func:`reset_peak_rss`."""
    return _status_kb("VmHWM") * 1024 / MB


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return float(line.split()[1]) * 1024 / MB
    except OSError:  # the process ended between listing and reading
        pass
    return 0.0


class TreeSampler:
    """Samples the summed PSS of a process and its descendants every ``interval`` seconds, in a thread.

    Reading a process's PSS makes the kernel walk its page tables: about 47 ms for a 4 GB process
    (measured), so a fixed 50 ms interval kept one of the two cores busy and halved the 2-worker
    figures it was measuring. The wait is stretched to keep the sampler under a tenth of a core.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                pids = [self.pid] + [child.pid for child in root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            self.peak_mb = max(self.peak_mb, sum(_pss_mb(pid) for pid in pids))
            self._stop.wait(max(self.interval, 9 * (time.perf_counter() - started)))


# ---------------------------------------------------------------------------------------------- timing

@dataclass(frozen=True, slots=True)
class Measurement:
    """Timing and memory of one measured method.

    ``seconds`` is the best of its runs (the least disturbed on a shared machine). ``peak_rss_mb``
    is the peak RSS of the measuring process (of the largest process for a command);
    ``peak_total_mb`` the sampled peak PSS of the whole process tree when worker processes take part.
    """

    seconds: float
    peak_rss_mb: float
    baseline_rss_mb: float
    peak_total_mb: float | None = None

    @property
    def peak_mb(self) -> float:
        """The memory a user sees: the whole tree when it was sampled, this process otherwise."""
        return max(self.peak_rss_mb, self.peak_total_mb or 0.0)


def measure(fn: Callable[[], T], *, repeat: int = 1, min_seconds: float = 0.0,
            children: bool = False) -> tuple[T, Measurement]:
    """Run ``fn`` in this process ``repeat`` times, and more (up to 100) until the runs add up to
    ``min_seconds`` (short timings are noisy); returns its last result and the measurement.
    ``children`` samples the PSS of worker processes as well.
    """
    release_memory()
    baseline = rss_mb()
    reset_peak_rss()
    runs: list[float] = []
    with TreeSampler(os.getpid()) if children else contextlib.nullcontext() as sampler:
        while len(runs) < max(repeat, 1) or (sum(runs) < min_seconds and len(runs) < 100):
            started = time.perf_counter()
            result = fn()
            runs.append(time.perf_counter() - started)
    total = sampler.peak_mb if sampler else None
    return result, Measurement(min(runs), peak_rss_mb(), baseline, total)


def traced_peak_mb(fn: Callable[[], T]) -> tuple[T, float]:
    """Run ``fn`` under tracemalloc; returns its result and the peak of Python and numpy allocations
    (numpy reports its buffers to tracemalloc). Slows pure-Python code down: time it separately."""
    release_memory()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / MB


class CommandFailed(RuntimeError):
    """A measured subprocess exited non-zero; the message ends with its stderr."""


class CommandTimedOut(RuntimeError):
    """A measured subprocess ran past its time limit and was stopped, with its worker processes."""


def run_command(argv: Sequence[str], *, capture: bool = False,
                timeout: float | None = None) -> tuple[str, Measurement]:
    """Run a command to completion: wall time, peak RSS of its largest process (``wait4``) and the
    sampled peak PSS of its process tree. Returns its stdout when ``capture`` (otherwise discarded).

    The command runs in a session of its own, so that past ``timeout`` seconds it and its workers
    (and nothing else) can be stopped: a stage that does not scale must not hang a benchmark run.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(argv), stdout=out if capture else subprocess.DEVNULL, stderr=err,
                                   cwd=REPO, start_new_session=True)
        with TreeSampler(process.pid) as sampler:
            status, usage = _wait(process.pid, started, timeout)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status) if status is not None else -signal.SIGKILL
        if status is None:
            raise CommandTimedOut(f"{' '.join(argv)} stopped after {seconds:.0f} s (limit {timeout:.0f} s)")
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise CommandFailed(f"{' '.join(argv)} exited with {process.returncode}:\n{stderr[-2000:]}")
    largest = usage.ru_maxrss * 1024 / MB  # kilobytes on Linux
    return stdout, Measurement(seconds, largest, 0.0, sampler.peak_mb)


def _wait(pid: int, started: float, timeout: float | None) -> tuple[int | None, resource.struct_rusage]:
    """``wait4`` for ``pid``; past ``timeout`` kill its session and return a ``None`` status."""
    while True:
        reaped, status, usage = os.wait4(pid, 0 if timeout is None else os.WNOHANG)
        if reaped:
            return status, usage
        if timeout is not None and time.perf_counter() - started > timeout:
            os.killpg(pid, signal.SIGKILL)
            _, _, usage = os.wait4(pid, 0)
            return None, usage
        time.sleep(0.1)


def python_module(module: str, *args: str) -> list[str]:
    """argv running ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]


# ---------------------------------------------------------------------------------------------- results

@dataclass(slots=True)
class Table:
    """One markdown table: ``rows`` hold raw values, formatted only when rendered."""

    title: str
    columns: list[str]
    rows: list[list[object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Target:
    """A goal the numbers are compared to (never asserted: timings on shared machines vary)."""

    target: str
    goal: str
    measured: str
    met: bool


@dataclass(slots=True)
class Result:
    """The outcome of one benchmark script."""

    benchmark: str
    mode: Mode
    params: dict[str, object] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=lambda: psutil.Process().create_time())  # the script's start

    def as_dict(self) -> dict[str, object]:
        return {
            "benchmark": self.benchmark,
            "mode": self.mode.name,
            "command": f"python -m benchmarks.bench_{self.benchmark} --{self.mode.name}",
            "started": timestamp(self.started),
            "seconds": time.time() - self.started,
            "machine": machine_info(),
            "params": self.params,
            "tables": [asdict(t) for t in self.tables],
            "targets": [asdict(t) for t in self.targets],
            "notes": self.notes,
        }

    def write(self) -> Path:
        """Write ``<results_dir>/<benchmark>.json`` and ``.md``, print the markdown; returns the JSON path."""
        data = self.as_dict()
        path = self.mode.results_dir / f"{self.benchmark}.json"
        write_json(path, data)
        markdown = render_result(data)
        path.with_suffix(".md").write_text(markdown)
        print(markdown)
        return path


def write_json(path: Path, data: object) -> None:
    """Deterministic JSON (sorted keys, rounded floats), written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(_rounded(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    temporary.replace(path)


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return float(f"{value:.4g}") if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return value


def timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt(value: object) -> str:
    """A table cell: numbers to about three significant digits, booleans as ✓/✗."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        magnitude = abs(value)
        if magnitude >= 1000:
            return f"{value:,.0f}"
        if magnitude >= 100:
            return f"{value:.0f}"
        if magnitude >= 10:
            return f"{value:.1f}"
        if magnitude >= 1 or magnitude == 0:
            return f"{value:.2f}"
        if magnitude >= 0.1:
            return f"{value:.3f}"
        return f"{value:.3g}"
    return str(value).replace("|", "\\|")


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def render_targets(targets: Sequence[Mapping[str, Any]]) -> str:
    rows = [[t["target"], t["goal"], t["measured"], bool(t["met"])] for t in targets]
    return markdown_table(["target", "goal", "measured", "met"], rows)


def render_result(data: Mapping[str, Any], level: int = 2) -> str:
    """Markdown of one result dict (as written by :meth:`Result.write`)."""
    hashes = "#" * level
    parts = [f"{hashes} {data['benchmark']} ({data['mode']}, {fmt(float(data['seconds']))} s)",
             f"`{data['command']}`"]
    for table in data["tables"]:
        parts.append(f"{hashes}# {table['title']}\n\n" + markdown_table(table["columns"], table["rows"]))
        parts += [f"- {note}" for note in table["notes"]]
    if data["targets"]:
        parts.append(f"{hashes}# targets\n\n" + render_targets(data["targets"]))
    parts += [f"- {note}" for note in data["notes"]]
    return "\n\n".join(parts) + "\n"


def ratio(a: float, b: float) -> float:
    """``a / b``, NaN when ``b`` is 0 (rendered as –)."""
    return a / b if b else float("nan")


# ---------------------------------------------------------------------------------------------- machine

def machine_info() -> dict[str, object]:
    """CPU, cores, RAM, Python and package versions, git commit: what the numbers depend on."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "packages": {name: _version(name) for name in PACKAGES},
        "git": git_revision(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def git_revision() -> str:
    """Short commit of the checkout, with ``-dirty`` when tracked files have uncommitted changes."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("-dirty" if dirty else "")


def render_machine(info: Mapping[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    rows = [["CPU", info["cpu"]], ["cores (usable)", f"{info['cores']} ({info['usable_cores']})"],
            ["RAM", f"{info['ram_gb']} GB"], ["Python", f"{info['python']} ({info['platform']})"],
            ["packages", packages], ["git", info["git"]]]
    return markdown_table(["machine", ""], rows)
