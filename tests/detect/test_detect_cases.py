"""Hand-made cases (n = m = 2), determinism, empty input, parameters.

Every detection case runs on DuckDB and on Spark (the ``engine`` fixture, tests/conftest.py).
The cases are declared up front (``CASES``, cases.py) so that Spark runs all cases with the same
parameters as one detection; DuckDB runs each alone, and ``test_batched_equals_alone`` shows
that batching changes nothing."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from starscope.detect import Params, run_detection
from starscope.detect.lockstep import windows_for_months, windows_for_span
from starscope.errors import UsageError
from starscope.store.schema import TYPE_CODE

from . import reference as ref
from .cases import Cases, canonical, result_rows
from .fixtures import T0, events_from_stars, make_con, star, table_names

P2 = Params(lockstep_n=2, lockstep_m=2, low_activity_min_stargazers=2,
            campaign_month_min_suspected=2)


CASES = Cases()


def case(name, rows, params=P2, **kw):
    return CASES.add(name, rows, params, **kw)


@pytest.fixture
def run(engine):
    """A declared case's (connection, result tables) on the test's engine."""
    return lambda name: CASES.run(name, engine)


def detect(rows, params=P2, engine="duckdb", **kw):
    con = make_con(rows, engine=engine,
                   **{k: kw.pop(k) for k in ("events_rows", "accounts_rows") if k in kw})
    tables = run_detection(con, params=params, **kw)
    return con, tables


def flagged(con, tables, col):
    return set(con.execute(
        f"SELECT actor_id, repo_id FROM {tables['suspected_stars']} WHERE {col}").fetchall())


CLUSTER = case("cluster", [star(1, 10, 0), star(2, 10, 0.2), star(1, 11, 0.1), star(2, 11, 0.3)])


def test_two_accounts_same_two_repos_same_day_form_a_cluster(run):
    con, t = run(CLUSTER)
    assert flagged(con, t, "clustered") == {(1, 10), (2, 10), (1, 11), (2, 11)}
    farms = con.execute(f'SELECT farm_id, window_label, n_accounts, n_repos, repo_ids, account_ids '
                        f"FROM {t['farms']}").fetchall()
    assert farms == [(1, "2024-01..2024-02", 2, 2, [10, 11], [1, 2])]
    reasons = con.execute(f"SELECT DISTINCT reasons FROM {t['suspected_stars']}").fetchall()
    assert reasons == [("lockstep farm F1 (window 2024-01..2024-02)",)]


# Each repo's two stars are a year apart: no repo has 2 stars in any half-year window.
YEAR_APART = case("year-apart", [star(1, 10, 0), star(2, 10, 366), star(1, 11, 0.1),
                                 star(2, 11, 366.1)])


def test_same_two_repos_a_year_apart_do_not_cluster(run):
    con, t = run(YEAR_APART)
    assert flagged(con, t, "clustered") == set()
    assert con.execute(f"SELECT COUNT(*) FROM {t['farms']}").fetchone() == (0,)


# Accounts 1,2 on both repos in January; 3,4 on both repos a year later: two farms.
PAIRS = case("pairs", [star(1, 10, 0), star(2, 10, 0), star(1, 11, 0), star(2, 11, 0),
                       star(3, 10, 366), star(4, 10, 366), star(3, 11, 366), star(4, 11, 366)])


def test_pairs_a_year_apart_cluster_only_within_their_window(run):
    con, t = run(PAIRS)
    assert flagged(con, t, "clustered") == {(a, r) for a in (1, 2, 3, 4) for r in (10, 11)}
    farms = con.execute(f'SELECT window_label, account_ids FROM {t["farms"]} ORDER BY farm_id').fetchall()
    assert [f[1] for f in farms] == [[1, 2], [3, 4]]


LONE = case("lone", [star(1, 10, 0)])


def test_lone_star_never_seeds_anything(run):
    # (with n = m = 1 a lone star would be a valid 1-user, 1-repo cluster by definition)
    con, t = run(LONE)
    assert flagged(con, t, "clustered") == set()
    assert con.execute(f"SELECT COUNT(*) FROM {t['suspected_stars']}").fetchone() == (0,)


ONE_ACCOUNT = case("one-account", [star(1, r, 0) for r in range(10, 15)])


def test_one_account_on_many_repos_is_not_a_cluster(run):
    con, t = run(ONE_ACCOUNT)
    assert flagged(con, t, "clustered") == set()


def _low_activity_world():
    # Accounts 1 and 2: one star each on repo 10, nothing else -> low-activity.
    return [star(1, 10, 0), star(2, 10, 0.5)]


#: P2 with 3 accounts per cluster and 3 low-activity stargazers per repo (the world case's)
P3 = P2.replace(lockstep_n=3, lockstep_m=3, low_activity_min_stargazers=3)

LOW = case("low-activity", _low_activity_world())
# (P3's lockstep settings do not touch low-activity; a batch of its own would cost a Spark run)
LOW3 = case("low-activity-3", _low_activity_world(), P3)


def test_low_activity_stars_need_enough_low_activity_stargazers(run):
    con, t = run(LOW)
    assert flagged(con, t, "low_activity") == {(1, 10), (2, 10)}
    con, t = run(LOW3)
    assert flagged(con, t, "low_activity") == set()


def _other_activity_events():
    rows = _low_activity_world()
    events = events_from_stars([dict(r, event_id=i) for i, r in enumerate(rows, 1)])
    events.append({"event_id": 99, "created_at": T0 + dt.timedelta(days=3), "type":
                   TYPE_CODE["PushEvent"], "actor_id": 2, "repo_id": 10, "org_id": None})
    return events


OTHER_ACTIVITY = case("other-activity", _low_activity_world(), events_rows=_other_activity_events())


def test_other_activity_makes_an_account_not_low_activity(run):
    con, t = run(OTHER_ACTIVITY)
    assert flagged(con, t, "low_activity") == set()  # only 1 low-activity stargazer left


# n = m = 1: every seed with one user is a valid cluster, so both accounts' stars are
# clustered AND low-activity.
BOTH = case("both", _low_activity_world(), P2.replace(lockstep_n=1, lockstep_m=1))


def test_star_flagged_by_both_signatures_counts_once(run):
    con, t = run(BOTH)
    assert flagged(con, t, "low_activity AND clustered") == {(1, 10), (2, 10)}
    assert con.execute(f"SELECT month, stars, suspected, low_activity, clustered, anomalous "
                       f"FROM {t['repo_months']}").fetchall() == [("2024-01", 2, 2, 2, 2, True)]
    assert con.execute(f"SELECT stars, suspected, share FROM {t['campaigns']}").fetchall() == [
        (2, 2, 1.0)]
    assert con.execute(f"SELECT COUNT(*), MIN(reasons) FROM {t['suspected_stars']}").fetchone() == (
        2, "low-activity account; lockstep farm F1 (window 2024-01..2024-02)")


REPEATED = case("repeated", [star(1, 10, 0, event_id=5), star(1, 10, 0.5, event_id=3),
                             star(1, 10, 40, event_id=9), star(2, 10, 0.1)],
                P2.replace(lockstep_n=1, lockstep_m=1))


def test_repeated_stars_by_one_account_count_once(run):
    con, t = run(REPEATED)
    got = con.execute(f"SELECT actor_id, event_id, starred_at FROM {t['suspected_stars']} "
                      f"ORDER BY actor_id").fetchall()
    assert got[0] == (1, 5, T0)  # the first time counts, once
    assert con.execute(f"SELECT month, stars FROM {t['repo_months']} ORDER BY month").fetchall() == [
        ("2024-01", 2)]


def _campaign_world(ordinary: int):
    # Repo 10: 2 low-activity stars in January (anomalous, share 1.0), then `ordinary` stars
    # by active accounts in March (lockstep off: n = 1000).
    rows = _low_activity_world()
    for a in range(100, 100 + ordinary):
        rows.append(star(a, 10, 60 + a % 7, org=None))
        rows.append(star(a, 20 + a, 90))  # a second repo: not low-activity
    return rows


# overall share 2/32 = 6% < campaign_repo_min_share (10%): no campaign; 2/12 = 17%: one.
# (One batch: not with P2's other cases, whose lockstep windows would then reach March.)
P_NO_LOCKSTEP = P2.replace(lockstep_n=1000)
CAMPAIGN = case("campaign", _campaign_world(30), P_NO_LOCKSTEP)
CAMPAIGN_17 = case("campaign-17%", _campaign_world(10), P_NO_LOCKSTEP)


def test_campaign_needs_anomalous_month_and_overall_share(run):
    assert P2.campaign_repo_min_share == 0.1
    con, t = run(CAMPAIGN)
    months = con.execute(f"SELECT month, stars, suspected, anomalous FROM {t['repo_months']} "
                         f"ORDER BY month").fetchall()
    assert months == [("2024-01", 2, 2, True), ("2024-03", 30, 0, False)]
    assert con.execute(f"SELECT COUNT(*) FROM {t['campaigns']}").fetchone() == (0,)
    con, t = run(CAMPAIGN_17)
    months = con.execute(f"SELECT month, stars, suspected, anomalous FROM {t['repo_months']} "
                         f"ORDER BY month").fetchall()
    assert months == [("2024-01", 2, 2, True), ("2024-03", 10, 0, False)]
    assert con.execute(f"SELECT repo_id, anomalous_months FROM {t['campaigns']}").fetchall() == [
        (10, ["2024-01"])]


# Seed 10 (two stars at day 0 and day 2: center day 1); user 1 on 10 at day 0 and on 11
# at day 0; with Δt = 1 day both stars of repo 10 are exactly Δt from its center.
BOUNDARY = case("boundary", [star(1, 10, 0), star(2, 10, 2), star(1, 11, 0), star(2, 11, 0)],
                P2.replace(lockstep_delta_t_days=1))
_PAST = [star(1, 10, 0), star(2, 10, dt.datetime(2024, 1, 3, 0, 0, 2)), star(1, 11, 0),
         star(2, 11, 0)]
PAST_BOUNDARY = case("past-boundary", _PAST, P2.replace(lockstep_delta_t_days=1))


def test_center_boundary_is_inclusive(run):
    con, t = run(BOUNDARY)
    assert flagged(con, t, "clustered") == {(1, 10), (2, 10), (1, 11), (2, 11)}
    assert con.execute(f"SELECT seed_repo_ids FROM {t['farms']}").fetchall() == [([10, 11],)]
    # one second more and repo 10's stars fall out of the window around its center: seed 10
    # maps no one (seed 11's cluster still holds repo 10, whose clustered stars are all of its
    # users' stars on it, as StarScout's summary counts them)
    rows = _PAST
    con, t = run(PAST_BOUNDARY)
    want = ref.detect(rows_with_ids(rows), events_from_stars(rows_with_ids(rows)),
                      P2.replace(lockstep_delta_t_days=1))
    assert flagged(con, t, "clustered") == want["clustered"]
    assert con.execute(f"SELECT seed_repo_ids FROM {t['farms']}").fetchall() == [([11],)]


def rows_with_ids(rows):
    return [dict(r, event_id=i) for i, r in enumerate(rows, 1)]


EMPTY = case("empty", [], alone=True)  # (Spark on empty input, not an empty share of a batch)


def test_empty_store_gives_empty_tables(run, engine):
    con, t = run(EMPTY)
    assert set(t) == {"suspected_stars", "campaigns", "repo_months", "farms", "accounts"}
    for name in t.values():
        assert con.execute(f"SELECT COUNT(*) FROM {name}").fetchone() == (0,)
    if engine == "spark":
        return  # (column types on Spark: test_engines.py compares the written result files)
    # columns exist with their types even when empty
    cols = {r[0]: r[1] for r in con.execute(f"DESCRIBE {t['suspected_stars']}").fetchall()}
    for c, ty in {"repo_id": "BIGINT", "repo_name": "VARCHAR", "actor_id": "BIGINT",
                  "actor_login": "VARCHAR", "event_id": "BIGINT", "starred_at": "TIMESTAMP",
                  "low_activity": "BOOLEAN", "clustered": "BOOLEAN", "score": "DOUBLE",
                  "reasons": "VARCHAR"}.items():
        assert cols[c] == ty, c


FOUR = [star(1, 10, 0), star(2, 10, 0.2), star(1, 11, 0.1), star(2, 11, 0.3)]
SINCE = case("since", FOUR, since="2030-01-01", alone=True)
UNTIL = case("until", FOUR, until=dt.date(2024, 1, 1), alone=True)


def test_since_until_outside_the_data_gives_empty_tables(run):
    rows = FOUR
    for name in (SINCE, UNTIL):
        con, t = run(name)
        assert con.execute(f"SELECT COUNT(*) FROM {t['suspected_stars']}").fetchone() == (0,)
    with pytest.raises(UsageError):
        detect(rows, since="2024-02-01", until="2024-01-01")


DEFAULT = case("default-profile", FOUR, profile="default", alone=True)


def test_profiles():
    # (on DuckDB: the default profile's Spark run of these stars is test_default_profile_spark's)
    rows = FOUR
    con, t = CASES.alone(DEFAULT, "duckdb")
    assert con.execute(f"SELECT COUNT(*) FROM {t['suspected_stars']}").fetchone() == (4,)
    with pytest.raises(UsageError):
        detect(rows, profile="nope")


def test_progress_reports_stages():
    seen = []
    detect([star(1, 10, 0), star(2, 10, 0)], progress=seen.append)
    assert seen[:3] == ["stars", "low-activity", "lockstep"]
    assert seen[-2:] == ["campaigns", "results"]


def _world():
    rows = []
    # a farm of 6 accounts on 4 repos in March, noise around it, repeated stars
    for a in range(1, 7):
        for r in range(10, 14):
            rows.append(star(a, r, 60 + (a + r) % 3))
    for a in range(20, 40):
        rows.append(star(a, 10 + a % 5, a * 7))
        rows.append(star(a, 50, a))
    rows.append(star(3, 10, 100))
    for a in range(60, 64):
        rows.append(star(a, 70, 200))  # low-activity accounts
    return rows


def test_deterministic():
    rows = _world()
    P = P3
    outs = []
    for threads in (1, 4):
        con = make_con(rows, threads=threads)
        tables = run_detection(con, params=P)
        outs.append({k: con.execute(f"SELECT * FROM {v}").fetchall() for k, v in tables.items()})
        # a second run on the same connection replaces the tables with the same rows
        tables = run_detection(con, params=P)
        assert outs[-1] == {k: con.execute(f"SELECT * FROM {v}").fetchall()
                            for k, v in tables.items()}
    assert outs[0] == outs[1]
    assert outs[0]["farms"] and outs[0]["suspected_stars"] and outs[0]["campaigns"]


WORLD = case("world", rows_with_ids(_world()), P3)


def test_world_matches_reference(run):
    rows = rows_with_ids(_world())
    P = P3
    con, t = run(WORLD)
    want = ref.detect(rows, events_from_stars(rows), P)
    assert flagged(con, t, "clustered") == want["clustered"] != set()
    assert flagged(con, t, "low_activity") == want["low_activity"] != set()


def test_no_intermediate_tables_left():
    """On a connection of its own (not a batch): only the inputs and the result tables remain.
    (On Spark: test_default_profile_spark, whose run has every stage of starscout's too.)"""
    con, t = detect(CASES.cases[CLUSTER].stars)
    assert table_names(con) == {"stars", "events", "account_activity"} | set(t.values())
    assert con.execute(f"SELECT count(*) FROM {t['farms']}").fetchone() == (1,)


# ---- windows ---------------------------------------------------------------------------------
def test_windows():
    P = Params()
    w = windows_for_span(dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 3), P)
    assert [(x.start, x.end, x.label) for x in w] == [
        (dt.datetime(2024, 1, 1), dt.datetime(2024, 3, 1), "2024-01..2024-03")]
    w = windows_for_span(dt.datetime(2019, 7, 1), dt.datetime(2020, 3, 31, 23), P)
    assert [x.label for x in w] == ["2019-07..2020-01", "2019-10..2020-04"]
    w = windows_for_span(dt.datetime(2019, 7, 1), dt.datetime(2020, 4, 1), P)
    assert [x.label for x in w] == ["2019-07..2020-01", "2019-10..2020-04", "2020-01..2020-05"]
    assert windows_for_span(None, None, P) == []


