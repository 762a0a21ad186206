"""The `default` detection profile (detect/default_profile.py): one hand-made case per signal,
its false-positive twin, output shape, determinism, parameters, and simulated worlds scored
against their truth (precision >= 0.95, recall >= 0.85, better than starscout on both)."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from starscope.detect import default_profile, lockstep, low_activity
from starscope.detect import run as detect_run
from starscope.detect.default_profile import DefaultParams
from starscope.detect.params import Params
from starscope.errors import UsageError
from starscope.store.schema import FORK, TYPE_CODE, WATCH

from .fixtures import T0, make_con, table_names

PUSH = TYPE_CODE["PushEvent"]
BIG = 150_000_000  # account ids of the size GitHub's are now


class World:
    """Builds stars and other events for make_con; every account's events are explicit."""

    def __init__(self) -> None:
        self.stars: list[dict] = []
        self.events: list[dict] = []
        self._eid = 1

    def _next(self) -> int:
        self._eid += 1
        return self._eid

    def star(self, actor: int, repo: int, day: float) -> None:
        when = T0 + dt.timedelta(days=day)
        eid = self._next()
        self.stars.append({"event_id": eid, "starred_at": when, "repo_id": repo,
                           "repo_name": f"o/r{repo}", "actor_id": actor,
                           "actor_login": f"u{actor}", "org_id": None})
        self.events.append({"event_id": eid, "created_at": when, "type": WATCH,
                            "actor_id": actor, "repo_id": repo, "org_id": None})

    def event(self, actor: int, repo: int, day: float, type_: int) -> None:
        self.events.append({"event_id": self._next(), "created_at": T0 + dt.timedelta(days=day),
                            "type": type_, "actor_id": actor, "repo_id": repo, "org_id": None})

    def active(self, actor: int) -> None:
        """Genuine activity: pushes to its own repo on three days."""
        for d in (3.3, 11.6, 19.2):
            self.event(actor, 10_000_000_000 + actor, d, PUSH)


def spread(i: int, base: int = 0) -> int:
    """Account ids spread over the whole range (organic)."""
    return 1_000_003 + base + i * 7_000_001


def bulk(i: int, base: int = BIG) -> int:
    """Near-consecutive ids (registered together)."""
    return base + 3 * i + (i % 2)


COSTAR_REPOS = [600, 601, 602, 603, 604]  # the co-star group's repos
FARM = [spread(i, 1) for i in range(30)]  # aged accounts serving several clients
ORDERS = ((2000, 1), (2001, 5), (2002, 9))  # the farm's orders: (repo, day)


# The hand-made worlds below have no forks, issues or pushes on any repo, so every repo in them
# is hollow: the signals gated on hollow repos (hollow, hollow-burst, drip, paired) are off
# here unless a test turns them on (their own cases are in test_default_properties.py,
# test_hollow_burst.py, test_slow_drip.py, test_paired_orders.py) so that
# each case shows the signal it is about.
NO_HOLLOW = DefaultParams(hollow_min_stars=10**9, hollow_burst_min_stars=10**9,
                          drip_min_stars=10**9, paired_min_stars=10**9)


def detect(w: World, params: Params = Params(), dparams: DefaultParams | None = NO_HOLLOW,
           threads: int = 1, engine: str = "duckdb"):
    con = make_con(w.stars, events_rows=w.events, threads=threads, engine=engine)
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, params)
    lockstep.run(con, params, None)
    default_profile.run(con, dparams)
    rows = con.execute("SELECT actor_id, repo_id, score, reasons FROM _det_default_susp "
                       "ORDER BY repo_id, actor_id").fetchall()
    return con, rows


def on_repo(rows, repo: int) -> dict[int, tuple[float, str]]:
    return {a: (s, r) for a, rp, s, r in rows if rp == repo}


# ---------------------------------------------------------------- 1. bulk-created accounts

def _popular(w: World, repo: int = 999) -> None:
    """A popular repo with 100 active stargazers (keeps the accounts below out of low-activity)."""
    for i in range(100):
        w.active(spread(i, 3)); w.star(spread(i, 3), repo, i * 0.2)


