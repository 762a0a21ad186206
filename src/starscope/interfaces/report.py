"""HTML reports: one repository, one account, the whole archive (the `report` command and the
web pages). One self-contained file each: inline CSS, inline SVG charts, no script and no
network. Jinja2 with autoescape: every value from the store is escaped."""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from starscope.store import Snapshot, Store

from . import charts

CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#24292f;background:#fff}
header{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center;padding:.6em 1em;background:#f6f8fa;border-bottom:1px solid #d0d7de}
header .brand{font-weight:700;color:#24292f;text-decoration:none}
header form{display:flex;gap:.4em;flex:1 1 16em;max-width:32em}
header input{flex:1;min-width:0;padding:.35em .5em;font:inherit;border:1px solid #d0d7de;border-radius:6px}
header button{padding:.35em .8em;font:inherit;border:1px solid #d0d7de;border-radius:6px;background:#fff}
main{max-width:60em;margin:0 auto;padding:1em}
h1{font-size:1.5em;margin:.2em 0;overflow-wrap:anywhere}
h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
.aka{color:#57606a;margin:.2em 0;overflow-wrap:anywhere}
.verdict{padding:.6em .8em;border-radius:6px;background:#f6f8fa;border-left:4px solid #8c959f}
.v-campaign,.v-mostly_suspected{background:#ffebe9;border-color:#cf222e}
.v-some_suspected,.v-suspected{background:#fff8c5;border-color:#bf8700}
.v-clean,.v-not_suspected{background:#dafbe1;border-color:#1a7f37}
.v-insufficient_data{background:#fff1e5;border-color:#bc4c00}
.coverage{padding:.4em .8em;border-radius:6px;border-left:4px solid #8c959f;font-size:.92em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em;width:100%}
th,td{text-align:left;padding:.25em .6em;border-bottom:1px solid #eaeef2;vertical-align:top}
td{white-space:nowrap}
td.wrap{white-space:normal;min-width:18em}
.nw{white-space:nowrap}
table.kv{width:auto}
table.kv th{font-weight:500;color:#57606a}
table.kv th.sub{padding-left:1.6em;font-weight:400}
table.kv td{white-space:normal;overflow-wrap:break-word}
.scroll{overflow-x:auto;margin:.6em 0}
.scroll table{margin:0}
svg.chart{display:block;width:100%;max-width:600px;height:auto;margin:.8em 0}
footer{max-width:60em;margin:2em auto;padding:1em;color:#57606a;font-size:.85em;border-top:1px solid #d0d7de}
a{color:#0969da}
"""

_STYLE_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
#: no script anywhere; only our own inline style block; images from this origin or data:
META_CSP = (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'self' data:; "
            f"form-action 'self'; base-uri 'none'")
#: the web pages' header adds what a <meta> policy cannot carry
CSP = META_CSP + "; frame-ancestors 'none'"

_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,38}/[A-Za-z0-9_.-]{1,100}")
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,38}(?:\[bot\])?")


def valid_repo(name: Any) -> bool:
    """A name safe to put in a URL path: GitHub's owner/repo alphabet, no '.' or '..'."""
    if not isinstance(name, str) or not _REPO.fullmatch(name):
        return False
    return name.split("/", 1)[1] not in (".", "..")


def valid_login(login: Any) -> bool:
    return isinstance(login, str) and bool(_LOGIN.fullmatch(login))


_env = None
# NUL and the bidirectional overrides/isolates: autoescape leaves them, but a NUL can cut a
# page short and an override makes a name read backwards. Shown as escapes wherever a value
# is rendered (the data stays as it was).
_UNSAFE_HTML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f"
                          "\u202a-\u202e\u2066-\u2069]")


def _neutral(value: Any) -> Any:
    if isinstance(value, str) and _UNSAFE_HTML.search(value):
        clean = _UNSAFE_HTML.sub(
            lambda m: m.group().encode("unicode_escape").decode("ascii"), value)
        return type(value)(clean) if type(value) is not str else clean
    return value


# Dates, times and month spans in running text (2024-03-01T17:52:47, 2024-03..2024-04): a
# browser may break a line at their hyphens, so they are kept on one line.
_DATELIKE = re.compile(r"\d{4}-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?)?)?"
                       r"(?:\.\.\d{4}-\d{2}(?:-\d{2})?)?")


def _nobreak(text: Any):
    """Escaped text whose dates and times are wrapped in <span class="nw"> (no line break)."""
    from markupsafe import Markup, escape

    s = str(escape(_neutral(str(text))))
    return Markup(_DATELIKE.sub(lambda m: f'<span class="nw">{m.group()}</span>', s))


def env():
    global _env
    if _env is None:
        import jinja2

        _env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
            autoescape=True, trim_blocks=False, undefined=jinja2.StrictUndefined,
            finalize=_neutral)
        from starscope.results.repo import SIGNAL_LABELS

        _env.globals.update(valid_repo=valid_repo, valid_login=valid_login, pct=_pct,
                            css=CSS, csp=META_CSP,
                            signal_label=lambda s: SIGNAL_LABELS.get(s, s))
        _env.filters["nobreak"] = _nobreak
    return _env


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def render_repo(a: dict[str, Any], *, web: bool = False) -> str:
    camp = {c["month"] for c in a["campaigns"]}
    days = fill_days(a.get("by_day") or [])
    if days and len(days) <= 120:
        labels = [d["day"] for d in days]
        real = [d["stars"] - d["suspected"] for d in days]
        sus = [d["suspected"] for d in days]
        marks = [d["day"][:7] in camp for d in days]
        unit = "day"
    else:
        labels = [m["month"] for m in a["by_month"]]
        real = [m["real"] for m in a["by_month"]]
        sus = [m["suspected"] for m in a["by_month"]]
        marks = [m["month"] in camp for m in a["by_month"]]
        unit = "month"
    time_chart = charts.stacked_bars(
        labels, [("real", charts.REAL, real), ("suspected", charts.SUSPECTED, sus)],
        title=f"Stars per {unit}", marks=marks, mark_label="campaign month",
        axis_labels=_axis_days(labels) if unit == "day" else None)
    bins = a["account_ids"]["bins"]
    id_chart = charts.stacked_bars(
        [f"{b['from']:,}–{b['to']:,}" for b in bins],
        [("real", charts.REAL, [b["real"] for b in bins]),
         ("suspected", charts.SUSPECTED, [b["suspected"] for b in bins])],
        title="Stargazers by account id (older left)",
        x_span=(bins[0]["from"], bins[-1]["to"] + 1) if bins else None)
    return env().get_template("repo.html").render(
        title=a["repo"], a=a, web=web, time_chart=time_chart, id_chart=id_chart,
        detection=a.get("detection"))


def fill_days(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every day from the first to the last (a day without stars as zeros): a time axis that
    skipped quiet days would put 03-02 next to 03-05 and hide the gap."""
    if not days:
        return []
    from datetime import date, timedelta

    have = {d["day"]: d for d in days}
    first, last = date.fromisoformat(days[0]["day"]), date.fromisoformat(days[-1]["day"])
    out = []
    for i in range((last - first).days + 1):
        day = (first + timedelta(days=i)).isoformat()
        out.append(have.get(day) or {"day": day, "stars": 0, "suspected": 0})
    return out


def _axis_days(days: list[str]) -> list[str]:
    """Days on an axis: MM-DD (the year is in the bars' titles), YYYY-MM-DD at a year change."""
    years = {d[:4] for d in days}
    return [d[5:] if len(years) == 1 else d for d in days]


def render_account(a: dict[str, Any], *, web: bool = False) -> str:
    return env().get_template("account.html").render(title=a["login"], a=a, web=web,
                                                     detection=a.get("detection"))


def top_campaigns(con, limit: int = 20) -> list[dict[str, Any]]:
    # `kind` came with the default profile's slow campaigns; older results hold campaigns only
    cols = {r[0] for r in con.execute("DESCRIBE results.campaigns").fetchall()}
    kind = "kind" if "kind" in cols else "'campaign'"
    cur = con.execute(
        f"SELECT repo_id, repo_name, stars, suspected, share, anomalous_months, {kind} AS kind "
        "FROM results.campaigns ORDER BY suspected DESC, repo_id LIMIT ?", [int(limit)])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def render_overview(o: dict[str, Any] | None, top: list[dict[str, Any]], *, web: bool = False,
                    message: str = "", detection: dict | None = None) -> str:
    chart_list = []
    if o:
        months = [r["month"] for r in o["by_month"]]
        bm = o["by_month"]
        # Months where the archive recorded only part of the stars (results/coverage.py).
        bad_months = {r["month"] for r in bm if r.get("degraded")}
        degraded = dict(marks=[r["month"] in bad_months for r in bm],
                        mark_label="degraded month: partial star capture")
        bd = o.get("by_day") or []
        if bd:
            # A short archive: months would be one or two bars; days show its shape.
            days = [r["day"] for r in bd]
            by_day = dict(marks=[d[:7] in bad_months for d in days],
                          mark_label="in a degraded month: partial star capture",
                          axis_labels=_axis_days(days))
            chart_list = [
                charts.stacked_bars(days, [
                    ("other stars", charts.REAL, [r["stars"] - r["suspected_stars"] for r in bd]),
                    ("suspected", charts.SUSPECTED, [r["suspected_stars"] for r in bd])],
                    title="Stars per day", **by_day),
                charts.stacked_bars(days, [
                    ("suspected", charts.SUSPECTED,
                     [r["suspected_stars"] / r["stars"] if r["stars"] else 0 for r in bd])],
                    title="Share of stars suspected, per day", percent=True, **by_day),
            ]
        else:
            chart_list = [charts.stacked_bars(months, [
                ("other stars", charts.REAL, [r["stars"] - r["suspected_stars"] for r in bm]),
                ("suspected", charts.SUSPECTED, [r["suspected_stars"] for r in bm])],
                title="Stars per month", **degraded)]
        if len(months) >= 3:  # fewer months: the table by month says it better than bars
            chart_list += [
                charts.stacked_bars(months, [
                    ("repos ≥ 50 stars with a campaign", charts.SUSPECTED,
                     [r["share_repos_with_campaign"] or 0 for r in bm])],
                    title="Share of repos (≥ 50 stars that month) with a campaign",
                    percent=True, **degraded),
                charts.stacked_bars(months, [
                    ("active accounts suspected", charts.SUSPECTED,
                     [r["share_active_accounts_suspected"] or 0 for r in bm])],
                    title="Share of active accounts suspected", percent=True, **degraded),
            ]
    return env().get_template("overview.html").render(
        title="overview", o=o, top=top, charts=chart_list, web=web, message=message,
        detection=detection)


# ------------------------------------------------------------------ the report command
def repo_report(store: Store, name_or_id: str) -> str:
    from starscope.results.repo import repo_answer

    return render_repo(repo_answer(store, name_or_id))


def overview_data(store: Store, snapshot: Snapshot | None = None, con=None):
    """(overview dict or None, top campaigns, message, detection meta) over one committed
    state (``con``: a connection over ``snapshot``)."""
    from starscope.results.overview import overview
    from starscope.results.repo import detection_of, open_store

    snap = snapshot if snapshot is not None else store.snapshot()
    if not snap.has_results:
        return None, [], "No detection results yet: run `starscope detect`.", None
    con, snap, owned = open_store(store, con, snap)
    try:
        o = overview(store, con=con, snapshot=snap)
        top = top_campaigns(con)
    finally:
        if owned:
            con.close()
    return o, top, "", detection_of(snap)


def overview_report(store: Store) -> str:
    o, top, msg, det = overview_data(store)
    return render_overview(o, top, message=msg, detection=det)
