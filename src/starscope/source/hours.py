"""Hour stamps for GH Archive: parse a user's START/END spec, name and parse hour files.

GH Archive publishes one file per UTC hour, named ``YYYY-MM-DD-H.json.gz`` with the hour
*not* zero-padded (``2024-03-01-5.json.gz``, ``2024-03-01-17.json.gz``).

A spec names a span of hours:

* ``2024-03``        -- a whole month (every hour of March 2024)
* ``2024-03-01``     -- a whole day (24 hours)
* ``2024-03-01-5``   -- one hour (also ``2024-03-01-05``)
* ``2024-03-01T05``  -- one hour (also ``2024-03-01T5``, ``2024-03-01T05:00``)

All stamps are timezone-aware UTC :class:`datetime` objects at the top of the hour.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone

from starscope.errors import UsageError

__all__ = [
    "parse_spec",
    "hours_between",
    "hour_file_name",
    "parse_hour_file_name",
]

_HOUR = timedelta(hours=1)

_MONTH_RE = re.compile(r"(\d{4})-(\d{1,2})")
_DAY_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_HOUR_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:-|T|t| )(\d{1,2})(?::00(?::00)?)?(?:Z|z|\+00:?00)?")
# File names as GH Archive writes them: hour never zero-padded.
_FILE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(0|[1-9]|1\d|2[0-3])\.json(?:\.gz)?")

_FORMS = "use YYYY-MM, YYYY-MM-DD, YYYY-MM-DD-H or YYYY-MM-DDTHH"


def _utc(y: int, m: int, d: int = 1, h: int = 0, *, spec: str) -> datetime:
    try:
        return datetime(y, m, d, h, tzinfo=timezone.utc)
    except ValueError as e:  # month 13, Feb 30, hour 24, ...
        raise UsageError(f"bad time spec {spec!r}: {e}") from None


def _floor_hour(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    else:
        dt = dt.astimezone(timezone.utc)
    return dt.replace(minute=0, second=0, microsecond=0)


def parse_spec(spec: str | datetime | date) -> tuple[datetime, datetime]:
    """Return the first and last hour (both inclusive, UTC) that ``spec`` names.

    ``spec`` is a string in one of the forms in the module docstring, or a ``datetime``
    (that one hour; naive means UTC) or a ``date`` (that whole day).
    Raises :class:`~starscope.errors.UsageError` for anything else.
    """
    if isinstance(spec, datetime):
        h = _floor_hour(spec)
        return h, h
    if isinstance(spec, date):
        first = datetime(spec.year, spec.month, spec.day, tzinfo=timezone.utc)
        return first, first + 23 * _HOUR
    if not isinstance(spec, str):
        raise UsageError(f"bad time spec {spec!r}: expected a string; {_FORMS}")
    s = spec.strip()
    if m := _HOUR_RE.fullmatch(s):
        y, mo, d, h = (int(g) for g in m.groups())
        if h > 23:
            raise UsageError(f"bad time spec {spec!r}: hour must be 0..23")
        first = _utc(y, mo, d, h, spec=spec)
        return first, first
    if m := _DAY_RE.fullmatch(s):
        y, mo, d = (int(g) for g in m.groups())
        first = _utc(y, mo, d, spec=spec)
        return first, first + 23 * _HOUR
    if m := _MONTH_RE.fullmatch(s):
        y, mo = (int(g) for g in m.groups())
        first = _utc(y, mo, spec=spec)
        ndays = calendar.monthrange(y, mo)[1]
        return first, first + (ndays * 24 - 1) * _HOUR
    raise UsageError(f"bad time spec {spec!r}: {_FORMS}")


def hours_between(start: str | datetime | date, end: str | datetime | date | None = None) -> list[datetime]:
    """Every hour from the start of ``start`` to the end of ``end``, both inclusive.

    ``end`` defaults to ``start`` (so ``hours_between("2024-03-01")`` is that day's 24 hours).
    END is inclusive of its whole span: ``hours_between("2024-03-01", "2024-03-02")`` is 48
    hours, and ``hours_between("2024-01", "2024-02")`` runs to 2024-02-29 23:00.
    Raises :class:`~starscope.errors.UsageError` on a bad spec or if END is before START.
    """
    first, _ = parse_spec(start)
    _, last = parse_spec(start if end is None else end)
    if last < first:
        raise UsageError(f"END {end!r} is before START {start!r}")
    n = int((last - first) / _HOUR) + 1
    return [first + i * _HOUR for i in range(n)]


def hour_file_name(dt: datetime) -> str:
    """GH Archive's file name for the hour holding ``dt``: ``2024-03-01-5.json.gz``.

    A naive ``dt`` is taken as UTC; an aware one is converted to UTC first.
    """
    h = _floor_hour(dt)
    return f"{h.year:04d}-{h.month:02d}-{h.day:02d}-{h.hour}.json.gz"


def parse_hour_file_name(name: str) -> datetime | None:
    """The UTC hour an hour-file name stands for, or ``None`` if it is not one.

    Accepts a bare name or a path (only the last component is looked at). Only GH Archive's
    own spelling is accepted (and the same name decompressed, ``.json``):
    ``2024-03-01-05.json.gz`` (zero-padded hour) is ``None``, as are
    ``.part`` files and impossible dates.
    """
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    m = _FILE_RE.fullmatch(base)
    if not m:
        return None
    y, mo, d, h = (int(g) for g in m.groups())
    try:
        return datetime(y, mo, d, h, tzinfo=timezone.utc)
    except ValueError:
        return None
