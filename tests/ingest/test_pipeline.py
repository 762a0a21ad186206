import json
import os
import signal
import subprocess
import sys
import time
import gzip
import zlib
from pathlib import Path

import pytest

from events import event, line, write_hour
from starscope.ingest import ingest
from starscope.store import Store
from starscope.store.store import status


def snapshot(store: Store) -> dict:
    """The store's content as readers see it, independent of how it was batched on disk."""
    con = store.connect()
    out = {}
    for view, order in [("events", "event_id"), ("stars", "event_id"),
                        ("account_activity", "actor_id"), ("repos", "repo_id")]:
        out[view] = con.execute(f"SELECT * FROM {view} ORDER BY {order}").fetchall()
    st = status(store)
    out["status"] = {k: st[k] for k in ("files", "events", "stars", "accounts", "repos",
                                         "bad_lines", "corrupt_files", "first_event",
                                         "last_event")}
    return out


def truncated_hour(path: Path, lines: list[bytes], keep: int) -> None:
    """A gzip file whose stream stops right after `keep` whole lines (no trailer)."""
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    data = comp.compress(b"".join(ln + b"\n" for ln in lines[:keep]))
    data += comp.flush(zlib.Z_FULL_FLUSH)
    data += comp.compress(b"".join(ln + b"\n" for ln in lines[keep:]))[:10]
    path.write_bytes(data)


@pytest.fixture
def mixed(tmp_path):
    """A folder with good files, malformed lines, a truncated, an empty and a non-gzip file."""
    arch = tmp_path / "archive"
    stars = set()
    eid = 1000

    def ev(hour, i, type_="WatchEvent"):
        nonlocal eid
        eid += 1
        e = event(eid, type_, actor_id=i % 50 + 1, repo_id=i % 7 + 1,
                  created_at=f"2024-03-01T{hour:02d}:{i % 60:02d}:00Z")
        return e

    good = []
    for hour in range(3):
        evs = [ev(hour, i, "WatchEvent" if i % 3 == 0 else "PushEvent") for i in range(120)]
        good.append(evs)
        write_hour(arch / f"2024-03-01-{hour}.json.gz", [line(e) for e in evs])
    evs = [ev(3, i) for i in range(40)]
    bad_lines = [b"{broken", b"\xff\xfe\x00junk", line(evs[0])[:30]]
    write_hour(arch / "2024-03-01-3.json.gz",
               [line(e) for e in evs[:20]] + bad_lines + [line(e) for e in evs[20:]])
    good.append(evs)
    tr = [ev(4, i) for i in range(30)]
    truncated_hour(arch / "2024-03-01-4.json.gz", [line(e) for e in tr], keep=17)
    good.append(tr[:17])
    (arch / "2024-03-01-5.json.gz").write_bytes(b"")
    (arch / "2024-03-01-6.json.gz").write_bytes(b"this is not gzip\n")
    # A duplicate of an event from file 0, inside another file: counts once.
    write_hour(arch / "2024-03-02-0.json.gz", [line(good[0][0])])
    for evs in good:
        stars.update(e["id"] for e in evs if e["type"] == "WatchEvent")
    n_events = sum(len(evs) for evs in good)
    return arch, {"stars": stars, "events": n_events, "bad_lines": 3, "corrupt": 3}


def run_cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "starscope", *args], capture_output=True,
                          text=True, **kw)


