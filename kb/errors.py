"""The KbError family: every failure a user can cause is one of these.

The CLI turns them into a one-line message on stderr and exit code 1 (usage errors 2).
"""


class KbError(Exception):
    """A failure the user can cause and fix; shown as one line, never a traceback."""

    exit_code = 1


class UsageError(KbError):
    exit_code = 2


class NotFound(KbError):
    pass


class Ambiguous(KbError):
    pass


class CaptureError(KbError):
    """A file that is not a readable capture (binary, undecodable, unreadable)."""


class DatabaseError(KbError):
    pass


class ConfigError(KbError):
    pass
