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
) -> dict[str, Any]:
    """Detect over what the store holds and replace its results atomically.

    Readers (check, serve) keep seeing the previous run's results until this one is committed.
    Returns the run's summary (also kept in the manifest as the results' meta)."""
    from starscope.detect.params import Params
    from starscope.detect.run import run_detection

    params = params or Params()
    t0 = time.perf_counter()
    with store.writing() as writer:
        con = store.connect(writer.manifest, memory_limit=memory_limit)
        stars = con.execute("SELECT count(*) FROM stars").fetchone()[0]
        tables = run_detection(con, profile=profile, params=params, since=since, until=until,
                               progress=progress)
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
        }
        writer.write_results(con, tables, meta)
        con.close()
    meta["seconds"] = round(time.perf_counter() - t0, 3)
    return meta
