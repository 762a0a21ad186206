"""Local hour files: find them, and read one as decompressed buffers of whole lines."""
from __future__ import annotations

import errno
import glob
import hashlib
import io
import os
import stat
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from isal import igzip, isal_zlib

from starscope.errors import UsageError

READ_BYTES = 8 << 20  # decompressed bytes per read: large reads are what makes igzip fast


# Hour files users decompressed: GH Archive's name without .gz (found in folders; a file
# named on the command line is read whatever its name).
PLAIN_HOUR_NAME = re.compile(r"\d{4}-\d{2}-\d{2}-\d{1,2}\.json")
GZIP_MAGIC = b"\x1f\x8b"


def is_plain_name(name: str) -> bool:
    """A file that may hold uncompressed JSON lines: its name ends in .json (not .json.gz)."""
    return name.lower().endswith(".json")


def nothing_to_ingest(paths: list[str]) -> UsageError:
    verb = "holds" if len(paths) == 1 else "hold"
    return UsageError(
        f"nothing to ingest: {', '.join(paths) or 'no paths'} {verb} no hour files "
        f"(YYYY-MM-DD-H.json.gz, or YYYY-MM-DD-H.json uncompressed)")


def find_hour_files(paths: list[str]) -> list[Path]:
    """Expand files, folders (recursively: *.json.gz, and hour files decompressed to
    YYYY-MM-DD-H.json) and globs; sorted, duplicates removed.

    A path that does not exist and matches nothing is a usage error. A dangling symlink, a
    symlink loop or a folder named *.json.gz is listed anyway: ingest counts it as unreadable
    (see unreadable_reason) instead of silently passing it over.
    """
    found: dict[str, Path] = {}
    for spec in paths:
        p = Path(spec)
        if p.is_dir():
            matches = sorted([*p.rglob("*.json.gz"),
                              *(q for q in p.rglob("*.json") if PLAIN_HOUR_NAME.fullmatch(q.name))])
        elif os.path.lexists(p):
            matches = [p]
        else:
            matches = sorted(Path(m) for m in glob.glob(spec, recursive=True)
                             if os.path.lexists(m) and not Path(m).is_dir())
            if not matches:
                raise UsageError(f"no such file, folder or glob match: {spec}")
        for m in matches:
            try:
                ident = str(m.resolve())
            except (OSError, RuntimeError):  # a symlink loop
                ident = os.path.abspath(m)
            found.setdefault(ident, m)
    return sorted(found.values(), key=lambda q: (q.name, str(q)))


def unreadable_reason(path: Path) -> str | None:
    """Why a listed input cannot be read at all, or None if it can be opened."""
    try:
        st = path.stat()
    except OSError as exc:
        if not path.exists() and path.is_symlink():
            try:
                target = os.readlink(path)
            except OSError:
                target = "?"
            if exc.errno == errno.ELOOP:
                return f"symlink loop ({target})"
            return f"dangling symlink to {target}"
        return exc.strerror or str(exc)
    if stat.S_ISDIR(st.st_mode):
        return "a folder, not a file"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a pipe, socket or device)"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    return None


FINGERPRINT_BYTES = 64 << 10


def fingerprint(path: Path) -> str:
    """A cheap content identity of a gzip file: its size and its first and last 64 KiB. The
    last bytes hold the gzip trailer (CRC-32 and length of the content), so two different
    hour files practically never share one; reading 128 KiB costs nothing next to parsing."""
    with open(path, "rb") as fh:

        def read_at(offset: int, n: int) -> bytes:
            fh.seek(offset)
            return fh.read(n)

        return fingerprint_of(os.fstat(fh.fileno()).st_size, read_at)


def fingerprint_of(size: int, read_at: Callable[[int, int], bytes]) -> str:
    """fingerprint() of a file of `size` bytes that `read_at(offset, n)` reads, wherever it
    is (the Spark engine reads files on Hadoop file systems): the same identity for the same
    bytes, so either engine recognises what the other ingested."""
    h = hashlib.blake2b(digest_size=8)
    h.update(size.to_bytes(8, "little"))
    h.update(read_at(0, min(size, FINGERPRINT_BYTES)))
    if size > FINGERPRINT_BYTES:
        start = max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES)
        h.update(read_at(start, size - start))
    return h.hexdigest()


