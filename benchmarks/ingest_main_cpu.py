"""CPU of ingest's main process per hour file (listing, duplicate checks, commits, manifest
writes; the parse workers are not counted): what a store pays per file beyond parsing.

    python benchmarks/ingest_main_cpu.py [--days 80] [--scale 0.02]

Simulates a world (1 hour file per hour), ingests it into a fresh store and prints the main
process's CPU seconds, per file, and where it went (the store writer's steps, timed by
wrapping them). The figures in docs/performance.md ("Ingest's main process") came from it.
"""
from __future__ import annotations

import argparse
import functools
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=80)
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()

    from starscope.ingest import ingest
    from starscope.simulate import simulate_world
    from starscope.store import Store
    from starscope.store import manifest as mf
    from starscope.store import store as st

    steps: dict[str, list[float]] = {}

    def timed(owner, name):
        fn = getattr(owner, name)

        @functools.wraps(fn)
        def wrapper(*a, **k):
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                s = steps.setdefault(name, [0, 0.0])
                s[0] += 1
                s[1] += time.process_time() - t
        setattr(owner, name, wrapper)

    for owner, name in [(st.StoreWriter, "commit_staged"), (st.StoreWriter, "_duplicates"),
                        (st.StoreWriter, "commit_prepared"), (mf, "save"),
                        (st.StoreWriter, "compact")]:
        timed(owner, name)

    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        simulate_world(world, days=args.days, seed=args.seed, scale=args.scale)
        store = Path(tmp) / "store"
        shutil.rmtree(store, ignore_errors=True)
        t0 = time.process_time()
        rep = ingest(Store(store), [str(world / "archive")])
        cpu = time.process_time() - t0
    n = rep.files_ingested
    print(f"{n} files, {args.days} days, scale {args.scale}: main process {cpu:.1f} s CPU, "
          f"{1000 * cpu / n:.1f} ms per file")
    for name, (calls, secs) in steps.items():
        print(f"  {name:16s} {calls:5d} calls  {secs:6.2f} s CPU (nested in the lines above)")


if __name__ == "__main__":  # ingest's workers start from a forkserver
    main()
