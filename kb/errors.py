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
    """A file that is not a capture: binary, undecodable, empty, no listing page."""


class DatabaseError(KbError):
    pass


class ConfigError(KbError):
    pass


class InternalError(KbError):
    """A bug of kb's, met while it worked on the user's data: said as kb's fault, never the data's.

    part: the part of kb that failed (e.g. "cards"); detail: the exception's type and message.
    """

    def __init__(self, part: str, exc: BaseException):
        self.part = part
        self.detail = f"{type(exc).__name__}: {exc}"
        super().__init__(f"internal error in kb's {part} ({self.detail}): a bug in kb, not in your data;"
                         " rerun with --debug for the traceback")


def from_sqlite(exc: BaseException, db: object) -> KbError | None:
    """What an SQLite failure kb did not catch where it happened means for the user, as a KbError
    naming the database; None for any other error (it stays an unexpected one, with --debug)."""
    import sys

    sqlite3 = sys.modules.get("sqlite3")  # loaded whenever an SQLite error can exist
    if sqlite3 is None or not isinstance(exc, sqlite3.Error):
        return None
    text = str(exc)
    if "readonly database" in text:
        # SQLite refusing a write (read-only file or folder, KB_READONLY) is the user's setup.
        return DatabaseError(f"the database {db} is read-only here: this command needs to write to it")
    if "locked" in text or "busy" in text:
        return DatabaseError(f"the database {db} stayed locked by another program for 30 s ({text}): try again when it is done")
    if "malformed" in text or "not a database" in text:
        return DatabaseError(f"the database {db} is damaged ({text}): kb doctor says what is wrong; restore a backup or re-import into a new database")
    if "I/O error" in text or "full" in text or "unable to open" in text:
        return DatabaseError(f"cannot use the database {db} ({text}): it must be a regular file on a disk with room to write")
    return None
