"""Ingest benchmark: starscope ingest against the decompression floor and a one-statement DuckDB
baseline, all measured in the same run on the same files.

    python benchmarks/ingest.py [--files 4] [--events 200000] [--repeat 2] [--dir bench-out]

(1) floor: only decompress the files, one process per core, with isal (the fastest gzip here);
(2) baseline: one DuckDB read_json(...) statement writing the needed columns to Parquet;
(3) starscope ingest into a fresh store.
Each phase runs in its own process (so peak RSS is its own); the best of --repeat runs counts.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _measure import tree_sample  # benchmarks/_measure.py, beside this script


def _rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def _decompress(path: str) -> int:
    from isal import igzip

    n = 0
    with igzip.open(path, "rb") as fh:
        while True:
            b = fh.read(8 << 20)
            if not b:
                return n
            n += len(b)


def phase_floor(files: list[str], out: Path) -> dict:
    from concurrent.futures import ProcessPoolExecutor

    t = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        raw = sum(pool.map(_decompress, files))
    return {"seconds": time.perf_counter() - t, "uncompressed_bytes": raw}


def phase_duckdb(files: list[str], out: Path) -> dict:
    import duckdb

    target = out / "duckdb-baseline.parquet"
    target.unlink(missing_ok=True)
    con = duckdb.connect()
    file_list = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    t = time.perf_counter()
    con.execute(f"""
        COPY (
          SELECT CAST(id AS BIGINT) AS event_id, type, actor.id AS actor_id,
                 actor.login AS actor_login, repo.id AS repo_id, repo.name AS repo_name,
                 CAST(created_at AS TIMESTAMP) AS created_at, org.id AS org_id
          FROM read_json({file_list}, format='newline_delimited',
            columns={{id: 'VARCHAR', type: 'VARCHAR', actor: 'STRUCT(id BIGINT, login VARCHAR)',
                      repo: 'STRUCT(id BIGINT, name VARCHAR)', created_at: 'VARCHAR',
                      org: 'STRUCT(id BIGINT)'}},
            maximum_object_size=268435456)
        ) TO '{target}' (FORMAT parquet, COMPRESSION zstd)""")
    return {"seconds": time.perf_counter() - t, "output_bytes": target.stat().st_size}


def phase_starscope(files: list[str], out: Path) -> dict:
    from starscope.ingest import ingest
    from starscope.store import Store

    root = out / "store"
    shutil.rmtree(root, ignore_errors=True)
    t = time.perf_counter()
    rep = ingest(Store(root), files)
    secs = time.perf_counter() - t
    from starscope.store.store import status

    size = status(Store(root))["bytes_on_disk"]  # committed segments only
    return {"seconds": secs, "output_bytes": size, "events": rep.events_new,
            "bad_lines": rep.bad_lines}


PHASES = {"floor": phase_floor, "duckdb": phase_duckdb, "starscope": phase_starscope}


def run_phase(name: str, files: list[str], out: Path) -> dict:
    """Run one phase in a fresh interpreter; returns its figures and the peak resident memory
    of the whole process tree (workers included), sampled every 50 ms."""
    cmd = [sys.executable, __file__, "--phase", name, "--dir", str(out), *files]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = 0.0
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        peak = max(peak, tree_sample(proc.pid, cpu))
        time.sleep(0.05)
    stdout = proc.stdout.read()
    if proc.returncode:
        raise SystemExit(f"phase {name} failed")
    res = json.loads(stdout.strip().splitlines()[-1])
    res["peak_rss_mb"] = max(peak, res["peak_rss_mb"])
    res["cpu_seconds"] = sum(cpu.values())
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--dir", default="bench-out")
    ap.add_argument("--phase", choices=PHASES)
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    if args.phase:
        res = PHASES[args.phase](args.paths, out)
        res["peak_rss_mb"] = _rss_mb()
        print(json.dumps(res))
        return

    from starscope.simulate import write_hour_files

    arch = out / f"archive-{args.files}x{args.events}"
    stamp = arch / ".complete"
    if not stamp.exists():
        shutil.rmtree(arch, ignore_errors=True)
        t = time.perf_counter()
        write_hour_files(arch, n_files=args.files, events_per_file=args.events, seed=1)
        stamp.write_text("ok")
        print(f"generated {args.files} files in {time.perf_counter() - t:.0f}s", file=sys.stderr)
    files = sorted(str(p) for p in arch.glob("*.json.gz"))
    events = args.files * args.events
    comp = sum(os.path.getsize(f) for f in files)

    best: dict[str, dict] = {}
    for _ in range(args.repeat):
        for name in PHASES:  # interleaved, so machine noise hits every phase alike
            r = run_phase(name, files, out)
            if name not in best or r["seconds"] < best[name]["seconds"]:
                best[name] = r
    floor = best["floor"]["seconds"]
    raw = best["floor"]["uncompressed_bytes"]
    print(f"files: {len(files)} x {args.events:,} events, {comp / 1e6:,.0f} MB gzip, "
          f"{raw / 1e6:,.0f} MB json ({raw / events:,.0f} B/event), {os.cpu_count()} cores, "
          f"best of {args.repeat}")
    print(f"{'phase':<10} {'seconds':>8} {'events/s':>11} {'MB/s gz':>8} {'x floor':>8} "
          f"{'x duckdb':>8} {'CPU s':>7} {'CPU x floor':>11} {'peak RSS MB':>11} "
          f"{'out B/event':>11}")
    for name in PHASES:
        r = best[name]
        s = r["seconds"]
        outb = r.get("output_bytes")
        print(f"{name:<10} {s:8.2f} {events / s:11,.0f} {comp / s / 1e6:8.1f} {s / floor:8.2f} "
              f"{s / best['duckdb']['seconds']:8.2f} {r['cpu_seconds']:7.1f} "
              f"{r['cpu_seconds'] / best['floor']['cpu_seconds']:11.2f} {r['peak_rss_mb']:11,.0f} "
              f"{(outb / events if outb else float('nan')):11.1f}")
    # GH Archive 2019-07..2024-12: ~6e9 events in 66 months (reference README).
    rate = events / best["starscope"]["seconds"]
    print(f"projection at {rate:,.0f} events/s: one month (~{6e9 / 66 / 1e6:.0f} M events) "
          f"~ {6e9 / 66 / rate / 3600:.1f} h; 2019-07..2024-12 (~6e9 events) "
          f"~ {6e9 / rate / 3600:.0f} h")


if __name__ == "__main__":
    main()
