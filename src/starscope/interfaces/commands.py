"""CLI commands that answer questions from the store (added to the group by starscope.cli).

check, account, report and serve: each is one call of the facade (starscope.Store: repo,
account, report) and a rendering of its answer. Exit codes: 0 answered, 2 usage error,
3 unknown repository or account, 4 the verdict is one --fail-on names (or a campaign month was
found), 7 serve's port is in use (5 and 6, disk full and store not writable: docs/reliability.md).
Names come from the archive, so they are printed through console.safe/cell (no terminal
escapes, no rich markup from a name).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from starscope.interfaces.options import n, require_store, store_option

EXIT_NOT_FOUND = 3
EXIT_CAMPAIGN = 4
EXIT_PORT_IN_USE = 7

_format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                              default="text", show_default=True)


def _not_found(exc: Exception) -> None:
    from starscope.interfaces.console import safe

    click.echo(f"starscope: {safe(exc)}", err=True)
    sys.exit(EXIT_NOT_FOUND)


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


@click.command(short_help="How many of REPO's stars are suspected, and why.")
@click.argument("repo")
@store_option
@_format_option
@click.option("--fail-on", "fail_on", type=click.Choice(["campaign", "suspected"]),
              default=None,
              help="Exit 4 (for CI) on verdict campaign or mostly_suspected (campaign), or on "
                   "any suspected star (suspected).")
@click.option("--live", is_flag=True,
              help="First read REPO (OWNER/REPO) from GitHub's REST API into the store and "
                   "detect again (docs/github.md).")
@click.option("--token-file", type=click.Path(dir_okay=False), default=None,
              help="With --live: file holding a GitHub token (default: $GITHUB_TOKEN).")
def check(repo, store_path, fmt, fail_on, live, token_file) -> None:
    """How many of REPO's stars are suspected, and why (REPO: owner/name, any name it had,
    its numeric id, or its https://github.com/owner/name URL).

    Exit code 0 answered, 3 unknown repository, 4 with --fail-on when the verdict is one it
    names (docs/answers.md)."""
    from starscope.results.repo import FAIL_ON, NotFound

    if live:
        from starscope.interfaces.github_cmd import read_live

        repo = read_live(store_path, repo, token_file)
    store = require_store(store_path)
    try:
        ans = store.repo(repo)
    except NotFound as exc:
        _not_found(exc)
    if fmt == "json":
        click.echo(json.dumps(ans, indent=1))
    else:
        _print_repo(ans)
    # A campaign found stays a failure even when thin coverage makes the verdict
    # insufficient_data.
    if fail_on and (ans["verdict"] in FAIL_ON[fail_on] or ans["campaigns"]):
        sys.exit(EXIT_CAMPAIGN)


def capture_text(c: dict) -> str:
    """A capture figure with its range where it is rough (low–high), or unknown with its
    upper bound (docs/coverage.md)."""
    if c.get("star_capture") is None:
        hi = c.get("star_capture_high")
        return "unknown" + (f" (at most {100 * hi:.0f}%)" if hi is not None else "")
    text = _pct(c["star_capture"])
    if c.get("star_capture_rough") and c.get("star_capture_low") is not None \
            and c.get("star_capture_high") is not None:
        text += f" ({100 * c['star_capture_low']:.0f}–{100 * c['star_capture_high']:.0f}%, rough)"
    return text


def _coverage_row(t, cov: dict | None) -> None:
    """The archive's star capture over the answer's period, and what it means."""
    if not cov or (cov.get("star_capture") is None and cov.get("star_capture_high") is None):
        return
    bad = ", ".join(cov["degraded_months"])
    t.add_row("star capture", f"{capture_text(cov)} of GitHub's stars recorded"
              + (f" (degraded: {bad})" if bad else ""))
    if bad:
        t.add_row("", cov["note"])


def _print_repo(a: dict) -> None:
    from rich.table import Table

    from starscope.interfaces.console import cell, out, safe
    from starscope.results.repo import SIGNAL_LABELS

    s = a["stars"]
    t = Table(title=f"{cell(a['repo'])} (id {a['repo_id']})", show_header=False,
              title_justify="left")
    t.add_row("stars", f"{s['total']:,}")
    t.add_row("suspected", f"{s['suspected']:,} ({_pct(a['share_suspected'])})")
    for sig, count in s.get("signals", {}).items():
        t.add_row(f"  {SIGNAL_LABELS.get(sig, sig)}", f"{count:,}")
    t.add_row("real", f"{s['real']:,}")
    if len(a["names"]) > 1:
        t.add_row("also known as", cell(", ".join(nm["name"] for nm in a["names"][1:])))
    camp = ", ".join(f"{c['month']} ({c['suspected']:,}/{c['stars']:,})" for c in a["campaigns"])
    t.add_row("campaign months", camp or ("none (a slow campaign: a drip below the monthly "
                                         "rule)" if a.get("slow_campaign") else "none"))
    farms = "; ".join(f"F{f['farm_id']} ({n(f['n_accounts'], 'account')}, "
                      f"{n(f['stars_here'], 'star')} here, {n(f['n_repos'], 'repo')})"
                      for f in a["farms"])
    t.add_row("farms", farms or "none")
    _coverage_row(t, a.get("coverage"))
    out.print(t, markup=False)
    profile = (a.get("detection") or {}).get("profile")
    if profile:
        out.print(f"detection profile {profile}; a star can have several signals", style="dim")
    style = {"campaign": "bold red", "mostly_suspected": "bold red", "some_suspected": "yellow",
             "clean": "green", "insufficient_data": "bold yellow"}
    _verdict_line(a["verdict"], a["verdict_reason"], style.get(a["verdict"]))


def _verdict_line(verdict: str, reason: str, style: str | None) -> None:
    """'verdict: LEVEL: reason' as one Text, so the reason wraps at the terminal's width
    counting the label (two prints wrapped the reason as if it started the line)."""
    from rich.text import Text

    from starscope.interfaces.console import out, safe

    out.print(Text.assemble((f"verdict: {verdict}: ", style or ""), safe(reason)),
              highlight=False)


@click.command()
@click.argument("login")
@store_option
@_format_option
def account(login, store_path, fmt) -> None:
    """What the store recorded of account LOGIN (or numeric id), and whether it is suspected.

    Exit code 0 answered, 3 unknown account."""
    from starscope.results.repo import NotFound

    store = require_store(store_path)
    try:
        ans = store.account(login)
    except NotFound as exc:
        _not_found(exc)
    if fmt == "json":
        click.echo(json.dumps(ans, indent=1))
        return
    from rich.table import Table

    from starscope.interfaces.console import cell, out, safe

    t = Table(title=f"{cell(ans['login'])} (id {ans['account_id']})", show_header=False,
              title_justify="left")
    act = ans["activity"] or {}
    if act:
        t.add_row("active", f"{act['first_at']} → {act['last_at']}")
        t.add_row("events", f"{n(act['n_events'], 'event')} on {n(act['n_days'], 'day')}")
        t.add_row("by type", ", ".join(f"{k} {v:,}" for k, v in act["by_type"].items()))
        cap = lambda n: "3+" if n >= 3 else str(n)  # noqa: E731
        t.add_row("distinct times / repos / orgs",
                  f"{cap(act['n_times'])} / {cap(act['n_repos'])} / {cap(act['n_orgs'])}")
    if ans.get("profile"):
        p = ans["profile"]
        # the profile comes from GitHub's API: its `type` is free text, untrusted
        t.add_row("registered", f"{p['created_at'] or '?'} ({safe(p['type'] or '?')}, "
                  f"{n(p['public_repos'] or 0, 'public repo')}, {n(p['followers'] or 0, 'follower')})")
    t.add_row("stars", f"{n(ans['stars']['total'], 'repo')}, {ans['stars']['suspected']:,} suspected")
    from starscope.results.repo import SIGNAL_LABELS

    sig = [SIGNAL_LABELS.get(k, k) for k in ans["signals"]]
    t.add_row("suspected", ("yes: " + ", ".join(sig)) if ans["suspected"] else "no")
    _coverage_row(t, ans.get("coverage"))
    for f in ans["farms"]:
        t.add_row(f"farm F{f['farm_id']}", f"window {f['window']}, {n(f['n_accounts'], 'account')}; "
                  f"starred with it: " + cell(", ".join(f["repos_starred"])))
    out.print(t, markup=False)
    _verdict_line(ans["verdict"], ans["verdict_reason"],
                  "bold red" if ans["suspected"] else "green")


@click.command()
@click.argument("repo", required=False)
@click.option("--overview", "show_overview", is_flag=True, help="The whole archive's report.")
@store_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The HTML file to write (one self-contained file).")
def report(repo, show_overview, store_path, output) -> None:
    """Write an HTML report for REPO (or --overview for the whole archive): one
    self-contained file, no network needed to view it."""
    from starscope.results.repo import NotFound

    if bool(repo) == bool(show_overview):
        raise click.UsageError("give either a repository (owner/name) or --overview")
    out = Path(output)
    if out.parent and not out.parent.exists():
        raise click.UsageError(f"folder does not exist: {out.parent}")
    store = require_store(store_path)
    try:
        html = store.report(repo or None)
    except NotFound as exc:
        _not_found(exc)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    click.echo(f"wrote {out}", err=True)


@click.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="uvicorn worker processes.")
def serve(store_path, host, port, workers) -> None:
    """Serve reports, a JSON API and badges over the store (read-only).

    Prints its URL on start. Exit code 7 when the port is in use, 2 on a usage error."""
    try:
        import uvicorn

        from starscope.interfaces import web  # noqa: F401
    except ImportError as exc:  # a broken install: uvicorn/starlette are dependencies
        raise click.UsageError(f"serve cannot start: {exc}; reinstall starscope "
                               f"(pip install starscope)")
    store = require_store(store_path)
    import os

    port = _free_port(host, port)
    os.environ["STARSCOPE_SERVE_STORE"] = str(store.path.resolve())
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"starscope: serving {store.path} at http://{shown}:{port}/ "
               f"(API: /api/repos/OWNER/NAME; Ctrl+C to stop)", err=True)
    uvicorn.run("starscope.interfaces.web:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning", access_log=False)


def _free_port(host: str, port: int) -> int:
    """``port`` if it can be bound on ``host`` (0: a free one, chosen now so the start line
    can show it); else exit EXIT_PORT_IN_USE with one line."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                click.echo(f"starscope: error: port {port} on {host} is in use "
                           f"(another server?); choose another with --port", err=True)
                sys.exit(EXIT_PORT_IN_USE)
            raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror}")
        return s.getsockname()[1]
