"""The suspected stargazers of one repo, as rows for GitHub's abuse report (`starscope audit`)."""
from __future__ import annotations

from typing import Any

from starscope.store import Store

from .repo import _rows, has_results, resolve_repo

COLUMNS = ("login", "account_id", "profile_url", "starred_at", "account_created_at",
           "account_type", "followers", "public_repos", "score", "reasons")


def suspected_accounts(store: Store, repo: str | int) -> list[dict[str, Any]]:
    """One row per suspected stargazer of the repo (latest detection run), by star time."""
    m = store.snapshot()
    con = store.connect(m)
    try:
        repo_id, _name, _names = resolve_repo(con, repo)
        if not has_results(m):
            return []
        rows = _rows(con, """
            WITH s AS (SELECT actor_id, min(starred_at) AS starred_at,
                              arg_max(actor_login, starred_at) AS login
                       FROM stars WHERE repo_id = ? GROUP BY actor_id)
            SELECT coalesce(p.actor_login, s.login, x.actor_login) AS login,
                   x.actor_id AS account_id, s.starred_at, p.created_at AS account_created_at,
                   p.type AS account_type, p.followers, p.public_repos, x.score, x.reasons
            FROM results.suspected_stars x
            LEFT JOIN s ON s.actor_id = x.actor_id
            LEFT JOIN account_profiles p ON p.actor_id = x.actor_id
            WHERE x.repo_id = ?
            ORDER BY s.starred_at NULLS LAST, x.actor_id""", [repo_id, repo_id])
    finally:
        con.close()
    for r in rows:
        r["profile_url"] = f"https://github.com/{r['login']}" if r["login"] else None
    return [{k: r.get(k) for k in COLUMNS} for r in rows]
