"""Ingest: hour files -> parsed columns (one process per core) -> committed store segments.

Workers decompress and parse whole files and stage the columns as Arrow IPC files; the parent
commits staged files in batches, each batch one atomic manifest update. A killed run loses at
most the batch in flight, and a re-run skips files already committed, so it ends with the
same store a clean run makes.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from starscope.errors import StarscopeError
from starscope.ingest.parse import LATE_MARGIN, LineParser
from starscope.source.hours import parse_hour_file_name
from starscope.source.local import (MAX_LINE_BYTES, LongLine, ReadOutcome, find_hour_files,
                                    fingerprint, is_plain_name, missing_hours_noted,
                                    nothing_to_ingest, read_lines, unreadable_reason)
from starscope.store import Store
from starscope.store.segments import derive_segments
from starscope.store.schema import WATCH

# A file with more bad lines than this keeps the count of all but the records of only these.
MAX_QUARANTINE_PER_FILE = 10_000
MAX_LINE_MIB = MAX_LINE_BYTES >> 20


@dataclass
class FileReport:
    name: str
    path: str
    size: int
    lines: int = 0
    events: int = 0  # good lines parsed (before de-duplication against the store)
    stars: int = 0
    bad_lines: int = 0
    corrupt: str | None = None
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    #: the UTC hour the file stands for (ISO, from its name, else its first event's hour)
    hour: str | None = None
    #: good events by type code (str keys: the report travels as JSON from Spark workers)
    types: dict[str, int] = field(default_factory=dict)
    collapsed: int = 0  # repeated copies of an event dropped while parsing
    spilled: list[str] = field(default_factory=list)  # Parquet files of rows beyond HOLD_ROWS
    span: tuple[str, str] | None = None  # first and last event time (files not named as hours)
    key: str | None = None  # its manifest key (default: name); see file_key()
    fingerprint: str | None = None

    def manifest_record(self) -> dict[str, Any]:
        rec = {
            "size": self.size,
            "lines": self.lines,
            "events": self.events,
            "stars": self.stars,
            "bad_lines": self.bad_lines,
            "corrupt": self.corrupt,
            "path": self.path,
        }
        if self.fingerprint:
            rec["fingerprint"] = self.fingerprint
        return rec


def latest_event(name: str) -> Any:
    """The latest event time a file of this name can hold: the end of the hour it is named
    after plus LATE_MARGIN; None (now plus the margin) for a file not named as an hour."""
    hour = parse_hour_file_name(name)
    if hour is None:
        return None
    return hour.replace(tzinfo=None) + timedelta(hours=1) + LATE_MARGIN


def parse_file(
    p: Path, data: bytes | None = None, *, name: str | None = None, path: str | None = None,
    spill_dir: Path | None = None,
) -> tuple[FileReport, pa.Table]:
    """Read and parse one hour file: its report and its good events. With `data`, parse those
    bytes (the whole file, read elsewhere, e.g. by Spark) reported as `name` and `path`.
    With `spill_dir`, rows beyond parse.HOLD_ROWS go to Parquet files there (rep.spilled)."""
    t0 = time.perf_counter()
    if data is None:
        rep = FileReport(name=p.name, path=str(p), size=p.stat().st_size)
    else:
        rep = FileReport(name=name or p.name, path=path or str(p), size=len(data))
    outcome = ReadOutcome()
    parser = LineParser(latest=latest_event(rep.name), spill_dir=spill_dir)
    for item in read_lines(p if data is None else data, outcome, plain=is_plain_name(rep.name)):
        if isinstance(item, LongLine):
            parser.skip_line(item.head, item.length,
                             f"line of {item.length:,} bytes, longer than the "
                             f"{MAX_LINE_MIB} MiB a line may have; not read")
        else:
            parser.feed(*item)
    res = parser.result()
    rep.events = res.good
    rep.bad_lines = len(res.bad)
    rep.lines = res.good + rep.bad_lines
    rep.corrupt = outcome.corrupt
    rep.stars = res.stars or 0
    rep.types = dict(res.types)
    rep.collapsed = res.collapsed
    rep.spilled = [str(q) for q in res.spilled]
    hour = parse_hour_file_name(rep.name)
    if hour is None and res.table.num_rows:
        lo, hi = pc.min_max(res.table["created_at"]).values()
        rep.span = (f"{lo.as_py():%Y-%m-%dT%H:%M:%SZ}", f"{hi.as_py():%Y-%m-%dT%H:%M:%SZ}")
        hour = lo.as_py().replace(minute=0, second=0, microsecond=0)
    rep.hour = hour.replace(tzinfo=None).isoformat() if hour else None
    for b in res.bad[:MAX_QUARANTINE_PER_FILE]:
        rep.quarantine.append(
            {
                "file": rep.name,
                "path": rep.path,
                "line": b.line,
                "offset": b.offset,
                "error": b.error,
                "head": b.head.decode("utf-8", "backslashreplace"),
            }
        )
    if outcome.corrupt:
        rep.quarantine.append(
            {"file": rep.name, "path": rep.path, "line": None, "offset": None,
             "error": outcome.corrupt, "head": ""}
        )
    rep.seconds = time.perf_counter() - t0
    return rep, res.table


def hour_stats_row(rep: dict[str, Any]) -> dict[str, Any]:
    """A file report (FileReport as a dict) as a row of the store's hour_stats table. Keyed
    by the file's name, not its store key: another copy of the same hour (a later, complete
    download; a mirror's) replaces the hour's row instead of adding a second one."""
    return {"hour": dt.datetime.fromisoformat(rep["hour"]) if rep.get("hour") else None,
            "file": rep["name"], "lines": rep["lines"], "events": rep["events"],
            "stars": rep["stars"], "bad_lines": rep["bad_lines"],
            "corrupt": bool(rep["corrupt"]),
            "types": {int(k): v for k, v in (rep.get("types") or {}).items()}}


@dataclass
class TaskResult:
    """One worker task: a few files parsed together, their segments staged in one folder."""

    files: list[FileReport]
    staged: str
    segments: list[dict[str, Any]]
    collapsed: int = 0  # repeated copies of events dropped in the task (within and across files)


def parse_task(paths: list[str], staged: str) -> TaskResult:
    """Worker: parse files and stage their derived segments. Small files are grouped into one
    task, so fixed per-task costs (DuckDB, one Parquet file per table) are paid once."""
    reports, tables, parts = [], [], []
    for i, path in enumerate(paths):
        rep, table = parse_file(Path(path), spill_dir=Path(staged) / "spill" / f"{i:04d}")
        reports.append(rep)
        parts += [Path(q) for q in rep.spilled]
        if table.num_rows:
            tables.append(table)
    stats: dict[str, int] = {}
    segments = []
    if tables or parts:
        whole = pa.concat_tables(tables) if tables else None
        segments = derive_segments(whole, Path(staged), parts=parts, stats=stats)
    collapsed = sum(r.collapsed for r in reports) + stats.get("collapsed", 0)
    return TaskResult(reports, staged, segments, collapsed)


def plan_tasks(
    files: list[Path], workers: int, max_files: int, target_bytes: int = 64 << 20
) -> list[list[Path]]:
    """Group files in order into tasks of about target_bytes (compressed) and at most
    max_files, but into at least 2 tasks per worker when there are enough files, so every
    core has work."""
    total = sum(f.stat().st_size for f in files)
    target = max(1, min(target_bytes, total // (2 * workers) or 1))
    tasks: list[list[Path]] = []
    size = 0
    for f in files:
        if not tasks or size >= target or len(tasks[-1]) >= max_files:
            tasks.append([])
            size = 0
        tasks[-1].append(f)
        size += f.stat().st_size
    return tasks


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


def _pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: no fork of a parent that holds DuckDB threads; cheaper than spawn per task.
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the ingest's main process ends, even by
    kill -9 (which runs no clean-up). A worker's parent is the forkserver, so PR_SET_PDEATHSIG
    alone is not enough; a watchdog thread checks the main process is still there."""
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pid taken by another user's process: ours is gone
                os._exit(1)

    threading.Thread(target=watch, name="starscope-parent-watch", daemon=True).start()


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


