"""The star-capture estimate against simulated worlds' truth, per preset, seed and capture.

    python benchmarks/coverage_eval.py [--presets realistic,easy] [--seeds 0-19]
                                       [--held-out 1000-1019] [--captures 0.1,0.2,0.5,1.0]
                                       [--work DIR] [--markdown] [--one-month]
    python benchmarks/coverage_eval.py --cost-stars 10000000

`--cost-stars N`: finding the bursts the old way (`coverage.burst_stars`, one pass over N
stars: a year, skewed over 2M repos) against the new (`coverage.burst_stars_recorded` over
the hour_stats rows ingest recorded for them: per hour, its top repos), both read from
Parquet in one run; the ratio is printed.

`--one-month`: also the same worlds moved to 2024-03-01..06, their second half (from 03-04)
at each capture: a store of one month, too short to be its own baseline (its baseline
comes from its complete-looking days). Prints the month's error (estimate - truth), the
interval and flags, and each degraded day's error.

`--held-out`: seeds reported separately (never used to choose anything), with a summary
table of |error| <= 0.05 counts and interval hits per capture, development vs held-out.

Each world is the capture test's: 6 days from 2024-03-29 at scale 0.2, its second half
(2024-04, from 2024-04-01) keeping only the given share of star events. Prints, per preset and
capture, the error of the degraded month's estimate (estimate - truth) for every seed, how
many lie within 0.05, how many worlds get both months' degraded flags right, and the worst
error. The first month (complete) is reported too.

A world is simulated once per seed; each capture's hour statistics are derived from its hour
files by the simulator's own rule (`StarCapture`: a hash of the event id keeps a star), which
is what `starscope simulate --capture F --capture-from 2024-04-01` writes. The first world is
also run through the real pipeline (simulate --capture 0.2, ingest, `coverage`) and must give
the same estimate, so the shortcut is checked on every run.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import sys
import tempfile
from pathlib import Path

from starscope.results import coverage as C
from starscope.ingest.engine import top_star_repos
from starscope.simulate import simulate_world
from starscope.simulate.archive import StarCapture, parse_line

# the burst rule in plain Python (the SQL's oracle), for hour statistics never ingested
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from coverage_reference import burst_stars_from_hours  # noqa: E402

START, CAPTURE_FROM = dt.date(2024, 3, 29), dt.date(2024, 4, 1)


def _hours(archive: Path) -> dict[dt.datetime, tuple[int, list[tuple[int, int]]]]:
    """Per hour file: other events, and (event id, repo id) of each star."""
    out = {}
    for f in sorted(archive.glob("*.json.gz")):
        y, m, d, h = (int(x) for x in f.name[: -len(".json.gz")].split("-"))
        other, stars = 0, []
        with gzip.open(f, "rb") as fh:
            for line in fh:
                ev = parse_line(line)
                if ev is None:
                    continue
                if ev["type"] == "WatchEvent":
                    stars.append((int(ev["id"]), int(ev["repo"]["id"])))
                else:
                    other += 1
        out[dt.datetime(y, m, d, h)] = (other, stars)
    return out


def _estimate(hours, capture: float, shift: dt.timedelta = dt.timedelta(0)) -> tuple[dict, dict]:
    """The coverage of the world at `capture`, and the true capture per month and per day
    (keys ``YYYY-MM`` and ``YYYY-MM-DD``). The bursts come from each hour's top repos, as
    ingest records them (hour_stats.star_repos). `shift` moves the world's hours (the
    one-month case: the same six days from 2024-03-01, their second half at `capture`)."""
    rows, partials, truth = [], [], {}
    for t0, (other, stars) in sorted(hours.items()):
        t = t0 + shift
        kept = [r for i, r in stars if t0.date() < CAPTURE_FROM or StarCapture.share(i) < capture
                or capture >= 1.0]
        rows.append((t, other + len(kept), len(kept), False))
        partials.append((t, len(kept), [tuple(x) for x in
                                        top_star_repos(collections.Counter(kept))]))
        keys = [t.strftime("%Y-%m"), t.date().isoformat()]
        if t0.date() >= CAPTURE_FROM:
            keys.append("second half")
        for key in keys:
            g = truth.setdefault(key, [0, 0])
            g[0] += len(stars)
            g[1] += len(kept)
    cov = C.estimate(rows, [], reference={}, bursts=burst_stars_from_hours(partials))
    return ({m["month"]: m for m in cov["months"]} | {d["day"]: d for d in cov["days"]},
            {k: w / g for k, (g, w) in truth.items()})


def _one_month(worlds: dict, seeds: list[int], cap: float, preset: str, group: str,
               markdown: bool) -> tuple:
    """The one-month case: each world's six days moved to 2024-03-01..06 (second half at
    `cap`): the error of each degraded day and of the month, and the flags."""
    shift = dt.datetime(2024, 3, 1) - dt.datetime.combine(START, dt.time())
    errs, day_errs, flags, inside, rough, days_right, n_days = [], [], 0, 0, 0, 0, 0
    part_errs: list = []
    for seed in seeds:
        rows, truth = _estimate(worlds[seed], cap, shift)
        mo, tru = rows["2024-03"], truth["2024-03"]
        errs.append(mo["star_capture"] - tru)
        inside += mo["star_capture_low"] - 1e-9 <= tru <= mo["star_capture_high"] + 1e-9
        rough += mo["star_capture_rough"]
        part = [p for p in mo.get("parts", []) if not p["complete_looking"]]
        if cap < 1.0:  # the month's degraded part (its days that do not look complete)
            part_errs.append(part[0]["star_capture"] - truth["second half"] if part else None)
        days = sorted(k for k in rows if len(k) == 10)
        late = [k for k in days if k >= "2024-03-04"]
        if cap < 1.0:
            day_errs += [rows[k]["star_capture"] - truth[k] for k in late]
        flags += mo["degraded"] == (tru < C.DEGRADED_BELOW)
        days_right += sum(rows[k]["degraded"] == (truth[k] < C.DEGRADED_BELOW) for k in days)
        n_days += len(days)
    k = len(errs)
    ok = sum(abs(e) <= 0.1 + 1e-9 for e in errs)
    dok = sum(abs(e) <= 0.05 + 1e-9 for e in day_errs)
    dworst = f"{max(map(abs, day_errs)):.2f}" if day_errs else "–"
    per_seed = " ".join(f"{e:+.2f}" for e in errs)
    pok = (f"{sum(e is not None and abs(e) <= 0.05 + 1e-9 for e in part_errs)}/{k}"
           if part_errs else "–")
    if markdown:
        print(f"| {preset} | {group} | {cap} | {per_seed} | {ok}/{k} | {inside}/{k} | {rough}/{k} "
              f"| {flags}/{k} | {days_right}/{n_days} | {pok} | {dok}/{len(day_errs)} "
              f"| {dworst} |")
    else:
        print(f"{preset:9} {group:11} {cap:4}  one month: {per_seed}  within 0.1: {ok}/{k}  "
              f"in [low, high]: {inside}/{k}  rough: {rough}/{k}  month flag right: {flags}/{k}  "
              f"day flags right: {days_right}/{n_days}  degraded part within 0.05: {pok}  "
              f"degraded days within 0.05: {dok}/{len(day_errs)} (worst {dworst})", flush=True)


def _check_pipeline(work: Path, preset: str, seed: int, derived: float) -> None:
    from starscope.ingest import ingest
    from starscope.store import Store

    out = work / f"pipeline-{preset}-{seed}"
    simulate_world(out, days=6, seed=seed, scale=0.2, start=START, preset=preset,
                   capture=0.2, capture_from=CAPTURE_FROM)
    store = Store(out / "store")
    ingest(store, [str(out / "archive")], workers=1)
    got = {m["month"]: m for m in C.coverage(store)["months"]}["2024-04"]["star_capture"]
    if got != derived:
        sys.exit(f"the derived hour statistics differ from the pipeline's: {derived} != {got}")
    print(f"(checked: {preset} seed {seed} at 0.2 through simulate, ingest and coverage: "
          f"{got})", file=sys.stderr)


def _cost(n: int) -> None:
    import time

    import duckdb

    from starscope.ingest.engine import STAR_REPOS_PER_FILE

    tmp = Path(tempfile.mkdtemp(prefix="coverage-cost-"))
    con = duckdb.connect()
    con.execute("""CREATE TABLE s AS SELECT TIMESTAMP '2024-01-01'
                     + to_seconds(CAST(random() * 365 * 86400 AS BIGINT)) AS starred_at,
                   CAST(pow(random(), 3) * 2000000 AS BIGINT) AS repo_id FROM range(?)
                   UNION ALL  -- and 2 % in launches: 50 repos, each on a day of its own
                   SELECT TIMESTAMP '2024-01-01' + to_days(CAST(7 * (i % 50) AS INTEGER))
                     + to_seconds(CAST(random() * 86400 AS BIGINT)), -1 - i % 50
                   FROM range(?) t(i)""", [n, n // 50])
    con.execute(f"COPY s TO '{tmp}/stars.parquet' (FORMAT parquet)")
    # what ingest records per hour file: its stars and its top repos (the same rule)
    con.execute(f"""COPY (SELECT hour, sum(n) AS stars,
                          list({{'repo_id': repo_id, 'stars': n}} ORDER BY n DESC, repo_id)
                            FILTER (WHERE rk <= {STAR_REPOS_PER_FILE}) AS star_repos
                   FROM (SELECT *, row_number() OVER (PARTITION BY hour
                                                          ORDER BY n DESC, repo_id) AS rk
                         FROM (SELECT date_trunc('hour', starred_at) AS hour, repo_id,
                                      count(*) AS n FROM s GROUP BY 1, 2)) GROUP BY hour)
                   TO '{tmp}/hour_stats.parquet' (FORMAT parquet)""")
    con.close()
    con = duckdb.connect()
    con.execute(f"CREATE VIEW stars AS SELECT * FROM read_parquet('{tmp}/stars.parquet')")
    con.execute(f"CREATE VIEW hour_stats AS SELECT * FROM "
                f"read_parquet('{tmp}/hour_stats.parquet')")
    t0 = time.perf_counter()
    old = C.burst_stars(con)
    t_old = time.perf_counter() - t0
    t0 = time.perf_counter()
    new = C.burst_stars_recorded(con)
    t_new = time.perf_counter() - t0
    n_hours, n_rows = con.execute("SELECT count(*), sum(len(star_repos)) FROM hour_stats").fetchone()
    same = sum(new.values()) / max(1, sum(old.values()))
    print(f"{n:,} stars: old burst pass over the stars {t_old:.2f} s; new, from hour_stats "
          f"({n_hours:,} hours, {n_rows:,} top-repo rows) {t_new:.2f} s: "
          f"{t_old / t_new:.1f}x faster; burst stars found: {sum(new.values()):,}, "
          f"{same:.3f} of the old pass's")


def _seeds(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default="realistic,easy")
    ap.add_argument("--seeds", default="0-19")
    ap.add_argument("--held-out", action="append", default=[],
                    help="seeds reported separately (may be given more than once)")
    ap.add_argument("--captures", default="0.1,0.2,0.5,1.0")
    ap.add_argument("--work", default=None, help="folder for the worlds (default: a temporary one)")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--cost-stars", type=int, default=0)
    ap.add_argument("--one-month", action="store_true",
                    help="also the one-month case: the six days from 2024-03-01, the second "
                         "half at each capture (a store too short to be its own baseline)")
    a = ap.parse_args()
    if a.cost_stars:
        return _cost(a.cost_stars)
    caps = [float(x) for x in a.captures.split(",")]
    groups = [("development", _seeds(a.seeds))] + [(f"held-out {h}", _seeds(h))
                                                    for h in a.held_out]
    work = Path(a.work or tempfile.mkdtemp(prefix="coverage-eval-"))
    checked = False
    summary = []
    all_worlds: dict = {}
    if a.markdown:
        print("| preset | seeds | capture | error of the degraded month's estimate, per seed | "
              "within 0.05 | truth in [low, high] | rough | flags right | worst | "
              "first month worst |")
        print("|---|---|---|---|---|---|---|---|---|---|")
    for preset in a.presets.split(","):
        for group, seeds in groups:
            worlds = {}
            for seed in seeds:
                out = work / f"{preset}-{seed}"
                if not (out / "truth").exists():
                    simulate_world(out, days=6, seed=seed, scale=0.2, start=START, preset=preset)
                worlds[seed] = all_worlds[preset, seed] = _hours(out / "archive")
            for cap in caps:
                errs, first, flags, inside, rough = [], [], 0, 0, 0
                for seed in seeds:
                    months, truth = _estimate(worlds[seed], cap)
                    if not checked and cap == 0.2:
                        _check_pipeline(work, preset, seed, months["2024-04"]["star_capture"])
                        checked = True
                    apr, tru = months["2024-04"], truth["2024-04"]
                    errs.append(apr["star_capture"] - tru)
                    inside += (apr["star_capture_low"] - 1e-9 <= tru
                               <= apr["star_capture_high"] + 1e-9)
                    rough += apr["star_capture_rough"]
                    first.append(months["2024-03"]["star_capture"] - truth["2024-03"])
                    flags += (apr["degraded"] == (tru < C.DEGRADED_BELOW)
                              and not months["2024-03"]["degraded"])
                ok = sum(abs(e) <= 0.05 + 1e-9 for e in errs)
                per_seed = " ".join(f"{e:+.2f}" for e in errs)
                worst, fworst = max(map(abs, errs)), max(map(abs, first))
                k = len(errs)
                summary.append((preset, group, cap, f"{ok}/{k}", f"{inside}/{k}", f"{rough}/{k}"))
                if a.markdown:
                    print(f"| {preset} | {group} | {cap} | {per_seed} | {ok}/{k} | {inside}/{k} "
                          f"| {rough}/{k} | {flags}/{k} | {worst:.2f} | {fworst:.2f} |")
                else:
                    print(f"{preset:9} {group:11} {cap:4}  {per_seed}  within 0.05: {ok}/{k}  "
                          f"in [low, high]: {inside}/{k}  rough: {rough}/{k}  flags right: "
                          f"{flags}/{k}  worst {worst:.2f}  (first month worst {fworst:.2f})",
                          flush=True)
    if a.one_month:
        print()
        if a.markdown:
            print("| preset | seeds | capture | error of the month's estimate (one month, half "
                  "at the capture), per seed | within 0.1 | truth in [low, high] | rough | "
                  "month flag right | day flags right | its degraded part within 0.05 | "
                  "degraded days within 0.05 | worst day |")
            print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for preset in a.presets.split(","):
            for group, seeds in groups:
                worlds = {seed: all_worlds[preset, seed] for seed in seeds}
                for cap in caps:
                    _one_month(worlds, seeds, cap, preset, group, a.markdown)
    print()
    print("| preset | seeds | " + " | ".join(f"capture {c}: within 0.05 · in interval · rough"
                                            for c in caps) + " |")
    print("|---|---|" + "---|" * len(caps))
    for preset in a.presets.split(","):
        for group, _ in groups:
            cells = [f"{ok} · {ins} · {r}" for p, g, c, ok, ins, r in summary
                     if p == preset and g == group]
            print(f"| {preset} | {group} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
