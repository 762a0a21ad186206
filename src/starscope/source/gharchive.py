"""Download GH Archive hour files (``{base}/YYYY-MM-DD-H.json.gz``) into a directory.

Guarantees:

* A file only ever appears under its final name after the *whole* file was verified to
  decode as gzip; it is written as ``NAME.part`` first and moved with :func:`os.replace`.
  Whatever stops the run (Ctrl-C, a crash, ``kill -9``), the directory holds complete
  final files and, at worst, ``.part`` files.
* A final file already present is skipped (we never create a bad one, so it is trusted;
  pass ``verify_existing=True`` to re-check it).
* A ``.part`` left by an earlier run is resumed with ``Range: bytes=N-``; if the server
  answers 200 instead of 206 the file restarts from zero.
* 5xx, 408, 429, timeouts, connection errors and cut-off bodies are retried with
  exponential backoff (resuming what was already received; source/retry.py's policy, shared
  with the GitHub API client, so a ``Retry-After`` is honoured); a body that does not decode
  as gzip is thrown away and fetched again from zero.
* 404 means GH Archive has no file for that hour (it has gaps): the hour is reported as
  *missing* and the run goes on.
* A file that still is not complete and valid after all retries is reported as *failed*.
* A connection that cannot be made at all (DNS failure, connection refused, no route) before
  any server answered in this run means the network or the server is unreachable: it is not
  retried file after file; the run stops at once, every file not fetched is *failed*, and
  the report's ``unreachable`` says why (once). After the server has answered, a refused
  connection is retried like any transient error, and the run stops the same way when a file
  still cannot connect after its retries.
"""

from __future__ import annotations

import json
import os
import queue
import re
import threading
import time
import zlib
from typing import Any
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

import httpx

from starscope import __version__
from starscope.errors import UsageError
from starscope.source.hours import hour_file_name, hours_between
from starscope.source.local import MISSING_NOTE, note_missing_hours
from starscope.source.retry import RetryPolicy

try:  # isal's inflate is several times faster than zlib's; same API.
    from isal import isal_zlib as _zlib
except ImportError:  # pragma: no cover - isal is a hard dependency, but stay usable without it
    _zlib = zlib  # type: ignore[assignment]

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_BASE_URL",
    "ENV_MIRROR",
    "DownloadReport",
    "Progress",
    "download",
    "download_hours",
    "gzip_error",
    "hour_url",
    "resolve_base_url",
]

DEFAULT_BASE_URL = "https://data.gharchive.org"
ENV_BASE_URL = "STARSCOPE_GHARCHIVE_URL"
#: the same, under the name `download --mirror` documents (checked first)
ENV_MIRROR = "STARSCOPE_GHARCHIVE_MIRROR"
PART_SUFFIX = ".part"
CONNECT_TIMEOUT = 10.0  # seconds

#: ``progress(event, name, nbytes)``. Events and what ``nbytes`` is:
#: ``"start"`` (bytes already on disk, >0 when resuming), ``"bytes"`` (bytes just received),
#: ``"retry"`` (attempt number), ``"done"`` (final file size), ``"skip"`` (file size),
#: ``"missing"`` (0), ``"failed"`` (0). Called from worker threads, but never two calls at once.
Progress = Callable[[str, str, int], None]

_CHUNK = 1 << 20
_CONTENT_RANGE_RE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


@dataclass
class DownloadReport:
    """What a :func:`download` run did. File names are bare (``2024-03-01-5.json.gz``), in hour order."""

    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    #: bytes received from the network in this run (including any that were retried)
    bytes: int = 0
    #: why each failed file failed, ``{name: one-line reason}``
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    #: set when the run stopped because the server could not be reached at all: why
    unreachable: str | None = None
    #: where the files were fetched from
    base_url: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing failed (missing hours are not failures)."""
        return not self.failed

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, **kw) -> str:
        """The report as a JSON object string (``json.dumps`` keyword arguments pass through)."""
        return json.dumps(self.to_dict(), **kw)


class _Stopped(Exception):
    """The run is being interrupted; leave the .part file as it is."""


class _Retry(Exception):
    """A transient problem; try again (resuming if possible)."""


class _Restart(Exception):
    """The .part file is useless; delete it and try again from zero."""


class _Fail(Exception):
    """A permanent problem; do not retry."""


def resolve_base_url(base_url: str | None = None) -> str:
    """``base_url``, else ``$STARSCOPE_GHARCHIVE_MIRROR``, else ``$STARSCOPE_GHARCHIVE_URL``,
    else ``https://data.gharchive.org``; no trailing slash."""
    url = (base_url or os.environ.get(ENV_MIRROR) or os.environ.get(ENV_BASE_URL)
           or DEFAULT_BASE_URL)
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"GH Archive URL must start with http:// or https://, got {url!r}")
    return url


