"""Score a detection run against a simulated world's truth (`starscope evaluate`).

Stars are matched as (account, repo) pairs: detection reports each pair once, however many
times the account starred the repo. Campaign repos in the truth are those whose true fake
stars satisfy the campaign rule (with the store's own star counts), so an evasive campaign
that stays below the rule is scored for its stars, not as a missed campaign.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from starscope.errors import UsageError
from starscope.store import Store


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate(world_dir: Path, store: Store, params: Any = None) -> dict[str, Any]:
    truth = Path(world_dir) / "truth"
    for name in ("fake_stars.csv", "accounts.csv"):
        if not (truth / name).exists():
            raise UsageError(f"{truth / name} not found: is {world_dir} a `starscope simulate` world?")
    m = store.manifest()
    if not m.get("results"):
        raise UsageError(f"no detection results in {store.root}: run `starscope detect` first")
    from starscope.detect.params import Params

    p = params or Params()
    con = store.connect(m)
    con.execute(
        "CREATE TEMP TABLE truth AS SELECT DISTINCT actor_id, repo_id, campaign_id, kind "
        "FROM read_csv(?, header = true, all_varchar = false)",
        [str(truth / "fake_stars.csv")],
    )
    con.execute(
        "CREATE TEMP TABLE roles AS SELECT actor_id, role FROM read_csv(?, header = true)",
        [str(truth / "accounts.csv")],
    )
    con.execute("CREATE TEMP TABLE found AS SELECT DISTINCT actor_id, repo_id FROM results.suspected_stars")
    tp, fp, fn = con.execute(
        """SELECT
             count(*) FILTER (WHERE t.actor_id IS NOT NULL AND f.actor_id IS NOT NULL),
             count(*) FILTER (WHERE t.actor_id IS NULL),
             count(*) FILTER (WHERE f.actor_id IS NULL)
           FROM (SELECT DISTINCT actor_id, repo_id FROM truth) t
           FULL JOIN found f USING (actor_id, repo_id)"""
    ).fetchone()
    by_kind = {}
    for kind, fake, hit in con.execute(
        """SELECT kind, count(*), count(f.actor_id) FROM
             (SELECT DISTINCT actor_id, repo_id, kind FROM truth) t
           LEFT JOIN found f USING (actor_id, repo_id) GROUP BY kind ORDER BY kind"""
    ).fetchall():
        by_kind[kind] = {"fake_stars": fake, "detected": hit, "recall": _ratio(hit, fake)}
    fp_roles = {
        role or "unknown": n
        for role, n in con.execute(
            """SELECT r.role, count(*) FROM found f
               LEFT JOIN (SELECT DISTINCT actor_id, repo_id FROM truth) t USING (actor_id, repo_id)
               LEFT JOIN roles r USING (actor_id)
               WHERE t.actor_id IS NULL GROUP BY 1 ORDER BY 1"""
        ).fetchall()
    }
    # Truth campaign repos: the campaign rule over the true fake stars.
    true_campaigns = {
        r[0]
        for r in con.execute(
            """WITH s AS (
                 SELECT repo_id, actor_id, min(starred_at) AS t FROM stars GROUP BY ALL),
               lab AS (
                 SELECT s.repo_id, strftime(s.t, '%Y-%m') AS month,
                        (tr.actor_id IS NOT NULL) AS fake
                 FROM s LEFT JOIN (SELECT DISTINCT actor_id, repo_id FROM truth) tr
                   USING (actor_id, repo_id)),
               months AS (
                 SELECT repo_id, month, count(*) AS n, count(*) FILTER (WHERE fake) AS f
                 FROM lab GROUP BY ALL),
               repos AS (SELECT repo_id, sum(n) AS n, sum(f) AS f FROM months GROUP BY ALL)
               SELECT DISTINCT m.repo_id FROM months m JOIN repos r USING (repo_id)
               WHERE m.f >= ? AND m.f >= ? * m.n AND r.f >= ? * r.n""",
            [p.campaign_month_min_suspected, p.campaign_month_min_share, p.campaign_repo_min_share],
        ).fetchall()
    }
    found_campaigns = {
        r[0] for r in con.execute("SELECT DISTINCT repo_id FROM results.campaigns").fetchall()
    }
    ctp = len(true_campaigns & found_campaigns)
    con.close()
    return {
        "world": str(world_dir),
        "store": str(store.root),
        "profile": (m["results"].get("meta") or {}).get("profile"),
        "stars": {
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
            "true_positives": tp,
            "false_positives": fp,
            "false_negatives": fn,
        },
        "by_kind": by_kind,
        "false_positives_by_role": fp_roles,
        "campaigns": {
            "precision": _ratio(ctp, len(found_campaigns)),
            "recall": _ratio(ctp, len(true_campaigns)),
            "true": len(true_campaigns),
            "found": len(found_campaigns),
            "true_positives": ctp,
        },
    }
