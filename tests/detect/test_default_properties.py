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
from .reference_default import fresh_signals, hollow_kept, hollow_signals, overlap_signals, reuse_signals

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


def _signal_rows(signal, stars, events, P, created=None):
    """The default profile's rows of one signal on a hand-made world (profiles optional)."""
    con = make_con(stars, events_rows=events)
    if created is not None:
        con.execute("CREATE TABLE account_profiles (actor_id BIGINT, actor_login VARCHAR, type VARCHAR, "
                    "created_at TIMESTAMP, public_repos BIGINT, followers BIGINT)")
        con.executemany("INSERT INTO account_profiles VALUES (?, 'x', 'User', ?, 0, 0)",
                        sorted(created.items()))
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, Params())
    lockstep.run(con, Params(), None)
    try:
        default_profile._signals(con, P)
        return set(con.execute("SELECT actor_id, repo_id, signal FROM _dp_sig WHERE signal = ?",
                               [signal]).fetchall())
    finally:
        default_profile._sql.drop(con, default_profile.INTERMEDIATE)


def _fresh_sql(stars, events, P, created=None):
    return _signal_rows("fresh", stars, events, P, created)


@settings(deadline=None, max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(fresh_worlds(), st.dictionaries(st.integers(1, 8), st.sampled_from([-30, -3, -2, -1, 0, 1, 2, 5]),
                                       min_size=1), st.sampled_from([1, 2]), st.sampled_from([1, 2]))
def test_fresh_with_profiles_matches_reference(world, created_days, lag, n):
    """Where profiles give an account's creation time, it decides (ids for the others)."""
    stars, events = world
    created = {a: T0 + dt.timedelta(days=d, hours=5) for a, d in created_days.items()}
    P = DefaultParams(fresh_lag_days=lag, fresh_min_accounts=n, fresh_min_repo_share=0.25)
    assert _fresh_sql(stars, events, P, created) == fresh_signals(stars, events, P, created=created)


def test_fresh_from_profiles_hand_case():
    """Twelve old ids (below the clock) created the day before their star: fresh by their
    profiles, not by ids. Twelve high ids created years ago: fresh by ids, not by profiles."""
    def s(a, r, day):
        return {"event_id": a * 100 + r, "starred_at": T0 + dt.timedelta(days=day), "repo_id": r,
                "repo_name": "o/r", "actor_id": a, "actor_login": "u", "org_id": None}
    stars = [s(1000 + a, 50, 0) for a in range(5)] + [s(10 + i, 60, 3) for i in range(12)] \
        + [s(5000 + i, 70, 3) for i in range(12)]
    events = events_from_stars(stars)
    P = DefaultParams()
    assert _fresh_sql(stars, events, P) == {(5000 + i, 70, "fresh") for i in range(12)}
    created = {10 + i: T0 + dt.timedelta(days=2) for i in range(12)} \
        | {5000 + i: T0 - dt.timedelta(days=900) for i in range(12)}
    want = {(10 + i, 60, "fresh") for i in range(12)}
    assert fresh_signals(stars, events, P, created=created) == want
    assert _fresh_sql(stars, events, P, created) == want


@st.composite
def hollow_worlds(draw):
    """Stars plus some other people's work (forks, issues, pushes) on the repos."""
    stars = draw(worlds())
    work = draw(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 5), st.sampled_from(HOURS),
                                   st.sampled_from(["ForkEvent", "IssuesEvent", "PushEvent"])), max_size=6))
    events = events_from_stars(stars)
    for j, (u, r, h, t) in enumerate(work):
        events.append({"event_id": 9000 + j, "created_at": T0 + dt.timedelta(hours=h),
                       "type": TYPE_CODE[t], "actor_id": u, "repo_id": r, "org_id": None})
    return stars, events


def _hollow_sql(stars, events, P):
    return _signal_rows("hollow", stars, events, P)


@settings(deadline=None, max_examples=20, suppress_health_check=[HealthCheck.too_slow])
@given(hollow_worlds(), st.sampled_from([1, 2, 3]), st.sampled_from([0.0, 0.2, 1.0]), st.sampled_from([1, 60]),
       st.sampled_from([1, 24, 72]), st.sampled_from([1, 2]), st.sampled_from([0.0, 0.5, 1.0]),
       st.sampled_from([0.0, 0.5, 0.6, 0.8, 1.0]))
def test_hollow_matches_reference(world, n, eng, sit, win, nb, thin, order):
    stars, events = world
    P = DefaultParams(hollow_min_stars=n, hollow_min_accounts=n, hollow_max_engaged_share=eng,
                      reuse_sitting_minutes=sit, hollow_window_hours=win, hollow_min_neighbours=nb,
                      hollow_min_thin_share=thin, hollow_min_repo_share=0.5, hollow_min_order_share=order)
    assert _hollow_sql(stars, events, P) == hollow_signals(stars, events, P)


