"""Detection benchmark: a month-sized store generated straight into the store's tables, detected
with both profiles at 1x, 2x, 4x the size; and the brute-force reference against the fast
implementation on a small world, as a ratio measured in the same run.

    python benchmarks/detect.py [--stars 5000000] [--scales 1,2,4] [--memory-limit 8GB]

The generated month: organic stars on Zipf-popular repos from accounts with ids spread over
GitHub's ~190M range and some other activity (~1 in 10 also forks the repo); lockstep farms
(200 accounts x 20 repos within days); rotating farms (orders of 150 from a pool of 600, each
account in ~3 orders); throwaway
bursts (100 one-shot accounts on one repo within a day). As in the realistic simulated world
there are no private id blocks: farm accounts have old ids scattered among everyone's, and
throwaway accounts take a sign-up clock's ids (~160M, a few apart) between organic ones.
Only the shape matters for cost. Each run's precision on it (stars of the promoted repos are
the fake ones) and, per signal, the organic and fake stars it flags are printed too.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

GEN = """
WITH params AS (SELECT {n_org}::BIGINT AS n_org, {n_repos}::BIGINT AS n_repos,
                       {n_actors}::BIGINT AS n_actors),
organic AS (
  SELECT i AS k,
         -- Zipf-like popularity: repo rank from a power of a uniform draw
         1 + floor(pow(hash(i * 3) % 1000000 / 1000000.0, 3.0) * (SELECT n_repos FROM params))::BIGINT AS repo,
         -- account ids spread over GitHub's ~190M range, as organic accounts' are
         (1 + hash(i * 7) % (SELECT n_actors FROM params)) * (190000000 // (SELECT n_actors FROM params)) AS actor,
         TIMESTAMP '2024-03-01' + to_seconds((hash(i * 11) % 2678400)::BIGINT) AS t
  FROM range((SELECT n_org FROM params)) r(i)
),
farm AS (
  SELECT f, a, r,
         TIMESTAMP '2024-03-05' + to_seconds((f * 86400 + hash(f, a, r) % 259200)::BIGINT) AS t
  FROM range({n_farms}) x(f), range(200) y(a), range(20) z(r)
),
throw AS (
  SELECT c, a, TIMESTAMP '2024-03-10' + to_seconds((c * 3600 + hash(c, a) % 86400)::BIGINT) AS t
  FROM range({n_throw}) x(c), range(100) y(a)
),
rot AS (  -- order o of rotating farm f: 150 of its 600 accounts (pool slot (o * 150 + j) % 600)
  SELECT f, o, (o * 150 + j) % 600 AS a,
         TIMESTAMP '2024-03-02' + to_seconds((o * 43200 + hash(f, o, j) % 172800)::BIGINT) AS t
  FROM range({n_farms}) x(f), range(12) y(o), range(150) z(j)
)
SELECT * FROM (
  SELECT actor AS actor_id, 'u' || actor AS actor_login, repo AS repo_id,
         'owner' || repo % 997 || '/repo' || repo AS repo_name, t AS created_at, 15 AS type
  FROM organic
  UNION ALL  -- some other activity: organic accounts are not low-activity
  SELECT actor, 'u' || actor, repo + 7, 'owner' || (repo + 7) % 997 || '/repo' || (repo + 7),
         t + INTERVAL 3 DAY, 13 FROM organic WHERE k % 3 = 0
  UNION ALL  -- genuine popularity brings forks (~1 in 10 stargazers): organic repos are not
             -- hollow (the default profile's hollow signal); promoted repos get none
  SELECT actor, 'u' || actor, repo, 'owner' || repo % 997 || '/repo' || repo,
         t + INTERVAL 1 HOUR, 4 FROM organic WHERE k % 10 = 1
  UNION ALL  -- farm accounts: old ids scattered over the whole range
  SELECT (hash(f, a) % 190000)::BIGINT * 1000 + 1 + f % 500, 'farm' || f || '_' || a,
         900000000 + f * 100 + r, 'promo' || f || '/tool' || r, t, 15 FROM farm
  UNION ALL
  SELECT (hash(f, a, 7) % 190000)::BIGINT * 1000 + 501 + f % 400, 'rot' || f || '_' || a,
         910000000 + f * 100 + o, 'order' || f || '/app' || o, t, 15 FROM rot
  UNION ALL  -- throwaway accounts: a sign-up clock's ids, ~7 apart, among everyone's
  SELECT 160000003 + c * 3001 + a * 7, 'throw' || c || '_' || a, 950000000 + c,
         'lure' || c || '/crack', t, 15 FROM throw
)
"""


def build_store(root: Path, stars: int) -> dict:
    """Write a store with about `stars` stars through the normal commit path."""
    import duckdb

    from starscope.store import Store
    from starscope.store.segments import derive_segments

    shutil.rmtree(root, ignore_errors=True)
    n_farms, n_throw = max(1, stars // 400_000), max(1, stars // 100_000)
    n_org = stars - n_farms * (4000 + 1800) - n_throw * 100
    con = duckdb.connect()
    q = GEN.format(n_org=n_org, n_repos=max(1000, stars // 20), n_actors=max(1000, stars // 4),
                   n_farms=n_farms, n_throw=n_throw)
    table = con.sql(f"""
        SELECT (row_number() OVER (ORDER BY created_at, actor_id, repo_id, type))::BIGINT
                 AS event_id,
               created_at::TIMESTAMP AS created_at, type::TINYINT AS type, actor_id::BIGINT AS actor_id,
               actor_login, repo_id::BIGINT AS repo_id, repo_name, NULL::BIGINT AS org_id
        FROM ({q})""").to_arrow_table()
    store = Store(root)
    with store.writing() as w:
        stage = w.staging / "gen"
        segs = derive_segments(table, stage)
        w.commit_staged([segs], [stage], {"generated": {"size": 0, "bad_lines": 0,
                                                        "corrupt": None}}, [])
    return {"events": table.num_rows}


def run_detect(root: Path, profile: str, memory_limit: str | None) -> dict:
    """One detection in a fresh interpreter; wall seconds and peak RSS of the process."""
    code = (
        "import json, resource, sys, time\n"
        "from starscope.store import Store\n"
        "from starscope.results.detection import detect_store\n"
        "t = time.perf_counter()\n"
        f"meta = detect_store(Store({str(root)!r}), profile={profile!r}, "
        f"memory_limit={memory_limit!r})\n"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'rows': meta['rows'],"
        " 'stars': meta['stars_considered'],"
        " 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(res.stderr[-2000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


# the generated month's truth: every star on these repos is fake, every other star organic
FAKE_REPOS = "(promo|order|lure)[0-9]+/.*"


def signal_errors(root: Path) -> str:
    """Precision of the latest run on the generated month, and per signal the organic (false)
    and fake stars it flags (default profile: the `signals` column)."""
    from starscope.store import Store

    con = Store(root).connect()
    try:
        tp, fp = con.execute(f"""SELECT count(*) FILTER (WHERE regexp_full_match(repo_name, '{FAKE_REPOS}')),
            count(*) FILTER (WHERE NOT regexp_full_match(repo_name, '{FAKE_REPOS}'))
            FROM results.suspected_stars""").fetchone()
        rows = con.execute(f"""SELECT sig, count(*) FILTER (WHERE NOT fake), count(*) FILTER (WHERE fake)
            FROM (SELECT unnest(signals) AS sig, regexp_full_match(repo_name, '{FAKE_REPOS}') AS fake
                  FROM results.suspected_stars) GROUP BY sig ORDER BY sig""").fetchall()
    finally:
        con.close()
    per = ", ".join(f"{s} {f:,}/{t:,}" for s, f, t in rows)
    return (f"precision {tp / max(1, tp + fp):.3f} ({fp:,} organic of {tp + fp:,} suspected); "
            f"per signal organic/fake: {per or '-'}")


def reference_ratio() -> str:
    """Brute-force reference vs the SQL implementation on the same small simulated world."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "detect"))
    try:
        import reference  # the oracle of the property tests
    except ImportError:
        return "reference implementation not found (tests/detect/reference.py)"
    from starscope.detect.params import Params
    from starscope.ingest import ingest
    from starscope.results.detection import detect_store
    from starscope.simulate import simulate_world
    from starscope.store import Store

    tmp = Path("bench-out/detect-small")
    shutil.rmtree(tmp, ignore_errors=True)
    simulate_world(tmp / "world", days=2, seed=5)
    store = Store(tmp / "store")
    ingest(store, [str(tmp / "world" / "archive")])
    t = time.perf_counter()
    detect_store(store, profile="starscout")
    fast = time.perf_counter() - t
    con = store.connect()
    stars = [dict(zip(("event_id", "starred_at", "repo_id", "actor_id"), r)) for r in
             con.execute("SELECT event_id, starred_at, repo_id, actor_id FROM stars").fetchall()]
    events = [dict(zip(("actor_id", "created_at", "repo_id", "org_id"), r)) for r in
              con.execute("SELECT actor_id, created_at, repo_id, org_id FROM events").fetchall()]
    t = time.perf_counter()
    reference.detect(stars, events, Params())
    slow = time.perf_counter() - t
    return (f"reference (brute force) {slow:.1f}s vs fast {fast:.1f}s on a {len(stars):,}-star "
            f"world: the fast one is {slow / fast:.1f}x faster")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stars", type=int, default=5_000_000)
    ap.add_argument("--scales", default="1,2,4")
    ap.add_argument("--profiles", default="starscout,default")
    ap.add_argument("--memory-limit", default="8GB")
    ap.add_argument("--dir", default="bench-out")
    args = ap.parse_args()
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{'stars':>11} {'profile':<10} {'seconds':>8} {'s per M stars':>13} "
          f"{'peak RSS MB':>11} {'suspected':>10} {'campaigns':>9}")
    for scale in (float(s) for s in args.scales.split(",")):
        root = out / f"detect-store-{scale:g}x"
        t = time.perf_counter()
        gen = build_store(root, int(args.stars * scale))
        print(f"# built {gen['events']:,} events in {time.perf_counter() - t:.0f}s", file=sys.stderr)
        for profile in args.profiles.split(","):
            r = run_detect(root, profile, args.memory_limit)
            print(f"{r['stars']:11,} {profile:<10} {r['seconds']:8.1f} "
                  f"{r['seconds'] / (r['stars'] / 1e6):13.1f} {r['peak_rss_mb']:11,.0f} "
                  f"{r['rows'].get('suspected_stars', 0):10,} {r['rows'].get('campaigns', 0):9,}",
                  flush=True)
            print(f"#   {profile}: {signal_errors(root)}", flush=True)
    print(reference_ratio())


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
