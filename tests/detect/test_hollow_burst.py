"""The hollow-burst signal: the SQL agrees exactly with the brute-force reference on small
random worlds with times on a coarse grid (span and sitting boundaries hit often), a hand-made
case says what it is for (docs/adversary.md), and the default profile runs it as its
`hollow-burst` signal with its own `hollow_burst_*` thresholds."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dataclasses

from starscope.detect import hollow_burst
from starscope.detect.default_profile import DefaultParams
from starscope.detect.hollow_burst import HollowBurstParams
from starscope.store.schema import TYPE_CODE

from .fixtures import T0, default_profile_con, events_from_stars, run_signal
from .reference_hollow_burst import hollow_burst as reference

HOURS = [0, 1, 2, 23, 24, 25, 47, 48, 49, 72, 100, 240]
MINUTES = [0, 30, 59, 60, 61]


def _star(i, a, r, t):
    return {"event_id": i, "starred_at": t, "repo_id": r, "repo_name": f"o/r{r}", "actor_id": a,
            "actor_login": f"u{a}", "org_id": None}


@st.composite
def worlds(draw):
    n_users, n_repos = draw(st.integers(1, 10)), draw(st.integers(1, 4))
    raw = draw(st.lists(st.tuples(st.integers(1, n_users), st.integers(1, n_repos), st.sampled_from(HOURS),
                                  st.sampled_from(MINUTES)), max_size=40))
    stars = [_star(1000 + i, u, r, T0 + dt.timedelta(hours=h, minutes=m)) for i, (u, r, h, m) in enumerate(raw)]
    work = draw(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 6),
                                   st.sampled_from(["ForkEvent", "IssuesEvent", "PushEvent"]),
                                   st.sampled_from(HOURS)), max_size=16))
    events = events_from_stars(stars)
    for j, (u, r, t, h) in enumerate(work):      # repos 5-6: the accounts' own projects
        events.append({"event_id": 9000 + j, "created_at": T0 + dt.timedelta(hours=h), "type": TYPE_CODE[t],
                       "actor_id": u, "repo_id": r, "org_id": None})
    return stars, events


def _sql(stars, events, P):
    return run_signal(stars, events, hollow_burst.run, P, "_det_hollow_burst", "actor_id, repo_id", "_hb_")


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from([1, 24, 48]), st.sampled_from([1, 2, 3]), st.sampled_from([0.0, 0.5, 1.0]),
       st.sampled_from([0.0, 0.2, 1.0]), st.sampled_from([1, 60]), st.sampled_from([1, 2]),
       st.sampled_from([0.25, 0.5, 1.0]), st.sampled_from([1, 2, 3]), st.sampled_from([0.0, 0.25, 1.0]))
def test_matches_reference(world, span, mn, share, eng, sit, acc, rshare, wev, wshare):
    stars, events = world
    P = HollowBurstParams(span_hours=span, min_stars=mn, min_share=share, max_engaged_share=eng,
                          sitting_minutes=sit, min_accounts=acc, min_repo_share=rshare,
                          work_events=wev, max_working_share=wshare)
    assert _sql(stars, events, P) == reference(stars, events, P)


def hand_world():
    """Repo 1: 30 accounts within a day, nobody works there -> suspected, whatever else the
    accounts do. Repo 2: the same, but 3 people fork it -> a launch. Repo 3: 30 accounts over
    30 days (a community at its own pace) -> no burst. Repo 4: 30 readers star it and repo 5 in
    one sitting -> a list. Repo 6: like repo 1, but 10 of its 30 accounts push 3 times each to a
    project of their own in the two days after (a hackathon's participants) -> an event's crowd."""
    stars, i = [], 0
    for a in range(30):
        for r, t in ((1, dt.timedelta(minutes=40 * a)), (2, dt.timedelta(minutes=40 * a, days=5)),
                     (3, dt.timedelta(days=a)), (4, dt.timedelta(days=40, minutes=40 * a)),
                     (5, dt.timedelta(days=40, minutes=40 * a + 5))):
            i += 1
            stars.append(_star(i, 100 * min(r, 4) + a, r, T0 + t))   # repo 5: repo 4's readers
        i += 1
        stars.append(_star(i, 600 + a, 6, T0 + dt.timedelta(days=50, minutes=40 * a)))
    events = events_from_stars(stars)
    for a in range(10):
        for h in (2, 20, 40):
            events.append({"event_id": 9500 + 100 * a + h, "created_at": T0 + dt.timedelta(days=50, hours=h),
                           "type": TYPE_CODE["PushEvent"], "actor_id": 600 + a, "repo_id": 700 + a,
                           "org_id": None})
    for j in range(3):
        events.append({"event_id": 9000 + j, "created_at": T0, "type": TYPE_CODE["ForkEvent"],
                       "actor_id": 900 + j, "repo_id": 2, "org_id": None})
    # every stargazer of repo 1 is kept alive (pushes elsewhere): not thin, still suspected
    for a in range(30):
        for d in (0, 1):
            events.append({"event_id": 9100 + 2 * a + d, "created_at": T0 + dt.timedelta(days=d),
                           "type": TYPE_CODE["PushEvent"], "actor_id": 100 + a, "repo_id": 77 + d,
                           "org_id": None})
    return stars, events


def test_hand_case():
    # (on Spark: this world through the whole profile, test_default_profile_spark.py)
    stars, events = hand_world()
    P = HollowBurstParams()
    want = {(100 + a, 1) for a in range(30)}
    assert reference(stars, events, P) == want
    assert _sql(stars, events, P) == want
    # repo 6's 10 accounts at work are 1/3 of its 30: allowing 7/30 at work still spares it,
    # allowing 0.34 makes it an order again
    assert {r for _, r in reference(stars, events, HollowBurstParams(max_working_share=7 / 30))} == {1}
    assert {r for _, r in reference(stars, events, HollowBurstParams(max_working_share=0.34))} == {1, 6}
    assert {r for _, r in _sql(stars, events, HollowBurstParams(max_working_share=0.34))} == {1, 6}


def _profile(stars, events, P):
    return default_profile_con(stars, events, P)


def test_wired_into_default_profile():
    """The default profile flags repo 1's kept-alive accounts through `hollow-burst` alone (no
    other signal sees them), with its reason, and nothing else with it (the other repos' thin
    accounts are other signals' business); its defaults are the module's; the profile's
    `hollow_burst_*` thresholds reach it (a higher min_stars than the burst: nothing)."""
    assert {f.name: getattr(DefaultParams(), "hollow_burst_" + f.name)
            for f in dataclasses.fields(HollowBurstParams)} == dataclasses.asdict(HollowBurstParams())
    stars, events = hand_world()
    con = _profile(stars, events, DefaultParams())
    rows = con.execute("SELECT actor_id, score, reasons FROM _det_default_susp WHERE repo_id = 1").fetchall()
    assert {a for a, _, _ in rows} == {100 + a for a in range(30)}
    assert all(sc == 0.5 and rs.startswith("hollow burst (30 of the repo's 30 stars within 48 h")
               for _, sc, rs in rows)
    sig = set(con.execute("SELECT repo_id, signal FROM _det_default_sig").fetchall())
    assert {s for r, s in sig if r == 1} == {"hollow-burst"}
    assert {r for r, s in sig if s == "hollow-burst"} == {1}
    con = _profile(stars, events, DefaultParams(hollow_burst_min_stars=31))
    assert con.execute("SELECT count(*) FROM _det_default_susp WHERE repo_id = 1").fetchone()[0] == 0
