"""How the detectors speak to an engine, in one place.

The detectors' SQL is plain CTEs, joins, GROUP BY and window functions (DuckDB dialect), so
the same text runs on every engine; they make, fill and drop their tables only through the
functions below, which call the engine connection's methods (starscope.engines.Connection):
an engine never has to recognise a statement by its text. ``con`` is an engine connection
(Spark's) or a plain duckdb connection (the store's, a test's), wrapped here. The few SQL
fragments that differ between engines are below too (DuckDB shown, Spark in the comments).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterator, Sequence
from typing import Any, Iterable

import duckdb

from starscope.engines import Connection
from starscope.engines.duckdb.connection import DuckDBConnection


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


def connection(con: Any) -> Connection:
    """The engine connection of ``con``: a duckdb connection wrapped, an engine's as is."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        return DuckDBConnection(con)
    return con


def create(con: Any, name: str, select_sql: str) -> None:
    """Temp table ``name`` := the rows of the query (replacing one of that name)."""
    connection(con).create_table(name, select_sql)


def create_empty(con: Any, name: str, columns: dict[str, str]) -> None:
    """Empty temp table ``name`` of these {column: DuckDB type}."""
    connection(con).create_empty(name, columns)


def insert(con: Any, name: str, select_sql: str) -> None:
    """The rows of the query appended to ``name`` (by position)."""
    connection(con).insert(name, select_sql)


def insert_rows(con: Any, name: str, rows: Sequence[Sequence[Any]]) -> None:
    """Python rows appended to ``name`` (by position; the values are bound)."""
    connection(con).insert_rows(name, rows)


def drop(con: Any, names: Iterable[str]) -> None:
    c = connection(con)
    for n in names:
        c.drop(n)


def query(con: Any, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    """A query's rows, all fetched (no unfinished result left behind)."""
    return connection(con).query(sql, params)


def scalar(con: Any, sql: str) -> Any:
    rows = query(con, sql)
    return rows[0][0] if rows else None


@contextlib.contextmanager
def setting(con: Any, name: str, value: Any) -> Iterator[None]:
    """An engine setting changed for the block, then set back to what it was."""
    c = connection(con)
    old = c.set_option(name, value)
    try:
        yield
    finally:
        c.set_option(name, old)