def test_windows_sit_on_a_fixed_calendar():
    # Quarter grid (Jan/Apr/Jul/Oct) whatever month the data starts in; each window clipped
    # to its data. Feb..Mar: the Oct and Jan windows hold the same months -> only Jan's.
    P = Params()
    m = [dt.datetime(2024, 2, 9), dt.datetime(2024, 3, 30)]
    assert [x.label for x in windows_for_months(m, P)] == ["2024-02..2024-04"]
    m = [dt.datetime(2024, k, 1) for k in range(2, 9)]
    # (the July window's Jul..Aug is a strict subset of April's Apr..Aug: not computed)
    assert [x.label for x in windows_for_months(m, P)] == ["2024-02..2024-07", "2024-04..2024-09"]
    # non-overlapping 3-month windows split Feb..Apr at the quarter boundary
    P3 = Params(lockstep_window_months=3, lockstep_window_step_months=3)
    m = [dt.datetime(2024, k, 1) for k in (2, 3, 4)]
    assert [x.label for x in windows_for_months(m, P3)] == ["2024-02..2024-04", "2024-04..2024-05"]
    # a gap: months with no data make no window
    m = [dt.datetime(2020, 1, 1), dt.datetime(2024, 3, 1)]
    assert [x.label for x in windows_for_months(m, P)] == ["2020-01..2020-02", "2024-03..2024-04"]


