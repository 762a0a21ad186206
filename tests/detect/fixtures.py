"""Test fixtures: build the relations the detectors read, in an in-memory DuckDB.

With ``engine="spark"`` (the value of the ``engine`` fixture of tests/conftest.py) the same
rows are built in DuckDB, then shipped to Spark as Arrow, and ``make_con`` returns a
:class:`~starscope.engines.spark.connection.SparkConnection` over them: the detectors and the
tests' own queries run unchanged on either engine. The engine is an argument, not a module
setting, so a test says which engine it builds for.

``make_con(stars_rows, accounts_rows=None, events_rows=None)`` creates plain tables ``stars``,
``account_activity`` and ``events`` with the store's columns. Omitted ``events_rows`` are
derived from the stars (one WatchEvent each); omitted ``accounts_rows`` from the events
(:func:`activity_rows`, with the store's CAP of 3 on distinct counts).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Sequence

import duckdb
import pyarrow as pa

from starscope.store.schema import CAP, EVENT_TYPES, TYPE_COUNT_COLUMNS, TYPE_CODE, WATCH

T0 = dt.datetime(2024, 1, 1)

STAR_COLS = ("event_id", "starred_at", "repo_id", "repo_name", "actor_id", "actor_login", "org_id")
EVENT_COLS = ("event_id", "created_at", "type", "actor_id", "repo_id", "org_id")
ACTIVITY_COLS = ("actor_id", "actor_login", "first_at", "last_at", "n_events", "n_days",
                 "n_times", "n_repos", "n_orgs") + TYPE_COUNT_COLUMNS


def star(actor: int, repo: int, when: dt.datetime | float, event_id: int | None = None,
         org: int | None = None) -> dict[str, Any]:
    """One stars row; `when` is a datetime or a number of days after T0."""
    if not isinstance(when, dt.datetime):
        when = T0 + dt.timedelta(days=when)
    return {"event_id": event_id, "starred_at": when, "repo_id": repo, "repo_name": f"o/r{repo}",
            "actor_id": actor, "actor_login": f"u{actor}", "org_id": org}


def _number(rows: Iterable[dict[str, Any]], start: int = 1) -> list[dict[str, Any]]:
    out = []
    nxt = start
    for r in rows:
        r = dict(r)
        if r.get("event_id") is None:
            r["event_id"] = nxt
        nxt = max(nxt, r["event_id"]) + 1
        out.append(r)
    return out


def events_from_stars(stars_rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"event_id": s["event_id"], "created_at": s["starred_at"], "type": WATCH,
             "actor_id": s["actor_id"], "repo_id": s["repo_id"], "org_id": s["org_id"]}
            for s in stars_rows]


def activity_rows(events_rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    by: dict[int, list[dict[str, Any]]] = {}
    for e in events_rows:
        by.setdefault(e["actor_id"], []).append(e)
    out = []
    for a, evs in sorted(by.items()):
        times = {e["created_at"] for e in evs}
        row = {
            "actor_id": a, "actor_login": f"u{a}",
            "first_at": min(times), "last_at": max(times), "n_events": len(evs),
            "n_days": len({t.date() for t in times}),
            "n_times": min(CAP, len(times)),
            "n_repos": min(CAP, len({e["repo_id"] for e in evs if e["repo_id"] is not None})),
            "n_orgs": min(CAP, len({e["org_id"] for e in evs if e["org_id"] is not None})),
        }
        for code, col in enumerate(TYPE_COUNT_COLUMNS):
            row[col] = sum(1 for e in evs if e["type"] == code)
        out.append(row)
    return out


def make_con(stars_rows: Sequence[dict[str, Any]],
             accounts_rows: Sequence[dict[str, Any]] | None = None,
             events_rows: Sequence[dict[str, Any]] | None = None,
             threads: int = 1, engine: str = "duckdb") -> duckdb.DuckDBPyConnection:
    stars_rows = _number(stars_rows)
    if events_rows is None:
        events_rows = events_from_stars(stars_rows)
    if accounts_rows is None:
        accounts_rows = activity_rows(events_rows)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")  # tiny tables: one thread is faster
    con.execute("""CREATE TABLE stars (event_id BIGINT, starred_at TIMESTAMP, repo_id BIGINT,
        repo_name VARCHAR, actor_id BIGINT, actor_login VARCHAR, org_id BIGINT)""")
    con.execute("""CREATE TABLE events (event_id BIGINT, created_at TIMESTAMP, type TINYINT,
        actor_id BIGINT, repo_id BIGINT, org_id BIGINT)""")
    type_cols = ", ".join(f"{c} INT" for c in TYPE_COUNT_COLUMNS)
    con.execute(f"""CREATE TABLE account_activity (actor_id BIGINT, actor_login VARCHAR,
        first_at TIMESTAMP, last_at TIMESTAMP, n_events BIGINT, n_days INT, n_times INT,
        n_repos INT, n_orgs INT, {type_cols})""")
    for name, cols, rows in (("stars", STAR_COLS, stars_rows), ("events", EVENT_COLS, events_rows),
                             ("account_activity", ACTIVITY_COLS, accounts_rows)):
        if rows:
            data = pa.table({c: [r.get(c) for r in rows] for c in cols})  # noqa: F841
            con.execute(f"INSERT INTO {name} ({', '.join(cols)}) SELECT * FROM data")
    if engine == "spark":
        return to_spark_con(con, ("stars", "events", "account_activity"))
    return con


def to_spark_con(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> Any:
    """A SparkConnection (on the test session) holding copies of DuckDB tables: a small one
    (temp tables collected into the driver, as a small store's detection gets; the
    checkpointed tables of big stores: test_engines.py and tests/engines)."""
    from starscope.engines.spark.connection import SparkConnection
    from starscope.engines.spark.session import spark_session

    spark = spark_session("local[2]")  # the conftest's session, its settings kept
    scon = SparkConnection(spark, small=True)
    for name in names:
        scon.register(name, spark.createDataFrame(con.sql(f"SELECT * FROM {name}").to_arrow_table()),
                      materialize=True)
    con.close()
    return scon


def table_names(con: Any) -> set[str]:
    """The tables and views a test's connection holds (DuckDB's catalog, or the temp views a
    SparkConnection made in the session it shares with other connections)."""
    if hasattr(con, "spark"):
        return con.tables()
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def run_signal(stars_rows: Sequence[dict[str, Any]], events_rows: Sequence[dict[str, Any]],
               run: Any, params: Any, output: str, columns: str, prefix: str,
               engine: str = "duckdb") -> set[tuple]:
    """One signal module run alone on a hand-made world: the rows of ``columns`` of its
    ``output`` table, after checking it dropped its intermediate tables (``prefix``*)."""
    from starscope.detect import run as detect_run

    con = make_con(stars_rows, events_rows=events_rows, engine=engine)
    detect_run._prepare_stars(con, None, None)
    run(con, params)
    got = set(con.execute(f"SELECT {columns} FROM {output}").fetchall())
    left = {n for n in table_names(con) if n.startswith(prefix)}
    assert not left, left                          # intermediate tables dropped
    return got


def default_profile_con(stars_rows: Sequence[dict[str, Any]], events_rows: Sequence[dict[str, Any]],
                        params: Any, engine: str = "duckdb") -> Any:
    """A connection after the default profile's stages on a hand-made world (starscout's
    defaults for the shared stages), to read its signal rows."""
    from starscope.detect import default_profile, lockstep, low_activity
    from starscope.detect import run as detect_run
    from starscope.detect.params import Params

    con = make_con(stars_rows, events_rows=events_rows, engine=engine)
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, Params())
    lockstep.run(con, Params(), None)
    default_profile.run(con, params)
    return con


__all__ = ["T0", "table_names", "run_signal", "default_profile_con", "star", "make_con", "activity_rows", "events_from_stars", "EVENT_TYPES",
           "TYPE_CODE"]
