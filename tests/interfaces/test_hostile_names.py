"""Names from the archive are hostile (issue 16): terminal escapes and rich markup in `check`
and `account`, formula cells in `export` CSV, NUL and bidi overrides in HTML are neutralised
where they are rendered; the stored data stays as it was."""
from __future__ import annotations

import csv
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from events import event, line, write_hour
from starscope.cli import main as cli
from starscope.ingest import ingest
from starscope.store import Store

ESC_REPO = "evil/\x1b]0;pwned\x07\x1b[2J\u202egnp.exe[bold red]x[/]"
ESC_LOGIN = "\x1b[31mroot\x1b[0m\u202e[link=http://x]y[/link]\x00"
FORMULAS = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    base = tmp_path_factory.mktemp("names")
    evs = [event(1, actor_id=11, login=ESC_LOGIN, repo_id=21, repo_name=ESC_REPO)]
    evs += [event(10 + i, actor_id=30 + i, login=f, repo_id=40 + i, repo_name=f"o/{f}")
            for i, f in enumerate(FORMULAS)]
    evs += [event(20 + i, actor_id=50 + i, login=f"ok{i}", repo_id=60, repo_name=f)
            for i, f in enumerate(FORMULAS[:1])]
    write_hour(base / "a" / "2024-03-01-5.json.gz", [line(e) for e in evs])
    s = Store(base / "store")
    ingest(s, [str(base / "a")], workers=1)
    return s


def run(*args):
    return subprocess.run([sys.executable, "-m", "starscope", *args], capture_output=True,
                          text=True, env={"COLUMNS": "400", "PATH": "/usr/bin:/bin",
                                          "FORCE_COLOR": "1"})


UNSAFE = ["\x1b", "\x07", "\x00", "\u202e", "\x9b"]


def test_check_and_account_print_no_escapes(store):
    r = run("check", "21", "--store", str(store.root))
    assert r.returncode == 0, r.stderr
    # Colours (ours) are fine; the name's own sequences must not be there.
    assert "pwned\x07" not in r.stdout and "\x1b]0;" not in r.stdout
    assert "\x1b[2J" not in r.stdout and "\u202e" not in r.stdout
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\u202egnp" in r.stdout
    assert ".exe[bold red]x[/]" in r.stdout  # markup shown, not applied
    r = run("account", "11", "--store", str(store.root))
    assert r.returncode == 0, r.stderr
    assert "\x1b[31mroot" not in r.stdout and "\u202e" not in r.stdout and "\x00" not in r.stdout
    assert "\\x1b[31mroot\\x1b[0m\\u202e[link=http://x]y[/link]\\x00" in \
        r.stdout.replace("\n", "")
    # A name not found is echoed safely too.
    r = run("check", "evil/\x1b[2Jgone", "--store", str(store.root))
    assert r.returncode == 3 and "\x1b[2J" not in r.stderr


def test_export_csv_quotes_formula_cells(store, tmp_path):
    out = tmp_path / "stars.csv"
    r = run("export", "--store", str(store.root), "-t", "stars", "-o", str(out))
    assert r.returncode == 0, r.stderr
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cells = [row[c] for row in rows for c in ("repo_name", "actor_login")]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    for f in FORMULAS:
        assert "'" + f in cells
    # The store keeps the names as they were.
    con = store.connect()
    logins = {r[0] for r in con.execute("SELECT actor_login FROM stars").fetchall()}
    assert set(FORMULAS) <= logins and ESC_LOGIN in logins
    # Parquet and JSON carry the data unchanged.
    pq_out = tmp_path / "stars.parquet"
    assert run("export", "--store", str(store.root), "-t", "stars", "-o", str(pq_out)).returncode == 0
    import pyarrow.parquet as pq
    assert set(FORMULAS) <= set(pq.read_table(pq_out)["actor_login"].to_pylist())


def test_html_has_no_nul_or_bidi_controls(store, tmp_path):
    out = tmp_path / "r.html"
    r = run("report", "21", "--store", str(store.root), "-o", str(out))
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    for ch in ("\x00", "\u202e", "\x1b", "\x07"):
        assert ch not in html
    assert "\\u202egnp.exe" in html


