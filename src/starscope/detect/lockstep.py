"""Lockstep signature: CopyCatch (Beutel et al., WWW 2013) in StarScout's map/reduce form.

Exact (every user, no sampling) and deterministic (every ranking has a total order). All seeds
of a window are iterated together, set-wise: every table below is keyed by ``seed`` (the
repo_id the cluster grew from). Python only loops over windows and iterations (<= max_iter).

Input: ``_det_stars(event_id, starred_at, repo_id, actor_id)``, one row per (actor, repo)
(the first star), already restricted to since/until.

Output tables:
- ``_det_ls_windows(win, win_start, win_end, label)``
- ``_det_ls_clusters(win, seed, n_users, n_repos, n_qualifying, iterations)``: valid clusters
- ``_det_ls_edges(win, seed, actor_id, repo_id)``: the clustered stars of each valid cluster
- ``_det_ls_farms(farm_id, win, label, ...)``/``_det_ls_farm_edges(farm_id, win, actor_id,
  repo_id)``: valid clusters of one window sharing an account, merged (connected components)

Times: inside a window a star's time is ``t`` = whole seconds since the window's start (BIGINT).
A center is kept as the exact pair (S = sum of t, p = count), never as a rounded mean, so
``|t - S/p| <= Δt`` is tested as ``|t*p - S| <= Δt*p`` in integers, and "variance ascending"
(among repos of equal p) as ``p*Q - S*S`` ascending (Q = sum of t², DECIMAL(38,0)). Both are
exact, so the SQL and the pure-Python reference agree to the last second.

Iteration i (for each still-active seed; C_1 = [seed], only the seed has a center, c0):
  map:    U_i = users who starred >= ρ·|C_i| of the cluster repos C_i within Δt of their centers;
  stop:   if U_i is empty (no cluster), or i >= 2 and U_i equals U_{i-1} (same set): the final
          cluster is (U_i, C_i) -- the users are exactly those mapped to that cluster;
  reduce: over U_i's stars in the window, every repo r with |t - center(r)| <= Δt, where
          center(r) is r's current center if it has one, else the seed's initial center c0,
          gets p, S, Q; rank p desc, p*Q - S² asc, repo_id asc;
          the top top_keep (20·m) become the centers for the next iteration (center = the
          mean of the times just counted), the top m the next cluster C_{i+1};
          if i = max_iter, the final cluster is (U_i, C_{i+1}).
This is StarScout's BigQuery driver order (map; stop when the map did not change; reduce).
A final cluster (U, C) is valid when |U| >= n, |C| >= m and >= ρ·m repos of C are
"qualifying": starred by >= n users of U in the window (at any time, like StarScout's summary).
Its clustered stars are all stars of U on the qualifying repos in the window.

Speed (same results, see docs/detection.md "Lockstep performance"):
- map, prefix filter: a user with h >= hmin = ceil(ρ·|C|) hits has >= hmin of its window
  repos X in C; with repos ordered globally by (window star count, repo_id), the first repo
  of X ∩ C is among the first |X| - hmin + 1 repos of X and the first |C| - hmin + 1 of C.
  So for hmin >= 2 only (seed, user) pairs sharing such a prefix repo are candidates (the
  popular repos that sit in many seeds' clusters are mostly outside the prefixes), and their
  hits are then counted exactly. hmin = 1 (e.g. iteration 1, C = [seed]) is mapped directly.
- reduce, cut before ranking: p is the first sort key, so a repo with p below the p of a
  seed's top_keep-th repo can never be kept; those rows are dropped before the ranking.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from . import _sql
from ._sql import create, num, scalar
from .params import Params

INTERMEDIATE = (
    "_ls_s0", "_ls_rc", "_ls_s", "_ls_seed", "_ls_center", "_ls_users", "_ls_cl", "_ls_sp",
    "_ls_u", "_ls_uc", "_ls_agg", "_ls_r", "_ls_stop", "_ls_fc", "_ls_fq", "_ls_valid",
    "_ls_lab", "_ls_acc", "_ls_newlab",
)
OUTPUTS = (
    "_det_ls_windows", "_det_ls_clusters", "_det_ls_edges", "_det_ls_farms",
    "_det_ls_farm_edges", "_det_ls_fp",
)

#: The lockstep algorithm's version, part of every window's fingerprint (window_fingerprints).
#: Bump it with any change to this module that can change a window's clusters or edges: the
#: windows cached by a store's previous run are then all recomputed.
VERSION = 2


@dataclass(frozen=True)
class Window:
    index: int
    start: dt.datetime  # inclusive
    end: dt.datetime  # exclusive

    @property
    def label(self) -> str:
        last = self.end - dt.timedelta(microseconds=1)
        # "2024-01..2024-07": first month .. month after the last (like StarScout's names).
        return f"{self.start:%Y-%m}..{_add_months(_month_start(last), 1):%Y-%m}"


#: Lockstep reads only stars in [TIME_MIN, TIME_MAX): the window calendar needs sane years
#: (GH Archive starts in 2011; a star dated 0001-01-01 or 9999-12-31 is a broken record, and
#: 9999-12 + 6 months is not a date). Stars outside are simply not lockstep input.
TIME_MIN = dt.datetime(1970, 1, 1)
TIME_MAX = dt.datetime(2100, 1, 1)


def _month_start(t: dt.datetime) -> dt.datetime:
    return dt.datetime(t.year, t.month, 1)


def _add_months(t: dt.datetime, k: int) -> dt.datetime:
    y, m = divmod(t.month - 1 + k, 12)
    return t.replace(year=t.year + y, month=m + 1)


def _month_no(t: dt.datetime) -> int:
    return 12 * t.year + t.month - 1


def _from_month_no(k: int) -> dt.datetime:
    return dt.datetime(k // 12, k % 12 + 1, 1)


def windows_for_months(months: Iterable[dt.datetime], params: Params) -> list[Window]:
    """The windows for data in the given calendar months (each month: any datetime in it).

    Fixed calendar, never anchored on the data: grid windows of window_months months start at
    every month whose number 12·year + month − 1 is a multiple of window_step_months (for the
    default 6/3: January, April, July, October, as StarScout's half-years). A grid window is
    used when it holds data and its data months are not a strict subset of another grid
    window's, nor equal to those of a later-starting one (so a short span, or the first and
    last quarter of a long one, is not computed twice). A used window is clipped to its own
    data: from its first data month to the end of its last. So an outlier star far from the
    rest only adds its own window and changes no other."""
    wm, step = params.lockstep_window_months, params.lockstep_window_step_months
    data: dict[int, set[int]] = {}  # grid start -> its data months
    for d in sorted({_month_no(t) for t in months}):
        g = d - d % step
        while g > d - wm:
            data.setdefault(g, set()).add(d)
            g -= step

    def used(g: int) -> bool:
        # only overlapping grid windows can share months
        for h in range(g - (wm - 1) // step * step, g + wm, step):
            if h != g and h in data and (data[g] < data[h] or (data[g] == data[h] and h > g)):
                return False
        return True

    kept = sorted((min(data[g]), max(data[g]) + 1) for g in data if used(g))
    return [Window(i, _from_month_no(a), _from_month_no(b)) for i, (a, b) in enumerate(kept)]


def windows_for_span(first: dt.datetime | None, last: dt.datetime | None,
                     params: Params) -> list[Window]:
    """windows_for_months for data in every month from first's to last's."""
    if first is None or last is None:
        return []
    months, k = [], _month_start(first)
    while k <= last:
        months.append(k)
        k = _add_months(k, 1)
    return windows_for_months(months, params)


def run(con: Any, params: Params, progress: Callable[[str], None] | None = None, *,
        cache_context: str | None = None,
        reuse: dict[str, str] | None = None) -> dict[str, int]:
    """Compute the lockstep outputs (see module doc) from ``_det_stars``.

    Incremental use (see docs/detection.md "Incremental detection"): with ``cache_context``
    (a string naming everything besides the window's stars that the result depends on:
    parameters, profile, since/until), ``_det_ls_fp(win, fingerprint)`` gets each window's
    fingerprint (window_fingerprints). ``reuse`` names relations holding a previous run's
    cache, ``{"windows": (win, fingerprint, ...), "clusters": like _det_ls_clusters,
    "edges": like _det_ls_edges}``: a window whose fingerprint is there takes its clusters and
    edges from them instead of being computed. Returns {"reused": n, "computed": n} windows."""
    months = _sql.query(con, f"""
        SELECT DISTINCT {_sql.month_of('starred_at')} FROM _det_stars
        WHERE starred_at >= {_sql.ts(TIME_MIN)} AND starred_at < {_sql.ts(TIME_MAX)}""")
    wins = windows_for_months((dt.datetime.strptime(str(m), "%Y-%m") for (m,) in months), params)
    _sql.create_empty(con, "_det_ls_fp", {"win": "INTEGER", "fingerprint": "VARCHAR"})
    fps = window_fingerprints(con, wins, cache_context) if cache_context is not None else {}
    _sql.insert_rows(con, "_det_ls_fp", sorted(fps.items()))
    cached: dict[int, int] = {}  # window index -> the cache's window index
    if reuse and fps:
        by_fp = {fp: win for win, fp in _sql.query(
            con, f"SELECT win, fingerprint FROM {reuse['windows']}")}
        cached = {i: by_fp[fp] for i, fp in fps.items() if fp in by_fp}

    _sql.create_empty(con, "_det_ls_windows", {"win": "INTEGER", "win_start": "TIMESTAMP",
                                               "win_end": "TIMESTAMP", "label": "VARCHAR"})
    _sql.insert_rows(con, "_det_ls_windows", [(w.index, w.start, w.end, w.label) for w in wins])
    _sql.create_empty(con, "_det_ls_clusters", {
        "win": "INTEGER", "seed": "BIGINT", "n_users": "BIGINT", "n_repos": "BIGINT",
        "n_qualifying": "BIGINT", "iterations": "INTEGER"})
    _sql.create_empty(con, "_det_ls_edges", {"win": "INTEGER", "seed": "BIGINT",
                                             "actor_id": "BIGINT", "repo_id": "BIGINT"})
    # No table of this module relies on insertion order (every ranking has an ORDER BY with a
    # total order), so let DuckDB skip preserving it; the caller's setting comes back after.
    # (Spark keeps no insertion order anyway: its connection ignores this setting.)
    try:
        with _sql.setting(con, "preserve_insertion_order", False):
            for w in wins:
                if w.index in cached:
                    _reuse_window(con, w, cached[w.index], reuse or {}, progress)
                else:
                    _run_window(con, params, w, progress)
            if progress:
                progress("lockstep farms")
            _farms(con)
    finally:
        _sql.drop(con, INTERMEDIATE)
    return {"reused": len(cached), "computed": len(wins) - len(cached)}


# The fingerprint's moments of a window's stars (a = actor_id, r = repo_id, t = seconds since
# the window's start): count, sums, sums of squares and products.
_MOMENTS = ("n", "a", "r", "t", "aa", "rr", "tt", "ar", "at", "rt", "art")


def window_fingerprints(con: Any, wins: list[Window], context: str) -> dict[int, str]:
    """Each window's fingerprint: a SHA-256 of ``VERSION``, ``context``, the window's start and
    end, and the moments (_MOMENTS) of its input, the ``_det_stars`` rows (actor_id,
    repo_id, t) in [start, end), which is all that _run_window reads.

    Portable: the moments are plain SQL aggregates in DECIMAL(38, 0) (exact integers on DuckDB
    and Spark alike; no engine-specific hash function), hashed in Python, so a cache written by
    one engine is valid for the other. One pass: moments per calendar month with T = seconds
    since the first window's start, then per window (window bounds are month starts) summed
    in Python and shifted to t = T - D exactly (D = the window's start in T).
    Bounds: ids < 2^31 and T < 2^32 (windows lie in [TIME_MIN, TIME_MAX)) keep a*r*T < 2^94
    and a month's sums (< 2^30 rows) < 2^124 < 10^38.

    Exact in practice: a store only grows, so a window's rows change by rows added, rows
    leaving (an earlier first star arrived) and rows whose t decreases (same). Any single such
    change moves the count or the sum of t; to go unseen, several changes would have to leave
    all eleven moments equal (e.g. a·t and a·r catch two stars swapping times or repos).
    What it cannot see: such an exactly compensating set of changes, and anything outside
    (actor_id, repo_id, t) of the window's rows (event ids, names: lockstep reads neither).
    """
    if not wins:
        return {}
    origin = wins[0].start
    T = _sql.seconds_between(origin, "starred_at")
    d = "DECIMAL(38, 0)"
    a, r, t = f"CAST(actor_id AS {d})", f"CAST(repo_id AS {d})", f"CAST({T} AS {d})"
    rows = _sql.query(con, f"""
        SELECT {_sql.month_of('starred_at')} AS month, COUNT(*), SUM({a}), SUM({r}), SUM({t}),
               SUM({a} * {a}), SUM({r} * {r}), SUM({t} * {t}), SUM({a} * {r}),
               SUM({a} * {t}), SUM({r} * {t}), SUM({a} * {r} * {t})
        FROM _det_stars
        WHERE starred_at >= {_sql.ts(origin)} AND starred_at < {_sql.ts(wins[-1].end)}
        GROUP BY {_sql.month_of('starred_at')}""")
    by_month = {str(row[0]): [int(v) for v in row[1:]] for row in rows}
    out: dict[int, str] = {}
    for w in wins:
        m = [0] * len(_MOMENTS)
        k = w.start
        while k < w.end:
            for i, v in enumerate(by_month.get(f"{k:%Y-%m}", ())):
                m[i] += v
            k = _add_months(k, 1)
        n, sa, sr, sT, saa, srr, sTT, sar, saT, srT, sarT = m
        D = (w.start - origin) // dt.timedelta(seconds=1)
        moments = [n, sa, sr, sT - D * n, saa, srr, sTT - 2 * D * sT + D * D * n, sar,
                   saT - D * sa, srT - D * sr, sarT - D * sar]
        text = "\n".join([f"lockstep v{VERSION}", context, w.start.isoformat(),
                           w.end.isoformat()] + [str(x) for x in moments])
        out[w.index] = hashlib.sha256(text.encode()).hexdigest()
    return out


def _reuse_window(con: Any, w: Window, cached_win: int, reuse: dict[str, str],
                  progress: Callable[[str], None] | None) -> None:
    """A window whose fingerprint is in the cache: its clusters and edges, as cached."""
    if progress:
        progress(f"lockstep window {w.label} (cached)")
    _sql.insert(con, "_det_ls_clusters", f"""
        SELECT {w.index}, seed, n_users, n_repos, n_qualifying, iterations
        FROM {reuse['clusters']} WHERE win = {cached_win}""")
    _sql.insert(con, "_det_ls_edges", f"""
        SELECT {w.index}, seed, actor_id, repo_id
        FROM {reuse['edges']} WHERE win = {cached_win}""")


def _run_window(con: Any, P: Params, w: Window, progress: Callable[[str], None] | None) -> None:
    """CopyCatch for every seed of one window (see the module doc): per iteration map, stop
    test, reduce, carry; seeds that stop are finalized into _det_ls_clusters/_det_ls_edges."""
    if progress:
        progress(f"lockstep window {w.label}")
    _window_state(con, P, w)
    m = P.lockstep_m
    it = 0
    while scalar(con, "SELECT COUNT(*) FROM _ls_center") > 0:
        it += 1
        if progress:
            progress(f"lockstep window {w.label} iteration {it}")
        _map(con, P, first=it == 1)
        _stop(con, first=it == 1)
        if it > 1:  # (in iteration 1 no seed converges: U_0 is empty)
            # Converged seeds: the final cluster is the C just mapped (U_i = map(C_i)).
            _finalize(con, P, w, it, f"""
                SELECT c.seed, c.repo_id FROM _ls_center c JOIN _ls_stop st ON st.seed = c.seed
                WHERE st.converged AND c.rk <= {m}""")
        create(con, "_ls_uc", """
            SELECT u.seed, u.actor_id FROM _ls_u u
            WHERE NOT EXISTS (SELECT 1 FROM _ls_stop st WHERE st.seed = u.seed)""")
        if scalar(con, "SELECT COUNT(*) FROM _ls_uc") == 0:
            break
        _reduce(con, P, it)
        if it >= P.lockstep_max_iter:
            # Out of iterations: the cluster is the top m of this last reduce.
            _finalize(con, P, w, it, f"SELECT seed, repo_id FROM _ls_r WHERE rk <= {m}")
            break
        _carry(con)


def _window_state(con: Any, P: Params, w: Window) -> None:
    """The window's stars (_ls_s), seeds (_ls_seed) and the state before iteration 1:
    _ls_center (each seed's centers; cluster = rk <= m). (U_0 is empty: no _ls_users before
    _carry makes it; iteration 1's _map and _stop know.)"""
    create(con, "_ls_s0", f"""
        SELECT actor_id, repo_id, {_sql.seconds_between(w.start, 'starred_at')} AS t
        FROM _det_stars
        WHERE starred_at >= {_sql.ts(w.start)} AND starred_at < {_sql.ts(w.end)}""")
    # Each repo's number of stars in the window, and a global total order of repos by it
    # (cnt, repo_id): the token order of the map's prefix filter (rarest first).
    create(con, "_ls_rc", "SELECT repo_id, COUNT(*) AS cnt FROM _ls_s0 GROUP BY repo_id")
    # Each star also gets its account's number of stars in the window (deg) and its position
    # (1..deg) among them in the global repo order.
    create(con, "_ls_s", """
        SELECT s.actor_id, s.repo_id, s.t,
               COUNT(*) OVER (PARTITION BY s.actor_id) AS deg,
               ROW_NUMBER() OVER (PARTITION BY s.actor_id ORDER BY rc.cnt, s.repo_id) AS pos
        FROM _ls_s0 s JOIN _ls_rc rc ON rc.repo_id = s.repo_id""")
    _sql.drop(con, ["_ls_s0"])
    # Seeds: repos with >= n (distinct) stargazers in the window; center = mean star time.
    create(con, "_ls_seed", f"""
        SELECT repo_id AS seed, COUNT(*) AS p0, CAST(SUM(t) AS BIGINT) AS s0
        FROM _ls_s GROUP BY repo_id HAVING COUNT(*) >= {P.lockstep_n}""")
    # Current centers of each active seed (rk <= m: the cluster). Initially cluster = [seed].
    create(con, "_ls_center", """
        SELECT seed, seed AS repo_id, s0 AS cs, p0 AS cp, CAST(1 AS BIGINT) AS rk FROM _ls_seed""")


def _map(con: Any, P: Params, *, first: bool = False) -> None:
    """_ls_u(seed, actor_id): U_i, the users with >= ρ·|C| hits on the seed's cluster C.

    A user needs h >= ρ·k hits (k = |C|), i.e. h >= hmin = ceil(ρ·k). When hmin >= 2,
    prefix filtering (as in set-similarity joins): let X be all the user's repos in the
    window (a superset of its hits) and order repos globally by (cnt, repo_id). If
    |X ∩ C| >= hmin, the first element of X ∩ C is among the first |X| - hmin + 1 of X
    and among the first k - hmin + 1 of C. So only (seed, user) pairs sharing such a
    prefix repo are candidates; their hits are then counted exactly. Seeds with
    hmin = 1 are mapped directly (every hit is a candidate anyway). In the ``first``
    iteration every cluster is [seed] (k = 1, no prefix filter can apply), mapped in one
    statement (on Spark each statement costs a fixed ~0.1 s whatever the data)."""
    m, dts, rho = P.lockstep_m, P.delta_t_seconds, num(P.lockstep_rho)
    if first:
        # C = [seed], k = 1, and a user has one star per repo: h = 1 >= ρ·1 (hmin = 1) for the
        # seed's stargazers within Δt of its center, when ρ <= 1.
        create(con, "_ls_u", f"""
            SELECT c.seed, s.actor_id
            FROM _ls_center c JOIN _ls_s s ON s.repo_id = c.repo_id
            WHERE ABS(s.t * c.cp - c.cs) <= {dts} * c.cp AND 1 >= {rho}""")
        return
    create(con, "_ls_cl", f"""
        WITH c AS (
            SELECT c.seed, c.repo_id, c.cs, c.cp, rc.cnt,
                   COUNT(*) OVER (PARTITION BY c.seed) AS k
            FROM _ls_center c JOIN _ls_rc rc ON rc.repo_id = c.repo_id
            WHERE c.rk <= {m})
        SELECT seed, repo_id, cs, cp, k,
               GREATEST(CAST(CEIL({rho} * k) AS BIGINT), 1) AS hmin,
               ROW_NUMBER() OVER (PARTITION BY seed ORDER BY cnt, repo_id) AS cpos
        FROM c""")
    # The prefix stars of each account, for every threshold hmin >= 2 in use.
    create(con, "_ls_sp", """
        SELECT h.hmin, s.repo_id, s.actor_id
        FROM (SELECT DISTINCT hmin FROM _ls_cl WHERE hmin >= 2) h
        JOIN _ls_s s ON s.deg >= h.hmin AND s.pos <= s.deg - h.hmin + 1""")
    create(con, "_ls_u", f"""
        WITH direct AS (
            SELECT c.seed, s.actor_id, COUNT(*) AS h, MIN(c.k) AS k
            FROM _ls_cl c JOIN _ls_s s ON s.repo_id = c.repo_id
            WHERE c.hmin = 1 AND ABS(s.t * c.cp - c.cs) <= {dts} * c.cp
            GROUP BY c.seed, s.actor_id),
        cand AS (
            SELECT DISTINCT c.seed, p.actor_id
            FROM _ls_cl c JOIN _ls_sp p ON p.repo_id = c.repo_id AND p.hmin = c.hmin
            WHERE c.hmin >= 2 AND c.cpos <= c.k - c.hmin + 1),
        verified AS (
            SELECT d.seed, d.actor_id, COUNT(*) AS h, MIN(c.k) AS k
            FROM cand d
            JOIN _ls_s s ON s.actor_id = d.actor_id
            JOIN _ls_cl c ON c.seed = d.seed AND c.repo_id = s.repo_id
            WHERE ABS(s.t * c.cp - c.cs) <= {dts} * c.cp
            GROUP BY d.seed, d.actor_id)
        SELECT seed, actor_id FROM direct WHERE h >= {rho} * k
        UNION ALL
        SELECT seed, actor_id FROM verified WHERE h >= {rho} * k""")


def _stop(con: Any, *, first: bool = False) -> None:
    """_ls_stop(seed, converged): the active seeds that stop after this map, before its
    reduce: U_i empty (converged = FALSE: no cluster) or U_i = U_{i-1} as sets (TRUE).
    In the ``first`` iteration U_0 is empty, so only the first case can happen."""
    if first:
        create(con, "_ls_stop", """
            SELECT sd.seed, FALSE AS converged FROM _ls_seed sd
            WHERE NOT EXISTS (SELECT 1 FROM _ls_u u WHERE u.seed = sd.seed)""")
        return
    create(con, "_ls_stop", """
        WITH act AS (SELECT DISTINCT seed FROM _ls_center),
        cur AS (SELECT seed, COUNT(*) AS k FROM _ls_u GROUP BY seed),
        prev AS (SELECT seed, COUNT(*) AS k FROM _ls_users GROUP BY seed),
        same AS (
            SELECT u.seed, COUNT(*) AS k
            FROM _ls_u u JOIN _ls_users p ON p.seed = u.seed AND p.actor_id = u.actor_id
            GROUP BY u.seed)
        SELECT a.seed, cur.k IS NOT NULL AS converged
        FROM act a
        LEFT JOIN cur ON cur.seed = a.seed
        LEFT JOIN prev ON prev.seed = a.seed
        LEFT JOIN same ON same.seed = a.seed
        WHERE cur.k IS NULL OR (cur.k = prev.k AND cur.k = same.k)""")


def _reduce(con: Any, P: Params, it: int) -> None:
    """_ls_r(seed, repo_id, p, s, rk): the continuing seeds' top top_keep repos of the reduce
    over their users _ls_uc (rk <= m: the next cluster)."""
    dts, keep = P.delta_t_seconds, P.top_keep
    if it == 1:
        # The only center is the seed's own, c0 = the fallback of every other repo.
        e = f"""
            SELECT u.seed, s.repo_id, s.t
            FROM _ls_uc u
            JOIN _ls_s s ON s.actor_id = u.actor_id
            JOIN _ls_seed sd ON sd.seed = u.seed
            WHERE ABS(s.t * sd.p0 - sd.s0) <= {dts} * sd.p0"""
    else:
        e = f"""
            SELECT u.seed, s.repo_id, s.t
            FROM _ls_uc u
            JOIN _ls_s s ON s.actor_id = u.actor_id
            JOIN _ls_seed sd ON sd.seed = u.seed
            LEFT JOIN _ls_center c ON c.seed = u.seed AND c.repo_id = s.repo_id
            WHERE ABS(s.t * COALESCE(c.cp, sd.p0) - COALESCE(c.cs, sd.s0))
                  <= {dts} * COALESCE(c.cp, sd.p0)"""
    create(con, "_ls_agg", f"""
        WITH e AS ({e})
        SELECT seed, repo_id, COUNT(*) AS p, CAST(SUM(t) AS BIGINT) AS s,
               SUM(CAST(t AS DECIMAL(38, 0)) * t) AS q
        FROM e GROUP BY seed, repo_id""")
    # Only the top top_keep of each seed are kept, and p is the first sort key: the
    # top_keep-th repo has p = pc, the largest p with >= top_keep repos at p or above
    # (or the smallest p when the seed has fewer repos). Repos with p < pc rank below
    # it, so only p >= pc is ranked (the many p = 1 repos of a big seed are not).
    create(con, "_ls_r", f"""
        WITH hist AS (
            SELECT seed, p, COUNT(*) AS c FROM _ls_agg GROUP BY seed, p),
        cum AS (
            SELECT seed, p, SUM(c) OVER (PARTITION BY seed ORDER BY p DESC
                                         ROWS UNBOUNDED PRECEDING) AS above
            FROM hist),
        cut AS (
            SELECT seed, COALESCE(MAX(CASE WHEN above >= {keep} THEN p END), MIN(p)) AS pc
            FROM cum GROUP BY seed)
        SELECT seed, repo_id, p, s, rk FROM (
            SELECT a.seed, a.repo_id, a.p, a.s,
                   ROW_NUMBER() OVER (
                       PARTITION BY a.seed
                       ORDER BY a.p DESC, a.p * a.q - CAST(a.s AS DECIMAL(38, 0)) * a.s ASC,
                                a.repo_id ASC
                   ) AS rk
            FROM _ls_agg a JOIN cut ON cut.seed = a.seed
            WHERE a.p >= cut.pc) ranked
        WHERE rk <= {keep}""")
    _sql.drop(con, ["_ls_agg"])


def _finalize(con: Any, P: Params, w: Window, it: int, final_sql: str) -> None:
    """Validity and clustered stars of the seeds whose final cluster C is ``final_sql``
    (seed, repo_id), with U = their _ls_u. A cluster repo qualifies when >= n users of U
    starred it in the window (at any time, as StarScout's summary counts); the cluster is
    valid when |U| >= n, |C| >= m and >= ρ·m repos qualify. Its clustered stars: every star
    of U on a qualifying repo in the window."""
    n, m, rho = P.lockstep_n, P.lockstep_m, num(P.lockstep_rho)
    create(con, "_ls_fc", final_sql)
    create(con, "_ls_fq", """
        SELECT f.seed, f.repo_id, COUNT(*) AS p
        FROM _ls_fc f
        JOIN _ls_u u ON u.seed = f.seed
        JOIN _ls_s s ON s.actor_id = u.actor_id AND s.repo_id = f.repo_id
        GROUP BY f.seed, f.repo_id""")
    create(con, "_ls_valid", f"""
        WITH nr AS (SELECT seed, COUNT(*) AS k FROM _ls_fc GROUP BY seed),
        nu AS (
            SELECT u.seed, COUNT(*) AS k
            FROM _ls_u u JOIN nr ON nr.seed = u.seed GROUP BY u.seed),
        nq AS (SELECT seed, COUNT(*) AS k FROM _ls_fq WHERE p >= {n} GROUP BY seed)
        SELECT nu.seed, nu.k AS n_users, nr.k AS n_repos, nq.k AS n_qualifying
        FROM nu JOIN nr ON nr.seed = nu.seed JOIN nq ON nq.seed = nu.seed
        WHERE nu.k >= {n} AND nr.k >= {m} AND nq.k >= {rho} * {m}""")
    _sql.insert(con, "_det_ls_clusters", f"""
        SELECT {w.index}, seed, n_users, n_repos, n_qualifying, {it} FROM _ls_valid""")
    _sql.insert(con, "_det_ls_edges", f"""
        SELECT {w.index}, v.seed, s.actor_id, s.repo_id
        FROM _ls_valid v
        JOIN _ls_fq q ON q.seed = v.seed AND q.p >= {n}
        JOIN _ls_u u ON u.seed = v.seed
        JOIN _ls_s s ON s.actor_id = u.actor_id AND s.repo_id = q.repo_id""")


def _carry(con: Any) -> None:
    """The continuing seeds' state for the next iteration: U_{i-1} = U_i, and the reduce's top
    top_keep repos as centers (center = S/p of the times just counted; rk <= m: next C)."""
    create(con, "_ls_users", "SELECT seed, actor_id FROM _ls_uc")
    create(con, "_ls_center", "SELECT seed, repo_id, s AS cs, p AS cp, rk FROM _ls_r")


def _farms(con: Any) -> None:
    """Merge the valid clusters of each window that share a clustered account into farms
    (connected components, by label propagation to the smallest seed id), then number farms
    1, 2, ... by (window, smallest seed)."""
    create(con, "_ls_lab", "SELECT win, seed, seed AS label FROM _det_ls_clusters")
    while True:
        create(con, "_ls_acc", """
            SELECT e.win, e.actor_id, MIN(l.label) AS label
            FROM _det_ls_edges e JOIN _ls_lab l ON l.win = e.win AND l.seed = e.seed
            GROUP BY e.win, e.actor_id""")
        create(con, "_ls_newlab", """
            SELECT l.win, l.seed, MIN(a.label) AS label
            FROM _ls_lab l
            JOIN _det_ls_edges e ON e.win = l.win AND e.seed = l.seed
            JOIN _ls_acc a ON a.win = e.win AND a.actor_id = e.actor_id
            GROUP BY l.win, l.seed""")
        changed = scalar(con, """
            SELECT COUNT(*) FROM _ls_lab l JOIN _ls_newlab n ON n.win = l.win AND n.seed = l.seed
            WHERE n.label <> l.label""")
        create(con, "_ls_lab", "SELECT win, seed, label FROM _ls_newlab")
        if not changed:
            break
    create(con, "_det_ls_farm_ids", """
        SELECT win, label, ROW_NUMBER() OVER (ORDER BY win, label) AS farm_id
        FROM (SELECT DISTINCT win, label FROM _ls_lab) x""")
    create(con, "_det_ls_farm_edges", """
        SELECT DISTINCT f.farm_id, e.win, e.actor_id, e.repo_id
        FROM _det_ls_edges e
        JOIN _ls_lab l ON l.win = e.win AND l.seed = e.seed
        JOIN _det_ls_farm_ids f ON f.win = l.win AND f.label = l.label""")
    create(con, "_det_ls_farms", """
        SELECT f.farm_id, f.win, w.label AS window_label, w.win_start, w.win_end,
               c.n_seeds, c.seeds
        FROM _det_ls_farm_ids f
        JOIN _det_ls_windows w ON w.win = f.win
        JOIN (SELECT l.win, l.label, COUNT(*) AS n_seeds, LIST(l.seed ORDER BY l.seed) AS seeds
              FROM _ls_lab l GROUP BY l.win, l.label) c
          ON c.win = f.win AND c.label = f.label""")
    _sql.drop(con, ["_det_ls_farm_ids"])
