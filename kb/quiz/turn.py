"""One card's turn in a review, the same in kb quiz and kb browse: what an answer is worth (the grade
Enter proposes, the verdict), the grade given, the commands u / s / e / q on the Session, the summary.

No keys and no screen here: kb.quiz.screen reads them from a terminal or a pipe, kb.browse.studying
from a Textual screen; both show what kb.quiz.view prints.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kb.errors import KbError
from kb.quiz import questions, schedule, view
from kb.quiz.session import Session

GRADE_KEYS = "1234"
COMMANDS = {"u": "undo", "s": "suspend", "e": "edit", "q": "quit"}


@dataclass
class Answered:
    """What the answer side shows and what the grade records."""

    proposal: int  # the grade Enter gives: Good after a definition card's answer or a right one, else Again
    answer: str | None  # what is recorded as the answer: a choice as shown, a typed line
    right: bool | None = None  # the verdict; None: none (a definition card's answer shown)
    text: str = ""  # the verdict's words
    near: list[tuple[str, str]] | None = None  # a near miss: the answer's parts, what differs marked


def ask(conn, cid: str, *, pool: set[str] | None, rng=None) -> dict:
    """The card's question as it is shown (formulas readable); a card back asks anew (choices reshuffled)."""
    return view.readable(questions.question(conn, cid, pool=pool, rng=rng))


def prompt(q: dict) -> str:
    """The keys a question takes before its answer."""
    if q["kind"] == "definition":
        return f"Enter: show the answer · {view.CONTROL_KEYS}"
    if q["kind"] == "choice":
        return f"1-{len(q['choices'])}: choose · {view.CONTROL_KEYS}"
    what = "the other-language name?" if q["kind"] == "alias" else "which term?"
    return f"{what} type it and Enter (Enter alone: show it; u, s, e, q alone: undo, suspend, edit, quit)"


def reveal(q: dict) -> Answered:
    """Enter on a definition card: its answer; Enter on the grades is then Good, as in Anki."""
    return Answered(3, None)


def choose(q: dict, number: int) -> Answered:
    """A choice's number (1-based): right or wrong; what is recorded is the choice as shown."""
    right = number - 1 == q["right"]
    return Answered(3 if right else 1, q["choices"][number - 1], right,
                    "right" if right else f"the answer: {q['answer']}")


def typed(q: dict, line: str) -> Answered:
    """A typed answer (reverse and alias cards): right (a typo forgiven), a near miss, or wrong."""
    graded = questions.grade_typed(line, q["accepted"])
    if graded["verdict"] == "right":
        note = f" (typo; the answer: {graded['expected']})" if graded["typo"] else f": {q['answer']}"
        return Answered(3, line, True, "right" + note)
    if graded["verdict"] == "near":
        return Answered(1, line, near=questions.diff_parts(questions.normalize_answer(line), graded["expected"]))
    return Answered(1, line, False, f"the answer: {q['answer']}" if line.strip() else q["answer"])


def show(console, q: dict, answered: Answered) -> None:
    """The answer side as view prints it: the verdict (or the near miss), the answer, its post."""
    if answered.near is not None:
        view.near_miss(console, answered.answer or "", answered.near)
    elif answered.right is not None:
        view.verdict(console, answered.right, answered.text)
    view.answer(console, q, shown_answer=answered.right is None and answered.near is None)


def grade(session: Session, cid: str, q: dict, answered: Answered, key: str) -> dict:
    """A grade key (1-4; Enter: the one proposed), committed by the session."""
    rating = int(key) if key in GRADE_KEYS else answered.proposal
    return session.grade(cid, rating, kind=q["kind"], answer=answered.answer)


def command(conn, session: Session, q: dict, what: str,
            editing: Callable[[Callable[[], dict]], dict] | None = None) -> str | None:
    """u, s, e or q on the card: "quit" ends the session, anything else goes on to session.next().
    editing runs the $EDITOR step (kb browse hands the terminal over to it first)."""
    if what == "quit":
        return "quit"
    try:
        if what == "undo":
            session.undo()
        elif what == "suspend":
            session.suspend({"id": q["card_id"], "term": q["term"], "kind": q["kind"],
                             "norm_term": norm_term(conn, q["card_id"])})
        elif what == "edit":
            edit(conn, session, q, editing)
    except KbError as exc:  # a read-only database, an editor that failed: say so, go on
        session.notice = f"kb: {exc}"
    return None


def norm_term(conn, cid: str) -> str:
    return conn.execute("SELECT norm_term FROM cards WHERE id = ?", (cid,)).fetchone()[0]


def edit(conn, session: Session, q: dict, editing: Callable[[Callable[[], dict]], dict] | None = None) -> None:
    """$EDITOR on the card (as kb cards edit ID): its concept's term and definition, undoable."""
    from kb.cards import control, decisions

    norm = norm_term(conn, q["card_id"])
    ids = decisions.concept_ids(norm)
    saved = decisions.of(conn, ids)
    saved = {cid: saved.get(cid) for cid in ids}
    done = (editing or (lambda run: run()))(lambda: control.edit(conn, q["card_id"], editor=True))
    if done["changed"]:
        session.edited({"id": q["card_id"], "term": done["term"]}, saved)
    else:
        session.again = q["card_id"]
        session.notice = "edit cancelled: the card is unchanged"


def summary(conn, session: Session, picked: dict, *, pool, cram: bool, finished: bool) -> dict:
    """{reviewed, right, next_due, learning, recorded, cram, limit}: the daily limit only when it is
    why a finished session ends here."""
    results = session.results
    out = {
        "reviewed": len(results),
        "right": sum(1 for _, r in results if r > 1),
        "next_due": None if cram else schedule.next_due(conn, pool),
        "learning": 0 if cram else len(session.learning),
        "recorded": not cram,
        "cram": cram,
        "limit": None,
    }
    limit = picked.get("limit") or {}
    if finished and not cram and limit.get("held_back"):
        out["limit"] = limit
    return out
