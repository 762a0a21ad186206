"""The statements the detectors issue give the same rows on every engine."""
from __future__ import annotations

import datetime as dt

T = dt.datetime(2024, 1, 1, 12, 30)


def test_temp_table_insert_and_drop(con):
    con.execute("CREATE OR REPLACE TEMP TABLE t (a BIGINT, b VARCHAR, c TIMESTAMP)")
    con.execute("INSERT INTO t VALUES (?, ?, ?)", [2, "it's", T])
    con.execute("INSERT INTO t SELECT a + 1, b || '!', c FROM t")
    assert con.execute("SELECT a, b, c FROM t ORDER BY a").fetchall() == [
        (2, "it's", T), (3, "it's!", T)]
    # (the detectors bind parameters in INSERT ... VALUES and queries only; SparkConnection
    # does not bind them in CREATE ... AS)
    con.execute("CREATE OR REPLACE TEMP TABLE u AS SELECT a * 10 AS a FROM t WHERE a > 2")
    assert con.execute("SELECT a FROM t WHERE b = ?", ["it's!"]).fetchall() == [(3,)]
    assert con.execute("SELECT a FROM u").fetchall() == [(30,)]
    con.execute("DROP TABLE IF EXISTS u")
    con.execute("CREATE OR REPLACE TEMP TABLE u AS SELECT 1 AS a")  # the name is free again
    assert con.execute("SELECT count(*) FROM u").fetchone() == (1,)


def test_ordered_lists_and_ranks(con):
    con.execute("CREATE OR REPLACE TEMP TABLE s AS SELECT * FROM (VALUES (1, 30, 'c'), "
                "(1, 10, 'a'), (1, 20, 'b'), (2, 5, 'z')) v(g, k, x)")
    got = con.execute("SELECT g, LIST(x ORDER BY k) AS xs, LIST(DISTINCT k ORDER BY k) AS ks, "
                      "MIN(k) FROM s GROUP BY g ORDER BY g").fetchall()
    assert got == [(1, ["a", "b", "c"], [10, 20, 30], 10), (2, ["z"], [5], 5)]
    ranks = con.execute("SELECT x, ROW_NUMBER() OVER (PARTITION BY g ORDER BY k DESC) FROM s "
                        "ORDER BY x").fetchall()
    assert ranks == [("a", 3), ("b", 2), ("c", 1), ("z", 1)]


def test_settings_are_accepted(con):
    con.execute("SET threads = 1")  # DuckDB-only settings: Spark ignores them
    assert con.execute("SELECT 1 + 1").fetchone() == (2,)
