"""The adversarial world (preset ``adversarial``): the realistic world plus the farms of a seller
who has read docs/detection-default.md and spends money to dodge each documented signal.

It builds exactly the realistic world of the same options first (same random draws in the same
order: background, realistic campaigns, hard negatives), then adds the informed seller's
campaigns, each its own kind in the truth (docs/adversary.md says what each defeats and costs):

* ``camouflaged`` - a farm reused across clients whose accounts also engage with the client:
  some fork it and push to the fork, some open an issue (defeats ``hollow``; no account is idle,
  so not ``starfork``).
* ``paced``       - a farm (each account serving at most 4 clients) whose orders trickle in
  evenly at <= 8 stars a day over a week or more: no 48 h span holds 20 stars or half the repo's
  (defeats ``burst``/``reuse``) and star times are never tight (``overlap``, ``lockstep``).
* ``one_shot``    - aged accounts kept alive (>= 2 events besides stars, so none is thin), each
  spent on a single client (defeats ``reuse``/``burst``/``overlap``/``lockstep`` and ``hollow``'s
  thin-account gate).
* ``sitting``     - a farm that delivers orders in pairs: each account stars both clients (and a
  popular repo) within minutes, like a reader of a list (defeats ``reuse``/``burst``: its
  stars inside bursts are in one sitting; ``hollow``: no star outside a sitting).
* ``diluted``     - a farm whose accounts each also star > 50 organic repos of 10-5000 stars
  over the window (defeats ``overlap``: such accounts make no pairs).
* ``seasoned``    - throwaway accounts registered in a burst that each push twice to a repo of
  their own on two days besides starring one client (defeats every thin-gated signal:
  ``bulk``, ``fresh``, ``costar``, ``low-activity``, ``hollow``'s gate; one client each).
"""
from __future__ import annotations

from .base import _poisson
from .clock import DAY, HOUR
from .realistic import RealisticWorld

ADVERSARY_KINDS = ("camouflaged", "paced", "one_shot", "sitting", "diluted", "seasoned")