def bulk_world() -> World:
    w = World()
    _popular(w)
    for i in range(12):  # bulk block of accounts that only star
        w.star(bulk(i), 100, 1 + i * 0.05); w.star(bulk(i), 999, 9 + i)
    for i in range(3):  # organic stargazers of the same repo
        w.active(spread(i)); w.star(spread(i), 100, 2 + i)
    for i in range(12):  # the same, but ids spread: nothing
        w.star(spread(i, 77), 200, 1 + i * 0.05); w.star(spread(i, 77), 999, 9 + i)
    for i in range(12):  # a class registered together that then works: nothing
        w.active(bulk(i, BIG + 1000)); w.star(bulk(i, BIG + 1000), 250, 1 + i * 0.05)
    return w


def test_bulk_ids_flagged_spread_ids_not():
    _, rows = detect(bulk_world())
    got = on_repo(rows, 100)
    assert set(got) == {bulk(i) for i in range(12)}
    score, reason = got[bulk(0)]
    assert 0.6 <= score <= 1
    assert reason.startswith(f"bulk-created accounts {bulk(0)}–{bulk(11)} (12 accounts;")
    assert on_repo(rows, 200) == {}
    assert on_repo(rows, 250) == {}


def small_share_world() -> World:
    # bulk accounts' camouflage stars on a popular repo: 12 of 112 stargazers
    w = World()
    for i in range(12):
        w.star(bulk(i), 300, 1 + i * 0.05)
    for i in range(100):
        w.active(spread(i, 5)); w.star(spread(i, 5), 300, 1 + i * 0.2)
    return w


def test_bulk_block_that_is_a_small_share_of_a_popular_repo_is_not_flagged():
    w = small_share_world()
    _, rows = detect(w)
    assert on_repo(rows, 300) == {}
    # ... unless the block is big on its own
    _, rows = detect(w, dparams=NO_HOLLOW.replace(bulk_big_block=12))
    assert set(on_repo(rows, 300)) == {bulk(i) for i in range(12)}


# ---------------------------------------------------------------- 2. star + fork

def star_fork_world() -> World:
    w = World()
    _popular(w)
    for i in range(12):
        a, b, c = spread(i), spread(i, 99), spread(i, 51)
        w.active(b); w.active(c)
        # a ghost: star + fork minutes apart and nothing else (a star elsewhere is no work)
        w.star(a, 400, 2 + i * 0.1); w.event(a, 400, 2 + i * 0.1 + 5 / 1440, FORK); w.star(a, 999, 9 + i)
        w.star(b, 500, 2 + i * 0.1); w.event(b, 500, 5 + i * 0.1, FORK)
        # a student: star + fork minutes apart, then pushes
        w.star(c, 450, 2 + i * 0.1); w.event(c, 450, 2 + i * 0.1 + 5 / 1440, FORK)
    return w


def test_star_and_fork_minutes_apart_flagged_days_apart_or_then_working_not():
    _, rows = detect(star_fork_world())
    got = on_repo(rows, 400)
    assert set(got) == {spread(i) for i in range(12)}
    assert got[spread(0)][1] == ("star+fork within 5 min, nothing else done "
                                 "(12 of the repo's 12 stargazers did so)")
    assert on_repo(rows, 500) == {}
    assert on_repo(rows, 450) == {}


# ---------------------------------------------------------------- 3. low-activity accounts

def low_activity_world() -> World:
    w = World()
    for i in range(15):  # one-shot accounts, spread ids: 15 of 18 stars (below StarScout's 50)
        w.star(spread(i), 900, 1 + i * 0.01)
    for i in range(3):
        w.active(spread(i, 11)); w.star(spread(i, 11), 900, 4)
    for i in range(60):  # 60 one-off stargazers of a popular repo with 200 active ones
        w.star(spread(i, 23), 901, i * 0.3)
    for i in range(200):
        w.active(spread(i, 37)); w.star(spread(i, 37), 901, i * 0.1)
    return w


def test_low_activity_majority_flagged_oneoffs_on_popular_repo_not():
    con, rows = detect(low_activity_world())
    got = on_repo(rows, 900)
    assert set(got) == {spread(i) for i in range(15)}
    assert got[spread(0)][1] == "low-activity account (15 of the repo's 18 stars)"
    assert on_repo(rows, 901) == {}
    # StarScout flags the popular repo's one-offs (>= 50 low-activity stargazers)
    assert con.execute("SELECT COUNT(*) FROM _det_la_stars WHERE repo_id = 901").fetchone()[0] == 60


# ---------------------------------------------------------------- 4. lockstep

P_SMALL = Params(lockstep_n=5, lockstep_m=3)


