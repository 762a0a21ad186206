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

import datetime as dt
import json
import os
import re
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
from starscope.store import lock as store_lock
from starscope.store import manifest as mf
from starscope.store import sql
from starscope.store.schema import ACCOUNT_MONTHS, HOUR_STATS, TABLES, TYPE_COUNT_COLUMNS, WATCH
from starscope.store.snapshot import Snapshot

DEFAULT_STORE = "./starscope-store"
_HOUR_RE = re.compile(r"\d{4}-\d{2}-\d{2}-(?:[0-9]|1[0-9]|2[0-3])")
# Unlisted files younger than this may still be read by a reader that opened an older
# manifest (e.g. the web service), so garbage collection leaves them for a later run.
GC_GRACE_SECONDS = 600

_DUCK_TYPES = {
    pa.bool_(): "BOOLEAN",
    pa.int8(): "TINYINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.string(): "VARCHAR",
    pa.timestamp("us"): "TIMESTAMP",
}


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return _duck_type(t.value_type) + "[]"
    if pa.types.is_struct(t):
        return "STRUCT(" + ", ".join(f"{f.name} {_duck_type(f.type)}" for f in t) + ")"
    return _DUCK_TYPES[t]


def _empty_select(schema: pa.Schema) -> str:
    cols = ", ".join(f"NULL::{_duck_type(f.type)} AS {f.name}" for f in schema)
    return f"SELECT {cols} WHERE false"


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join(sql.literal(p) for p in paths) + "]"


