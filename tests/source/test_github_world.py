"""Detection on a simulated world read through the fake GitHub API (repo feeds of their last
300 events, stargazer lists with times, profiles, users' public events) scores at least as well
as on the same world read from its hour files, on the same truth."""
from __future__ import annotations

import csv

import pytest

from fake_github import Served, world_fake

from starscope.ingest import ingest
from starscope.ingest.github import run_github
from starscope.results.detection import detect_store
from starscope.simulate import simulate_world
from starscope.source.github import GitHubClient
from starscope.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _score(store: Store, repos: set[int], truth: set[tuple[int, int]]) -> dict:
    con = store.connect()
    found = {(a, r) for a, r in con.execute(
        "SELECT actor_id, repo_id FROM results.suspected_stars").fetchall() if r in repos}
    reasons = [r for (r,) in con.execute("SELECT reasons FROM results.suspected_stars").fetchall()]
    con.close()
    tp = len(found & truth)
    return {"precision": tp / len(found) if found else 0.0, "recall": tp / len(truth),
            "found": len(found), "created_together": sum("created together" in (r or "") for r in reasons)}


# The realistic world (scale 0.02, seed 3) is the one that once differed: through the API,
# created-together (profiles) flagged 2 accounts of the world's hackathon (38 people registered
# in one evening; these two had only pushed once) on 3 repos, 5 false positives (precision 0.619
# against 0.620), because its blocks were found among all profiled stargazers and only then
# narrowed to those that do no other work. Blocks are now found among those alone, as `bulk`
# finds them among thin accounts only (detect/created_together.py; docs/github.md).
PRESETS = [pytest.param("easy", 0.05, 3, id="easy"),
           pytest.param("realistic", 0.02, 3, id="realistic")]
ACTIVITY = "SELECT * FROM account_activity WHERE actor_id IN (SELECT actor_id FROM stars WHERE repo_id IN ({}))"


@pytest.mark.parametrize("preset,scale,seed", PRESETS)
def test_api_detection_is_at_least_as_good_as_hour_files(tmp_path, monkeypatch, preset, scale, seed):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    world = tmp_path / "world"
    simulate_world(world, days=2, scale=scale, seed=seed, preset=preset)
    # the repos a user would follow: the promoted ones and the genuine look-alikes
    camp = {int(r["repo_id"]) for r in csv.DictReader(open(world / "truth" / "fake_stars.csv"))}
    neg: set[str] = set()
    for r in csv.DictReader(open(world / "truth" / "negatives.csv")):
        neg |= set(r["repo_names"].split(";"))
    fake = world_fake(world)
    chosen = [r for r in fake.repos.values() if r.id in camp or r.full_name in neg]
    ids = {r.id for r in chosen}
    truth = {(int(r["actor_id"]), int(r["repo_id"]))
             for r in csv.DictReader(open(world / "truth" / "fake_stars.csv"))
             if int(r["repo_id"]) in ids}

    hours = Store(tmp_path / "hours")
    ingest(hours, [str(world / "archive")], workers=1)
    detect_store(hours)

    api = Store(tmp_path / "api")
    with Served(fake) as srv, GitHubClient("tok", srv.url) as client:
        rep = run_github(api, sorted(r.full_name for r in chosen), client, user_events=True)
    assert fake.violations == 0 and not rep.problems
    detect_store(api)

    h, a = _score(hours, ids, truth), _score(api, ids, truth)
    print("hour files", h, "API", a)
    # A fair comparison: the API read the same stars of these repos as the hour files hold (same
    # times and event ids: a feed's 300-event window loses none, the stargazer list and the
    # stargazers' own events bring them back) and the same activity of every stargazer, so
    # what detection sees differently through the API is the profiles alone.
    inl = ",".join(map(str, sorted(ids)))
    q = f"SELECT actor_id, repo_id, starred_at, event_id FROM stars WHERE repo_id IN ({inl})"
    ch, ca = hours.connect(), api.connect()
    assert set(ca.execute(q).fetchall()) == set(ch.execute(q).fetchall())
    assert set(ca.execute(ACTIVITY.format(inl)).fetchall()) == set(ch.execute(ACTIVITY.format(inl)).fetchall())
    ch.close()
    ca.close()
    assert a["created_together"] > 0  # the profiles were used
    assert a["recall"] >= h["recall"]
    assert a["precision"] >= h["precision"]
