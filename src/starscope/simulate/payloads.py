"""Realistic GH Archive payloads, as pre-rendered JSON templates with slots.

A template is a payload serialised once (msgspec) with placeholder tokens; rendering fills the
slots with the event's repo, actor, ids and time.  Tokens: ``@@R@@`` repo full name, ``@@RN@@``
repo short name, ``@@O@@`` repo owner login, ``@@L@@`` actor login, ``@@TS@@`` event time, and
numeric ``@@AID@@`` actor id, ``@@RID@@`` repo id, ``@@OID@@`` owner id, ``@@NID@@`` new id.
"""
from __future__ import annotations

import random
import re

import msgspec

from . import text

API = "https://api.github.com"
WEB = "https://github.com"

# Event-type mix of GH Archive (2024, share of all events).
GLOBAL_MIX = {
    "PushEvent": 0.500, "CreateEvent": 0.130, "WatchEvent": 0.075, "PullRequestEvent": 0.070,
    "IssueCommentEvent": 0.050, "DeleteEvent": 0.040, "PullRequestReviewEvent": 0.035,
    "IssuesEvent": 0.025, "ForkEvent": 0.020, "PullRequestReviewCommentEvent": 0.020,
    "ReleaseEvent": 0.008, "MemberEvent": 0.004, "PublicEvent": 0.003, "GollumEvent": 0.002,
    "CommitCommentEvent": 0.001,
}

_TOKEN = re.compile(r'"@@([A-Z]+ID)@@"|@@([A-Z]+)@@')


def compile_template(payload: dict) -> tuple:
    """Serialise a payload once; return (segments, slotted) for :func:`render`.

    The text is split on the (frequent) repo-name token ``@@R@@``: ``segments`` are joined with
    the repo name; the few segments holding other tokens are listed in ``slotted`` as
    (index, parts, slot positions), ``parts`` alternating literal text and slot names."""
    s = msgspec.json.encode(payload).decode()
    segs = s.split("@@R@@")
    slotted = []
    for i, seg in enumerate(segs):
        parts = _TOKEN.split(seg)
        if len(parts) == 1:
            continue
        out = [parts[0]]
        for k in range(1, len(parts), 3):
            out.append(parts[k] or parts[k + 1])
            out.append(parts[k + 2])
        slotted.append((i, out, tuple(range(1, len(out), 2))))
    return segs, tuple(slotted)


def render(tpl: tuple, vals: dict) -> str:
    segs, slotted = tpl
    if slotted:
        segs = segs.copy()
        for i, parts, pos in slotted:
            p = parts.copy()
            for k in pos:
                p[k] = vals[p[k]]
            segs[i] = "".join(p)
    return vals["R"].join(segs) if len(segs) > 1 else segs[0]


def _sha(rng: random.Random) -> str:
    return "%040x" % rng.getrandbits(160)


def _node(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14))


def user_obj(login: str, uid, rng: random.Random, kind: str = "User") -> dict:
    u = f"{API}/users/{login}"
    return {
        "login": login, "id": uid, "node_id": _node(rng, "MDQ6VXNlcj"),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4", "gravatar_id": "",
        "url": u, "html_url": f"{WEB}/{login}", "followers_url": u + "/followers",
        "following_url": u + "/following{/other_user}", "gists_url": u + "/gists{/gist_id}",
        "starred_url": u + "/starred{/owner}{/repo}", "subscriptions_url": u + "/subscriptions",
        "organizations_url": u + "/orgs", "repos_url": u + "/repos", "events_url": u + "/events{/privacy}",
        "received_events_url": u + "/received_events", "type": kind, "site_admin": False,
    }


