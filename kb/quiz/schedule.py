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
    start = f"{day}T00:00:00Z"
    # Today's reviews by the index of review times, each card's earlier ones by the index of cards.
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT c.norm_term FROM reviews r JOIN cards c ON c.id = r.card_id"
        " WHERE r.reviewed_at >= ? AND r.reviewed_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM reviews e WHERE e.card_id = r.card_id AND e.reviewed_at < ?)",
        (start, f"{day}T99", start),
    )}


def new_introduced_today(conn: sqlite3.Connection, now: dt.datetime) -> int:
    """How many new terms today's reviews introduced."""
    return len(new_terms_today(conn, now))


# ---------------------------------------------------------------- sessions


# A card a session may show: active, its post there, not suspended, not deleted.
_SHOWN = "c.active = 1 AND d.suspended_at IS NULL AND d.deleted_at IS NULL"
_COLUMNS = "c.id, c.slug, c.norm_term, c.kind, s.due, s.state"
_READING = "p.rank, p.id, c.position, c.kind, c.id"


def _cards(pool: set[str] | None) -> tuple[str, tuple]:
    """The FROM clause of a pool's cards (the pool's ids first, so a topic's few cards are read by
    their keys) and its parameters; every card when pool is None."""
    if pool is None:
        return "cards c JOIN posts p ON p.id = c.post_id", ()
    return ("json_each(?) j CROSS JOIN cards c ON c.id = j.value JOIN posts p ON p.id = c.post_id",
            (json.dumps(sorted(pool)),))


def _scheduled(conn: sqlite3.Connection, pool: set[str] | None, where: str, params: tuple, limit: int,
               kinds: tuple[str, ...] | None = None) -> list:
    """Scheduled cards of the pool matching where, soonest due first (then in reading order), by the
    index of due dates."""
    src, pooled = _cards(pool)
    if pool is None:
        src = "card_schedule s JOIN cards c ON c.id = s.card_id JOIN posts p ON p.id = c.post_id"
    else:
        src += " JOIN card_schedule s ON s.card_id = c.id"
    of_kinds = f" AND c.kind IN ({','.join('?' * len(kinds))})" if kinds else ""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM {src} LEFT JOIN card_decisions d ON d.card_id = c.id"
        f" WHERE {where} AND {_SHOWN}{of_kinds} ORDER BY s.due, {_READING} LIMIT ?",
        (*pooled, *params, *(kinds or ()), limit),
    ).fetchall()


def _new(conn: sqlite3.Connection, pool: set[str] | None, kinds: tuple[str, ...], limit: int, offset: int,
         terms: set[str] | None = None) -> list:
    """Cards never reviewed of the mode's kinds, in reading order (the posts' order, then the position
    in the post), limit of them from offset; or only those of these terms."""
    src, pooled = _cards(pool)
    if pool is None and terms is None and walk_posts(conn, kinds):
        src = "posts p CROSS JOIN cards c ON c.post_id = p.id"  # by the posts' rank, then each post's cards
    marks = ",".join("?" * len(kinds))
    only = " AND c.norm_term IN (SELECT value FROM json_each(?))" if terms is not None else ""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM {src} LEFT JOIN card_schedule s ON s.card_id = c.id"
        f" LEFT JOIN card_decisions d ON d.card_id = c.id"
        f" WHERE s.card_id IS NULL AND {_SHOWN} AND c.kind IN ({marks}){only} ORDER BY {_READING} LIMIT ? OFFSET ?",
        (*pooled, *kinds, *((json.dumps(sorted(terms)),) if terms is not None else ()), limit, offset),
    ).fetchall()


def walk_posts(conn: sqlite3.Connection, kinds: tuple[str, ...]) -> bool:
    """Whether new cards are read by walking the posts in reading order (the index of ranks, then each
    post's cards by the index of positions), which stops once enough are found, rather than by sorting
    every card of these kinds: when new cards are dense among the posts (most posts define a term
    nobody has reviewed yet). Estimated from the tables' largest row ids, which cost nothing to read."""
    top = [conn.execute(f"SELECT MAX(rowid) FROM {t}").fetchone()[0] or 0 for t in ("cards", "card_schedule", "posts")]
    fresh = top[0] * len(kinds) / len(MODES["mixed"]) - top[1]
    return fresh * 4 >= top[2]


def _bucket(r) -> str:
    return "new" if not r["due"] else "learning" if r["state"] in LEARNING_STATES else "due"


