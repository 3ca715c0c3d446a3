"""The imported sources: what each capture file brought (`kb sources`) and finding them by what a
user types (a path, a file name, the start of a content hash).

Functions take a connection and return plain dicts; `kb forget` (kb.ingest.forget) uses find().
"""
from __future__ import annotations

import json
import os
import sqlite3

from kb.errors import Ambiguous, NotFound, UsageError

MIN_HASH_PREFIX = 6


def list_sources(conn: sqlite3.Connection) -> list[dict]:
    """Every source, in import order: path, name, format, content hash, size, when imported, its
    excerpts and sightings, the posts first seen there and those seen nowhere else, its provenance."""
    sightings = dict(conn.execute("SELECT source_id, COUNT(*) FROM sightings GROUP BY source_id"))
    # A post is first seen in the earliest import that still has a sighting of it.
    first = dict(conn.execute(
        "SELECT src, COUNT(*) FROM (SELECT MIN(source_id) AS src FROM sightings GROUP BY post_id) GROUP BY src"))
    only = dict(conn.execute(
        "SELECT src, COUNT(*) FROM (SELECT MIN(source_id) AS src FROM sightings GROUP BY post_id"
        " HAVING COUNT(DISTINCT source_id) = 1) GROUP BY src"))
    rows = conn.execute(
        "SELECT id, path, name, format, sha256, size, excerpts, imported_at, provenance FROM sources ORDER BY id").fetchall()
    return [
        {
            "path": r["path"],
            "name": r["name"],
            "format": r["format"] or "text",
            "sha256": r["sha256"],
            "size": r["size"],
            "imported_at": r["imported_at"],
            "excerpts": r["excerpts"],
            "sightings": sightings.get(r["id"], 0),
            "posts_first_seen": first.get(r["id"], 0),
            "posts_only_here": only.get(r["id"], 0),
            "provenance": json.loads(r["provenance"]) if r["provenance"] else {},
        }
        for r in rows
    ]


def find(conn: sqlite3.Connection, ref: str) -> sqlite3.Row:
    """The source a user names: its path as kb shows it, the same file by another path, its file
    name, or the start of its content hash (at least six hex digits)."""
    if not ref.strip():
        raise UsageError("an empty source name: give a path, a file name or a hash prefix (see kb sources)")
    rows = conn.execute("SELECT id, path, name, sha256 FROM sources ORDER BY id").fetchall()
    for test in (
        lambda r: r["path"] == ref,
        lambda r: r["path"] != "-" and _same_file(r["path"], ref),
        lambda r: r["name"] == ref or os.path.basename(r["path"]) == ref,
        lambda r: len(ref) >= MIN_HASH_PREFIX and all(c in "0123456789abcdef" for c in ref.lower())
        and r["sha256"].startswith(ref.lower()),
    ):
        found = [r for r in rows if test(r)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(r["path"] for r in found[:5])
            raise Ambiguous(f"{ref!r} names {len(found)} sources ({names}): give the path or a hash prefix")
    raise NotFound(f"no imported source {ref!r} (kb sources lists them)")


def _same_file(stored: str, ref: str) -> bool:
    try:
        return os.path.abspath(stored) == os.path.abspath(ref)
    except (ValueError, OSError):
        return False
