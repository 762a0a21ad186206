"""Fixtures of the source tests: a fake GH Archive on 127.0.0.1 (fake_archive.py)."""
from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest

from fake_archive import PROXY_VARS, FakeArchive, handler, make_hour_file


@pytest.fixture
def no_proxy(monkeypatch):
    """Requests to 127.0.0.1 go straight to the test's own server, whatever the machine's
    proxy settings."""
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def archive(monkeypatch, no_proxy):
    """A running FakeArchive; ``archive.url`` is its base URL. Proxies are switched off."""
    monkeypatch.delenv("STARSCOPE_GHARCHIVE_URL", raising=False)
    arch = FakeArchive()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(arch))
    server.daemon_threads = True
    arch.url = f"http://127.0.0.1:{server.server_address[1]}"
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield arch
    finally:
        server.shutdown()
        server.server_close()
        t.join(5)


@pytest.fixture
def hour_file():
    """``hour_file(seed) -> bytes``: a generated gzip hour file."""
    return make_hour_file
