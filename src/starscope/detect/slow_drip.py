"""Pools seen across the window: drips and paced orders (the default profile's `drip` signal).

A drip (docs/detection-default.md, known weaknesses) is a few dozen stars spread over weeks on a
repo nobody else works on. One such repo alone looks like a small genuine repo nobody forks:
hollow's order test (half of its stars within 72 h) lets it go, and it should. What a drip
cannot hide when its seller uses the same pool for more than one client is the pool: over the
whole window, the stargazers of two repos that nobody works on overlap far beyond chance, and
each shared account starred the two on different days (not one list read in one sitting). A
genuine small repo's stargazers are drawn from everyone; two such repos share a handful of
stargazers at most. A list's readers star in one sitting. A community co-starring niche repos
at its own pace shares them too: where the repo's stargazers include thin accounts it is not a
community (its members are active developers); where they do not (a seller's kept-alive accounts,
the adversarial ``paced`` kind), the pool's accounts are told from a community by what else they
star: a community's members share the ecosystem's popular repos (on the dev worlds >= 0.57 of a
niche pair's shared members star one same popular repo), a farm's cover stars are scattered
(<= 0.47). This module is also what was the ``pool`` signal (detect/hollow_pool.py): the same
fact, computed once.

    run(con, params=None, *, engaged=None)  # reads _det_stars (first star per account and repo),
                                            # events, account_activity
    -> TEMP TABLE _det_slow_drip(actor_id BIGINT, repo_id BIGINT, pooled BOOLEAN, reason VARCHAR)

A repo is *hollow* when it has >= ``min_stars`` stars and the accounts other than one (its
owner) with any non-star event on it are <= ``max_engaged_share`` x its stars. A star on a
hollow repo is a *candidate* when its account starred nothing else within ``sitting_minutes``.
Two hollow repos are *pooled* when >= ``min_shared`` accounts have candidate stars on both at
least ``min_gap_hours`` apart, and these accounts are >= ``min_pair_share`` of the smaller
repo's stars (a drip of a dozen stars from a farm's pool shares most of them with the farm's
big orders; by chance a small repo shares next to none; repos with > ``max_repo_stars`` stars
and accounts with > ``max_account_stars`` candidate stars make no pairs: cost). A pooled pair
is *not a community* when its shared accounts' most common star on a repo without candidate
stars is < ``max_common_share`` of them. A repo in a pooled pair whose candidate stars are >=
``min_accounts`` and >= ``min_repo_share`` of its stars is suspected: when >= ``min_thin_share``
of their accounts are thin (<= ``thin_max_other_events`` events that are not stars, whole store),
all its candidate stars are the signal's rows; otherwise, when it is in a pair that is not a
community, only the stars of the shared accounts of its pooled pairs. A row is ``pooled`` where the account is one of the shared
accounts of a pooled pair of this repo (the pool itself: it serves several clients) and not
where it only starred the repo (the rest of the drip, or a genuine star that came meanwhile). No burst, no tightness: the stars may come at any pace. Exact arithmetic on
integer seconds and counts; deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._hollow import hollow_repos_sql
from ._sql import create, drop, num

OUTPUTS = ("_det_slow_drip",)
INTERMEDIATE = ("_sd_cand", "_sd_pairs", "_sd_nc")


@dataclass(frozen=True)
class SlowDripParams:
    min_stars: int = 5
    max_engaged_share: float = 0.05
    sitting_minutes: int = 60
    min_shared: int = 5
    min_gap_hours: int = 12
    min_pair_share: float = 0.1
    max_repo_stars: int = 5000
    max_account_stars: int = 50
    min_accounts: int = 5
    min_repo_share: float = 0.5
    min_thin_share: float = 0.1
    thin_max_other_events: int = 1
    # kept-alive pools (no thin account) vs communities (dev worlds: farms <= 0.47, communities >= 0.57)
    max_common_share: float = 0.5


def run(con: Any, params: SlowDripParams | None = None, *, engaged: str | None = None) -> None:
    """``engaged``: the caller's table of engaged accounts per repo, covering every repo with
    >= ``min_stars`` stars, or None to count them from ``events`` (``_hollow.engaged_sql``)."""
    P = params or SlowDripParams()
    try:
        _candidates(con, P, engaged)
        _pairs(con, P)
        _not_community(con, P)
        _result(con, P)
    finally:
        drop(con, INTERMEDIATE)


def _candidates(con: Any, P: SlowDripParams, engaged: str | None) -> None:
    # hollow repos' stars outside sittings, with each account's count and thinness
    sit = int(P.sitting_minutes) * 60
    create(con, "_sd_cand", f"""
        WITH h AS ({hollow_repos_sql(engaged, P.min_stars, P.max_engaged_share)}),
        t AS (
            SELECT actor_id, repo_id, CAST(epoch(starred_at) AS BIGINT) AS e FROM _det_stars
            WHERE actor_id IN (SELECT x.actor_id FROM _det_stars x JOIN h ON h.repo_id = x.repo_id)),
        nb AS (
            SELECT actor_id, repo_id, e,
                   e - LAG(e) OVER (PARTITION BY actor_id ORDER BY e, repo_id) AS d_prev,
                   LEAD(e) OVER (PARTITION BY actor_id ORDER BY e, repo_id) - e AS d_next
            FROM t)
        SELECT nb.actor_id, nb.repo_id, nb.e, h.n_stars, h.n_eng,
               CASE WHEN a.actor_id IS NOT NULL
                         AND a.n_events - COALESCE(a.n_watch, 0) <= {int(P.thin_max_other_events)}
                    THEN 1 ELSE 0 END AS thin,
               COUNT(*) OVER (PARTITION BY nb.actor_id) AS n_acc
        FROM nb JOIN h ON h.repo_id = nb.repo_id
        LEFT JOIN account_activity a ON a.actor_id = nb.actor_id
        WHERE COALESCE(nb.d_prev, {10**12}) > {sit} AND COALESCE(nb.d_next, {10**12}) > {sit}""")


def _pairs(con: Any, P: SlowDripParams) -> None:
    # pooled pairs: enough accounts starred both on different occasions
    gap = int(P.min_gap_hours) * 3600
    create(con, "_sd_pairs", f"""
        SELECT x.repo_id AS r1, y.repo_id AS r2, COUNT(*) AS shared
        FROM _sd_cand x
        JOIN _sd_cand y ON y.actor_id = x.actor_id AND x.repo_id < y.repo_id
        WHERE x.n_acc <= {int(P.max_account_stars)} AND ABS(x.e - y.e) >= {gap}
          AND x.n_stars <= {int(P.max_repo_stars)} AND y.n_stars <= {int(P.max_repo_stars)}
        GROUP BY x.repo_id, y.repo_id, x.n_stars, y.n_stars
        HAVING COUNT(*) >= {int(P.min_shared)}
           AND COUNT(*) >= {num(P.min_pair_share)} * LEAST(x.n_stars, y.n_stars)""")


def _not_community(con: Any, P: SlowDripParams) -> None:
    # not a community: the shared accounts' most common star on a repo that is not hollow
    gap = int(P.min_gap_hours) * 3600
    create(con, "_sd_nc", f"""
        WITH sh AS (
            SELECT DISTINCT q.r1, q.r2, q.shared, x.actor_id
            FROM _sd_pairs q
            JOIN _sd_cand x ON x.repo_id = q.r1 JOIN _sd_cand y ON y.repo_id = q.r2 AND y.actor_id = x.actor_id
            WHERE x.n_acc <= {int(P.max_account_stars)} AND ABS(x.e - y.e) >= {gap}),
        o AS (
            SELECT sh.r1, sh.r2, s.repo_id, COUNT(*) AS k
            FROM sh JOIN _det_stars s ON s.actor_id = sh.actor_id
            WHERE s.repo_id NOT IN (SELECT repo_id FROM _sd_cand)
            GROUP BY sh.r1, sh.r2, s.repo_id),
        b AS (SELECT r1, r2, MAX(k) AS top FROM o GROUP BY r1, r2)
        SELECT q.r1, q.r2 FROM _sd_pairs q LEFT JOIN b ON b.r1 = q.r1 AND b.r2 = q.r2
        WHERE COALESCE(b.top, 0) < {num(P.max_common_share)} * q.shared""")


def _result(con: Any, P: SlowDripParams) -> None:
    # a pooled repo's candidate stars: the pool's own accounts, and the rest where thin enough
    gap = int(P.min_gap_hours) * 3600
    create(con, "_det_slow_drip", f"""
        WITH nc AS (SELECT r1 AS repo_id FROM _sd_nc UNION SELECT r2 FROM _sd_nc),
        p AS (
            SELECT repo_id, COUNT(*) AS n_pairs, MAX(shared) AS shared FROM (
                SELECT r1 AS repo_id, shared FROM _sd_pairs
                UNION ALL
                SELECT r2 AS repo_id, shared FROM _sd_pairs) u
            GROUP BY repo_id),
        r AS (
            SELECT c.repo_id, COUNT(*) AS n_c,
                   SUM(c.thin) >= {num(P.min_thin_share)} * COUNT(*) AS thin_ok FROM _sd_cand c
            WHERE c.repo_id IN (SELECT repo_id FROM p)
            GROUP BY c.repo_id, c.n_stars
            HAVING COUNT(*) >= {int(P.min_accounts)}
               AND COUNT(*) >= {num(P.min_repo_share)} * c.n_stars
               AND (SUM(c.thin) >= {num(P.min_thin_share)} * COUNT(*)
                    OR c.repo_id IN (SELECT repo_id FROM nc))),
        pa AS (
            -- the pool's own accounts: shared with a pooled partner, on another occasion
            SELECT DISTINCT x.actor_id, x.repo_id
            FROM _sd_cand x
            JOIN _sd_cand y ON y.actor_id = x.actor_id AND y.repo_id <> x.repo_id
            JOIN _sd_pairs q ON q.r1 = LEAST(x.repo_id, y.repo_id) AND q.r2 = GREATEST(x.repo_id, y.repo_id)
            WHERE x.n_acc <= {int(P.max_account_stars)} AND ABS(x.e - y.e) >= {gap})
        SELECT c.actor_id, c.repo_id, (pa.actor_id IS NOT NULL) AS pooled,
               CASE WHEN pa.actor_id IS NULL THEN '' ELSE 'pool account: ' END
               || 'drip from a pool (up to ' || CAST(p.shared AS VARCHAR) || ' of its stargazers '
               || 'also starred ' || CAST(p.n_pairs AS VARCHAR) || ' other hollow repo'
               || CASE WHEN p.n_pairs > 1 THEN 's' ELSE '' END
               || ', {int(P.min_gap_hours)} h or more apart; ' || CAST(r.n_c AS VARCHAR) || ' of the repo''s '
               || CAST(c.n_stars AS VARCHAR) || ' stars outside sittings; '
               || CAST(c.n_eng AS VARCHAR) || ' other people forked, pushed or opened issues there)'
               AS reason
        FROM _sd_cand c JOIN r ON r.repo_id = c.repo_id JOIN p ON p.repo_id = c.repo_id
        LEFT JOIN pa ON pa.actor_id = c.actor_id AND pa.repo_id = c.repo_id
        WHERE r.thin_ok OR pa.actor_id IS NOT NULL""")
