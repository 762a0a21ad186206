"""The DuckDB engine (the default): everything in process, over the store's Parquet files."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starscope.engines import DetectionRun
from starscope.errors import UsageError


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, master: str | None = None):
        if master:
            raise UsageError("--master needs --engine spark")

    def check(self) -> None:
        """DuckDB is a dependency: nothing to check."""

    def connect(self, store: Any, snapshot: Any, *, memory_limit: str | None = None) -> Any:
        return store.connect(snapshot, memory_limit=memory_limit)

    def ingest(self, store: Any, paths: list[str], *, workers: int | None = None,
               progress: Callable | None = None, missing_hours: list[str] | None = None) -> Any:
        from starscope.ingest import ingest

        return ingest(store, paths, workers=workers, progress=progress,
                      missing_hours=missing_hours)

    def detect(self, store: Any, snapshot: Any, *, cache_tables: dict[str, str],
               incremental: bool = True, memory_limit: str | None = None,
               **run_kw: Any) -> DetectionRun:
        from starscope.detect.run import run_detection

        con = self.connect(store, snapshot, memory_limit=memory_limit)
        stars = con.execute("SELECT count(*) FROM stars").fetchone()[0]
        previous = snapshot.result_tables()
        reuse = ({name: f"results.{name}" for name in cache_tables}
                 if incremental and all(name in previous for name in cache_tables) else None)
        stats: dict[str, Any] = {}
        tables = run_detection(con, keep_cache=True, reuse_cache=reuse, stats=stats, **run_kw)
        return DetectionRun(con, tables, stars, stats)
