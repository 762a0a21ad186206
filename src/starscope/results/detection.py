"""Run detection over a store and commit its result tables (the `detect` command)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from starscope.errors import UsageError
from starscope.store import Store


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
    Returns the run's summary (also kept in the manifest as the results' meta).

    ``incremental``: reuse the lockstep windows of the previous run whose input is unchanged
    (the results are the same as a full run's); False recomputes every window. Either way the
    run stores its lockstep cache with its results, and the summary's ``lockstep_windows``
    says how many windows were reused and computed.

    ``engine``: "duckdb" (in process) or "spark" (the same detectors' SQL on a Spark session
    at ``master``, default local[*] or $STARSCOPE_SPARK_MASTER; the result tables are
    collected to the driver and written like DuckDB's: same rows, files and types)."""
    from starscope.detect.default_profile import DefaultParams
    from starscope.detect.params import Params
    from starscope.detect.run import CACHE_TABLES, run_detection

    params = params or Params()
    default_params = default_params or DefaultParams()
    if engine not in ("duckdb", "spark"):
        raise UsageError(f"unknown engine {engine!r}; choose duckdb or spark")
    if engine == "spark":
        from starscope.engines.spark.session import require_java, require_pyspark

        require_pyspark()
        require_java()
    t0 = time.perf_counter()
    with store.writing() as writer:
        if engine == "spark":
            from starscope.engines.spark.detect import detect as spark_detect

            con, tables, stars, stats = spark_detect(
                store.root, writer.manifest, master=master, profile=profile, params=params,
                since=since, until=until, progress=progress, incremental=incremental,
                cache_tables=CACHE_TABLES, default_params=default_params)
            tables = {k: v for k, v in tables.items() if k not in CACHE_TABLES}
        else:
            con = None
        if con is None:
            con = store.connect(writer.manifest, memory_limit=memory_limit)
            stars = con.execute("SELECT count(*) FROM stars").fetchone()[0]
            previous = (writer.manifest.get("results") or {}).get("tables", {})
            reuse = ({name: f"results.{name}" for name in CACHE_TABLES}
                     if incremental and all(name in previous for name in CACHE_TABLES) else None)
            stats: dict[str, Any] = {}
            tables = run_detection(con, profile=profile, params=params, since=since,
                                   until=until, progress=progress, keep_cache=True,
                                   default_params=default_params,
                                   reuse_cache=reuse, stats=stats)
        if progress:
            progress("writing results")
        counts = {name: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for name, t in sorted(tables.items())}
        meta = {
            "profile": profile,
            "params": params.to_dict(),
            # the default profile's own thresholds (docs/detection-default.md)
            "default_params": dataclasses.asdict(default_params) if profile == "default" else None,
            "since": str(since) if since else None,
            "until": str(until) if until else None,
            "stars_considered": stars,
            "rows": counts,
            "store_commit": writer.manifest["commit"],
            "incremental": incremental,
            "lockstep_windows": stats["lockstep_windows"],
            "engine": engine,
            "coverage": _coverage_summary(store, writer.manifest),
        }
        writer.write_results(con, {**tables, **CACHE_TABLES}, meta)
        con.close()
    meta["seconds"] = round(time.perf_counter() - t0, 3)
    return meta


def _coverage_summary(store: Store, manifest: dict[str, Any]) -> dict[str, Any]:
    """The coverage the results were computed on: star capture per month, degraded months."""
    from starscope.results.coverage import coverage, summary

    return summary(coverage(store, manifest=manifest))
