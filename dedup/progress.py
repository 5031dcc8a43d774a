"""Progress reporting for long stages: the library calls it, the CLI draws it (nothing by default)."""

from __future__ import annotations


class Progress:
    """Receives progress of long stages; the CLI draws it, the default draws nothing."""

    def start(self, stage: str, total: int) -> None:
        """A stage with ``total`` units of work begins."""

    def advance(self, units: int) -> None:
        """``units`` more units of the current stage are done."""
