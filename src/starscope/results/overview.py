"""The study's headline table for the archive ingested (the `overview` command)."""
from __future__ import annotations

from typing import Any

from starscope.errors import UsageError
from starscope.store import Snapshot, Store

#: ``by_day`` is filled when the archive spans at most this many months (charts show days)
DAYS_MAX_MONTHS = 3

_MONTHS_SQL = """
    WITH rm AS (
      SELECT month, sum(stars) AS stars, sum(suspected) AS suspected,
             sum(low_activity) AS low_activity, sum(clustered) AS clustered,
             count(*) FILTER (WHERE stars >= 50) AS repos_50,
             count(*) FILTER (WHERE stars >= 50 AND anomalous AND in_campaign)
               AS campaign_repos_50
      FROM results.repo_months GROUP BY month),
    act AS (
      SELECT month, count(DISTINCT actor_id) AS active FROM account_months GROUP BY month),
    sus AS (
      SELECT strftime(starred_at, '%Y-%m') AS month, count(DISTINCT actor_id) AS accounts
      FROM results.suspected_stars GROUP BY 1),
    st AS (
      SELECT strftime(starred_at, '%Y-%m') AS month, count(*) AS stars
      FROM stars GROUP BY 1)
    SELECT act.month, coalesce(st.stars, 0), coalesce(rm.suspected, 0),
           coalesce(rm.low_activity, 0), coalesce(rm.clustered, 0),
           coalesce(rm.repos_50, 0), coalesce(rm.campaign_repos_50, 0),
           act.active, coalesce(sus.accounts, 0)
    FROM act LEFT JOIN rm USING (month) LEFT JOIN sus USING (month)
    LEFT JOIN st USING (month)
    ORDER BY act.month"""

# Days, for charts of an archive too short for months to show a shape.
_DAYS_SQL = """
    WITH st AS (SELECT strftime(starred_at, '%Y-%m-%d') AS day, count(*) AS stars
                FROM stars GROUP BY 1),
         sus AS (SELECT strftime(starred_at, '%Y-%m-%d') AS day, count(*) AS suspected
                 FROM results.suspected_stars GROUP BY 1)
    SELECT st.day, st.stars, coalesce(sus.suspected, 0)
    FROM st LEFT JOIN sus USING (day) ORDER BY st.day"""


def overview(store: Store, *, con=None, snapshot: Snapshot | None = None) -> dict[str, Any]:
    """Suspected stars (low-activity, clustered, both), repos, accounts and campaign repos;
    and by month: suspected stars, the share of repos with >= 50 stars that month that had a
    campaign month, and the share of active accounts that starred as suspected accounts.
    ``con``/``snapshot``: answer over that committed state (as the other answers do)."""
    from starscope.results.repo import open_store

    snap = snapshot if snapshot is not None else store.snapshot()
    if not snap.has_results:
        raise UsageError(f"no detection results in {store.root}: run `starscope detect` first")
    con, snap, owned = open_store(store, con, snap)
    try:
        from starscope.results.coverage import coverage

        months = con.execute(_MONTHS_SQL).fetchall()
        by_day = con.execute(_DAYS_SQL).fetchall() if len(months) <= DAYS_MAX_MONTHS else []
        cov = coverage(store, con=con, snapshot=snap)
        return {"profile": snap.results_profile, **_counts(con), "coverage": _coverage(cov),
                # suspected stars per signal (a star can have several; docs/detection*.md)
                "signals": _signals(con),
                "by_day": [{"day": d, "stars": n, "suspected_stars": int(k)} for d, n, k in by_day],
                "by_month": _by_month(months, cov)}
    finally:
        if owned:
            con.close()