def _data(state: "Snapshot | dict[str, Any]") -> dict[str, Any]:
    """The manifest dict of a Snapshot (or of a writer's own manifest dict)."""
    return state._manifest() if isinstance(state, Snapshot) else state


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

    def writer_active(self) -> bool:
        """Whether a writer (ingest, detect) holds the store's lock right now."""
        return store_lock.held(self.root / ".lock")

    @property
    def quarantine_dir(self) -> Path:
        """Where bad input is kept, with its origin."""
        return self.root / "quarantine"

    @property
    def downloads_dir(self) -> Path:
        """Where `ingest --from/--to` keeps the hour files it downloads by default."""
        return self.root / "downloads"

    def stamp(self) -> tuple[int, int, int] | None:
        """Changes whenever a commit replaces the manifest (one stat; None: no store yet).
        Lets a long-lived reader (the web service) notice a commit cheaply."""
        try:
            st = os.stat(self.root / mf.NAME)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_ino, st.st_size)

    def snapshot(self) -> Snapshot:
        """The committed state now, as an immutable Snapshot (see snapshot.py)."""
        return Snapshot(self.root, self.manifest(), owned=True)

    def manifest(self) -> dict[str, Any]:
        """The manifest as a dict: for store/ itself and tests; readers use snapshot()."""
        if self.root.exists() and not self.root.is_dir():
            raise UsageError(f"store path is not a folder: {self.root}")
        try:
            return mf.load(self.root)
        except (ValueError, OSError) as exc:
            raise UsageError(f"cannot read the store manifest: {exc}") from exc

    def source_state(self, source: str,
                     manifest: Snapshot | dict[str, Any] | None = None) -> dict[str, Any]:
        """What a live source (e.g. "github") keeps between runs: cursors, ETags, problems.
        Committed with the data it describes, so a killed run resumes where its last commit was."""
        m = _data(manifest) if manifest is not None else self.manifest()
        return json.loads(json.dumps(m.get("sources", {}).get(source, {})))

    def connect(
        self,
        manifest: Snapshot | dict[str, Any] | None = None,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
    ) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with a view per table of one committed manifest.

        Views: events, stars, repo_names, actor_logins, account_months, account_activity,
        repos, hour_stats (latest row per hour file); and results.<table> for the latest
        detection run (if any). ``manifest``: the Snapshot to read (default: the latest)."""
        m = _data(manifest) if manifest is not None else self.manifest()
        config: dict[str, Any] = {}  # DuckDB's settings, given when it opens
        if memory_limit:
            if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", memory_limit.strip(), re.I):
                raise UsageError(f"memory limit must look like 8GB or 512MiB, not {memory_limit!r}")
            config["memory_limit"] = memory_limit.strip()
        if threads:
            config["threads"] = int(threads)
        con = duckdb.connect(config=config)
        schemas = dict(TABLES, account_months=ACCOUNT_MONTHS)
        for name, schema in schemas.items():
            paths = [str(self.root / s["path"]) for s in m["segments"].get(name, [])]
            if paths:
                body = f"SELECT * FROM read_parquet({_sql_list(paths)})"
            else:
                body = _empty_select(schema)
            con.execute(f"CREATE VIEW {name} AS {body}")
        paths = [str(self.root / s["path"]) for s in m["segments"].get("hour_stats", [])]
        # by name, with every column of the schema: segments written before a column existed
        # (star_repos) read as null there, even when no segment has it yet
        body = (f"SELECT * FROM (SELECT * FROM read_parquet({_sql_list(paths)}, "
                f"union_by_name = true) UNION ALL BY NAME {_empty_select(HOUR_STATS)}) "
                f"QUALIFY row_number() OVER (PARTITION BY file ORDER BY commit DESC, lines DESC, "
                f"events DESC, bad_lines DESC) = 1"
                if paths else _empty_select(HOUR_STATS))
        con.execute(f"CREATE VIEW hour_stats AS {body}")
        con.execute(f"CREATE VIEW account_activity AS {sql.ACCOUNT_ACTIVITY_VIEW}")
        con.execute(f"CREATE VIEW repos AS {sql.REPOS_VIEW}")
        con.execute("CREATE SCHEMA results")
        res = m.get("results")
        if res:
            for name, rel in res["tables"].items():
                path = str(self.root / rel)
                con.execute(f"CREATE VIEW results.{name} AS SELECT * FROM read_parquet({sql.literal(path)})")
        return con

    def missing_hours(self, manifest: Snapshot | dict[str, Any] | None = None) -> list[str]:
        """Hours recorded as missing (``YYYY-MM-DD-H``: the server had no file for them),
        sorted by time. An hour later ingested after all stays listed here; readers take
        the hour_stats view's rows as the truth for what is present."""
        m = _data(manifest) if manifest is not None else self.manifest()
        return list(m.get("missing_hours", []))

    # ---------------------------------------------------------------- writing
    @contextmanager
    def writing(self) -> Iterator["StoreWriter"]:
        """Hold the store's write lock; yields a writer. Only one writer at a time."""
        if self.root.exists() and not self.root.is_dir():
            raise UsageError(f"store path is not a folder: {self.root}")
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            lock = store_lock.acquire(self.root / ".lock")
        except store_lock.LockHeld:
            raise StoreBusy(f"another starscope run is writing {self.root}; try again when it ends")
        writer = None
        try:
            writer = StoreWriter(self)
            writer.collect_garbage()
            yield writer
        finally:
            if writer is not None:
                writer.close()
            lock.close()


