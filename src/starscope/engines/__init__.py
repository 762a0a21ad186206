"""Engines that run starscope's SQL: DuckDB (embedded, the default) and Apache Spark.

Every engine implements one small interface (:class:`Engine`) and is registered by name in
``_REGISTRY`` below, the one place engine names are spelled: the CLI's ``--engine`` choices,
the facade and the detection run all read ``ENGINES``. An engine's module (and its driver,
e.g. pyspark) is imported only when that engine is asked for.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

from starscope.errors import UsageError

#: name -> "module:class" of the engine (imported on first use)
_REGISTRY = {
    "duckdb": "starscope.engines.duckdb:DuckDBEngine",
    "spark": "starscope.engines.spark.engine:SparkEngine",
}
ENGINES = tuple(_REGISTRY)


class DetectionRun(NamedTuple):
    """What an engine's detection stage hands back: a DuckDB connection holding the result
    tables (what StoreWriter.write_results reads), {export name: table} (results and the
    lockstep cache), the stars considered, and run stats (``lockstep_windows``)."""
    con: Any
    tables: dict[str, str]
    stars: int
    stats: dict[str, Any]


class Connection(Protocol):
    """What the detectors ask of an engine's connection (they call it through
    ``starscope.detect._sql``). Names are the detectors' temp tables; queries and column
    types are DuckDB SQL, which an engine translates. DuckDB's side is a thin adapter over a
    duckdb connection (engines/duckdb/connection.py); Spark implements it on a SparkSession
    (engines/spark/connection.py)."""

    def create_table(self, name: str, query: str) -> None:
        """``name`` := the rows of ``query`` (replacing a table of that name)."""

    def create_empty(self, name: str, columns: dict[str, str]) -> None:
        """``name`` := an empty table of these {column: type} (replacing one of that name)."""

    def insert(self, name: str, query: str) -> None:
        """The rows of ``query`` appended to ``name`` (columns by position)."""

    def insert_rows(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        """These Python rows appended to ``name`` (columns by position; values bound, never
        spliced into SQL, each of its column's Python type: int, float, str, datetime)."""

    def drop(self, name: str) -> None:
        """``name`` released, if it exists."""

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """The rows of a query (``?`` placeholders bound to ``params``), as tuples."""

    def set_option(self, name: str, value: Any) -> Any:
        """Set an engine setting (DuckDB's names: ``threads``, ``memory_limit``,
        ``preserve_insertion_order``); returns the value it had, to set back. An engine where
        a setting has no meaning says so in its docs and ignores it."""


class Engine(Protocol):
    """One engine: open a snapshot as a connection, stage and commit a batch of input files,
    run a detection stage. ``master`` (a cluster URL) is given to the constructor."""

    name: str

    def check(self) -> None:
        """Raise a one-line error when the engine cannot run here (driver, Java missing)."""

    def connect(self, store: Any, snapshot: Any, *, memory_limit: str | None = None) -> Any:
        """A connection with the store's relations of one Snapshot: queries by
        ``execute(sql, params).fetchall()``, the detectors' tables through ``detect._sql``
        (a duckdb connection, which it wraps, or the engine's own :class:`Connection`)."""

    def ingest(self, store: Any, paths: list[str], *, workers: int | None = None,
               progress: Callable | None = None, missing_hours: list[str] | None = None) -> Any:
        """Stage the input files in batches and commit them; returns the IngestReport."""

    def detect(self, store: Any, snapshot: Any, *, cache_tables: dict[str, str],
               incremental: bool = True, memory_limit: str | None = None,
               **run_kw: Any) -> DetectionRun:
        """Run detection (detect.run_detection's keyword arguments in ``run_kw``) over one
        Snapshot, reusing its lockstep cache when ``incremental``."""


def engine(name: str, *, master: str | None = None) -> Engine:
    """The engine registered as ``name`` (a one-line error for an unknown one)."""
    if name not in _REGISTRY:
        raise UsageError(f"unknown engine {name!r}; choose {' or '.join(ENGINES)}")
    module, cls = _REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), cls)(master=master)
