"""Brute-force reference of starscope.detect.hollow_pool, straight from its docstring."""
from __future__ import annotations

from collections import Counter, defaultdict
from fractions import Fraction
from itertools import combinations

from starscope.detect.hollow_pool import HollowPoolParams
from starscope.store.schema import WATCH

from .reference_default import _sec, first_stars


def pool(stars_rows: list[dict], events_rows: list[dict], P: HollowPoolParams) -> set[tuple[int, int]]:
    first = {k: _sec(t) for k, (t, _) in first_stars(stars_rows).items()}
    n_stars: dict[int, int] = defaultdict(int)
    mine: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (a, r), e in first.items():
        n_stars[r] += 1
        mine[a].append((r, e))
    engaged: dict[int, set[int]] = defaultdict(set)
    for ev in events_rows:
        if ev["type"] != WATCH and ev["actor_id"] is not None and ev["repo_id"] is not None:
            engaged[ev["repo_id"]].add(ev["actor_id"])
    hollow = {r for r, n in n_stars.items() if n >= P.min_stars
              and Fraction(max(len(engaged[r]) - 1, 0)) <= Fraction(P.max_engaged_share) * n}
    sit = P.sitting_minutes * 60
    cand: dict[int, set[int]] = {}
    for a, rs in mine.items():
        c = {r for r, e in rs if r in hollow
             and not any((r2, e2) != (r, e) and abs(e2 - e) <= sit for r2, e2 in rs)}
        if 2 <= len(c) <= P.max_account_stars:
            cand[a] = c
    out = set()
    for r1, r2 in combinations(sorted(hollow), 2):
        shared = [a for a, c in cand.items() if r1 in c and r2 in c]
        m = len(shared)
        if m < P.min_shared or Fraction(m) < Fraction(P.min_share) * n_stars[r1] \
                or Fraction(m) < Fraction(P.min_share) * n_stars[r2]:
            continue
        elsewhere = Counter(r for a in shared for r, _ in mine[a] if r not in hollow)
        if Fraction(max(elsewhere.values(), default=0)) >= Fraction(P.max_common_share) * m:
            continue                                # a community: they share a popular repo too
        out |= {(a, r) for a in shared for r in (r1, r2)}
    return out