class StoreWriter:
    """Adds committed data to a store. Created by Store.writing() with the lock held."""

    def __init__(self, store: Store):
        self.store = store
        self.root = store.root
        self.manifest = store.manifest()
        self.staging = self.root / ".staging"
        self._db: duckdb.DuckDBPyConnection | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection for one step (close it after): a cursor of one in-memory
        database kept for the writer's life, with its own temp tables. A new database costs
        ~30 ms of CPU, a cursor ~1 ms: an ingest commits every few files (8,760 a year)."""
        if self._db is None:
            self._db = duckdb.connect()
        return self._db.cursor()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def snapshot(self) -> Snapshot:
        """The state this writer last committed (or found), as an immutable Snapshot."""
        return Snapshot(self.root, self.manifest)

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

    def _read_list(self, paths: list[str], by_name: bool = False) -> str:
        """``by_name``: segments of different versions may lack later columns (hour_stats'
        star_repos): match columns by name, null where missing."""
        opts = ", union_by_name = true" if by_name else ""
        return f"read_parquet({_sql_list([str(self.root / p) for p in paths])}{opts})"

    def _duplicates(
        self, con: duckdb.DuckDBPyConnection, batch: list[list[dict[str, Any]]],
        staging_dirs: list[Path],
    ) -> dict[int, set[int]]:
        """Event ids each staged file must drop: ids the store holds already, and ids an
        earlier file of the batch holds. Usually empty, and cheap to find out."""
        new = [(i, staging_dirs[i] / s["path"]) for i, segs in enumerate(batch) for s in segs
               if s["table"] == "events"]
        if not new:
            return {}
        union = " UNION ALL ".join(
            f"SELECT {i} AS f, event_id, created_at FROM read_parquet({sql.literal(p)})" for i, p in new
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE new_ids AS {union}")
        drop: dict[int, set[int]] = {}
        rows = con.execute(
            "SELECT f, event_id FROM new_ids WHERE event_id IN ("
            "  SELECT event_id FROM new_ids GROUP BY event_id HAVING count(*) > 1) "
            "QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY f) > 1"
        ).fetchall()
        months = {s["month"] for segs in batch for s in segs}
        lo, hi = con.execute("SELECT min(created_at), max(created_at) FROM new_ids").fetchone()
        # Only segments whose span (kept in the manifest since it was committed; compacted
        # ones have none) meets the batch's: a run commits every few files, and opening
        # every segment of the month each time made a month's ingest quadratic.
        old = [s["path"] for s in self.manifest["segments"].get("events", [])
               if s["month"] in months and lo is not None
               and ("created" not in s or (dt.datetime.fromisoformat(s["created"][0]) <= hi
                                           and dt.datetime.fromisoformat(s["created"][1]) >= lo))]
        if old:
            # Copies of an event share its time: Parquet min/max statistics skip the segments
            # (and row groups) outside the batch's span.
            rows += con.execute(
                f"SELECT DISTINCT n.f, n.event_id FROM new_ids n JOIN ("
                f"  SELECT event_id FROM {self._read_list(old)} WHERE created_at BETWEEN ? AND ?"
                f") o ON n.event_id = o.event_id",
                [lo, hi],
            ).fetchall()
        for f, eid in rows:
            drop.setdefault(f, set()).add(eid)
        return drop

    def _drop_events(
        self, con: duckdb.DuckDBPyConnection, segs: list[dict[str, Any]], staging: Path,
        ids: set[int],
    ) -> None:
        """Rewrite one staged file's segments without the given event ids."""
        from starscope.store.segments import copy_to

        con.execute("CREATE OR REPLACE TEMP TABLE drop_ids (event_id BIGINT)")
        con.executemany("INSERT INTO drop_ids VALUES (?)", [[i] for i in sorted(ids)])
        by_key = {(s["table"], s["month"]): s for s in segs}
        # Names and first/last seen are the same with or without a copy; account_months is
        # derived again from the events left, so it goes last.
        order = {"events": 0, "stars": 1, "account_months": 2}
        for (table, month), seg in sorted(by_key.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1])):
            if table not in order:
                continue
            path = staging / seg["path"]
            tmp = path.with_name("rewritten.parquet")
            if table == "account_months":
                ev = staging / by_key[("events", month)]["path"]
                query = sql.ACCOUNT_MONTHS_SELECT.format(src=f"read_parquet({sql.literal(ev)})")
            else:
                query = (f"SELECT * FROM read_parquet({sql.literal(path)}) "
                         f"WHERE event_id NOT IN (SELECT event_id FROM drop_ids)")
            seg["rows"] = copy_to(con, query, tmp)
            os.replace(tmp, path)

    def commit_staged(
        self,
        batch: list[list[dict[str, Any]]],
        staging_dirs: list[Path],
        files: dict[str, dict[str, Any]],
        quarantine: list[dict[str, Any]],
        hour_stats: list[dict[str, Any]] | None = None,
        state: dict[str, dict[str, Any]] | None = None,
        collapsed: int = 0,
    ) -> dict[str, int]:
        """Commit files' staged segments (from segments.derive_segments) in one atomic step.

        Events the store (or an earlier file of the batch) already holds are dropped first, so
        re-ingesting overlapping input changes nothing. ``hour_stats``: one row per file
        (HOUR_STATS's columns but ``commit``; ``types``: {event type code: count}).
        `collapsed`: repeated copies already dropped while staging, counted with the
        duplicates. Returns counts of new rows."""
        dropped = collapsed
        if batch:
            con = self.cursor()
            drop = self._duplicates(con, batch, staging_dirs)
            for f, ids in sorted(drop.items()):
                self._drop_events(con, batch[f], staging_dirs[f], ids)
                dropped += len(ids)
            con.close()
        return self.commit_prepared(batch, staging_dirs, files, quarantine, dropped,
                                    hour_stats=hour_stats, state=state)

    def commit_prepared(
        self,
        batch: list[list[dict[str, Any]]],
        staging_dirs: list[Path],
        files: dict[str, dict[str, Any]],
        quarantine: list[dict[str, Any]],
        duplicate_events: int,
        hour_stats: list[dict[str, Any]] | None = None,
        state: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, int]:
        """Commit staged segments that hold no event the store (or another of them) holds,
        e.g. the Spark engine's, which drops duplicates itself; one atomic step. Segment
        descriptors are as in commit_staged. ``state``: {source: its state} replaced in the
        same commit (see Store.source_state). Returns counts of new rows."""
        from starscope.store.live import settle_listed_stars

        m = self.manifest
        token = self.new_token()
        counts = {"events": 0, "stars": 0, "duplicate_events": duplicate_events}
        # One star per (account, repo) between events and stargazer lists, either order.
        con = self.cursor()
        settled, unlisted = settle_listed_stars(self.root, m, batch, staging_dirs, token,
                                                con=self.cursor)
        span_lo, span_hi = None, None
        new_segments: list[tuple[str, dict[str, Any]]] = []
        for f, segs in enumerate(batch):
            for seg in segs:
                if not seg["rows"]:
                    continue
                rel = f"tables/{seg['table']}/month={seg['month']}/{token}-{f:04d}.parquet"
                src = staging_dirs[f] / seg["path"]
                dst = self.root / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                mf.fsync_file(src)
                os.replace(src, dst)
                desc = {"path": rel, "rows": seg["rows"], "month": seg["month"]}
                if seg.get("listed"):
                    desc["listed"] = seg["listed"]
                new_segments.append((seg["table"], desc))
                if seg["table"] == "events":
                    lo, hi = con.execute(
                        f"SELECT min(created_at), max(created_at) FROM read_parquet({sql.literal(dst)})"
                    ).fetchone()
                    span_lo = min(filter(None, [span_lo, lo]))
                    span_hi = max(filter(None, [span_hi, hi]))
                    if lo is not None:  # lets _duplicates skip the segment without opening it
                        desc["created"] = [lo.isoformat(), hi.isoformat()]
        con.close()
        for table, seg in new_segments:
            counts[table] = counts.get(table, 0) + seg["rows"]
        new_segments += self._write_hour_stats(hour_stats or [], token, m["commit"] + 1)

        q_rel = self._write_quarantine(quarantine, token)
        m["commit"] += 1
        if settled:
            m["segments"]["stars"] = [settled.get(s["path"], s) for s in m["segments"]["stars"]
                                      if settled.get(s["path"], s) is not None]
        for table, seg in new_segments:
            m["segments"].setdefault(table, []).append(seg)
        if q_rel:
            m["quarantine"].append(q_rel)
        m["files"].update(files)
        if span_lo is not None:
            span = m["span"]
            span["first_event"] = min(filter(None, [span["first_event"], span_lo.isoformat()]))
            span["last_event"] = max(filter(None, [span["last_event"], span_hi.isoformat()]))
        t = m["totals"]
        t["events"] += counts["events"]
        t["stars"] += counts["stars"] - unlisted
        t["duplicate_events"] += counts["duplicate_events"]
        t["bad_lines"] = sum(f["bad_lines"] for f in m["files"].values())
        if state:
            m.setdefault("sources", {}).update(state)
        mf.save(self.root, m)
        return counts

    def _write_quarantine(self, quarantine: list[dict[str, Any]], token: str) -> str | None:
        """The batch's quarantine records as one durable JSON-lines file; its store path."""
        if not quarantine:
            return None
        q_rel = f"quarantine/{token}.jsonl"
        qpath = self.root / q_rel
        qpath.parent.mkdir(parents=True, exist_ok=True)
        with open(qpath, "w", encoding="utf-8") as fh:
            for rec in quarantine:
                fh.write(json.dumps(rec, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return q_rel

    def _write_hour_stats(self, rows: list[dict[str, Any]], token: str,
                          commit: int) -> list[tuple[str, dict[str, Any]]]:
        """Write the files' hour statistics, one Parquet segment per month; their descriptors."""
        import pyarrow.parquet as pq

        by_month: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            if r.get("hour") is not None:
                by_month.setdefault(r["hour"].strftime("%Y-%m"), []).append(r)
        out = []
        for month, rs in sorted(by_month.items()):
            rs.sort(key=lambda r: (r["hour"], r["file"]))
            cols: dict[str, list[Any]] = {
                "hour": [r["hour"].replace(tzinfo=None) for r in rs],
                "file": [r["file"] for r in rs],
                "commit": [commit] * len(rs),
            }
            for c in ("lines", "events", "stars", "bad_lines"):
                cols[c] = [int(r.get(c) or 0) for r in rs]
            cols["corrupt"] = [bool(r.get("corrupt")) for r in rs]
            for code, c in enumerate(TYPE_COUNT_COLUMNS):
                cols[c] = [int((r.get("types") or {}).get(code, 0)) for r in rs]
            cols["star_repos"] = [[{"repo_id": int(rid), "stars": int(n)}
                                   for rid, n in (r.get("star_repos") or [])] for r in rs]
            rel = f"tables/hour_stats/month={month}/{token}.parquet"
            dst = self.root / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(dst.name + ".tmp")
            pq.write_table(pa.Table.from_pydict(cols, schema=HOUR_STATS), tmp, compression="zstd")
            mf.fsync_file(tmp)
            os.replace(tmp, dst)
            out.append(("hour_stats", {"path": rel, "rows": len(rs), "month": month}))
        return out

    def record_missing_hours(self, hours: list[str]) -> None:
        """Record hours (``YYYY-MM-DD-H``) the archive had no file for (a 404), in one
        atomic manifest update. Anything else is ignored."""
        m = self.manifest
        known = set(m.get("missing_hours", []))
        new = {h for h in hours if _HOUR_RE.fullmatch(h)} - known
        if not new:
            return
        m["missing_hours"] = sorted(known | new, key=lambda h: tuple(map(int, h.split("-"))))
        m["commit"] += 1
        mf.save(self.root, m)

    def write_results(
        self, con: duckdb.DuckDBPyConnection, tables: dict[str, str], meta: dict[str, Any]
    ) -> str:
        """Replace the detection results with the given tables of `con` (name -> relation),
        in one atomic manifest update. Returns the results folder (relative)."""
        from starscope.store.segments import copy_to

        m = self.manifest
        run = f"results/{self.new_token()}"
        written = {}
        for name, relation in sorted(tables.items()):
            if not re.fullmatch(r"[a-z_]+", name):
                raise ValueError(f"bad result table name {name!r}")
            rel = f"{run}/{name}.parquet"
            tmp = self.root / (rel + ".tmp")
            # ORDER BY ALL: the same store gives byte-identical result files.
            copy_to(con, f"SELECT * FROM {relation} ORDER BY ALL", tmp)
            mf.fsync_file(tmp)
            os.replace(tmp, self.root / rel)
            written[name] = rel
        m["commit"] += 1
        m["results"] = {"path": run, "tables": written, "meta": meta}
        mf.save(self.root, m)
        return run

    # Segments smaller than this are merged per month at the end of an ingest run, so a month
    # ends as a few large files instead of one per hour file.
    COMPACT_BELOW_BYTES = 64 << 20
    # Events segments of real hour files are already a few MB (~10 B/event): rewriting a
    # month of them would cost more than it saves. Only tiny ones (small files) are merged.
    COMPACT_EVENTS_BELOW_BYTES = 1 << 20
    # A month is compacted once it has this many small segments of a table: readers merge a
    # few segments at no cost, and merging every run's handful would be work done again and
    # again as a month fills up.
    COMPACT_MIN_SEGMENTS = 16

    def compact(self, months: set[str]) -> int:
        """Merge each table's small segments of the given months; one atomic commit.
        Returns the number of segments merged away."""
        from starscope.store.segments import copy_to

        m = self.manifest
        token = self.new_token()
        con = self.cursor()
        merged_away = 0
        replace: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}
        for table, segs in sorted(m["segments"].items()):
            drop, add = [], []
            limit = (self.COMPACT_EVENTS_BELOW_BYTES if table == "events"
                     else self.COMPACT_BELOW_BYTES)
            for month in sorted(months):
                small = [s for s in segs if s["month"] == month
                         and (self.root / s["path"]).stat().st_size < limit]
                if len(small) < self.COMPACT_MIN_SEGMENTS:
                    continue
                src = self._read_list([s["path"] for s in small],
                                      by_name=table == "hour_stats")
                query = {
                    "events": f"SELECT * FROM {src} ORDER BY created_at, event_id",
                    "stars": f"SELECT * FROM {src} ORDER BY repo_id, starred_at, event_id",
                    "repo_names": f"SELECT repo_id, repo_name, min(first_seen) AS first_seen, "
                    f"max(last_seen) AS last_seen FROM {src} GROUP BY ALL ORDER BY 1, 2",
                    "actor_logins": f"SELECT actor_id, actor_login, min(first_seen) AS first_seen, "
                    f"max(last_seen) AS last_seen FROM {src} GROUP BY ALL ORDER BY 1, 2",
                    "account_months": f"SELECT * FROM ({sql.merge_partials('month, actor_id', src)}) "
                    f"ORDER BY actor_id",
                    "hour_stats": f"SELECT * FROM {src} ORDER BY hour, file, commit",
                    "account_profiles": f"SELECT * FROM {src} QUALIFY row_number() OVER ("
                    f"PARTITION BY actor_id ORDER BY actor_login, created_at) = 1 ORDER BY actor_id",
                }[table]
                rel = f"tables/{table}/month={month}/{token}.parquet"
                tmp = self.root / (rel + ".tmp")
                rows = copy_to(con, query, tmp)
                mf.fsync_file(tmp)
                os.replace(tmp, self.root / rel)
                drop += [s["path"] for s in small]
                add.append({"path": rel, "rows": rows, "month": month})
                if all("created" in s for s in small):  # the merged span: _duplicates skips by it
                    spans = [[dt.datetime.fromisoformat(t) for t in s["created"]] for s in small]
                    add[-1]["created"] = [min(a for a, _ in spans).isoformat(),
                                          max(b for _, b in spans).isoformat()]
                if sum(s.get("listed", 0) for s in small):  # stars from stargazer lists
                    add[-1]["listed"] = sum(s.get("listed", 0) for s in small)
                merged_away += len(small) - 1
            if add:
                replace[table] = (drop, add)
        con.close()
        if not replace:
            return 0
        m["commit"] += 1
        for table, (drop, add) in replace.items():
            gone = set(drop)
            m["segments"][table] = [s for s in m["segments"][table] if s["path"] not in gone] + add
        mf.save(self.root, m)
        return merged_away

def status(store: Store) -> dict[str, Any]:
    """What the store holds: the `status` command's answer (JSON keys are a contract)."""
    snap = store.snapshot()
    files = snap.files
    totals = snap.totals
    out: dict[str, Any] = {
        "store": str(store.root),
        "files": len(files),
        "events": totals["events"],
        "stars": totals["stars"],
        "accounts": 0,
        "repos": 0,
        "bad_lines": sum(f["bad_lines"] for f in files.values()),
        "corrupt_files": sum(1 for f in files.values() if f["corrupt"]),
        "duplicate_events": totals["duplicate_events"],
        "first_event": snap.first_event,
        "last_event": snap.last_event,
        "commits": snap.commit,
        "months": snap.months("events"),
        "bytes_on_disk": snap.bytes_on_disk(),
        "detection": snap.results_meta,
    }
    if snap.commit:
        con = store.connect(snap)
        out["accounts"] = con.execute(
            "SELECT count(DISTINCT actor_id) FROM account_months"
        ).fetchone()[0]
        out["repos"] = con.execute("SELECT count(DISTINCT repo_id) FROM repo_names").fetchone()[0]
        con.close()
    return out
