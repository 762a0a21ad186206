"""detect / export / overview / evaluate as a user runs them, on small simulated worlds."""
import csv
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from starscope.cli import main
from starscope.ingest import ingest
from starscope.simulate import simulate_world
from starscope.store import Store

TABLES = ("suspected_stars", "campaigns", "repo_months", "farms", "accounts")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def world_store(tmp_path_factory):
    base = tmp_path_factory.mktemp("w")
    simulate_world(base / "world", days=3, seed=21)
    ingest(Store(base / "store"), [str(base / "world" / "archive")])
    return base / "world", base / "store"


@pytest.mark.parametrize("profile", ["starscout", "default"])
def test_detect_is_deterministic_and_exports_every_table(world_store, tmp_path, profile):
    world, store = world_store
    outs = []
    for attempt in range(2):
        r = run("detect", "--store", store, "--profile", profile, "--json")
        assert r.exit_code == 0, r.output
        files = {}
        for table in TABLES:
            for fmt in ("csv", "parquet", "json"):
                out = tmp_path / f"{attempt}-{table}.{fmt}"
                r = run("export", "--store", store, "--table", table, "--format", fmt, "-o", out)
                assert r.exit_code == 0, r.output
                files[(table, fmt)] = out.read_bytes()
        outs.append(files)
    assert outs[0] == outs[1]  # byte-identical exports from two runs
    # The three formats hold the same rows.
    for table in TABLES:
        n_parquet = pq.read_table(tmp_path / f"0-{table}.parquet").num_rows
        n_json = len(json.loads((tmp_path / f"0-{table}.json").read_text()))
        with open(tmp_path / f"0-{table}.csv") as fh:
            n_csv = sum(1 for _ in csv.DictReader(fh))
        assert n_parquet == n_json == n_csv
    stars = json.loads((tmp_path / "0-suspected_stars.json").read_text())
    assert stars, "a world with campaigns has suspected stars"
    for col in ("repo_name", "actor_login", "starred_at", "low_activity", "clustered", "score",
                "reasons"):
        assert col in stars[0]
    assert all(s["reasons"] for s in stars)
    from consistency import check_explanations

    assert check_explanations(Store(store))


@pytest.mark.parametrize("args,message", [
    (["--set", "lockstep_n=fifty"], "--set lockstep_n=fifty: expected an integer"),
    (["--set", "lockstep_rho=half"], "--set lockstep_rho=half: expected a number"),
    (["--set", "bulk_min_block=1.5"], "--set bulk_min_block=1.5: expected an integer"),
    (["--set", "no_such_thing=1"], "unknown detection parameter(s): no_such_thing"),
    (["--set", "lockstep_n"], "expected NAME=VALUE"),
])
def test_bad_set_values_are_one_line_errors(world_store, args, message):
    _, store = world_store
    r = CliRunner().invoke(main, ["detect", "--store", str(store), *args])
    assert r.exit_code == 2
    assert message in r.output and "Traceback" not in r.output
    assert len([ln for ln in r.output.splitlines() if ln.strip()]) <= 4


def test_default_profile_parameters_are_settable_and_recorded(world_store, tmp_path):
    _, store = world_store
    cfg = tmp_path / "p.toml"
    cfg.write_text("[detect]\nla_min_accounts = 12\nlockstep_n = 40\n")
    r = run("detect", "--store", store, "--profile", "default", "--config", cfg,
            "--set", "bulk_max_gap=200", "--set", "w_bulk=0.65", "--json")
    assert r.exit_code == 0, r.output
    meta = json.loads(r.output)
    assert meta["default_params"]["bulk_max_gap"] == 200
    assert meta["default_params"]["w_bulk"] == 0.65
    assert meta["default_params"]["la_min_accounts"] == 12
    assert meta["params"]["lockstep_n"] == 40
    assert Store(store).manifest()["results"]["meta"]["default_params"]["bulk_max_gap"] == 200
    r = run("status", "--store", store)
    assert "detection" in r.output and "profile default" in r.output
    bad = tmp_path / "bad.toml"
    bad.write_text("bulk_min_block = 'ten'\n")
    r = CliRunner().invoke(main, ["detect", "--store", str(store), "--config", str(bad)])
    assert r.exit_code == 2 and "bulk_min_block" in r.output and "Traceback" not in r.output


