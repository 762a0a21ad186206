"""One repository's answer: its stars, the suspected ones, campaigns, farms and a verdict.

``repo_answer(store, name_or_id)`` is the dict `starscope check --format json` prints; the
report and the web service render the same dict. A repo is found by id, or by any name it
ever had (case-insensitively), so a renamed repo answers under its old and new names.
Every query is parameterised: names never enter SQL text.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from starscope.errors import StarscopeError
from starscope.names import from_github_url  # noqa: F401 - also imported from here
from starscope.store import Snapshot, Store

#: rows of suspected stars listed as evidence (the totals count all of them)
EVIDENCE_LIMIT = 200
#: bins of the account-id histogram (account ids grow with account age)
ID_BINS = 24
#: verdict ``mostly_suspected`` (docs/answers.md): at least this many suspected stars ...
MOSTLY_MIN_SUSPECTED = 10
#: ... making at least this share of the repository's stars
MOSTLY_MIN_SHARE = 0.5
#: verdicts, most serious first; ``check --fail-on campaign`` exits 4 on the first two
VERDICTS = ("campaign", "mostly_suspected", "some_suspected", "clean", "insufficient_data", "no_stars",
            "not_analysed")
#: readable names of the signals a suspected star can have (docs/detection*.md)
SIGNAL_LABELS = {
    "low-activity": "low-activity accounts", "lockstep": "lockstep farm (clustered)",
    "bulk": "bulk-created accounts", "starfork": "star+fork minutes apart",
    "farm-reach": "accounts of a lockstep farm", "costar": "co-star group of thin accounts",
    "reuse": "accounts reused across bursts", "burst": "in a burst of reused accounts",
    "overlap": "shared audience with other promoted repos", "fresh": "accounts new at their star",
    "created-together": "accounts registered together (profiles)",
    "hollow": "stars nobody else engages with (hollow popularity)",
    "hollow-burst": "a burst of stars nobody else engages with (hollow burst)",
    "drip": "accounts of a pool that drips on several repos nobody engages with",
    "drip-rest": "in a drip from such a pool",
    "paired": "starred in one sitting with one other repo by nearly all of both (paired order)",
}
FAIL_ON = {"campaign": ("campaign", "mostly_suspected"),
           "suspected": ("campaign", "mostly_suspected", "some_suspected")}


class NotFound(StarscopeError):
    """No such repository or account in the store (the CLI exits 3, the web answers 404)."""


def _iso(v: Any) -> Any:
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return v


def _share(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _rows(con, sql: str, params: list[Any] | dict[str, Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [{c: _iso(v) for c, v in zip(cols, row)} for row in cur.fetchall()]


def open_store(store: Store | str, con=None, snapshot: Snapshot | None = None):
    """(con, snapshot, owned): a connection over one committed state of the store (given
    ``con`` must be a connection over ``snapshot``)."""
    if not isinstance(store, Store):
        store = Store(store)
    if con is not None:
        return con, snapshot if snapshot is not None else store.snapshot(), False
    if not store.exists():
        raise StarscopeError(f"no store at {store.root} (run `starscope ingest` first)")
    snap = snapshot if snapshot is not None else store.snapshot()
    return store.connect(snap), snap, True


def has_results(snapshot: Snapshot | None) -> bool:
    return snapshot is not None and snapshot.has_results


def detection_of(snapshot: Snapshot) -> dict[str, Any]:
    """An answer's ``detection`` key: which run the answer's results come from."""
    return {"profile": snapshot.results_profile, "store_commit": snapshot.commit}


_ID = re.compile(r"\d{1,19}")


def signals_sql(con) -> str:
    """SQL for a suspected star's signal list; results written before the ``signals`` column
    existed give it from the two StarScout flags."""
    cols = {r[0] for r in con.execute("DESCRIBE results.suspected_stars").fetchall()}
    if "signals" in cols:
        return "signals"
    return ("list_filter([CASE WHEN clustered THEN 'lockstep' END, "
            "CASE WHEN low_activity THEN 'low-activity' END], lambda x: x IS NOT NULL)")


def resolve_repo(con, name_or_id: str | int) -> tuple[int, str, list[dict[str, Any]]]:
    """(repo_id, latest name, names with first/last seen) or NotFound. A GitHub URL of the
    repository is accepted too."""
    key = from_github_url(str(name_or_id), 2)
    repo_id = None
    if isinstance(name_or_id, int) or _ID.fullmatch(key):
        if int(key) < 2**63:
            hit = con.execute("SELECT repo_id FROM repo_names WHERE repo_id = ? LIMIT 1",
                              [int(key)]).fetchone()
            repo_id = hit[0] if hit else None
    else:
        # A name can pass from one repo to another (rename, then a new repo takes the old
        # name): the repo that had it most recently wins.
        hit = con.execute(
            "SELECT repo_id FROM repo_names WHERE lower(repo_name) = lower(?) "
            "GROUP BY repo_id ORDER BY max(last_seen) DESC, repo_id LIMIT 1", [key]).fetchone()
        repo_id = hit[0] if hit else None
    if repo_id is None:
        raise NotFound(f"repository {key!r} is not in the store")
    names = _rows(con, "SELECT repo_name AS name, min(first_seen) AS first_seen, "
                       "max(last_seen) AS last_seen FROM repo_names WHERE repo_id = ? "
                       "GROUP BY repo_name ORDER BY last_seen DESC, name", [repo_id])
    return repo_id, names[0]["name"], names


def _verdict(total: int, suspected: int, campaign_months: list[str], analysed: bool,
             share: float | None, slow: bool = False) -> tuple[str, str]:
    if not analysed:
        return "not_analysed", "no detection results in the store: run `starscope detect`"
    if total == 0:
        return "no_stars", "no stars recorded for this repository"
    pct = f"{100 * (share or 0):.1f}%"
    if campaign_months:
        months = ", ".join(campaign_months)
        return ("campaign", f"{suspected:,} of {total:,} stars ({pct}) are suspected, "
                            f"anomalous month(s) {months}")
    if slow:
        # a drip: the default profile's slow_campaign, below the monthly rule by design
        return ("mostly_suspected", f"slow campaign: {suspected:,} of {total:,} stars ({pct}) "
                                    f"are suspected, spread so that no month reaches the "
                                    f"campaign rule")
    if suspected >= MOSTLY_MIN_SUSPECTED and suspected >= MOSTLY_MIN_SHARE * total:
        return ("mostly_suspected", f"{suspected:,} of {total:,} stars ({pct}) are suspected: "
                                    f"most of its stars, though no single month reaches the "
                                    f"campaign rule")
    if suspected:
        return ("some_suspected", f"{suspected:,} of {total:,} stars ({pct}) are suspected, "
                                  f"below the campaign rule")
    if total == 1:
        return "clean", "its one star is not suspected"
    return "clean", f"none of its {total:,} stars is suspected"


def repo_answer(store: Store | str, name_or_id: str | int, *, con=None,
                snapshot: Snapshot | None = None) -> dict[str, Any]:
    """What the store says about one repository (the `check` command's JSON)."""
    con, snap, owned = open_store(store, con, snapshot)
    try:
        from starscope.results.coverage import coverage

        return _answer(con, snap, name_or_id, coverage(store, con=con, snapshot=snap))
    finally:
        if owned:
            con.close()


def _stars_table(con, repo_id: int, analysed: bool) -> None:
    """``_ans_stars``: the repo's stargazers, one row each, with what detection said."""
    sus_rel = ("(SELECT actor_id, actor_login, starred_at, low_activity, clustered, farm_ids, "
               f"reasons, {signals_sql(con)} AS signals FROM results.suspected_stars "
               "WHERE repo_id = $rid)") if analysed else (
               "(SELECT NULL::BIGINT AS actor_id, NULL::VARCHAR AS actor_login, "
               "NULL::TIMESTAMP AS starred_at, NULL::BOOLEAN AS low_activity, "
               "NULL::BOOLEAN AS clustered, NULL::BIGINT[] AS farm_ids, NULL::VARCHAR AS reasons, "
               "NULL::VARCHAR[] AS signals WHERE false)")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ans_stars AS
        WITH s AS (SELECT actor_id, min(starred_at) AS t FROM stars
                   WHERE repo_id = $rid AND actor_id IS NOT NULL GROUP BY actor_id),
        sus AS {sus_rel}
        SELECT s.actor_id, s.t, strftime(s.t, '%Y-%m') AS month,
               sus.actor_id IS NOT NULL AS suspected,
               coalesce(sus.low_activity, false) AS low_activity,
               coalesce(sus.clustered, false) AS clustered,
               coalesce(sus.farm_ids, []::BIGINT[]) AS farm_ids,
               coalesce(sus.signals, []::VARCHAR[]) AS signals,
               sus.actor_login, sus.reasons, sus.starred_at
        FROM s LEFT JOIN sus USING (actor_id)""", {"rid": repo_id})


def _campaign_months_and_farms(con, repo_id: int, name: str):
    """(anomalous months, campaign months, farms with stars here, whether the repo is a slow
    campaign) of the latest run."""
    anomalous = {r[0] for r in con.execute(
        "SELECT month FROM results.repo_months WHERE repo_id = ? AND anomalous",
        [repo_id]).fetchall()}
    # `kind` ('campaign' | 'slow_campaign') came with the default profile: results written
    # before it have none, and all their rows are campaigns.
    cols = {c[0] for c in con.execute("DESCRIBE results.campaigns").fetchall()}
    kind = "kind" if "kind" in cols else "'campaign'"
    row = con.execute(f"SELECT anomalous_months, {kind} FROM results.campaigns "
                      "WHERE repo_id = ?", [repo_id]).fetchone()
    campaign_months = list(row[0] or []) if row else []
    slow = bool(row) and row[1] == "slow_campaign"
    farms = _rows(con, """
        WITH here AS (SELECT f AS farm_id, count(*) AS stars_here
                      FROM (SELECT unnest(farm_ids) AS f FROM _ans_stars) GROUP BY f)
        SELECT f.farm_id, f.window_label AS window, f.window_start, f.window_end,
               f.n_accounts, f.n_repos, f.n_stars, here.stars_here,
               list_filter(f.repos, lambda x: x IS DISTINCT FROM $name) AS other_repos
        FROM results.farms f JOIN here USING (farm_id)
        ORDER BY here.stars_here DESC, f.farm_id""", {"name": name})
    return anomalous, campaign_months, farms, slow


def _evidence(con) -> list[dict[str, Any]]:
    """The first EVIDENCE_LIMIT suspected stars, by time; account_created_at: when the
    account was registered, where its profile was read."""
    return _rows(con, f"""
        SELECT a.actor_login AS login, a.actor_id AS account_id, a.starred_at, a.low_activity,
               a.clustered, a.farm_ids, a.signals, a.reasons,
               p.created_at AS account_created_at
        FROM _ans_stars a LEFT JOIN (SELECT actor_id, min(created_at) AS created_at
                                     FROM account_profiles GROUP BY actor_id) p
          ON p.actor_id = a.actor_id
        WHERE a.suspected ORDER BY a.starred_at, a.actor_id
        LIMIT {EVIDENCE_LIMIT}""", [])


def _answer(con, m: Snapshot, name_or_id, cov: dict | None = None) -> dict[str, Any]:
    repo_id, name, names = resolve_repo(con, name_or_id)
    analysed = has_results(m)
    _stars_table(con, repo_id, analysed)
    try:
        by_month = _rows(con, """
            SELECT month, count(*) AS stars, count(*) FILTER (WHERE suspected) AS suspected,
                   count(*) FILTER (WHERE low_activity) AS low_activity,
                   count(*) FILTER (WHERE clustered) AS clustered
            FROM _ans_stars GROUP BY month ORDER BY month""", [])
        by_day = _rows(con, """
            SELECT strftime(t, '%Y-%m-%d') AS day, count(*) AS stars,
                   count(*) FILTER (WHERE suspected) AS suspected
            FROM _ans_stars GROUP BY day ORDER BY day""", [])
        anomalous, campaign_months, farms, slow = (
            _campaign_months_and_farms(con, repo_id, name) if analysed
            else (set(), [], [], False))
        campaign_set = set(campaign_months)
        for r in by_month:
            r["real"] = r["stars"] - r["suspected"]
            r["anomalous"] = r["month"] in anomalous
            r["campaign"] = r["month"] in campaign_set
        total = sum(r["stars"] for r in by_month)
        suspected = sum(r["suspected"] for r in by_month)
        la = sum(r["low_activity"] for r in by_month)
        cl = sum(r["clustered"] for r in by_month)
        share = _share(suspected, total)
        campaigns = [{"month": r["month"], "stars": r["stars"], "suspected": r["suspected"]}
                     for r in by_month if r["month"] in campaign_set]
        signals = {sig: n for sig, n in con.execute("""
            SELECT sig, count(*) FROM (SELECT unnest(signals) AS sig FROM _ans_stars)
            GROUP BY sig ORDER BY count(*) DESC, sig""").fetchall()}
        evidence = _evidence(con)
        ids = _account_ids(con)
        verdict, reason = _verdict(total, suspected, campaign_months, analysed, share, slow)
        period = _coverage_of(by_month, cov)
        verdict, reason = _coverage_verdict(verdict, reason, by_month, period)
    finally:
        con.execute("DROP TABLE IF EXISTS _ans_stars")
    return {
        "repo": name,
        "repo_id": repo_id,
        "names": names,
        "stars": {"total": total, "suspected": suspected, "low_activity": la, "clustered": cl,
                  "real": total - suspected, "signals": signals},
        "share_suspected": share,
        "campaigns": campaigns,
        "slow_campaign": slow,
        "farms": farms,
        "by_month": by_month,
        "by_day": by_day,
        "account_ids": ids,
        "evidence": evidence,
        "evidence_total": suspected,
        "verdict": verdict,
        "verdict_reason": reason,
        "coverage": period,
        "detection": detection_of(m) if analysed else None,
    }


#: a campaign verdict yields to insufficient_data when at least this share of the stars fall
#: in degraded months (any other verdict yields when any star does)
INSUFFICIENT_CAMPAIGN_SHARE = 0.5


def _coverage_of(by_month: list[dict[str, Any]], cov: dict | None) -> dict[str, Any] | None:
    """The archive's star capture over the months this repo has stars in."""
    if cov is None:
        return None
    from starscope.results.coverage import period_capture

    return period_capture(cov, [r["month"] for r in by_month if r["stars"]])


def _coverage_verdict(verdict: str, reason: str, by_month: list[dict[str, Any]],
                      period: dict | None) -> tuple[str, str]:
    """insufficient_data when the repo's stars fall in degraded months: there the archive
    holds too few of the stars for the thresholds to mean what they say, so a clean (or any
    weaker) verdict would claim what the data cannot show. A finding (campaign,
    mostly_suspected) made in well-covered months stands unless most stars lie in degraded ones."""
    if period is None or verdict in ("not_analysed", "no_stars") or not period["degraded_months"]:
        return verdict, reason
    bad = set(period["degraded_months"])
    total = sum(r["stars"] for r in by_month)
    in_bad = sum(r["stars"] for r in by_month if r["month"] in bad)
    if not in_bad or (verdict in ("campaign", "mostly_suspected")
                      and in_bad < INSUFFICIENT_CAMPAIGN_SHARE * total):
        return verdict, reason
    caps = ", ".join(f"{r['month']} " + (f"{100 * r['star_capture']:.0f}%"
                                         if r["star_capture"] is not None else "unknown")
                     for r in period["months"] if r["degraded"])
    return ("insufficient_data",
            f"{in_bad:,} of its {total:,} stars fall in months where the archive recorded only "
            f"part of GitHub's stars ({caps}): too little to judge (without that: {verdict}: "
            f"{reason})")


def _account_ids(con) -> dict[str, Any]:
    """The spread of the stargazers' account ids (a proxy of account age: ids grow over
    time), suspected against the others: quantiles and a shared histogram."""
    out: dict[str, Any] = {"bins": [], "suspected": None, "real": None}
    lo_hi = con.execute("SELECT min(actor_id), max(actor_id) FROM _ans_stars").fetchone()
    if lo_hi[0] is None:
        return out
    lo, hi = lo_hi
    for label, cond in (("suspected", "suspected"), ("real", "NOT suspected")):
        q = con.execute(
            f"SELECT count(*), quantile_disc(actor_id, [0.1, 0.25, 0.5, 0.75, 0.9]) "
            f"FROM _ans_stars WHERE {cond}").fetchone()
        if q[0]:
            p = q[1]
            out[label] = {"n": q[0], "p10": p[0], "p25": p[1], "p50": p[2], "p75": p[3],
                          "p90": p[4]}
    width = max(1, -(-(hi - lo + 1) // ID_BINS))
    counts = {b: (s, r) for b, s, r in con.execute(
        "SELECT (actor_id - ?) // ? AS b, count(*) FILTER (WHERE suspected), "
        "count(*) FILTER (WHERE NOT suspected) FROM _ans_stars GROUP BY b", [lo, width]
    ).fetchall()}
    nbins = int((hi - lo) // width) + 1
    out["bins"] = [{"from": lo + b * width, "to": lo + (b + 1) * width - 1,
                    "suspected": int(counts.get(b, (0, 0))[0]),
                    "real": int(counts.get(b, (0, 0))[1])} for b in range(nbins)]
    return out
