"""A small client for GitHub's REST API, as GitHub's documentation asks clients to behave.

* One request at a time (GitHub: avoid concurrent requests), with `Authorization: Bearer` when a
  token is given, `Accept: application/vnd.github+json` and `X-GitHub-Api-Version`.
* Primary rate limit: the `x-ratelimit-*` headers of every answer are kept; when
  `x-ratelimit-remaining` reaches the reserve, the client sleeps until `x-ratelimit-reset`
  (measured against the server's `Date` when it sends one) before the next request, so the
  limit is never exceeded. 403/429 with `x-ratelimit-remaining: 0` waits for the reset too.
* Secondary rate limits: 403/429 with `retry-after` waits that many seconds; one that only
  says so in its message waits at least a minute, doubling on each repeat, then gives up.
  These waits and the backoff below are source/retry.py's policy, shared with GH Archive
  downloads.
* Conditional requests: `If-None-Match` with a kept ETag; a 304 (which costs no quota when
  authorised) comes back as such and the caller keeps what it has.
* Redirects are followed (301 for a renamed or moved repository is reported as `moved`); the
  token is never sent to another origin.
* 5xx, timeouts, cut-off bodies and bodies that are not JSON are retried with backoff; what
  still fails is returned as a `Reply` with its status and a message, never raised, so one bad
  endpoint does not stop a run. 404/410/403/451 come back the same way for the caller to record.
* The token never appears in a message, log line or returned body: every text passes through
  `redact`.
"""
from __future__ import annotations

import email.utils
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from starscope import __version__
from starscope.errors import UsageError
from starscope.source.retry import RetryPolicy

ENV_API_URL = "STARSCOPE_GITHUB_API_URL"
DEFAULT_API_URL = "https://api.github.com"
ENV_TOKEN = "GITHUB_TOKEN"
API_VERSION = "2022-11-28"
JSON = "application/vnd.github+json"
STAR_JSON = "application/vnd.github.star+json"  # stargazers with their `starred_at`
UNAUTHENTICATED_NOTE = (
    "no token: unauthenticated requests, 60 an hour per IP address; enough for a repo's event "
    "feed and a few profiles, not for its stargazer list (since 2026-06-30 only its admins and "
    "collaborators may read that). Set GITHUB_TOKEN or use --token-file for 5,000 an hour."
)
REDACTED = "[REDACTED]"

ProgressFn = Callable[[str, dict[str, Any]], None]


def api_url() -> str:
    url = (os.environ.get(ENV_API_URL) or DEFAULT_API_URL).rstrip("/")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise UsageError(f"{ENV_API_URL} must be an http(s) URL, not {url!r}")
    return url


def read_token(token_file: str | os.PathLike | None = None) -> str | None:
    """The token from --token-file, else $GITHUB_TOKEN, else None (unauthenticated)."""
    if token_file is not None:
        try:
            text = Path(token_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the token file {token_file}: {exc.__class__.__name__}") from None
        token = text.strip()
        if not token:
            raise UsageError(f"the token file {token_file} is empty")
    else:
        token = (os.environ.get(ENV_TOKEN) or "").strip() or None
    if token is not None and any(c.isspace() for c in token):
        raise UsageError("the token holds white space: give the token alone")
    return token


class Redactor:
    """Replaces secrets in any text that may be shown or stored."""

    def __init__(self, secret: str | None):
        self.secret = secret

    def __call__(self, text: Any) -> str:
        s = str(text)
        if self.secret:
            s = s.replace(self.secret, REDACTED)
        return s


@dataclass
class Reply:
    """One answer, after redirects and retries. `data` is the parsed JSON of a 200."""

    status: int  # 0: no answer at all (network) after all retries
    url: str
    data: Any = None
    etag: str | None = None
    next_url: str | None = None
    moved: str | None = None  # the final URL when a 301 redirected the request
    poll_interval: int | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class Quota:
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # epoch seconds (server clock)
    used: int | None = None
    offset: float = 0.0  # server clock - local clock, from the Date header

    def reset_in(self, now: float) -> float | None:
        return None if self.reset is None else max(0.0, self.reset - (now + self.offset))


@dataclass
class Counters:
    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)


