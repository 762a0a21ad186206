"""`starscope serve`: reports, a JSON API and badges over a store, read-only (Starlette).

Built by ``app(store_path)``. The service reads one committed manifest (a Snapshot) at a
time. It watches the store (``Store.stamp()``: one stat per request at most every 0.2 s);
while a writer (ingest, detect) holds the store's lock it keeps answering from the manifest
it has, and it switches to the
new one when the writer is done (or when the new manifest carries detection results made
from it). Files a replaced manifest lists stay on disk for GC_GRACE_SECONDS; should one be
gone anyway, the request is retried once on the newest manifest.

Answers are cached in memory per (manifest commit, question), as encoded bytes with an ETag.
DuckDB: one connection per manifest, one cursor per worker thread.

Unknown names are cheap: each manifest comes with a NameIndex (results/name_index.py), so a
request for a name the store never saw is answered 404 from memory, on the fast path, without
a query; a scan of random names cannot starve real users. A new manifest is prepared (its
connection, its index, and the most used answers recomputed) by the one request that noticed
it, while every other request goes on with the old one; then it is switched to, warm.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from starscope.results.name_index import NameIndex
from starscope.names import from_github_url
from starscope.api import Store as StoreAPI
from starscope.store import Snapshot, Store

from . import report

CACHE_ENTRIES = 20_000
# Before a new manifest is served, the most recently used answers of the old one (at most
# this many, for at most WARM_SECONDS) are computed on the new one.
WARM_ENTRIES = 256
WARM_SECONDS = 5.0
# While real requests are being served, answers to unknown names are paced to MISS_SHARE of
# the real requests' rate (never fewer than MISS_FLOOR a second), each waiting asleep (no
# CPU) for its slot. Unknown names cost about what a cached answer costs, so without this a
# scan of random names would take as large a share of the service as it has connections;
# with it, real users keep ~95%. Alone, a scan is answered at full speed.
MISS_SHARE = 0.05
MISS_FLOOR = 20
STAT_EVERY = 0.2
MAX_QUERY = 200

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
HTML_HEADERS = {**SECURITY_HEADERS, "content-security-policy": report.CSP}
BADGE_HEADERS = {**SECURITY_HEADERS,
                 "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'"}

_OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,38}")
_REPO = re.compile(r"[A-Za-z0-9_.-]{1,100}")


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def _check_repo(owner: str, repo: str) -> str:
    if len(owner) > 39 or len(repo) > 100:
        raise ApiError(400, "name too long (owner ≤ 39, repository ≤ 100 characters)")
    if not _OWNER.fullmatch(owner) or not _REPO.fullmatch(repo) or repo in (".", ".."):
        raise ApiError(400, "malformed repository name: expected owner/repo with letters, "
                            "digits, '-', '_' and '.'")
    return f"{owner}/{repo}"


def _check_login(login: str) -> str:
    if len(login) > 45:
        raise ApiError(400, "login too long")
    if not report.valid_login(login):
        raise ApiError(400, "malformed login: letters, digits and '-' expected")
    return login


# ------------------------------------------------------------------ store state
class Version:
    """One committed state (a Snapshot) with its DuckDB connection."""

    def __init__(self, store: Store, snapshot: Snapshot):
        self.snapshot = snapshot
        self.commit = snapshot.commit
        self.con = store.connect(snapshot)
        self.results = snapshot.has_results
        self.lock = threading.Lock()
        self.index = NameIndex(self.con)


class MissGate:
    """Paces answers to unknown names while real requests are being served (MISS_SHARE):
    each waits for its own slot, spaced 1/rate apart, so they trickle out evenly instead of
    in bursts that would stall the real requests."""

    def __init__(self) -> None:
        self.second = 0
        self.normal_now = self.normal_before = 0  # real requests this second, the last one
        self.next_slot = 0.0

    def _tick(self, now: float) -> None:
        sec = int(now)
        if sec != self.second:
            self.normal_before = self.normal_now if sec == self.second + 1 else 0
            self.second, self.normal_now = sec, 0

    def normal(self) -> None:
        self._tick(time.monotonic())
        self.normal_now += 1

    async def wait(self) -> None:
        now = time.monotonic()
        self._tick(now)
        busy = max(self.normal_now, self.normal_before)
        if not busy:
            self.next_slot = now
            return
        slot = max(now, self.next_slot)
        self.next_slot = slot + 1.0 / max(MISS_FLOOR, MISS_SHARE * busy)
        if slot > now:
            await asyncio.sleep(slot - now)


class State:
    def __init__(self, root: str | os.PathLike):
        self.store = Store(root)
        self.api = StoreAPI(root)  # the facade: what the handlers ask
        self.root = self.store.root
        self._lock = threading.Lock()
        self._stat: tuple | None = None
        self._last_check = 0.0
        self._local = threading.local()
        self.cache: OrderedDict[tuple, tuple[int, bytes, str]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.version: Version | None = None
        self.stat_every = STAT_EVERY
        self._preparing = False
        self.miss_gate = MissGate()
        # kind -> key -> fn(cursor, version): how to recompute a cached answer (for warming)
        self.warmers: dict[str, Callable[[str], Callable]] = {}
        self.refresh(force=True)

    # -- manifest watching
    def _stat_manifest(self):
        return self.store.stamp()

    def refresh(self, force: bool = False) -> Version | None:
        now = time.monotonic()
        if not force and (now - self._last_check < self.stat_every or self._preparing):
            return self.version
        with self._lock:
            if self._preparing and not force:
                return self.version
            self._last_check = now
            st = self._stat_manifest()
            if st is None or (st == self._stat and not force):
                return self.version
            try:
                m = self.store.snapshot()
            except Exception:  # a manifest being replaced: try again on the next request
                return self.version
            cur = self.version
            if cur is not None and m.commit == cur.commit:
                self._stat = st
                return cur
            if cur is not None and not force and not m.results_fresh and self.store.writer_active():
                # A run is writing: keep answering from what we have; look again later.
                return cur
            self._preparing = True
        # This request prepares the new version; the others keep using the old one.
        try:
            new = Version(self.store, m)
            if cur is not None and not force:
                self._warm(cur, new)
        finally:
            with self._lock:
                self._preparing = False
        self.miss_gate = MissGate()
        with self._lock:
            if self.version is cur:
                self.version = new
                self._stat = st
            with self._cache_lock:
                for k in [k for k in self.cache if k[0] != self.version.commit]:
                    del self.cache[k]
            return self.version

    def _warm(self, old: Version, new: Version) -> None:
        """Compute the old version's most used answers on the new one, before switching."""
        with self._cache_lock:
            keys = [k for k in reversed(self.cache) if k[0] == old.commit
                    and k[1] in self.warmers][:WARM_ENTRIES]
        deadline = time.monotonic() + WARM_SECONDS
        cur = new.con.cursor()
        try:
            for _, kind, key in keys:
                if time.monotonic() > deadline:
                    break
                try:
                    status, body = self.warmers[kind](key)(cur, new)
                except Exception:  # noqa: BLE001 - warming is best effort; requests retry
                    continue
                self.put((new.commit, kind, key), (status, body, _etag(body)))
        finally:
            cur.close()

    def cursor(self, v: Version):
        loc = self._local
        if getattr(loc, "version", None) is not v:
            with v.lock:
                loc.cur = v.con.cursor()
            loc.version = v
        return loc.cur

    # -- the answer cache
    def cached(self, key: tuple) -> tuple[int, bytes, str] | None:
        hit = self.cache.get(key)
        if hit is not None:
            try:
                self.cache.move_to_end(key)
            except KeyError:
                pass
        return hit

    def put(self, key: tuple, value: tuple[int, bytes, str]) -> None:
        with self._cache_lock:
            self.cache[key] = value
            while len(self.cache) > CACHE_ENTRIES:
                self.cache.popitem(last=False)

    def answer(self, kind: str, key: str, compute: Callable[[Any, Version], tuple[int, bytes]]):
        """(status, body, etag) of a question from the cache, or None (then call compute()
        in a worker thread)."""
        v = self.refresh()
        if v is None:
            raise ApiError(503, "no store yet at this path (run `starscope ingest`)")
        ck = (v.commit, kind, key)
        hit = self.cached(ck)
        if hit is not None:
            return hit
        return None

    def compute(self, kind: str, key: str, fn: Callable[[Any, Version], tuple[int, bytes]]):
        """Answer with fn(cursor, version) and cache it; retried once on the newest manifest
        should a file of the one in use be gone."""
        for attempt in (0, 1):
            v = self.version if attempt == 0 else self.refresh(force=True)
            ck = (v.commit, kind, key)
            try:
                status, body = fn(self.cursor(v), v)
                break
            except duckdb.IOException:
                if attempt:
                    raise ApiError(503, "the store changed while answering; try again")
        val = (status, body, _etag(body))
        self.put(ck, val)
        return val


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def not_modified(inm: str | None, etag: str) -> bool:
    """Whether an If-None-Match header matches (RFC 9110 13.1.2: `*` matches any current
    representation; the comparison is weak, so W/"x" matches "x")."""
    if not inm:
        return False
    if inm.strip() == "*":
        return True
    tag = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == tag for t in inm.split(","))


