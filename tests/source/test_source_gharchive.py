"""starscope.source.gharchive against a fake GH Archive on 127.0.0.1 (see conftest.py)."""

from __future__ import annotations

import gzip
import json
import os
import signal
import threading
from datetime import datetime, timezone

import pytest

from starscope.errors import UsageError
from starscope.source import gharchive
from starscope.source.gharchive import DownloadReport, download, download_hours, gzip_error, hour_url, resolve_base_url
from starscope.source.hours import hour_file_name, hours_between

pytestmark = pytest.mark.timeout(30)

FAST = {"backoff": 0.01, "max_backoff": 0.05, "timeout": 5.0}


def names_of(spec_start, spec_end=None):
    return [hour_file_name(h) for h in hours_between(spec_start, spec_end)]


def listing(d) -> list[str]:
    return sorted(os.listdir(d))


def read(d, name) -> bytes:
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


# -- the happy path, parallelism ----------------------------------------------------------------


def test_parallel_download_of_many_hours(archive, hour_file, tmp_path):
    names = names_of("2024-03-01", "2024-03-02")  # 48 hours
    want = {n: archive.add(n, hour_file(i), ["slow"]) for i, n in enumerate(names)}
    archive.slow_delay = 0.002
    rep = download("2024-03-01", "2024-03-02", tmp_path, base_url=archive.url, workers=8, **FAST)
    assert rep.downloaded == names
    assert rep.skipped == rep.missing == rep.failed == []
    assert rep.ok
    assert rep.bytes == sum(map(len, want.values()))
    assert listing(tmp_path) == sorted(names)
    for n, data in want.items():
        assert read(tmp_path, n) == data
    assert archive.max_active > 1, "downloads did not overlap"
    assert archive.max_active <= 8


def test_single_hour_spec_and_file_layout(archive, hour_file, tmp_path):
    data = archive.add("2024-03-01-5.json.gz", hour_file(1))
    rep = download("2024-03-01T05", to_dir=tmp_path / "new" / "dir", base_url=archive.url, **FAST)
    assert rep.downloaded == ["2024-03-01-5.json.gz"]
    assert read(tmp_path / "new" / "dir", "2024-03-01-5.json.gz") == data
    assert archive.requests_for("2024-03-01-5.json.gz")[0]["range"] is None


def test_existing_complete_file_is_skipped_without_a_request(archive, hour_file, tmp_path):
    name = "2024-03-01-0.json.gz"
    data = archive.add(name, hour_file(2))
    (tmp_path / name).write_bytes(data)
    events = []
    rep = download("2024-03-01-0", None, tmp_path, base_url=archive.url, progress=lambda *a: events.append(a), **FAST)
    assert rep.skipped == [name] and rep.downloaded == [] and rep.bytes == 0
    assert archive.requests_for(name) == []
    assert events == [("skip", name, len(data))]


