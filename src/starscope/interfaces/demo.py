"""`starscope demo`: simulate a small labelled world, ingest it, and show what was found."""
from __future__ import annotations

import shutil
from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text

from starscope.interfaces.console import IngestProgress, err, out


def run_demo(work_dir: Path, *, seed: int = 0, days: int = 7) -> dict:
    from starscope.ingest import ingest
    from starscope.simulate import simulate_world
    from starscope.results.detection import detect_store
    from starscope.store import Store
    from starscope.store.store import status

    world = work_dir / "world"
    store = Store(work_dir / "store")
    # A demo always starts from scratch, so its figures are the same every time.
    shutil.rmtree(world, ignore_errors=True)
    shutil.rmtree(store.root, ignore_errors=True)
    err.print(f"[bold]1/3[/] simulating {days} days of GitHub activity (seed {seed}) in {world}")
    summary = simulate_world(world, days=days, seed=seed)
    err.print(
        f"    {summary['events']:,} events, {summary['stars']:,} stars, of which "
        f"{summary['fake_stars']:,} fake, in {summary['files']} hour files"
    )
    err.print(f"[bold]2/3[/] ingesting into {store.root}")
    with IngestProgress() as bar:
        report = ingest(store, [str(world / "archive")], progress=bar)
    info = status(store)
    err.print("[bold]3/3[/] detecting fake stars (profile default)")
    with err.status("detect") as spinner:
        meta = detect_store(store, progress=lambda stage: spinner.update(f"detect: {stage}"))
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
        f"  starscope serve --store {store.root}      # then open http://127.0.0.1:8000/\n"
        f"  starscope overview --store {store.root}\n"
        f"  starscope export --store {store.root} --table suspected_stars -o suspected.csv\n"
        f"  starscope evaluate {world} --store {store.root}",
        soft_wrap=True, markup=False, highlight=False,  # commands whole, to copy and paste
    )
    return {"world": summary, "status": info, "detection": meta}


def write_reports(store, work_dir: Path) -> list[Path]:
    """The overview report and the most suspicious repo's report, as self-contained HTML."""
    from starscope.interfaces.report import overview_report, repo_report

    pages = [work_dir / "overview.html"]
    pages[0].write_text(overview_report(store), encoding="utf-8")
    con = store.connect()
    top = con.execute(
        "SELECT repo_id FROM results.repo_months GROUP BY repo_id "
        "ORDER BY sum(suspected) DESC, repo_id LIMIT 1"
    ).fetchone()
    con.close()
    if top:
        page = work_dir / "most-suspicious-repo.html"
        page.write_text(repo_report(store, str(top[0])), encoding="utf-8")
        pages.append(page)
    return pages


def top_suspicious_table(store, limit: int = 8) -> Group:
    """The most suspicious repos of the latest detection run, then the evidence for the top
    ones (one suspected star's reasons each)."""
    con = store.connect()
    rows = con.execute(
        """SELECT rm.repo_name, sum(rm.stars) AS stars, sum(rm.suspected) AS suspected,
                  bool_or(rm.in_campaign) AS campaign,
                  (SELECT min(s.reasons) FROM results.suspected_stars s
                   WHERE s.repo_id = rm.repo_id) AS why
           FROM results.repo_months rm GROUP BY rm.repo_id, rm.repo_name
           HAVING sum(rm.suspected) > 0
           ORDER BY suspected DESC, rm.repo_name LIMIT ?""",
        [limit],
    ).fetchall()
    con.close()
    t = Table(title="Most suspicious repos")
    t.add_column("repo", overflow="fold")
    for col in ("stars", "suspected", "campaign"):
        t.add_column(col, justify="right", no_wrap=True)
    for name, stars, sus, camp, _ in rows:
        t.add_row(name, f"{stars:,}", f"{sus:,} ({100 * sus / stars:.0f}%)", "yes" if camp else "no")
    evidence = [Text.assemble((f"{name}: ", "bold"), why or "") for name, *_, why in rows[:3]]
    return Group(t, Text("Evidence (one suspected star of each):"), *evidence)
