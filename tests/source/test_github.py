"""The live source (`starscope github`, `starscope audit`) against a fake GitHub API on
127.0.0.1 (fake_github.py) that follows GitHub's documented behaviour and counts requests."""
from __future__ import annotations

import csv
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from fake_github import FakeGitHub, Served
from github_world import REPOS, TOKEN, build

from starscope.cli import main
from starscope.ingest.github import run_github
from starscope.source.github import GitHubClient, read_token
from starscope.store import Store

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("no_proxy")]


def client(url: str, token: str | None = TOKEN, **kw) -> GitHubClient:
    kw.setdefault("backoff", 0.05)
    return GitHubClient(token, url, **kw)


def snapshot(store: Store) -> dict:
    """A store's content, independent of file names and commit numbers."""
    con = store.connect()
    out = {}
    for t in ("events", "stars", "repo_names", "actor_logins", "account_profiles"):
        cols = [c for c in con.execute(f"SELECT * FROM {t} LIMIT 0").fetchdf().columns if c != "month"]
        sel = ", ".join(cols)
        if t in ("repo_names", "actor_logins"):  # names: merged per (id, name) like readers do
            k = cols[:2]
            sel = f"{k[0]}, {k[1]}, min(first_seen), max(last_seen)"
            out[t] = con.execute(f"SELECT {sel} FROM {t} GROUP BY ALL ORDER BY ALL").fetchall()
        else:
            out[t] = con.execute(f"SELECT {sel} FROM {t} ORDER BY ALL").fetchall()
    out["account_activity"] = con.execute("SELECT * FROM account_activity ORDER BY ALL").fetchall()
    con.close()
    st = store.source_state("github")
    for key in ("round", "complete_round"):
        st.pop(key, None)
    for rec in list(st.get("repos", {}).values()) + list(st.get("users", {}).values()):
        for k in [k for k in rec if k.endswith("round")]:
            rec.pop(k)
    # kept URLs name the server (its port differs from run to run)
    out["state"] = json.loads(re.sub(r"http://127\.0\.0\.1:\d+", "API", json.dumps(st)))
    return out


