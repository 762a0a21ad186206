"""Incremental detection benchmark: a year of generated months (detect.py's month shape, one
per calendar month), detected in full; then one more month committed and detected
incrementally (reusing the unchanged lockstep windows) and in full, on the same store.

    python benchmarks/incremental.py [--stars-per-month 200000] [--months 12] [--out DIR]

Default parameters (6-month windows stepping 3): 12 months make 3 windows; the 13th month
adds a 4th (clipped) window and leaves the first three unchanged.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from detect import GEN  # noqa: E402


def month_sql(k: int, stars: int) -> str:
    """Month k (0 = 2023-01) of detect.py's generator, with its own accounts' stars."""
    start = dt.date(2023 + k // 12, k % 12 + 1, 1)
    n_farms, n_throw = max(1, stars // 400_000), max(1, stars // 100_000)
    q = GEN.format(n_org=stars - n_farms * 4000 - n_throw * 100, n_repos=max(1000, stars // 20),
                   n_actors=max(1000, stars // 4), n_farms=n_farms, n_throw=n_throw)
    salt = 1_000_003 * (k + 1)
    for a, b in (("hash(i * 3)", f"hash(i * 3 + {salt})"), ("hash(i * 7)", f"hash(i * 7 + {salt})"),
                 ("hash(i * 11)", f"hash(i * 11 + {salt})"), ("2678400", "2332800"),
                 ("2024-03-01", f"{start}"), ("2024-03-05", f"{start + dt.timedelta(4)}"),
                 ("2024-03-10", f"{start + dt.timedelta(9)}"),
                 ("500000000 + f", f"{500000000 + k * 100000} + f"),
                 ("900000000 + f", f"{900000000 + k * 10000} + f"),
                 ("600000000 + c", f"{600000000 + k * 100000} + c"),
                 ("950000000 + c", f"{950000000 + k * 1000} + c")):
        assert a in q, a
        q = q.replace(a, b)
    return q


def commit_months(root: Path, months: range, stars: int) -> None:
    import duckdb

    from starscope.store import Store
    from starscope.store.segments import derive_segments

    con = duckdb.connect()
    store = Store(root)
    with store.writing() as w:
        for k in months:
            table = con.sql(f"""
                SELECT {k * 10**9} + (row_number() OVER (
                           ORDER BY created_at, actor_id, repo_id, type))::BIGINT AS event_id,
                       created_at::TIMESTAMP AS created_at, type::TINYINT AS type,
                       actor_id::BIGINT AS actor_id, actor_login, repo_id::BIGINT AS repo_id,
                       repo_name, NULL::BIGINT AS org_id
                FROM ({month_sql(k, stars)})""").to_arrow_table()
            stage = w.staging / f"gen{k}"
            segs = derive_segments(table, stage)
            w.commit_staged([segs], [stage], {f"generated-{k}": {
                "size": 0, "bad_lines": 0, "corrupt": None}}, [])


def timed_detect(root: Path, incremental: bool) -> dict:
    from starscope.results.detection import detect_store
    from starscope.store import Store

    t = time.perf_counter()
    meta = detect_store(Store(root), incremental=incremental)
    return {"seconds": round(time.perf_counter() - t, 1), "stars": meta["stars_considered"],
            "lockstep_windows": meta["lockstep_windows"], "rows": meta["rows"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stars-per-month", type=int, default=200_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--out", default="bench-out/incremental")
    a = ap.parse_args()
    root = Path(a.out) / "store"
    shutil.rmtree(root, ignore_errors=True)
    commit_months(root, range(a.months), a.stars_per_month)
    out = {"full, months 1..N": timed_detect(root, False)}
    commit_months(root, range(a.months, a.months + 1), a.stars_per_month)
    res = lambda: {n: (root / p).read_bytes()  # noqa: E731
                   for n, p in json.loads((root / "manifest.json").read_text())["results"]["tables"].items()}
    out["incremental, month N+1 added"] = timed_detect(root, True)
    inc = res()
    out["full, months 1..N+1"] = timed_detect(root, False)
    out["same result files"] = inc == res()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
