"""The drip signal (detect/slow_drip.py): the SQL agrees exactly with the brute-force reference on
small random worlds with times on a coarse grid (sitting and gap boundaries hit often), a
hand-made case says what it is for (a pool dripping on two repos nobody works on, at any pace,
vs the same drip alone, a community, a list and a forked repo), and the default profile runs it
as its `drip` signal with its own `drip_*` thresholds."""
from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starscope.detect import default_profile, slow_drip
from starscope.detect.default_profile import DefaultParams
from starscope.detect.slow_drip import SlowDripParams
from starscope.store.schema import TYPE_CODE

from .fixtures import T0, default_profile_con, events_from_stars, run_signal
from .reference_slow_drip import slow_drip as reference

HOURS = [0, 1, 2, 23, 24, 25, 48, 100, 240]
MINUTES = [0, 30, 59, 60, 61]


def _star(i, a, r, t):
    return {"event_id": i, "starred_at": t, "repo_id": r, "repo_name": f"o/r{r}", "actor_id": a,
            "actor_login": f"u{a}", "org_id": None}


def _ev(i, a, r, kind, t=T0):
    return {"event_id": i, "created_at": t, "type": TYPE_CODE[kind], "actor_id": a, "repo_id": r,
            "org_id": None}


@st.composite
def worlds(draw):
    n_users, n_repos = draw(st.integers(1, 10)), draw(st.integers(1, 4))
    raw = draw(st.lists(st.tuples(st.integers(1, n_users), st.integers(1, n_repos), st.sampled_from(HOURS),
                                  st.sampled_from(MINUTES)), max_size=40))
    stars = [_star(1000 + i, u, r, T0 + dt.timedelta(hours=h, minutes=m)) for i, (u, r, h, m) in enumerate(raw)]
    # work on repos (forks, issues, pushes) and elsewhere (makes accounts not thin)
    work = draw(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 6),
                                   st.sampled_from(["ForkEvent", "IssuesEvent", "PushEvent"])), max_size=8))
    events = events_from_stars(stars) + [_ev(9000 + j, u, r, t) for j, (u, r, t) in enumerate(work)]
    return stars, events


def _sql(stars, events, P):
    return run_signal(stars, events, slow_drip.run, P, "_det_slow_drip", "actor_id, repo_id, pooled", "_sd_")


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from([1, 2, 3]), st.sampled_from([0.0, 0.2, 1.0]), st.sampled_from([1, 60]),
       st.sampled_from([1, 2]), st.sampled_from([1, 24, 48]), st.sampled_from([0.0, 0.1, 0.5]),
       st.sampled_from([1, 3, 50]), st.tuples(st.sampled_from([1, 2]), st.sampled_from([0.25, 0.5, 1.0]),
                                              st.sampled_from([0.0, 0.1, 1.0]), st.sampled_from([0, 1]),
                                              st.sampled_from([0.0, 0.5, 1.0])))
def test_matches_reference(world, mn, eng, sit, shared, gap, pshare, macc, rest):
    stars, events = world
    acc, rshare, thin, thin_max, common = rest
    P = SlowDripParams(min_stars=mn, max_engaged_share=eng, sitting_minutes=sit, min_shared=shared,
                       min_gap_hours=gap, min_pair_share=pshare, max_account_stars=macc,
                       min_accounts=acc, min_repo_share=rshare, min_thin_share=thin,
                       thin_max_other_events=thin_max, max_common_share=common)
    assert _sql(stars, events, P) == reference(stars, events, P)


def hand_world():
    """A pool of 40 aged accounts (half thin, half with two pushes elsewhere) drips on repos 1
    and 2 over four weeks: accounts 0-29 star repo 1 one every ~22 h, accounts 10-39 star repo 2 the
    same way 11 h later in the cycle (20 shared accounts, days apart) -> suspected, however
    slowly. Repo 3: the same kind of drip from 30 other accounts that star nothing else we see
    (one client: a small genuine repo nobody forks looks the same) -> not suspected. Repos 4, 5:
    a community of 30 active accounts co-starring both at its own pace (no thin account), 28 of
    them also popular repo 10 -> not. Repos 11-13: a paced farm of 40 kept-alive accounts (none
    thin), each starring two of the three clients days apart, cover scattered over popular
    repos 50-89 -> its accounts suspected (the adversarial `paced` kind; what was `pool`).
    Repos 6, 7: 30 readers star both in one sitting (a list) -> not. Repos 8, 9: the pool's
    drip again, but 3 other people fork repo 8 and 3 open issues on repo 9 -> not hollow."""
    stars, i = [], 0

    def pool(k):              # old ids scattered over the range (no bulk block)
        return 1000 + 997 * k

    def add(a, r, t):
        nonlocal i
        i += 1
        stars.append(_star(i, a, r, T0 + t))
    for k in range(30):
        add(pool(k), 1, dt.timedelta(hours=22 * k))
        add(pool(10 + k), 2, dt.timedelta(hours=22 * k + 11))
        add(300 + k, 3, dt.timedelta(hours=22 * k + 5))
        add(400 + k, 4, dt.timedelta(hours=22 * k + 3))
        add(400 + k, 5, dt.timedelta(hours=22 * k + 300))
        add(500 + k, 6, dt.timedelta(days=40, minutes=40 * k))
        add(500 + k, 7, dt.timedelta(days=40, minutes=40 * k + 5))
        add(600 + k, 8, dt.timedelta(hours=22 * k + 7))
        add(610 + k, 9, dt.timedelta(hours=22 * k + 17))
        if k < 28:
            add(400 + k, 10, dt.timedelta(days=45, hours=k))     # the ecosystem's popular repo
    for a in range(40):
        for n, r in enumerate(((11, 12), (12, 13), (11, 13))[a % 3]):
            add(2100 + a, r, dt.timedelta(hours=8 * a + 100 * n))
        add(2100 + a, 50 + a, dt.timedelta(days=20))                # scattered cover
    events, j = events_from_stars(stars), 9000
    for a in [pool(k) for k in range(20, 40)] + list(range(400, 430)) + list(range(620, 640)):
        for d in (0, 1):      # active: two pushes on their own repos on two days
            j += 1
            events.append(_ev(j, a, 7000 + a, "PushEvent", T0 + dt.timedelta(days=d)))
    for k in range(3):
        events.append(_ev(9900 + k, 900 + k, 8, "ForkEvent"))
        events.append(_ev(9950 + k, 950 + k, 9, "IssuesEvent"))
    for a in range(2100, 2140):           # the paced farm's accounts are kept alive
        for d in (0, 1):
            j += 1
            events.append(_ev(j, a, 7000 + a, "PushEvent", T0 + dt.timedelta(days=d)))
    for n, r in enumerate([10] + list(range(50, 90))):      # popular repos: forked
        for f in range(5):
            events.append(_ev(20000 + 10 * n + f, 3000 + f, r, "ForkEvent"))
    return stars, events


