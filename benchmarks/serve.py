"""Web service benchmark: `starscope serve` on a store with >= 1 M stars, 64 concurrent
keep-alive clients for 30 s per phase against /healthz (the baseline: no store work), the
repo API and the badge, all in the same run. Reports req/s, p50/p99 latency and errors, and
the latency of uncached (first) repo answers.

The miss storm (issue 16): --miss-clients clients asking for random names the store never
saw (each name new), alone, and then next to as many normal clients as --miss-clients; the
normal clients' req/s under the storm is reported as a ratio of their req/s alone, both
measured in this run.

    python benchmarks/serve.py [--dir bench-serve] [--stars 1000000] [--clients 64]
                               [--seconds 30] [--repos 2000] [--miss-clients 32]
                               [--rounds 3] [--json]

The store is built once under --dir (star-only hour files, Zipf-popular repos, then ingest
and detect) and reused by later runs. The client is a minimal asyncio HTTP/1.1 client (a
general-purpose client would be the bottleneck before the server on a small machine).
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path


# ------------------------------------------------------------------ the store
def write_hours(out: Path, stars: int, seed: int = 7, days: int = 28) -> None:
    """Star-only GH Archive hour files: ~stars/20 accounts, Zipf-popular repos, a few bursts
    of many new accounts starring the same repos (so detection finds something)."""
    rng = random.Random(seed)
    n_accounts = max(1000, stars // 8)
    n_repos = max(500, stars // 20)
    repo_w = [1 / (i + 1) ** 1.05 for i in range(n_repos)]
    cum, acc = [], 0.0
    for w in repo_w:
        acc += w
        cum.append(acc)
    import bisect

    hours = days * 24
    per_hour = -(-stars // hours)
    out.mkdir(parents=True, exist_ok=True)
    eid = 40_000_000_000
    start = time.mktime((2024, 3, 1, 0, 0, 0, 0, 0, 0)) - time.timezone
    for h in range(hours):
        t0 = start + h * 3600
        name = time.strftime("%Y-%m-%d-", time.gmtime(t0)) + str(time.gmtime(t0).tm_hour)
        lines = []
        for _ in range(per_hour):
            eid += 1
            a = rng.randrange(n_accounts)
            r = bisect.bisect_left(cum, rng.random() * acc)
            ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + rng.randrange(3600)))
            aid, rid = 1000 + a * 7, 5000 + r * 13
            lines.append(
                f'{{"id":"{eid}","type":"WatchEvent","actor":{{"id":{aid},"login":"user{aid}",'
                f'"display_login":"user{aid}","gravatar_id":"","url":"","avatar_url":""}},'
                f'"repo":{{"id":{rid},"name":"owner{r % 997}/repo{rid}","url":""}},'
                f'"payload":{{"action":"started"}},"public":true,"created_at":"{ts}"}}')
        with gzip.open(out / f"{name}.json.gz", "wt", compresslevel=1) as fh:
            fh.write("\n".join(lines) + "\n")


def build_store(base: Path, stars: int, detect_since: str | None = None) -> Path:
    from starscope.ingest import ingest
    from starscope.results.detection import detect_store
    from starscope.store import Store

    store = Store(base / "store")
    if store.exists() and (store.manifest().get("results")):
        return store.root
    if not store.exists():
        t = time.perf_counter()
        write_hours(base / "archive", stars)
        print(f"wrote hour files in {time.perf_counter() - t:.0f}s", file=sys.stderr)
        t = time.perf_counter()
        ingest(store, [str(base / "archive")])
        print(f"ingested in {time.perf_counter() - t:.0f}s", file=sys.stderr)
    t = time.perf_counter()
    detect_store(store, profile="starscout", since=detect_since)
    print(f"detected in {time.perf_counter() - t:.0f}s", file=sys.stderr)
    return store.root


# ------------------------------------------------------------------ the load
async def _client(host, port, paths, deadline, lat, errors, rng, ok=(200,)):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            path = paths(rng) if callable(paths) else paths[rng.randrange(len(paths))]
            req = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n".encode()
            t0 = time.perf_counter()
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for ln in head.split(b"\r\n"):
                if ln[:15].lower() == b"content-length:":
                    length = int(ln[15:])
            if length:
                await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            if status not in ok:
                errors.append(status)
    except (OSError, asyncio.IncompleteReadError) as exc:
        errors.append(repr(exc))
    finally:
        writer.close()


def _unknown_name(rng) -> str:
    """A random repository name no store holds (each one new: no cache can answer it)."""
    return f"/api/repos/nobody-{rng.getrandbits(48):x}/nothing-{rng.getrandbits(48):x}"


async def _phase(host, port, paths, clients, seconds, miss_clients=0):
    """`clients` clients on `paths` for `seconds`; with miss_clients, that many more ask
    for unknown names at the same time. Returns the stats of each group."""
    deadline = time.perf_counter() + seconds
    t0 = time.perf_counter()
    groups = [(paths, clients, (200,), [], []), (_unknown_name, miss_clients, (404,), [], [])]
    await asyncio.gather(*(
        _client(host, port, p, deadline, lat, errors, random.Random(g * 1000 + i), ok)
        for g, (p, n, ok, lat, errors) in enumerate(groups) for i in range(n)))
    dt = time.perf_counter() - t0
    out = [_stats(lat, errors, dt) for _, n, _, lat, errors in groups if n]
    return out[0] if len(out) == 1 else out


def _merge(phases: list[dict]) -> dict:
    """Phases of equal length as one: req/s averaged, the worst p50/p99, errors summed."""
    return {"requests": sum(p["requests"] for p in phases),
            "req_per_s": round(sum(p["req_per_s"] for p in phases) / len(phases), 1),
            "p50_ms": max(p["p50_ms"] or 0 for p in phases),
            "p99_ms": max(p["p99_ms"] or 0 for p in phases),
            "errors": sum(p["errors"] for p in phases)}


def _stats(lat, errors, dt):
    lat.sort()

    def q(p):
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 2) if lat else None

    return {"requests": len(lat), "req_per_s": round(len(lat) / dt, 1), "p50_ms": q(0.5),
            "p99_ms": q(0.99), "max_ms": round(1000 * lat[-1], 2) if lat else None,
            "errors": len(errors), "error_sample": [str(e) for e in errors[:3]]}


async def _warm(port: int, paths: list[str], parallel: int = 8) -> None:
    import httpx

    queue = list(paths)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as c:
        async def worker():
            while queue:
                (await c.get(queue.pop())).raise_for_status()
        await asyncio.gather(*(worker() for _ in range(parallel)))


def in_process(root: Path, names: list[str], n: int = 20000) -> dict:
    """The app's own cost per answer (no HTTP server, no client): microseconds for a cached
    repo answer, an unknown name and /healthz, called straight through ASGI in this process.
    Less sensitive than req/s to other jobs on the machine; the same run, so ratios hold."""
    from starscope.interfaces.web import MissGate, app

    application = app(root)
    application.state.starscope.stat_every = 1e9  # a fixed store: no manifest checks

    async def call(path: str) -> int:
        status = []
        scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "headers": [(b"host", b"x")], "scheme": "http",
                 "server": ("x", 80), "client": ("y", 1), "root_path": "", "http_version": "1.1",
                 "asgi": {"version": "3.0"}}

        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(msg):
            if msg["type"] == "http.response.start":
                status.append(msg["status"])
        await application(scope, receive, send)
        return status[0]

    async def run() -> dict:
        for nm in names[:200]:
            assert await call(f"/api/repos/{nm}") == 200
        rng = random.Random(1)
        out = {}
        kinds = {"cached_repo": lambda i: f"/api/repos/{names[i % 200]}",
                 "unknown_name": lambda i: _unknown_name(rng),
                 "healthz": lambda i: "/healthz"}
        for _ in range(3):  # rounds, kinds interleaved; the best round of each (least noise)
            for label, path in kinds.items():
                if label == "unknown_name":  # alone: not paced behind the requests before
                    application.state.starscope.miss_gate = MissGate()
                t0 = time.perf_counter()
                for i in range(n // 3):
                    await call(path(i))
                us = 1e6 * (time.perf_counter() - t0) / (n // 3)
                out[label] = round(min(out.get(label, us), us), 1)
        return out

    return asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default="bench-serve")
    ap.add_argument("--stars", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--repos", type=int, default=2000, help="distinct repos asked about")
    ap.add_argument("--detect-since", default=None,
                    help="detect over the stars from this date only (a quicker build)")
    ap.add_argument("--miss-clients", type=int, default=32,
                    help="clients asking for unknown names in the miss storm")
    ap.add_argument("--rounds", type=int, default=3,
                    help="miss storm: alternating rounds of normal clients alone / under it")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    base = Path(args.dir)
    root = build_store(base, args.stars, args.detect_since)
    from starscope.store import Store

    con = Store(root).connect()
    n_stars = con.execute("SELECT count(*) FROM stars").fetchone()[0]
    names = [r[0] for r in con.execute(
        "SELECT repo_name FROM repos ORDER BY repo_id LIMIT ?", [args.repos]).fetchall()]
    top = con.execute("SELECT r.repo_name, s.n FROM (SELECT repo_id, count(*) AS n FROM stars "
                      "GROUP BY 1 ORDER BY 2 DESC LIMIT 1) s JOIN repos r USING (repo_id)"
                      ).fetchone()
    con.close()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "starscope", "serve", "--store", str(root),
                             "--port", str(port)], env=env)
    import httpx

    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        # uncached answers, one at a time: the most-starred repo, then 50 others
        cold = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as c:
            t0 = time.perf_counter()
            c.get(f"/api/repos/{top[0]}").raise_for_status()
            cold_top = time.perf_counter() - t0
            for n in names[:50]:
                if n == top[0]:
                    continue
                t0 = time.perf_counter()
                c.get(f"/api/repos/{n}").raise_for_status()
                cold.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            c.get("/api/overview").raise_for_status()
            cold_overview = time.perf_counter() - t0
        cold.sort()
        # warm the cache for every repo asked about (the steady state is cache hits)
        asyncio.run(_warm(port, [f"/api/repos/{n}" for n in names]
                          + [f"/badge/{n}.svg" for n in names]))
        res = {"stars": n_stars, "clients": args.clients, "seconds": args.seconds,
               "repos_asked": len(names),
               "cold_repo_answer_ms": {"p50": round(1000 * cold[len(cold) // 2], 1),
                                       "max": round(1000 * cold[-1], 1),
                                       "largest_repo": round(1000 * cold_top, 1),
                                       "largest_repo_stars": top[1]},
               "cold_overview_ms": round(1000 * cold_overview, 1)}
        for label, paths in (("healthz", ["/healthz"]),
                             ("repo_api", [f"/api/repos/{n}" for n in names]),
                             ("badge", [f"/badge/{n}.svg" for n in names])):
            res[label] = asyncio.run(_phase("127.0.0.1", port, paths, args.clients,
                                            args.seconds))
        m = args.miss_clients
        repo_paths = [f"/api/repos/{n}" for n in names]
        res["miss_storm"] = {"miss_clients": m}
        time.sleep(2.1)  # no real request in the last second: the storm alone is not paced
        res["miss_storm"]["unknown_alone"] = asyncio.run(
            _phase("127.0.0.1", port, [], 0, args.seconds, miss_clients=m))
        # Alone and under the storm alternate for --rounds rounds: the machine's other load
        # drifts, and alternating spreads that drift over both sides of the ratio.
        alone, under, storm = [], [], []
        for _ in range(args.rounds):
            alone.append(asyncio.run(_phase("127.0.0.1", port, repo_paths, m, args.seconds)))
            normal, misses = asyncio.run(
                _phase("127.0.0.1", port, repo_paths, m, args.seconds, miss_clients=m))
            under.append(normal)
            storm.append(misses)
        ms = res["miss_storm"]
        ms["normal_alone"], ms["normal_under_storm"] = _merge(alone), _merge(under)
        ms["unknown_under_storm"] = _merge(storm)
        ms["rounds"] = [round(u["req_per_s"] / a["req_per_s"], 3) for a, u in zip(alone, under)]
        res["in_process_us"] = in_process(root, names)
        res["miss_storm"]["normal_kept"] = round(
            ms["normal_under_storm"]["req_per_s"] / ms["normal_alone"]["req_per_s"], 3)
    finally:
        proc.terminate()
        proc.wait(10)
    if args.json:
        print(json.dumps(res, indent=1))
        return
    print(f"store: {n_stars:,} stars; {args.clients} clients, {args.seconds:.0f}s per phase, "
          f"{len(names):,} repos")
    print(f"uncached repo answer: p50 {res['cold_repo_answer_ms']['p50']} ms, "
          f"max {res['cold_repo_answer_ms']['max']} ms; largest repo "
          f"({top[1]:,} stars) {res['cold_repo_answer_ms']['largest_repo']} ms; "
          f"/api/overview {res['cold_overview_ms']} ms")
    print(f"{'endpoint':10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for k in ("healthz", "repo_api", "badge"):
        r = res[k]
        print(f"{k:10} {r['req_per_s']:>9,.0f} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['errors']:>7}")
    ms = res["miss_storm"]
    print(f"miss storm, {ms['miss_clients']} clients each group:")
    for k in ("unknown_alone", "normal_alone", "normal_under_storm", "unknown_under_storm"):
        r = ms[k]
        print(f"  {k:20} {r['req_per_s']:>9,.0f} {r['p50_ms']:>8} {r['p99_ms']:>8} "
              f"{r['errors']:>7}")
    print(f"  normal clients keep {100 * ms['normal_kept']:.0f}% of their req/s under the storm "
          f"(rounds: {', '.join(f'{100 * r:.0f}%' for r in ms['rounds'])})")
    ip = res["in_process_us"]
    print("in-process cost per answer (µs, ASGI call, no HTTP): "
          + ", ".join(f"{k} {v}" for k, v in ip.items()))


if __name__ == "__main__":
    main()
