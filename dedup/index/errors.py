"""What can go wrong with an index: each error's message is one line naming the file and the reason."""

from __future__ import annotations

UNCHANGED = "the index is unchanged"  # what a failed write leaves: its transaction is rolled back


class IndexFileError(Exception):
    """An index cannot be used as asked; the message is one line naming the file and the reason."""


class IndexCorrupt(IndexFileError):
    """The file is not a dedup index, or is damaged or truncated."""


class IndexFull(IndexFileError):
    """A write found no room (file system full, or the process's file size limit); nothing was written."""


class IndexMismatch(IndexFileError):
    """The index was built with other parameters than the ones asked for."""


class IndexVersionError(IndexFileError):
    """The index has a schema version this dedup cannot read."""


class DocumentExists(IndexFileError):
    """A document with this id is already stored."""


class DocumentNotFound(IndexFileError):
    """No document with this id is stored."""
