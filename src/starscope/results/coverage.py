"""How much of the truth the store saw: per day and month, events, stars, missing hours and an
estimate of **star capture** (the share of GitHub's stars the archive recorded); the
`coverage` command's JSON, also carried by `check`, `account`, the reports and the API.

GH Archive is built from GitHub's public event stream, which since mid-2025 carries a falling
share of star events (gharchive.org issues #310, #320), and the archive has always had lost
hours and partial days. Nothing in an hour file says what it is missing, so the estimate
compares the archive with itself (see docs/coverage.md):

* **volume**: an hour with less than ``LOST_HOUR_BELOW`` of its neighbours' events (the same
  hour of day, up to a week either side) lost events of every type; a missing hour lost all.
  The events it should have had are the neighbours' median.
* **star share**: steady stars per *other* event, against the store's own baseline (up to
  ``BASELINE_MONTHS`` complete-looking months, or months the reference confirmed). Steady:
  without the stars of repos that took a burst of some day's stars (more than
  ``BURST_REPO_SHARE``: campaigns, launches, cohorts), on every day (their tails too), which
  move the star rate without saying anything about capture. The bursts are found from the
  per-hour top repos ingest records (hour_stats.star_repos), not from every star.
  Per other event, not per event: losing stars also shrinks the total, and the ratio
  against the rest is then exactly the capture. ``star_capture_low``/``high`` give how far
  the steady rate's own swing leaves it open.
* **reference**: for 2019-07 to 2024-12, GitHub's monthly star totals (the StarScout
  study's, ``data/github_stars_by_month.csv``, Apache-2.0), pro rata for the hours the
  store covers. Used only where the store looks like the whole archive (at least
  ``REFERENCE_MIN_SHARE`` of the total): a simulated world or a sample is not compared.

A store with fewer than two complete-looking months (a week, a month) takes its baseline
from its complete-looking days instead (above a gap of ``SPLIT_GAP`` in the days' steady
rate), and a month's capture from its days. Where no period lies before
``KNOWN_DEGRADED_FROM`` and GitHub's totals do not reach, the level cannot be known: the
capture is null (unknown), with an upper bound, and the months are degraded.

A month (or day) whose capture is below ``DEGRADED_BELOW`` is **degraded**.
"""
from __future__ import annotations

import bisect
import calendar
import csv
import datetime as dt
import math
import statistics
from importlib import resources
from typing import Any

from starscope.store import Snapshot, Store

#: below this star capture a month or day is degraded
DEGRADED_BELOW = 0.8
#: an hour with fewer events than this share of its neighbours' lost events of every type
LOST_HOUR_BELOW = 0.5
#: days (of the same hour of day) either side that give an hour's expected volume
NEIGHBOUR_DAYS = 7
#: months that make the star-share baseline (the latest complete-looking ones up to a month)
BASELINE_MONTHS = 3
#: months below this share of the typical (75th percentile) star share are not baseline
#: (the degraded threshold: at 0.5, a month that kept half its stars joined the baseline it
#: is measured against and read as 0.7)
BASELINE_FLOOR = DEGRADED_BELOW
#: a repo taking more than this share of a day's stars (and at least BURST_REPO_MIN) is a
#: burst: a campaign, a launch, a cohort. Its stars are left out of the share signal
BURST_REPO_SHARE = 0.02
BURST_REPO_MIN = 5
#: the interval (star_capture_low/high) is this many times the steady rate's swing either side
INTERVAL_Z = 2.0
#: the steady rate's relative day-to-day swing assumed where the baseline has one day only
DEFAULT_SWING = 0.3
#: an interval wider than this marks the figure rough (star_capture_rough)
ROUGH_WIDTH = 0.1
#: a store with fewer complete-looking months than this takes its baseline from days: the
#: days above a gap of more than SPLIT_GAP in steady stars per other event (days with at
#: least SPLIT_MIN_STEADY steady stars place the gap)
SPLIT_GAP = 2.0
SPLIT_MIN_STEADY = 20
#: the reference is applied only where the store holds at least this share of its stars
REFERENCE_MIN_SHARE = 0.3

#: from this month on GitHub's public stream carried a falling share of star events
KNOWN_DEGRADED_FROM = "2025-06"

_HOUR = dt.timedelta(hours=1)
_CACHE: dict[tuple[str, int], dict[str, Any]] = {}