def hour_url(dt: datetime, base_url: str | None = None) -> str:
    """The URL of the hour file holding ``dt``."""
    return f"{resolve_base_url(base_url)}/{hour_file_name(dt)}"


def gzip_error(path: str | os.PathLike) -> str | None:
    """``None`` if the whole file decodes as gzip (one or more members), else why not.

    Streams the file; memory use is bounded whatever the compression ratio. Does not parse
    the JSON inside.
    """
    try:
        with open(path, "rb") as f:
            d = _zlib.decompressobj(wbits=31)
            seen = False  # any input at all
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    break
                seen = True
                while chunk:
                    if d.eof:
                        # another gzip member follows (concatenated gzip is valid gzip)
                        d = _zlib.decompressobj(wbits=31)
                    d.decompress(chunk, 16 * _CHUNK)
                    # unconsumed_tail: input held back by max_length; unused_data: after member end
                    chunk = d.unconsumed_tail or d.unused_data
            if not seen:
                return "empty file"
            if not d.eof:
                return "truncated gzip stream"
            return None
    except (zlib.error, _zlib.error) as e:  # type: ignore[misc]
        return f"not valid gzip: {e}"
    except OSError as e:
        return f"cannot read: {e}"


def _one_line(e: BaseException) -> str:
    msg = " ".join(str(e).split()) or type(e).__name__
    return f"{type(e).__name__}: {msg}" if not isinstance(e, (_Fail, _Retry, _Restart)) else msg


