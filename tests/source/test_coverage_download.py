"""Download against a local GH Archive-compatible mirror, the fast failure when nothing can be
reached, and hours missing on the server (404) or absent from a range listed by `coverage`."""
import json
import socket
import subprocess
import sys
import time

from click.testing import CliRunner

from events import event, line  # noqa: E402

import gzip  # noqa: E402

from starscope.cli import main  # noqa: E402


def _hour(day: int, hour: int, n: int = 20) -> bytes:
    lines = [line(event(day * 100000 + hour * 1000 + i + 1,
                        "WatchEvent" if i % 4 == 0 else "PushEvent", actor_id=i + 1,
                        created_at=f"2024-03-{day:02d}T{hour:02d}:00:{i % 60:02d}Z"))
             for i in range(n)]
    return gzip.compress(b"\n".join(lines) + b"\n", mtime=0)


def _closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_mirror_flag_fetches_from_the_given_server(archive, tmp_path, monkeypatch):
    for h in range(3):
        archive.add(f"2024-03-01-{h}.json.gz", _hour(1, h))
    # the default/env URL points nowhere: only --mirror can make this work
    monkeypatch.setenv("STARSCOPE_GHARCHIVE_URL", f"http://127.0.0.1:{_closed_port()}")
    res = CliRunner().invoke(main, ["download", "2024-03-01-0", "2024-03-01-2", "--dir",
                                    str(tmp_path / "gha"), "--mirror", archive.url, "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout.strip().splitlines()[-1])
    assert rep["base_url"] == archive.url and len(rep["downloaded"]) == 3
    assert len(archive.requests) == 3


def test_mirror_environment_variable(archive, tmp_path, monkeypatch):
    archive.add("2024-03-01-0.json.gz", _hour(1, 0))
    monkeypatch.setenv("STARSCOPE_GHARCHIVE_MIRROR", archive.url)
    res = CliRunner().invoke(main, ["download", "2024-03-01-0", "--dir", str(tmp_path / "g"),
                                    "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.strip().splitlines()[-1])["downloaded"] == ["2024-03-01-0.json.gz"]


def test_to_is_the_end_and_a_folder_there_still_works(archive, tmp_path, monkeypatch):
    for h in range(2):
        archive.add(f"2024-03-01-{h}.json.gz", _hour(1, h))
    monkeypatch.setenv("STARSCOPE_GHARCHIVE_MIRROR", archive.url)
    res = CliRunner().invoke(main, ["download", "2024-03-01-0", "--to", "2024-03-01-1",
                                    "--dir", str(tmp_path / "a"), "--json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout.strip().splitlines()[-1])["downloaded"]) == 2
    old = CliRunner().invoke(main, ["download", "2024-03-01-0", "--to", str(tmp_path / "b"),
                                    "--quiet"])
    assert old.exit_code == 0, old.output
    assert "deprecated" in old.stderr and (tmp_path / "b" / "2024-03-01-0.json.gz").exists()


def test_offline_fails_within_seconds_saying_why_once(tmp_path):
    """The README example against an address that refuses connections: a few seconds, one
    'network unreachable' line, exit 1 (not six tries per file with backoff)."""
    port = _closed_port()
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "starscope", "download", "2024-03-01", "2024-03-07",
         "--dir", str(tmp_path / "archive"), "--mirror", f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 1
    assert proc.stderr.count("network unreachable") == 1, proc.stderr
    assert "Connection refused" in proc.stderr
    assert "failed 168" in proc.stdout
    assert elapsed < 15, elapsed  # generous under load; the point is seconds, not minutes


def test_missing_and_gap_hours_are_listed_by_coverage(archive, tmp_path, monkeypatch):
    # 2024-03-01 0..5: hour 2 is a 404 on the server; hour 5 is a 404 too, at the range's end
    for h in (0, 1, 3, 4):
        archive.add(f"2024-03-01-{h}.json.gz", _hour(1, h))
    archive.add("2024-03-01-2.json.gz", b"", ["404"])
    monkeypatch.setenv("STARSCOPE_GHARCHIVE_MIRROR", archive.url)
    dl = tmp_path / "gha"
    res = CliRunner().invoke(main, ["download", "2024-03-01-0", "2024-03-01-5", "--dir", str(dl),
                                    "--quiet"])
    assert res.exit_code == 0, res.output
    assert "2024-03-01-2" in (dl / ".starscope-missing-hours").read_text()
    # a gap the server never reported: hour 0 of the next day arrives, 03-01-6..23 do not
    (dl / "2024-03-02-0.json.gz").write_bytes(_hour(2, 0))
    store = str(tmp_path / "store")
    ing = CliRunner().invoke(main, ["ingest", str(dl), "--store", store, "--quiet"])
    assert ing.exit_code == 0, ing.output
    cov = CliRunner().invoke(main, ["coverage", "--store", store, "--json"])
    assert cov.exit_code == 0, cov.output
    data = json.loads(cov.output)
    gap = [f"2024-03-01-{h}" for h in range(6, 24)]
    assert data["missing_hours"] == ["2024-03-01-2", "2024-03-01-5"] + gap
    (month,) = data["months"]
    assert month["month"] == "2024-03" and month["missing_hours"] == 2 + len(gap)
    assert set(month) >= {"month", "star_capture", "degraded", "missing_hours"}
    # 20 of 25 hours missing: the month's stars are far below what its hours should hold
    assert month["degraded"] and month["star_capture"] < 0.5


def test_ingest_from_to_records_404_hours(archive, tmp_path, monkeypatch):
    archive.add("2024-03-01-0.json.gz", _hour(1, 0))
    archive.add("2024-03-01-1.json.gz", b"", ["404"])
    archive.add("2024-03-01-2.json.gz", b"", ["404"])
    monkeypatch.setenv("STARSCOPE_GHARCHIVE_MIRROR", archive.url)
    store = str(tmp_path / "store")
    res = CliRunner().invoke(main, ["ingest", "--from", "2024-03-01-0", "--to", "2024-03-01-2",
                                    "--store", store, "--download-dir", str(tmp_path / "dl"),
                                    "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["files_ingested"] == 1  # stdout is the report alone
    assert "missing on the server (404): 2024-03-01-1.json.gz" in res.stderr
    cov = json.loads(CliRunner().invoke(main, ["coverage", "--store", store, "--json"]).output)
    assert cov["missing_hours"] == ["2024-03-01-1", "2024-03-01-2"]


def test_server_gone_mid_run_is_retried_then_the_run_stops(tmp_path, monkeypatch):
    """After the server answered, a refused connection is transient: retried (with backoff),
    and when a file still cannot connect, the run stops with the reason, not file by file."""
    import threading
    from http.server import ThreadingHTTPServer

    from fake_archive import FakeArchive, handler

    from starscope.source.gharchive import download

    for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    arch = FakeArchive()
    for h in range(6):
        arch.add(f"2024-03-01-{h}.json.gz", _hour(1, h))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(arch))
    url = f"http://127.0.0.1:{server.server_address[1]}"
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    t.start()
    events = []

    def progress(event, name, n):
        events.append((event, name))
        if event == "done":  # the first file arrived: the server goes away
            server.shutdown()
            server.server_close()

    import httpx

    t0 = time.monotonic()
    # no keep-alive: every request needs a new connection, as after a server restart
    with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=5) as client:
        rep = download("2024-03-01-0", "2024-03-01-5", tmp_path, base_url=url, workers=1,
                       retries=2, backoff=0.01, progress=progress, client=client)
    assert time.monotonic() - t0 < 10
    assert rep.downloaded == ["2024-03-01-0.json.gz"]
    assert rep.unreachable and "network unreachable" in rep.unreachable
    assert len(rep.failed) == 5
    assert ("retry", "2024-03-01-1.json.gz") in events  # it was tried again before giving up
    assert rep.errors["2024-03-01-1.json.gz"].startswith("network unreachable")
    assert all(rep.errors[n] == "not tried: network unreachable" for n in rep.failed[1:])
