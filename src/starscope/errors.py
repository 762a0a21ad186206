"""Errors a user can act on. The CLI prints them in one line and exits 2, never a traceback."""


class StarscopeError(Exception):
    """Base class for errors with a message meant for the user."""


class UsageError(StarscopeError):
    """The command was asked for something that cannot be (a path that does not exist, ...)."""


class MissingExtraError(StarscopeError):
    """An optional dependency is not installed; the message names the extra to install."""
