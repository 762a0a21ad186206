"""A fake GitHub REST API (Starlette, served by uvicorn on 127.0.0.1 in a thread) for the tests.

It speaks what GitHub documents: a 403 without a `User-Agent`, `Link` pagination (`per_page`,
`page`), weak ETags and 304s (free when authenticated), `x-ratelimit-*` headers with a window
that resets, 403 with `x-ratelimit-remaining: 0` once the quota is used,
`application/vnd.github.star+json` stargazers, 301 to `/repositories/{id}` for renamed repos,
`/user/{id}`, and scripted faults per path: 500, secondary limits (403/429 with retry-after, or
only a message), cut-off bodies, malformed JSON. It counts every request and records any made
while the quota was used up (`violations`): a client that honours the limits never makes one.

What it accepts that GitHub would not, or does not do (docs/github.md): feeds keep their last
300 events but no time window (GitHub: 30 days since 2025-01-30, its reference still says 90);
stargazer lists have no page limit (GitHub documents a 422 for this endpoint: users report it
past page 400); events are served at once (GitHub delays them from 30 s to hours).
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ANON_LIMIT = 60


@dataclass
class FakeRepo:
    id: int
    full_name: str
    owner_id: int
    owner_type: str = "User"
    events: list[dict[str, Any]] = field(default_factory=list)  # newest first
    stars: list[tuple[int, str]] = field(default_factory=list)  # (user id, starred_at), oldest first
    stars_hidden: bool = False  # the token is not an admin/collaborator


class FakeGitHub:
    def __init__(self, token: str | None = "tok", limit: int = 5000, window: float = 3600.0):
        self.token = token
        self.limit = limit
        self.window = window
        self.repos: dict[str, FakeRepo] = {}
        self.by_id: dict[int, FakeRepo] = {}
        self.moved: dict[str, int] = {}  # old name (lower) -> repo id
        self.gone: dict[str, int] = {}  # name (lower) -> status
        self.users: dict[int, dict[str, Any]] = {}
        self.user_events: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.log: list[dict[str, Any]] = []
        self.violations = 0
        self.poll_interval = 60  # X-Poll-Interval of event feeds (seconds)
        self._quota: dict[str, list[float]] = {}  # who -> [remaining, reset epoch]
        self.lock = threading.Lock()
        self.logged = threading.Condition(self.lock)  # notified on every request logged

    # ------------------------------------------------------------------ data
    def add_repo(self, repo: FakeRepo) -> None:
        self.repos[repo.full_name.lower()] = repo
        self.by_id[repo.id] = repo

    def rename(self, old: str, new: str) -> None:
        repo = self.repos.pop(old.lower())
        self.moved[old.lower()] = repo.id
        repo.full_name = new
        self.repos[new.lower()] = repo

    def add_user(self, uid: int, login: str, created_at: str, type_: str = "User",
                 followers: int = 0, public_repos: int = 0) -> None:
        self.users[uid] = {"login": login, "id": uid, "type": type_, "created_at": created_at,
                           "followers": followers, "public_repos": public_repos,
                           "url": f"https://api.github.com/users/{login}"}

    def _find_login(self, login: str) -> int | None:
        """Account id by login; the index is rebuilt when a test changed a login."""
        key = login.lower()
        index = getattr(self, "_index", {})
        uid = index.get(key)
        if uid is None or self.users.get(uid, {}).get("login", "").lower() != key:
            self._index = index = {u["login"].lower(): i for i, u in self.users.items()}
            uid = index.get(key)
        return uid

    def login_of(self, uid: int) -> str:
        return self.users[uid]["login"]

    def wait_for_requests(self, n: int, timeout: float, stop: Any = None) -> bool:
        """Block until `n` requests are logged (True), `stop()` is true or `timeout` passes
        (False). Woken by each request, so a waiter sees the n-th at once without polling;
        `stop` (e.g. "the client process ended") is checked every 50 ms."""
        deadline = time.monotonic() + timeout
        with self.logged:
            while len(self.log) < n:
                left = deadline - time.monotonic()
                if left <= 0 or (stop is not None and stop()):
                    return False
                self.logged.wait(min(left, 0.05))
        return True

    def requests_to(self, prefix: str) -> list[dict[str, Any]]:
        return [r for r in self.log if r["path"].startswith(prefix)]

    # ------------------------------------------------------------------ quota
    def _who(self, request: Request) -> str | None:
        auth = request.headers.get("authorization")
        if auth is None:
            return "anon:" + (request.client.host if request.client else "?")
        if self.token is not None and auth == f"Bearer {self.token}":
            return "token"
        return None

    def _window(self, who: str) -> list[float]:
        now = time.time()
        q = self._quota.get(who)
        if q is None or now >= q[1]:
            limit = ANON_LIMIT if who.startswith("anon") else self.limit
            q = self._quota[who] = [limit, float(int(now + self.window) + 1)]
        return q

    def _headers(self, who: str) -> dict[str, str]:
        q = self._window(who)
        limit = ANON_LIMIT if who.startswith("anon") else self.limit
        return {"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(int(q[0])),
                "x-ratelimit-used": str(int(limit - q[0])), "x-ratelimit-reset": str(int(q[1])),
                "x-ratelimit-resource": "core"}

    # ------------------------------------------------------------------ serving
    async def handle(self, request: Request) -> Response:
        with self.lock:
            return self._handle(request)

    def _handle(self, request: Request) -> Response:
        path = request.url.path
        rec = {"path": path, "query": request.url.query,
               "inm": request.headers.get("if-none-match"),
               "auth": request.headers.get("authorization")}
        self.log.append(rec)
        self.logged.notify_all()
        if not request.headers.get("user-agent"):
            # GitHub: requests without a User-Agent are rejected (403)
            rec["status"] = 403
            return _json({"message": "Request forbidden by administrative rules. Please make sure "
                                     "your request has a User-Agent header"}, 403)
        who = self._who(request)
        if who is None:
            rec["status"] = 401
            return _json({"message": "Bad credentials"}, 401)
        q = self._window(who)
        if q[0] <= 0:
            self.violations += 1
            rec["status"] = 403
            return _json({"message": "API rate limit exceeded"}, 403, self._headers(who))
        fault = self.faults[path].pop(0) if self.faults.get(path) else None
        if fault in ("secondary", "429", "secondary-noheader"):
            q[0] -= 1
            rec["status"] = 429 if fault == "429" else 403
            h = self._headers(who)
            if fault != "secondary-noheader":
                h["retry-after"] = "1"
            return _json({"message": "You have exceeded a secondary rate limit."}, rec["status"], h)
        if fault == "500":
            rec["status"] = 500
            return _json({"message": "Server Error"}, 500)
        status, body, extra = self._route(request)
        etag = payload = None
        if status == 200:
            # serialised once: for the ETag and as the body (the API world tests serve thousands)
            payload = json.dumps(body, separators=(",", ":")).encode()
            etag = 'W/"' + hashlib.sha1(payload).hexdigest() + '"'
            if request.headers.get("if-none-match") == etag:
                # GitHub: a 304 to an authorised conditional request costs no quota.
                if not who.startswith("anon"):
                    rec["status"] = 304
                    return Response(status_code=304, headers={**self._headers(who), "etag": etag})
                q[0] -= 1
                rec["status"] = 304
                return Response(status_code=304, headers={**self._headers(who), "etag": etag})
        q[0] -= 1
        rec["status"] = status
        headers = {**self._headers(who), **extra}
        if etag:
            headers["etag"] = etag
        if fault == "malformed":
            return Response(b'[{"id": "1", "type": ', status, headers, media_type="application/json")
        if fault == "truncate":
            return _Truncated(json.dumps(body).encode(), headers)
        if payload is not None:
            return Response(payload, status, headers, media_type="application/json")
        return _json(body, status, headers)

    def _route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        parts = [p for p in request.url.path.split("/") if p]
        accept = request.headers.get("accept", "")
        if parts[:1] == ["repos"] and len(parts) >= 3:
            name = f"{parts[1]}/{parts[2]}".lower()
            if name in self.gone:
                return self.gone[name], {"message": "Not Found"}, {}
            if name in self.moved:
                rest = "/".join(parts[3:])
                loc = f"{self.base}/repositories/{self.moved[name]}" + (f"/{rest}" if rest else "")
                if request.url.query:
                    loc += "?" + request.url.query
                return 301, {"message": "Moved Permanently", "url": loc}, {"location": loc}
            repo = self.repos.get(name)
            return self._repo(request, repo, parts[3:], accept)
        if parts[:1] == ["repositories"] and len(parts) >= 2 and parts[1].isdigit():
            return self._repo(request, self.by_id.get(int(parts[1])), parts[2:], accept)
        if parts[:1] == ["users"] and len(parts) >= 2:
            uid = self._find_login(parts[1])
            if uid is None:
                return 404, {"message": "Not Found"}, {}
            if len(parts) == 2:
                return 200, self.users[uid], {}
            if parts[2:] == ["events", "public"]:
                return self._page(request, self.user_events.get(uid, [])[:300])
        if parts[:1] == ["user"] and len(parts) == 2 and parts[1].isdigit():
            u = self.users.get(int(parts[1]))
            return (200, u, {}) if u else (404, {"message": "Not Found"}, {})
        return 404, {"message": "Not Found"}, {}

    def _repo(self, request, repo: FakeRepo | None, rest: list[str], accept: str):
        if repo is None:
            return 404, {"message": "Not Found"}, {}
        if not rest:
            owner = repo.full_name.split("/")[0]
            return 200, {"id": repo.id, "full_name": repo.full_name, "name": repo.full_name.split("/")[1],
                         "owner": {"login": owner, "id": repo.owner_id, "type": repo.owner_type}}, {}
        if rest == ["events"]:
            return self._page(request, repo.events[:300], {"x-poll-interval": str(self.poll_interval)})
        if rest == ["stargazers"]:
            if repo.stars_hidden:
                return 403, {"message": "Must have admin rights to Repository."}, {}
            star = "application/vnd.github.star+json" in accept
            items = []
            for uid, at in repo.stars:
                u = self.users[uid]
                user = {"login": u["login"], "id": uid, "type": u["type"]}
                items.append({"starred_at": at, "user": user} if star else user)
            return self._page(request, items)
        return 404, {"message": "Not Found"}, {}

    def _page(self, request: Request, items: list[Any], extra: dict[str, str] | None = None):
        per_page = min(100, max(1, int(request.query_params.get("per_page", 30))))
        page = max(1, int(request.query_params.get("page", 1)))
        last = max(1, -(-len(items) // per_page))
        body = items[(page - 1) * per_page: page * per_page]
        base = f"{self.base}{request.url.path}"

        def link(p: int, rel: str) -> str:
            return f'<{base}?{urlencode({"per_page": per_page, "page": p})}>; rel="{rel}"'

        links = []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        headers = dict(extra or {})
        if links:
            headers["link"] = ", ".join(links)
        return 200, body, headers

    # ------------------------------------------------------------------ server
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.handle, methods=["GET"])])


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body).encode(), status, headers, media_type="application/json")


class _Truncated:
    """An ASGI response that declares the whole body but sends half of it, then ends."""

    def __init__(self, body: bytes, headers: dict[str, str]):
        self.body, self.headers = body, headers

    async def __call__(self, scope, receive, send) -> None:
        hdrs = [(k.encode(), v.encode()) for k, v in self.headers.items()]
        hdrs += [(b"content-length", str(len(self.body)).encode()),
                 (b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": hdrs})
        await send({"type": "http.response.body", "body": self.body[: len(self.body) // 2],
                    "more_body": True})
        raise RuntimeError("connection cut (test)")


def bound_socket() -> socket.socket:
    """A socket bound to a free port, handed to the server as it is: no window in which another
    process (the suite runs on 2 pytest-xdist workers) could take the port. TCP with Nagle off:
    asyncio turns Nagle off only for sockets whose `proto` says TCP (a bare socket() says 0),
    and with it on each answer (headers, then body: two writes) waited for the client's delayed
    ACK, ~40 ms a request (the API world tests: minutes)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.bind(("127.0.0.1", 0))
    return s


