"""Ingest with Apache Spark: hour files from local paths or any Hadoop file system
(``s3a://``, ``hdfs://``, ``gs://``, ``file://``) into the same store the DuckDB engine writes.

What runs where:
- Spark reads every file whole (``binaryFile``: any Hadoop file system) and hands the bytes
  to Python workers (``mapInArrow``), which decompress and parse them with starscope's own
  reader and parser (``ingest.pipeline.parse_file``): the same validation, the same bad lines,
  the same quarantine records as the DuckDB engine, by construction. Each file gives its
  parsed events and one report row (counts, quarantine records).
- Spark SQL then drops duplicates (within the batch: ``sql.DEDUP_BATCH``; against the store:
  an anti-join with the committed events segments overlapping the batch's time span) and
  derives the store's tables with the same statements the DuckDB engine runs
  (``store/sql.py``, translated by ``dialect.to_spark``), and writes them as Parquet
  partitioned by month into the store's staging folder.
- The driver commits the staged files through the store's writer (lock, atomic manifest,
  file records, quarantine), then compacts the months touched, as the DuckDB engine does.

Times are naive UTC timestamps (Spark's TIMESTAMP_NTZ), so DuckDB reads Spark's files as
TIMESTAMP, exactly like its own.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from starscope.engines.spark.dialect import to_spark
from starscope.errors import StarscopeError, UsageError
from starscope.ingest.parse import COLUMNS
from starscope.ingest.pipeline import IngestReport, ProgressFn, hour_stats_row, parse_file
from starscope.source.local import (PLAIN_HOUR_NAME, find_hour_files, fingerprint,
                                    missing_hours_noted, nothing_to_ingest, unreadable_reason)
from starscope.store import Store, sql
from starscope.store.schema import WATCH

URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# Files per Spark pass (one commit each): a killed run loses at most one pass.
BATCH_FILES = 1024
# About this many rows per written Parquet file (per table and month).
ROWS_PER_FILE = 8_000_000

# Parsed rows: the event columns (null on report rows) and a report (null on event rows).
_OUT = pa.schema(list(COLUMNS) + [pa.field("report", pa.string())])
_OUT_DDL = ("event_id BIGINT, created_at TIMESTAMP_NTZ, type TINYINT, actor_id BIGINT, "
            "actor_login STRING, repo_id BIGINT, repo_name STRING, org_id BIGINT, report STRING")
assert [f.split()[0] for f in _OUT_DDL.split(", ")] == _OUT.names

# The session settings this needs while it runs (restored afterwards: the session may be
# shared, e.g. by the tests).
_CONF = {
    # One file per Arrow batch into the Python workers: files are tens of MB each.
    "spark.sql.execution.arrow.maxRecordsPerBatch": "1",
    "spark.sql.parquet.compression.codec": "zstd",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # Small files share a read partition, but not all of them one partition.
    "spark.sql.files.openCostInBytes": str(1 << 20),
}

# Table -> (query over the batch's new events `{src}`, column giving its month, sort keys).
_DERIVE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "events": (f"SELECT {sql.EVENTS_COLS} FROM {{src}}", "created_at",
               ("created_at", "event_id")),
    "stars": (sql.STARS_SELECT.replace("{watch}", str(WATCH)), "starred_at",
              ("repo_id", "starred_at", "event_id")),
    "repo_names": (sql.REPO_NAMES_SELECT, "first_seen", ("repo_id", "repo_name")),
    "actor_logins": (sql.ACTOR_LOGINS_SELECT, "first_seen", ("actor_id", "actor_login")),
    "account_months": (sql.ACCOUNT_MONTHS_SELECT, "", ("actor_id",)),
}


@dataclass
class InputFile:
    name: str
    path: str  # as reported and recorded: the user's local path, or the file's URI
    uri: str  # what Spark reads
    size: int


# ------------------------------------------------------------------ Python workers
def _report(rep: Any, table: pa.Table | None) -> dict[str, Any]:
    """A file's report, with what the driver needs of its events: distinct ids, time span."""
    info = asdict(rep)
    info["distinct"] = 0
    if table is not None and table.num_rows:
        info["distinct"] = pc.count_distinct(table["event_id"]).as_py()
        lo, hi = pc.min_max(table["created_at"]).values()
        info["lo"], info["hi"] = lo.as_py().isoformat(), hi.as_py().isoformat()
    return info


