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

Iteration i (for each still-active seed):
  map:    U_i = users who starred >= ρ·|C| of the cluster repos C within Δt of their centers;
  reduce: over U_i's stars in the window, every repo r with |t - center(r)| <= Δt, where
          center(r) is r's current center if it has one, else the seed's initial center,
          gets p, S, Q; rank p desc, p*Q - S² asc, repo_id asc;
          the top top_keep (20·m) become the centers for the next iteration (center = the
          mean of the times just counted), the top m the next cluster C.
  stop after iteration i if U_i is empty, U_i equals U_{i-1} (same set), or i = max_iter.
The final cluster of a seed is its last (U_i, reduce_i): valid when |U_i| >= n, the reduce
has >= m repos, and >= ρ·m of its top m repos have p >= n ("qualifying"); its clustered stars
are the stars of U_i on the qualifying repos that were counted in that last reduce.

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
from typing import Any, Callable

from . import _sql
from ._sql import create, num, scalar
from .params import Params

INTERMEDIATE = (
    "_ls_s0", "_ls_rc", "_ls_s", "_ls_seed", "_ls_center", "_ls_users", "_ls_cl", "_ls_sp",
    "_ls_u", "_ls_agg", "_ls_r", "_ls_stop", "_ls_valid", "_ls_lab", "_ls_acc", "_ls_newlab",
)
OUTPUTS = (
    "_det_ls_windows", "_det_ls_clusters", "_det_ls_edges", "_det_ls_farms",
    "_det_ls_farm_edges", "_det_ls_fp",
)

#: The lockstep algorithm's version, part of every window's fingerprint (window_fingerprints).
#: Bump it with any change to this module that can change a window's clusters or edges: the
#: windows cached by a store's previous run are then all recomputed.
VERSION = 1


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


def _month_start(t: dt.datetime) -> dt.datetime:
    return dt.datetime(t.year, t.month, 1)


def _add_months(t: dt.datetime, k: int) -> dt.datetime:
    y, m = divmod(t.month - 1 + k, 12)
    return t.replace(year=t.year + y, month=m + 1)


