"""The detection run: stars -> signatures -> campaigns -> result tables.

``run_detection(con, ...)`` needs the relations ``stars``, ``account_activity`` (and, for
later profiles, ``events``) in the DuckDB connection ``con`` and leaves the result tables in it
(temporary tables; see docs/detection.md for their columns).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable

from starscope.errors import UsageError
from starscope.store.schema import EARLIEST_EVENT, LATE_MARGIN

from . import _sql, campaigns, default_profile, lockstep, low_activity
from ._sql import create
from .params import Params
from .profiles import PROFILES, Profile  # noqa: F401 (PROFILES: the old import path)
from .profiles import get as get_profile

#: export name -> table name left in the connection.
RESULT_TABLES: dict[str, str] = {
    "suspected_stars": "detect_suspected_stars",
    "campaigns": "detect_campaigns",
    "repo_months": "detect_repo_months",
    "farms": "detect_farms",
    "accounts": "detect_accounts",
}

#: The lockstep cache (export name -> table left in the connection with ``keep_cache``): each
#: window's fingerprint, valid clusters and clustered stars. Stored with the results, so the
#: next run recomputes only the windows whose input changed (docs/detection.md).
CACHE_TABLES: dict[str, str] = {
    "lockstep_windows": "detect_lockstep_windows",
    "lockstep_clusters": "detect_lockstep_clusters",
    "lockstep_edges": "detect_lockstep_edges",
}

_BASE = ("_det_stars", "_det_susp", "_det_repo_name", "_det_actor_login", "_det_star_farms",
         "_det_sig_rows", "_det_star_farm_rows")


def run_detection(
    con: Any,
    *,
    profile: str = "starscout",
    params: Params = Params(),
    since: dt.date | dt.datetime | str | None = None,
    until: dt.date | dt.datetime | str | None = None,
    progress: Callable[[str], None] | None = None,
    default_params: Any = None,
    keep_cache: bool = False,
    reuse_cache: dict[str, str] | None = None,
    stats: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Run detection; return {export_name: table_name} of the result tables left in ``con``.

    ``since`` (inclusive) and ``until`` (exclusive) restrict the stars considered (by the
    time of an account's first star on a repo); account activity is always the whole store's.
    The same input always gives the same rows (ORDER BY the tables' keys when reading them).

    ``keep_cache``: also leave the lockstep cache tables (CACHE_TABLES) in ``con``.
    ``reuse_cache``: {export name in CACHE_TABLES: relation} of a previous run's cache; its
    windows whose fingerprint is unchanged are reused, not computed (same result). ``stats``,
    if given, gets ``{"lockstep_windows": {"reused": n, "computed": n}}``.
    """
    prof = get_profile(profile)
    own = prof.own_params(default_params)
    lo, hi = _as_ts(since, "since"), _as_ts(until, "until")
    if lo is not None and hi is not None and lo >= hi:
        raise UsageError(f"--since ({lo}) must be before --until ({hi})")

    def stage(name: str) -> None:
        if progress is not None:
            progress(name)

    intermediates = (_BASE + low_activity.OUTPUTS + lockstep.OUTPUTS + lockstep.INTERMEDIATE
                     + campaigns.OUTPUTS + default_profile.OUTPUTS + ("_det_score",)
                     + default_profile.SLOW_OUTPUTS)
    try:
        stage("stars")
        _prepare_stars(con, lo, hi)
        stage("low-activity")
        low_activity.run(con, params)
        stage("lockstep")
        context = None
        if keep_cache or reuse_cache:
            # Everything besides a window's stars that its lockstep result may depend on.
            context = json.dumps({"profile": profile, "params": params.to_dict(),
                                  "since": lo.isoformat() if lo else None,
                                  "until": hi.isoformat() if hi else None}, sort_keys=True)
        reuse = None
        if reuse_cache:
            reuse = {"windows": reuse_cache["lockstep_windows"],
                     "clusters": reuse_cache["lockstep_clusters"],
                     "edges": reuse_cache["lockstep_edges"]}
        ls = lockstep.run(con, params, progress, cache_context=context, reuse=reuse)
        if stats is not None:
            stats["lockstep_windows"] = ls
        if keep_cache:
            C = CACHE_TABLES
            create(con, C["lockstep_windows"], """
                SELECT w.win, w.win_start, w.win_end, w.label, f.fingerprint
                FROM _det_ls_windows w JOIN _det_ls_fp f ON f.win = w.win""")
            create(con, C["lockstep_clusters"], "SELECT * FROM _det_ls_clusters")
            create(con, C["lockstep_edges"], "SELECT * FROM _det_ls_edges")
        if prof.signals is not None:
            stage(f"{prof.name} profile")
            prof.signals(con, own)
        stage("campaigns")
        _suspected(con, prof)
        campaigns.run(con, params)
        # campaigns below the monthly rule (drips): only where the profile has the notion
        default_profile.slow_campaigns(con, own if prof.slow_campaigns else None,
                                       enabled=prof.slow_campaigns)
        stage("results")
        _results(con, prof)
    finally:
        _sql.drop(con, intermediates)
    return dict(RESULT_TABLES)


