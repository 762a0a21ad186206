"""Wall time, CPU seconds and peak resident memory of a command's whole process tree.

Shared by the benchmarks: a DuckDB run is one process (plus ingest workers); a Spark run is the
Python driver, its JVM and the JVM's Python workers, so only a /proc walk of the tree sees it all.
"""
from __future__ import annotations

import os
import subprocess
import time


def tree_sample(root: int, cpu: dict[int, float]) -> float:
    """Resident memory (MB) of a process and all its descendants, from /proc; records each
    one's CPU seconds so far into `cpu` (a process that ends between samples keeps its last)."""
    parent, rss, ticks = {}, {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            parent[int(d)] = int(fields[1])
            rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            ticks[int(d)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p and c not in tree]
        tree.update(kids)
        frontier.extend(kids)
    for p in tree:
        if p in ticks:
            cpu[p] = ticks[p]
    return sum(rss.get(p, 0) for p in tree) / 1e6


def run_measured(cmd: list[str], interval: float = 0.1, env: dict | None = None) -> dict:
    """Run `cmd`; return its stdout, return code, wall seconds, CPU seconds and peak RSS (MB)
    of its process tree, sampled every `interval` seconds."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    peak, cpu = 0.0, {}
    while proc.poll() is None:
        peak = max(peak, tree_sample(proc.pid, cpu))
        time.sleep(interval)
    out, err = proc.communicate()
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": sum(cpu.values()),
            "peak_rss_mb": peak, "returncode": proc.returncode, "stdout": out, "stderr": err}
