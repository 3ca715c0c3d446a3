"""Quiz scheduling: which cards a session drills (due ones of every kind, new ones of the mode's
kinds up to the daily limit of new terms, learning ones due soon), FSRS grading and its undo, the
intervals each grade would give, and the counts kb stats shows.

Each review is committed the moment it is graded; the questions live in kb.quiz.questions, a
session's queue in kb.quiz.session, the screen in kb.quiz.screen.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

from kb.cards.store import KINDS
from kb.errors import UsageError
from kb.store.transaction import transaction
from kb.text import now_utc, parse_stamp, stamp

MODES = {
    "flashcard": ("definition",),
    "typed": ("reverse", "alias"),
    "choice": ("choice",),
    "mixed": KINDS,
}
NEW_PER_DAY = 20
RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
# FSRS's card states (fsrs.State): a card in learning or relearning steps comes back within minutes.
LEARNING_STATES = (1, 3)
# Anki's learn-ahead limit: when nothing else is left, a learning card due within this is shown early.
LEARN_AHEAD = dt.timedelta(minutes=20)
SCHEDULE_COLUMNS = ("fsrs", "due", "state", "updated_at")


def kinds_for_mode(mode: str) -> tuple[str, ...]:
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r} (use {', '.join(MODES)})")
    return MODES[mode]


# ---------------------------------------------------------------- scheduling


def scheduler(retention: float | None = None):
    from fsrs import Scheduler

    # No fuzz: the same ratings always give the same schedule, which is what a user can check.
    # The default steps: learning 1 min and 10 min, relearning 10 min.
    return Scheduler(desired_retention=retention or 0.9, enable_fuzzing=False)


def fsrs_card(conn: sqlite3.Connection, cid: str, now: dt.datetime | None = None):
    """The card's FSRS state (fsrs.Card): as stored, or a new card due now."""
    from fsrs import Card

    row = conn.execute("SELECT fsrs FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()
    if row:
        return Card.from_dict(json.loads(row[0]))
    return Card(card_id=int(cid[:12], 16), due=now or now_utc())


def next_state(card, rating: int, now: dt.datetime, retention: float | None = None):
    """(the card after this grade, FSRS's review log); nothing is stored."""
    from fsrs import Rating

    if rating not in RATINGS:
        raise UsageError(f"a rating is 1-4, not {rating!r}")
    return scheduler(retention).review_card(card, Rating(rating), review_datetime=now)


def preview(card, now: dt.datetime | None = None, retention: float | None = None) -> dict[int, dt.timedelta]:
    """rating → how long until the card is due again after it, computed without committing anything."""
    now = now or now_utc()
    return {r: next_state(card, r, now, retention)[0].due - now for r in RATINGS}


def interval_label(span: dt.timedelta) -> str:
    """An interval as Anki's answer buttons write it: <1m, 6m, 3h, 1d, 4.5mo, 1.2y."""
    secs = span.total_seconds()
    if secs < 60:
        return "<1m"
    if secs < 3600:
        return f"{round(secs / 60)}m"
    if secs < 86400:
        return f"{round(secs / 3600)}h"
    days = secs / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}".rstrip("0").rstrip(".") + "mo"
    return f"{days / 365:.1f}".rstrip("0").rstrip(".") + "y"


