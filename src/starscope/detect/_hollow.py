"""What the signals about repos nobody works on share: who else engaged with a repo, and which
repos count as hollow. One SQL text for each, so `paired`, `drip` and `hollow-burst` read
"hollow" the same way."""
from __future__ import annotations

from starscope.store.schema import WATCH

from ._sql import num


def engaged_sql(engaged: str | None) -> str:
    """(repo_id, n_eng): accounts with a non-star event on the repo, its owner included. From the
    caller's table when it has one (the default profile counts them once for every signal),
    otherwise counted from ``events``."""
    if engaged:
        return f"SELECT repo_id, n_eng FROM {engaged}"
    return f"""
        SELECT repo_id, COUNT(DISTINCT actor_id) AS n_eng FROM events
        WHERE type <> {WATCH} AND actor_id IS NOT NULL AND repo_id IS NOT NULL
        GROUP BY repo_id"""


def hollow_repos_sql(engaged: str | None, min_stars: int, max_engaged_share: float) -> str:
    """(repo_id, n_stars, n_eng) of the repos with >= ``min_stars`` stars in ``_det_stars``
    where the people other than one (the owner) who forked, pushed or opened issues are
    <= ``max_engaged_share`` x its stars; ``n_eng`` counts those others."""
    return f"""
        WITH n AS (SELECT repo_id, COUNT(*) AS n_stars FROM _det_stars GROUP BY repo_id),
        eng AS ({engaged_sql(engaged)})
        SELECT n.repo_id, n.n_stars, GREATEST(COALESCE(eng.n_eng, 0) - 1, 0) AS n_eng
        FROM n LEFT JOIN eng ON eng.repo_id = n.repo_id
        WHERE n.n_stars >= {int(min_stars)}
          AND GREATEST(COALESCE(eng.n_eng, 0) - 1, 0) <= {num(max_engaged_share)} * n.n_stars"""
