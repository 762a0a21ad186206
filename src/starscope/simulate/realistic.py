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

import math

from . import text
from ._calibration_data import CLUSTERED_STARS_PCT, FAKE_PROFILES, LOW_ACTIVITY_STARS_PCT, TYPES
from .base import BaseWorld, _pct_sample, _poisson
from .clock import ACCOUNT_CURVE as _ACCOUNT_CURVE, DAY, HOUR, REPO_CURVE, SignupClock


class RealisticWorld(BaseWorld):
    preset = "realistic"
    CAMPAIGN_KINDS = ("throwaway", "farm", "rotating", "ghost", "slow")
    NEGATIVE_KINDS = ("cohort", "viral", "oneoff", "community", "crowd", "hackathon")
    ROLES = ("organic", "cohort", "viral", "oneoff", "community", "crowd", "hackathon",
             "throwaway", "farm", "rotating", "ghost", "slow")
    CAMPAIGN_PLAN = (("_throwaway", 2), ("_farm", 0.4), ("_rotating", 0.4), ("_ghost", 0.3), ("_slow", 0.6))
    NEGATIVE_PLAN = (("_cohort", 0.6), ("_viral", 0.4), ("_community", 0.4), ("_oneoff", 1.5), ("_crowd", 0.5),
                     ("_hackathon", 0.3))

    def __init__(self, **kw):
        super().__init__(**kw)
        self.acc_clock = SignupClock(_ACCOUNT_CURVE, self.start, self.days)
        self.repo_clock = SignupClock(REPO_CURVE, self.start, self.days)
        self._aged_pools: list[list[int]] = []

    # ------------------------------------------------------------------ ids: one sign-up clock
    def _old_id(self, base: int, lo: int = 1) -> int:
        # older accounts are fewer among the active: skew towards recent ids
        return lo + int((self.rng.random() ** 0.7) * (base - lo))

    def _account_id(self, created: float | None) -> int:
        """``created`` takes the clock's id at that second (+0-2); an older account an old id."""
        if created is None:
            aid = self._old_id(self.acc_clock.base())
        else:
            aid = self.acc_clock.at(created) + int(self.rng.random() * 3)
        return self._next_free_account_id(aid)

    def _repo_id(self, created: float | None) -> int:
        if created is None:
            return self._old_id(self.repo_clock.base(), 1_000)
        return self.repo_clock.at(created) + int(self.rng.random() * 5)

    def signups(self, n: int, role: str, campaign: str, t0: float, dur: float, *, patterned: float = 0.5) -> list[int]:
        """``n`` accounts registered between window seconds t0 and t0 + dur, in time order, taking
        the clock's ids between everyone else's sign-ups."""
        rng = self.rng
        times = sorted(t0 + rng.random() * dur for _ in range(n))
        style = rng.randrange(4) if rng.random() < patterned else None
        return [self.add_account(role, campaign, created=t, style=style) for t in times]

    def _promoter_created(self, t_create: float) -> float | None:
        return t_create - self.rng.uniform(1, 30) * DAY if self.rng.random() < 0.3 else None

    def _promoted_repo_id(self, t: int, t_create: float) -> tuple[None, float | None]:
        return None, (t if t_create >= 0 else None)

    # ------------------------------------------------------------------ background
    def _human_signup(self) -> float | None:
        # ~6 % of the accounts seen in a window signed up during it
        return self.rng.random() * self.T * 0.9 if self.rng.random() < 0.06 else None

    def _after_humans(self) -> None:
        rng, s = self.rng, self.scale
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

    # ------------------------------------------------------------------ campaigns
    def _order_size(self, lo: int = 50, hi: int = 400) -> int:
        """Stars per client: mostly 50-400, a few larger (StarScout's low-activity repo sizes)."""
        n = int(_pct_sample(self.rng, LOW_ACTIVITY_STARS_PCT))
        return max(lo, min(n, hi if self.rng.random() < 0.9 else 2 * hi))

    def _client(self, t0: float) -> int:
        rng = self.rng
        name = text.promo_name(rng) if rng.random() < 0.6 else text.repo_name(rng)
        return self._promoted_repo(name, int(t0 - rng.uniform(HOUR, 10 * DAY)))

    def _aged_accounts(self, n: int, role: str, cid: str, *, upkeep: int = 0) -> list[int]:
        """Old (bought or aged) accounts with real-looking activity in the window; with
        ``upkeep``, the seller tops each up to that many events besides stars (pushes) on at
        least two days, so that none is thin."""
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
            counts["PushEvent"] += max(0, upkeep - sum(counts.values()))
            counts = {t: c for t, c in counts.items() if c}
            if counts:
                self.activity(a, counts, min_days=min(2 if upkeep else 1, self.days),
                              social_popular=1.0)
        return out

    def _cover(self, accs: list[int], per_account: float) -> None:
        """Farm accounts star popular repos as cover: genuine stars, not fake ones for a client
        (a few per account in the window, so they stay a small share of a popular repo's stars)."""
        for a in accs:
            for _ in range(_poisson(self.rng, min(per_account, 3.0))):
                self.star(self.diurnal_time(), a, self.pick_popular())

    def _next_order(self, c: int) -> tuple[int, float, float]:
        """A reused farm's next order: its client (recorded in the campaign), start and spread
        (half a day to three days)."""
        dur = self.rng.uniform(0.5, 3) * DAY
        t0 = self.rng.random() * max(1, self.T - dur)
        r = self._client(t0)
        self.campaigns[c]["repos"].append(r)
        return r, t0, dur

    def _order(self, c: int, r: int, accs: list[int], t0: float, dur: float) -> None:
        rng = self.rng
        for a in accs:
            self._fake_star(c, self.clip(t0 + rng.random() * dur), a, r)
        self._organic_sprinkle(r, rng.randint(0, max(1, len(accs) // 12)), int(t0), self.T)

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
            r, t0, dur = self._next_order(c)
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
            r, t0, dur = self._next_order(c)
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
            self._fans_follow_up(t, a, r, fork=0.08, issue=0.12)

    def _community(self) -> None:
        rng = self.rng
        g, gid = self._new_negative("community")
        C = rng.randint(80, 160)
        members = [self._active_account("community", gid) for _ in range(C)]
        S = rng.sample(self.popular[10:min(len(self.popular), 120)], 8)
        # niche repos of the ecosystem, mostly starred by the community itself
        for _ in range(rng.randint(2, 4)):
            S.append(self._promoted_repo(text.repo_name(rng), -rng.randint(30, 400) * DAY,
                                         owner=members[int(rng.random() * C)]))
        self.negatives[g]["repos"] += S
        for a in members:
            for r in rng.sample(S, math.ceil(rng.uniform(0.3, 0.7) * len(S))):
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
                a = self._active_account("crowd", gid)
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
                 else self._active_account("hackathon", gid))
            for r in rng.sample(S, rng.randint(1, len(S))):
                self._neg_star(g, self.clip(t0 + rng.uniform(0, 8 * HOUR)), a, r)
            proj = self.add_repo(owner_acc=a, created=t0 + HOUR)
            self._own.setdefault(a, []).append(proj)
            for _ in range(1 + _poisson(rng, 3)):
                self.emit(self.clip(t0 + rng.uniform(HOUR, 2 * DAY)), "PushEvent", a, proj)
