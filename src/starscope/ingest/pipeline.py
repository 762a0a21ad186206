"""Ingest: hour files -> parsed columns -> committed store segments, the same run for every
engine (`run`): list the inputs, skip files the store has (identified by name and content),
count unreadable ones, let the engine stage batches of files into prepared segments, commit
each batch (one atomic manifest update with its file records and quarantine), then compact the
months touched. A killed run loses at most the batch in flight, and a re-run skips files
already committed, so it ends with the same store a clean run makes.

Engines: `duckdb_engine.DuckDBIngest` (local files, one worker process per core) and
`engines.spark.ingest.SparkIngest` (any Hadoop file system).
"""
from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Also re-exported: where the per-file parser and the worker task lived before the engines.
from starscope.ingest.duckdb_engine import (  # noqa: F401
    DuckDBIngest, TaskResult, die_with_parent, parse_task, plan_tasks)
from starscope.ingest.engine import (  # noqa: F401
    MAX_QUARANTINE_PER_FILE, FileReport, IngestEngine, InputFile, StagedBatch, latest_event,
    parse_file)
from starscope.source.hours import parse_hour_file_name
from starscope.source.local import missing_hours_noted, nothing_to_ingest, unreadable_reason
from starscope.store import Store


def hour_stats_row(rep: dict[str, Any]) -> dict[str, Any]:
    """A file report (FileReport as a dict) as a row of the store's hour_stats table. Keyed
    by the file's name, not its store key: another copy of the same hour (a later, complete
    download; a mirror's) replaces the hour's row instead of adding a second one."""
    return {"hour": dt.datetime.fromisoformat(rep["hour"]) if rep.get("hour") else None,
            "file": rep["name"], "lines": rep["lines"], "events": rep["events"],
            "stars": rep["stars"], "bad_lines": rep["bad_lines"],
            "corrupt": bool(rep["corrupt"]),
            "types": {int(k): v for k, v in (rep.get("types") or {}).items()},
            "star_repos": [(int(r), int(n)) for r, n in (rep.get("star_repos") or [])]}


@dataclass
class IngestReport:
    files_seen: int = 0
    files_skipped: int = 0
    files_ingested: int = 0
    lines: int = 0
    events_parsed: int = 0
    events_new: int = 0
    stars_new: int = 0
    duplicate_events: int = 0
    bad_lines: int = 0
    corrupt_files: list[str] = field(default_factory=list)
    # Inputs that could not be opened at all (no permission, dangling symlink, symlink loop,
    # a folder named like a file): name -> reason. Not recorded as ingested: a later run
    # tries them again.
    unreadable_files: dict[str, str] = field(default_factory=dict)
    # One line each: files not named as GH Archive hours, with the hours their events claim.
    warnings: list[str] = field(default_factory=list)
    bytes_in: int = 0
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return self.bad_lines == 0 and not self.corrupt_files and not self.unreadable_files

    def add_file(self, *, name: str, size: int, lines: int, events: int, bad_lines: int,
                 corrupt: str | None) -> dict[str, Any]:
        """Count one ingested file (either engine); returns its progress event."""
        self.files_ingested += 1
        self.lines += lines
        self.events_parsed += events
        self.bad_lines += bad_lines
        self.bytes_in += size
        if corrupt:
            self.corrupt_files.append(name)
        return {"name": name, "events": events, "bytes": size, "bad_lines": bad_lines,
                "corrupt": corrupt}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ProgressFn = Callable[[str, dict[str, Any]], None]


def ingest(
    store: Store,
    paths: list[str],
    *,
    workers: int | None = None,
    batch_files: int | None = None,
    progress: ProgressFn | None = None,
    missing_hours: list[str] | None = None,
) -> IngestReport:
    """Ingest hour files (files, folders, globs) into the store with the DuckDB engine.
    ``missing_hours`` (``YYYY-MM-DD-H``): hours the archive had no file for, recorded as
    missing (as are those `download` noted in folders among ``paths``)."""
    return run(store, paths, DuckDBIngest(workers, batch_files), progress=progress,
               missing_hours=missing_hours)


def run(store: Store, paths: list[str], engine: IngestEngine, *,
        progress: ProgressFn | None = None,
        missing_hours: list[str] | None = None) -> IngestReport:
    """Ingest `paths` into the store with `engine`; see the module docstring. Missing hours
    are read from the notes `download` left in local folders among ``paths`` and taken from
    ``missing_hours``."""
    t0 = time.perf_counter()
    emit = progress or (lambda kind, info: None)
    files = engine.find(paths)
    if not files:  # before the store is opened for writing: no empty store left behind
        raise nothing_to_ingest(paths)
    report = IngestReport(files_seen=len(files))
    with store.writing() as writer:
        # Hours `download` found missing on the server (noted in the folders it wrote).
        writer.record_missing_hours(missing_hours_noted(paths) + list(missing_hours or []))
        run_ = _Run(writer, engine, report, emit)
        todo = run_.plan(files)
        emit("start", {"files": len(todo), "bytes": sum(f.size for f in todo),
                       "skipped": report.files_skipped})
        if todo:
            writer.staging.mkdir(parents=True, exist_ok=True)
            run_.stage(todo)
        elif run_.unreadable:
            writer.commit_staged([], [], {}, run_.unreadable)
        if run_.touched:
            emit("compact", {"months": sorted(run_.touched)})
            writer.compact(run_.touched)
    report.corrupt_files.sort()
    report.seconds = time.perf_counter() - t0
    return report


