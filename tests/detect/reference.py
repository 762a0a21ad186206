"""Brute-force reference implementations of the StarScout profile, straight from the
definitions in docs/detection.md. Pure Python, one seed at a time, exact arithmetic
(fractions). Slow and obviously correct: the SQL implementation must agree with it exactly.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction
from typing import Any, Iterable

from starscope.detect.params import Params

Star = tuple[int, int]  # (actor_id, repo_id)


def first_stars(stars_rows: Iterable[dict[str, Any]], since: dt.datetime | None = None,
                until: dt.datetime | None = None) -> dict[Star, tuple[dt.datetime, int]]:
    """(actor, repo) -> (time, event_id) of its first star; then restricted to [since, until)."""
    best: dict[Star, tuple[dt.datetime, int]] = {}
    for s in stars_rows:
        k = (s["actor_id"], s["repo_id"])
        v = (s["starred_at"], s["event_id"])
        if k not in best or v < best[k]:
            best[k] = v
    return {k: v for k, v in best.items()
            if (since is None or v[0] >= since) and (until is None or v[0] < until)}


# ---- low activity ----------------------------------------------------------------------------
def low_activity_accounts(events_rows: Iterable[dict[str, Any]]) -> set[int]:
    by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in events_rows:
        by[e["actor_id"]].append(e)
    out = set()
    for a, evs in by.items():
        days = {e["created_at"].date() for e in evs}
        times = {e["created_at"] for e in evs}
        repos = {e["repo_id"] for e in evs if e["repo_id"] is not None}
        orgs = {e["org_id"] for e in evs if e["org_id"] is not None}
        if len(days) == 1 and len(times) <= 2 and len(repos) <= 1 and len(orgs) <= 1:
            out.add(a)
    return out


def low_activity_stars(stars: dict[Star, Any], la_accounts: set[int], P: Params) -> set[Star]:
    la = [(a, r) for (a, r) in stars if a in la_accounts]
    per_repo: dict[int, set[int]] = defaultdict(set)
    for a, r in la:
        per_repo[r].add(a)
    return {(a, r) for (a, r) in la if len(per_repo[r]) >= P.low_activity_min_stargazers}


# ---- lockstep --------------------------------------------------------------------------------
def windows(stars: dict[Star, tuple[dt.datetime, int]], P: Params) -> list[tuple[dt.datetime, dt.datetime]]:
    """Fixed calendar grid: a grid window starts at every month number (12·year + month - 1)
    that is a multiple of the step and covers window_months months. Used: those with data
    whose data months are neither a strict subset of another grid window's nor equal to a
    later one's; each clipped to its first..last data month. Stars outside [1970, 2100) are
    not lockstep input. (Since issue 17/16: the grid replaced the anchor on the first star.)"""
    wm, step = P.lockstep_window_months, P.lockstep_window_step_months
    months = {12 * t.year + t.month - 1 for t, _ in stars.values()
              if dt.datetime(1970, 1, 1) <= t < dt.datetime(2100, 1, 1)}
    if not months:
        return []
    grid = range(min(months) - wm - step, max(months) + step)
    sets = {g: {d for d in months if g <= d < g + wm} for g in grid if g % step == 0}
    sets = {g: ds for g, ds in sets.items() if ds}
    used = [g for g in sets
            if not any(sets[g] < sets[h] or (sets[g] == sets[h] and h > g) for h in sets if h != g)]

    def month(k: int) -> dt.datetime:
        return dt.datetime(k // 12, k % 12 + 1, 1)

    return sorted((month(min(sets[g])), month(max(sets[g]) + 1)) for g in used)


def _copycatch(seed: int, by_repo: dict[int, dict[int, int]], by_user: dict[int, dict[int, int]],
               P: Params) -> set[Star] | None:
    """One seed. by_repo[r][u] = t, by_user[u][r] = t (seconds in the window).
    Returns the clustered (actor, repo) stars, or None when the cluster is not valid.

    Changed for issue 17 (to match StarScout's BigQuery code): the stop test comes after the
    map and before the reduce (converged: the final cluster is the C the users were mapped
    to); qualifying repos and clustered stars count the users' stars at any time in the
    window (before: only those within Δt of the last reduce's center)."""
    dts, n, m, rho = P.delta_t_seconds, P.lockstep_n, P.lockstep_m, P.lockstep_rho
    c0 = Fraction(sum(by_repo[seed].values()), len(by_repo[seed]))
    centers: dict[int, Fraction] = {seed: c0}
    cluster = [seed]
    prev_users: set[int] | None = None
    for it in range(1, P.lockstep_max_iter + 1):
        users = set()
        for u, rs in by_user.items():
            hits = sum(1 for r in cluster if r in rs and abs(rs[r] - centers[r]) <= dts)
            if hits >= rho * len(cluster):
                users.add(u)
        if not users:
            return None
        if users == prev_users:
            break
        counted: dict[int, list[tuple[int, int]]] = defaultdict(list)  # repo -> [(user, t)]
        for u in users:
            for r, t in by_user[u].items():
                if abs(t - centers.get(r, c0)) <= dts:
                    counted[r].append((u, t))

        def variance(r: int) -> Fraction:
            ts = [t for _, t in counted[r]]
            mu = Fraction(sum(ts), len(ts))
            return sum((t - mu) ** 2 for t in ts) / len(ts)

        ranked = sorted(counted, key=lambda r: (-len(counted[r]), variance(r), r))
        centers = {r: Fraction(sum(t for _, t in counted[r]), len(counted[r]))
                   for r in ranked[:P.top_keep]}
        cluster = ranked[:m]
        prev_users = users
    qualifying = [r for r in cluster if sum(1 for u in users if u in by_repo[r]) >= n]
    if len(users) >= n and len(cluster) >= m and len(qualifying) >= rho * m:
        return {(u, r) for r in qualifying for u in users if u in by_repo[r]}
    return None


def lockstep(stars: dict[Star, tuple[dt.datetime, int]], P: Params
             ) -> tuple[set[Star], list[tuple[str, frozenset[Star]]]]:
    """-> (clustered stars, farms as [(window label, frozenset of clustered stars)])."""
    clustered: set[Star] = set()
    farms: list[tuple[str, frozenset[Star]]] = []
    for start, end in windows(stars, P):
        by_repo: dict[int, dict[int, int]] = defaultdict(dict)
        by_user: dict[int, dict[int, int]] = defaultdict(dict)
        for (a, r), (t, _) in stars.items():
            if start <= t < end:
                secs = int((t - start).total_seconds())
                by_repo[r][a] = secs
                by_user[a][r] = secs
        results = {}
        for seed in sorted(by_repo):
            if len(by_repo[seed]) >= P.lockstep_n:
                got = _copycatch(seed, by_repo, by_user, P)
                if got is not None:
                    results[seed] = got
                    clustered |= got
        # farms: clusters of this window sharing an account, merged
        parent = {s: s for s in results}

        def find(x: int) -> int:
            while parent[x] != x:
                x = parent[x]
            return x

        owner: dict[int, int] = {}
        for s in sorted(results):
            for a, _ in results[s]:
                if a in owner:
                    ra, rb = find(owner[a]), find(s)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
                else:
                    owner[a] = s
        groups: dict[int, set[Star]] = defaultdict(set)
        for s in results:
            groups[find(s)] |= results[s]
        label = f"{start:%Y-%m}..{end:%Y-%m}"
        for root in sorted(groups):
            farms.append((label, frozenset(groups[root])))
    return clustered, farms


# ---- campaigns -------------------------------------------------------------------------------
def repo_months(stars: dict[Star, tuple[dt.datetime, int]], la: set[Star], cl: set[Star]
                ) -> dict[tuple[int, str], tuple[int, int, int, int]]:
    """(repo, 'YYYY-MM') -> (stars, suspected, low_activity, clustered), for repos with any
    suspected star."""
    suspected = la | cl
    srepos = {r for _, r in suspected}
    out: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (a, r), (t, _) in stars.items():
        if r in srepos:
            c = out[(r, f"{t:%Y-%m}")]
            c[0] += 1
            c[1] += (a, r) in suspected
            c[2] += (a, r) in la
            c[3] += (a, r) in cl
    return {k: tuple(v) for k, v in out.items()}  # type: ignore[misc]


def campaign_repos(months: dict[tuple[int, str], tuple[int, int, int, int]], P: Params) -> set[int]:
    tot: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    anomalous: set[int] = set()
    for (r, _), (n, s, _, _) in months.items():
        tot[r][0] += n
        tot[r][1] += s
        if s >= P.campaign_month_min_suspected and s >= P.campaign_month_min_share * n:
            anomalous.add(r)
    return {r for r in anomalous if tot[r][1] >= P.campaign_repo_min_share * tot[r][0]}


def detect(stars_rows: list[dict[str, Any]], events_rows: list[dict[str, Any]], P: Params,
           since: dt.datetime | None = None, until: dt.datetime | None = None) -> dict[str, Any]:
    stars = first_stars(stars_rows, since, until)
    la = low_activity_stars(stars, low_activity_accounts(events_rows), P)
    cl, farms = lockstep(stars, P)
    months = repo_months(stars, la, cl)
    return {"stars": stars, "low_activity": la, "clustered": cl, "farms": farms,
            "repo_months": months, "campaigns": campaign_repos(months, P)}
