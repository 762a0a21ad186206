"""What the hollow-burst signal adds to the default profile on simulated worlds (written before
it was wired in: "default" now includes it; `default_profile_eval.py --ablation`'s
"without hollow-burst" is the profile without it).

    python benchmarks/hollow_burst_eval.py WORLD:STORE [WORLD:STORE ...] [--markdown]

Runs the default profile's signals as benchmarks/default_profile_eval.py does, then
`starscope.detect.hollow_burst`, and scores against the truth: star precision/recall of the
default profile, of hollow-burst alone, and of their union (what wiring it in as one more
signal would give), with recall by campaign kind (docs/adversary.md).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import default_profile_eval as E  # noqa: E402

from starscope.detect import hollow_burst  # noqa: E402
from starscope.store import Store  # noqa: E402


def evaluate(world: Path, store: Path) -> dict:
    con = Store(store).connect()
    E.detect_both(con)
    T = E._truth(con, world)
    hollow_burst.run(con)
    con.execute("CREATE OR REPLACE TEMP TABLE _hb_union AS SELECT actor_id, repo_id FROM _det_default_susp "
                "UNION SELECT actor_id, repo_id FROM _det_hollow_burst")
    summary = json.loads((Path(world) / "truth" / "world.json").read_text())
    out = {"seed": int(summary["seed"]), "days": int(summary["days"])}
    # which signals see each kind's fake stars (share of the kind's stars)
    out["seen_by"] = {}
    for kind, sig, n, tot in con.execute("""
            WITH t AS (SELECT DISTINCT actor_id, repo_id, kind FROM _eval_truth),
            s AS (SELECT actor_id, repo_id, signal FROM _eval_sig
                  UNION ALL SELECT actor_id, repo_id, 'hollow-burst' FROM _det_hollow_burst),
            n AS (SELECT kind, count(*) AS tot FROM t GROUP BY kind)
            SELECT t.kind, s.signal, count(DISTINCT (t.actor_id, t.repo_id)), n.tot
            FROM t JOIN s USING (actor_id, repo_id) JOIN n USING (kind) GROUP BY ALL ORDER BY ALL""").fetchall():
        out["seen_by"].setdefault(kind, {})[sig] = (n, tot)
    for name, table in (("default", "_det_default_susp"), ("hollow-burst", "_det_hollow_burst"),
                        ("default + hollow-burst", "_hb_union")):
        out[name] = E.score(con, table, T, False)
    con.close()
    return out


def main(argv: list[str]) -> None:
    res = [evaluate(Path(w), Path(s)) for w, s in (a.split(":", 1) for a in argv if not a.startswith("--"))]
    kinds = sorted({k for r in res for k in r["default"]["by_kind"]},
                   key=lambda k: E.KINDS.index(k) if k in E.KINDS else 99)
    print("| seed | days | detector | star P | star R | " + " | ".join(kinds)
          + " | campaigns P | campaigns R (true) | false positives by source |")
    print("|" + "---|" * (8 + len(kinds)))
    for r in res:
        for name in ("default", "hollow-burst", "default + hollow-burst"):
            x = r[name]
            ks = " | ".join(E._f(x["by_kind"][k]["recall"]) if k in x["by_kind"] else "" for k in kinds)
            fp = ", ".join(f"{k} {v:,}" for k, v in sorted(x["fp_by_source"].items())) or "—"
            c = x["campaigns"]
            print(f"| {E._seed(r['seed'])} | {r['days']} | {name} | {E._f(x['precision'])} | {E._f(x['recall'])} "
                  f"| {ks} | {E._f(c['precision'])} | {E._f(c['recall'])} ({c['true']}) | {fp} |")
    # per kind: the share of its fake stars each signal sees, over all the worlds given
    sigs = sorted({g for r in res for k in r["seen_by"].values() for g in k})
    tot: dict = {}
    for r in res:
        for k, d in r["seen_by"].items():
            t = tot.setdefault(k, {"_n": 0})
            t["_n"] += next(iter(d.values()))[1]
            for g, (n, _) in d.items():
                t[g] = t.get(g, 0) + n
    allk = {k for r in res for k in r["default"]["by_kind"]}
    for r in res:   # kinds no signal saw still count their stars
        for k in allk - set(r["seen_by"]):
            tot.setdefault(k, {"_n": 0})["_n"] += r["default"]["by_kind"][k]["fake"]
    print()
    print("| kind | fake stars | " + " | ".join(sigs) + " |")
    print("|" + "---|" * (2 + len(sigs)))
    for k in kinds:
        t = tot.get(k, {"_n": 0})
        print(f"| {k} | {t['_n']:,} | " + " | ".join(
            f"{t.get(g, 0) / t['_n']:.2f}" if t.get(g) else "·" for g in sigs) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
