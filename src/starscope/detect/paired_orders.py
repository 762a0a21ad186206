"""Paired orders: two repos starred together, in one sitting, by nearly all of their stargazers
(the default profile's `paired` signal; docs/adversary.md, the `sitting` kind).

A seller who has read docs/detection-default.md delivers orders in pairs: each account stars
both clients (and a popular repo) within minutes, like a reader of a list, so ``reuse`` (one
sitting) and ``hollow`` / ``hollow-burst`` (stars in a sitting do not count) pass it by. What a
list read in one sitting does not look like is a *closed* pair: a list's readers each star a
different subset of its repos (on the simulated and dev worlds at most ~0.6 of a list repo's
stars share a sitting with any one other repo of the list), while a paired order's accounts
star exactly the same two repos (0.92-0.97 of each). Both repos must be hollow too (nobody but
one account, the owner, forked, pushed or opened issues there beyond ``max_engaged_share`` of
its stars): a project's two repos that its users star together (a library and its CLI) bring
forks and issues.

    run(con, params=None, *, engaged=None)  # reads _det_stars (first star per account and repo)
    -> TEMP TABLE _det_paired(actor_id BIGINT, repo_id BIGINT, reason VARCHAR)

Two repos, each with >= ``min_stars`` stars and hollow, whose stargazers that starred both
within ``sitting_minutes`` of each other are >= ``min_accounts`` and >= ``min_share`` of EACH
repo's stars: those accounts' stars on both repos are suspected. Accounts with more than
``max_account_stars`` stars on such repos make no pairs (bounds the self-join, like
``overlap``'s cap). Exact integer arithmetic on seconds; deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._hollow import hollow_repos_sql
from ._sql import create, drop, num

OUTPUTS = ("_det_paired",)
INTERMEDIATE = ("_po_repos", "_po_stars", "_po_pairs")


@dataclass(frozen=True)
class PairedOrderParams:
    sitting_minutes: int = 60
    min_stars: int = 10
    min_accounts: int = 10
    min_share: float = 0.8
    max_engaged_share: float = 0.05
    max_account_stars: int = 50


def run(con: Any, params: PairedOrderParams | None = None, *, engaged: str | None = None) -> None:
    """``engaged``: the caller's table of engaged accounts per repo, covering every repo with
    >= ``min_stars`` stars, or None to count them from ``events`` (``_hollow.engaged_sql``)."""
    P = params or PairedOrderParams()
    sit = int(P.sitting_minutes) * 60
    try:
        # hollow repos with enough stars
        create(con, "_po_repos", hollow_repos_sql(engaged, P.min_stars, P.max_engaged_share))
        create(con, "_po_stars", f"""
            WITH c AS (
                SELECT s.actor_id, s.repo_id, CAST(epoch(s.starred_at) AS BIGINT) AS e
                FROM _det_stars s JOIN _po_repos r ON r.repo_id = s.repo_id),
            a AS (SELECT actor_id FROM c GROUP BY actor_id
                  HAVING COUNT(*) >= 2 AND COUNT(*) <= {int(P.max_account_stars)})
            SELECT c.* FROM c JOIN a ON a.actor_id = c.actor_id""")
        create(con, "_po_pairs", f"""
            WITH p AS (
                SELECT x.repo_id AS r1, y.repo_id AS r2, COUNT(*) AS m
                FROM _po_stars x JOIN _po_stars y
                  ON y.actor_id = x.actor_id AND x.repo_id < y.repo_id AND ABS(x.e - y.e) <= {sit}
                GROUP BY x.repo_id, y.repo_id
                HAVING COUNT(*) >= {int(P.min_accounts)})
            SELECT p.r1, p.r2, p.m, a.n_stars AS n1, b.n_stars AS n2, a.n_eng AS e1, b.n_eng AS e2
            FROM p JOIN _po_repos a ON a.repo_id = p.r1 JOIN _po_repos b ON b.repo_id = p.r2
            WHERE p.m >= {num(P.min_share)} * a.n_stars AND p.m >= {num(P.min_share)} * b.n_stars""")
        create(con, "_det_paired", f"""
            WITH j AS (
                SELECT x.actor_id, x.repo_id AS ra, y.repo_id AS rb, k.m, k.n1, k.n2, k.e1, k.e2
                FROM _po_stars x JOIN _po_stars y
                  ON y.actor_id = x.actor_id AND x.repo_id < y.repo_id AND ABS(x.e - y.e) <= {sit}
                JOIN _po_pairs k ON k.r1 = x.repo_id AND k.r2 = y.repo_id),
            u AS (
                SELECT actor_id, ra AS repo_id, m, n1 AS n, e1 AS ne FROM j
                UNION ALL
                SELECT actor_id, rb AS repo_id, m, n2 AS n, e2 AS ne FROM j)
            SELECT actor_id, repo_id,
                   'paired order (starred within ' || CAST({int(P.sitting_minutes)} AS VARCHAR)
                   || ' min of another repo, as ' || CAST(MAX(m) AS VARCHAR) || ' of this repo''s '
                   || CAST(MAX(n) AS VARCHAR) || ' stargazers did; '
                   || CAST(MAX(ne) AS VARCHAR) || ' other people forked, pushed or opened issues there)'
                   AS reason
            FROM u GROUP BY actor_id, repo_id""")
    finally:
        drop(con, INTERMEDIATE)
