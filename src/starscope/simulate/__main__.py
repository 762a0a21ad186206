"""``python -m starscope.simulate OUT_DIR [--days N] [--seed S] [--scale X] [--bad] [--preset realistic|easy|adversarial]``
(same as ``starscope simulate``; ``--bench N_FILES`` writes background-only hour files instead)."""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
import time

from . import simulate_world, write_hour_files


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m starscope.simulate", description=__doc__)
    ap.add_argument("out_dir")
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--bad", action="store_true")
    ap.add_argument("--preset", choices=("realistic", "easy", "adversarial"), default="realistic")
    ap.add_argument("--start", type=_dt.date.fromisoformat, default=_dt.date(2024, 3, 1))
    ap.add_argument("--capture", type=float, default=1.0, help="keep this share of star events")
    ap.add_argument("--capture-from", type=_dt.date.fromisoformat, default=None)
    ap.add_argument("--bench", type=int, metavar="N_FILES", help="write N_FILES background-only hour files")
    ap.add_argument("--events-per-file", type=int, default=200_000)
    a = ap.parse_args(argv)
    t0 = time.time()
    if a.bench:
        paths = write_hour_files(a.out_dir, n_files=a.bench, events_per_file=a.events_per_file, seed=a.seed,
                                 start=_dt.datetime(a.start.year, a.start.month, a.start.day))
        print(json.dumps({"files": [str(p) for p in paths], "seconds": round(time.time() - t0, 1)}))
        return 0

    def progress(done: int, total: int) -> None:
        if done == total or done % 24 == 0:
            print(f"\r{done}/{total} hour files", end="", file=sys.stderr, flush=True)

    summary = simulate_world(a.out_dir, days=a.days, seed=a.seed, scale=a.scale, bad=a.bad, start=a.start,
                             progress=progress, preset=a.preset, capture=a.capture,
                             capture_from=a.capture_from)
    print(file=sys.stderr)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
