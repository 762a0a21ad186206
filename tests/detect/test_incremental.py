"""Incremental detection: new hour files are ingested without re-reading old ones, `detect`
recomputes only the lockstep windows whose input changed, and every result equals a full run.

One simulated world of ~2.5 months (Feb 1 .. Apr 20), lockstep windows of one month (so three
windows, each with real clusters at n = 20, m = 5). The engine is a fixture parameter: the
suite runs DuckDB; ``STARSCOPE_INCREMENTAL_ENGINES=duckdb,spark`` adds Spark's incremental runs
(both pass; ~6.5 min of Spark on a quiet machine, too long for every run: Spark's incremental
reuse is also checked by tests/detect/test_engines.py on each run).
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from starscope.cli import main
from starscope.detect.lockstep import VERSION, Window, window_fingerprints, windows_for_span
from starscope.detect.params import Params
from starscope.ingest import ingest
from starscope.results.detection import detect_store
from starscope.simulate import simulate_world

from consistency import check_explanations
from starscope.store import Store

ENGINES = os.environ.get("STARSCOPE_INCREMENTAL_ENGINES", "duckdb").split(",")
PROFILE = "default"
P = Params(lockstep_window_months=1, lockstep_window_step_months=1, lockstep_n=20,
           lockstep_m=5)


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


def detect(store: Store, engine: str, **kw):
    kw = {"profile": PROFILE, "params": P, **kw}
    if engine != "duckdb":
        kw["engine"] = engine
    return detect_store(store, **kw)


def results(store: Store) -> dict[str, bytes]:
    """Every result table of the store's latest run (the cache tables too), as file bytes."""
    res = store.manifest()["results"]
    return {name: (store.root / rel).read_bytes() for name, rel in res["tables"].items()}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The world's hour files merged into one file per day (ingest is per file: 80 files
    instead of 1,920 keep the test fast), grouped by month. Merged by concatenating the
    hours' gzip members (valid gzip, as ingest reads it; not decompressed and compressed
    again: 2.5 s of CPU)."""
    base = tmp_path_factory.mktemp("inc")
    simulate_world(base / "w", days=80, seed=5, scale=0.02, start=dt.date(2024, 2, 1))
    days: dict[str, list[Path]] = {}
    for p in sorted((base / "w" / "archive").glob("*.json.gz")):
        days.setdefault(p.name.rsplit("-", 1)[0], []).append(p)
    out = base / "daily"
    out.mkdir()
    months: dict[str, list[str]] = {}
    for day, parts in sorted(days.items()):
        f = out / f"{day}-0.json.gz"
        with open(f, "wb") as fh:
            for p in parts:
                fh.write(p.read_bytes())
        months.setdefault(day[:7], []).append(str(f))
    assert sorted(months) == ["2024-02", "2024-03", "2024-04"]
    return base, months


@pytest.fixture(scope="module")
def full(world):
    """A fresh store that ingested everything, detected with --full: the reference."""
    base, months = world
    store = Store(base / "full")
    ingest(store, [f for m in sorted(months) for f in months[m]])
    meta = detect_store(store, profile=PROFILE, params=P, incremental=False)
    assert meta["lockstep_windows"] == {"reused": 0, "computed": 3}
    res = results(store)
    assert set(res) >= {"suspected_stars", "farms", "lockstep_windows", "lockstep_edges"}
    assert check_explanations(store)
    return store, res, meta


def test_new_month_recomputes_only_its_window(world, full, engine, tmp_path):
    _, months = world
    ref_store, ref, ref_meta = full
    store = Store(tmp_path / "s")
    ingest(store, months["2024-02"] + months["2024-03"])
    first = detect(store, engine)
    assert first["lockstep_windows"] == {"reused": 0, "computed": 2}
    assert first["rows"]["farms"] > 0

    # Ingest is incremental: the old files are skipped, not read again.
    new = months["2024-04"]
    rep = ingest(store, [f for m in sorted(months) for f in months[m]])
    assert rep.files_ingested == len(new)
    assert rep.files_skipped == len(months["2024-02"]) + len(months["2024-03"])
    assert rep.lines == sum(len(gzip.decompress(Path(f).read_bytes()).splitlines()) for f in new)

    second = detect(store, engine)
    assert second["lockstep_windows"] == {"reused": 2, "computed": 1}
    assert second["rows"] == ref_meta["rows"]
    assert results(store) == ref  # byte-identical Parquet, every table
    # Nothing new: every window reused, same bytes again.
    third = detect(store, engine)
    assert third["lockstep_windows"] == {"reused": 3, "computed": 0}
    assert results(store) == ref


def test_backfill_of_earlier_hours_equals_a_full_run(world, full, engine, tmp_path):
    _, months = world
    _, ref, _ = full
    store = Store(tmp_path / "s")
    ingest(store, months["2024-03"] + months["2024-04"])
    assert detect(store, engine)["lockstep_windows"] == {"reused": 0, "computed": 2}
    ingest(store, months["2024-02"])  # earlier hours arrive late
    meta = detect(store, engine)
    # February is new; March and April keep their start and end, so they are reused unless
    # a February star was the first star of a pair starred again later (then recomputed).
    assert meta["lockstep_windows"]["computed"] >= 1
    assert meta["lockstep_windows"]["reused"] >= 1
    assert sum(meta["lockstep_windows"].values()) == 3
    assert results(store) == ref


def test_full_or_other_params_or_range_recompute_everything(world, full, tmp_path):
    # DuckDB only: what forces a recompute (the fingerprint's context: profile, parameters,
    # range) is decided in Python, the same for both engines; the tests above run Spark's
    # reuse and recompute and compare its bytes with the reference (fewer Spark runs).
    engine = "duckdb"
    ref_store, ref, _ = full
    store = Store(tmp_path / "s")
    shutil.copytree(ref_store.root, store.root)  # a valid cache for P
    # --full ignores it (and gives the same bytes).
    if engine == "duckdb":
        sets = [x for k, v in P.to_dict().items() for x in ("--set", f"{k}={json.dumps(v)}")]
        r = CliRunner().invoke(main, ["detect", "--store", str(store.root), "--profile", PROFILE,
                                      "--full", "--json", *sets], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        meta = json.loads(r.output)
    else:
        meta = detect(store, engine, incremental=False)
    assert meta["lockstep_windows"] == {"reused": 0, "computed": 3}
    assert results(store) == ref
    # Other parameters, or another since/until (even one that keeps the same stars): every
    # window is recomputed (another profile too: it is part of the fingerprint's context).
    for kw in ({"params": P.replace(lockstep_rho=0.6)}, {"since": "2024-01-01"}):
        shutil.rmtree(store.root)
        shutil.copytree(ref_store.root, store.root)
        assert detect(store, engine, **kw)["lockstep_windows"] == {"reused": 0, "computed": 3}


def _moments_fingerprints(rows, wins, context):
    """The fingerprints computed straight from the definition: per window, the moments of
    (actor_id, repo_id, t = seconds since the window's start) of its stars."""
    import hashlib

    out = {}
    for w in wins:
        sel = [(a, r, int((t - w.start).total_seconds() // 1)) for a, r, t in rows
               if w.start <= t < w.end]
        m = [len(sel)] + [sum(f(a, r, t) for a, r, t in sel) for f in (
            lambda a, r, t: a, lambda a, r, t: r, lambda a, r, t: t,
            lambda a, r, t: a * a, lambda a, r, t: r * r, lambda a, r, t: t * t,
            lambda a, r, t: a * r, lambda a, r, t: a * t, lambda a, r, t: r * t,
            lambda a, r, t: a * r * t)]
        text = "\n".join([f"lockstep v{VERSION}", context, w.start.isoformat(),
                          w.end.isoformat()] + [str(x) for x in m])
        out[w.index] = hashlib.sha256(text.encode()).hexdigest()
    return out


def test_fingerprint_matches_its_definition_and_sees_changes():
    import random

    import duckdb

    rnd = random.Random(3)
    t0 = dt.datetime(2024, 1, 20)
    rows = [(rnd.randrange(1, 2**31), rnd.randrange(1, 2**31),
             t0 + dt.timedelta(seconds=rnd.randrange(0, 150 * 86400),
                               microseconds=rnd.randrange(10**6)))
            for _ in range(400)]
    rows += [(7, 9, dt.datetime(2024, 3, 1)), (7, 10, dt.datetime(2024, 2, 29, 23, 59, 59))]
    con = duckdb.connect()

    def fps(rows, params=Params(lockstep_window_months=2, lockstep_window_step_months=1)):
        con.execute("CREATE OR REPLACE TABLE _det_stars (event_id BIGINT, starred_at TIMESTAMP, "
                    "repo_id BIGINT, actor_id BIGINT)")
        con.executemany("INSERT INTO _det_stars VALUES (0, ?, ?, ?)",
                        [[t, r, a] for a, r, t in rows])
        wins = windows_for_span(min(t for *_, t in rows), max(t for *_, t in rows), params)
        return wins, window_fingerprints(con, wins, "ctx")

    wins, got = fps(rows)
    assert len(wins) == 5 and got == _moments_fingerprints(rows, wins, "ctx")
    # One star later by a second, one star swapped to another repo, one star fewer: each
    # changes exactly the fingerprints of the windows that hold it.
    for changed in (
        [(a, r, t + dt.timedelta(seconds=1)) if i == 5 else (a, r, t)
         for i, (a, r, t) in enumerate(rows)],
        [(a, rows[6][1] if i == 5 else rows[5][1] if i == 6 else r, t)
         for i, (a, r, t) in enumerate(rows)],
        rows[:5] + rows[6:],
    ):
        wins2, got2 = fps(changed)
        assert [(w.start, w.end) for w in wins2] == [(w.start, w.end) for w in wins]
        assert got2 == _moments_fingerprints(changed, wins2, "ctx")
        touched = {w.index for w in wins
                   if any(w.start <= t < w.end for t in (rows[5][2], rows[6][2]))}
        assert {i for i in got if got[i] != got2[i]} <= touched
        assert any(got[i] != got2[i] for i in touched)
    # The window's end is part of it: a clipped last window differs from the full one.
    w = Window(0, dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 1))
    w2 = Window(0, dt.datetime(2024, 1, 1), dt.datetime(2024, 3, 1))
    fps(rows)
    assert window_fingerprints(con, [w], "ctx") != window_fingerprints(con, [w2], "ctx")
