"""The study's headline table for the archive ingested (the `overview` command)."""
from __future__ import annotations

from typing import Any

from starscope.errors import UsageError
from starscope.store import Store

#: ``by_day`` is filled when the archive spans at most this many months (charts show days)
DAYS_MAX_MONTHS = 3


def overview(store: Store) -> dict[str, Any]:
    """Suspected stars (low-activity, clustered, both), repos, accounts and campaign repos;
    and by month: suspected stars, the share of repos with >= 50 stars that month that had a
    campaign month, and the share of active accounts that starred as suspected accounts."""
    m = store.manifest()
    if not m.get("results"):
        raise UsageError(f"no detection results in {store.root}: run `starscope detect` first")
    con = store.connect(m)
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
    all_stars = con.execute("SELECT count(*) FROM stars").fetchone()[0]
    months = con.execute(
        """WITH rm AS (
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
    ).fetchall()
    from starscope.results.coverage import coverage, thresholds_note

    cov = coverage(store, con=con, manifest=m)
    cap = {mo["month"]: mo for mo in cov["months"]}
    from starscope.results.repo import signals_sql

    signals = {sig: n for sig, n in con.execute(f"""
        SELECT sig, count(*) FROM (SELECT unnest({signals_sql(con)}) AS sig
                                   FROM results.suspected_stars)
        GROUP BY sig ORDER BY count(*) DESC, sig""").fetchall()}
    # Days, for charts of an archive too short for months to show a shape.
    by_day = con.execute(
        """WITH st AS (SELECT strftime(starred_at, '%Y-%m-%d') AS day, count(*) AS stars
                       FROM stars GROUP BY 1),
                sus AS (SELECT strftime(starred_at, '%Y-%m-%d') AS day, count(*) AS suspected
                        FROM results.suspected_stars GROUP BY 1)
           SELECT st.day, st.stars, coalesce(sus.suspected, 0)
           FROM st LEFT JOIN sus USING (day) ORDER BY st.day"""
    ).fetchall() if len(months) <= DAYS_MAX_MONTHS else []
    con.close()

    def share(a: int, b: int) -> float | None:
        return round(a / b, 6) if b else None

    return {
        "profile": (m["results"].get("meta") or {}).get("profile"),
        "stars": all_stars,
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
        "coverage": {"star_capture": cov["star_capture"],
                     "degraded_months": cov["degraded_months"],
                     "missing_hours": len(cov["missing_hours"]),
                     "degraded_below": cov["degraded_below"],
                     "note": thresholds_note(min((mo["star_capture"] for mo in cov["months"]),
                                                 default=None))},
        # suspected stars per signal (a star can have several; docs/detection*.md)
        "signals": signals,
        "by_day": [{"day": d, "stars": n, "suspected_stars": int(k)} for d, n, k in by_day],
        "by_month": [
            {
                "month": mo,
                "stars": stars,
                "suspected_stars": int(sus),
                "low_activity_stars": int(la),
                "clustered_stars": int(cl),
                "repos_50_stars": r50,
                "repos_50_stars_with_campaign": c50,
                "share_repos_with_campaign": share(c50, r50),
                "active_accounts": active,
                "suspected_active_accounts": sacc,
                "share_active_accounts_suspected": share(sacc, active),
                "star_capture": (cap.get(mo) or {}).get("star_capture"),
                "degraded": bool((cap.get(mo) or {}).get("degraded")),
            }
            for mo, stars, sus, la, cl, r50, c50, active, sacc in months
        ],
    }