def _counts(con) -> dict[str, Any]:
    """The headline counts: suspected stars by signature, campaigns and their accounts."""
    total = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE low_activity),
                  count(*) FILTER (WHERE clustered),
                  count(*) FILTER (WHERE low_activity AND clustered),
                  count(DISTINCT repo_id), count(DISTINCT actor_id)
           FROM results.suspected_stars"""
    ).fetchone()
    # The study's headline counts campaigns by its monthly rule; the default profile's slow
    # campaigns (drips below it, kind = 'slow_campaign') are counted apart.
    has_kind = "kind" in {r[0] for r in con.execute("DESCRIBE results.campaigns").fetchall()}
    study = "WHERE kind = 'campaign'" if has_kind else ""
    camp = con.execute(
        f"""SELECT count(*), coalesce(sum(suspected), 0) FROM results.campaigns {study}"""
    ).fetchone()
    slow = con.execute("SELECT count(*) FROM results.campaigns WHERE kind = 'slow_campaign'"
                       ).fetchone()[0] if has_kind else 0
    camp_accounts = con.execute(
        f"""SELECT count(DISTINCT s.actor_id) FROM results.suspected_stars s
           JOIN (SELECT repo_id FROM results.campaigns {study}) c USING (repo_id)"""
    ).fetchone()[0]
    return {
        "stars": con.execute("SELECT count(*) FROM stars").fetchone()[0],
        "suspected_stars": total[0],
        "low_activity_stars": total[1],
        "clustered_stars": total[2],
        "both_signatures_stars": total[3],
        "repos_with_suspected_stars": total[4],
        "suspected_accounts": total[5],
        "campaign_repos": camp[0],
        "campaign_suspected_stars": int(camp[1]),
        "campaign_accounts": camp_accounts,
        "slow_campaign_repos": slow,
    }


def _signals(con) -> dict[str, int]:
    from starscope.results.repo import signals_sql

    return {sig: n for sig, n in con.execute(f"""
        SELECT sig, count(*) FROM (SELECT unnest({signals_sql(con)}) AS sig
                                   FROM results.suspected_stars)
        GROUP BY sig ORDER BY count(*) DESC, sig""").fetchall()}


def _coverage(cov: dict[str, Any]) -> dict[str, Any]:
    from starscope.results.coverage import thresholds_note

    return {"star_capture": cov["star_capture"],
            "degraded_months": cov["degraded_months"],
            "missing_hours": len(cov["missing_hours"]),
            "degraded_below": cov["degraded_below"],
            "note": thresholds_note(min((mo["star_capture"] for mo in cov["months"]
                                         if mo["star_capture"] is not None), default=None))}


def _share(a: int, b: int) -> float | None:
    return round(a / b, 6) if b else None


def _by_month(months: list[tuple], cov: dict[str, Any]) -> list[dict[str, Any]]:
    cap = {mo["month"]: mo for mo in cov["months"]}
    return [
        {
            "month": mo,
            "stars": stars,
            "suspected_stars": int(sus),
            "low_activity_stars": int(la),
            "clustered_stars": int(cl),
            "repos_50_stars": r50,
            "repos_50_stars_with_campaign": c50,
            "share_repos_with_campaign": _share(c50, r50),
            "active_accounts": active,
            "suspected_active_accounts": sacc,
            "share_active_accounts_suspected": _share(sacc, active),
            "star_capture": (cap.get(mo) or {}).get("star_capture"),
            "degraded": bool((cap.get(mo) or {}).get("degraded")),
        }
        for mo, stars, sus, la, cl, r50, c50, active, sacc in months
    ]


def most_suspicious(store: Store, limit: int = 8) -> list[dict[str, Any]]:
    """The repos with the most suspected stars in the latest detection run (suspected > 0),
    by suspected stars then name: repo_id, repo, stars, suspected, campaign, and one
    suspected star's reasons (``why``)."""
    con = store.connect(store.snapshot())
    try:
        rows = con.execute(
            """SELECT rm.repo_id, rm.repo_name, sum(rm.stars) AS stars,
                      sum(rm.suspected) AS suspected, bool_or(rm.in_campaign) AS campaign,
                      (SELECT min(s.reasons) FROM results.suspected_stars s
                       WHERE s.repo_id = rm.repo_id) AS why
               FROM results.repo_months rm GROUP BY rm.repo_id, rm.repo_name
               HAVING sum(rm.suspected) > 0
               ORDER BY suspected DESC, rm.repo_name LIMIT ?""", [int(limit)]).fetchall()
    finally:
        con.close()
    keys = ("repo_id", "repo", "stars", "suspected", "campaign", "why")
    return [dict(zip(keys, r)) for r in rows]


def most_suspicious_repo_id(store: Store) -> int | None:
    """The repo with the most suspected stars (ties: the smallest id), or None."""
    con = store.connect(store.snapshot())
    try:
        top = con.execute("SELECT repo_id FROM results.repo_months GROUP BY repo_id "
                          "ORDER BY sum(suspected) DESC, repo_id LIMIT 1").fetchone()
    finally:
        con.close()
    return top[0] if top else None
