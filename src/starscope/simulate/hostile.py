"""Hostile hour files (issue 16) and a measurement of one ingest worker reading one, shared
by tests/ingest/test_hostile_input.py (small sizes) and benchmarks/hostile.py (full size)."""
from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any


def gzip_members(path: Path, piece: bytes, copies: int, tail: bytes = b"") -> None:
    """A gzip file of `piece` repeated `copies` times as identical gzip members (then `tail`,
    a member of its own): writing gigabytes of inflated content costs one small compression."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = comp.compress(piece) + comp.flush()
    with open(path, "wb") as fh:
        for _ in range(copies):
            fh.write(member)
        if tail:
            comp = zlib.compressobj(9, zlib.DEFLATED, 31)
            fh.write(comp.compress(tail) + comp.flush())


# The peak is the process's own VmHWM, which starts afresh at exec. (ru_maxrss does not: Linux
# keeps it across fork and exec, so a child of a large process, e.g. pytest after the Spark
# tests, reported its parent's size whatever the worker did.)
_PEAK_SCRIPT = """
import json, re, sys, time
from starscope.ingest.duckdb_engine import parse_task
t0 = time.perf_counter()
res = parse_task([sys.argv[1]], sys.argv[2])
rep = res.files[0]
hwm = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
print(json.dumps({"peak_mb": hwm / 1024,
                  "seconds": time.perf_counter() - t0, "events": rep.events,
                  "bad_lines": rep.bad_lines, "collapsed": res.collapsed,
                  "errors": [q["error"] for q in rep.quarantine][:3]}))
"""


def worker_peak(path: Path, staged: Path, timeout: float | None = None) -> dict[str, Any]:
    """One ingest worker task on `path` in a fresh process (Linux): its peak resident memory
    (MB), its time and counts. A failing worker raises RuntimeError with its stderr's end."""
    r = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(path), str(staged)],
                       capture_output=True, text=True, timeout=timeout)
    if r.returncode:
        raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout)