@dataclass
class ReadOutcome:
    """What went wrong reading a file, if anything (set once the reader is exhausted)."""

    corrupt: str | None = None  # None: the whole file decoded


def _open(src: Path | bytes):
    return io.BytesIO(src) if isinstance(src, (bytes, bytearray)) else open(src, "rb")


def _salvage(path: Path | bytes, skip: int) -> Iterator[bytes]:
    """Decompress a broken gzip file as far as it goes, yielding output after `skip` bytes.

    The buffered reader loses the partly decoded block when it meets the break; a bare
    decompressor hands out everything up to it. Output comes in blocks of at most
    READ_BYTES, so a highly compressed file cannot inflate in memory."""
    with _open(path) as fh:
        d = isal_zlib.decompressobj(wbits=31)
        raw = b""
        while True:
            if not raw:
                raw = fh.read(1 << 20)
                if not raw:
                    yield from _drain(d, skip)
                    return
            try:
                out = d.decompress(raw, READ_BYTES)
            except isal_zlib.error:
                return
            raw = d.unconsumed_tail
            if skip:
                drop = min(skip, len(out))
                out, skip = out[drop:], skip - drop
            if out:
                yield out
            if d.eof:
                raw = d.unused_data
                d = isal_zlib.decompressobj(wbits=31)  # next gzip member


def _drain(d, skip: int) -> Iterator[bytes]:
    """What a decompressor still holds once its input has run out (bounded steps)."""
    while True:
        try:
            out = d.decompress(b"", READ_BYTES)
        except isal_zlib.error:
            return
        if not out:
            return
        if skip:
            drop = min(skip, len(out))
            out, skip = out[drop:], skip - drop
        if out:
            yield out


def _blocks(path: Path | bytes, outcome: ReadOutcome) -> Iterator[bytes]:
    """Decompressed blocks of a file; on a break, what can be salvaged, then the reason."""
    done = 0
    try:
        with igzip.open(io.BytesIO(path) if isinstance(path, (bytes, bytearray)) else path,
                        "rb") as fh:
            while True:
                block = fh.read(READ_BYTES)
                if not block:
                    return
                done += len(block)
                yield block
    except EOFError:
        outcome.corrupt = "truncated gzip stream"
    except (OSError, zlib.error, isal_zlib.error) as exc:  # not gzip, or corrupt deflate data
        outcome.corrupt = f"not a readable gzip file: {exc}"
    yield from _salvage(path, done)


Window = tuple[bytes, int, int]  # a buffer and the [start, end) range of it to use

# The longest line read. GH Archive lines are a few KB; the largest real payloads (a pull
# request or release whose 65,536-character body is JSON-escaped at up to 6 bytes a character,
# next to its repository objects) stay under ~2 MB. A longer line is quarantined unread, so a
# file without newlines costs at most this much memory (see docs/reliability.md).
MAX_LINE_BYTES = 16 << 20
HEAD_BYTES = 200  # what is kept of an overlong line, for its quarantine record


def _plain_blocks(path: Path | bytes) -> Iterator[bytes]:
    if isinstance(path, (bytes, bytearray)):
        for i in range(0, len(path), READ_BYTES):
            yield bytes(path[i:i + READ_BYTES])
        return
    with open(path, "rb") as fh:
        while block := fh.read(READ_BYTES):
            yield block


def _head(path: Path | bytes) -> bytes:
    if isinstance(path, (bytes, bytearray)):
        return bytes(path[:2])
    with open(path, "rb") as fh:
        return fh.read(2)


@dataclass
class LongLine:
    """A line longer than MAX_LINE_BYTES, skipped: its first bytes and its length."""

    head: bytes
    length: int  # without its newline


