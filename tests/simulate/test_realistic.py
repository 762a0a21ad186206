"""The realistic world (the default preset): one sign-up clock, every fake kind and hard negative."""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import msgspec
import pytest
from isal import igzip

from starscope.simulate import simulate_world
from starscope.simulate.realistic import _ACCOUNT_CURVE, SignupClock

from world_files import parse_ts, read_csv

START = dt.date(2024, 3, 1)
T0 = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("realistic")
    summary = simulate_world(out, days=4, seed=5, scale=0.15)
    events = []
    for p in sorted((out / "archive").glob("*.json.gz")):
        for line in igzip.decompress(p.read_bytes()).splitlines():
            e = msgspec.json.decode(line)
            events.append((e["type"], e["actor"]["id"], e["repo"]["id"], parse_ts(e["created_at"])))
    truth = out / "truth"
    return {"summary": summary, "events": events, "fake": read_csv(truth / "fake_stars.csv"),
            "accounts": {int(r["actor_id"]): r for r in read_csv(truth / "accounts.csv")},
            "campaigns": read_csv(truth / "campaigns.csv"), "negatives": read_csv(truth / "negatives.csv")}


def test_every_kind_and_role(world):
    s = world["summary"]
    assert s["preset"] == "realistic"
    assert all(n >= 1 for n in s["campaigns"].values()), s["campaigns"]
    assert set(s["campaigns"]) == {"throwaway", "farm", "rotating", "ghost", "slow"}
    assert all(n >= 1 for n in s["negatives"].values()), s["negatives"]
    assert set(s["negatives"]) == {"cohort", "viral", "oneoff", "community", "crowd", "hackathon"}
    roles = {r["role"] for r in world["accounts"].values()}
    assert {"organic", "cohort", "viral", "throwaway", "farm", "rotating", "ghost"} <= roles
    kinds = {r["kind"] for r in world["fake"]}
    assert kinds == {"throwaway", "farm", "rotating", "ghost", "slow"}
    # the truth's fake stars are stars of the archive, by accounts of their campaign
    stars = {(a, r) for t, a, r, _ in world["events"] if t == "WatchEvent"}
    for row in world["fake"]:
        assert (int(row["actor_id"]), int(row["repo_id"])) in stars
        assert world["accounts"][int(row["actor_id"])]["campaign_id"] == row["campaign_id"] or \
            world["accounts"][int(row["actor_id"])]["role"] in ("farm", "rotating", "slow")


def test_one_signup_clock(world):
    """Accounts created in the window: ids rise with creation time whatever their role, and no
    campaign owns a private block (others' sign-ups fall between its ids)."""
    start = T0
    new = sorted((parse_ts(r["created_at"]), a, r["role"]) for a, r in world["accounts"].items()
                 if parse_ts(r["created_at"]) >= start)
    assert len({role for _, _, role in new}) >= 4
    ids = [a for _, a, _ in new]
    inversions = sum(1 for x, y in zip(ids, ids[1:]) if y < x)
    assert inversions <= len(ids) * 0.01          # same-second sign-ups may swap by a few ids
    base = SignupClock(_ACCOUNT_CURVE, START, 4).base()
    assert 150_000_000 < base < 175_000_000
    assert min(ids) >= base - 10
    # older accounts: ids spread below the clock, created before the window
    old = [a for a, r in world["accounts"].items() if parse_ts(r["created_at"]) < start]
    assert max(old) < base and min(old) < base / 4
    # throwaway accounts of one campaign: other sign-ups (seen or unseen) between them
    by_camp = defaultdict(list)
    for a, r in world["accounts"].items():
        if r["role"] == "throwaway":
            by_camp[r["campaign_id"]].append(a)
    for accs in by_camp.values():
        accs.sort()
        assert (accs[-1] - accs[0]) > 3 * len(accs)
    # nobody acts before signing up
    first = {}
    for _, a, _, ts in world["events"]:
        first[a] = min(first.get(a, ts), ts)
    assert all(first[a] >= parse_ts(r["created_at"]) for a, r in world["accounts"].items())
    # created_at follows the ids of pre-window accounts too (older id, earlier date)
    pairs = sorted((a, parse_ts(world["accounts"][a]["created_at"])) for a in old)
    assert all(x[1] <= y[1] for x, y in zip(pairs, pairs[1:]))


