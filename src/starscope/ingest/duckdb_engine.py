"""The default ingest engine: local hour files parsed by a pool of worker processes (one per
core), each task's events reduced to store segments by DuckDB in the worker and staged as
Parquet. `pipeline.run` commits them; the store's writer drops events it holds already."""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from starscope.errors import StarscopeError
from starscope.ingest.engine import FileReport, InputFile, StagedBatch, parse_file
from starscope.source.local import find_hour_files, fingerprint
from starscope.store.segments import derive_segments


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


def _pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: no fork of a parent that holds DuckDB threads; cheaper than spawn per task.
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        # The fork server imports the worker's modules (PyArrow, DuckDB, the parser) once and
        # each worker is forked with them loaded, instead of importing them itself (~1 s of
        # CPU per worker, per run). Takes effect when the server starts (the first pool of a
        # process). PyArrow's import starts its allocator's background thread there; Arrow
        # and jemalloc re-initialise after fork (tests/ingest: every ingest test runs so).
        ctx.set_forkserver_preload(["starscope.ingest.duckdb_engine"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
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


class DuckDBIngest:
    """Local files, parsed and staged by worker processes (see module docstring)."""

    def __init__(self, workers: int | None = None, batch_files: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.batch_files = (batch_files or int(os.environ.get("STARSCOPE_BATCH_FILES", 0))
                            or max(8, 4 * self.workers))

    def find(self, paths: list[str]) -> list[InputFile]:
        return [InputFile(p.name, str(p), _size(p)) for p in find_hour_files(paths)]

    def fingerprint(self, f: InputFile) -> str:
        return fingerprint(Path(f.path))

    def stage(self, staging: Path, files: list[InputFile], writer: Any) -> Iterator[StagedBatch]:
        """Tasks run on the pool, at most two per worker queued; each finished task is one
        StagedBatch (pipeline.run groups them into commits of batch_files files)."""
        tasks = plan_tasks([Path(f.path) for f in files], self.workers, self.batch_files)
        with _pool(min(self.workers, len(tasks))) as pool:
            queue = list(enumerate(tasks))
            running: dict[Future, int] = {}
            while queue or running:
                while queue and len(running) < self.workers * 2:
                    i, task = queue.pop(0)
                    running[pool.submit(parse_task, [str(f) for f in task],
                                        str(staging / f"{i:06d}"))] = i
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=lambda x: running[x]):
                    i = running.pop(fut)
                    yield _staged(fut, tasks[i])


def _staged(fut: Future, task: list[Path]) -> StagedBatch:
    try:
        res = fut.result()
    except BrokenProcessPool:
        names = ", ".join(f.name for f in task[:3])
        raise StarscopeError(
            f"a parse worker died (out of memory?) while reading {names}; what "
            f"was committed before is kept, run the same command to resume") from None
    has = bool(res.segments)
    return StagedBatch(res.files, [res.segments] if has else [], [Path(res.staged)] if has else [],
                       duplicates=res.collapsed, cleanup=[Path(res.staged)])


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:  # unreadable (a dangling symlink, a loop): pipeline.run counts it
        return 0
