"""Segments for what a live source (GitHub's API) brings besides events: stars from a
stargazer list (no event id) and account profiles; and the look-ups that keep them unique.

Stars from a list have no event id, so they are kept unique by (account, repo), and a star
known from an event wins over a listed one, in whatever order the two come: a listed star is
not added when the store has any star of that pair, and an event star of a pair removes the
pair's listed star (see settle_listed_stars, run by every commit of the store's writer).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from starscope.store import sql
from starscope.store.schema import ACCOUNT_PROFILES, PROFILE_MONTH, STARS
from starscope.store.manifest import fsync_file
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


def settle_listed_stars(root: Path, manifest: dict[str, Any], batch: list[list[dict[str, Any]]],
                        staging_dirs: list[Path], token: str,
                        con: Callable[[], duckdb.DuckDBPyConnection] | None = None,
                        ) -> tuple[dict[str, dict[str, Any] | None], int]:
    """Keep one kind of star per (account, repo) whatever order sources come in: a star
    known from an event wins over a star from a stargazer list (event id null).

    * staged listed rows are dropped when the store or the batch has any star of their pair
      (or an earlier staged listed row has it);
    * the store's listed rows whose pair the batch brings an event star for are removed: their
      segments are rewritten under ``tables/stars/month=M/<token>-l<i>.parquet``.

    Staged descriptors get ``rows`` and ``listed`` (listed rows held) set. Returns
    ({store segment path: its replacement descriptor, or None when nothing is left}, store
    rows removed). Segments of the store that hold listed rows carry ``listed`` in the
    manifest, so a batch of archive events against a store without listed stars costs one
    look at its own staged stars. ``con``: makes the connection to use (the writer's cursor;
    default: a new database)."""
    staged = [(f, seg, staging_dirs[f] / seg["path"]) for f, segs in enumerate(batch)
              for seg in segs if seg["table"] == "stars" and seg["rows"]]
    if not staged:
        return {}, 0
    store_listed = [s for s in manifest["segments"].get("stars", []) if s.get("listed")]
    con = con() if con is not None else duckdb.connect(config={"threads": 1})
    try:
        union = " UNION ALL ".join(
            f"SELECT {k} AS k, event_id, starred_at, actor_id, repo_id "
            f"FROM read_parquet({sql.literal(p)})" for k, (_f, _s, p) in enumerate(staged))
        # The common case (archive events, a store without listed stars) stops here, having
        # read only the staged files' event_id columns.
        n_listed = con.execute(f"SELECT count(*) FROM ({union}) WHERE event_id IS NULL").fetchone()[0]
        if not n_listed and not store_listed:
            return {}, 0
        con.execute(f"CREATE TEMP TABLE new_stars AS {union}")
        con.execute("CREATE TEMP TABLE event_pairs AS SELECT DISTINCT actor_id, repo_id "
                    "FROM new_stars WHERE event_id IS NOT NULL")
        if n_listed:
            _keep_first_listed(con, root, manifest, staged)
        return _remove_replaced(con, root, store_listed, token)
    finally:
        con.close()


def _keep_first_listed(con: Any, root: Path, manifest: dict[str, Any],
                       staged: list[tuple[int, dict[str, Any], Path]]) -> None:
    """Drop staged listed rows whose pair the batch or the store already has a star of
    (keeping the first listed row of a pair); set ``listed`` on the staged descriptors."""
    all_stars = [str(root / s["path"]) for s in manifest["segments"].get("stars", [])]
    old = ("SELECT actor_id, repo_id FROM read_parquet("
           + "[" + ", ".join(sql.literal(p) for p in all_stars) + "]"
           + ") WHERE repo_id IN (SELECT repo_id FROM new_stars WHERE event_id IS NULL)"
           if all_stars else "SELECT NULL::BIGINT AS actor_id, NULL::BIGINT AS repo_id "
           "WHERE false")
    # The listed rows to keep: no event star of the pair in the batch, no star of it in
    # the store, and the first listed row of the pair in the batch.
    con.execute(f"""CREATE TEMP TABLE keep_listed AS
        SELECT k, actor_id, repo_id, starred_at FROM new_stars n
        WHERE event_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM event_pairs e
                          WHERE e.actor_id = n.actor_id AND e.repo_id = n.repo_id)
          AND NOT EXISTS (SELECT 1 FROM ({old}) o
                          WHERE o.actor_id = n.actor_id AND o.repo_id = n.repo_id)
        QUALIFY row_number() OVER (PARTITION BY actor_id, repo_id
                                   ORDER BY k, starred_at) = 1""")
    for k, (_f, seg, path) in enumerate(staged):
        listed, kept = con.execute(
            f"SELECT (SELECT count(*) FROM new_stars WHERE k = {k} AND event_id IS NULL), "
            f"(SELECT count(*) FROM keep_listed WHERE k = {k})").fetchone()
        if listed == kept:
            if kept:
                seg["listed"] = kept
            continue
        tmp = path.with_name("settled.parquet")
        seg["rows"] = copy_to(con, f"""
            SELECT * FROM read_parquet({sql.literal(path)}) s
            WHERE s.event_id IS NOT NULL OR EXISTS (
                SELECT 1 FROM keep_listed l WHERE l.k = {k} AND l.actor_id = s.actor_id
                AND l.repo_id = s.repo_id AND l.starred_at = s.starred_at)""", tmp)
        tmp.replace(path)
        if kept:
            seg["listed"] = kept
        else:
            seg.pop("listed", None)


def _remove_replaced(con: Any, root: Path, store_listed: list[dict[str, Any]], token: str
                     ) -> tuple[dict[str, dict[str, Any] | None], int]:
    """Rewrite the store's segments of listed rows without the pairs the batch brings an
    event star for; returns ({old path: new descriptor or None}, rows removed)."""
    replaced: dict[str, dict[str, Any] | None] = {}
    removed = 0
    if store_listed and con.execute("SELECT count(*) FROM event_pairs").fetchone()[0]:
        for i, seg in enumerate(store_listed):
            src = f"read_parquet({sql.literal(root / seg['path'])})"
            gone = con.execute(
                f"SELECT count(*) FROM {src} s WHERE s.event_id IS NULL AND EXISTS ("
                f"SELECT 1 FROM event_pairs e WHERE e.actor_id = s.actor_id "
                f"AND e.repo_id = s.repo_id)").fetchone()[0]
            if not gone:
                continue
            rel = f"tables/stars/month={seg['month']}/{token}-l{i:04d}.parquet"
            tmp = root / (rel + ".tmp")
            rows = copy_to(con, f"""
                SELECT * FROM {src} s WHERE s.event_id IS NOT NULL OR NOT EXISTS (
                    SELECT 1 FROM event_pairs e WHERE e.actor_id = s.actor_id
                    AND e.repo_id = s.repo_id) ORDER BY repo_id, starred_at, event_id""", tmp)
            removed += gone
            if not rows:
                tmp.unlink()
                replaced[seg["path"]] = None
                continue
            fsync_file(tmp)
            tmp.replace(root / rel)
            new = {"path": rel, "rows": rows, "month": seg["month"]}
            if seg["listed"] - gone:
                new["listed"] = seg["listed"] - gone
            replaced[seg["path"]] = new
    return replaced, removed