def test_verify_existing_refetches_a_bad_final_file(archive, hour_file, tmp_path):
    name = "2024-03-01-0.json.gz"
    data = archive.add(name, hour_file(3))
    (tmp_path / name).write_bytes(data[: len(data) // 3])  # truncated, e.g. from another tool
    rep = download("2024-03-01-0", None, tmp_path, base_url=archive.url, verify_existing=True, **FAST)
    assert rep.downloaded == [name]
    assert read(tmp_path, name) == data
    assert archive.requests_for(name)[0]["range"] == f"bytes={len(data) // 3}-"


# -- missing, errors, retries -------------------------------------------------------------------


def test_404_is_missing_and_does_not_fail_the_run(archive, hour_file, tmp_path):
    names = names_of("2024-03-01-0", "2024-03-01-3")
    for i, n in enumerate(names):
        archive.add(n, hour_file(i), ["404"] if i == 2 else ["ok"])
    rep = download("2024-03-01-0", "2024-03-01-3", tmp_path, base_url=archive.url, **FAST)
    assert rep.missing == [names[2]]
    assert rep.downloaded == [names[0], names[1], names[3]]
    assert rep.failed == [] and rep.ok
    assert names[2] not in listing(tmp_path) and names[2] + ".part" not in listing(tmp_path)
    assert len(archive.requests_for(names[2])) == 1  # 404 is not retried


def test_500_then_200_is_retried(archive, hour_file, tmp_path):
    name = "2024-03-01-7.json.gz"
    data = archive.add(name, hour_file(7), ["500", "500", "ok"])
    events = []
    rep = download("2024-03-01-7", None, tmp_path, base_url=archive.url, progress=lambda *a: events.append(a), **FAST)
    assert rep.downloaded == [name]
    assert read(tmp_path, name) == data
    assert [r["status"] for r in archive.requests_for(name)] == [500, 500, 200]
    assert [e for e in events if e[0] == "retry"] == [("retry", name, 1), ("retry", name, 2)]


def test_retry_after_is_honoured(archive, hour_file, tmp_path):
    # the shared retry policy (source/retry.py): a server that says when to come back is
    # believed, even when the backoff alone would come back much sooner
    name = "2024-03-01-7.json.gz"
    data = archive.add(name, hour_file(7), ["429", "ok"])
    rep = download("2024-03-01-7", None, tmp_path, base_url=archive.url, **FAST)
    assert rep.downloaded == [name] and read(tmp_path, name) == data
    first, second = archive.requests_for(name)
    assert first["status"] == 429 and second["status"] == 200
    assert second["at"] - first["at"] >= 0.95


def test_gives_up_after_retries(archive, hour_file, tmp_path):
    name = "2024-03-01-7.json.gz"
    archive.add(name, hour_file(7), ["500"])
    rep = download("2024-03-01-7", None, tmp_path, base_url=archive.url, retries=2, **FAST)
    assert rep.failed == [name] and not rep.ok
    assert "HTTP 500" in rep.errors[name] and "3 tries" in rep.errors[name]
    assert len(archive.requests_for(name)) == 3
    assert listing(tmp_path) == []


def test_other_4xx_fails_without_retry(archive, hour_file, tmp_path):
    name = "2024-03-01-7.json.gz"
    archive.add(name, hour_file(7), ["403"])
    rep = download("2024-03-01-7", None, tmp_path, base_url=archive.url, **FAST)
    assert rep.failed == [name] and "HTTP 403" in rep.errors[name]
    assert len(archive.requests_for(name)) == 1


def test_timeout_is_retried(archive, hour_file, tmp_path):
    name = "2024-03-01-8.json.gz"
    data = archive.add(name, hour_file(8), ["hang", "ok"])
    rep = download("2024-03-01-8", None, tmp_path, base_url=archive.url, backoff=0.01, timeout=0.5)
    assert rep.downloaded == [name]
    assert read(tmp_path, name) == data
    assert len(archive.requests_for(name)) == 2


def test_connection_refused_is_retried_then_failed(tmp_path, monkeypatch):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens on this port now
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    rep = download("2024-03-01-8", None, tmp_path, base_url=f"http://127.0.0.1:{port}", retries=2, **FAST)
    assert rep.failed == ["2024-03-01-8.json.gz"]
    assert "ConnectError" in rep.errors["2024-03-01-8.json.gz"]
    assert listing(tmp_path) == []


# -- cut-off bodies and resume ------------------------------------------------------------------


def test_cut_off_body_is_resumed_with_range(archive, hour_file, tmp_path):
    name = "2024-03-01-9.json.gz"
    data = archive.add(name, hour_file(9), ["cut", "ok"])
    rep = download("2024-03-01-9", None, tmp_path, base_url=archive.url, **FAST)
    assert rep.downloaded == [name]
    assert read(tmp_path, name) == data
    reqs = archive.requests_for(name)
    assert [r["status"] for r in reqs] == [200, 206]
    assert reqs[0]["range"] is None
    assert reqs[1]["range"] == f"bytes={len(data) // 2}-"
    assert rep.bytes == len(data)  # nothing fetched twice
    assert listing(tmp_path) == [name]


def test_cut_off_body_then_server_without_range_support(archive, hour_file, tmp_path):
    name = "2024-03-01-9.json.gz"
    data = archive.add(name, hour_file(9), ["cut", "norange"])
    rep = download("2024-03-01-9", None, tmp_path, base_url=archive.url, **FAST)
    assert rep.downloaded == [name]
    assert read(tmp_path, name) == data
    reqs = archive.requests_for(name)
    assert reqs[1]["range"] is not None and reqs[1]["status"] == 200


def test_cut_off_range_response_is_resumed_again(archive, hour_file, tmp_path):
    name = "2024-03-01-9.json.gz"
    data = archive.add(name, hour_file(9), ["cut", "cut", "cut", "ok"])
    rep = download("2024-03-01-9", None, tmp_path, base_url=archive.url, **FAST)
    assert rep.downloaded == [name] and read(tmp_path, name) == data
    offsets = [r["range"] for r in archive.requests_for(name)]
    h = len(data) // 2
    q = h + (len(data) - h) // 2
    assert offsets == [None, f"bytes={h}-", f"bytes={q}-", f"bytes={q + (len(data) - q) // 2}-"]


def test_resume_of_part_left_by_earlier_run(archive, hour_file, tmp_path):
    name = "2024-03-01-10.json.gz"
    data = archive.add(name, hour_file(10))
    n = len(data) // 3
    (tmp_path / (name + ".part")).write_bytes(data[:n])
    events = []
    rep = download("2024-03-01-10", None, tmp_path, base_url=archive.url, progress=lambda *a: events.append(a), **FAST)
    assert rep.downloaded == [name]
    assert read(tmp_path, name) == data
    assert listing(tmp_path) == [name]
    (req,) = archive.requests_for(name)
    assert req["range"] == f"bytes={n}-" and req["status"] == 206
    assert rep.bytes == len(data) - n
    assert events[0] == ("start", name, n)


def test_complete_part_gets_416_and_is_finished(archive, hour_file, tmp_path):
    name = "2024-03-01-10.json.gz"
    data = archive.add(name, hour_file(10))
    (tmp_path / (name + ".part")).write_bytes(data)  # earlier run died between download and rename
    rep = download("2024-03-01-10", None, tmp_path, base_url=archive.url, **FAST)
    assert rep.downloaded == [name] and rep.bytes == 0
    assert [r["status"] for r in archive.requests_for(name)] == [416]
    assert read(tmp_path, name) == data


def test_server_ignoring_range_restarts_from_zero(archive, hour_file, tmp_path):
    name = "2024-03-01-11.json.gz"
    data = archive.add(name, hour_file(11), ["norange"])
    # the stale .part does not even match the file: it must be thrown away, not appended to
    (tmp_path / (name + ".part")).write_bytes(b"\x00garbage" * 100)
    rep = download("2024-03-01-11", None, tmp_path, base_url=archive.url, **FAST)
    assert rep.downloaded == [name]
    assert read(tmp_path, name) == data
    (req,) = archive.requests_for(name)
    assert req["range"] == "bytes=800-" and req["status"] == 200
    assert rep.bytes == len(data)
    assert listing(tmp_path) == [name]


def test_wrong_content_range_falls_back_to_whole_file(archive, hour_file, tmp_path):
    name = "2024-03-01-12.json.gz"
    data = archive.add(name, hour_file(12), ["badrange", "ok"])
    (tmp_path / (name + ".part")).write_bytes(data[:1000])
    rep = download("2024-03-01-12", None, tmp_path, base_url=archive.url, **FAST)
    assert rep.downloaded == [name] and read(tmp_path, name) == data
    reqs = archive.requests_for(name)
    assert reqs[0]["range"] == "bytes=1000-" and reqs[1]["range"] is None


def test_resumed_part_with_wrong_prefix_is_refetched_whole(archive, hour_file, tmp_path):
    name = "2024-03-01-13.json.gz"
    data = archive.add(name, hour_file(13))
    bad = bytearray(data[:2000])
    bad[100:110] = b"XXXXXXXXXX"  # corrupt the part we would resume onto
    (tmp_path / (name + ".part")).write_bytes(bytes(bad))
    rep = download("2024-03-01-13", None, tmp_path, base_url=archive.url, **FAST)
    assert rep.downloaded == [name] and read(tmp_path, name) == data
    reqs = archive.requests_for(name)
    assert [r["range"] for r in reqs] == ["bytes=2000-", None]


# -- verification -------------------------------------------------------------------------------


def test_non_gzip_body_is_failed_and_not_kept(archive, tmp_path):
    name = "2024-03-01-14.json.gz"
    archive.add(name, b"<html><body>Service temporarily unavailable</body></html>")
    events = []
    rep = download(
        "2024-03-01-14", None, tmp_path, base_url=archive.url, retries=2, progress=lambda *a: events.append(a), **FAST
    )
    assert rep.failed == [name] and rep.downloaded == []
    assert "gzip" in rep.errors[name]
    assert listing(tmp_path) == []  # neither a final file nor a .part
    assert len(archive.requests_for(name)) == 3
    assert events[-1] == ("failed", name, 0)


def test_truncated_gzip_served_as_complete_is_failed(archive, hour_file, tmp_path):
    name = "2024-03-01-15.json.gz"
    data = hour_file(15)
    archive.add(name, data[: len(data) // 2])  # server claims this is the whole file
    rep = download("2024-03-01-15", None, tmp_path, base_url=archive.url, retries=1, **FAST)
    assert rep.failed == [name] and "truncated" in rep.errors[name]
    assert listing(tmp_path) == []


def test_gzip_error(tmp_path, hour_file):
    good = hour_file(1)
    cases = {
        "good": (good, None),
        "multi": (good + gzip.compress(b"more\n"), None),
        "truncated": (good[:-10], "truncated"),
        "garbage": (b"hello world", "not valid gzip"),
        "trailing": (good + b"junk!", ""),
        "trailing_long": (good + b"this is not a gzip member" * 10, "not valid gzip"),
        "empty": (b"", "empty"),
    }
    for label, (data, want) in cases.items():
        p = tmp_path / label
        p.write_bytes(data)
        got = gzip_error(p)
        if want is None:
            assert got is None, label
        else:
            assert got is not None and want in got, (label, got)
    assert "cannot read" in gzip_error(tmp_path / "nope")


def test_gzip_error_bounded_memory_on_highly_compressible_data(tmp_path):
    p = tmp_path / "zeros.gz"
    p.write_bytes(gzip.compress(b"\0" * (32 << 20), compresslevel=1))  # 32 MiB of zeros
    assert gzip_error(p) is None


# -- base URL -----------------------------------------------------------------------------------


def test_env_var_overrides_base_url(archive, hour_file, tmp_path, monkeypatch):
    name = "2024-03-01-16.json.gz"
    data = archive.add(name, hour_file(16))
    monkeypatch.setenv("STARSCOPE_GHARCHIVE_URL", archive.url + "/")
    rep = download("2024-03-01-16", None, tmp_path, **FAST)
    assert rep.downloaded == [name] and read(tmp_path, name) == data
    assert len(archive.requests_for(name)) == 1


def test_resolve_base_url(monkeypatch):
    monkeypatch.delenv("STARSCOPE_GHARCHIVE_URL", raising=False)
    assert resolve_base_url() == "https://data.gharchive.org"
    monkeypatch.setenv("STARSCOPE_GHARCHIVE_URL", "http://mirror.example/gha/")
    assert resolve_base_url() == "http://mirror.example/gha"
    assert resolve_base_url("http://other.example") == "http://other.example"
    with pytest.raises(UsageError):
        resolve_base_url("ftp://x")
    dt = datetime(2024, 3, 1, 5, tzinfo=timezone.utc)
    assert hour_url(dt) == "http://mirror.example/gha/2024-03-01-5.json.gz"


def test_bad_arguments_raise_usage_error(tmp_path):
    with pytest.raises(UsageError):
        download("2024-13-01", None, tmp_path)
    with pytest.raises(UsageError):
        download("2024-03-01", None, tmp_path, workers=0)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError):
        download("2024-03-01", None, tmp_path / "file" / "sub")


# -- report, progress ---------------------------------------------------------------------------


def test_report_json_and_progress_bytes(archive, hour_file, tmp_path):
    names = names_of("2024-03-01-0", "2024-03-01-2")
    archive.add(names[0], hour_file(0))
    archive.add(names[1], hour_file(1), ["404"])
    archive.add(names[2], b"nope")
    (tmp_path / names[0]).write_bytes(hour_file(0))
    names4 = names + ["2024-03-01-3.json.gz"]
    archive.add(names4[3], hour_file(3), ["cut", "ok"])
    seen = []
    lock = threading.Lock()

    def progress(event, name, n):
        with lock:
            seen.append((event, name, n))

    rep = download(
        "2024-03-01-0", "2024-03-01-3", tmp_path, base_url=archive.url, retries=1, progress=progress, **FAST
    )
    d = json.loads(rep.to_json())
    assert d["downloaded"] == [names4[3]]
    assert d["skipped"] == [names[0]]
    assert d["missing"] == [names[1]]
    assert d["failed"] == [names[2]]
    assert d["bytes"] == rep.bytes == sum(n for e, _, n in seen if e == "bytes")
    assert set(d) >= {"downloaded", "skipped", "missing", "failed", "bytes", "errors"}
    assert isinstance(rep, DownloadReport)
    assert {e for e, *_ in seen} >= {"start", "bytes", "retry", "done", "skip", "missing", "failed"}


def test_duplicate_hours_are_fetched_once(archive, hour_file, tmp_path):
    name = "2024-03-01-1.json.gz"
    archive.add(name, hour_file(1))
    h = datetime(2024, 3, 1, 1, tzinfo=timezone.utc)
    rep = download_hours([h, h, h.replace(minute=30)], tmp_path, base_url=archive.url, **FAST)
    assert rep.downloaded == [name]
    assert len(archive.requests_for(name)) == 1


def test_empty_hour_list(tmp_path):
    rep = download_hours([], tmp_path)
    assert rep.to_dict()["downloaded"] == [] and rep.ok


# -- interruption -------------------------------------------------------------------------------


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt here, as in a terminal, even when the suite itself was
    started in the background (a non-interactive shell's `cmd &` runs it with SIGINT ignored,
    which its processes inherit)."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="needs POSIX signals")
def test_keyboard_interrupt_leaves_only_part_files_and_next_run_resumes(archive, hour_file, tmp_path,
                                                                        ctrl_c_raises):
    names = names_of("2024-03-01-0", "2024-03-01-7")
    # ~100 KB files in 4 KiB pieces 20 ms apart: each takes ~0.5 s, so Ctrl-C lands mid-download
    want = {
        n: archive.add(n, b"".join(hour_file(100 * i + k) for k in range(4)), ["slow", "ok"])
        for i, n in enumerate(names)
    }
    archive.slow_delay = 0.02
    fired = []

    def progress(event, name, n):
        if event == "bytes" and not fired:
            fired.append(name)
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives while downloads are in flight

    with pytest.raises(KeyboardInterrupt):
        download("2024-03-01-0", "2024-03-01-7", tmp_path, base_url=archive.url, workers=4, progress=progress, **FAST)
    left = listing(tmp_path)
    parts = [p for p in left if p.endswith(".part")]
    assert parts, left
    for p in left:
        if not p.endswith(".part"):  # any final file must be complete and exact
            assert read(tmp_path, p) == want[p]
        else:
            assert want[p[: -len(".part")]].startswith(read(tmp_path, p))
    part_sizes = {p[: -len(".part")]: os.path.getsize(tmp_path / p) for p in parts}
    n_requests = len(archive.requests)
    assert n_requests < len(names)  # queued hours were never started

    rep = download("2024-03-01-0", "2024-03-01-7", tmp_path, base_url=archive.url, workers=4, **FAST)
    assert rep.ok and sorted(rep.downloaded + rep.skipped) == sorted(names)
    assert listing(tmp_path) == sorted(names)
    for n in names:
        assert read(tmp_path, n) == want[n]
    later = archive.requests[n_requests:]
    for n, size in part_sizes.items():
        if size:
            assert any(r["path"] == n and r["range"] == f"bytes={size}-" for r in later), (n, size)


def test_module_exports():
    for name in gharchive.__all__:
        assert hasattr(gharchive, name)


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_ctrl_c_in_a_real_process_exits_promptly_leaving_only_part_files(archive, hour_file, tmp_path):
    import subprocess
    import sys
    import time

    names = names_of("2024-03-01")
    big = b"".join(hour_file(i) for i in range(8))  # several gzip members, ~200 KB
    for n in names:
        archive.add(n, big, ["slow"])
    archive.slow_delay = 0.01
    code = (
        # as in a terminal, even if the suite runs with SIGINT ignored (see ctrl_c_raises)
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from starscope.source.gharchive import download\n"
        f"download('2024-03-01', None, {str(tmp_path)!r}, base_url={archive.url!r}, workers=4)\n"
    )
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    p = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not any(x.endswith(".part") and os.path.getsize(tmp_path / x) for x in os.listdir(tmp_path)):
            assert time.monotonic() < deadline and p.poll() is None, "download never started"
            time.sleep(0.02)
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode != 0 and b"KeyboardInterrupt" in err
    assert time.monotonic() - t0 < 6
    left = listing(tmp_path)
    assert left and all(x.endswith(".part") for x in left), left


def test_cli_download_command(archive, hour_file, tmp_path, monkeypatch):
    click_testing = pytest.importorskip("click.testing")
    from starscope.cli import main

    names = names_of("2024-03-01-0", "2024-03-01-2")
    archive.add(names[0], hour_file(0))
    archive.add(names[1], hour_file(1), ["404"])
    archive.add(names[2], hour_file(2))
    monkeypatch.setenv("STARSCOPE_GHARCHIVE_URL", archive.url)
    res = click_testing.CliRunner().invoke(
        main, ["download", "2024-03-01-0", "2024-03-01-2", "--to", str(tmp_path / "gha"), "--json"]
    )
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout.strip().splitlines()[-1])  # stdout only: stderr lines may interleave
    assert rep["downloaded"] == [names[0], names[2]] and rep["missing"] == [names[1]]
    # the hour files, and the note of the 404 hour that `ingest DIR` records as missing
    assert listing(tmp_path / "gha") == [".starscope-missing-hours", names[0], names[2]]
    assert (tmp_path / "gha" / ".starscope-missing-hours").read_text() == "2024-03-01-1\n"
    bad = click_testing.CliRunner().invoke(main, ["download", "2024-13", "--to", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "bad time spec" in bad.output
