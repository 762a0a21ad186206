"""The store's write lock: one writer at a time, on any platform.

POSIX: ``flock`` on ``STORE/.lock`` (released by the kernel when the process dies, so a killed
run never leaves the store locked; readers can see it in /proc/locks without taking it).
Windows: ``msvcrt.locking`` on the same file. Imported lazily so that importing starscope
never needs ``fcntl``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import IO

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class LockHeld(Exception):
    """Another process holds the lock."""


def acquire(path: Path) -> IO:
    """Open ``path`` and take its exclusive lock without waiting; the lock lasts until the
    returned file is closed. Raises LockHeld when another process has it."""
    fh = open(path, "a+")
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LockHeld(str(path)) from None
        else:  # pragma: no cover - Windows
            import msvcrt

            fh.seek(0)
            try:
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError:
                raise LockHeld(str(path)) from None
    except BaseException:
        fh.close()
        raise
    return fh


def held(path: Path) -> bool:
    """Whether some process holds the flock on ``path``, found without taking it (a reader
    must not make a starting writer fail): Linux's /proc/locks. False where unknowable."""
    try:
        st = os.stat(path)
        with open("/proc/locks") as fh:
            text = fh.read()
    except OSError:
        return False
    ident = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in text.splitlines():
        parts = line.split()
        if "FLOCK" in parts and ident in parts and "->" not in parts:
            return True
    return False
