"""Low-activity signature (StarScout).

An account is low-activity when, over ALL its events of any type in the store (the
``account_activity`` relation): its first and last event fall on the same UTC day, it has at
most 2 distinct event timestamps, at most 1 distinct repo and at most 1 distinct org. Its stars
(one per repo, the first; restricted to since/until) are suspected only on repos that have at
least ``low_activity_min_stargazers`` distinct low-activity stargazers among those stars.

Input: ``_det_stars`` and ``account_activity``. Output:
- ``_det_la_accounts(actor_id)``: every low-activity account that starred something considered
- ``_det_la_stars(actor_id, repo_id)``: the kept (suspected) low-activity stars
"""
from __future__ import annotations

from typing import Any

from ._sql import create
from .params import Params

OUTPUTS = ("_det_la_accounts", "_det_la_stars")


def run(con: Any, params: Params) -> None:
    create(con, "_det_la_accounts", """
        SELECT DISTINCT a.actor_id
        FROM account_activity a
        WHERE CAST(a.first_at AS DATE) = CAST(a.last_at AS DATE)
          AND a.n_times <= 2 AND a.n_repos <= 1 AND a.n_orgs <= 1
          AND a.actor_id IN (SELECT actor_id FROM _det_stars)""")
    create(con, "_det_la_stars", f"""
        WITH la AS (
            SELECT s.actor_id, s.repo_id
            FROM _det_stars s JOIN _det_la_accounts a ON a.actor_id = s.actor_id),
        repos AS (
            SELECT repo_id FROM la GROUP BY repo_id
            HAVING COUNT(*) >= {int(params.low_activity_min_stargazers)})
        SELECT la.actor_id, la.repo_id FROM la JOIN repos r ON r.repo_id = la.repo_id""")
