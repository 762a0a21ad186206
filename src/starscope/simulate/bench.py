"""Background-only GH Archive hour files, fast, for ingest benchmarks (no campaigns, no truth)."""
from __future__ import annotations

import bisect
import datetime as _dt
import functools
import multiprocessing
import os
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import archive, text
from .payloads import GLOBAL_MIX, TemplatePool, render

_TYPES = tuple(GLOBAL_MIX)
_CUM = []
_acc = 0.0
for _t in _TYPES:
    _acc += GLOBAL_MIX[_t]
    _CUM.append(_acc)


class _Population:
    def __init__(self, seed: int, n_accounts: int = 60_000, n_repos: int = 40_000, n_orgs: int = 800):
        rng = random.Random(f"starscope-bench-pop:{seed}")
        self.logins, self.ids, self.actor_frag, self.aid_str = [], [], [], []
        used = set()
        for i in range(n_accounts):
            login = text.login_organic(rng)
            if login.lower() in used:
                login = f"{login}{i}"
            used.add(login.lower())
            aid = rng.randint(1, 163_000_000)
            self.logins.append(login)
            self.ids.append(aid)
            self.aid_str.append(str(aid))
            self.actor_frag.append(archive.actor_fragment(aid, login))
        orgs = []
        for i in range(n_orgs):
            login = f"{text.org_name(rng)}{i}"
            oid = rng.randint(1, 163_000_000)
            orgs.append((login, oid, archive.org_fragment(oid, login)))
        self.repos = []  # (full, short, owner_login, owner_id_str, rid_str, repo_frag, org_frag)
        for i in range(n_repos):
            short = f"{text.repo_name(rng)}{'' if i < n_repos // 2 else '-' + str(i)}"
            rid = rng.randint(1_000_000, 770_000_000)
            if rng.random() < 0.3:
                ol, oid, of = orgs[rng.randrange(n_orgs)]
            else:
                j = rng.randrange(n_accounts)
                ol, oid, of = self.logins[j], self.ids[j], ""
            full = f"{ol}/{short}"
            self.repos.append((full, short, ol, str(oid), str(rid), archive.repo_fragment(rid, full), of))
        self.repo_vals = [{"R": r[0], "RN": r[1], "O": r[2], "OID": r[3], "RID": r[4]} for r in self.repos]


_TYPE_TABLE = tuple(_TYPES[min(len(_TYPES) - 1, bisect.bisect_right(_CUM, (i + 0.5) / 4096 * _acc))] for i in range(4096))


@functools.lru_cache(maxsize=2)
def _pool(seed: int) -> TemplatePool:
    return TemplatePool(seed)


@functools.lru_cache(maxsize=2)
def _population(seed: int) -> _Population:
    return _Population(seed)


def _write_one(out: Path, f: int, events_per_file: int, seed: int, start: _dt.datetime) -> Path:
    pool, pop = _pool(seed), _population(seed)
    n_acc, n_rep = len(pop.logins), len(pop.repos)
    hour_start = start + _dt.timedelta(hours=f)
    # ids grow with time across files: each file gets its own id range (<= 20 per event)
    next_id = (26_000_000_000 + max(0, (start.date() - _dt.date(2023, 1, 1)).days) * 25_000_000
               + start.hour * 1_000_000 + f * (events_per_file * 21 + 1))
    nid = 780_000_000 + f * (events_per_file + 1)
    rng = random.Random(f"starscope-bench:{seed}:{f}")
    prefix = hour_start.strftime("%Y-%m-%dT%H:")
    secs = sorted(int(rng.random() * 3600) for _ in range(events_per_file))
    ts_cache = [prefix + "%02d:%02dZ" % divmod(s, 60) for s in range(3600)]
    rnd = rng.random
    afrag, aids, logins = pop.actor_frag, pop.aid_str, pop.logins
    repos, rbase = pop.repos, pop.repo_vals
    pools = {t: (p, len(p)) for t, p in pool.pools.items()}
    lines = []
    append = lines.append
    for s in secs:
        next_id += 1 + int(rnd() * 20)
        etype = _TYPE_TABLE[int(rnd() * 4096)]
        a = int(rnd() * rnd() * n_acc)  # skewed: a few accounts are very active
        j = int(rnd() * rnd() * n_rep)
        ts = ts_cache[s]
        vals = rbase[j].copy()
        vals["L"] = logins[a]
        vals["AID"] = aids[a]
        vals["TS"] = ts
        if etype == "ForkEvent":
            nid += 1
            vals["NID"] = str(nid)
        p, n = pools[etype]
        r = repos[j]
        append(f'{{"id":"{next_id}","type":"{etype}",{afrag[a]},{r[5]},"payload":{render(p[int(rnd() * n)], vals)},'
               f'"public":true,"created_at":"{ts}"{r[6]}}}')
    lines.append("")
    path = out / archive.hour_file_name(hour_start.date(), hour_start.hour)
    archive.write_bytes(path, archive.gzip_bytes("\n".join(lines).encode()))
    return path


def write_hour_files(out_dir, *, n_files: int = 4, events_per_file: int = 200_000, seed: int = 0,
                     start=_dt.datetime(2024, 3, 1, 0), workers: int | None = None) -> list[Path]:
    """Write ``n_files`` consecutive hour files of ``events_per_file`` background events each
    (GH Archive format and event mix, ~2.5 KB per line on average) into ``out_dir``; return paths.
    Deterministic per seed (independent of ``workers``).  Big jobs use up to ``workers``
    processes (default: the CPU count)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(start, _dt.date) and not isinstance(start, _dt.datetime):
        start = _dt.datetime(start.year, start.month, start.day)
    if workers is None:
        workers = os.cpu_count() or 1
    workers = max(1, min(workers, n_files))
    if workers == 1 or n_files * events_per_file < 100_000:
        return [_write_one(out, f, events_per_file, seed, start) for f in range(n_files)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
        futs = [ex.submit(_write_one, out, f, events_per_file, seed, start) for f in range(n_files)]
        return [fu.result() for fu in futs]