# ------------------------------------------------------------------ every renderer, detected
# The outputs added since the first tests (slow campaigns, farms, coverage, status, the web
# pages, ingest's odd-name warnings, `github`'s progress and errors), each fed a hostile name
# or message, in-process (CliRunner: no colours of ours, so any control character in the
# output came from a name).
UNSAFE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FORMULA_REPO = "=cmd|' /C calc'!A0"
ODD_FILE = "evil\x1b]0;title\x07\u202e.json.gz"


def unsafe(text: str) -> list[str]:
    return sorted(set(UNSAFE_RE.findall(text)))


@pytest.fixture(scope="module")
def detected(tmp_path_factory):
    """A small simulated world, detected with the default profile; then a campaign repo, a
    slow campaign repo and a farm account take hostile names (in an hour file whose own name is
    hostile) and detection runs again."""
    from starscope.detect.store_run import detect_store
    from starscope.simulate import simulate_world

    base = tmp_path_factory.mktemp("detected")
    simulate_world(base / "world", days=3, seed=0, scale=0.2, preset="easy")
    store = Store(base / "store")
    ingest(store, [str(base / "world" / "archive")], workers=1)
    detect_store(store, profile="default")
    con = store.connect()
    camp, slow = (con.execute(
        "SELECT repo_id, repo_name FROM results.campaigns WHERE kind = ? "
        "ORDER BY suspected DESC, repo_id LIMIT 1", [kind]).fetchone()
        for kind in ("campaign", "slow_campaign"))
    farm_acc = con.execute(
        "SELECT s.actor_id, s.actor_login FROM results.suspected_stars s "
        "JOIN results.accounts a USING (actor_id) WHERE a.clustered AND s.repo_id = ? "
        "ORDER BY s.actor_id LIMIT 1", [camp[0]]).fetchone()
    con.close()
    assert camp and slow and farm_acc, "the world needs a campaign, a slow campaign, a farm"
    at = "2024-03-04T00:1{}:00Z"
    evs = [event(9_000_000_001, "PushEvent", actor_id=farm_acc[0], login=ESC_LOGIN,
                 repo_id=camp[0], repo_name=ESC_REPO, created_at=at.format(1)),
           event(9_000_000_002, "PushEvent", actor_id=31, login=FORMULAS[0],
                 repo_id=slow[0], repo_name=FORMULA_REPO, created_at=at.format(2))]
    write_hour(base / "extra" / ODD_FILE, [line(e) for e in evs])
    res = CliRunner().invoke(
        cli, ["ingest", str(base / "extra"), "--store", str(store.root), "--quiet"])
    assert res.exit_code == 0, res.output
    detect_store(store, profile="default")
    return {"store": store, "camp": camp, "slow": slow, "farm": farm_acc, "ingest": res}


def cli_out(*args, code=0):
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == code, (args, res.output, res.stderr, res.exception)
    return res.stdout + res.stderr


def test_ingest_warns_of_an_odd_name_without_its_escapes(detected):
    res = detected["ingest"]
    assert unsafe(res.stdout + res.stderr) == []
    assert "/evil\\x1b]0;title\\x07\\u202e.json.gz: not named as" in res.stderr
    assert "2024-03-04T00:11:00Z" in res.stderr  # the hour its events claim


def test_every_terminal_renderer_with_hostile_names(detected):
    s = str(detected["store"].root)
    camp_id, slow_id, (farm_id, _) = detected["camp"][0], detected["slow"][0], detected["farm"]
    out = cli_out("check", str(camp_id), "--store", s)
    assert "campaign months" in out and "\\x1b]0;pwned\\x07" in out and unsafe(out) == []
    out = cli_out("check", str(slow_id), "--store", s)
    assert "slow campaign" in out and FORMULA_REPO in out and unsafe(out) == []
    out = cli_out("account", str(farm_id), "--store", s)
    assert "farm F" in out and "\\x1b[31mroot" in out and unsafe(out) == []
    for args in (["status"], ["coverage"], ["overview"], ["detect"], ["check", "\x1b[2Jx/y"]):
        out = cli_out(*args, "--store", s, code=3 if args[0] == "check" else 0)
        assert unsafe(out) == [], args


