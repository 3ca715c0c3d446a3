"""The cards table as a derived part: each post's definitions become cards (definition, reverse,
alias, choice), re-derived when the post's text changes; reviews and schedules are never touched.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3

from kb.cards.extract import extract
from kb.cards.terms import Definition, norm_term
from kb.text import META_CARDS_REBUILT_AT, stamp
from kb.store.meta import set_meta

KINDS = ("definition", "reverse", "alias", "choice")


def card_id(slug: str, term: str, kind: str) -> str:
    """Stable across re-imports and rebuilds: the post's slug, the normalized term, the kind."""
    key = f"{slug}\x1f{norm_term(term)}\x1f{kind}".encode()
    return hashlib.sha1(key).hexdigest()[:16]


def kinds_for(d: Definition) -> list[str]:
    return [k for k in KINDS if k != "alias" or d.aliases]


TABLES = ("cards",)


def prepare(ahead, text: str) -> None:
    """What import workers compute for a post's text: its definitions."""
    ahead(extract, text)


def posts_changed(conn: sqlite3.Connection, post_ids: list[int], ahead) -> None:
    """Re-derive the cards of these posts (inside the caller's transaction: the file's)."""
    for post_id in post_ids:
        _derive_post(conn, post_id, ahead)


def rebuild(conn: sqlite3.Connection, ahead) -> None:
    """Re-derive every post's cards (inside the caller's transaction); reviews and schedules are
    never touched, and cards whose post is gone are retired like any card no longer found."""
    ids = [r[0] for r in conn.execute("SELECT id FROM posts ORDER BY id")]
    for post_id in ids:
        _derive_post(conn, post_id, ahead)
    orphans = [r[0] for r in conn.execute("SELECT id FROM cards WHERE post_id NOT IN (SELECT id FROM posts)")]
    _retire(conn, orphans)
    set_meta(conn, META_CARDS_REBUILT_AT, stamp())


def _derive_post(conn: sqlite3.Connection, post_id: int, ahead) -> None:
    row = conn.execute("SELECT slug, text FROM posts WHERE id = ?", (post_id,)).fetchone()
    if row is None:
        return
    slug, text = row[0], row[1]
    now = stamp()
    keep: set[str] = set()
    rows = []
    for d in ahead(extract, text):
        aliases = json.dumps(d.aliases, ensure_ascii=False)
        for kind in kinds_for(d):
            cid = card_id(slug, d.term, kind)
            keep.add(cid)
            rows.append((cid, post_id, slug, d.term, norm_term(d.term), aliases,
                         d.definition, kind, d.pattern, d.position, now, now))
    if rows:
        conn.executemany(
            "INSERT INTO cards (id, post_id, slug, term, norm_term, aliases, definition, kind, pattern,"
            " position, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET post_id = excluded.post_id, term = excluded.term,"
            " aliases = excluded.aliases, definition = excluded.definition, pattern = excluded.pattern,"
            " position = excluded.position, active = 1,"
            " updated_at = CASE WHEN cards.definition IS NOT excluded.definition"
            " OR cards.aliases IS NOT excluded.aliases OR cards.active = 0"
            " THEN excluded.updated_at ELSE cards.updated_at END",
            rows,
        )
    gone = [r[0] for r in conn.execute("SELECT id FROM cards WHERE post_id = ?", (post_id,)) if r[0] not in keep]
    _retire(conn, gone)


def _retire(conn: sqlite3.Connection, ids: list[str]) -> None:
    """Cards no longer found: delete them, unless they have been reviewed (then keep them, inactive)."""
    for cid in ids:
        if conn.execute("SELECT 1 FROM reviews WHERE card_id = ? LIMIT 1", (cid,)).fetchone():
            conn.execute("UPDATE cards SET active = 0 WHERE id = ?", (cid,))
        else:
            conn.execute("DELETE FROM card_schedule WHERE card_id = ?", (cid,))
            conn.execute("DELETE FROM cards WHERE id = ?", (cid,))


def card_dict(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "slug": row["slug"],
        "term": row["term"],
        "aliases": json.loads(row["aliases"] or "[]"),
        "definition": row["definition"],
        "kind": row["kind"],
    }


def list_cards(conn: sqlite3.Connection, *, ids: set[str] | None = None, kinds: tuple[str, ...] = KINDS) -> list[dict]:
    """Active cards, in reading order (post rank, then position in the post)."""
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(
        f"SELECT c.* FROM cards c JOIN posts p ON p.id = c.post_id WHERE c.active = 1 AND c.kind IN ({marks})"
        " ORDER BY p.rank, p.id, c.position, c.kind",
        kinds,
    ).fetchall()
    return [card_dict(r) for r in rows if ids is None or r["id"] in ids]


def notes(conn: sqlite3.Connection, ids: set[str] | None = None) -> list[dict]:
    """One note per definition (its term→definition card): what an export writes."""
    return list_cards(conn, ids=ids, kinds=("definition",))
