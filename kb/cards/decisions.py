"""What the user decided about cards (card_decisions, keyed by card id): suspended, deleted, edited.

Kept apart from the derived cards, so re-import, rebuild, `kb doctor --fix` and `kb forget` leave it
alone; a card id depends on its term and kind only, so a decision holds whenever that card is derived.
As Anki does with notes and cards: suspension is one card's, deletion and edits are the concept's
(every kind of its term). Every function runs inside the caller's transaction.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kb.cards.concepts import KINDS, card_id
from kb.errors import Ambiguous, NotFound, UsageError
from kb.text import stamp

TABLE = "card_decisions"
COLUMNS = ("card_id", "norm_term", "suspended_at", "deleted_at", "term", "definition", "edited_at")
MIN_PREFIX = 4


@dataclass
class Decision:
    card_id: str
    norm_term: str | None = None
    suspended_at: str | None = None
    deleted_at: str | None = None
    term: str | None = None
    definition: str | None = None
    edited_at: str | None = None

    @property
    def edited(self) -> bool:
        return self.edited_at is not None


def _has_table(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)).fetchone() is not None


def of(conn: sqlite3.Connection, ids: list[str] | set[str] | None = None) -> dict[str, Decision]:
    """card id → its decision (only cards with one); all of them when ids is None."""
    if not _has_table(conn):  # a read-only database from before m012
        return {}
    cols = ", ".join(COLUMNS)
    if ids is None:
        rows = conn.execute(f"SELECT {cols} FROM {TABLE}").fetchall()
    else:
        wanted, rows = sorted(ids), []
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows += conn.execute(f"SELECT {cols} FROM {TABLE} WHERE card_id IN ({','.join('?' * len(chunk))})",
                                 chunk).fetchall()
    return {r[0]: Decision(*r) for r in rows}


def deleted(conn: sqlite3.Connection) -> set[str]:
    if not _has_table(conn):
        return set()
    return {r[0] for r in conn.execute(f"SELECT card_id FROM {TABLE} WHERE deleted_at IS NOT NULL")}


def suspended(conn: sqlite3.Connection) -> set[str]:
    if not _has_table(conn):
        return set()
    return {r[0] for r in conn.execute(f"SELECT card_id FROM {TABLE} WHERE suspended_at IS NOT NULL")}


def concept_ids(norm: str) -> list[str]:
    """The ids every kind of card of this term has (or would have)."""
    return [card_id(norm, kind) for kind in KINDS]


# ---------------------------------------------------------------- naming cards


def resolve(conn: sqlite3.Connection, wanted: str) -> dict:
    """The card an id names ({id, norm_term, term, kind}): its 16 hex digits, or a unique prefix of at
    least MIN_PREFIX of them (as git takes a commit). A deleted card is still found, to be brought back."""
    key = wanted.strip().lower()
    if len(key) < MIN_PREFIX or len(key) > 16 or any(ch not in "0123456789abcdef" for ch in key):
        raise UsageError(f"{wanted!r} is no card id (kb cards lists them: {MIN_PREFIX} to 16 hex digits)")
    bounds = (key, key + "g")  # every id starting with key, by the index
    found = {r[0]: {"id": r[0], "norm_term": r[1], "term": r[2], "kind": r[3]} for r in conn.execute(
        "SELECT id, norm_term, term, kind FROM cards WHERE id >= ? AND id < ? ORDER BY id LIMIT 6", bounds)}
    if _has_table(conn):
        for cid, norm in conn.execute(f"SELECT card_id, norm_term FROM {TABLE} WHERE card_id >= ? AND card_id < ?"
                                      " LIMIT 6", bounds):
            kind = next((k for k in KINDS if card_id(norm or "", k) == cid), "?")
            found.setdefault(cid, {"id": cid, "norm_term": norm, "term": norm, "kind": kind})
    if not found:
        raise NotFound(f"no card {wanted!r} (kb cards lists the cards and their ids)")
    if len(found) > 1:
        names = ", ".join(f"{c['id']} ({c['term']}, {c['kind']})" for c in list(found.values())[:5])
        raise Ambiguous(f"card id {wanted!r} is ambiguous: {names}")
    return next(iter(found.values()))


# ---------------------------------------------------------------- deciding


def _upsert(conn: sqlite3.Connection, cid: str, norm: str, **values) -> None:
    names = ", ".join(values)
    conn.execute(
        f"INSERT INTO {TABLE} (card_id, norm_term, {names}) VALUES (?, ?, {', '.join('?' * len(values))})"
        f" ON CONFLICT(card_id) DO UPDATE SET {', '.join(f'{k} = excluded.{k}' for k in values)}",
        (cid, norm, *values.values()),
    )


def _tidy(conn: sqlite3.Connection) -> None:
    # A row that decides nothing any more is no decision.
    conn.execute(f"DELETE FROM {TABLE} WHERE suspended_at IS NULL AND deleted_at IS NULL AND edited_at IS NULL")


def set_suspended(conn: sqlite3.Connection, card: dict, on: bool, now: str | None = None) -> bool:
    """Suspend (or unsuspend) one card; returns whether that changed anything."""
    before = of(conn, [card["id"]]).get(card["id"])
    was = bool(before and before.suspended_at)
    if was == on:
        return False
    _upsert(conn, card["id"], card["norm_term"], suspended_at=(now or stamp()) if on else None)
    _tidy(conn)
    return True


def set_deleted(conn: sqlite3.Connection, norm: str, on: bool, now: str | None = None) -> list[str]:
    """Delete (or bring back) a concept: every kind of its term. Returns the ids whose decision changed.

    The card rows themselves are the cards part's (kb.cards.store.apply_deletions)."""
    changed = []
    old = of(conn, concept_ids(norm))
    for cid in concept_ids(norm):
        was = bool(old.get(cid) and old[cid].deleted_at)
        if was != on:
            _upsert(conn, cid, norm, deleted_at=(now or stamp()) if on else None)
            changed.append(cid)
    _tidy(conn)
    return changed


def set_edit(conn: sqlite3.Connection, norm: str, term: str | None, definition: str | None,
             now: str | None = None) -> None:
    """The user's term and definition for a concept (every kind); None keeps the posts' wording of that
    part; both None drops the edit."""
    for value, what in ((term, "term"), (definition, "definition")):
        if value is not None and not value.strip():
            raise UsageError(f"an empty {what}: nothing to show on the card (kb cards delete takes a card away)")
    edited = None if term is None and definition is None else (now or stamp())
    for cid in concept_ids(norm):
        _upsert(conn, cid, norm, term=term.strip() if term else None,
                definition=definition.strip() if definition else None, edited_at=edited)
    _tidy(conn)


def restore(conn: sqlite3.Connection, saved: dict[str, Decision | None]) -> None:
    """Put decisions back as they were (the quiz's undo): card id → its decision, None for none."""
    for cid, d in saved.items():
        conn.execute(f"DELETE FROM {TABLE} WHERE card_id = ?", (cid,))
        if d is not None:
            conn.execute(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                         tuple(getattr(d, c) for c in COLUMNS))
