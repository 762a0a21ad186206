"""Hostile input at full size (issue 16): a gzip bomb that inflates to 4 GiB of one repeated
line and a 2 GiB line without a newline, each parsed by one ingest worker task in a fresh
process. Reports its peak resident memory (RUSAGE_SELF of that process) and its time; time is
shown as seconds per GiB at two sizes, so linear time reads as a ratio near 1 (measured in
the same run). The tests (tests/ingest/test_hostile_input.py) run the same at 256-400 MB.

    python benchmarks/hostile.py [--dir bench-hostile] [--gib 4] [--json]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import zlib
from pathlib import Path

SCRIPT = """
import json, resource, sys, time
from starscope.ingest.pipeline import parse_task
t0 = time.perf_counter()
res = parse_task([sys.argv[1]], sys.argv[2])
rep = res.files[0]
print(json.dumps({"peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "seconds": round(time.perf_counter() - t0, 2), "events": rep.events,
                  "bad_lines": rep.bad_lines, "collapsed": res.collapsed}))
"""

LINE = (b'{"id":"42","type":"WatchEvent","actor":{"id":7,"login":"bomb","display_login":"bomb",'
        b'"gravatar_id":"","url":"","avatar_url":""},"repo":{"id":9,"name":"o/bomb","url":""},'
        b'"payload":{"action":"started"},"public":true,"created_at":"2024-03-01T05:00:00Z"}\n')
BLOCK = 8 << 20


def members(path: Path, piece: bytes, copies: int, tail: bytes = b"") -> None:
    """`piece` repeated `copies` times as identical gzip members (cheap to write)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = c.compress(piece) + c.flush()
    with open(path, "wb") as fh:
        for _ in range(copies):
            fh.write(member)
        if tail:
            c = zlib.compressobj(9, zlib.DEFLATED, 31)
            fh.write(c.compress(tail) + c.flush())


def run(path: Path, staged: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(path), str(staged)],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(r.stderr[-2000:])
    out = json.loads(r.stdout)
    out["inflated_gib"] = None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default="bench-hostile")
    ap.add_argument("--gib", type=float, default=4, help="bomb size; the line is half of it")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    base = Path(args.dir)
    base.mkdir(parents=True, exist_ok=True)
    res = {}
    piece = LINE * (BLOCK // len(LINE))
    for label, gib in (("bomb_half", args.gib / 2), ("bomb", args.gib)):
        f = base / "2024-03-01-5.json.gz"
        n = int(gib * (1 << 30) / len(piece))
        members(f, piece, n)
        r = run(f, base / f"staged-{label}")
        r["inflated_gib"] = round(n * len(piece) / (1 << 30), 2)
        r["compressed_mb"] = round(f.stat().st_size / 1e6, 1)
        res[label] = r
    good = LINE
    for label, gib in (("line_half", args.gib / 4), ("line", args.gib / 2)):
        f = base / "2024-03-01-5.json.gz"
        n = int(gib * (1 << 30) / BLOCK)
        members(f, b"x" * BLOCK, n, tail=b"\n" + good)
        r = run(f, base / f"staged-{label}")
        r["inflated_gib"] = round(n * BLOCK / (1 << 30), 2)
        r["compressed_mb"] = round(f.stat().st_size / 1e6, 1)
        res[label] = r
    for k in ("bomb", "line"):
        a, b = res[k + "_half"], res[k]
        res[k]["s_per_gib_ratio"] = round((b["seconds"] / b["inflated_gib"])
                                          / (a["seconds"] / a["inflated_gib"]), 2)
    if args.json:
        print(json.dumps(res, indent=1))
        return
    print(f"{'input':10} {'GiB in':>7} {'gz MB':>7} {'peak MB':>8} {'s':>7} {'events':>11} "
          f"{'bad':>4} {'collapsed':>10}")
    for k, r in res.items():
        print(f"{k:10} {r['inflated_gib']:>7} {r['compressed_mb']:>7} {r['peak_mb']:>8} "
              f"{r['seconds']:>7} {r['events']:>11,} {r['bad_lines']:>4} {r['collapsed']:>10,}")
    print(f"time per GiB, full size / half size: bomb {res['bomb']['s_per_gib_ratio']}, "
          f"line {res['line']['s_per_gib_ratio']} (1.0 = linear)")


if __name__ == "__main__":
    main()