def lockstep_world() -> World:
    w = World()
    for i in range(12):
        a, c = spread(i), spread(i, 55)
        w.active(a); w.active(c)
        for j, r in enumerate((1000, 1001, 1002, 1003)):
            w.star(a, r, 10 + j * 0.5 + i * 0.02)        # within hours of each repo's center
            w.star(c, 1100 + j, (i * 7 + j * 11) % 29)   # over four weeks
    return w


def test_lockstep_tight_farm_kept_community_spread_over_weeks_dropped():
    con, rows = detect(lockstep_world(), params=P_SMALL)
    starscout = set(con.execute("SELECT actor_id, repo_id FROM _det_ls_edges").fetchall())
    assert {(spread(i, 55), 1100) for i in range(12)} <= starscout  # StarScout flags both
    # CopyCatch keeps m = 3 repos; the farm's 4th repo is found through its accounts
    assert not any(r == 1003 for _, r in starscout)
    kept = {(a, r) for a, r, _, _ in rows}
    assert kept == {(spread(i), 1000 + j) for i in range(12) for j in range(4)}
    reason = on_repo(rows, 1000)[spread(0)][1]
    assert reason.startswith("lockstep farm F") and "stars within ~1.5 days" in reason
    assert on_repo(rows, 1003)[spread(0)][1].startswith("accounts of lockstep farm F")


# ---------------------------------------------------------------- 5. co-star groups

def costar_world() -> World:
    w = World()
    repos = COSTAR_REPOS
    for i in range(20):  # thin accounts (only stars), spread ids, 3 of 5 repos over 4 weeks
        for k in range(3):
            w.star(spread(i), repos[(i + k) % 5], (i * 3 + k * 9) % 28 + 0.5)
    for i in range(20):  # the same pattern by genuinely active people
        w.active(spread(i, 44))
        for k in range(3):
            w.star(spread(i, 44), 700 + (i + k) % 5, (i * 3 + k * 9) % 28 + 0.5)
    for i in range(20):  # thin accounts, but a minority of popular repos' stargazers
        for k in range(3):
            w.star(spread(i, 66), 800 + (i + k) % 5, (i * 3 + k * 9) % 28 + 0.5)
    for i in range(100):
        w.active(spread(i, 88))
        for r in range(800, 805):
            w.star(spread(i, 88), r, i * 0.25)
    return w


def test_costar_group_flagged_organic_costarring_not():
    _, rows = detect(costar_world())
    repos = COSTAR_REPOS
    flagged = {(a, r) for a, r, _, _ in rows}
    assert flagged == {(spread(i), repos[(i + k) % 5]) for i in range(20) for k in range(3)}
    reason = on_repo(rows, 600)[spread(0)][1]
    assert reason.startswith("co-star group G1 (20 thin accounts on 5 repos over ")
    assert reason.endswith("15-day windows)")


# ---------------------------------------------------------------- 6-8. reuse, burst, shared audience

def reuse_world() -> World:
    w = World()
    farm = FARM
    for a in farm:  # aged accounts with real-looking activity
        w.active(a)
    for k, (repo, day) in enumerate(ORDERS):
        for j in range(20):  # each order: 20 of the 30, delivered within a day
            w.star(farm[(k * 10 + j) % 30], repo, day + j * 0.04)
        for j in range(4):  # a few genuine stars, later
            a = spread(j, 200 + k)
            w.active(a); w.star(a, repo, day + 6 + j)
    for j in range(8):  # a drip from the same accounts over three weeks
        w.star(farm[j], 2100, 2 + j * 2.5)
    for i in range(30):  # readers of a list: three repos in the same hour
        a = spread(i, 300); w.active(a)
        for r in (3000, 3001, 3002):
            w.star(a, r, 3 + i * 0.001 + (r - 3000) * 0.004)
    for i in range(30):  # a community: the same three repos, each at its own time
        a = spread(i, 400); w.active(a)
        for r in (4000, 4001, 4002):
            w.star(a, r, (i * 7 + (r - 4000) * 11) % 28)
    return w