def _parse_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow: (path, content) rows of whole files -> parsed events and a report each."""
    for batch in batches:
        paths = batch.column("path").to_pylist()
        contents = batch.column("content")
        for i, uri in enumerate(paths):
            data = contents[i].as_py() or b""
            name = uri.rstrip("/").rsplit("/", 1)[-1]
            rep, table = parse_file(PurePosixPath(name), data, name=name, path=uri)
            info = _report(rep, table)
            if table.num_rows:
                table = table.append_column("report", pa.nulls(table.num_rows, pa.string()))
                yield from table.cast(_OUT).to_batches(max_chunksize=1 << 16)
            row = {c: [None] for c in _OUT.names}
            row["report"] = [json.dumps(info)]
            yield pa.RecordBatch.from_pydict(row, schema=_OUT)


# ------------------------------------------------------------------ driver
def _java_error(exc: Exception) -> str:
    jexc = getattr(exc, "java_exception", None)
    if jexc is not None:
        try:
            return str(jexc.toString())
        except Exception:  # noqa: BLE001 - best effort for a one-line message
            pass
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _hadoop(spark: Any, spec: str) -> tuple[Any, Any]:
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(spec)
    return path, path.getFileSystem(spark._jsc.hadoopConfiguration())


def _list_uri(spark: Any, spec: str) -> list[InputFile]:
    """Hour files at a Hadoop URI: a file, a folder (recursively, *.json.gz) or a glob."""
    try:
        path, fs = _hadoop(spark, spec)
        statuses = fs.globStatus(path)
        found = []
        for st in statuses or []:
            if st.isDirectory():
                it = fs.listFiles(st.getPath(), True)
                while it.hasNext():
                    f = it.next()
                    name = f.getPath().getName()
                    if name.endswith(".json.gz") or PLAIN_HOUR_NAME.fullmatch(name):
                        found.append(f)
            else:
                found.append(st)
        out = [InputFile(f.getPath().getName(), str(f.getPath().toString()),
                         str(f.getPath().toString()), int(f.getLen())) for f in found]
    except Exception as exc:  # noqa: BLE001 - py4j errors: one line for the user
        raise UsageError(f"cannot list {spec}: {_java_error(exc)}") from None
    if not out:
        raise UsageError(f"no such file, folder or glob match: {spec}")
    return out


def _qualified(spark: Any, uri: str) -> str:
    path, fs = _hadoop(spark, uri)
    return str(fs.makeQualified(path).toString())


def find_inputs(spark: Any, paths: list[str], local: list[Path] | None = None) -> list[InputFile]:
    """Local paths (as the DuckDB engine finds them) and Hadoop URIs, sorted by name."""
    if local is None:
        local = find_hour_files([p for p in paths if not URI_RE.match(p)] or [])
    found: dict[str, InputFile] = {}
    for p in local:
        uri = _qualified(spark, _file_uri(p))
        found.setdefault(uri, InputFile(p.name, str(p), uri, p.stat().st_size))
    for spec in paths:
        if URI_RE.match(spec):
            for f in _list_uri(spark, spec):
                found.setdefault(f.uri, f)
    return sorted(found.values(), key=lambda f: (f.name, f.path))


def _file_uri(p: Path) -> str:
    """A local path for Spark and Hadoop: not Path.as_uri(), whose %-escapes (month%3D...)
    Hadoop would take literally."""
    return "file://" + str(Path(p).resolve())


def _escape_glob(uri: str) -> str:
    """Spark's load() takes globs; hour files are exact paths."""
    return re.sub(r"([\[\]{}*?\\])", r"\\\1", uri)


class _Conf:
    """Set session settings for a while, then put the old ones back."""

    def __init__(self, spark: Any, conf: dict[str, str]):
        self.spark, self.conf, self.old = spark, conf, {}

    def __enter__(self) -> None:
        for k, v in self.conf.items():
            self.old[k] = self.spark.conf.get(k, None)
            self.spark.conf.set(k, v)

    def __exit__(self, *exc: object) -> None:
        for k, v in self.old.items():
            if v is None:
                self.spark.conf.unset(k)
            else:
                self.spark.conf.set(k, v)


