"""Brute-force references of the default profile's signals 6 and 7 (accounts reused across
bursts; the rest of a client's burst), straight from docs/detection-default.md. Pure Python,
exact integer arithmetic on whole seconds; the SQL must agree with them exactly."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction

from starscope.detect.default_profile import DefaultParams

from .reference import first_stars


def _sec(t: dt.datetime) -> int:
    return int((t - dt.datetime(1970, 1, 1)).total_seconds())


def reuse_signals(stars_rows: list[dict], P: DefaultParams) -> set[tuple[int, int, str]]:
    """{(actor, repo, 'reuse' | 'burst')}."""
    first = {k: _sec(t) for k, (t, _) in first_stars(stars_rows).items()}
    by_repo: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (a, r), e in first.items():
        by_repo[r].append((a, e))
    n_stars = {r: len(v) for r, v in by_repo.items()}
    span = P.burst_span_hours * 3600
    # a repo's burst: the earliest start of a busiest span (stars at e..e+span inclusive)
    burst: dict[int, tuple[int, int, int]] = {}
    for r, v in by_repo.items():
        if n_stars[r] < P.burst_min_stars:
            continue
        times = [e for _, e in v]
        best = None
        for e in times:
            k = sum(1 for x in times if e <= x <= e + span)
            if best is None or k > best[0] or (k == best[0] and e < best[1]):
                best = (k, e)
        peak, lo = best
        if peak >= P.burst_min_stars and Fraction(peak) >= Fraction(P.burst_min_share) * n_stars[r]:
            burst[r] = (peak, lo, lo + span)
    inside = [(a, r, e) for (a, r), e in first.items() if r in burst and burst[r][1] <= e <= burst[r][2]]
    mine: dict[int, list[int]] = defaultdict(list)
    for a, _, e in inside:
        mine[a].append(e)
    reused = {a for a, es in mine.items()
              if len(es) >= 2 and max(es) - min(es) >= P.reuse_min_gap_hours * 3600
              and min(y - x for x, y in zip(sorted(es), sorted(es)[1:])) > P.reuse_sitting_minutes * 60}
    client = set()
    for r, (peak, _, _) in burst.items():
        n_re = sum(1 for a, rr, _ in inside if rr == r and a in reused)
        if n_re >= P.reuse_min_accounts and Fraction(n_re) >= Fraction(P.client_min_reused_share) * peak:
            client.add(r)
    dominated = set()
    for r, v in by_repo.items():
        n_re = sum(1 for a, _ in v if a in reused)
        if n_re >= P.reuse_min_accounts and Fraction(n_re) >= Fraction(P.reuse_min_repo_share) * n_stars[r]:
            dominated.add(r)
    out = {(a, r, "reuse") for (a, r) in first if a in reused and (r in client or r in dominated)}
    out |= {(a, r, "burst") for a, r, _ in inside if r in client and a not in reused}
    return out


def overlap_signals(stars_rows: list[dict], P: DefaultParams) -> set[tuple[int, int, str]]:
    """{(actor, repo, 'overlap')}: the shared stargazers of repo pairs that overlap far beyond
    chance, in separate orders (mean gap), each tight in time (population variance)."""
    first = {k: _sec(t) for k, (t, _) in first_stars(stars_rows).items()}
    n_stars: dict[int, int] = defaultdict(int)
    for (_, r) in first:
        n_stars[r] += 1
    cand = {(a, r): e for (a, r), e in first.items()
            if P.overlap_min_shared <= n_stars[r] <= P.overlap_max_repo_stars}
    per_actor: dict[int, dict[int, int]] = defaultdict(dict)
    for (a, r), e in cand.items():
        per_actor[a][r] = e
    per_actor = {a: v for a, v in per_actor.items() if 2 <= len(v) <= P.overlap_max_account_stars}
    repos = sorted({r for v in per_actor.values() for r in v})
    out = set()
    sd2 = Fraction(P.overlap_max_sd_hours * 3600) ** 2
    for i, r1 in enumerate(repos):
        for r2 in repos[i + 1:]:
            shared = [a for a, v in per_actor.items() if r1 in v and r2 in v]
            n = len(shared)
            if n < P.overlap_min_shared:
                continue
            share = Fraction(P.overlap_min_share)
            if n < share * n_stars[r1] or n < share * n_stars[r2]:
                continue
            t1 = [per_actor[a][r1] for a in shared]
            t2 = [per_actor[a][r2] for a in shared]
            if sum(abs(x - y) for x, y in zip(t1, t2)) < P.overlap_min_gap_hours * 3600 * n:
                continue

            def var(ts: list[int]) -> Fraction:
                m = Fraction(sum(ts), len(ts))
                return sum((Fraction(t) - m) ** 2 for t in ts) / len(ts)

            if var(t1) <= sd2 and var(t2) <= sd2:
                out |= {(a, r, "overlap") for a in shared for r in (r1, r2)}
    return out


def fresh_signals(stars_rows: list[dict], events_rows: list[dict], P: DefaultParams,
                  thin_max_other_events: int = 1,
                  created: dict[int, dt.datetime] | None = None) -> set[tuple[int, int, str]]:
    """{(actor, repo, 'fresh')}: thin accounts that signed up at most fresh_lag_days before the
    star's day - by their profile's creation day where ``created`` has it, else because their id
    is above every id first seen up to that day - where they are a big enough share of a repo's
    stars."""
    created = created or {}
    first_at: dict[int, int] = {}
    other: dict[int, int] = defaultdict(int)
    for e in events_rows:
        a, t = e["actor_id"], _sec(e["created_at"])
        first_at[a] = min(first_at.get(a, t), t)
        if e["type"] != 15:  # not a WatchEvent
            other[a] += 1
    day_max: dict[int, int] = {}
    for a, t in first_at.items():
        d = t // 86400
        day_max[d] = max(day_max.get(d, a), a)
    lo, hi = (min(day_max), max(day_max)) if day_max else (0, -1)

    def clock(d: int) -> int | None:
        if not lo <= d <= hi:
            return None
        return max(m for dd, m in day_max.items() if dd <= d)

    first = {k: _sec(t) for k, (t, _) in first_stars(stars_rows).items()}
    n_stars: dict[int, int] = defaultdict(int)
    for (_, r) in first:
        n_stars[r] += 1
    fresh = set()
    for (a, r), e in first.items():
        day = e // 86400 - P.fresh_lag_days
        if a in created:
            new = _sec(created[a]) // 86400 >= day
        else:
            c = clock(day)
            new = c is not None and a > c
        if new and other[a] <= thin_max_other_events:
            fresh.add((a, r))
    per_repo: dict[int, int] = defaultdict(int)
    for _, r in fresh:
        per_repo[r] += 1
    keep = {r for r, n in per_repo.items()
            if n >= P.fresh_min_accounts and Fraction(n) >= Fraction(P.fresh_min_repo_share) * n_stars[r]}
    return {(a, r, "fresh") for a, r in fresh if r in keep}


def star_index(stars_rows: list[dict], events_rows: list[dict]):
    """What the hollow references start from: each (account, repo)'s first star in seconds,
    stars per repo, each account's (repo, second) stars, the accounts with a non-star event on
    each repo, and each account's count of non-star events."""
    first = {k: _sec(t) for k, (t, _) in first_stars(stars_rows).items()}
    n_stars: dict[int, int] = defaultdict(int)
    mine: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (a, r), e in first.items():
        n_stars[r] += 1
        mine[a].append((r, e))
    engaged: dict[int, set[int]] = defaultdict(set)
    other: dict[int, int] = defaultdict(int)
    for ev in events_rows:
        if ev["type"] != 15 and ev["actor_id"] is not None:  # not a WatchEvent
            other[ev["actor_id"]] += 1
            if ev["repo_id"] is not None:
                engaged[ev["repo_id"]].add(ev["actor_id"])
    return first, n_stars, mine, engaged, other


