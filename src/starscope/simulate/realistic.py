"""The realistic world (the default preset): one sign-up clock for everyone, and farms that hide.

In the easy world every campaign's accounts sit in a private block of ids above all organic
accounts. GitHub does not work like that: ids are handed out in creation order to everyone
(~100 k sign-ups a day in 2024, with a daily rhythm), so accounts registered during the window
take the clock's next ids, interleaved with sign-ups the archive never sees, and accounts
registered before it have old ids spread below the clock. Repos likewise.

Fake kinds: ``throwaway`` (registered in bursts of minutes to days, one client each), ``farm``
(aged accounts with old ids and real-looking activity, reused across many clients, each order
within days), ``rotating`` (a big aged pool, no account serving 10 clients), ``ghost`` (star +
fork of lures minutes apart), ``slow`` (drips of a few stars a day over weeks, from aged
farm accounts). Farms also star popular repos as cover (genuine stars, not in the truth).

Organic hard negatives: ``cohort`` (classroom accounts registered in the same hour, star + fork
the course repo, then push to their fork for days), ``viral`` (a launch: brand-new one-off
accounts besides existing fans), ``oneoff`` (one-star visitors of popular repos), ``community``
(active people co-starring a set of popular and niche repos at their own pace), ``crowd`` (a
list / news post: readers star several of its small repos within a day or two), ``hackathon``
(new and existing accounts star the sponsors' repos the same day and push to their projects),
and organic stars on client repos.
"""
from __future__ import annotations

import bisect
import datetime as _dt
import math

from . import text
from ._calibration_data import CLUSTERED_STARS_PCT, FAKE_PROFILES, LOW_ACTIVITY_STARS_PCT, ORGANIC_PROFILES, TYPES
from .world import DAY, HOUR, World, _pct_sample, _poisson

# (date, ids handed out by then): GitHub user ids (~160 M by early 2024) and repository ids
# (~740 M by early 2024). Linear in between; ~100 k accounts and ~470 k repos a day in 2024.
_ACCOUNT_CURVE = ((_dt.date(2008, 2, 1), 1), (_dt.date(2010, 1, 1), 170_000),
                  (_dt.date(2012, 1, 1), 1_300_000), (_dt.date(2014, 1, 1), 6_300_000),
                  (_dt.date(2016, 1, 1), 16_500_000), (_dt.date(2018, 1, 1), 35_000_000),
                  (_dt.date(2020, 1, 1), 59_000_000), (_dt.date(2022, 1, 1), 97_000_000),
                  (_dt.date(2023, 1, 1), 122_000_000), (_dt.date(2024, 1, 1), 154_000_000),
                  (_dt.date(2025, 1, 1), 190_000_000), (_dt.date(2030, 1, 1), 400_000_000))
_REPO_CURVE = ((_dt.date(2008, 2, 1), 1), (_dt.date(2012, 1, 1), 3_000_000),
               (_dt.date(2014, 1, 1), 15_000_000), (_dt.date(2016, 1, 1), 50_000_000),
               (_dt.date(2018, 1, 1), 116_000_000), (_dt.date(2020, 1, 1), 231_000_000),
               (_dt.date(2022, 1, 1), 443_000_000), (_dt.date(2023, 1, 1), 583_000_000),
               (_dt.date(2024, 1, 1), 737_000_000), (_dt.date(2025, 1, 1), 910_000_000),
               (_dt.date(2030, 1, 1), 1_800_000_000))
_EPOCH = _dt.date(1970, 1, 1)
DIURNAL_SIGNUP = [0.55, 0.5, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.15, 1.2,
                  1.3, 1.4, 1.45, 1.45, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.75, 0.65]
_SIGNUP_CUM = [0.0]
for _w in DIURNAL_SIGNUP:
    _SIGNUP_CUM.append(_SIGNUP_CUM[-1] + _w)


def _curve_at(curve, unix: float) -> float:
    """Ids handed out by ``unix`` seconds (piecewise linear in days)."""
    days = unix / DAY
    xs = [(d - _EPOCH).days for d, _ in curve]
    i = max(1, min(len(xs) - 1, bisect.bisect_right(xs, days)))
    (x0, y0), (x1, y1) = (xs[i - 1], curve[i - 1][1]), (xs[i], curve[i][1])
    return y0 + (y1 - y0) * (days - x0) / (x1 - x0)


