"""A pytest plugin that records each test's CPU time, so the suite's cost can be measured on a
busy machine, where wall times say more about the neighbours than about the tests.

    STARSCOPE_SUITE_CPU=/tmp/cpu PYTHONPATH=benchmarks python -m pytest -p suite_cpu
    python benchmarks/suite_cpu.py /tmp/cpu          # per group and the whole, in seconds

Each test's CPU (setup, call and teardown) is what its worker process and every process under
it used meanwhile: the worker's own time, its reaped children's, and the live descendants' (the
Spark JVM, parse workers, servers, subprocess runs) with the children they reaped (parse
workers that ended, reaped by multiprocessing's fork server), from /proc (Linux only). On two cores the
suite cannot take less wall time than half its CPU time; on a quiet machine, where the tests
mostly use one core each, that is close to what it takes.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: str) -> tuple[int, int, int, int, int] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    f = text[text.rindex(")") + 2:].split()  # fields from the 3rd on (the name may hold spaces)
    # ppid, utime, stime, cutime, cstime
    return int(f[1]), int(f[11]), int(f[12]), int(f[13]), int(f[14])


def cpu_ticks() -> int:
    """CPU ticks of this process, its reaped children and all its live descendants."""
    me = os.getpid()
    stats = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            s = _stat(d)
            if s:
                stats[int(d)] = s
    kids: dict[int, list[int]] = {}
    for pid, s in stats.items():
        kids.setdefault(s[0], []).append(pid)
    own = stats.get(me)
    total = (own[1] + own[2] + own[3] + own[4]) if own else 0
    todo = list(kids.get(me, []))
    while todo:
        pid = todo.pop()
        s = stats[pid]
        # a live descendant and the children it reaped: ingest's workers are children of
        # multiprocessing's fork server, which lives on and reaps them (not counted otherwise)
        total += s[1] + s[2] + s[3] + s[4]
        todo += kids.get(pid, [])
    return total


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    out = os.environ.get("STARSCOPE_SUITE_CPU")
    if not out:
        yield
        return
    c0, t0 = cpu_ticks(), time.time()
    yield
    c1, t1 = cpu_ticks(), time.time()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(out).mkdir(parents=True, exist_ok=True)
    with open(Path(out) / f"{worker}.jsonl", "a") as fh:
        fh.write(json.dumps({"test": item.nodeid, "worker": worker, "wall": round(t1 - t0, 2),
                             "cpu": round((c1 - c0) / TICK, 2), "end": round(t1, 1)}) + "\n")


def main(folder: str) -> None:
    rows = [json.loads(line) for f in sorted(Path(folder).glob("*.jsonl")) for line in open(f)]
    groups: dict[str, list[float]] = {}
    for r in rows:
        g = r["test"].rsplit("@", 1)[1] if "@" in r["test"] else r["test"].split("::")[0]
        groups.setdefault(g, [0.0, 0.0])
        groups[g][0] += r["cpu"]
        groups[g][1] += r["wall"]
    cpu = sum(r["cpu"] for r in rows)
    wall = sum(r["wall"] for r in rows)
    print(f"{len(rows)} tests: CPU {cpu:.0f} s (half: {cpu / 2:.0f} s), sum of wall times {wall:.0f} s")
    for w in sorted({r["worker"] for r in rows}):
        print(f"  worker {w}: CPU {sum(r['cpu'] for r in rows if r['worker'] == w):.0f} s")
    print("   CPU s   wall s  group")
    for g, (c, w) in sorted(groups.items(), key=lambda kv: -kv[1][0])[:20]:
        print(f"{c:8.1f} {w:8.1f}  {g}")
    print("slowest tests by CPU:")
    for r in sorted(rows, key=lambda r: -r["cpu"])[:15]:
        print(f"{r['cpu']:8.1f} {r['wall']:8.1f}  {r['test']}")


if __name__ == "__main__":
    main(sys.argv[1])
