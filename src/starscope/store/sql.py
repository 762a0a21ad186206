"""SQL that derives the store's tables from parsed events, and the views readers see.

Kept apart from the Python that runs it so the Spark engine can reuse the same statements.
`{src}` is a relation of parsed events with the columns of starscope.ingest.parse.COLUMNS.
"""
from __future__ import annotations

from starscope.store.schema import CAP, EVENT_TYPES, TYPE_COUNT_COLUMNS

MONTH = "strftime({col}, '%Y-%m')"


def literal(value: object) -> str:
    """A SQL string literal. File paths go into DuckDB table functions and COPY targets, which
    take no bound parameters; a quote in a user's folder name must not end the string."""
    return "'" + str(value).replace("'", "''") + "'"

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
# Names are kept per month (a segment holds one month), so grouped by month too: a no-op for
# one month's events (the DuckDB workers), and what lets Spark derive all months at once.
REPO_NAMES_SELECT = (
    "SELECT repo_id, repo_name, min(created_at) AS first_seen, max(created_at) AS last_seen "
    f"FROM {{src}} GROUP BY {MONTH.format(col='created_at')}, repo_id, repo_name"
)
ACTOR_LOGINS_SELECT = (
    "SELECT actor_id, actor_login, min(created_at) AS first_seen, max(created_at) AS last_seen "
    f"FROM {{src}} GROUP BY {MONTH.format(col='created_at')}, actor_id, actor_login"
)


def _type_counts() -> str:
    return ",\n  ".join(
        f"count(*) FILTER (WHERE type = {code})::INTEGER AS {col}"
        for code, col in enumerate(TYPE_COUNT_COLUMNS)
    )


# Per (month, actor) activity facts of a set of new events; see schema.ACCOUNT_MONTHS.
# Second pass only for accounts with >= 3 events: fewer cannot have a value strictly inside.
ACCOUNT_MONTHS_SELECT = f"""
WITH ev AS (SELECT {MONTH.format(col="created_at")} AS month, * FROM {{src}}),
g AS (
  SELECT month, actor_id, min(created_at) AS first_at, max(created_at) AS last_at,
    min(repo_id) AS repo_min, max(repo_id) AS repo_max,
    min(org_id) AS org_min, max(org_id) AS org_max,
    count(*) AS n_events,
    bit_or((1::INTEGER << (day(created_at) - 1)::INTEGER)) AS days,
    {_type_counts()}
  FROM ev GROUP BY month, actor_id
),
inside AS (
  SELECT ev.month, ev.actor_id,
    bool_or(ev.created_at > g.first_at AND ev.created_at < g.last_at) AS more_times,
    bool_or(ev.repo_id > g.repo_min AND ev.repo_id < g.repo_max) AS more_repos,
    coalesce(bool_or(ev.org_id > g.org_min AND ev.org_id < g.org_max), false) AS more_orgs
  FROM ev JOIN g ON ev.month = g.month AND ev.actor_id = g.actor_id
  WHERE g.n_events >= 3
  GROUP BY ev.month, ev.actor_id
)
SELECT g.month, g.actor_id, first_at, last_at, coalesce(more_times, false) AS more_times,
  repo_min, repo_max, coalesce(more_repos, false) AS more_repos,
  org_min, org_max, coalesce(more_orgs, false) AS more_orgs, n_events, days,
  {", ".join(TYPE_COUNT_COLUMNS)}
FROM g LEFT JOIN inside ON g.month = inside.month AND g.actor_id = inside.actor_id
"""


def merge_partials(keys: str, src: str, days: str = "bit_or(p.days) AS days") -> str:
    """Merge account_months-shaped partials that share `keys` into one row each, exactly.

    A value lies strictly inside the merged range iff some partial has one inside its own range
    or has its smallest or largest value inside the merged range. NULL orgs (no org) are
    ignored by min/max and by bool_or."""
    on = " AND ".join(f"p.{k.strip()} = t.{k.strip()}" for k in keys.split(","))
    pk = ", ".join(f"p.{k.strip()}" for k in keys.split(","))

    def more(flag: str, lo: str, hi: str, g_lo: str, g_hi: str) -> str:
        return (f"coalesce(bool_or(p.{flag} OR p.{lo} NOT IN (t.{g_lo}, t.{g_hi}) "
                f"OR p.{hi} NOT IN (t.{g_lo}, t.{g_hi})), false) AS {flag}")

    return f"""
WITH t AS (
  SELECT {keys}, min(first_at) AS g_first, max(last_at) AS g_last,
    min(repo_min) AS g_rlo, max(repo_max) AS g_rhi, min(org_min) AS g_olo, max(org_max) AS g_ohi
  FROM {src} GROUP BY {keys}
)
SELECT {pk},
  min(t.g_first) AS first_at, min(t.g_last) AS last_at,
  {more("more_times", "first_at", "last_at", "g_first", "g_last")},
  min(t.g_rlo) AS repo_min, min(t.g_rhi) AS repo_max,
  {more("more_repos", "repo_min", "repo_max", "g_rlo", "g_rhi")},
  min(t.g_olo) AS org_min, min(t.g_ohi) AS org_max,
  {more("more_orgs", "org_min", "org_max", "g_olo", "g_ohi")},
  sum(p.n_events)::BIGINT AS n_events, {days},
  {", ".join(f"sum(p.{c})::INTEGER AS {c}" for c in TYPE_COUNT_COLUMNS)}
FROM {src} p JOIN t ON {on}
GROUP BY {pk}
"""


def _distinct_count(flag: str, lo: str, hi: str) -> str:
    """1, 2 or 3 (= 3 or more) distinct values; 0 when there are none."""
    return (f"(CASE WHEN {lo} IS NULL THEN 0 WHEN {flag} THEN {CAP} "
            f"WHEN {lo} = {hi} THEN 1 ELSE 2 END)::INTEGER")


# account_months as stored (one row per file until compacted), merged per month.
ACCOUNT_MONTHS_MERGED = merge_partials("month, actor_id", "account_months")

# One row per account over everything the store holds.
ACCOUNT_ACTIVITY_VIEW = f"""
WITH per_month AS ({ACCOUNT_MONTHS_MERGED}),
whole AS ({merge_partials("actor_id", "per_month",
                          "sum(bit_count(p.days))::INTEGER AS n_days")}),
logins AS (
  SELECT actor_id, arg_max(actor_login, last_seen) AS actor_login
  FROM actor_logins GROUP BY actor_id
)
SELECT w.actor_id, l.actor_login, w.first_at, w.last_at, w.n_events, w.n_days,
  {_distinct_count("w.more_times", "w.first_at", "w.last_at")} AS n_times,
  {_distinct_count("w.more_repos", "w.repo_min", "w.repo_max")} AS n_repos,
  {_distinct_count("w.more_orgs", "w.org_min", "w.org_max")} AS n_orgs,
  {", ".join("w." + c for c in TYPE_COUNT_COLUMNS)}
FROM whole w LEFT JOIN logins l ON w.actor_id = l.actor_id
"""

# The latest name of every repo, and every name it had (GitHub repos get renamed).
REPOS_VIEW = """
SELECT repo_id, arg_max(repo_name, last_seen) AS repo_name, min(first_seen) AS first_seen,
  max(last_seen) AS last_seen, list(DISTINCT repo_name ORDER BY repo_name) AS names
FROM repo_names GROUP BY repo_id
"""

assert len(TYPE_COUNT_COLUMNS) == len(EVENT_TYPES)
