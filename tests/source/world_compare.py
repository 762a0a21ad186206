"""One simulated world read two ways, on the same truth: from its hour files (`ingest`) and
through the fake GitHub API (`github --user-events`: repo feeds of their last 300 events,
stargazer lists with times, profiles, stargazers' public events), each then detected with the
default profile. Used by tests/source/test_github_world.py and benchmarks/github_world.py."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from fake_github import Served, world_fake

from starscope.ingest import ingest
from starscope.ingest.github import run_github
from starscope.results.detection import detect_store
from starscope.simulate import simulate_world
from starscope.source.github import GitHubClient
from starscope.store import Store

# every stargazer's activity, of the followed repos ({} : their ids)
ACTIVITY = ("SELECT * FROM account_activity WHERE actor_id IN "
            "(SELECT actor_id FROM stars WHERE repo_id IN ({}))")


def score(store: Store, repos: set[int], truth: set[tuple[int, int]]) -> dict[str, Any]:
    """Precision and recall of the store's suspected stars on the followed repos."""
    con = store.connect()
    rows = con.execute("SELECT actor_id, repo_id, signals FROM results.suspected_stars").fetchall()
    con.close()
    found = {(a, r): list(s or []) for a, r, s in rows if r in repos}
    tp = len(set(found) & truth)
    return {"precision": tp / len(found) if found else 0.0, "recall": tp / len(truth),
            "found": len(found), "suspected": found,
            "created_together": sum("created-together" in s for s in found.values())}


def compare(root: Path, preset: str, scale: float, seed: int, days: int = 2) -> dict[str, Any]:
    """Simulate a world under root, read it both ways, detect, score (see module docstring)."""
    world = root / "world"
    simulate_world(world, days=days, scale=scale, seed=seed, preset=preset)
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

    hours = Store(root / "hours")
    ingest(hours, [str(world / "archive")], workers=1)
    detect_store(hours)

    api = Store(root / "api")
    with Served(fake) as srv, GitHubClient("tok", srv.url) as client:
        report = run_github(api, sorted(r.full_name for r in chosen), client, user_events=True)
    detect_store(api)

    # what each store holds of the followed repos and their stargazers
    inl = ",".join(map(str, sorted(ids)))
    stars_q = f"SELECT actor_id, repo_id, starred_at, event_id FROM stars WHERE repo_id IN ({inl})"
    held = {}
    for name, store in (("hours", hours), ("api", api)):
        con = store.connect()
        held[name] = {"stars": set(con.execute(stars_q).fetchall()),
                      "activity": set(con.execute(ACTIVITY.format(inl)).fetchall()),
                      # followed repos with more events than a feed holds (300)
                      "busy": con.execute(f"""
                          SELECT count(*) FROM (SELECT repo_id FROM events WHERE repo_id IN ({inl})
                                                GROUP BY repo_id HAVING count(*) > 300)""").fetchone()[0]}
        con.close()
    h, a = score(hours, ids, truth), score(api, ids, truth)
    return {"hours": h, "api": a, "held": held, "repos": ids, "truth": truth, "fake": fake,
            "report": report,
            "only_api": sorted(set(a["suspected"]) - set(h["suspected"])),
            "only_hours": sorted(set(h["suspected"]) - set(a["suspected"]))}
