"""CLI commands that answer questions from the store: registered on starscope.cli.main."""
from __future__ import annotations

from starscope.cli import main  # noqa: F401