def _schedule_row(conn: sqlite3.Connection, cid: str) -> dict | None:
    row = conn.execute(f"SELECT {', '.join(SCHEDULE_COLUMNS)} FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()
    return dict(zip(SCHEDULE_COLUMNS, row)) if row else None


def review(conn: sqlite3.Connection, cid: str, rating: int, *, mode: str, answer: str | None = None,
           now: dt.datetime | None = None, retention: float | None = None) -> dict:
    """Grade one card and commit at once: the new FSRS state and a review log row.

    retention is FSRS's desired retention (the config's quiz.retention; 0.9 by default). The result
    carries what undo() needs: the review row's id and the schedule row as it was before.
    """
    now = now or now_utc()
    with transaction(conn):
        before = _schedule_row(conn, cid)
        card, log = next_state(fsrs_card(conn, cid, now), rating, now, retention)
        conn.execute(
            "INSERT INTO card_schedule (card_id, fsrs, due, state, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(card_id) DO UPDATE SET fsrs = excluded.fsrs, due = excluded.due,"
            " state = excluded.state, updated_at = excluded.updated_at",
            (cid, json.dumps(card.to_dict()), stamp(card.due), int(card.state), stamp(now)),
        )
        review_id = conn.execute(
            "INSERT INTO reviews (card_id, rating, reviewed_at, mode, answer, log) VALUES (?, ?, ?, ?, ?, ?)",
            (cid, rating, stamp(now), mode, answer, json.dumps(log.to_dict())),
        ).lastrowid
    return {"card_id": cid, "rating": rating, "due": stamp(card.due), "state": card.state.name,
            "learning": int(card.state) in LEARNING_STATES, "review_id": review_id, "before": before}


def undo(conn: sqlite3.Connection, done: dict) -> None:
    """Take back a grade review() gave (its result): the review row deleted, the schedule as it was."""
    cid = done["card_id"]
    with transaction(conn):
        conn.execute("DELETE FROM reviews WHERE id = ? AND card_id = ?", (done["review_id"], cid))
        before = done["before"]
        if before is None:
            conn.execute("DELETE FROM card_schedule WHERE card_id = ?", (cid,))
        else:
            conn.execute("INSERT OR REPLACE INTO card_schedule (card_id, fsrs, due, state, updated_at)"
                         " VALUES (?, ?, ?, ?, ?)", (cid, *(before[c] for c in SCHEDULE_COLUMNS)))


def schedule_of(conn: sqlite3.Connection, cid: str) -> dict | None:
    row = conn.execute("SELECT fsrs, due FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()
    return json.loads(row[0]) if row else None


def new_terms_today(conn: sqlite3.Connection, now: dt.datetime) -> set[str]:
    """The terms (normalized) a card of which was first reviewed today (UTC): the daily limit counts
    terms, so a term's other kinds are no further new cards once it is met."""
    day = now.astimezone(dt.timezone.utc).date().isoformat()
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT c.norm_term FROM (SELECT card_id, MIN(reviewed_at) AS first FROM reviews GROUP BY card_id) f"
        " JOIN cards c ON c.id = f.card_id WHERE f.first >= ? AND f.first < ?",
        (f"{day}T00:00:00Z", f"{day}T99"),
    )}


def new_introduced_today(conn: sqlite3.Connection, now: dt.datetime) -> int:
    """How many new terms today's reviews introduced."""
    return len(new_terms_today(conn, now))


# ---------------------------------------------------------------- sessions


def _candidates(conn: sqlite3.Connection, pool: set[str] | None) -> list:
    rows = conn.execute(
        "SELECT c.id, c.slug, c.norm_term, c.kind, s.due, s.state FROM cards c JOIN posts p ON p.id = c.post_id"
        " LEFT JOIN card_schedule s ON s.card_id = c.id"
        " LEFT JOIN card_decisions d ON d.card_id = c.id"
        " WHERE c.active = 1 AND d.suspended_at IS NULL AND d.deleted_at IS NULL"
        " ORDER BY p.rank, p.id, c.position, c.kind",
    ).fetchall()
    return [r for r in rows if pool is None or r["id"] in pool]


def pick(conn: sqlite3.Connection, *, kinds: tuple[str, ...], pool: set[str] | None, count: int,
         cram: bool = False, new_per_day: int = NEW_PER_DAY, now: dt.datetime | None = None,
         new: int | None = None) -> dict:
    """The session's cards, count distinct ones: due cards of every kind first (most overdue first),
    then new cards of the mode's kinds up to the daily limit of new terms (new: this many new terms
    now, whatever today's limit says), then learning cards due within LEARN_AHEAD.

    Returns ids, each card's bucket ("due", "learning" or "new") and what the limit held back. With
    cram, any cards of the pool in the mode's kinds, soonest due first: practice that records nothing.
    """
    now = now or now_utc()
    rows = _candidates(conn, pool)
    at, ahead = stamp(now), stamp(now + LEARN_AHEAD)
    bucket = {r["id"]: ("new" if not r["due"] else "learning" if r["state"] in LEARNING_STATES else "due")
              for r in rows}
    if cram:
        mine = [r for r in rows if r["kind"] in kinds]
        scheduled = sorted((r for r in mine if r["due"]), key=lambda r: r["due"])
        chosen = ([r for r in scheduled if r["due"] <= at] + _spread([r for r in mine if not r["due"]])
                  + [r for r in scheduled if r["due"] > at])[:count]
        return _picked(chosen, bucket, {"per_day": new_per_day, "today": 0, "room": None, "held_back": 0})
    due = sorted((r for r in rows if r["due"] and r["due"] <= at), key=lambda r: r["due"])
    soon = sorted((r for r in rows if r["due"] and at < r["due"] <= ahead and r["state"] in LEARNING_STATES),
                  key=lambda r: r["due"])
    fresh = _spread([r for r in rows if not r["due"] and r["kind"] in kinds])
    today = new_terms_today(conn, now)
    room = max(0, new_per_day - len(today)) if new is None else new
    chosen = due[:count]
    taken: set[str] = set()
    for r in fresh:
        if len(chosen) >= count:
            break
        if r["norm_term"] in today or r["norm_term"] in taken:
            chosen.append(r)  # a term already met today: its other kinds cost nothing more
        elif len(taken) < room:
            taken.add(r["norm_term"])
            chosen.append(r)
    chosen += soon[: max(0, count - len(chosen))]
    waiting = {r["norm_term"] for r in fresh} - today - taken
    held = len(waiting) if len(taken) >= room and len(chosen) < count else 0
    return _picked(chosen, bucket, {"per_day": new_per_day if new is None else new, "today": len(today),
                                    "room": room, "held_back": held})


