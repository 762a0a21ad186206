"""Hostile input at full size (issue 16): a gzip bomb that inflates to 4 GiB of one repeated
line and a 2 GiB line without a newline, each parsed by one ingest worker task in a fresh
process. Reports its peak resident memory (VmHWM of that process) and its time; time is
shown as seconds per GiB at two sizes, so linear time reads as a ratio near 1 (measured in
the same run). The tests (tests/ingest/test_hostile_input.py) run the same at 256-400 MB.

    python benchmarks/hostile.py [--dir bench-hostile] [--gib 4] [--json]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from starscope.simulate.hostile import gzip_members, worker_peak

LINE = (b'{"id":"42","type":"WatchEvent","actor":{"id":7,"login":"bomb","display_login":"bomb",'
        b'"gravatar_id":"","url":"","avatar_url":""},"repo":{"id":9,"name":"o/bomb","url":""},'
        b'"payload":{"action":"started"},"public":true,"created_at":"2024-03-01T05:00:00Z"}\n')
BLOCK = 8 << 20


def run(path: Path, staged: Path) -> dict:
    try:
        out = worker_peak(path, staged)
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None
    out["peak_mb"] = round(out["peak_mb"])
    out["seconds"] = round(out["seconds"], 2)
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
        gzip_members(f, piece, n)
        r = run(f, base / f"staged-{label}")
        r["inflated_gib"] = round(n * len(piece) / (1 << 30), 2)
        r["compressed_mb"] = round(f.stat().st_size / 1e6, 1)
        res[label] = r
    good = LINE
    for label, gib in (("line_half", args.gib / 4), ("line", args.gib / 2)):
        f = base / "2024-03-01-5.json.gz"
        n = int(gib * (1 << 30) / BLOCK)
        gzip_members(f, b"x" * BLOCK, n, tail=b"\n" + good)
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
