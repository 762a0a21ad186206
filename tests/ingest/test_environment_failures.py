"""Failures of the machine (issue 16): a full disk and a store that cannot be written end
in one line and their own exit code; workers die with a killed parent."""
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from events import event, line, write_hour
from starscope.cli import main
from starscope.environment import EXIT_DISK_FULL, EXIT_NOT_WRITABLE
from starscope.store import Store


@pytest.fixture
def arch(tmp_path):
    a = tmp_path / "a"
    for h in range(3):
        write_hour(a / f"2024-03-01-{h}.json.gz",
                   [line(event(h * 100 + i + 1, actor_id=i + 1, repo_id=i % 5 + 1,
                               created_at=f"2024-03-01T{h:02d}:{i:02d}:00Z"))
                    for i in range(40)])
    return a


def _one_line(result) -> str:
    text = (result.stderr or "").strip()
    assert "Traceback" not in text and text.count("\n") == 0, text
    return text


def test_disk_full_during_ingest_one_line_own_code_then_resume(arch, tmp_path, monkeypatch):
    """ENOSPC injected where the writer makes its commit durable, and as DuckDB reports it."""
    from starscope.store import manifest as mf
    from starscope.store import segments

    clean = tmp_path / "clean"
    assert CliRunner().invoke(main, ["ingest", str(arch), "--store", str(clean), "--quiet",
                                     "--workers", "1"]).exit_code == 0
    store = tmp_path / "s"
    real_save = mf.save

    def full(root, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(root / "manifest.json"))

    monkeypatch.setattr(mf, "save", full)
    r = CliRunner().invoke(main, ["ingest", str(arch), "--store", str(store), "--quiet",
                                  "--workers", "1"])
    assert r.exit_code == EXIT_DISK_FULL, r.output
    assert "disk is full" in _one_line(r) and "run the same command again" in r.stderr
    monkeypatch.setattr(mf, "save", real_save)

    import duckdb
    real_copy = segments.copy_to

    def duck_full(con, query, path):
        raise duckdb.IOException(f'IO Error: Could not write file "{path}": '
                                 f'No space left on device')

    monkeypatch.setattr(segments, "copy_to", duck_full)
    r = CliRunner().invoke(main, ["detect", "--store", str(clean)])
    assert r.exit_code == EXIT_DISK_FULL and "disk is full" in _one_line(r)
    monkeypatch.setattr(segments, "copy_to", real_copy)
    # Space freed: the same command ends with the store a clean run makes.
    assert CliRunner().invoke(main, ["ingest", str(arch), "--store", str(store), "--quiet",
                                     "--workers", "1"]).exit_code == 0
    q = "SELECT * FROM events ORDER BY event_id"
    assert Store(store).connect().execute(q).fetchall() == \
        Store(clean).connect().execute(q).fetchall()


def _mount(*args) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def small_fs(tmp_path):
    """A real 2 MiB file system (tmpfs), where mounting is allowed (root in a container)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)):
        pytest.skip("cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_real_full_disk_and_read_only_store(small_fs, tmp_path):
    """The same, on a real small disk: ENOSPC from the kernel, then a read-only remount."""
    a = tmp_path / "big"
    # ~4 MB of incompressible names: more than the 2 MiB disk holds once stored.
    for h in range(4):
        write_hour(a / f"2024-03-01-{h}.json.gz",
                   [line(event(h * 100_000 + i + 1, actor_id=i + 1, login=os.urandom(12).hex(),
                               repo_id=h * 100_000 + i, repo_name=f"o/{os.urandom(12).hex()}",
                               created_at=f"2024-03-01T{h:02d}:{i % 60:02d}:00Z"))
                    for i in range(12_000)])
    store = small_fs / "store"
    r = subprocess.run([sys.executable, "-m", "starscope", "ingest", str(a), "--store",
                        str(store), "--quiet", "--workers", "1"], capture_output=True, text=True)
    assert r.returncode == EXIT_DISK_FULL, r.stderr[-2000:]
    assert "disk is full" in _one_line(r)
    assert _mount("-o", "remount,ro", str(small_fs))
    r = subprocess.run([sys.executable, "-m", "starscope", "ingest", str(a), "--store",
                        str(store), "--quiet", "--workers", "1"], capture_output=True, text=True)
    assert r.returncode == EXIT_NOT_WRITABLE, r.stderr[-2000:]
    assert "cannot write" in _one_line(r)


def test_store_not_writable_one_line_own_code(arch, tmp_path, monkeypatch):
    """EROFS injected where a writer first writes (root ignores file modes, so a chmod
    cannot make a store read-only in the tests)."""
    from starscope.store import store as store_mod

    real = store_mod.Store.writing

    def read_only(self):
        raise OSError(errno.EROFS, "Read-only file system", str(self.root / ".lock"))

    monkeypatch.setattr(store_mod.Store, "writing", read_only)
    for args in (["ingest", str(arch)], ["detect"]):
        r = CliRunner().invoke(main, [*args, "--store", str(tmp_path / "s")]
                               + (["--quiet"] if args[0] == "ingest" else []))
        if args[0] == "detect":
            break  # no store yet: a usage error, tested elsewhere
        assert r.exit_code == EXIT_NOT_WRITABLE, r.output
        assert "cannot write" in _one_line(r) and "--store" in r.stderr
    monkeypatch.setattr(store_mod.Store, "writing", real)


# ------------------------------------------------------------------ 5. orphans
def _children(pid: int) -> set[int]:
    """Every descendant of pid (from /proc)."""
    parents = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    parents[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for c, pp in parents.items():
            if pp == p and c not in out:
                out.add(c)
                todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_die_with_a_killed_parent(tmp_path):
    a = tmp_path / "a"
    # One file's content under 16 hour names (copies of its events are dropped as duplicates):
    # cheap to write, and work enough for the workers to be caught running.
    first = write_hour(a / "2024-03-01-0.json.gz",
                       [line(event(i + 1, actor_id=i % 500 + 1,
                                   created_at=f"2024-03-01T00:{i % 60:02d}:00Z"))
                        for i in range(20_000)])
    for h in range(1, 16):
        (a / f"2024-03-01-{h}.json.gz").write_bytes(first.read_bytes())
    proc = subprocess.Popen([sys.executable, "-m", "starscope", "ingest", str(a), "--store",
                             str(tmp_path / "s"), "--quiet", "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kids: set[int] = set()
    deadline = time.time() + 60
    while time.time() < deadline and len(kids) < 3:  # forkserver + 2 workers
        kids |= _children(proc.pid)
        time.sleep(0.05)
    assert len(kids) >= 3, "the ingest did not start its workers"
    time.sleep(0.3)
    kids |= _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.2)
    left = [k for k in kids if _alive(k)]
    for k in left:  # do not leave them to the next test
        os.kill(k, signal.SIGKILL)
    assert not left, f"{len(left)} processes outlived the killed ingest"