def pick(conn: sqlite3.Connection, *, kinds: tuple[str, ...], pool: set[str] | None, count: int,
         cram: bool = False, new_per_day: int = NEW_PER_DAY, now: dt.datetime | None = None,
         new: int | None = None) -> dict:
    """The session's cards, count distinct ones: due cards of every kind first (most overdue first),
    then new cards of the mode's kinds up to the daily limit of new terms (new: this many new terms
    now, whatever today's limit says), then learning cards due within LEARN_AHEAD.

    Returns ids, each card's bucket ("due", "learning" or "new") and what the limit held back. With
    cram, any cards of the pool in the mode's kinds, soonest due first: practice that records nothing.
    Every part is an indexed query that reads about as many cards as it takes.
    """
    now = now or now_utc()
    at, ahead = stamp(now), stamp(now + LEARN_AHEAD)
    if cram:
        chosen = _scheduled(conn, pool, "s.due <= ?", (at,), count, kinds)
        chosen += _fresh(conn, pool, kinds, set(), None, count - len(chosen))[0]
        if len(chosen) < count:
            chosen += _scheduled(conn, pool, "s.due > ?", (at,), count - len(chosen), kinds)
        return _picked(chosen, {"per_day": new_per_day, "today": 0, "room": None, "held_back": 0})
    chosen = _scheduled(conn, pool, "s.due <= ?", (at,), count)
    today = new_terms_today(conn, now)
    room = max(0, new_per_day - len(today)) if new is None else new
    taken: set[str] = set()
    if len(chosen) < count:
        fresh, taken = _fresh(conn, pool, kinds, today, room, count - len(chosen))
        chosen += fresh
    if len(chosen) < count:
        chosen += _scheduled(conn, pool, f"s.due > ? AND s.due <= ? AND s.state IN ({','.join('?' * len(LEARNING_STATES))})",
                             (at, ahead, *LEARNING_STATES), count - len(chosen))
    held = _waiting(conn, pool, kinds, today | taken) if len(taken) >= room and len(chosen) < count else 0
    return _picked(chosen, {"per_day": new_per_day if new is None else new, "today": len(today),
                            "room": room, "held_back": held})


def _waiting(conn: sqlite3.Connection, pool: set[str] | None, kinds: tuple[str, ...], met: set[str]) -> int:
    """How many terms have new cards of these kinds besides those met (the limit holds them back), counted in SQL."""
    src, pooled = _cards(pool)
    return conn.execute(
        f"SELECT COUNT(DISTINCT c.norm_term) FROM {src} LEFT JOIN card_schedule s ON s.card_id = c.id"
        f" LEFT JOIN card_decisions d ON d.card_id = c.id WHERE s.card_id IS NULL AND {_SHOWN}"
        f" AND c.kind IN ({','.join('?' * len(kinds))}) AND c.norm_term NOT IN (SELECT value FROM json_each(?))",
        (*pooled, *kinds, json.dumps(sorted(met))),
    ).fetchone()[0]


# New cards are read at least NEW_BATCH at a time, NEW_PER_CARD for each card wanted (a term has up to
# four kinds, and those of terms the limit holds back are read too); twice as many each round after.
NEW_BATCH = 64
NEW_PER_CARD = 8


def _fresh(conn: sqlite3.Connection, pool: set[str] | None, kinds: tuple[str, ...], today: set[str],
           room: int | None, want: int) -> tuple[list, set[str]]:
    """(the first want new cards a session takes, the new terms among them): in _spread's order, a term
    already met today free, others while room lasts (None: no limit). New cards are read in reading
    order a batch at a time, until the cards not read yet could change nothing."""
    if want <= 0:
        return [], set()
    pending = {r["norm_term"] for r in _new(conn, pool, kinds, -1, 0, today)} if today else set()
    rows: list = []
    batch = max(NEW_BATCH, NEW_PER_CARD * want)
    while True:
        got = _new(conn, pool, kinds, batch, len(rows))
        rows += got
        done = _choose(rows, today, room, want, len(got) < batch, pending)
        if done is not None:
            return done
        batch *= 2


def _choose(rows: list, today: set[str], room: int | None, want: int, complete: bool,
            pending: set[str]) -> tuple[list, set[str]] | None:
    """pick's choice among the new cards read so far (rows, a prefix of reading order; complete: all of
    them), or None when cards not read yet may still be chosen. Those come after every key below the
    last term's, so the choice is final once it is made below it, or when nothing unread can be taken:
    the day's room is used up, and no term met today (pending) or taken has cards left unread."""
    order = _spread(rows)
    index: dict[str, int] = {}
    for r in rows:
        index.setdefault(r["norm_term"], len(index))
    last = None if complete or not rows else rows[-1]["norm_term"]
    unread = pending - {t for t in index if t != last}
    chosen: list = []
    taken: set[str] = set()
    for r in order:
        if len(chosen) >= want:
            break
        key = index[r["norm_term"]] + KIND_SPACING * KIND_ORDER.get(r["kind"], 0)
        if last is not None and key >= index[last]:
            full = room is not None and len(taken) >= room
            if not full or unread or last in today or last in taken:
                return None
            last = None  # nothing unread can be taken: the rest of what was read decides
        if r["norm_term"] in today or r["norm_term"] in taken:
            chosen.append(r)  # a term already met today: its other kinds cost nothing more
        elif room is None or len(taken) < room:
            taken.add(r["norm_term"])
            chosen.append(r)
    if len(chosen) < want and last is not None:
        return None
    return chosen, taken


def _picked(chosen: list, limit: dict) -> dict:
    buckets = {r["id"]: _bucket(r) for r in chosen}
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
    rows = _scheduled(conn, pool, "s.due > ?", (stamp(after or now_utc()),), 1)
    return rows[0]["due"] if rows else None


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