def test_mixed_folder_exit_1_counts_and_quarantine(mixed, tmp_path):
    arch, want = mixed
    store = tmp_path / "store"
    r = run_cli("ingest", str(arch), "--store", str(store), "--quiet")
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    st = json.loads(run_cli("status", "--store", str(store), "--json").stdout)
    assert st["files"] == 8
    assert st["events"] == want["events"]
    assert st["bad_lines"] == want["bad_lines"]
    assert st["corrupt_files"] == want["corrupt"]
    con = Store(store).connect()
    ids = [str(r[0]) for r in con.execute("SELECT event_id FROM stars").fetchall()]
    assert sorted(ids) == sorted(want["stars"])  # every valid star, exactly once
    q = [json.loads(ln) for p in sorted((store / "quarantine").glob("*.jsonl"))
         for ln in p.read_text().splitlines()]
    lines = sorted((r["file"], r["line"]) for r in q if r["line"] is not None)
    assert lines == [("2024-03-01-3.json.gz", 21), ("2024-03-01-3.json.gz", 22),
                     ("2024-03-01-3.json.gz", 23)]
    broken = sorted((r["file"], r["error"].split(":")[0]) for r in q if r["line"] is None)
    assert [f for f, _ in broken] == ["2024-03-01-4.json.gz", "2024-03-01-5.json.gz",
                                      "2024-03-01-6.json.gz"]
    assert st["first_event"] == "2024-03-01T00:00:00"


def test_reingest_is_a_noop(mixed, tmp_path):
    arch, _ = mixed
    store = Store(tmp_path / "store")
    first = ingest(store, [str(arch)])
    before = snapshot(store)
    manifest = (store.root / "manifest.json").read_bytes()
    again = ingest(store, [str(arch)])
    assert again.files_ingested == 0 and again.files_skipped == first.files_ingested
    assert (store.root / "manifest.json").read_bytes() == manifest
    # The same events under other file names: every event is a duplicate, nothing changes.
    copy = tmp_path / "copy"
    copy.mkdir()
    for p in arch.glob("2024-03-01-[0-3].json.gz"):
        (copy / p.name.replace("2024-03-01", "2024-03-09")).write_bytes(p.read_bytes())
    third = ingest(store, [str(copy)])
    assert third.events_new == 0 and third.duplicate_events == third.events_parsed > 0
    after = snapshot(store)
    assert after["events"] == before["events"] and after["stars"] == before["stars"]


def test_compacted_events_keep_their_span_and_copies_are_still_found(tmp_path, monkeypatch):
    # A commit looks for copies of its events only in segments whose time span meets its own
    # (the manifest's `created`); a compacted segment carries the span of those it merged.
    from starscope.store.store import StoreWriter

    monkeypatch.setattr(StoreWriter, "COMPACT_MIN_SEGMENTS", 2)
    arch = tmp_path / "a"
    for h in range(6):
        write_hour(arch / f"2024-03-01-{h}.json.gz",
                   [line(event(100 * h + i + 1, actor_id=i + 1, repo_id=7 + h,
                               created_at=f"2024-03-01T{h:02d}:{i:02d}:00Z")) for i in range(20)])
    store = Store(tmp_path / "store")
    ingest(store, [str(arch)], workers=1, batch_files=1)
    events = store.manifest()["segments"]["events"]
    assert len(events) == 1 and events[0]["created"] == ["2024-03-01T00:00:00",
                                                         "2024-03-01T05:19:00"]
    before = snapshot(store)
    copy = tmp_path / "copy"  # hour 3's events under another name: all copies
    write_hour(copy / "2024-03-02-0.json.gz",
               [line(event(300 + i + 1, actor_id=i + 1, repo_id=10,
                           created_at=f"2024-03-01T03:{i:02d}:00Z")) for i in range(20)])
    again = ingest(store, [str(copy)])
    assert again.events_new == 0 and again.duplicate_events == 20
    assert snapshot(store)["events"] == before["events"]


def test_usage_errors_exit_2_in_one_line(tmp_path):
    r = run_cli("ingest", str(tmp_path / "nope"), "--store", str(tmp_path / "s"))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr
    (tmp_path / "afile").write_text("x")
    r = run_cli("ingest", str(tmp_path), "--store", str(tmp_path / "afile"))
    assert r.returncode == 2 and "Traceback" not in r.stderr


