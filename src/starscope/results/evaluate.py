"""Score a detection run against a simulated world's truth (`starscope evaluate`).

Stars are matched as (account, repo) pairs: detection reports each pair once, however many
times the account starred the repo. Campaign repos in the truth are those whose true fake
stars satisfy the campaign rule (with the store's own star counts: >= 50 in a month), so a
campaign that stays below the rule is scored for its stars, not as a missed campaign; the
truth's ``slow`` campaigns (drips) are scored separately against the ``slow_campaign`` rows of
``campaigns``. False positives are broken down by the organic source the account belongs to
(``cover`` = a fake account's genuine star on a repo it was not paid for).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from starscope.errors import UsageError
from starscope.store import Store


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


# an account's true role -> the organic source its false-positive stars come from
_SOURCE = {"cohort": "cohort", "viral": "viral newcomer", "oneoff": "one-off", "community": "community",
           "crowd": "crowd", "hackathon": "hackathon", "organic": "other organic"}
_FAKE_ROLES = ("throwaway", "farm", "rotating", "ghost", "slow", "evasive",
               # the adversarial world's (docs/adversary.md)
               "camouflaged", "paced", "one_shot", "sitting", "diluted", "seasoned")


def evaluate(world_dir: Path, store: Store, params: Any = None) -> dict[str, Any]:
    truth = Path(world_dir) / "truth"
    for name in ("fake_stars.csv", "accounts.csv"):
        if not (truth / name).exists():
            raise UsageError(f"{truth / name} not found: is {world_dir} a `starscope simulate` world?")
    m = store.snapshot()
    if not m.has_results:
        raise UsageError(f"no detection results in {store.root}: run `starscope detect` first")
    from starscope.detect.params import Params

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
    stars = _star_scores(con)
    campaigns = _campaign_scores(con, truth, params or Params())
    warnings = _looks_like(con, truth, stars.pop("_fake_in_store"))
    con.close()
    return {"world": str(world_dir), "store": str(store.root),
            "profile": m.results_profile, **stars, **campaigns,
            "warnings": warnings}


def _star_scores(con: Any) -> dict[str, Any]:
    """Star precision/recall, recall by campaign kind, false positives by role and source."""
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
    fp_source: dict[str, int] = {}
    for role, n in fp_roles.items():
        src = "cover" if role in _FAKE_ROLES else _SOURCE.get(role, role)
        fp_source[src] = fp_source.get(src, 0) + n
    return {
        "stars": {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn),
                  "true_positives": tp, "false_positives": fp, "false_negatives": fn},
        "by_kind": by_kind,
        "false_positives_by_role": fp_roles,
        "false_positives_by_source": dict(sorted(fp_source.items())),
        "_fake_in_store": tp + fn,
    }


def _true_campaigns(con: Any, p: Any) -> set[int]:
    """Truth campaign repos: the campaign rule over the true fake stars."""
    return {
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


def _truth_repos(con: Any, path: Path) -> dict[str, set[int]]:
    """Repo ids of each kind named in a truth file (by name, as the archive spelled it)."""
    names = _repo_ids(con)
    out: dict[str, set[int]] = {}
    if path.exists():
        for row in _csv_rows(path):
            for n in (row.get("repo_names") or "").split(";"):
                if n in names:
                    out.setdefault(row["kind"], set()).add(names[n])
    return out


def _campaign_scores(con: Any, truth: Path, p: Any) -> dict[str, Any]:
    """Campaign precision/recall (the monthly rule) and slow campaigns (drips)."""
    true_campaigns = _true_campaigns(con, p)
    # DESCRIBE: (column_name, column_type, ...): a store without `kind` has only campaigns
    columns = {r[0] for r in con.execute("DESCRIBE results.campaigns").fetchall()}
    kind_col = "kind" if "kind" in columns else "'campaign'"
    found_rows = con.execute(f"SELECT DISTINCT repo_id, {kind_col} FROM results.campaigns").fetchall()
    found_campaigns = {r for r, k in found_rows if k != "slow_campaign"}
    found_slow = {r for r, k in found_rows if k == "slow_campaign"}
    ctp = len(true_campaigns & found_campaigns)
    truth_repos = _truth_repos(con, truth / "campaigns.csv")
    neg_repos = _truth_repos(con, truth / "negatives.csv")
    fake_repos = set().union(*truth_repos.values()) if truth_repos else set()
    slow_true = truth_repos.get("slow", set()) - true_campaigns
    return {
        "campaigns": {
            "precision": _ratio(ctp, len(found_campaigns)),
            "recall": _ratio(ctp, len(true_campaigns)),
            "true": len(true_campaigns),
            "found": len(found_campaigns),
            "true_positives": ctp,
            "by_kind": {k: {"true": len(v & true_campaigns), "found": len(v & true_campaigns & found_campaigns)}
                        for k, v in sorted(truth_repos.items())},
            "on_organic_repos": {k: len(v & found_campaigns - fake_repos) for k, v in sorted(neg_repos.items())},
        },
        "slow_campaigns": {
            "precision": _ratio(len(found_slow & fake_repos), len(found_slow)),
            "recall": _ratio(len(slow_true & (found_slow | found_campaigns)), len(slow_true)),
            "true": len(slow_true),
            "found": len(found_slow),
            "true_positives": len(found_slow & fake_repos),
        },
    }


def _csv_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _repo_ids(con: Any) -> dict[str, int]:
    return {n: r for r, n in con.execute(
        "SELECT repo_id, repo_name FROM stars GROUP BY ALL").fetchall()}


def _looks_like(con: Any, truth: Path, n_fake_in_store: int) -> list[str]:
    """Warnings when the store does not hold the world being evaluated (then every figure is
    meaningless: precision 0, recall 0 or None)."""
    import json

    out = []
    n_truth = con.execute("SELECT count(*) FROM (SELECT DISTINCT actor_id, repo_id FROM truth)").fetchone()[0]
    in_store = con.execute("""SELECT count(*) FROM (SELECT DISTINCT actor_id, repo_id FROM truth) t
        WHERE EXISTS (SELECT 1 FROM stars s WHERE s.actor_id = t.actor_id AND s.repo_id = t.repo_id)""").fetchone()[0]
    if n_truth == 0:
        out.append(f"the world {truth.parent} has no fake stars: precision and recall are undefined")
    elif in_store < 0.9 * n_truth:
        out.append(f"the store does not look like the world {truth.parent}: only {in_store:,} of its "
                   f"{n_truth:,} fake stars are in the store (ingest this world's archive into a fresh store)")
    else:
        try:
            want = json.loads((truth / "world.json").read_text()).get("stars")
        except (OSError, ValueError):
            want = None
        have = con.execute("SELECT count(*) FROM stars").fetchone()[0]
        if want and abs(have - want) > 0.1 * want:
            out.append(f"the store holds {have:,} stars but the world {truth.parent} has {want:,}: "
                       "it may hold other data too, and precision counts its stars")
    return out

