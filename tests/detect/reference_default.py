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
              if len(es) >= 2 and max(es) - min(es) >= P.reuse_min_gap_hours * 3600}
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
