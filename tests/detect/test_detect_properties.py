"""Property tests: the SQL implementation agrees EXACTLY with the brute-force reference on
small random worlds (few users and repos, small n and m, times on a coarse grid so that
ties and |t - center| = Δt boundaries happen often)."""
from __future__ import annotations

import contextlib
import datetime as dt

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from needs import examples
from starscope.detect import Params, run_detection
from starscope.store.schema import TYPE_CODE

from . import reference as ref
from .fixtures import T0, events_from_stars, make_con

DAYS = [0, 1, 2, 14, 15, 16, 17, 31, 45, 60, 100, 190, 200, 280]
SECS = [0, 0, 0, 1, 3600, 43200]

params_st = st.builds(
    lambda n, m, rho, dtd, keep, it, win, la, cms, crs: Params(
        lockstep_n=n, lockstep_m=m, lockstep_rho=rho, lockstep_delta_t_days=dtd,
        lockstep_top_keep_factor=keep, lockstep_max_iter=it, lockstep_window_months=win[0],
        lockstep_window_step_months=win[1], low_activity_min_stargazers=la,
        campaign_month_min_suspected=cms, campaign_month_min_share=0.5,
        campaign_repo_min_share=crs),
    st.sampled_from([1, 2, 2, 3]), st.sampled_from([1, 2, 2, 3]), st.sampled_from([0.5, 0.5, 1.0, 0.34]),
    st.sampled_from([1, 15, 15, 30]), st.sampled_from([1, 20]), st.sampled_from([1, 2, 10, 10]),
    st.sampled_from([(6, 3), (6, 3), (2, 1), (3, 3)]), st.sampled_from([1, 2, 3]),
    st.sampled_from([1, 2, 3]), st.sampled_from([0.1, 0.5]),
)


@st.composite
def worlds(draw):
    n_users = draw(st.integers(1, 7))
    n_repos = draw(st.integers(1, 5))
    orgs = {r: draw(st.sampled_from([None, None, 7, 8])) for r in range(1, n_repos + 1)}
    raw = draw(st.lists(st.tuples(st.integers(1, n_users), st.integers(1, n_repos),
                                  st.sampled_from(DAYS), st.sampled_from(SECS)),
                        min_size=0, max_size=30))
    stars = []
    for i, (u, r, d, s) in enumerate(raw, start=1):
        stars.append({"event_id": 1000 - i if i % 3 == 0 else 1000 + i,
                      "starred_at": T0 + dt.timedelta(days=d, seconds=s), "repo_id": r,
                      "repo_name": f"o/r{r}", "actor_id": u, "actor_login": f"u{u}",
                      "org_id": orgs[r]})
    events = events_from_stars(stars)
    # some other activity (pushes, issues) that can make an account not low-activity
    extra = draw(st.lists(st.tuples(st.integers(1, n_users), st.integers(1, n_repos + 1),
                                    st.sampled_from(DAYS[:4]), st.sampled_from(SECS)),
                          max_size=4))
    for j, (u, r, d, s) in enumerate(extra):
        events.append({"event_id": 5000 + j, "created_at": T0 + dt.timedelta(days=d, seconds=s),
                       "type": TYPE_CODE["PushEvent"], "actor_id": u, "repo_id": r,
                       "org_id": orgs.get(r)})
    return stars, events


def _sql_result(con, tables):
    t = tables
    la = set(con.execute(f"SELECT actor_id, repo_id FROM {t['suspected_stars']} WHERE low_activity").fetchall())
    cl = set(con.execute(f"SELECT actor_id, repo_id FROM {t['suspected_stars']} WHERE clustered").fetchall())
    months = {(r, m): (a, b, c, d) for r, m, a, b, c, d in con.execute(
        f"SELECT repo_id, month, stars, suspected, low_activity, clustered FROM {t['repo_months']}").fetchall()}
    camps = {r for (r,) in con.execute(f"SELECT repo_id FROM {t['campaigns']}").fetchall()}
    farms = []
    for fid, win, ids in con.execute(f"SELECT farm_id, window_label, account_ids FROM {t['farms']} ORDER BY farm_id").fetchall():
        edges = con.execute(
            f"SELECT actor_id, repo_id FROM {t['suspected_stars']} WHERE list_contains(farm_ids, ?)", [fid]).fetchall()
        farms.append((win, frozenset(edges)))
        assert sorted({a for a, _ in edges}) == ids
    return {"low_activity": la, "clustered": cl, "repo_months": months, "campaigns": camps,
            "farms": farms}


