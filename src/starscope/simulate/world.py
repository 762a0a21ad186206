"""The labelled world: organic background, fake-star campaigns, hard negatives, bad input."""
from __future__ import annotations

import bisect
import csv
import datetime as _dt
import json
import math
import random
from pathlib import Path

from . import archive, text
from ._calibration_data import (CLUSTERED_STARS_PCT, FAKE_PROFILES, LOW_ACTIVITY_STARS_PCT, ORGANIC_PROFILES,
                                STUDY_DAYS, TYPES)
from .write import write_world  # noqa: F401  (re-exported)

DAY = 86400
HOUR = 3600

# diurnal weights of GitHub activity by UTC hour (peak in European afternoon / US morning)
DIURNAL = [0.55, 0.5, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.15, 1.2,
           1.3, 1.4, 1.45, 1.45, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.75, 0.65]
_DIURNAL_CUM = [sum(DIURNAL[: i + 1]) for i in range(24)]

OWN_TYPES = {"PushEvent", "CreateEvent", "DeleteEvent", "ReleaseEvent", "GollumEvent", "PublicEvent",
             "MemberEvent", "CommitCommentEvent"}
SOCIAL_TYPES = {"IssuesEvent", "IssueCommentEvent", "PullRequestEvent", "PullRequestReviewEvent",
                "PullRequestReviewCommentEvent"}

ROLES = ("organic", "oneoff", "viral", "community", "throwaway", "farm", "ghost", "evasive")
CAMPAIGN_KINDS = ("throwaway", "farm", "ghost", "evasive")
NEGATIVE_KINDS = ("viral", "community", "oneoff")

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