def windows_for_span(first: dt.datetime | None, last: dt.datetime | None,
                     params: Params) -> list[Window]:
    """Windows of window_months calendar months stepping window_step_months, starting at the
    month of the first star, until one reaches past the last star; each clipped to the data's
    span (its end is at most the first instant after the last star's month). A span shorter
    than one window gives one window."""
    if first is None or last is None:
        return []
    span_end = _add_months(_month_start(last), 1)
    out: list[Window] = []
    start = _month_start(first)
    while True:
        end = _add_months(start, params.lockstep_window_months)
        out.append(Window(len(out), start, min(end, span_end)))
        if end >= span_end:
            return out
        start = _add_months(start, params.lockstep_window_step_months)


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
    first, last = con.execute(
        "SELECT MIN(starred_at), MAX(starred_at) FROM _det_stars").fetchall()[0]
    wins = windows_for_span(first, last, params)
    con.execute(f"{_sql._CREATE} _det_ls_fp (win INTEGER, fingerprint VARCHAR)")
    fps = window_fingerprints(con, wins, cache_context) if cache_context is not None else {}
    for win, fp in sorted(fps.items()):
        con.execute(f"INSERT INTO _det_ls_fp VALUES ({win}, '{fp}')")
    cached: dict[int, int] = {}  # window index -> the cache's window index
    if reuse and fps:
        by_fp = {fp: win for win, fp in con.execute(
            f"SELECT win, fingerprint FROM {reuse['windows']}").fetchall()}
        cached = {i: by_fp[fp] for i, fp in fps.items() if fp in by_fp}

    con.execute(
        f"{_sql._CREATE} _det_ls_windows (win INTEGER, win_start TIMESTAMP, win_end TIMESTAMP, "
        "label VARCHAR)"
    )
    for w in wins:
        con.execute("INSERT INTO _det_ls_windows VALUES (?, ?, ?, ?)",
                    [w.index, w.start, w.end, w.label])
    con.execute(
        f"{_sql._CREATE} _det_ls_clusters (win INTEGER, seed BIGINT, n_users BIGINT, "
        "n_repos BIGINT, n_qualifying BIGINT, iterations INTEGER)"
    )
    con.execute(
        f"{_sql._CREATE} _det_ls_edges (win INTEGER, seed BIGINT, actor_id BIGINT, repo_id BIGINT)"
    )
    # No table of this module relies on insertion order (every ranking has an ORDER BY with a
    # total order), so let DuckDB skip preserving it; restore the caller's setting after.
    # (DuckDB-only; on Spark this is moot.)
    pio = str(scalar(con, "SELECT current_setting('preserve_insertion_order')")).lower() in (
        "true", "1")
    con.execute("SET preserve_insertion_order = false")
    try:
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
        con.execute(f"SET preserve_insertion_order = {'true' if pio else 'false'}")
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
    Bounds: ids < 2^31 and T < 2^28 (8 years) keep a*r*T < 2^90 and a month's sums < 10^38.

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
    rows = con.execute(f"""
        SELECT {_sql.month_of('starred_at')} AS month, COUNT(*), SUM({a}), SUM({r}), SUM({t}),
               SUM({a} * {a}), SUM({r} * {r}), SUM({t} * {t}), SUM({a} * {r}),
               SUM({a} * {t}), SUM({r} * {t}), SUM({a} * {r} * {t})
        FROM _det_stars
        WHERE starred_at >= {_sql.ts(origin)} AND starred_at < {_sql.ts(wins[-1].end)}
        GROUP BY {_sql.month_of('starred_at')}""").fetchall()
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
    con.execute(f"""
        INSERT INTO _det_ls_clusters
        SELECT {w.index}, seed, n_users, n_repos, n_qualifying, iterations
        FROM {reuse['clusters']} WHERE win = {cached_win}""")
    con.execute(f"""
        INSERT INTO _det_ls_edges
        SELECT {w.index}, seed, actor_id, repo_id
        FROM {reuse['edges']} WHERE win = {cached_win}""")


