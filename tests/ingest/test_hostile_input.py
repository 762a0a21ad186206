"""Hostile and unlucky input (issue 16): outlier dates, overlong lines, bombs, repeats,
unreadable inputs, odd file names. Each test fails on the code before the fix."""
import json
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import event, line, write_hour
from starscope.ingest import ingest
from starscope.ingest.parse import LineParser
from starscope.simulate.hostile import gzip_members, worker_peak
from starscope.source.local import LongLine, ReadOutcome, read_lines
from starscope.store import Store
from starscope.store.segments import derive_segments

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, prefix=(), **kw):
    return subprocess.run([*prefix, sys.executable, "-m", "starscope", *args],
                          capture_output=True, text=True, **kw)


def _without_dac_override() -> list[str] | None:
    """A command prefix under which permissions hold for this user (None: cannot be had)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"] if setpriv else None


def quarantine(store: Path) -> list[dict]:
    return [json.loads(ln) for p in sorted((store / "quarantine").glob("*.jsonl"))
            for ln in p.read_text().splitlines()]


# ------------------------------------------------------------------ 1. outlier dates
def test_outlier_dates_are_quarantined_with_the_reason(tmp_path):
    arch = tmp_path / "a"
    odd = ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
           "2011-02-11T23:59:59Z", "2024-03-02T06:00:01Z"]  # the last: > hour + 1 day
    good = [event(i, created_at=f"2024-03-01T05:{i:02d}:00Z") for i in range(1, 11)]
    bad = [event(100 + i, created_at=t) for i, t in enumerate(odd)]
    write_hour(arch / "2024-03-01-5.json.gz", [line(e) for e in good[:5] + bad + good[5:]])
    store = tmp_path / "s"
    r = run_cli("ingest", str(arch), "--store", str(store), "--quiet", "--json")
    assert r.returncode == 1, r.stderr
    rep = json.loads(r.stdout)
    assert rep["events_new"] == 10 and rep["bad_lines"] == 5
    q = quarantine(store)
    assert sorted(x["line"] for x in q) == [6, 7, 8, 9, 10]
    assert all("outside what this file can hold" in x["error"] for x in q)
    # each reason names the date as written (strftime gave year 0001 as "1-01-01")
    assert sorted(x["error"].split()[1] for x in q) == sorted(odd)
    con = Store(store).connect()
    lo, hi = con.execute("SELECT min(created_at), max(created_at) FROM events").fetchone()
    assert (lo.isoformat(), hi.isoformat()) == ("2024-03-01T05:01:00", "2024-03-01T05:10:00")
    # An event a little after its hour (GH Archive's files do overlap hours a bit) is kept.
    write_hour(arch / "2024-03-01-6.json.gz",
               [line(event(500, created_at="2024-03-01T07:30:00Z"))])
    assert ingest(Store(store), [str(arch)]).events_new == 1


def _detect_tables(store: Path) -> dict:
    from starscope.results.detection import detect_store

    detect_store(Store(store))
    con = Store(store).connect()
    return {t: con.execute(f"SELECT * FROM results.{t} ORDER BY ALL").fetchall()
            for t in ("suspected_stars", "campaigns", "farms")}


@pytest.fixture(scope="module")
def small_world(tmp_path_factory):
    from starscope.simulate import simulate_world

    d = tmp_path_factory.mktemp("world")
    simulate_world(d / "w", days=2, seed=3, scale=0.2)
    return d / "w"


@pytest.fixture(scope="module")
def clean_results(small_world, tmp_path_factory):
    """The small world's detection results from a clean store (computed once)."""
    clean = tmp_path_factory.mktemp("clean") / "store"
    ingest(Store(clean), [str(small_world)])
    return clean, _detect_tables(clean)


def test_detection_unaffected_by_one_outlier(small_world, clean_results, tmp_path):
    want = clean_results[1]
    # One star each dated 9999-12-31 and 1970-01-01, inside an hour file of the world.
    extra = tmp_path / "extra"
    write_hour(extra / "2024-03-01-12.json.gz", [
        line(event(9_000_000_001, created_at="9999-12-31T23:59:59Z", actor_id=77, repo_id=88)),
        line(event(9_000_000_002, created_at="1970-01-01T00:00:00Z", actor_id=78, repo_id=88))])
    hostile = tmp_path / "hostile"
    rep = ingest(Store(hostile), [str(small_world), str(extra)])
    assert rep.bad_lines >= 2
    assert _detect_tables(hostile) == want