def repo_obj(rng: random.Random, rid, name: str, full: str, owner: dict, *, fork: bool, created: str,
             updated: str, description=None) -> dict:
    a = f"{API}/repos/{full}"
    lang = rng.choice(text.LANGS)
    stars = int(rng.paretovariate(1.2)) - 1
    forks = stars // rng.randint(3, 12)
    return {
        "id": rid, "node_id": _node(rng, "R_kgDOL"), "name": name, "full_name": full, "private": False,
        "owner": owner, "html_url": f"{WEB}/{full}", "description": description, "fork": fork, "url": a,
        "forks_url": a + "/forks", "keys_url": a + "/keys{/key_id}", "collaborators_url": a + "/collaborators{/collaborator}",
        "teams_url": a + "/teams", "hooks_url": a + "/hooks", "issue_events_url": a + "/issues/events{/number}",
        "events_url": a + "/events", "assignees_url": a + "/assignees{/user}", "branches_url": a + "/branches{/branch}",
        "tags_url": a + "/tags", "blobs_url": a + "/git/blobs{/sha}", "git_tags_url": a + "/git/tags{/sha}",
        "git_refs_url": a + "/git/refs{/sha}", "trees_url": a + "/git/trees{/sha}", "statuses_url": a + "/statuses/{sha}",
        "languages_url": a + "/languages", "stargazers_url": a + "/stargazers", "contributors_url": a + "/contributors",
        "subscribers_url": a + "/subscribers", "subscription_url": a + "/subscription", "commits_url": a + "/commits{/sha}",
        "git_commits_url": a + "/git/commits{/sha}", "comments_url": a + "/comments{/number}",
        "issue_comment_url": a + "/issues/comments{/number}", "contents_url": a + "/contents/{+path}",
        "compare_url": a + "/compare/{base}...{head}", "merges_url": a + "/merges", "archive_url": a + "/{archive_format}{/ref}",
        "downloads_url": a + "/downloads", "issues_url": a + "/issues{/number}", "pulls_url": a + "/pulls{/number}",
        "milestones_url": a + "/milestones{/number}", "notifications_url": a + "/notifications{?since,all,participating}",
        "labels_url": a + "/labels{/name}", "releases_url": a + "/releases{/id}", "deployments_url": a + "/deployments",
        "created_at": created, "updated_at": updated, "pushed_at": updated, "git_url": f"git://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git", "clone_url": f"{WEB}/{full}.git", "svn_url": f"{WEB}/{full}",
        "homepage": None, "size": rng.randint(0, 50000), "stargazers_count": stars, "watchers_count": stars,
        "language": lang, "has_issues": True, "has_projects": True, "has_downloads": True, "has_wiki": True,
        "has_pages": False, "has_discussions": False, "forks_count": forks, "mirror_url": None, "archived": False,
        "disabled": False, "open_issues_count": rng.randint(0, 40),
        "license": rng.choice([None, {"key": "mit", "name": "MIT License", "spdx_id": "MIT", "url": f"{API}/licenses/mit", "node_id": "MDc6TGljZW5zZTEz"}]),
        "allow_forking": True, "is_template": False, "web_commit_signoff_required": False,
        "topics": [], "visibility": "public", "forks": forks, "open_issues": rng.randint(0, 40),
        "watchers": stars, "default_branch": "main",
    }


def _old_date(rng: random.Random) -> str:
    return "20%02d-%02d-%02dT%02d:%02d:%02dZ" % (rng.randint(12, 23), rng.randint(1, 12), rng.randint(1, 28),
                                                 rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))


def _reactions(url: str, rng: random.Random) -> dict:
    r = {"url": url + "/reactions", "total_count": 0}
    for k in ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"):
        v = rng.choice((0, 0, 0, 0, 1, 2))
        r[k] = v
        r["total_count"] += v
    return r


