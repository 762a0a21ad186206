"""The web service under hostile load and HTTP details (issue 16): unknown names answered
without a query, 405 with Allow, If-None-Match * and weak ETags, warm switches."""
from __future__ import annotations

import asyncio
import shutil

import httpx
import pytest

from answers_world import build
from starscope.interfaces.web import app
from starscope.store import Store


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build(tmp_path_factory.mktemp("webh"), seed=5)


@pytest.fixture(scope="module")
def web(world):
    return app(world["store"])


def fetch(application, *reqs):
    async def go():
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return [await c.request(m, p, headers=h) for m, p, h in reqs]
    return asyncio.run(go())


def test_unknown_names_cost_no_query(world, web):
    state = web.state.starscope
    v = state.refresh()
    queries = []
    real = state.cursor

    class Spy:
        def __init__(self, cur):
            self.cur = cur

        def execute(self, *a, **k):
            queries.append(a[0])
            return self.cur.execute(*a, **k)

        def __getattr__(self, name):
            return getattr(self.cur, name)

    state.cursor = lambda ver: Spy(real(ver))
    try:
        names = [f"nobody{i}/nothing{i}" for i in range(50)]
        got = fetch(web, *[("GET", f"/api/repos/{n}", {}) for n in names],
                    *[("GET", f"/badge/{n}.svg", {}) for n in names],
                    *[("GET", f"/api/accounts/ghost{i}", {}) for i in range(20)])
        assert [r.status_code for r in got[:50]] == [404] * 50
        assert got[0].json() == {"error": "repository 'nobody0/nothing0' is not in the store",
                                 "status": 404}
        assert all(r.status_code == 200 and b"not found" in r.content for r in got[50:100])
        assert [r.status_code for r in got[100:]] == [404] * 20
        assert queries == []  # not one DuckDB query for 120 unknown names
        # Known names (any case) still answer: the index never turns one away.
        known = world["renamed_new"]
        r1, r2 = fetch(web, ("GET", f"/api/repos/{known}", {}),
                       ("GET", f"/api/repos/{known.upper()}", {}))
        assert r1.status_code == r2.status_code == 200
        assert r1.json()["repo_id"] == r2.json()["repo_id"]
    finally:
        state.cursor = real
    assert v.index.may_have_repo(world["renamed_new"])


def test_405_carries_allow(world, web):
    (r,) = fetch(web, ("POST", f"/api/repos/{world['renamed_new']}", {}))
    assert r.status_code == 405
    assert set(x.strip() for x in r.headers["allow"].split(",")) >= {"GET", "HEAD"}


def test_if_none_match_star_and_weak_etags(world, web):
    path = f"/api/repos/{world['renamed_new']}"
    (first,) = fetch(web, ("GET", path, {}))
    etag = first.headers["etag"]
    for inm in ("*", f"W/{etag}", f'"nope", W/{etag}'):
        # twice: the routed answer, then the fast path's cached one
        for r in fetch(web, ("GET", path, {"if-none-match": inm}),
                       ("GET", path, {"if-none-match": inm})):
            assert r.status_code == 304, inm
    (r,) = fetch(web, ("GET", path, {"if-none-match": '"other"'}))
    assert r.status_code == 200
    # `*` does not hide a 404
    (r,) = fetch(web, ("GET", "/api/repos/nobody/nothing", {"if-none-match": "*"}))
    assert r.status_code == 404


def test_new_results_are_warm_when_switched_to(world, tmp_path):
    from starscope.results.detection import detect_store

    root = tmp_path / "store"
    shutil.copytree(world["store"], root)
    web = app(root)
    state = web.state.starscope
    state.stat_every = 0.0
    paths = [f"/api/repos/{world['renamed_new']}", f"/badge/{world['clean_repo']}.svg"]
    fetch(web, *[("GET", p, {}) for p in paths])
    old = state.version.commit
    detect_store(Store(root), profile="starscout")
    (h,) = fetch(web, ("GET", "/healthz", {}))
    new = h.json()["store_commit"]
    assert new > old
    # Answered before the switch: already cached for the new manifest.
    assert state.cached((new, "repo", world["renamed_new"].lower())) is not None
    assert state.cached((new, "badge", world["clean_repo"].lower())) is not None


def test_unknown_names_wait_while_real_users_are_served(world, web, monkeypatch):
    """A scan of unknown names cannot crowd out real users: while real requests come in,
    unknown names are paced to MISS_SHARE of their rate (at least MISS_FLOOR a second),
    each held back (asleep) for its slot; alone, a scan is not held back."""
    import starscope.interfaces.web as w

    clock = [1000.25]
    slept = []

    async def fake_sleep(s):
        slept.append(round(s, 6))
        clock[0] += s

    monkeypatch.setattr(w.asyncio, "sleep", fake_sleep)
    monkeypatch.setattr(w.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(w, "MISS_FLOOR", 4)
    state = web.state.starscope
    state.stat_every = 1e9  # no manifest checks on the fake clock
    state.miss_gate = w.MissGate()
    misses = [("GET", f"/api/repos/nobody/n{i}", {}) for i in range(10)]
    assert {r.status_code for r in fetch(web, *misses)} == {404}
    assert slept == []  # alone: not held back
    known = ("GET", f"/api/repos/{world['renamed_new']}", {})
    r = fetch(web, known, *misses[:5])
    assert [x.status_code for x in r] == [200] + [404] * 5
    # One real request this second: 4 unknown names a second (the floor), 0.25 s apart.
    assert slept == [0.25] * 4
