"""Brute-force reference of starscope.detect.hollow_burst, straight from its docstring."""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from starscope.detect.hollow_burst import HollowBurstParams
from starscope.store.schema import WATCH

from .reference_default import _sec, first_stars


def hollow_burst(stars_rows: list[dict], events_rows: list[dict], P: HollowBurstParams) -> set[tuple[int, int]]:
    first = {k: _sec(t) for k, (t, _) in first_stars(stars_rows).items()}
    by_repo: dict[int, list[int]] = defaultdict(list)
    mine: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (a, r), e in first.items():
        by_repo[r].append(e)
        mine[a].append((r, e))
    engaged: dict[int, set[int]] = defaultdict(set)
    work: dict[int, list[tuple[int, int]]] = defaultdict(list)   # account -> (repo, second)
    for ev in events_rows:
        if ev["type"] != WATCH and ev["actor_id"] is not None and ev["repo_id"] is not None:
            engaged[ev["repo_id"]].add(ev["actor_id"])
            work[ev["actor_id"]].append((ev["repo_id"], _sec(ev["created_at"])))
    span, sit = P.span_hours * 3600, P.sitting_minutes * 60
    out = set()
    for r, times in by_repo.items():
        n = len(times)
        # the busiest span [lo, lo + span] starting at a star, earliest on ties
        peak, lo = max((sum(1 for t in times if s <= t <= s + span), -s) for s in times)
        lo = -lo
        if peak < P.min_stars or Fraction(peak) < Fraction(P.min_share) * n:
            continue
        if Fraction(max(len(engaged[r]) - 1, 0)) > Fraction(P.max_engaged_share) * n:
            continue
        k = [a for (a, rr), e in first.items() if rr == r and lo <= e <= lo + span
             and not any((r2, e2) != (r, e) and abs(e2 - e) <= sit for r2, e2 in mine[a])]
        # at work during the burst: >= work_events non-star events on other repos in its span
        busy = [a for a in k if sum(1 for r2, e2 in work[a] if r2 != r and lo <= e2 <= lo + span)
                >= P.work_events]
        if (len(k) >= P.min_accounts and Fraction(len(k)) >= Fraction(P.min_repo_share) * n
                and Fraction(len(busy)) <= Fraction(P.max_working_share) * len(k)):
            out |= {(a, r) for a in k}
    return out
