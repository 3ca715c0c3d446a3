"""A review session's queue, as Anki runs one: the picked cards in order, a card in learning steps
(graded Again, or new and not yet graduated) back once its step is over — or early, when nothing else
is left (learn-ahead) — the new / learning / due counts as they change, and undo of the last grades,
suspensions and edits. No screen here: kb.quiz.screen (and any other front end) drives a Session.

Grades are committed as given (kb.quiz.schedule.review); with cram the FSRS states live in memory
and nothing is recorded.
"""
from __future__ import annotations

import copy
import datetime as dt
import sqlite3
from typing import Callable

from kb.cards import decisions
from kb.quiz import schedule
from kb.store.transaction import transaction
from kb.text import now_utc, parse_stamp


class Session:
    """The cards of schedule.pick(), served one at a time by next(), graded by grade()."""

    def __init__(self, conn: sqlite3.Connection, picked: dict, *, mode: str = "flashcard", cram: bool = False,
                 retention: float | None = None, clock: Callable[[], dt.datetime] = now_utc):
        self.conn, self.mode, self.cram, self.retention, self.clock = conn, mode, cram, retention, clock
        self.total = len(picked["ids"])
        buckets = picked.get("buckets") or {}
        self.bucket = {cid: buckets.get(cid, "new") for cid in picked["ids"]}
        # The cards still to show: the queue in order, and those in learning steps by when they are due.
        self.queue = [cid for cid in picked["ids"] if self.bucket[cid] != "learning"]
        self.learning: dict[str, dt.datetime] = {}
        for cid in picked["ids"]:
            if self.bucket[cid] == "learning":
                row = conn.execute("SELECT due FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()
                self.learning[cid] = parse_stamp(row[0]) if row else clock()
        self.number: dict[str, int] = {}  # card i of n: the order cards were first shown in
        self.results: list[tuple[str, int]] = []
        self.states: dict = {}  # cram: each card's FSRS state in memory
        self.history: list[tuple] = []  # undo: (what, card id, what it needs, the session before)
        self.last: str | None = None
        self.again: str | None = None  # a card to ask again at once (undone, edited)
        self.notice: str | None = None  # what the last action did, for the next screen

    # ------------------------------------------------------------ what comes next

    def next(self) -> str | None:
        """The card to show now: an undone or edited card; else a learning card whose step is over
        (not the one just answered while others wait); else the queue's next; else, learn-ahead, the
        learning card due soonest within schedule.LEARN_AHEAD. None: the session is over."""
        if self.again is not None:
            cid = self.again
            self.again = None
            if cid in self.queue or cid in self.learning:
                return self._shown(cid)
        now = self.clock()
        ready = sorted((due, cid) for cid, due in self.learning.items() if due <= now)
        fresh = [cid for _, cid in ready if cid != self.last]
        if fresh:
            return self._shown(fresh[0])
        if self.queue:
            return self._shown(self.queue[0])
        soon = sorted((due, cid) for cid, due in self.learning.items() if due - now <= schedule.LEARN_AHEAD)
        if len(soon) > 1 and soon[0][1] == self.last:
            soon = soon[1:]
        return self._shown(soon[0][1]) if soon else None

    def _shown(self, cid: str) -> str:
        self.number.setdefault(cid, len(self.number) + 1)
        return cid

    def counts(self) -> dict[str, int]:
        """new / learning / due: the cards still to show, the one on screen included."""
        out = {"new": 0, "learning": len(self.learning), "due": 0}
        for cid in self.queue:
            out["new" if self.bucket[cid] == "new" else "due"] += 1
        return out

    def returning(self, cid: str) -> bool:
        """Whether this card was shown before in this session (it is back from a learning step)."""
        return any(c == cid for c, _ in self.results)

    # ------------------------------------------------------------ grading

    def state(self, cid: str):
        """The card's FSRS state now: cram's in memory, else the stored one."""
        if cid in self.states:
            return self.states[cid]
        return schedule.fsrs_card(self.conn, cid, self.clock())

    def intervals(self, cid: str) -> dict[int, dt.timedelta]:
        """rating → the interval it would give this card now (nothing committed)."""
        return schedule.preview(self.state(cid), self.clock(), self.retention)

    def grade(self, cid: str, rating: int, *, kind: str | None = None, answer: str | None = None) -> dict:
        """Grade the card (committed unless cram); a card left in learning steps comes back later."""
        before = self._snapshot()
        now = self.clock()
        if self.cram:
            card, _ = schedule.next_state(self.state(cid), rating, now, self.retention)
            self.states[cid] = card
            done = {"card_id": cid, "rating": rating, "cram": True, "due": card.due,
                    "learning": int(card.state) in schedule.LEARNING_STATES}
        else:
            done = schedule.review(self.conn, cid, rating, mode=kind or self.mode, answer=answer, now=now,
                                   retention=self.retention)
            done = done | {"due": parse_stamp(done["due"])}
        self._remove(cid)
        if done["learning"]:
            self.learning[cid] = done["due"]
            self.bucket[cid] = "learning"
        self.results.append((cid, rating))
        self.history.append(("grade", cid, done, before))
        self.last = cid
        return done

    def _remove(self, cid: str) -> None:
        if cid in self.queue:
            self.queue.remove(cid)
        self.learning.pop(cid, None)

    # ------------------------------------------------------------ card control

    def suspend(self, card: dict) -> None:
        """Suspend the card (kb cards suspend): out of this session and every later one."""
        before = self._snapshot()
        with transaction(self.conn):
            saved = {card["id"]: decisions.of(self.conn, [card["id"]]).get(card["id"])}
            decisions.set_suspended(self.conn, card, True)
        self._remove(card["id"])
        self.history.append(("suspend", card["id"], saved, before))
        self.notice = f"suspended: {card['term']} ({card['kind']}) · u: undo · kb cards unsuspend {card['id']}"

    def edited(self, card: dict, saved: dict) -> None:
        """Record an edit made to the card's concept (saved: its decisions before), to ask it again."""
        self.history.append(("edit", card["id"], saved, self._snapshot()))
        self.again = card["id"]
        self.notice = f"edited: {card['term']} · u: undo"

    def undo(self) -> str | None:
        """Take back the last grade, suspension or edit: the review row deleted and the schedule as it
        was (or the decision as it was), the card asked again. Returns what was undone, or None."""
        if not self.history:
            self.notice = "nothing to undo"
            return None
        what, cid, data, before = self.history.pop()
        if what == "grade" and not data.get("cram"):
            schedule.undo(self.conn, data)
        elif what in ("suspend", "edit"):
            with transaction(self.conn):
                decisions.restore(self.conn, data)
        self._restore(before)
        self.again = cid
        self.notice = f"undone: {'the grade' if what == 'grade' else 'the ' + ('suspension' if what == 'suspend' else 'edit')}"
        return what

    def _snapshot(self) -> tuple:
        return (list(self.queue), dict(self.learning), dict(self.bucket), list(self.results),
                copy.copy(self.states), self.last)

    def _restore(self, snap: tuple) -> None:
        self.queue, self.learning, self.bucket, self.results, self.states, self.last = (
            list(snap[0]), dict(snap[1]), dict(snap[2]), list(snap[3]), copy.copy(snap[4]), snap[5])
