"""What a document must be to be stored and returned in matches; the service refuses anything else
before any work, with the same messages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# Metadata comes back inside every match: deeper nesting than this fails JSON encoders (pydantic stops
# at about 250 levels, Python's json at about 1,000) and would break every check that matches it.
MAX_METADATA_DEPTH = 32


def validate_text(text: object) -> str:
    """``text`` if it can be checked: a non-blank string of valid Unicode (else TypeError / ValueError)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("text is empty")
    return _unicode(text, "text")


def validate_document(doc_id: object, text: object,
                      metadata: Mapping[str, Any] | None = None) -> tuple[str, str, str | None]:
    """``(id, text, metadata as JSON or None)`` of a document that can be stored and later returned in
    matches, or ValueError saying why not (callers such as the service refuse it before any work)."""
    if not isinstance(doc_id, str) or not doc_id:
        raise ValueError(f"document id must be a non-empty string, got {doc_id!r}")
    _unicode(doc_id, f"document id {doc_id!r}")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise ValueError(f"metadata of {doc_id!r} must be a mapping, got {type(metadata).__name__}")
    if metadata is not None and _depth(metadata) > MAX_METADATA_DEPTH:
        raise ValueError(f"metadata of {doc_id!r} is nested deeper than {MAX_METADATA_DEPTH} levels")
    try:
        meta = None if metadata is None else json.dumps(dict(metadata), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata of {doc_id!r} is not JSON ({exc})") from None
    try:
        return doc_id, validate_text(text), meta if meta is None else _unicode(meta, "metadata")
    except ValueError as exc:
        raise ValueError(f"document {doc_id!r}: {exc}") from None


def _unicode(value: str, what: str) -> str:
    """``value`` if it is valid Unicode: a lone surrogate (from a JSON ``\\ud800`` escape) cannot be stored
    by SQLite, nor encoded in a response."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{what} is not valid Unicode (a lone surrogate at character {exc.start})") from None
    return value


def _depth(value: object) -> int:
    """Nesting depth of a JSON-like value, level by level (no recursion, so any depth is measured)."""
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [child for v in level if isinstance(v, (Mapping, list, tuple))
                 for child in (v.values() if isinstance(v, Mapping) else v)]
    return depth