class World:
    """The easy world (preset ``easy``): every campaign's accounts in private id blocks."""
    preset = "easy"
    CAMPAIGN_KINDS = CAMPAIGN_KINDS
    NEGATIVE_KINDS = NEGATIVE_KINDS
    ROLES = ROLES

    def __init__(self, *, seed: int, days: int, scale: float, start: _dt.date, bad: bool):
        if days < 1:
            raise ValueError("days must be >= 1")
        if scale <= 0:
            raise ValueError("scale must be > 0")
        self.seed, self.days, self.scale, self.start, self.bad = seed, days, scale, start, bad
        self.T = days * DAY
        self.rng = random.Random(f"starscope-world:{seed}")
        # accounts
        self.acc_id: list[int] = []
        self.acc_login: list[str] = []
        self.acc_role: list[str] = []
        self.acc_camp: list[str] = []
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
        # events: (t, seq, type, actor_idx, repo_idx, tag) ; tag = None | ("fake", campaign_idx) | ("neg", group_idx)
        self.events: list[tuple] = []
        self._stars: set[tuple[int, int]] = set()
        self.campaigns: list[dict] = []
        self.negatives: list[dict] = []
        # per-account own repos / org membership (lazy)
        self._own: dict[int, list[int]] = {}
        self._member: dict[int, int] = {}
        self._org_repos: dict[int, list[int]] = {}

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

    def add_account(self, role: str, campaign: str = "", *, aid: int | None = None, login: str | None = None) -> int:
        rng = self.rng
        if aid is None:
            aid = rng.randint(1, MAX_ACCOUNT_ID)
        while aid in self._used_aids:
            aid += rng.randint(1, 50)
        self._used_aids.add(aid)
        if login is None:
            login = self._unique_login(lambda: text.login_organic(rng))
        self.acc_id.append(aid)
        self.acc_login.append(login)
        self.acc_role.append(role)
        self.acc_camp.append(campaign)
        return len(self.acc_id) - 1

    def created_at(self, a: int) -> float:
        """Unix seconds of the account's sign-up: read off GitHub's id curve, before the window."""
        from .realistic import _ACCOUNT_CURVE, _curve_inverse

        t0 = (self.start - _dt.date(1970, 1, 1)).days * DAY
        return min(_curve_inverse(_ACCOUNT_CURVE, self.acc_id[a]), t0 - 60)

    def add_bulk_accounts(self, n: int, role: str, campaign: str, *, base: int | None = None) -> list[int]:
        """Accounts registered in one go: near-consecutive ids and patterned logins."""
        rng = self.rng
        if base is None:
            base = rng.randint(150_000_000, MAX_ACCOUNT_ID - 10_000)
        style = rng.randrange(4)
        out, aid = [], base
        for _ in range(n):
            aid += rng.choice((1, 1, 1, 1, 2, 2, 3, 5))
            while aid in self._used_aids:
                aid += 1
            out.append(self.add_account(role, campaign, aid=aid,
                                        login=self._unique_login(lambda: text.login_bulk(rng, style))))
        return out

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
                 rid: int | None = None) -> int:
        rng = self.rng
        if rid is None:
            rid = rng.randint(1_000_000, MAX_REPO_ID)
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
        self._campaigns()
        self._negatives()
        self.events.sort()

    def _background(self) -> None:
        rng, s = self.rng, self.scale
        wscale = s * self.days / 7
        # organisations and popular repositories
        n_orgs = max(10, int(120 * s))
        for _ in range(n_orgs):
            o = self.add_org()
            self._org_repos[o] = []
        n_pop = max(60, int(300 * s))
        pop_owners = [self.add_account("organic") for _ in range(n_pop // 3)]
        self.popular = []
        for i in range(n_pop):
            if rng.random() < 0.6:
                o = rng.randrange(n_orgs)
                r = self.add_repo(org=o, rid=rng.randint(1_000_000, 600_000_000))
                self._org_repos[o].append(r)
            else:
                r = self.add_repo(owner_acc=pop_owners[i % len(pop_owners)], rid=rng.randint(1_000_000, 600_000_000))
            self.popular.append(r)
        for o in range(n_orgs):
            for _ in range(rng.randint(1, 6)):
                self._org_repos[o].append(self.add_repo(org=o))
        w = [1.0 / (i + 1) ** 0.9 for i in range(n_pop)]
        self._pop_cum = [sum(w[: i + 1]) for i in range(n_pop)]
        # humans: per-account activity calibrated on StarScout's random-account sample
        factor = self.days / STUDY_DAYS
        n_humans = int(18000 * s * min(1.0, (self.days / 7) ** 0.5))
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
            a = self.add_account("organic")
            if rng.random() < 0.25:
                self._member[a] = rng.randrange(n_orgs)
            self.humans.append(a)
            self.activity(a, counts)
            if len(self.humans) % 50 == 0:
                self._n_background_repos = len(self.repo_id)
        self._n_background_repos = len(self.repo_id)
        # automation-heavy accounts (CI bots, mirrors, auto-committers): the bulk of pushes
        n_bots = max(5, int(300 * s))
        for _ in range(n_bots):
            a = self.add_account("organic", login=self._unique_login(
                lambda: text.login_organic(rng) + rng.choice(("", "", "-bot", "-ci", "-sync", "-auto"))))
            if rng.random() < 0.5:
                self._member[a] = rng.randrange(n_orgs)
            per_day = min(400.0, 20 * rng.lognormvariate(0, 1.0))
            n = _poisson(rng, per_day * self.days)
            counts = {"PushEvent": int(n * 0.72), "CreateEvent": int(n * 0.2), "DeleteEvent": int(n * 0.08)}
            self.activity(a, counts)
        self._n_background_repos = len(self.repo_id)
        self.n_background_events = len(self.events)

    # ------------------------------------------------------------------ campaigns
    def _n(self, base: float) -> int:
        return max(1, int(round(base * self.scale * max(1.0, self.days / 14))))

    def _new_campaign(self, kind: str, variant: str = "") -> tuple[int, str]:
        k = sum(1 for c in self.campaigns if c["kind"] == kind) + 1
        cid = f"{kind}-{variant + '-' if variant else ''}{k}"
        self.campaigns.append({"campaign_id": cid, "kind": kind, "repos": [], "accounts": set()})
        return len(self.campaigns) - 1, cid

    def _promoted_repo(self, name: str, t_create: int, owner: int | None = None, role: str = "organic",
                       campaign: str = "", rid: int | None = None) -> int:
        """A repository that will be promoted: its owner creates it and pushes a little."""
        rng = self.rng
        if owner is None:
            owner = self.add_account(role, campaign)
        r = self.add_repo(owner_acc=owner, name=name,
                          rid=rid if rid is not None else rng.randint(MAX_REPO_ID - 5_000_000, MAX_REPO_ID + 5_000_000))
        t = self.clip(t_create)
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

    def _campaigns(self) -> None:
        for _ in range(self._n(3)):
            self._throwaway()
        for _ in range(self._n(0.5)):
            self._farm()
        for _ in range(self._n(0.5)):
            self._ghost()
        for _ in range(self._n(0.5)):
            self._evasive_costar()
        for _ in range(self._n(0.5)):
            self._evasive_trickle()

    def _throwaway(self) -> None:
        rng = self.rng
        c, cid = self._new_campaign("throwaway")
        n = int(min(400 * max(1.0, self.scale), max(60, _pct_sample(rng, LOW_ACTIVITY_STARS_PCT))))
        dur = int(min(self.T * 0.8, rng.uniform(0.5, 3.0) * DAY))
        t0 = int(rng.random() * max(1, self.T - dur))
        name = text.lure_name(rng) if rng.random() < 0.6 else text.promo_name(rng)
        r = self._promoted_repo(name, t0 - rng.randint(HOUR, DAY))
        self.campaigns[c]["repos"].append(r)
        accs = self.add_bulk_accounts(n, "throwaway", cid)
        # sellers deliver in a few batches
        batches = [t0 + int(rng.random() * dur) for _ in range(rng.randint(1, 4))]
        for a in accs:
            b = batches[int(rng.random() * len(batches))]
            self._fake_star(c, self.clip(b + rng.expovariate(1 / (3 * HOUR))), a, r)
        self._organic_sprinkle(r, rng.randint(0, n // 15), t0, self.T)

    def _farm(self) -> None:
        rng = self.rng
        c, cid = self._new_campaign("farm")
        # pool size from StarScout's lockstep repos: each member stars ~80% of the wave's repos
        P = int(min(300, max(70, _pct_sample(rng, CLUSTERED_STARS_PCT) / 0.8)))
        accs = []
        while len(accs) < P:  # registered in a few batches, months before
            accs += self.add_bulk_accounts(min(P - len(accs), rng.randint(20, 60)), "farm", cid,
                                           base=rng.randint(100_000_000, 150_000_000))
        # camouflage: ordinary-looking activity calibrated on StarScout's active fake accounts
        heavy = [p for p in FAKE_PROFILES if sum(p) >= 10]
        for a in accs:
            prof = heavy[rng.randrange(len(heavy))]
            k = 3 + _poisson(rng, 3 * self.days / 7)
            counts = {t: 0 for t in TYPES}
            for _ in range(k):
                counts[rng.choices(TYPES, prof)[0]] += 1
            # only camouflage kinds: stars on popular repos, pushes to own repos, forks, branches
            camo = {"WatchEvent": counts["WatchEvent"], "ForkEvent": counts["ForkEvent"] + 1,
                    "PushEvent": 1 + counts["PushEvent"] + sum(counts[t] for t in TYPES if t not in ("WatchEvent", "ForkEvent", "PushEvent", "CreateEvent")),
                    "CreateEvent": counts["CreateEvent"]}
            self.activity(a, camo, min_days=min(2, self.days), social_popular=1.0)
        n_waves = max(1, int(round(self.days / 30)))
        for w in range(n_waves):
            lo, hi = w * self.T // n_waves, (w + 1) * self.T // n_waves
            span = hi - lo
            spread = min(3 * DAY, span / 4)
            tc = lo + span / 2 + rng.uniform(-span / 8, span / 8)
            m = rng.randint(10, 16)
            repos, centers = [], []
            for _ in range(m):
                cen = tc + rng.uniform(-spread, spread)
                name = text.promo_name(rng) if rng.random() < 0.6 else text.lure_name(rng)
                r = self._promoted_repo(name, cen - 2 * spread)
                repos.append(r)
                centers.append(cen)
            self.campaigns[c]["repos"] += repos
            sd = min(DAY, span / 10)
            got = {r: 0 for r in repos}
            for a in accs:
                k = math.ceil(rng.uniform(0.6, 1.0) * m)
                for j in rng.sample(range(m), k):
                    if self._fake_star(c, self.clip(rng.gauss(centers[j], sd)), a, repos[j]):
                        got[repos[j]] += 1
            for j, r in enumerate(repos):  # guarantee >= 55 farm stars per promoted repo
                for a in accs:
                    if got[r] >= 55:
                        break
                    if self._fake_star(c, self.clip(rng.gauss(centers[j], sd)), a, r):
                        got[r] += 1
                self._organic_sprinkle(r, rng.randint(0, 5), lo, hi)

    def _ghost(self) -> None:
        rng = self.rng
        c, cid = self._new_campaign("ghost")
        P = rng.randint(100, 170)
        L = rng.randint(10, 13)
        owners = self.add_bulk_accounts(rng.randint(3, 6), "ghost", cid)
        accs = self.add_bulk_accounts(P, "ghost", cid)
        life_lo = int(rng.random() * max(1, self.T - min(self.T * 0.9, 5 * DAY)))
        window = int(min(self.T * 0.9, 5 * DAY))
        rid0 = rng.randint(MAX_REPO_ID, MAX_REPO_ID + 5_000_000)
        lures, span = [], []
        for i in range(L):
            t_c = life_lo + int(rng.random() * window * 0.5)
            life = int(min(rng.uniform(1, 3) * DAY, self.T - t_c - 1))
            life = max(life, HOUR)
            r = self._promoted_repo(text.lure_name(rng), t_c, owner=owners[i % len(owners)], rid=rid0 + i * rng.randint(1, 40))
            lures.append(r)
            span.append((t_c + HOUR, t_c + life))
        self.campaigns[c]["repos"] += lures
        got = [0] * L

        def hit(a: int, j: int) -> None:
            lo, hi = span[j]
            t = lo + int(rng.random() * max(1, hi - lo))
            if self._fake_star(c, t, a, lures[j]):
                got[j] += 1
                self.emit(t + rng.randint(30, 20 * 60), "ForkEvent", a, lures[j])

        for a in accs:
            if rng.random() < 0.25:  # single-shot accounts: star+fork one lure (low-activity)
                hit(a, rng.randrange(L))
            else:
                for j in rng.sample(range(L), math.ceil(rng.uniform(0.55, 0.9) * L)):
                    hit(a, j)
        for j in range(L):
            for a in accs:
                if got[j] >= 55:
                    break
                hit(a, j)

    def _evasive_costar(self) -> None:
        """Bulk accounts co-starring a set of repos, 20-45 per repo per 15-day window (below n=50)."""
        rng = self.rng
        c, cid = self._new_campaign("evasive", "costar")
        n_chunks = max(1, math.ceil(self.days / 15))
        R = rng.randint(6, 9)
        P = max(rng.randint(60, 110), 50 * n_chunks)
        accs = self.add_bulk_accounts(P, "evasive", cid)
        repos = [self._promoted_repo(text.promo_name(rng), rng.randint(0, max(1, self.T // 4)) - DAY) for _ in range(R)]
        self.campaigns[c]["repos"] += repos
        for ch in range(n_chunks):
            lo, hi = ch * self.T // n_chunks, (ch + 1) * self.T // n_chunks
            for r in repos:
                k = rng.randint(20, 45)
                for a in rng.sample(accs, min(len(accs), k * 2)):
                    if k <= 0:
                        break
                    if self._fake_star(c, self.diurnal_time(lo, hi), a, r):
                        k -= 1

    def _evasive_trickle(self) -> None:
        """One-shot bulk accounts trickling stars, at most 45 per repo per calendar month."""
        rng = self.rng
        c, cid = self._new_campaign("evasive", "trickle")
        R = rng.randint(2, 4)
        repos = [self._promoted_repo(text.promo_name(rng) if rng.random() < 0.5 else text.lure_name(rng), rng.randint(0, DAY))
                 for _ in range(R)]
        self.campaigns[c]["repos"] += repos
        # calendar months overlapping the window
        months, t = [], 0
        while t < self.T:
            d = self.start + _dt.timedelta(seconds=t)
            nxt = (d.replace(day=1) + _dt.timedelta(days=32)).replace(day=1)
            end = min(self.T, (nxt - self.start).days * DAY)
            months.append((t, end))
            t = end
        for r in repos:
            for lo, hi in months:
                k = int(rng.randint(25, 45) * min(1.0, (hi - lo) / (7 * DAY)))
                for a in self.add_bulk_accounts(k, "evasive", cid):
                    self._fake_star(c, lo + int(rng.random() * (hi - lo)), a, r)

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

    def _active_account(self, role: str, gid: str) -> int:
        """A genuinely active account: >= 3 ordinary events on >= 2 days besides its star(s)."""
        rng = self.rng
        a = self.add_account(role, gid)
        busy = [p for p in ORGANIC_PROFILES if sum(p) >= 100]
        prof = busy[rng.randrange(len(busy))]
        counts = self.profile_counts(prof, 3.0 * self.days / STUDY_DAYS)
        counts.pop("WatchEvent", None)
        if sum(counts.values()) < 3:
            counts["PushEvent"] = counts.get("PushEvent", 0) + 3
        self.activity(a, counts, min_days=min(2, self.days))
        return a

    def _negatives(self) -> None:
        for _ in range(self._n(0.5)):
            self._viral()
        for _ in range(self._n(0.5)):
            self._community()
        for _ in range(self._n(2.0)):
            self._oneoff()

    def _viral(self) -> None:
        rng = self.rng
        g, gid = self._new_negative("viral")
        n = rng.randint(250, 450)
        t0 = int(rng.random() * max(1, self.T - 2 * DAY))
        owner = self.humans[int(rng.random() * len(self.humans))]
        r = self._promoted_repo(text.repo_name(rng), t0 - rng.randint(HOUR, 5 * DAY), owner=owner)
        self.negatives[g]["repos"].append(r)
        for _ in range(n):
            a = self._active_account("viral", gid)
            dt = rng.expovariate(1 / (10 * HOUR))  # front-loaded burst over a day or two
            t = self.clip(t0 + min(dt, 2 * DAY - 1))
            self._neg_star(g, t, a, r)
            u = rng.random()
            if u < 0.06:
                self.emit(t + rng.randint(10, 3 * HOUR), "ForkEvent", a, r)
            elif u < 0.09:
                self.emit(t + rng.randint(60, 6 * HOUR), "IssuesEvent", a, r)

    def _community(self) -> None:
        rng = self.rng
        g, gid = self._new_negative("community")
        # big enough that, inside a 15-day window, it passes CopyCatch's n=50 x m=10 sizes
        C = rng.randint(110, 160)
        S = rng.sample(self.popular[10:min(len(self.popular), 120)], 12)
        self.negatives[g]["repos"] += S
        for _ in range(C):
            a = self._active_account("community", gid)
            for r in rng.sample(S, math.ceil(rng.uniform(0.35, 0.75) * len(S))):
                self._neg_star(g, self.diurnal_time(), a, r)

    def _oneoff(self) -> None:
        rng = self.rng
        g, gid = self._new_negative("oneoff")
        r = self.popular[(sum(1 for x in self.negatives if x["kind"] == "oneoff") - 1) % 5]
        self.negatives[g]["repos"].append(r)
        n = int(rng.randint(55, 90) * max(1.0, self.days / 30))
        for _ in range(n):
            a = self.add_account("oneoff", gid)   # old ids spread across the whole range
            self._neg_star(g, self.diurnal_time(), a, r)