def test_outlier_dates_change_no_window_of_the_data():
    # Issue 16: one star dated 1970 used to move the anchor of every window (farms 3 -> 6),
    # 0001-01-01 made 8,092 windows, 9999-12-31 crashed. Now an outlier adds at most its own
    # window (1970) or is not lockstep input at all (outside [1970, 2100)).
    P = Params()
    data = [dt.datetime(2024, k, 1) for k in range(1, 13)]
    base = [(w.start, w.end) for w in windows_for_months(data, P)]
    for odd in (dt.datetime(1970, 1, 1), dt.datetime(2019, 8, 17)):
        got = [(w.start, w.end) for w in windows_for_months(data + [odd], P)]
        assert [w for w in got if w[0].year == 2024] == base and len(got) == len(base) + 1
    rows = rows_with_ids(_world())
    P3 = P2.replace(lockstep_n=3, lockstep_m=3, low_activity_min_stargazers=3)

    def result(extra):
        con, t = detect(rows + rows_with_ids(extra), params=P3)
        farms = con.execute(f"SELECT window_label, account_ids, repo_ids FROM {t['farms']} "
                            "ORDER BY farm_id").fetchall()
        return flagged(con, t, "clustered"), farms

    want = result([])
    assert want[0] and want[1]
    for when in (dt.datetime(1970, 1, 1), dt.datetime(2019, 8, 17), dt.datetime(1, 1, 1),
                 dt.datetime(9999, 12, 31, 23, 59),
                 dt.datetime(2150, 6, 1)):
        assert result([star(900, 901, when)]) == want, when
    con = make_con(rows + rows_with_ids([star(900, 901, dt.datetime(1, 1, 1)),
                                         star(901, 901, dt.datetime(9999, 12, 31))]))
    from starscope.detect import lockstep
    from starscope.detect import run as detect_run
    detect_run._prepare_stars(con, None, None)
    lockstep.run(con, P3)
    assert con.execute("SELECT COUNT(*) FROM _det_ls_windows").fetchone()[0] == len(
        windows_for_months([r["starred_at"] for r in rows], P3))


