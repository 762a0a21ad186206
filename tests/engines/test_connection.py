"""What the detectors ask of an engine's connection (starscope.engines.Connection, called
through starscope.detect._sql) gives the same rows on every engine."""
from __future__ import annotations

import datetime as dt
import inspect

import pytest

from starscope.detect import _sql
from starscope.engines import Connection

T = dt.datetime(2024, 1, 1, 12, 30)


def test_tables_made_filled_and_dropped(con):
    _sql.create_empty(con, "t", {"a": "BIGINT", "b": "VARCHAR", "c": "TIMESTAMP"})
    _sql.insert_rows(con, "t", [(2, "it's", T)])  # bound: the quote is data
    _sql.insert_rows(con, "t", [])
    _sql.insert(con, "t", "SELECT a + 1, b || '!', c FROM t")  # by position, as DuckDB does
    assert _sql.query(con, "SELECT a, b, c FROM t ORDER BY a") == [
        (2, "it's", T), (3, "it's!", T)]
    _sql.create(con, "u", "SELECT a * 10 AS a FROM t WHERE a > 2")
    assert _sql.query(con, "SELECT a FROM t WHERE b = ?", ["it's!"]) == [(3,)]
    assert _sql.query(con, "SELECT a FROM u") == [(30,)]
    _sql.drop(con, ["u", "never_made"])
    _sql.create(con, "u", "SELECT 1 AS a")  # the name is free again
    assert _sql.scalar(con, "SELECT count(*) FROM u") == 1
    _sql.create(con, "u", "SELECT 2 AS a UNION ALL SELECT 3")  # and replaced
    assert _sql.scalar(con, "SELECT sum(a) FROM u") == 5


def test_insert_casts_to_the_table_types(con):
    _sql.create_empty(con, "w", {"win": "INTEGER", "x": "DOUBLE", "s": "VARCHAR"})
    _sql.insert(con, "w", "SELECT 7, 1, 'a'")
    _sql.insert_rows(con, "w", [(8, 2.5, "b"), (9, 3.0, None)])
    assert _sql.query(con, "SELECT win, x, s FROM w ORDER BY win") == [
        (7, 1.0, "a"), (8, 2.5, "b"), (9, 3.0, None)]


def test_ordered_lists_and_ranks(con):
    _sql.create(con, "s", "SELECT * FROM (VALUES (1, 30, 'c'), (1, 10, 'a'), (1, 20, 'b'), "
                          "(2, 5, 'z')) v(g, k, x)")
    got = _sql.query(con, "SELECT g, LIST(x ORDER BY k) AS xs, LIST(DISTINCT k ORDER BY k) AS "
                          "ks, MIN(k) FROM s GROUP BY g ORDER BY g")
    assert got == [(1, ["a", "b", "c"], [10, 20, 30], 10), (2, ["z"], [5], 5)]
    ranks = _sql.query(con, "SELECT x, ROW_NUMBER() OVER (PARTITION BY g ORDER BY k DESC) "
                            "FROM s ORDER BY x")
    assert ranks == [("a", 3), ("b", 2), ("c", 1), ("z", 1)]


def test_settings_are_set_for_a_block_then_set_back(con):
    import duckdb

    def order() -> object:
        return _sql.scalar(con, "SELECT current_setting('preserve_insertion_order')")

    if isinstance(con, duckdb.DuckDBPyConnection):
        before = order()
        with _sql.setting(con, "preserve_insertion_order", not before):
            assert order() == (not before)
        assert order() == before
        with _sql.setting(con, "threads", 1):
            assert _sql.scalar(con, "SELECT current_setting('threads')") == 1
    else:
        # DuckDB's settings have no meaning on a running Spark session: kept, nothing changes
        with _sql.setting(con, "preserve_insertion_order", False):
            assert _sql.scalar(con, "SELECT 1 + 1") == 2
        with pytest.raises(ValueError, match="no Spark meaning"):
            _sql.connection(con).set_option("spark.sql.shuffle.partitions", 3)


def test_each_engine_implements_every_method_of_the_interface(con):
    wanted = {n for n, f in inspect.getmembers(Connection, inspect.isfunction)
              if not n.startswith("_")}
    assert wanted >= {"create_table", "create_empty", "insert", "insert_rows", "drop", "query",
                      "set_option"}
    impl = type(_sql.connection(con))
    for name in wanted:
        assert (inspect.signature(getattr(impl, name)).parameters.keys()
                == inspect.signature(getattr(Connection, name)).parameters.keys()), name
