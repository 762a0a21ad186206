"""The adversarial world (preset ``adversarial``): the realistic world, untouched, plus the farms
of a seller who read docs/detection-default.md; each new kind does what dodges its signal."""
from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import msgspec
import pytest
from isal import igzip

from starscope.simulate import simulate_world
from starscope.simulate.adversarial import ADVERSARY_KINDS

from world_files import parse_ts, read_csv

OPTS = dict(days=3, seed=7, scale=0.15)
T0 = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)


def _digest(out: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(out)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _events(out: Path) -> list[tuple]:
    events = []
    for p in sorted((out / "archive").glob("*.json.gz")):
        for line in igzip.decompress(p.read_bytes()).splitlines():
            e = msgspec.json.decode(line)
            events.append((e["type"], e["actor"]["id"], e["repo"]["id"], parse_ts(e["created_at"])))
    return events


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    adv = tmp_path_factory.mktemp("adversarial")
    summary = simulate_world(adv, preset="adversarial", **OPTS)   # built first: its module is loaded
    real = tmp_path_factory.mktemp("realistic")
    simulate_world(real, **OPTS)
    truth = adv / "truth"
    return {"adv": adv, "real": real, "summary": summary, "events": _events(adv),
            "fake": read_csv(truth / "fake_stars.csv"),
            "accounts": {int(r["actor_id"]): r for r in read_csv(truth / "accounts.csv")}}


def test_realistic_world_unchanged_by_the_adversary(worlds, tmp_path):
    """The realistic world of these options is the same, byte for byte, whether or not the
    adversarial module was ever imported (a fresh interpreter that cannot import it)."""
    out = tmp_path / "fresh"
    code = ("import sys; sys.modules['starscope.simulate.adversarial'] = None\n"
            "from starscope.simulate import simulate_world\n"
            f"simulate_world({str(out)!r}, days={OPTS['days']}, seed={OPTS['seed']}, scale={OPTS['scale']})\n"
            "assert sys.modules['starscope.simulate.adversarial'] is None\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert _digest(out) == _digest(worlds["real"])


def test_adversarial_world_contains_the_realistic_one(worlds):
    """Same draws first: every realistic fake star (campaign, account, repo, time) is there too."""
    key = ("campaign_id", "kind", "actor_id", "repo_id", "starred_at")
    real = {tuple(r[k] for k in key) for r in read_csv(worlds["real"] / "truth" / "fake_stars.csv")}
    adv = {tuple(r[k] for k in key) for r in worlds["fake"]}
    assert real and real < adv
    assert {r[1] for r in adv - real} == set(ADVERSARY_KINDS)


def test_every_adversary_kind_in_the_truth(worlds):
    s = worlds["summary"]
    assert s["preset"] == "adversarial"
    for k in ADVERSARY_KINDS:
        assert s["campaigns"][k] >= 1 and s["fake_stars_by_kind"][k] > 0, k
        assert s["accounts_by_role"][k] > 0, k
    assert set(ADVERSARY_KINDS) <= {r["kind"] for r in worlds["fake"]}


def test_each_kind_dodges_what_it_claims(worlds):
    fake, events, acc = worlds["fake"], worlds["events"], worlds["accounts"]
    by_kind = defaultdict(list)
    for r in fake:
        by_kind[r["kind"]].append((int(r["actor_id"]), int(r["repo_id"]), parse_ts(r["starred_at"])))
    other = defaultdict(int)        # events besides stars, per account
    stars = defaultdict(list)       # (time, repo) per account
    engaged = defaultdict(set)      # repo -> accounts that did something there besides starring
    days = defaultdict(set)         # days the account did anything
    for t, a, r, ts in events:
        days[a].add(ts.date())
        if t == "WatchEvent":
            stars[a].append((ts, r))
        else:
            other[a] += 1
            engaged[r].add(a)
    clients = defaultdict(set)
    for k, rows in by_kind.items():
        for a, r, _ in rows:
            clients[(k, a)].add(r)
    # one_shot: each account serves one client, and none is thin (>= 2 events besides stars)
    one = {a for a, _, _ in by_kind["one_shot"]}
    assert all(len(clients[("one_shot", a)]) == 1 and other[a] >= 2 for a in one)
    # seasoned: signed up in the window, one client, not thin, active on two days (not low-activity)
    for a, r, ts in by_kind["seasoned"]:
        assert parse_ts(acc[a]["created_at"]) >= T0 and other[a] >= 2 and len(days[a]) >= 2
        assert clients[("seasoned", a)] == {r}
    # paced: no 48 h span of a client holds 20 of its paced stars
    per_repo = defaultdict(list)
    for _, r, ts in by_kind["paced"]:
        per_repo[r].append(ts)
    for ts in per_repo.values():
        ts.sort()
        j = 0
        for i in range(len(ts)):
            while ts[i] - ts[j] > dt.timedelta(hours=48):
                j += 1
            assert i - j + 1 < 20
    # sitting: every fake star has another star of the account within the hour
    for a, r, ts in by_kind["sitting"]:
        assert any(r2 != r and abs((t2 - ts).total_seconds()) <= 3600 for t2, r2 in stars[a])
    # camouflaged: > 5 % of each client's stargazers engage with it (fork / issue)
    for r in {r for _, r, _ in by_kind["camouflaged"]}:
        n = sum(1 for _, r2, _ in by_kind["camouflaged"] if r2 == r)
        assert len(engaged[r]) - 1 > 0.05 * n
    # diluted: accounts star many repos (> 50 where the small world has room), the farm a
    # minority on each organic repo: <= 40 of it (no lockstep cluster), < half its stars
    dil = {a for a, _, _ in by_kind["diluted"]}
    assert max(len({r for _, r in stars[a]}) for a in dil) > 20   # a tiny world has little room
    fake_pairs = {(a, r) for rows in by_kind.values() for a, r, _ in rows}
    cover, total = defaultdict(int), defaultdict(int)
    for a, lst in stars.items():
        for _, r in lst:
            total[r] += 1
            cover[r] += a in dil and (a, r) not in fake_pairs
    for r, n in cover.items():
        if n:
            assert n <= 40 + 10 and n < 0.5 * total[r]     # + the farm's few ordinary stars


def test_cli_preset(tmp_path):
    """`starscope simulate --preset adversarial --json` writes the adversarial world."""
    import json

    from click.testing import CliRunner

    from starscope.cli import main

    res = CliRunner().invoke(main, ["simulate", str(tmp_path / "w"), "--preset", "adversarial", "--days", "1",
                                    "--scale", "0.05", "--seed", "3", "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)
    assert s["preset"] == "adversarial" and all(s["campaigns"][k] >= 1 for k in ADVERSARY_KINDS)
    bad = CliRunner().invoke(main, ["simulate", str(tmp_path / "x"), "--preset", "hostile"])
    assert bad.exit_code == 2 and "adversarial" in bad.output


def test_deterministic(tmp_path):
    """The same options give the same adversarial world, byte for byte."""
    kw = dict(days=1, seed=11, scale=0.05, preset="adversarial")
    simulate_world(tmp_path / "a", **kw)
    simulate_world(tmp_path / "b", **kw)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
