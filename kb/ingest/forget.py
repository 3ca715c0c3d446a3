"""`kb forget`: take imported sources back. Their sightings go; a post seen nowhere else goes with its
cards, a reviewed card's history kept aside (kb.quiz.aside) until the post comes back; a post also
seen elsewhere is read again from the sightings left (its longest text, their metadata).

plan() says what would go and changes nothing; forget() does it in one transaction, the derived parts
kept fresh through kb.derived as an import keeps them.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from kb import derived
from kb.ingest.sources import find
from kb.posts import capture, naming, sightings
from kb.quiz import aside
from kb.store.transaction import transaction
from kb.text import stamp

SHOWN_POSTS = 20  # posts a plan names (all are counted)


@dataclass
class Plan:
    """What forgetting these sources takes away."""

    sources: list[dict]  # {id, path, name, format, sightings}
    posts_gone: list[int]  # ids of the posts seen only in these sources
    posts_shown: list[dict] = field(default_factory=list)  # {slug, title} of the first of them
    posts_kept: int = 0  # posts also seen elsewhere: they only lose a sighting
    cards: list[str] = field(default_factory=list)  # ids of the cards that go with the posts
    reviewed: int = 0  # of those, cards with a history (kept aside)

    def as_dict(self) -> dict:
        return {
            "sources": [{k: s[k] for k in ("path", "name", "format", "sightings")} for s in self.sources],
            "sightings": sum(s["sightings"] for s in self.sources),
            "posts": len(self.posts_gone),
            "posts_shown": self.posts_shown,
            "posts_kept": self.posts_kept,
            "cards": len(self.cards),
            "reviewed_cards": self.reviewed,
        }


def plan(conn: sqlite3.Connection, refs: list[str]) -> Plan:
    """The sources these names find (kb.ingest.sources.find) and what forgetting them takes away."""
    rows = {}
    for ref in refs:
        row = find(conn, ref)
        rows[row["id"]] = row
    ids = sorted(rows)
    marks = ",".join("?" * len(ids))
    counts = dict(conn.execute(f"SELECT source_id, COUNT(*) FROM sightings WHERE source_id IN ({marks}) GROUP BY source_id", ids))
    sources = [{"id": i, "path": rows[i]["path"], "name": rows[i]["name"], "format": _format(conn, i),
                "sightings": counts.get(i, 0)} for i in ids]
    touched = [r[0] for r in conn.execute(f"SELECT DISTINCT post_id FROM sightings WHERE source_id IN ({marks})", ids)]
    gone = [pid for pid in touched if not conn.execute(
        f"SELECT 1 FROM sightings WHERE post_id = ? AND source_id NOT IN ({marks}) LIMIT 1", (pid, *ids)).fetchone()]
    gone.sort()
    shown = [{"slug": r[0], "title": r[1]} for r in _chunked(
        conn, "SELECT slug, title FROM posts WHERE id IN ({}) ORDER BY rank, id", gone)][:SHOWN_POSTS]
    cards = cards_going(conn, gone)
    reviewed = sum(1 for cid in cards if aside.has_history(conn, cid))
    return Plan(sources, gone, shown, len(touched) - len(gone), cards, reviewed)


def cards_going(conn: sqlite3.Connection, gone: list[int]) -> list[str]:
    """The active cards that go when these posts go: those no other post supports. Where cards are one
    per concept fed by every post defining it (card_sources), a card goes only when all its posts go;
    else a card is its post's."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS forget_gone (post_id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM forget_gone")
    conn.executemany("INSERT INTO forget_gone (post_id) VALUES (?)", [(pid,) for pid in gone])
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'card_sources'").fetchone():
        sql = ("SELECT c.id FROM cards c WHERE c.active = 1"
               " AND c.norm_term IN (SELECT norm_term FROM card_sources WHERE post_id IN (SELECT post_id FROM forget_gone))"
               " AND NOT EXISTS (SELECT 1 FROM card_sources s WHERE s.norm_term = c.norm_term"
               " AND s.post_id NOT IN (SELECT post_id FROM forget_gone)) ORDER BY c.id")
    else:
        sql = "SELECT id FROM cards WHERE active = 1 AND post_id IN (SELECT post_id FROM forget_gone) ORDER BY id"
    out = [r[0] for r in conn.execute(sql)]
    conn.execute("DELETE FROM forget_gone")
    return out


