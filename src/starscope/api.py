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

from starscope.engines import engine as get_engine
from starscope.errors import UsageError
from starscope.store import store as _store


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

    @property
    def quarantine_dir(self) -> Path:
        """Where bad input is kept, with its origin (ingest's exit 1 points there)."""
        return self._store.quarantine_dir

    @property
    def downloads_dir(self) -> Path:
        """Where `ingest --from/--to` keeps downloaded hour files unless told otherwise."""
        return self._store.downloads_dir

    # ------------------------------------------------------------------ writing
    def ingest(self, paths: list[str] | str, *, engine: str = "duckdb", workers: int | None = None,
               master: str | None = None, progress: Callable | None = None,
               missing_hours: list[str] | None = None):
        """Ingest hour files (files, folders, globs; Hadoop URIs on Spark). Returns the
        IngestReport (``.clean`` is False when some lines or files were quarantined).
        ``missing_hours`` (``YYYY-MM-DD-H``): hours the archive had no file for."""
        paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
        paths = [str(p) for p in paths]
        eng = get_engine(engine, master=master)
        return eng.ingest(self._store, paths, workers=workers, progress=progress,
                          missing_hours=missing_hours)

    def record_missing_hours(self, hours: list[str]) -> None:
        """Record hours (``YYYY-MM-DD-H``) the archive had no file for, in one commit."""
        with self._store.writing() as writer:
            writer.record_missing_hours(hours)

    def read_github(self, repos: list[str], client: Any, *, user_events: bool = False,
                    progress: Callable | None = None, commit_every: float | None = None):
        """Read repositories from GitHub's REST API into the store (event feeds, stargazers
        where ``client``'s token may see them, profiles, optionally public events); resumable.
        ``client``: a ``starscope.source.github.GitHubClient``. Returns the GithubReport."""
        from starscope.ingest.github import COMMIT_SECONDS, run_github

        return run_github(self._store, repos, client, user_events=user_events, progress=progress,
                          commit_every=COMMIT_SECONDS if commit_every is None else commit_every)

    def detect(self, *, profile: str = "default", params: Any = None,
               settings: Mapping[str, Any] | None = None, config: str | os.PathLike | None = None,
               since: str | None = None, until: str | None = None, full: bool = False,
               engine: str = "duckdb", master: str | None = None,
               memory_limit: str | None = None,
               progress: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Run detection and replace the results atomically; returns the run's summary.
        ``settings``/``config``: detection parameters of any profile by name (as
        ``--set``/``--config``; text values are parsed by the parameter's type)."""
        from starscope.detect.params import load_detection_params
        from starscope.detect.store_run import detect_store

        self._require()
        get_engine(engine, master=master)  # an unknown engine or a stray master: one line
        own = None
        if params is None:
            params, own = load_detection_params(config, settings)
        return detect_store(self._store, profile=profile, params=params, default_params=own,
                            since=since, until=until, memory_limit=memory_limit,
                            progress=progress, incremental=not full, engine=engine,
                            master=master)

    # ------------------------------------------------------------------ answers
    def status(self) -> dict[str, Any]:
        """What the store holds (the `status` command's JSON, with its coverage summary)."""
        from starscope.results.coverage import summary

        self._require()
        info = _store.status(self._store)
        info["coverage"] = summary(self.coverage())
        return info

    def coverage(self, **at: Any) -> dict[str, Any]:
        """How much of the truth the store saw (the `coverage` command's JSON)."""
        from starscope.results.coverage import coverage

        self._require()
        return coverage(self._store, **at)

    def repo(self, name_or_id: str | int, **at: Any) -> dict[str, Any]:
        """One repository's answer (the `check` command's JSON). ``at``: ``snapshot=`` (a
        committed state, from ``snapshot()``) and ``con=`` (a connection over it), to ask
        several questions of one state (the web service does)."""
        from starscope.results.repo import repo_answer

        self._require()
        return repo_answer(self._store, name_or_id, **at)

    def account(self, login_or_id: str | int, **at: Any) -> dict[str, Any]:
        """One account's answer (the `account` command's JSON); ``at`` as for repo()."""
        from starscope.results.account import account_answer

        self._require()
        return account_answer(self._store, login_or_id, **at)

    def snapshot(self):
        """The committed state now (an immutable starscope.store.Snapshot)."""
        self._require()
        return self._store.snapshot()

    def connect(self, snapshot=None, *, memory_limit: str | None = None):
        """A read-only DuckDB connection over a snapshot (default: the latest): the store's
        relations and ``results.<table>``."""
        self._require()
        return self._store.connect(snapshot, memory_limit=memory_limit)

    def overview(self) -> dict[str, Any]:
        """The study's headline table by month (the `overview` command's JSON)."""
        from starscope.results.overview import overview

        self._require()
        return overview(self._store)

    def most_suspicious(self, limit: int = 8) -> list[dict[str, Any]]:
        """The repos with the most suspected stars (results/overview.most_suspicious)."""
        from starscope.results.overview import most_suspicious

        self._require()
        return most_suspicious(self._store, limit)

    def most_suspicious_repo_id(self) -> int | None:
        """The repo with the most suspected stars (ties: the smallest id), or None."""
        from starscope.results.overview import most_suspicious_repo_id

        self._require()
        return most_suspicious_repo_id(self._store)

    def export(self, table: str, output: str | os.PathLike, fmt: str | None = None) -> int:
        """Write a result (or store) table to CSV, Parquet or JSON; returns the row count."""
        from starscope.results.export import export_table

        self._require()
        out = Path(output)
        fmt = fmt or out.suffix.lstrip(".").lower()
        if fmt not in ("csv", "parquet", "json"):
            raise UsageError("give a format: csv, parquet or json (or a file with that extension)")
        return export_table(self._store, table, fmt, out)

    def report(self, repo: str | int | None = None) -> str:
        """One self-contained HTML page: the report of ``repo``, or of the whole archive."""
        from starscope.interfaces.report import overview_report, repo_report

        self._require()
        return repo_report(self._store, repo) if repo is not None else overview_report(self._store)

    def suspected_accounts(self, repo: str | int) -> list[dict[str, Any]]:
        """The suspected stargazers of ``repo`` as rows for GitHub's abuse report."""
        from starscope.results.audit import suspected_accounts

        self._require()
        return suspected_accounts(self._store, repo)

    def evaluate(self, world_dir: str | os.PathLike) -> dict[str, Any]:
        """Score the latest detection against a simulated world's truth."""
        from starscope.results.evaluate import evaluate

        self._require()
        return evaluate(Path(world_dir), self._store)

    def _require(self) -> None:
        if not self._store.exists():
            raise UsageError(f"no store at {self.path} (run `starscope ingest` first)")