class _Fetcher:
    """Downloads one hour file at a time; shared by all worker threads."""

    def __init__(
        self,
        client: httpx.Client,
        base_url: str,
        to_dir: Path,
        *,
        retries: int,
        backoff: float,
        max_backoff: float,
        verify_existing: bool,
        progress: Progress | None,
        stop: threading.Event,
    ) -> None:
        self.client = client
        self.base_url = base_url
        self.to_dir = to_dir
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        # GH Archive has no secondary limits: a bare 429 backs off like a 5xx.
        self.policy = RetryPolicy(retries=retries, backoff=backoff, max_backoff=max_backoff,
                                  secondary_wait=0.0)
        self.verify_existing = verify_existing
        self._progress = progress
        self._progress_lock = threading.Lock()
        self.stop = stop
        self._bytes_lock = threading.Lock()
        self.bytes = 0
        #: any HTTP answer received in this run (the network and server are there)
        self.reached = False
        #: why the run stopped as unreachable (set once, by the first worker to find out)
        self.unreachable: str | None = None

    def emit(self, event: str, name: str, n: int) -> None:
        if self._progress is not None:
            with self._progress_lock:
                self._progress(event, name, n)

    def _count(self, n: int) -> None:
        with self._bytes_lock:
            self.bytes += n

    # -- one file ---------------------------------------------------------------------------

    def fetch(self, name: str) -> tuple[str, str | None]:
        """Return ``(outcome, reason)``; outcome is downloaded, skipped, missing or failed.

        Raises :class:`_Stopped` if the run is interrupted.
        """
        final = self.to_dir / name
        part = self.to_dir / (name + PART_SUFFIX)
        if final.exists():
            if not self.verify_existing or gzip_error(final) is None:
                self.emit("skip", name, final.stat().st_size)
                return "skipped", None
            final.replace(part)  # a bad final file (not ours): keep its bytes, resume/verify them

        url = f"{self.base_url}/{name}"
        attempt = 0  # failed attempts so far
        use_range = True
        while True:
            if self.stop.is_set():
                raise _Stopped
            try:
                outcome = self._attempt(url, name, part, use_range)
                if outcome == "missing":
                    part.unlink(missing_ok=True)
                    self.emit("missing", name, 0)
                    return "missing", None
                problem = gzip_error(part)
                if problem is not None:
                    raise _Restart(problem)
                with open(part, "rb+") as f:
                    os.fsync(f.fileno())
                os.replace(part, final)
                self.emit("done", name, final.stat().st_size)
                return "downloaded", None
            except _Stopped:
                raise
            except _Fail as e:
                self.emit("failed", name, 0)
                return "failed", _one_line(e)
            except (httpx.ConnectError, httpx.ConnectTimeout) as e:
                if self.stop.is_set():
                    raise _Stopped from None
                attempt += 1
                if not self.reached or self.policy.gives_up(attempt):
                    # Nothing answers at all (DNS, refused, no route): retrying every file
                    # would only take minutes to say the same thing. Stop the run.
                    reason = f"network unreachable: {_one_line(e)}"
                    with self._bytes_lock:
                        if self.unreachable is None:
                            self.unreachable = f"{reason} (fetching {url})"
                    self.stop.set()
                    self.emit("failed", name, 0)
                    return "failed", reason
                self.emit("retry", name, attempt)
                if self.stop.wait(self.policy.backoff_delay(attempt)):
                    raise _Stopped from None
            except (_Retry, _Restart, httpx.TransportError) as e:
                if self.stop.is_set():
                    raise _Stopped from None
                if isinstance(e, _Restart):
                    part.unlink(missing_ok=True)
                    if getattr(e, "no_range", False):
                        use_range = False
                attempt += 1
                if self.policy.gives_up(attempt):
                    self.emit("failed", name, 0)
                    tries = "try" if attempt == 1 else "tries"
                    return "failed", f"{_one_line(e)} (gave up after {attempt} {tries})"
                self.emit("retry", name, attempt)
                # A server that said when to come back (Retry-After) is believed.
                wait = max(self.policy.backoff_delay(attempt), getattr(e, "wait", 0.0))
                if self.stop.wait(wait):
                    raise _Stopped from None
            except OSError as e:  # local disk trouble: retrying will not help
                self.emit("failed", name, 0)
                return "failed", _one_line(e)

    def _attempt(self, url: str, name: str, part: Path, use_range: bool) -> str:
        """One HTTP request; leaves the received bytes in ``part``. Returns "complete" or "missing"."""
        offset = part.stat().st_size if part.exists() else 0
        headers = {"Accept-Encoding": "identity"}
        if offset and use_range:
            headers["Range"] = f"bytes={offset}-"
        elif offset:
            offset = 0
        self.emit("start", name, offset)
        with self.client.stream("GET", url, headers=headers) as r:
            self.reached = True
            status = r.status_code
            if status == 404 or status == 410:
                return "missing"
            if status == 416 and offset:
                # Nothing past our offset: the .part probably holds the whole file already.
                return "complete"
            if self.policy.retryable(status):
                e = _Retry(f"HTTP {status} from {url}")
                told = self.policy.server_wait(status, r.headers, "", time.time())
                e.wait = told[0] if told else 0.0  # type: ignore[attr-defined]
                raise e
            if status == 206:
                cr = _CONTENT_RANGE_RE.match(r.headers.get("content-range", ""))
                if not cr or int(cr.group(1)) != offset:
                    # The server got Range wrong: from now on fetch the whole file.
                    e = _Restart(f"bad Content-Range {r.headers.get('content-range')!r} for offset {offset}")
                    e.no_range = True  # type: ignore[attr-defined]
                    raise e
                mode = "ab" if offset else "wb"
            elif status == 200:
                offset, mode = 0, "wb"  # server ignored Range (or none sent): start over
            else:
                raise _Fail(f"HTTP {status} from {url}")
            expected = r.headers.get("content-length")
            expected_n = int(expected) if expected and expected.isdigit() else None
            got = 0
            with open(part, mode) as f:
                for chunk in r.iter_raw():  # no chunk_size: a buffering chunker would lose bytes on a cut
                    if self.stop.is_set():
                        raise _Stopped
                    f.write(chunk)
                    got += len(chunk)
                    self._count(len(chunk))
                    self.emit("bytes", name, len(chunk))
            if expected_n is not None and got < expected_n:
                raise _Retry(f"cut off after {got} of {expected_n} bytes")
            return "complete"


_STOP_GRACE = 5.0  # seconds to let workers reach a safe point after Ctrl-C


def _run_workers(fetcher: _Fetcher, names: list[str], workers: int, stop: threading.Event) -> dict:
    """Fetch ``names`` with ``workers`` daemon threads; ``{name: (outcome, reason)}``.

    On KeyboardInterrupt (or any error) in the calling thread: set ``stop`` so workers quit at
    their next chunk and queued files are never started, give them up to ``_STOP_GRACE``
    seconds, then re-raise. The threads are daemons, so a worker stuck on a stalled connection
    cannot keep the process alive; whenever it dies, it leaves at worst a ``.part`` file,
    because a final name only ever appears by ``os.replace`` of a verified file.
    """
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for n in names:
        todo.put(n)
    results: dict[str, tuple[str, str | None]] = {}
    crashed: list[BaseException] = []
    lock = threading.Lock()
    all_done = threading.Event()
    if not names:
        return results

    def work() -> None:
        while not stop.is_set():
            try:
                name = todo.get_nowait()
            except queue.Empty:
                return
            try:
                res = fetcher.fetch(name)
            except _Stopped:
                return
            except BaseException as e:  # e.g. an exception from the progress callback
                with lock:
                    crashed.append(e)
                stop.set()
                all_done.set()
                return
            with lock:
                results[name] = res
                if len(results) == len(names):
                    all_done.set()

    threads = [
        threading.Thread(target=work, name=f"gharchive-{i}", daemon=True) for i in range(min(workers, len(names)))
    ]
    try:
        for t in threads:
            t.start()
        # Event.wait with a timeout stays interruptible by Ctrl-C.
        while not all_done.wait(0.1):
            if not any(t.is_alive() for t in threads):
                break
        if crashed:
            raise crashed[0]
        return results
    except BaseException:
        stop.set()
        deadline = time.monotonic() + _STOP_GRACE
        for t in threads:
            if t.is_alive():
                t.join(max(0.0, deadline - time.monotonic()))
        raise


