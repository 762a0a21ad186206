"""The manifest: the one file that says what the store holds.

Every table segment, quarantine file and result set is listed here; a file that is not listed
does not exist for readers. Writers add new files first and then replace the manifest in one
atomic rename, so a run killed at any moment leaves either the old store or the new one.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1
NAME = "manifest.json"


def empty() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "commit": 0,
        "files": {},
        "segments": {},
        "quarantine": [],
        "totals": {"events": 0, "stars": 0, "bad_lines": 0, "duplicate_events": 0},
        "span": {"first_event": None, "last_event": None},
        "results": None,
    }


def load(root: Path) -> dict[str, Any]:
    path = root / NAME
    if not path.exists():
        return empty()
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: store format {data.get('format')!r}, this starscope reads {FORMAT}")
    return data


def fsync_file(path: Path) -> None:
    """fsync a file, or a folder (so a rename in it is durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(root: Path, data: dict[str, Any]) -> None:
    """Write the manifest atomically: temp file, fsync, rename, fsync the folder."""
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".json", dir=root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            # dumps, not dump: dump encodes in pure Python (~6x the CPU), and a store's
            # manifest (a record per file) is rewritten by every commit.
            fh.write(json.dumps(data, separators=(",", ":"), sort_keys=True))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_file(root)


def referenced_files(data: dict[str, Any]) -> set[str]:
    """Every path (relative to the store root) the manifest lists."""
    refs: set[str] = set(data.get("quarantine", []))
    for segs in data.get("segments", {}).values():
        refs.update(s["path"] for s in segs)
    res = data.get("results")
    if res:
        refs.update(res["tables"].values())
    return refs
