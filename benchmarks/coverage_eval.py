"""The star-capture estimate against simulated worlds' truth, per preset, seed and capture.

    python benchmarks/coverage_eval.py [--presets realistic,easy] [--seeds 0-9]
                                       [--captures 0.1,0.2,0.5,1.0] [--work DIR] [--markdown]
    python benchmarks/coverage_eval.py --cost-stars 10000000

`--cost-stars N`: the cost of the burst pass (`coverage.burst_stars`) over N stars (a year,
skewed over 2M repos) against `count(DISTINCT repo_id)` over the same table, in one run.

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
from starscope.simulate import simulate_world
from starscope.simulate.archive import StarCapture, parse_line

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


def _estimate(hours, capture: float) -> tuple[dict, dict]:
    """The coverage of the world at `capture`, and the true capture per month."""
    rows, per_day, truth = [], collections.defaultdict(collections.Counter), {}
    for t, (other, stars) in sorted(hours.items()):
        kept = [r for i, r in stars if t.date() < CAPTURE_FROM or StarCapture.share(i) < capture
                or capture >= 1.0]
        rows.append((t, other + len(kept), len(kept), False))
        per_day[t.date().isoformat()].update(kept)
        g = truth.setdefault(t.strftime("%Y-%m"), [0, 0])
        g[0] += len(stars)
        g[1] += len(kept)
    bursts = {}
    for day, c in per_day.items():  # the rule of coverage.burst_stars, on the same stars
        total = sum(c.values())
        n = sum(v for v in c.values() if v > C.BURST_REPO_SHARE * total and v >= C.BURST_REPO_MIN)
        if n:
            bursts[day] = n
    cov = C.estimate(rows, [], reference={}, bursts=bursts)
    return {m["month"]: m for m in cov["months"]}, {k: w / g for k, (g, w) in truth.items()}


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

    con = duckdb.connect()
    con.execute("""CREATE TABLE stars AS SELECT TIMESTAMP '2024-01-01'
                     + to_seconds(CAST(random() * 365 * 86400 AS BIGINT)) AS starred_at,
                   CAST(pow(random(), 3) * 2000000 AS BIGINT) AS repo_id FROM range(?)""", [n])
    t0 = time.perf_counter()
    con.execute("SELECT count(DISTINCT repo_id) FROM stars").fetchall()
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    C.burst_stars(con)
    burst = time.perf_counter() - t0
    print(f"{n:,} stars: burst pass {burst:.2f} s, count(DISTINCT repo_id) {base:.2f} s: "
          f"{burst / base:.1f}x")


def _seeds(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default="realistic,easy")
    ap.add_argument("--seeds", default="0-9")
    ap.add_argument("--captures", default="0.1,0.2,0.5,1.0")
    ap.add_argument("--work", default=None, help="folder for the worlds (default: a temporary one)")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--cost-stars", type=int, default=0)
    a = ap.parse_args()
    if a.cost_stars:
        return _cost(a.cost_stars)
    seeds, caps = _seeds(a.seeds), [float(x) for x in a.captures.split(",")]
    work = Path(a.work or tempfile.mkdtemp(prefix="coverage-eval-"))
    checked = False
    if a.markdown:
        print("| preset | capture | error of the degraded month's estimate, per seed | "
              "within 0.05 | flags right | worst | first month worst |")
        print("|---|---|---|---|---|---|---|")
    for preset in a.presets.split(","):
        worlds = {}
        for seed in seeds:
            out = work / f"{preset}-{seed}"
            if not (out / "truth").exists():
                simulate_world(out, days=6, seed=seed, scale=0.2, start=START, preset=preset)
            worlds[seed] = _hours(out / "archive")
        for cap in caps:
            errs, first, flags = [], [], 0
            for seed in seeds:
                months, truth = _estimate(worlds[seed], cap)
                if not checked and cap == 0.2:
                    _check_pipeline(work, preset, seed, months["2024-04"]["star_capture"])
                    checked = True
                errs.append(months["2024-04"]["star_capture"] - truth["2024-04"])
                first.append(months["2024-03"]["star_capture"] - truth["2024-03"])
                flags += (months["2024-04"]["degraded"] == (truth["2024-04"] < C.DEGRADED_BELOW)
                          and not months["2024-03"]["degraded"])
            ok = sum(abs(e) <= 0.05 + 1e-9 for e in errs)
            per_seed = " ".join(f"{e:+.2f}" for e in errs)
            worst, fworst = max(map(abs, errs)), max(map(abs, first))
            if a.markdown:
                print(f"| {preset} | {cap} | {per_seed} | {ok}/{len(errs)} | {flags}/{len(errs)} "
                      f"| {worst:.2f} | {fworst:.2f} |")
            else:
                print(f"{preset:9} {cap:4}  {per_seed}  within 0.05: {ok}/{len(errs)}  "
                      f"flags right: {flags}/{len(errs)}  worst {worst:.2f}  "
                      f"(first month worst {fworst:.2f})", flush=True)


if __name__ == "__main__":
    main()
