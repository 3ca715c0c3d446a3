"""The interactive quiz: one card at a time on a cleared screen, the answer, then a grade among four
whose intervals are shown; u undoes, s suspends, e edits, q quits; a summary at the end.

Keys come one at a time from a terminal, a line at a time from a pipe (kb.quiz.keys); the session's
queue is kb.quiz.session, a card's rules kb.quiz.turn (kb browse takes the same), what is printed
kb.quiz.view.
"""
from __future__ import annotations

import random

from kb.quiz import turn, view
from kb.quiz.keys import Keys  # noqa: F401 - the CLI takes the keys from here
from kb.quiz.session import Session
from kb.quiz.turn import COMMANDS, GRADE_KEYS


def run(conn, console, keys: Keys, picked: dict, *, mode: str, pool: set[str] | None, cram: bool,
        retention: float | None = None, rng: random.Random | None = None) -> dict:
    """Drill the picked cards until none is left or q; each grade is stored at once (unless cram).
    rng orders the choices (default: questions.shuffler(), a new order each time). Returns the
    summary: {reviewed, right, next_due, learning, recorded, limit}."""
    session = Session(conn, picked, mode=mode, cram=cram, retention=retention)
    finished = False
    try:
        while True:
            cid = session.next()
            if cid is None:
                finished = True
                break
            if _card(conn, console, keys, session, cid, pool, rng) == "quit":
                break
    except KeyboardInterrupt:
        console.print()  # a grade already given is stored; quitting here loses nothing
    summary = turn.summary(conn, session, picked, pool=pool, cram=cram, finished=finished)
    view.summary(console, summary)
    return summary


def _card(conn, console, keys: Keys, session: Session, cid: str, pool, rng) -> str | None:
    """Ask one card; returns "quit" to end the session (anything else: go on to session.next())."""
    q = turn.ask(conn, cid, pool=pool, rng=rng)
    view.start(console, session, cid, q)
    asked = _ask(console, keys, q)
    if isinstance(asked, str):
        return turn.command(conn, session, q, asked)
    turn.show(console, q, asked)
    view.grades(console, session.intervals(cid), asked.proposal)
    k = keys.wait_for(GRADE_KEYS + "\n" + "".join(COMMANDS))
    if k in COMMANDS:
        return turn.command(conn, session, q, COMMANDS[k])
    turn.grade(session, cid, q, asked, k)
    return None


def _ask(console, keys: Keys, q: dict) -> turn.Answered | str:
    """The question's own part: what was answered, or a command's name."""
    kind = q["kind"]
    if kind == "choice":
        view.choices(console, q)
    view.prompt(console, turn.prompt(q))
    if kind == "definition":
        k = keys.wait_for("\n" + "".join(COMMANDS))
        return COMMANDS[k] if k in COMMANDS else turn.reveal(q)
    if kind == "choice":
        numbers = "".join(str(n) for n in range(1, len(q["choices"]) + 1))
        k = keys.wait_for(numbers + "".join(COMMANDS))
        return COMMANDS[k] if k in COMMANDS else turn.choose(q, int(k))
    line = keys.line()
    if line is None:
        return "quit"
    if line.strip().lower() in COMMANDS:
        return COMMANDS[line.strip().lower()]
    return turn.typed(q, line)
