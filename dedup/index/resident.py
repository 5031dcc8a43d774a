"""Keep a file's pages in memory, so look-ups never wait for the disk.

A check at a million stored paragraphs reads about 900 pages scattered over the index: about 9 ms
when they are in the OS page cache and 40-180 ms when they are not. The kernel evicts file pages that
have not been read for a while (on this project's machines after about a minute), so an idle service
would answer its next articles from the disk. :class:`ResidentFile` maps the file read-only and locks
the mapping (``mlock``): its pages stay in the page cache, which every connection, thread and process
reading the file shares, and writes to the file land in the same locked pages. Pages the file gains
later are locked by :meth:`ResidentFile.refresh`.

Written by hand: Python's ``mmap`` module cannot lock a mapping, and no maintained package does it;
this is a few ``libc`` calls through ``ctypes`` (Linux and other POSIX systems).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import mmap
import os
import threading
from pathlib import Path
from typing import Self

# Locking must leave the rest of the machine room to work: never lock past this share of the memory the
# kernel reports as available.
MAX_SHARE_OF_AVAILABLE = 0.8


class ResidencyError(Exception):
    """A file cannot be kept in memory; the message is one line naming the file and the reason."""


class ResidentFile:
    """The pages of ``path`` locked in memory, from its start to its current size (whole pages)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.problem: str | None = None  # why the file stopped growing in memory, if it did
        self._libc = _libc(self.path)
        self._maps: list[tuple[int, int]] = []  # (address, length) of each locked mapping
        self._locked = 0
        self._lock = threading.Lock()
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise ResidencyError(f"{self.path}: cannot keep in memory ({exc.strerror or exc})") from None
        try:
            self._extend()
        except ResidencyError:
            self.close()
            raise

    @property
    def locked_bytes(self) -> int:
        return self._locked

    def stats(self) -> dict[str, int | str]:
        """``resident_bytes`` after a :meth:`refresh`, and ``resident_problem`` when there is one."""
        locked = self.refresh()
        return {"resident_bytes": locked} | ({"resident_problem": self.problem} if self.problem else {})

    def refresh(self) -> int:
        """Lock the pages the file has gained since the last call; returns the bytes locked in all.

        Never raises: the index works without residency, only slower, so a failure is kept in
        :attr:`problem` (``stats`` reports it) and later growth is left to the page cache.
        """
        with self._lock:
            if self.problem is None and self._fd >= 0:
                try:
                    self._extend()
                except ResidencyError as exc:
                    self.problem = str(exc)
        return self._locked

    def close(self) -> None:
        with self._lock:
            for address, length in self._maps:
                self._libc.munmap(ctypes.c_void_p(address), ctypes.c_size_t(length))  # unlocks too
            self._maps.clear()
            self._locked = 0
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _extend(self) -> None:
        size = os.fstat(self._fd).st_size // mmap.PAGESIZE * mmap.PAGESIZE  # pages past the end would fault
        length = size - self._locked
        if length <= 0:
            return
        available = _available_bytes()
        if available is not None and length > available * MAX_SHARE_OF_AVAILABLE:
            raise ResidencyError(f"{self.path}: cannot keep in memory ({_mb(length)} more needed, "
                                 f"{_mb(available)} available)")
        address = self._libc.mmap(None, ctypes.c_size_t(length), mmap.PROT_READ, mmap.MAP_SHARED, self._fd,
                                  ctypes.c_long(self._locked))
        if address in (None, ctypes.c_void_p(-1).value):
            raise ResidencyError(f"{self.path}: cannot map into memory ({os.strerror(ctypes.get_errno())})")
        if self._libc.mlock(ctypes.c_void_p(address), ctypes.c_size_t(length)) != 0:
            code = ctypes.get_errno()
            self._libc.munmap(ctypes.c_void_p(address), ctypes.c_size_t(length))
            raise ResidencyError(f"{self.path}: cannot lock {_mb(length)} in memory ({_lock_failure(code)})")
        self._maps.append((address, length))
        self._locked = size


def _libc(path: Path) -> ctypes.CDLL:
    name = ctypes.util.find_library("c")
    if name is None or os.name != "posix":
        raise ResidencyError(f"{path}: cannot keep in memory (no mlock on this platform)")
    libc = ctypes.CDLL(name, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                          ctypes.c_long]
    libc.mlock.argtypes = libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    _raise_memlock_limit()
    return libc


def _raise_memlock_limit() -> None:
    """An unprivileged process may lock up to its hard limit, but starts at a soft limit of a few MB."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (hard, hard))


def _lock_failure(code: int) -> str:
    if code in (errno.EPERM, errno.ENOMEM, errno.EAGAIN):
        return (f"{os.strerror(code)}: the locked-memory limit is too low; raise it with `ulimit -l` or "
                "LimitMEMLOCK, or run without keeping the index in memory")
    return os.strerror(code)


def _available_bytes() -> int | None:
    """MemAvailable of /proc/meminfo (None where there is no such file)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _mb(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} kB"
