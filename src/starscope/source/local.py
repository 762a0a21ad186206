"""Local hour files: find them, and read one as decompressed buffers of whole lines."""
from __future__ import annotations

import glob
import io
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from isal import igzip, isal_zlib

from starscope.errors import UsageError

READ_BYTES = 8 << 20  # decompressed bytes per read: large reads are what makes igzip fast


# Hour files users decompressed: GH Archive's name without .gz (found in folders; a file
# named on the command line is read whatever its name).
_PLAIN_HOUR = re.compile(r"\d{4}-\d{2}-\d{2}-\d{1,2}\.json")
GZIP_MAGIC = b"\x1f\x8b"


def is_plain_name(name: str) -> bool:
    """A file that may hold uncompressed JSON lines: its name ends in .json (not .json.gz)."""
    return name.lower().endswith(".json")


def nothing_to_ingest(paths: list[str]) -> UsageError:
    return UsageError(
        f"nothing to ingest: {', '.join(paths) or 'no paths'} hold(s) no hour files "
        f"(YYYY-MM-DD-H.json.gz, or YYYY-MM-DD-H.json uncompressed)")


def find_hour_files(paths: list[str]) -> list[Path]:
    """Expand files, folders (recursively: *.json.gz, and hour files decompressed to
    YYYY-MM-DD-H.json) and globs; sorted, duplicates removed.

    A path that does not exist and matches nothing is a usage error.
    """
    found: dict[str, Path] = {}
    for spec in paths:
        p = Path(spec)
        if p.is_dir():
            matches = sorted([*p.rglob("*.json.gz"),
                              *(q for q in p.rglob("*.json") if _PLAIN_HOUR.fullmatch(q.name))])
        elif p.exists():
            matches = [p]
        else:
            matches = sorted(Path(m) for m in glob.glob(spec, recursive=True) if Path(m).is_file())
            if not matches:
                raise UsageError(f"no such file, folder or glob match: {spec}")
        for m in matches:
            found.setdefault(str(m.resolve()), m)
    return sorted(found.values(), key=lambda q: (q.name, str(q)))


@dataclass
class ReadOutcome:
    """What went wrong reading a file, if anything (set once the reader is exhausted)."""

    corrupt: str | None = None  # None: the whole file decoded


def _open(src: Path | bytes):
    return io.BytesIO(src) if isinstance(src, (bytes, bytearray)) else open(src, "rb")


def _salvage(path: Path | bytes, skip: int) -> Iterator[bytes]:
    """Decompress a broken gzip file as far as it goes, yielding output after `skip` bytes.

    The buffered reader loses the partly decoded block when it meets the break; a bare
    decompressor hands out everything up to it."""
    with _open(path) as fh:
        d = isal_zlib.decompressobj(wbits=31)
        while True:
            raw = fh.read(1 << 20)
            if not raw:
                return
            try:
                out = d.decompress(raw)
            except isal_zlib.error:
                return
            if skip:
                drop = min(skip, len(out))
                out, skip = out[drop:], skip - drop
            if out:
                yield out
            if d.eof:
                raw = d.unused_data
                d = isal_zlib.decompressobj(wbits=31)  # next gzip member
                if raw:
                    try:
                        out = d.decompress(raw)
                    except isal_zlib.error:
                        return
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


def read_lines(path: Path | bytes, outcome: ReadOutcome, *,
               plain: bool = False) -> Iterator[Window]:
    """Yield decompressed buffers as (buffer, start, end) windows that each end on a line
    boundary. Windows, not slices: copying 8 MB blocks costs as much as decompressing them.

    An empty, non-gzip or truncated file yields what could be decoded, then sets
    outcome.corrupt to the reason; a trailing partial line is yielded as-is (the parser
    counts it as a bad line). `path` may also be the file's bytes, read by someone else.
    `plain`: the file may be uncompressed JSON lines (a .json name); it is read as such
    unless it starts like gzip.
    """
    size = len(path) if isinstance(path, (bytes, bytearray)) else os.path.getsize(path)
    if size == 0:
        outcome.corrupt = "empty file"
        return
    plain = plain and _head(path) != GZIP_MAGIC
    tail = b""
    for block in (_plain_blocks(path) if plain else _blocks(path, outcome)):
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            tail += block
            continue
        start = 0
        if tail:
            # The line that spans two blocks is joined on its own: a small copy.
            start = block.find(b"\n") + 1
            joined = tail + block[:start]
            yield joined, 0, len(joined)
        if start < cut:
            yield block, start, cut
        tail = block[cut:]
    if tail:
        yield tail, 0, len(tail)
