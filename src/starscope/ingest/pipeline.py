"""Ingest: hour files -> parsed columns (one process per core) -> committed store segments.

Workers decompress and parse whole files and stage the columns as Arrow IPC files; the parent
commits staged files in batches, each batch one atomic manifest update. A killed run loses at
most the batch in flight, and a re-run skips files already committed, so it ends with the
same store a clean run makes.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from starscope.errors import StarscopeError
from starscope.ingest.parse import LineParser
from starscope.source.local import (ReadOutcome, find_hour_files, is_plain_name,
                                    nothing_to_ingest, read_lines)
from starscope.store import Store
from starscope.store.segments import derive_segments
from starscope.store.schema import WATCH

# A file with more bad lines than this keeps the count of all but the records of only these.
MAX_QUARANTINE_PER_FILE = 10_000


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

    def manifest_record(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "lines": self.lines,
            "events": self.events,
            "stars": self.stars,
            "bad_lines": self.bad_lines,
            "corrupt": self.corrupt,
            "path": self.path,
        }


def parse_file(
    p: Path, data: bytes | None = None, *, name: str | None = None, path: str | None = None
) -> tuple[FileReport, pa.Table]:
    """Read and parse one hour file: its report and its good events. With `data`, parse those
    bytes (the whole file, read elsewhere, e.g. by Spark) reported as `name` and `path`."""
    t0 = time.perf_counter()
    if data is None:
        rep = FileReport(name=p.name, path=str(p), size=p.stat().st_size)
    else:
        rep = FileReport(name=name or p.name, path=path or str(p), size=len(data))
    outcome = ReadOutcome()
    parser = LineParser()
    for buf, start, end in read_lines(p if data is None else data, outcome,
                                      plain=is_plain_name(rep.name)):
        parser.feed(buf, start, end)
    res = parser.result()
    rep.events = res.good
    rep.bad_lines = len(res.bad)
    rep.lines = res.good + rep.bad_lines
    rep.corrupt = outcome.corrupt
    rep.stars = int(pc.sum(pc.equal(res.table["type"], WATCH)).as_py() or 0) if res.good else 0
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


@dataclass
class TaskResult:
    """One worker task: a few files parsed together, their segments staged in one folder."""

    files: list[FileReport]
    staged: str
    segments: list[dict[str, Any]]


def parse_task(paths: list[str], staged: str) -> TaskResult:
    """Worker: parse files and stage their derived segments. Small files are grouped into one
    task, so fixed per-task costs (DuckDB, one Parquet file per table) are paid once."""
    reports, tables = [], []
    for path in paths:
        rep, table = parse_file(Path(path))
        reports.append(rep)
        if table.num_rows:
            tables.append(table)
    segments = derive_segments(pa.concat_tables(tables), Path(staged)) if tables else []
    return TaskResult(reports, staged, segments)


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
    bytes_in: int = 0
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return self.bad_lines == 0 and not self.corrupt_files

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
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method))


def ingest(
    store: Store,
    paths: list[str],
    *,
    workers: int | None = None,
    batch_files: int | None = None,
    progress: ProgressFn | None = None,
) -> IngestReport:
    """Ingest hour files (files, folders, globs) into the store. See module docstring."""
    files = find_hour_files(paths)
    if not files:  # before the store is opened for writing: no empty store left behind
        raise nothing_to_ingest(paths)
    workers = max(1, workers or os.cpu_count() or 1)
    batch_files = batch_files or int(os.environ.get("STARSCOPE_BATCH_FILES", 0)) or max(8, 4 * workers)
    report = IngestReport(files_seen=len(files))
    t0 = time.perf_counter()
    emit = progress or (lambda kind, info: None)

    with store.writing() as writer:
        done = writer.manifest["files"]
        todo = []
        for f in files:
            rec = done.get(f.name)
            if rec is not None and rec["size"] == f.stat().st_size:
                report.files_skipped += 1
            else:
                todo.append(f)
        emit("start", {"files": len(todo), "bytes": sum(f.stat().st_size for f in todo),
                       "skipped": report.files_skipped})
        if not todo:
            report.seconds = time.perf_counter() - t0
            return report
        writer.staging.mkdir(parents=True, exist_ok=True)
        pending: list[TaskResult] = []
        touched: set[str] = set()

        def commit(batch: list[TaskResult]) -> None:
            staged = [t for t in batch if t.segments]
            reports = [r for t in batch for r in t.files]
            quarantine = [q for r in reports for q in r.quarantine]
            counts = writer.commit_staged(
                [t.segments for t in staged], [Path(t.staged) for t in staged],
                {r.name: r.manifest_record() for r in reports}, quarantine,
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
