"""One account's answer: its recorded activity, whether and why it is suspected, its farms and
the repos it starred with them. ``account_answer(store, login)`` is the dict
`starscope account --format json` prints and the web service serves."""
from __future__ import annotations

import re
from typing import Any

from starscope.store import Snapshot, Store
from starscope.store import sql as store_sql
from starscope.store.schema import TYPE_COUNT_COLUMNS

from .repo import NotFound, _rows, detection_of, has_results, open_store

STARRED_LIMIT = 200
_ID = re.compile(r"\d{1,19}")

# The account_activity view's facts for one account: the same merge as the view
# (starscope.store.sql), over that account's account_months rows only, so one account's
# answer does not merge every account's months.
_ONE = "(SELECT * FROM account_months WHERE actor_id = $aid)"
ACTIVITY_SQL = f"""
WITH per_month AS ({store_sql.merge_partials("month, actor_id", _ONE)}),
whole AS ({store_sql.merge_partials("actor_id", "per_month",
                                    "sum(bit_count(p.days))::INTEGER AS n_days")})
SELECT w.first_at, w.last_at, w.n_events, w.n_days,
  {store_sql._distinct_count("w.more_times", "w.first_at", "w.last_at")} AS n_times,
  {store_sql._distinct_count("w.more_repos", "w.repo_min", "w.repo_max")} AS n_repos,
  {store_sql._distinct_count("w.more_orgs", "w.org_min", "w.org_max")} AS n_orgs,
  {", ".join("w." + c for c in TYPE_COUNT_COLUMNS)}
FROM whole w
"""


def resolve_account(con, login_or_id: str | int) -> tuple[int, list[dict[str, Any]]]:
    """(account id, logins newest first). A login is tried first (logins may be all digits),
    then an account id. A GitHub URL of the account is accepted too."""
    from starscope.results.repo import from_github_url

    key = from_github_url(str(login_or_id), 1)
    hit = None
    if not isinstance(login_or_id, int):
        hit = con.execute(
            "SELECT actor_id FROM actor_logins WHERE lower(actor_login) = lower(?) "
            "GROUP BY actor_id ORDER BY max(last_seen) DESC, actor_id LIMIT 1", [key]).fetchone()
    if hit is None and not isinstance(login_or_id, int):  # its current login, from its profile
        hit = con.execute("SELECT actor_id FROM account_profiles WHERE lower(actor_login) = lower(?) "
                          "ORDER BY actor_id LIMIT 1", [key]).fetchone()
    if hit is None and _ID.fullmatch(key) and int(key) < 2**63:
        hit = con.execute("SELECT actor_id FROM actor_logins WHERE actor_id = ? LIMIT 1",
                          [int(key)]).fetchone()
    if hit is None:
        raise NotFound(f"account {key!r} is not in the store")
    logins = _rows(con, "SELECT actor_login AS login, min(first_seen) AS first_seen, "
                        "max(last_seen) AS last_seen FROM actor_logins WHERE actor_id = ? "
                        "GROUP BY actor_login ORDER BY last_seen DESC, login", [hit[0]])
    return hit[0], logins


def account_answer(store: Store | str, login: str | int, *, con=None,
                   snapshot: Snapshot | None = None) -> dict[str, Any]:
    """What the store says about one account (the `account` command's JSON)."""
    con, m, owned = open_store(store, con, snapshot)
    try:
        from starscope.results.coverage import coverage, months_between, period_capture

        ans = _answer(con, m, login)
        act = ans["activity"] or {}
        # The capture of the months the account was active in: its recorded activity (and so
        # the low-activity signature's view of it) is only as complete as the archive.
        ans["coverage"] = period_capture(coverage(store, con=con, snapshot=m),
                                         months_between(act.get("first_at"), act.get("last_at")))
        return ans
    finally:
        if owned:
            con.close()


