"""Run detection over a store and commit its result tables (the `detect` command)."""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from starscope.store import Store


def detect_store(
    store: Store,
    *,
    profile: str = "default",
    params: Any = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    memory_limit: str | None = None,
    progress: Callable[[str], None] | None = None,
    incremental: bool = True,
) -> dict[str, Any]:
    """Detect over what the store holds and replace its results atomically.

    Readers (check, serve) keep seeing the previous run's results until this one is committed.
    Returns the run's summary (also kept in the manifest as the results' meta).

    ``incremental``: reuse the lockstep windows of the previous run whose input is unchanged
    (the results are the same as a full run's); False recomputes every window. Either way the
    run stores its lockstep cache with its results, and the summary's ``lockstep_windows``
    says how many windows were reused and computed."""
    from starscope.detect.params import Params
    from starscope.detect.run import CACHE_TABLES, run_detection

    params = params or Params()
    t0 = time.perf_counter()
    with store.writing() as writer:
        con = store.connect(writer.manifest, memory_limit=memory_limit)
        stars = con.execute("SELECT count(*) FROM stars").fetchone()[0]
        previous = (writer.manifest.get("results") or {}).get("tables", {})
        reuse = ({name: f"results.{name}" for name in CACHE_TABLES}
                 if incremental and all(name in previous for name in CACHE_TABLES) else None)
        stats: dict[str, Any] = {}
        tables = run_detection(con, profile=profile, params=params, since=since, until=until,
                               progress=progress, keep_cache=True, reuse_cache=reuse,
                               stats=stats)
        if progress:
            progress("writing results")
        counts = {name: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for name, t in sorted(tables.items())}
        meta = {
            "profile": profile,
            "params": params.to_dict(),
            "since": str(since) if since else None,
            "until": str(until) if until else None,
            "stars_considered": stars,
            "rows": counts,
            "store_commit": writer.manifest["commit"],
            "incremental": incremental,
            "lockstep_windows": stats["lockstep_windows"],
        }
        writer.write_results(con, {**tables, **CACHE_TABLES}, meta)
        con.close()
    meta["seconds"] = round(time.perf_counter() - t0, 3)
    return meta
