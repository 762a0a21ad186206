"""Brute-force reference of starscope.detect.slow_drip, straight from its docstring."""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from starscope.detect.slow_drip import SlowDripParams

from .reference_default import _literal, star_index


def slow_drip(stars_rows: list[dict], events_rows: list[dict], P: SlowDripParams) -> set[tuple[int, int, bool]]:
    """{(actor, repo, pooled)}."""
    first, n_stars, mine, engaged, other = star_index(stars_rows, events_rows)
    hollow = {r for r, n in n_stars.items() if n >= P.min_stars
              and Fraction(max(len(engaged[r]) - 1, 0)) <= _literal(P.max_engaged_share) * n}
    sit, gap = P.sitting_minutes * 60, P.min_gap_hours * 3600
    # candidate stars: on a hollow repo, no other star of the account within the sitting
    cand = {(a, r): e for (a, r), e in first.items() if r in hollow
            and not any((r2, e2) != (r, e) and abs(e2 - e) <= sit for r2, e2 in mine[a])}
    per_acc: dict[int, dict[int, int]] = defaultdict(dict)
    for (a, r), e in cand.items():
        per_acc[a][r] = e
    cand_repos = {r for (_, r) in cand}
    pooled: set[int] = set()
    not_community: set[int] = set()
    pool_acc: set[tuple[int, int]] = set()
    for r1 in hollow:
        for r2 in hollow:
            if r1 >= r2:
                continue
            sh = [a for a, rs in per_acc.items() if len(rs) <= P.max_account_stars
                  and r1 in rs and r2 in rs and abs(rs[r1] - rs[r2]) >= gap]
            shared = len(sh)
            if max(n_stars[r1], n_stars[r2]) > P.max_repo_stars:
                continue
            if (shared >= P.min_shared
                    and Fraction(shared) >= _literal(P.min_pair_share) * min(n_stars[r1], n_stars[r2])):
                pooled |= {r1, r2}
                pool_acc |= {(a, r) for a in sh for r in (r1, r2)}
                # not a community: the shared accounts' most common star off the candidate repos
                common: dict[int, int] = defaultdict(int)
                for (a, r) in first:
                    if a in sh and r not in cand_repos:
                        common[r] += 1
                if Fraction(max(common.values(), default=0)) < _literal(P.max_common_share) * shared:
                    not_community |= {r1, r2}
    out = set()
    for r in pooled:
        accs = [a for (a, rr) in cand if rr == r]
        thin = sum(1 for a in accs if other[a] <= P.thin_max_other_events)
        thin_ok = Fraction(thin) >= _literal(P.min_thin_share) * len(accs)
        if (len(accs) >= P.min_accounts and Fraction(len(accs)) >= _literal(P.min_repo_share) * n_stars[r]
                and (thin_ok or r in not_community)):
            # without thin accounts, only the pool's own accounts (kept alive, not a community)
            out |= {(a, r, (a, r) in pool_acc) for a in accs if thin_ok or (a, r) in pool_acc}
    return out