class AdversarialWorld(RealisticWorld):
    preset = "adversarial"
    CAMPAIGN_KINDS = RealisticWorld.CAMPAIGN_KINDS + ADVERSARY_KINDS
    ROLES = RealisticWorld.ROLES + ADVERSARY_KINDS
    # (builder, how many at scale 1 per 14 days), after the realistic world is complete
    ADVERSARY_PLAN = (("_camouflaged", 0.4), ("_paced", 0.4), ("_one_shot", 0.4), ("_sitting", 0.4),
                      ("_diluted", 0.4), ("_seasoned", 0.6))

    def build(self) -> None:
        # the realistic world first, draw for draw; the seller's farms only add to it
        self._background()
        self._run_plan(self.CAMPAIGN_PLAN)
        self._run_plan(self.NEGATIVE_PLAN)
        self._run_plan(self.ADVERSARY_PLAN)
        self.events.sort()

    # ------------------------------------------------------------------ helpers
    def _kept_alive(self, n: int, role: str, cid: str) -> list[int]:
        """Aged accounts with >= 2 events besides stars in the window: none is thin."""
        return self._aged_accounts(n, role, cid, upkeep=2)

    def _orders(self, n_lo: int, n_hi: int) -> int:
        return max(n_lo, min(n_hi, int(round(self.days / self.rng.uniform(1.5, 3.0)))))

    # ------------------------------------------------------------------ the informed seller
    def _camouflaged(self) -> None:
        """A reused farm whose accounts fork the client, push to the fork, open issues."""
        rng = self.rng
        c, cid = self._new_campaign("camouflaged")
        P = rng.randint(150, 400)
        accs = self._kept_alive(P, "camouflaged", cid)
        self._cover(accs, 1.5 * self.days / 7)
        for _ in range(self._orders(2, 8)):
            n = min(P, self._order_size(50, int(P * 0.8)))
            r, t0, dur = self._next_order(c)
            pick = rng.sample(accs, n)
            self._order(c, r, pick, t0, dur)
            short = self.repo_short[r]
            for a in pick:
                u = rng.random()
                t = self.clip(t0 + dur + rng.uniform(HOUR, 2 * DAY))
                if u < 0.15:    # fork it and push to the fork: "people work on it"
                    self.emit(t, "ForkEvent", a, r)
                    fork = self.add_repo(owner_acc=a, name=short, created=t)
                    for _ in range(1 + _poisson(rng, 1)):
                        self.emit(t + rng.randint(60, DAY), "PushEvent", a, fork)
                elif u < 0.22:  # an issue or a comment on the client
                    self.emit(t, rng.choice(("IssuesEvent", "IssueCommentEvent")), a, r)

    def _paced(self) -> None:
        """Orders trickled evenly at <= 8 stars a day: no burst, no tight star times."""
        rng = self.rng
        c, cid = self._new_campaign("paced")
        n_orders = self._orders(2, 8)
        sizes = [self._order_size(50, 300) for _ in range(n_orders)]
        P = max(max(sizes) + 20, int(sum(sizes) / rng.uniform(2.0, 4.0)))
        accs = self._kept_alive(P, "paced", cid) if rng.random() < 0.5 else self._aged_accounts(P, "paced", cid)
        self._cover(accs, 1.0 * self.days / 7)
        used = {a: 0 for a in accs}
        for n in sizes:
            rate = rng.uniform(4.0, 8.0)            # stars a day: 48 h never hold 20
            dur = n / rate * DAY
            t0 = rng.random() * max(1, self.T - min(dur, self.T) * 0.7)
            r = self._client(t0)
            self.campaigns[c]["repos"].append(r)
            pick = sorted(accs, key=lambda a: (used[a], rng.random()))[:n]
            step = dur / n
            for i, a in enumerate(pick):
                used[a] += 1
                t = t0 + (i + rng.random()) * step  # evenly spaced: no chance spike
                if t < self.T:                      # the rest lands after the window
                    self._fake_star(c, int(t), a, r)
            self._organic_sprinkle(r, rng.randint(0, max(1, n // 12)), int(t0), self.T)

    def _one_shot(self) -> None:
        """Aged, kept-alive accounts, each spent on one client only."""
        c, cid = self._new_campaign("one_shot")
        for _ in range(self._orders(2, 6)):
            n = self._order_size(50, 300)
            r, t0, dur = self._next_order(c)
            accs = self._kept_alive(n, "one_shot", cid)
            self._cover(accs, 1.0 * self.days / 7)
            self._order(c, r, accs, t0, dur)

    def _sitting(self) -> None:
        """Orders in pairs: each account stars both clients and a popular repo in one sitting."""
        rng = self.rng
        c, cid = self._new_campaign("sitting")
        P = rng.randint(150, 400)
        accs = self._aged_accounts(P, "sitting", cid)
        self._cover(accs, 1.0 * self.days / 7)
        for _ in range(max(1, self._orders(2, 8) // 2)):
            n = min(P, self._order_size(50, int(P * 0.8)))
            dur = rng.uniform(0.5, 3) * DAY
            t0 = rng.random() * max(1, self.T - dur)
            pair = [self._client(t0), self._client(t0)]
            self.campaigns[c]["repos"] += pair
            for a in rng.sample(accs, n):
                t = t0 + rng.random() * dur
                for r in pair:
                    self._fake_star(c, self.clip(t), a, r)
                    t += rng.uniform(60, 15 * 60)
                self.star(self.clip(t), a, self.pick_popular())   # the cover star of the sitting
            for r in pair:
                self._organic_sprinkle(r, rng.randint(0, max(1, n // 12)), int(t0), self.T)

    def _diluted(self) -> None:
        """A reused farm whose accounts each star > 50 organic repos of 10-5000 stars too."""
        rng = self.rng
        c, cid = self._new_campaign("diluted")
        P = rng.randint(60, 100)
        accs = self._aged_accounts(P, "diluted", cid)
        # spread thin over the popular repos (the ones with >= 10 stars that overlap counts),
        # the farm a minority on each: at most 40 of it (else the dilution is itself a lockstep
        # cluster, >= 50 accounts x >= 10 repos) and at most half the repo's other stars (else
        # its reused accounts dominate the repo). A small world has few such repos, so some
        # accounts get fewer than 51 here (docs/adversary.md); GitHub has millions.
        n_stars = {r: 0 for r in self.popular}
        for ev in self.events:
            if ev[2] == "WatchEvent" and ev[4] in n_stars:
                n_stars[ev[4]] += 1
        room = {r: min(40, n // 2) for r, n in n_stars.items()}
        for a in accs:
            free = [r for r in self.popular if room[r] > 0]
            for r in rng.sample(free, min(len(free), 52)):
                if self.star(self.diurnal_time(), a, r):
                    room[r] -= 1
        for _ in range(self._orders(2, 8)):
            n = min(P, self._order_size(50, int(P * 0.8)))
            r, t0, dur = self._next_order(c)
            self._order(c, r, rng.sample(accs, n), t0, dur)

    def _seasoned(self) -> None:
        """Throwaways registered in a burst that push twice to a repo of their own, on two days."""
        rng = self.rng
        c, cid = self._new_campaign("seasoned")
        n = self._order_size()
        reg = rng.choice((HOUR, 6 * HOUR, DAY)) * rng.uniform(0.5, 1.5)
        t0 = rng.random() * max(1, self.T - reg - 2 * DAY)
        r = self._client(t0)
        self.campaigns[c]["repos"].append(r)
        for a in self.signups(n, "seasoned", cid, t0, reg, patterned=0.0):
            tc = self.acc_created[a] - self.acc_clock.t0
            self._fake_star(c, self.clip(tc + rng.expovariate(1 / (2 * HOUR))), a, r)
            own = self.add_repo(owner_acc=a, created=tc + 60)
            self._own[a] = [own]
            self.emit(self.clip(tc + rng.uniform(120, HOUR)), "PushEvent", a, own)
            self.emit(self.clip(tc + rng.uniform(1, 3) * DAY), "PushEvent", a, own)
        self._organic_sprinkle(r, rng.randint(0, n // 15), int(t0), self.T)
