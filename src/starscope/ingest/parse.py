"""Parse GH Archive NDJSON bytes into the columns the store keeps: the hot path.

Fast path: msgspec decodes a whole chunk of lines into small Structs holding only the fields
we keep (it still validates every byte of every line, payload included, so a malformed line
is never mistaken for a good one). A chunk that fails is re-read line by line, so one bad line
costs one chunk's re-parse and is quarantined with its origin; the good lines around it stay.
"""
from __future__ import annotations

import datetime as dt
import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Optional

import msgspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# An event outside [EARLIEST_EVENT, its file's hour + LATE_MARGIN] is a bad line, never data:
# one event dated 9999-12-31 or 1970-01-01 would stretch every span detection computes.
from starscope.store.schema import EARLIEST_EVENT, EVENT_TYPES, LATE_MARGIN, WATCH

# How much decompressed text one msgspec call sees. Small enough that a bad line re-parses
# little, large enough that per-call overhead vanishes.
CHUNK_BYTES = 4 << 20
# What a quarantine record keeps of a bad line.
SNIPPET_BYTES = 200
# Parsed rows a parser holds before it collapses repeated events and, if still this many
# (a file of more distinct events than most real hours, ~100-300k), spills them to Parquet:
# what bounds a worker's memory whatever the file holds (see docs/reliability.md).
HOLD_ROWS = 300_000


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
    table: pa.Table  # the rows held in memory
    bad: list[BadLine] = field(default_factory=list)
    spilled: list[Path] = field(default_factory=list)  # Parquet files of further rows
    parsed: int | None = None  # good lines, repeats included (default: the table's rows)
    stars: int | None = None
    collapsed: int = 0  # repeated copies of an event already dropped
    types: dict[str, int] = field(default_factory=dict)  # good lines by type code (as str)
    #: stars (WatchEvent lines, repeats included) per repo id: coverage's burst signal
    star_repos: dict[int, int] = field(default_factory=dict)

    @property
    def good(self) -> int:
        return self.table.num_rows if self.parsed is None else self.parsed


def _columns(events: list[_Event], latest: dt.datetime | None = None) -> pa.Table:
    """Arrow columns for decoded events. Raises ArrowInvalid when an id or time is malformed,
    or a time lies outside [EARLIEST_EVENT, latest]."""
    ids = pc.cast(pa.array([e.id for e in events], pa.string()), pa.int64())
    if pc.any(pc.less_equal(ids, 0)).as_py():
        raise pa.ArrowInvalid("non-positive event id")
    types = pa.array([e.type for e in events], pa.string())
    created = pc.strptime(pa.array([e.created_at for e in events], pa.string()),
                          format=TIME_FORMAT, unit="us")
    lo, hi = pc.min_max(created).values()
    late = latest or (dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + LATE_MARGIN)
    if lo.as_py() < EARLIEST_EVENT or hi.as_py() > late:
        bad = lo.as_py() if lo.as_py() < EARLIEST_EVENT else hi.as_py()
        raise pa.ArrowInvalid(
            f"created_at {bad.isoformat(timespec='seconds')}Z outside what this file can hold "
            f"({EARLIEST_EVENT:%Y-%m-%d} .. {late:%Y-%m-%dT%H:%M:%SZ})")
    code = pc.fill_null(pc.index_in(types, value_set=_TYPE_SET), 0)
    return pa.table(
        [
            ids,
            created,
            pc.cast(code, pa.int8()),
            pa.array([e.actor.id for e in events], pa.int64()),
            pa.array([e.actor.login for e in events], pa.string()),
            pa.array([e.repo.id for e in events], pa.int64()),
            pa.array([e.repo.name for e in events], pa.string()),
            pa.array([e.org.id if e.org is not None else None for e in events], pa.int64()),
        ],
        schema=COLUMNS,
    )


# The copy of a repeated event that is kept: the first in this order, as store.sql.DEDUP_BATCH
# keeps it (org_id NULLS FIRST: ids are positive, so a null sorts as -1), so collapsing early
# (here) or late (in DuckDB) keeps the same row.
_KEEP_ORDER = ["event_id", "created_at", "type", "actor_id", "repo_id", "actor_login",
               "repo_name", "org_first"]


def collapse_repeats(table: pa.Table) -> pa.Table:
    """The table with each event id once (rows then in event id order)."""
    if table.num_rows < 2 or pc.count_distinct(table["event_id"]).as_py() == table.num_rows:
        return table
    keys = table.append_column("org_first", pc.fill_null(table["org_id"], -1))
    t = table.take(pc.sort_indices(keys, sort_keys=[(k, "ascending") for k in _KEEP_ORDER]))
    ids = t["event_id"]
    first = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1))
    keep = pa.concat_arrays([pa.array([True])] + list(first.chunks))
    return t.filter(keep)


