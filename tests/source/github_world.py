"""A small hand-made GitHub for the live-source tests: a promoted repo whose stargazers are half
bulk-created accounts, a repo whose stargazer list the token may not see, a renamed repo, a
deleted and a blocked one, a deleted account and an account whose login changed."""
from __future__ import annotations

import datetime as dt
import random

from fake_github import FakeGitHub, FakeRepo

TOKEN = "ghp_Sec" + "retTokenForTests0123456789"
T0 = dt.datetime(2026, 9, 1)


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Builder:
    def __init__(self, fake: FakeGitHub, seed: int = 0):
        self.fake = fake
        self.rng = random.Random(seed)
        self.next_event = 50_000_000_000

    def event(self, type_: str, uid: int, repo: FakeRepo, t: dt.datetime, login: str | None = None,
              into_user: bool = True) -> dict:
        self.next_event += self.rng.randint(1, 50)
        ev = {"id": str(self.next_event), "type": type_,
              "actor": {"id": uid, "login": login or self.fake.login_of(uid),
                        "display_login": login or self.fake.login_of(uid), "gravatar_id": "",
                        "url": "", "avatar_url": ""},
              "repo": {"id": repo.id, "name": repo.full_name, "url": ""},
              "payload": {"action": "started"} if type_ == "WatchEvent" else {},
              "public": True, "created_at": iso(t)}
        if repo.owner_type == "Organization":
            ev["org"] = {"id": repo.owner_id, "login": repo.full_name.split("/")[0]}
        return ev


def build(token: str | None = TOKEN, n_bulk: int = 60, n_organic: int = 60, seed: int = 0,
          limit: int = 5000, window: float = 3600.0) -> FakeGitHub:
    fake = FakeGitHub(token=token, limit=limit, window=window)
    b = Builder(fake, seed)
    rng = b.rng
    alpha = FakeRepo(1001, "alice/alpha", 7)
    beta = FakeRepo(2002, "acme/beta", 8, "Organization", stars_hidden=True)
    old = FakeRepo(3003, "bob/oldname", 9)
    for r in (alpha, beta, old):
        fake.add_repo(r)
    fake.add_user(7, "alice", "2012-01-01T00:00:00Z", public_repos=30, followers=100)
    fake.add_user(8, "acme", "2013-01-01T00:00:00Z", "Organization")
    fake.add_user(9, "bob", "2014-01-01T00:00:00Z")
    # bulk accounts: consecutive ids, registered minutes apart; organic ones spread over years
    bulk = list(range(150_000_000, 150_000_000 + n_bulk))
    for i, uid in enumerate(bulk):
        fake.add_user(uid, f"bulk{i:03d}", iso(dt.datetime(2026, 8, 30, 10) + dt.timedelta(minutes=i)))
    organic = sorted(rng.sample(range(1_000_000, 140_000_000), n_organic))
    for i, uid in enumerate(organic):
        t = dt.datetime(2009, 1, 1) + dt.timedelta(days=int(uid / 140_000_000 * 6000))
        fake.add_user(uid, f"dev{i:03d}", iso(t), public_repos=rng.randint(1, 80),
                      followers=rng.randint(0, 300))
    # alpha: organic stars over the month, then a burst of bulk stars on one day
    stars = [(uid, T0 + dt.timedelta(hours=rng.randint(0, 24 * 25))) for uid in organic]
    stars += [(uid, T0 + dt.timedelta(days=26, minutes=3 * i)) for i, uid in enumerate(bulk)]
    stars.sort(key=lambda s: (s[1], s[0]))
    alpha.stars = [(u, iso(t)) for u, t in stars]
    events = []
    for uid, t in stars[-40:]:  # the feed holds the recent WatchEvents ...
        events.append(b.event("WatchEvent", uid, alpha, t))
    for i in range(30):  # ... and organic work
        uid = organic[i % len(organic)]
        events.append(b.event(rng.choice(["PushEvent", "IssuesEvent", "ForkEvent"]), uid, alpha,
                              T0 + dt.timedelta(hours=rng.randint(0, 24 * 27))))
    events.sort(key=lambda e: (e["created_at"], int(e["id"])), reverse=True)
    alpha.events = events
    for ev in events:
        fake.user_events[ev["actor"]["id"]].append(ev)
    for uid in organic[:20]:  # organic accounts are active elsewhere too
        for k in range(3):
            fake.user_events[uid].append(b.event("PushEvent", uid, old, T0 + dt.timedelta(days=k)))
    # beta: stargazer list hidden; its feed shows stars, one by an account that changed its
    # login since (the feed has the old login) and one by an account deleted since
    fake.add_user(5, "newlogin", "2010-05-05T00:00:00Z")
    beta_events = [b.event("WatchEvent", 5, beta, T0 + dt.timedelta(days=3), login="oldlogin"),
                   b.event("WatchEvent", organic[0], beta, T0 + dt.timedelta(days=4)),
                   b.event("WatchEvent", 6, beta, T0 + dt.timedelta(days=5), login="ghost-user")]
    beta.events = sorted(beta_events, key=lambda e: e["created_at"], reverse=True)
    # old: renamed since
    old.stars = [(organic[1], iso(T0)), (organic[2], iso(T0 + dt.timedelta(days=1)))]
    old.events = [b.event("PushEvent", 9, old, T0)]
    fake.rename("bob/oldname", "bob/newname")
    fake.gone["gone/repo"] = 404
    fake.gone["dmca/repo"] = 451
    for uid in fake.user_events:
        fake.user_events[uid].sort(key=lambda e: (e["created_at"], int(e["id"])), reverse=True)
    return fake


REPOS = ["alice/alpha", "acme/beta", "bob/oldname", "gone/repo", "dmca/repo"]