def ingest_spark(
    store: Store,
    paths: list[str],
    *,
    master: str | None = None,
    spark: Any = None,
    batch_files: int | None = None,
    progress: ProgressFn | None = None,
    missing_hours: list[str] | None = None,
) -> IngestReport:
    """Ingest hour files (local files, folders, globs, or Hadoop URIs) into the store with
    Spark. Same store, counts and report as starscope.ingest.ingest (``missing_hours`` too);
    see module docstring."""
    from starscope.engines.spark.session import spark_session

    t0 = time.perf_counter()
    emit = progress or (lambda kind, info: None)
    # Local usage errors before a JVM starts.
    local = find_hour_files([p for p in paths if not URI_RE.match(p)]) \
        if any(not URI_RE.match(p) for p in paths) else []
    # Inputs that cannot be opened (dangling symlink, loop, folder, no permission): counted.
    unreadable = {str(p): (p.name, why) for p in local if (why := unreadable_reason(p))}
    local = [p for p in local if str(p) not in unreadable]
    if spark is None:
        spark = spark_session(master)
    files = find_inputs(spark, paths, local)
    if not files and not unreadable:
        raise nothing_to_ingest(paths)
    report = IngestReport(files_seen=len(files) + len(unreadable))
    for name, why in unreadable.values():
        report.unreadable_files[name] = why
        emit("unreadable", {"name": name, "reason": why})
    batch_files = batch_files or int(os.environ.get("STARSCOPE_SPARK_BATCH_FILES", 0)) or BATCH_FILES

    with store.writing() as writer, _Conf(spark, _CONF):
        # Hours `download` found missing on the server, as the DuckDB engine records them.
        writer.record_missing_hours(missing_hours_noted([p for p in paths if not URI_RE.match(p)])
                                    + list(missing_hours or []))
        done = writer.snapshot().files
        todo = []
        for f in files:
            rec = done.get(f.name)
            if rec is not None and rec["size"] == f.size:
                report.files_skipped += 1
            else:
                todo.append(f)
        emit("start", {"files": len(todo), "bytes": sum(f.size for f in todo),
                       "skipped": report.files_skipped})
        touched: set[str] = set()
        for i in range(0, len(todo), batch_files):
            staging = writer.staging / f"spark-{i // batch_files:06d}"
            try:
                touched |= _ingest_batch(spark, writer, todo[i:i + batch_files], staging,
                                         report, emit)
            except Exception as exc:
                if not type(exc).__module__.startswith(("pyspark", "py4j")):
                    raise
                # A failed Spark job: one line, not a JVM trace; committed passes are kept.
                lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
                errs = [ln for ln in lines if re.match(r"[\w.]+(Error|Exception): ", ln)]
                msg = (errs[-1] if errs else lines[0] if lines else type(exc).__name__)[:300]
                raise StarscopeError(
                    f"spark ingest failed: {msg}; what was committed before is kept, run the "
                    f"same command to resume") from exc
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        if touched:
            emit("compact", {"months": sorted(touched)})
            writer.compact(touched)
    report.corrupt_files.sort()
    report.seconds = time.perf_counter() - t0
    return report


