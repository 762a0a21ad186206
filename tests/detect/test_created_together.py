"""The created-together signal (account creation times from profiles) agrees exactly with its
brute-force reference, adds nothing without profiles, and explains itself."""
from __future__ import annotations

import datetime as dt

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starscope.detect import created_together as ct

from .reference_ct import created_together as reference

T0 = dt.datetime(2026, 8, 1)
# creation offsets (seconds) on a coarse grid so equal times and boundary gaps happen often
OFFSETS = [0, 0, 1, 60, 600, 3599, 3600, 3601, 7200, 86400, 10**7]


def _con(stars, created):
    con = duckdb.connect()
    con.execute("CREATE TABLE _det_stars (event_id BIGINT, starred_at TIMESTAMP, repo_id BIGINT, "
                "actor_id BIGINT)")
    if stars:
        con.executemany("INSERT INTO _det_stars VALUES (NULL, ?, ?, ?)",
                        [(T0, r, a) for a, r in sorted(stars)])
    con.execute("CREATE TABLE account_profiles (actor_id BIGINT, actor_login VARCHAR, type VARCHAR, "
                "created_at TIMESTAMP, public_repos BIGINT, followers BIGINT)")
    if created:
        con.executemany("INSERT INTO account_profiles VALUES (?, 'x', 'User', ?, 0, 0)",
                        sorted(created.items(), key=lambda kv: kv[0]))
    con.execute("CREATE TABLE _dp_sig (actor_id BIGINT, repo_id BIGINT, signal VARCHAR, "
                "weight DOUBLE, reason VARCHAR, ord INTEGER)")
    return con


def _sql(stars, created, P):
    con = _con(stars, created)
    ct.add_signals(con, P)
    rows = con.execute("SELECT actor_id, repo_id, signal, reason FROM _dp_sig").fetchall()
    left = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_ct_%'").fetchone()[0]
    assert left == 0
    assert all(r[2] == ct.SIGNAL and "created together" in r[3] for r in rows)
    return {(a, r) for a, r, _, _ in rows}


@st.composite
def worlds(draw):
    n_users = draw(st.integers(1, 30))
    n_repos = draw(st.integers(1, 3))
    stars = draw(st.sets(st.tuples(st.integers(1, n_users), st.integers(1, n_repos)), max_size=60))
    created = {}
    for a in range(1, n_users + 1):
        if draw(st.booleans()) or a % 3:
            created[a] = T0 + dt.timedelta(seconds=draw(st.sampled_from(OFFSETS)) + 5 * a
                                           * draw(st.sampled_from([0, 1, 100])))
    P = ct.CreatedTogetherParams(
        max_gap_seconds=draw(st.sampled_from([1, 60, 3600])),
        density_factor=draw(st.sampled_from([0.05, 0.5, 1.0, 10.0])),
        min_block=draw(st.sampled_from([1, 2, 3, 10])),
        min_repo_share=draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])),
        big_block=draw(st.sampled_from([2, 5, 50])))
    return stars, created, P


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_sql_agrees_with_reference(w):
    stars, created, P = w
    assert _sql(stars, created, P) == reference(stars, created, P)


def test_bulk_created_block_flagged_spread_accounts_not():
    stars = {(a, 1) for a in range(1, 41)}
    created = {a: T0 + dt.timedelta(minutes=a) for a in range(1, 21)}  # 20 made minutes apart
    created.update({a: T0 + dt.timedelta(days=50 * a) for a in range(21, 41)})  # over years
    assert _sql(stars, created, ct.CreatedTogetherParams()) == {(a, 1) for a in range(1, 21)}


def test_nothing_without_profiles():
    con = duckdb.connect()
    con.execute("CREATE TABLE _dp_sig (actor_id BIGINT, repo_id BIGINT, signal VARCHAR, "
                "weight DOUBLE, reason VARCHAR, ord INTEGER)")
    ct.add_signals(con)  # no account_profiles relation at all
    assert con.execute("SELECT count(*) FROM _dp_sig").fetchone()[0] == 0
