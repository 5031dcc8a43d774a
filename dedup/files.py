"""Writing output files whole: a report or an output folder is either complete or as it was."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def written_whole(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """The paths to write instead of ``paths``: partial files beside them (beside a symlink's target),
    each renamed over its target once the block ends without error, so a full disk, a failure or Ctrl-C
    half way leaves the previous files as they were, never truncated ones. A device or FIFO
    (``/dev/stdout``, a named pipe) is written in place."""
    targets = [path.resolve() if path.is_symlink() else path for path in paths]
    in_place = [target.exists() and not target.is_file() for target in targets]
    partials = [target if direct else target.with_name(f".{target.name}.{os.getpid()}.partial")
                for target, direct in zip(targets, in_place)]
    try:
        yield partials
        for partial, target, direct in zip(partials, targets, in_place):
            if not direct:
                os.replace(partial, target)
    finally:
        for partial, direct in zip(partials, in_place):
            if not direct:
                partial.unlink(missing_ok=True)
