"""The paired signal: the SQL agrees exactly with the brute-force reference on small random
worlds with times on a coarse grid (the sitting boundary hit often), a hand-made case says what
it is for (docs/adversary.md: the `sitting` kind against a list and a project's two repos), and
the default profile runs it as its `paired` signal with its own `paired_*` thresholds."""
from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starscope.detect import paired_orders
from starscope.detect.default_profile import DefaultParams
from starscope.detect.paired_orders import PairedOrderParams
from starscope.store.schema import TYPE_CODE

from .fixtures import T0, default_profile_con, events_from_stars, run_signal
from .reference_paired import paired as reference

MINUTES = [0, 1, 30, 59, 60, 61, 120, 1440]


def _star(i, a, r, t):
    return {"event_id": i, "starred_at": t, "repo_id": r, "repo_name": f"o/r{r}", "actor_id": a,
            "actor_login": f"u{a}", "org_id": None}


@st.composite
def worlds(draw):
    n_users, n_repos = draw(st.integers(1, 10)), draw(st.integers(1, 4))
    raw = draw(st.lists(st.tuples(st.integers(1, n_users), st.integers(1, n_repos),
                                  st.sampled_from(MINUTES)), max_size=40))
    stars = [_star(1000 + i, u, r, T0 + dt.timedelta(minutes=m)) for i, (u, r, m) in enumerate(raw)]
    work = draw(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 4),
                                   st.sampled_from(["ForkEvent", "IssuesEvent", "PushEvent"])), max_size=6))
    events = events_from_stars(stars)
    for j, (u, r, t) in enumerate(work):
        events.append({"event_id": 9000 + j, "created_at": T0, "type": TYPE_CODE[t], "actor_id": u,
                       "repo_id": r, "org_id": None})
    return stars, events


def _sql(stars, events, P):
    return run_signal(stars, events, paired_orders.run, P, "_det_paired", "actor_id, repo_id", "_po_")


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from([1, 60]), st.sampled_from([1, 2, 3]), st.sampled_from([1, 2]),
       st.sampled_from([0.25, 0.8, 1.0]), st.sampled_from([0.0, 0.2, 1.0]), st.sampled_from([2, 3, 50]))
def test_matches_reference(world, sit, mn, acc, share, eng, cap):
    stars, events = world
    P = PairedOrderParams(sitting_minutes=sit, min_stars=mn, min_accounts=acc, min_share=share,
                          max_engaged_share=eng, max_account_stars=cap)
    assert _sql(stars, events, P) == reference(stars, events, P)


def hand_world():
    """Repos 1 and 2: 30 accounts star both within minutes (and nothing else there) -> a paired
    order. Repos 3-6: a list read in one sitting, 40 readers each starring a different pair of
    its four repos -> at most half of a repo's stars share a sitting with any one other repo.
    Repos 7 and 8: starred together like 1 and 2, but four other people fork and open issues
    there -> a project's two repos."""
    stars, i = [], 0
    for a in range(30):
        for r, m in ((1, 0), (2, 7), (7, 0), (8, 7)):
            i += 1
            stars.append(_star(i, 100 * (1 if r < 3 else 7) + a, r, T0 + dt.timedelta(hours=a, minutes=m)))
    pairs = [(3, 4), (3, 5), (3, 6), (4, 5), (4, 6), (5, 6)]
    for a in range(40):
        for k, r in enumerate(pairs[a % 6]):
            i += 1
            stars.append(_star(i, 300 + a, r, T0 + dt.timedelta(days=2, hours=a, minutes=5 * k)))
    events = events_from_stars(stars)
    for j in range(4):
        for r in (7, 8):
            events.append({"event_id": 9000 + 2 * j + r, "created_at": T0,
                           "type": TYPE_CODE["ForkEvent" if j % 2 else "IssuesEvent"],
                           "actor_id": 900 + j, "repo_id": r, "org_id": None})
    # every stargazer is kept alive (pushes to a repo of its own on two days): none is thin
    for a in sorted({s["actor_id"] for s in stars}):
        for d in (0, 1):
            events.append({"event_id": 20000 + 2 * a + d, "created_at": T0 + dt.timedelta(days=d),
                           "type": TYPE_CODE["PushEvent"], "actor_id": a, "repo_id": 5000 + a,
                           "org_id": None})
    return stars, events


def test_hand_case():
    stars, events = hand_world()
    P = PairedOrderParams()
    want = {(100 + a, r) for a in range(30) for r in (1, 2)}
    assert reference(stars, events, P) == want
    assert _sql(stars, events, P) == want
    # a looser share sees the list too (the share is what tells a paired order from a list)
    assert (300, 3) in _sql(stars, events, dataclasses.replace(P, min_share=0.3, min_accounts=5))


def _profile(stars, events, P):
    return default_profile_con(stars, events, P)


def test_wired_into_default_profile():
    """The default profile flags repos 1 and 2 through `paired` alone (every star is in a
    sitting: hollow and hollow-burst do not count them), with its reason and score 0.5; its
    defaults are the module's; the profile's `paired_*` thresholds reach it."""
    assert {f.name: getattr(DefaultParams(), "paired_" + f.name)
            for f in dataclasses.fields(PairedOrderParams)} == dataclasses.asdict(PairedOrderParams())
    stars, events = hand_world()
    P = DefaultParams()
    con = _profile(stars, events, P)
    rows = con.execute("SELECT actor_id, repo_id, score, reasons FROM _det_default_susp "
                       "WHERE repo_id IN (1, 2)").fetchall()
    assert {(a, r) for a, r, _, _ in rows} == {(100 + a, r) for a in range(30) for r in (1, 2)}
    assert all(sc == 0.5 and rs.startswith("paired order (starred within 60 min of another repo, "
                                           "as 30 of this repo's 30 stargazers did")
               for _, _, sc, rs in rows)
    sig = set(con.execute("SELECT repo_id, signal FROM _det_default_sig").fetchall())
    assert {s for r, s in sig if r in (1, 2)} == {"paired"}
    assert {r for r, s in sig if s == "paired"} == {1, 2}
    con = _profile(stars, events, P.replace(paired_min_stars=31))
    assert con.execute("SELECT count(*) FROM _det_default_susp WHERE repo_id IN (1, 2)").fetchone()[0] == 0
