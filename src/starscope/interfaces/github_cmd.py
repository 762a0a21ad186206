"""`starscope github` (read repos from GitHub's API, once or --watch) and `starscope audit`
(a maintainer's check of their own repo: stargazers, detection, report and abuse-form CSV).

Added to the group by starscope.cli. Exit codes of `github`: 0 all read,
1 something could not be read (recorded and reported; the rest was stored), 2 usage error.
"""
from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from starscope.interfaces.options import n, store_option
from starscope.errors import StarscopeError, UsageError

WATCH_ARGS = "\0args"  # --watch given without a file: watch the repos on the command line
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

_token_option = click.option(
    "--token-file", type=click.Path(dir_okay=False), default=None,
    help="File holding a GitHub token (default: $GITHUB_TOKEN; none: 60 requests an hour).")


class Progress:
    """Shows the live source's progress on stderr: repo, quota left, time to reset, waits."""

    def __init__(self, enabled: bool = True):
        from starscope.interfaces.console import err

        self.console = err
        self.enabled = enabled
        self.last = 0.0
        self.repo = ""

    def __call__(self, kind: str, info: dict[str, Any]) -> None:
        if kind == "repo":
            self.repo = info["repo"]
        elif kind in ("note", "problem"):
            from starscope.interfaces.console import safe

            # the server's own message is in it: untrusted, like a name from the archive
            text = safe(info.get("text") or info.get("message"))
            self.console.print(f"{'note' if kind == 'note' else 'could not read'}: {text}",
                               markup=False, highlight=False)
        elif kind == "wait":
            self.console.print(f"waiting {info['seconds']:.0f} s ({info['why']}); "
                               f"{_quota(info)}", markup=False, highlight=False)
        elif kind == "request" and self.enabled and time.monotonic() - self.last > 2:
            self.last = time.monotonic()
            self.console.print(f"{self.repo}: {_quota(info)}", markup=False, highlight=False)


def _quota(info: dict[str, Any]) -> str:
    if info.get("remaining") is None:
        return "quota unknown (the server sends no rate-limit headers)"
    reset = info.get("reset_in")
    when = "" if reset is None else f", resets in {reset // 60} min {reset % 60} s"
    return f"quota {info['remaining']:,}/{info.get('limit') or 0:,} left{when}"


def _client(token_file, progress):
    from starscope.source.github import GitHubClient, read_token

    return GitHubClient(read_token(token_file), progress=progress)


def _summary(rep) -> str:
    return (f"{n(len(rep.repos), 'repo')}: {n(rep.events_new, 'new event')}, "
            f"{n(rep.stars_new, 'new star')}, {n(rep.profiles_new, 'new profile')}; "
            f"{n(rep.requests, 'request')} "
            f"({rep.not_modified:,} unchanged, 304); {len(rep.problems)} could not be read; "
            f"{_quota(rep.quota)}")


@click.command()
@click.argument("repos", nargs=-1)
@store_option
@_token_option
@click.option("--user-events", is_flag=True,
              help="Also read each stargazer's public events (last 300 / 30 days).")
@click.option("--watch", "watch", is_flag=False, flag_value=WATCH_ARGS, default=None,
              metavar="[FILE]", help="Keep polling, forever: the repos given, or those listed in "
              "FILE (one OWNER/REPO a line, re-read every round).")
@click.option("--interval", default=300, show_default=True, type=click.IntRange(1, 86400),
              help="Seconds between rounds with --watch (at least the API's X-Poll-Interval).")
@click.option("--rounds", default=0, type=click.IntRange(0, None),
              help="With --watch: stop after this many rounds (0: never).")
@click.option("--commit-every", default=15.0, show_default=True, type=click.FloatRange(0, None),
              help="Seconds between commits of what was read (a killed run reads again at "
              "most this much).")