def all_text(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """One run over the hand-made world, and a second run right after it."""
    fake = build()
    with Served(fake) as srv:
        store = Store(tmp_path_factory.mktemp("gh") / "store")
        with client(srv.url) as c:
            first = run_github(store, REPOS, c, user_events=True)
        n_first = len(fake.log)
        before = snapshot(store)
        with client(srv.url) as c:
            second = run_github(store, REPOS, c, user_events=True)
        yield {"fake": fake, "store": store, "first": first, "second": second,
               "log1": fake.log[:n_first], "log2": fake.log[n_first:], "before": before}


def test_live_source_fills_the_store(filled):
    fake, store, rep = filled["fake"], filled["store"], filled["first"]
    con = store.connect()
    alpha = fake.repos["alice/alpha"]
    # every star of the list is in the store once, with its time; the feed's WatchEvents too
    stars = con.execute("SELECT actor_id, starred_at FROM stars WHERE repo_id = 1001 "
                        "ORDER BY actor_id").fetchall()
    assert len(stars) == len(alpha.stars) == len({a for a, _ in stars})
    want = sorted((u, t.replace("T", " ").rstrip("Z")) for u, t in alpha.stars)
    assert [(a, str(t)) for a, t in stars] == want
    n_feed_ids = con.execute("SELECT count(*) FROM stars WHERE repo_id = 1001 AND event_id IS NOT NULL").fetchone()[0]
    assert n_feed_ids == 40  # feed stars came first and keep their event ids
    ev_ids = {int(e["id"]) for r in fake.repos.values() for e in r.events}
    ev_ids |= {int(e["id"]) for evs in fake.user_events.values() for e in evs}
    assert {r[0] for r in con.execute("SELECT event_id FROM events").fetchall()} == ev_ids
    # profiles of every readable stargazer, with creation time, type and counts
    prof = dict(con.execute("SELECT actor_id, created_at FROM account_profiles").fetchall())
    gazers = {u for u, _ in alpha.stars} | {5, fake.repos["acme/beta"].events[-1]["actor"]["id"]}
    gazers |= {u for u, _ in fake.repos["bob/newname"].stars}
    assert set(prof) == gazers  # account 6 was deleted: recorded, not profiled
    assert str(prof[150_000_000]) == "2026-08-30 10:00:00"
    # the account whose login changed: found by id, profile under its new login
    assert con.execute("SELECT actor_login FROM account_profiles WHERE actor_id = 5").fetchone()[0] == "newlogin"
    assert any(r["path"] == "/user/5" for r in filled["log1"])
    # the renamed repo is stored under its new name; problems recorded, not fatal
    assert rep.renamed == {"bob/oldname": "bob/newname"}
    assert con.execute("SELECT repo_name FROM stars WHERE repo_id = 3003 LIMIT 1").fetchone()[0] == "bob/newname"
    what = {p["what"]: p["status"] for p in rep.problems}
    assert what == {"stargazers:acme/beta": 403, "user:6": 404, "repo:gone/repo": 404,
                    "repo:dmca/repo": 451}
    assert "admins and collaborators" in next(p["message"] for p in rep.problems
                                              if p["what"] == "stargazers:acme/beta")
    state = store.source_state("github")
    assert set(state["problems"]) == set(what)
    assert fake.violations == 0
    con.close()


def test_second_run_asks_nothing_twice_and_changes_nothing(filled):
    log2 = filled["log2"]
    # every answer that could change was asked conditionally and was 304; what failed (the
    # hidden list, deleted things) is asked once more; deleted accounts are not
    assert {r["status"] for r in log2} <= {304, 403, 404, 451}
    keys = [(r["path"], r["query"]) for r in log2]
    assert len(keys) == len(set(keys))
    assert all(r["inm"] for r in log2 if r["status"] == 304)
    assert not [r for r in log2 if r["path"].startswith("/users/") and not r["path"].endswith("/events/public")]
    assert not [r for r in log2 if r["path"] in ("/user/6", "/users/ghost-user")]
    # the renamed repo is asked under its new name (GitHub: use the 301's URL from then on)
    assert not [r for r in log2 if "oldname" in r["path"]]
    assert snapshot(filled["store"]) == filled["before"]
    assert filled["second"].events_new == filled["second"].stars_new == 0


def test_new_stars_and_events_are_picked_up(tmp_path):
    fake = build(n_bulk=10, n_organic=10)
    with Served(fake) as srv:
        store = Store(tmp_path / "s")
        with client(srv.url) as c:
            run_github(store, ["alice/alpha"], c)
        alpha = fake.repos["alice/alpha"]
        fake.add_user(99, "late", "2020-01-01T00:00:00Z")
        alpha.stars.append((99, "2026-10-01T00:00:00Z"))
        n0 = len(fake.log)
        with client(srv.url) as c:
            rep = run_github(store, ["alice/alpha"], c)
        assert rep.stars_new == 1 and rep.profiles_new == 1
        star_reqs = [r for r in fake.log[n0:] if r["path"].endswith("/stargazers")]
        assert [r["status"] for r in star_reqs] == [200]  # only the last page, read again
        con = store.connect()
        assert con.execute("SELECT count(*) FROM stars WHERE actor_id = 99").fetchone()[0] == 1


def test_faults_are_retried_and_give_the_same_store(tmp_path, filled):
    fake = build()
    fake.faults["/repos/alice/alpha/events"] += ["500", "truncate", "malformed"]
    fake.faults["/repos/alice/alpha/stargazers"] += ["secondary", "429"]
    fake.faults["/users/bulk003"] += ["500"]
    with Served(fake) as srv:
        store = Store(tmp_path / "s")
        with client(srv.url) as c:
            rep = run_github(store, REPOS, c, user_events=True)
            assert c.counters.retries >= 4
    assert fake.violations == 0
    assert {p["what"] for p in rep.problems} == {p["what"] for p in filled["first"].problems}
    assert snapshot(store) == filled["before"]


def test_bad_events_are_quarantined_with_their_answer_and_line(tmp_path):
    # events of several answers are parsed together: each bad one must still name the URL it
    # came from and its line in that answer, and the good ones around it land
    fake = build(n_bulk=3, n_organic=3)
    alpha = fake.repos["alice/alpha"]
    good = {"type": "PushEvent", "payload": {}, "public": True,
            "repo": {"id": alpha.id, "name": alpha.full_name}}

    def ev(i: int, uid: int, **kw) -> dict:
        return {**good, "id": str(90_000_000_000 + i), "created_at": "2026-09-20T10:00:00Z",
                "actor": {"id": uid, "login": fake.login_of(uid)}, **kw}

    b1, b2 = 150_000_001, 150_000_002
    fake.user_events[b1][:0] = [ev(1, b1), ev(2, b1, created_at="yesterday"), ev(3, b1)]
    fake.user_events[b2][:0] = [ev(4, b2, actor={"id": -1, "login": "x"}), ev(5, b2)]
    with Served(fake) as srv:
        store = Store(tmp_path / "s")
        with client(srv.url) as c:
            rep = run_github(store, ["alice/alpha"], c, user_events=True)
    assert rep.bad_events == 2
    q = [json.loads(ln) for p in sorted(store.quarantine_dir.glob("*.jsonl"))
         for ln in p.read_text().splitlines()]
    assert sorted((r["path"].split("/users/")[1], r["line"]) for r in q) == [
        ("bulk001/events/public?per_page=100", 2), ("bulk002/events/public?per_page=100", 1)]
    con = store.connect()
    ids = {r[0] for r in con.execute("SELECT event_id FROM events WHERE event_id >= 90000000000").fetchall()}
    assert ids == {90_000_000_001, 90_000_000_003, 90_000_000_005}
    con.close()


def test_secondary_limit_without_headers_waits_then_goes_on():
    fake = FakeGitHub(token=TOKEN)
    fake.add_user(1, "one", "2020-01-01T00:00:00Z")
    fake.faults["/users/one"] += ["secondary-noheader", "secondary-noheader"]
    waits = []
    with Served(fake) as srv, client(srv.url, secondary_wait=0.2) as c:
        c.sleep = lambda s: (waits.append(s), time.sleep(s))
        r = c.get("/users/one")
    assert r.ok and r.data["login"] == "one"
    assert waits == [0.2, 0.4]  # at least the base wait, doubling (GitHub: exponential)


def test_primary_rate_limit_is_never_exceeded(tmp_path):
    # 12 requests an hour-window of 1 s: the run needs several windows and must wait for
    # each reset instead of asking; the fake counts any request made with no quota left
    fake = build(n_bulk=12, n_organic=12, limit=12, window=1.0)
    events = []
    with Served(fake) as srv:
        store = Store(tmp_path / "s")
        with client(srv.url, progress=lambda k, i: events.append((k, i))) as c:
            rep = run_github(store, ["alice/alpha"], c)
    assert fake.violations == 0
    assert rep.profiles_new == 24
    waits = [i for k, i in events if k == "wait"]
    assert waits and all("rate limit" in w["why"] for w in waits)
    reqs = [i for k, i in events if k == "request"]
    assert reqs[-1]["limit"] == 12 and reqs[-1]["remaining"] is not None


def test_no_token_uses_the_unauthenticated_limit_and_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    fake = build(token=None, n_bulk=5, n_organic=5)
    with Served(fake) as srv:
        monkeypatch.setenv("STARSCOPE_GITHUB_API_URL", srv.url)
        res = CliRunner().invoke(main, ["github", "acme/beta", "--store", str(tmp_path / "s")])
    assert res.exit_code == 1, res.output  # the hidden stargazer list is reported
    assert "60 an hour" in res.output and "no token was given" in res.output
    assert all(r["auth"] is None for r in fake.log)
    assert fake.violations == 0


def test_token_never_appears_in_store_or_output(tmp_path, monkeypatch):
    fake = build(n_bulk=5, n_organic=5)
    # a hostile server echoing the token in its answers: it must still not be stored or shown
    fake.users[150_000_001]["login_note"] = TOKEN
    fake.gone["leak/repo"] = 404
    with Served(fake) as srv:
        orig = fake._route

        def route(request):
            st, body, h = orig(request)
            if request.url.path == "/repos/leak/repo":
                body = {"message": "Bad token " + request.headers.get("authorization", "")}
            return st, body, h

        fake._route = route
        monkeypatch.setenv("STARSCOPE_GITHUB_API_URL", srv.url)
        tok = tmp_path / "token"
        tok.write_text(TOKEN + "\n")
        res = CliRunner().invoke(main, ["github", *REPOS, "leak/repo", "--user-events", "--json",
                                        "--store", str(tmp_path / "s"), "--token-file", str(tok)])
        assert res.exit_code == 1
        res2 = CliRunner().invoke(main, ["audit", "alice/alpha", "--store", str(tmp_path / "s"),
                                         "--token-file", str(tok), "-o", str(tmp_path / "r.html"),
                                         "--csv", str(tmp_path / "r.csv")])
        assert res2.exit_code == 0, res2.output
    assert any(r["auth"] == f"Bearer {TOKEN}" for r in fake.log)  # it was used ...
    assert "[REDACTED]" in res.output
    for text in (res.output, res2.output, all_text(tmp_path / "s").decode("latin-1"),
                 (tmp_path / "r.html").read_text(), (tmp_path / "r.csv").read_text()):
        assert TOKEN not in text  # ... and is nowhere


def test_token_is_not_sent_to_another_origin():
    other = FakeGitHub(token=None)
    other.add_user(1, "one", "2020-01-01T00:00:00Z")
    fake = FakeGitHub(token=TOKEN)
    with Served(other) as o, Served(fake) as srv:
        orig = fake._route
        fake._route = lambda req: (301, {}, {"location": f"{o.url}/user/1"}) \
            if req.url.path == "/user/1" else orig(req)
        with client(srv.url) as c:
            r = c.get("/user/1")
    assert r.ok and r.data["login"] == "one" and r.moved == f"{o.url}/user/1"
    assert fake.log[0]["auth"] == f"Bearer {TOKEN}" and other.log[0]["auth"] is None


def test_token_file_and_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "envtoken")
    assert read_token() == "envtoken"
    f = tmp_path / "t"
    f.write_text("  filetoken \n")
    assert read_token(f) == "filetoken"
    f.write_text("")
    with pytest.raises(Exception, match="empty"):
        read_token(f)
    with pytest.raises(Exception) as e:
        read_token(tmp_path / "missing")
    assert "missing" in str(e.value)