class RetryLater(Exception):
    """An answer worth retrying (5xx, cut-off or malformed body, network)."""


class GitHubClient:
    """GET requests to GitHub's REST API (see module docstring). Use as a context manager."""

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        *,
        progress: ProgressFn | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        secondary_wait: float = 60.0,
        reserve: int = 0,
        timeout: float = 30.0,
        per_page: int = 100,
    ):
        self.base_url = (base_url or api_url()).rstrip("/")
        self.origin = _origin(self.base_url)
        self.token = token
        self.redact = Redactor(token)
        self.progress = progress or (lambda kind, info: None)
        self.sleep = sleep
        self.clock = clock
        self.policy = RetryPolicy(retries=retries, backoff=backoff, max_backoff=max_backoff,
                                  secondary_wait=secondary_wait)
        self.reserve = reserve
        self.per_page = per_page
        self.quota = Quota()
        self.counters = Counters()
        headers = {"Accept": JSON, "X-GitHub-Api-Version": API_VERSION,
                   "User-Agent": f"starscope/{__version__}"}
        self.http = httpx.Client(headers=headers, timeout=timeout, follow_redirects=False)

    def __enter__(self) -> "GitHubClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    @property
    def authenticated(self) -> bool:
        return self.token is not None

    def url(self, path: str, *, paged: bool = False) -> str:
        """An absolute URL for an API path (with per_page for lists). `path` must already be
        quoted (names are checked against GitHub's characters before they get here)."""
        return self.base_url + path + (f"?per_page={self.per_page}" if paged else "")

    # ------------------------------------------------------------------ one GET
    def get(self, url: str, *, etag: str | None = None, accept: str = JSON) -> Reply:
        """GET an absolute URL (or an API path), following redirects; see module docstring."""
        if url.startswith("/"):
            url = self.base_url + url
        moved = None
        for _hop in range(6):
            reply = self._get_once(url, etag, accept)
            if reply.status in (301, 302, 303, 307, 308) and reply.moved:
                target = urljoin(url, reply.moved)
                if reply.status == 301:
                    moved = target
                url = target
                continue
            reply.moved = moved
            return reply
        return Reply(0, self.redact(url), message="too many redirects")

    def _get_once(self, url: str, etag: str | None, accept: str) -> Reply:
        attempt = 0
        waits = 0
        while True:
            self._respect_primary_limit()
            headers = {"Accept": accept}
            if etag:
                headers["If-None-Match"] = etag
            same_origin = _origin(url) == self.origin
            if self.token and same_origin:
                headers["Authorization"] = f"Bearer {self.token}"
            try:
                resp = self.http.get(url, headers=headers)
                body = resp.read()
            except (httpx.TransportError, httpx.StreamError) as exc:
                resp, body, failure = None, b"", f"{exc.__class__.__name__}: {exc}"
            else:
                failure = None
            self.counters.requests += 1
            if resp is not None:
                self._note_quota(resp)
                self.counters.by_status[resp.status_code] = self.counters.by_status.get(resp.status_code, 0) + 1
                self.progress("request", {"url": self.redact(url), "status": resp.status_code,
                                          **self.quota_info()})
            try:
                if resp is None:
                    raise RetryLater(failure)
                return self._interpret(resp, body, url, waits)
            except _Wait as w:
                waits += 1
                if self.policy.gives_up(waits):
                    return Reply(resp.status_code, self.redact(url),
                                 message=self.redact(f"still rate limited after {waits - 1} "
                                                     f"waits: {w.why}"))
                self._wait(w.seconds, w.why)
            except RetryLater as exc:
                attempt += 1
                if self.policy.gives_up(attempt):
                    status = resp.status_code if resp is not None else 0
                    return Reply(status, self.redact(url),
                                 message=self.redact(f"gave up after {attempt} tries: {exc}"))
                self.counters.retries += 1
                self._wait(self.policy.backoff_delay(attempt), self.redact(f"retrying: {exc}"))

    def _interpret(self, resp: httpx.Response, body: bytes, url: str, waits: int) -> Reply:
        st = resp.status_code
        etag = resp.headers.get("etag")
        poll = _int(resp.headers.get("x-poll-interval"))
        if st == 304:
            self.counters.not_modified += 1
            return Reply(304, url, etag=etag or None, poll_interval=poll)
        if st in (301, 302, 303, 307, 308):
            loc = resp.headers.get("location")
            if not loc:
                return Reply(st, url, message=f"HTTP {st} without a Location")
            return Reply(st, url, moved=loc)
        text = self.redact(body.decode("utf-8", "replace"))
        if st in (403, 429, 503):
            now = self.clock()
            wait = self.policy.server_wait(st, resp.headers, text, now, waits,
                                           reset_in=self.quota.reset_in(now))
            if wait is not None:
                raise _Wait(*wait)
        if st == 200:
            declared = _int(resp.headers.get("content-length"))
            if declared is not None and declared != len(body) and not resp.headers.get("content-encoding"):
                raise RetryLater(f"body cut off ({len(body)} of {declared} bytes)")
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise RetryLater(f"the answer is not JSON ({exc})") from None
            nxt = resp.links.get("next", {}).get("url")
            return Reply(200, url, data=data, etag=etag or None,
                         next_url=urljoin(url, nxt) if nxt else None, poll_interval=poll)
        if self.policy.retryable(st):
            raise RetryLater(f"HTTP {st}")
        return Reply(st, url, message=_message(text) or f"HTTP {st}")

    # ------------------------------------------------------------------ quota
    def _note_quota(self, resp: httpx.Response) -> None:
        h = resp.headers
        if h.get("x-ratelimit-resource") not in (None, "core"):
            return  # another resource's budget (search, ...): not the one our endpoints use
        remaining = _int(h.get("x-ratelimit-remaining"))
        if remaining is None:
            return
        q = self.quota
        q.remaining = remaining
        q.limit = _int(h.get("x-ratelimit-limit"))
        q.used = _int(h.get("x-ratelimit-used"))
        reset = _int(h.get("x-ratelimit-reset"))
        q.reset = float(reset) if reset is not None else None
        date = h.get("date")
        if date:
            try:
                q.offset = email.utils.parsedate_to_datetime(date).timestamp() - self.clock()
            except (TypeError, ValueError):
                pass

    def _respect_primary_limit(self) -> None:
        q = self.quota
        if q.remaining is None or q.remaining > self.reserve:
            return
        wait = q.reset_in(self.clock())
        if wait is None:
            return
        # +1 s: the reset is in whole seconds, and a request at the reset second may still count
        # against the old window.
        self._wait(wait + 1, "rate limit: waiting for the reset")
        q.remaining = None  # unknown until the next answer says

    def _wait(self, seconds: float, why: str) -> None:
        seconds = max(0.0, float(seconds))
        self.counters.waited_seconds += seconds
        self.progress("wait", {"seconds": round(seconds, 1), "why": why, **self.quota_info()})
        self.sleep(seconds)

    def quota_info(self) -> dict[str, Any]:
        q = self.quota
        reset_in = q.reset_in(self.clock())
        return {"remaining": q.remaining, "limit": q.limit,
                "reset_in": None if reset_in is None else int(reset_in)}


class _Wait(Exception):
    def __init__(self, seconds: float, why: str):
        super().__init__(why)
        self.seconds, self.why = seconds, why


def _origin(url: str) -> tuple[str, str]:
    u = urlsplit(url)
    return (u.scheme.lower(), u.netloc.lower())


def _int(v: str | None) -> int | None:
    try:
        return int(v) if v is not None else None
    except ValueError:
        return None


def _message(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:200]
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"][:200]
    return ""
