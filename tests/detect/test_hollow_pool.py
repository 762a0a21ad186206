"""The pool signal: the SQL agrees exactly with the brute-force reference on small random
worlds (times on a coarse grid, so the sitting boundary is hit often), a hand-made case says
what it is for (docs/adversary.md: the `paced` kind against a community and a list), and the
default profile runs it as its `pool` signal with its own `pool_*` thresholds."""
from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starscope.detect import default_profile, hollow_pool, lockstep, low_activity
from starscope.detect import run as detect_run
from starscope.detect.default_profile import DefaultParams
from starscope.detect.hollow_pool import HollowPoolParams
from starscope.detect.params import Params
from starscope.store.schema import TYPE_CODE

from .fixtures import T0, events_from_stars, make_con
from .reference_pool import pool as reference

MINUTES = [0, 1, 59, 60, 61, 600, 1440, 10000]


def _star(i, a, r, t):
    return {"event_id": i, "starred_at": t, "repo_id": r, "repo_name": f"o/r{r}", "actor_id": a,
            "actor_login": f"u{a}", "org_id": None}


@st.composite
def worlds(draw):
    n_users, n_repos = draw(st.integers(1, 10)), draw(st.integers(1, 5))
    raw = draw(st.lists(st.tuples(st.integers(1, n_users), st.integers(1, n_repos),
                                  st.sampled_from(MINUTES)), max_size=45))
    stars = [_star(1000 + i, u, r, T0 + dt.timedelta(minutes=m)) for i, (u, r, m) in enumerate(raw)]
    work = draw(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 5),
                                   st.sampled_from(["ForkEvent", "IssuesEvent", "PushEvent"])), max_size=6))
    events = events_from_stars(stars)
    for j, (u, r, t) in enumerate(work):
        events.append({"event_id": 9000 + j, "created_at": T0, "type": TYPE_CODE[t], "actor_id": u,
                       "repo_id": r, "org_id": None})
    return stars, events


def _sql(stars, events, P):
    con = make_con(stars, events_rows=events)
    detect_run._prepare_stars(con, None, None)
    hollow_pool.run(con, P)
    got = set(con.execute("SELECT actor_id, repo_id FROM _det_hollow_pool").fetchall())
    left = {n for (n,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '_hp_%'").fetchall()}
    assert not left                                # intermediate tables dropped
    return got


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from([1, 60]), st.sampled_from([1, 2, 3]), st.sampled_from([0.0, 0.2, 1.0]),
       st.sampled_from([1, 2]), st.sampled_from([0.1, 0.5, 1.0]), st.sampled_from([0.3, 0.5, 1.0]),
       st.sampled_from([2, 3, 50]))
def test_matches_reference(world, sit, mn, eng, msh, share, common, cap):
    stars, events = world
    P = HollowPoolParams(sitting_minutes=sit, min_stars=mn, max_engaged_share=eng, min_shared=msh,
                         min_share=share, max_common_share=common, max_account_stars=cap)
    assert _sql(stars, events, P) == reference(stars, events, P)


def _hand_world():
    """Repos 1-3: a paced farm of 40 accounts, each starring two of the three clients days apart
    (20 stars a client over two weeks, a few a day), with cover stars scattered over popular
    repos 50-89 -> suspected. Repos 4 and 5: a community of 40 members, each starring both niche
    repos days apart, 36 of them popular repo 90 too -> not suspected (they share repo 90). Repos 6 and 7:
    starred by each account within minutes -> not a pool (every star in a sitting: `paired`'s
    business). Popular repos get forks (not hollow)."""
    stars, i = [], 0

    def add(a, r, t):
        nonlocal i
        i += 1
        stars.append(_star(i, a, r, T0 + t))
    for a in range(40):
        for k, r in enumerate(((1, 2), (2, 3), (1, 3))[a % 3]):
            add(100 + a, r, dt.timedelta(hours=8 * a + 100 * k))
        add(100 + a, 50 + a, dt.timedelta(days=20))                 # scattered cover
        add(300 + a, 4, dt.timedelta(hours=7 * a))
        add(300 + a, 5, dt.timedelta(hours=7 * a + 90))
        if a < 36:
            add(300 + a, 90, dt.timedelta(days=21, hours=a))        # the ecosystem's popular repo
        add(500 + a, 6, dt.timedelta(hours=5 * a))
        add(500 + a, 7, dt.timedelta(hours=5 * a, minutes=10))
    events = events_from_stars(stars)
    j = 0
    for r in list(range(50, 90)) + [90]:
        for f in range(5):
            j += 1
            events.append({"event_id": 9000 + j, "created_at": T0, "type": TYPE_CODE["ForkEvent"],
                           "actor_id": 2000 + f, "repo_id": r, "org_id": None})
    # every stargazer is kept alive (pushes to a repo of its own on two days): none is thin
    for a in sorted({s["actor_id"] for s in stars}):
        for d in (0, 1):
            events.append({"event_id": 20000 + 2 * a + d, "created_at": T0 + dt.timedelta(days=d),
                           "type": TYPE_CODE["PushEvent"], "actor_id": a, "repo_id": 5000 + a,
                           "org_id": None})
    return stars, events


def test_hand_case():
    stars, events = _hand_world()
    P = HollowPoolParams()
    want = {(s["actor_id"], s["repo_id"]) for s in stars if s["repo_id"] in (1, 2, 3)}
    assert len(want) == 80
    assert reference(stars, events, P) == want
    assert _sql(stars, events, P) == want
    # without the community test, the community's niche repos would be a pool too
    loose = dataclasses.replace(P, max_common_share=1.0)
    assert {(300, 4), (300, 5)} <= _sql(stars, events, loose)


def _profile(stars, events, P):
    con = make_con(stars, events_rows=events)
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, Params())
    lockstep.run(con, Params(), None)
    default_profile.run(con, P)
    return con


def test_wired_into_default_profile():
    """The default profile flags the paced farm's stars through `pool` (and nothing flags the
    community or the list), with its reason; `pool` scores in the serves-clients family; its
    defaults are the module's; the profile's `pool_*` thresholds reach it."""
    assert {f.name: getattr(DefaultParams(), "pool_" + f.name)
            for f in dataclasses.fields(HollowPoolParams)} == dataclasses.asdict(HollowPoolParams())
    assert default_profile.FAMILIES["pool"] == default_profile.FAMILIES["overlap"]
    stars, events = _hand_world()
    con = _profile(stars, events, DefaultParams())
    rows = con.execute("SELECT actor_id, repo_id, reasons FROM _det_default_susp "
                       "WHERE repo_id IN (1, 2, 3)").fetchall()
    assert len(rows) == 80
    assert all(rs.startswith("hollow pool (stargazers shared with 1 other hollow repo, up to 1") for _, _, rs in rows)
    sig = set(con.execute("SELECT repo_id, signal FROM _det_default_sig").fetchall())
    assert {r for r, s in sig if s == "pool"} == {1, 2, 3}
    assert {r for r, s in sig if s == "paired"} == {6, 7}
    assert not {r for r, _ in sig} & {4, 5, 90}
    con = _profile(stars, events, DefaultParams(pool_min_shared=41))
    assert not {r for (r,) in con.execute(
        "SELECT repo_id FROM _det_default_sig WHERE signal = 'pool'").fetchall()}