def test_farm_reused_across_orders_flagged_list_and_community_not():
    w = reuse_world()
    farm = FARM
    _, rows = detect(w, dparams=NO_HOLLOW.replace(burst_min_stars=15))
    flagged = {(a, r) for a, r, _, _ in rows}
    farm_stars = {(s["actor_id"], s["repo_id"]) for s in w.stars
                  if s["actor_id"] in farm and s["repo_id"] in (2000, 2001, 2002, 2100)}
    assert farm_stars <= flagged
    assert not {(a, r) for a, r in flagged if r >= 3000}
    reason = on_repo(rows, 2001)[farm[10]][1]
    assert "account reused across bursts" in reason and "stargazers shared with" in reason
    # reuse and shared audience are one fact (the farm serves several clients): scored once
    assert on_repo(rows, 2001)[farm[10]][0] == pytest.approx(0.6)
    assert "account reused across bursts" in on_repo(rows, 2100)[farm[0]][1]
    # the genuine stars came days after the order: not in its burst
    assert not {(a, r) for a, r in flagged if a not in farm}


# ---------------------------------------------------------------- shape, determinism, params

def mixed_world() -> World:
    w = World()
    for i in range(12):  # bulk accounts that only star and fork
        w.star(bulk(i), 100, 1 + i * 0.05)
        w.star(bulk(i), 400, 2 + i * 0.1); w.event(bulk(i), 400, 2 + i * 0.1 + 3 / 1440, FORK)
    for i in range(15):
        w.star(spread(i), 900, 1 + i * 0.01)
    for i in range(20):
        for k in range(3):
            w.star(spread(i, 5), 600 + (i + k) % 5, (i * 3 + k * 9) % 28 + 0.5)
    for i in range(30):
        w.active(spread(i, 9)); w.star(spread(i, 9), 100 + i % 3, i)
    return w


def test_output_table_shape_scores_and_no_leftovers():
    con, rows = detect(mixed_world())
    cols = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE "
                       "table_name = '_det_default_susp' ORDER BY ordinal_position").fetchall()
    assert cols == [("actor_id", "BIGINT"), ("repo_id", "BIGINT"), ("score", "DOUBLE"),
                    ("reasons", "VARCHAR")]
    assert rows and all(0.6 <= s <= 1 and r for _, _, s, r in rows)
    both = on_repo(rows, 400)[bulk(0)]
    # bulk (0.7), star+fork (0.6), co-star (0.6: 12 thin accounts sharing repos 100 and 400)
    # shared audience (0.6: the same 12 on both repos, a day apart) and fresh (0.5: ids above
    # every account seen two days before)
    assert both[0] == pytest.approx(1 - 0.3 * 0.4 * 0.4 * 0.4 * 0.5)
    assert "bulk-created accounts" in both[1] and "; star+fork within 3 min" in both[1]
    assert "; co-star group G" in both[1] and "(12 thin accounts on 2 repos" in both[1]
    assert "; stargazers shared with 1 other repo (up to 12 accounts, starred in separate orders)" in both[1]
    assert both[1].endswith("stars)") and "; fresh account (signed up at most 2 days before its star;" in both[1]
    assert len({(a, r) for a, r, _, _ in rows}) == len(rows)
    tables = table_names(con)
    assert "_det_default_susp" in tables and not any(t.startswith("_dp_") for t in tables)


def test_deterministic_across_runs_and_threads():
    w = mixed_world()
    _, a = detect(w, threads=1)
    _, b = detect(w, threads=4)
    _, c = detect(w, threads=1)
    assert a == b == c


def test_empty_input_gives_empty_table(engine):
    con, rows = detect(World(), engine=engine)
    assert rows == []
    assert con.execute("SELECT COUNT(*) FROM _det_default_susp").fetchone() == (0,)


def test_parameters_are_checked():
    with pytest.raises(UsageError):
        DefaultParams(bulk_min_block=0)
    with pytest.raises(UsageError):
        DefaultParams(w_bulk=1.0)
    with pytest.raises(UsageError):
        DefaultParams(bulk_min_repo_share=1.5)
    with pytest.raises(UsageError):
        DefaultParams(costar_min_group=2.5)
    with pytest.raises(UsageError):
        DefaultParams().replace(nope=1)
    assert DefaultParams().replace(bulk_max_gap=7).bulk_max_gap == 7
    with pytest.raises(UsageError):
        default_profile.run(make_con([]), {"nope": 1})
    # a starscout Params (what run.py passes) means: the default thresholds
    w = mixed_world()
    _, a = detect(w, dparams=None)
    con = make_con(w.stars, events_rows=w.events)
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, Params()); lockstep.run(con, Params(), None)
    default_profile.run(con, Params())
    assert con.execute("SELECT actor_id, repo_id, score, reasons FROM _det_default_susp "
                       "ORDER BY repo_id, actor_id").fetchall() == a


