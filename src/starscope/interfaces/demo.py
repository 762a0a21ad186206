"""`starscope demo`: simulate a small labelled world, ingest it, and show what was found."""
from __future__ import annotations

import shutil
from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text

from starscope.interfaces.console import IngestProgress, err, out


def run_demo(work_dir: Path, *, seed: int = 0, days: int = 7) -> dict:
    from starscope.api import Store
    from starscope.simulate import simulate_world

    world = work_dir / "world"
    store = Store(work_dir / "store")
    # A demo always starts from scratch, so its figures are the same every time.
    shutil.rmtree(world, ignore_errors=True)
    shutil.rmtree(store.path, ignore_errors=True)
    err.print(f"[bold]1/3[/] simulating {days} days of GitHub activity (seed {seed}) in {world}")
    summary = simulate_world(world, days=days, seed=seed)
    err.print(
        f"    {summary['events']:,} events, {summary['stars']:,} stars, of which "
        f"{summary['fake_stars']:,} fake, in {summary['files']} hour files"
    )
    err.print(f"[bold]2/3[/] ingesting into {store.path}")
    with IngestProgress() as bar:
        report = store.ingest([str(world / "archive")], progress=bar)
    info = store.status()
    err.print("[bold]3/3[/] detecting fake stars (profile default)")
    with err.status("detect") as spinner:
        meta = store.detect(progress=lambda stage: spinner.update(f"detect: {stage}"))
    t = Table(title="What the store holds", show_header=False)
    for key in ("files", "events", "stars", "accounts", "repos", "bad_lines", "first_event",
                "last_event"):
        val = info[key]
        t.add_row(key.replace("_", " "), f"{val:,}" if isinstance(val, int) else str(val))
    out.print(t)
    out.print(top_suspicious_table(store))
    pages = write_reports(store, work_dir)
    out.print(
        f"ingested {report.events_new:,} events in {report.seconds:.1f}s, detected in "
        f"{meta['seconds']:.1f}s.\n"
        + "".join(f"Report: {p}\n" for p in pages)
        + "Look around:\n"
        f"  starscope serve --store {store.path}      # then open http://127.0.0.1:8000/\n"
        f"  starscope overview --store {store.path}\n"
        f"  starscope export --store {store.path} --table suspected_stars -o suspected.csv\n"
        f"  starscope evaluate {world} --store {store.path}",
        soft_wrap=True, markup=False, highlight=False,  # commands whole, to copy and paste
    )
    return {"world": summary, "status": info, "detection": meta}


def write_reports(store, work_dir: Path) -> list[Path]:
    """The overview report and the most suspicious repo's report, as self-contained HTML."""
    pages = [work_dir / "overview.html"]
    pages[0].write_text(store.report(), encoding="utf-8")
    top = store.most_suspicious_repo_id()
    if top is not None:
        page = work_dir / "most-suspicious-repo.html"
        page.write_text(store.report(str(top)), encoding="utf-8")
        pages.append(page)
    return pages


def top_suspicious_table(store, limit: int = 8) -> Group:
    """The most suspicious repos of the latest detection run, then the evidence for the top
    ones (one suspected star's reasons each)."""
    rows = [(r["repo"], r["stars"], r["suspected"], r["campaign"], r["why"])
            for r in store.most_suspicious(limit)]
    t = Table(title="Most suspicious repos")
    t.add_column("repo", overflow="fold")
    for col in ("stars", "suspected", "campaign"):
        t.add_column(col, justify="right", no_wrap=True)
    for name, stars, sus, camp, _ in rows:
        t.add_row(name, f"{stars:,}", f"{sus:,} ({100 * sus / stars:.0f}%)", "yes" if camp else "no")
    evidence = [Text.assemble((f"{name}: ", "bold"), why or "") for name, *_, why in rows[:3]]
    return Group(t, Text("Evidence (one suspected star of each):"), *evidence)
