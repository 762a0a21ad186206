"""Segments for what a live source (GitHub's API) brings besides events: stars from a
stargazer list (no event id) and account profiles; and the look-ups that keep them unique.

Stars from a list have no event id, so they are kept unique by (account, repo): a listed star
is not added when the store has any star of that pair, and an event's star row is not added
when the store has a listed star of that pair (the event itself is kept).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from starscope.store import sql
from starscope.store.schema import ACCOUNT_PROFILES, PROFILE_MONTH, STARS
from starscope.store.segments import copy_to


def stage_listed_stars(rows: pa.Table, out_dir: Path) -> list[dict[str, Any]]:
    """Stage stars (schema.STARS, event_id null) with their names, one segment per month."""
    con = duckdb.connect(config={"threads": 1})
    con.register("listed", rows.cast(STARS))
    month = sql.MONTH.format(col="starred_at")
    out: list[dict[str, Any]] = []
    for (m,) in con.execute(f"SELECT DISTINCT {month} FROM listed ORDER BY 1").fetchall():
        src = f"(SELECT * FROM listed WHERE {month} = {sql.literal(m)})"
        queries = {
            "stars": f"SELECT * FROM {src} ORDER BY repo_id, starred_at, actor_id",
            "repo_names": f"SELECT repo_id, repo_name, min(starred_at) AS first_seen, "
                          f"max(starred_at) AS last_seen FROM {src} GROUP BY ALL ORDER BY 1, 2",
            "actor_logins": f"SELECT actor_id, actor_login, min(starred_at) AS first_seen, "
                            f"max(starred_at) AS last_seen FROM {src} GROUP BY ALL ORDER BY 1, 2",
        }
        for name, q in queries.items():
            rel = f"{name}/month={m}/seg.parquet"
            out.append({"table": name, "month": m, "path": rel, "rows": copy_to(con, q, out_dir / rel)})
    con.close()
    return out


def stage_profiles(rows: pa.Table, out_dir: Path) -> list[dict[str, Any]]:
    """Stage account profiles (schema.ACCOUNT_PROFILES) as one segment."""
    con = duckdb.connect(config={"threads": 1})
    con.register("profiles", rows.cast(ACCOUNT_PROFILES))
    rel = f"account_profiles/month={PROFILE_MONTH}/seg.parquet"
    n = copy_to(con, "SELECT * FROM profiles ORDER BY actor_id", out_dir / rel)
    con.close()
    return [{"table": "account_profiles", "month": PROFILE_MONTH, "path": rel, "rows": n}]


def connect(store, manifest) -> duckdb.DuckDBPyConnection:
    """A connection with views of just `stars` and `account_profiles` (what the look-ups below
    read): cheaper than Store.connect, which a live run would pay after every commit."""
    from starscope.store.store import _data, _empty_select, _sql_list

    manifest = _data(manifest)  # a Snapshot, or a writer's own manifest
    con = duckdb.connect()
    for name, schema in (("stars", STARS), ("account_profiles", ACCOUNT_PROFILES)):
        paths = [str(store.root / s["path"]) for s in manifest["segments"].get(name, [])]
        body = (f"SELECT * FROM read_parquet({_sql_list(paths)})" if paths
                else _empty_select(schema))
        con.execute(f"CREATE VIEW {name} AS {body}")
    return con


def starred_by(con: duckdb.DuckDBPyConnection, repo_id: int) -> set[int]:
    """Accounts with any star of the repo in the store (`con`: Store.connect)."""
    return {r[0] for r in con.execute("SELECT DISTINCT actor_id FROM stars WHERE repo_id = ?",
                                      [repo_id]).fetchall()}


def stargazers(con: duckdb.DuckDBPyConnection, repo_id: int) -> list[tuple[int, str, Any]]:
    """(account id, latest login, its time) of every account that starred the repo, by id."""
    return [tuple(r) for r in con.execute(
        "SELECT actor_id, arg_max(actor_login, starred_at), max(starred_at) FROM stars "
        "WHERE repo_id = ? GROUP BY actor_id ORDER BY actor_id", [repo_id]).fetchall()]


def profiled(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """Account id -> login of every profile in the store."""
    return dict(con.execute("SELECT actor_id, actor_login FROM account_profiles").fetchall())


def drop_listed_pairs(con: duckdb.DuckDBPyConnection, segs: list[dict[str, Any]],
                      staging: Path, pending: set[tuple[int, int]] = frozenset()) -> int:
    """Rewrite staged `stars` segments (from segments.derive_segments) without the rows whose
    (account, repo) has a listed star in the store or in `pending` (listed stars about to be
    committed with them). Returns the rows dropped."""
    dropped = 0
    pairs = sorted(pending)
    con.register("pending_pairs", pa.table({"actor_id": pa.array([a for a, _ in pairs], pa.int64()),
                                            "repo_id": pa.array([r for _, r in pairs], pa.int64())}))
    if not con.execute("SELECT count(*) FROM stars WHERE event_id IS NULL").fetchone()[0] + len(pending):
        return 0
    for seg in segs:
        if seg["table"] != "stars" or not seg["rows"]:
            continue
        path = staging / seg["path"]
        tmp = path.with_name("rewritten.parquet")
        q = (f"SELECT * FROM read_parquet({sql.literal(path)}) s WHERE NOT EXISTS ("
             f"SELECT 1 FROM stars l WHERE l.event_id IS NULL AND l.actor_id = s.actor_id "
             f"AND l.repo_id = s.repo_id) AND NOT EXISTS (SELECT 1 FROM pending_pairs l "
             f"WHERE l.actor_id = s.actor_id AND l.repo_id = s.repo_id)")
        n = copy_to(con, q, tmp)
        dropped += seg["rows"] - n
        seg["rows"] = n
        tmp.replace(path)
    return dropped
