"""What an ingest engine is: it lists input files and stages batches of them into prepared
store segments; `pipeline.run` does everything else once for every engine (skipping files the
store has, batching, commits, compaction, quarantine, file records).

Both engines parse a file with `parse_file` (same validation, same bad lines, same
quarantine records by construction) and report it as a `FileReport`.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from starscope.ingest.parse import LATE_MARGIN, LineParser
from starscope.source.hours import parse_hour_file_name
from starscope.source.local import MAX_LINE_BYTES, LongLine, ReadOutcome, is_plain_name, read_lines

# A file with more bad lines than this keeps the count of all but the records of only these.
MAX_QUARANTINE_PER_FILE = 10_000
#: repos per hour file whose star counts are kept (hour_stats.star_repos)
STAR_REPOS_PER_FILE = 100
MAX_LINE_MIB = MAX_LINE_BYTES >> 20


@dataclass
class InputFile:
    """One input an engine listed."""

    name: str
    path: str  # as reported and recorded: the user's local path, or the file's URI
    size: int
    uri: str = ""  # what the engine reads, if not `path` (Spark: a Hadoop URI)
    local: bool = True  # `path` is a local file (else only the engine can open it)


@dataclass
class FileReport:
    name: str
    path: str
    size: int
    lines: int = 0
    events: int = 0  # good lines parsed (before de-duplication against the store)
    stars: int = 0
    bad_lines: int = 0
    corrupt: str | None = None
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    #: the UTC hour the file stands for (ISO, from its name, else its first event's hour)
    hour: str | None = None
    #: good events by type code (str keys: the report travels as JSON from Spark workers)
    types: dict[str, int] = field(default_factory=dict)
    collapsed: int = 0  # repeated copies of an event dropped while parsing
    #: [repo id, stars] of the STAR_REPOS_PER_FILE repos with the most stars (ties: lower id
    #: first): what coverage needs to find bursts without reading the stars table
    star_repos: list[list[int]] = field(default_factory=list)
    spilled: list[str] = field(default_factory=list)  # Parquet files of rows beyond HOLD_ROWS
    span: tuple[str, str] | None = None  # first and last event time (files not named as hours)
    key: str | None = None  # its manifest key (default: name); see pipeline.file_key()
    fingerprint: str | None = None

    @classmethod
    def from_dict(cls, info: dict[str, Any]) -> "FileReport":
        """A report that travelled as JSON (extra keys ignored)."""
        rep = cls(**{f.name: info[f.name] for f in fields(cls) if f.name in info})
        rep.span = tuple(rep.span) if rep.span else None  # type: ignore[assignment]
        return rep

    def manifest_record(self) -> dict[str, Any]:
        rec = {
            "size": self.size,
            "lines": self.lines,
            "events": self.events,
            "stars": self.stars,
            "bad_lines": self.bad_lines,
            "corrupt": self.corrupt,
            "path": self.path,
        }
        if self.fingerprint:
            rec["fingerprint"] = self.fingerprint
        return rec


@dataclass
class StagedBatch:
    """Files an engine staged: their reports and the segments derived from their events
    (one list of segment descriptors per staging folder, as StoreWriter.commit_staged takes)."""

    files: list[FileReport]
    segments: list[list[dict[str, Any]]]
    dirs: list[Path]
    duplicates: int = 0  # copies of events dropped while staging
    #: True: the segments hold no event the store holds (the engine dropped those itself;
    #: commit it before staging more). False: the store's writer drops them.
    against_store: bool = False
    cleanup: list[Path] = field(default_factory=list)  # staging folders, removed once committed


class IngestEngine(Protocol):
    """An engine as `pipeline.run` drives it."""

    #: files per commit (a killed run loses at most the commit in flight)
    batch_files: int

    def find(self, paths: list[str]) -> list[InputFile]:
        """The input files `paths` name (files, folders, globs; URIs where supported), sorted
        by (name, path). A path naming nothing is a UsageError."""

    def fingerprint(self, f: InputFile) -> str:
        """The file's content identity (source.local.fingerprint); OSError if unreadable."""

    def stage(self, staging: Path, files: list[InputFile], writer: Any) -> Iterator[StagedBatch]:
        """Parse the files and stage their segments in folders under `staging`. Each batch is
        committed before the next one is asked for."""