def _run_window(con: Any, P: Params, w: Window, progress: Callable[[str], None] | None) -> None:
    n, m, dts = P.lockstep_n, P.lockstep_m, P.delta_t_seconds
    rho, keep = num(P.lockstep_rho), P.top_keep
    if progress:
        progress(f"lockstep window {w.label}")
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
        FROM _ls_s GROUP BY repo_id HAVING COUNT(*) >= {n}""")
    # Current centers of each active seed (rk <= m: the cluster). Initially cluster = [seed].
    create(con, "_ls_center", """
        SELECT seed, seed AS repo_id, s0 AS cs, p0 AS cp, CAST(1 AS BIGINT) AS rk FROM _ls_seed""")
    # U_0: no users yet (iteration 1 never counts as converged).
    create(con, "_ls_users", "SELECT seed, seed AS actor_id FROM _ls_seed WHERE 1 = 0")

    it = 0
    while scalar(con, "SELECT COUNT(*) FROM _ls_center") > 0:
        it += 1
        if progress:
            progress(f"lockstep window {w.label} iteration {it}")
        # map ---------------------------------------------------------------------------
        # A user needs h >= ρ·k hits (k = |C|), i.e. h >= hmin = ceil(ρ·k). When hmin >= 2,
        # prefix filtering (as in set-similarity joins): let X be all the user's repos in the
        # window (a superset of its hits) and order repos globally by (cnt, repo_id). If
        # |X ∩ C| >= hmin, the first element of X ∩ C is among the first |X| - hmin + 1 of X
        # and among the first k - hmin + 1 of C. So only (seed, user) pairs sharing such a
        # prefix repo are candidates; their hits are then counted exactly. Seeds with
        # hmin = 1 are mapped directly (every hit is a candidate anyway).
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
        # reduce ------------------------------------------------------------------------
        if it == 1:
            # The only center is the seed's own, c0 = the fallback of every other repo.
            e = f"""
                SELECT u.seed, s.repo_id, s.t
                FROM _ls_u u
                JOIN _ls_s s ON s.actor_id = u.actor_id
                JOIN _ls_seed sd ON sd.seed = u.seed
                WHERE ABS(s.t * sd.p0 - sd.s0) <= {dts} * sd.p0"""
        else:
            e = f"""
                SELECT u.seed, s.repo_id, s.t
                FROM _ls_u u
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
        # stop? -------------------------------------------------------------------------
        last_iter = "TRUE" if it >= P.lockstep_max_iter else "FALSE"
        create(con, "_ls_stop", f"""
            WITH act AS (SELECT DISTINCT seed FROM _ls_center),
            cur AS (SELECT seed, COUNT(*) AS k FROM _ls_u GROUP BY seed),
            prev AS (SELECT seed, COUNT(*) AS k FROM _ls_users GROUP BY seed),
            same AS (
                SELECT u.seed, COUNT(*) AS k
                FROM _ls_u u JOIN _ls_users p ON p.seed = u.seed AND p.actor_id = u.actor_id
                GROUP BY u.seed)
            SELECT a.seed
            FROM act a
            LEFT JOIN cur ON cur.seed = a.seed
            LEFT JOIN prev ON prev.seed = a.seed
            LEFT JOIN same ON same.seed = a.seed
            WHERE {last_iter} OR cur.k IS NULL OR (cur.k = prev.k AND cur.k = same.k)""")
        # finalize stopping seeds: validity and clustered stars ------------------------------
        create(con, "_ls_valid", f"""
            WITH nu AS (
                SELECT u.seed, COUNT(*) AS k
                FROM _ls_u u JOIN _ls_stop st ON st.seed = u.seed GROUP BY u.seed),
            nr AS (
                SELECT r.seed, COUNT(*) AS k,
                       SUM(CASE WHEN r.p >= {n} THEN 1 ELSE 0 END) AS kq
                FROM _ls_r r JOIN _ls_stop st ON st.seed = r.seed
                WHERE r.rk <= {m} GROUP BY r.seed)
            SELECT nu.seed, nu.k AS n_users, nr.k AS n_repos, nr.kq AS n_qualifying
            FROM nu JOIN nr ON nr.seed = nu.seed
            WHERE nu.k >= {n} AND nr.k >= {m} AND nr.kq >= {rho} * {m}""")
        con.execute(f"""
            INSERT INTO _det_ls_clusters
            SELECT {w.index}, seed, n_users, n_repos, n_qualifying, {it} FROM _ls_valid""")
        con.execute(f"""
            INSERT INTO _det_ls_edges
            SELECT {w.index}, u.seed, s.actor_id, s.repo_id
            FROM _ls_valid v
            JOIN _ls_u u ON u.seed = v.seed
            JOIN _ls_s s ON s.actor_id = u.actor_id
            JOIN _ls_r r ON r.seed = u.seed AND r.repo_id = s.repo_id
            JOIN _ls_seed sd ON sd.seed = u.seed
            LEFT JOIN _ls_center c ON c.seed = u.seed AND c.repo_id = s.repo_id
            WHERE r.rk <= {m} AND r.p >= {n}
              AND ABS(s.t * COALESCE(c.cp, sd.p0) - COALESCE(c.cs, sd.s0))
                  <= {dts} * COALESCE(c.cp, sd.p0)""")
        # carry the others into the next iteration ---------------------------------------
        create(con, "_ls_users", """
            SELECT u.seed, u.actor_id FROM _ls_u u
            WHERE NOT EXISTS (SELECT 1 FROM _ls_stop st WHERE st.seed = u.seed)""")
        create(con, "_ls_center", f"""
            SELECT r.seed, r.repo_id, r.s AS cs, r.p AS cp, r.rk FROM _ls_r r
            WHERE NOT EXISTS (SELECT 1 FROM _ls_stop st WHERE st.seed = r.seed)""")


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
