"""Spark vs DuckDB on the same simulated world, at 1x, 2x, 4x its size.

    python benchmarks/spark.py [--days 7] [--base-scale 4] [--scales 1,2,4]
                               [--profiles starscout,default] [--master local[2]]

For each size: one simulated world (hour files); each engine ingests it into its own store
(`starscope ingest --engine E`) and detects with each profile (`starscope detect --engine E`),
every command in a fresh process, measured as wall seconds, CPU seconds and peak resident
memory of the whole process tree (for Spark: the driver, its JVM and the JVM's Python
workers). After each profile the two stores' result tables are compared as sets of rows.

The point is the scaling curve and the identical output, not beating DuckDB on 2 cores: a
local Spark pays for a JVM, a scheduler and many small stages that a cluster amortises.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections import Counter
from pathlib import Path

from _measure import run_measured  # benchmarks/_measure.py, beside this script

TABLES = ("suspected_stars", "campaigns", "farms", "repo_months", "accounts")


def starscope(*args: str) -> list[str]:
    return [sys.executable, "-m", "starscope", *args]


def measured(cmd: list[str]) -> dict:
    r = run_measured(cmd)
    if r["returncode"] not in (0, 1):  # ingest exits 1 when some input was bad; not here
        raise SystemExit(f"{' '.join(cmd)} failed ({r['returncode']}):\n{r['stderr'][-3000:]}")
    out = r["stdout"].strip()
    r["json"] = json.loads(out[out.index("{"):]) if "{" in out else {}
    return r


def result_rows(store: Path) -> dict[str, Counter]:
    from starscope.store import Store

    con = Store(store).connect()

    def norm(v):
        return tuple(norm(x) for x in v) if isinstance(v, (list, tuple)) else v

    out = {}
    for t in TABLES:
        out[t] = Counter(norm(r) for r in con.execute(f"SELECT * FROM results.{t}").fetchall())
    con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--base-scale", type=float, default=4.0)
    ap.add_argument("--scales", default="1,2,4")
    ap.add_argument("--profiles", default="starscout,default")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--dir", default="bench-out/spark")
    args = ap.parse_args()
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    engines = {"duckdb": [], "spark": ["--engine", "spark", "--master", args.master]}
    rows = []
    for k in [float(x) for x in args.scales.split(",")]:
        scale = args.base_scale * k
        world = out / f"world-d{args.days}-s{scale:g}"
        if not (world / ".complete").exists():
            shutil.rmtree(world, ignore_errors=True)
            r = measured(starscope("simulate", str(world), "--days", str(args.days),
                                   "--scale", str(scale), "--seed", "11"))
            (world / ".complete").write_text("ok")
        info = json.loads((world / "truth" / "world.json").read_text())
        gz = sum(p.stat().st_size for p in (world / "archive").glob("*.json.gz"))
        stores = {}
        for eng, flags in engines.items():
            store = out / f"store-{eng}-s{scale:g}"
            shutil.rmtree(store, ignore_errors=True)
            stores[eng] = store
            r = measured(starscope("ingest", str(world / "archive"), "--store", str(store),
                                   "--quiet", "--json", *flags))
            rows.append({"size": f"{k:g}x", "events": info["events"], "stars": info["stars"],
                         "gz_mb": gz / 1e6, "engine": eng, "step": "ingest", **_fig(r)})
        for prof in args.profiles.split(","):
            for eng, flags in engines.items():
                r = measured(starscope("detect", "--store", str(stores[eng]), "--profile", prof,
                                       "--json", *flags))
                rows.append({"size": f"{k:g}x", "events": info["events"],
                             "stars": info["stars"], "gz_mb": gz / 1e6, "engine": eng,
                             "step": f"detect {prof}", **_fig(r),
                             "suspected": r["json"].get("rows", {}).get("suspected_stars")})
            a, b = result_rows(stores["duckdb"]), result_rows(stores["spark"])
            same = {t: a[t] == b[t] for t in TABLES}
            sizes = {t: sum(a[t].values()) for t in TABLES}
            print(f"{k:g}x {prof}: identical {all(same.values())} "
                  f"{ {t: (sizes[t], same[t]) for t in TABLES} }", file=sys.stderr, flush=True)
            rows[-1]["identical"] = all(same.values())
            if not all(same.values()):
                raise SystemExit(f"engines differ at {k:g}x {prof}: {same}")
        print(json.dumps(rows[-len(engines) * (1 + len(args.profiles.split(","))):]),
              file=sys.stderr, flush=True)

    print(f"{os.cpu_count()} cores; world: {args.days} days, scale {args.base_scale:g} x size; "
          f"Spark master {args.master}")
    print(f"{'size':>4} {'events':>10} {'stars':>8} {'engine':>6} {'step':>17} {'seconds':>8} "
          f"{'CPU s':>7} {'peak MB':>8} {'s/M stars':>9} {'spark/duckdb':>12}")
    base = {(r["size"], r["step"]): r["seconds"] for r in rows if r["engine"] == "duckdb"}
    for r in rows:
        ratio = r["seconds"] / base[(r["size"], r["step"])]
        print(f"{r['size']:>4} {r['events']:>10,} {r['stars']:>8,} {r['engine']:>6} "
              f"{r['step']:>17} {r['seconds']:8.1f} {r['cpu_seconds']:7.1f} "
              f"{r['peak_rss_mb']:8,.0f} {r['seconds'] / (r['stars'] / 1e6):9,.0f} "
              f"{ratio:12.2f}")


def _fig(r: dict) -> dict:
    return {k: r[k] for k in ("seconds", "cpu_seconds", "peak_rss_mb")}


if __name__ == "__main__":
    main()