def test_detection_survives_a_store_that_already_holds_an_outlier(clean_results, tmp_path):
    """A store written before ingest checked dates: detection ignores the outlier."""
    import shutil

    import pyarrow as pa

    from starscope.ingest.parse import COLUMNS

    store = tmp_path / "old"
    shutil.copytree(clean_results[0], store)
    want = clean_results[1]
    rows = [dict(event_id=9_000_000_001 + i, created_at=t, type=2, actor_id=77 + i,
                 actor_login="x", repo_id=88, repo_name="o/r", org_id=None)
            for i, t in enumerate([__import__("datetime").datetime(9999, 12, 31, 23),
                                   __import__("datetime").datetime(1, 1, 1)])]
    from starscope.store.schema import WATCH
    for r in rows:
        r["type"] = WATCH
    with Store(store).writing() as w:
        stage = w.staging / "x"
        segs = derive_segments(pa.Table.from_pylist(rows, schema=COLUMNS), stage)
        w.commit_staged([segs], [stage], {}, [])
    assert _detect_tables(store) == want


# ------------------------------------------------------------------ 2. memory and time
@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=0, max_size=30), st.integers(1, 25),
       st.integers(4, 30), st.booleans())
def test_read_lines_splits_like_the_text_and_caps_long_lines(lengths, block, cap, trailing):
    """Windows and LongLines together reproduce the text's lines, whatever the blocks."""
    import starscope.source.local as local

    text = b"\n".join(bytes([97 + i % 26]) * n for i, n in enumerate(lengths))
    if trailing and text:
        text += b"\n"
    want = text.split(b"\n")
    if want and want[-1] == b"":
        want.pop()
    blocks = [text[i:i + block] for i in range(0, len(text), block)]
    orig_blocks, orig_size = local._blocks, local.os.path.getsize
    local._blocks = lambda path, outcome: iter(blocks)
    try:
        got = []
        for item in read_lines(b"x" if text else b"", ReadOutcome(), max_line=cap):
            if isinstance(item, LongLine):
                got.append(("long", item.length, item.head))
            else:
                buf, s, e = item
                got += [("line", x) for x in buf[s:e].split(b"\n")]
                if buf[s:e].endswith(b"\n"):
                    got.pop()
    finally:
        local._blocks = orig_blocks
    expect = [("long", len(x), x[:200]) if len(x) > cap else ("line", x) for x in want]
    if not text:
        expect = []
    assert got == expect


WORKER_BOUND_MB = 300


def _worker_peak(path: Path, staged: Path) -> dict:
    """Run one ingest worker task on `path` in a fresh process: its peak RSS and counts."""
    return worker_peak(path, staged, timeout=300)


def test_single_huge_line_in_bounded_memory(tmp_path):
    """256 MiB without a newline (the reported 2 GiB case, scaled down): the old reader held
    it (and copied it block after block); the cap drops it as it streams by."""
    f = tmp_path / "2024-03-01-5.json.gz"
    good = line(event(1, created_at="2024-03-01T05:00:00Z")) + b"\n"
    gzip_members(f, b"x" * (8 << 20), 32, tail=b"\n" + good)
    got = _worker_peak(f, tmp_path / "staged")
    assert got["bad_lines"] == 1 and got["events"] == 1
    assert "longer than" in got["errors"][0]
    assert got["peak_mb"] < WORKER_BOUND_MB, got


def test_gzip_bomb_of_one_repeated_line_in_bounded_memory(tmp_path):
    """400 MB inflated from 1.5 MB: 1 M copies of one event (the reported 4 GiB bomb,
    scaled down; the old parser peaked at ~480 MB here). Held in bounded memory, and every
    collapsed copy counted as a duplicate."""
    ln = line(event(42, created_at="2024-03-01T05:00:00Z")) + b"\n"
    reps = (8 << 20) // len(ln)
    f = tmp_path / "2024-03-01-5.json.gz"
    gzip_members(f, ln * reps, 48)
    got = _worker_peak(f, tmp_path / "staged")
    assert got["events"] == reps * 48 and got["bad_lines"] == 0
    assert got["collapsed"] == reps * 48 - 1
    assert got["peak_mb"] < WORKER_BOUND_MB, got


