"""Running a starscope command in-process (click's CliRunner) in tests."""
from __future__ import annotations

from click.testing import CliRunner

from starscope.cli import main


def run(*args: str, code: int = 0):
    """The command's result, after checking its exit code (the output is in the message)."""
    res = CliRunner().invoke(main, list(args))
    assert res.exit_code == code, (args, res.output, res.exception)
    return res
