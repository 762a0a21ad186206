"""A Snapshot: one committed manifest, read-only, with the questions readers ask of it.

Everything outside ``store/`` reads the store through a Snapshot (and ``Store.connect``):
which tables and segments there are, the detection results, the commit number, the files
ingested, the hours recorded missing, a live source's state. The manifest's keys and the
on-disk layout stay behind it, so the layout can change in one package.

A Snapshot never changes: a later commit makes a new manifest, and ``Store.snapshot()`` a new
Snapshot. Its accessors hand out copies (or read-only views), never the manifest itself.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any


class Snapshot:
    """One committed state of a store (see the module docstring)."""

    __slots__ = ("_root", "_m")

    def __init__(self, root: Path, data: Mapping[str, Any], *, owned: bool = False):
        # A deep copy unless the caller hands over a dict nobody else holds (a manifest just
        # read): a writer goes on changing its own manifest after handing a Snapshot out.
        object.__setattr__(self, "_root", Path(root))
        object.__setattr__(self, "_m", data if owned else copy.deepcopy(dict(data)))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Snapshot is immutable")

    def __repr__(self) -> str:
        return f"Snapshot({str(self._root)!r}, commit={self.commit})"

    # ------------------------------------------------------------------ the data
    @property
    def root(self) -> Path:
        return self._root

    @property
    def commit(self) -> int:
        """The commit number (0: nothing committed yet)."""
        return int(self._m.get("commit", 0))

    @property
    def files(self) -> Mapping[str, Mapping[str, Any]]:
        """Input files ingested: their key -> record (size, fingerprint, bad lines, ...)."""
        return MappingProxyType({k: MappingProxyType(v) for k, v in self._m["files"].items()})

    @property
    def totals(self) -> dict[str, int]:
        """Counts kept with the manifest: events, stars, bad_lines, duplicate_events."""
        return dict(self._m["totals"])

    @property
    def first_event(self) -> str | None:
        return self._m["span"]["first_event"]

    @property
    def last_event(self) -> str | None:
        return self._m["span"]["last_event"]

    @property
    def missing_hours(self) -> list[str]:
        """Hours recorded as missing (``YYYY-MM-DD-H``), by time (see Store.missing_hours)."""
        return list(self._m.get("missing_hours", []))

    def source_state(self, source: str) -> dict[str, Any]:
        """What a live source (e.g. "github") keeps between runs (a copy to change freely)."""
        return copy.deepcopy(self._m.get("sources", {}).get(source, {}))

    # ------------------------------------------------------------------ tables
    def tables(self) -> list[str]:
        """The store tables that have segments."""
        return sorted(t for t, segs in self._m["segments"].items() if segs)

    def months(self, table: str = "events") -> list[str]:
        """The months (YYYY-MM) a table has segments for."""
        return sorted({s["month"] for s in self._m["segments"].get(table, [])})

    def segment_paths(self, table: str, first_month: str | None = None,
                      last_month: str | None = None) -> list[Path]:
        """A table's segment files, optionally only those of months in [first, last]."""
        return [self._root / s["path"] for s in self._m["segments"].get(table, [])
                if (first_month is None or s["month"] >= first_month)
                and (last_month is None or s["month"] <= last_month)]

    def table_dir(self, table: str) -> Path:
        """The folder a table's segments are under (its partitions' base path)."""
        return self._root / "tables" / table

    def bytes_on_disk(self) -> int:
        """The size of the table segments this snapshot lists (those still on disk)."""
        total = 0
        for segs in self._m["segments"].values():
            for s in segs:
                p = self._root / s["path"]
                if p.exists():
                    total += p.stat().st_size
        return total

    # ------------------------------------------------------------------ results
    @property
    def has_results(self) -> bool:
        """Whether a detection run's results are committed."""
        return bool(self._m.get("results"))

    @property
    def results_meta(self) -> dict[str, Any] | None:
        """The latest detection run's summary (profile, params, rows, store_commit, ...)."""
        res = self._m.get("results")
        return copy.deepcopy(res.get("meta")) if res else None

    @property
    def results_profile(self) -> str | None:
        return (self.results_meta or {}).get("profile")

    @property
    def results_fresh(self) -> bool:
        """Whether the results were made from the commit just before theirs (nothing was
        ingested since the detection run)."""
        meta = self.results_meta or {}
        return self.has_results and meta.get("store_commit") == self.commit - 1

    def result_tables(self) -> dict[str, Path]:
        """The latest detection run's tables: name -> file."""
        res = self._m.get("results") or {}
        return {name: self._root / rel for name, rel in (res.get("tables") or {}).items()}

    # ------------------------------------------------------------------ for store/ only
    def _manifest(self) -> dict[str, Any]:
        """The manifest itself (store/ only: it owns the layout)."""
        return self._m
