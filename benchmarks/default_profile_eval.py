"""Score the `default` and `starscout` detection profiles against simulated worlds' truth.

    python benchmarks/default_profile_eval.py WORLD:STORE [WORLD:STORE ...] [--json]

Each WORLD is a `starscope simulate` output folder, STORE a store made by `starscope ingest
WORLD/archive --store STORE`. Runs the starscout stages of detection once, then
`default_profile.run`, in one connection, and prints both profiles' star precision/recall
overall and by campaign kind, and false positives by true role (the same counting as
`starscope evaluate`).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from starscope.detect import default_profile, low_activity, lockstep
from starscope.detect import run as detect_run
from starscope.detect.params import Params
from starscope.store import Store


def detect_both(con: Any, params: Params = Params(),
                dparams: default_profile.DefaultParams | None = None) -> None:
    """Leave `_eval_starscout(actor_id, repo_id)` and `_det_default_susp` in `con`."""
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, params)
    lockstep.run(con, params, None)
    con.execute("""CREATE OR REPLACE TEMP TABLE _eval_starscout AS
        SELECT actor_id, repo_id FROM _det_la_stars UNION SELECT actor_id, repo_id FROM _det_ls_edges""")
    default_profile.run(con, dparams)


def score(con: Any, world: Path, table: str) -> dict[str, Any]:
    truth = Path(world) / "truth"
    con.execute("CREATE OR REPLACE TEMP TABLE _eval_truth AS SELECT DISTINCT actor_id, repo_id, kind "
                "FROM read_csv(?, header = true)", [str(truth / "fake_stars.csv")])
    con.execute("CREATE OR REPLACE TEMP TABLE _eval_roles AS SELECT actor_id, role "
                "FROM read_csv(?, header = true)", [str(truth / "accounts.csv")])
    con.execute(f"CREATE OR REPLACE TEMP TABLE _eval_found AS SELECT DISTINCT actor_id, repo_id FROM {table}")
    tp, fp, fn = con.execute("""SELECT
        count(*) FILTER (WHERE t.actor_id IS NOT NULL AND f.actor_id IS NOT NULL),
        count(*) FILTER (WHERE t.actor_id IS NULL), count(*) FILTER (WHERE f.actor_id IS NULL)
        FROM (SELECT DISTINCT actor_id, repo_id FROM _eval_truth) t
        FULL JOIN _eval_found f USING (actor_id, repo_id)""").fetchone()
    kinds = {k: {"fake": n, "found": h, "recall": round(h / n, 3) if n else None}
             for k, n, h in con.execute("""SELECT kind, count(*), count(f.actor_id)
                 FROM _eval_truth t LEFT JOIN _eval_found f USING (actor_id, repo_id)
                 GROUP BY kind ORDER BY kind""").fetchall()}
    fp_roles = dict(con.execute("""SELECT coalesce(r.role, 'unknown'), count(*) FROM _eval_found f
        LEFT JOIN _eval_truth t USING (actor_id, repo_id) LEFT JOIN _eval_roles r USING (actor_id)
        WHERE t.actor_id IS NULL GROUP BY 1 ORDER BY 1""").fetchall())
    return {"tp": tp, "fp": fp, "fn": fn,
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
            "by_kind": kinds, "fp_by_role": fp_roles}


def evaluate(world: Path, store: Path) -> dict[str, Any]:
    con = Store(store).connect()
    detect_both(con)
    return {"world": str(world), "starscout": score(con, world, "_eval_starscout"),
            "default": score(con, world, "_det_default_susp")}


def main(argv: list[str]) -> None:
    as_json = "--json" in argv
    out = []
    for arg in (a for a in argv if a != "--json"):
        world, store = arg.split(":", 1)
        out.append(evaluate(Path(world), Path(store)))
    if as_json:
        print(json.dumps(out, indent=1))
        return
    for r in out:
        for prof in ("starscout", "default"):
            x = r[prof]
            kinds = "  ".join(f"{k} {v['found']}/{v['fake']}={v['recall']}" for k, v in x["by_kind"].items())
            print(f"{r['world']:<14} {prof:<9} P={x['precision']} R={x['recall']} "
                  f"(tp {x['tp']} fp {x['fp']} fn {x['fn']})  {kinds}  FP {x['fp_by_role']}")


if __name__ == "__main__":
    main(sys.argv[1:])