def _issue(rng: random.Random, number: int, is_pr: bool, body_len: int) -> dict:
    a = f"{API}/repos/@@R@@/issues/{number}"
    iid = rng.randint(2_000_000_000, 2_200_000_000)
    d = {
        "url": a, "repository_url": f"{API}/repos/@@R@@", "labels_url": a + "/labels{/name}",
        "comments_url": a + "/comments", "events_url": a + "/events", "html_url": f"{WEB}/@@R@@/{'pull' if is_pr else 'issues'}/{number}",
        "id": iid, "node_id": _node(rng, "I_kwDOK"), "number": number, "title": text.sentence(rng, 3, 10),
        "user": user_obj(text.login_organic(rng), rng.randint(1, 160_000_000), rng),
        "labels": [{"id": rng.randint(10**9, 7 * 10**9), "node_id": _node(rng, "LA_kwDOK"), "url": f"{API}/repos/@@R@@/labels/bug",
                    "name": "bug", "color": "d73a4a", "default": True, "description": "Something isn't working"}] if rng.random() < 0.3 else [],
        "state": "open", "locked": False, "assignee": None, "assignees": [], "milestone": None,
        "comments": rng.randint(0, 12), "created_at": _old_date(rng), "updated_at": "@@TS@@", "closed_at": None,
        "author_association": rng.choice(("NONE", "CONTRIBUTOR", "MEMBER", "OWNER")), "active_lock_reason": None,
    }
    if is_pr:
        d["draft"] = False
        d["pull_request"] = {"url": f"{API}/repos/@@R@@/pulls/{number}", "html_url": f"{WEB}/@@R@@/pull/{number}",
                             "diff_url": f"{WEB}/@@R@@/pull/{number}.diff", "patch_url": f"{WEB}/@@R@@/pull/{number}.patch", "merged_at": None}
    d["body"] = text.body(rng, body_len) if body_len else None
    d["reactions"] = _reactions(a, rng)
    d["timeline_url"] = a + "/timeline"
    d["performed_via_github_app"] = None
    d["state_reason"] = None
    return d


def _comment(rng: random.Random, number: int, body_len: int, review: bool = False) -> dict:
    cid = rng.randint(1_900_000_000, 2_100_000_000)
    base = f"{API}/repos/@@R@@/{'pulls' if review else 'issues'}/comments/{cid}"
    d = {"url": base, "html_url": f"{WEB}/@@R@@/{'pull' if review else 'issues'}/{number}#issuecomment-{cid}"}
    if review:
        d.update({"pull_request_review_id": rng.randint(1_800_000_000, 1_950_000_000), "id": cid, "node_id": _node(rng, "PRRC_kwDOK"),
                  "diff_hunk": "@@ -10,7 +10,9 @@\n" + "\n".join("+    " + text.sentence(rng, 3, 8) for _ in range(rng.randint(3, 12))),
                  "path": rng.choice(("src/main.py", "README.md", "lib/index.ts", "cmd/root.go", "src/lib.rs")),
                  "commit_id": _sha(rng), "original_commit_id": _sha(rng)})
    else:
        d.update({"issue_url": f"{API}/repos/@@R@@/issues/{number}", "id": cid, "node_id": _node(rng, "IC_kwDOK")})
    d["user"] = {**user_obj("@@L@@", "@@AID@@", rng)}
    d.update({"created_at": "@@TS@@", "updated_at": "@@TS@@", "author_association": rng.choice(("NONE", "CONTRIBUTOR", "MEMBER")),
              "body": text.body(rng, body_len), "reactions": _reactions(base, rng), "performed_via_github_app": None})
    return d


