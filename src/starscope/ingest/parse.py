"""Parse GH Archive NDJSON bytes into the columns the store keeps: the hot path.

Fast path: msgspec decodes a whole chunk of lines into small Structs holding only the fields
we keep (it still validates every byte of every line, payload included, so a malformed line
is never mistaken for a good one). A chunk that fails is re-read line by line, so one bad line
costs one chunk's re-parse and is quarantined with its origin; the good lines around it stay.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field
from typing import Annotated, Optional

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from starscope.store.schema import EVENT_TYPES

# How much decompressed text one msgspec call sees. Small enough that a bad line re-parses
# little, large enough that per-call overhead vanishes.
CHUNK_BYTES = 4 << 20
# What a quarantine record keeps of a bad line.
SNIPPET_BYTES = 200


PositiveInt = Annotated[int, msgspec.Meta(gt=0)]


class _Actor(msgspec.Struct, gc=False):
    id: PositiveInt
    login: str


class _Repo(msgspec.Struct, gc=False):
    id: PositiveInt
    name: str


class _Org(msgspec.Struct, gc=False):
    id: PositiveInt


class _Payload(msgspec.Struct, gc=False):
    """No fields kept: decoding checks it is an object and skips its content."""


class _Event(msgspec.Struct, gc=False):
    id: str
    type: Annotated[str, msgspec.Meta(min_length=1)]
    actor: _Actor
    repo: _Repo
    payload: _Payload
    created_at: str
    org: Optional[_Org] = None


_DECODER = msgspec.json.Decoder(_Event)
_TYPE_SET = pa.array(EVENT_TYPES)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

COLUMNS = pa.schema(
    [
        ("event_id", pa.int64()),
        ("created_at", pa.timestamp("us")),
        ("type", pa.int8()),
        ("actor_id", pa.int64()),
        ("actor_login", pa.string()),
        ("repo_id", pa.int64()),
        ("repo_name", pa.string()),
        ("org_id", pa.int64()),
    ]
)


@dataclass
class BadLine:
    line: int  # 1-based number among the file's non-blank lines (GH Archive has no blank ones)
    offset: int  # byte offset of the line in the decompressed file: always exact
    error: str
    head: bytes  # the first bytes of the line, as found


@dataclass
class ParseResult:
    table: pa.Table
    bad: list[BadLine] = field(default_factory=list)

    @property
    def good(self) -> int:
        return self.table.num_rows


def _columns(events: list[_Event]) -> pa.Table:
    """Arrow columns for decoded events. Raises ArrowInvalid when an id or time is malformed."""
    ids = pc.cast(pa.array([e.id for e in events], pa.string()), pa.int64())
    if pc.any(pc.less_equal(ids, 0)).as_py():
        raise pa.ArrowInvalid("non-positive event id")
    types = pa.array([e.type for e in events], pa.string())
    created = pa.array([e.created_at for e in events], pa.string())
    code = pc.fill_null(pc.index_in(types, value_set=_TYPE_SET), 0)
    return pa.table(
        [
            ids,
            pc.strptime(created, format=TIME_FORMAT, unit="us"),
            pc.cast(code, pa.int8()),
            pa.array([e.actor.id for e in events], pa.int64()),
            pa.array([e.actor.login for e in events], pa.string()),
            pa.array([e.repo.id for e in events], pa.int64()),
            pa.array([e.repo.name for e in events], pa.string()),
            pa.array([e.org.id if e.org is not None else None for e in events], pa.int64()),
        ],
        schema=COLUMNS,
    )


# DecodeError, ArrowInvalid and UnicodeDecodeError are all ValueErrors.
_CHUNK_ERRORS = (ValueError, RecursionError, OverflowError)


def _careful(
    chunk: bytes, first_line: int, offset: int, bad: list[BadLine]
) -> tuple[pa.Table | None, int]:
    """Line-by-line parse of a chunk that failed as a whole: keep the good, quarantine the bad.

    Returns the good lines' table and the number of non-blank lines seen."""
    good: list[_Event] = []
    line_no = first_line
    for line in chunk.split(b"\n"):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        try:
            ev = _DECODER.decode(line)
            _columns([ev])
        except _CHUNK_ERRORS as exc:
            bad.append(BadLine(line_no, start, str(exc)[:200], line[:SNIPPET_BYTES]))
        else:
            good.append(ev)
        line_no += 1
    return (_columns(good) if good else None), line_no - first_line


class LineParser:
    """Accumulates parsed columns over successive buffers of complete lines."""

    def __init__(self) -> None:
        self.tables: list[pa.Table] = []
        self.bad: list[BadLine] = []
        self.next_line = 1  # counts non-blank lines: counting newlines would cost a full pass
        self.offset = 0

    def feed(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        """Parse the complete NDJSON lines in data[start:end] (the last may lack its newline)
        without copying them."""
        n = len(data) if end is None else end
        view = memoryview(data)
        was_enabled = gc.isenabled()
        gc.disable()  # millions of short-lived objects: generational GC only slows this down
        try:
            pos = start
            while pos < n:
                stop = data.find(b"\n", min(pos + CHUNK_BYTES, n), n)
                stop = n if stop < 0 else stop + 1
                chunk = view[pos:stop]
                try:
                    decoded = _DECODER.decode_lines(chunk)
                    table = _columns(decoded) if decoded else None
                    lines = len(decoded)
                except _CHUNK_ERRORS:
                    table, lines = _careful(bytes(chunk), self.next_line,
                                            self.offset + pos - start, self.bad)
                if table is not None:
                    self.tables.append(table)
                self.next_line += lines
                pos = stop
            self.offset += n - start
        finally:
            if was_enabled:
                gc.enable()

    def result(self) -> ParseResult:
        table = pa.concat_tables(self.tables) if self.tables else COLUMNS.empty_table()
        return ParseResult(table, list(self.bad))


def parse_lines(data: bytes) -> ParseResult:
    """Parse one buffer of NDJSON lines. Blank lines are not lines; every other line is either
    in the table or in `bad`."""
    parser = LineParser()
    parser.feed(data)
    return parser.result()
