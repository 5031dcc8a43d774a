import ctypes
import errno
import mmap
import subprocess
import sys
import textwrap

import pytest

from dedup.index import Index, IndexFileError
from dedup.index import resident as resident_module
from dedup.index.resident import ResidencyError, ResidentFile
from tests.conftest import ROOT, seed
from tests.test_index import seed_text, synthetic
from tests.test_service import serve

PAGE = mmap.PAGESIZE


def locked_kb() -> int:
    """VmLck of this process: the memory it has locked."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmLck:"))


def test_locks_the_whole_file_and_what_it_gains(tmp_path):
    path = tmp_path / "data"
    path.write_bytes(b"x" * (5 * PAGE + 100))  # the partial last page is left to the page cache
    before = locked_kb()
    with ResidentFile(path) as kept:
        assert kept.locked_bytes == 5 * PAGE
        assert locked_kb() - before == 5 * PAGE // 1024
        with path.open("ab") as grown:
            grown.write(b"y" * (3 * PAGE))
        assert kept.refresh() == 8 * PAGE
        assert locked_kb() - before == 8 * PAGE // 1024
        assert kept.refresh() == 8 * PAGE  # nothing new: nothing more locked
    assert locked_kb() == before


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(ResidencyError, match=r"missing\.dedup: cannot keep in memory \(No such file"):
        ResidentFile(tmp_path / "missing.dedup")


def test_refuses_more_than_the_memory_available(tmp_path, monkeypatch):
    path = tmp_path / "big"
    path.write_bytes(b"x" * (4 * PAGE))
    monkeypatch.setattr(resident_module, "_available_bytes", lambda: 2 * PAGE)
    with pytest.raises(ResidencyError, match=r"big: cannot keep in memory \(16 kB more needed, 8 kB available\)"):
        ResidentFile(path)


class FailingLock:
    """libc whose mlock fails as it does for a process over its locked-memory limit."""

    def __init__(self, libc):
        self.mmap, self.munmap = libc.mmap, libc.munmap

    def mlock(self, address, length):
        ctypes.set_errno(errno.ENOMEM)
        return -1


def test_a_lock_over_the_limit_says_how_to_raise_it(tmp_path, monkeypatch):
    path = tmp_path / "data"
    path.write_bytes(b"x" * PAGE)
    real = resident_module._libc
    monkeypatch.setattr(resident_module, "_libc", lambda p: FailingLock(real(p)))
    with pytest.raises(ResidencyError) as raised:
        ResidentFile(path)
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"{path}: cannot lock 4 kB in memory")
    assert "ulimit -l" in message


def test_refresh_never_raises_and_reports_the_problem(tmp_path, monkeypatch):
    path = tmp_path / "data"
    path.write_bytes(b"x" * PAGE)
    with ResidentFile(path) as kept:
        monkeypatch.setattr(resident_module, "_available_bytes", lambda: 0)
        with path.open("ab") as grown:
            grown.write(b"y" * PAGE)
        assert kept.refresh() == PAGE  # still the first page only
        assert "cannot keep in memory" in kept.problem
        monkeypatch.setattr(resident_module, "_available_bytes", lambda: None)
        assert kept.refresh() == PAGE  # once given up, later growth stays on disk


def test_resident_index_gives_the_same_verdicts_and_follows_its_growth(tmp_path):
    path = tmp_path / "news.dedup"
    with Index.create(path) as index:
        index.add(seed("000"), seed_text("000"))
    before = locked_kb()
    with Index.open(path, resident=True) as kept, Index.open(path) as plain:
        size = path.stat().st_size
        assert kept.stats()["resident_bytes"] == size and locked_kb() - before == size // 1024
        for text in (seed_text("001"), seed_text("000"), synthetic(1)):
            assert kept.check(text).to_dict() | {"stats": None} == plain.check(text).to_dict() | {"stats": None}
        kept.add_many((f"s{k}", synthetic(k, paragraphs=40)) for k in range(80))  # past a WAL checkpoint
        assert path.stat().st_size > size
        assert kept.stats()["resident_bytes"] == path.stat().st_size
        assert kept.check(seed_text("001")).verdict == "partial-reuse"
    assert locked_kb() == before


def test_resident_index_follows_another_process_writing(tmp_path):
    path = tmp_path / "news.dedup"
    Index.create(path).close()
    with Index.open(path, resident=True) as kept:
        size = kept.stats()["resident_bytes"]
        writer = textwrap.dedent(f"""
            from dedup.index import Index
            from tests.test_index import synthetic
            with Index.open({str(path)!r}) as index:
                index.add_many((f"w{{k}}", synthetic(k, paragraphs=40)) for k in range(80))
        """)
        subprocess.run([sys.executable, "-c", writer], cwd=ROOT, check=True, timeout=120)
        assert kept.check(synthetic(3, paragraphs=40)).verdict == "duplicate"
        assert kept.stats()["resident_bytes"] == path.stat().st_size > size


def test_index_open_resident_failure_is_an_index_error(tmp_path, monkeypatch):
    path = tmp_path / "news.dedup"
    Index.create(path).close()
    monkeypatch.setattr(resident_module, "_available_bytes", lambda: 0)
    with pytest.raises(IndexFileError, match=r"news\.dedup: cannot keep in memory"):
        Index.open(path, resident=True)


def test_service_keeps_the_index_resident(tmp_path):
    before = locked_kb()
    with serve(tmp_path / "news.dedup", resident=True) as client:
        stats = client.get("/stats").json()
        assert stats["resident_bytes"] == (tmp_path / "news.dedup").stat().st_size > 0
        assert locked_kb() - before == stats["resident_bytes"] // 1024
    assert locked_kb() == before


def test_serve_falls_back_to_disk_with_a_warning(tmp_path):
    path = tmp_path / "news.dedup"
    Index.create(path).close()
    script = textwrap.dedent(f"""
        import sys
        from dedup import service
        from dedup.index import resident
        resident._available_bytes = lambda: 0
        service.serve = lambda app, host, port: print("serving", flush=True)
        from dedup.cli import main
        sys.argv = ["dedup", "serve", "--index", {str(path)!r}]
        main()
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "serving\n"
    assert done.stderr.startswith(f"dedup: warning: {path}: cannot keep in memory (")
    assert done.stderr.rstrip().endswith("available); serving from disk")
    assert done.stderr.count("\n") == 1
