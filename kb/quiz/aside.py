"""Reviewed cards kept aside: when `kb forget` takes away the last post a reviewed card came from, its
card row, schedule and reviews move to cards_aside, keyed by the card's id, and come back the moment
a card of that id is derived again (the source imported again, or another capture of the same post).

No derived part and no `kb doctor --fix` writes cards_aside: a rebuild never loses it. Every function
runs inside the caller's transaction.
"""
from __future__ import annotations

import json
import sqlite3

REVIEW_COLUMNS = ("rating", "reviewed_at", "mode", "answer", "log")
SCHEDULE_COLUMNS = ("fsrs", "due", "state", "updated_at")


def has_history(conn: sqlite3.Connection, card_id: str) -> bool:
    """Whether the card was ever graded (a review or a schedule)."""
    return bool(conn.execute("SELECT 1 FROM reviews WHERE card_id = ? UNION ALL"
                             " SELECT 1 FROM card_schedule WHERE card_id = ? LIMIT 1", (card_id, card_id)).fetchone())


def set_aside(conn: sqlite3.Connection, card_ids: list[str], source: str, now: str) -> int:
    """Move these cards' history out of the quiz's tables into cards_aside; returns how many.

    The card rows themselves are the caller's to delete. A card set aside before keeps its older
    reviews: the lists are joined."""
    moved = 0
    for cid in card_ids:
        card = conn.execute("SELECT * FROM cards WHERE id = ?", (cid,)).fetchone()
        schedule = conn.execute(f"SELECT {', '.join(SCHEDULE_COLUMNS)} FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()
        reviews = [dict(zip(REVIEW_COLUMNS, r)) for r in conn.execute(
            f"SELECT {', '.join(REVIEW_COLUMNS)} FROM reviews WHERE card_id = ? ORDER BY reviewed_at, id", (cid,))]
        if schedule is None and not reviews:
            continue
        old = conn.execute("SELECT reviews FROM cards_aside WHERE card_id = ?", (cid,)).fetchone()
        if old:
            reviews = json.loads(old[0]) + reviews
        conn.execute(
            "INSERT OR REPLACE INTO cards_aside (card_id, card, schedule, reviews, source, set_aside_at) VALUES (?, ?, ?, ?, ?, ?)",
            (cid, json.dumps(dict(card) if card is not None else {}, ensure_ascii=False),
             json.dumps(dict(zip(SCHEDULE_COLUMNS, schedule))) if schedule is not None else None,
             json.dumps(reviews, ensure_ascii=False), source, now),
        )
        conn.execute("DELETE FROM reviews WHERE card_id = ?", (cid,))
        conn.execute("DELETE FROM card_schedule WHERE card_id = ?", (cid,))
        moved += 1
    return moved


def waiting(conn: sqlite3.Connection) -> int:
    """How many cards are kept aside."""
    return conn.execute("SELECT COUNT(*) FROM cards_aside").fetchone()[0]


def returned(conn: sqlite3.Connection) -> list[str]:
    """Ids of cards kept aside that exist again."""
    if not conn.execute("SELECT 1 FROM cards_aside LIMIT 1").fetchone():
        return []  # the common case: one indexed read
    return [r[0] for r in conn.execute("SELECT a.card_id FROM cards_aside a JOIN cards c ON c.id = a.card_id")]


def restore(conn: sqlite3.Connection) -> int:
    """Give every card that exists again the history kept aside for it; returns how many."""
    ids = returned(conn)
    for cid in ids:
        schedule, reviews = conn.execute("SELECT schedule, reviews FROM cards_aside WHERE card_id = ?", (cid,)).fetchone()
        if schedule:
            kept = json.loads(schedule)
            now = conn.execute("SELECT updated_at FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()
            if now is None or (now[0] or "") < (kept.get("updated_at") or ""):
                conn.execute(
                    "INSERT OR REPLACE INTO card_schedule (card_id, fsrs, due, state, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (cid, *(kept.get(c) for c in SCHEDULE_COLUMNS)))
        conn.executemany(
            f"INSERT INTO reviews (card_id, {', '.join(REVIEW_COLUMNS)}) VALUES (?, {', '.join('?' * len(REVIEW_COLUMNS))})",
            [(cid, *(r.get(c) for c in REVIEW_COLUMNS)) for r in json.loads(reviews)])
        conn.execute("DELETE FROM cards_aside WHERE card_id = ?", (cid,))
    return len(ids)
