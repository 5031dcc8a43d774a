"""Chunks of pure-Python work for ``Engine.starmap``, in a module light enough to import in a worker
process (no numpy, no numba: a spawned worker is ready in a fraction of a second)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any, TypeVar

Result = TypeVar("Result")


def split(arguments: Sequence[tuple[Any, ...]], parts: int, min_size: int = 1,
          costs: Sequence[int] | None = None, min_cost: int = 0) -> list[Sequence[tuple[Any, ...]]]:
    """``arguments`` in consecutive chunks: about ``parts`` of them, none shorter than ``min_size``
    calls (except a last, shorter remainder).

    With ``costs`` (an estimate of each call's work, such as its characters) the chunks hold equal
    shares of the total cost instead, each at least ``min_cost`` (``min_size`` is not used): the calls
    of a stage differ by orders of magnitude (a story of two short articles beside one of forty), and
    equal counts left one worker on the last, heaviest chunk while the others waited.
    """
    totals = list(accumulate(costs)) if costs is not None else []
    if not totals or totals[-1] <= 0:
        size = max(-(-len(arguments) // max(parts, 1)), min_size, 1)
        return [arguments[i:i + size] for i in range(0, len(arguments), size)]
    share = max(totals[-1] / max(parts, 1), min_cost)
    chunks, start, cut = [], 0, 1
    while start < len(arguments):
        # cut at the next multiple of a share (so one overshooting chunk does not push the others back),
        # before or after the call that crosses it, whichever is nearer; at least one call
        target = cut * share
        crossing = min(bisect_left(totals, target), len(totals) - 1)
        before = totals[crossing - 1] if crossing else 0
        end = crossing if crossing > start and totals[crossing] - target > target - before else crossing + 1
        chunks.append(arguments[start:end])
        start, cut = end, max(cut + 1, int(totals[end - 1] // share) + 1)
    return chunks


def apply(function: Callable[..., Result], chunk: Sequence[tuple[Any, ...]]) -> list[Result]:
    return [function(*args) for args in chunk]