def test_hollow_hand_case():
    """Twelve thin accounts star repo 1 over two days, nobody works there: hollow. The same on
    repo 2, where five other people fork and open issues: not. Twelve readers of a list starring
    repos 3 and 4 in one sitting: not."""
    stars = []
    for i in range(12):
        for r, h in ((1, 0), (2, 0), (3, 5), (4, 5)):
            a = {1: 100, 2: 200, 3: 300, 4: 300}[r] + i
            stars.append({"event_id": len(stars) + 1, "starred_at": T0 + dt.timedelta(hours=h + 4 * i),
                          "repo_id": r, "repo_name": f"o/r{r}", "actor_id": a, "actor_login": "u", "org_id": None})
    events = events_from_stars(stars)
    for j in range(6):
        events.append({"event_id": 9000 + j, "created_at": T0, "type": TYPE_CODE["ForkEvent" if j % 2 else "IssuesEvent"],
                       "actor_id": 900 + j, "repo_id": 2, "org_id": None})
    P = DefaultParams()
    want = {(100 + i, 1, "hollow") for i in range(12)}
    assert hollow_signals(stars, events, P) == want
    assert _hollow_sql(stars, events, P) == want


def test_hollow_needs_an_order():
    """Twelve thin accounts star repo 1 within two days: an order, hollow. Twelve others star
    repo 2 one every 18 hours over eight days (a small repo nobody forks, starred at random):
    each star has >= 3 neighbours within 72 h, but no 72 h span holds half of them: not."""
    stars = []
    for i in range(12):
        for r, h in ((1, 4 * i), (2, 18 * i)):
            stars.append({"event_id": len(stars) + 1, "starred_at": T0 + dt.timedelta(hours=h),
                          "repo_id": r, "repo_name": f"o/r{r}", "actor_id": 100 * r + i,
                          "actor_login": "u", "org_id": None})
    events = events_from_stars(stars)
    P = DefaultParams()
    want = {(100 + i, 1, "hollow") for i in range(12)}
    assert hollow_signals(stars, events, P) == want
    assert _hollow_sql(stars, events, P) == want
    # with the order test off, repo 2 is hollow too
    P0 = DefaultParams(hollow_min_order_share=0.0)
    assert _hollow_sql(stars, events, P0) == hollow_signals(stars, events, P0) == \
        want | {(200 + i, 2, "hollow") for i in range(12)}


@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(st.tuples(st.integers(1, 6), st.integers(1, 3), st.sampled_from(["hollow", "hollow-burst", "drip-rest", "drip", "reuse", "bulk"])),
               max_size=30), st.sampled_from([0.0, 0.3, 0.5, 0.8, 1.0]))
def test_hollow_confirm_matches_reference(rows, share):
    """Where other signals see >= hollow_confirm_share of a repo's hollow stars, hollow's other
    stars there do not count (default_profile._keep against the reference)."""
    import duckdb
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE _dp_sig (actor_id BIGINT, repo_id BIGINT, signal VARCHAR, "
                "weight DOUBLE, reason VARCHAR, ord INTEGER)")
    if rows:
        con.executemany("INSERT INTO _dp_sig VALUES (?, ?, ?, 0.5, 'x', 1)", sorted(rows))
    P = DefaultParams(hollow_confirm_share=share)
    default_profile._keep(con, P)
    got = set(con.execute("SELECT actor_id, repo_id, signal FROM _dp_kept").fetchall())
    assert got == hollow_kept(set(rows), P)


def test_hollow_confirm_hand_case():
    """Repo 1: reuse and burst see 4 of its 5 hollow stars (>= 0.8), so the fifth (an organic star
    that came during the order) is dropped; repo 2: others see 3 of 5 (< 0.8), its hollow stars
    stay; repo 3: nothing else sees its hollow stars, they stay."""
    rows = {(a, r, "hollow") for a in range(1, 6) for r in (1, 2, 3)}
    rows |= {(1, 1, "reuse"), (2, 1, "reuse"), (3, 1, "burst"), (4, 1, "bulk"),
             (1, 2, "reuse"), (2, 2, "reuse"), (3, 2, "burst")}
    want = rows - {(5, 1, "hollow")}
    assert hollow_kept(rows, DefaultParams()) == want
    import duckdb
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE _dp_sig (actor_id BIGINT, repo_id BIGINT, signal VARCHAR, "
                "weight DOUBLE, reason VARCHAR, ord INTEGER)")
    con.executemany("INSERT INTO _dp_sig VALUES (?, ?, ?, 0.5, 'x', 1)", sorted(rows))
    default_profile._keep(con, DefaultParams())
    assert set(con.execute("SELECT actor_id, repo_id, signal FROM _dp_kept").fetchall()) == want