def test_overview_and_evaluate(world_store):
    world, store = world_store
    assert run("detect", "--store", store, "--profile", "starscout").exit_code == 0
    ov = json.loads(run("overview", "--store", store, "--json").output)
    assert ov["suspected_stars"] == ov["low_activity_stars"] + ov["clustered_stars"] \
        - ov["both_signatures_stars"]
    assert ov["by_month"] and ov["by_month"][0]["month"] == "2024-03"
    assert 0 < ov["by_month"][0]["share_active_accounts_suspected"] < 1
    ev = json.loads(run("evaluate", world, "--store", store, "--json").output)
    truth = json.loads((world / "truth" / "world.json").read_text())
    by_kind = ev["by_kind"]
    assert sum(k["fake_stars"] for k in by_kind.values()) == truth["fake_stars"]
    s = ev["stars"]
    assert s["true_positives"] + s["false_negatives"] == truth["fake_stars"]
    assert 0 < s["precision"] <= 1 and 0 < s["recall"] <= 1
    assert ev["warnings"] == []
    assert sum(ev["false_positives_by_source"].values()) == s["false_positives"]
    assert set(ev["campaigns"]["by_kind"]) <= set(truth["campaigns"])
    assert set(ev["campaigns"]["on_organic_repos"]) <= set(truth["negatives"])
    assert {"precision", "recall", "true", "found"} <= set(ev["slow_campaigns"])


def test_evaluate_warns_when_the_store_is_not_the_world(world_store, tmp_path):
    """Another world's truth against this store: one warning line on stderr, not a silent 0.0."""
    world, store = world_store
    other = tmp_path / "other"
    simulate_world(other, days=1, seed=4, scale=0.05)
    assert run("detect", "--store", store).exit_code == 0
    r = CliRunner().invoke(main, ["evaluate", str(other), "--store", str(store), "--json"])
    assert r.exit_code == 0
    warn = [line for line in r.stderr.splitlines() if line.startswith("warning:")]
    assert len(warn) == 1 and "does not look like the world" in warn[0]
    assert json.loads(r.stdout)["warnings"] == [warn[0].removeprefix("warning: ")]


def test_detect_on_empty_stores_finishes_cleanly(tmp_path):
    # No store at all: a usage error, one line.
    r = CliRunner().invoke(main, ["detect", "--store", str(tmp_path / "none")])
    assert r.exit_code == 2 and "no store" in r.output
    # A store with events but no stars.
    from events import event, line, write_hour

    write_hour(tmp_path / "a" / "2024-03-01-0.json.gz",
               [line(event(i, "PushEvent", actor_id=i)) for i in range(1, 20)])
    store = tmp_path / "s"
    ingest(Store(store), [str(tmp_path / "a")])
    r = run("detect", "--store", store)
    assert r.exit_code == 0 and "no stars" in r.output
    r = run("export", "--store", store, "--table", "suspected_stars", "-o", tmp_path / "x.json")
    assert r.exit_code == 0 and json.loads((tmp_path / "x.json").read_text()) == []
    assert json.loads(run("overview", "--store", store, "--json").output)["suspected_stars"] == 0


def test_export_usage_errors(world_store, tmp_path):
    _, store = world_store
    r = CliRunner().invoke(main, ["export", "--store", str(store), "--table", "nope",
                                  "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "unknown table" in r.output
    r = CliRunner().invoke(main, ["export", "--store", str(store), "--table", "campaigns",
                                  "-o", str(tmp_path / "x.txt")])
    assert r.exit_code == 2


def test_detect_on_one_day_of_data(tmp_path):
    simulate_world(tmp_path / "w", days=1, seed=4)
    store = tmp_path / "s"
    ingest(Store(store), [str(tmp_path / "w" / "archive")])
    for profile in ("starscout", "default"):
        r = run("detect", "--store", store, "--profile", profile, "--json")
        assert r.exit_code == 0, r.output
        meta = json.loads(r.output)
        assert meta["stars_considered"] > 0 and meta["profile"] == profile