@settings(deadline=None, max_examples=examples(50), suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), params_st)
def test_sql_matches_reference(world, P):
    _sql_matches_reference(world, P)


def _sql_matches_reference(world, P, engine="duckdb"):
    stars, events = world
    con = make_con(stars, events_rows=events, engine=engine)
    got = _sql_result(con, run_detection(con, params=P))
    want = ref.detect(stars, events, P)
    assert got["low_activity"] == want["low_activity"]
    assert got["clustered"] == want["clustered"]
    assert got["repo_months"] == want["repo_months"]
    assert got["campaigns"] == want["campaigns"]
    assert got["farms"] == want["farms"]


@settings(deadline=None, max_examples=examples(20), suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), params_st, st.sampled_from([None, 1, 15, 40]), st.sampled_from([None, 16, 60, 250]))
def test_since_until_matches_reference(world, P, since_d, until_d):
    stars, events = world
    since = None if since_d is None else T0 + dt.timedelta(days=since_d)
    until = None if until_d is None else T0 + dt.timedelta(days=until_d)
    if since and until and since >= until:
        return
    con = make_con(stars, events_rows=events)
    got = _sql_result(con, run_detection(con, params=P, since=since, until=until))
    want = ref.detect(stars, events, P, since, until)
    for k in ("low_activity", "clustered", "repo_months", "campaigns", "farms"):
        assert got[k] == want[k], k


# A denser world: more users than repos and stars bunched in time, so clusters of several
# users and repos form and iterate.
@st.composite
def dense_worlds(draw):
    n_users = draw(st.integers(3, 10))
    n_repos = draw(st.integers(2, 6))
    stars = []
    eid = 1
    for u in range(1, n_users + 1):
        for r in range(1, n_repos + 1):
            if draw(st.booleans()):
                d = draw(st.sampled_from([0, 0, 1, 3, 10, 15, 16, 29, 40, 120]))
                stars.append({"event_id": eid, "starred_at": T0 + dt.timedelta(days=d, hours=draw(st.sampled_from([0, 5]))),
                              "repo_id": r, "repo_name": f"o/r{r}", "actor_id": u,
                              "actor_login": f"u{u}", "org_id": None})
                eid += 1
    return stars, events_from_stars(stars)


@settings(deadline=None, max_examples=examples(30), suppress_health_check=[HealthCheck.too_slow])
@given(dense_worlds(), params_st)
def test_dense_sql_matches_reference(world, P):
    _dense_sql_matches_reference(world, P)


def _dense_sql_matches_reference(world, P, engine="duckdb"):
    stars, events = world
    con = make_con(stars, events_rows=events, engine=engine)
    got = _sql_result(con, run_detection(con, params=P))
    want = ref.detect(stars, events, P)
    for k in ("low_activity", "clustered", "repo_months", "campaigns", "farms"):
        assert got[k] == want[k], k


# ---- the same properties on Spark (few examples: each costs a Spark detection run) ----------
@contextlib.contextmanager
def _one_partition(spark):
    prev = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "1")  # tiny inputs
    try:
        yield
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", prev)


# No shrinking on Spark (each try is a Spark run): a failure is reported as found.
_SPARK = dict(deadline=None, database=None,
              phases=[Phase.explicit, Phase.reuse, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@settings(max_examples=2, **_SPARK)
@given(worlds(), params_st)
def test_sql_matches_reference_on_spark(spark, world, P):
    with _one_partition(spark):
        _sql_matches_reference(world, P, engine="spark")


@settings(max_examples=1, **_SPARK)
@given(dense_worlds(), params_st)
def test_dense_sql_matches_reference_on_spark(spark, world, P):
    with _one_partition(spark):
        _dense_sql_matches_reference(world, P, engine="spark")
