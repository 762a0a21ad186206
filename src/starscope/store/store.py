"""The on-disk store: Parquet segments listed by an atomically replaced manifest.

Layout under the store folder:
  manifest.json                       what is committed (see manifest.py)
  tables/<table>/month=YYYY-MM/<commit>-<token>.parquet
  quarantine/<commit>-<token>.jsonl   bad lines and unreadable files, with their origin
  results/<run>/<table>.parquet       the latest detection run's tables
  .lock                               one writer at a time (flock; released if a run dies)
  .staging/                           a running ingest's parsed files; never read by readers
"""
from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from starscope.errors import StarscopeError, UsageError
from starscope.store import manifest as mf
from starscope.store import sql
from starscope.store.schema import ACCOUNT_MONTHS, TABLES, WATCH

DEFAULT_STORE = "./starscope-store"
# Unlisted files younger than this may still be read by a reader that opened an older
# manifest (e.g. the web service), so garbage collection leaves them for a later run.
GC_GRACE_SECONDS = 600

_DUCK_TYPES = {
    pa.int8(): "TINYINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.string(): "VARCHAR",
    pa.timestamp("us"): "TIMESTAMP",
}


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return _duck_type(t.value_type) + "[]"
    return _DUCK_TYPES[t]


def _empty_select(schema: pa.Schema) -> str:
    cols = ", ".join(f"NULL::{_duck_type(f.type)} AS {f.name}" for f in schema)
    return f"SELECT {cols} WHERE false"


def _sql_list(paths: list[str]) -> str:
    # Paths are ours (built from commit numbers and tokens), but quote them properly anyway.
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def default_store_path() -> Path:
    return Path(os.environ.get("STARSCOPE_STORE") or DEFAULT_STORE)


class StoreBusy(StarscopeError):
    pass


class Store:
    """A starscope store folder. Readers call connect(); writers use writing()."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.root = Path(path) if path is not None else default_store_path()

    # ---------------------------------------------------------------- reading
    def exists(self) -> bool:
        return (self.root / mf.NAME).exists()

    def manifest(self) -> dict[str, Any]:
        if self.root.exists() and not self.root.is_dir():
            raise UsageError(f"store path is not a folder: {self.root}")
        try:
            return mf.load(self.root)
        except (ValueError, OSError) as exc:
            raise UsageError(f"cannot read the store manifest: {exc}") from exc

    def connect(
        self,
        manifest: dict[str, Any] | None = None,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
    ) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with a view per table of one committed manifest.

        Views: events, stars, repo_names, actor_logins, account_months, account_activity,
        repos; and results.<table> for the latest detection run (if any)."""
        m = manifest if manifest is not None else self.manifest()
        con = duckdb.connect()
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        schemas = dict(TABLES, account_months=ACCOUNT_MONTHS)
        for name, schema in schemas.items():
            paths = [str(self.root / s["path"]) for s in m["segments"].get(name, [])]
            if paths:
                body = f"SELECT * FROM read_parquet({_sql_list(paths)})"
            else:
                body = _empty_select(schema)
            con.execute(f"CREATE VIEW {name} AS {body}")
        con.execute(f"CREATE VIEW account_activity AS {sql.ACCOUNT_ACTIVITY_VIEW}")
        con.execute(f"CREATE VIEW repos AS {sql.REPOS_VIEW}")
        con.execute("CREATE SCHEMA results")
        res = m.get("results")
        if res:
            for name, rel in res["tables"].items():
                path = str(self.root / rel)
                con.execute(f"CREATE VIEW results.{name} AS SELECT * FROM read_parquet('{path}')")
        return con

    # ---------------------------------------------------------------- writing
    @contextmanager
    def writing(self) -> Iterator["StoreWriter"]:
        """Hold the store's write lock; yields a writer. Only one writer at a time."""
        if self.root.exists() and not self.root.is_dir():
            raise UsageError(f"store path is not a folder: {self.root}")
        self.root.mkdir(parents=True, exist_ok=True)
        lock = open(self.root / ".lock", "a+")
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreBusy(f"another starscope run is writing {self.root}; try again when it ends")
            writer = StoreWriter(self)
            writer.collect_garbage()
            yield writer
        finally:
            lock.close()