# ---- params ----------------------------------------------------------------------------------
def test_params_load_and_override(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text("[detect]\nlockstep_n = 2\nlockstep_m = 2\nlockstep_rho = 1\n")
    got = Params.load(p, lockstep_max_iter=3)
    assert (got.lockstep_n, got.lockstep_m, got.lockstep_rho, got.lockstep_max_iter) == (2, 2, 1.0, 3)
    j = tmp_path / "p.json"
    j.write_text(json.dumps({"low_activity_min_stargazers": 7}))
    assert Params.load(j).low_activity_min_stargazers == 7
    assert Params.load(None) == Params()
    assert Params().delta_t_seconds == 15 * 86400 and Params().top_keep == 200
    with pytest.raises(UsageError):
        Params.load(j, nope=1)
    with pytest.raises(UsageError):
        Params(lockstep_n=0)
    with pytest.raises(UsageError):
        Params(lockstep_n=2.5)
    with pytest.raises(UsageError):
        Params.load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("lockstep_n = ")
    with pytest.raises(UsageError):
        Params.load(bad)
    with pytest.raises(Exception):
        Params().lockstep_n = 3  # frozen


_CARRY = [star(1, 1, 20), star(2, 1, 40), star(1, 2, 30), star(2, 2, 30), star(3, 2, 40),
          star(1, 3, 44), star(2, 3, 46), star(3, 3, 48)]
P_CARRY = Params(lockstep_n=2, lockstep_m=1, low_activity_min_stargazers=99)
CARRY = case("carry", _CARRY, P_CARRY)
CARRY_1 = case("carry-keep-1", _CARRY, P_CARRY.replace(lockstep_top_keep_factor=1))


def test_top_keep_repos_carry_their_own_center(run):
    # m = 1, n = 2, Δt = 15 days (times in days). Seed A (repo 1): users 1, 2 at 20, 40 ->
    # c0 = 30, U1 = {1, 2}. Reduce 1 (every repo against c0): B (2) p=2 var 0, A p=2 var 100,
    # D (3) p=1 (user 1 at 44; user 2 at 46 is 16 days off) -> C2 = [B]; D, ranked 3rd <= 20·m,
    # keeps its own center 44. Iteration 2 maps users 1, 2, 3 (B at 30, 30, 40): U changed, so
    # reduce 2 runs and counts D at 44, 46, 48 against 44: p=3 with variance 2.7 beats B (p=3,
    # variance 22) -> C3 = [D]; iteration 3 maps the same users: converged, D's stars are
    # clustered. Had D fallen back to c0 (no carry), it would count only 44: C3 = [B], and B's
    # stars would be clustered too. (Seeds B and D find D's cluster either way.)
    rows = _CARRY
    P = P_CARRY
    con, t = run(CARRY)
    assert flagged(con, t, "clustered") == {(1, 3), (2, 3), (3, 3)}
    want = ref.detect(rows_with_ids(rows), events_from_stars(rows_with_ids(rows)), P)
    assert want["clustered"] == {(1, 3), (2, 3), (3, 3)}
    # with top_keep_factor = 1 only the cluster keeps a center: seed A ends on B
    con, t = run(CARRY_1)
    assert flagged(con, t, "clustered") == {(1, 2), (2, 2), (3, 2), (1, 3), (2, 3), (3, 3)}


# ---- batching (cases.py) ---------------------------------------------------------------------
def test_batched_equals_alone():
    """Each case's tables out of its batch (ids, times, farm numbers moved back) are exactly
    the tables it gets alone: what Spark checks on batches holds for each case alone."""
    batched = CASES.batch("duckdb")
    assert len(CASES.groups()) < len(batched)  # some batches hold several cases
    for name, (con, t) in batched.items():
        alone_con, alone_t = CASES.alone(name, "duckdb")
        assert canonical(result_rows(con, t)) == canonical(result_rows(alone_con, alone_t)), name


def test_spark_batches_equal_duckdb_batches(spark):
    """The same batches, as run (before splitting), on both engines: the same rows."""
    CASES.batch("duckdb")
    CASES.batch("spark")
    duck, sp = CASES.raw["duckdb"], CASES.raw["spark"]
    assert duck.keys() == sp.keys()
    for key in duck:
        assert canonical(sp[key]) == canonical(duck[key]), key
