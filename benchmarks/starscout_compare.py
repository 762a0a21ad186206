"""Run StarScout's own CopyCatch SQL next to `--profile starscout`'s lockstep; print agreement.

    python benchmarks/starscout_compare.py --starscout-dir DIR STORE [STORE ...] [--sampling]

DIR is a checkout of https://github.com/hehao98/StarScout that the user makes (its code is
Apache-2.0 and is never copied into starscope): this script reads its BigQuery map/reduce
queries ``scripts/copycatch/queries/{stg_initial_centers,map_users,reduce_centers,
agg_results}.sql`` at run time, translates them to DuckDB with sqlglot (a few BigQuery-only
constructs are rewritten textually, see ``_their_sql``; if a query no longer has the expected
text the script stops with an error), and drives them like their ``bigquery.py``:
``run_chunk`` (initial centers; up to 10 x [map; stop when the map's row count equals the
previous map's; reduce]), ``agg_results`` and ``summarize_results``' filters (the latter is
Python there, needing GCP; it is restated here in SQL). Their 20% ``TABLESAMPLE`` in the reduce
is removed unless ``--sampling``.

Both sides get the same input: each lockstep window's deduplicated first stars (``_det_stars``
of the store, one row per (account, repo)), so only the clustering is compared. Printed per
store: clustered (account, repo) stars of each side, both, only ours, only theirs, Jaccard.
Not part of the test suite (needs their checkout).
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

import sqlglot

from starscope.detect import lockstep
from starscope.detect import run as detect_run
from starscope.detect.params import Params
from starscope.store import Store

QUERIES = ("stg_initial_centers", "map_users", "reduce_centers", "agg_results")

# BigQuery-only constructs of their queries -> placeholders sqlglot keeps as function calls ->
# DuckDB. Their JSON object of centers becomes a DuckDB MAP (repo -> center).
_BQ_REWRITES = [
    (r"`@project_id\.@dataset_id\.(\w+)_\*`", r"\1"),
    (r"ENDS_WITH\((\w+\.)?_TABLE_SUFFIX,\s*CONCAT\(@start_date, '_', @end_date\)\)", "TRUE"),
    (r"JSON_OBJECT\(repo_name, repo_center\)", "XMAP1(repo_name, repo_center)"),
    (r"JSON_OBJECT\(\s*ARRAY\(SELECT r FROM UNNEST\(centers\)\),\s*"
     r"ARRAY\(SELECT c FROM UNNEST\(centers\)\)\)", "XMAPRC(centers)"),
    (r"ARRAY_AGG\((\w+) ORDER BY\s+(.*?)\s+LIMIT @(\w+)\)", r"XSLICE(ARRAY_AGG(\1 ORDER BY \2), @\3)"),
    (r"ARRAY\(\(SELECT r FROM UNNEST\(centers\) LIMIT @m\)\)", "XTOPR(centers, @m)"),
    (r"FLOAT64\(", "XFLOAT("),
]
_DUCK_REWRITES = [
    (r"XMAP1\(repo_name, repo_center\)", "MAP([repo_name], [repo_center])"),
    (r"XMAPRC\(centers\)", "MAP(list_transform(centers, lambda x: x.r), list_transform(centers, lambda x: x.c))"),
    (r"XSLICE\((.*?), \$(\w+)\) AS centers", r"list_slice(\1, 1, $\2) AS centers"),
    (r"XTOPR\(centers, \$m\)", "list_slice(list_transform(centers, lambda x: x.r), 1, $m)"),
    (r"XFLOAT\(", "CAST(("),
]


def _their_sql(starscout_dir: Path, name: str, sampling: bool) -> str:
    text = (starscout_dir / "scripts" / "copycatch" / "queries" / f"{name}.sql").read_text()
    if not sampling:
        text, k = re.subn(r"TABLESAMPLE SYSTEM \(20 PERCENT\)", "", text)
        if name == "reduce_centers" and k != 1:
            sys.exit("their reduce_centers.sql no longer has the expected TABLESAMPLE")
    for pat, rep in _BQ_REWRITES:
        text = re.sub(pat, rep, text, flags=re.S)
    out = sqlglot.transpile(text, read="bigquery", write="duckdb",
                            unsupported_level=sqlglot.ErrorLevel.IGNORE)[0]
    for pat, rep in _DUCK_REWRITES:
        out = re.sub(pat, rep, out, flags=re.S)
    out = re.sub(r"CAST\(\((clusters\.cluster_repo_center|c\.centers\[s\.repo_name\])\)",
                 r"CAST(\1 AS DOUBLE)", out)
    if re.search(r"X(MAP1|MAPRC|SLICE|TOPR|FLOAT)|JSON_OBJECT|_TABLE_SUFFIX|@", out):
        sys.exit(f"their {name}.sql has text this script does not know how to translate:\n{out}")
    return out


def their_window(con: Any, sql: dict[str, str], P: Params, max_iter: int = 10) -> list[dict]:
    """Their run_chunk + agg_results on table `stargazers`; -> their cluster rows."""
    args = {"delta_t": P.delta_t_seconds, "rho": P.lockstep_rho, "m": P.lockstep_m,
            "n": P.lockstep_n, "relaxed_m": P.top_keep, "min_stars_copycatch_seed": P.lockstep_n}

    def run(name: str, out: str) -> int:
        q = sql[name]
        used = {k: v for k, v in args.items() if re.search(rf"\${k}\b", q)}
        con.execute(f"CREATE OR REPLACE TEMP TABLE _next AS {q}", used)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT * FROM _next")
        return con.execute(f"SELECT COUNT(*) FROM {out}").fetchone()[0]

    run("stg_initial_centers", "centers")
    n_prev = -1
    for _ in range(max_iter):
        n_users = run("map_users", "users")
        if n_users == n_prev:
            break
        n_prev = n_users
        run("reduce_centers", "centers")
    rows = con.execute(sql["agg_results"], {"m": args["m"], "n": args["n"]}).fetchall()
    return [{"seed": r[0], "cluster": list(r[1]), "actors": list(r[2])} for r in rows]


def their_clustered(con: Any, clusters: list[dict], P: Params) -> set[tuple[int, int]]:
    """summarize_results' filters: keep a cluster with >= m*rho repos that each have >= n
    stars (in the window, any time) by the cluster's actors; every actor of a kept cluster is
    then fake on every such repo; a fake (actor, repo) pair's star is clustered."""
    stars = {}
    for a, r in con.execute("SELECT actor, repo_name FROM stargazers").fetchall():
        stars.setdefault(r, set()).add(a)
    fake: dict[int, set[int]] = {}
    need = P.lockstep_m * P.lockstep_rho
    for c in clusters:
        if len(c["cluster"]) < need:
            continue
        actors = set(c["actors"])
        qual = [r for r in c["cluster"] if len(stars.get(r, set()) & actors) >= P.lockstep_n]
        if len(qual) < need:
            continue
        for r in qual:
            fake.setdefault(r, set()).update(actors)
    return {(a, r) for r, actors in fake.items() for a in actors & stars.get(r, set())}


