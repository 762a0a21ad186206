"""The *created together* signal of the default profile: accounts registered minutes apart.

Bought stars come from accounts made in bulk. Account ids only approximate creation order (the
`bulk` signal); where the store has account profiles (`account_profiles`, read from GitHub's
API by `starscope github`), their `created_at` is the real thing. On each repo, the profiled
stargazers are sorted by creation time and split where two neighbours were created more than
`max_gap_seconds` apart (tighter on repos with many stargazers: at most `density_factor` x the
repo's creation-time span / its profiled stargazers, the gap expected by chance); a run of
>= `min_block` accounts is a block. Its stars are suspected when the repo's blocks hold >=
`min_repo_share` of its stars, or the block alone has >= `big_block` accounts.
Only *eligible* stargazers (the default profile's: accounts that do no other work) are sorted
and form blocks, as only thin accounts form `bulk` blocks: a hackathon or a class registers
together and then works, and its few idle members are no block of their own (the span and the
count in the gap rule stay those of all the repo's profiled stargazers).

``add_signals(con)`` inserts rows into the default profile's ``_dp_sig`` (actor_id, repo_id,
signal, weight, reason, ord) and does nothing when the connection has no profiles, so stores
read from hour files alone detect exactly as before. Reference: tests/detect/reference_ct.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _sql
from ._sql import create, num, scalar

SIGNAL = "created-together"
INTERMEDIATE = ("_ct_stars", "_ct_blocks", "_ct_repo")


@dataclass(frozen=True)
class CreatedTogetherParams:
    """The block rule of the module docstring; ``weight``: the signal's share of a score."""
    max_gap_seconds: int = 3600
    density_factor: float = 0.05
    min_block: int = 10
    min_repo_share: float = 0.25
    big_block: int = 50
    weight: float = 0.7


def has_profiles(con: Any) -> bool:
    try:
        return bool(scalar(con, "SELECT COUNT(*) FROM account_profiles WHERE created_at IS NOT NULL"))
    except Exception:  # an engine or store without the relation: nothing to add
        return False


def add_signals(con: Any, P: CreatedTogetherParams = CreatedTogetherParams(),
                eligible: str | None = None) -> None:
    """Insert the created-together rows into ``_dp_sig`` (see module docstring).
    ``eligible``: a relation of the actor ids that may form blocks (the default profile passes
    its accounts that do no other work: a classroom or a hackathon registers together too, and
    then works); None: every profiled stargazer."""
    if not has_profiles(con):
        return
    try:
        _blocks(con, P, eligible)
        _sql.insert(con, "_dp_sig", f"""
            SELECT b.actor_id, b.repo_id, '{SIGNAL}', {num(P.weight)},
                   'accounts created together: ' || CAST(k.n AS VARCHAR)
                   || ' stargazers registered ' || CAST(k.first_at AS VARCHAR) || ' to '
                   || CAST(k.last_at AS VARCHAR) || ' UTC (such blocks hold '
                   || CAST(CAST(ROUND(100 * r.share) AS BIGINT) AS VARCHAR)
                   || '% of the repo''s stars)', 1
            FROM _ct_stars b
            JOIN _ct_blocks k ON k.repo_id = b.repo_id AND k.blk = b.blk
            JOIN _ct_repo r ON r.repo_id = b.repo_id
            WHERE r.share >= {num(P.min_repo_share)} OR k.n >= {int(P.big_block)}""")
    finally:
        _sql.drop(con, INTERMEDIATE)


def _blocks(con: Any, P: CreatedTogetherParams, eligible: str | None) -> None:
    # Blocks among eligible stargazers only (as `bulk` among thin ones): a block of 38 people
    # registered in one evening of whom two have not worked yet is a hackathon, not a batch;
    # its idle members alone are no block (the realistic world through the API, docs/github.md).
    # The gap expected by chance (span / n) stays that of all the repo's profiled stargazers.
    only = f"WHERE actor_id IN (SELECT actor_id FROM {eligible})" if eligible else ""
    create(con, "_ct_stars", f"""
        WITH p AS (
            SELECT actor_id, MIN(created_at) AS created_at FROM account_profiles
            WHERE created_at IS NOT NULL GROUP BY actor_id),
        n AS (SELECT repo_id, COUNT(*) AS n_stars FROM _det_stars GROUP BY repo_id),
        s AS (
            SELECT st.repo_id, st.actor_id, p.created_at
            FROM _det_stars st JOIN p ON p.actor_id = st.actor_id),
        sn AS (
            SELECT repo_id, COUNT(*) AS n_prof, MIN(created_at) AS lo, MAX(created_at) AS hi
            FROM s GROUP BY repo_id HAVING COUNT(*) >= {int(P.min_block)}),
        e AS (SELECT * FROM s {only}),
        o AS (
            SELECT e.repo_id, e.actor_id, e.created_at, n.n_stars,
                   date_diff('second', sn.lo, sn.hi) AS span, sn.n_prof,
                   date_diff('second', LAG(e.created_at) OVER (
                       PARTITION BY e.repo_id ORDER BY e.created_at, e.actor_id),
                       e.created_at) AS gap
            FROM e JOIN sn ON sn.repo_id = e.repo_id JOIN n ON n.repo_id = e.repo_id)
        SELECT repo_id, actor_id, created_at, n_stars,
               -- gap > min(max_gap, factor * span / n), in doubles exact for these sizes
               SUM(CASE WHEN gap IS NULL OR gap > {int(P.max_gap_seconds)}
                          OR CAST(gap AS DOUBLE) * n_prof
                             > CAST({num(P.density_factor)} AS DOUBLE) * span
                        THEN 1 ELSE 0 END)
                   OVER (PARTITION BY repo_id ORDER BY created_at, actor_id
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS blk
        FROM o""")
    create(con, "_ct_blocks", f"""
        SELECT repo_id, blk, COUNT(*) AS n, MIN(created_at) AS first_at, MAX(created_at) AS last_at
        FROM _ct_stars GROUP BY repo_id, blk HAVING COUNT(*) >= {int(P.min_block)}""")
    create(con, "_ct_repo", """
        SELECT k.repo_id, CAST(SUM(k.n) AS DOUBLE) / MIN(s.n_stars) AS share
        FROM _ct_blocks k
        JOIN (SELECT DISTINCT repo_id, n_stars FROM _ct_stars) s ON s.repo_id = k.repo_id
        GROUP BY k.repo_id""")
