"""The interactive quiz: one card at a time on a cleared screen, the answer, then a grade among four
whose intervals are shown; u undoes, s suspends, e edits, q quits; a summary at the end.

Keys come one at a time from a terminal, a line at a time from a pipe (kb.quiz.keys); the session's
queue is kb.quiz.session, what is printed kb.quiz.view.
"""
from __future__ import annotations

import random

from kb.errors import KbError
from kb.quiz import questions, schedule, view
from kb.quiz.keys import Keys  # noqa: F401 - the CLI and kb browse take the keys from here
from kb.quiz.session import Session

GRADE_KEYS = "1234"
COMMANDS = {"u": "undo", "s": "suspend", "e": "edit", "q": "quit"}


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
    return _summary(conn, console, session, picked, pool=pool, cram=cram, finished=finished)


def _card(conn, console, keys: Keys, session: Session, cid: str, pool, rng) -> str | None:
    """Ask one card; returns "quit" to end the session (anything else: go on to session.next())."""
    q = view.readable(questions.question(conn, cid, pool=pool, rng=rng))
    view.start(console, session, cid, q)
    asked = _ask(console, keys, q)
    if isinstance(asked, str):
        return _command(conn, console, session, q, asked)
    proposal, answer = asked
    view.grades(console, session.intervals(cid), proposal)
    k = keys.wait_for(GRADE_KEYS + "\n" + "".join(COMMANDS))
    if k in COMMANDS:
        return _command(conn, console, session, q, COMMANDS[k])
    rating = int(k) if k in GRADE_KEYS else proposal
    session.grade(cid, rating, kind=q["kind"], answer=answer)
    return None


def _ask(console, keys: Keys, q: dict) -> tuple[int, str | None] | str:
    """The question's own part: (the grade proposed, what was answered), or a command's name."""
    kind = q["kind"]
    if kind == "definition":
        view.prompt(console, f"Enter: show the answer · {view.CONTROL_KEYS}")
        k = keys.wait_for("\n" + "".join(COMMANDS))
        if k in COMMANDS:
            return COMMANDS[k]
        view.answer(console, q)
        return 3, None  # Enter on the answer side is Good, as in Anki
    if kind == "choice":
        view.choices(console, q)
        numbers = "".join(str(n) for n in range(1, len(q["choices"]) + 1))
        view.prompt(console, f"1-{len(q['choices'])}: choose · {view.CONTROL_KEYS}")
        k = keys.wait_for(numbers + "".join(COMMANDS))
        if k in COMMANDS:
            return COMMANDS[k]
        chosen = q["choices"][int(k) - 1]
        right = int(k) - 1 == q["right"]
        view.verdict(console, right, "right" if right else f"the answer: {q['answer']}")
        view.answer(console, q, shown_answer=False)
        return (3 if right else 1), chosen
    what = "the other-language name?" if kind == "alias" else "which term?"
    view.prompt(console, f"{what} type it and Enter (Enter alone: show it; u, s, e, q alone: undo, suspend, edit, quit)")
    line = keys.line()
    if line is None:
        return "quit"
    if line.strip().lower() in COMMANDS:
        return COMMANDS[line.strip().lower()]
    graded = questions.grade_typed(line, q["accepted"])
    if graded["verdict"] == "right":
        note = f" (typo; the answer: {graded['expected']})" if graded["typo"] else f": {q['answer']}"
        view.verdict(console, True, "right" + note)
        view.answer(console, q, shown_answer=False)
        return 3, line
    if graded["verdict"] == "near":
        view.near_miss(console, line, questions.diff_parts(questions.normalize_answer(line), graded["expected"]))
        view.answer(console, q, shown_answer=False)
        return 1, line
    view.verdict(console, False, f"the answer: {q['answer']}" if line.strip() else q["answer"])
    view.answer(console, q, shown_answer=False)
    return 1, line


def _command(conn, console, session: Session, q: dict, what: str) -> str | None:
    if what == "quit":
        return "quit"
    try:
        if what == "undo":
            session.undo()
        elif what == "suspend":
            session.suspend({"id": q["card_id"], "term": q["term"], "kind": q["kind"],
                             "norm_term": _norm(conn, q["card_id"])})
        elif what == "edit":
            _edit(conn, session, q)
    except KbError as exc:  # a read-only database, an editor that failed: say so, go on
        session.notice = f"kb: {exc}"
    return None


def _norm(conn, cid: str) -> str:
    return conn.execute("SELECT norm_term FROM cards WHERE id = ?", (cid,)).fetchone()[0]


def _edit(conn, session: Session, q: dict) -> None:
    """$EDITOR on the card (as kb cards edit ID): its concept's term and definition, undoable."""
    from kb.cards import control, decisions

    norm = _norm(conn, q["card_id"])
    ids = decisions.concept_ids(norm)
    saved = decisions.of(conn, ids)
    saved = {cid: saved.get(cid) for cid in ids}
    done = control.edit(conn, q["card_id"], editor=True)
    if done["changed"]:
        session.edited({"id": q["card_id"], "term": done["term"]}, saved)
    else:
        session.again = q["card_id"]
        session.notice = "edit cancelled: the card is unchanged"


def _summary(conn, console, session: Session, picked: dict, *, pool, cram: bool, finished: bool) -> dict:
    results = session.results
    summary = {
        "reviewed": len(results),
        "right": sum(1 for _, r in results if r > 1),
        "next_due": None if cram else schedule.next_due(conn, pool),
        "learning": 0 if cram else len(session.learning),
        "recorded": not cram,
        "cram": cram,
        "limit": None,
    }
    limit = picked.get("limit") or {}
    if finished and not cram and limit.get("held_back"):  # the limit is why the session ends here
        summary["limit"] = limit
    view.summary(console, summary)
    return summary
