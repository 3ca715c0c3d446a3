"""Quiz scheduling: which cards a session drills (due first, then new up to the daily limit), FSRS
grading of a card, and the counts kb stats shows.

Each review is committed the moment it is graded; the questions live in kb.quiz.questions, the
screen in kb.quiz.screen.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

from kb.cards.store import KINDS
from kb.errors import UsageError
from kb.store.transaction import transaction
from kb.text import now_utc, stamp

MODES = {
    "flashcard": ("definition",),
    "typed": ("reverse", "alias"),
    "choice": ("choice",),
    "mixed": KINDS,
}
NEW_PER_DAY = 20
RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


def kinds_for_mode(mode: str) -> tuple[str, ...]:
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r} (use {', '.join(MODES)})")
    return MODES[mode]


# ---------------------------------------------------------------- scheduling


def scheduler(retention: float | None = None):
    from fsrs import Scheduler

    # No fuzz: the same ratings always give the same schedule, which is what a user can check.
    return Scheduler(desired_retention=retention or 0.9, enable_fuzzing=False)


def _fsrs_card(conn: sqlite3.Connection, cid: str, now: dt.datetime):
    from fsrs import Card

    row = conn.execute("SELECT fsrs FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()
    if row:
        return Card.from_dict(json.loads(row[0]))
    return Card(card_id=int(cid[:12], 16), due=now)


def review(conn: sqlite3.Connection, cid: str, rating: int, *, mode: str, answer: str | None = None,
           now: dt.datetime | None = None, retention: float | None = None) -> dict:
    """Grade one card and commit at once: the new FSRS state and a review log row.

    retention is FSRS's desired retention (the config's quiz.retention; 0.9 by default).
    """
    from fsrs import Rating

    if rating not in RATINGS:
        raise UsageError(f"a rating is 1-4, not {rating!r}")
    now = now or now_utc()
    with transaction(conn):
        card = _fsrs_card(conn, cid, now)
        card, log = scheduler(retention).review_card(card, Rating(rating), review_datetime=now)
        state = card.to_dict()
        conn.execute(
            "INSERT INTO card_schedule (card_id, fsrs, due, state, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(card_id) DO UPDATE SET fsrs = excluded.fsrs, due = excluded.due,"
            " state = excluded.state, updated_at = excluded.updated_at",
            (cid, json.dumps(state), stamp(card.due), int(card.state), stamp(now)),
        )
        conn.execute(
            "INSERT INTO reviews (card_id, rating, reviewed_at, mode, answer, log) VALUES (?, ?, ?, ?, ?, ?)",
            (cid, rating, stamp(now), mode, answer, json.dumps(log.to_dict())),
        )
    return {"card_id": cid, "rating": rating, "due": stamp(card.due), "state": card.state.name}


def schedule_of(conn: sqlite3.Connection, cid: str) -> dict | None:
    row = conn.execute("SELECT fsrs, due FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()
    return json.loads(row[0]) if row else None


def new_introduced_today(conn: sqlite3.Connection, now: dt.datetime) -> int:
    day = now.astimezone(dt.timezone.utc).date().isoformat()
    return conn.execute(
        "SELECT COUNT(*) FROM (SELECT card_id, MIN(reviewed_at) AS first FROM reviews GROUP BY card_id)"
        " WHERE substr(first, 1, 10) = ?",
        (day,),
    ).fetchone()[0]


# ---------------------------------------------------------------- sessions


def pick(conn: sqlite3.Connection, *, kinds: tuple[str, ...], pool: set[str] | None, count: int,
         cram: bool = False, new_per_day: int = NEW_PER_DAY, now: dt.datetime | None = None) -> dict:
    """The session's cards: due ones first (most overdue first), then new ones up to the daily limit.

    With cram, any cards of the pool, soonest due first: practice that leaves the schedule alone.
    """
    now = now or now_utc()
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(
        "SELECT c.id, c.slug, c.norm_term, c.kind, s.due FROM cards c JOIN posts p ON p.id = c.post_id"
        " LEFT JOIN card_schedule s ON s.card_id = c.id"
        f" WHERE c.active = 1 AND c.kind IN ({marks})"
        " ORDER BY p.rank, p.id, c.position, c.kind",
        kinds,
    ).fetchall()
    rows = [r for r in rows if pool is None or r["id"] in pool]
    at = stamp(now)
    due = sorted((r for r in rows if r["due"] and r["due"] <= at), key=lambda r: r["due"])
    new = _spread([r for r in rows if not r["due"]])
    if cram:
        later = sorted((r for r in rows if r["due"] and r["due"] > at), key=lambda r: r["due"])
        chosen = (due + new + later)[:count]
        return {"ids": [r["id"] for r in chosen], "due": len(due), "new": len(new)}
    room = max(0, new_per_day - new_introduced_today(conn, now))
    chosen = due[:count]
    chosen += new[: max(0, min(count - len(chosen), room))]
    return {"ids": [r["id"] for r in chosen], "due": len(due), "new": min(len(new), room)}


# A new term is met as a flashcard first, then recognised (choice), then recalled (typed).
KIND_ORDER = {"definition": 0, "choice": 1, "reverse": 2, "alias": 3}
KIND_SPACING = 3


def _spread(rows: list) -> list:
    """New cards in reading order, a term's kinds a few terms apart so one never answers the next."""
    index: dict[tuple[str, str], int] = {}
    for r in rows:
        index.setdefault((r["slug"], r["norm_term"]), len(index))
    return sorted(rows, key=lambda r: index[(r["slug"], r["norm_term"])] + KIND_SPACING * KIND_ORDER.get(r["kind"], 0))


# ---------------------------------------------------------------- summaries


def next_due(conn: sqlite3.Connection, pool: set[str] | None = None) -> str | None:
    rows = conn.execute(
        "SELECT s.card_id, s.due FROM card_schedule s JOIN cards c ON c.id = s.card_id WHERE c.active = 1 ORDER BY s.due"
    ).fetchall()
    for r in rows:
        if pool is None or r["card_id"] in pool:
            return r["due"]
    return None


def counts(conn: sqlite3.Connection, now: dt.datetime | None = None) -> dict:
    """reviews, due and retention (share of reviews not rated Again) for kb stats."""
    now = now or now_utc()
    reviews = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    recalled = conn.execute("SELECT COUNT(*) FROM reviews WHERE rating > 1").fetchone()[0]
    due = conn.execute(
        "SELECT COUNT(*) FROM card_schedule s JOIN cards c ON c.id = s.card_id WHERE c.active = 1 AND s.due <= ?",
        (stamp(now),),
    ).fetchone()[0]
    return {"reviews": reviews, "due": due, "retention": round(recalled / reviews, 3) if reviews else None}