def _pr(rng: random.Random, number: int, body_len: int, head_repo: bool = True, base_repo: bool = True,
        by_actor: bool = False) -> dict:
    a = f"{API}/repos/@@R@@/pulls/{number}"
    head_login = text.login_organic(rng)
    head_uid = rng.randint(1, 160_000_000)
    if by_actor:  # the PR author is the event's actor
        head_login, head_uid = "@@L@@", "@@AID@@"
    head_user = user_obj(head_login, head_uid, rng)
    base_owner = user_obj("@@O@@", "@@OID@@", rng)
    ref = rng.choice(("fix", "feat", "patch", "dependabot/npm_and_yarn", "update", "dev")) + "/" + rng.choice(text.WORDS) + "-" + str(rng.randint(1, 999))
    return {
        "url": a, "id": rng.randint(1_700_000_000, 1_800_000_000), "node_id": _node(rng, "PR_kwDOK"),
        "html_url": f"{WEB}/@@R@@/pull/{number}", "diff_url": f"{WEB}/@@R@@/pull/{number}.diff",
        "patch_url": f"{WEB}/@@R@@/pull/{number}.patch", "issue_url": f"{API}/repos/@@R@@/issues/{number}",
        "number": number, "state": "open", "locked": False, "title": text.sentence(rng, 3, 10),
        "user": head_user, "body": text.body(rng, body_len) if body_len else None,
        "created_at": "@@TS@@", "updated_at": "@@TS@@", "closed_at": None, "merged_at": None,
        "merge_commit_sha": None, "assignee": None, "assignees": [], "requested_reviewers": [], "requested_teams": [],
        "labels": [], "milestone": None, "draft": False, "commits_url": a + "/commits", "review_comments_url": a + "/comments",
        "review_comment_url": f"{API}/repos/@@R@@/pulls/comments{{/number}}", "comments_url": f"{API}/repos/@@R@@/issues/{number}/comments",
        "statuses_url": f"{API}/repos/@@R@@/statuses/{_sha(rng)}",
        "head": {"label": f"{head_login}:{ref}", "ref": ref, "sha": _sha(rng), "user": head_user,
                 "repo": repo_obj(rng, rng.randint(100_000_000, 780_000_000), "@@RN@@", f"{head_login}/@@RN@@", head_user,
                                  fork=True, created=_old_date(rng), updated="@@TS@@") if head_repo else None},
        "base": {"label": "@@O@@:main", "ref": "main", "sha": _sha(rng), "user": base_owner,
                 "repo": repo_obj(rng, "@@RID@@", "@@RN@@", "@@R@@", base_owner, fork=False, created=_old_date(rng), updated="@@TS@@",
                                  description=text.sentence(rng, 3, 9)) if base_repo else None},
        "_links": {"self": {"href": a}, "html": {"href": f"{WEB}/@@R@@/pull/{number}"}, "issue": {"href": f"{API}/repos/@@R@@/issues/{number}"},
                   "comments": {"href": f"{API}/repos/@@R@@/issues/{number}/comments"}, "review_comments": {"href": a + "/comments"},
                   "review_comment": {"href": f"{API}/repos/@@R@@/pulls/comments{{/number}}"}, "commits": {"href": a + "/commits"},
                   "statuses": {"href": f"{API}/repos/@@R@@/statuses/{_sha(rng)}"}},
        "author_association": rng.choice(("NONE", "CONTRIBUTOR", "MEMBER")), "auto_merge": None, "active_lock_reason": None,
        "merged": False, "mergeable": None, "rebaseable": None, "mergeable_state": "unknown", "merged_by": None,
        "comments": rng.randint(0, 9), "review_comments": rng.randint(0, 9), "maintainer_can_modify": False,
        "commits": rng.randint(1, 12), "additions": rng.randint(1, 900), "deletions": rng.randint(0, 300),
        "changed_files": rng.randint(1, 30),
    }


def _lognorm_len(rng: random.Random, median: float, sigma: float = 0.9, cap: int = 20000) -> int:
    return min(cap, int(median * rng.lognormvariate(0, sigma)))