def github_stars_by_month() -> dict[str, int]:
    """GitHub's stars per month, 2019-07 to 2024-12 (the StarScout study's totals)."""
    text = resources.files("starscope.results").joinpath(
        "data/github_stars_by_month.csv").read_text(encoding="utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["month"].strip()] = int(row["n_stars"].strip())
    return out


def hour_name(h: dt.datetime) -> str:
    return f"{h.year:04d}-{h.month:02d}-{h.day:02d}-{h.hour}"


def _parse_hour(name: str) -> dt.datetime:
    y, m, d, h = (int(x) for x in name.split("-"))
    return dt.datetime(y, m, d, h)


_EPOCH = dt.datetime(1970, 1, 1)


def _hnum(h: dt.datetime) -> int:
    """Hours since 1970 (naive UTC)."""
    return int((h.replace(tzinfo=None) - _EPOCH).total_seconds()) // 3600


def _hdt(n: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(hours=n)


def _month_hours(month: str) -> int:
    y, m = (int(x) for x in month.split("-"))
    return calendar.monthrange(y, m)[1] * 24


def coverage(store: Store | str, *, con=None, snapshot: Snapshot | None = None) -> dict[str, Any]:
    """The store's coverage (the `coverage` command's JSON); cached per store commit. Reads
    the hour_stats table only (its per-file star_repos give the bursts); a store ingested
    before star_repos existed has the bursts read from its stars instead."""
    from starscope.results.repo import open_store

    if not isinstance(store, Store):
        store = Store(store)
    con, m, owned = open_store(store, con, snapshot)
    try:
        key = (str(store.root.resolve()), m.commit)
        if key not in _CACHE:
            rows = con.execute(
                "SELECT hour, sum(events), sum(stars), bool_and(corrupt), "
                "bool_or(star_repos IS NULL) FROM hour_stats "
                "WHERE hour IS NOT NULL GROUP BY hour ORDER BY hour").fetchall()
            bursts = burst_stars(con) if any(r[4] for r in rows) else burst_stars_recorded(con)
            if len(_CACHE) > 32:
                _CACHE.clear()
            _CACHE[key] = estimate([r[:4] for r in rows], store.missing_hours(m), bursts=bursts)
        return _CACHE[key]
    finally:
        if owned:
            con.close()


def burst_stars_recorded(con) -> dict[str, int]:
    """Per day (ISO date), the stars of burst repos (see `burst_stars`) from what ingest
    recorded per hour file: its stars and its top repos (hour_stats.star_repos). A repo that
    took more than the share of a day has more than that share of at least one of its hours,
    so it is among that hour's top repos; its stars in hours where it is not (a real hour
    stars thousands of repos) are not counted. In a store whose hours star at most
    ``STAR_REPOS_PER_FILE`` repos (a simulated world, a sample) this equals `burst_stars`
    exactly (tests/coverage_reference.py has the rule in Python). In DuckDB: a year of hours
    holds under a million top-repo rows."""
    return _burst_days(con, """
        h AS (SELECT CAST(hour AS DATE) AS day, stars, star_repos FROM hour_stats
              WHERE hour IS NOT NULL),
        t AS (SELECT day, sum(stars) AS total FROM h GROUP BY day),
        d AS (SELECT day, r.repo_id AS repo_id, sum(r.stars) AS n
              FROM (SELECT day, unnest(star_repos) AS r FROM h) GROUP BY ALL)""")


def burst_stars(con) -> dict[str, int]:
    """Per day (ISO date), the stars of burst repos: repos that took more than
    ``BURST_REPO_SHARE`` of some day's stars (and at least ``BURST_REPO_MIN``), counted on
    every day, not only on their burst days: a launch or a campaign keeps a tail of stars for
    days and weeks, which lifts the star rate as much as the burst did. Read from the stars
    table (one pass over every star); `coverage` uses it only for stores whose hour_stats
    lack star_repos. Days without a burst repo's star are left out."""
    return _burst_days(con, """
        d AS (SELECT CAST(starred_at AS DATE) AS day, repo_id, count(*) AS n
              FROM stars GROUP BY ALL),
        t AS (SELECT day, sum(n) AS total FROM d GROUP BY day)""")


def _burst_days(con, sources: str) -> dict[str, int]:
    """The burst rule over `sources`: CTEs giving d(day, repo_id, n: its stars that day) and
    t(day, total: the day's stars)."""
    rows = con.execute(
        f"""WITH {sources},
                b AS (SELECT DISTINCT repo_id FROM d JOIN t USING (day)
                      WHERE d.n >= ? AND d.n > ? * t.total)
           SELECT day, sum(n) FROM d SEMI JOIN b USING (repo_id) GROUP BY day""",
        [BURST_REPO_MIN, BURST_REPO_SHARE]).fetchall()
    return {day.isoformat(): int(n) for day, n in rows if n}


def estimate(rows: list[tuple[dt.datetime, int, int, bool]], recorded_missing: list[str],
             reference: dict[str, int] | None = None,
             bursts: dict[str, int] | None = None) -> dict[str, Any]:
    """Coverage from per-hour (hour, events, stars, corrupt) rows, recorded missing hours and
    per day the stars of burst repos (see `burst_stars`; none: no day had a burst)."""
    reference = github_stars_by_month() if reference is None else reference
    present, hours, missing = _hour_grid(rows, recorded_missing)
    day_list = _days(present, hours, bursts or {})
    month_list = _months(day_list, reference)
    baseline, base_source = _baseline_months(month_list)
    upper = (_complete_days(day_list)
             if len(baseline) < 2 and base_source != _CONFIRMED else None)
    if upper is not None:  # a store of a month or less, or one whose complete months are few
        base_days = [d for d in day_list if d["day"] in upper]
        _by_days(day_list, month_list, base_days)
    else:
        base_days = None
        base_index = [mo["month"] for mo in baseline]
        B_of = {mo["month"]: _baseline_at(baseline, base_index, mo["month"])
                for mo in month_list}
        for row in day_list + month_list:
            row["stars_expected"] = _expected(row, B_of[row.get("month") or row["day"][:7]])
    for mo in month_list:
        arch = _capture(mo)
        mo["star_capture_archive"] = arch
        ref = mo["star_capture_reference"]
        mo["star_capture"] = ref if ref is not None else arch
        if ref is not None:  # GitHub's own count: trust it for the month
            mo["stars_expected"] = mo["stars"] / ref if ref else mo["stars_expected"]
    for row in day_list + month_list:
        if "star_capture" not in row:
            row["star_capture"] = _capture(row)
        row["degraded"] = row["star_capture"] < DEGRADED_BELOW
        row["stars_expected"] = round(row["stars_expected"], 1)
    if base_days is None:
        _intervals(day_list, month_list, baseline, base_index)
        answer = _answer(day_list, month_list, missing, baseline, base_index, base_source)
    else:
        _day_intervals(day_list, month_list, base_days)
        answer = _answer(day_list, month_list, missing, base_days,
                         sorted({d["day"][:7] for d in base_days}), _FROM_DAYS)
        answer["baseline"]["days"] = [d["day"] for d in base_days]
    _unknown_level(answer, base_days if base_days is not None else baseline, base_source)
    return answer


_CONFIRMED = "months confirmed by GitHub's monthly star totals"
_FROM_DAYS = ("the store's own days that look complete (too few complete-looking months: "
              "the upper cluster of days by steady stars per other event)")


def _complete_days(day_list) -> set[str] | None:
    """The days that look complete, where the store's days fall in two clusters of steady
    stars per other event: those above the widest gap between days sorted by that ratio,
    when the gap is a factor of more than SPLIT_GAP (a loss of half the stars or more; the
    steady rate of complete days swings by far less). None: no such gap (every day alike,
    complete or all degraded alike: the days cannot tell). Days with fewer than
    SPLIT_MIN_STEADY steady stars are too noisy to place the gap; they join the side of
    it their ratio lies on."""
    ratio, sure = {}, []
    for d in day_list:
        s, o = _steady(d)
        if s > 0 and o > 0:
            ratio[d["day"]] = s / o
            if s >= SPLIT_MIN_STEADY:
                sure.append(s / o)
    sure.sort()
    if len(sure) < 2:
        return None
    gap, cut = max((math.log(b / a), math.sqrt(a * b)) for a, b in zip(sure, sure[1:]))
    if gap <= math.log(SPLIT_GAP):
        return None
    return {day for day, r in ratio.items() if r >= cut}


def _pooled(rows) -> dict[str, Any]:
    """The rows summed (the share signal's fields)."""
    return {k: sum(r.get(k, 0) for r in rows)
            for k in ("stars", "burst_stars", "events", "lost_events")}


def _by_days(day_list, month_list, base_days) -> None:
    """Expected stars against a baseline of days (the complete-looking ones, pooled). A
    month's are its days', pooled per cluster: its complete-looking days together, its
    other days together (as a month is pooled against a baseline of months), so a month
    half at 1.0 and half at 0.2 reads about 0.6, weighted by stars."""
    p = _pooled(base_days)
    st, other = _steady(p)
    B = st / other if other > 0 and st > 0 else None
    base = {d["day"] for d in base_days}
    for mo in month_list:
        mo.pop("lost_events")
        days = [d for d in day_list if d["day"][:7] == mo["month"]]
        parts = [g for g in ([d for d in days if d["day"] in base],
                             [d for d in days if d["day"] not in base]) if g]
        exp = [_expected(_pooled(g), B) for g in parts]
        mo["stars_expected"] = sum(exp)
        mo["_parts"] = parts
        if len(parts) > 1:  # a partly degraded month: what each part held
            mo["parts"] = [{"days": [d["day"] for d in g], "complete_looking": g is parts[0],
                            "stars": sum(d["stars"] for d in g), "stars_expected": round(e, 1),
                            "star_capture": _ratio(sum(d["stars"] for d in g), e)}
                           for g, e in zip(parts, exp)]
    for d in day_list:
        d["stars_expected"] = _expected(d, B)


def _hour_grid(rows, recorded_missing) -> tuple[dict[int, tuple[int, int]], list[int], list[int]]:
    """Hours as integers (hours since 1970): those present (events, stars), those the store
    should hold (in each month from its first to its last hour held, and every hour recorded
    missing) and the missing ones. Integers and ISO strings, not datetimes: thousands of
    times faster over years of hours."""
    present = {_hnum(h): (int(e or 0), int(s or 0)) for h, e, s, corrupt in rows
               if not (corrupt and not e)}
    span: dict[str, list[int]] = {}
    month_of: dict[int, str] = {}
    for h in sorted({_hnum(h) for h, *_ in rows}):
        mo = month_of.get(h // 24)
        if mo is None:
            mo = month_of[h // 24] = _hdt(h).strftime("%Y-%m")
        lo_hi = span.setdefault(mo, [h, h])
        lo_hi[1] = h
    grid: set[int] = set()
    for lo, hi in span.values():
        grid.update(range(lo, hi + 1))
    grid.update(_hnum(_parse_hour(n)) for n in recorded_missing)
    hours = sorted(grid)
    return present, hours, [h for h in hours if h not in present]


def _days(present, hours, bursts: dict[str, int]) -> list[dict[str, Any]]:
    """Per day: hours, missing and lost hours, events, stars, burst stars and the events its
    lost hours should have had (an hour's expected volume: the median of the same hour of
    day over up to a week either side; of the hours either side when those are too few)."""
    day_offsets = [k * 24 * sign for k in range(1, NEIGHBOUR_DAYS + 1) for sign in (-1, 1)]
    hour_offsets = [k * sign for k in range(1, 13) for sign in (-1, 1)]
    day_of: dict[int, str] = {}
    days: dict[str, dict[str, Any]] = {}
    for h in hours:
        near = [present[h + k][0] for k in day_offsets if h + k in present]
        if len(near) < 2:
            near = [present[h + k][0] for k in hour_offsets if h + k in present]
        exp = statistics.median(near) if near else None
        day = day_of.get(h // 24)
        if day is None:
            day = day_of[h // 24] = _hdt(h).date().isoformat()
        d = days.get(day)
        if d is None:
            d = days[day] = {"day": day, "hours": 0, "missing_hours": 0, "lost_hours": 0,
                             "events": 0, "stars": 0, "lost_events": 0.0}
        e, st = present.get(h, (0, 0))
        d["hours"] += 1
        d["events"] += e
        d["stars"] += st
        if h not in present:
            d["missing_hours"] += 1
        if exp and e < LOST_HOUR_BELOW * exp:
            d["lost_hours"] += h in present
            d["lost_events"] += exp - e
    out = [days[k] for k in sorted(days)]
    for d in out:
        d["burst_stars"] = min(d["stars"], bursts.get(d["day"], 0))
    return out


def _months(day_list, reference: dict[str, int]) -> list[dict[str, Any]]:
    """The days summed per month, with GitHub's total where there is one and the capture it
    gives (only where the store holds at least REFERENCE_MIN_SHARE of it: a simulated world,
    a sample or a filtered archive is not compared)."""
    months: dict[str, dict[str, Any]] = {}
    keys = ("hours", "missing_hours", "lost_hours", "events", "stars", "burst_stars",
            "lost_events")
    for d in day_list:
        mo = months.setdefault(d["day"][:7], {"month": d["day"][:7], **{k: 0 for k in keys}})
        for k in keys:
            mo[k] += d[k]
    month_list = [months[k] for k in sorted(months)]
    for mo in month_list:
        ref = reference.get(mo["month"])
        mo["github_stars"] = ref
        share = mo["stars"] / (ref * mo["hours"] / _month_hours(mo["month"])) if ref else None
        mo["star_capture_reference"] = (round(min(1.0, share), 4)
                                        if share is not None and share >= REFERENCE_MIN_SHARE
                                        else None)
    return month_list


def _steady(row: dict[str, Any]) -> tuple[int, int]:
    """(stars outside bursts, other events): the share signal's two sides. A period whose
    stars are all bursts (a handful of repos: a test store, a filtered archive) has nothing
    steady to compare: it is compared whole."""
    steady = row["stars"] - row["burst_stars"]
    return (steady if steady > 0 else row["stars"]), row["events"] - row["stars"]


def _expected(row: dict[str, Any], B: float | None) -> float:
    """Stars the row should hold. Its steady stars per other event against the baseline's
    gives the capture of its stars (bursts are lost at the same rate as the rest); never
    fewer than it has; plus the stars of the events its lost hours should have had."""
    lost = row.pop("lost_events")
    if B is None:
        return float(row["stars"])
    steady, other = _steady(row)
    if steady > 0:
        exp = max(float(row["stars"]), row["stars"] * B * other / steady)
    else:
        exp = max(float(row["stars"]), B * other)
    return exp + lost * B / (1 + B)


def _answer(day_list, month_list, missing, baseline, base_index, base_source) -> dict[str, Any]:
    total = sum(mo["stars"] for mo in month_list)
    total_exp = sum(mo["stars_expected"] for mo in month_list)
    b_steady = sum(_steady(mo)[0] for mo in baseline)
    b_other = sum(_steady(mo)[1] for mo in baseline)
    notes = []
    if baseline and base_index[0] >= KNOWN_DEGRADED_FROM:
        notes.append(f"the baseline lies in {base_index[0]} or later, when GitHub's event stream "
                     f"already carried fewer stars (gharchive.org #310, #320): the captures "
                     f"here are relative to it and overstate the truth")
    if not baseline:
        notes.append("no month with stars and other events: the capture cannot be estimated")
    return {
        "star_capture": _ratio(total, total_exp) if month_list else None,
        "notes": notes,
        "degraded_below": DEGRADED_BELOW,
        "degraded_months": [mo["month"] for mo in month_list if mo["degraded"]],
        "months": month_list,
        "days": day_list,
        "missing_hours": [hour_name(_hdt(h)) for h in missing],
        "baseline": {
            "source": base_source,
            "months": base_index,
            "stars_per_other_event": round(b_steady / b_other, 6) if b_other else None,
        },
    }


def _day_intervals(day_list, month_list, base_days) -> None:
    """`_intervals` against a baseline of days: the steady rate's day-to-day swing over the
    baseline days (beyond counting noise). A month's parts (its complete-looking days, its
    other days) each carry it over their own days, weighted by their expected stars."""
    s_b, o_b = _steady(_pooled(base_days))
    B = s_b / o_b if s_b > 0 and o_b > 0 else 0
    rel, noise = [], []
    for d in base_days:
        s_d, o_d = _steady(d)
        if s_d > 0 and o_d > 0 and B:
            rel.append(s_d / o_d / B)
            noise.append(1 / s_d)
    var = statistics.pvariance(rel) if len(rel) > 1 else DEFAULT_SWING ** 2
    var = max(0.0, var - (statistics.mean(noise) if noise else 0.0))

    def u2(rows, n_days) -> float | None:
        steady = _steady(_pooled(rows))[0]
        if not steady or not s_b:
            return None
        return 2 * var / max(1, n_days) + 1 / steady + 1 / s_b

    for row in day_list + month_list:
        cap = row["star_capture"]
        parts = row.pop("_parts", None) or [[row]]
        if row.get("star_capture_reference") is not None:
            u = None
        else:
            total = sum(max(1e-9, sum(d["stars_expected"] for d in p)) for p in parts)
            terms = [(u2(p, sum(1 for d in p if d["events"])), sum(d["stars_expected"] for d in p))
                     for p in parts]
            u = (None if any(t is None for t, _ in terms)
                 else math.sqrt(sum(t * (e / total) ** 2 for t, e in terms)))
        lo, hi = ((cap, cap) if u is None else
                  (max(0.0, cap * (1 - INTERVAL_Z * u)), min(1.0, cap * (1 + INTERVAL_Z * u))))
        row["star_capture_low"] = round(lo, 4)
        row["star_capture_high"] = round(hi, 4)
        row["star_capture_rough"] = hi - lo > ROUGH_WIDTH


def _unknown_level(answer: dict[str, Any], base: list[dict[str, Any]], source: str) -> None:
    """Where the store holds no period before GitHub's stream began to lose stars
    (KNOWN_DEGRADED_FROM) and GitHub's totals do not reach (they end in 2024-12), its
    baseline is itself degraded: its own signals cannot know the level, only how its periods
    compare. A month or day from then on has an unknown capture there: ``star_capture`` is
    null, ``star_capture_high`` the relative figure (an upper bound: the baseline recorded
    at most all), ``star_capture_low`` 0, rough, and degraded (it is known that the stream
    carried a falling share of stars then; a clean verdict would claim what the data cannot
    show)."""
    known = not base or source == _CONFIRMED or any(
        (r.get("month") or r["day"][:7]) < KNOWN_DEGRADED_FROM for r in base)
    rows = answer["months"] + answer["days"]
    for row in rows:
        unknown = not known and (row.get("month") or row["day"][:7]) >= KNOWN_DEGRADED_FROM \
            and row.get("star_capture_reference") is None
        row["star_capture_known"] = not unknown
        if unknown:
            for part in row.get("parts", []):
                part["star_capture"] = None
            row["star_capture_high"] = row["star_capture"]
            row["star_capture_low"] = 0.0
            row["star_capture_rough"] = True
            row["star_capture"] = None
            row["degraded"] = True
    if not known and any(not r["star_capture_known"] for r in rows):
        answer["star_capture"] = None
        answer["degraded_months"] = [mo["month"] for mo in answer["months"] if mo["degraded"]]
        answer["notes"] = [n for n in answer["notes"] if "overstate" not in n] + [
            f"no period of this store lies before {KNOWN_DEGRADED_FROM}, when GitHub's event "
            f"stream began to carry a falling share of stars (below 20 % in 2026: "
            f"gharchive.org #310, #320), and GitHub's monthly totals end in 2024-12: the "
            f"archive's own signals cannot tell the level of capture here, only how its "
            f"periods compare. Those months' star_capture is unknown (null); "
            f"star_capture_high is the figure relative to the store's best period, an upper "
            f"bound; they are marked degraded"]


def _capture(row: dict[str, Any]) -> float:
    if not row["events"] and row["missing_hours"]:
        return 0.0  # nothing at all of hours that should be there (no neighbours to weigh them)
    return _ratio(row["stars"], row["stars_expected"])


def _ratio(a: float, b: float) -> float:
    return round(min(1.0, a / b), 4) if b > 0 else 1.0


def _baseline_months(months: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Months that look complete: GitHub's totals confirm them; else (no month confirmed)
    those whose stars per other event are not far below the typical (75th percentile) one.
    Months, not days: a day's stars swing with a few large campaigns, a month's much less."""
    confirmed = [mo for mo in months if (mo["star_capture_reference"] or 0) >= DEGRADED_BELOW
                 and mo["events"] > mo["stars"]]
    if confirmed:
        return confirmed, "months confirmed by GitHub's monthly star totals"
    cand = [mo for mo in months if _steady(mo)[1] > 0 and _steady(mo)[0] > 0]
    if not cand:
        return [], "none"
    ratio = lambda mo: _steady(mo)[0] / _steady(mo)[1]  # noqa: E731
    ratios = sorted(ratio(mo) for mo in cand)
    typical = ratios[min(len(ratios) - 1, int(0.75 * len(ratios)))]
    return ([mo for mo in cand if ratio(mo) >= BASELINE_FLOOR * typical],
            "the store's own months that look complete")


def _chosen(baseline: list[dict[str, Any]], index: list[str], month: str) -> list[dict[str, Any]]:
    """The latest BASELINE_MONTHS baseline months up to ``month`` (the earliest ones when none
    precedes it)."""
    i = bisect.bisect_right(index, month)
    return baseline[max(0, i - BASELINE_MONTHS):i] or baseline[:BASELINE_MONTHS]


def _intervals(day_list, month_list, baseline, base_index) -> None:
    """``star_capture_low``/``star_capture_high`` (and ``star_capture_rough`` when they lie
    more than ROUGH_WIDTH apart) on every row: how far the steady star rate itself swings.
    The rate's swing from day to day in the baseline months, beyond counting noise, is the
    part no archive signal can tell from lost stars; a period of n days carries it over
    n days against the baseline's, plus the counting noise of both. INTERVAL_Z of it either
    side. Where GitHub's totals give the capture, or there is no baseline, it is exact."""
    days_of: dict[str, list[dict[str, Any]]] = {}
    for d in day_list:
        days_of.setdefault(d["day"][:7], []).append(d)
    cache: dict[str, tuple[float, float]] = {}

    def spread(month: str) -> tuple[float, float] | None:
        """(day-to-day variance of the steady rate relative to the baseline's, beyond
        counting noise; the baseline's steady stars) for the baseline of ``month``."""
        if not baseline:
            return None
        chosen = _chosen(baseline, base_index, month)
        key = chosen[0]["month"] + chosen[-1]["month"]
        if key not in cache:
            st = sum(_steady(mo)[0] for mo in chosen)
            other = sum(_steady(mo)[1] for mo in chosen)
            B = st / other if other > 0 and st > 0 else 0
            rel, noise = [], []
            for mo in chosen:
                for d in days_of.get(mo["month"], []):
                    s_d, o_d = _steady(d)
                    if s_d > 0 and o_d > 0 and B:
                        rel.append(s_d / o_d / B)
                        noise.append(1 / s_d)
            var = (statistics.pvariance(rel) if len(rel) > 1 else DEFAULT_SWING ** 2)
            cache[key] = (max(0.0, var - (statistics.mean(noise) if noise else 0.0)), st)
        return cache[key]

    for rows, is_month in ((day_list, False), (month_list, True)):
        for row in rows:
            cap = row["star_capture"]
            sp = spread(row.get("month") or row["day"][:7])
            steady = _steady(row)[0]
            if (sp is None or (is_month and row.get("star_capture_reference") is not None)
                    or not steady or not sp[1]):
                lo = hi = cap
            else:
                n_days = (sum(1 for d in days_of.get(row["month"], []) if d["events"])
                          if is_month else 1) or 1
                u = math.sqrt(2 * sp[0] / n_days + 1 / steady + 1 / sp[1])
                lo, hi = max(0.0, cap * (1 - INTERVAL_Z * u)), min(1.0, cap * (1 + INTERVAL_Z * u))
            row["star_capture_low"] = round(lo, 4)
            row["star_capture_high"] = round(hi, 4)
            row["star_capture_rough"] = hi - lo > ROUGH_WIDTH


def _baseline_at(baseline: list[dict[str, Any]], index: list[str], month: str) -> float | None:
    """Steady stars per other event over the latest BASELINE_MONTHS baseline months up to ``month``
    (the earliest ones when none precedes it)."""
    if not baseline:
        return None
    chosen = _chosen(baseline, index, month)
    stars = sum(_steady(mo)[0] for mo in chosen)
    other = sum(_steady(mo)[1] for mo in chosen)
    return stars / other if other > 0 and stars > 0 else None


def summary(cov: dict[str, Any]) -> dict[str, Any]:
    """The short form carried by `status`, the overview and detection results."""
    return {"star_capture": cov["star_capture"], "degraded_months": cov["degraded_months"],
            "missing_hours": len(cov["missing_hours"]), "degraded_below": cov["degraded_below"],
            "months": {mo["month"]: mo["star_capture"] for mo in cov["months"]}}


def months_between(first: Any, last: Any) -> list[str]:
    """The months ``YYYY-MM`` from the one of ``first`` to the one of ``last`` (ISO strings
    or datetimes); empty when either is missing."""
    if not first or not last:
        return []
    y, m = int(str(first)[:4]), int(str(first)[5:7])
    end = str(last)[:7]
    out = []
    while f"{y:04d}-{m:02d}" <= end and len(out) < 1200:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def period_capture(cov: dict[str, Any], months: list[str] | set[str]) -> dict[str, Any]:
    """The capture of a set of months (an answer's period), with its range (``low``,
    ``high``: from the months' intervals, their errors taken as moving together), whether
    it is rough, and what it means."""
    rows = [mo for mo in cov.get("months", []) if mo["month"] in set(months)]
    unknown = [mo["month"] for mo in rows if mo.get("star_capture_known") is False]
    stars = sum(mo["stars"] for mo in rows)
    exp = sum(mo["stars_expected"] for mo in rows)
    cap = _ratio(stars, exp) if rows and not unknown else None
    lo = hi = None
    if rows:
        def bound(key: str) -> float | None:
            # each month's stars over its capture at the bound: the stars it should have held
            caps = [mo.get(key, mo["star_capture"]) for mo in rows]
            if any(c is None for c in caps):
                return None
            if any(c <= 0 for c, mo in zip(caps, rows) if mo["stars"]):
                return 0.0
            return _ratio(stars, sum(mo["stars"] / c for c, mo in zip(caps, rows)
                                     if mo["stars"])) if stars else None
        lo, hi = bound("star_capture_low"), bound("star_capture_high")
        if unknown:
            lo = 0.0
    degraded = [mo["month"] for mo in rows if mo["degraded"]]
    not_covered = sorted(set(months) - {mo["month"] for mo in rows})
    rough = (lo is not None and hi is not None and hi - lo > ROUGH_WIDTH) or bool(unknown)
    return {
        "star_capture": cap,
        "star_capture_low": lo if lo is None else round(lo, 4),
        "star_capture_high": hi if hi is None else round(hi, 4),
        "star_capture_rough": rough,
        "months": [{"month": mo["month"], "star_capture": mo["star_capture"],
                    "degraded": mo["degraded"],
                    "star_capture_low": mo.get("star_capture_low"),
                    "star_capture_high": mo.get("star_capture_high"),
                    "star_capture_rough": mo.get("star_capture_rough", False)} for mo in rows],
        "degraded_months": degraded,
        "months_without_hour_statistics": not_covered,
        # What the thresholds mean where it is worst (a rule counts within one month; a
        # partly degraded month's degraded part counts as its own).
        "note": (unknown_note(unknown) if unknown else
                 thresholds_note(min([c for mo in rows for c in
                                      [mo["star_capture"]] + [p["star_capture"]
                                                              for p in mo.get("parts", [])]],
                                     default=None))),
    }


def unknown_note(months: list[str]) -> str:
    """What an answer can say where the capture is unknown (see `_unknown_level`)."""
    return (f"the archive's star capture of {', '.join(months)} is unknown: the store holds no "
            f"period before {KNOWN_DEGRADED_FROM} to compare with (GitHub's stream carried a "
            f"falling share of stars from then on, below 20% in 2026) and GitHub's monthly "
            f"totals end in 2024-12; the thresholds may see only a fraction of the stars, so "
            f"an absence of findings here is not evidence of clean stars")


def thresholds_note(capture: float | None, rule: int = 50) -> str:
    """What absolute thresholds mean at a partial capture."""
    if capture is None:
        return "no hour statistics for this period: its capture is unknown"
    if capture >= DEGRADED_BELOW:
        return (f"the archive recorded about {100 * capture:.0f}% of the stars of this period; "
                f"thresholds apply as designed")
    if capture <= 0:
        return "the archive recorded no stars of this period: nothing can be concluded"
    need = rule / capture
    return (f"where it is worst (a month, or a partly degraded month's degraded days) the "
            f"archive recorded only about {100 * capture:.0f}% of the "
            f"stars: "
            f"a month rule of >= {rule} suspected stars fires only for campaigns of about "
            f"{need:,.0f} or more real suspected stars, and lockstep groups of {rule} accounts "
            f"show as about {rule * capture:.0f}; an absence of findings here is not evidence "
            f"of clean stars")