def download_hours(
    hours: Iterable[datetime],
    to_dir: str | os.PathLike = ".",
    *,
    base_url: str | None = None,
    workers: int = 4,
    retries: int = 5,
    timeout: float = 60.0,
    backoff: float = 0.5,
    max_backoff: float = 30.0,
    verify_existing: bool = False,
    progress: Progress | None = None,
    client: httpx.Client | None = None,
) -> DownloadReport:
    """Download the given hours; see :func:`download` (which takes a START/END spec instead)."""
    if workers < 1:
        raise UsageError(f"workers must be at least 1, got {workers}")
    if retries < 0:
        raise UsageError(f"retries must be 0 or more, got {retries}")
    url = resolve_base_url(base_url)
    out = Path(to_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create download directory {str(out)!r}: {e.strerror or e}") from None
    names = list(dict.fromkeys(hour_file_name(h) for h in hours))  # dedupe, keep order

    own_client = client is None
    if client is None:
        client = httpx.Client(
            # A connection that takes this long is not coming: say so instead of waiting.
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            limits=httpx.Limits(max_connections=workers, max_keepalive_connections=workers),
            headers={"User-Agent": f"starscope/{__version__}"},
            follow_redirects=True,
        )
    stop = threading.Event()
    fetcher = _Fetcher(
        client,
        url,
        out,
        retries=retries,
        backoff=backoff,
        max_backoff=max_backoff,
        verify_existing=verify_existing,
        progress=progress,
        stop=stop,
    )
    report = DownloadReport()
    t0 = time.monotonic()
    try:
        results = _run_workers(fetcher, names, workers, stop)
        for name in names:
            # Not tried (or cut short): the run stopped because nothing could be reached.
            outcome, reason = results.get(name) or ("failed", "not tried: network unreachable")
            getattr(report, outcome).append(name)
            if reason:
                report.errors[name] = reason
    finally:
        if own_client:
            client.close()
    report.bytes = fetcher.bytes
    report.unreachable = fetcher.unreachable
    report.base_url = url
    report.seconds = round(time.monotonic() - t0, 3)
    if report.missing or (out / MISSING_NOTE).exists():
        try:  # so that `ingest DIR` records these hours as missing in the store
            note_missing_hours(out, report.missing, report.downloaded + report.skipped)
        except OSError:
            pass  # a note is a convenience; the report still lists the missing hours
    return report


def download(
    start: str | datetime | date,
    end: str | datetime | date | None = None,
    to_dir: str | os.PathLike = ".",
    **options: Any,
) -> DownloadReport:
    """Download every GH Archive hour file from START to END (inclusive) into ``to_dir``;
    ``options`` are :func:`download_hours`'s (base_url, workers, retries, timeout, backoff,
    max_backoff, verify_existing, progress, client).

    ``start``/``end`` are specs as in :func:`starscope.source.hours.hours_between`
    (``2024-03``, ``2024-03-01``, ``2024-03-01-5``, ``2024-03-01T05``); ``end`` defaults to
    ``start``. ``base_url`` defaults to ``$STARSCOPE_GHARCHIVE_URL`` or
    ``https://data.gharchive.org``. ``workers`` files are fetched in parallel. Each file gets
    up to ``retries`` retries after the first try, waiting ``backoff * 2**k`` seconds (capped
    at ``max_backoff``, +-25% jitter) in between. ``timeout`` is httpx's connect/read/write
    timeout in seconds. ``progress(event, name, nbytes)`` is described at :data:`Progress`.
    ``client`` lets a caller supply its own ``httpx.Client`` (then ``timeout`` is not applied).

    Raises :class:`~starscope.errors.UsageError` for a bad spec or argument; network and
    server trouble never raises, it ends up in the report's ``missing``/``failed`` lists.
    Failed network fetches keep their ``.part`` (the next run resumes it); a body that never
    verifies as gzip is deleted.

    On Ctrl-C the KeyboardInterrupt propagates once the workers reached a safe point (at
    their next chunk; at most 5 s, the worker threads are daemons); only ``.part`` files are
    left for what was in flight, queued hours are not started, and the next run resumes them.
    """
    return download_hours(hours_between(start, end), to_dir, **options)