DRIP = {(1000 + 997 * k, 1) for k in range(30)} | {(1000 + 997 * (10 + k), 2) for k in range(30)}
# the pool's accounts seen on both repos (10-29); the others starred only one of them
POOLED = {(1000 + 997 * k, r) for k in range(10, 30) for r in (1, 2)}
# the paced farm: every account starred two of the clients, so all its stars are the pool's
PACED = {(2100 + a, r) for a in range(40) for r in ((11, 12), (12, 13), (11, 13))[a % 3]}


def test_hand_case():
    stars, events = hand_world()
    P = SlowDripParams()
    want = {(a, r, (a, r) in POOLED) for a, r in DRIP} | {(a, r, True) for a, r in PACED}
    assert reference(stars, events, P) == want
    assert _sql(stars, events, P) == want
    # fewer shared accounts than min_shared: nothing
    assert _sql(stars, events, SlowDripParams(min_shared=21)) == set()
    # without the community test, the community's niche repos would be a pool too
    loose = dataclasses.replace(P, max_common_share=1.0)
    assert {(400, 4, True), (400, 5, True)} <= reference(stars, events, loose) == _sql(stars, events, loose)


def _profile(stars, events, P):
    return default_profile_con(stars, events, P)


def test_wired_into_default_profile():
    """The default profile flags the pool's drips on repos 1 and 2 through `drip` (the pool's
    accounts, score 0.6) and `drip-rest` (the others, 0.5) alone (hollow sees no order: the
    stars come over four weeks), with its reason, and the paced farm's accounts on repos 11-13
    through `drip` alone; nothing else (not the community); its defaults are the module's; the
    profile's `drip_*` thresholds reach it."""
    d = DefaultParams()
    assert {f.name: getattr(d, "drip_" + f.name) for f in dataclasses.fields(SlowDripParams)
            if hasattr(d, "drip_" + f.name)} == {
        k: v for k, v in dataclasses.asdict(SlowDripParams()).items() if hasattr(d, "drip_" + k)}
    assert (d.reuse_sitting_minutes, d.thin_max_other_events) == (
        SlowDripParams().sitting_minutes, SlowDripParams().thin_max_other_events)
    stars, events = hand_world()
    con = _profile(stars, events, d)
    rows = con.execute("SELECT actor_id, repo_id, score, reasons FROM _det_default_susp "
                       "WHERE repo_id IN (1, 2)").fetchall()
    assert {(a, r) for a, r, _, _ in rows} == DRIP
    text = "drip from a pool (up to 20 of its stargazers also starred 1 other hollow repo, 12 h or more apart"
    for a, r, sc, rs in rows:
        pooled = (a, r) in POOLED
        assert sc == (0.6 if pooled else 0.5)
        assert rs == ("pool account: " if pooled else "") + text + (
            "; 30 of the repo's 30 stars outside sittings; 0 other people forked, pushed or opened issues there)")
    sig = set(con.execute("SELECT actor_id, repo_id, signal FROM _det_default_sig WHERE repo_id IN (1, 2)").fetchall())
    assert sig == {(a, r, "drip" if (a, r) in POOLED else "drip-rest") for a, r in DRIP}
    assert {r for (r,) in con.execute("SELECT DISTINCT repo_id FROM _det_default_sig "
                                      "WHERE signal IN ('drip', 'drip-rest')").fetchall()} == {1, 2, 11, 12, 13}
    # the paced farm: its accounts through `drip` (the serves-clients family), nothing else there
    paced = set(con.execute("SELECT actor_id, repo_id, signal FROM _det_default_sig "
                            "WHERE repo_id IN (11, 12, 13)").fetchall())
    assert paced == {(a, r, "drip") for a, r in PACED}
    assert default_profile.FAMILIES["drip"] == default_profile.FAMILIES["overlap"]
    assert not con.execute("SELECT count(*) FROM _det_default_sig WHERE repo_id IN (4, 5, 10)").fetchone()[0]
    # (the other repos' thin accounts are other signals' business)
    con = _profile(stars, events, DefaultParams(drip_min_shared=21))
    assert con.execute("SELECT count(*) FROM _det_default_susp WHERE repo_id IN (1, 2)").fetchone()[0] == 0
