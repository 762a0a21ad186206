"""The engine connection (starscope.engines.Connection) on a SparkSession.

The detectors (starscope.detect) are written once, in DuckDB SQL; they make, fill and drop
their tables through the Connection methods (detect/_sql.py), and this class implements each
on Spark, translating queries and types with :func:`starscope.engines.spark.dialect.to_spark`:

- ``create_table(name, query)``: the query, materialized (computed once, lineage cut, so the
  lockstep loop's plans do not grow with its iterations), registered as the temp view
  ``name``. A connection over a big input materializes with ``localCheckpoint`` (rows stay on
  the executors); one over a small input (``small=True``: a store of at most
  :data:`SMALL_INPUT_ROWS` events, the tests' hand-made worlds) collects the rows into the
  driver as a local relation, which Spark then plans without jobs where it can (empty
  relations pruned, filters and projections folded): on tiny data a job's fixed cost is
  nearly all of a statement's time;
- ``create_empty(name, {col: type})``: an empty view of those types;
- ``insert(name, query)`` and ``insert_rows(name, rows)``: rows cast to the table's column
  types (by position, as DuckDB does) and appended;
- ``drop(name)``: the view and its data are released;
- ``query(sql, params)``: run (``?`` bound by Spark's own parameter binding) and collected as
  tuples; ``execute(sql, params)`` is the same for a DB-API-like caller (``fetchall()``);
- ``set_option(name, value)``: DuckDB's settings have no meaning on a running Spark session
  (see :data:`DUCKDB_ONLY`); it keeps them as asked and changes nothing.

Timestamps are naive UTC (``TIMESTAMP_NTZ``), like the store's Parquet and DuckDB's TIMESTAMP.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from starscope.engines.spark.dialect import to_spark

#: The settings the detectors and the store give DuckDB, and why Spark has nothing to change
#: for them: its resources are fixed when the session starts (session.py: the master's cores,
#: the driver's memory), and its tables have no insertion order to keep.
DUCKDB_ONLY = {
    "threads": "the cores are the master's (local[N] or the cluster's)",
    "memory_limit": "the driver's and executors' memory is set when the session starts",
    "preserve_insertion_order": "Spark keeps no insertion order; the detectors ORDER BY",
}

#: A store of at most this many events is detected with temp tables collected into the driver
#: (see the module doc); $STARSCOPE_SPARK_SMALL_INPUT_ROWS overrides it (0: never).
SMALL_INPUT_ROWS = 200_000


def small_input_rows() -> int:
    raw = os.environ.get("STARSCOPE_SPARK_SMALL_INPUT_ROWS", str(SMALL_INPUT_ROWS))
    try:
        return int(raw)
    except ValueError:
        from starscope.errors import StarscopeError

        raise StarscopeError(f"STARSCOPE_SPARK_SMALL_INPUT_ROWS must be a whole number of "
                             f"events, not {raw!r}") from None


class SparkResult:
    """The rows of one query (already collected), read like a DuckDB result."""

    def __init__(self, rows: list[tuple]):
        self._rows = rows

    def fetchall(self) -> list[tuple]:
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self) -> tuple | None:
        return self._rows.pop(0) if self._rows else None


def _plain(v: Any) -> Any:
    """Spark Rows (structs) inside values -> tuples; lists stay lists."""
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    return v


class SparkConnection:
    """starscope.engines.Connection on a SparkSession (see the module doc)."""

    dialect = "spark"

    def __init__(self, spark: Any, *, small: bool = False):
        self.spark = spark
        self.small = small  # materialize temp tables as driver-side local relations
        # Literals like TIMESTAMP '...' and to_spark's casts are naive, like DuckDB's TIMESTAMP.
        spark.conf.set("spark.sql.timestampType", "TIMESTAMP_NTZ")
        # localCheckpoint of a union of cast columns trips over constraint bookkeeping
        # ("key not found"); the detectors never need inferred constraints.
        spark.conf.set("spark.sql.constraintPropagation.enabled", "false")
        self._frames: dict[str, Any] = {}  # temp tables this connection made (materialized)
        self._options: dict[str, Any] = {}  # DuckDB-only settings, as asked (DUCKDB_ONLY)
        self.statements = 0

    # ------------------------------------------------------------------ relations
    def register(self, name: str, df: Any, *, materialize: bool = False) -> None:
        """Make ``df`` visible to SQL as ``name`` (a temp view)."""
        if materialize:
            df = self._materialize(df)
        self._release(name)
        self._frames[name] = df
        df.createOrReplaceTempView(name)

    def _materialize(self, df: Any) -> Any:
        """``df`` computed once (``localCheckpoint``), as a fresh plan over those rows.

        A checkpoint keeps its source plan's size estimate, and Spark estimates a join as the
        product of its inputs' sizes; over the lockstep and label-propagation loops the
        estimates of tables made from tables compound into integers of millions of digits, and
        planning one statement then takes minutes (seen: BigInteger.multiply under
        SizeInBytesOnlyStatsPlanVisitor, the default profile at 36k stars). A plan made anew
        over the checkpointed rows starts from Spark's default estimate instead."""
        from pyspark.sql import DataFrame

        if self.small:
            # The rows, collected once (one job, JVM side only), as a LocalRelation: exact
            # statistics, and no job at all later where the optimizer can fold the plan.
            jdf = df._jdf
            rows = jdf.collectAsList()
            return DataFrame(self.spark._jsparkSession.createDataFrame(rows, jdf.schema()),
                             self.spark)
        jdf = df._jdf.localCheckpoint(True)
        rdd = jdf.queryExecution().analyzed().rdd()
        fresh = self.spark._jsparkSession.internalCreateDataFrame(rdd, jdf.schema(), False)
        return DataFrame(fresh, self.spark)

    def table(self, name: str) -> Any:
        return self.spark.table(name)

    def tables(self) -> set[str]:
        """The names this connection holds (the session may hold other connections' too)."""
        return set(self._frames)

    def _release(self, name: str) -> None:
        df = self._frames.pop(name, None)
        self.spark.catalog.dropTempView(name)
        if df is not None:
            # A materialized table's blocks go now, not when the JVM's garbage collector finds
            # them (hundreds of tables per run). Only checkpointed plans have an RDD to free.
            try:
                plan = df._jdf.queryExecution().analyzed()
                if plan.getClass().getSimpleName() == "LogicalRDD":
                    plan.rdd().unpersist(False)
            except Exception:  # noqa: BLE001 (an optimization only)
                pass

    # ------------------------------------------------------------------ Connection
    def _sql(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        self.statements += 1
        return self.spark.sql(to_spark(sql), args=list(params) if params else None)

    def create_table(self, name: str, query: str) -> None:
        self.register(name, self._sql(query), materialize=True)

    def create_empty(self, name: str, columns: dict[str, str]) -> None:
        select = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns.items())
        self.register(name, self._sql(f"SELECT {select} WHERE false"))

    def insert(self, name: str, query: str) -> None:
        self._append(name, self._sql(query))

    def insert_rows(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            schema = self.spark.table(name).schema
            self._append(name, self.spark.createDataFrame([tuple(r) for r in rows], schema))

    def drop(self, name: str) -> None:
        self._release(name)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return [tuple(_plain(v) for v in r) for r in self._sql(sql, params).collect()]

    def set_option(self, name: str, value: Any) -> Any:
        if name not in DUCKDB_ONLY:
            raise ValueError(f"no Spark meaning known for the setting {name!r}")
        old, self._options[name] = self._options.get(name), value
        return old

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> SparkResult:
        """A query's rows, read like a DuckDB result (``fetchall``/``fetchone``)."""
        return SparkResult(self.query(sql, params))

    def _append(self, name: str, new: Any) -> None:
        from pyspark.sql import functions as F

        target = self.spark.table(name)
        fields = target.schema.fields
        if len(new.columns) != len(fields):
            raise ValueError(f"INSERT INTO {name}: {len(new.columns)} columns for {len(fields)}")
        new = new.toDF(*[f"_c{i}" for i in range(len(fields))])
        new = new.select([F.col(f"_c{i}").cast(f.dataType).alias(f.name)
                          for i, f in enumerate(fields)])
        self.register(name, target.unionByName(new), materialize=True)

    def close(self) -> None:
        for name in list(self._frames):
            self._release(name)

