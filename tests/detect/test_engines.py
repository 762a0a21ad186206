"""End to end: a simulated world, ingested, detected by DuckDB and by Spark (`detect_store`,
as `starscope detect --engine spark` does): the same rows in every result table, as sets, and
the same column types in the written files. The world holds lockstep farms and campaigns, so
the comparison is not vacuous."""
from __future__ import annotations

import duckdb
import pytest

from starscope.detect.params import Params
from starscope.ingest import ingest
from starscope.results.detection import detect_store
from starscope.simulate import simulate_world
from starscope.store import Store

from consistency import check_explanations

TABLES = ("suspected_stars", "campaigns", "farms", "repo_months", "accounts")


@pytest.fixture(scope="module")
def world_store(tmp_path_factory):
    base = tmp_path_factory.mktemp("engines-world")
    # Few organic accounts (scale 0.05), every kind of fake campaign, 3 days.
    simulate_world(base / "world", days=3, seed=2, scale=0.05)
    store = Store(base / "store")
    ingest(store, [str(base / "world" / "archive")])
    return store


def _results(store: Store) -> dict[str, tuple[list[str], set[tuple]]]:
    m = store.manifest()["results"]
    out = {}
    for name in TABLES:
        rel = duckdb.sql(f"SELECT * FROM read_parquet('{store.root / m['tables'][name]}')")
        rows = {tuple(tuple(v) if isinstance(v, list) else v for v in r) for r in rel.fetchall()}
        out[name] = ([str(t) for t in rel.types], rows)
    return out


@pytest.mark.parametrize("profile", ["starscout", "default"])
def test_spark_gives_the_same_results_as_duckdb(world_store, spark, profile, monkeypatch):
    """One Spark run per profile (each costs a minute of fixed Spark overhead):
    starscout computes every lockstep window on Spark; default starts incrementally from the
    lockstep cache DuckDB just wrote (so it also shows the cache is valid across engines) and
    runs the default profile's own stages on Spark. The world is a small store, whose temp
    tables Spark collects into the driver; the starscout run is made to checkpoint them as
    on a big store, so both ways of materializing are compared with DuckDB."""
    if profile == "starscout":
        monkeypatch.setenv("STARSCOPE_SPARK_SMALL_INPUT_ROWS", "0")
    params = Params(lockstep_max_iter=2)  # (fewer Spark actions; same on both engines)
    full = detect_store(world_store, profile=profile, params=params, incremental=False)
    want = _results(world_store)
    check_explanations(world_store)
    incremental = profile == "default"
    meta = detect_store(world_store, profile=profile, params=params, incremental=incremental,
                        engine="spark", master="local[2]")
    got = _results(world_store)
    assert meta["engine"] == "spark"
    if incremental:
        assert meta["lockstep_windows"] == {"reused": full["lockstep_windows"]["computed"],
                                            "computed": 0}
    for name in TABLES:
        assert got[name][0] == want[name][0], name  # column types
        assert got[name][1] == want[name][1], name  # rows, as sets
    # not vacuous: farms, campaigns and both signatures are there
    assert want["farms"][1] and want["campaigns"][1]
    cols = duckdb.sql(f"SELECT * FROM read_parquet('{world_store.root}/"
                      f"{world_store.manifest()['results']['tables']['suspected_stars']}')").columns
    la, cl = cols.index("low_activity"), cols.index("clustered")
    assert any(r[la] for r in want["suspected_stars"][1])
    assert any(r[cl] for r in want["suspected_stars"][1])
    if not incremental:
        # Spark's lockstep cache is valid for DuckDB: an incremental DuckDB run reuses every
        # window and gives the same results.
        again = detect_store(world_store, profile=profile, params=params)
        assert again["lockstep_windows"]["computed"] == 0
        assert again["lockstep_windows"]["reused"] >= 1
        assert _results(world_store) == want
