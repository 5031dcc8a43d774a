"""Persistent index: the pre-ingest filter that checks an article against every stored one.

* :mod:`dedup.index.api`: :class:`Index`, the public object (open, check, add, remove);
* :mod:`dedup.index.verdict`: the verdict rules and its result types, built on the scan's own rules;
* :mod:`dedup.index.store`: the SQLite store (transactions, named reads and writes, integrity);
* :mod:`dedup.index.schema`: the file's tables and parameters, opening and upgrading;
* :mod:`dedup.index.batch`: texts segmented, shingled and signed by the scan's stages;
* :mod:`dedup.index.validate`, :mod:`dedup.index.errors`, :mod:`dedup.index.resident` (pages kept in memory).
"""

from dedup.index.api import Index, StoredDocument
from dedup.index.errors import (
    DocumentExists,
    DocumentNotFound,
    IndexCorrupt,
    IndexFileError,
    IndexFull,
    IndexMismatch,
    IndexVersionError,
)
from dedup.index.schema import FORMAT, SCHEMA_VERSION
from dedup.index.validate import validate_document, validate_text
from dedup.index.verdict import (
    DEFAULT_LIMIT,
    RELATIONS,
    DocumentMatch,
    PassageMatch,
    Quote,
    Verdict,
)
from dedup.relations import STORY_WINDOW

__all__ = [
    "DEFAULT_LIMIT", "FORMAT", "RELATIONS", "STORY_WINDOW", "SCHEMA_VERSION", "DocumentExists",
    "DocumentMatch", "DocumentNotFound", "Index", "IndexCorrupt", "IndexFileError", "IndexFull", "IndexMismatch",
    "IndexVersionError", "PassageMatch", "Quote", "StoredDocument", "Verdict", "validate_document", "validate_text",
]
