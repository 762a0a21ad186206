"""Hand-made GH Archive lines and hour files for ingest and store tests."""
from __future__ import annotations

import gzip
import json
from pathlib import Path


def event(
    event_id: int,
    type_: str = "WatchEvent",
    actor_id: int = 1,
    login: str | None = None,
    repo_id: int = 100,
    repo_name: str | None = None,
    created_at: str = "2024-03-01T05:00:06Z",
    org_id: int | None = None,
    payload: dict | None = None,
) -> dict:
    login = login or f"user{actor_id}"
    repo_name = repo_name or f"owner/repo{repo_id}"
    ev = {
        "id": str(event_id),
        "type": type_,
        "actor": {"id": actor_id, "login": login, "display_login": login, "gravatar_id": "",
                  "url": f"https://api.github.com/users/{login}",
                  "avatar_url": f"https://avatars.githubusercontent.com/u/{actor_id}?"},
        "repo": {"id": repo_id, "name": repo_name,
                 "url": f"https://api.github.com/repos/{repo_name}"},
        "payload": payload if payload is not None else (
            {"action": "started"} if type_ == "WatchEvent" else {"ref": "main", "size": 1}),
        "public": True,
        "created_at": created_at,
    }
    if org_id is not None:
        ev["org"] = {"id": org_id, "login": f"org{org_id}", "gravatar_id": "",
                     "url": f"https://api.github.com/orgs/org{org_id}",
                     "avatar_url": f"https://avatars.githubusercontent.com/u/{org_id}?"}
    return ev


def line(ev: dict) -> bytes:
    return json.dumps(ev, separators=(",", ":")).encode()


def write_hour(path: Path, lines: list[bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as fh:
        for ln in lines:
            fh.write(ln + b"\n")
    return path