def test_every_csv_export_has_no_formula_cells(detected, tmp_path):
    from starscope.results.export import RESULT_TABLES, STORE_TABLES

    s = str(detected["store"].root)
    seen = set()
    for table in RESULT_TABLES + STORE_TABLES:
        out = tmp_path / f"{table}.csv"
        cli_out("export", "--store", s, "-t", table, "-o", str(out))
        with open(out, newline="", encoding="utf-8") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], table
        seen |= {c for c in cells if "cmd|" in c or "HYPERLINK" in c}
    assert "'" + FORMULA_REPO in seen and "'" + FORMULAS[0] in seen


def test_every_html_page_has_no_controls(detected, tmp_path):
    import asyncio

    import httpx

    from starscope.interfaces.web import app

    s = str(detected["store"].root)
    pages = {}
    for target in ([str(detected["camp"][0])], [str(detected["slow"][0])], ["--overview"]):
        out = tmp_path / "r.html"
        cli_out("report", *target, "--store", s, "-o", str(out))
        pages[target[0]] = out.read_text(encoding="utf-8")
    old_camp, old_slow = detected["camp"][1], detected["slow"][1]

    async def go():
        transport = httpx.ASGITransport(app=app(s), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            for path in ("/", f"/repos/{old_camp}", f"/repos/{old_slow}",
                         f"/accounts/{detected['farm'][1]}", f"/badge/{old_camp}.svg"):
                r = await c.get(path)
                assert r.status_code == 200, path
                pages[path] = r.text
    asyncio.run(go())
    for where, html in pages.items():
        assert unsafe(html.replace("\n", "").replace("\r", "").replace("\t", "")) == [], where
    assert "\\x1b]0;pwned" in pages[f"/repos/{old_camp}"]
    assert "\\x1b[31mroot" in pages[f"/accounts/{detected['farm'][1]}"]


def test_github_messages_from_the_server_are_neutralised(tmp_path, monkeypatch):
    """The API (or a mirror of it) is untrusted too: its error messages reach `github`'s
    progress lines, and `check --live` / `audit` errors."""
    from fake_archive import PROXY_VARS
    from fake_github import FakeGitHub, Served

    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("GITHUB_TOKEN", "tok")
    fake = FakeGitHub(token="tok")
    fake.gone["evil/repo"] = 404
    orig = fake._route

    def route(request):
        st, body, h = orig(request)
        if request.url.path.startswith("/repos/evil/repo"):
            body = {"message": "Not Found\x1b]0;pwned\x07\x1b[2J\u202e\x00 [bold]x[/]"}
        return st, body, h

    fake._route = route
    with Served(fake) as srv:
        monkeypatch.setenv("STARSCOPE_GITHUB_API_URL", srv.url)
        s = str(tmp_path / "s")
        outs = [cli_out("github", "evil/repo", "--store", s, code=1),
                cli_out("check", "evil/repo", "--live", "--store", s, code=2),
                cli_out("audit", "evil/repo", "--store", s, "-o", str(tmp_path / "a.html"),
                        "--csv", str(tmp_path / "a.csv"), code=2)]
    for out in outs:
        assert "Not Found\\x1b]0;pwned\\x07\\x1b[2J\\u202e\\x00" in out, out
        assert unsafe(out.replace("\n", "")) == [], out


def test_a_profile_from_the_api_is_neutralised(tmp_path, monkeypatch):
    """A profile's `type` is free text from the API: `account` shows its escapes, and its
    markup is not applied."""
    from fake_archive import PROXY_VARS
    from fake_github import Served
    from github_world import TOKEN, build

    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    fake = build(n_bulk=3, n_organic=3)
    fake.users[150_000_000]["type"] = "User\x1b[2J\u202e[link=http://x]y[/link]"
    s = str(tmp_path / "s")
    with Served(fake) as srv:
        monkeypatch.setenv("STARSCOPE_GITHUB_API_URL", srv.url)
        cli_out("github", "alice/alpha", "--store", s, "--quiet")
    r = run("account", "bulk000", "--store", s)  # a wide terminal, colours on
    assert r.returncode == 0, r.stderr
    assert "User\\x1b[2J\\u202e[link=http://x]y[/link]" in r.stdout, r.stdout
    assert "\x1b[2J" not in r.stdout and "\u202e" not in r.stdout and "\x1b]8;" not in r.stdout
