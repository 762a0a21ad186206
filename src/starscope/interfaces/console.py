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


class simulate_progress:  # noqa: N801 - used as a context manager like rich's
    """Progress of `starscope simulate`: hour files written of all (the world is built
    first, shown as a spinner until the first file). Called as ``progress(done, total)``."""

    def __init__(self, console: Console = err, enabled: bool = True):
        self.progress = Progress(
            TextColumn("[bold]simulate"), BarColumn(),
            TextColumn("{task.completed}/{task.total} hour files"), TimeElapsedColumn(),
            console=console, disable=not enabled)
        self.task = None

    def __enter__(self) -> "simulate_progress":
        self.progress.__enter__()
        self.task = self.progress.add_task("simulate", total=None)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)


def simulate_table(summary: dict[str, Any], out_dir) -> None:
    """The short table `starscope simulate` prints (--json prints the whole summary)."""
    from datetime import date, timedelta

    from rich.table import Table

    from starscope.interfaces.options import n

    t = Table(title=f"simulated world in {out_dir}", show_header=False, title_justify="left")
    # the summary's end is exclusive (the day after the last): show the last day simulated
    last = date.fromisoformat(str(summary["end"])[:10]) - timedelta(days=1)
    t.add_row("days", f"{summary['start']} → {last} ({n(summary['days'], 'day')}, "
              f"seed {summary['seed']}, scale {summary['scale']})")
    t.add_row("hour files", f"{summary['files']:,}")
    t.add_row("events", f"{summary['events']:,}")
    t.add_row("stars", f"{summary['stars']:,} ({summary['fake_stars']:,} fake)")
    camps = ", ".join(f"{k} {v}" for k, v in summary["campaigns"].items() if v)
    t.add_row("campaigns", camps or "none")
    cap = summary.get("capture") or {}
    if cap.get("fraction", 1.0) < 1.0:
        months = ", ".join(f"{m} {r['capture']:.2f}" for m, r in cap["by_month"].items()
                           if r["capture"] is not None)
        t.add_row("star capture", f"{cap['fraction']:g} from {cap['from']} (by month: {months})")
    bad = summary.get("bad") or {}
    if bad.get("bad_lines") or bad.get("empty_files") or bad.get("truncated_files"):
        t.add_row("bad input", f"{bad['bad_lines']:,} bad lines, "
                  f"{len(bad['truncated_files']) + len(bad['empty_files']) + len(bad['non_gzip_files'])}"
                  f" broken files")
    t.add_row("truth", f"{out_dir}/truth/ (world.json, fake_stars.csv, campaigns.csv, ...)")
    out.print(t, markup=False)


class DownloadProgress:
    """Progress of `download`: a bar over the hour files with the MB received and the file in
    flight, and one line per hour missing on the server and per retry. Fed by
    ``source.gharchive``'s ``progress(event, name, nbytes)`` callback."""

    def __init__(self, total: int, console: Console = err, enabled: bool = True):
        self.enabled = enabled
        self.progress = Progress(
            TextColumn("[bold]download"), BarColumn(),
            TextColumn("{task.completed}/{task.total} files"),
            TextColumn("{task.fields[mb]}"), TextColumn("{task.fields[current]}"),
            TimeElapsedColumn(), console=console, disable=not enabled)
        self.total = total
        self.bytes = 0
        self.task = None

    def __enter__(self) -> "DownloadProgress":
        self.progress.__enter__()
        self.task = self.progress.add_task("download", total=self.total, current="", mb="")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def _say(self, text: str) -> None:
        if self.enabled:
            self.progress.console.print(text, markup=False, highlight=False)

    def __call__(self, event: str, name: str, n: int) -> None:
        if event == "bytes":
            self.bytes += n
            self.progress.update(self.task, current=name, mb=f"{self.bytes / 1e6:,.1f} MB")
        elif event in ("done", "skip", "missing", "failed"):
            self.progress.update(self.task, advance=1, current=name)
            if event == "missing":
                self._say(f"missing on the server (404): {name}")
        elif event == "retry":
            self._say(f"retrying {name} (try {n + 1})")
