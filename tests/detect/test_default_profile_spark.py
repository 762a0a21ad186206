"""The default profile's hand-made worlds on Spark: all of them in ONE input, detected by DuckDB
and by Spark (`run_detection`: every signal, campaigns and slow campaigns, farms, months,
accounts), give the same rows in every result table.

Each world's own assertions run on DuckDB, world by world, in its module (test_default_profile,
test_created_together, test_hollow_burst, test_slow_drip, test_paired_orders, test_detect_cases).
A Spark detection costs ~20 s of fixed per-job overhead whatever its size, so one Spark run per
world made most of the Spark group's time; here they are one run. Unlike test_detect_cases'
batches (cases.py) the result is not split back into worlds: the `fresh` signal's sign-up clock
and `bulk`'s density bound read the whole id range, so worlds sharing an input see each other.
What this checks is that the engines agree on an input where every signal fires.
"""
from __future__ import annotations

import pyarrow as pa
import pytest

from starscope.detect import Params, run_detection
from starscope.results.repo import SIGNAL_LABELS

from . import (
    test_created_together,
    test_detect_cases,
    test_hollow_burst,
    test_paired_orders,
    test_slow_drip,
)
from . import test_default_profile as dp
from .cases import canonical, result_rows
from .fixtures import events_from_stars, make_con, table_names

SHIFT = 10**11  # world k's account, repo and event ids are moved by k * SHIFT (ids stay < SHIFT)

#: One parameter set that lets every world's signal fire (the worlds' own tests use these:
#: lockstep n = 5, m = 3 for the lockstep world, bursts of 15 stars for the reuse world);
#: two lockstep iterations (one carried into the next): fewer Spark jobs, the same on both engines.
PARAMS = Params(lockstep_n=5, lockstep_m=3, lockstep_max_iter=2)
DEFAULT_PARAMS = {"burst_min_stars": 15}

#: Every signal a suspected star can have (the labels users read): each must fire here, or
#: the comparison says nothing about it (a new signal needs a world in this input).
SIGNALS = set(SIGNAL_LABELS)


def _topped_up_orders() -> dp.World:
    """test_default_profile's reused farm, each of its three orders topped up by 5 accounts
    seen nowhere else (an order's other accounts: the `burst` signal)."""
    w = dp.reuse_world()
    for k, (repo, day) in enumerate(dp.ORDERS):
        for j in range(5):
            w.star(dp.spread(j, 600 + k), repo, day + 0.01 + j * 0.1)
    return w


def _worlds() -> list[tuple[list[dict], list[dict], pa.Table | None]]:
    out = []
    for build in (dp.bulk_world, dp.small_share_world, dp.star_fork_world, dp.low_activity_world,
                  dp.lockstep_world, dp.costar_world, _topped_up_orders, dp.campaigns_world,
                  dp.mixed_world):
        w = build()
        out.append((w.stars, w.events, None))
    for module in (test_hollow_burst, test_slow_drip, test_paired_orders):
        stars, events = module.hand_world()
        out.append((stars, events, None))
    out.append(test_created_together.profiles_world())
    four = [dict(s, event_id=100 + i) for i, s in enumerate(test_detect_cases.FOUR)]
    out.append((four, events_from_stars(four), None))
    return out


def _moved(rows: list[dict], k: int) -> list[dict]:
    out = []
    for r in rows:
        r = dict(r)
        for c in ("actor_id", "repo_id", "event_id"):
            if r.get(c) is not None:
                assert 0 <= r[c] < SHIFT, (c, r[c])
                r[c] += k * SHIFT
        if "actor_login" in r:
            r["actor_login"] = f"u{r['actor_id']}"
        if "repo_name" in r:
            r["repo_name"] = f"o/r{r['repo_id']}"
        out.append(r)
    return out


@pytest.fixture(scope="module")
def world() -> tuple[list[dict], list[dict], pa.Table]:
    """Every world in one input: (stars, events, account_profiles)."""
    stars: list[dict] = []
    events: list[dict] = []
    profiles: list[pa.Table] = []
    for k, (s, e, p) in enumerate(_worlds()):
        stars += _moved(s, k)
        events += _moved(e, k)
        if p is not None:
            profiles.append(pa.Table.from_pylist(_moved(p.to_pylist(), k), schema=p.schema))
    return stars, events, pa.concat_tables(profiles)


def _detect(world, engine: str):
    stars, events, profiles = world
    con = make_con(stars, events_rows=events, engine=engine)
    if engine == "spark":
        con.register("account_profiles", con.spark.createDataFrame(profiles), materialize=True)
    else:
        con.register("account_profiles", profiles)
    tables = run_detection(con, profile="default", params=PARAMS, default_params=DEFAULT_PARAMS)
    return con, tables


@pytest.mark.parametrize("engine", ["spark"], indirect=True)
def test_spark_gives_the_same_results_as_duckdb(world, engine):
    duck, tables = _detect(world, "duckdb")
    want = result_rows(duck, tables)
    # not vacuous: every signal fires, both kinds of campaign are there
    fired = set().union(*(r["signals"] for r in want["suspected_stars"].to_pylist()))
    assert fired == SIGNALS, fired ^ SIGNALS
    assert {r["kind"] for r in want["campaigns"].to_pylist()} == {"campaign", "slow_campaign"}
    assert want["farms"].num_rows

    con, spark_tables = _detect(world, engine)
    got = result_rows(con, spark_tables)
    assert spark_tables == tables
    for name in tables:
        # (column types as written to files: test_engines.py; Arrow's differ in nullability)
        assert got[name].column_names == want[name].column_names, name
        assert canonical({name: got[name]}) == canonical({name: want[name]}), name
    # only the inputs and the result tables remain (every stage dropped what it made)
    assert table_names(con) == {"stars", "events", "account_activity", "account_profiles",
                                *tables.values()}
