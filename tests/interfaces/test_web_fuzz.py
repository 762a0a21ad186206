"""Property tests over the OpenAPI paths: schemathesis generates requests from /openapi.json
(as hypothesis strategies); the service never answers with a server error, and its errors
are JSON."""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from answers_world import build  # noqa: E402
from starscope.interfaces.web import OPENAPI, app  # noqa: E402


@pytest.fixture(scope="module")
def web_schema(tmp_path_factory):
    world = build(tmp_path_factory.mktemp("fuzz"), seed=5)
    return schemathesis.openapi.from_asgi("/openapi.json", app(world["store"]))


@pytest.mark.parametrize("path", sorted(OPENAPI["paths"]))
def test_no_server_errors(web_schema, path):
    op = web_schema[path]["GET"]
    strategy = op.as_strategy()
    seen = []

    @given(case=strategy)
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call()
        seen.append(response.status_code)
        assert response.status_code < 500, (path, case.path_parameters, case.query,
                                            response.text[:300])
        if response.status_code >= 400:
            body = response.json()
            assert body["status"] == response.status_code and body["error"]

    check()
    assert seen


@given(owner=st.text(max_size=60), repo=st.text(max_size=120))
@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_any_text_in_repo_paths(web_schema, owner, repo):
    from urllib.parse import quote

    client = web_schema.app  # the ASGI app
    import asyncio

    import httpx

    async def go():
        transport = httpx.ASGITransport(app=client, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            out = []
            for prefix, suffix in (("/api/repos/", ""), ("/badge/", ".svg"), ("/repos/", "")):
                out.append(await c.get(f"{prefix}{quote(owner, safe='')}/"
                                       f"{quote(repo, safe='')}{suffix}"))
            out.append(await c.get(f"/api/accounts/{quote(owner, safe='')}"))
            out.append(await c.get("/search", params={"q": f"{owner}/{repo}"}))
            return out

    for r in asyncio.run(go()):
        assert r.status_code < 500, (owner, repo, r.status_code, r.text[:200])
        if r.status_code >= 400:
            assert r.json()["status"] == r.status_code
