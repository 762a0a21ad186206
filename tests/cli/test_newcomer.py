"""What a new user met trying the README's Use section (issue 14): the counts the commands
print agree with each other, a missing optional extra is one line, and the simulate table
names the days it simulated. One small realistic world, detected with the default profile
(which finds slow campaigns there)."""
from __future__ import annotations

import csv
import json
import shutil
import sys

import pytest
from cli_runner import run
from click.testing import CliRunner

from starscope.cli import main


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from starscope.simulate import simulate_world

    base = tmp_path_factory.mktemp("newcomer")
    simulate_world(base / "world", days=2, seed=5, scale=0.2)
    store = str(base / "store")
    run("ingest", str(base / "world" / "archive"), "--store", store, "--workers", "1", "--quiet")
    detect = run("detect", "--store", store)
    run("export", "--store", store, "--table", "campaigns", "-o", str(base / "campaigns.csv"))
    with open(base / "campaigns.csv", newline="") as fh:
        kinds = [row["kind"] for row in csv.DictReader(fh)]
    return base, store, detect.output, kinds


def test_campaign_counts_agree_across_commands(world):
    base, store, detect_out, kinds = world
    campaigns, slow = kinds.count("campaign"), kinds.count("slow_campaign")
    assert slow, "the world should hold a slow campaign for this test to mean anything"
    # evaluate scores the monthly rule's campaigns and the slow ones apart
    ev = json.loads(run("evaluate", str(base / "world"), "--store", store, "--json").output)
    assert ev["campaigns"]["found"] == campaigns
    assert ev["slow_campaigns"]["found"] == slow
    # overview (text) shows both, as its JSON does; detect's line says its count holds both
    over = json.loads(run("overview", "--store", store, "--json").output)
    assert (over["campaign_repos"], over["slow_campaign_repos"]) == (campaigns, slow)
    text = run("overview", "--store", store).output
    assert "slow campaign repos" in text
    assert f"{len(kinds):,} campaign repos (slow campaigns included)" in detect_out


def _one_line_error(res) -> str:
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("starscope: error: "), res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    return lines[0]


def _forget_spark_modules(monkeypatch) -> None:
    for name in list(sys.modules):
        if name.startswith("starscope.engines.spark"):
            monkeypatch.delitem(sys.modules, name)


def test_spark_ingest_without_pyspark_is_one_line(world, monkeypatch):
    base, _, _, _ = world
    _forget_spark_modules(monkeypatch)
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark -> ImportError
    res = CliRunner().invoke(main, ["ingest", str(base / "world" / "archive"), "--engine",
                                    "spark", "--store", str(base / "spark-store")])
    assert res.exit_code == 2
    assert "pyspark" in _one_line_error(res)


def test_a_missing_module_of_the_spark_extra_is_one_line(world, monkeypatch):
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("needs java on PATH, so the engine's own check passes")
    base, _, _, _ = world
    _forget_spark_modules(monkeypatch)
    monkeypatch.setitem(sys.modules, "sqlglot", None)
    res = CliRunner().invoke(main, ["ingest", str(base / "world" / "archive"), "--engine",
                                    "spark", "--store", str(base / "spark-store")])
    assert res.exit_code == 2
    line = _one_line_error(res)
    assert "'sqlglot'" in line and ".[spark]" in line


def test_simulate_names_the_last_day_it_simulated(tmp_path):
    out = run("simulate", str(tmp_path / "w"), "--days", "1", "--scale", "0.01",
              "--start", "2024-03-01").output
    assert "2024-03-01 → 2024-03-01 (1 day," in out


@pytest.mark.parametrize("args, words", [
    (["export", "--table", "farms", "-o", "farms.txt"], "--format csv|parquet|json"),
    (["report", "-o", "r.html"], "--overview"),
    (["check", "a/b", "--format", "xml"], "'xml' is not one of"),
    (["no-such-command"], "No such command"),
])
def test_click_usage_errors_are_one_line(world, args, words):
    _, store, _, _ = world
    res = CliRunner().invoke(main, args + ["--store", store] if args[0] != "no-such-command"
                             else args)
    assert res.exit_code == 2
    line = _one_line_error(res)
    assert words in line
    if args[0] in ("check", "no-such-command"):  # click's parse errors point at the help
        assert f"(see `starscope {args[0]} --help`)".replace(" no-such-command", "") in line


