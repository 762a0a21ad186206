"""The CLI's commands through click's CliRunner, over one small world: each prints what the
facade (starscope.Store) returns, and usage errors are one line with exit code 2."""
from __future__ import annotations

import json

import pytest
from cli_runner import run

from starscope import Store


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from starscope.simulate import simulate_world

    base = tmp_path_factory.mktemp("cli")
    simulate_world(base / "world", days=2, seed=5, scale=0.2, preset="easy")
    store = str(base / "store")
    run("ingest", str(base / "world" / "archive"), "--store", store, "--workers", "1",
        "--quiet")
    meta = json.loads(run("detect", "--store", store, "--profile", "starscout", "--json").output)
    return base, store, meta


def test_status_and_coverage_match_the_facade(world):
    _, store, meta = world
    status = json.loads(run("status", "--store", store, "--json").output)
    api = Store(store).status()
    assert status == json.loads(json.dumps(api))
    assert status["detection"]["profile"] == "starscout"
    assert status["commits"] == meta["store_commit"] + 1
    cov = json.loads(run("coverage", "--store", store, "--json").output)
    assert cov == json.loads(json.dumps(Store(store).coverage()))


def test_answers_match_the_facade(world, tmp_path):
    _, store, meta = world
    api = Store(store)
    con = api._store.connect()
    repo, login = con.execute("SELECT repo_name, actor_login FROM stars "
                              "ORDER BY repo_id, actor_id LIMIT 1").fetchone()
    con.close()
    check = json.loads(run("check", repo, "--store", store, "--format", "json").output)
    assert check == json.loads(json.dumps(api.repo(repo), default=str))
    acc = json.loads(run("account", login, "--store", store, "--format", "json").output)
    assert acc == json.loads(json.dumps(api.account(login), default=str))
    over = json.loads(run("overview", "--store", store, "--json").output)
    assert over["suspected_stars"] == meta["rows"]["suspected_stars"]
    out = tmp_path / "s.csv"
    run("export", "--store", store, "--table", "suspected_stars", "-o", str(out))
    assert len(out.read_text().splitlines()) == meta["rows"]["suspected_stars"] + 1
    page = tmp_path / "o.html"
    run("report", "--overview", "--store", store, "-o", str(page))
    assert page.read_text().startswith("<!") and "overview" in page.read_text()


def test_unknown_names_exit_3(world):
    _, store, _ = world
    res = run("check", "nobody/nothing-here", "--store", store, code=3)
    assert "nobody/nothing-here" in res.output


def test_detect_settings_reach_both_profiles(world, tmp_path):
    base, store, _ = world
    # A copy: detection replaces the results, the other tests read the starscout run.
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    meta = json.loads(run("detect", "--store", str(copy), "--profile", "default", "--set",
                          "bulk_max_gap=200", "--set", "lockstep_n=7", "--json").output)
    assert meta["default_params"]["bulk_max_gap"] == 200
    assert meta["params"]["lockstep_n"] == 7
    assert Store(copy).status()["detection"]["profile"] == "default"


@pytest.mark.parametrize("args, message", [
    (["detect", "--set", "no_such=1"], "unknown detection parameter"),
    (["detect", "--set", "lockstep_n=many"], "expected an integer"),
    (["detect", "--profile", "nope"], "'nope' is not one of"),
    (["detect", "--engine", "oracle"], "'oracle' is not one of"),
    (["detect", "--master", "local[2]"], "--master needs --engine spark"),
])
def test_usage_errors(world, args, message):
    _, store, _ = world
    res = run(*args, "--store", store, code=2)
    assert message in res.output


def test_no_store_is_a_usage_error(tmp_path):
    for cmd in (["status"], ["overview"], ["coverage"], ["check", "a/b"], ["account", "x"]):
        res = run(*cmd, "--store", str(tmp_path / "none"), code=2)
        assert "no store at" in res.output
    assert not (tmp_path / "none").exists()