def _format(conn: sqlite3.Connection, source_id: int) -> str:
    row = conn.execute("SELECT format FROM sources WHERE id = ?", (source_id,)).fetchone()
    return (row[0] if row else None) or "text"


def _chunked(conn: sqlite3.Connection, sql: str, ids: list) -> list[tuple]:
    out = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        out += conn.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
    return out


def forget(conn: sqlite3.Connection, todo: Plan) -> dict:
    """Take the plan's sources back, in one transaction; returns what went (the plan's figures, and
    how many cards were kept aside)."""
    ids = [s["id"] for s in todo.sources]
    marks = ",".join("?" * len(ids))
    now = stamp()
    with transaction(conn):
        active_before = {r[0] for r in conn.execute("SELECT id FROM cards WHERE active = 1")}
        touched = [r[0] for r in conn.execute(f"SELECT DISTINCT post_id FROM sightings WHERE source_id IN ({marks})", ids)]
        conn.execute(f"DELETE FROM sightings WHERE source_id IN ({marks})", ids)
        conn.execute(f"DELETE FROM sources WHERE id IN ({marks})", ids)
        gone = set(todo.posts_gone)
        changed = [pid for pid in touched if pid not in gone and _reread(conn, pid, now)]
        for i in range(0, len(todo.posts_gone), 500):
            chunk = todo.posts_gone[i : i + 500]
            conn.execute(f"DELETE FROM posts WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        derived.posts_changed(conn, sorted(gone) + changed, derived.compute)
        # The cards left without a post (or retired by the cards part for want of one): a reviewed
        # one's history goes aside, the card row goes.
        orphans = {r[0] for r in conn.execute("SELECT id FROM cards WHERE post_id NOT IN (SELECT id FROM posts)")}
        retired = active_before - {r[0] for r in conn.execute("SELECT id FROM cards WHERE active = 1")}
        going = sorted(orphans | retired)
        where = ", ".join(s["path"] for s in todo.sources)
        kept = aside.set_aside(conn, [cid for cid in going if aside.has_history(conn, cid)], where, now)
        for cid in going:
            conn.execute("DELETE FROM card_schedule WHERE card_id = ?", (cid,))
            conn.execute("DELETE FROM cards WHERE id = ?", (cid,))
        derived.after_import(conn, derived.compute)
    return todo.as_dict() | {"cards": len(going), "reviewed_cards": kept, "posts_changed": len(changed)}


def _reread(conn: sqlite3.Connection, post_id: int, now: str) -> bool:
    """A post that lost sightings, read again from those left as an import would have merged them:
    the longest text (a whole one before a cut one of equal length), the first category and date, the
    title of the first sighting (its slug stays: cards and users know it by it). Returns whether its
    text or title changed (its derived parts then follow)."""
    rows = conn.execute(
        f"SELECT {sightings.TEXT_SQL}, truncated, category, date FROM sightings WHERE post_id = ? ORDER BY source_id, position",
        (post_id,)).fetchall()
    best = max(rows, key=lambda r: (len(capture.normalize(r[0])), not r[1]))
    category = next((r[2] for r in rows if r[2]), None)
    date = next((r[3] for r in rows if r[3]), None)
    title = naming.make_title(rows[0][0])
    post = conn.execute("SELECT text, truncated, category, date, title FROM posts WHERE id = ?", (post_id,)).fetchone()
    if tuple(post) == (best[0], best[1], category, date, title):
        return False
    sightings.text_changes(conn, post_id, post[0], best[0])
    conn.execute(
        "UPDATE posts SET text = ?, truncated = ?, category = ?, date = ?, title = ?, updated_at = ? WHERE id = ?",
        (best[0], best[1], category, date, title, now, post_id))
    return (post[0], post[4]) != (best[0], title)
