"""The live source: read repositories from GitHub's REST API into the store (`starscope github`).

Per repository, in this order, each step committed atomically with the source's state:

1. `/repos/{owner}/{repo}`: its id and current name (a 301 means it was renamed or moved).
2. `/repos/{owner}/{repo}/events`: its event feed (the last 300 events / 30 days), the same
   event JSON as GH Archive, so it goes through the archive's parser into the same tables;
   de-duplicated with archive events by event id. Conditional on the feed's ETag.
3. `/repos/{owner}/{repo}/stargazers` (`application/vnd.github.star+json`): every star with its
   time, when the token may see the list (since 2026-06-30: the repo's admins and
   collaborators). One commit per page; a re-run continues after the last committed page and,
   once the list is complete, re-reads only its last page, conditionally.
4. `/users/{login}` of every stargazer not yet profiled (`/user/{id}` when the login changed).
5. with `user_events`: `/users/{login}/events/public` of every stargazer (conditional).

A run is a *round*; a step done in the current round is not asked again, so a run killed at
any point (kill -9) and run again continues where its last commit was and ends with the same
store as an uninterrupted run. Missing, renamed, blocked or unreadable things (404/410/301/
403/451, answers that stay malformed) are recorded in the state and reported, never fatal.
"""
from __future__ import annotations

import bisect
import datetime as dt
import json
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from starscope.errors import UsageError
from starscope.ingest.parse import parse_lines
from starscope.names import from_github_url
from starscope.source.github import STAR_JSON, UNAUTHENTICATED_NOTE, GitHubClient, Reply
from starscope.store import Store
from starscope.store import live
from starscope.store.schema import ACCOUNT_PROFILES, PROFILE_MONTH, STARS, WATCH
from starscope.store.segments import derive_segments

SOURCE = "github"
REPO_RE = re.compile(r"[A-Za-z0-9_.-]{1,39}/[A-Za-z0-9_.-]{1,100}")
LOGIN_RE = re.compile(r"[A-Za-z0-9_.\[\]-]{1,60}")
# What is read is committed every COMMIT_SECONDS (or PENDING_ROWS rows, to bound memory): a
# commit costs more than many requests; a killed run reads again only what came after it.
COMMIT_SECONDS = 15.0
# An event feed is at most 300 events (10 pages of 30); a server that offers more is not
# followed for ever.
MAX_FEED_PAGES = 20
PENDING_ROWS = 200_000
# Events read are parsed in batches of about this much JSON (they wait for a look-up or a
# commit otherwise): parsing a page at a time paid the parser's fixed cost per page.
RAW_BYTES = 8 << 20
STARGAZERS_HIDDEN = ("the stargazer list of {repo} is not visible to this token (HTTP {status}): "
                     "since 2026-06-30 GitHub shows it only to the repo's admins and "
                     "collaborators; reading what else is public")

ProgressFn = Callable[[str, dict[str, Any]], None]


def check_repo_name(name: str) -> str:
    name = from_github_url(name, 2).strip("/")  # github.com/owner/repo[/tree/x|.git] too
    if not REPO_RE.fullmatch(name) or name.split("/")[1] in (".", ".."):
        raise UsageError(f"not a repository name (OWNER/REPO): {name!r}")
    return name


