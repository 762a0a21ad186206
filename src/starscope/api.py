"""The Python API: one object per store, one method per operation.

    from starscope import Store
    store = Store("mystore")
    store.ingest(["archive/"])
    store.detect(profile="default")
    store.repo("owner/repo")["verdict"]

Each CLI command opens a ``Store`` and calls one of these methods, so the command line and the
library cannot drift apart (as in sqlite-utils). Engines and heavy drivers are imported only
when a method needs them.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from starscope.engines import ENGINES
from starscope.errors import UsageError
from starscope.store import store as _store


def _check_engine(engine: str, master: str | None) -> None:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")
    if master and engine != "spark":
        raise UsageError("--master needs --engine spark")


class Store:
    """A starscope store: ingest into it, detect over it, ask it questions."""

    def __init__(self, path: str | os.PathLike | None = None):
        self._store = _store.Store(path if path is not None else _store.default_store_path())

    def __repr__(self) -> str:
        return f"starscope.Store({str(self.path)!r})"

    @property
    def path(self) -> Path:
        return self._store.root

    def exists(self) -> bool:
        return self._store.exists()

    # ------------------------------------------------------------------ writing
    def ingest(self, paths: list[str] | str, *, engine: str = "duckdb", workers: int | None = None,
               master: str | None = None, progress: Callable | None = None):
        """Ingest hour files (files, folders, globs; Hadoop URIs on Spark). Returns the
        IngestReport (``.clean`` is False when some lines or files were quarantined)."""
        paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
        paths = [str(p) for p in paths]
        _check_engine(engine, master)
        if engine == "spark":
            from starscope.engines.spark.ingest import ingest_spark

            if master is None and workers:
                master = f"local[{workers}]"
            return ingest_spark(self._store, paths, master=master, progress=progress)
        from starscope.ingest import ingest

        return ingest(self._store, paths, workers=workers, progress=progress)

    def detect(self, *, profile: str = "default", params: Any = None,
               settings: Mapping[str, Any] | None = None, config: str | os.PathLike | None = None,
               since: str | None = None, until: str | None = None, full: bool = False,
               engine: str = "duckdb", master: str | None = None,
               memory_limit: str | None = None,
               progress: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Run detection and replace the results atomically; returns the run's summary.
        ``settings``/``config``: detection parameters by name (as ``--set``/``--config``)."""
        from starscope.results.detection import detect_store

        self._require()
        _check_engine(engine, master)
        if params is None:
            from starscope.detect.params import Params

            try:
                params = Params.load(str(config) if config else None, **dict(settings or {}))
            except (TypeError, ValueError) as exc:
                raise UsageError(f"bad detection parameters: {exc}") from None
        return detect_store(self._store, profile=profile, params=params, since=since,
                            until=until, memory_limit=memory_limit, progress=progress,
                            incremental=not full, engine=engine, master=master)

    # ------------------------------------------------------------------ answers
    def status(self) -> dict[str, Any]:
        """What the store holds (the `status` command's JSON)."""
        self._require()
        return _store.status(self._store)

    def repo(self, name_or_id: str | int) -> dict[str, Any]:
        """One repository's answer (the `check` command's JSON)."""
        from starscope.results.repo import repo_answer

        self._require()
        return repo_answer(self._store, name_or_id)

    def account(self, login_or_id: str | int) -> dict[str, Any]:
        """One account's answer (the `account` command's JSON)."""
        from starscope.results.account import account_answer

        self._require()
        return account_answer(self._store, login_or_id)

    def overview(self) -> dict[str, Any]:
        """The study's headline table by month (the `overview` command's JSON)."""
        from starscope.results.overview import overview

        self._require()
        return overview(self._store)

    def export(self, table: str, output: str | os.PathLike, fmt: str | None = None) -> int:
        """Write a result (or store) table to CSV, Parquet or JSON; returns the row count."""
        from starscope.results.export import export_table

        self._require()
        out = Path(output)
        fmt = fmt or out.suffix.lstrip(".").lower()
        if fmt not in ("csv", "parquet", "json"):
            raise UsageError("give a format: csv, parquet or json (or a file with that extension)")
        return export_table(self._store, table, fmt, out)

    def evaluate(self, world_dir: str | os.PathLike) -> dict[str, Any]:
        """Score the latest detection against a simulated world's truth."""
        from starscope.results.evaluate import evaluate

        self._require()
        return evaluate(Path(world_dir), self._store)

    def _require(self) -> None:
        if not self._store.exists():
            raise UsageError(f"no store at {self.path} (run `starscope ingest` first)")
