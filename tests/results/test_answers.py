"""repo_answer / account_answer and the check / account commands."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from answers_world import build
from starscope.cli import main
from starscope.results.account import account_answer
from starscope.results.repo import NotFound, repo_answer
from starscope.store import Store


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build(tmp_path_factory.mktemp("answers"), seed=5)


def run(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    return res.exit_code, res.output


def test_repo_answer_keys_and_consistency(world):
    st = Store(world["store"])
    a = repo_answer(st, world["renamed_new"])
    for key in ("repo", "stars", "share_suspected", "campaigns", "farms", "by_month", "verdict"):
        assert key in a
    s = a["stars"]
    assert set(s) >= {"total", "suspected", "low_activity", "clustered", "real"}
    assert s["total"] == s["suspected"] + s["real"]
    assert s["total"] == sum(m["stars"] for m in a["by_month"])
    assert s["suspected"] == sum(m["suspected"] for m in a["by_month"])
    assert a["share_suspected"] == round(s["suspected"] / s["total"], 4)
    con = st.connect()
    n_sus = con.execute("SELECT count(*) FROM results.suspected_stars WHERE repo_id = ?",
                        [a["repo_id"]]).fetchone()[0]
    months = con.execute("SELECT anomalous_months FROM results.campaigns WHERE repo_id = ?",
                         [a["repo_id"]]).fetchone()[0]
    n_stargazers = con.execute("SELECT count(DISTINCT actor_id) FROM stars WHERE repo_id = ?",
                               [a["repo_id"]]).fetchone()[0]
    con.close()
    assert s["suspected"] == n_sus and s["total"] == n_stargazers
    assert [c["month"] for c in a["campaigns"]] == list(months)
    assert a["verdict"] == "campaign"
    assert f"anomalous month(s) {', '.join(months)}" in a["verdict_reason"]
    assert all(set(c) == {"month", "stars", "suspected"} for c in a["campaigns"])
    for f in a["farms"]:
        assert a["repo"] not in f["other_repos"]
    json.dumps(a)  # JSON-ready


def test_renamed_repo_found_under_every_name(world):
    st = Store(world["store"])
    ids = {repo_answer(st, n)["repo_id"] for n in (
        world["renamed_old"], world["renamed_new"], world["renamed_old"].upper(),
        world["renamed_new"].lower(), str(world["renamed_id"]), world["renamed_id"])}
    assert ids == {world["renamed_id"]}
    a = repo_answer(st, world["renamed_old"])
    assert a["repo"] == world["renamed_new"]
    assert {n["name"] for n in a["names"]} == {world["renamed_old"], world["renamed_new"]}


def test_clean_repo_and_unknown(world):
    st = Store(world["store"])
    a = repo_answer(st, world["clean_repo"])
    assert a["verdict"] == "clean" and a["stars"]["suspected"] == 0 and a["farms"] == []
    for bad in ("no/such-repo", "x' OR '1'='1", "999999999999999999999", "", "a/b/c"):
        with pytest.raises(NotFound):
            repo_answer(st, bad)


def test_account_answer(world):
    st = Store(world["store"])
    a = account_answer(st, world["farm_account"])
    assert a["suspected"] and a["signatures"]["clustered"]
    assert a["farms"] and all(f["repos_starred"] for f in a["farms"])
    assert a["activity"]["n_events"] >= 1
    b = account_answer(st, world["la_account"].upper())
    assert b["signatures"]["low_activity"] and "low-activity" in b["verdict_reason"]
    assert account_answer(st, str(a["account_id"]))["login"] == a["login"]
    with pytest.raises(NotFound):
        account_answer(st, "no-such-login-here")


def test_check_cli(world):
    store = world["store"]
    code, out = run("check", world["renamed_old"], "--store", store, "--format", "json")
    assert code == 0
    assert json.loads(out) == repo_answer(Store(store), world["renamed_old"])
    code, out = run("check", world["renamed_new"], "--store", store)
    assert code == 0 and "verdict: campaign" in out and "campaign months" in out
    assert run("check", world["renamed_new"], "--store", store, "--fail-on", "campaign")[0] == 4
    assert run("check", world["clean_repo"], "--store", store, "--fail-on", "campaign")[0] == 0
    code, out = run("check", "nobody/nothing", "--store", store)
    assert code == 3 and "not in the store" in out


def test_check_text_shows_markup_as_text(world):
    code, out = run("check", world["markup_id"], "--store", world["store"])
    assert code == 0 and world["markup_repo"] in out


def test_account_cli(world):
    store = world["store"]
    code, out = run("account", world["farm_account"], "--store", store, "--format", "json")
    assert code == 0 and json.loads(out)["suspected"] is True
    code, out = run("account", world["farm_account"], "--store", store)
    assert code == 0 and "farm F" in out
    assert run("account", "no-such-login-here", "--store", store)[0] == 3


def test_store_without_results(tmp_path, world):
    from starscope.ingest import ingest

    st = Store(tmp_path / "s")
    ingest(st, [str(world["world"] / "archive" / "2024-03-01-0.json.gz")], workers=1)
    con = st.connect()
    name = con.execute("SELECT repo_name FROM repos ORDER BY repo_id LIMIT 1").fetchone()[0]
    con.close()
    a = repo_answer(st, name)
    assert a["verdict"] == "not_analysed" and a["stars"]["suspected"] == 0
    assert run("check", name, "--store", st.root)[0] == 0
    assert run("check", "x/y", "--store", tmp_path / "nothing")[0] == 2


def test_one_account_activity_equals_the_view(world):
    """account_answer merges one account's months; the view merges everyone's."""
    from starscope.results.account import ACTIVITY_SQL
    from starscope.results.repo import _rows

    con = Store(world["store"]).connect()
    ids = [r[0] for r in con.execute(
        "SELECT actor_id FROM account_activity ORDER BY hash(actor_id) LIMIT 200").fetchall()]
    # the view's rows of all 200 in one query (each query of the view merges everyone)
    views = {r["actor_id"]: r for r in _rows(
        con, "SELECT * FROM account_activity WHERE actor_id IN (SELECT unnest(?))", [ids])}
    assert sorted(views) == sorted(ids)
    for aid in ids:
        view = views[aid]
        one = _rows(con, ACTIVITY_SQL, {"aid": aid})[0]
        assert {k: view[k] for k in one} == one
    con.close()


@pytest.mark.parametrize("total,suspected,campaign,want", [
    (39, 39, [], "mostly_suspected"),     # the newcomer's case: all stars suspected
    (20, 10, [], "mostly_suspected"),     # half, at least 10
    (21, 10, [], "some_suspected"),       # below half
    (9, 9, [], "some_suspected"),         # too few to call it most
    (1000, 60, ["2024-03"], "campaign"),  # the month rule wins
    (5, 0, [], "clean"),
])
def test_verdict_levels(total, suspected, campaign, want):
    from starscope.results.repo import _verdict

    assert _verdict(total, suspected, campaign, True, suspected / total)[0] == want


def test_fail_on_follows_the_verdict_levels(world, monkeypatch):
    import starscope.results.repo as repo

    store = world["store"]
    assert run("check", world["clean_repo"], "--store", store, "--fail-on", "suspected")[0] == 0
    assert run("check", world["renamed_new"], "--store", store, "--fail-on", "suspected")[0] == 4
    # each level's exit code, without building a world for each (the levels' rule is tested
    # above, and on every simulated world by tests/consistency.py)
    monkeypatch.setattr(repo, "_verdict", lambda *a: ("mostly_suspected", "test"))
    assert run("check", world["clean_repo"], "--store", store, "--fail-on", "campaign")[0] == 4
    monkeypatch.setattr(repo, "_verdict", lambda *a: ("some_suspected", "test"))
    assert run("check", world["clean_repo"], "--store", store, "--fail-on", "campaign")[0] == 0
    assert run("check", world["clean_repo"], "--store", store, "--fail-on", "suspected")[0] == 4