def _answer(con, m: Snapshot, login) -> dict[str, Any]:
    actor_id, logins = resolve_account(con, login)
    act = _rows(con, ACTIVITY_SQL, {"aid": actor_id})
    prof = _rows(con, "SELECT actor_login AS login, type, created_at, public_repos, followers "
                      "FROM account_profiles WHERE actor_id = ? LIMIT 1", [actor_id])
    activity = None
    if act:
        a = act[0]
        activity = {k: a[k] for k in ("first_at", "last_at", "n_events", "n_days", "n_times",
                                      "n_repos", "n_orgs")}
        activity["by_type"] = {c.removeprefix("n_"): a[c] for c in TYPE_COUNT_COLUMNS if a[c]}
        activity["capped"] = "n_times, n_repos and n_orgs count up to 3 (3 means 3 or more)"
    analysed = has_results(m)
    sus = None
    farms: list[dict[str, Any]] = []
    if analysed:
        r = _rows(con, "SELECT * FROM results.accounts WHERE actor_id = ?", [actor_id])
        sus = r[0] if r else None
        farms = _rows(con, """
            WITH mine AS (
                SELECT unnest(farm_ids) AS farm_id, repo_name
                FROM results.suspected_stars WHERE actor_id = ?)
            SELECT f.farm_id, f.window_label AS window, f.window_start, f.window_end,
                   f.n_accounts, f.n_repos, f.n_stars,
                   list(DISTINCT mine.repo_name ORDER BY mine.repo_name) AS repos_starred
            FROM results.farms f JOIN mine USING (farm_id)
            GROUP BY ALL ORDER BY f.farm_id""", [actor_id])
    sus_join = ("LEFT JOIN results.suspected_stars x ON x.actor_id = s.actor_id "
                "AND x.repo_id = s.repo_id" if analysed else
                "LEFT JOIN (SELECT NULL::BIGINT AS actor_id, NULL::BOOLEAN AS low_activity, "
                "NULL::BOOLEAN AS clustered, NULL::BOOLEAN AS in_campaign, "
                "NULL::VARCHAR AS reasons WHERE false) x ON x.actor_id = s.actor_id")
    starred = _rows(con, f"""
        WITH s AS (SELECT actor_id, repo_id, min(starred_at) AS starred_at,
                          arg_max(repo_name, starred_at) AS repo
                   FROM stars WHERE actor_id = ? GROUP BY actor_id, repo_id)
        SELECT s.repo, s.repo_id, s.starred_at, x.actor_id IS NOT NULL AS suspected,
               coalesce(x.low_activity, false) AS low_activity,
               coalesce(x.clustered, false) AS clustered,
               coalesce(x.in_campaign, false) AS in_campaign, x.reasons
        FROM s {sus_join} ORDER BY s.starred_at, s.repo_id LIMIT {STARRED_LIMIT}""",
                   [actor_id])
    n_starred = con.execute("SELECT count(DISTINCT repo_id) FROM stars WHERE actor_id = ?",
                            [actor_id]).fetchone()[0]
    if not analysed:
        verdict, reason = "not_analysed", "no detection results in the store: run `starscope detect`"
    elif sus:
        verdict, reason = "suspected", sus["reasons"]
    elif n_starred:
        verdict, reason = "not_suspected", "none of its stars matches a signature"
    else:
        verdict, reason = "not_suspected", "it starred no repository in the store"
    return {
        "login": logins[0]["login"],
        "account_id": actor_id,
        "logins": logins,
        "activity": activity,
        "profile": prof[0] if prof else None,  # from GitHub's API (`starscope github`), if read
        "suspected": bool(sus),
        "signatures": {"low_activity": bool(sus and sus["low_activity"]),
                       "clustered": bool(sus and sus["clustered"])},
        "signals": _signals(sus),
        "stars": {"total": n_starred, "suspected": sus["n_suspected"] if sus else 0,
                  "in_campaign_repos": sus["n_campaign_repos"] if sus else 0},
        "farms": farms,
        "starred": starred,
        "verdict": verdict,
        "verdict_reason": reason,
        "detection": detection_of(m) if analysed else None,
    }


def _signals(sus: dict | None) -> list[str]:
    """The signals its suspected stars have (results older than the ``signals`` column: the
    two StarScout flags)."""
    if not sus:
        return []
    if sus.get("signals") is not None:
        return list(sus["signals"])
    return [name for name, flag in (("lockstep", sus["clustered"]),
                                    ("low-activity", sus["low_activity"])) if flag]
