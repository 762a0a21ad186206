"""Brute-force reference of the created-together signal (starscope.detect.created_together),
straight from its docstring: per repo, profiled stargazers by creation time, split at gaps.
Pure Python; the SQL must agree with it exactly."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from starscope.detect.created_together import CreatedTogetherParams


def created_together(stars: set[tuple[int, int]], created: dict[int, dt.datetime | None],
                     P: CreatedTogetherParams = CreatedTogetherParams(),
                     eligible: set[int] | None = None) -> set[tuple[int, int]]:
    """stars: (actor, repo) pairs (one per pair); created: actor -> account creation time;
    eligible: the accounts that may form blocks (None: all)."""
    by_repo: dict[int, list[int]] = defaultdict(list)
    for a, r in stars:
        by_repo[r].append(a)
    out = set()
    for r, actors in by_repo.items():
        # the gap rule's span and count: all profiled stargazers; blocks: eligible ones only
        everyone = sorted((created[a], a) for a in actors if created.get(a) is not None)
        n = len(everyone)
        if n < P.min_block:
            continue
        span = int((everyone[-1][0] - everyone[0][0]).total_seconds())
        prof = [(t, a) for t, a in everyone if eligible is None or a in eligible]
        blocks: list[list[int]] = []
        for i, (t, a) in enumerate(prof):
            gap = None if i == 0 else int((t - prof[i - 1][0]).total_seconds())
            if gap is None or gap > P.max_gap_seconds or gap * n > P.density_factor * span:
                blocks.append([])
            blocks[-1].append(a)
        big = [b for b in blocks if len(b) >= P.min_block]
        share = sum(len(b) for b in big) / len(actors)
        for b in big:
            if share >= P.min_repo_share or len(b) >= P.big_block:
                out |= {(a, r) for a in b}
    return out