def compare(store: Path, starscout_dir: Path, sampling: bool, P: Params) -> dict[str, Any]:
    sql = {q: _their_sql(starscout_dir, q, sampling) for q in QUERIES}
    con = Store(store).connect()
    detect_run._prepare_stars(con, None, None)
    t0 = time.perf_counter()
    lockstep.run(con, P)
    t_ours = time.perf_counter() - t0
    ours = set(con.execute("SELECT DISTINCT actor_id, repo_id FROM _det_ls_edges").fetchall())
    theirs: set[tuple[int, int]] = set()
    t0 = time.perf_counter()
    n_clusters = 0
    for win_start, win_end in con.execute(
            "SELECT win_start, win_end FROM _det_ls_windows ORDER BY win").fetchall():
        con.execute("""CREATE OR REPLACE TEMP TABLE stargazers AS
            SELECT actor_id AS actor, repo_id AS repo_name, starred_at FROM _det_stars
            WHERE starred_at >= ? AND starred_at < ?""", [win_start, win_end])
        clusters = their_window(con, sql, P)
        n_clusters += len(clusters)
        theirs |= their_clustered(con, clusters, P)
    t_theirs = time.perf_counter() - t0
    both = ours & theirs
    union = ours | theirs
    return {"store": str(store), "ours": len(ours), "theirs": len(theirs), "both": len(both),
            "only_ours": len(ours - theirs), "only_theirs": len(theirs - ours),
            "jaccard": round(len(both) / len(union), 4) if union else 1.0,
            "their_clusters": n_clusters, "seconds_ours": round(t_ours, 1),
            "seconds_theirs": round(t_theirs, 1)}


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--starscout-dir", required=True, type=Path,
                    help="a checkout of github.com/hehao98/StarScout")
    ap.add_argument("--sampling", action="store_true",
                    help="keep their 20%% TABLESAMPLE in the reduce (default: off)")
    ap.add_argument("stores", nargs="+", type=Path)
    a = ap.parse_args(argv)
    if not (a.starscout_dir / "scripts" / "copycatch" / "queries").is_dir():
        sys.exit(f"{a.starscout_dir} is not a StarScout checkout (no scripts/copycatch/queries)")
    P = Params()
    print(f"{'store':<24} {'ours':>7} {'theirs':>7} {'both':>7} {'only ours':>9} "
          f"{'only theirs':>11} {'jaccard':>7}")
    for s in a.stores:
        r = compare(s, a.starscout_dir, a.sampling, P)
        print(f"{r['store']:<24} {r['ours']:>7} {r['theirs']:>7} {r['both']:>7} "
              f"{r['only_ours']:>9} {r['only_theirs']:>11} {r['jaccard']:>7}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