def _picked(chosen: list, bucket: dict[str, str], limit: dict) -> dict:
    buckets = {r["id"]: bucket[r["id"]] for r in chosen}
    counted = {b: sum(1 for v in buckets.values() if v == b) for b in ("new", "learning", "due")}
    return {"ids": [r["id"] for r in chosen], "buckets": buckets, **counted, "limit": limit}


# A new term is met as a flashcard first, then recognised (choice), then recalled (typed).
KIND_ORDER = {"definition": 0, "choice": 1, "reverse": 2, "alias": 3}
KIND_SPACING = 3


def _spread(rows: list) -> list:
    """New cards in reading order, a term's kinds a few terms apart so one never answers the next."""
    index: dict[str, int] = {}
    for r in rows:
        index.setdefault(r["norm_term"], len(index))
    return sorted(rows, key=lambda r: index[r["norm_term"]] + KIND_SPACING * KIND_ORDER.get(r["kind"], 0))


# ---------------------------------------------------------------- summaries


def next_due(conn: sqlite3.Connection, pool: set[str] | None = None, after: dt.datetime | None = None) -> str | None:
    """When the next card of the pool (any kind, not suspended) falls due after now: never a time past."""
    rows = conn.execute(
        "SELECT s.card_id, s.due FROM card_schedule s JOIN cards c ON c.id = s.card_id"
        " LEFT JOIN card_decisions d ON d.card_id = s.card_id"
        " WHERE c.active = 1 AND d.suspended_at IS NULL AND d.deleted_at IS NULL AND s.due > ? ORDER BY s.due",
        (stamp(after or now_utc()),),
    ).fetchall()
    for r in rows:
        if pool is None or r["card_id"] in pool:
            return r["due"]
    return None


def due_count(conn: sqlite3.Connection, now: dt.datetime | None = None) -> int:
    """Cards due now: active, not suspended, of any kind."""
    return conn.execute(
        "SELECT COUNT(*) FROM card_schedule s JOIN cards c ON c.id = s.card_id"
        " LEFT JOIN card_decisions d ON d.card_id = s.card_id"
        " WHERE c.active = 1 AND d.suspended_at IS NULL AND d.deleted_at IS NULL AND s.due <= ?",
        (stamp(now or now_utc()),),
    ).fetchone()[0]


def counts(conn: sqlite3.Connection, now: dt.datetime | None = None) -> dict:
    """reviews, due and retention (share of reviews not rated Again) for kb stats."""
    reviews = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    recalled = conn.execute("SELECT COUNT(*) FROM reviews WHERE rating > 1").fetchone()[0]
    return {"reviews": reviews, "due": due_count(conn, now),
            "retention": round(recalled / reviews, 3) if reviews else None}


def until(iso: str, now: dt.datetime | None = None) -> str:
    """A due time as a person reads it: in 10 min (2026-12-01 14:37 UTC)."""
    due = parse_stamp(iso)
    secs = (due - (now or now_utc())).total_seconds()
    when = due.strftime("%Y-%m-%d %H:%M UTC")
    if secs <= 0:
        return f"now ({when})"
    if secs < 3600:
        return f"in {max(1, round(secs / 60))} min ({when})"
    if secs < 86400:
        return f"in {round(secs / 3600)} h ({when})"
    return f"in {round(secs / 86400)} days ({when})"
