"""The meta table: small named values (the index's dictionary hash, token counts …) and stale marks.

A stale mark says that a derived part (cards, related posts …) must be rebuilt: migrations set
them instead of deriving data themselves, and kb.derived rebuilds the marked parts after open.
"""
from __future__ import annotations

import sqlite3

STALE_PREFIX = "stale:"


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def mark_stale(conn: sqlite3.Connection, part: str, why: str) -> None:
    """Record that the derived part must be rebuilt, and why (inside the caller's transaction)."""
    set_meta(conn, STALE_PREFIX + part, why)


def stale_marks(conn: sqlite3.Connection) -> dict[str, str]:
    """part → why, for every derived part marked stale (none in a database from before meta)."""
    try:
        rows = conn.execute(
            "SELECT key, value FROM meta WHERE key >= ? AND key < ?", (STALE_PREFIX, STALE_PREFIX[:-1] + ";")
        ).fetchall()
    except sqlite3.OperationalError:
        return {}
    return {key[len(STALE_PREFIX):]: value for key, value in rows}


def clear_stale(conn: sqlite3.Connection, part: str) -> None:
    conn.execute("DELETE FROM meta WHERE key = ?", (STALE_PREFIX + part,))
