"""A store filled from both sources: stars from a stargazer list (no event id) and the same
stars as WatchEvents of hour files are kept once per (account, repo), whichever comes first,
and the event's star wins (its id and time)."""
from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from fake_github import Served
from github_world import TOKEN, Builder, build, iso

from starscope.ingest import ingest
from starscope.ingest.github import run_github
from starscope.source.github import GitHubClient
from starscope.store import Store

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("no_proxy")]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """A fake GitHub, and hour files holding WatchEvents for some of alpha's listed stars
    (an hour after the list's time: GH Archive and the list disagree a little) and others."""
    fake = build(n_bulk=12, n_organic=12)
    alpha = fake.repos["alice/alpha"]
    alpha.events = []  # the feed says nothing: the list is the API's only word on these stars
    b = Builder(fake, seed=5)
    listed = alpha.stars[::2]
    events = [b.event("WatchEvent", uid, alpha, dt.datetime.fromisoformat(at[:-1]) + dt.timedelta(hours=1))
              for uid, at in listed]
    events.append(b.event("WatchEvent", 7, alpha, dt.datetime(2026, 9, 2)))  # not in the list
    folder = tmp_path_factory.mktemp("hours")
    by_hour: dict[str, list[dict]] = {}
    for ev in events:
        t = dt.datetime.fromisoformat(ev["created_at"][:-1])
        by_hour.setdefault(f"{t:%Y-%m-%d}-{t.hour}", []).append(ev)
    for hour, evs in by_hour.items():
        (folder / f"{hour}.json.gz").write_bytes(
            gzip.compress(b"".join(json.dumps(e).encode() + b"\n" for e in evs)))
    with Served(fake) as srv:
        yield {"fake": fake, "url": srv.url, "hours": str(folder), "events": events}


def _github(store: Store, url: str) -> None:
    with GitHubClient(TOKEN, url) as c:
        run_github(store, ["alice/alpha"], c)


def _stars(store: Store) -> list[tuple]:
    con = store.connect()
    rows = con.execute("SELECT actor_id, repo_id, event_id, starred_at FROM stars "
                       "ORDER BY ALL").fetchall()
    con.close()
    return rows


def _check(store: Store, both: dict) -> list[tuple]:
    alpha = both["fake"].repos["alice/alpha"]
    rows = _stars(store)
    pairs = [(a, r) for a, r, _, _ in rows]
    assert len(pairs) == len(set(pairs))  # one star per (account, repo)
    assert {a for a, _ in pairs} == {u for u, _ in alpha.stars} | {7}
    # the event's star won: its id and its time, for every pair the hour files hold
    by_actor = {a: (e, t) for a, _, e, t in rows}
    for ev in both["events"]:
        eid, t = by_actor[ev["actor"]["id"]]
        assert eid == int(ev["id"]) and iso(t) == ev["created_at"]
    # the others keep the list's time, without an event id
    listed = {u: at for u, at in alpha.stars}
    for a, (eid, t) in by_actor.items():
        if eid is None:
            assert iso(t) == listed[a]
    assert store.manifest()["totals"]["stars"] == len(rows)
    return rows


def test_github_then_hour_files_keeps_one_star_per_pair(tmp_path, both):
    store = Store(tmp_path / "s")
    _github(store, both["url"])
    assert all(e is None for _, _, e, _ in _stars(store))
    ingest(store, [both["hours"]], workers=1)
    rows = _check(store, both)
    ingest(store, [both["hours"]], workers=1)  # again: nothing changes
    _github(store, both["url"])
    assert _stars(store) == rows


def test_hour_files_then_github_gives_the_same_stars(tmp_path, both):
    first = Store(tmp_path / "a")
    _github(first, both["url"])
    ingest(first, [both["hours"]], workers=1)
    store = Store(tmp_path / "b")
    ingest(store, [both["hours"]], workers=1)
    _github(store, both["url"])
    assert _check(store, both) == _stars(first)
