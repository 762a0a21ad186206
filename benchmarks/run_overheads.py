"""Fixed costs of small runs, in CPU seconds (what the test suite and small users pay):

1. `starscope ingest` of 24 generated hour files (400 events each) as a command, CPU of the
   whole process tree (its fork server and parse workers too), sampled from /proc every 10 ms;
2. `run_github` over the easy simulated API world of tests/source/test_github_world.py
   (scale 0.05, seed 3: 2,287 requests to the fake GitHub on 127.0.0.1), CPU of this process.

    python benchmarks/run_overheads.py                          # this checkout
    PYTHONPATH=<other checkout>/src python benchmarks/run_overheads.py   # another commit's code

Both use this checkout's test helpers (hour files, fake GitHub), so only the product code
differs between the two commands. Linux only. Figures: docs/performance.md ("CPU of the
GitHub and ingest tests"). Needs the test dependencies (pip install -e '.[test]').
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "source"), str(ROOT / "tests")]
TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(cmd: list[str]) -> tuple[float, float, int]:
    """(CPU s of every process of the command's session, wall s, exit code)."""
    seen: dict[int, int] = {}
    t0 = time.time()
    p = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    while p.poll() is None:
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                text = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            f = text[text.rindex(")") + 2:].split()
            if int(f[3]) == p.pid:  # its session
                seen[int(d)] = int(f[11]) + int(f[12])
        time.sleep(0.01)
    return sum(seen.values()) / TICK, time.time() - t0, p.returncode


def ingest_cli(root: Path) -> str:
    from events import event, line, write_hour

    arch = root / "hours"
    for f in range(24):
        write_hour(arch / f"2024-03-01-{f}.json.gz", [
            line(event(1000 * f + i + 1, "WatchEvent" if i % 4 == 0 else "PushEvent",
                       actor_id=i + 1, repo_id=3 + i % 7,
                       created_at=f"2024-03-01T{f:02d}:{i % 60:02d}:00Z"))
            for i in range(400)])
    cpu, wall, rc = tree_cpu([sys.executable, "-m", "starscope", "ingest", str(arch),
                              "--store", str(root / "store"), "--quiet"])
    assert rc == 0, rc
    return f"ingest, 24 files x 400 events: CPU {cpu:.2f} s (wall {wall:.2f} s)"


def github_world(root: Path) -> str:
    from fake_github import Served, world_fake

    from starscope.ingest.github import run_github
    from starscope.simulate import simulate_world
    from starscope.source.github import GitHubClient
    from starscope.store import Store

    world = root / "world"
    simulate_world(world, days=2, scale=0.05, seed=3, preset="easy")
    camp = {int(r["repo_id"]) for r in csv.DictReader(open(world / "truth" / "fake_stars.csv"))}
    neg: set[str] = set()
    for r in csv.DictReader(open(world / "truth" / "negatives.csv")):
        neg |= set(r["repo_names"].split(";"))
    fake = world_fake(world)
    repos = sorted(r.full_name for r in fake.repos.values() if r.id in camp or r.full_name in neg)
    with Served(fake) as srv, GitHubClient("tok", srv.url) as client:
        c0, w0 = time.process_time(), time.time()
        run_github(Store(root / "api"), repos, client, user_events=True)
        cpu, wall = time.process_time() - c0, time.time() - w0
    return f"run_github, easy API world ({len(fake.log)} requests): CPU {cpu:.2f} s (wall {wall:.2f} s)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    import starscope

    print("starscope from", Path(starscope.__file__).parent)
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as d:
            print(ingest_cli(Path(d)), flush=True)
        with tempfile.TemporaryDirectory() as d:
            print(github_world(Path(d)), flush=True)


if __name__ == "__main__":
    main()