def read_lines(path: Path | bytes, outcome: ReadOutcome, max_line: int = MAX_LINE_BYTES, *,
               plain: bool = False) -> Iterator[Window | LongLine]:
    """Yield decompressed buffers as (buffer, start, end) windows that each end on a line
    boundary. Windows, not slices: copying 8 MB blocks costs as much as decompressing them.

    A line longer than `max_line` is yielded as a LongLine in its place, its bytes dropped as
    they stream by: memory stays bounded and time linear whatever the input. An empty,
    non-gzip or truncated file yields what could be decoded, then sets outcome.corrupt to the
    reason; a trailing partial line is yielded as-is (the parser counts it as a bad line).
    `path` may also be the file's bytes, read by someone else.
    `plain`: the file may be uncompressed JSON lines (a .json name); it is read as such
    unless it starts like gzip.
    """
    size = len(path) if isinstance(path, (bytes, bytearray)) else os.path.getsize(path)
    if size == 0:
        outcome.corrupt = "empty file"
        return
    pending: list[bytes] = []  # pieces of a line that spans blocks (joined once, at its end)
    pending_len = 0
    skipping: LongLine | None = None  # an overlong line whose end we have not reached
    plain = plain and _head(path) != GZIP_MAGIC
    for block in (_plain_blocks(path) if plain else _blocks(path, outcome)):
        pos = 0
        if skipping is not None or pending:
            nl = block.find(b"\n")
            end = len(block) if nl < 0 else nl
            if skipping is None and pending_len + end > max_line:
                head = b"".join(q[:HEAD_BYTES] for q in pending)[:HEAD_BYTES]
                skipping = LongLine(head, pending_len)
                pending, pending_len = [], 0
            if skipping is not None:
                if len(skipping.head) < HEAD_BYTES:
                    skipping.head += block[:min(end, HEAD_BYTES - len(skipping.head))]
                skipping.length += end
                if nl < 0:
                    continue
                yield skipping
                skipping = None
            elif nl < 0:
                pending.append(block)
                pending_len += len(block)
                continue
            else:
                # The line that spans blocks is joined on its own: a small copy.
                pending.append(block[:nl + 1])
                joined = b"".join(pending)
                pending, pending_len = [], 0
                yield joined, 0, len(joined)
            pos = nl + 1
        cut = block.rfind(b"\n", pos) + 1
        if cut > pos:
            yield from _checked(block, pos, cut, max_line)
        else:
            cut = pos
        if cut < len(block):
            rest = block[cut:]
            if len(rest) > max_line:
                skipping = LongLine(rest[:HEAD_BYTES], len(rest))
            else:
                pending, pending_len = [rest], len(rest)
    if skipping is not None:
        yield skipping
    elif pending:
        joined = b"".join(pending)
        yield joined, 0, len(joined)


def _checked(block: bytes, start: int, end: int, max_line: int) -> Iterator[Window | LongLine]:
    """The window block[start:end] of whole lines, with any line longer than max_line
    yielded as a LongLine instead (only a cap below the block size makes one possible)."""
    if end - start <= max_line:
        yield block, start, end
        return
    pos = start
    while pos < end:
        nl = block.index(b"\n", pos, end)
        if nl - pos > max_line:
            yield LongLine(block[pos:min(nl, pos + HEAD_BYTES)], nl - pos)
            pos = nl + 1
            continue
        # Whole lines up to the next overlong one (or the end), as one window.
        stop = pos
        while stop < end:
            nxt = block.index(b"\n", stop, end)
            if nxt - stop > max_line:
                break
            stop = nxt + 1
        yield block, pos, stop
        pos = stop


#: In a download folder: the hours the server had no file for (one ``YYYY-MM-DD-H`` a line),
#: written by `download` so that `ingest FOLDER` can record them as missing in the store.
MISSING_NOTE = ".starscope-missing-hours"


def note_missing_hours(folder: Path, missing: list[str], present: list[str]) -> None:
    """Update the folder's note: add ``missing`` hours, drop ``present`` ones (names or
    hours; a file that appeared later is no longer missing). Written atomically."""
    note = folder / MISSING_NOTE
    hours = set(read_missing_note(folder))
    strip = lambda n: n.removesuffix(".json.gz")  # noqa: E731
    hours = (hours | {strip(n) for n in missing}) - {strip(n) for n in present}
    if not hours and not note.exists():
        return
    tmp = note.with_name(note.name + ".tmp")
    tmp.write_text("".join(h + "\n" for h in sorted(hours, key=_hour_key)), encoding="utf-8")
    os.replace(tmp, note)


def _hour_key(h: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in h.split("-"))
    except ValueError:
        return (0,)


def read_missing_note(folder: Path) -> list[str]:
    try:
        text = (folder / MISSING_NOTE).read_text(encoding="utf-8")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def missing_hours_noted(paths: list[str]) -> list[str]:
    """Hours noted as missing by `download` in the folders among ``paths``."""
    out: list[str] = []
    for spec in paths:
        p = Path(spec)
        if p.is_dir():
            out += read_missing_note(p)
    return out
