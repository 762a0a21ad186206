"""The store's derived facts against a brute-force oracle over the same events."""
from __future__ import annotations

import shutil
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from needs import examples
from starscope.ingest.parse import COLUMNS
from starscope.store import Store
from starscope.store.schema import TYPE_COUNT_COLUMNS, WATCH
from starscope.store.segments import derive_segments

T0 = datetime(2024, 1, 30)


def oracle(events: list[dict]) -> dict[int, dict]:
    """Account facts straight from the definition, over events unique by id."""
    once = {}
    for e in events:
        once.setdefault(e["event_id"], e)
    by_actor = defaultdict(list)
    for e in once.values():
        by_actor[e["actor_id"]].append(e)
    out = {}
    for actor, evs in by_actor.items():
        times = {e["created_at"] for e in evs}
        repos = {e["repo_id"] for e in evs}
        orgs = {e["org_id"] for e in evs if e["org_id"] is not None}
        row = {
            "first_at": min(times), "last_at": max(times), "n_events": len(evs),
            "n_days": len({t.date() for t in times}),
            "n_times": min(len(times), 3), "n_repos": min(len(repos), 3),
            "n_orgs": min(len(orgs), 3),
        }
        for code, col in enumerate(TYPE_COUNT_COLUMNS):
            row[col] = sum(1 for e in evs if e["type"] == code)
        out[actor] = row
    return out


events_st = st.lists(
    st.fixed_dictionaries({
        "event_id": st.integers(1, 60),  # small id range: duplicates happen
        "created_at": st.integers(0, 6).map(lambda h: T0 + timedelta(hours=h * 9)),
        "type": st.sampled_from([WATCH, 4, 13, 0]),
        "actor_id": st.integers(1, 5),
        "actor_login": st.just("x"),
        "repo_id": st.integers(1, 5),
        "repo_name": st.just("o/r"),
        "org_id": st.none() | st.integers(1, 4),
    }),
    max_size=40,
)


def _fix_copies(events):
    """Copies of an event id carry the same event (as in GH Archive)."""
    first = {}
    return [dict(first.setdefault(e["event_id"], e)) for e in events]


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events_st, st.lists(st.integers(0, 3), min_size=40, max_size=40), st.booleans())
def test_account_activity_matches_oracle(tmp_path, events, split, compact):
    events = _fix_copies(events)
    root = tmp_path / "s"
    shutil.rmtree(root, ignore_errors=True)
    store = Store(root)
    # Spread events over files and commits in an arbitrary way.
    files = defaultdict(list)
    for e, f in zip(events, split):
        files[f].append(e)
    with store.writing() as w:
        for f, evs in sorted(files.items()):
            stage = w.staging / f"f{f}"
            segs = derive_segments(pa.Table.from_pylist(evs, schema=COLUMNS), stage)
            w.commit_staged([segs], [stage], {f"f{f}": {"size": 1, "bad_lines": 0,
                                                       "corrupt": None}}, [])
        if compact:
            w.COMPACT_MIN_SEGMENTS = 2  # merge even the few segments of a small test
            w.compact({"2024-01", "2024-02"})
    con = store.connect()
    got = {r[0]: r for r in con.execute(
        "SELECT actor_id, first_at, last_at, n_events, n_days, n_times, n_repos, n_orgs, "
        + ", ".join(TYPE_COUNT_COLUMNS) + " FROM account_activity").fetchall()}
    want = oracle(events)
    assert set(got) == set(want)
    cols = ["first_at", "last_at", "n_events", "n_days", "n_times", "n_repos", "n_orgs",
            *TYPE_COUNT_COLUMNS]
    for actor, row in want.items():
        assert dict(zip(cols, got[actor][1:])) == row, actor
    n_events = con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone()
    assert n_events[0] == n_events[1] == len({e["event_id"] for e in events})
    stars = sorted(r[0] for r in con.execute("SELECT event_id FROM stars").fetchall())
    assert stars == sorted({e["event_id"] for e in events if e["type"] == WATCH})


def test_empty_store_has_empty_views(tmp_path):
    con = Store(tmp_path / "none").connect()
    for view in ("events", "stars", "account_activity", "repos", "account_months"):
        assert con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] == 0


def test_second_writer_is_refused(tmp_path):
    import pytest

    from starscope.store import StoreBusy

    store = Store(tmp_path / "s")
    with store.writing():
        with pytest.raises(StoreBusy):
            with Store(tmp_path / "s").writing():
                pass


def test_manifest_lists_every_file_readers_open(tmp_path):
    """Unlisted files (a killed run's leftovers) are never read and are cleaned up."""
    store = Store(tmp_path / "s")
    with store.writing() as w:
        stage = w.staging / "a"
        evs = [{"event_id": 1, "created_at": T0, "type": WATCH, "actor_id": 1,
                "actor_login": "a", "repo_id": 2, "repo_name": "o/r", "org_id": None}]
        segs = derive_segments(pa.Table.from_pylist(evs, schema=COLUMNS), stage)
        w.commit_staged([segs], [stage], {"a": {"size": 1, "bad_lines": 0, "corrupt": None}}, [])
    stray = store.root / "tables" / "events" / "month=2024-01" / "c999999-dead.parquet"
    shutil.copy(next((store.root / "tables" / "events").rglob("*.parquet")), stray)
    con = store.connect()
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    import os
    os.utime(stray, (0, 0))  # old enough to be a leftover, not a reader's file
    with store.writing():
        pass
    assert not stray.exists()
