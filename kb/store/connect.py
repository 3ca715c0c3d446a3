"""Connections to kb's database: its pragmas (WAL, busy timeout, foreign keys), read-only opening,
and open_db, which brings the schema up to date.
"""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Callable

from kb.errors import DatabaseError
from kb.store.migrations import migrate, schema_version

BUSY_TIMEOUT_MS = 30_000

def connect(path: Path, *, readonly: bool = False, threads: bool = False) -> sqlite3.Connection:
    """A raw connection with kb's pragmas; no migrations (see open_db).

    threads: the connection may be used from threads other than its creator's, one at a time (the
    caller serializes them): kb browse answers its search box in worker threads."""
    try:
        if readonly:
            conn = _connect_readonly(path, threads)
        else:
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=not threads)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            _retry_while_locked(lambda: _use_wal(conn))
            conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open database {path}: {exc}") from None
    return conn


def peek(path: Path, *, timeout_ms: int = 500) -> sqlite3.Connection:
    """A read-only connection that waits little for a lock: for shell completion, which must stay
    quick (and never create, migrate or change the database)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout_ms / 1000)
    conn.row_factory = sqlite3.Row
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")


def _retry_while_locked(step: Callable[[], object]) -> object:
    # Two processes creating the same new database race for the journal-mode switch, and
    # SQLite answers the loser "database is locked" at once, without its busy handler.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _connect_readonly(path: Path, threads: bool = False) -> sqlite3.Connection:
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=not threads)
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        # A WAL database in a folder we cannot write has no -shm to share: read it as an
        # unchanging file (nobody can be writing where we cannot).
        conn.close()
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=not threads)
    return conn


def writable(path: Path) -> bool:
    """Whether kb may write the database at path: the file and its folder writable, KB_READONLY unset."""
    if os.environ.get("KB_READONLY", "") not in ("", "0"):
        return False
    if not path.exists():
        return True  # creating it will say what is wrong, if anything
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def open_db(path: Path, *, readonly: bool = False, create: bool = True, threads: bool = False) -> sqlite3.Connection:
    """Open (creating if allowed) the database at path and bring its schema up to date."""
    if not path.exists():
        if not create or readonly:
            raise DatabaseError(f"no database at {path}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create {path.parent}: {exc.strerror}") from None
    conn = connect(path, readonly=readonly, threads=threads)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"{path} is not a kb database: {exc}") from None
    if version < schema_version():
        if readonly:
            conn.close()
            raise DatabaseError(f"{path} needs a schema upgrade but is read-only")
        migrate(conn)
    elif version > schema_version():
        conn.close()
        raise DatabaseError(f"{path} was written by a newer kb (schema {version}); upgrade kb")
    return conn
