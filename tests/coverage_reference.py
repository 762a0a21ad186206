"""The burst rule of results/coverage.py in plain Python: the oracle of its SQL
(`burst_stars_recorded`, `burst_stars`) in tests/results/test_coverage.py, and the bursts of
benchmarks/coverage_eval.py's derived hour statistics (worlds never ingested)."""
from starscope.results.coverage import BURST_REPO_MIN, BURST_REPO_SHARE


def burst_stars_from_hours(hours) -> dict[str, int]:
    """Per day (ISO date), the stars of burst repos (see `coverage.burst_stars`) from per-hour
    statistics: (hour, stars, [(repo id, stars), ...] of the hour's top repos, as ingest
    records them in hour_stats.star_repos). A repo that took more than the share of a day
    has more than that share of at least one of its hours, so it is among that hour's top
    repos; its stars in hours where it is not (a real hour stars thousands of repos) are not
    counted. In a store whose hours star at most ``STAR_REPOS_PER_FILE`` repos (a simulated
    world, a sample) this equals `coverage.burst_stars` exactly."""
    day_stars: dict[str, int] = {}
    day_repo: dict[str, dict[int, int]] = {}
    for h, stars, reps in hours:
        day = h.date().isoformat()
        day_stars[day] = day_stars.get(day, 0) + int(stars or 0)
        c = day_repo.setdefault(day, {})
        for r, n in reps:
            c[r] = c.get(r, 0) + int(n)
    burst_repos = {r for day, c in day_repo.items() for r, n in c.items()
                   if n >= BURST_REPO_MIN and n > BURST_REPO_SHARE * day_stars[day]}
    out = {}
    for day, c in sorted(day_repo.items()):
        n = sum(v for r, v in c.items() if r in burst_repos)
        if n:
            out[day] = n
    return out
