"""Names as users paste them: a GitHub URL stands for the repository or account it shows
(`check`, `account`, `report`, the web search box and `github` all read names through here)."""
from __future__ import annotations

import re

_GITHUB_URL = re.compile(r"^(?:https?://)?(?:www\.)?github\.com/+", re.I)


def from_github_url(text: str, parts: int) -> str:
    """``https://github.com/owner/repo`` (or ``github.com/owner/repo/tree/main``, ``.git``,
    a trailing slash) -> ``owner/repo`` (parts=2); ``https://github.com/login`` -> ``login``
    (parts=1). Anything that is not a GitHub URL is returned stripped, unchanged."""
    key = text.strip()
    m = _GITHUB_URL.match(key)
    if not m:
        return key
    path = re.split(r"[?#]", key[m.end():], maxsplit=1)[0]  # a query or fragment is no name
    segs = [s for s in path.split("/") if s][:parts]
    name = "/".join(segs)
    return name[:-4] if parts == 2 and name.endswith(".git") else name
