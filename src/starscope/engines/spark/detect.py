"""Detection on Spark: the store's relations as Spark views, the detectors' SQL (unchanged,
through the engine connection :class:`~starscope.engines.spark.connection.SparkConnection`),
and the result tables brought back to the driver as Arrow, so they are written exactly as the
DuckDB engine writes them (StoreWriter.write_results: same files, column types and row order).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import duckdb
import pyarrow as pa

from starscope.engines.spark.connection import SparkConnection, small_input_rows
from starscope.store import Snapshot, sql
from starscope.store.schema import ACCOUNT_MONTHS, TABLES

_SPARK_TYPES = {
    pa.bool_(): "BOOLEAN",
    pa.int8(): "TINYINT",
    pa.int32(): "INT",
    pa.int64(): "BIGINT",
    pa.string(): "STRING",
    pa.timestamp("us"): "TIMESTAMP_NTZ",
}


def _empty(conn: SparkConnection, schema: pa.Schema) -> Any:
    cols = ", ".join(f"CAST(NULL AS {_SPARK_TYPES[f.type]}) AS {f.name}" for f in schema)
    return conn.spark.sql(f"SELECT {cols} WHERE false")


def register_store(conn: SparkConnection, snapshot: Snapshot,
                   results_prefix: str | None = None) -> None:
    """Views ``events``, ``stars``, ``repo_names``, ``actor_logins``, ``account_months`` over
    the manifest's Parquet segments, and ``account_activity`` from the store's own view SQL
    (materialized: the detectors read it more than once). With ``results_prefix``, also the
    previous detection run's result tables as ``<prefix><name>``. A store of at most
    :func:`~starscope.engines.spark.connection.small_input_rows` events makes ``conn`` a small
    connection (temp tables collected into the driver)."""
    spark = conn.spark
    conn.small = snapshot.totals.get("events", 0) <= small_input_rows()
    for name, schema in dict(TABLES, account_months=ACCOUNT_MONTHS).items():
        paths = [str(p) for p in snapshot.segment_paths(name)]
        if paths:
            df = spark.read.parquet(*paths)
            # Columns in the store's order and types (Parquet written by DuckDB: TIMESTAMP is
            # naive, read as TIMESTAMP_NTZ).
            df = df.selectExpr(*[f"CAST({f.name} AS {_SPARK_TYPES[f.type]}) AS {f.name}"
                                 for f in schema])
        else:
            df = _empty(conn, schema)
        conn.register(name, df)
    conn.create_table("account_activity", sql.ACCOUNT_ACTIVITY_VIEW)
    if results_prefix:
        for name, path in snapshot.result_tables().items():
            conn.register(results_prefix + name, spark.read.parquet(str(path)))


def to_duckdb(conn: SparkConnection, tables: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """The given Spark tables (name -> view), collected to the driver as Arrow, as tables of
    the same names in a new in-memory DuckDB connection."""
    con = duckdb.connect()
    for relation in sorted(set(tables.values())):
        arrow = conn.table(relation).toArrow()  # noqa: F841 (read by DuckDB below)
        con.execute(f"CREATE TABLE {relation} AS SELECT * FROM arrow")
    return con


def detect(
    snapshot: Snapshot,
    *,
    master: str | None = None,
    profile: str = "default",
    params: Any = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    incremental: bool = True,
    cache_tables: dict[str, str] | None = None,
    default_params: Any = None,
) -> tuple[duckdb.DuckDBPyConnection, dict[str, str], int, dict[str, Any]]:
    """Run detection on Spark over one committed state of a store.

    Returns (a DuckDB connection holding the result tables, {export name: table}, the number
    of stars in the store, run stats). ``cache_tables`` (run.CACHE_TABLES) are kept and
    returned too; with ``incremental`` the previous run's are reused where unchanged."""
    from starscope.detect.run import run_detection
    from starscope.engines.spark.session import spark_session

    if progress:
        progress("starting Spark")
    spark = spark_session(master)
    conn = SparkConnection(spark)
    try:
        prefix = "_prev_results_"
        register_store(conn, snapshot, results_prefix=prefix)
        stars = conn.query("SELECT count(*) FROM stars")[0][0]
        previous = snapshot.result_tables()
        reuse = None
        if cache_tables and incremental and all(n in previous for n in cache_tables):
            reuse = {name: prefix + name for name in cache_tables}
        stats: dict[str, Any] = {}
        kw: dict[str, Any] = {}
        if cache_tables:
            kw = {"keep_cache": True, "reuse_cache": reuse, "stats": stats}
        tables = run_detection(conn, profile=profile, params=params, since=since, until=until,
                               progress=progress, default_params=default_params, **kw)
        tables = {**tables, **(cache_tables or {})}
        if progress:
            progress("collecting results")
        con = to_duckdb(conn, tables)
    finally:
        conn.close()
    return con, tables, stars, stats
