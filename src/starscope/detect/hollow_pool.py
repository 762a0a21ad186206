"""Hollow pools: the same accounts starring several hollow repos, however slowly (the default
profile's `pool` signal; docs/adversary.md, the `paced` kind).

A seller who has read docs/detection-default.md trickles each order in at a few stars a day
from a pool whose accounts serve a few clients each: no burst (``reuse``, ``burst``,
``hollow-burst``), no tight star times (``overlap``, ``lockstep``), and kept-alive accounts
pass ``hollow``'s thin-account gate. What it cannot hide is the bipartite picture over the
whole window: its clients are hollow (nobody but the owner forks, pushes or opens issues there)
and share far more stargazers than chance would give two small repos, whenever they came. The
organic crowd that looks like that is a community co-starring its niche repos at its own pace;
its members share the ecosystem's popular repos too (on the dev worlds >= 0.57 of a niche pair's
shared members star one same popular repo), while a farm's cover stars are scattered (<= 0.47).

    run(con, params=None, *, engaged=None)  # reads _det_stars (first star per account and repo)
    -> TEMP TABLE _det_hollow_pool(actor_id BIGINT, repo_id BIGINT, reason VARCHAR)

Candidate repos: >= ``min_stars`` stars, hollow (accounts other than one, the owner, with a
non-star event there <= ``max_engaged_share`` x its stars). Candidate stars: on those repos,
from accounts that starred nothing else within ``sitting_minutes`` (a list's readers star in
sittings), accounts with more than ``max_account_stars`` of them making no pairs (bounds the
self-join). Two candidate repos whose shared accounts are >= ``min_shared`` and >=
``min_share`` of EACH repo's stars, and whose shared accounts' most common star on a repo that
is not a candidate is < ``max_common_share`` of them (not a community): the shared accounts'
stars on both repos are suspected. Exact arithmetic; deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starscope.store.schema import WATCH

from ._sql import create, drop, num

OUTPUTS = ("_det_hollow_pool",)
INTERMEDIATE = ("_hp_repos", "_hp_stars", "_hp_shared", "_hp_pairs")


@dataclass(frozen=True)
class HollowPoolParams:
    sitting_minutes: int = 60
    min_stars: int = 10
    max_engaged_share: float = 0.05
    min_shared: int = 10
    min_share: float = 0.1
    max_common_share: float = 0.5
    max_account_stars: int = 50


def run(con: Any, params: HollowPoolParams | None = None, *, engaged: str | None = None) -> None:
    """``engaged``: a table (repo_id, n_eng: accounts with a non-star event there, owner
    included) covering every repo with >= ``min_stars`` stars, when the caller has one (the
    default profile's); otherwise counted from ``events``."""
    P = params or HollowPoolParams()
    sit = int(P.sitting_minutes) * 60
    try:
        eng = (f"SELECT repo_id, n_eng FROM {engaged}" if engaged else f"""
                SELECT repo_id, COUNT(DISTINCT actor_id) AS n_eng FROM events
                WHERE type <> {WATCH} AND actor_id IS NOT NULL AND repo_id IS NOT NULL
                GROUP BY repo_id""")
        create(con, "_hp_repos", f"""
            WITH n AS (SELECT repo_id, COUNT(*) AS n_stars FROM _det_stars GROUP BY repo_id),
            eng AS ({eng})
            SELECT n.repo_id, n.n_stars, GREATEST(COALESCE(eng.n_eng, 0) - 1, 0) AS n_eng
            FROM n LEFT JOIN eng ON eng.repo_id = n.repo_id
            WHERE n.n_stars >= {int(P.min_stars)}
              AND GREATEST(COALESCE(eng.n_eng, 0) - 1, 0) <= {num(P.max_engaged_share)} * n.n_stars""")
        create(con, "_hp_stars", f"""
            WITH t AS (
                SELECT actor_id, repo_id, CAST(epoch(starred_at) AS BIGINT) AS e FROM _det_stars
                WHERE actor_id IN (SELECT s.actor_id FROM _det_stars s JOIN _hp_repos r ON r.repo_id = s.repo_id)),
            nb AS (
                SELECT actor_id, repo_id,
                       e - LAG(e) OVER (PARTITION BY actor_id ORDER BY e, repo_id) AS d_prev,
                       LEAD(e) OVER (PARTITION BY actor_id ORDER BY e, repo_id) - e AS d_next
                FROM t),
            c AS (
                SELECT nb.actor_id, nb.repo_id FROM nb JOIN _hp_repos r ON r.repo_id = nb.repo_id
                WHERE COALESCE(nb.d_prev, {10**12}) > {sit} AND COALESCE(nb.d_next, {10**12}) > {sit}),
            a AS (SELECT actor_id FROM c GROUP BY actor_id
                  HAVING COUNT(*) >= 2 AND COUNT(*) <= {int(P.max_account_stars)})
            SELECT c.* FROM c JOIN a ON a.actor_id = c.actor_id""")
        # pairs that share enough, with their shared accounts
        create(con, "_hp_shared", f"""
            WITH j AS (
                SELECT x.repo_id AS r1, y.repo_id AS r2, x.actor_id
                FROM _hp_stars x JOIN _hp_stars y ON y.actor_id = x.actor_id AND x.repo_id < y.repo_id),
            p AS (
                SELECT j.r1, j.r2, COUNT(*) AS m FROM j
                JOIN _hp_repos a ON a.repo_id = j.r1 JOIN _hp_repos b ON b.repo_id = j.r2
                GROUP BY j.r1, j.r2, a.n_stars, b.n_stars
                HAVING COUNT(*) >= {int(P.min_shared)}
                   AND COUNT(*) >= {num(P.min_share)} * a.n_stars
                   AND COUNT(*) >= {num(P.min_share)} * b.n_stars)
            SELECT j.r1, j.r2, j.actor_id, p.m FROM j JOIN p ON p.r1 = j.r1 AND p.r2 = j.r2""")
        # not a community: the shared accounts' most common star outside the candidate repos
        create(con, "_hp_pairs", f"""
            WITH o AS (
                SELECT sh.r1, sh.r2, s.repo_id, COUNT(*) AS k
                FROM _hp_shared sh JOIN _det_stars s ON s.actor_id = sh.actor_id
                WHERE s.repo_id NOT IN (SELECT repo_id FROM _hp_repos)
                GROUP BY sh.r1, sh.r2, s.repo_id),
            b AS (SELECT r1, r2, MAX(k) AS top FROM o GROUP BY r1, r2),
            p AS (SELECT DISTINCT r1, r2, m FROM _hp_shared)
            SELECT p.r1, p.r2, p.m, COALESCE(b.top, 0) AS top FROM p
            LEFT JOIN b ON b.r1 = p.r1 AND b.r2 = p.r2
            WHERE COALESCE(b.top, 0) < {num(P.max_common_share)} * p.m""")
        create(con, "_det_hollow_pool", f"""
            WITH u AS (
                SELECT sh.actor_id, sh.r1 AS repo_id, p.m FROM _hp_shared sh
                JOIN _hp_pairs p ON p.r1 = sh.r1 AND p.r2 = sh.r2
                UNION ALL
                SELECT sh.actor_id, sh.r2 AS repo_id, p.m FROM _hp_shared sh
                JOIN _hp_pairs p ON p.r1 = sh.r1 AND p.r2 = sh.r2)
            SELECT u.actor_id, u.repo_id,
                   'hollow pool (stargazers shared with ' || CAST(COUNT(*) AS VARCHAR) || ' other hollow repo'
                   || CASE WHEN COUNT(*) > 1 THEN 's' ELSE '' END || ', up to '
                   || CAST(MAX(u.m) AS VARCHAR) || ' accounts, outside sittings, whenever they came; '
                   || CAST(MAX(r.n_eng) AS VARCHAR) || ' other people forked, pushed or opened issues there)'
                   AS reason
            FROM u JOIN _hp_repos r ON r.repo_id = u.repo_id
            GROUP BY u.actor_id, u.repo_id""")
    finally:
        drop(con, INTERMEDIATE)