def test_fake_kinds_behave(world):
    fake, events, acc = world["fake"], world["events"], world["accounts"]
    per_repo = defaultdict(int)
    clients = defaultdict(set)
    for r in fake:
        per_repo[(r["kind"], r["repo_id"])] += 1
        clients[int(r["actor_id"])].add(r["repo_id"])
    for (kind, _), n in per_repo.items():
        if kind in ("throwaway", "farm", "rotating"):
            assert n >= 50
        if kind == "slow":
            assert n < 50
    rot = {a for a, r in acc.items() if r["role"] == "rotating"}
    assert rot and max(len(clients[a]) for a in rot) < 10         # no account reaches m = 10
    # aged farms: old ids, activity besides stars, and cover stars on repos outside the truth
    farm = {a for a, r in acc.items() if r["role"] in ("farm", "rotating")}
    assert all(parse_ts(acc[a]["created_at"]) < T0 for a in farm)
    fake_pairs = {(int(r["actor_id"]), int(r["repo_id"])) for r in fake}
    cover = [1 for t, a, r, _ in events if t == "WatchEvent" and a in farm and (a, r) not in fake_pairs]
    other = [1 for t, a, _, _ in events if t != "WatchEvent" and a in farm]
    assert cover and other
    # ghosts fork every lure they star, minutes later
    forks = {(a, r): ts for t, a, r, ts in events if t == "ForkEvent"}
    for r in fake:
        if r["kind"] == "ghost":
            f = forks.get((int(r["actor_id"]), int(r["repo_id"])))
            assert f is not None and 0 < (f - parse_ts(r["starred_at"])).total_seconds() <= 20 * 60 + 1


def test_hard_negatives_behave(world):
    acc, events = world["accounts"], world["events"]
    by_actor = defaultdict(list)
    for t, a, r, ts in events:
        by_actor[a].append((t, r, ts))
    cohort = [a for a, r in acc.items() if r["role"] == "cohort"]
    assert cohort
    # a class signs up within the hour: adjacent ids, each stars and forks, most push later
    by_group = defaultdict(list)
    for a in cohort:
        by_group[acc[a]["campaign_id"]].append(a)
    for accs in by_group.values():
        times = [parse_ts(acc[a]["created_at"]) for a in accs]
        assert (max(times) - min(times)).total_seconds() <= 3600
        assert all({"WatchEvent", "ForkEvent"} <= {t for t, _, _ in by_actor[a]} for a in accs)
        assert sum(any(t == "PushEvent" for t, _, _ in by_actor[a]) for a in accs) >= 0.6 * len(accs)
    # viral newcomers: signed up in the window, one star, never seen again
    viral = [a for a, r in acc.items() if r["role"] == "viral"]
    assert len(viral) >= 100
    assert all(len(by_actor[a]) == 1 and parse_ts(acc[a]["created_at"]) >= T0 for a in viral)
    summary = world["summary"]
    assert summary["negative_stars_by_kind"]["crowd"] > 0 and summary["negative_stars_by_kind"]["community"] > 0


def test_truth_files_keep_their_columns(world, tmp_path):
    s = world["summary"]
    assert json.loads(json.dumps(s))["fake_stars"] == len(world["fake"])
    row = next(iter(world["accounts"].values()))
    assert list(row) == ["actor_id", "actor_login", "role", "campaign_id", "created_at"]
    assert list(world["fake"][0]) == ["event_id", "repo_id", "repo_name", "actor_id", "actor_login",
                                      "starred_at", "campaign_id", "kind"]
    # the easy preset is still there
    e = simulate_world(tmp_path / "easy", days=1, seed=2, scale=0.05, preset="easy")
    assert e["preset"] == "easy" and "evasive" in e["campaigns"]
    with pytest.raises(ValueError):
        simulate_world(tmp_path / "x", days=1, preset="nope")
