"""The explanation-consistency check, run on every simulated world the suite detects on."""
from __future__ import annotations

import re


_FARM_CITED = re.compile(r"farm F(\d+) \(")


def check_explanations(store) -> int:
    """Every suspected star's flags, signals, farm ids and reasons tell the same story, and the
    answers (check's) never contradict the rows they show. Called by every test fixture that
    builds a simulated world and detects on it. Returns the number of suspected stars checked
    (callers assert it is not 0 where their world must have some)."""
    import duckdb

    from starscope.results.repo import repo_answer

    m = store.manifest()
    tables = m["results"]["tables"]
    profile = m["results"]["meta"]["profile"]

    def rows(name, cols):
        rel = duckdb.sql(f"SELECT {cols} FROM read_parquet('{store.root / tables[name]}')")
        return rel.fetchall()

    farms = {r[0] for r in rows("farms", "farm_id")}
    stars = rows("suspected_stars",
                 "repo_id, actor_id, low_activity, clustered, farm_ids, reasons, signals")
    by_repo: dict = {}
    by_actor: dict = {}
    for repo_id, actor_id, la, cl, farm_ids, reasons, signals in stars:
        where = f"{profile}: star of account {actor_id} on repo {repo_id}: {reasons!r}"
        assert signals, where
        assert reasons, where
        assert la == ("low-activity" in signals), where
        assert cl == ("lockstep" in signals), where
        if la:
            assert "low-activity" in reasons, where
        cited = {int(x) for x in _FARM_CITED.findall(reasons)}
        assert cited == set(farm_ids), where
        assert set(farm_ids) <= farms, where
        if cl:
            assert farm_ids, where
        by_repo.setdefault(repo_id, []).append((la, cl, farm_ids))
        a = by_actor.setdefault(actor_id, [set(), set()])
        a[0].update(farm_ids)
        a[1].update(signals)
    for actor_id, la, cl, farm_ids, signals in rows(
            "accounts", "actor_id, low_activity, clustered, farm_ids, signals"):
        want_farms, want_signals = by_actor[actor_id]
        assert set(farm_ids) == want_farms and set(signals) == want_signals, actor_id
        assert la == ("low-activity" in signals) and cl == ("lockstep" in signals), actor_id
    # The answers shown to users (check, report, web) agree with the rows: a repo whose
    # evidence cites a farm lists that farm; per-signal counts add up; verdicts follow the rule.
    repos = sorted(by_repo)[:15] + sorted(by_repo, key=lambda r: -len(by_repo[r]))[:10]
    for repo_id in sorted(set(repos)):
        ans = repo_answer(store, repo_id)
        cited = {f for row in ans["evidence"] for f in row["farm_ids"]}
        assert cited <= {f["farm_id"] for f in ans["farms"]}, repo_id
        n = len(by_repo[repo_id])
        assert ans["stars"]["suspected"] == n, repo_id
        assert ans["stars"]["low_activity"] == sum(1 for r in by_repo[repo_id] if r[0])
        assert ans["stars"]["clustered"] == sum(1 for r in by_repo[repo_id] if r[1])
        assert max(ans["stars"]["signals"].values()) <= n
        assert sum(ans["stars"]["signals"].values()) >= n, repo_id
        share = ans["share_suspected"]
        # (insufficient_data: the rule's own exception when most stars lie in degraded months)
        if ans["verdict"] not in ("campaign", "mostly_suspected", "insufficient_data"):
            assert not (share >= 0.5 and n >= 10), (repo_id, ans["verdict"], share, n)
        if ans["verdict"] == "mostly_suspected":  # (a slow campaign may hold fewer than 10)
            assert share >= 0.5 and (n >= 10 or ans["slow_campaign"]), (repo_id, share, n)
    return len(stars)
