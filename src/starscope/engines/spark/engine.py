"""The Spark engine behind the Engine interface (starscope.engines): ingest of files and
Hadoop URIs, and detection with the detectors' shared SQL on a Spark session at ``master``
(default local[*] or $STARSCOPE_SPARK_MASTER)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starscope.engines import DetectionRun


class SparkEngine:
    name = "spark"

    def __init__(self, master: str | None = None):
        self.master = master

    def check(self) -> None:
        from starscope.engines.spark.session import require_java, require_pyspark

        require_pyspark()
        require_java()

    def connect(self, store: Any, snapshot: Any, *, memory_limit: str | None = None) -> Any:
        from starscope.engines.spark.connection import SparkConnection
        from starscope.engines.spark.detect import register_store
        from starscope.engines.spark.session import spark_session

        conn = SparkConnection(spark_session(self.master))
        register_store(conn, snapshot)
        return conn

    def ingest(self, store: Any, paths: list[str], *, workers: int | None = None,
               progress: Callable | None = None, missing_hours: list[str] | None = None) -> Any:
        from starscope.engines.spark.ingest import ingest_spark

        master = self.master if self.master is not None or not workers else f"local[{workers}]"
        return ingest_spark(store, paths, master=master, progress=progress,
                            missing_hours=missing_hours)

    def detect(self, store: Any, snapshot: Any, *, cache_tables: dict[str, str],
               incremental: bool = True, memory_limit: str | None = None,
               **run_kw: Any) -> DetectionRun:
        from starscope.engines.spark.detect import detect

        con, tables, stars, stats = detect(snapshot, master=self.master, incremental=incremental,
                                           cache_tables=cache_tables, **run_kw)
        return DetectionRun(con, tables, stars, stats)
