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
