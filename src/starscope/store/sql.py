"""SQL that derives the store's tables from parsed events, and the views readers see.

Kept apart from the Python that runs it so the Spark engine can reuse the same statements.
`{src}` is a relation of parsed events with the columns of starscope.ingest.parse.COLUMNS.
"""
from __future__ import annotations

from starscope.store.schema import CAP, EVENT_TYPES, TYPE_COUNT_COLUMNS

MONTH = "strftime({col}, '%Y-%m')"

# Rows of the batch, one per event id. Duplicates carry the same event; the ORDER BY only makes
# the choice deterministic should two copies ever differ.
DEDUP_BATCH = """
SELECT event_id, created_at, type, actor_id, actor_login, repo_id, repo_name, org_id
FROM (
  SELECT *, row_number() OVER (
    PARTITION BY event_id
    ORDER BY created_at, type, actor_id, repo_id, actor_login, repo_name, org_id NULLS FIRST
  ) AS _k
  FROM {src}
) WHERE _k = 1
"""

EVENTS_COLS = "event_id, created_at, type, actor_id, repo_id, org_id"
STARS_SELECT = (
    "SELECT event_id, created_at AS starred_at, repo_id, repo_name, actor_id, actor_login, org_id "
    "FROM {src} WHERE type = {watch}"
)
REPO_NAMES_SELECT = (
    "SELECT repo_id, repo_name, min(created_at) AS first_seen, max(created_at) AS last_seen "
    "FROM {src} GROUP BY repo_id, repo_name"
)
ACTOR_LOGINS_SELECT = (
    "SELECT actor_id, actor_login, min(created_at) AS first_seen, max(created_at) AS last_seen "
    "FROM {src} GROUP BY actor_id, actor_login"
)


def _type_counts() -> str:
    return ",\n  ".join(
        f"count(*) FILTER (WHERE type = {code})::INTEGER AS {col}"
        for code, col in enumerate(TYPE_COUNT_COLUMNS)
    )


def _capped_list(col: str, alias: str) -> str:
    """The CAP smallest distinct values of col per (month, actor)."""
    return f"""
  {alias} AS (
    SELECT month, actor_id, list({col} ORDER BY {col}) AS {alias}
    FROM (
      SELECT month, actor_id, {col},
             row_number() OVER (PARTITION BY month, actor_id ORDER BY {col}) AS _r
      FROM (SELECT DISTINCT month, actor_id, {col} FROM ev WHERE {col} IS NOT NULL)
    ) WHERE _r <= {CAP}
    GROUP BY month, actor_id
  )"""


# Per (month, actor) activity facts of a batch of new events; see schema.ACCOUNT_MONTHS.
ACCOUNT_MONTHS_SELECT = f"""
WITH ev AS (
  SELECT {MONTH.format(col="created_at")} AS month, * FROM {{src}}
),
  base AS (
    SELECT month, actor_id, min(created_at) AS first_at, max(created_at) AS last_at,
      count(*) AS n_events,
      bit_or((1::INTEGER << (day(created_at) - 1)::INTEGER)) AS days,
      {_type_counts()}
    FROM ev GROUP BY month, actor_id
  ),{_capped_list("created_at", "times")},{_capped_list("repo_id", "repos")},{_capped_list("org_id", "orgs")}
SELECT base.month, base.actor_id, first_at, last_at, n_events, days,
  coalesce(times.times, []) AS times, coalesce(repos.repos, []) AS repos,
  coalesce(orgs.orgs, []) AS orgs,
  {", ".join(TYPE_COUNT_COLUMNS)}
FROM base
LEFT JOIN times USING (month, actor_id)
LEFT JOIN repos USING (month, actor_id)
LEFT JOIN orgs USING (month, actor_id)
"""

_SUMS = ",\n  ".join(f"sum({c})::INTEGER AS {c}" for c in TYPE_COUNT_COLUMNS)

# One row per account over everything the store holds: merges the per-commit monthly partials.
# The union of capped lists, capped again, answers "how many distinct, up to CAP" exactly.
ACCOUNT_ACTIVITY_VIEW = f"""
WITH per_month AS (
  SELECT month, actor_id, min(first_at) AS first_at, max(last_at) AS last_at,
    sum(n_events) AS n_events, bit_or(days) AS days,
    flatten(list(times)) AS times, flatten(list(repos)) AS repos, flatten(list(orgs)) AS orgs,
    {", ".join(f"sum({c}) AS {c}" for c in TYPE_COUNT_COLUMNS)}
  FROM account_months GROUP BY month, actor_id
),
logins AS (
  SELECT actor_id, arg_max(actor_login, last_seen) AS actor_login
  FROM actor_logins GROUP BY actor_id
)
SELECT a.actor_id, l.actor_login, a.first_at, a.last_at, a.n_events, a.n_days,
  a.n_times, a.n_repos, a.n_orgs, {", ".join("a." + c for c in TYPE_COUNT_COLUMNS)}
FROM (
  SELECT actor_id, min(first_at) AS first_at, max(last_at) AS last_at,
    sum(n_events)::BIGINT AS n_events, sum(bit_count(days))::INTEGER AS n_days,
    least(len(list_distinct(flatten(list(times)))), {CAP})::INTEGER AS n_times,
    least(len(list_distinct(flatten(list(repos)))), {CAP})::INTEGER AS n_repos,
    least(len(list_distinct(flatten(list(orgs)))), {CAP})::INTEGER AS n_orgs,
  {_SUMS}
  FROM per_month GROUP BY actor_id
) a LEFT JOIN logins l USING (actor_id)
"""

# The latest name of every repo, and every name it had (GitHub repos get renamed).
REPOS_VIEW = """
SELECT repo_id, arg_max(repo_name, last_seen) AS repo_name, min(first_seen) AS first_seen,
  max(last_seen) AS last_seen, list(DISTINCT repo_name ORDER BY repo_name) AS names
FROM repo_names GROUP BY repo_id
"""

assert len(TYPE_COUNT_COLUMNS) == len(EVENT_TYPES)
