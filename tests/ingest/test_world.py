"""Ingest a simulated world with bad input against the simulator's truth."""
import csv
import json

import pytest

from starscope.ingest import ingest
from starscope.simulate import simulate_world
from starscope.store import Store
from starscope.store.store import status


@pytest.fixture(scope="module")
def bad_world(tmp_path_factory):
    out = tmp_path_factory.mktemp("world")
    simulate_world(out, days=2, seed=11, bad=True)
    return out


def test_bad_world_counts_match_truth(bad_world, tmp_path):
    truth = json.loads((bad_world / "truth" / "world.json").read_text())
    store = Store(tmp_path / "store")
    rep = ingest(store, [str(bad_world / "archive")])
    assert not rep.clean
    bad = truth["bad"]
    assert rep.bad_lines == bad["bad_lines"] > 0
    assert sorted(rep.corrupt_files) == sorted(
        bad["truncated_files"] + bad["empty_files"] + bad["non_gzip_files"])
    st = status(store)
    assert st["events"] == truth["events"]
    assert st["stars"] == truth["stars"]
    con = store.connect()
    stored = {r[0]: r[1:] for r in con.execute(
        "SELECT event_id, repo_id, actor_id, actor_login FROM stars").fetchall()}
    with open(bad_world / "truth" / "fake_stars.csv") as fh:
        fakes = list(csv.DictReader(fh))
    assert fakes
    for f in fakes:
        assert stored[int(f["event_id"])] == (int(f["repo_id"]), int(f["actor_id"]),
                                              f["actor_login"])