def test_truncated_bomb_is_salvaged_in_bounded_memory(tmp_path):
    """A broken file is decoded again by a bare decompressor (salvage): it must hand out
    bounded blocks, not all that 1 MB of input inflates to (here ~270 MB in one call)."""
    ln = line(event(43, created_at="2024-03-01T05:00:00Z")) + b"\n"
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    piece = ln * ((8 << 20) // len(ln))
    data = b"".join(c.compress(piece) for _ in range(32)) + c.flush(zlib.Z_FULL_FLUSH)
    f = tmp_path / "2024-03-01-5.json.gz"
    f.write_bytes(data)  # no end of stream, no trailer: truncated
    got = _worker_peak(f, tmp_path / "staged")
    assert got["events"] == len(piece) // len(ln) * 32 and got["collapsed"] == got["events"] - 1
    assert got["peak_mb"] < WORKER_BOUND_MB, got


def test_repeated_events_are_counted_as_duplicates(tmp_path):
    arch = tmp_path / "a"
    ln = line(event(7, created_at="2024-03-01T05:00:00Z"))
    write_hour(arch / "2024-03-01-5.json.gz", [ln] * 1000 + [line(event(8))])
    rep = ingest(Store(tmp_path / "s"), [str(arch)])
    assert rep.events_new == 2 and rep.duplicate_events == 999
    from starscope.store.store import status
    assert status(Store(tmp_path / "s"))["duplicate_events"] == 999


def test_spilled_rows_derive_the_same_segments(tmp_path):
    """Beyond HOLD_ROWS a parser collapses repeats and spills to Parquet; the store's tables
    come out the same as from rows held in memory."""
    import duckdb

    evs = [event(i % 700 + 1, "WatchEvent" if i % 3 else "PushEvent", actor_id=i % 37 + 1,
                 repo_id=i % 11 + 1, created_at=f"2024-0{3 + i % 2}-01T05:{i % 60:02d}:00Z")
           for i in range(2000)]
    data = b"\n".join(line(e) for e in evs) + b"\n"
    held, spill = LineParser(), LineParser(spill_dir=tmp_path / "spill", hold_rows=300)
    for p in (held, spill):
        p.feed(data)
    a, b = held.result(), spill.result()
    assert b.spilled and b.good == a.good == 2000 and b.stars == a.stars
    sa, sb = {}, {}
    segs_a = derive_segments(a.table, tmp_path / "A", stats=sa)
    segs_b = derive_segments(b.table, tmp_path / "B", parts=b.spilled, stats=sb)
    assert sa["collapsed"] == 2000 - 700 == sb["collapsed"] + b.collapsed
    con = duckdb.connect()
    for sa_, sb_ in zip(sorted(segs_a, key=lambda s: s["path"]),
                        sorted(segs_b, key=lambda s: s["path"])):
        assert sa_["path"] == sb_["path"] and sa_["rows"] == sb_["rows"]
        q = "SELECT * FROM read_parquet(?) ORDER BY ALL"
        assert con.execute(q, [str(tmp_path / "A" / sa_["path"])]).fetchall() == \
            con.execute(q, [str(tmp_path / "B" / sb_["path"])]).fetchall()


# ------------------------------------------------------------------ 3. unreadable inputs
def test_unreadable_inputs_are_counted_and_the_rest_lands(tmp_path):
    arch = tmp_path / "a"
    write_hour(arch / "2024-03-01-1.json.gz", [line(event(1, created_at="2024-03-01T01:00:00Z"))])
    write_hour(arch / "2024-03-01-2.json.gz", [line(event(2, created_at="2024-03-01T02:00:00Z"))])
    (arch / "2024-03-01-3.json.gz").symlink_to(arch / "gone.json.gz")  # dangling
    (arch / "2024-03-01-4.json.gz").symlink_to(arch / "2024-03-01-4.json.gz")  # a loop
    (arch / "2024-03-01-7.json.gz").mkdir()  # a folder named like an hour file
    unreadable = ["2024-03-01-3.json.gz", "2024-03-01-4.json.gz", "2024-03-01-7.json.gz"]
    # A file without read permission. root reads it anyway: then the ingest runs without the
    # capabilities that let root bypass permissions (setpriv), as any other user would.
    deny = _without_dac_override()
    if deny is not None:
        write_hour(arch / "2024-03-01-5.json.gz",
                   [line(event(5, created_at="2024-03-01T05:00:00Z"))]).chmod(0)
        unreadable.insert(2, "2024-03-01-5.json.gz")
    store = tmp_path / "s"
    for attempt in range(2):  # the same on every re-run (one worker, then two)
        r = run_cli("ingest", str(arch), "--store", str(store), "--quiet", "--json",
                    "--workers", str(attempt + 1), prefix=deny or [])
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        rep = json.loads(r.stdout)
        assert sorted(rep["unreadable_files"]) == unreadable
        assert "dangling symlink" in rep["unreadable_files"]["2024-03-01-3.json.gz"]
        assert "loop" in rep["unreadable_files"]["2024-03-01-4.json.gz"]
        assert "folder" in rep["unreadable_files"]["2024-03-01-7.json.gz"]
        if deny is not None:
            assert "Permission denied" in rep["unreadable_files"]["2024-03-01-5.json.gz"]
        assert rep["files_ingested"] == (2 if attempt == 0 else 0)
    q = [x for x in quarantine(store) if x["error"].startswith("unreadable")]
    assert {x["file"] for x in q} == set(unreadable)
    # Given directly, a dangling symlink is counted too (not a usage error).
    r = run_cli("ingest", str(arch / "2024-03-01-3.json.gz"), "--store", str(store), "--quiet")
    assert r.returncode == 1 and "unreadable: 2024-03-01-3.json.gz" in r.stderr, r.stderr
    assert Store(store).connect().execute("SELECT count(*) FROM events").fetchone()[0] == 2


# ------------------------------------------------------------------ 8. names
def test_odd_names_warn_with_the_hours_their_events_claim(tmp_path):
    arch = tmp_path / "a"
    write_hour(arch / "foo.json.gz", [line(event(1, created_at="2024-03-01T05:00:00Z")),
                                      line(event(2, created_at="2024-03-01T05:59:00Z"))])
    write_hour(arch / "2024-13-45-99.json.gz", [line(event(3, created_at="2024-03-02T00:10:00Z"))])
    write_hour(arch / "2024-03-01-5.json.gz", [line(event(4, created_at="2024-03-01T05:00:00Z"))])
    r = run_cli("ingest", str(arch), "--store", str(tmp_path / "s"), "--quiet")
    assert r.returncode == 0, r.stderr
    warn = [ln for ln in r.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warn) == 2
    assert any("foo.json.gz" in w and "2024-03-01T05:00:00Z .. 2024-03-01T05:59:00Z" in w
               for w in warn)
    assert any("2024-13-45-99.json.gz" in w and "2024-03-02T00:10:00Z" in w for w in warn)


def test_same_name_in_two_folders_is_two_files_read_once(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_hour(a / "2024-03-01-5.json.gz", [line(event(1, created_at="2024-03-01T05:00:00Z"))])
    write_hour(b / "2024-03-01-5.json.gz", [line(event(2, created_at="2024-03-01T05:00:00Z")),
                                            line(event(3, created_at="2024-03-01T05:01:00Z"))])
    store = Store(tmp_path / "s")
    first = ingest(store, [str(a), str(b)])
    assert first.files_ingested == 2 and first.events_new == 3
    again = ingest(store, [str(a), str(b)])
    assert again.files_ingested == 0 and again.files_skipped == 2
    assert again.duplicate_events == 0
    # A third copy of one of them, elsewhere: the same content, skipped.
    c = tmp_path / "c"
    c.mkdir()
    (c / "2024-03-01-5.json.gz").write_bytes((b / "2024-03-01-5.json.gz").read_bytes())
    assert ingest(store, [str(c)]).files_ingested == 0
    # Two identical copies new in one run: read once.
    d, e = tmp_path / "d", tmp_path / "e"
    write_hour(d / "2024-03-01-6.json.gz", [line(event(9, created_at="2024-03-01T06:00:00Z"))])
    e.mkdir()
    (e / "2024-03-01-6.json.gz").write_bytes((d / "2024-03-01-6.json.gz").read_bytes())
    rep = ingest(store, [str(d), str(e)])
    assert rep.files_ingested == 1 and rep.files_skipped == 1 and rep.duplicate_events == 0
