"""Fake-star campaigns (StarScout), counting every (account, repo) star once.

Per repo and calendar month (of the star's first time): ``stars`` = all its stars,
``suspected`` = stars that are low-activity OR clustered (a star flagged by both counts once).
A month is anomalous when suspected >= campaign_month_min_suspected and
suspected >= campaign_month_min_share × stars. A repo runs a campaign when it has an anomalous
month and its suspected stars are >= campaign_repo_min_share × its stars overall (over the
considered since/until range).

Input: ``_det_stars``, ``_det_susp(actor_id, repo_id, low_activity, clustered)``. Output:
- ``_det_repo_months(repo_id, month, stars, suspected, low_activity, clustered, anomalous)``:
  every month with stars of every repo that has at least one suspected star
- ``_det_campaigns(repo_id, stars, suspected, low_activity, clustered, share,
  n_anomalous_months, first_anomalous_month, last_anomalous_month)``
"""
from __future__ import annotations

from typing import Any

from . import _sql
from ._sql import create, num
from .params import Params

OUTPUTS = ("_det_repo_months", "_det_campaigns")


def run(con: Any, params: Params) -> None:
    P = params
    create(con, "_det_repo_months", f"""
        WITH srepos AS (SELECT DISTINCT repo_id FROM _det_susp),
        m AS (
            SELECT s.repo_id, {_sql.month_of('s.starred_at')} AS month,
                   COUNT(*) AS stars,
                   SUM(CASE WHEN f.actor_id IS NOT NULL THEN 1 ELSE 0 END) AS suspected,
                   SUM(CASE WHEN f.low_activity THEN 1 ELSE 0 END) AS low_activity,
                   SUM(CASE WHEN f.clustered THEN 1 ELSE 0 END) AS clustered
            FROM _det_stars s
            JOIN srepos r ON r.repo_id = s.repo_id
            LEFT JOIN _det_susp f ON f.actor_id = s.actor_id AND f.repo_id = s.repo_id
            GROUP BY s.repo_id, {_sql.month_of('s.starred_at')})
        SELECT repo_id, month,
               CAST(stars AS BIGINT) AS stars, CAST(suspected AS BIGINT) AS suspected,
               CAST(low_activity AS BIGINT) AS low_activity,
               CAST(clustered AS BIGINT) AS clustered,
               (suspected >= {num(P.campaign_month_min_suspected)}
                AND suspected >= {num(P.campaign_month_min_share)} * stars) AS anomalous
        FROM m""")
    create(con, "_det_campaigns", f"""
        WITH r AS (
            SELECT repo_id,
                   SUM(stars) AS stars, SUM(suspected) AS suspected,
                   SUM(low_activity) AS low_activity, SUM(clustered) AS clustered,
                   SUM(CASE WHEN anomalous THEN 1 ELSE 0 END) AS n_anomalous_months,
                   MIN(CASE WHEN anomalous THEN month END) AS first_anomalous_month,
                   MAX(CASE WHEN anomalous THEN month END) AS last_anomalous_month
            FROM _det_repo_months GROUP BY repo_id)
        SELECT repo_id, CAST(stars AS BIGINT) AS stars, CAST(suspected AS BIGINT) AS suspected,
               CAST(low_activity AS BIGINT) AS low_activity,
               CAST(clustered AS BIGINT) AS clustered,
               CAST(suspected AS DOUBLE) / stars AS share,
               CAST(n_anomalous_months AS BIGINT) AS n_anomalous_months,
               first_anomalous_month, last_anomalous_month
        FROM r
        WHERE n_anomalous_months > 0
          AND suspected >= {num(P.campaign_repo_min_share)} * stars""")
