"""Chunks of pure-Python work for ``Engine.starmap``, in a module light enough to import in a worker
process (no numpy, no numba: a spawned worker is ready in a fraction of a second)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Result = TypeVar("Result")


def split(arguments: Sequence[tuple[Any, ...]], parts: int, min_size: int = 1) -> list[Sequence[tuple[Any, ...]]]:
    """``arguments`` in consecutive chunks: about ``parts`` of them, none shorter than ``min_size``
    (except a last, shorter remainder)."""
    size = max(-(-len(arguments) // max(parts, 1)), min_size, 1)
    return [arguments[i:i + size] for i in range(0, len(arguments), size)]


def apply(function: Callable[..., Result], chunk: Sequence[tuple[Any, ...]]) -> list[Result]:
    return [function(*args) for args in chunk]