def test_watch_polls_a_file_of_repos(tmp_path, monkeypatch):
    fake = build(n_bulk=5, n_organic=5)
    lst = tmp_path / "repos.txt"
    lst.write_text("# repos to follow\nalice/alpha\n\nbob/oldname\n")
    fake.poll_interval = 1  # the client waits at least this between rounds (GitHub: 60)
    with Served(fake) as srv:
        monkeypatch.setenv("STARSCOPE_GITHUB_API_URL", srv.url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        res = CliRunner().invoke(main, ["github", "--store", str(tmp_path / "s"), "--watch",
                                        str(lst), "--interval", "1", "--rounds", "2", "--json"])
    assert res.exit_code == 0, res.output
    rounds = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert [r["round"] for r in rounds] == [1, 2]
    assert rounds[0]["stars_new"] > 0 and rounds[1]["stars_new"] == 0
    assert rounds[1]["not_modified"] >= 3  # events, stars' last page, repo, all 304


def test_audit_writes_report_and_csv_of_suspected_accounts(tmp_path, monkeypatch):
    fake = build()
    fake.users[150_000_002]["login"] = "=HYPERLINK(evil)"  # not a valid login: never stored
    with Served(fake) as srv:
        monkeypatch.setenv("STARSCOPE_GITHUB_API_URL", srv.url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        out = tmp_path / "a.html"
        res = CliRunner().invoke(main, ["audit", "alice/alpha", "--store", str(tmp_path / "s"),
                                        "-o", str(out), "--csv", str(tmp_path / "a.csv")])
    assert res.exit_code == 0, res.output
    assert "<html" in out.read_text().lower()
    rows = list(csv.DictReader(open(tmp_path / "a.csv", newline="")))
    logins = {r["login"] for r in rows}
    bulk = {f"bulk{i:03d}" for i in range(60)} - {"bulk002"}
    # the bulk-created accounts are suspected (created together), the organic ones are not
    assert logins == bulk
    r0 = next(r for r in rows if r["login"] == "bulk000")
    assert r0["account_created_at"].startswith("2026-08-30") and r0["profile_url"] == "https://github.com/bulk000"
    assert "created together" in r0["reasons"]


def test_check_live_reads_the_repo_then_answers(tmp_path, monkeypatch):
    fake = build(n_bulk=30, n_organic=30)
    with Served(fake) as srv:
        monkeypatch.setenv("STARSCOPE_GITHUB_API_URL", srv.url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        store = str(tmp_path / "s")
        res = CliRunner().invoke(main, ["check", "alice/alpha", "--live", "--store", store,
                                        "--format", "json"])
        assert res.exit_code == 0, res.output
        ans = json.loads(res.stdout)
        # read from the API (the store did not exist), detected, answered from the store
        assert ans["stars"]["total"] == 60 and ans["stars"]["suspected"] >= 30  # 30 bulk
        assert any(r["path"] == "/repos/alice/alpha/stargazers" for r in fake.log)
        # the answers show when accounts were registered (their profiles): check's evidence ...
        bulk = [e for e in ans["evidence"] if e["login"].startswith("bulk")]
        assert bulk and all(str(e["account_created_at"]).startswith("2026-08-30") for e in bulk)
        # ... and account, as text
        res = CliRunner().invoke(main, ["account", "bulk000", "--store", store])
        assert res.exit_code == 0, res.output
        assert re.search(r"registered\s+2026-08-30.10:00:00", res.output), res.output
        # a repo the API does not have: one clear line, usage error
        res = CliRunner().invoke(main, ["check", "gone/repo", "--live", "--store", store])
    assert res.exit_code == 2 and "gone/repo" in res.output
    assert TOKEN not in res.output


def test_audit_of_a_repo_the_token_may_not_see_fails_clearly(tmp_path, monkeypatch):
    fake = build(n_bulk=5, n_organic=5)
    with Served(fake) as srv:
        monkeypatch.setenv("STARSCOPE_GITHUB_API_URL", srv.url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        res = CliRunner().invoke(main, ["audit", "acme/beta", "--store", str(tmp_path / "s"),
                                        "-o", str(tmp_path / "a.html")])
    assert res.exit_code == 2
    assert "admins and collaborators" in res.output and "Traceback" not in res.output


def test_csv_cells_are_formula_safe():
    from starscope.interfaces.github_cmd import csv_cell

    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "plain", 3, None)] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "plain", 3, ""]


def test_account_answer_shows_profile_creation_time(filled):
    from starscope.results.account import account_answer

    a = account_answer(filled["store"], "bulk000")
    assert a["profile"]["created_at"].startswith("2026-08-30T10:00")
    assert a["profile"]["type"] == "User"
    b = account_answer(filled["store"], "newlogin")  # found under its current login too
    assert b["account_id"] == 5


# ------------------------------------------------------------------ kill -9 and resume
def _cli(store: Path, url: str, commit_every: str = "0.3") -> list[str]:
    return [sys.executable, "-m", "starscope", "github", *REPOS, "--user-events", "--quiet",
            "--commit-every", commit_every, "--store", str(store)]


@pytest.mark.slow
@pytest.mark.timeout(400)  # 11 runs as subprocesses: minutes on a busy machine
def test_killed_at_random_points_then_rerun_gives_the_identical_store(tmp_path):
    # 40 bulk stars (the feed's last 40 stars) and 20 organic ones only in the stargazer list:
    # listed and feed stars, every phase and problem of build(); a whole run ~140 requests
    small = dict(n_bulk=40, n_organic=20)
    # The uninterrupted reference run, in this process (the `github` command is this call and
    # its output; a process start costs more CPU than the run itself)
    ref_fake = build(**small)
    with Served(ref_fake) as srv, client(srv.url) as c:
        whole_run = run_github(Store(tmp_path / "ref"), REPOS, c, user_events=True,
                               commit_every=0.3)
    assert whole_run.problems  # the recorded problems (the command's exit code 1)
    ref = Store(tmp_path / "ref")
    # Kill points are drawn in requests served, not seconds: a resumed run has less left to do
    # and a loaded machine stretches time, but each run is killed after its k-th request
    # whatever the clock says (k up to an eighth of a whole run's requests).
    most = max(3, len(ref_fake.log) // 8)
    fake = build(**small)
    rng = random.Random(13)
    with Served(fake) as srv:
        env = {**os.environ, "STARSCOPE_GITHUB_API_URL": srv.url, "GITHUB_TOKEN": TOKEN}
        store = tmp_path / "s"
        killed = 0
        for _ in range(10):
            start = len(fake.log)
            at = start + rng.randint(2, most)
            # a commit after every step: a kill point drawn in requests must not fall before a
            # run's first commit just because the server answers fast (commits are timed)
            p = subprocess.Popen(_cli(store, srv.url, commit_every="0"), env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            # woken by the at-th request itself (no polling loop burning CPU meanwhile)
            fake.wait_for_requests(at, timeout=300, stop=lambda: p.poll() is not None)
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed += 1
            p.wait()
        assert Store(store).manifest()["commit"] > 0  # killed runs did commit some work
        n0 = len(fake.log)
        done = subprocess.run(_cli(store, srv.url), env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # 1: the recorded problems
    assert killed >= 3
    # the last run continued: it downloaded less than a whole run does
    ok_last = sum(r["status"] == 200 for r in fake.log[n0:])
    assert ok_last < sum(r["status"] == 200 for r in ref_fake.log)
    assert fake.violations == 0
    assert snapshot(Store(store)) == snapshot(ref)