# ---------------------------------------------------------------- simulated worlds

def _score(con, world: Path, table: str) -> tuple[float, float]:
    con.execute("CREATE OR REPLACE TEMP TABLE _t_truth AS SELECT DISTINCT actor_id, repo_id "
                "FROM read_csv(?, header = true)", [str(world / "truth" / "fake_stars.csv")])
    tp, n_found, n_true = con.execute(f"""
        WITH f AS (SELECT DISTINCT actor_id, repo_id FROM {table})
        SELECT (SELECT COUNT(*) FROM f JOIN _t_truth USING (actor_id, repo_id)),
               (SELECT COUNT(*) FROM f), (SELECT COUNT(*) FROM _t_truth)""").fetchone()
    return tp / max(1, n_found), tp / max(1, n_true)


@pytest.fixture(scope="module", params=[1, 2])
def sim_store(request, tmp_path_factory):
    from starscope.ingest import ingest
    from starscope.simulate import simulate_world
    from starscope.store import Store

    base = tmp_path_factory.mktemp(f"dp-world{request.param}")
    simulate_world(base / "world", days=7, seed=request.param)
    store = Store(base / "store")
    ingest(store, [str(base / "world" / "archive")])
    return base / "world", store


def test_simulated_world_precision_recall_beat_starscout(sim_store):
    world, store = sim_store
    con = store.connect()
    detect_run._prepare_stars(con, None, None)
    low_activity.run(con, Params())
    lockstep.run(con, Params(), None)
    con.execute("CREATE TEMP TABLE _t_starscout AS SELECT actor_id, repo_id FROM _det_la_stars "
                "UNION SELECT actor_id, repo_id FROM _det_ls_edges")
    default_profile.run(con, Params())
    first = con.execute("SELECT * FROM _det_default_susp ORDER BY repo_id, actor_id").fetchall()
    p, r = _score(con, world, "_det_default_susp")
    sp, sr = _score(con, world, "_t_starscout")
    assert p >= 0.95 and r >= 0.85, (p, r)
    assert p > sp and r > sr, ((p, r), (sp, sr))
    # every kind of campaign is found, none of the hard negatives' accounts is flagged
    with open(world / "truth" / "accounts.csv") as fh:
        negative = {int(row["actor_id"]) for row in csv.DictReader(fh)
                    if row["role"] in ("viral", "community", "oneoff")}
    flagged = {a for (a,) in con.execute("SELECT DISTINCT actor_id FROM _det_default_susp").fetchall()}
    assert not flagged & negative
    # deterministic on a real-sized input too (another thread count)
    con.execute("SET threads = 1")
    default_profile.run(con, Params())
    assert con.execute("SELECT * FROM _det_default_susp ORDER BY repo_id, actor_id").fetchall() == first


def test_explanations_agree_with_verdicts(sim_store):
    from consistency import check_explanations
    from starscope.results.detection import detect_store

    _, store = sim_store
    detect_store(store, profile="default")
    assert check_explanations(store) > 0


def campaigns_world() -> World:
    w = World()
    farm = FARM
    for a in farm:
        w.active(a)
    for k, (repo, day) in enumerate(ORDERS):
        for j in range(20):
            w.star(farm[(k * 10 + j) % 30], repo, day + j * 0.04)
    for j in range(8):  # the drip
        w.star(farm[j], 2100, 2 + j * 2.5)
    for i in range(60):  # a throwaway burst: 60 one-shot accounts
        w.star(spread(i, 500), 2200, 3 + i * 0.01)
    return w


def test_campaigns_table_kinds_campaign_and_slow_campaign():
    """A drip below the monthly rule is a `slow_campaign` row of `campaigns` under the default
    profile; a 60-star burst is a `campaign`; starscout has no slow campaigns."""
    w = campaigns_world()
    for profile, want in (("default", {(2200, "campaign"), (2100, "slow_campaign")}), ("starscout", {(2200, "campaign")})):
        con = make_con(w.stars, events_rows=w.events)
        t = detect_run.run_detection(con, profile=profile, default_params={"burst_min_stars": 15})
        rows = con.execute(f"SELECT repo_id, kind, n_anomalous_months FROM {t['campaigns']}").fetchall()
        got = {(r, k) for r, k, _ in rows if r in (2100, 2200)}
        assert got == want, profile
        assert all((k == "slow_campaign") == (n == 0) for _, k, n in rows)