@dataclass
class GithubReport:
    repos: list[str] = field(default_factory=list)
    round: int = 0
    requests: int = 0
    not_modified: int = 0
    events_new: int = 0
    stars_new: int = 0
    profiles_new: int = 0
    bad_events: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    quota: dict[str, Any] = field(default_factory=dict)
    poll_interval: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ts(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return t


def _pos_int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**63 else None


def _user(obj: Any) -> tuple[int, str] | None:
    """(id, login) of a user object, if it is one."""
    if not isinstance(obj, dict):
        return None
    uid, login = _pos_int(obj.get("id")), obj.get("login")
    if uid is None or not isinstance(login, str) or not LOGIN_RE.fullmatch(login):
        return None
    return uid, login


class LiveIngest:
    """One run over some repositories, with the store's write lock held (`writer`).

    What is read is kept in memory (parsed events, listed stars, profiles) together with the
    state that says it was read, and committed with it in one atomic step every
    `commit_every` seconds (and at the end): a commit costs far more than a request, and a
    killed run only reads again what came after its last commit."""

    def __init__(self, writer, client: GitHubClient, *, user_events: bool = False,
                 progress: ProgressFn | None = None, commit_every: float = COMMIT_SECONDS):
        self.writer = writer
        self.store: Store = writer.store
        self.client = client
        self.user_events = user_events
        self.emit = progress or (lambda kind, info: None)
        self.commit_every = commit_every
        self.state = writer.snapshot().source_state(SOURCE)
        for key in ("repos", "users", "problems", "renamed"):
            self.state.setdefault(key, {})
        # A new round starts when the last one was completed; otherwise this run resumes it.
        if self.state.get("round") is None or self.state.get("complete_round") == self.state["round"]:
            self.state["round"] = int(self.state.get("round") or 0) + 1
        self.round = self.state["round"]
        self.report = GithubReport(round=self.round)
        self.touched: set[str] = set()
        self._con = None
        self._n = 0
        self._reset_pending()
        self.last_commit = time.monotonic()

    def _reset_pending(self) -> None:
        # events read but not parsed yet: (NDJSON lines, how many, where from). Parsed together
        # when something needs them (a look-up of stars, the commit): one parse of a batch
        # instead of one per page, most of them a user's few events (parse's fixed cost).
        self.p_raw: list[tuple[bytes, int, str]] = []
        self.p_raw_bytes = 0
        self.p_tables: list[pa.Table] = []  # parsed events
        self.p_quarantine: list[dict[str, Any]] = []
        self.p_listed: list[tuple[int, str, int, str, int | None, dt.datetime]] = []
        self.p_profiles: list[dict[str, Any]] = []
        # (account, repo) pairs with a star read but not committed
        self.p_stars: dict[int, dict[int, tuple[dt.datetime, str]]] = {}
        self.p_profiled: dict[int, str] = {}
        self.p_size = 0

    # ------------------------------------------------------------------ plumbing
    def con(self):
        if self._con is None:
            self._con = live.connect(self.store, self.writer.snapshot())
        return self._con

    def _staging(self) -> Path:
        self._n += 1
        d = self.writer.staging / f"github-{self._n:06d}"
        shutil.rmtree(d, ignore_errors=True)
        return d

    def maybe_commit(self) -> None:
        if (time.monotonic() - self.last_commit >= self.commit_every
                or self.p_size >= PENDING_ROWS):
            self.commit()

    def commit(self) -> None:
        """Commit what was read since the last commit, and the state, in one atomic step."""
        self.parse_pending()
        parts: list[tuple[list[dict[str, Any]], Path]] = []
        if self.p_tables:
            d = self._staging()
            # events first: an event star of a pair wins over a listed one (the store's commit
            # keeps one of the two, whatever the order)
            parts.append((derive_segments(pa.concat_tables(self.p_tables), d), d))
        if self.p_listed:
            cols = list(zip(*sorted(self.p_listed, key=lambda r: (r[2], r[0]))))
            table = pa.table({
                "event_id": pa.nulls(len(self.p_listed), pa.int64()),
                "starred_at": pa.array(cols[5], pa.timestamp("us")),
                "repo_id": pa.array(cols[2], pa.int64()),
                "repo_name": pa.array(cols[3], pa.string()),
                "actor_id": pa.array(cols[0], pa.int64()),
                "actor_login": pa.array(cols[1], pa.string()),
                "org_id": pa.array(cols[4], pa.int64()),
            }, schema=STARS)
            d = self._staging()
            parts.append((live.stage_listed_stars(table, d), d))
        if self.p_profiles:
            d = self._staging()
            table = pa.Table.from_pylist(self.p_profiles, schema=ACCOUNT_PROFILES)
            parts.append((live.stage_profiles(table, d), d))
            self.report.profiles_new += len(self.p_profiles)
        parts = [(segs, d) for segs, d in parts if segs]
        counts = self.writer.commit_staged([s for s, _ in parts], [d for _, d in parts], {},
                                           self.p_quarantine, state={SOURCE: self.state})
        for segs, d in parts:
            self.touched.update(s["month"] for s in segs)
            shutil.rmtree(d, ignore_errors=True)
        if self._con is not None:
            self._con.close()
            self._con = None
        self.report.events_new += counts.get("events", 0)
        self.report.stars_new += counts.get("stars", 0)
        self._reset_pending()
        self.last_commit = time.monotonic()
        self.emit("commit", counts)

    def problem(self, key: str, reply: Reply | None, message: str | None = None) -> None:
        rec = {"what": key, "status": reply.status if reply else None,
               "message": self.client.redact(message or (reply.message if reply else ""))}
        self.state["problems"][key] = {"status": rec["status"], "message": rec["message"]}
        self.report.problems.append(rec)
        self.emit("problem", rec)

    def solved(self, key: str) -> None:
        self.state["problems"].pop(key, None)

    def note(self, text: str) -> None:
        text = self.client.redact(text)
        self.report.notes.append(text)
        self.emit("note", {"text": text})

    def deleted(self, aid: int) -> bool:
        """The account was found deleted (404/410): not asked again. Other failures are."""
        return (self.state["problems"].get(f"user:{aid}") or {}).get("status") in (404, 410)

    def done(self, rec: dict[str, Any], step: str) -> bool:
        return rec.get(step) == self.round

    def _poll(self, reply: Reply) -> None:
        if reply.poll_interval:
            self.report.poll_interval = max(self.report.poll_interval or 0, reply.poll_interval)

    # look-ups over the store and what is pending
    def starred_by(self, repo_id: int) -> set[int]:
        self.parse_pending()
        return live.starred_by(self.con(), repo_id) | set(self.p_stars.get(repo_id, {}))

    def stargazers(self, repo_id: int) -> list[tuple[int, str]]:
        self.parse_pending()
        best = {a: (t, login) for a, login, t in live.stargazers(self.con(), repo_id)}
        for a, (t, login) in self.p_stars.get(repo_id, {}).items():
            if a not in best or t >= best[a][0]:
                best[a] = (t, login)
        return [(a, best[a][1]) for a in sorted(best)]

    def profiled(self) -> dict[int, str]:
        return {**live.profiled(self.con()), **self.p_profiled}

    def _pending_star(self, actor: int, repo: int, login: str, t: dt.datetime) -> None:
        cur = self.p_stars.setdefault(repo, {}).get(actor)
        if cur is None or t >= cur[0]:
            self.p_stars[repo][actor] = (t, login)

    # ------------------------------------------------------------------ the run
    def run(self, repos: Iterable[str]) -> GithubReport:
        names = [check_repo_name(r) for r in repos]
        self.report.repos = names
        for name in names:
            self.emit("repo", {"repo": name})
            self.one_repo(name)
        self.state["complete_round"] = self.round
        self.commit()
        if self.touched:
            self.writer.compact(self.touched | {PROFILE_MONTH})
        c = self.client.counters
        self.report.requests, self.report.not_modified = c.requests, c.not_modified
        self.report.quota = self.client.quota_info()
        if self._con is not None:
            self._con.close()
        return self.report

    def one_repo(self, name: str) -> None:
        key = name.lower()
        rs = self.state["repos"].setdefault(key, {})
        meta = self.repo_meta(name, rs)
        if meta is None:
            return
        if not self.done(rs, "events_round"):
            self.repo_events(name, meta, rs)
        if not self.done(rs, "stars_round"):
            self.repo_stargazers(name, meta, rs)
        if not self.done(rs, "profiles_round"):
            self.profiles(meta["id"])
            rs["profiles_round"] = self.round
        if self.user_events and not self.done(rs, "user_events_round"):
            self.users_events(meta["id"])
            rs["user_events_round"] = self.round
        self.maybe_commit()

    def repo_meta(self, name: str, rs: dict[str, Any]) -> dict[str, Any] | None:
        if self.done(rs, "meta_round") and rs.get("meta"):
            return rs["meta"]
        c = self.client
        # GitHub: after a 301, use the new URL for later requests.
        ask = self.state["renamed"].get(name.lower(), name)
        reply = c.get(c.url(f"/repos/{ask}"), etag=rs.get("etag") if rs.get("meta") else None)
        pkey = f"repo:{name.lower()}"
        if reply.not_modified and rs.get("meta"):
            meta = rs["meta"]
        elif reply.ok:
            d = reply.data if isinstance(reply.data, dict) else {}
            rid, full = _pos_int(d.get("id")), d.get("full_name")
            owner = _user(d.get("owner"))
            if rid is None or not isinstance(full, str) or not REPO_RE.fullmatch(full):
                self.problem(pkey, reply, "the repository answer lacks a valid id or full_name")
                return None
            org_id = owner[0] if owner and isinstance(d.get("owner"), dict) and \
                d["owner"].get("type") == "Organization" else None
            meta = {"id": rid, "full_name": full, "org_id": org_id}
            rs["etag"] = reply.etag
        else:
            what = {404: "not found (deleted, private, or never existed)", 410: "gone",
                    451: "unavailable for legal reasons", 403: "forbidden",
                    401: "the token was refused"}.get(reply.status, "not readable")
            code = f"HTTP {reply.status}" if reply.status else "no answer"
            self.problem(pkey, reply, f"{name}: {what} ({code}) {reply.message}".strip())
            rs["meta_round"] = self.round
            return None
        self.solved(pkey)
        if meta["full_name"].lower() != name.lower():
            if self.state["renamed"].get(name.lower()) != meta["full_name"]:
                self.note(f"{name} is now {meta['full_name']} (renamed or moved)")
            self.state["renamed"][name.lower()] = meta["full_name"]
            self.report.renamed[name] = meta["full_name"]
        rs["meta"] = meta
        rs["meta_round"] = self.round
        return meta

    # ------------------------------------------------------------------ events
    def _fetch_pages(self, url: str, etag: str | None, what: str) -> tuple[Reply, list[Any], bool]:
        """All pages of a list from url (conditional on etag): (first reply, items, complete)."""
        c = self.client
        first = c.get(url, etag=etag)
        self._poll(first)
        if not first.ok:
            return first, [], False
        if not isinstance(first.data, list):
            self.problem(what, first, "the answer is not a list")
            return first, [], False
        items = list(first.data)
        nxt, seen = first.next_url, {url}
        while nxt and nxt not in seen:
            if len(seen) >= MAX_FEED_PAGES:
                self.problem(what, first, f"more than {MAX_FEED_PAGES} pages: the rest is not read "
                                          f"(GitHub's feeds hold at most 300 events)")
                return first, items, False
            seen.add(nxt)
            r = c.get(nxt)
            if not r.ok or not isinstance(r.data, list):
                self.problem(what, r, f"a later page could not be read: {r.message or r.status}")
                return first, items, False
            items += r.data
            nxt = r.next_url
        return first, items, True

    def add_events(self, items: list[Any], origin: str) -> None:
        """Keep events for the next commit; parse_pending parses them (GH Archive's parser)."""
        if not items:
            return
        # one line per event: compact JSON escapes any newline inside a string
        lines = b"".join(json.dumps(e, separators=(",", ":")).encode() + b"\n" for e in items)
        self.p_raw.append((lines, len(items), origin))
        self.p_raw_bytes += len(lines)
        self.p_size += len(items)
        if self.p_raw_bytes >= RAW_BYTES:
            self.parse_pending()

    def parse_pending(self) -> None:
        """Parse the pending events in one go; a bad one is quarantined with its origin (the
        URL it came from) and its line number in that answer, as if parsed alone."""
        if not self.p_raw:
            return
        raw, self.p_raw, self.p_raw_bytes = self.p_raw, [], 0
        res = parse_lines(b"".join(lines for lines, _, _ in raw))
        starts, n = [], 0  # the first line (1-based) of each answer in the batch
        for _, count, _ in raw:
            starts.append(n + 1)
            n += count
        redact = self.client.redact
        for b in res.bad:
            i = bisect.bisect_right(starts, b.line) - 1
            self.p_quarantine.append(
                {"file": "github", "path": redact(raw[i][2]), "line": b.line - starts[i] + 1,
                 "offset": None, "error": b.error,
                 "head": redact(b.head.decode("utf-8", "backslashreplace"))})
        self.report.bad_events += len(res.bad)
        t = res.table
        if t.num_rows:
            self.p_tables.append(t)
            w = t.filter(pc.equal(t["type"], WATCH))
            for a, login, r, at in zip(w["actor_id"].to_pylist(), w["actor_login"].to_pylist(),
                                       w["repo_id"].to_pylist(), w["created_at"].to_pylist()):
                self._pending_star(a, r, login, at)

    def repo_events(self, name: str, meta: dict[str, Any], rs: dict[str, Any]) -> None:
        c = self.client
        pkey = f"events:{name.lower()}"
        url = c.url(f"/repos/{meta['full_name']}/events", paged=True)
        first, items, complete = self._fetch_pages(url, rs.get("events_etag"), pkey)
        rs["events_round"] = self.round
        if first.not_modified:
            return
        if not first.ok:
            self.problem(pkey, first, f"event feed of {name}: HTTP {first.status} {first.message}".strip())
            return
        if complete:
            rs["events_etag"] = first.etag  # only a complete read may be skipped next time
            self.solved(pkey)
        self.add_events(items, url)

    # ------------------------------------------------------------------ stargazers
    def repo_stargazers(self, name: str, meta: dict[str, Any], rs: dict[str, Any]) -> None:
        c = self.client
        pkey = f"stargazers:{name.lower()}"
        first_url = c.url(f"/repos/{meta['full_name']}/stargazers", paged=True)
        if rs.get("stars_complete") and rs.get("stars_last_url"):
            url, etag = rs["stars_last_url"], rs.get("stars_last_etag")
        else:
            url, etag = rs.get("stars_next") or first_url, None
        if not url.startswith(c.base_url + "/"):
            url, etag = first_url, None  # kept from another API URL: start over here
        while url:
            r = c.get(url, etag=etag, accept=STAR_JSON)
            if r.not_modified:
                break
            if not r.ok:
                if r.status in (401, 403, 404):
                    text = STARGAZERS_HIDDEN.format(repo=name, status=r.status)
                    if not c.authenticated:
                        text += "; no token was given"
                    self.problem(pkey, r, text)
                else:
                    self.problem(pkey, r, f"stargazers of {name}: HTTP {r.status} {r.message}".strip())
                break
            if not isinstance(r.data, list):
                self.problem(pkey, r, "the stargazer answer is not a list")
                break
            rows, bad = [], 0
            for item in r.data:
                user = _user(item.get("user")) if isinstance(item, dict) else None
                at = _ts(item.get("starred_at")) if isinstance(item, dict) else None
                if user is None or at is None:
                    bad += 1
                    continue
                rows.append((user[0], user[1], at))
            if bad and not rows:
                self.problem(pkey, r, f"{bad} stargazers without a user or starred_at (is the "
                                      f"star+json media type honoured?)")
                break
            self.solved(pkey)
            have = self.starred_by(meta["id"])
            for uid, login, at in rows:
                if uid in have:
                    continue
                have.add(uid)
                self.p_listed.append((uid, login, meta["id"], meta["full_name"],
                                      meta.get("org_id"), at))
                self._pending_star(uid, meta["id"], login, at)
                self.p_size += 1
            rs["stars_last_url"], rs["stars_last_etag"] = url, r.etag
            rs["stars_next"], rs["stars_complete"] = r.next_url, r.next_url is None
            self.maybe_commit()
            url, etag = r.next_url, None
        rs["stars_round"] = self.round

    # ------------------------------------------------------------------ accounts
    def profiles(self, repo_id: int) -> None:
        have = self.profiled()
        todo = [(a, login) for a, login in self.stargazers(repo_id)
                if a not in have and not self.deleted(a)]
        for aid, login in todo:
            prof = self.profile(aid, login)
            if prof is not None:
                self.p_profiles.append(prof)
                self.p_profiled[aid] = prof["actor_login"]
                self.p_size += 1
            self.maybe_commit()

    def profile(self, aid: int, login: str) -> dict[str, Any] | None:
        c = self.client
        r = c.get(c.url(f"/users/{quote(login, safe='')}"))
        d = r.data if r.ok and isinstance(r.data, dict) else None
        if d is None or _pos_int(d.get("id")) != aid:
            # The login changed (or now names someone else): ask by the account id.
            r = c.get(c.url(f"/user/{aid}"))
            d = r.data if r.ok and isinstance(r.data, dict) else None
        if d is None or _pos_int(d.get("id")) != aid or _user(d) is None:
            what = "deleted or hidden" if r.status in (404, 410) else f"HTTP {r.status} {r.message}"
            self.problem(f"user:{aid}", r, f"account {login} (id {aid}): {what}".strip())
            return None
        self.solved(f"user:{aid}")
        created = _ts(d.get("created_at"))
        if d["login"] != login:
            self.note(f"account {aid} changed its login: {login} -> {d['login']}")

        def count(k: str) -> int | None:
            v = d.get(k)
            return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None

        return {"actor_id": aid, "actor_login": d["login"],
                "type": d.get("type") if isinstance(d.get("type"), str) else None,
                "created_at": created, "public_repos": count("public_repos"),
                "followers": count("followers")}

    def users_events(self, repo_id: int) -> None:
        c = self.client
        logins = self.profiled()
        users = self.state["users"]
        for aid, login in self.stargazers(repo_id):
            us = users.setdefault(str(aid), {})
            if self.done(us, "round") or self.deleted(aid):
                continue
            login = logins.get(aid, login)
            url = c.url(f"/users/{quote(login, safe='')}/events/public", paged=True)
            first, got, complete = self._fetch_pages(url, us.get("etag"), f"user-events:{aid}")
            if first.ok or first.not_modified:
                if complete:
                    us["etag"] = first.etag
                self.add_events(got, url)
            else:
                self.problem(f"user-events:{aid}", first,
                             f"public events of {login}: HTTP {first.status} {first.message}".strip())
            us["round"] = self.round
            self.maybe_commit()


def run_github(store: Store, repos: list[str], client: GitHubClient, *, user_events: bool = False,
               progress: ProgressFn | None = None,
               commit_every: float = COMMIT_SECONDS) -> GithubReport:
    """Read repositories from GitHub's API into the store (see module docstring)."""
    names = [check_repo_name(r) for r in repos]
    if not names:
        raise UsageError("give at least one repository (OWNER/REPO)")
    with store.writing() as writer:
        run = LiveIngest(writer, client, user_events=user_events, progress=progress,
                         commit_every=commit_every)
        if not client.authenticated:
            run.note(UNAUTHENTICATED_NOTE)
        return run.run(names)


def read_repo_list(path: str | Path) -> list[str]:
    """Repository names from a file: one per line; blank lines and # comments skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the repository list {path}: {exc.__class__.__name__}") from None
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(check_repo_name(line))
    return out
