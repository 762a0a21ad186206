"""Hollow bursts: an order delivered within days on a repo nobody else works on, whoever the
accounts are (the default profile's `hollow-burst` signal; docs/adversary.md).

The default profile's ``hollow`` signal asks that >= 10 % of a hollow repo's stargazers be thin,
so a seller whose accounts are kept alive (>= 2 events besides stars: ``one_shot`` farms,
``seasoned`` throwaways of the adversarial world) and each serve one client is seen by no
signal. What they cannot hide is the order itself: most of the repo's stars inside one short
span, from accounts outside a sitting, and nobody but its owner forking, pushing or opening
issues there. A community co-starring niche repos at its own pace is not a burst; a launch
brings forks and issues; a list's readers star in sittings.

    run(con, params=None)   # reads _det_stars (first star per account and repo) and events
    -> TEMP TABLE _det_hollow_burst(actor_id BIGINT, repo_id BIGINT, reason VARCHAR)

A repo's burst is its busiest ``span_hours`` span (earliest start on ties) holding >=
``min_stars`` stars and >= ``min_share`` of its stars. The repo is hollow when the accounts
other than one (its owner) with any non-star event on it are <= ``max_engaged_share`` x its
stars. A burst star counts when the account starred nothing else within ``sitting_minutes``;
they are suspected when they are >= ``min_accounts`` and >= ``min_repo_share`` of the repo's
stars, and those of them at work during the burst (>= ``work_events`` non-star events on other
repos within the burst's span) are <= ``max_working_share`` of them. Exact integer arithmetic
on seconds; deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starscope.store.schema import WATCH

from ._hollow import engaged_sql
from ._sql import create, drop, num

OUTPUTS = ("_det_hollow_burst",)
INTERMEDIATE = ("_hb_stars", "_hb_burst")


@dataclass(frozen=True)
class HollowBurstParams:
    span_hours: int = 48
    min_stars: int = 20
    min_share: float = 0.5
    max_engaged_share: float = 0.05
    sitting_minutes: int = 60
    min_accounts: int = 10
    min_repo_share: float = 0.5
    # an event's crowd, not an order: participants build things of their own the same days
    # (hackathon accounts: >= 0.34 at work; realistic and adversarial farms: <= 0.16)
    work_events: int = 3
    max_working_share: float = 0.25


def run(con: Any, params: HollowBurstParams | None = None, *, engaged: str | None = None) -> None:
    """``engaged``: the caller's table of engaged accounts per repo, covering every repo with
    >= ``min_stars`` stars, or None to count them from ``events`` (``_hollow.engaged_sql``)."""
    P = params or HollowBurstParams()
    span, sit = int(P.span_hours) * 3600, int(P.sitting_minutes) * 60
    try:
        create(con, "_hb_stars", """
            SELECT actor_id, repo_id, CAST(epoch(starred_at) AS BIGINT) AS e,
                   COUNT(*) OVER (PARTITION BY repo_id) AS n_stars
            FROM _det_stars""")
        eng = engaged_sql(engaged)
        create(con, "_hb_burst", f"""
            WITH w AS (
                SELECT repo_id, e, n_stars, COUNT(*) OVER (
                    PARTITION BY repo_id ORDER BY e RANGE BETWEEN CURRENT ROW AND {span} FOLLOWING) AS k
                FROM _hb_stars),
            p AS (SELECT repo_id, n_stars, MAX(k) AS peak FROM w GROUP BY repo_id, n_stars),
            eng AS ({eng})
            SELECT p.repo_id, p.n_stars, p.peak, MIN(w.e) AS lo,
                   GREATEST(COALESCE(MAX(eng.n_eng), 0) - 1, 0) AS n_eng
            FROM p JOIN w ON w.repo_id = p.repo_id AND w.k = p.peak
            LEFT JOIN eng ON eng.repo_id = p.repo_id
            WHERE p.peak >= {int(P.min_stars)} AND p.peak >= {num(P.min_share)} * p.n_stars
            GROUP BY p.repo_id, p.n_stars, p.peak
            HAVING GREATEST(COALESCE(MAX(eng.n_eng), 0) - 1, 0) <= {num(P.max_engaged_share)} * p.n_stars""")
        create(con, "_det_hollow_burst", f"""
            WITH nb AS (
                SELECT actor_id, repo_id, e,
                       e - LAG(e) OVER (PARTITION BY actor_id ORDER BY e, repo_id) AS d_prev,
                       LEAD(e) OVER (PARTITION BY actor_id ORDER BY e, repo_id) - e AS d_next
                FROM _hb_stars WHERE actor_id IN (
                    SELECT s.actor_id FROM _hb_stars s JOIN _hb_burst b ON b.repo_id = s.repo_id)),
            k AS (
                SELECT nb.actor_id, nb.repo_id, b.n_stars, b.peak, b.n_eng, b.lo
                FROM nb JOIN _hb_burst b ON b.repo_id = nb.repo_id
                WHERE nb.e BETWEEN b.lo AND b.lo + {span}
                  AND COALESCE(nb.d_prev, {10**12}) > {sit} AND COALESCE(nb.d_next, {10**12}) > {sit}),
            wk AS (
                SELECT k.actor_id, k.repo_id, COUNT(*) AS n_work
                FROM k JOIN events ev ON ev.actor_id = k.actor_id
                WHERE ev.type <> {WATCH} AND ev.repo_id IS NOT NULL AND ev.repo_id <> k.repo_id
                  AND CAST(epoch(ev.created_at) AS BIGINT) BETWEEN k.lo AND k.lo + {span}
                GROUP BY k.actor_id, k.repo_id),
            r AS (
                SELECT k.repo_id, COUNT(*) AS n_k FROM k
                LEFT JOIN wk ON wk.actor_id = k.actor_id AND wk.repo_id = k.repo_id
                GROUP BY k.repo_id, k.n_stars
                HAVING COUNT(*) >= {int(P.min_accounts)} AND COUNT(*) >= {num(P.min_repo_share)} * k.n_stars
                   AND SUM(CASE WHEN wk.n_work >= {int(P.work_events)} THEN 1 ELSE 0 END)
                       <= {num(P.max_working_share)} * COUNT(*))
            SELECT k.actor_id, k.repo_id,
                   'hollow burst (' || CAST(r.n_k AS VARCHAR) || ' of the repo''s '
                   || CAST(k.n_stars AS VARCHAR) || ' stars within ' || CAST({int(P.span_hours)} AS VARCHAR)
                   || ' h, none in a sitting; ' || CAST(k.n_eng AS VARCHAR)
                   || ' other people forked, pushed or opened issues there)' AS reason
            FROM k JOIN r ON r.repo_id = k.repo_id""")
    finally:
        drop(con, INTERMEDIATE)