def ingest(
    store: Store,
    paths: list[str],
    *,
    workers: int | None = None,
    batch_files: int | None = None,
    progress: ProgressFn | None = None,
    missing_hours: list[str] | None = None,
) -> IngestReport:
    """Ingest hour files (files, folders, globs) into the store. See module docstring.
    ``missing_hours`` (``YYYY-MM-DD-H``): hours the archive had no file for, recorded as
    missing (as are those `download` noted in folders among ``paths``)."""
    files = find_hour_files(paths)
    if not files:  # before the store is opened for writing: no empty store left behind
        raise nothing_to_ingest(paths)
    workers = max(1, workers or os.cpu_count() or 1)
    batch_files = batch_files or int(os.environ.get("STARSCOPE_BATCH_FILES", 0)) or max(8, 4 * workers)
    report = IngestReport(files_seen=len(files))
    t0 = time.perf_counter()
    emit = progress or (lambda kind, info: None)

    with store.writing() as writer:
        # Hours `download` found missing on the server (noted in the folders it wrote).
        writer.record_missing_hours(missing_hours_noted(paths) + list(missing_hours or []))
        done = writer.snapshot().files
        todo, keys, prints = [], {}, {}
        taken: set[str] = set()  # keys given in this run
        seen: set[tuple[str, str]] = set()  # (name, fingerprint) in this run
        unreadable: list[dict[str, Any]] = []  # their quarantine records, for the first commit
        for f in files:
            why = unreadable_reason(f)
            if why is None:
                try:
                    fp = fingerprint(f)
                except OSError as exc:  # gone or changed since it was listed
                    why = exc.strerror or str(exc)
            if why is not None:
                report.unreadable_files[f.name] = why
                unreadable.append({"file": f.name, "path": str(f), "line": None,
                                   "offset": None, "error": f"unreadable: {why}", "head": ""})
                emit("unreadable", {"name": f.name, "path": str(f), "reason": why})
                continue
            key = file_key(f.name, fp, f.stat().st_size, done, taken)
            if key is None or (f.name, fp) in seen:
                report.files_skipped += 1  # in the store, or the same file twice in this run
            else:
                todo.append(f)
                keys[str(f)], prints[str(f)] = key, fp
                taken.add(key)
                seen.add((f.name, fp))
        emit("start", {"files": len(todo), "bytes": sum(f.stat().st_size for f in todo),
                       "skipped": report.files_skipped})
        if not todo:
            if unreadable:
                writer.commit_staged([], [], {}, unreadable)
            report.seconds = time.perf_counter() - t0
            return report
        writer.staging.mkdir(parents=True, exist_ok=True)
        pending: list[TaskResult] = []
        touched: set[str] = set()

        def commit(batch: list[TaskResult]) -> None:
            nonlocal unreadable
            staged = [t for t in batch if t.segments]
            reports = [r for t in batch for r in t.files]
            quarantine = unreadable + [q for r in reports for q in r.quarantine]
            unreadable = []
            counts = writer.commit_staged(
                [t.segments for t in staged], [Path(t.staged) for t in staged],
                {r.key or r.name: r.manifest_record() for r in reports}, quarantine,
                hour_stats=[hour_stats_row(asdict(r)) for r in reports],
                collapsed=sum(t.collapsed for t in batch),
            )
            for t in batch:
                shutil.rmtree(t.staged, ignore_errors=True)
                touched.update(s["month"] for s in t.segments)
            report.events_new += counts["events"]
            report.stars_new += counts["stars"]
            report.duplicate_events += counts["duplicate_events"]
            emit("commit", {"files": len(reports), **counts})

        tasks = plan_tasks(todo, workers, batch_files)
        with _pool(min(workers, len(tasks))) as pool:
            queue = list(enumerate(tasks))
            running: dict[Future, int] = {}
            pending_files = 0
            while queue or running:
                while queue and len(running) < workers * 2:
                    i, task = queue.pop(0)
                    staged = str(writer.staging / f"{i:06d}")
                    running[pool.submit(parse_task, [str(f) for f in task], staged)] = i
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=lambda x: running[x]):
                    i = running.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenProcessPool:
                        names = ", ".join(f.name for f in tasks[i][:3])
                        raise StarscopeError(
                            f"a parse worker died (out of memory?) while reading {names}; what "
                            f"was committed before is kept, run the same command to resume"
                        ) from None
                    for rep in res.files:
                        rep.key, rep.fingerprint = keys[rep.path], prints[rep.path]
                        if parse_hour_file_name(rep.name) is None:
                            claims = (f"its events claim {rep.span[0]} .. {rep.span[1]}"
                                      if rep.span else "it holds no events")
                            report.warnings.append(
                                f"{rep.path}: not named as a GH Archive hour file "
                                f"(YYYY-MM-DD-H.json.gz); {claims}")
                            emit("warning", {"message": report.warnings[-1]})
                        emit("file", report.add_file(
                            name=rep.name, size=rep.size, lines=rep.lines, events=rep.events,
                            bad_lines=rep.bad_lines, corrupt=rep.corrupt))
                    pending.append(res)
                    pending_files += len(res.files)
                if pending_files >= batch_files:
                    commit(pending)
                    pending, pending_files = [], 0
            if pending:
                commit(pending)
        if touched:
            emit("compact", {"months": sorted(touched)})
            writer.compact(touched)
    report.corrupt_files.sort()
    report.seconds = time.perf_counter() - t0
    return report