API_CACHE = "public, max-age=60"
BADGE_CACHE = "public, max-age=300, stale-while-revalidate=3600"


class FastPath:
    """ASGI middleware: answers cached repo API and badge requests without routing or
    Request objects (the steady state of a busy service). Everything else, and every miss,
    goes on to the app."""

    def __init__(self, app, state: "State"):
        self.app, self.state = app, state
        self.kinds = {
            "api": ("repo", "", b"application/json", SECURITY_HEADERS, API_CACHE),
            "badge": ("badge", ".svg", b"image/svg+xml", BADGE_HEADERS, BADGE_CACHE),
        }
        self.raw = {k: [(n.encode(), v.encode()) for n, v in {**hdrs, "cache-control": cc}.items()]
                    for k, (_, _, _, hdrs, cc) in self.kinds.items()}
        self.raw_errors = [(n.encode(), v.encode()) for n, v in SECURITY_HEADERS.items()] + [
            (b"content-type", b"application/json")]

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            which = "api" if path.startswith("/api/repos/") else \
                "badge" if path.startswith("/badge/") else None
            if which is not None and await self._hit(which, path, scope, send):
                return
        if scope["type"] == "http":
            self.state.miss_gate.normal()
        await self.app(scope, receive, send)

    async def _hit(self, which, path, scope, send) -> bool:
        kind, suffix, media, _, _ = self.kinds[which]
        rest = path[len("/api/repos/"):] if which == "api" else path[len("/badge/"):]
        if suffix:
            if not rest.endswith(suffix):
                return False
            rest = rest[: -len(suffix)]
        owner, sep, repo = rest.partition("/")
        if not sep or not _OWNER.fullmatch(owner) or not _REPO.fullmatch(repo) \
                or repo in (".", ".."):
            return False
        v = self.state.refresh()
        if v is None:
            return False
        hit = self.state.cached((v.commit, kind, rest.lower()))
        miss = hit is None and not v.index.may_have_repo(rest)
        if miss:
            hit = self.state.unknown_repo(kind, rest)  # no query: the store never saw it
            await self.state.miss_gate.wait()  # real users first (see MISS_SHARE)
            if hit[0] != 200:
                body = hit[1]
                await send({"type": "http.response.start", "status": hit[0], "headers": [
                    *self.raw_errors, (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return True
        if hit is None or hit[0] != 200:
            return False
        if not miss:
            self.state.miss_gate.normal()
        _, body, etag = hit
        headers = list(self.raw[which])
        headers.append((b"etag", etag.encode()))
        inm = None
        for k, val in scope["headers"]:
            if k == b"if-none-match":
                inm = val.decode("latin-1")
        if not_modified(inm, etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return True
        headers += [(b"content-type", media), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True


def _not_found_body(what: str, name: str) -> bytes:
    """The 404 body of a name the store does not hold (as results.repo.NotFound words it).
    Names here passed _check_repo/_check_login or the fast path's patterns (letters, digits,
    '-', '_', '.', '/'): nothing to escape, so it is put together without json.dumps."""
    return b'{"error":"%s \'%s\' is not in the store","status":404}' % (
        what.encode(), name.encode())


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _error(status: int, message: str, request: Request | None = None) -> Response:
    if request is not None and _wants_html(request):
        return _html_error(status, message)
    return Response(_json({"error": message, "status": status}), status_code=status,
                    media_type="application/json", headers=SECURITY_HEADERS)


def _wants_html(request: Request) -> bool:
    """A browser (it asks for text/html) on a page URL gets an HTML error page; API clients
    and /api/ URLs get JSON (as datasette does)."""
    path = request.url.path
    if path.startswith(("/api/", "/badge/")) or path.endswith(".json"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _html_error(status: int, message: str) -> Response:
    heading = {400: "bad request", 404: "not found", 405: "method not allowed"}.get(
        status, "error")
    body = report.env().get_template("error.html").render(
        title=heading, status=status, heading=heading, message=message, web=True,
        detection=None)
    return Response(body, status_code=status, media_type="text/html; charset=utf-8",
                    headers=HTML_HEADERS)


# ------------------------------------------------------------------ the app
def _respond(request: Request, hit, media: str, headers: dict, cache: str) -> Response:
    status, body, etag = hit
    h = dict(headers)
    if status == 200:
        h["etag"] = etag
        h["cache-control"] = cache
        if not_modified(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=h)
    return Response(body, status_code=status, media_type=media, headers=h)


class Answers:
    """How each question is answered over one version (fn(cursor, version) -> (status,
    body)): each calls one answer of results/ over the version's Snapshot. Also the
    state's warmers (a cached answer recomputed on a new version)."""

    def __init__(self, state: State):
        self.state = state

    def _named(self, what: str, key: str, known: Callable, answer: Callable):
        """fn(cur, v) answering about one repository or account: 404 without a query when
        the version's name index rules the name out, or when the answer does not find it."""
        from starscope.results.repo import NotFound

        def fn(cur, v):
            if not known(v.index, key):
                return 404, _not_found_body(what, key)
            try:
                return 200, _json(answer(key, con=cur, snapshot=v.snapshot))
            except NotFound as exc:
                return 404, _json({"error": str(exc), "status": 404})
        return fn

    def repo(self, name: str):
        return self._named("repository", name, NameIndex.may_have_repo, self.state.api.repo)

    def account(self, login: str):
        return self._named("account", login, NameIndex.may_have_login, self.state.api.account)

    def overview(self, cur, v):
        o, top, msg, det = report.overview_data(self.state.store, v.snapshot, con=cur)
        return 200, _json({"overview": o, "top_campaigns": top, "message": msg,
                           "detection": det})

    def coverage(self, cur, v):
        return 200, _json(self.state.api.coverage(con=cur, snapshot=v.snapshot))

    def index_page(self, cur, v):
        o, top, msg, det = report.overview_data(self.state.store, v.snapshot, con=cur)
        return 200, report.render_overview(o, top, web=True, message=msg,
                                           detection=det).encode()

    def badge(self, name: str):
        from starscope.results.repo import NotFound

        def fn(cur, v):
            if not v.index.may_have_repo(name):
                return 200, NOT_FOUND_BADGE
            try:
                a = self.state.api.repo(name, con=cur, snapshot=v.snapshot)
            except NotFound:
                return 200, NOT_FOUND_BADGE
            s = a["stars"]
            if not v.results:
                msg, colour = f"{_short(s['total'])} · not analysed", "#9f9f9f"
            else:
                share = a["share_suspected"] or 0
                msg = f"{_short(s['total'])} · {_badge_pct(share)} suspected"
                colour = ("#e05d44" if a["verdict"] in ("campaign", "mostly_suspected") else
                          "#dfb317" if s["suspected"] else "#4c1")
            return 200, report.charts.badge("stars", msg, colour).encode()
        return fn


class Routes:
    """The service's request handlers (Starlette endpoints) over one State."""

    def __init__(self, state: State):
        self.state = state
        self.answers = Answers(state)

    async def get(self, kind: str, key: str, fn) -> tuple[int, bytes, str]:
        hit = self.state.answer(kind, key, fn)
        if hit is None:
            hit = await run_in_threadpool(self.state.compute, kind, key, fn)
        return hit

    async def _json_answer(self, request: Request, kind: str, key: str, fn) -> Response:
        hit = await self.get(kind, key, fn)
        return _respond(request, hit, "application/json", SECURITY_HEADERS, API_CACHE)

    async def api_repo(self, request: Request) -> Response:
        name = _check_repo(request.path_params["owner"], request.path_params["repo"])
        return await self._json_answer(request, "repo", name.lower(), self.answers.repo(name))

    async def api_account(self, request: Request) -> Response:
        login = _check_login(request.path_params["login"])
        return await self._json_answer(request, "account", login.lower(),
                                       self.answers.account(login))

    async def api_overview(self, request: Request) -> Response:
        return await self._json_answer(request, "overview", "", self.answers.overview)

    async def api_coverage(self, request: Request) -> Response:
        return await self._json_answer(request, "coverage", "", self.answers.coverage)

    async def healthz(self, request: Request) -> Response:
        v = self.state.refresh()
        return Response(_json({"ok": v is not None, "store_commit": v.commit if v else None,
                               "results": bool(v and v.results)}),
                        media_type="application/json", headers=SECURITY_HEADERS)

    async def openapi(self, request: Request) -> Response:
        return Response(_json(OPENAPI), media_type="application/json", headers=SECURITY_HEADERS)

    async def badge(self, request: Request) -> Response:
        name = _check_repo(request.path_params["owner"], request.path_params["repo"])
        hit = await self.get("badge", name.lower(), self.answers.badge(name))
        return _respond(request, hit, "image/svg+xml", BADGE_HEADERS, BADGE_CACHE)

    async def _page(self, request: Request, kind: str, key: str, answer_fn,
                    render_html) -> Response:
        """An HTML page over a cached JSON answer; the answer's 4xx passes through as JSON."""
        hit = await self.get(kind, key, answer_fn)
        if hit[0] != 200:
            if _wants_html(request):
                return _html_error(hit[0], json.loads(hit[1]).get("error", "not found"))
            return _respond(request, hit, "application/json", SECURITY_HEADERS, "no-cache")

        def render(cur, v):
            return 200, render_html(json.loads(hit[1]), web=True).encode()

        page = await self.get(kind + ".html", key, render)
        return _respond(request, page, "text/html; charset=utf-8", HTML_HEADERS, "no-cache")

    async def page_repo(self, request: Request) -> Response:
        name = _check_repo(request.path_params["owner"], request.path_params["repo"])
        return await self._page(request, "repo", name.lower(), self.answers.repo(name),
                                report.render_repo)

    async def page_account(self, request: Request) -> Response:
        login = _check_login(request.path_params["login"])
        return await self._page(request, "account", login.lower(), self.answers.account(login),
                                report.render_account)

    async def index(self, request: Request) -> Response:
        page = await self.get("index.html", "", self.answers.index_page)
        return _respond(request, page, "text/html; charset=utf-8", HTML_HEADERS, "no-cache")

    async def search(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        if not q or len(q) > MAX_QUERY:
            raise ApiError(400, "give q=owner/repo or q=login (at most 200 characters)")
        # a GitHub URL as `check` reads it: github.com/owner/repo[/tree/main|.git] is the
        # repo, github.com/login[?tab=stars] the account
        q = from_github_url(q, 2).strip("/")
        if "/" in q:
            owner, _, repo = q.partition("/")
            name = _check_repo(owner, repo)
            return RedirectResponse(f"/repos/{name}", status_code=303, headers=SECURITY_HEADERS)
        return RedirectResponse(f"/accounts/{_check_login(q)}", status_code=303,
                                headers=SECURITY_HEADERS)

    def routes(self) -> list[Route]:
        return [
            Route("/", self.index),
            Route("/search", self.search),
            Route("/healthz", self.healthz),
            Route("/openapi.json", self.openapi),
            Route("/api/overview", self.api_overview),
            Route("/api/coverage", self.api_coverage),
            Route("/api/repos/{owner}/{repo}", self.api_repo),
            Route("/api/accounts/{login}", self.api_account),
            Route("/badge/{owner}/{repo}.svg", self.badge),
            Route("/repos/{owner}/{repo}", self.page_repo),
            Route("/accounts/{login}", self.page_account),
        ]


async def _api_error(request: Request, exc: ApiError) -> Response:
    return _error(exc.status, exc.message, request)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 304:
        return Response(status_code=304)
    msg = {404: "not found", 405: "method not allowed"}.get(exc.status_code, exc.detail)
    resp = _error(exc.status_code, str(msg), request)
    if exc.headers:  # the Allow header of a 405 (RFC 9110 15.5.6)
        resp.headers.update(exc.headers)
    return resp


async def _server_error(request: Request, exc: Exception) -> Response:
    return _error(500, "internal error")


def app(store_path: str | os.PathLike) -> Starlette:
    """The web service over the store at `store_path` (read-only)."""
    from starlette.middleware import Middleware

    state = State(store_path)
    handlers = Routes(state)
    answers = handlers.answers
    state.warmers.update(repo=answers.repo, badge=answers.badge, account=answers.account)
    state.unknown_repo = lambda kind, name: (
        (404, _not_found_body("repository", name), "") if kind == "repo"
        else (200, NOT_FOUND_BADGE, _etag(NOT_FOUND_BADGE)))
    application = Starlette(routes=handlers.routes(), exception_handlers={
        ApiError: _api_error, HTTPException: _http_error, Exception: _server_error},
        middleware=[Middleware(FastPath, state=state)])
    application.state.starscope = state
    return application


NOT_FOUND_BADGE = report.charts.badge("stars", "not found", "#9f9f9f").encode()


def app_from_env() -> Starlette:
    """uvicorn factory for `starscope serve` (the store path comes in the environment)."""
    return app(os.environ["STARSCOPE_SERVE_STORE"])


def _short(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f}M".replace(".0M", "M")
    if n >= 1000:
        return f"{n / 1e3:.1f}k".replace(".0k", "k")
    return str(n)


def _badge_pct(x: float) -> str:
    if x == 0:
        return "0%"
    if x < 0.01:
        return "<1%"
    return f"{100 * x:.0f}%"


_ERR = {"description": "error", "content": {"application/json": {"schema": {
    "type": "object", "required": ["error", "status"],
    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}}}}
_OWNER_P = {"name": "owner", "in": "path", "required": True,
            "schema": {"type": "string", "maxLength": 39}}
_REPO_P = {"name": "repo", "in": "path", "required": True,
           "schema": {"type": "string", "maxLength": 100}}
_JSON_OK = {"description": "the answer", "content": {"application/json": {
    "schema": {"type": "object"}}}}
_HTML_OK = {"description": "a page", "content": {"text/html": {"schema": {"type": "string"}}}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "starscope", "version": "1",
             "description": "Suspected fake GitHub stars, from GH Archive data."},
    "paths": {
        "/healthz": {"get": {"summary": "liveness and the store commit served",
                             "responses": {"200": _JSON_OK}}},
        "/api/overview": {"get": {"summary": "the archive's headline figures and top campaigns",
                                  "responses": {"200": _JSON_OK}}},
        "/api/coverage": {"get": {"summary": "the store's coverage: star capture by month and "
                                             "day, missing hours (as `starscope coverage --json`)",
                                  "responses": {"200": _JSON_OK}}},
        "/api/repos/{owner}/{repo}": {"get": {
            "summary": "one repository (the same JSON as `starscope check --format json`)",
            "parameters": [_OWNER_P, _REPO_P],
            "responses": {"200": _JSON_OK, "400": _ERR, "404": _ERR}}},
        "/api/accounts/{login}": {"get": {
            "summary": "one account (the same JSON as `starscope account --format json`)",
            "parameters": [{"name": "login", "in": "path", "required": True,
                            "schema": {"type": "string", "maxLength": 45}}],
            "responses": {"200": _JSON_OK, "400": _ERR, "404": _ERR}}},
        "/badge/{owner}/{repo}.svg": {"get": {
            "summary": "a shields-style badge: stars and the share suspected",
            "parameters": [_OWNER_P, _REPO_P],
            "responses": {"200": {"description": "SVG", "content": {"image/svg+xml": {
                "schema": {"type": "string"}}}}, "304": {"description": "not modified"},
                "400": _ERR}}},
        "/repos/{owner}/{repo}": {"get": {"summary": "a repository's report page",
                                          "parameters": [_OWNER_P, _REPO_P],
                                          "responses": {"200": _HTML_OK, "400": _ERR,
                                                        "404": _ERR}}},
        "/accounts/{login}": {"get": {"summary": "an account's page",
                                      "parameters": [{"name": "login", "in": "path",
                                                      "required": True,
                                                      "schema": {"type": "string"}}],
                                      "responses": {"200": _HTML_OK, "400": _ERR,
                                                    "404": _ERR}}},
        "/search": {"get": {"summary": "redirect to a repository or account page",
                            "parameters": [{"name": "q", "in": "query", "required": True,
                                            "schema": {"type": "string"}}],
                            "responses": {"303": {"description": "redirect"}, "400": _ERR}}},
    },
}
