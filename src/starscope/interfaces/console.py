"""Terminal output: progress bars and tables (rich). Shows what the library reports."""
from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

err = Console(stderr=True)
out = Console()


class IngestProgress:
    """A progress bar fed by ingest's progress events: files, events/s, MB/s."""

    def __init__(self, console: Console = err, enabled: bool = True):
        self.progress = Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} files"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
        )
        self.task = None
        self.events = 0
        self.bytes = 0
        self.t0 = time.perf_counter()

    def __enter__(self) -> "IngestProgress":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, kind: str, info: dict[str, Any]) -> None:
        if kind == "start":
            self.t0 = time.perf_counter()
            self.task = self.progress.add_task("ingest", total=info["files"], rate="")
        elif kind == "file" and self.task is not None:
            self.events += info["events"]
            self.bytes += info["bytes"]
            dt = max(time.perf_counter() - self.t0, 1e-9)
            rate = f"{self.events / dt:,.0f} events/s  {self.bytes / dt / 1e6:,.1f} MB/s"
            self.progress.update(self.task, advance=1, rate=rate)
