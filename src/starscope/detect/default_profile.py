"""The ``default`` detection profile: StarScout's two signatures, corroborated and widened.

``run(con, params=None)`` runs in the connection of a detection run AFTER the starscout stages
have made their tables (``_det_stars``, ``_det_la_accounts``, ``_det_ls_farm_edges``,
``_det_ls_farms``; it also reads the store relations ``account_activity`` and ``events``) and
creates

    _det_default_susp(actor_id BIGINT, repo_id BIGINT, score DOUBLE, reasons VARCHAR)

one row per suspected (account, repo) star. Signals (docs/detection-default.md), each a set of
rows of ``_dp_sig(actor_id, repo_id, signal, weight, reason, ord)``:

1. **bulk** - thin stargazers of a repo with near-consecutive ids (blocks of >= bulk_min_block
   with gaps <= bulk_max_gap), where blocks are a big share of the repo's stars.
2. **starfork** - star + fork minutes apart by accounts that did nothing else, where many did.
3. **low-activity** - StarScout's low-activity accounts where they dominate a repo's stars.
4. **lockstep** / **farm-reach** - StarScout's lockstep farms, corroborated per (farm, repo) by
   bulk/thin accounts or tight times; a kept farm's accounts on other repos they dominate.
5. **costar** - groups of thin accounts sharing starred repos, where a group dominates a repo.
6. **reuse** - accounts in bursts of >= 2 repos days apart (not in one sitting): a farm serving
   several clients; suspected on clients (bursts with enough of them) and on repos they dominate
   (drips). **burst** - the rest of a client's burst.
7. **overlap** - pairs of repos whose stargazer sets overlap far beyond chance, starred in
   separate tight orders (the farm seen from the repo side).
8. **fresh** - thin accounts with ids above the store's own sign-up clock of two days before the
   star (signed up since), where they dominate a repo's stars.
9. **hollow** - a repo whose stars bring (almost) no forks, pushes or issues by others, starred
   outside list sittings, as an order (half of them within days). When combining, hollow only
   confirms on repos where the other signals already see >= hollow_confirm_share of its hollow
   stars (``_keep``: its other stars there are organic stars that came during the promotion).
   **hollow-burst** (detect/hollow_burst.py) - the same without the thin gate, for a burst.
10. **drip** / **drip-rest** (detect/slow_drip.py) - a pool of accounts shared by repos nobody
   works on, seen across the window at any pace: two hollow repos whose stargazers outside
   sittings overlap (a pool serving several drips, orders or paced orders). The pool's own
   accounts there are ``drip`` (serves several clients); where the repo's stargazers include
   thin accounts, its other such stars are ``drip-rest`` (hollow's family, confirm-only like
   hollow); where they do not (kept-alive accounts), only the pool's accounts, and only when they
   share no popular repo (a community). The earlier separate ``pool`` signal
   (detect/hollow_pool.py) was this fact computed a second time; it is folded in here.
11. **paired** (detect/paired_orders.py) - two hollow repos starred in one sitting by nearly all
   of each one's stargazers: orders delivered in pairs (a list's readers star subsets).

``slow_campaigns(con, params)`` (after the campaign stage) makes ``_det_slow_campaigns``: repos
below the monthly campaign rule whose stars are still mostly suspected (drips).

score = 1 - prod(1 - w_signal) over the signals a star has (one signal: 0.5-0.7).
Everything is set-wise SQL; Python only loops over the label-propagation rounds of costar.
Deterministic: every ranking has a total order, group ids follow the smallest account id.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, fields
from typing import Any, Mapping

from starscope.errors import UsageError
from starscope.store.schema import EARLIEST_EVENT, FORK, LATE_MARGIN, WATCH

from . import _sql, created_together, hollow_burst, paired_orders, slow_drip
from ._sql import create, num, scalar
from .params import check_types

OUTPUTS = ("_det_default_susp", "_det_default_sig")
SLOW_OUTPUTS = ("_det_slow_campaigns",)
INTERMEDIATE = (
    "_dp_nstars", "_dp_blocks", "_dp_block_stars", "_dp_bulk_repo", "_dp_bulk_accounts",
    "_dp_thin", "_dp_idle", "_dp_sig", "_dp_sf", "_dp_ts", "_dp_edges", "_dp_lab", "_dp_newlab",
    "_dp_groups", "_dp_group_repos", "_dp_burst", "_dp_reused", "_dp_client", "_dp_ov_stars", "_dp_ov_pairs", "_dp_clock",
    "_dp_engaged", "_dp_hollow", "_dp_kept", "_det_hollow_burst", "_det_slow_drip",
    "_det_paired",
)


_MAY_BE_ZERO = frozenset({"starfork_max_work_events"})


@dataclass(frozen=True)
class DefaultParams:
    """Thresholds of the default profile (see docs/detection-default.md)."""
    # 1. bulk-created accounts (near-consecutive ids among a repo's stargazers)
    bulk_max_gap: int = 100            # neighbouring ids at most this far apart ...
    bulk_density_factor: float = 0.05  # ... and at most this x (max id / repo's stargazers)
    bulk_min_block: int = 10           # a block: at least this many accounts
    bulk_min_repo_share: float = 0.25  # suspected when blocks hold >= this share of the repo's stars
    bulk_big_block: int = 50           # ... or when the block alone is at least this big
    # 2. star + fork of the same repo minutes apart
    starfork_max_minutes: float = 30.0
    starfork_min_accounts: int = 10
    starfork_min_repo_share: float = 0.25
    starfork_max_work_events: int = 0   # ... by accounts that did nothing else (no work on a fork)
    # 3. low-activity accounts (StarScout's definition), where they dominate a repo's stars
    la_min_accounts: int = 10
    la_min_repo_share: float = 0.5
    # 4. lockstep farms (StarScout's), kept on a repo when the farm's accounts there are mostly
    #    bulk-created or thin, or their stars on it are tight in time (std dev <= this)
    lockstep_min_corroborated: float = 0.5
    lockstep_max_sd_days: float = 1.5
    # ... and the accounts of a kept farm flag their stars on other repos they dominate
    farm_reach_min_accounts: int = 10
    farm_reach_min_share: float = 0.5
    # thin account: at most this many events that are not stars (whole store)
    thin_max_other_events: int = 1
    # 5. co-star groups of thin accounts
    costar_min_shared: int = 2          # a pair shares at least this many starred repos ...
    costar_min_overlap: float = 0.5     # ... and this share of the smaller account's stars
    costar_max_repo_thin: int = 2000    # repos with more thin stargazers make no pairs (cost)
    costar_min_repo_thin_share: float = 0.5  # only repos whose stargazers are mostly thin make pairs
    costar_min_group: int = 10
    costar_min_repo_accounts: int = 10
    costar_min_repo_share: float = 0.5
    costar_window_days: int = 15        # for the "over N windows" in reasons
    costar_max_rounds: int = 50         # label propagation rounds
    # 6. accounts reused across bursts: a burst repo has >= burst_min_stars stars within
    #    burst_span_hours that are >= burst_min_share of all its stars; an account whose stars
    #    inside bursts lie on >= 2 repos at least reuse_min_gap_hours apart is reused (a farm
    #    serving several clients); its stars are suspected on repos where such accounts are
    #    >= reuse_min_accounts and >= reuse_min_repo_share of the stars
    burst_span_hours: int = 48
    burst_min_stars: int = 20
    burst_min_share: float = 0.5
    reuse_min_gap_hours: int = 24
    reuse_sitting_minutes: int = 60    # ... and no two of them this close (one sitting: a list)
    reuse_min_accounts: int = 5
    reuse_min_repo_share: float = 0.5
    client_min_reused_share: float = 0.2
    # score: 1 - prod(1 - weight) over the signals a star has
    w_bulk: float = 0.7
    w_starfork: float = 0.6
    w_low_activity: float = 0.6
    w_lockstep: float = 0.6
    w_costar: float = 0.6
    # 8. shared audience: two repos (each with <= overlap_max_repo_stars stars) whose shared
    #    stargazers are >= overlap_min_shared and >= overlap_min_share of EACH repo's stars, whose
    #    two stars are on average >= overlap_min_gap_hours apart (not one list read in one
    #    sitting) and tight on each repo (sd <= overlap_max_sd_hours: orders, not a community
    #    at its own pace); accounts with > overlap_max_account_stars such stars make no pairs
    overlap_max_repo_stars: int = 5000
    overlap_max_account_stars: int = 50
    overlap_min_shared: int = 10
    overlap_min_share: float = 0.05
    overlap_min_gap_hours: int = 12
    overlap_max_sd_hours: int = 24
    # 9. fresh accounts: the account's id is above every id seen in the store up to
    #    fresh_lag_days before the star (ids are handed out in sign-up order, so it signed up
    #    since), it is thin, and such stars are >= fresh_min_accounts and >= fresh_min_repo_share
    #    of the repo's stars (a launch's newcomers are a minority among its fans)
    fresh_lag_days: int = 2
    fresh_min_accounts: int = 10
    fresh_min_repo_share: float = 0.5
    # slow campaigns: repos below the monthly rule whose stars are still mostly suspected
    slow_min_suspected: int = 5
    slow_min_share: float = 0.5
    w_reuse: float = 0.6
    w_burst: float = 0.5
    w_overlap: float = 0.6
    w_fresh: float = 0.5
    # 10. hollow popularity: a repo with >= hollow_min_stars stars where other people (not
    #     counting one: the owner) who forked, pushed, opened or commented on issues or pull
    #     requests there are <= hollow_max_engaged_share x its stars; its stars outside a
    #     sitting (no other star of the account within reuse_sitting_minutes) are suspected
    #     where they are >= hollow_min_accounts and >= hollow_min_repo_share of the stars and
    #     >= hollow_min_thin_share of their accounts are thin
    hollow_min_stars: int = 10
    hollow_max_engaged_share: float = 0.05
    hollow_min_accounts: int = 10
    hollow_min_repo_share: float = 0.5
    hollow_min_thin_share: float = 0.1
    hollow_window_hours: int = 72       # ... and each such star has >= hollow_min_neighbours
    hollow_min_neighbours: int = 3      #     others on the repo within this many hours
    w_hollow: float = 0.5
    # ... and they came as an order: a span of hollow_window_hours holds >= this share of them
    hollow_min_order_share: float = 0.5
    # where other signals already see >= this share of a repo's hollow stars, hollow only
    # confirms them: its other stars there (organic stars that came during the promotion) are
    # not suspected on its word alone
    hollow_confirm_share: float = 0.8
    # 11. hollow burst (detect/hollow_burst.py): a repo whose busiest hollow_burst_span_hours
    #     hold >= hollow_burst_min_stars stars and >= hollow_burst_min_share of its stars, where
    #     other people (not counting the owner) who forked, pushed or opened issues are <=
    #     hollow_burst_max_engaged_share x its stars; the burst's stars outside a sitting (no
    #     other star of the account within hollow_burst_sitting_minutes) are suspected where
    #     they are >= hollow_burst_min_accounts and >= hollow_burst_min_repo_share of its stars
    #     and those at work during the burst (>= hollow_burst_work_events non-star events on
    #     other repos within its span) are <= hollow_burst_max_working_share of them (an
    #     event's crowd - a hackathon's participants - builds things of its own right away).
    #     Whoever the accounts are: it sees kept-alive accounts that each serve one client.
    hollow_burst_span_hours: int = 48
    hollow_burst_min_stars: int = 20
    hollow_burst_min_share: float = 0.5
    hollow_burst_max_engaged_share: float = 0.05
    hollow_burst_sitting_minutes: int = 60
    hollow_burst_min_accounts: int = 10
    hollow_burst_min_repo_share: float = 0.5
    hollow_burst_work_events: int = 3
    hollow_burst_max_working_share: float = 0.25
    w_hollow_burst: float = 0.5
    # 12. drips from a pool (detect/slow_drip.py): two hollow repos (>= drip_min_stars stars,
    #     engaged others <= drip_max_engaged_share x stars) whose stars outside a sitting (no
    #     other star of the account within reuse_sitting_minutes) share >= drip_min_shared
    #     accounts that starred both >= drip_min_gap_hours apart, >= drip_min_pair_share of the
    #     smaller repo's stars (repos with > drip_max_repo_stars stars and accounts with >
    #     drip_max_account_stars such stars make no pairs); a repo of such a pair: where its
    #     stars outside a sitting are >= drip_min_accounts and >= drip_min_repo_share of its
    #     stars, all of them when >= drip_min_thin_share of their accounts are thin, else the
    #     shared accounts' only, when their most common star on another repo (not a candidate)
    #     is < drip_max_common_share of them (not a community). No burst and no tightness: a
    #     pool seen across the window, at any pace (slow drips; the adversarial `paced` kind).
    drip_min_stars: int = 5
    drip_max_engaged_share: float = 0.05
    drip_min_shared: int = 5
    drip_min_gap_hours: int = 12
    drip_min_pair_share: float = 0.1
    drip_max_repo_stars: int = 5000
    drip_max_account_stars: int = 50
    drip_min_accounts: int = 5
    drip_min_repo_share: float = 0.5
    drip_min_thin_share: float = 0.1
    drip_max_common_share: float = 0.5
    w_drip: float = 0.6        # the pool's accounts (shared with a pooled partner): `drip`
    w_drip_rest: float = 0.5   # the drip's other stars there: `drip-rest`
    # 13. paired orders (detect/paired_orders.py): two hollow repos (>= paired_min_stars stars,
    #     others engaged <= paired_max_engaged_share x stars) whose stargazers that starred both
    #     within paired_sitting_minutes are >= paired_min_accounts and >= paired_min_share of
    #     EACH repo's stars (a list's readers star different subsets): the adversarial world's
    #     `sitting` kind. Accounts with > paired_max_account_stars such stars make no pairs.
    paired_sitting_minutes: int = 60
    paired_min_stars: int = 10
    paired_min_accounts: int = 10
    paired_min_share: float = 0.8
    paired_max_engaged_share: float = 0.05
    paired_max_account_stars: int = 50
    w_paired: float = 0.5

    def __post_init__(self) -> None:
        check_types(self, "default-profile parameter")
        for f in fields(self):
            v = getattr(self, f.name)
            if f.type in ("int", int):
                if v < (0 if f.name in _MAY_BE_ZERO else 1):
                    raise UsageError(f"default-profile parameter {f.name} must be >= 1")
            else:
                fraction = f.name.startswith("w_") or f.name.endswith(
                    ("_share", "_overlap", "_corroborated", "_factor"))
                if not (math.isfinite(v) and v >= 0 and (v <= 1 or not fraction)):
                    raise UsageError(f"default-profile parameter {f.name} out of range: {v!r}")
        for f in fields(self):
            if f.name.startswith("w_") and getattr(self, f.name) >= 1:
                raise UsageError(f"default-profile weight {f.name} must be < 1")

    def replace(self, **overrides: Any) -> "DefaultParams":
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise UsageError(f"unknown default-profile parameter(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **overrides)


def _resolve(params: Any) -> DefaultParams:
    if isinstance(params, DefaultParams):
        return params
    if isinstance(params, Mapping):
        return DefaultParams().replace(**params)
    return DefaultParams()


def slow_campaigns(con: Any, params: Any = None, *, enabled: bool = True) -> None:
    """Create ``_det_slow_campaigns(repo_id, stars, suspected, low_activity, clustered, share)``
    from ``_det_repo_months`` and ``_det_campaigns``: repos that are not campaigns by the
    monthly rule (no month reaches it: a drip of a few stars a day) but whose stars are
    >= ``slow_min_share`` suspected, with >= ``slow_min_suspected`` suspected. Empty when not
    ``enabled`` (the starscout profile has no such notion)."""
    P = _resolve(params)
    create(con, "_det_slow_campaigns", f"""
        WITH r AS (
            SELECT repo_id, SUM(stars) AS stars, SUM(suspected) AS suspected,
                   SUM(low_activity) AS low_activity, SUM(clustered) AS clustered
            FROM _det_repo_months GROUP BY repo_id)
        SELECT repo_id, CAST(stars AS BIGINT) AS stars, CAST(suspected AS BIGINT) AS suspected,
               CAST(low_activity AS BIGINT) AS low_activity, CAST(clustered AS BIGINT) AS clustered,
               CAST(suspected AS DOUBLE) / stars AS share
        FROM r
        WHERE {'true' if enabled else 'false'}
          AND suspected >= {int(P.slow_min_suspected)}
          AND suspected >= {num(P.slow_min_share)} * stars
          AND repo_id NOT IN (SELECT repo_id FROM _det_campaigns)""")


def run(con: Any, params: Any = None) -> None:
    """Create ``_det_default_susp``. ``params``: a DefaultParams, a mapping of overrides of
    its fields, or anything else (None, the run's starscout Params) for the defaults."""
    P = _resolve(params)
    try:
        _signals(con, P)
        # account creation times, where profiles are known; only accounts that do no other
        # work (a hackathon or a class registers together and then works). Unlike _dp_thin
        # this counts accounts with no event at all: a stargazer list's stars have none.
        create(con, "_dp_idle", f"""
            SELECT DISTINCT s.actor_id FROM _det_stars s
            LEFT JOIN account_activity a ON a.actor_id = s.actor_id
            WHERE COALESCE(a.n_events, 0) - COALESCE(a.n_watch, 0)
                  <= {int(P.thin_max_other_events)}""")
        created_together.add_signals(con, eligible="_dp_idle")
        _combine(con, P)
        # Which signals each suspected star has: the run's explanation columns read it.
        create(con, "_det_default_sig", "SELECT DISTINCT actor_id, repo_id, signal FROM _dp_kept")
    finally:
        _sql.drop(con, INTERMEDIATE)


# ---------------------------------------------------------------------------- signals

def _signals(con: Any, P: DefaultParams) -> None:
    create(con, "_dp_nstars", """
        SELECT repo_id, COUNT(*) AS n_stars FROM _det_stars GROUP BY repo_id""")
    # Signal rows: (actor_id, repo_id, signal, weight, reason, ord); ord orders the reasons.
    _sql.create_empty(con, "_dp_sig", {"actor_id": "BIGINT", "repo_id": "BIGINT",
                                       "signal": "VARCHAR", "weight": "DOUBLE",
                                       "reason": "VARCHAR", "ord": "INTEGER"})
    _thin(con, P)
    _bulk(con, P)
    _starfork(con, P)
    _low_activity(con, P)
    _lockstep(con, P)
    _farm_reach(con, P)
    _costar(con, P)
    _reuse(con, P)
    _overlap(con, P)
    _fresh(con, P)
    _engaged(con, P)
    _hollow(con, P)
    _hollow_burst(con, P)
    _slow_drip(con, P)
    _paired(con, P)


def _dominated(src: str, count_as: str, min_n: int, min_share: float) -> str:
    """SELECT repo_id, COUNT(*) AS <count_as>, n_stars: the repos where the rows of `src` (one per
    star) are >= min_n and >= min_share of the repo's stars (the shape of most signals' gate)."""
    return f"""SELECT {src}.repo_id, COUNT(*) AS {count_as}, n.n_stars
            FROM {src} JOIN _dp_nstars n ON n.repo_id = {src}.repo_id
            GROUP BY {src}.repo_id, n.n_stars
            HAVING COUNT(*) >= {int(min_n)}
               AND COUNT(*) >= {num(min_share)} * n.n_stars"""


def _thin(con: Any, P: DefaultParams) -> None:
    create(con, "_dp_thin", f"""
        SELECT a.actor_id FROM account_activity a
        WHERE a.n_events - COALESCE(a.n_watch, 0) <= {int(P.thin_max_other_events)}
          AND a.actor_id IN (SELECT actor_id FROM _det_stars)""")


def _bulk(con: Any, P: DefaultParams) -> None:
    max_id = scalar(con, "SELECT MAX(actor_id) FROM _det_stars") or 0
    # Effective gap: bulk_max_gap, tightened on repos with so many stargazers that random ids
    # would often be that close (expected organic gap = max id / number of stargazers).
    create(con, "_dp_block_stars", f"""
        WITH o AS (
            SELECT s.repo_id, s.actor_id, n.n_stars,
                   s.actor_id - LAG(s.actor_id) OVER (
                       PARTITION BY s.repo_id ORDER BY s.actor_id) AS gap
            FROM _det_stars s JOIN _dp_nstars n ON n.repo_id = s.repo_id
            -- thin accounts only: a class registered together then works, a bulk batch does not
            JOIN _dp_thin t ON t.actor_id = s.actor_id
            WHERE n.n_stars >= {int(P.bulk_min_block)}),
        b AS (
            SELECT repo_id, actor_id,
                   SUM(CASE WHEN gap IS NULL
                              OR gap > LEAST({int(P.bulk_max_gap)},
                                             {num(P.bulk_density_factor)} * {int(max_id)} / n_stars)
                            THEN 1 ELSE 0 END)
                       OVER (PARTITION BY repo_id ORDER BY actor_id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS blk
            FROM o),
        sz AS (
            SELECT repo_id, blk, COUNT(*) AS n, MIN(actor_id) AS lo, MAX(actor_id) AS hi
            FROM b GROUP BY repo_id, blk HAVING COUNT(*) >= {int(P.bulk_min_block)})
        SELECT b.actor_id, b.repo_id, sz.blk, sz.n, sz.lo, sz.hi
        FROM b JOIN sz ON sz.repo_id = b.repo_id AND sz.blk = b.blk""")
    create(con, "_dp_bulk_repo", """
        SELECT bs.repo_id, COUNT(*) AS n_bulk, n.n_stars,
               CAST(COUNT(*) AS DOUBLE) / n.n_stars AS share
        FROM _dp_block_stars bs JOIN _dp_nstars n ON n.repo_id = bs.repo_id
        GROUP BY bs.repo_id, n.n_stars""")
    create(con, "_dp_bulk_accounts", """
        SELECT DISTINCT actor_id FROM _dp_block_stars""")
    _sql.insert(con, "_dp_sig", f"""
        SELECT bs.actor_id, bs.repo_id, 'bulk', {num(P.w_bulk)},
               'bulk-created accounts ' || CAST(bs.lo AS VARCHAR) || '–' || CAST(bs.hi AS VARCHAR)
               || ' (' || CAST(bs.n AS VARCHAR) || ' accounts; bulk blocks hold '
               || CAST(CAST(ROUND(100 * r.share) AS BIGINT) AS VARCHAR) || '% of the repo''s stars)',
               1
        FROM _dp_block_stars bs JOIN _dp_bulk_repo r ON r.repo_id = bs.repo_id
        WHERE r.share >= {num(P.bulk_min_repo_share)} OR bs.n >= {int(P.bulk_big_block)}""")


def _starfork(con: Any, P: DefaultParams) -> None:
    w = int(round(P.starfork_max_minutes * 60))
    create(con, "_dp_sf", f"""
        WITH f AS (
            SELECT e.actor_id, e.repo_id, e.created_at
            FROM events e
            WHERE e.type = {FORK} AND e.actor_id IS NOT NULL AND e.repo_id IS NOT NULL),
        idle AS (
            -- accounts that did nothing but star and fork: a student pushes to the fork
            SELECT actor_id FROM account_activity
            WHERE n_events - COALESCE(n_watch, 0) - COALESCE(n_fork, 0)
                  <= {int(P.starfork_max_work_events)}),
        m AS (
            SELECT s.actor_id, s.repo_id,
                   MIN(ABS(date_diff('second', s.starred_at, f.created_at))) AS dt
            FROM _det_stars s
            JOIN idle i ON i.actor_id = s.actor_id
            JOIN f ON f.actor_id = s.actor_id AND f.repo_id = s.repo_id
            GROUP BY s.actor_id, s.repo_id
            HAVING MIN(ABS(date_diff('second', s.starred_at, f.created_at))) <= {w}),
        r AS (
            {_dominated("m", "n_sf", P.starfork_min_accounts, P.starfork_min_repo_share)})
        SELECT m.actor_id, m.repo_id, m.dt, r.n_sf, r.n_stars
        FROM m JOIN r ON r.repo_id = m.repo_id""")
    _sql.insert(con, "_dp_sig", f"""
        SELECT actor_id, repo_id, 'starfork', {num(P.w_starfork)},
               'star+fork within ' || CAST(CAST(CEIL(dt / 60.0) AS BIGINT) AS VARCHAR)
               || ' min, nothing else done (' || CAST(n_sf AS VARCHAR) || ' of the repo''s '
               || CAST(n_stars AS VARCHAR) || ' stargazers did so)', 2
        FROM _dp_sf""")


def _low_activity(con: Any, P: DefaultParams) -> None:
    # StarScout's low-activity accounts (one day, <= 2 timestamps, <= 1 repo, <= 1 org), but
    # judged by their share of the repo's stars rather than by a count of 50: that drops the
    # one-off stargazers of popular repos and keeps bursts and trickles below 50.
    _sql.insert(con, "_dp_sig", f"""
        WITH la AS (
            SELECT s.actor_id, s.repo_id
            FROM _det_stars s JOIN _det_la_accounts a ON a.actor_id = s.actor_id),
        r AS (
            {_dominated("la", "n_la", P.la_min_accounts, P.la_min_repo_share)})
        SELECT la.actor_id, la.repo_id, 'low-activity', {num(P.w_low_activity)},
               'low-activity account (' || CAST(r.n_la AS VARCHAR) || ' of the repo''s '
               || CAST(r.n_stars AS VARCHAR) || ' stars)', 3
        FROM la JOIN r ON r.repo_id = la.repo_id""")


def _lockstep(con: Any, P: DefaultParams) -> None:
    # Per (farm, repo): kept when enough of the farm's accounts on that repo are bulk-created or
    # thin, or when their stars on it are tight in time; so a farm that lockstep merged with a
    # community (spread over weeks, active people) keeps only its own repos.
    sd = int(round(P.lockstep_max_sd_days * 86400))
    _sql.insert(con, "_dp_sig", f"""
        WITH e AS (SELECT DISTINCT farm_id, actor_id, repo_id FROM _det_ls_farm_edges),
        ec AS (
            SELECT e.farm_id, e.actor_id, e.repo_id,
                   CASE WHEN b.actor_id IS NOT NULL OR t.actor_id IS NOT NULL
                        THEN 1 ELSE 0 END AS corr
            FROM e
            LEFT JOIN _dp_bulk_accounts b ON b.actor_id = e.actor_id
            LEFT JOIN _dp_thin t ON t.actor_id = e.actor_id),
        et AS (
            SELECT ec.*, CAST(date_diff('second', f.win_start, s.starred_at)
                              AS DECIMAL(38, 0)) AS t
            FROM ec
            JOIN _det_ls_farms f ON f.farm_id = ec.farm_id
            JOIN _det_stars s ON s.actor_id = ec.actor_id AND s.repo_id = ec.repo_id),
        fr0 AS (
            SELECT farm_id, repo_id, COUNT(*) AS n_acc, SUM(corr) AS n_corr,
                   -- exact: variance <= sd^2  <=>  n*sum(t^2) - sum(t)^2 <= (sd*n)^2
                   (COUNT(*) * SUM(t * t) - SUM(t) * SUM(t)
                    <= CAST({sd} AS DECIMAL(38, 0)) * {sd} * COUNT(*) * COUNT(*)) AS tight
            FROM et GROUP BY farm_id, repo_id),
        fr AS (
            SELECT * FROM fr0
            WHERE n_corr >= {num(P.lockstep_min_corroborated)} * n_acc OR tight),
        k AS (
            SELECT ec.actor_id, ec.repo_id, ec.farm_id, f.window_label, fr.n_acc, fr.n_corr,
                   fr.tight
            FROM ec
            JOIN fr ON fr.farm_id = ec.farm_id AND fr.repo_id = ec.repo_id
            JOIN _det_ls_farms f ON f.farm_id = ec.farm_id)
        SELECT actor_id, repo_id, 'lockstep', {num(P.w_lockstep)},
               STRING_AGG('lockstep farm F' || CAST(farm_id AS VARCHAR) || ' (window '
                          || window_label || '; ' || CAST(n_corr AS VARCHAR) || ' of its '
                          || CAST(n_acc AS VARCHAR)
                          || ' accounts on this repo bulk-created or thin'
                          || CASE WHEN tight THEN '; stars within ~{num(P.lockstep_max_sd_days)} days'
                                  ELSE '' END || ')',
                          '; ' ORDER BY farm_id), 4
        FROM k GROUP BY actor_id, repo_id""")


def _farm_reach(con: Any, P: DefaultParams) -> None:
    # CopyCatch keeps the top m repos of a cluster; a farm promotes more. The accounts of a
    # corroborated farm (those with a kept lockstep star) also flag their stars on any other
    # repo where they are >= farm_reach_min_accounts and >= farm_reach_min_share of its stars.
    _sql.insert(con, "_dp_sig", f"""
        WITH fa AS (
            SELECT DISTINCT e.farm_id, e.actor_id
            FROM _det_ls_farm_edges e
            JOIN (SELECT DISTINCT actor_id FROM _dp_sig WHERE signal = 'lockstep') k
              ON k.actor_id = e.actor_id),
        fs AS (
            SELECT fa.farm_id, s.actor_id, s.repo_id
            FROM fa JOIN _det_stars s ON s.actor_id = fa.actor_id),
        fr AS (
            SELECT fs.farm_id, fs.repo_id, COUNT(*) AS n_acc, n.n_stars
            FROM fs JOIN _dp_nstars n ON n.repo_id = fs.repo_id
            GROUP BY fs.farm_id, fs.repo_id, n.n_stars
            HAVING COUNT(*) >= {int(P.farm_reach_min_accounts)}
               AND COUNT(*) >= {num(P.farm_reach_min_share)} * n.n_stars)
        SELECT fs.actor_id, fs.repo_id, 'farm-reach', {num(P.w_lockstep)},
               STRING_AGG('accounts of lockstep farm F' || CAST(fs.farm_id AS VARCHAR) || ' ('
                          || CAST(fr.n_acc AS VARCHAR) || ' of the repo''s '
                          || CAST(fr.n_stars AS VARCHAR) || ' stars)', '; ' ORDER BY fs.farm_id),
               5
        FROM fs JOIN fr ON fr.farm_id = fs.farm_id AND fr.repo_id = fs.repo_id
        WHERE NOT EXISTS (
            SELECT 1 FROM _dp_sig k
            WHERE k.signal = 'lockstep' AND k.actor_id = fs.actor_id AND k.repo_id = fs.repo_id)
        GROUP BY fs.actor_id, fs.repo_id""")


def _costar(con: Any, P: DefaultParams) -> None:
    k = int(P.costar_min_shared)
    # Thin accounts' stars, for accounts with enough stars to share k repos.
    create(con, "_dp_ts", f"""
        WITH ts AS (
            SELECT s.actor_id, s.repo_id, s.starred_at
            FROM _det_stars s JOIN _dp_thin t ON t.actor_id = s.actor_id),
        a AS (SELECT actor_id, COUNT(*) AS n FROM ts GROUP BY actor_id HAVING COUNT(*) >= {k})
        SELECT ts.actor_id, ts.repo_id, ts.starred_at, a.n
        FROM ts JOIN a ON a.actor_id = ts.actor_id""")
    create(con, "_dp_edges", f"""
        WITH rp AS (
            SELECT t.repo_id FROM _dp_ts t JOIN _dp_nstars n ON n.repo_id = t.repo_id
            GROUP BY t.repo_id, n.n_stars
            HAVING COUNT(*) >= 2 AND COUNT(*) <= {int(P.costar_max_repo_thin)}
               AND COUNT(*) >= {num(P.costar_min_repo_thin_share)} * n.n_stars),
        x AS (SELECT t.* FROM _dp_ts t JOIN rp ON rp.repo_id = t.repo_id)
        SELECT x.actor_id AS a, y.actor_id AS b
        FROM x JOIN x AS y ON y.repo_id = x.repo_id AND x.actor_id < y.actor_id
        GROUP BY x.actor_id, y.actor_id, x.n, y.n
        HAVING COUNT(*) >= {k} AND COUNT(*) >= {num(P.costar_min_overlap)} * LEAST(x.n, y.n)""")
    # Connected components by label propagation (label = smallest account id reachable).
    create(con, "_dp_lab", """
        SELECT v AS actor_id, v AS lab FROM (
            SELECT a AS v FROM _dp_edges UNION SELECT b AS v FROM _dp_edges) u""")
    for _ in range(int(P.costar_max_rounds)):
        create(con, "_dp_newlab", """
            WITH nb AS (
                SELECT e.a AS actor_id, l.lab FROM _dp_edges e JOIN _dp_lab l ON l.actor_id = e.b
                UNION ALL
                SELECT e.b AS actor_id, l.lab FROM _dp_edges e JOIN _dp_lab l ON l.actor_id = e.a
                UNION ALL
                SELECT actor_id, lab FROM _dp_lab)
            SELECT actor_id, MIN(lab) AS lab FROM nb GROUP BY actor_id""")
        changed = scalar(con, """
            SELECT COUNT(*) FROM _dp_newlab n JOIN _dp_lab l ON l.actor_id = n.actor_id
            WHERE n.lab <> l.lab""")
        create(con, "_dp_lab", "SELECT actor_id, lab FROM _dp_newlab")
        if not changed:
            break
    create(con, "_dp_groups", f"""
        WITH g AS (
            SELECT lab, COUNT(*) AS n_acc FROM _dp_lab GROUP BY lab
            HAVING COUNT(*) >= {int(P.costar_min_group)})
        SELECT g.lab, g.n_acc, DENSE_RANK() OVER (ORDER BY g.lab) AS group_no FROM g""")
    create(con, "_dp_group_repos", f"""
        WITH gs AS (
            SELECT g.group_no, g.n_acc, t.actor_id, t.repo_id, t.starred_at
            FROM _dp_ts t
            JOIN _dp_lab l ON l.actor_id = t.actor_id
            JOIN _dp_groups g ON g.lab = l.lab),
        gr AS (
            SELECT gs.group_no, gs.repo_id, COUNT(*) AS n_on_repo, n.n_stars
            FROM gs JOIN _dp_nstars n ON n.repo_id = gs.repo_id
            GROUP BY gs.group_no, gs.repo_id, n.n_stars
            HAVING COUNT(*) >= {int(P.costar_min_repo_accounts)}
               AND COUNT(*) >= {num(P.costar_min_repo_share)} * n.n_stars),
        gw AS (
            SELECT gs.group_no, COUNT(DISTINCT gs.repo_id) AS n_repos,
                   COUNT(DISTINCT CAST(FLOOR(epoch(gs.starred_at)
                                             / {int(P.costar_window_days) * 86400}) AS BIGINT))
                       AS n_windows
            FROM gs JOIN gr ON gr.group_no = gs.group_no AND gr.repo_id = gs.repo_id
            GROUP BY gs.group_no)
        SELECT gs.actor_id, gs.repo_id, gs.group_no, gs.n_acc, gw.n_repos, gw.n_windows
        FROM gs
        JOIN gr ON gr.group_no = gs.group_no AND gr.repo_id = gs.repo_id
        JOIN gw ON gw.group_no = gs.group_no""")
    _sql.insert(con, "_dp_sig", f"""
        SELECT actor_id, repo_id, 'costar', {num(P.w_costar)},
               'co-star group G' || CAST(group_no AS VARCHAR) || ' (' || CAST(n_acc AS VARCHAR)
               || ' thin accounts on ' || CAST(n_repos AS VARCHAR) || ' repos over '
               || CAST(n_windows AS VARCHAR) || ' {int(P.costar_window_days)}-day windows)', 6
        FROM _dp_group_repos""")


def _reuse(con: Any, P: DefaultParams) -> None:
    # A farm seen from the clients' side: each order is a burst on one repo, and the same
    # accounts turn up in bursts of other repos days apart. Organic crowds (a list, a launch,
    # a class) act together once; readers of a list star its repos in the same hour.
    span = int(P.burst_span_hours) * 3600
    create(con, "_dp_burst", f"""
        WITH c AS (
            SELECT s.repo_id, CAST(epoch(s.starred_at) AS BIGINT) AS e
            FROM _det_stars s JOIN _dp_nstars n ON n.repo_id = s.repo_id
            WHERE n.n_stars >= {int(P.burst_min_stars)}),
        w AS (
            SELECT repo_id, e, COUNT(*) OVER (
                PARTITION BY repo_id ORDER BY e
                RANGE BETWEEN CURRENT ROW AND {span} FOLLOWING) AS k
            FROM c),
        p AS (SELECT repo_id, MAX(k) AS peak FROM w GROUP BY repo_id),
        st AS (
            SELECT w.repo_id, MIN(w.e) AS lo FROM w JOIN p ON p.repo_id = w.repo_id AND w.k = p.peak
            GROUP BY w.repo_id)
        SELECT p.repo_id, p.peak, st.lo, st.lo + {span} AS hi, n.n_stars
        FROM p JOIN st ON st.repo_id = p.repo_id JOIN _dp_nstars n ON n.repo_id = p.repo_id
        WHERE p.peak >= {int(P.burst_min_stars)} AND p.peak >= {num(P.burst_min_share)} * n.n_stars""")
    create(con, "_dp_reused", f"""
        WITH bs AS (
            SELECT s.actor_id, s.repo_id, CAST(epoch(s.starred_at) AS BIGINT) AS e
            FROM _det_stars s JOIN _dp_burst b ON b.repo_id = s.repo_id
            WHERE CAST(epoch(s.starred_at) AS BIGINT) BETWEEN b.lo AND b.hi)
        SELECT actor_id, COUNT(*) AS n_bursts, MAX(e) - MIN(e) AS spread
        FROM (SELECT bs.*, e - LAG(e) OVER (PARTITION BY actor_id ORDER BY e, repo_id) AS d FROM bs) x
        GROUP BY actor_id
        HAVING COUNT(*) >= 2 AND MAX(e) - MIN(e) >= {int(P.reuse_min_gap_hours) * 3600}
           -- a reader starring several repos of a list in one sitting is not an order
           AND COALESCE(MIN(d), {10**12}) > {int(P.reuse_sitting_minutes) * 60}""")
    _clients(con, P)
    _reuse_rows(con, P)


def _clients(con: Any, P: DefaultParams) -> None:
    # A client: a burst repo where reused accounts are >= reuse_min_accounts and >=
    # client_min_reused_share of the stars inside its burst. There every star of a reused
    # account is suspected ('reuse'), and the other stars inside the burst too ('burst': the
    # same order's accounts that serve no other client in the window we see).
    create(con, "_dp_client", f"""
        WITH bs AS (
            SELECT s.actor_id, s.repo_id, (u.actor_id IS NOT NULL) AS re
            FROM _det_stars s JOIN _dp_burst b ON b.repo_id = s.repo_id
            LEFT JOIN _dp_reused u ON u.actor_id = s.actor_id
            WHERE CAST(epoch(s.starred_at) AS BIGINT) BETWEEN b.lo AND b.hi)
        SELECT b.repo_id, b.lo, b.hi, b.peak, SUM(CASE WHEN bs.re THEN 1 ELSE 0 END) AS n_re
        FROM bs JOIN _dp_burst b ON b.repo_id = bs.repo_id
        GROUP BY b.repo_id, b.lo, b.hi, b.peak
        HAVING SUM(CASE WHEN bs.re THEN 1 ELSE 0 END) >= {int(P.reuse_min_accounts)}
           AND SUM(CASE WHEN bs.re THEN 1 ELSE 0 END) >= {num(P.client_min_reused_share)} * b.peak""")


def _reuse_rows(con: Any, P: DefaultParams) -> None:
    _sql.insert(con, "_dp_sig", f"""
        WITH rs AS (
            SELECT s.actor_id, s.repo_id, u.n_bursts, u.spread
            FROM _det_stars s JOIN _dp_reused u ON u.actor_id = s.actor_id),
        r AS (
            -- drips: reused accounts dominate a repo's stars, however slowly they came
            {_dominated("rs", "n_re", P.reuse_min_accounts, P.reuse_min_repo_share)}),
        k AS (
            SELECT rs.*, COALESCE(c.n_re, r.n_re) AS n_re, n.n_stars, (c.repo_id IS NOT NULL) AS client
            FROM rs JOIN _dp_nstars n ON n.repo_id = rs.repo_id
            LEFT JOIN _dp_client c ON c.repo_id = rs.repo_id
            LEFT JOIN r ON r.repo_id = rs.repo_id
            WHERE c.repo_id IS NOT NULL OR r.repo_id IS NOT NULL)
        SELECT actor_id, repo_id, 'reuse', {num(P.w_reuse)},
               'account reused across bursts (' || CAST(n_bursts AS VARCHAR)
               || ' bursts over ' || CAST(CAST(ROUND(spread / 86400.0) AS BIGINT) AS VARCHAR)
               || CASE WHEN ROUND(spread / 86400.0) = 1 THEN ' day; ' ELSE ' days; ' END
               || CAST(n_re AS VARCHAR) || ' of the repo''s '
               || CASE WHEN client THEN 'burst' ELSE CAST(n_stars AS VARCHAR) || ' stars' END
               || ' from such accounts)', 7
        FROM k""")
    _sql.insert(con, "_dp_sig", f"""
        SELECT s.actor_id, s.repo_id, 'burst', {num(P.w_burst)},
               'in a burst of ' || CAST(c.peak AS VARCHAR) || ' stars within '
               || CAST({int(P.burst_span_hours)} AS VARCHAR) || ' h, '
               || CAST(c.n_re AS VARCHAR) || ' of them from accounts reused across bursts', 8
        FROM _det_stars s JOIN _dp_client c ON c.repo_id = s.repo_id
        WHERE CAST(epoch(s.starred_at) AS BIGINT) BETWEEN c.lo AND c.hi
          AND s.actor_id NOT IN (SELECT actor_id FROM _dp_reused)""")


def _overlap(con: Any, P: DefaultParams) -> None:
    # The farm seen from the repo side, without bursts or per-account gaps: pairs of repos whose
    # stargazer sets overlap far beyond chance. Exact integer arithmetic (times in seconds from
    # the earliest star) so that thresholds never depend on float summation order.
    base = scalar(con, "SELECT CAST(MIN(epoch(starred_at)) AS BIGINT) FROM _det_stars") or 0
    create(con, "_dp_ov_stars", f"""
        WITH c AS (
            SELECT s.actor_id, s.repo_id,
                   CAST(CAST(epoch(s.starred_at) AS BIGINT) - {int(base)} AS DECIMAL(38, 0)) AS e
            FROM _det_stars s JOIN _dp_nstars n ON n.repo_id = s.repo_id
            WHERE n.n_stars >= {int(P.overlap_min_shared)}
              AND n.n_stars <= {int(P.overlap_max_repo_stars)}),
        a AS (
            SELECT actor_id FROM c GROUP BY actor_id
            HAVING COUNT(*) >= 2 AND COUNT(*) <= {int(P.overlap_max_account_stars)})
        SELECT c.* FROM c JOIN a ON a.actor_id = c.actor_id""")
    gap, sd = int(P.overlap_min_gap_hours) * 3600, int(P.overlap_max_sd_hours) * 3600
    create(con, "_dp_ov_pairs", f"""
        WITH p AS (
            SELECT x.repo_id AS r1, y.repo_id AS r2, COUNT(*) AS shared,
                   SUM(ABS(x.e - y.e)) AS sum_gap,
                   SUM(x.e) AS s1, SUM(x.e * x.e) AS q1, SUM(y.e) AS s2, SUM(y.e * y.e) AS q2
            FROM _dp_ov_stars x
            JOIN _dp_ov_stars y ON y.actor_id = x.actor_id AND x.repo_id < y.repo_id
            GROUP BY x.repo_id, y.repo_id
            HAVING COUNT(*) >= {int(P.overlap_min_shared)})
        SELECT p.r1, p.r2, p.shared
        FROM p JOIN _dp_nstars n1 ON n1.repo_id = p.r1 JOIN _dp_nstars n2 ON n2.repo_id = p.r2
        WHERE p.shared >= {num(P.overlap_min_share)} * n1.n_stars
          AND p.shared >= {num(P.overlap_min_share)} * n2.n_stars
          AND p.sum_gap >= CAST({gap} AS DECIMAL(38, 0)) * p.shared
          -- variance <= sd^2  <=>  n*sum(t^2) - sum(t)^2 <= (sd*n)^2, on each repo
          AND p.shared * p.q1 - p.s1 * p.s1
              <= CAST({sd} AS DECIMAL(38, 0)) * {sd} * p.shared * p.shared
          AND p.shared * p.q2 - p.s2 * p.s2
              <= CAST({sd} AS DECIMAL(38, 0)) * {sd} * p.shared * p.shared""")
    _sql.insert(con, "_dp_sig", f"""
        WITH j AS (
            SELECT x.actor_id, x.repo_id AS a_repo, y.repo_id AS b_repo, k.shared
            FROM _dp_ov_stars x
            JOIN _dp_ov_stars y ON y.actor_id = x.actor_id AND x.repo_id < y.repo_id
            JOIN _dp_ov_pairs k ON k.r1 = x.repo_id AND k.r2 = y.repo_id),
        u AS (
            SELECT actor_id, a_repo AS repo_id, shared FROM j
            UNION ALL
            SELECT actor_id, b_repo AS repo_id, shared FROM j)
        SELECT actor_id, repo_id, 'overlap', {num(P.w_overlap)},
               'stargazers shared with ' || CAST(COUNT(*) AS VARCHAR) || ' other repo'
               || CASE WHEN COUNT(*) > 1 THEN 's' ELSE '' END || ' (up to '
               || CAST(MAX(shared) AS VARCHAR) || ' accounts, starred in separate orders)', 9
        FROM u GROUP BY actor_id, repo_id""")


def _engaged(con: Any, P: DefaultParams) -> None:
    # Accounts that did anything but star on a repo (owner included), for the repos either
    # hollow signal can look at: one pass over the events for both.
    create(con, "_dp_engaged", f"""
        SELECT ev.repo_id, COUNT(DISTINCT ev.actor_id) AS n_eng
        FROM events ev JOIN _dp_nstars n ON n.repo_id = ev.repo_id
        WHERE n.n_stars >= {min(int(P.hollow_min_stars), int(P.hollow_burst_min_stars),
                                int(P.drip_min_stars), int(P.paired_min_stars))}
          AND ev.type <> {WATCH} AND ev.actor_id IS NOT NULL
        GROUP BY ev.repo_id""")


def _hollow(con: Any, P: DefaultParams) -> None:
    # Hollow popularity, seen from the repo and the accounts, not from whom else they serve:
    # a repo whose stars come with (almost) nobody else forking, opening issues or pull
    # requests, commenting or pushing there (its owner, one person, not counted), starred by
    # accounts outside a sitting (not a list read in one go: no other star of theirs within
    # reuse_sitting_minutes), where such stars dominate the repo and its stargazers include
    # lightly used accounts (a community of active developers starring at its own pace has
    # none). Genuine popularity brings forks and issues with it; a bought order does not.
    sit = int(P.reuse_sitting_minutes) * 60
    win = int(P.hollow_window_hours) * 3600
    create(con, "_dp_hollow", f"""
        WITH c AS (
            SELECT n.repo_id, n.n_stars FROM _dp_nstars n
            WHERE n.n_stars >= {int(P.hollow_min_stars)}),
        e AS (SELECT repo_id, n_eng FROM _dp_engaged),
        h AS (
            -- the owner (one engaged account) is not counted: GREATEST(n - 1, 0)
            SELECT c.repo_id, c.n_stars, GREATEST(COALESCE(e.n_eng, 0) - 1, 0) AS n_eng
            FROM c LEFT JOIN e ON e.repo_id = c.repo_id
            WHERE GREATEST(COALESCE(e.n_eng, 0) - 1, 0) <= {num(P.hollow_max_engaged_share)} * c.n_stars),
        t AS (
            -- only the stars of accounts that starred a hollow repo (a small share: the
            -- per-account window below then stays small)
            SELECT s.actor_id, s.repo_id, CAST(epoch(s.starred_at) AS BIGINT) AS e
            FROM _det_stars s
            WHERE s.actor_id IN (SELECT x.actor_id FROM _det_stars x JOIN h ON h.repo_id = x.repo_id)),
        nb AS (
            SELECT actor_id, repo_id, e,
                   e - LAG(e) OVER (PARTITION BY actor_id ORDER BY e, repo_id) AS d_prev,
                   LEAD(e) OVER (PARTITION BY actor_id ORDER BY e, repo_id) - e AS d_next
            FROM t),
        k0 AS (
            SELECT nb.actor_id, nb.repo_id, nb.e, h.n_stars, h.n_eng,
                   CASE WHEN th.actor_id IS NULL THEN 0 ELSE 1 END AS thin
            FROM nb JOIN h ON h.repo_id = nb.repo_id
            LEFT JOIN _dp_thin th ON th.actor_id = nb.actor_id
            WHERE COALESCE(nb.d_prev, {10**12}) > {sit} AND COALESCE(nb.d_next, {10**12}) > {sit}),
        k AS (
            -- an order, however slow, is dense next to a stray organic star on the same repo:
            -- keep stars with >= hollow_min_neighbours such stars within hollow_window_hours
            SELECT * FROM (
                SELECT k0.*, COUNT(*) OVER (
                    PARTITION BY repo_id ORDER BY e
                    RANGE BETWEEN {win} PRECEDING AND {win} FOLLOWING) - 1 AS nbrs
                FROM k0) x
            WHERE nbrs >= {int(P.hollow_min_neighbours)}),
        kf AS (
            -- an order: its stars come within days (a span of hollow_window_hours holds
            -- >= hollow_min_order_share of them); a small repo nobody forks gathers its
            -- stars at random over weeks
            SELECT k.*, COUNT(*) OVER (
                PARTITION BY repo_id ORDER BY e
                RANGE BETWEEN CURRENT ROW AND {win} FOLLOWING) AS fwd
            FROM k),
        r AS (
            SELECT repo_id, COUNT(*) AS n_h, MAX(fwd) AS peak FROM kf GROUP BY repo_id, n_stars
            HAVING COUNT(*) >= {int(P.hollow_min_accounts)}
               AND COUNT(*) >= {num(P.hollow_min_repo_share)} * n_stars
               AND SUM(thin) >= {num(P.hollow_min_thin_share)} * COUNT(*)
               AND MAX(fwd) >= {num(P.hollow_min_order_share)} * COUNT(*))
        SELECT k.actor_id, k.repo_id, k.n_stars, k.n_eng, r.n_h, r.peak
        FROM k JOIN r ON r.repo_id = k.repo_id""")
    _sql.insert(con, "_dp_sig", f"""
        SELECT actor_id, repo_id, 'hollow', {num(P.w_hollow)},
               'hollow popularity (' || CAST(n_h AS VARCHAR) || ' of the repo''s '
               || CAST(n_stars AS VARCHAR) || ' stars, none in a sitting with other stars, '
               || CAST(peak AS VARCHAR) || ' within {int(P.hollow_window_hours)} h; '
               || CAST(n_eng AS VARCHAR) || ' other people forked, pushed or opened issues there)',
               11
        FROM _dp_hollow""")


def _module_params(P: DefaultParams, prefix: str, cls: type, **fixed: Any) -> Any:
    """A signal module's parameters from the profile's fields named ``prefix + field``; the
    module's other fields are ``fixed`` (values the profile shares between signals)."""
    return cls(**{f.name: getattr(P, prefix + f.name) for f in fields(cls)
                  if f.name not in fixed}, **fixed)


def _hollow_burst(con: Any, P: DefaultParams) -> None:
    # hollow's view without its thin-account gate, paid for with a burst: most of the repo's
    # stars within hollow_burst_span_hours (docs/adversary.md: one_shot and seasoned farms)
    hollow_burst.run(con, _module_params(P, "hollow_burst_", hollow_burst.HollowBurstParams),
                     engaged="_dp_engaged")
    _sql.insert(con, "_dp_sig", f"""
        SELECT actor_id, repo_id, 'hollow-burst', {num(P.w_hollow_burst)}, reason, 12
        FROM _det_hollow_burst""")


def _slow_drip(con: Any, P: DefaultParams) -> None:
    # drips from a pool that serves several repos nobody works on, at any pace
    # (detect/slow_drip.py); sitting and thin as the profile's other signals read them
    slow_drip.run(con, _module_params(
        P, "drip_", slow_drip.SlowDripParams,
        sitting_minutes=P.reuse_sitting_minutes, thin_max_other_events=P.thin_max_other_events),
        engaged="_dp_engaged")
    _sql.insert(con, "_dp_sig", f"""
        SELECT actor_id, repo_id, CASE WHEN pooled THEN 'drip' ELSE 'drip-rest' END,
               CASE WHEN pooled THEN {num(P.w_drip)} ELSE {num(P.w_drip_rest)} END, reason, 13
        FROM _det_slow_drip""")


def _paired(con: Any, P: DefaultParams) -> None:
    # orders delivered in pairs in one sitting (docs/adversary.md: the sitting kind)
    paired_orders.run(con, _module_params(P, "paired_", paired_orders.PairedOrderParams),
                      engaged="_dp_engaged")
    _sql.insert(con, "_dp_sig", f"""
        SELECT actor_id, repo_id, 'paired', {num(P.w_paired)}, reason, 14
        FROM _det_paired""")


def _latest() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + LATE_MARGIN


def _fresh(con: Any, P: DefaultParams) -> None:
    # Account age from ids alone (archive-only data has no creation dates): the store's own
    # sign-up clock is the highest id seen by each day; an account above the clock of the day
    # before its star signed up since. Days are numbered from the epoch (integers, portable).
    # Only first events GH Archive can hold count (a store written before ingest checked dates
    # may hold one from year 1 or 9999: it must not move the clock).
    # The clock is kept for the days sign-ups were seen and the days stars look back to (no
    # range() grid: a table function Spark's SQL has no equivalent of). A day with no sign-up
    # takes the running maximum; a day before any sign-up has none (NULL: nothing is fresh).
    create(con, "_dp_clock", f"""
        WITH d AS (
            SELECT CAST(FLOOR(epoch(first_at) / 86400) AS BIGINT) AS day, MAX(actor_id) AS m
            FROM account_activity
            WHERE first_at >= {_sql.ts(EARLIEST_EVENT)} AND first_at <= {_sql.ts(_latest())}
            GROUP BY 1),
        g AS (
            SELECT day, MAX(m) AS m FROM (
                SELECT day, m FROM d
                UNION ALL
                SELECT DISTINCT CAST(FLOOR(epoch(starred_at) / 86400) AS BIGINT)
                                - {int(P.fresh_lag_days)} AS day, CAST(NULL AS BIGINT) AS m
                FROM _det_stars) x
            GROUP BY day)
        SELECT day, MAX(m) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                   AS clock
        FROM g""")
    # Where the store has the account's real creation time (GitHub profiles), it decides:
    # created within fresh_lag_days before the star's day (or after). Ids only otherwise.
    lag = int(P.fresh_lag_days)
    day = "CAST(FLOOR(epoch(s.starred_at) / 86400) AS BIGINT)"
    prof, is_fresh = "", "s.actor_id > c.clock"
    if created_together.has_profiles(con):
        prof = """LEFT JOIN (SELECT actor_id, MIN(created_at) AS created_at FROM account_profiles
                             WHERE created_at IS NOT NULL GROUP BY actor_id) p
                    ON p.actor_id = s.actor_id"""
        is_fresh = f"""CASE WHEN p.created_at IS NOT NULL
                           THEN CAST(FLOOR(epoch(p.created_at) / 86400) AS BIGINT) >= {day} - {lag}
                           ELSE s.actor_id > c.clock END"""
    _sql.insert(con, "_dp_sig", f"""
        WITH f AS (
            SELECT s.actor_id, s.repo_id
            FROM _det_stars s
            JOIN _dp_thin t ON t.actor_id = s.actor_id
            JOIN _dp_clock c ON c.day = {day} - {lag}
            {prof}
            WHERE {is_fresh}),
        r AS (
            {_dominated("f", "n_f", P.fresh_min_accounts, P.fresh_min_repo_share)})
        SELECT f.actor_id, f.repo_id, 'fresh', {num(P.w_fresh)},
               'fresh account (signed up at most {lag} day{'s' if lag != 1 else ''} before its '
               || 'star; ' || CAST(r.n_f AS VARCHAR)
               || ' of the repo''s ' || CAST(r.n_stars AS VARCHAR) || ' stars)', 10
        FROM f JOIN r ON r.repo_id = f.repo_id""")


# ---------------------------------------------------------------------------- combine

# Signals that are one fact seen several ways count once in the score: `reuse`, `burst` and
# `overlap` all say "this farm's accounts serve several clients" (per account with burst
# timing, the rest of such a burst, per pair of repos), so a star they all see is not three
# times as suspect. Reasons still list each.
# `hollow` and `hollow-burst` both say "nobody works on this repo": one family.
FAMILIES = {"reuse": "serves-clients", "burst": "serves-clients", "overlap": "serves-clients",
            "hollow": "hollow", "hollow-burst": "hollow",
            "drip": "serves-clients", "drip-rest": "hollow"}
# A drip's pool accounts (`drip`) serve several clients: that fact's family, and evidence about
# the star. The rest of a pooled repo's stars (`drip-rest`) only say the repo is hollow and
# pooled: hollow's family, and like hollow they only confirm where others see the order.
HOLLOW = ("hollow", "hollow-burst", "drip-rest")


def _keep(con: Any, P: DefaultParams) -> None:
    # _dp_kept: the signal rows that count. Hollow tells that a repo's popularity is bought, not
    # which of its stars are the order: where other signals already see >= hollow_confirm_share
    # of a repo's hollow stars (the order), hollow's other stars there are mostly organic stars
    # that came during the promotion, so they are not suspected on hollow's word alone.
    # `hollow-burst` is the same fact (one family): its stars count as hollow stars here.
    fam = ", ".join(f"'{s}'" for s in HOLLOW)
    create(con, "_dp_kept", f"""
        WITH o AS (SELECT DISTINCT actor_id, repo_id FROM _dp_sig WHERE signal NOT IN ({fam})),
        h AS (
            SELECT s.actor_id, s.repo_id, CASE WHEN o.actor_id IS NULL THEN 0 ELSE 1 END AS seen
            FROM (SELECT DISTINCT actor_id, repo_id FROM _dp_sig WHERE signal IN ({fam})) s
            LEFT JOIN o ON o.actor_id = s.actor_id AND o.repo_id = s.repo_id),
        conf AS (
            SELECT repo_id FROM h GROUP BY repo_id
            HAVING SUM(seen) >= {num(P.hollow_confirm_share)} * COUNT(*)),
        drop_ AS (
            SELECT h.actor_id, h.repo_id FROM h JOIN conf ON conf.repo_id = h.repo_id
            WHERE h.seen = 0)
        SELECT s.* FROM _dp_sig s
        LEFT JOIN drop_ d ON d.actor_id = s.actor_id AND d.repo_id = s.repo_id
        WHERE d.actor_id IS NULL""")


def _combine(con: Any, P: DefaultParams) -> None:
    # Score: 1 - prod(1 - w) over families of signals (the largest weight in each family).
    _keep(con, P)
    family = "CASE signal " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in FAMILIES.items()) \
        + " ELSE signal END"
    create(con, "_det_default_susp", f"""
        WITH s AS (
            SELECT actor_id, repo_id, signal, MAX(weight) AS weight,
                   MIN(reason) AS reason, MIN(ord) AS ord
            FROM _dp_kept GROUP BY actor_id, repo_id, signal),
        f AS (
            SELECT actor_id, repo_id, {family} AS family, MAX(weight) AS weight
            FROM s GROUP BY actor_id, repo_id, {family}),
        sc AS (
            SELECT actor_id, repo_id, ROUND(1 - EXP(SUM(LN(1 - weight))), 6) AS score
            FROM f GROUP BY actor_id, repo_id),
        rs AS (
            SELECT actor_id, repo_id, STRING_AGG(reason, '; ' ORDER BY ord) AS reasons
            FROM s GROUP BY actor_id, repo_id)
        SELECT CAST(rs.actor_id AS BIGINT) AS actor_id, CAST(rs.repo_id AS BIGINT) AS repo_id,
               CAST(sc.score AS DOUBLE) AS score, CAST(rs.reasons AS VARCHAR) AS reasons
        FROM rs JOIN sc ON sc.actor_id = rs.actor_id AND sc.repo_id = rs.repo_id
        ORDER BY rs.repo_id, rs.actor_id""")
