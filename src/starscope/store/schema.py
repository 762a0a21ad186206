"""The store's tables: their columns, Arrow types and the event-type codes.

Every stage after ingest reads these names; they are a contract (see docs/store.md).
Times are UTC, stored as naive microsecond timestamps so DuckDB and Spark read them alike.
"""
from __future__ import annotations

import datetime as dt

import pyarrow as pa

# GH Archive event types, coded as a small integer in the `events` table. The order is fixed
# forever: codes are on disk. 0 is any type not listed here (older or future types).
EVENT_TYPES: tuple[str, ...] = (
    "Other",
    "CommitCommentEvent",
    "CreateEvent",
    "DeleteEvent",
    "ForkEvent",
    "GollumEvent",
    "IssueCommentEvent",
    "IssuesEvent",
    "MemberEvent",
    "PublicEvent",
    "PullRequestEvent",
    "PullRequestReviewCommentEvent",
    "PullRequestReviewEvent",
    "PushEvent",
    "ReleaseEvent",
    "WatchEvent",
    "SponsorshipEvent",
    "DiscussionEvent",
)
TYPE_CODE: dict[str, int] = {name: code for code, name in enumerate(EVENT_TYPES)}
WATCH = TYPE_CODE["WatchEvent"]
FORK = TYPE_CODE["ForkEvent"]

TS = pa.timestamp("us")

# The times the store's data can hold. GH Archive begins on 2011-02-12; ingest quarantines an
# event dated before it, or later than its file's hour plus LATE_MARGIN (see ingest.parse).
EARLIEST_EVENT = dt.datetime(2011, 2, 12)
LATE_MARGIN = dt.timedelta(days=1)

# One row per event of any type: the activity facts every detector may need.
EVENTS = pa.schema(
    [
        ("event_id", pa.int64()),
        ("created_at", TS),
        ("type", pa.int8()),
        ("actor_id", pa.int64()),
        ("repo_id", pa.int64()),
        ("org_id", pa.int64()),  # null when the repo is not an organisation's
    ]
)

# One row per star (WatchEvent), with the names a person reads.
STARS = pa.schema(
    [
        ("event_id", pa.int64()),
        ("starred_at", TS),
        ("repo_id", pa.int64()),
        ("repo_name", pa.string()),
        ("actor_id", pa.int64()),
        ("actor_login", pa.string()),
        ("org_id", pa.int64()),
    ]
)

# Names as seen in the archive: one row per (id, name) with the first and last time seen, so a
# renamed repo or account is found under every name it had.
REPO_NAMES = pa.schema(
    [("repo_id", pa.int64()), ("repo_name", pa.string()), ("first_seen", TS), ("last_seen", TS)]
)
ACTOR_LOGINS = pa.schema(
    [("actor_id", pa.int64()), ("actor_login", pa.string()), ("first_seen", TS), ("last_seen", TS)]
)

# Per account and calendar month (one row per ingested file until a month is compacted):
# mergeable activity facts. The signatures ask "at most k distinct" (timestamps, repos, orgs)
# with k <= 2; for each we keep the smallest and largest value and whether any value lies
# strictly between them. That answers "how many distinct, 1, 2 or 3+" exactly, and merges
# exactly: see docs/store.md.
CAP = 3
TYPE_COUNT_COLUMNS: tuple[str, ...] = tuple(
    "n_" + name.removesuffix("Event").lower() for name in EVENT_TYPES
)
ACCOUNT_MONTHS = pa.schema(
    [
        ("month", pa.string()),
        ("actor_id", pa.int64()),
        ("first_at", TS),
        ("last_at", TS),
        ("more_times", pa.bool_()),
        ("repo_min", pa.int64()),
        ("repo_max", pa.int64()),
        ("more_repos", pa.bool_()),
        ("org_min", pa.int64()),
        ("org_max", pa.int64()),
        ("more_orgs", pa.bool_()),
        ("n_events", pa.int64()),
        ("days", pa.int32()),  # bit d-1 set when active on day d of the month
    ]
    + [(c, pa.int32()) for c in TYPE_COUNT_COLUMNS]
)

# Per ingested hour file: what it held (the archive's own signals of its coverage, read by
# results/coverage.py). One row per file and ingest commit; a file ingested again (it changed)
# gets a new row with a higher `commit`, and readers keep the latest (the `hour_stats` view).
HOUR_STATS = pa.schema(
    [
        ("hour", TS),  # the UTC hour the file stands for (from its name, else its first event)
        ("file", pa.string()),
        ("commit", pa.int64()),
        ("lines", pa.int64()),
        ("events", pa.int64()),  # good events parsed (before de-duplication against the store)
        ("stars", pa.int64()),
        ("bad_lines", pa.int64()),
        ("corrupt", pa.bool_()),  # unreadable or truncated
    ]
    + [(c, pa.int64()) for c in TYPE_COUNT_COLUMNS]
    # the repos with the most stars in the file (ingest.engine.STAR_REPOS_PER_FILE), most
    # first: coverage finds the day's bursts from these instead of reading every star.
    # Null in rows written before it existed.
    + [("star_repos", pa.list_(pa.struct([("repo_id", pa.int64()), ("stars", pa.int64())])))]
)

# Public profiles of accounts, read from GitHub's API (`/users/{login}`): one row per account
# (the first time it was read). created_at is when the account was registered, the real
# "created together" signal (ids only approximate it). Segments carry the month label
# PROFILE_MONTH: a profile belongs to no month of activity.
ACCOUNT_PROFILES = pa.schema(
    [
        ("actor_id", pa.int64()),
        ("actor_login", pa.string()),
        ("type", pa.string()),  # User, Organization, Bot, ...
        ("created_at", TS),
        ("public_repos", pa.int64()),
        ("followers", pa.int64()),
    ]
)
PROFILE_MONTH = "profiles"

# Base tables written by ingest (and the live source), by name. Each is stored as Parquet under
# tables/<name>/month=YYYY-MM/<segment>.parquet and listed in the manifest.
TABLES: dict[str, pa.Schema] = {
    "events": EVENTS,
    "stars": STARS,
    "repo_names": REPO_NAMES,
    "actor_logins": ACTOR_LOGINS,
    "account_profiles": ACCOUNT_PROFILES,
}
