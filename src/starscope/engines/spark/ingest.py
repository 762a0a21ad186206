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
- Everything else is the ingest run both engines share (``ingest.pipeline.run``): which files
  the store has already (by name and content), commits through the store's writer (lock,
  atomic manifest, file records, quarantine), compaction of the months touched.

Times are naive UTC timestamps (Spark's TIMESTAMP_NTZ), so DuckDB reads Spark's files as
TIMESTAMP, exactly like its own.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from starscope.engines.spark.dialect import to_spark
from starscope.errors import StarscopeError, UsageError
from starscope.ingest.engine import FileReport, InputFile, StagedBatch, parse_file
from starscope.ingest.parse import COLUMNS
from starscope.ingest.pipeline import IngestReport, ProgressFn, run
from starscope.source.local import (PLAIN_HOUR_NAME, find_hour_files, fingerprint,
                                    fingerprint_of, unreadable_reason)
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
        out = [InputFile(f.getPath().getName(), str(f.getPath().toString()), int(f.getLen()),
                         uri=str(f.getPath().toString()), local=False) for f in found]
    except Exception as exc:  # noqa: BLE001 - py4j errors: one line for the user
        raise UsageError(f"cannot list {spec}: {_java_error(exc)}") from None
    if not out:
        raise UsageError(f"no such file, folder or glob match: {spec}")
    return out


def _qualified(spark: Any, uri: str) -> str:
    path, fs = _hadoop(spark, uri)
    return str(fs.makeQualified(path).toString())


def _file_uri(p: Path) -> str:
    """A local path for Spark and Hadoop: not Path.as_uri(), whose %-escapes (month%3D...)
    Hadoop would take literally."""
    try:
        return "file://" + str(Path(p).resolve())
    except (OSError, RuntimeError):  # a symlink loop (counted as unreadable, never read)
        return "file://" + os.path.abspath(p)


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
    return run(store, paths, SparkIngest(spark=spark, master=master, batch_files=batch_files),
               progress=progress, missing_hours=missing_hours)


class SparkIngest:
    """The Spark engine as `ingest.pipeline.run` drives it. The session starts only when
    needed: listing Hadoop URIs, fingerprinting files on them, or staging."""

    def __init__(self, spark: Any = None, master: str | None = None,
                 batch_files: int | None = None):
        self._spark, self.master = spark, master
        self.batch_files = (batch_files or int(os.environ.get("STARSCOPE_SPARK_BATCH_FILES", 0))
                            or BATCH_FILES)

    @property
    def spark(self) -> Any:
        if self._spark is None:
            from starscope.engines.spark.session import spark_session

            self._spark = spark_session(self.master)
        return self._spark

    def find(self, paths: list[str]) -> list[InputFile]:
        """Local paths (as the DuckDB engine finds them) and Hadoop URIs, sorted by name."""
        specs = [p for p in paths if not URI_RE.match(p)]
        # Local usage errors before a JVM starts.
        local = find_hour_files(specs) if specs else []
        files = [InputFile(p.name, str(p), _size(p), uri=_file_uri(p)) for p in local]
        uris = [p for p in paths if URI_RE.match(p)]
        if not uris:
            return files
        # The same file named twice (a local path and a URI): once, as the first names it.
        found: dict[str, InputFile] = {}
        for f in files:
            ok = unreadable_reason(Path(f.path)) is None
            found.setdefault(_qualified(self.spark, f.uri) if ok else f.path, f)
        for spec in uris:
            for f in _list_uri(self.spark, spec):
                found.setdefault(f.uri, f)
        return sorted(found.values(), key=lambda f: (f.name, f.path))

    def fingerprint(self, f: InputFile) -> str:
        """source.local.fingerprint: of the local file, or read through Hadoop's file system."""
        if f.local:
            return fingerprint(Path(f.path))
        # Also file:// URIs (the same bytes, so the same fingerprint as a local path's: the
        # tests check this path through them).
        try:
            path, fs = _hadoop(self.spark, f.uri)
            with _HadoopStream(fs.open(path)) as stream:
                return fingerprint_of(f.size, stream.read_at)
        except Exception as exc:  # noqa: BLE001 - py4j errors: counted as unreadable
            raise OSError(_java_error(exc)) from None

    def stage(self, staging: Path, files: list[InputFile], writer: Any) -> Iterator[StagedBatch]:
        """One Spark pass per batch_files files; each is committed before the next pass,
        which drops the events that commit added."""
        with _Conf(self.spark, _CONF):
            for i in range(0, len(files), self.batch_files):
                folder = staging / f"spark-{i // self.batch_files:06d}"
                try:
                    part = _stage_pass(self.spark, writer, files[i:i + self.batch_files], folder)
                except Exception as exc:
                    shutil.rmtree(folder, ignore_errors=True)
                    if not type(exc).__module__.startswith(("pyspark", "py4j")):
                        raise
                    raise _job_failed(exc) from exc
                yield part


class _HadoopStream:
    """Positioned reads of a Hadoop FSDataInputStream (py4j hands back byte[] as bytes)."""

    def __init__(self, stream: Any):
        self.stream = stream

    def __enter__(self) -> "_HadoopStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()

    def read_at(self, offset: int, n: int) -> bytes:
        self.stream.seek(offset)
        return bytes(self.stream.readNBytes(n))


def _job_failed(exc: Exception) -> StarscopeError:
    """A failed Spark job: one line, not a JVM trace; committed passes are kept."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    errs = [ln for ln in lines if re.match(r"[\w.]+(Error|Exception): ", ln)]
    msg = (errs[-1] if errs else lines[0] if lines else type(exc).__name__)[:300]
    return StarscopeError(f"spark ingest failed: {msg}; what was committed before is kept, "
                          f"run the same command to resume")


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:  # unreadable: pipeline.run counts it
        return 0


def _stage_pass(spark: Any, writer: Any, batch: list[InputFile], staging: Path) -> StagedBatch:
    """One Spark pass over some files: their reports and their new events' segments."""
    from pyspark import StorageLevel

    wanted = [f.uri for f in batch if f.size > 0] or [batch[0].uri]
    raw = spark.read.format("binaryFile").load([_escape_glob(u) for u in wanted])
    parsed = (raw.select("path", "content").mapInArrow(_parse_batches, _OUT_DDL)
              .persist(StorageLevel.MEMORY_AND_DISK))
    try:
        reps = _reports(spark, batch, parsed)
        segments: list[list[dict[str, Any]]] = []
        dirs: list[Path] = []
        if sum(r["distinct"] for r in reps):
            for seg, d in _derive(spark, writer, parsed, reps, staging):
                segments.append([seg])
                dirs.append(d)
    finally:
        parsed.unpersist()
    n_new = sum(s[0]["rows"] for s in segments if s[0]["table"] == "events")
    # Every parsed copy not staged is a duplicate: within a file, across files, or already
    # in the store.
    return StagedBatch([FileReport.from_dict(r) for r in reps], segments, dirs,
                       duplicates=sum(r["events"] for r in reps) - n_new,
                       against_store=True, cleanup=[staging])


def _reports(spark: Any, batch: list[InputFile], parsed: Any) -> list[dict[str, Any]]:
    """One report per file of the batch, with the path it is recorded under (Spark reports
    the path it read), sorted by (name, path)."""
    by_uri = {_qualified(spark, f.uri): f for f in batch}
    by_name: dict[str, list[InputFile]] = {}
    for f in batch:
        by_name.setdefault(f.name, []).append(f)
    # Spark's file sources skip empty files: those are reported here, as the parser would.
    empty = {_qualified(spark, f.uri) for f in batch if f.size == 0}
    reps = [_report(parse_file(PurePosixPath(f.name), b"", name=f.name, path=u)[0], None)
            for u, f in by_uri.items() if u in empty]
    reps += [rep for rep in (json.loads(r.report) for r in
                             parsed.where("report IS NOT NULL").select("report").collect())
             if rep["path"] not in empty]
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
    return sorted(reps, key=lambda r: (r["name"], r["path"]))


def _derive(spark: Any, writer: Any, parsed: Any, reps: list[dict[str, Any]],
            staging: Path) -> list[tuple[dict[str, Any], Path]]:
    """The store's tables of the batch's new events, written as Parquet partitioned by month
    under `staging`; their segment descriptors, each with its folder."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    new = _new_events(spark, writer, parsed, reps).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        new.count()  # computed once, in parallel, before five queries read it
        new.createOrReplaceTempView("starscope_new_events")
        est = {"events": sum(r["events"] for r in reps), "stars": sum(r["stars"] for r in reps)}
        out = []
        for table, (query, month_col, keys) in _DERIVE.items():
            df = spark.sql(to_spark(query.format(src="starscope_new_events")))
            month = F.col("month") if not month_col else F.date_format(month_col, "yyyy-MM")
            df = df.withColumn("pmonth", month)
            n = max(1, math.ceil(est.get(table, est["events"]) / ROWS_PER_FILE))
            # Not coalesce(1): that would run the query's last stage in one task.
            df = (df.repartitionByRange(n, "pmonth", *keys) if n > 1 else df.repartition(1))
            (df.sortWithinPartitions("pmonth", *keys).write.partitionBy("pmonth")
             .mode("overwrite").parquet(_file_uri(staging / table)))
            out += _staged(staging / table, table)
        return out
    finally:
        new.unpersist()

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