def _as_ts(v: dt.date | dt.datetime | str | None, what: str) -> dt.datetime | None:
    if v is None:
        return None
    if isinstance(v, str):
        try:
            v = dt.datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"{what}: not an ISO date or time: {v!r}") from None
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    raise UsageError(f"{what}: expected a date or time, got {type(v).__name__}")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def _prepare_stars(con: Any, lo: dt.datetime | None, hi: dt.datetime | None) -> None:
    """One row per (actor, repo): its first star (earliest time, then smallest event id).
    Deduplicate over the whole store first, then restrict to [since, until): a repeated star
    inside the range of a star made before it is not a new star."""
    conds = ["rn = 1"]
    # Stars outside the times GH Archive can hold are ignored: ingest quarantines them, but a
    # store made before it did may hold one, and one star dated 9999 (or 1970) would stretch
    # the lockstep windows' span beyond what datetime can hold (or what is worth computing).
    conds.append(f"starred_at >= {_sql.ts(EARLIEST_EVENT)}")
    conds.append(f"starred_at <= {_sql.ts(_now() + LATE_MARGIN)}")
    if lo is not None:
        conds.append(f"starred_at >= {_sql.ts(lo)}")
    if hi is not None:
        conds.append(f"starred_at < {_sql.ts(hi)}")
    create(con, "_det_stars", f"""
        WITH ranked AS (
            SELECT event_id, starred_at, repo_id, actor_id,
                   ROW_NUMBER() OVER (
                       PARTITION BY actor_id, repo_id ORDER BY starred_at, event_id) AS rn
            FROM stars
            WHERE actor_id IS NOT NULL AND repo_id IS NOT NULL AND starred_at IS NOT NULL)
        SELECT event_id, starred_at, repo_id, actor_id FROM ranked
        WHERE {' AND '.join(conds)}""")


def _suspected(con: Any, profile: Profile) -> None:
    """The suspected (actor, repo) stars, the signals each one has, and each one's score and
    reasons (the default profile's own; for starscout, filled in by _results).

    ``low_activity`` and ``clustered`` are true exactly when the star's ``signals`` hold
    'low-activity' and 'lockstep' (for the default profile: those of its signals that fired,
    so the flags, the signal list and the reasons always tell the same story)."""
    create(con, "_det_score", profile.score_sql)
    create(con, "_det_sig_rows", profile.signal_rows_sql)
    create(con, "_det_susp", """
        SELECT actor_id, repo_id,
               MAX(CASE WHEN signal = 'low-activity' THEN 1 ELSE 0 END) = 1 AS low_activity,
               MAX(CASE WHEN signal = 'lockstep' THEN 1 ELSE 0 END) = 1 AS clustered,
               LIST(DISTINCT signal ORDER BY signal) AS signals
        FROM _det_sig_rows GROUP BY actor_id, repo_id""")


def _star_farms(con: Any, profile: Profile) -> None:
    """Each suspected star's farms, as ids and as readable text (which farms: the profile's
    ``star_farm_rows_sql``)."""
    create(con, "_det_star_farm_rows", profile.star_farm_rows_sql)
    create(con, "_det_star_farms", """
        SELECT fe.actor_id, fe.repo_id,
               LIST(fe.farm_id ORDER BY fe.farm_id) AS farm_ids,
               STRING_AGG('lockstep farm F' || CAST(fe.farm_id AS VARCHAR)
                          || ' (window ' || f.window_label || ')', '; ' ORDER BY fe.farm_id)
                   AS farm_text
        FROM _det_star_farm_rows fe JOIN _det_ls_farms f ON f.farm_id = fe.farm_id
        GROUP BY fe.actor_id, fe.repo_id""")


def _results(con: Any, profile: Profile) -> None:
    """The result tables (RESULT_TABLES) from the stage tables."""
    _names(con)
    _star_farms(con, profile)
    _suspected_stars(con)
    _repo_months_and_campaigns(con)
    _farms(con)
    _accounts(con)