class StoreWriter:
    """Adds committed data to a store. Created by Store.writing() with the lock held."""

    def __init__(self, store: Store):
        self.store = store
        self.root = store.root
        self.manifest = store.manifest()
        self.staging = self.root / ".staging"

    def new_token(self) -> str:
        return f"c{self.manifest['commit'] + 1:06d}-{secrets.token_hex(4)}"

    def collect_garbage(self) -> None:
        """Remove what no manifest lists: leftovers of killed runs, replaced results."""
        shutil.rmtree(self.staging, ignore_errors=True)
        refs = mf.referenced_files(self.manifest)
        now = time.time()
        for top in ("tables", "quarantine", "results"):
            base = self.root / top
            if not base.exists():
                continue
            for p in sorted(base.rglob("*"), reverse=True):
                rel = p.relative_to(self.root).as_posix()
                if p.is_file() and rel not in refs:
                    if now - p.stat().st_mtime > GC_GRACE_SECONDS or ".tmp" in p.name:
                        p.unlink(missing_ok=True)
                elif p.is_dir() and not any(p.iterdir()):
                    p.rmdir()

    def _copy(self, con: duckdb.DuckDBPyConnection, query: str, rel: str) -> int:
        """Write a query's rows as one Parquet file at rel; returns the row count."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        con.execute(
            f"COPY ({query}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)"
        )
        mf.fsync_file(tmp)
        os.replace(tmp, path)
        return con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]

    def commit_events(
        self,
        staged: list[Path],
        files: dict[str, dict[str, Any]],
        quarantine: list[dict[str, Any]],
    ) -> dict[str, int]:
        """Add a batch of parsed files (Arrow IPC files of parse.COLUMNS) in one commit.

        Events whose id the store (or the batch) already holds are dropped, so re-ingesting
        overlapping input changes nothing. Returns counts of new events and stars."""
        m = self.manifest
        token = self.new_token()
        con = duckdb.connect()
        new_segments: dict[str, list[dict[str, Any]]] = {}
        counts = {"events": 0, "stars": 0, "duplicate_events": 0, "parsed": 0}
        if staged:
            tables = [pa.ipc.open_file(str(p)).read_all() for p in staged]
            con.register("parsed", pa.concat_tables(tables))
            counts["parsed"] = con.execute("SELECT count(*) FROM parsed").fetchone()[0]
            con.execute(f"CREATE TEMP TABLE batch AS {sql.DEDUP_BATCH.format(src='parsed')}")
            con.unregister("parsed")
            del tables
            lo, hi = con.execute("SELECT min(created_at), max(created_at) FROM batch").fetchone()
            months = [r[0] for r in con.execute(
                f"SELECT DISTINCT {sql.MONTH.format(col='created_at')} FROM batch ORDER BY 1"
            ).fetchall()]
            old = [
                str(self.root / s["path"])
                for s in m["segments"].get("events", [])
                if s["month"] in months
            ]
            if old:
                # Copies of an event share its time, so only segments overlapping the batch's
                # span can hold one; Parquet min/max statistics skip the rest.
                con.execute(
                    f"""DELETE FROM batch WHERE event_id IN (
                        SELECT event_id FROM read_parquet({_sql_list(old)})
                        WHERE created_at BETWEEN ? AND ?)""",
                    [lo, hi],
                )
            writes = {
                "events": f"SELECT {sql.EVENTS_COLS} FROM batch_m ORDER BY created_at, event_id",
                "stars": sql.STARS_SELECT.format(src="batch_m", watch=WATCH)
                + " ORDER BY repo_id, starred_at, event_id",
                "repo_names": sql.REPO_NAMES_SELECT.format(src="batch_m") + " ORDER BY 1, 2",
                "actor_logins": sql.ACTOR_LOGINS_SELECT.format(src="batch_m") + " ORDER BY 1, 2",
                "account_months": sql.ACCOUNT_MONTHS_SELECT.format(src="batch_m")
                + " ORDER BY actor_id",
            }
            for month in months:
                con.execute(
                    f"CREATE OR REPLACE TEMP VIEW batch_m AS SELECT * FROM batch "
                    f"WHERE {sql.MONTH.format(col='created_at')} = '{month}'"
                )
                for table, query in writes.items():
                    rel = f"tables/{table}/month={month}/{token}.parquet"
                    rows = self._copy(con, query, rel)
                    if rows:
                        new_segments.setdefault(table, []).append(
                            {"path": rel, "rows": rows, "month": month}
                        )
                    else:
                        (self.root / rel).unlink()
            counts["events"] = sum(s["rows"] for s in new_segments.get("events", []))
            counts["stars"] = sum(s["rows"] for s in new_segments.get("stars", []))
            counts["duplicate_events"] = counts["parsed"] - counts["events"]
            if counts["events"]:
                lo, hi = con.execute(
                    "SELECT min(created_at), max(created_at) FROM batch"
                ).fetchone()
                span = m["span"]
                lo_s, hi_s = lo.isoformat(), hi.isoformat()
                span["first_event"] = min(filter(None, [span["first_event"], lo_s]))
                span["last_event"] = max(filter(None, [span["last_event"], hi_s]))
        con.close()

        q_rel = None
        if quarantine:
            q_rel = f"quarantine/{token}.jsonl"
            qpath = self.root / q_rel
            qpath.parent.mkdir(parents=True, exist_ok=True)
            with open(qpath, "w", encoding="utf-8") as fh:
                for rec in quarantine:
                    fh.write(json.dumps(rec, sort_keys=True) + "\n")
                fh.flush()
                os.fsync(fh.fileno())

        m["commit"] += 1
        for table, segs in new_segments.items():
            m["segments"].setdefault(table, []).extend(segs)
        if q_rel:
            m["quarantine"].append(q_rel)
        m["files"].update(files)
        t = m["totals"]
        t["events"] += counts["events"]
        t["stars"] += counts["stars"]
        t["duplicate_events"] += counts["duplicate_events"]
        t["bad_lines"] = sum(f["bad_lines"] for f in m["files"].values())
        mf.save(self.root, m)
        return counts


def status(store: Store) -> dict[str, Any]:
    """What the store holds: the `status` command's answer (JSON keys are a contract)."""
    m = store.manifest()
    files = m["files"]
    out: dict[str, Any] = {
        "store": str(store.root),
        "files": len(files),
        "events": m["totals"]["events"],
        "stars": m["totals"]["stars"],
        "accounts": 0,
        "repos": 0,
        "bad_lines": sum(f["bad_lines"] for f in files.values()),
        "corrupt_files": sum(1 for f in files.values() if f["corrupt"]),
        "duplicate_events": m["totals"]["duplicate_events"],
        "first_event": m["span"]["first_event"],
        "last_event": m["span"]["last_event"],
        "commits": m["commit"],
        "months": sorted({s["month"] for s in m["segments"].get("events", [])}),
        "bytes_on_disk": sum(
            (store.root / s["path"]).stat().st_size
            for segs in m["segments"].values()
            for s in segs
            if (store.root / s["path"]).exists()
        ),
        "detection": (m["results"] or {}).get("meta"),
    }
    if m["commit"]:
        con = store.connect(m)
        out["accounts"] = con.execute(
            "SELECT count(DISTINCT actor_id) FROM account_months"
        ).fetchone()[0]
        out["repos"] = con.execute("SELECT count(DISTINCT repo_id) FROM repo_names").fetchone()[0]
        con.close()
    return out
