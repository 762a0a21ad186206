"""The web service in-process (httpx ASGITransport): API, badge, pages, bad input, reloads."""
from __future__ import annotations

import asyncio
import json
import re
import threading
import time

import httpx
import pytest

from answers_world import build
from starscope.interfaces.web import app
from starscope.results.repo import repo_answer
from starscope.store import Store


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build(tmp_path_factory.mktemp("web"), seed=5)


@pytest.fixture(scope="module")
def web(world):
    return app(world["store"])


def fetch(application, *paths, headers=None):
    async def go():
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return [await c.get(p, headers=headers or {}) for p in paths]
    res = asyncio.run(go())
    return res if len(res) > 1 else res[0]


def test_api_repo_is_check_json(world, web):
    r = fetch(web, f"/api/repos/{world['renamed_new']}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == repo_answer(Store(world["store"]), world["renamed_new"])
    # old name, other case: the same answer
    old = fetch(web, f"/api/repos/{world['renamed_old'].upper()}")
    assert old.status_code == 200 and old.json()["repo_id"] == world["renamed_id"]


def test_api_account_overview_health_openapi(world, web):
    a, o, h, spec = fetch(web, f"/api/accounts/{world['farm_account']}", "/api/overview",
                          "/healthz", "/openapi.json")
    assert a.status_code == 200 and a.json()["suspected"] is True
    assert o.status_code == 200 and o.json()["overview"]["campaign_repos"] >= 2
    assert h.json()["ok"] is True and h.json()["results"] is True
    paths = spec.json()["paths"]
    for p in ("/api/repos/{owner}/{repo}", "/api/accounts/{login}", "/api/overview",
              "/healthz", "/badge/{owner}/{repo}.svg"):
        assert p in paths


def test_not_found_is_json_404(web):
    for path in ("/api/repos/nobody/nothing", "/api/accounts/nobody-at-all", "/repos/no/pe",
                 "/accounts/nobody-at-all", "/no/such/route"):
        r = fetch(web, path)
        assert r.status_code == 404, path
        assert r.json()["status"] == 404 and "error" in r.json()


def test_badge_cacheable(world, web):
    r = fetch(web, f"/badge/{world['renamed_new']}.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert "suspected" in r.text and r.text.startswith("<svg")
    assert "max-age" in r.headers["cache-control"]
    etag = r.headers["etag"]
    again = fetch(web, f"/badge/{world['renamed_new']}.svg", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    other = fetch(web, f"/badge/{world['renamed_new']}.svg", headers={"if-none-match": '"x"'})
    assert other.status_code == 200
    clean = fetch(web, f"/badge/{world['clean_repo']}.svg")
    assert "0% suspected" in clean.text
    assert "not found" in fetch(web, "/badge/nobody/nothing.svg").text


BAD = [
    "/api/repos/..%2F..%2Fetc/passwd",
    "/api/repos/..%2F/x",
    "/api/repos/../x",
    "/api/repos/a/..",
    "/api/repos/%2e%2e/%2e%2e",
    "/api/repos/x'%20OR%201=1--/y",
    "/api/repos/a;DROP%20TABLE%20stars/b",
    "/api/repos/%3Cscript%3Ealert(1)%3C%2Fscript%3E/x",
    "/api/repos/a/%3Cimg%20src=x%3E",
    "/api/repos/" + "a" * 5000 + "/b",
    "/api/repos/a/" + "b" * 101,
    "/api/repos/%00/x",
    "/api/repos/a/b%0d%0aSet-Cookie:x",
    "/api/accounts/%3Cscript%3E",
    "/api/accounts/a'--",
    "/api/accounts/" + "x" * 300,
    "/api/accounts/..%2F..%2Fetc%2Fpasswd",
    "/badge/%3Cscript%3E/x.svg",
    "/badge/a/..%2F..svg",
    "/repos/%3Cscript%3E/x",
    "/repos/..%2F..%2F/etc",
    "/accounts/%22%3E%3Cscript%3E",
    "/search?q=%3Cscript%3E",
    "/search?q=" + "a" * 500,
    "/search",
    "/api/repos/%ff%fe/x",
]


@pytest.mark.parametrize("path", BAD)
def test_bad_input_is_a_json_4xx(web, path):
    r = fetch(web, path)
    assert 400 <= r.status_code < 500, (path, r.status_code)
    body = r.json()
    assert set(body) == {"error", "status"} and body["status"] == r.status_code
    assert "Traceback" not in r.text and "duckdb" not in r.text.lower()


def test_pages_escape_markup_and_send_csp(world, web):
    index = fetch(web, "/")
    assert index.status_code == 200
    csp = index.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    # the campaign repo named with markup is listed as text, never as markup
    assert "&lt;script&gt;alert(" in index.text
    assert "<script" not in index.text.lower()
    page = fetch(web, f"/repos/{world['renamed_new']}")
    assert page.status_code == 200 and "<svg" in page.text
    assert page.headers["content-security-policy"] == csp
    assert "<script" not in page.text.lower()
    acc = fetch(web, f"/accounts/{world['farm_account']}")
    assert acc.status_code == 200 and "<script" not in acc.text.lower()
    # search redirects to pages
    r = fetch(web, f"/search?q={world['renamed_new']}")
    assert r.status_code == 303 and r.headers["location"] == f"/repos/{world['renamed_new']}"


def test_markup_account_and_repo_in_api_are_plain_json(world, web):
    a = fetch(web, "/api/overview").json()
    names = [c["repo_name"] for c in a["top_campaigns"]]
    assert world["markup_repo"] in names


def test_keeps_serving_during_a_run_then_switches(world, tmp_path):
    """While a writer holds the lock its commits are not served; when it is done they are.
    Requests keep succeeding during a real detect run."""
    import shutil

    from starscope.results.detection import detect_store
    from starscope.store import manifest as mf

    root = tmp_path / "store"
    shutil.copytree(world["store"], root)
    store = Store(root)
    web = app(root)
    web.state.starscope.stat_every = 0.0
    first = fetch(web, "/healthz").json()["store_commit"]
    with store.writing() as writer:
        writer.manifest["commit"] += 1
        mf.save(root, writer.manifest)
        assert store.writer_active()
        assert fetch(web, "/healthz").json()["store_commit"] == first
    assert not store.writer_active()
    assert fetch(web, "/healthz").json()["store_commit"] == first + 1
    errors, codes = [], []
    done = threading.Event()

    def hammer():
        while not done.is_set():
            try:
                r = fetch(web, f"/api/repos/{world['renamed_new']}", "/badge/a/b.svg")
                codes.extend(x.status_code for x in r)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

    t = threading.Thread(target=hammer)
    t.start()
    try:
        detect_store(store, profile="starscout")
    finally:
        done.set()
        t.join()
    assert not errors and codes and set(codes) == {200}
    h = fetch(web, "/healthz").json()
    assert h["store_commit"] == store.manifest()["commit"] == first + 2
    assert fetch(web, f"/api/repos/{world['renamed_new']}").json()["detection"][
        "store_commit"] == first + 2


def test_answer_cache_is_per_manifest(world, web):
    state = web.state.starscope
    fetch(web, f"/api/repos/{world['clean_repo']}")
    assert any(k[1] == "repo" and k[2] == world["clean_repo"].lower() for k in state.cache)
    assert all(k[0] == state.version.commit for k in state.cache)


def test_fast_path_answers_like_the_routes(world, web):
    """Cached answers come from the fast path; they equal the first (routed) answer."""
    for path in (f"/api/repos/{world['renamed_new']}", f"/badge/{world['renamed_new']}.svg",
                 f"/api/repos/{world['renamed_old'].upper()}"):
        first, second = fetch(web, path, path)
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        h1 = {k: v for k, v in first.headers.items() if k not in ("date", "server")}
        h2 = {k: v for k, v in second.headers.items() if k not in ("date", "server")}
        assert h1 == h2, path
        again = fetch(web, path, headers={"if-none-match": f'W/"x", {first.headers["etag"]}'})
        assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"]


def test_serve_needs_a_store(tmp_path):
    from click.testing import CliRunner

    from starscope.cli import main

    res = CliRunner().invoke(main, ["serve", "--store", str(tmp_path / "none")])
    assert res.exit_code == 2 and "no store" in res.output


def test_concurrent_first_answers_are_right(world, tmp_path):
    """Many uncached answers computed at once (worker threads, a cursor each) equal the
    library's answers computed one by one."""
    con = Store(world["store"]).connect()
    names = [r[0] for r in con.execute(
        "SELECT repo_name FROM repos WHERE regexp_full_match(repo_name, '[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+') "
        "ORDER BY hash(repo_id) LIMIT 40").fetchall()]
    con.close()
    fresh = app(world["store"])

    async def go():
        transport = httpx.ASGITransport(app=fresh)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await asyncio.gather(*(c.get(f"/api/repos/{n}") for n in names))

    got = asyncio.run(go())
    st = Store(world["store"])
    snap = st.snapshot()
    con = st.connect(snap)  # one connection for the 40 (a new one costs ~40 ms of CPU)
    for n, r in zip(names, got):
        assert r.status_code == 200
        assert r.json() == repo_answer(st, n, con=con, snapshot=snap), n
    con.close()


def test_other_methods_are_a_json_405(world, web):
    async def go():
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return [await c.post(f"/api/repos/{world['renamed_new']}"),
                    await c.delete(f"/badge/{world['renamed_new']}.svg"),
                    await c.head(f"/badge/{world['renamed_new']}.svg")]
    post, delete, head = asyncio.run(go())
    assert post.status_code == delete.status_code == 405
    assert post.json() == {"error": "method not allowed", "status": 405}
    assert head.status_code == 200 and head.headers["etag"]


BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_browsers_get_html_error_pages_api_clients_json(web):
    for path in ("/repos/nobody/nothing", "/accounts/nobody-at-all", "/no/such/route",
                 "/accounts/%22%3E%3Cscript%3E"):
        r = fetch(web, path, headers=BROWSER)
        assert 400 <= r.status_code < 500, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert "<!doctype html>" in r.text and "<script" not in r.text.lower()
        assert 'name="q"' in r.text  # the search box, to try again
        assert r.headers["content-security-policy"]
    assert "nobody/nothing" in fetch(web, "/repos/nobody/nothing", headers=BROWSER).text
    # the API answers JSON whatever the client accepts; other clients get JSON on pages too
    r = fetch(web, "/api/repos/nobody/nothing", headers=BROWSER)
    assert r.status_code == 404 and r.json()["status"] == 404
    r = fetch(web, "/repos/nobody/nothing", headers={"accept": "application/json"})
    assert r.status_code == 404 and r.json()["status"] == 404


def test_github_urls_name_repos_and_accounts(world):
    from click.testing import CliRunner

    from starscope.cli import main

    store = str(world["store"])
    for url in (f"https://github.com/{world['renamed_new']}",
                f"github.com/{world['renamed_new']}/tree/main/",
                f"http://www.github.com/{world['renamed_new']}.git"):
        res = CliRunner().invoke(main, ["check", url, "--store", store, "--format", "json"])
        assert res.exit_code == 0, (url, res.output)
        assert json.loads(res.output)["repo_id"] == world["renamed_id"]
    res = CliRunner().invoke(main, ["account", f"https://github.com/{world['farm_account']}/",
                                    "--store", store, "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.output)["login"] == world["farm_account"]
    res = CliRunner().invoke(main, ["check", "https://github.com/nobody/nothing", "--store",
                                    store])
    assert res.exit_code == 3


def _serve(store, port, timeout=60):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "starscope", "serve", "--store", str(store),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_serve_prints_its_url_and_a_busy_port_is_exit_7(world):
    proc = _serve(world["store"], 0)
    try:
        line = proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line
        url = m.group(0)
        for _ in range(100):
            try:
                if httpx.get(url + "healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("serve did not answer at the URL it printed")
        busy = _serve(world["store"], int(m.group(1)))
        _, err = busy.communicate(timeout=60)
        assert busy.returncode == 7, err
        assert "in use" in err and err.strip().count("\n") == 0
    finally:
        proc.terminate()
        proc.wait(10)
