"""The engine connection (starscope.engines.Connection) over a duckdb connection: each method
one DuckDB statement. The detectors' tables are temporary: they live as long as the
connection and need no writable database file (the store's connection is in-memory over
Parquet views)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from starscope.store.sql import literal


def _ident(name: str) -> str:
    """A table, column or setting name of the detectors' own (never user input): checked."""
    if not name.isidentifier():
        raise ValueError(f"not a plain SQL name: {name!r}")
    return name


class DuckDBConnection:
    """starscope.engines.Connection on a duckdb connection (``con``, used as is)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def create_table(self, name: str, query: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {_ident(name)} AS {query}")

    def create_empty(self, name: str, columns: dict[str, str]) -> None:
        cols = ", ".join(f"{_ident(c)} {t}" for c, t in columns.items())
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {_ident(name)} ({cols})")

    def insert(self, name: str, query: str) -> None:
        self.con.execute(f"INSERT INTO {_ident(name)} {query}")

    def insert_rows(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        rows = [list(r) for r in rows]
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            self.con.executemany(f"INSERT INTO {_ident(name)} VALUES ({marks})", rows)

    def drop(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {_ident(name)}")

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self.con.execute(sql, params).fetchall()

    def set_option(self, name: str, value: Any) -> Any:
        old = self.con.execute("SELECT current_setting(?)", [name]).fetchone()[0]
        if isinstance(value, bool):
            value = "true" if value else "false"
        self.con.execute(f"SET {_ident(name)} = {literal(str(value))}")
        return old