def make_payload(etype: str, rng: random.Random) -> dict:
    """One payload of ``etype`` with slot tokens (see module doc)."""
    if etype == "PushEvent":
        n = min(20, max(1, int(rng.paretovariate(2.2))))
        commits = []
        for _ in range(n):
            sha = _sha(rng)
            commits.append({"sha": sha, "author": {"email": f"{rng.randint(1, 99999999)}+@@L@@@users.noreply.github.com", "name": "@@L@@"},
                            "message": text.sentence(rng, 2, 9) + (("\n\n" + text.body(rng, _lognorm_len(rng, 120))) if rng.random() < 0.3 else ""),
                            "distinct": True, "url": f"{API}/repos/@@R@@/commits/{sha}"})
        return {"repository_id": "@@RID@@", "push_id": rng.randint(17_000_000_000, 18_000_000_000), "size": n,
                "distinct_size": n, "ref": rng.choice(("refs/heads/main", "refs/heads/main", "refs/heads/master", "refs/heads/dev", "refs/heads/gh-pages")),
                "head": commits[-1]["sha"], "before": _sha(rng), "commits": commits}
    if etype == "CreateEvent":
        kind = rng.choices(("branch", "tag", "repository"), (0.6, 0.15, 0.25))[0]
        ref = None if kind == "repository" else (("v%d.%d.%d" % (rng.randint(0, 5), rng.randint(0, 20), rng.randint(0, 9))) if kind == "tag" else rng.choice(("dev", "fix-", "feature/", "patch-", "dependabot/")) + str(rng.randint(1, 999)))
        return {"ref": ref, "ref_type": kind, "master_branch": "main", "description": text.sentence(rng, 3, 10) if rng.random() < 0.5 else None, "pusher_type": "user"}
    if etype == "DeleteEvent":
        return {"ref": rng.choice(("fix-", "feature/", "patch-", "dependabot/npm_and_yarn/")) + str(rng.randint(1, 999)), "ref_type": "branch", "pusher_type": "user"}
    if etype == "WatchEvent":
        return {"action": "started"}
    if etype == "ForkEvent":
        owner = user_obj("@@L@@", "@@AID@@", rng)
        return {"forkee": {**repo_obj(rng, "@@NID@@", "@@RN@@", "@@L@@/@@RN@@", owner, fork=True, created="@@TS@@", updated="@@TS@@",
                                      description=text.sentence(rng, 3, 9) if rng.random() < 0.6 else None), "public": True}}
    if etype == "IssuesEvent":
        num = rng.randint(1, 3000)
        return {"action": rng.choice(("opened", "opened", "closed", "reopened")), "issue": _issue(rng, num, False, _lognorm_len(rng, 900))}
    if etype == "IssueCommentEvent":
        num = rng.randint(1, 3000)
        return {"action": "created", "issue": _issue(rng, num, rng.random() < 0.5, _lognorm_len(rng, 350)), "comment": _comment(rng, num, _lognorm_len(rng, 350))}
    if etype == "PullRequestEvent":
        num = rng.randint(1, 3000)
        return {"action": rng.choice(("opened", "closed", "closed", "reopened", "synchronize")), "number": num, "pull_request": _pr(rng, num, _lognorm_len(rng, 250), head_repo=rng.random() < 0.3, by_actor=True)}
    if etype == "PullRequestReviewEvent":
        num = rng.randint(1, 3000)
        rid = rng.randint(1_800_000_000, 1_950_000_000)
        return {"action": "created", "review": {"id": rid, "node_id": _node(rng, "PRR_kwDOK"), "user": user_obj("@@L@@", "@@AID@@", rng),
                                                "body": text.sentence(rng) if rng.random() < 0.4 else None, "commit_id": _sha(rng), "submitted_at": "@@TS@@",
                                                "state": rng.choice(("approved", "commented", "changes_requested")),
                                                "html_url": f"{WEB}/@@R@@/pull/{num}#pullrequestreview-{rid}", "pull_request_url": f"{API}/repos/@@R@@/pulls/{num}",
                                                "author_association": "MEMBER", "_links": {"html": {"href": f"{WEB}/@@R@@/pull/{num}#pullrequestreview-{rid}"}, "pull_request": {"href": f"{API}/repos/@@R@@/pulls/{num}"}}},
                "pull_request": _pr(rng, num, _lognorm_len(rng, 200), head_repo=False, base_repo=False)}
    if etype == "PullRequestReviewCommentEvent":
        num = rng.randint(1, 3000)
        return {"action": "created", "comment": _comment(rng, num, _lognorm_len(rng, 200), review=True), "pull_request": _pr(rng, num, _lognorm_len(rng, 200), head_repo=False, base_repo=False)}
    if etype == "ReleaseEvent":
        tag = "v%d.%d.%d" % (rng.randint(0, 5), rng.randint(0, 20), rng.randint(0, 9))
        rid = rng.randint(140_000_000, 160_000_000)
        a = f"{API}/repos/@@R@@/releases/{rid}"
        return {"action": "published", "release": {"url": a, "assets_url": a + "/assets", "upload_url": f"https://uploads.github.com/repos/@@R@@/releases/{rid}/assets{{?name,label}}",
                                                   "html_url": f"{WEB}/@@R@@/releases/tag/{tag}", "id": rid, "author": user_obj("@@L@@", "@@AID@@", rng),
                                                   "node_id": _node(rng, "RE_kwDOK"), "tag_name": tag, "target_commitish": "main", "name": tag, "draft": False,
                                                   "prerelease": False, "created_at": "@@TS@@", "published_at": "@@TS@@", "assets": [],
                                                   "tarball_url": f"{API}/repos/@@R@@/tarball/{tag}", "zipball_url": f"{API}/repos/@@R@@/zipball/{tag}",
                                                   "body": text.body(rng, _lognorm_len(rng, 600)), "short_description_html": "<p>" + text.sentence(rng) + "</p>",
                                                   "is_short_description_html_truncated": False}}
    if etype == "MemberEvent":
        return {"member": user_obj(text.login_organic(rng), rng.randint(1, 160_000_000), rng), "action": "added"}
    if etype == "PublicEvent":
        return {}
    if etype == "GollumEvent":
        page = text.sentence(rng, 1, 3).replace(" ", "-")
        return {"pages": [{"page_name": page, "title": page.replace("-", " "), "summary": None, "action": rng.choice(("created", "edited")),
                           "sha": _sha(rng), "html_url": f"{WEB}/@@R@@/wiki/{page}"}]}
    if etype == "CommitCommentEvent":
        sha = _sha(rng)
        cid = rng.randint(130_000_000, 140_000_000)
        return {"comment": {"url": f"{API}/repos/@@R@@/comments/{cid}", "html_url": f"{WEB}/@@R@@/commit/{sha}#commitcomment-{cid}", "id": cid,
                            "node_id": _node(rng, "CC_kwDOK"), "user": user_obj("@@L@@", "@@AID@@", rng), "position": None, "line": None, "path": None,
                            "commit_id": sha, "created_at": "@@TS@@", "updated_at": "@@TS@@", "author_association": "OWNER",
                            "body": text.body(rng, _lognorm_len(rng, 150)), "reactions": _reactions(f"{API}/repos/@@R@@/comments/{cid}", rng)}}
    raise ValueError(etype)


# how many distinct templates to pre-render per type (big ones fewer)
POOL_SIZES = {"WatchEvent": 1, "PublicEvent": 1, "PushEvent": 600, "CreateEvent": 200, "DeleteEvent": 100,
              "ForkEvent": 60, "IssuesEvent": 150, "IssueCommentEvent": 200, "PullRequestEvent": 120,
              "PullRequestReviewEvent": 80, "PullRequestReviewCommentEvent": 80, "ReleaseEvent": 40,
              "MemberEvent": 20, "GollumEvent": 20, "CommitCommentEvent": 20}


class TemplatePool:
    """Pre-rendered payload templates per event type, built deterministically from ``seed``."""

    def __init__(self, seed: int, scale: float = 1.0):
        rng = random.Random(f"payload-templates:{seed}")
        self.pools = {}
        for etype in GLOBAL_MIX:
            n = max(1, int(POOL_SIZES[etype] * scale))
            self.pools[etype] = [compile_template(make_payload(etype, rng)) for _ in range(n)]

    def pick(self, etype: str, rng: random.Random) -> tuple:
        p = self.pools[etype]
        return p[int(rng.random() * len(p))] if len(p) > 1 else p[0]
