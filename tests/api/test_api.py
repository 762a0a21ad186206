"""The Python API (`from starscope import Store`) does what the demo and the CLI do."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from starscope import Store
from starscope.errors import UsageError


@pytest.fixture(scope="module")
def api_world(tmp_path_factory):
    from starscope.simulate import simulate_world

    base = tmp_path_factory.mktemp("api")
    simulate_world(base / "world", days=1, seed=3, scale=0.5)
    store = Store(base / "store")
    report = store.ingest(base / "world" / "archive", workers=1)
    meta = store.detect(profile="starscout")
    return base, store, report, meta


def test_ingest_detect_and_answers(api_world):
    base, store, report, meta = api_world
    assert report.clean and report.events_new > 0
    status = store.status()
    assert status["events"] == report.events_new
    assert status["detection"]["profile"] == "starscout"
    assert meta["stars_considered"] == status["stars"]
    top = store.overview()
    assert top["suspected_stars"] == meta["rows"]["suspected_stars"]


def test_answers_match_the_cli(api_world, tmp_path):
    base, store, _, meta = api_world
    from click.testing import CliRunner

    from starscope.cli import main

    con = store._store.connect()
    repo, login = con.execute("SELECT repo_name, actor_login FROM results.suspected_stars "
                              "ORDER BY repo_id, actor_id LIMIT 1").fetchone()
    con.close()
    res = CliRunner().invoke(main, ["check", repo, "--store", str(store.path), "--format", "json"])
    assert json.loads(res.output) == json.loads(json.dumps(store.repo(repo), default=str))
    assert store.account(login)["suspected"]
    n = store.export("suspected_stars", tmp_path / "s.csv")
    assert n == meta["rows"]["suspected_stars"]
    assert len((tmp_path / "s.csv").read_text().splitlines()) == n + 1


def test_detect_settings_and_usage_errors(api_world, tmp_path):
    _, store, _, _ = api_world
    with pytest.raises(UsageError, match="unknown detection parameter"):
        store.detect(profile="starscout", settings={"no_such_threshold": 1})
    with pytest.raises(UsageError, match="engine"):
        store.detect(engine="oracle")
    with pytest.raises(UsageError, match="--master"):
        store.ingest([], master="local[2]")
    with pytest.raises(UsageError, match="no store"):
        Store(tmp_path / "nothing").status()


def test_import_without_fcntl(tmp_path):
    """starscope imports and runs its store lock where fcntl does not exist (Windows)."""
    code = textwrap.dedent(f"""
        import sys
        class NoFcntl:
            def find_spec(self, name, path=None, target=None):
                if name == "fcntl":
                    raise ImportError("no fcntl here")
        sys.meta_path.insert(0, NoFcntl())
        sys.modules.pop("fcntl", None)
        import starscope
        from starscope.store import lock, Store
        assert lock.fcntl is None
        assert starscope.Store is not None
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_what_the_demo_shows(api_world, tmp_path):
    """The facade's other answers: coverage, the most suspicious repos, HTML reports."""
    _, store, _, meta = api_world
    assert store.status()["coverage"]["star_capture"] == store.coverage()["star_capture"]
    top = store.most_suspicious(3)
    con = store._store.connect()
    want = con.execute("SELECT repo_name, count(*) FROM results.suspected_stars "
                       "GROUP BY repo_id, repo_name ORDER BY 2 DESC, 1 LIMIT 3").fetchall()
    con.close()
    assert [(r["repo"], r["suspected"]) for r in top] == [tuple(w) for w in want]
    assert store.most_suspicious_repo_id() is not None
    page = store.report()
    assert page.startswith("<!") and "overview" in page
    assert str(top[0]["repo"]) in store.report(top[0]["repo"])


def test_settings_reach_the_default_profile(api_world, tmp_path):
    """Typed settings (the Python API) and text (as --set) reach either profile's class."""
    import shutil

    base, store, _, _ = api_world
    copy = Store(tmp_path / "s")
    shutil.copytree(store.path, copy.path)
    meta = copy.detect(profile="default", settings={"bulk_max_gap": 150, "lockstep_n": "9"})
    assert meta["default_params"]["bulk_max_gap"] == 150
    assert meta["params"]["lockstep_n"] == 9
