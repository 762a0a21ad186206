"""A fake GH Archive on 127.0.0.1 (random free port) with scripted per-path behaviours.

Each path gets a list of *actions*; the n-th request to the path uses action n (the last one
repeats). Actions:

ok        serve the file; honours ``Range: bytes=N-`` with 206 (416 past the end)
norange   serve the whole file with 200, ignoring any Range header
badrange  answer a Range request with 206 but a Content-Range that starts at 0
cut       like ``ok`` but send only half the body (full Content-Length), then close
slow      like ``ok`` but in 4 KiB pieces with a short sleep between them
hang      sleep 2 s before answering (then like ``ok``)
404 500 403  that status with a short body
429       "slow down": 429 with ``Retry-After: 1``
"""


from __future__ import annotations

import gzip
import json
import os
import random
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


_RANGE_RE = re.compile(r"bytes=(\d+)-$")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def make_hour_file(seed: int, events: int = 400) -> bytes:
    """A gzip file of JSON lines, poorly compressible so it is a few tens of KB."""
    rnd = random.Random(seed)
    lines = []
    for i in range(events):
        ev = {
            "id": str(seed * 100000 + i),
            "type": "WatchEvent",
            "actor": {"login": "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))},
            "repo": {"name": f"o{rnd.randrange(10**6)}/r{rnd.randrange(10**6)}"},
            "payload": {"noise": rnd.getrandbits(256).to_bytes(32, "big").hex()},
        }
        lines.append(json.dumps(ev))
    return gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6, mtime=0)


class FakeArchive:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.actions: dict[str, list[str]] = {}
        self.requests: list[dict] = []  # {"path", "range", "status"} in arrival order
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.url = ""
        self.slow_delay = 0.01

    def add(self, name: str, data: bytes, actions: list[str] | tuple[str, ...] = ("ok",)) -> bytes:
        self.files[name] = data
        self.actions[name] = list(actions)
        return data

    def requests_for(self, name: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == name]


def handler(archive: FakeArchive):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def _simple(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            name = self.path.lstrip("/")
            rng = self.headers.get("Range")
            with archive.lock:
                n = sum(1 for r in archive.requests if r["path"] == name)
                rec = {"path": name, "range": rng, "status": None, "at": time.monotonic()}
                archive.requests.append(rec)
                archive.active += 1
                archive.max_active = max(archive.max_active, archive.active)
            try:
                self._serve(name, rng, n, rec)
            except (BrokenPipeError, ConnectionResetError):  # the client hung up (Ctrl-C tests)
                self.close_connection = True
            finally:
                with archive.lock:
                    archive.active -= 1

        def _serve(self, name: str, rng: str | None, n: int, rec: dict) -> None:
            acts = archive.actions.get(name)
            if acts is None:
                rec["status"] = 404
                return self._simple(404, b"not found")
            act = acts[min(n, len(acts) - 1)]
            if act == "429":
                rec["status"] = 429
                return self._simple(429, b"slow down", {"Retry-After": "1"})
            if act in ("404", "500", "403"):
                rec["status"] = int(act)
                return self._simple(int(act), f"status {act}".encode())
            if act == "hang":
                time.sleep(2.0)
            data = archive.files[name]
            status, body, headers = 200, data, {"Content-Type": "application/gzip"}
            m = _RANGE_RE.match(rng or "")
            if m and act in ("ok", "cut", "slow", "hang"):
                start = int(m.group(1))
                if start >= len(data):
                    rec["status"] = 416
                    return self._simple(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                status, body = 206, data[start:]
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            elif m and act == "badrange":
                status = 206
                headers["Content-Range"] = f"bytes 0-{len(data) - 1}/{len(data)}"
            rec["status"] = status
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if act == "cut":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if act == "slow":
                for i in range(0, len(body), 4096):
                    self.wfile.write(body[i : i + 4096])
                    time.sleep(archive.slow_delay)
                return
            self.wfile.write(body)

    return Handler
