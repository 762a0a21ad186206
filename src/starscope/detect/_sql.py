"""The few engine-specific SQL fragments the detectors use, in one place.

The detectors' SQL is otherwise plain CTEs, joins, GROUP BY and window functions so that the
same text can later run on Spark; only what is below differs between engines (DuckDB shown,
Spark equivalents in the comments).
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable

# Result tables are temporary: they live as long as the connection, and need no writable
# database file (the store's connection may be in-memory over Parquet views).
_CREATE = "CREATE OR REPLACE TEMP TABLE"


def ts(value: dt.datetime) -> str:
    """A timestamp literal (naive UTC)."""
    return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"


def seconds_between(origin: dt.datetime, col: str) -> str:
    """Whole seconds from `origin` to `col` (BIGINT).

    Spark: ``unix_timestamp(col) - unix_timestamp(<origin>)``.
    """
    return f"date_diff('second', {ts(origin)}, {col})"


def month_of(col: str) -> str:
    """'YYYY-MM' of a timestamp. Spark: ``date_format(col, 'yyyy-MM')``."""
    return f"strftime({col}, '%Y-%m')"


def num(x: float | int) -> str:
    """A numeric literal, exact for ints and round-tripping for floats."""
    if isinstance(x, bool):
        raise TypeError("bool is not a number here")
    if isinstance(x, int):
        return str(x)
    if not math.isfinite(x):
        raise ValueError(f"non-finite parameter {x!r}")
    return repr(float(x))


def create(con: Any, name: str, select_sql: str) -> None:
    con.execute(f"{_CREATE} {name} AS {select_sql}")


def drop(con: Any, names: Iterable[str]) -> None:
    for n in names:
        con.execute(f"DROP TABLE IF EXISTS {n}")


def scalar(con: Any, sql: str) -> Any:
    rows = con.execute(sql).fetchall()  # fetch all: leave no unfinished result behind
    return rows[0][0] if rows else None
