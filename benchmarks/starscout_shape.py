"""Shape of `--profile starscout`'s lockstep output next to StarScout's published tables.

    python benchmarks/starscout_shape.py STORE [--reference DIR]

STORE is a store (e.g. of a simulated month); DIR holds StarScout's published
``250101_fake_stars_clustered_repos.csv`` and ``250101_fake_stars_clustered_stars_by_month.csv``
(default: /work/shared/reference/starscout). Runs the starscout detection on STORE and prints,
for repos with >= 1 clustered star, the distribution (quantiles) of: stars, clustered stars and
p_stars_clustered per repo, and the same per (repo, month), for both. Only shapes are
comparable: a simulated month is not GitHub, and their per-repo counts span 2019-07..2024-12.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from starscope.detect import run_detection
from starscope.store import Store

QS = (0.1, 0.25, 0.5, 0.75, 0.9)


def quantiles(xs: list[float]) -> list[float]:
    xs = sorted(xs)
    if not xs:
        return [float("nan")] * len(QS)
    return [xs[min(len(xs) - 1, int(q * len(xs)))] for q in QS]


def summary(rows: list[tuple[int, int]]) -> dict[str, list[float] | float | int]:
    """rows: (n_stars, n_stars_clustered) with n_stars_clustered >= 1."""
    p = [c / n for n, c in rows]
    return {"rows": len(rows), "n_stars": quantiles([n for n, _ in rows]),
            "n_stars_clustered": quantiles([c for _, c in rows]), "p": quantiles(p),
            "share_p_ge_0.9": round(sum(x >= 0.9 for x in p) / len(p), 3) if p else float("nan"),
            "share_p_lt_0.5": round(sum(x < 0.5 for x in p) / len(p), 3) if p else float("nan")}


def theirs(ref: Path) -> tuple[dict, dict]:
    with open(ref / "250101_fake_stars_clustered_repos.csv", newline="") as f:
        repos = [(int(r["n_stars"]), int(r["n_stars_clustered"])) for r in csv.DictReader(f)
                 if int(r["n_stars_clustered"]) > 0 and int(r["n_stars"]) > 0]
    with open(ref / "250101_fake_stars_clustered_stars_by_month.csv", newline="") as f:
        months = [(int(r["n_stars"]), int(r["n_stars_clustered"])) for r in csv.DictReader(f)
                  if int(r["n_stars_clustered"]) > 0 and int(r["n_stars"]) > 0]
    return summary(repos), summary(months)


def ours(store: Path) -> tuple[dict, dict]:
    con = Store(store).connect()
    t = run_detection(con, profile="starscout")
    months = con.execute(f"SELECT stars, clustered FROM {t['repo_months']} "
                         "WHERE clustered > 0").fetchall()
    repos = con.execute(f"""SELECT SUM(stars), SUM(clustered) FROM {t['repo_months']}
        GROUP BY repo_id HAVING SUM(clustered) > 0""").fetchall()
    return summary([(int(a), int(b)) for a, b in repos]), summary([(int(a), int(b)) for a, b in months])


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--reference", type=Path, default=Path("/work/shared/reference/starscout"))
    a = ap.parse_args(argv)
    (tr, tm), (orp, om) = theirs(a.reference), ours(a.store)
    print(f"quantiles {', '.join(f'q{int(q * 100)}' for q in QS)}")
    for level, t, o in (("per repo", tr, orp), ("per repo-month", tm, om)):
        print(f"\n{level}: StarScout {t['rows']} rows, ours {o['rows']} rows")
        for k in ("n_stars", "n_stars_clustered", "p"):
            fmt = (lambda v: f"{v:.2f}") if k == "p" else (lambda v: f"{v:g}")
            print(f"  {k:<18} StarScout [{', '.join(fmt(v) for v in t[k])}]"
                  f"  ours [{', '.join(fmt(v) for v in o[k])}]")
        for k in ("share_p_ge_0.9", "share_p_lt_0.5"):
            print(f"  {k:<18} StarScout {t[k]}  ours {o[k]}")


if __name__ == "__main__":
    main(sys.argv[1:])