def _names(con: Any) -> None:
    # Names: the latest seen in `stars` (renames happen), for the ids the results mention.
    create(con, "_det_repo_name", """
        WITH r AS (
            SELECT repo_id, repo_name, ROW_NUMBER() OVER (
                PARTITION BY repo_id ORDER BY starred_at DESC, event_id DESC) AS rn
            FROM stars WHERE repo_id IN (SELECT repo_id FROM _det_susp))
        SELECT repo_id, repo_name FROM r WHERE rn = 1""")
    create(con, "_det_actor_login", """
        WITH a AS (
            SELECT actor_id, actor_login, ROW_NUMBER() OVER (
                PARTITION BY actor_id ORDER BY starred_at DESC, event_id DESC) AS rn
            FROM stars WHERE actor_id IN (SELECT actor_id FROM _det_susp))
        SELECT actor_id, actor_login FROM a WHERE rn = 1""")


def _suspected_stars(con: Any) -> None:
    create(con, RESULT_TABLES["suspected_stars"], """
        SELECT s.repo_id, rn.repo_name, s.actor_id, al.actor_login, s.event_id, s.starred_at,
               f.low_activity, f.clustered,
               (c.repo_id IS NOT NULL) AS in_campaign,
               COALESCE(sf.farm_ids, CAST([] AS BIGINT[])) AS farm_ids,
               COALESCE(sc.score, CAST(1.0 AS DOUBLE)) AS score,
               COALESCE(sc.reasons,
                 CASE WHEN f.low_activity AND sf.farm_text IS NOT NULL
                          THEN 'low-activity account; ' || sf.farm_text
                      WHEN f.low_activity THEN 'low-activity account'
                      ELSE sf.farm_text END) AS reasons,
               f.signals
        FROM _det_susp f
        JOIN _det_stars s ON s.actor_id = f.actor_id AND s.repo_id = f.repo_id
        LEFT JOIN _det_repo_name rn ON rn.repo_id = f.repo_id
        LEFT JOIN _det_actor_login al ON al.actor_id = f.actor_id
        LEFT JOIN _det_campaigns c ON c.repo_id = f.repo_id
        LEFT JOIN _det_star_farms sf ON sf.actor_id = f.actor_id AND sf.repo_id = f.repo_id
        LEFT JOIN _det_score sc ON sc.actor_id = f.actor_id AND sc.repo_id = f.repo_id
        ORDER BY s.repo_id, s.starred_at, s.actor_id""")


def _repo_months_and_campaigns(con: Any) -> None:
    T = RESULT_TABLES
    create(con, T["repo_months"], """
        SELECT m.repo_id, rn.repo_name, m.month, m.stars, m.suspected, m.low_activity,
               m.clustered, CAST(m.suspected AS DOUBLE) / m.stars AS share, m.anomalous,
               (c.repo_id IS NOT NULL) AS in_campaign
        FROM _det_repo_months m
        LEFT JOIN _det_repo_name rn ON rn.repo_id = m.repo_id
        LEFT JOIN _det_campaigns c ON c.repo_id = m.repo_id
        ORDER BY m.repo_id, m.month""")
    create(con, T["campaigns"], """
        WITH am AS (
            SELECT repo_id, LIST(month ORDER BY month) AS anomalous_months
            FROM _det_repo_months WHERE anomalous GROUP BY repo_id),
        acc AS (
            SELECT repo_id, COUNT(*) AS n_suspected_accounts FROM _det_susp GROUP BY repo_id)
        SELECT c.repo_id, rn.repo_name, am.anomalous_months, c.n_anomalous_months,
               c.first_anomalous_month, c.last_anomalous_month,
               c.stars, c.suspected, c.low_activity, c.clustered, c.share,
               acc.n_suspected_accounts, 'campaign' AS kind
        FROM _det_campaigns c
        JOIN am ON am.repo_id = c.repo_id
        JOIN acc ON acc.repo_id = c.repo_id
        LEFT JOIN _det_repo_name rn ON rn.repo_id = c.repo_id
        UNION ALL
        -- slow campaigns: no anomalous month (below the monthly rule), still mostly suspected
        SELECT c.repo_id, rn.repo_name, CAST([] AS VARCHAR[]), CAST(0 AS BIGINT),
               CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR),
               c.stars, c.suspected, c.low_activity, c.clustered, c.share,
               acc.n_suspected_accounts, 'slow_campaign' AS kind
        FROM _det_slow_campaigns c
        JOIN acc ON acc.repo_id = c.repo_id
        LEFT JOIN _det_repo_name rn ON rn.repo_id = c.repo_id
        ORDER BY repo_id""")