class _Run:
    """One run's state: the keys given to its files, what waits for a commit."""

    def __init__(self, writer: Any, engine: IngestEngine, report: IngestReport,
                 emit: ProgressFn):
        self.writer, self.engine, self.report, self.emit = writer, engine, report, emit
        self.keys: dict[str, tuple[str, str]] = {}  # path -> (manifest key, fingerprint)
        self.unreadable: list[dict[str, Any]] = []  # quarantine records, for the first commit
        self.touched: set[str] = set()

    def plan(self, files: list[InputFile]) -> list[InputFile]:
        """The files to read: not unreadable, not in the store, not twice in this run."""
        done = self.writer.snapshot().files
        todo: list[InputFile] = []
        taken: set[str] = set()  # keys given in this run
        seen: set[tuple[str, str]] = set()  # (name, fingerprint) in this run
        for f in files:
            why = unreadable_reason(Path(f.path)) if f.local else None
            if why is None:
                try:
                    fp = self.engine.fingerprint(f)
                except OSError as exc:  # gone or changed since it was listed
                    why = exc.strerror or str(exc)
            if why is not None:
                self.report.unreadable_files[f.name] = why
                self.unreadable.append({"file": f.name, "path": f.path, "line": None,
                                        "offset": None, "error": f"unreadable: {why}", "head": ""})
                self.emit("unreadable", {"name": f.name, "path": f.path, "reason": why})
                continue
            key = file_key(f.name, fp, f.size, done, taken)
            if key is None or (f.name, fp) in seen:
                self.report.files_skipped += 1  # in the store, or the same file twice in this run
                continue
            todo.append(f)
            self.keys[f.path] = (key, fp)
            taken.add(key)
            seen.add((f.name, fp))
        return todo

    def stage(self, todo: list[InputFile]) -> None:
        """Stage batches with the engine; commit every batch_files files (and at once what
        the engine de-duplicated against the store: the next batch is checked against it)."""
        pending: list[StagedBatch] = []
        n = 0
        # closing: a failed commit ends the engine's work (its pool, its session settings) now.
        with closing(self.engine.stage(self.writer.staging, todo, self.writer)) as parts:
            for part in parts:
                for rep in part.files:
                    self.account(rep)
                pending.append(part)
                n += len(part.files)
                if n >= self.engine.batch_files or part.against_store:
                    self.commit(pending)
                    pending, n = [], 0
        if pending:
            self.commit(pending)

    def account(self, rep: FileReport) -> None:
        """Give a staged file its manifest key; count it; warn if not named as an hour."""
        rep.key, rep.fingerprint = self.keys[rep.path]
        if parse_hour_file_name(rep.name) is None:
            claims = (f"its events claim {rep.span[0]} .. {rep.span[1]}" if rep.span
                      else "it holds no events")
            self.report.warnings.append(
                f"{rep.path}: not named as a GH Archive hour file "
                f"(YYYY-MM-DD-H.json.gz); {claims}")
            self.emit("warning", {"message": self.report.warnings[-1]})
        self.emit("file", self.report.add_file(
            name=rep.name, size=rep.size, lines=rep.lines, events=rep.events,
            bad_lines=rep.bad_lines, corrupt=rep.corrupt))

    def commit(self, batch: list[StagedBatch]) -> None:
        reports = [r for part in batch for r in part.files]
        quarantine = self.unreadable + [q for r in reports for q in r.quarantine]
        self.unreadable = []
        segments = [s for part in batch for s in part.segments]
        dirs = [d for part in batch for d in part.dirs]
        files = {r.key or r.name: r.manifest_record() for r in reports}
        stats = [hour_stats_row(asdict(r)) for r in reports]
        dropped = sum(part.duplicates for part in batch)
        if all(part.against_store for part in batch):
            counts = self.writer.commit_prepared(segments, dirs, files, quarantine, dropped,
                                                 hour_stats=stats)
        else:
            counts = self.writer.commit_staged(segments, dirs, files, quarantine,
                                               hour_stats=stats, collapsed=dropped)
        for part in batch:
            for d in part.cleanup:
                shutil.rmtree(d, ignore_errors=True)
        self.touched.update(s["month"] for segs in segments for s in segs)
        self.report.events_new += counts["events"]
        self.report.stars_new += counts["stars"]
        self.report.duplicate_events += counts["duplicate_events"]
        self.emit("commit", {"files": len(reports), **counts})


def file_key(name: str, fp: str, size: int, done: dict[str, dict[str, Any]],
             taken: set[str]) -> str | None:
    """The manifest key a file is recorded under, or None if the store has it already.

    Files are identified by name and content (fingerprint): the same name with other content
    (two folders with the same hour) is a second file, recorded as NAME#FINGERPRINT. A record
    from before fingerprints matches by name and size, as it did then."""
    for key in (name, f"{name}#{fp}"):
        rec = done.get(key)
        if rec is None:
            continue
        if rec.get("fingerprint") == fp or ("fingerprint" not in rec and rec["size"] == size):
            return None
    return name if name not in done and name not in taken else f"{name}#{fp}"