def test_repo_chart_days_leave_no_gap(world, tmp_path):
    """The repo report's per-day chart has a bar (maybe empty) for every day of its span."""
    from starscope import Store
    from starscope.interfaces.report import fill_days

    days = [{"day": "2024-03-01", "stars": 3, "suspected": 1},
            {"day": "2024-03-04", "stars": 2, "suspected": 2}]
    filled = fill_days(days)
    assert [d["day"] for d in filled] == ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]
    assert filled[0] == days[0] and filled[3] == days[1]
    assert (filled[1]["stars"], filled[1]["suspected"]) == (0, 0)
    # and the report of a real repo charts one bar per day of its span
    _, store, _, _ = world
    con = Store(store)._store.connect()
    repo = con.execute("SELECT repo_name FROM stars GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                       ).fetchone()[0]
    con.close()
    answer = Store(store).repo(repo)
    span = fill_days(answer["by_day"])
    out = tmp_path / "r.html"
    run("report", repo, "--store", store, "-o", str(out))
    html = out.read_text()
    assert all(d["day"][5:] in html for d in span)


def test_status_and_coverage_show_star_capture_as_check_does(world):
    """0.997 reads 99.7% everywhere (check, pages), not "100%" in status and coverage."""
    _, store, _, _ = world
    cap = json.loads(run("status", "--store", store, "--json").output)["coverage"]["star_capture"]
    shown = f"{100 * cap:.1f}%"
    assert shown in run("status", "--store", store).output
    assert shown in run("coverage", "--store", store).output
    assert "degraded" in run("coverage", "--store", store).output.splitlines()[2]


def test_evaluate_headline_is_one_unwrapped_line(world):
    base, store, _, _ = world
    ev = json.loads(run("evaluate", str(base / "world"), "--store", store, "--json").output)
    s = ev["stars"]
    text = run("evaluate", str(base / "world"), "--store", store).output
    assert f"profile default: stars precision {s['precision']} recall {s['recall']}" in text


def test_check_names_a_slow_campaign(world):
    base, store, _, _ = world
    with open(base / "campaigns.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    slow = next(r for r in rows if r["kind"] == "slow_campaign")
    fast = next((r for r in rows if r["kind"] == "campaign"), None)
    ans = json.loads(run("check", slow["repo_name"], "--store", store, "--format", "json").output)
    assert ans["slow_campaign"] is True and ans["campaigns"] == []
    assert ans["verdict"] == "mostly_suspected"
    assert ans["verdict_reason"].startswith("slow campaign:")
    text = run("check", slow["repo_name"], "--store", store).output
    assert "slow campaign" in text
    # a drip fails CI like a campaign does
    run("check", slow["repo_name"], "--store", store, "--fail-on", "campaign", code=4)
    if fast:
        ans = json.loads(run("check", fast["repo_name"], "--store", store,
                             "--format", "json").output)
        assert ans["slow_campaign"] is False and ans["campaigns"]
        assert not ans["verdict_reason"].startswith("fake-star campaign")


def _top_repo_and_login(store: str) -> tuple[str, str]:
    from starscope import Store

    con = Store(store)._store.connect()
    repo, login = con.execute(
        "SELECT repo_name, actor_login FROM results.suspected_stars ORDER BY starred_at, "
        "repo_name LIMIT 1").fetchone()
    con.close()
    return repo, login


def test_web_search_reads_a_github_url_as_check_does(world):
    """The search box takes what `check` takes: a repo URL with /tree/..., .git or a query,
    an account URL with ?tab=stars (it answered 400 'malformed repository name')."""
    import asyncio

    import httpx

    from starscope.interfaces.web import app

    _, store, _, _ = world
    repo, login = _top_repo_and_login(store)
    run("check", f"https://github.com/{repo}/tree/main", "--store", store, "--format", "json")
    cases = [(f"https://github.com/{repo}/tree/main", f"/repos/{repo}"),
             (f"github.com/{repo}.git", f"/repos/{repo}"),
             (f"https://www.github.com/{repo}?tab=readme", f"/repos/{repo}"),
             (f"https://github.com/{login}?tab=stars", f"/accounts/{login}"),
             (f"https://github.com/{login}/", f"/accounts/{login}")]

    async def ask():
        transport = httpx.ASGITransport(app=app(store), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return [await c.get("/search", params={"q": q}) for q, _ in cases]

    for (q, where), res in zip(cases, asyncio.run(ask())):
        assert (res.status_code, res.headers.get("location")) == (303, where), q


@pytest.mark.parametrize("given", ["a-b/c.d", "https://github.com/a-b/c.d",
                                   "http://www.github.com/a-b/c.d/tree/main/src",
                                   "github.com/a-b/c.d.git", "https://github.com/a-b/c.d#readme"])
def test_github_takes_repo_urls(given):
    """`starscope github` / `audit` / `check --live` name repos as `check` does."""
    from starscope.ingest.github import check_repo_name

    assert check_repo_name(given) == "a-b/c.d"


def test_text_answers_fit_the_terminal_and_count_in_words(world):
    """A verdict's reason wraps at the terminal's width counting its label (it was printed
    after the label as if it started the line: 95 columns on an 80-column terminal), and
    counts read '1 day', not '1 day(s)'."""
    from starscope.interfaces.console import out

    _, store, _, _ = world
    repo, login = _top_repo_and_login(store)
    for args in (["check", repo], ["account", login]):
        text = run(*args, "--store", store).output
        assert max(len(line) for line in text.splitlines()) <= out.width, text
    acc = json.loads(run("account", login, "--store", store, "--format", "json").output)
    days = acc["activity"]["n_days"]
    text = run("account", login, "--store", store).output
    assert "(s)" not in text and f"on {days} day{'' if days == 1 else 's'}" in text


def test_evaluate_against_another_world_warns_and_says_na(world, tmp_path):
    from starscope.simulate import simulate_world

    _, store, _, _ = world
    simulate_world(tmp_path / "other", days=1, seed=11, scale=0.05)
    res = CliRunner().invoke(main, ["evaluate", str(tmp_path / "other"), "--store", store])
    assert res.exit_code == 0, res.output
    assert "warning: the store does not look like the world" in res.output
    assert "None" not in res.output and "recall n/a" in res.output
