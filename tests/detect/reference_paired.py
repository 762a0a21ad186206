"""Brute-force reference of starscope.detect.paired_orders, straight from its docstring."""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from itertools import combinations

from starscope.detect.paired_orders import PairedOrderParams
from starscope.store.schema import WATCH

from .reference_default import _sec, first_stars


def paired(stars_rows: list[dict], events_rows: list[dict], P: PairedOrderParams) -> set[tuple[int, int]]:
    first = {k: _sec(t) for k, (t, _) in first_stars(stars_rows).items()}
    n_stars: dict[int, int] = defaultdict(int)
    for (_, r) in first:
        n_stars[r] += 1
    engaged: dict[int, set[int]] = defaultdict(set)
    for ev in events_rows:
        if ev["type"] != WATCH and ev["actor_id"] is not None and ev["repo_id"] is not None:
            engaged[ev["repo_id"]].add(ev["actor_id"])
    hollow = {r for r, n in n_stars.items() if n >= P.min_stars
              and Fraction(max(len(engaged[r]) - 1, 0)) <= Fraction(P.max_engaged_share) * n}
    mine: dict[int, dict[int, int]] = defaultdict(dict)
    for (a, r), e in first.items():
        if r in hollow:
            mine[a][r] = e
    mine = {a: m for a, m in mine.items() if 2 <= len(m) <= P.max_account_stars}
    sit = P.sitting_minutes * 60
    out = set()
    for r1, r2 in combinations(sorted(hollow), 2):
        who = [a for a, m in mine.items() if r1 in m and r2 in m and abs(m[r1] - m[r2]) <= sit]
        m = len(who)
        if (m >= P.min_accounts and Fraction(m) >= Fraction(P.min_share) * n_stars[r1]
                and Fraction(m) >= Fraction(P.min_share) * n_stars[r2]):
            out |= {(a, r) for a in who for r in (r1, r2)}
    return out