def _curve_inverse(curve, ident: float) -> float:
    """Unix seconds at which id ``ident`` was handed out."""
    ys = [y for _, y in curve]
    i = max(1, min(len(ys) - 1, bisect.bisect_right(ys, ident)))
    x0, x1 = (curve[i - 1][0] - _EPOCH).days, (curve[i][0] - _EPOCH).days
    y0, y1 = ys[i - 1], ys[i]
    return (x0 + (x1 - x0) * (ident - y0) / (y1 - y0)) * DAY


class SignupClock:
    """Ids in creation order with a daily rhythm: ``at(t)`` is the next id at window second t."""

    def __init__(self, curve, start: _dt.date, days: int):
        self.curve = curve
        self.t0 = (start - _EPOCH).days * DAY
        # ids at each midnight of the window (and one after)
        self.mid = [_curve_at(curve, self.t0 + d * DAY) for d in range(days + 2)]

    def at(self, t: float) -> int:
        if t < 0 or t >= (len(self.mid) - 1) * DAY:
            return int(_curve_at(self.curve, self.t0 + t))
        d = int(t // DAY)
        frac = (t - d * DAY) / HOUR
        h = min(23, int(frac))
        cum = (_SIGNUP_CUM[h] + DIURNAL_SIGNUP[h] * (frac - h)) / _SIGNUP_CUM[-1]
        return int(self.mid[d] + (self.mid[d + 1] - self.mid[d]) * cum)

    def base(self) -> int:
        return int(self.mid[0])


class RealisticWorld(World):
    preset = "realistic"
    CAMPAIGN_KINDS = ("throwaway", "farm", "rotating", "ghost", "slow")
    NEGATIVE_KINDS = ("cohort", "viral", "oneoff", "community", "crowd", "hackathon")
    ROLES = ("organic", "cohort", "viral", "oneoff", "community", "crowd", "hackathon",
             "throwaway", "farm", "rotating", "ghost", "slow")

    def __init__(self, **kw):
        super().__init__(**kw)
        self.acc_clock = SignupClock(_ACCOUNT_CURVE, self.start, self.days)
        self.repo_clock = SignupClock(_REPO_CURVE, self.start, self.days)
        self.acc_created: list[float] = []   # unix seconds
        self._aged_pools: list[list[int]] = []

    # ------------------------------------------------------------------ ids
    def _old_id(self, base: int, lo: int = 1) -> int:
        # older accounts are fewer among the active: skew towards recent ids
        return lo + int((self.rng.random() ** 0.7) * (base - lo))

    def add_account(self, role: str, campaign: str = "", *, aid: int | None = None, login: str | None = None,
                    created: float | None = None, style: int | None = None) -> int:
        """``created``: window seconds of sign-up (takes the clock's id); None: an older account."""
        rng = self.rng
        if aid is None:
            if created is None:
                aid = self._old_id(self.acc_clock.base())
            else:
                aid = self.acc_clock.at(created) + int(rng.random() * 3)
        while aid in self._used_aids:
            aid += 1
        if login is None and style is not None:
            login = self._unique_login(lambda: text.login_bulk(rng, style))
        a = super().add_account(role, campaign, aid=aid, login=login)
        if created is None:
            unix = min(_curve_inverse(_ACCOUNT_CURVE, aid), self.acc_clock.t0 - 60)
        else:
            unix = self.acc_clock.t0 + created
        self.acc_created.append(unix)
        return a

    def created_at(self, a: int) -> float:
        return self.acc_created[a]

    def add_bulk_accounts(self, n: int, role: str, campaign: str, *, base: int | None = None) -> list[int]:
        raise NotImplementedError("the realistic world has no private id blocks: use signups()")

    def signups(self, n: int, role: str, campaign: str, t0: float, dur: float, *, patterned: float = 0.5) -> list[int]:
        """``n`` accounts registered between window seconds t0 and t0 + dur, in time order, taking
        the clock's ids between everyone else's sign-ups."""
        rng = self.rng
        times = sorted(t0 + rng.random() * dur for _ in range(n))
        style = rng.randrange(4) if rng.random() < patterned else None
        return [self.add_account(role, campaign, created=t, style=style) for t in times]

    def add_repo(self, *, owner_acc: int | None = None, org: int | None = None, name: str | None = None,
                 rid: int | None = None, created: float | None = None) -> int:
        if rid is None:
            if created is None:
                rid = self._old_id(self.repo_clock.base(), 1_000)
            else:
                rid = self.repo_clock.at(created) + int(self.rng.random() * 5)
        return super().add_repo(owner_acc=owner_acc, org=org, name=name, rid=rid)

    def _promoted_repo(self, name: str, t_create: int, owner: int | None = None, role: str = "organic",
                       campaign: str = "", rid: int | None = None) -> int:
        rng = self.rng
        if owner is None:
            owner = self.add_account(role, campaign, created=(t_create - rng.uniform(1, 30) * DAY
                                                               if rng.random() < 0.3 else None))
        t = self.clip(t_create)
        r = self.add_repo(owner_acc=owner, name=name, created=t if t_create >= 0 else None)
        self.emit(t, "CreateEvent", owner, r)
        for _ in range(rng.randint(1, 4)):
            t += rng.randint(20, 3 * HOUR)
            self.emit(t, "PushEvent", owner, r)
        if rng.random() < 0.5:
            self.emit(t + rng.randint(60, DAY), "ReleaseEvent", owner, r)
        return r

    # ------------------------------------------------------------------ build
    def build(self) -> None:
        self._background()
        self._campaigns()
        self._negatives()
        self.events.sort()

    def _background(self) -> None:
        rng, s = self.rng, self.scale
        n_orgs = max(10, int(120 * s))
        for _ in range(n_orgs):
            self._org_repos[self.add_org()] = []
        n_pop = max(60, int(300 * s))
        pop_owners = [self.add_account("organic") for _ in range(n_pop // 3)]
        self.popular = []
        for i in range(n_pop):
            if rng.random() < 0.6:
                o = rng.randrange(n_orgs)
                r = self.add_repo(org=o)
                self._org_repos[o].append(r)
            else:
                r = self.add_repo(owner_acc=pop_owners[i % len(pop_owners)])
            self.popular.append(r)
        for o in range(n_orgs):
            for _ in range(rng.randint(1, 6)):
                self._org_repos[o].append(self.add_repo(org=o))
        w = [1.0 / (i + 1) ** 0.9 for i in range(n_pop)]
        self._pop_cum = [sum(w[: i + 1]) for i in range(n_pop)]
        factor = self.days / 2010
        n_humans = int(18000 * s * min(1.0, (self.days / 7) ** 0.5))
        self._n_background_repos = len(self.repo_id)
        self.humans = []
        for _ in range(n_humans):
            prof = ORGANIC_PROFILES[rng.randrange(len(ORGANIC_PROFILES))]
            counts = self.profile_counts(prof, factor * 3.0)
            if counts.get("WatchEvent"):
                counts["WatchEvent"] = sum(1 for _ in range(counts["WatchEvent"]) if rng.random() < 0.6)
            if not any(counts.values()):
                continue
            # ~6 % of the accounts seen in a window signed up during it
            new = rng.random() < 0.06
            t_c = rng.random() * self.T * 0.9 if new else None
            a = self.add_account("organic", created=t_c)
            if rng.random() < 0.25:
                self._member[a] = rng.randrange(n_orgs)
            self.humans.append(a)
            self.activity(a, counts, lo=int(t_c) if new else 0)
            if len(self.humans) % 50 == 0:
                self._n_background_repos = len(self.repo_id)
        # from here on, existing people (owners, fans, teachers, sprinkled stars) are drawn
        # from accounts that existed before the window: nobody acts before signing up
        self.humans = [a for a in self.humans if self.acc_created[a] < self.acc_clock.t0]
        # trend followers: people who star what is hot, launch after launch (a crowd that
        # turns up in many bursts: "the same accounts again" is not enough on its own)
        self.trend = rng.sample(self.humans, max(10, len(self.humans) // 25))
        # brand-new accounts that star one popular repo and never come back (organic one-offs)
        for _ in range(int(1500 * s * self.days / 7)):
            t_c = rng.random() * self.T
            a = self.add_account("organic", created=t_c)
            self.star(int(t_c + rng.expovariate(1 / (2 * HOUR))), a, self.pick_popular())
        self._n_background_repos = len(self.repo_id)
        n_bots = max(5, int(300 * s))
        for _ in range(n_bots):
            a = self.add_account("organic", login=self._unique_login(
                lambda: text.login_organic(rng) + rng.choice(("", "", "-bot", "-ci", "-sync", "-auto"))))
            if rng.random() < 0.5:
                self._member[a] = rng.randrange(n_orgs)
            per_day = min(400.0, 20 * rng.lognormvariate(0, 1.0))
            n = _poisson(rng, per_day * self.days)
            self.activity(a, {"PushEvent": int(n * 0.72), "CreateEvent": int(n * 0.2), "DeleteEvent": int(n * 0.08)})
        self._n_background_repos = len(self.repo_id)
        self.n_background_events = len(self.events)

    # ------------------------------------------------------------------ campaigns
    def _order_size(self, lo: int = 50, hi: int = 400) -> int:
        """Stars per client: mostly 50-400, a few larger (StarScout's low-activity repo sizes)."""
        n = int(_pct_sample(self.rng, LOW_ACTIVITY_STARS_PCT))
        return max(lo, min(n, hi if self.rng.random() < 0.9 else 2 * hi))

    def _client(self, t0: float) -> int:
        rng = self.rng
        name = text.promo_name(rng) if rng.random() < 0.6 else text.repo_name(rng)
        return self._promoted_repo(name, int(t0 - rng.uniform(HOUR, 10 * DAY)))

    def _aged_accounts(self, n: int, role: str, cid: str) -> list[int]:
        """Old (bought or aged) accounts with real-looking activity in the window."""
        rng = self.rng
        heavy = [p for p in FAKE_PROFILES if sum(p) >= 10]
        out = []
        for _ in range(n):
            a = self.add_account(role, cid)
            out.append(a)
            prof = heavy[rng.randrange(len(heavy))]
            k = _poisson(rng, 2 + 2 * self.days / 7)
            counts = {t: 0 for t in TYPES}
            for _ in range(k):
                counts[rng.choices(TYPES, prof)[0]] += 1
            counts.pop("WatchEvent")
            counts = {t: c for t, c in counts.items() if c}
            if counts:
                self.activity(a, counts, social_popular=1.0)
        return out

    def _cover(self, accs: list[int], per_account: float) -> None:
        """Farm accounts star popular repos as cover: genuine stars, not fake ones for a client
        (a few per account in the window, so they stay a small share of a popular repo's stars)."""
        for a in accs:
            for _ in range(_poisson(self.rng, min(per_account, 3.0))):
                self.star(self.diurnal_time(), a, self.pick_popular())

    def _order(self, c: int, r: int, accs: list[int], t0: float, dur: float) -> None:
        rng = self.rng
        for a in accs:
            self._fake_star(c, self.clip(t0 + rng.random() * dur), a, r)
        self._organic_sprinkle(r, rng.randint(0, max(1, len(accs) // 12)), int(t0), self.T)

    def _campaigns(self) -> None:
        for _ in range(self._n(2)):
            self._throwaway()
        for _ in range(self._n(0.4)):
            self._farm()
        for _ in range(self._n(0.4)):
            self._rotating()
        for _ in range(self._n(0.3)):
            self._ghost()
        for _ in range(self._n(0.6)):
            self._slow()

    def _throwaway(self) -> None:
        rng = self.rng
        c, cid = self._new_campaign("throwaway")
        n = self._order_size()
        # registered in a burst of minutes to days, stars delivered within hours of sign-up
        reg = rng.choice((10 * 60, HOUR, 6 * HOUR, DAY, 3 * DAY)) * rng.uniform(0.5, 1.5)
        t0 = rng.random() * max(1, self.T - reg - DAY)
        r = self._client(t0)
        self.campaigns[c]["repos"].append(r)
        for a in self.signups(n, "throwaway", cid, t0, reg):
            self._fake_star(c, self.clip(self.acc_created[a] - self.acc_clock.t0 + rng.expovariate(1 / (2 * HOUR))), a, r)
        self._organic_sprinkle(r, rng.randint(0, n // 15), int(t0), self.T)

    def _farm(self) -> None:
        """Aged accounts reused across many clients; each order starred within days."""
        rng = self.rng
        c, cid = self._new_campaign("farm")
        P = int(min(600, max(120, _pct_sample(rng, CLUSTERED_STARS_PCT) * 1.6)))
        accs = self._aged_accounts(P, "farm", cid)
        self._aged_pools.append(accs)
        self._cover(accs, 1.5 * self.days / 7)
        n_orders = max(2, min(12, int(round(self.days / rng.uniform(1.5, 3.0)))))
        for _ in range(n_orders):
            n = min(len(accs), self._order_size(50, int(P * 0.8)))
            dur = rng.uniform(0.5, 3) * DAY
            t0 = rng.random() * max(1, self.T - dur)
            r = self._client(t0)
            self.campaigns[c]["repos"].append(r)
            self._order(c, r, rng.sample(accs, n), t0, dur)

    def _rotating(self) -> None:
        """A big aged pool spread so that each account serves only a few clients (< CopyCatch's m)."""
        rng = self.rng
        c, cid = self._new_campaign("rotating")
        n_orders = max(3, min(15, int(round(self.days / rng.uniform(1.0, 2.0)))))
        sizes = [self._order_size(50, 300) for _ in range(n_orders)]
        per_account = rng.uniform(2.0, 4.0)
        P = max(max(sizes) + 20, int(sum(sizes) / per_account))
        accs = self._aged_accounts(P, "rotating", cid)
        self._aged_pools.append(accs)
        self._cover(accs, 1.0 * self.days / 7)
        used = {a: 0 for a in accs}
        for n in sizes:
            dur = rng.uniform(0.5, 3) * DAY
            t0 = rng.random() * max(1, self.T - dur)
            r = self._client(t0)
            self.campaigns[c]["repos"].append(r)
            # least-used first (ties random): no account reaches 10 clients
            pick = sorted(accs, key=lambda a: (used[a], rng.random()))[:n]
            for a in pick:
                used[a] += 1
            self._order(c, r, pick, t0, dur)

    def _ghost(self) -> None:
        rng = self.rng
        c, cid = self._new_campaign("ghost")
        P = rng.randint(100, 250)
        L = rng.randint(6, 12)
        window = min(self.T * 0.9, 5 * DAY)
        life_lo = rng.random() * max(1, self.T - window)
        # a few owners and mostly fresh accounts registered over days, some aged ones
        owners = self.signups(rng.randint(2, 5), "ghost", cid, life_lo - 20 * DAY, 15 * DAY)
        accs = (self.signups(int(P * 0.7), "ghost", cid, life_lo - 10 * DAY, 10 * DAY + window * 0.3)
                + [self.add_account("ghost", cid) for _ in range(P - int(P * 0.7))])
        lures, span = [], []
        for i in range(L):
            t_c = life_lo + rng.random() * window * 0.5
            life = max(HOUR, min(rng.uniform(1, 3) * DAY, self.T - t_c - 1))
            r = self._promoted_repo(text.lure_name(rng), int(t_c), owner=owners[i % len(owners)])
            lures.append(r)
            span.append((t_c + HOUR, t_c + life))
        self.campaigns[c]["repos"] += lures
        for a in accs:
            k = 1 if rng.random() < 0.25 else math.ceil(rng.uniform(0.3, 0.8) * L)
            for j in rng.sample(range(L), k):
                lo, hi = span[j]
                t = max(lo, self.acc_created[a] - self.acc_clock.t0 + 60) + rng.random() * max(1, hi - lo)
                if self._fake_star(c, int(t), a, lures[j]):
                    self.emit(int(t) + rng.randint(30, 20 * 60), "ForkEvent", a, lures[j])

    def _slow(self) -> None:
        """A drip: 1-2 stars a day on a client for weeks, from an aged farm's accounts."""
        rng = self.rng
        c, cid = self._new_campaign("slow")
        if self._aged_pools and rng.random() < 0.7:
            pool = self._aged_pools[rng.randrange(len(self._aged_pools))]
        else:
            pool = self._aged_accounts(rng.randint(60, 150), "slow", cid)
            self._cover(pool, 1.0 * self.days / 7)
        for _ in range(rng.randint(1, 3)):
            per_day = rng.uniform(0.8, 1.6)
            n = min(len(pool), max(8, int(per_day * self.days)))
            t_c = rng.random() * self.T * 0.2
            r = self._client(t_c)
            self.campaigns[c]["repos"].append(r)
            for a in rng.sample(pool, n):
                self._fake_star(c, self.diurnal_time(int(t_c), self.T), a, r)
            self._organic_sprinkle(r, rng.randint(0, 3), int(t_c), self.T)

    # ------------------------------------------------------------------ organic hard negatives
    def _negatives(self) -> None:
        for _ in range(self._n(0.6)):
            self._cohort()
        for _ in range(self._n(0.4)):
            self._viral()
        for _ in range(self._n(0.4)):
            self._community()
        for _ in range(self._n(1.5)):
            self._oneoff()
        for _ in range(self._n(0.5)):
            self._crowd()
        for _ in range(self._n(0.3)):
            self._hackathon()

    def _new_active(self, role: str, gid: str, created: float | None = None) -> int:
        a = self.add_account(role, gid, created=created)
        busy = [p for p in ORGANIC_PROFILES if sum(p) >= 100]
        prof = busy[self.rng.randrange(len(busy))]
        counts = self.profile_counts(prof, 3.0 * self.days / 2010)
        counts.pop("WatchEvent", None)
        if sum(counts.values()) < 3:
            counts["PushEvent"] = counts.get("PushEvent", 0) + 3
        lo = 0 if created is None else int(created)
        self.activity(a, counts, min_days=min(2, max(1, (self.T - lo) // DAY)), lo=lo)
        return a

    def _cohort(self) -> None:
        """A class signs up in the same hour, stars and forks the course repo, then works on its forks."""
        rng = self.rng
        g, gid = self._new_negative("cohort")
        n = min(300, int(30 + rng.expovariate(1 / 60)))
        t0 = rng.random() * max(1, self.T - 2 * DAY)
        teacher = self.humans[int(rng.random() * len(self.humans))]
        course = self._promoted_repo(rng.choice(("intro-", "cs101-", "bootcamp-", "workshop-", "")) + text.repo_name(rng),
                                     int(t0 - rng.uniform(1, 20) * DAY), owner=teacher)
        self.negatives[g]["repos"].append(course)
        short = self.repo_short[course]
        for a in self.signups(n, "cohort", gid, t0, rng.uniform(10 * 60, HOUR), patterned=0.0):
            t = self.acc_created[a] - self.acc_clock.t0 + rng.uniform(60, 40 * 60)
            self._neg_star(g, int(t), a, course)
            tf = t + rng.uniform(20, 15 * 60)
            self.emit(int(tf), "ForkEvent", a, course)
            fork = self.add_repo(owner_acc=a, name=short, created=tf)
            self._own[a] = [fork]
            # work on the fork over the following days (some drop out)
            for _ in range(_poisson(rng, 4) if rng.random() < 0.85 else 0):
                self.emit(self.diurnal_time(int(tf), min(self.T, int(tf + 10 * DAY))), "PushEvent", a, fork)
            if rng.random() < 0.2:
                self.emit(self.diurnal_time(int(tf), self.T), "IssuesEvent", a, course)

    def _viral(self) -> None:
        rng = self.rng
        g, gid = self._new_negative("viral")
        newcomers = rng.randint(100, 400)
        fans = int(newcomers * rng.uniform(1.3, 2.5))
        t0 = rng.random() * max(1, self.T - 2 * DAY)
        owner = self.humans[int(rng.random() * len(self.humans))]
        r = self._promoted_repo(text.repo_name(rng), int(t0 - rng.randint(HOUR, 5 * DAY)), owner=owner)
        self.negatives[g]["repos"].append(r)

        def when() -> int:
            return self.clip(t0 + min(rng.expovariate(1 / (10 * HOUR)), 3 * DAY))

        for _ in range(newcomers):  # signed up to star it, never seen again
            t = when()
            a = self.add_account("viral", gid, created=max(0, t - rng.uniform(60, 20 * 60)))
            self._neg_star(g, t, a, r)
        n_trend = min(len(self.trend), fans // 2)
        crowd = set(rng.sample(self.trend, n_trend))
        crowd.update(rng.sample(self.humans, min(len(self.humans), fans - n_trend)))
        for a in sorted(crowd):
            t = when()
            self.star(t, a, r)
            u = rng.random()
            if u < 0.08:
                self.emit(t + rng.randint(10, 3 * HOUR), "ForkEvent", a, r)
            elif u < 0.12:
                self.emit(t + rng.randint(60, 6 * HOUR), "IssuesEvent", a, r)

    def _community(self) -> None:
        rng = self.rng
        g, gid = self._new_negative("community")
        C = rng.randint(80, 160)
        members = [self._new_active("community", gid) for _ in range(C)]
        S = rng.sample(self.popular[10:min(len(self.popular), 120)], 8)
        # niche repos of the ecosystem, mostly starred by the community itself
        for _ in range(rng.randint(2, 4)):
            S.append(self._promoted_repo(text.repo_name(rng), -rng.randint(30, 400) * DAY,
                                         owner=members[int(rng.random() * C)]))
        self.negatives[g]["repos"] += S
        for a in members:
            for r in rng.sample(S, math.ceil(rng.uniform(0.3, 0.7) * len(S))):
                self._neg_star(g, self.diurnal_time(), a, r)

    def _oneoff(self) -> None:
        rng = self.rng
        g, gid = self._new_negative("oneoff")
        r = self.popular[(sum(1 for x in self.negatives if x["kind"] == "oneoff") - 1) % 8]
        self.negatives[g]["repos"].append(r)
        for _ in range(int(rng.randint(40, 90) * max(1.0, self.days / 30))):
            a = self.add_account("oneoff", gid)
            self._neg_star(g, self.diurnal_time(), a, r)

    def _crowd(self) -> None:
        """A list or news post: its readers (established accounts) star several of its small repos
        within a day or two; a few of them are new or thin."""
        rng = self.rng
        g, gid = self._new_negative("crowd")
        S = [self._promoted_repo(text.repo_name(rng), -rng.randint(10, 600) * DAY,
                                 owner=self.humans[int(rng.random() * len(self.humans))])
             for _ in range(rng.randint(4, 10))]
        self.negatives[g]["repos"] += S
        t0 = rng.random() * max(1, self.T - 2 * DAY)
        n = rng.randint(80, 300)
        trend = iter(rng.sample(self.trend, min(len(self.trend), n // 4)))
        for _ in range(n):
            u = rng.random()
            a = next(trend, None) if u < 0.25 else None
            if a is not None:
                pass                                       # a trend follower
            elif u < 0.6:
                a = self._new_active("crowd", gid)
            elif u < 0.85:
                a = self.add_account("crowd", gid)        # a lurker: stars only
            else:
                a = self.add_account("crowd", gid, created=max(0.0, t0 - rng.uniform(0, DAY)))
            t = t0 + min(rng.expovariate(1 / (8 * HOUR)), 2 * DAY)
            for r in rng.sample(S, min(len(S), 1 + int(rng.expovariate(1 / 2)))):
                self._neg_star(g, self.clip(t + rng.uniform(0, 20 * 60)), a, r)

    def _hackathon(self) -> None:
        """New and existing participants star the sponsors' repos the same day, then build things."""
        rng = self.rng
        g, gid = self._new_negative("hackathon")
        o = rng.randrange(len(self.org_id))
        S = self._org_repos[o][:3] or [self.popular[0]]
        self.negatives[g]["repos"] += S
        t0 = rng.random() * max(1, self.T - 2 * DAY)
        for i in range(rng.randint(50, 200)):
            new = rng.random() < 0.4
            a = (self.add_account("hackathon", gid, created=t0 - rng.uniform(0, 3 * HOUR)) if new
                 else self._new_active("hackathon", gid))
            for r in rng.sample(S, rng.randint(1, len(S))):
                self._neg_star(g, self.clip(t0 + rng.uniform(0, 8 * HOUR)), a, r)
            proj = self.add_repo(owner_acc=a, created=t0 + HOUR)
            self._own.setdefault(a, []).append(proj)
            for _ in range(1 + _poisson(rng, 3)):
                self.emit(self.clip(t0 + rng.uniform(HOUR, 2 * DAY)), "PushEvent", a, proj)