def _ingest_batch(spark: Any, writer: Any, batch: list[InputFile], staging: Path,
                  report: IngestReport, emit: ProgressFn) -> set[str]:
    """One Spark pass over some files, and one commit. Returns the months touched."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    by_uri = {_qualified(spark, f.uri): f for f in batch}
    by_name: dict[str, list[InputFile]] = {}
    for f in batch:
        by_name.setdefault(f.name, []).append(f)

    # Spark's file sources skip empty files: those are reported here, as the parser would.
    empty = [f for f in batch if f.size == 0]
    reps = [_report(parse_file(PurePosixPath(f.name), b"", name=f.name, path=f.uri)[0], None)
            for f in empty]
    wanted = [u for u, f in by_uri.items() if f.size > 0] or [next(iter(by_uri))]
    raw = spark.read.format("binaryFile").load([_escape_glob(u) for u in wanted])
    parsed = (raw.select("path", "content").mapInArrow(_parse_batches, _OUT_DDL)
              .persist(StorageLevel.MEMORY_AND_DISK))
    new = None
    try:
        reps += [json.loads(r.report) for r in
                 parsed.where("report IS NOT NULL").select("report").collect()
                 if not any(json.loads(r.report)["path"] == e.uri for e in empty)]
        seen: set[str] = set()
        for rep in reps:
            f = by_uri.get(rep["path"])
            if f is None and len(by_name.get(rep["name"], [])) == 1:
                f = by_name[rep["name"]][0]
            if f is None or f.uri in seen:
                raise StarscopeError(f"spark ingest: a report for an unknown file {rep['path']}")
            seen.add(f.uri)
            rep["path"] = f.path
            for q in rep["quarantine"]:
                q["path"] = f.path
        if len(seen) != len(batch):
            missing = ", ".join(sorted(f.name for f in batch if f.uri not in seen)[:3])
            raise StarscopeError(f"spark ingest: Spark did not read {missing}")
        reps.sort(key=lambda r: (r["name"], r["path"]))
        for rep in reps:
            emit("file", report.add_file(
                name=rep["name"], size=rep["size"], lines=rep["lines"], events=rep["events"],
                bad_lines=rep["bad_lines"], corrupt=rep["corrupt"]))

        segments: list[list[dict[str, Any]]] = []
        dirs: list[Path] = []
        distinct = sum(r["distinct"] for r in reps)
        if distinct:
            new = _new_events(spark, writer, parsed, reps).persist(StorageLevel.MEMORY_AND_DISK)
            new.count()  # computed once, in parallel, before five queries read it
            new.createOrReplaceTempView("starscope_new_events")
            est = {"events": sum(r["events"] for r in reps), "stars": sum(r["stars"] for r in reps)}
            for table, (query, month_col, keys) in _DERIVE.items():
                df = spark.sql(to_spark(query.format(src="starscope_new_events")))
                month = F.col("month") if not month_col else F.date_format(month_col, "yyyy-MM")
                df = df.withColumn("pmonth", month)
                n = max(1, math.ceil(est.get(table, est["events"]) / ROWS_PER_FILE))
                # Not coalesce(1): that would run the query's last stage in one task.
                df = (df.repartitionByRange(n, "pmonth", *keys) if n > 1 else df.repartition(1))
                (df.sortWithinPartitions("pmonth", *keys).write.partitionBy("pmonth")
                 .mode("overwrite").parquet(_file_uri(staging / table)))
                segments_dirs = _staged(staging / table, table)
                for seg, d in segments_dirs:
                    segments.append([seg])
                    dirs.append(d)
        n_new = sum(s[0]["rows"] for s in segments if s[0]["table"] == "events")
        quarantine = [q for r in reps for q in r["quarantine"]]
        files_rec = {r["name"]: {"size": r["size"], "lines": r["lines"], "events": r["events"],
                                 "stars": r["stars"], "bad_lines": r["bad_lines"],
                                 "corrupt": r["corrupt"], "path": r["path"]} for r in reps}
        for r in reps:  # local files: the same content identity the DuckDB engine records
            local = r["path"]
            if local.startswith("file:"):
                from urllib.parse import urlparse

                local = urlparse(local).path
            elif URI_RE.match(local):
                continue
            try:
                files_rec[r["name"]]["fingerprint"] = fingerprint(Path(local))
            except OSError:
                pass
        # Every parsed copy not committed is a duplicate: within a file, across files, or
        # already in the store.
        parsed_events = sum(r["events"] for r in reps)
        counts = writer.commit_prepared(segments, dirs, files_rec, quarantine,
                                        parsed_events - n_new,
                                        hour_stats=[hour_stats_row(r) for r in reps])
        report.events_new += counts["events"]
        report.stars_new += counts["stars"]
        report.duplicate_events += counts["duplicate_events"]
        emit("commit", {"files": len(reps), **counts})
        return {s[0]["month"] for s in segments}
    finally:
        if new is not None:
            new.unpersist()
        parsed.unpersist()


def _new_events(spark: Any, writer: Any, parsed: Any, reps: list[dict[str, Any]]) -> Any:
    """The batch's events, one row per id, without the ids the store holds already."""
    events = parsed.where("report IS NULL").drop("report")
    events.createOrReplaceTempView("starscope_parsed")
    once = spark.sql(to_spark(sql.DEDUP_BATCH.format(src="starscope_parsed")))
    lo = min(r["lo"] for r in reps if r["distinct"])
    hi = max(r["hi"] for r in reps if r["distinct"])
    snap = writer.snapshot()
    old = snap.segment_paths("events", lo[:7], hi[:7])
    if not old:
        return once
    # Copies of an event share its time: Parquet min/max statistics skip the rest.
    held = (spark.read.option("basePath", _file_uri(snap.table_dir("events")))
            .parquet(*[_escape_glob(_file_uri(p)) for p in old])
            .where(f"created_at BETWEEN TIMESTAMP_NTZ '{lo}' AND TIMESTAMP_NTZ '{hi}'")
            .select("event_id"))
    return once.join(held, "event_id", "left_anti")


def _staged(folder: Path, table: str) -> list[tuple[dict[str, Any], Path]]:
    """Spark's output files of a table as segment descriptors, each with its folder."""
    import pyarrow.parquet as pq

    out = []
    for part in sorted(folder.glob("pmonth=*")):
        month = part.name.split("=", 1)[1]
        for f in sorted(part.glob("*.parquet")):
            rows = pq.read_metadata(f).num_rows
            out.append(({"table": table, "month": month, "path": f.name, "rows": rows}, part))
    return out