@click.option("--json", "as_json", is_flag=True, help="Print each round's report as JSON.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def github(repos, store_path, token_file, user_events, watch, interval, rounds, commit_every,
           as_json, quiet) -> None:
    """Read OWNER/REPO... from GitHub's REST API into the store: each repo's event feed, its
    stargazers with their times (when the token may see them), the stargazers' profiles and,
    with --user-events, their public events. Token: $GITHUB_TOKEN or --token-file. API:
    $STARSCOPE_GITHUB_API_URL (default https://api.github.com). Resumable; see docs/github.md."""
    from starscope import Store
    from starscope.ingest.github import check_repo_name, read_repo_list
    from starscope.source.github import Counters

    repos = [check_repo_name(r) for r in repos]
    watch_file = None
    if watch is not None and watch != WATCH_ARGS:
        if Path(watch).is_file():
            watch_file = watch
        else:
            repos.append(check_repo_name(watch))  # `--watch owner/repo`: click took it as value
    if watch_file is None and not repos:
        raise click.UsageError("give repositories (OWNER/REPO ...) or --watch FILE")
    store = Store(store_path)
    progress = Progress(enabled=not quiet)
    n = 0
    any_problem = False
    with _client(token_file, progress) as client:
        while True:
            todo = repos + (read_repo_list(watch_file) if watch_file else [])
            todo = list(dict.fromkeys(todo))
            client.counters = Counters()  # per round
            rep = store.read_github(todo, client, user_events=user_events, progress=progress,
                                    commit_every=commit_every)
            any_problem = any_problem or bool(rep.problems)
            n += 1
            if as_json:
                click.echo(json.dumps(rep.to_dict(), default=str))
            else:
                click.echo(_summary(rep), err=True)
            if watch is None or (rounds and n >= rounds):
                break
            pause = max(interval, rep.poll_interval or 0)
            try:
                time.sleep(pause)
            except KeyboardInterrupt:
                break
    sys.exit(1 if any_problem else 0)


def csv_cell(v: Any) -> Any:
    """A value safe in a spreadsheet: text that a spreadsheet would run as a formula is
    prefixed with a quote (OWASP's CSV injection advice)."""
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    return "" if v is None else v


def write_csv(rows: list[dict[str, Any]], columns: tuple[str, ...], out: Path) -> None:
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow([csv_cell(r.get(c)) for c in columns])
    tmp.replace(out)


def read_live(store_path, repo: str, token_file) -> str:
    """`check --live`: read REPO from the API into the store (feed, stargazers where the token
    may see them, profiles, public events), detect, and return its current name."""
    from starscope import Store
    from starscope.ingest.github import check_repo_name

    name = check_repo_name(repo)
    store = Store(store_path)
    progress = Progress(enabled=False)
    with _client(token_file, progress) as client:
        rep = store.read_github([name], client, user_events=True, progress=progress)
    click.echo(_summary(rep), err=True)
    fatal = [p for p in rep.problems if p["what"].split(":")[0] == "repo"]
    if fatal:
        raise UsageError(f"cannot read {name} from GitHub: {fatal[0]['message']}")
    store.detect(profile="default")
    return rep.renamed.get(name, name)


@click.command()
@click.argument("repo")
@store_option
@_token_option
@click.option("--user-events/--no-user-events", default=True, show_default=True,
              help="Read the stargazers' public events too (their activity, for detection).")
@click.option("-o", "--report", "report_path", default=None, type=click.Path(dir_okay=False),
              help="HTML report (default: audit-OWNER-REPO.html).")
@click.option("--csv", "csv_path", default=None, type=click.Path(dir_okay=False),
              help="CSV of suspected accounts (default: audit-OWNER-REPO-suspected.csv).")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def audit(repo, store_path, token_file, user_events, report_path, csv_path, quiet) -> None:
    """Audit your own repository: read its stargazers with your token (admin or collaborator),
    their profiles and activity, detect fake stars, and write an HTML report and a CSV of the
    suspected accounts to send with GitHub's abuse report form."""
    from starscope import Store
    from starscope.ingest.github import check_repo_name
    from starscope.results.audit import COLUMNS

    name = check_repo_name(repo)
    slug = name.replace("/", "-")
    report_out = Path(report_path or f"audit-{slug}.html")
    csv_out = Path(csv_path or f"audit-{slug}-suspected.csv")
    for p in (report_out, csv_out):
        if not p.parent.exists():
            raise click.UsageError(f"folder does not exist: {p.parent}")
    store = Store(store_path)
    progress = Progress(enabled=not quiet)
    with _client(token_file, progress) as client:
        if not client.authenticated:
            raise UsageError("audit reads your repo's stargazer list, which needs your token "
                             "(GITHUB_TOKEN or --token-file; you must be an admin or collaborator)")
        rep = store.read_github([name], client, user_events=user_events, progress=progress)
    click.echo(_summary(rep), err=True)
    fatal = [p for p in rep.problems if p["what"].split(":")[0] in ("repo", "stargazers")]
    if fatal:
        raise UsageError(f"cannot audit {name}: {fatal[0]['message']}")
    store.detect(profile="default")
    target = rep.renamed.get(name, name)
    try:
        html = store.report(target)
        rows = store.suspected_accounts(target)
    except StarscopeError as exc:
        raise UsageError(f"cannot report on {name}: {exc}") from None
    tmp = report_out.with_name(report_out.name + ".part")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(report_out)
    write_csv(rows, COLUMNS, csv_out)
    click.echo(f"{len(rows):,} suspected accounts; wrote {report_out} and {csv_out} "
               f"(report them at https://support.github.com/contact/report-abuse)", err=True)
