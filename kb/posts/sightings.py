"""Sightings keep their text only when it is not their post's: a sighting whose text is NULL saw the
post's text as it is now (most excerpts are the post's only capture, or its longest one).

Whoever changes a post's text changes it through here, so that the NULLs keep meaning that.
"""
from __future__ import annotations

import sqlite3

# A sighting's text as stored, for reading: its own, else its post's.
TEXT_SQL = "COALESCE(sightings.text, (SELECT posts.text FROM posts WHERE posts.id = sightings.post_id))"


def stored_text(text: str, post_text: str) -> str | None:
    """What a sighting of text stores, its post's text being post_text."""
    return None if text == post_text else text


def text_changes(conn: sqlite3.Connection, post_id: int, old: str, new: str) -> None:
    """Before a post's text goes from old to new: its sightings that saw the old text keep it, and
    those that saw the new one need not."""
    if old == new:
        return
    conn.execute("UPDATE sightings SET text = ? WHERE post_id = ? AND text IS NULL", (old, post_id))
    conn.execute("UPDATE sightings SET text = NULL WHERE post_id = ? AND text = ?", (post_id, new))