def latest_event(name: str) -> Any:
    """The latest event time a file of this name can hold: the end of the hour it is named
    after plus LATE_MARGIN; None (now plus the margin) for a file not named as an hour."""
    hour = parse_hour_file_name(name)
    if hour is None:
        return None
    return hour.replace(tzinfo=None) + timedelta(hours=1) + LATE_MARGIN


def parse_file(
    p: Path, data: bytes | None = None, *, name: str | None = None, path: str | None = None,
    spill_dir: Path | None = None,
) -> tuple[FileReport, pa.Table]:
    """Read and parse one hour file: its report and its good events. With `data`, parse those
    bytes (the whole file, read elsewhere, e.g. by Spark) reported as `name` and `path`.
    With `spill_dir`, rows beyond parse.HOLD_ROWS go to Parquet files there (rep.spilled)."""
    t0 = time.perf_counter()
    if data is None:
        rep = FileReport(name=p.name, path=str(p), size=p.stat().st_size)
    else:
        rep = FileReport(name=name or p.name, path=path or str(p), size=len(data))
    outcome = ReadOutcome()
    parser = LineParser(latest=latest_event(rep.name), spill_dir=spill_dir)
    for item in read_lines(p if data is None else data, outcome, plain=is_plain_name(rep.name)):
        if isinstance(item, LongLine):
            parser.skip_line(item.head, item.length,
                             f"line of {item.length:,} bytes, longer than the "
                             f"{MAX_LINE_MIB} MiB a line may have; not read")
        else:
            parser.feed(*item)
    res = parser.result()
    rep.events = res.good
    rep.bad_lines = len(res.bad)
    rep.lines = res.good + rep.bad_lines
    rep.corrupt = outcome.corrupt
    rep.stars = res.stars or 0
    rep.types = dict(res.types)
    rep.star_repos = top_star_repos(res.star_repos)
    rep.collapsed = res.collapsed
    rep.spilled = [str(q) for q in res.spilled]
    _claimed_hour(rep, res.table)
    rep.quarantine = _quarantine(rep, res.bad[:MAX_QUARANTINE_PER_FILE], outcome.corrupt)
    rep.seconds = time.perf_counter() - t0
    return rep, res.table


def top_star_repos(counts: dict[int, int], k: int | None = None) -> list[list[int]]:
    """The ``k`` repos with the most stars, as [repo id, stars], most first, ties by id. An
    hour of the archive stars a few thousand repos; a repo taking a burst of a day's stars
    (what coverage leaves out) is among any hour's top few dozen where it has a share."""
    k = STAR_REPOS_PER_FILE if k is None else k
    return [[r, n] for r, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def _claimed_hour(rep: FileReport, table: pa.Table) -> None:
    """The hour a file stands for: from its name, else from its first event (and its span)."""
    hour = parse_hour_file_name(rep.name)
    if hour is None and table.num_rows:
        lo, hi = pc.min_max(table["created_at"]).values()
        rep.span = (f"{lo.as_py():%Y-%m-%dT%H:%M:%SZ}", f"{hi.as_py():%Y-%m-%dT%H:%M:%SZ}")
        hour = lo.as_py().replace(minute=0, second=0, microsecond=0)
    rep.hour = hour.replace(tzinfo=None).isoformat() if hour else None


def _quarantine(rep: FileReport, bad: list[Any], corrupt: str | None) -> list[dict[str, Any]]:
    out = [{"file": rep.name, "path": rep.path, "line": b.line, "offset": b.offset,
            "error": b.error, "head": b.head.decode("utf-8", "backslashreplace")} for b in bad]
    if corrupt:
        out.append({"file": rep.name, "path": rep.path, "line": None, "offset": None,
                    "error": corrupt, "head": ""})
    return out
