"""The easy world (preset ``easy``, the first simulator): organic background, fake-star
campaigns whose accounts sit in private blocks of near-consecutive ids above all organic ones,
hard negatives, bad input. What it shares with the realistic world is in base.py."""
from __future__ import annotations

import datetime as _dt
import math

from . import text
from ._calibration_data import CLUSTERED_STARS_PCT, FAKE_PROFILES, LOW_ACTIVITY_STARS_PCT, TYPES
from .base import MAX_ACCOUNT_ID, MAX_REPO_ID, BaseWorld, _pct_sample, _poisson
from .clock import DAY, HOUR

ROLES = ("organic", "oneoff", "viral", "community", "throwaway", "farm", "ghost", "evasive")
CAMPAIGN_KINDS = ("throwaway", "farm", "ghost", "evasive")
NEGATIVE_KINDS = ("viral", "community", "oneoff")


class World(BaseWorld):
    """The easy world (preset ``easy``): every campaign's accounts in private id blocks."""
    preset = "easy"
    CAMPAIGN_KINDS = CAMPAIGN_KINDS
    NEGATIVE_KINDS = NEGATIVE_KINDS
    ROLES = ROLES
    CAMPAIGN_PLAN = (("_throwaway", 3), ("_farm", 0.5), ("_ghost", 0.5), ("_evasive_costar", 0.5),
                     ("_evasive_trickle", 0.5))
    NEGATIVE_PLAN = (("_viral", 0.5), ("_community", 0.5), ("_oneoff", 2.0))
    ONEOFF_SIZE = (55, 90)
    ONEOFF_REPOS = 5

    # ------------------------------------------------------------------ ids: uniform over GitHub's range
    def _account_id(self, created: float | None) -> int:
        rng = self.rng
        aid = rng.randint(1, MAX_ACCOUNT_ID)
        while aid in self._used_aids:
            aid += rng.randint(1, 50)
        return aid

    def _repo_id(self, created: float | None) -> int:
        return self.rng.randint(1_000_000, MAX_REPO_ID)

    def _popular_repo_id(self) -> int:
        return self.rng.randint(1_000_000, 600_000_000)

    def _promoted_repo_id(self, t: int, t_create: float) -> tuple[int, None]:
        return self.rng.randint(MAX_REPO_ID - 5_000_000, MAX_REPO_ID + 5_000_000), None

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

    # ------------------------------------------------------------------ campaigns
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
            self._fans_follow_up(t, a, r, fork=0.06, issue=0.09)

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
