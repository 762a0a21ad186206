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


def _sql(stars, created, P, eligible=None):
    con = _con(stars, created)
    if eligible is not None:
        con.execute("CREATE TABLE _elig (actor_id BIGINT)")
        if eligible:
            con.executemany("INSERT INTO _elig VALUES (?)", [(a,) for a in sorted(eligible)])
    ct.add_signals(con, P, eligible=None if eligible is None else "_elig")
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
    eligible = draw(st.none() | st.sets(st.integers(1, n_users)))
    return stars, created, P, eligible


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_sql_agrees_with_reference(w):
    stars, created, P, eligible = w
    assert _sql(stars, created, P, eligible) == reference(stars, created, P, eligible)


def test_bulk_created_block_flagged_spread_accounts_not():
    stars = {(a, 1) for a in range(1, 41)}
    created = {a: T0 + dt.timedelta(minutes=a) for a in range(1, 21)}  # 20 made minutes apart
    created.update({a: T0 + dt.timedelta(days=50 * a) for a in range(21, 41)})  # over years
    assert _sql(stars, created, ct.CreatedTogetherParams()) == {(a, 1) for a in range(1, 21)}


def test_only_eligible_accounts_form_blocks():
    """A class registered together that then works (not eligible) is not suspected, nor are its
    few members that have not worked yet (5 idle accounts are no block of 10: a hackathon, as
    in the realistic world read through the API); a block of eligible accounts is."""
    stars = {(a, 1) for a in range(1, 41)}
    created = {a: T0 + dt.timedelta(minutes=a) for a in range(1, 21)}  # 20 made minutes apart
    created.update({a: T0 + dt.timedelta(days=50 * a) for a in range(21, 41)})
    assert _sql(stars, created, ct.CreatedTogetherParams(), eligible=set(range(21, 41))) == set()
    assert _sql(stars, created, ct.CreatedTogetherParams(),
                eligible=set(range(1, 6)) | set(range(21, 41))) == set()
    assert _sql(stars, created, ct.CreatedTogetherParams(),
                eligible=set(range(1, 13)) | set(range(21, 41))) == {(a, 1) for a in range(1, 13)}


def test_nothing_without_profiles():
    con = duckdb.connect()
    con.execute("CREATE TABLE _dp_sig (actor_id BIGINT, repo_id BIGINT, signal VARCHAR, "
                "weight DOUBLE, reason VARCHAR, ord INTEGER)")
    ct.add_signals(con)  # no account_profiles relation at all
    assert con.execute("SELECT count(*) FROM _dp_sig").fetchone()[0] == 0


def profiles_world():
    """(stars, events, account_profiles as Arrow): 30 accounts with scattered ids starring
    repo 5, the first 15 registered minutes apart and doing nothing else; a class of 15 made
    minutes apart that star repo 6 and then work on other repos."""
    import pyarrow as pa

    from . import fixtures

    ids = [1_000_000 + 7_919_000 * i for i in range(30)]  # spread over years of ids
    stars = [{"event_id": 10 + i, "starred_at": fixtures.T0 + dt.timedelta(days=i % 20, hours=i),
              "repo_id": 5, "repo_name": "o/r", "actor_id": a, "actor_login": f"u{a}", "org_id": None}
             for i, a in enumerate(ids)]
    events = [{"event_id": 1000 + i, "created_at": fixtures.T0 + dt.timedelta(days=k), "type": 13,
               "actor_id": a, "repo_id": 900 + i, "org_id": None}
              for i, a in enumerate(ids) for k in range(3)
              if i >= 15]  # the first 15 do nothing else (thin); the rest are active
    # a class: 15 accounts made minutes apart that star repo 6 and then work on other repos
    cls = [2_000_003 + 7_919_000 * i for i in range(15)]
    stars += [{"event_id": 5000 + i, "starred_at": fixtures.T0 + dt.timedelta(days=i % 5),
               "repo_id": 6, "repo_name": "o/course", "actor_id": a, "actor_login": f"u{a}",
               "org_id": None} for i, a in enumerate(cls)]
    events += [{"event_id": 6000 + 10 * i + k, "created_at": fixtures.T0 + dt.timedelta(days=k),
                "type": 13, "actor_id": a, "repo_id": 700 + i, "org_id": None}
               for i, a in enumerate(cls) for k in range(3)]
    events += [{"event_id": s["event_id"], "created_at": s["starred_at"], "type": 15,
                "actor_id": s["actor_id"], "repo_id": s["repo_id"], "org_id": None} for s in stars]
    made = [T0 + dt.timedelta(minutes=2 * i) if i < 15 else T0 - dt.timedelta(days=100 * i)
            for i in range(30)] + [T0 + dt.timedelta(days=1, minutes=2 * i) for i in range(15)]
    prof = pa.table({"actor_id": pa.array(ids + cls, pa.int64()),
                     "actor_login": [f"u{a}" for a in ids + cls], "type": ["User"] * 45,
                     "created_at": pa.array(made, pa.timestamp("us")),
                     "public_repos": pa.array([1] * 45, pa.int64()),
                     "followers": pa.array([0] * 45, pa.int64())})
    return stars, events, prof


def test_default_profile_uses_profiles():
    """Accounts registered minutes apart but with scattered ids (so not `bulk`) that do no
    other work are flagged by the default profile once their profiles are known; a cohort
    registered minutes apart that then works is not. (On Spark: test_default_profile_spark.py.)"""
    from starscope.detect import default_profile, lockstep, low_activity
    from starscope.detect import run as detect_run
    from starscope.detect.params import Params

    from . import fixtures

    stars, events, prof = profiles_world()
    ids = sorted({s["actor_id"] for s in stars if s["repo_id"] == 5})
    con = fixtures.make_con(stars, events_rows=events)
    con.register("account_profiles", prof)
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, Params())
    lockstep.run(con, Params(), None)
    default_profile.run(con, None)
    rows = con.execute("SELECT actor_id, reasons FROM _det_default_susp ORDER BY actor_id").fetchall()
    # other signals may see repo 5 too (half its stargazers do nothing else); created together
    # names exactly the 15 accounts made minutes apart that do nothing else, and no student
    together = [a for a, r in rows if "created together" in r]
    assert together == ids[:15]
    assert all("created together: 15 stargazers registered 2026-08-01 00:00:00 to "
               "2026-08-01 00:28:00 UTC" in r for a, r in rows if a in together)
