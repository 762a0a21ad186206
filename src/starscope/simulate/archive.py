"""Writing GH Archive style lines and hour files; the "valid event" rule used in truth counts."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

import msgspec
from isal import isal_zlib

GZIP_LEVEL = 1  # isal levels are 0..3; 1 is fast and still ~8x on this JSON


def hour_file_name(day: _dt.date, hour: int) -> str:
    return f"{day.isoformat()}-{hour}.json.gz"


def actor_fragment(aid: int, login: str) -> str:
    return (f'"actor":{{"id":{aid},"login":"{login}","display_login":"{login}","gravatar_id":"",'
            f'"url":"https://api.github.com/users/{login}","avatar_url":"https://avatars.githubusercontent.com/u/{aid}?"}}')


def repo_fragment(rid: int, name: str) -> str:
    return f'"repo":{{"id":{rid},"name":"{name}","url":"https://api.github.com/repos/{name}"}}'


def org_fragment(oid: int, login: str) -> str:
    return (f',"org":{{"id":{oid},"login":"{login}","gravatar_id":"","url":"https://api.github.com/orgs/{login}",'
            f'"avatar_url":"https://avatars.githubusercontent.com/u/{oid}?"}}')


def event_line(eid: int, etype: str, actor_frag: str, repo_frag: str, payload: str, created_at: str, org_frag: str) -> str:
    return (f'{{"id":"{eid}","type":"{etype}",{actor_frag},{repo_frag},"payload":{payload},'
            f'"public":true,"created_at":"{created_at}"{org_frag}}}')


class Clock:
    """Formats second offsets from a UTC midnight as GH Archive ``created_at`` strings."""

    def __init__(self, start: _dt.date, days: int):
        self.start = start
        self.prefix = [(start + _dt.timedelta(days=d)).isoformat() + "T" for d in range(days + 2)]

    def fmt(self, t: int) -> str:
        d, r = divmod(t, 86400)
        h, r = divmod(r, 3600)
        m, s = divmod(r, 60)
        return "%s%02d:%02d:%02dZ" % (self.prefix[d], h, m, s)


def gzip_bytes(data: bytes, level: int = GZIP_LEVEL) -> bytes:
    """Deterministic gzip member (mtime 0, no file name)."""
    c = isal_zlib.compressobj(level, isal_zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def gzip_truncated(data_lines: list[bytes], keep: int, level: int = GZIP_LEVEL) -> bytes:
    """A gzip stream holding exactly the first ``keep`` lines, full-flushed and cut (no trailer)."""
    c = isal_zlib.compressobj(level, isal_zlib.DEFLATED, 31)
    out = c.compress(b"".join(data_lines[:keep]))
    out += c.flush(isal_zlib.Z_FULL_FLUSH)
    return out


def write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def validate_event(obj) -> bool:
    """The rule for a *valid event* (what truth counts): a JSON object with ``id`` a string of digits,
    ``type`` a non-empty string, ``actor`` an object with integer ``id`` and string ``login``,
    ``repo`` an object with integer ``id`` and string ``name``, ``payload`` an object and
    ``created_at`` a string.  Anything else on a line (bad JSON, other types, missing keys) is bad."""
    if not isinstance(obj, dict):
        return False
    eid = obj.get("id")
    if not (isinstance(eid, str) and eid.isdigit() and eid.isascii()):
        return False
    t = obj.get("type")
    if not (isinstance(t, str) and t):
        return False
    a = obj.get("actor")
    if not (isinstance(a, dict) and type(a.get("id")) is int and isinstance(a.get("login"), str)):
        return False
    r = obj.get("repo")
    if not (isinstance(r, dict) and type(r.get("id")) is int and isinstance(r.get("name"), str)):
        return False
    if not isinstance(obj.get("payload"), dict):
        return False
    return isinstance(obj.get("created_at"), str)


def parse_line(line: bytes):
    """Parse one archive line; return the event dict or None when the line is not a valid event."""
    try:
        obj = msgspec.json.decode(line)
    except Exception:
        return None
    return obj if validate_event(obj) else None


class StarCapture:
    """The archive losing star events: from ``start`` on, keep only ``fraction`` of
    WatchEvents, chosen by a hash of the event id (deterministic, independent of write order).
    Counts stars generated and kept per month (truth for the coverage estimate)."""

    def __init__(self, fraction: float = 1.0, start: _dt.date | None = None):
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"capture must be between 0 and 1, got {fraction}")
        self.fraction = float(fraction)
        self.start = start
        self.months: dict[str, list[int]] = {}  # month -> [generated, kept]
        self.days: dict[str, list[int]] = {}

    @staticmethod
    def share(eid: int) -> float:
        """A uniform number in [0, 1) from an event id (splitmix64 finaliser)."""
        z = (eid + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return ((z ^ (z >> 31)) >> 11) / float(1 << 53)

    def keep(self, eid: int, day: _dt.date) -> bool:
        """Whether the star event ``eid`` of ``day`` reaches the archive (and count it)."""
        ok = (self.fraction >= 1.0 or self.start is None or day < self.start
              or self.share(eid) < self.fraction)
        for key, table in ((day.isoformat()[:7], self.months), (day.isoformat(), self.days)):
            c = table.setdefault(key, [0, 0])
            c[0] += 1
            c[1] += ok
        return ok

    def summary(self) -> dict:
        def rows(table):
            return {k: {"stars_generated": g, "stars_written": w,
                        "capture": round(w / g, 6) if g else None}
                    for k, (g, w) in sorted(table.items())}
        return {"fraction": self.fraction,
                "from": self.start.isoformat() if self.start else None,
                "by_month": rows(self.months), "by_day": rows(self.days)}