def hollow_signals(stars_rows: list[dict], events_rows: list[dict], P: DefaultParams,
                   thin_max_other_events: int = 1) -> set[tuple[int, int, str]]:
    """{(actor, repo, 'hollow')}: straight from docs/detection-default.md (hollow popularity)."""
    first, n_stars, mine, engaged, other = star_index(stars_rows, events_rows)
    hollow = {r for r, n in n_stars.items()
              if n >= P.hollow_min_stars
              and Fraction(max(len(engaged[r]) - 1, 0)) <= Fraction(P.hollow_max_engaged_share) * n}
    sit = P.reuse_sitting_minutes * 60
    cand = {(a, r): e for (a, r), e in first.items() if r in hollow
            and not any(rr != r and abs(ee - e) <= sit for rr, ee in mine[a])}
    win = P.hollow_window_hours * 3600
    dense = {(a, r): e for (a, r), e in cand.items()
             if sum(1 for (b, rr), ee in cand.items() if rr == r and b != a and abs(ee - e) <= win)
             >= P.hollow_min_neighbours}
    out = set()
    for r in hollow:
        mine_r = [a for (a, rr) in dense if rr == r]
        thin = sum(1 for a in mine_r if other[a] <= thin_max_other_events)
        # an order: some span of hollow_window_hours, starting at one of these stars, holds
        # >= hollow_min_order_share of them
        times = [dense[(a, r)] for a in mine_r]
        peak = max((sum(1 for u in times if t <= u <= t + win) for t in times), default=0)
        if (len(mine_r) >= P.hollow_min_accounts
                and Fraction(len(mine_r)) >= Fraction(P.hollow_min_repo_share) * n_stars[r]
                and Fraction(thin) >= Fraction(P.hollow_min_thin_share) * len(mine_r)
                and Fraction(peak) >= _literal(P.hollow_min_order_share) * len(mine_r)):
            out |= {(a, r, "hollow") for a in mine_r}
    return out


def _literal(x: float) -> Fraction:
    """A share as the SQL reads it: its literal (repr) is an exact decimal there, so 0.8 * 5 is
    4, not the binary float's 4.000000000000000222."""
    return Fraction(repr(float(x)))


def hollow_kept(rows: set[tuple[int, int, str]], P: DefaultParams) -> set[tuple[int, int, str]]:
    """The signal rows that count: on a repo where the other signals see >=
    hollow_confirm_share of its hollow stars, a hollow star no other signal sees is dropped.
    `hollow`, `hollow-burst` and `drip-rest` are one fact: a star any of them has is a hollow star."""
    fam = ("hollow", "hollow-burst", "drip-rest")
    others = {(a, r) for a, r, s in rows if s not in fam}
    hol: dict[int, set[int]] = defaultdict(set)
    for a, r, s in rows:
        if s in fam:
            hol[r].add(a)
    confirm = {r for r, accs in hol.items()
               if Fraction(sum(1 for a in accs if (a, r) in others))
               >= _literal(P.hollow_confirm_share) * len(accs)}
    return {(a, r, s) for a, r, s in rows
            if not (s in fam and r in confirm and (a, r) not in others)}
