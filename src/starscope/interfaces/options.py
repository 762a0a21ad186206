"""What the CLI's commands share: options, opening the store, small text helpers.

Command modules import from here (never from starscope.cli), and starscope.cli adds their
commands to the group explicitly: no import cycle, no registration by import side effect.
"""
from __future__ import annotations

import click

from starscope.engines import ENGINES

STORE_HELP = "Store folder (default: $STARSCOPE_STORE, else ./starscope-store)."
MIRROR_HELP = ("GH Archive-compatible base URL (default: $STARSCOPE_GHARCHIVE_MIRROR, else "
               "$STARSCOPE_GHARCHIVE_URL, else https://data.gharchive.org).")

store_option = click.option("--store", "store_path", envvar="STARSCOPE_STORE", default=None,
                            help=STORE_HELP)


def engine_option(help: str):
    """--engine, its choices the registered engines (starscope.engines.ENGINES)."""
    return click.option("--engine", "engine", type=click.Choice(list(ENGINES)), default="duckdb",
                        show_default=True, help=help)


def check_engine(engine: str, master: str | None) -> None:
    """A usage error (before any work) when the engine does not take these options (e.g.
    --master without --engine spark) or is not installed: the engine itself says."""
    from starscope.engines import engine as get_engine
    from starscope.errors import UsageError

    try:
        eng = get_engine(engine, master=master)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    # What the engine needs installed (Spark: pyspark, Java 17+), checked before any work,
    # so `ingest --engine spark` without the extra says so in one line as `detect` does.
    eng.check()


class ProfileChoice(click.Choice):
    """--profile's choices: the registered profiles (starscope.detect.profiles), looked up
    when first needed, so `starscope --help` does not import the detectors."""

    def __init__(self) -> None:
        super().__init__([])

    @property
    def choices(self):  # type: ignore[override]
        from starscope.detect.profiles import PROFILES

        return list(PROFILES)

    @choices.setter
    def choices(self, value) -> None:  # click's __init__ sets it; the registry is the truth
        pass


def open_store(store_path: str | None):
    """The facade (starscope.Store) of the store at ``store_path`` (default: $STARSCOPE_STORE,
    else ./starscope-store); it may not exist yet."""
    from starscope.api import Store

    return Store(store_path)


def require_store(store_path: str | None):
    """The facade of an existing store, else a usage error (exit 2)."""
    store = open_store(store_path)
    if not store.exists():
        raise click.UsageError(f"no store at {store.path} (run `starscope ingest` first)")
    return store


def n(count: int, noun: str) -> str:
    """"1 file", "2 files"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
