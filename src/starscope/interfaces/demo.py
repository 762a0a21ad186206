"""`starscope demo`: simulate a small labelled world, ingest it, and show what was found."""
from __future__ import annotations

import shutil
from pathlib import Path

from rich.table import Table

from starscope.interfaces.console import IngestProgress, err, out


def run_demo(work_dir: Path, *, seed: int = 0, days: int = 7) -> dict:
    from starscope.ingest import ingest
    from starscope.simulate import simulate_world
    from starscope.store import Store
    from starscope.store.store import status

    world = work_dir / "world"
    store = Store(work_dir / "store")
    # A demo always starts from scratch, so its figures are the same every time.
    shutil.rmtree(world, ignore_errors=True)
    shutil.rmtree(store.root, ignore_errors=True)
    err.print(f"[bold]1/2[/] simulating {days} days of GitHub activity (seed {seed}) in {world}")
    summary = simulate_world(world, days=days, seed=seed)
    err.print(
        f"    {summary['events']:,} events, {summary['stars']:,} stars, of which "
        f"{summary['fake_stars']:,} fake, in {summary['files']} hour files"
    )
    err.print(f"[bold]2/2[/] ingesting into {store.root}")
    with IngestProgress() as bar:
        report = ingest(store, [str(world / "archive")], progress=bar)
    info = status(store)
    t = Table(title="What the store holds", show_header=False)
    for key in ("files", "events", "stars", "accounts", "repos", "bad_lines", "first_event",
                "last_event"):
        val = info[key]
        t.add_row(key.replace("_", " "), f"{val:,}" if isinstance(val, int) else str(val))
    out.print(t)
    out.print(
        f"ingested {report.events_new:,} events in {report.seconds:.1f}s. "
        f"Look around: [bold]starscope status --store {store.root}[/]"
    )
    return {"world": summary, "status": info}
