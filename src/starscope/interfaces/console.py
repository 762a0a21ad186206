"""Terminal output: progress bars and tables (rich). Shows what the library reports."""
from __future__ import annotations

import re
import time
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

err = Console(stderr=True)
out = Console()

# Characters a name must not bring to a terminal: C0 and C1 controls (ESC starts the sequences
# that clear a screen or set a window title) and the bidirectional overrides and isolates that
# make text read in another order than it is stored.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe(text: object) -> str:
    """Text from the archive (names, logins) made harmless to print: each unsafe character
    shown as its escape (\\x1b, \\u202e) instead of acting on the terminal."""
    s = str(text)
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), s)


def cell(text: object) -> str:
    """safe() for rich renderables that read markup (table cells, titles): brackets in a
    name are shown, not taken as styles or links."""
    return escape(safe(text))


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
