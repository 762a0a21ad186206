"""The `starscope` command: thin commands over the Python API (starscope.Store: one method
each). The group is built here and every command module's commands are added explicitly at
the bottom; shared options live in starscope.interfaces.options."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from starscope.errors import StarscopeError
from starscope.interfaces.options import (MIRROR_HELP, ProfileChoice, check_engine,
                                          engine_option, open_store, require_store,
                                          store_option)
from starscope.interfaces.options import n as _n


def _fail(exc: Exception, code: int = 2) -> None:
    from starscope.interfaces.console import safe  # a message can quote a name or a server

    click.echo(f"starscope: error: {safe(exc)}", err=True)
    sys.exit(code)


# The Spark extra's modules (pyproject's [spark]): missing, they get one line naming the extra.
_SPARK_MODULES = {"pyspark", "py4j", "sqlglot", "pandas"}


class _Group(click.Group):
    """Turns library errors meant for users and click's usage errors into one line and exit
    code 2, and failures of the machine (disk full, read-only store) into one line and their own exit codes."""

    def invoke(self, ctx: click.Context):
        from starscope.environment import environment_failure

        try:
            return super().invoke(ctx)
        except StarscopeError as exc:
            _fail(exc)
        except click.UsageError as exc:  # click's own three lines (Usage, Try, Error) as one
            msg = exc.format_message().rstrip(".")
            if type(exc) is not click.UsageError or msg.startswith("No such command"):
                # click's parse errors: point at the help that lists what is accepted
                sub = "starscope" + (f" {exc.ctx.info_name}" if exc.ctx and exc.ctx.parent else "")
                msg += f" (see `{sub} --help`)"
            _fail(msg)
        except ModuleNotFoundError as exc:  # an optional extra's module, or a broken install
            extra = "spark" if (exc.name or "").split(".")[0] in _SPARK_MODULES else None
            _fail(f"the Python module {exc.name!r} is not installed; " + (
                f"install the extra: pip install -e '.[{extra}]' (docs/spark.md)" if extra
                else "reinstall starscope: pip install -e ."))
        except Exception as exc:  # noqa: BLE001 - only the machine's failures are turned
            failure = environment_failure(exc)
            if failure is None:
                raise
            _fail(failure.message, failure.code)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's whole first sentence, wrapped to the terminal (click cuts it at the
        width with "...")."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="starscope")
def main() -> None:
    """starscope: find fake (bought or coordinated) GitHub stars in GH Archive data."""


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 3660))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.01, 1000))
@click.option("--bad", is_flag=True, help="Inject malformed lines and broken files.")
@click.option("--start", default="2024-03-01", show_default=True, help="First day (UTC).")
@click.option("--preset", type=click.Choice(["realistic", "easy", "adversarial"]), default="realistic",
              show_default=True, help="realistic: one sign-up clock, farms that hide; easy: "
              "campaigns in private id blocks; adversarial: realistic plus farms built to dodge "
              "the default profile's documented signals (docs/adversary.md).")
@click.option("--capture", default=1.0, show_default=True, type=click.FloatRange(0, 1),
              metavar="FRACTION", help="Keep only this share of star events (from "
              "--capture-from on), as GH Archive has lost stars since mid-2025.")
@click.option("--capture-from", "capture_from", default=None, metavar="DATE",
              help="First day (UTC) of the reduced --capture (default: --start).")
@click.option("--json", "as_json", is_flag=True, help="Print the world's summary as JSON.")
def simulate(out_dir: str, days: int, seed: int, scale: float, bad: bool, start: str,
             preset: str, capture: float, capture_from: str | None, as_json: bool) -> None:
    """Write a simulated, labelled world in GH Archive format to OUT_DIR."""
    from datetime import date

    from starscope.interfaces.console import simulate_progress, simulate_table
    from starscope.simulate import simulate_world

    def day(value: str, hint: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise click.BadParameter("expected YYYY-MM-DD", param_hint=hint)

    start_day = day(start, "--start")
    cap_day = day(capture_from, "--capture-from") if capture_from else None
    with simulate_progress(enabled=not as_json) as progress:
        summary = simulate_world(Path(out_dir), days=days, seed=seed, scale=scale, bad=bad,
                                 start=start_day, preset=preset, capture=capture,
                                 capture_from=cap_day, progress=progress)
    if as_json:
        click.echo(json.dumps(summary, indent=1, default=str))
    else:
        simulate_table(summary, Path(out_dir))


@main.command()
@click.argument("paths", nargs=-1)
@store_option
@click.option("--from", "from_", default=None, help="Download GH Archive from this date/hour.")
@click.option("--to", "to", default=None, help="...up to this date/hour (with --from).")
@click.option("--download-dir", default=None, type=click.Path(file_okay=False),
              help="Where --from/--to keeps hour files (default: STORE/downloads).")
@click.option("--mirror", default=None, metavar="URL", help=MIRROR_HELP)
@click.option("--workers", default=None, type=click.IntRange(1, 256),
              help="Parallel parse processes (default: one per core).")
@engine_option("spark: read files and Hadoop URIs (s3a://, hdfs://, gs://, file://) with "
               "Apache Spark (extra .[spark], Java 17+).")
@click.option("--master", default=None, help="Spark master URL with --engine spark (default: "
              "$STARSCOPE_SPARK_MASTER, else local[*], or local[WORKERS] with --workers).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(paths, store_path, from_, to, download_dir, mirror, workers, engine, master, as_json,
           quiet) -> None:
    """Ingest GH Archive hour files (files, folders or globs) into the store.

    Exit code 0 when all input was clean, 1 when some lines or files were bad or unreadable
    (they are counted and quarantined; the rest is ingested), 2 on a usage error, 5 when the
    disk is full, 6 when the store cannot be written (see docs/reliability.md)."""
    from starscope.interfaces.console import IngestProgress

    store = open_store(store_path)
    paths = list(paths)
    download_failed = False
    if from_ or to:
        if not from_:
            raise click.UsageError("--to needs --from")
        from starscope.interfaces.console import DownloadProgress
        from starscope.source.gharchive import download_hours
        from starscope.source.hours import hours_between

        dl_dir = Path(download_dir) if download_dir else store.downloads_dir
        hours = hours_between(from_, to)
        with DownloadProgress(len(hours), enabled=not quiet and not as_json) as dbar:
            rep = download_hours(hours, dl_dir, base_url=mirror, progress=dbar)
        _download_summary(rep, list_missing=quiet or as_json, err=True)
        missing = [n.removesuffix(".json.gz") for n in rep.missing]
        download_failed = bool(rep.failed)
        # Only the hours asked for, not whatever else the download folder holds.
        paths += [str(dl_dir / name) for name in sorted(rep.downloaded + rep.skipped)]
        if not paths:
            if missing:
                store.record_missing_hours(missing)
            click.echo("no hour files to ingest", err=True)
            sys.exit(1 if download_failed else 0)
    else:
        missing = []
    if mirror and not from_:
        raise click.UsageError("--mirror needs --from (it is where --from/--to downloads from)")
    if not paths:
        raise click.UsageError("give hour files, folders or globs to ingest (or --from/--to)")
    check_engine(engine, master)
    with IngestProgress(enabled=not quiet and not as_json) as bar:
        report = store.ingest(paths, engine=engine, workers=workers, master=master,
                              progress=bar, missing_hours=missing)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=1))
    else:
        click.echo(
            f"{_n(report.files_ingested, 'file')} ingested "
            f"({report.files_skipped} already in the store): "
            f"{report.events_new:,} new events, {report.stars_new:,} new stars, "
            f"{report.duplicate_events:,} duplicate events dropped, "
            f"{_n(report.bad_lines, 'bad line')}, "
            f"{_n(len(report.corrupt_files), 'corrupt/truncated file')}, "
            f"{_n(len(report.unreadable_files), 'unreadable file')} in {report.seconds:.1f}s"
        )
        from starscope.interfaces.console import safe

        for name, why in sorted(report.unreadable_files.items()):
            click.echo(f"unreadable: {safe(name)}: {safe(why)}", err=True)
        for line in report.warnings:
            click.echo(f"warning: {safe(line)}", err=True)
        if not report.clean:
            click.echo(f"bad input is quarantined under {store.quarantine_dir}", err=True)
    sys.exit(0 if report.clean and not download_failed else 1)


@main.command(short_help="Download GH Archive hour files from START to END.")
@click.argument("start")
@click.argument("end", required=False)
@click.option("--dir", "dir_", default=None, type=click.Path(file_okay=False),
              help="Folder for the hour files.")
@click.option("--download-dir", "download_dir", default=None, type=click.Path(file_okay=False),
              hidden=True, help="The same as --dir (ingest's name for it).")
@click.option("--to", "to", default=None, metavar="END|DIR",
              help="The last hour/day/month, as with ingest --from/--to. (A folder here is "
                   "the old spelling of --dir: still accepted, deprecated.)")
@click.option("--mirror", default=None, metavar="URL", help=MIRROR_HELP)
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--json", "as_json", is_flag=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def download(start, end, dir_, download_dir, to, mirror, workers, as_json, quiet) -> None:
    """Download GH Archive hour files from START to END (dates YYYY-MM-DD, hours
    YYYY-MM-DD-H or months YYYY-MM) into --dir. Hours the server does not have (404) are
    listed as missing and noted in the folder, so `ingest DIR` records them. Exit code 0
    when nothing failed, 1 when some file failed, 2 on a usage error."""
    from starscope.errors import UsageError
    from starscope.interfaces.console import DownloadProgress
    from starscope.source.gharchive import download_hours
    from starscope.source.hours import hours_between, parse_spec

    folder = dir_ or download_dir
    if to is not None:
        try:
            parse_spec(to)
            is_time = True
        except UsageError:
            is_time = False
        if is_time and end is None:
            end = to
        elif is_time:
            raise click.UsageError("give the end once: END or --to END")
        elif folder is None:
            # `--to DIR` was the folder before --to meant the end everywhere (ingest --to).
            click.echo("starscope: note: `download --to DIR` is deprecated, use --dir DIR "
                       "(--to is the end, as in ingest --from/--to)", err=True)
            folder = to
        else:
            raise click.UsageError(f"--to {to!r} is not a time (YYYY-MM, YYYY-MM-DD, "
                                   f"YYYY-MM-DD-H)")
    if folder is None:
        raise click.UsageError("give the folder for the hour files: --dir DIR")
    hours = hours_between(start, end)
    with DownloadProgress(len(hours), enabled=not quiet and not as_json) as bar:
        rep = download_hours(hours, Path(folder), base_url=mirror, workers=workers,
                             progress=bar)
    if as_json:
        click.echo(rep.to_json())
    else:
        _download_summary(rep, list_missing=quiet)
    sys.exit(1 if rep.failed else 0)


def _download_summary(rep, list_missing: bool = False, err: bool = False) -> None:
    """The counts (on stderr with ``err``: ingest's stdout is its own report); why files
    failed (network unreachable: once); missing hours when no progress bar showed them.
    A reason can quote what a server sent (a header, an error): printed through safe()."""
    from starscope.interfaces.console import safe

    click.echo(
        f"downloaded {len(rep.downloaded)}, already had {len(rep.skipped)}, "
        f"missing on server {len(rep.missing)}, failed {len(rep.failed)} "
        f"({rep.bytes / 1e6:,.1f} MB from {safe(rep.base_url)}, {rep.seconds:.1f}s)", err=err
    )
    if rep.unreachable:
        # Said once: every file not fetched failed for this one reason.
        click.echo(f"starscope: error: {safe(rep.unreachable)}; {len(rep.failed)} file(s) not "
                   f"fetched (offline? a mirror: --mirror URL)", err=True)
        return
    if list_missing:
        for name in rep.missing:
            click.echo(f"missing on the server (404): {safe(name)}", err=True)
    for name in rep.failed:
        click.echo(f"failed: {safe(name)}: {safe(rep.errors.get(name, ''))}", err=True)


@main.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(store_path, as_json) -> None:
    """What the store holds."""
    info = require_store(store_path).status()
    if as_json:
        click.echo(json.dumps(info, indent=1))
        return
    from rich.table import Table

    from starscope.interfaces.console import out

    t = Table(title=f"store {info['store']}", show_header=False)
    for key in ("files", "events", "stars", "accounts", "repos", "bad_lines", "corrupt_files",
                "duplicate_events", "first_event", "last_event", "bytes_on_disk"):
        val = info[key]
        t.add_row(key.replace("_", " "), f"{val:,}" if isinstance(val, int) else str(val))
    c = info["coverage"]
    if c["star_capture"] is not None or c["months"]:  # None with months: unknown
        cap = "unknown" if c["star_capture"] is None else f"{100 * c['star_capture']:.1f}%"
        t.add_row("star capture", f"{cap} (degraded months: "
                  f"{', '.join(c['degraded_months']) or 'none'}; `starscope coverage`)")
        t.add_row("missing hours", f"{c['missing_hours']:,}")
    det = info.get("detection")
    if det:
        rows = det.get("rows") or {}
        t.add_row("detection", f"profile {det.get('profile')}: "
                  f"{_n(rows.get('suspected_stars', 0), 'suspected star')}, "
                  f"{_campaign_rows(rows, det.get('profile'))}")
    else:
        t.add_row("detection", "not run yet (run `starscope detect`)")
    out.print(t, markup=False)


def _campaign_rows(rows: dict, profile: str | None) -> str:
    """The `campaigns` table's row count. Under the default profile it also holds slow
    campaigns (kind slow_campaign), which `overview` counts apart: say so."""
    n = rows.get("campaigns", 0)
    return _n(n, "campaign repo") + (" (slow campaigns included)" if n and profile == "default"
                                      else "")


@main.command()
@store_option
@click.option("--profile", type=ProfileChoice(), default="default",
              show_default=True, help="starscout: the study's signatures exactly.")
@click.option("--since", default=None, help="Only stars from this date/time (UTC, inclusive).")
@click.option("--until", default=None, help="Only stars before this date/time (UTC).")
@click.option("--config", "config", default=None, type=click.Path(dir_okay=False, exists=True),
              help="TOML or JSON file of detection parameters.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override one parameter of either profile, e.g. --set lockstep_n=20 or "
                   "--set bulk_max_gap=200 (repeatable).")
@click.option("--memory-limit", default=None, help="DuckDB memory limit, e.g. 8GB.")
@click.option("--full", is_flag=True,
              help="Recompute every lockstep window (ignore the previous run's cache).")
@engine_option("spark: run the detectors on Apache Spark (extra .[spark], Java 17+).")
@click.option("--master", "master", default=None,
              help="Spark master URL with --engine spark (default: $STARSCOPE_SPARK_MASTER, "
                   "else local[*]).")
@click.option("--json", "as_json", is_flag=True)
def detect(store_path, profile, since, until, config, overrides, memory_limit, full, engine,
           master, as_json) -> None:
    """Run detection over the store and replace its results atomically."""
    from starscope.interfaces.console import err

    store = require_store(store_path)
    kv = {}
    for item in overrides:
        if "=" not in item:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--set")
        k, v = item.split("=", 1)
        kv[k.strip()] = v
    check_engine(engine, master)
    kw = dict(profile=profile, settings=kv, config=config, since=since, until=until,
              memory_limit=memory_limit, full=full, engine=engine, master=master)
    if not as_json:
        with err.status("detect: starting") as status:
            meta = store.detect(progress=lambda stage: status.update(f"detect: {stage}"), **kw)
    else:
        meta = store.detect(**kw)
    if as_json:
        click.echo(json.dumps(meta, indent=1, default=str))
        return
    rows = meta["rows"]
    if not meta["stars_considered"]:
        click.echo("the store holds no stars: nothing to detect (results are empty)")
    click.echo(
        f"profile {profile}: {_n(rows.get('suspected_stars', 0), 'suspected star')}, "
        f"{_campaign_rows(rows, profile)}, {_n(rows.get('farms', 0), 'farm')}, "
        f"{_n(rows.get('accounts', 0), 'suspected account')} from "
        f"{_n(meta['stars_considered'], 'star')} in {meta['seconds']:.1f}s"
    )
    lw = meta.get("lockstep_windows") or {}
    if lw.get("reused"):
        click.echo(f"lockstep windows: {lw['reused']} reused (input unchanged), "
                   f"{lw['computed']} computed")


@main.command()
@store_option
@click.option("--table", "-t", required=True,
              help="suspected_stars, campaigns, repo_months, farms, accounts "
                   "(or stars, account_activity, repos).")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]), default=None,
              help="Default: from the file's extension.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def export(store_path, table, fmt, output) -> None:
    """Export a table of the latest detection run (or of the store) to a file."""
    store = require_store(store_path)
    if fmt is None:
        fmt = Path(output).suffix.lstrip(".").lower()
        if fmt not in ("csv", "parquet", "json"):
            raise click.UsageError("give --format csv|parquet|json (or an -o with that extension)")
    n = store.export(table, output, fmt)
    click.echo(f"wrote {_n(n, 'row')} of {table} to {output}", err=True)


@main.command()
@click.argument("world_dir", type=click.Path(file_okay=False, exists=True))
@store_option
@click.option("--json", "as_json", is_flag=True)
def evaluate(world_dir, store_path, as_json) -> None:
    """Score the store's detection against a simulated world's truth."""
    res = require_store(store_path).evaluate(world_dir)
    for w in res["warnings"]:
        click.echo(f"warning: {w}", err=True)
    if as_json:
        click.echo(json.dumps(res, indent=1))
        return
    _print_evaluation(res)


def _print_evaluation(res: dict) -> None:
    """The text form of `starscope evaluate`."""
    from rich.table import Table

    from starscope.interfaces.console import out

    def r(v) -> str:  # a ratio; None when nothing was there to find or found
        return "n/a" if v is None else str(v)

    s = res["stars"]
    # a line, not the table's title: a title is wrapped to the (narrow) table's width
    out.print(f"profile {res['profile']}: stars precision {r(s['precision'])} "
              f"recall {r(s['recall'])}", highlight=False)
    t = Table()
    t.add_column("campaign kind")
    for col in ("fake stars", "detected", "recall"):
        t.add_column(col, justify="right")
    for kind, k in res["by_kind"].items():
        t.add_row(kind, f"{k['fake_stars']:,}", f"{k['detected']:,}", r(k["recall"]))
    out.print(t)
    fp = ", ".join(f"{src} {cnt:,}" for src, cnt in res["false_positives_by_source"].items())
    out.print(f"false positives by organic source: {fp or 'none'}", highlight=False)
    c = res["campaigns"]
    out.print(f"campaign repos (>= 50 fake stars in a month): precision {r(c['precision'])} "
              f"recall {r(c['recall'])} ({c['true_positives']:,} of {c['true']:,} true, "
              f"{c['found']:,} found)", highlight=False)
    organic = {k: cnt for k, cnt in c["on_organic_repos"].items() if cnt}
    out.print("campaigns on organic repos: "
              + (", ".join(f"{k} {cnt}" for k, cnt in organic.items()) or "none"),
              highlight=False)
    sl = res["slow_campaigns"]
    out.print(f"slow campaigns (drips below the monthly rule): precision {r(sl['precision'])} "
              f"recall {r(sl['recall'])} ({sl['true_positives']:,} of {sl['true']:,} true, "
              f"{sl['found']:,} found)", highlight=False)


@main.command()
@store_option
@click.option("--json", "as_json", is_flag=True)
def overview(store_path, as_json) -> None:
    """The study's headline table for the archive ingested."""
    res = require_store(store_path).overview()
    if as_json:
        click.echo(json.dumps(res, indent=1))
        return
    from rich.table import Table

    from starscope.interfaces.console import out

    head = Table(title=f"starscope overview (profile {res['profile']})", show_header=False)
    for key in ("stars", "suspected_stars", "low_activity_stars", "clustered_stars",
                "both_signatures_stars", "repos_with_suspected_stars", "suspected_accounts",
                "campaign_repos", "campaign_suspected_stars", "campaign_accounts"):
        head.add_row(key.replace("_", " "), f"{res[key]:,}")
    if res.get("slow_campaign_repos"):  # the default profile's drips, apart from the study's rule
        head.add_row("slow campaign repos (below the monthly rule)", f"{res['slow_campaign_repos']:,}")
    from starscope.results.repo import SIGNAL_LABELS

    for sig, n in res.get("signals", {}).items():
        head.add_row(f"  by signal: {SIGNAL_LABELS.get(sig, sig)}", f"{n:,}")
    out.print(head)
    t = Table(title="by month")
    for col in ("month", "stars", "suspected", "repos ≥50 stars w/ campaign", "active accounts suspected"):
        t.add_column(col, justify="right")

    def pct(x):
        return "–" if x is None else f"{100 * x:.2f}%"

    for r in res["by_month"]:
        t.add_row(r["month"], f"{r['stars']:,}", f"{r['suspected_stars']:,}",
                  f"{pct(r['share_repos_with_campaign'])} of {r['repos_50_stars']:,}",
                  f"{pct(r['share_active_accounts_suspected'])} of {r['active_accounts']:,}")
    out.print(t)


@main.command()
@click.option("--dir", "work_dir", default="starscope-demo", show_default=True,
              type=click.Path(file_okay=False), help="Where the demo writes its world and store.")
@click.option("--seed", default=0, show_default=True, type=int)
def demo(work_dir, seed) -> None:
    """Simulate a small world, ingest it, and show what was found."""
    from starscope.interfaces.demo import run_demo

    run_demo(Path(work_dir), seed=seed)


def _add_commands() -> None:
    """The commands that live beside the interfaces that render them: the answers (check,
    account, report, serve), coverage, and the live source (github, audit)."""
    from starscope.interfaces import commands, coverage_cmd, github_cmd

    for cmd in (commands.check, commands.account, commands.report, commands.serve,
                coverage_cmd.coverage, github_cmd.github, github_cmd.audit):
        main.add_command(cmd)


_add_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
