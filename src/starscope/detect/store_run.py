"""Run detection over a store and commit its result tables (the `detect` command).

The engine (starscope.engines, by name) runs the stages over one Snapshot; this module holds
the store's write lock, records the run's summary and commits the tables atomically.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from starscope.store import Snapshot, Store


def detect_store(
    store: Store,
    *,
    profile: str = "default",
    params: Any = None,
    default_params: Any = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    memory_limit: str | None = None,
    progress: Callable[[str], None] | None = None,
    incremental: bool = True,
    engine: str = "duckdb",
    master: str | None = None,
) -> dict[str, Any]:
    """Detect over what the store holds and replace its results atomically.

    Readers (check, serve) keep seeing the previous run's results until this one is committed.
    Returns the run's summary (also kept with the results as their meta).

    ``incremental``: reuse the lockstep windows of the previous run whose input is unchanged
    (the results are the same as a full run's); False recomputes every window. Either way the
    run stores its lockstep cache with its results, and the summary's ``lockstep_windows``
    says how many windows were reused and computed.

    ``engine``: "duckdb" (in process) or "spark" (the same detectors' SQL on a Spark session
    at ``master``, default local[*] or $STARSCOPE_SPARK_MASTER; the result tables are
    collected to the driver and written like DuckDB's: same rows, files and types)."""
    from starscope.engines import engine as get_engine

    from .params import Params
    from .profiles import get as get_profile
    from .run import CACHE_TABLES

    params = params or Params()
    prof = get_profile(profile)
    own = prof.own_params(default_params)
    eng = get_engine(engine, master=master)
    eng.check()
    t0 = time.perf_counter()
    with store.writing() as writer:
        snap = writer.snapshot()
        run = eng.detect(store, snap, cache_tables=CACHE_TABLES, incremental=incremental,
                         memory_limit=memory_limit, profile=profile, params=params,
                         since=since, until=until, progress=progress, default_params=own)
        tables = {k: v for k, v in run.tables.items() if k not in CACHE_TABLES}
        if progress:
            progress("writing results")
        counts = {name: run.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for name, t in sorted(tables.items())}
        meta = {
            "profile": profile,
            "params": params.to_dict(),
            # the profile's own thresholds (docs/detection-default.md)
            "default_params": dataclasses.asdict(own) if own is not None else None,
            "since": str(since) if since else None,
            "until": str(until) if until else None,
            "stars_considered": run.stars,
            "rows": counts,
            "store_commit": snap.commit,
            "incremental": incremental,
            "lockstep_windows": run.stats["lockstep_windows"],
            "engine": engine,
            "coverage": _coverage_summary(store, snap),
        }
        writer.write_results(run.con, {**tables, **CACHE_TABLES}, meta)
        run.con.close()
    meta["seconds"] = round(time.perf_counter() - t0, 3)
    return meta


def _coverage_summary(store: Store, snapshot: Snapshot) -> dict[str, Any]:
    """The coverage the results were computed on: star capture per month, degraded months."""
    from starscope.results.coverage import coverage, summary

    return summary(coverage(store, snapshot=snapshot))
