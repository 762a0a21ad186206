"""Failures of the machine rather than of the input: a full disk, a store that cannot be
written. Each has its own exit code and a one-line message saying what to do (the codes are
listed in docs/reliability.md). Writers commit by atomic manifest replacement, so after any of
these the store is as the last commit left it and the same command, run again, resumes.
"""
from __future__ import annotations

import errno
import sys
from dataclasses import dataclass

# Exit codes of the starscope command (0, 1, 2, 3 and 4 are in cli.py and commands.py).
EXIT_DISK_FULL = 5
EXIT_NOT_WRITABLE = 6

_FULL = (errno.ENOSPC, errno.EDQUOT)
_DENIED = (errno.EROFS, errno.EACCES, errno.EPERM)
# DuckDB reports OS errors as text inside its own exception types.
_FULL_TEXT = ("no space left on device", "disk quota exceeded")
_DENIED_TEXT = ("read-only file system", "permission denied", "operation not permitted")


@dataclass
class Failure:
    code: int
    message: str


def _duck_error(exc: BaseException) -> bool:
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(exc, duckdb.Error)


def environment_failure(exc: BaseException) -> Failure | None:
    """The Failure an exception stands for, or None if it is not the machine's doing."""
    seen = set()
    while exc is not None and id(exc) not in seen:  # also look at what caused it
        seen.add(id(exc))
        where = ""
        if isinstance(exc, OSError):
            where = f" ({exc.filename})" if exc.filename else ""
            full, denied = exc.errno in _FULL, exc.errno in _DENIED
        elif _duck_error(exc):
            text = str(exc).lower()
            full = any(t in text for t in _FULL_TEXT)
            denied = any(t in text for t in _DENIED_TEXT)
        else:
            full = denied = False
        if full:
            return Failure(EXIT_DISK_FULL,
                           f"the disk is full{where}: free some space and run the same "
                           f"command again (the store keeps what was committed before)")
        if denied:
            return Failure(EXIT_NOT_WRITABLE,
                           f"cannot write{where}: the store folder (or the output) is read-only "
                           f"or not ours to write; make it writable, or pick another with --store")
        exc = exc.__cause__ or exc.__context__
    return None
