"""What both presets share: accounts, orgs and repos with their ids, time, events, ordinary
activity, the organic background, promoted repos, and the bookkeeping of campaigns and hard
negatives. A preset (world.py ``easy``, realistic.py ``realistic``) says only how ids are handed
out and which campaigns and negatives it builds (its ``CAMPAIGN_PLAN`` / ``NEGATIVE_PLAN``).

Every random draw goes through ``self.rng`` in a fixed order: the same options give the same
world, byte for byte (docs/simulator.md)."""
from __future__ import annotations

import bisect
import datetime as _dt
import math
import random

from . import text
from ._calibration_data import ORGANIC_PROFILES, STUDY_DAYS, TYPES
from .clock import ACCOUNT_CURVE, DAY, HOUR, curve_inverse, unix_midnight

# diurnal weights of GitHub activity by UTC hour (peak in European afternoon / US morning)
DIURNAL = [0.55, 0.5, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.15, 1.2,
           1.3, 1.4, 1.45, 1.45, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.75, 0.65]
_DIURNAL_CUM = [sum(DIURNAL[: i + 1]) for i in range(24)]

OWN_TYPES = {"PushEvent", "CreateEvent", "DeleteEvent", "ReleaseEvent", "GollumEvent", "PublicEvent",
             "MemberEvent", "CommitCommentEvent"}
SOCIAL_TYPES = {"IssuesEvent", "IssueCommentEvent", "PullRequestEvent", "PullRequestReviewEvent",
                "PullRequestReviewCommentEvent"}

MAX_ACCOUNT_ID = 163_000_000      # GitHub user ids reached ~160M in early 2024
MAX_REPO_ID = 770_000_000         # repository ids reached ~770M in early 2024


def _pct_sample(rng: random.Random, pct) -> float:
    """Sample from an empirical distribution given as percentiles 0..100 (linear interpolation)."""
    x = rng.random() * 100
    i = min(99, int(x))
    return pct[i] + (pct[i + 1] - pct[i]) * (x - i)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    L = math.exp(-lam)
    k, p = 0, rng.random()
    while p > L:
        k += 1
        p *= rng.random()
    return k