class Served:
    """Serve a FakeGitHub on 127.0.0.1 in a thread; `url` is its base URL."""

    def __init__(self, fake: FakeGitHub):
        self.fake = fake
        self.sock = bound_socket()
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        fake.base = self.url
        config = uvicorn.Config(fake.app(), host="127.0.0.1", port=self.port, log_level="critical",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> "Served":
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("fake GitHub did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


# ---------------------------------------------------------------------- a simulated world
def _plausible_created_at(actor_id: int) -> str:
    """Deterministic stand-in when the world's truth has no created_at: GitHub ids grow with
    registration time (id 1 in 2008, ~163M by early 2024), so interpolate on that line."""
    t0 = dt.datetime(2008, 1, 1)
    t1 = dt.datetime(2024, 3, 1)
    t = t0 + (t1 - t0) * (min(actor_id, 163_000_000) / 163_000_000)
    return t.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def world_fake(world: Path, token: str = "tok") -> FakeGitHub:
    """Serve a `starscope simulate` world: each repo's feed (its last 300 events), stargazers
    with their times (first star of each account), profiles and users' public events.
    Profiles' created_at come from truth/accounts.csv when it has that column."""
    import csv

    fake = FakeGitHub(token=token)
    events: list[dict[str, Any]] = []
    for f in sorted((world / "archive").glob("*.json.gz")):
        for line in gzip.decompress(f.read_bytes()).splitlines():
            try:
                ev = json.loads(line)
                int(ev["id"]), ev["actor"]["id"], ev["repo"]["id"], ev["created_at"]
            except (ValueError, KeyError, TypeError):
                continue
            events.append(ev)
    events.sort(key=lambda e: (e["created_at"], int(e["id"])))
    created: dict[int, str] = {}
    acc = world / "truth" / "accounts.csv"
    with open(acc, newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("created_at"):
                created[int(row["actor_id"])] = row["created_at"]
    repos: dict[int, FakeRepo] = {}
    starred: set[tuple[int, int]] = set()
    for ev in events:
        a, r = ev["actor"], ev["repo"]
        fake.add_user(a["id"], a["login"], created.get(a["id"]) or _plausible_created_at(a["id"]))
        repo = repos.get(r["id"])
        if repo is None:
            org = ev.get("org")
            repo = repos[r["id"]] = FakeRepo(r["id"], r["name"], org["id"] if org else r["id"] + 1,
                                             "Organization" if org else "User")
        repo.full_name = r["name"]
        repo.events.insert(0, ev)
        fake.user_events[a["id"]].insert(0, ev)
        if ev["type"] == "WatchEvent" and (a["id"], r["id"]) not in starred:
            starred.add((a["id"], r["id"]))
            repo.stars.append((a["id"], ev["created_at"]))
    for repo in repos.values():
        repo.events = repo.events[:300]
        fake.add_repo(repo)
    for uid in fake.user_events:
        fake.user_events[uid] = fake.user_events[uid][:300]
    return fake
