"""A DuckDB-connection look-alike over a SparkSession, for the detectors' SQL.

The detectors (starscope.detect) are written once, in DuckDB SQL, against a connection object
``con``; they use a small part of its API. :class:`SparkConnection` implements that part on
Spark, translating each statement with :func:`starscope.engines.spark.dialect.to_spark`:

- ``CREATE OR REPLACE TEMP TABLE x AS <query>``: the query, materialized (computed once,
  lineage cut, so the lockstep loop's plans do not grow with its iterations), registered as
  the temp view ``x``. A connection over a big input materializes with ``localCheckpoint``
  (rows stay on the executors); one over a small input (``small=True``: a store of at most
  :data:`SMALL_INPUT_ROWS` events, the tests' hand-made worlds) collects the rows into the
  driver as a local relation, which Spark then plans without jobs where it can (empty
  relations pruned, filters and projections folded): on tiny data a job's fixed cost is
  nearly all of a statement's time;
- ``CREATE OR REPLACE TEMP TABLE x (col TYPE, ...)``: an empty view of those types;
- ``INSERT INTO x <query>`` and ``INSERT INTO x VALUES (?, ...)`` (with ``params``): rows cast
  to x's column types (by position, as DuckDB does) and appended;
- ``DROP TABLE IF EXISTS x``: the view and its data are released;
- ``SET ...`` and ``SELECT current_setting(...)``: DuckDB-only settings; ignored / "true";
- any other statement (a query): run and collected; ``fetchall()`` gives tuples, like DuckDB.

Timestamps are naive UTC (``TIMESTAMP_NTZ``), like the store's Parquet and DuckDB's TIMESTAMP.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any, Sequence

from starscope.engines.spark.dialect import to_spark

_CREATE_AS = re.compile(r"^\s*CREATE\s+OR\s+REPLACE\s+TEMP\s+TABLE\s+(\w+)\s+AS\s+(.*)$",
                        re.S | re.I)
_CREATE_COLS = re.compile(r"^\s*CREATE\s+OR\s+REPLACE\s+TEMP\s+TABLE\s+(\w+)\s*\((.*)\)\s*$",
                          re.S | re.I)
_INSERT_VALUES = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s+VALUES\s*\((.*)\)\s*$", re.S | re.I)
_INSERT_QUERY = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s+((?:SELECT|WITH)\b.*)$", re.S | re.I)
_DROP = re.compile(r"^\s*DROP\s+(?:TABLE|VIEW)\s+IF\s+EXISTS\s+(\w+)\s*$", re.I)
_SET = re.compile(r"^\s*SET\s+\w+", re.I)
_SETTING = re.compile(r"^\s*SELECT\s+current_setting\s*\(", re.I)

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
    """The rows of one statement (already collected), read like a DuckDB result."""

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


def _literal(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, dt.datetime):
        return f"TIMESTAMP '{v.isoformat(sep=' ')}'"
    if isinstance(v, dt.date):
        return f"DATE '{v.isoformat()}'"
    return "'" + str(v).replace("'", "''") + "'"


def _bind(sql: str, params: Sequence[Any]) -> str:
    """``?`` placeholders (outside string literals) replaced by SQL literals, in order."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    values = iter(params)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            part = re.sub(r"\?", lambda _: _literal(next(values)), part)
        out.append(part)
    return "".join(out)


class SparkConnection:
    """The subset of a DuckDB connection the detectors use, on a SparkSession."""

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

    # ------------------------------------------------------------------ statements
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> SparkResult:
        self.statements += 1
        m = _CREATE_AS.match(sql)
        if m:
            self.register(m.group(1), self.spark.sql(to_spark(m.group(2))), materialize=True)
            return SparkResult([])
        m = _CREATE_COLS.match(sql)
        if m:
            name, cols = m.group(1), m.group(2)
            select = ", ".join(f"CAST(NULL AS {t.strip()}) AS {c}"
                               for c, t in (part.strip().split(None, 1)
                                            for part in cols.split(",")))
            self.register(name, self.spark.sql(to_spark(f"SELECT {select} WHERE false")))
            return SparkResult([])
        m = _INSERT_VALUES.match(sql)
        if m:
            name = m.group(1)
            target = self.spark.table(name)
            if params is None:
                new = self.spark.sql(to_spark(f"SELECT {m.group(2)}"))
            else:
                new = self.spark.createDataFrame([tuple(params)], schema=target.schema)
            self._append(name, target, new)
            return SparkResult([])
        m = _INSERT_QUERY.match(sql)
        if m:
            name = m.group(1)
            self._append(name, self.spark.table(name), self.spark.sql(to_spark(m.group(2))))
            return SparkResult([])
        m = _DROP.match(sql)
        if m:
            self._release(m.group(1))
            return SparkResult([])
        if _SET.match(sql):
            return SparkResult([])
        if _SETTING.match(sql):
            return SparkResult([("true",)])
        if params:
            sql = _bind(sql, params)
        rows = self.spark.sql(to_spark(sql)).collect()
        return SparkResult([tuple(_plain(v) for v in r) for r in rows])

    def _append(self, name: str, target: Any, new: Any) -> None:
        from pyspark.sql import functions as F

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
