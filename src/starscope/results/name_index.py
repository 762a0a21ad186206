"""Which repository names and logins a committed store holds: an exact "not here" without a
query, so a scan of random unknown names costs the web service a lookup in memory instead
of a DuckDB scan each (issue 16's miss storm).

Built once per manifest from the names tables: each lowercased name (lowered by DuckDB, as
the answers' own lookups lower it) kept as a 64-bit hash in one sorted array, 8 bytes a name.
A name whose hash is absent is certainly not in the store; a present one (or a hash
collision) goes on to the real lookup, so the index never turns a known name away.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left


def _hashes(con, query: str) -> array:
    out = array("q")
    rel = con.sql(query)
    to_reader = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader  # duckdb < 1.4
    reader = to_reader(1 << 16)
    for batch in reader:
        out.extend(hash(s) for s in batch.column(0).to_pylist() if s is not None)
    return array("q", sorted(set(out)))


def _has(arr: array, h: int) -> bool:
    i = bisect_left(arr, h)
    return i < len(arr) and arr[i] == h


class NameIndex:
    def __init__(self, con) -> None:
        self.repos = _hashes(con, "SELECT DISTINCT lower(repo_name) FROM repo_names")
        self.logins = _hashes(con, "SELECT DISTINCT lower(actor_login) FROM actor_logins")

    def may_have_repo(self, name: str) -> bool:
        """False: no repository had this name (case-insensitively). True: look it up."""
        return _has(self.repos, hash(name.lower()))

    def may_have_login(self, login: str) -> bool:
        """False: no account had this login. True: look it up (ids always go on)."""
        return login.isdigit() or _has(self.logins, hash(login.lower()))