# DecodeError, ArrowInvalid and UnicodeDecodeError are all ValueErrors.
_CHUNK_ERRORS = (ValueError, RecursionError, OverflowError)


def _careful(
    chunk: bytes, first_line: int, offset: int, bad: list[BadLine],
    latest: dt.datetime | None = None,
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
            _columns([ev], latest)
        except _CHUNK_ERRORS as exc:
            bad.append(BadLine(line_no, start, str(exc)[:200], line[:SNIPPET_BYTES]))
        else:
            good.append(ev)
        line_no += 1
    return (_columns(good, latest) if good else None), line_no - first_line


class LineParser:
    """Accumulates parsed columns over successive buffers of complete lines.

    `latest`: the latest event time the file can hold (default: now plus LATE_MARGIN).
    `spill_dir`: where to write parsed rows beyond HOLD_ROWS (default: nowhere, all held)."""

    def __init__(self, latest: dt.datetime | None = None, spill_dir: Path | None = None,
                 hold_rows: int | None = None) -> None:
        self.tables: list[pa.Table] = []
        self.bad: list[BadLine] = []
        self.next_line = 1  # counts non-blank lines: counting newlines would cost a full pass
        self.offset = 0
        self.latest = latest
        self.spill_dir = spill_dir
        self.hold_rows = hold_rows or HOLD_ROWS
        self.held = 0  # rows in self.tables
        self.good = 0  # good lines parsed, repeats included
        self.stars = 0  # WatchEvent lines among them
        self.types: dict[str, int] = {}  # good lines by type code (str: reports travel as JSON)
        self.star_repos: dict[int, int] = {}  # stars per repo id (an hour: thousands at most)
        self.collapsed = 0  # repeated copies of an event dropped here
        self.spilled: list[Path] = []

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
                    table = _columns(decoded, self.latest) if decoded else None
                    lines = len(decoded)
                except _CHUNK_ERRORS:
                    table, lines = _careful(bytes(chunk), self.next_line,
                                            self.offset + pos - start, self.bad, self.latest)
                if table is not None:
                    self._hold(table)
                self.next_line += lines
                pos = stop
            self.offset += n - start
        finally:
            if was_enabled:
                gc.enable()

    def skip_line(self, head: bytes, length: int, why: str) -> None:
        """Count a line that was not read (too long) as a bad line at the current place."""
        self.bad.append(BadLine(self.next_line, self.offset, why, head[:SNIPPET_BYTES]))
        self.next_line += 1
        self.offset += length + 1

    def _hold(self, table: pa.Table) -> None:
        self.good += table.num_rows
        is_star = pc.equal(table["type"], WATCH)
        self.stars += pc.sum(is_star).as_py() or 0
        if self.stars:
            for v in pc.value_counts(table["repo_id"].filter(is_star)):
                rid = v["values"].as_py()
                if rid is not None:
                    self.star_repos[rid] = self.star_repos.get(rid, 0) + int(v["counts"].as_py())
        for v in pc.value_counts(table["type"]):
            code = str(v["values"].as_py())
            self.types[code] = self.types.get(code, 0) + int(v["counts"].as_py())
        self.tables.append(table)
        self.held += table.num_rows
        if self.held >= self.hold_rows:
            self._shrink()

    def _shrink(self) -> None:
        """Collapse repeated events; spill to Parquet if that leaves too many rows."""
        whole = pa.concat_tables(self.tables)
        self.tables = []
        once = collapse_repeats(whole)
        self.collapsed += whole.num_rows - once.num_rows
        del whole
        if once.num_rows * 2 >= self.hold_rows and self.spill_dir is not None:
            self.spill_dir.mkdir(parents=True, exist_ok=True)
            path = self.spill_dir / f"part-{len(self.spilled):05d}.parquet"
            pq.write_table(once, path, compression="lz4")
            self.spilled.append(path)
            once = COLUMNS.empty_table()
        self.tables = [once] if once.num_rows else []
        self.held = once.num_rows

    def result(self) -> ParseResult:
        table = pa.concat_tables(self.tables) if self.tables else COLUMNS.empty_table()
        return ParseResult(table, list(self.bad), list(self.spilled), self.good, self.stars,
                           self.collapsed, dict(self.types), dict(self.star_repos))


def parse_lines(data: bytes) -> ParseResult:
    """Parse one buffer of NDJSON lines. Blank lines are not lines; every other line is either
    in the table or in `bad`."""
    parser = LineParser()
    parser.feed(data)
    return parser.result()
