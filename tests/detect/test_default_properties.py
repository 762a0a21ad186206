"""Property tests of the default profile's reuse / burst / overlap / fresh signals: the SQL agrees exactly with
the brute-force reference (tests/detect/reference_default.py) on small random worlds whose
times sit on a coarse grid, so that span and gap boundaries are hit often."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starscope.detect import default_profile, lockstep, low_activity
from starscope.detect import run as detect_run
from starscope.detect.default_profile import DefaultParams
from starscope.detect.params import Params

from starscope.store.schema import TYPE_CODE

from .fixtures import T0, events_from_stars, make_con
from .reference_default import fresh_signals, overlap_signals, reuse_signals

HOURS = [0, 1, 2, 23, 24, 25, 47, 48, 49, 72, 100, 240]

params_st = st.builds(
    lambda span, mn, share, gap, acc, rs, cs, ov: DefaultParams(
        burst_span_hours=span, burst_min_stars=mn, burst_min_share=share, reuse_min_gap_hours=gap[0],
        reuse_sitting_minutes=gap[1],
        reuse_min_accounts=acc, reuse_min_repo_share=rs, client_min_reused_share=cs,
        overlap_min_shared=ov[0], overlap_min_share=ov[1], overlap_min_gap_hours=ov[2],
        overlap_max_sd_hours=ov[3], overlap_max_repo_stars=ov[4], overlap_max_account_stars=ov[5]),
    st.sampled_from([1, 24, 48]), st.sampled_from([1, 2, 3]), st.sampled_from([0.5, 0.5, 1.0, 0.34]),
    st.tuples(st.sampled_from([1, 24, 48]), st.sampled_from([1, 60, 120])), st.sampled_from([1, 2, 3]),
    st.sampled_from([0.5, 0.25, 1.0]), st.sampled_from([0.2, 0.5, 1.0]),
    st.tuples(st.sampled_from([1, 2, 3]), st.sampled_from([0.1, 0.5, 1.0]), st.sampled_from([1, 24, 48]),
              st.sampled_from([1, 24, 100]), st.sampled_from([3, 5000]), st.sampled_from([2, 3, 50])))


@st.composite
def worlds(draw):
    n_users = draw(st.integers(1, 8))
    n_repos = draw(st.integers(1, 5))
    raw = draw(st.lists(st.tuples(st.integers(1, n_users), st.integers(1, n_repos), st.sampled_from(HOURS)),
                        max_size=40))
    return [{"event_id": 1000 + i, "starred_at": T0 + dt.timedelta(hours=h), "repo_id": r,
             "repo_name": f"o/r{r}", "actor_id": u, "actor_login": f"u{u}", "org_id": None}
            for i, (u, r, h) in enumerate(raw)]


def _sql(stars, P):
    con = make_con(stars)
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, Params())
    lockstep.run(con, Params(), None)
    try:
        default_profile._signals(con, P)
        return set(con.execute(
            "SELECT actor_id, repo_id, signal FROM _dp_sig WHERE signal IN ('reuse', 'burst', 'overlap')"
        ).fetchall())
    finally:
        default_profile._sql.drop(con, default_profile.INTERMEDIATE)


@settings(deadline=None, max_examples=20, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), params_st)
def test_reuse_and_burst_match_reference(stars, P):
    assert _sql(stars, P) == reuse_signals(stars, P) | overlap_signals(stars, P)


def test_reference_sees_a_farm_and_not_a_list():
    """The reference itself on a hand-made case: 12 accounts in two orders days apart are
    reused; 12 readers starring two repos in the same hour are not."""
    P = DefaultParams(burst_min_stars=10)
    stars = []
    for i in range(12):
        for r, h in ((1, 0), (2, 100)):
            stars.append({"event_id": len(stars) + 1, "starred_at": T0 + dt.timedelta(hours=h, minutes=i),
                          "repo_id": r, "repo_name": "o/r", "actor_id": i + 1, "actor_login": "u", "org_id": None})
        for r in (3, 4):
            stars.append({"event_id": len(stars) + 1, "starred_at": T0 + dt.timedelta(hours=5, minutes=i),
                          "repo_id": r, "repo_name": "o/r", "actor_id": 100 + i, "actor_login": "u", "org_id": None})
    got = reuse_signals(stars, P)
    assert got == {(i + 1, r, "reuse") for i in range(12) for r in (1, 2)}
    # the two orders also overlap far beyond chance; the list's repos (same hour) do not
    ov = overlap_signals(stars, P)
    assert ov == {(i + 1, r, "overlap") for i in range(12) for r in (1, 2)}
    assert _sql(stars, P) == got | ov


@st.composite
def fresh_worlds(draw):
    """Accounts appear over a few days; ids partly in sign-up order; some push (not thin)."""
    stars = draw(worlds())
    pushes = draw(st.lists(st.tuples(st.integers(1, 8), st.sampled_from(HOURS)), max_size=4))
    events = events_from_stars(stars)
    for j, (u, h) in enumerate(pushes):
        events.append({"event_id": 9000 + j, "created_at": T0 + dt.timedelta(hours=h),
                       "type": TYPE_CODE["PushEvent"], "actor_id": u, "repo_id": 77, "org_id": None})
    return stars, events


@settings(deadline=None, max_examples=20, suppress_health_check=[HealthCheck.too_slow])
@given(fresh_worlds(), st.sampled_from([1, 2, 5]), st.sampled_from([1, 2, 3]), st.sampled_from([0.25, 0.5, 1.0]))
def test_fresh_matches_reference(world, lag, n, share):
    stars, events = world
    P = DefaultParams(fresh_lag_days=lag, fresh_min_accounts=n, fresh_min_repo_share=share)
    con = make_con(stars, events_rows=events)
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, Params())
    lockstep.run(con, Params(), None)
    try:
        default_profile._signals(con, P)
        got = set(con.execute("SELECT actor_id, repo_id, signal FROM _dp_sig WHERE signal = 'fresh'").fetchall())
    finally:
        default_profile._sql.drop(con, default_profile.INTERMEDIATE)
    assert got == fresh_signals(stars, events, P)


def test_fresh_hand_case():
    """Accounts seen on day 0 set the clock; twelve higher ids starring one repo on day 3
    signed up since: fresh. Twelve new ids starring on day 1 (no clock two days before): not."""
    def s(a, r, day):
        return {"event_id": a * 100 + r, "starred_at": T0 + dt.timedelta(days=day), "repo_id": r,
                "repo_name": "o/r", "actor_id": a, "actor_login": "u", "org_id": None}
    stars = [s(a, 50, 0) for a in range(1, 6)] + [s(100 + i, 60, 3) for i in range(12)] \
        + [s(20 + i, 70, 1) for i in range(12)]
    P = DefaultParams()
    want = {(100 + i, 60, "fresh") for i in range(12)}
    assert fresh_signals(stars, events_from_stars(stars), P) == want
    con = make_con(stars)
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, Params())
    lockstep.run(con, Params(), None)
    default_profile._signals(con, P)
    assert set(con.execute("SELECT actor_id, repo_id, signal FROM _dp_sig WHERE signal = 'fresh'").fetchall()) == want