def _many_files(arch: Path, n_files: int, per_file: int) -> None:
    eid = 10_000
    for f in range(n_files):
        lines = []
        for i in range(per_file):
            eid += 1
            t = "WatchEvent" if i % 4 == 0 else "PushEvent"
            lines.append(line(event(eid, t, actor_id=(eid * 7) % 301 + 1, repo_id=(eid * 3) % 41 + 1,
                                    created_at=f"2024-03-{1 + f // 24:02d}T{f % 24:02d}:{i % 60:02d}:00Z")))
        write_hour(arch / f"2024-03-{1 + f // 24:02d}-{f % 24}.json.gz", lines)


def test_sigkill_mid_run_then_rerun_equals_clean_run(tmp_path):
    arch = tmp_path / "archive"
    _many_files(arch, 24, 400)
    clean = Store(tmp_path / "clean")
    ingest(clean, [str(arch)], batch_files=3)
    want = snapshot(clean)
    env = dict(os.environ, STARSCOPE_BATCH_FILES="2")
    # Kill before anything is committed, and after 1 and 4 of the 12 commits.
    for after_commits in (0, 1, 4):
        store = tmp_path / f"killed{after_commits}"
        proc = subprocess.Popen([sys.executable, "-m", "starscope", "ingest", str(arch),
                                 "--store", str(store), "--quiet", "--workers", "1"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        deadline = time.time() + 60
        while after_commits and time.time() < deadline and proc.poll() is None:
            m = store / "manifest.json"
            if m.exists() and json.loads(m.read_text())["commit"] >= after_commits:
                break
            time.sleep(0.01)
        if not after_commits:
            time.sleep(0.3)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if (store / "manifest.json").exists():
            # Whatever was committed is whole: readers see a consistent store.
            snapshot(Store(store))
        # the rerun in this process (what `starscope ingest` calls; a process start costs more
        # CPU than this small ingest)
        rerun = ingest(Store(store), [str(arch)])
        assert rerun.clean, rerun
        assert snapshot(Store(store)) == want


def test_uncompressed_json_hour_files_are_read_like_gzipped_ones(tmp_path):
    gz, plain = tmp_path / "gz", tmp_path / "plain"
    _many_files(gz, 3, 40)
    for f in sorted(gz.iterdir()):  # as a user who ran gunzip has them
        plain.mkdir(exist_ok=True)
        (plain / f.name.removesuffix(".gz")).write_bytes(gzip.decompress(f.read_bytes()))
    (plain / "notes.json").write_text('{"not": "an hour file"}\n')  # not picked up
    a, b = Store(tmp_path / "a"), Store(tmp_path / "b")
    ra = ingest(a, [str(gz)], workers=1)
    rb = ingest(b, [str(plain)], workers=1)
    assert rb.files_ingested == 3 and rb.clean and rb.events_new == ra.events_new > 0
    sa, sb = snapshot(a), snapshot(b)
    for key in ("events", "stars", "account_activity", "repos"):
        assert sa[key] == sb[key], key
    # a .json file that is in fact gzip is read too; a named file needs no hour name
    one = tmp_path / "one.json"
    one.write_bytes(next(gz.iterdir()).read_bytes())
    assert ingest(Store(tmp_path / "c"), [str(one)], workers=1).events_new == 40


@pytest.mark.parametrize("make", ["empty", "unrelated"])
def test_nothing_to_ingest_is_an_error_and_leaves_no_store(tmp_path, make):
    src = tmp_path / "in"
    src.mkdir()
    if make == "unrelated":
        (src / "readme.txt").write_text("hello")
        (src / "data.json").write_text("{}")
    r = run_cli("ingest", str(src), "--store", str(tmp_path / "s"))
    assert r.returncode == 2, r.stderr
    assert "nothing to ingest" in r.stderr and r.stderr.strip().count("\n") == 0
    assert not (tmp_path / "s").exists()


def test_one_file_is_one_file(tmp_path):
    _many_files(tmp_path / "a", 1, 5)
    r = run_cli("ingest", str(tmp_path / "a"), "--store", str(tmp_path / "s"), "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("1 file ingested") and "1 files" not in r.stdout
    r = run_cli("status", "--store", str(tmp_path / "s"))
    assert r.returncode == 0 and "not run yet" in r.stdout
