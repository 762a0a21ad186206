"""`starscope coverage`: how much of the truth the store saw (added to the group by starscope.cli)."""
from __future__ import annotations

import json

import click

from starscope.interfaces.options import require_store, store_option


def _cap(x) -> str:
    # one decimal, as check and the pages show it: 0.997 is not "100%"
    return "–" if x is None else f"{100 * x:.1f}%"


def _cap_range(mo: dict) -> str:
    """The capture, and its interval where the figure is rough."""
    if mo["star_capture"] is None and mo.get("star_capture_high") is not None:
        # no complete period to compare with (docs/coverage.md): only an upper bound
        return f"unknown (at most {100 * mo['star_capture_high']:.0f}%)"
    text = _cap(mo["star_capture"])
    if mo.get("star_capture_rough"):
        text += (f" ({100 * mo['star_capture_low']:.0f}–{100 * mo['star_capture_high']:.0f}%, "
                 f"rough)")
    return text


def coverage_table(cov: dict, title: str = "coverage by month"):
    """A rich table of the months' coverage (also used by `status`)."""
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for col in ("month", "hours", "missing hours", "events", "stars", "star capture", "degraded"):
        t.add_column(col, justify="right" if col not in ("month", "degraded") else "left")
    for mo in cov["months"]:
        t.add_row(mo["month"], f"{mo['hours']:,}", f"{mo['missing_hours']:,}",
                  f"{mo['events']:,}", f"{mo['stars']:,}", _cap_range(mo),
                  "DEGRADED" if mo["degraded"] else "",
                  style="yellow" if mo["degraded"] else None)
    return t


@click.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (months, days, missing hours).")
def coverage(store_path, as_json) -> None:
    """How much of the truth the store saw: per month, missing hours and the estimated
    star capture (the share of GitHub's stars the archive recorded); months below the
    threshold are degraded. See docs/coverage.md."""
    cov = require_store(store_path).coverage()
    if as_json:
        click.echo(json.dumps(cov, indent=1))
        return
    from starscope.interfaces.console import out

    out.print(coverage_table(cov), markup=False)
    miss = cov["missing_hours"]
    if miss:
        shown = ", ".join(miss[:12]) + (f", … ({len(miss):,} in all)" if len(miss) > 12 else "")
        out.print(f"missing hours: {shown}", markup=False, highlight=False)
    b = cov["baseline"]
    if b["stars_per_other_event"] is not None:
        out.print(f"baseline: {b['stars_per_other_event']:.4f} stars (burst repos left out) "
                  f"per other event over {', '.join(b['months'])} ({b['source']}); degraded below "
                  f"{_cap(cov['degraded_below'])}", markup=False, highlight=False)
    for note in cov["notes"]:
        out.print(f"note: {note}", markup=False, highlight=False)