class BaseWorld:
    """A labelled world under construction: entities in parallel lists (index = handle) and
    events ``(t, seq, type, actor_idx, repo_idx, tag)``, tag None | ("fake", campaign_idx) |
    ("neg", group_idx). Subclasses supply the id hooks and the plans."""
    preset = ""
    CAMPAIGN_KINDS: tuple[str, ...] = ()
    NEGATIVE_KINDS: tuple[str, ...] = ()
    ROLES: tuple[str, ...] = ()
    CAMPAIGN_PLAN: tuple[tuple[str, float], ...] = ()   # (builder method, how many at scale 1 / 14 days)
    NEGATIVE_PLAN: tuple[tuple[str, float], ...] = ()
    ONEOFF_SIZE = (40, 90)        # one-off stargazers per group (per 30 days)
    ONEOFF_REPOS = 8              # groups cycle over this many of the most popular repos

    def __init__(self, *, seed: int, days: int, scale: float, start: _dt.date, bad: bool):
        if days < 1:
            raise ValueError("days must be >= 1")
        if scale <= 0:
            raise ValueError("scale must be > 0")
        self.seed, self.days, self.scale, self.start, self.bad = seed, days, scale, start, bad
        self.T = days * DAY
        self.t0 = unix_midnight(start)
        self.rng = random.Random(f"starscope-world:{seed}")
        # accounts
        self.acc_id: list[int] = []
        self.acc_login: list[str] = []
        self.acc_role: list[str] = []
        self.acc_camp: list[str] = []
        self.acc_created: list[float] = []   # unix seconds of sign-up
        self._used_aids: set[int] = set()
        self._used_logins: set[str] = set()
        # orgs
        self.org_id: list[int] = []
        self.org_login: list[str] = []
        # repos
        self.repo_id: list[int] = []
        self.repo_full: list[str] = []
        self.repo_short: list[str] = []
        self.repo_owner_login: list[str] = []
        self.repo_owner_id: list[int] = []
        self.repo_org: list[int] = []
        self._used_rids: set[int] = set()
        self._repo_names: set[str] = set()
        self.events: list[tuple] = []
        self._stars: set[tuple[int, int]] = set()
        self.campaigns: list[dict] = []
        self.negatives: list[dict] = []
        # per-account own repos / org membership (lazy)
        self._own: dict[int, list[int]] = {}
        self._member: dict[int, int] = {}
        self._org_repos: dict[int, list[int]] = {}

    # ------------------------------------------------------------------ id hooks (per preset)
    def _account_id(self, created: float | None) -> int:
        """A new, unused account id (``created``: window seconds of sign-up, None for an account
        older than the window; the easy world has only older accounts)."""
        raise NotImplementedError

    def _next_free_account_id(self, aid: int) -> int:
        while aid in self._used_aids:
            aid += 1
        return aid

    def _repo_id(self, created: float | None) -> int:
        raise NotImplementedError

    def _popular_repo_id(self) -> int | None:
        """The id of a popular repository (None: ``_repo_id(None)``)."""
        return None

    def _human_signup(self) -> float | None:
        """When a background human signed up in the window (None: before it)."""
        return None

    def _after_humans(self) -> None:
        """Background people beyond the humans (the realistic world's trend followers...)."""

    def _promoter_created(self, t_create: float) -> float | None:
        """Sign-up of a promoted repository's new owner (None: an older account)."""
        return None

    def _promoted_repo_id(self, t: int, t_create: float) -> tuple[int | None, float | None]:
        """(rid, created) for a promoted repository created at ``t_create`` (clipped: ``t``)."""
        return None, None

    # ------------------------------------------------------------------ entities
    def _unique_login(self, make) -> str:
        for _ in range(50):
            s = make()
            if s.lower() not in self._used_logins:
                self._used_logins.add(s.lower())
                return s
        s = make() + str(len(self._used_logins))
        self._used_logins.add(s.lower())
        return s

    def add_account(self, role: str, campaign: str = "", *, aid: int | None = None, login: str | None = None,
                    created: float | None = None, style: int | None = None) -> int:
        """``created``: window seconds of sign-up; None: an account older than the window.
        ``style``: a bulk-login pattern (text.login_bulk) instead of an organic-looking login."""
        rng = self.rng
        aid = self._account_id(created) if aid is None else self._next_free_account_id(aid)
        self._used_aids.add(aid)
        if login is None:
            login = self._unique_login(lambda: text.login_organic(rng) if style is None
                                       else text.login_bulk(rng, style))
        self.acc_id.append(aid)
        self.acc_login.append(login)
        self.acc_role.append(role)
        self.acc_camp.append(campaign)
        # older accounts: read off GitHub's id curve, at the latest a minute before the window
        self.acc_created.append(min(curve_inverse(ACCOUNT_CURVE, aid), self.t0 - 60) if created is None
                                else self.t0 + created)
        return len(self.acc_id) - 1

    def created_at(self, a: int) -> float:
        """Unix seconds of the account's sign-up."""
        return self.acc_created[a]

    def add_org(self) -> int:
        rng = self.rng
        oid = rng.randint(1, MAX_ACCOUNT_ID)
        while oid in self._used_aids:
            oid += 1
        self._used_aids.add(oid)
        self.org_id.append(oid)
        self.org_login.append(self._unique_login(lambda: text.org_name(rng)))
        return len(self.org_id) - 1

    def add_repo(self, *, owner_acc: int | None = None, org: int | None = None, name: str | None = None,
                 rid: int | None = None, created: float | None = None) -> int:
        rng = self.rng
        if rid is None:
            rid = self._repo_id(created)
        while rid in self._used_rids:
            rid += rng.randint(1, 1000)
        self._used_rids.add(rid)
        if org is not None:
            owner_login, owner_id = self.org_login[org], self.org_id[org]
        else:
            owner_login, owner_id = self.acc_login[owner_acc], self.acc_id[owner_acc]
        base = name or text.repo_name(rng)
        short = base
        k = 2
        while f"{owner_login}/{short}".lower() in self._repo_names:
            short = f"{base}-{k}"
            k += 1
        full = f"{owner_login}/{short}"
        self._repo_names.add(full.lower())
        self.repo_id.append(rid)
        self.repo_full.append(full)
        self.repo_short.append(short)
        self.repo_owner_login.append(owner_login)
        self.repo_owner_id.append(owner_id)
        self.repo_org.append(-1 if org is None else org)
        return len(self.repo_id) - 1

    def own_repo(self, a: int) -> int:
        """A repository the account pushes to: one of its own, or one of its org's."""
        rng = self.rng
        org = self._member.get(a)
        if org is not None and rng.random() < 0.45:
            lst = self._org_repos[org]
            return lst[int(rng.random() * len(lst))]
        lst = self._own.get(a)
        if lst is None:
            lst = [self.add_repo(owner_acc=a) for _ in range(1 + min(4, int(rng.expovariate(0.9))))]
            self._own[a] = lst
        return lst[int(rng.random() * len(lst))]

    # ------------------------------------------------------------------ time
    def diurnal_time(self, lo: int = 0, hi: int | None = None) -> int:
        """A time in [lo, hi) following the daily activity cycle."""
        rng = self.rng
        hi = self.T if hi is None else hi
        if hi - lo < DAY:
            return lo + int(rng.random() * (hi - lo))
        for _ in range(20):
            d = lo // DAY + int(rng.random() * ((hi - lo) / DAY + 1))
            h = bisect.bisect_right(_DIURNAL_CUM, rng.random() * _DIURNAL_CUM[-1])
            t = d * DAY + h * HOUR + int(rng.random() * HOUR)
            if lo <= t < hi:
                return t
        return lo + int(rng.random() * (hi - lo))

    def clip(self, t: float) -> int:
        return min(self.T - 1, max(0, int(t)))

    # ------------------------------------------------------------------ events
    def emit(self, t: int, etype: str, a: int, r: int, tag=None) -> None:
        self.events.append((self.clip(t), len(self.events), etype, a, r, tag))

    def star(self, t: int, a: int, r: int, tag=None) -> bool:
        key = (a, r)
        if key in self._stars:
            return False
        self._stars.add(key)
        self.emit(t, "WatchEvent", a, r, tag)
        return True

    def pick_popular(self) -> int:
        i = bisect.bisect_right(self._pop_cum, self.rng.random() * self._pop_cum[-1])
        return self.popular[min(i, len(self.popular) - 1)]

    def pick_any_repo(self) -> int:
        return int(self.rng.random() * self._n_background_repos)

    def activity(self, a: int, counts: dict[str, int], *, min_days: int = 1, lo: int = 0, hi: int | None = None,
                 social_popular: float = 0.6) -> None:
        """Emit an account's ordinary activity: ``counts`` events by type, grouped in sessions."""
        rng = self.rng
        n = sum(counts.values())
        if n == 0:
            return
        hi = self.T if hi is None else hi
        n_sess = max(min_days, min(n, 1 + int(rng.expovariate(1.0) * math.sqrt(n))))
        sessions = []
        if min_days > 1:
            # force distinct days
            day_span = max(1, (hi - lo) // DAY)
            days = rng.sample(range(day_span), min(min_days, day_span))
            sessions = [lo + d * DAY + int(rng.random() * (DAY - 4 * HOUR)) for d in days]
        while len(sessions) < n_sess:
            sessions.append(self.diurnal_time(lo, hi))
        cursor = {s: s for s in sessions}
        order = list(range(len(sessions)))
        j = 0
        for etype in TYPES:
            for _ in range(counts.get(etype, 0)):
                s = sessions[order[j % len(order)]] if j < len(order) else sessions[int(rng.random() * len(sessions))]
                j += 1
                t = cursor[s] = cursor[s] + 1 + int(rng.expovariate(1 / 240))
                if etype == "WatchEvent":
                    r = self.pick_popular() if rng.random() < 0.75 else self.pick_any_repo()
                    self.star(t, a, r)
                    continue
                if etype == "ForkEvent":
                    r = self.pick_popular() if rng.random() < 0.7 else self.pick_any_repo()
                elif etype in SOCIAL_TYPES and rng.random() < social_popular:
                    r = self.pick_popular()
                else:
                    r = self.own_repo(a)
                self.emit(t, etype, a, r)

    def profile_counts(self, profile, factor: float, cap_per_day: float = 60.0) -> dict[str, int]:
        rng = self.rng
        total = sum(profile)
        f = factor
        if total * factor > cap_per_day * self.days:
            f = cap_per_day * self.days / total
        return {t: _poisson(rng, c * f) for t, c in zip(TYPES, profile) if c}

    # ------------------------------------------------------------------ build
    def build(self) -> None:
        self._background()
        self._run_plan(self.CAMPAIGN_PLAN)
        self._run_plan(self.NEGATIVE_PLAN)
        self.events.sort()

    def _run_plan(self, plan) -> None:
        for method, base in plan:
            for _ in range(self._n(base)):
                getattr(self, method)()

    def _n(self, base: float) -> int:
        return max(1, int(round(base * self.scale * max(1.0, self.days / 14))))

    def _background(self) -> None:
        self._orgs_and_popular()
        self._humans()
        self._after_humans()
        self._n_background_repos = len(self.repo_id)
        self._bots()
        self._n_background_repos = len(self.repo_id)
        self.n_background_events = len(self.events)

    def _orgs_and_popular(self) -> None:
        """Organisations with a few repos each, and the popular repositories (Zipf weights)."""
        rng, s = self.rng, self.scale
        self.n_orgs = n_orgs = max(10, int(120 * s))
        for _ in range(n_orgs):
            self._org_repos[self.add_org()] = []
        n_pop = max(60, int(300 * s))
        pop_owners = [self.add_account("organic") for _ in range(n_pop // 3)]
        self.popular = []
        for i in range(n_pop):
            if rng.random() < 0.6:
                o = rng.randrange(n_orgs)
                r = self.add_repo(org=o, rid=self._popular_repo_id())
                self._org_repos[o].append(r)
            else:
                r = self.add_repo(owner_acc=pop_owners[i % len(pop_owners)], rid=self._popular_repo_id())
            self.popular.append(r)
        for o in range(n_orgs):
            for _ in range(rng.randint(1, 6)):
                self._org_repos[o].append(self.add_repo(org=o))
        w = [1.0 / (i + 1) ** 0.9 for i in range(n_pop)]
        self._pop_cum = [sum(w[: i + 1]) for i in range(n_pop)]

    def _humans(self) -> None:
        """People: per-account activity calibrated on StarScout's random-account sample."""
        rng = self.rng
        factor = self.days / STUDY_DAYS
        n_humans = int(18000 * self.scale * min(1.0, (self.days / 7) ** 0.5))
        self._n_background_repos = len(self.repo_id)
        self.humans = []
        for _ in range(n_humans):
            prof = ORGANIC_PROFILES[rng.randrange(len(ORGANIC_PROFILES))]
            counts = self.profile_counts(prof, factor * 3.0)
            # the sample over-represents stargazing relative to the whole event stream
            if counts.get("WatchEvent"):
                counts["WatchEvent"] = sum(1 for _ in range(counts["WatchEvent"]) if rng.random() < 0.6)
            if not any(counts.values()):
                continue
            t_c = self._human_signup()
            a = self.add_account("organic", created=t_c)
            if rng.random() < 0.25:
                self._member[a] = rng.randrange(self.n_orgs)
            self.humans.append(a)
            self.activity(a, counts, lo=0 if t_c is None else int(t_c))
            if len(self.humans) % 50 == 0:
                self._n_background_repos = len(self.repo_id)

    def _bots(self) -> None:
        """Automation-heavy accounts (CI bots, mirrors, auto-committers): the bulk of pushes."""
        rng = self.rng
        for _ in range(max(5, int(300 * self.scale))):
            a = self.add_account("organic", login=self._unique_login(
                lambda: text.login_organic(rng) + rng.choice(("", "", "-bot", "-ci", "-sync", "-auto"))))
            if rng.random() < 0.5:
                self._member[a] = rng.randrange(self.n_orgs)
            per_day = min(400.0, 20 * rng.lognormvariate(0, 1.0))
            n = _poisson(rng, per_day * self.days)
            self.activity(a, {"PushEvent": int(n * 0.72), "CreateEvent": int(n * 0.2), "DeleteEvent": int(n * 0.08)})

    # ------------------------------------------------------------------ campaigns
    def _new_campaign(self, kind: str, variant: str = "") -> tuple[int, str]:
        k = sum(1 for c in self.campaigns if c["kind"] == kind) + 1
        cid = f"{kind}-{variant + '-' if variant else ''}{k}"
        self.campaigns.append({"campaign_id": cid, "kind": kind, "repos": [], "accounts": set()})
        return len(self.campaigns) - 1, cid

    def _promoted_repo(self, name: str, t_create: float, owner: int | None = None, role: str = "organic",
                       campaign: str = "", rid: int | None = None) -> int:
        """A repository that will be promoted: its owner creates it and pushes a little."""
        rng = self.rng
        if owner is None:
            owner = self.add_account(role, campaign, created=self._promoter_created(t_create))
        t = self.clip(t_create)
        rid, created = self._promoted_repo_id(t, t_create) if rid is None else (rid, None)
        r = self.add_repo(owner_acc=owner, name=name, rid=rid, created=created)
        self.emit(t, "CreateEvent", owner, r)
        for _ in range(rng.randint(1, 4)):
            t += rng.randint(20, 3 * HOUR)
            self.emit(t, "PushEvent", owner, r)
        if rng.random() < 0.5:
            self.emit(t + rng.randint(60, DAY), "ReleaseEvent", owner, r)
        return r

    def _organic_sprinkle(self, r: int, n: int, lo: int, hi: int) -> None:
        """A few genuine stars on a promoted repo (real customers' repos get some)."""
        for _ in range(n):
            self.star(self.diurnal_time(lo, hi), self.humans[int(self.rng.random() * len(self.humans))], r)

    def _fake_star(self, c: int, t: int, a: int, r: int) -> bool:
        if self.star(t, a, r, ("fake", c)):
            self.campaigns[c]["accounts"].add(a)
            return True
        return False

    # ------------------------------------------------------------------ hard negatives
    def _new_negative(self, kind: str) -> tuple[int, str]:
        k = sum(1 for g in self.negatives if g["kind"] == kind) + 1
        gid = f"{kind}-{k}"
        self.negatives.append({"group_id": gid, "kind": kind, "repos": [], "accounts": set()})
        return len(self.negatives) - 1, gid

    def _neg_star(self, g: int, t: int, a: int, r: int) -> bool:
        if self.star(t, a, r, ("neg", g)):
            self.negatives[g]["accounts"].add(a)
            return True
        return False

    def _active_account(self, role: str, gid: str, created: float | None = None) -> int:
        """A genuinely active account: >= 3 ordinary events on >= 2 days besides its star(s)."""
        a = self.add_account(role, gid, created=created)
        busy = [p for p in ORGANIC_PROFILES if sum(p) >= 100]
        prof = busy[self.rng.randrange(len(busy))]
        counts = self.profile_counts(prof, 3.0 * self.days / STUDY_DAYS)
        counts.pop("WatchEvent", None)
        if sum(counts.values()) < 3:
            counts["PushEvent"] = counts.get("PushEvent", 0) + 3
        lo = 0 if created is None else int(created)
        self.activity(a, counts, min_days=min(2, max(1, (self.T - lo) // DAY)), lo=lo)
        return a

    def _fans_follow_up(self, t: int, a: int, r: int, fork: float, issue: float) -> None:
        """After starring a launch, some fans fork it (share ``fork``), a few open an issue."""
        rng = self.rng
        u = rng.random()
        if u < fork:
            self.emit(t + rng.randint(10, 3 * HOUR), "ForkEvent", a, r)
        elif u < issue:
            self.emit(t + rng.randint(60, 6 * HOUR), "IssuesEvent", a, r)

    def _oneoff(self) -> None:
        """One-star visitors of a popular repo: old accounts, ids spread over the whole range."""
        rng = self.rng
        g, gid = self._new_negative("oneoff")
        r = self.popular[(sum(1 for x in self.negatives if x["kind"] == "oneoff") - 1) % self.ONEOFF_REPOS]
        self.negatives[g]["repos"].append(r)
        lo, hi = self.ONEOFF_SIZE
        for _ in range(int(rng.randint(lo, hi) * max(1.0, self.days / 30))):
            a = self.add_account("oneoff", gid)
            self._neg_star(g, self.diurnal_time(), a, r)