def _farms(con: Any) -> None:
    create(con, RESULT_TABLES["farms"], """
        WITH fa AS (
            SELECT e.farm_id, COUNT(DISTINCT e.actor_id) AS n_accounts,
                   COUNT(DISTINCT e.repo_id) AS n_repos, COUNT(*) AS n_stars
            FROM _det_ls_farm_edges e GROUP BY e.farm_id),
        fr AS (
            SELECT x.farm_id, LIST(x.repo_id ORDER BY x.repo_id) AS repo_ids,
                   LIST(rn.repo_name ORDER BY x.repo_id) AS repos
            FROM (SELECT DISTINCT farm_id, repo_id FROM _det_ls_farm_edges) x
            LEFT JOIN _det_repo_name rn ON rn.repo_id = x.repo_id
            GROUP BY x.farm_id),
        fu AS (
            SELECT x.farm_id, LIST(x.actor_id ORDER BY x.actor_id) AS account_ids,
                   LIST(al.actor_login ORDER BY x.actor_id) AS accounts
            FROM (SELECT DISTINCT farm_id, actor_id FROM _det_ls_farm_edges) x
            LEFT JOIN _det_actor_login al ON al.actor_id = x.actor_id
            GROUP BY x.farm_id)
        SELECT f.farm_id, f.window_label, f.win_start AS window_start,
               f.win_end AS window_end, fa.n_accounts, fa.n_repos, fa.n_stars,
               f.n_seeds, f.seeds AS seed_repo_ids, fr.repo_ids, fr.repos,
               fu.account_ids, fu.accounts
        FROM _det_ls_farms f
        JOIN fa ON fa.farm_id = f.farm_id
        JOIN fr ON fr.farm_id = f.farm_id
        JOIN fu ON fu.farm_id = f.farm_id
        ORDER BY f.farm_id""")


def _accounts(con: Any) -> None:
    create(con, RESULT_TABLES["accounts"], """
        WITH st AS (SELECT actor_id, COUNT(*) AS n_stars FROM _det_stars GROUP BY actor_id),
        sp AS (
            SELECT f.actor_id, COUNT(*) AS n_suspected,
                   SUM(CASE WHEN f.low_activity THEN 1 ELSE 0 END) AS n_low_activity,
                   SUM(CASE WHEN f.clustered THEN 1 ELSE 0 END) AS n_clustered,
                   SUM(CASE WHEN c.repo_id IS NOT NULL THEN 1 ELSE 0 END) AS n_campaign_repos
            FROM _det_susp f LEFT JOIN _det_campaigns c ON c.repo_id = f.repo_id
            GROUP BY f.actor_id),
        fl AS (
            SELECT x.actor_id, LIST(x.farm_id ORDER BY x.farm_id) AS farm_ids,
                   STRING_AGG('lockstep farm F' || CAST(x.farm_id AS VARCHAR)
                              || ' (window ' || x.window_label || ')', '; '
                              ORDER BY x.farm_id) AS farm_text
            FROM (SELECT DISTINCT e.actor_id, e.farm_id, f.window_label
                  FROM _det_star_farm_rows e JOIN _det_ls_farms f ON f.farm_id = e.farm_id) x
            GROUP BY x.actor_id),
        sg AS (SELECT actor_id, LIST(DISTINCT signal ORDER BY signal) AS signals
               FROM _det_sig_rows GROUP BY actor_id)
        , dr AS (SELECT actor_id, MIN(reasons) AS reasons FROM _det_score GROUP BY actor_id)
        SELECT sp.actor_id, al.actor_login,
               (sp.n_low_activity > 0) AS low_activity,
               (sp.n_clustered > 0) AS clustered,
               st.n_stars, CAST(sp.n_suspected AS BIGINT) AS n_suspected,
               CAST(sp.n_low_activity AS BIGINT) AS n_low_activity,
               CAST(sp.n_clustered AS BIGINT) AS n_clustered,
               CAST(sp.n_campaign_repos AS BIGINT) AS n_campaign_repos,
               COALESCE(fl.farm_ids, CAST([] AS BIGINT[])) AS farm_ids,
               COALESCE(dr.reasons,
                 CASE WHEN sp.n_low_activity > 0 AND fl.farm_text IS NOT NULL
                          THEN 'low-activity account; ' || fl.farm_text
                      WHEN sp.n_low_activity > 0 THEN 'low-activity account'
                      ELSE fl.farm_text END) AS reasons,
               sg.signals
        FROM sp
        JOIN sg ON sg.actor_id = sp.actor_id
        LEFT JOIN dr ON dr.actor_id = sp.actor_id
        JOIN st ON st.actor_id = sp.actor_id
        LEFT JOIN _det_actor_login al ON al.actor_id = sp.actor_id
        LEFT JOIN fl ON fl.actor_id = sp.actor_id
        ORDER BY sp.actor_id""")
