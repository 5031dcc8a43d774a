"""dedup: near-duplicate and text-reuse detection with the wording and figures that changed.

The public names are imported lazily (PEP 562) so that ``dedup --help`` and light imports do not
pay for numba and scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "scan": "dedup.pipeline",
    "analyze": "dedup.pipeline",
    "ScanConfig": "dedup.config",
    "Report": "dedup.model",
    "Document": "dedup.sources",
    "InputError": "dedup.sources",
    "Index": "dedup.index",
    "Verdict": "dedup.index",
    "render": "dedup.report",
}

__all__ = ["Document", "Index", "InputError", "Report", "ScanConfig", "Verdict", "__version__", "analyze", "render",
           "scan"]

if TYPE_CHECKING:
    from dedup.config import ScanConfig
    from dedup.index import Index, Verdict
    from dedup.model import Report
    from dedup.pipeline import analyze, scan
    from dedup.report import render
    from dedup.sources import Document, InputError


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dedup' has no attribute {name!r}")
