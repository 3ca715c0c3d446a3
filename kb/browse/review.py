"""A review inside kb browse, with kb quiz's rules: the cards kb.quiz.schedule picks, the questions of
kb.quiz.questions, the same grades for the same answers, each stored at once as kb quiz stores it.

Plain Python (no Textual): the review screen maps keys to these methods and shows what they return.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from kb.quiz import questions, schedule
from kb.text import now_utc, parse_stamp

GRADE_KEYS = "1234"


@dataclass
class Pool:
    """Which cards a review draws from, and how to name them: a post's, a topic's, or every card."""

    label: str
    ids: set[str] | None  # None: every card


def post_pool(conn: sqlite3.Connection, slug: str) -> Pool:
    """The cards of the concepts the post defines (a card may show another post's wording of it)."""
    return Pool(f"the cards of {slug}", _cards_of(conn, [slug]))


def _cards_of(conn: sqlite3.Connection, slugs: list[str]) -> set[str]:
    marks = ",".join("?" * len(slugs))
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT c.id FROM cards c JOIN card_sources s ON s.norm_term = c.norm_term"
        f" JOIN posts p ON p.id = s.post_id WHERE c.active = 1 AND p.slug IN ({marks})", slugs)}


def topic_pool(conn: sqlite3.Connection, query: str, category: str | None, listed: list[str]) -> Pool:
    """The topic in view: what the search box says (as kb quiz --topic would take it), narrowed to the
    category filter; without a query the category; without either every card.

    Search words that are no topic, category or all-matching terms (a prefix the list matched while
    typing, gumbe) stand for the posts listed.
    """
    from kb.errors import NotFound
    from kb.quiz import topics

    if not query.strip():
        if not category:
            return Pool("all cards", None)
        return Pool(f"category {category}", topics.card_ids(conn, topics.resolve(conn, category)))
    try:
        topic = topics.resolve(conn, query)
        pool = Pool(f"{topic.source} {topic.name}", topics.card_ids(conn, topic))
    except NotFound:
        return Pool(f"the {len(listed)} posts listed", _cards_of(conn, listed) if listed else set())
    if category:
        in_category = topics.card_ids(conn, topics.resolve(conn, category))
        pool = Pool(f"{pool.label} in {category}", (pool.ids or set()) & in_category)
    return pool


@dataclass
class Step:
    """What the screen shows after a key: a line of feedback, and whether the card is done."""

    feedback: str = ""
    style: str = ""  # green (right), red (wrong), "" (plain)
    done: bool = False


@dataclass
class Review:
    """One review session: the picked cards in order, the current one's stage, the ratings given."""

    conn: sqlite3.Connection
    picked: dict
    mode: str
    pool: set[str] | None
    cram: bool = False
    retention: float | None = None
    index: int = 0
    stage: str = "ask"  # ask → (definition) answer, (typed) near; then the next card
    ratings: list[int] = field(default_factory=list)
    _question: dict | None = None
    _typed: str | None = None

    @property
    def finished(self) -> bool:
        return self.index >= len(self.picked["ids"])

    @property
    def header(self) -> str:
        ids = self.picked["ids"]
        head = f"card {self.index + 1} of {len(ids)} · due {self.picked['due']} · new {self.picked['new']}"
        return head + (" · cram" if self.cram else "")

    def question(self) -> dict:
        """The current card's question, its formulas readable (kb show's Unicode), as kb quiz shows it."""
        if self._question is None:
            self._question = shown(questions.question(self.conn, self.picked["ids"][self.index], pool=self.pool))
        return self._question

    def hint(self) -> str:
        q = self.question()
        if self.stage == "near":
            return "count it as right? y/n · q: quit"
        if q["kind"] == "definition":
            return "Enter: show the answer · q: quit" if self.stage == "ask" else "1 Again · 2 Hard · 3 Good · 4 Easy · q: quit"
        if q["kind"] == "choice":
            return f"1-{len(q['choices'])}: choose · q: quit"
        what = "the other-language name?" if q["kind"] == "alias" else "which term?"
        return f"{what} (type it, Enter to give up, q alone to quit)"

    # ---------------------------------------------------------------- the answers

    def reveal(self) -> None:
        """Enter on a definition card: the answer shows, the grade keys apply."""
        if self.question()["kind"] == "definition" and self.stage == "ask":
            self.stage = "answer"

    def grade(self, rating: int) -> Step:
        """1-4 after the answer of a definition card showed."""
        if self.question()["kind"] != "definition" or self.stage != "answer":
            return Step()
        return self._record(rating, None, Step(done=True))

    def choose(self, number: int) -> Step:
        """1-n on a choice card."""
        q = self.question()
        if q["kind"] != "choice" or not 1 <= number <= len(q["choices"]):
            return Step()
        chosen = q["choices"][number - 1]  # as kb quiz records it: the choice as shown
        if number - 1 == q["right"]:
            return self._record(3, chosen, Step("✓ right", "green", True))
        return self._record(1, chosen, Step(f"✗ the answer: {q['answer']}", "red", True))

    def type_answer(self, line: str) -> Step:
        """A typed answer (reverse and alias cards): right, a near miss to confirm, or wrong."""
        q = self.question()
        if q["kind"] not in ("reverse", "alias") or self.stage != "ask":
            return Step()
        graded = questions.grade_typed(line, q["accepted"])
        if graded["verdict"] == "right":
            note = f" (typo; the answer: {graded['expected']})" if graded["typo"] else ""
            return self._record(3, line, Step("✓ right" + note, "green", True))
        if graded["verdict"] == "near":
            self.stage, self._typed = "near", line
            shown_diff = "".join(f"[{piece}]" if how == "missed" else piece for piece, how in
                                 questions.diff_parts(questions.normalize_answer(line), graded["expected"]))
            return Step(f"close: you typed {line.strip()}; the answer, [what differs]: {shown_diff}")
        return self._record(1, line, Step(f"✗ the answer: {q['answer']}", "red", True))

    def confirm(self, yes: bool) -> Step:
        """y or n after a near miss: Hard or Again, as kb quiz grades it."""
        if self.stage != "near":
            return Step()
        line, self._typed = self._typed, None
        return self._record(2 if yes else 1, line, Step("✓ counted as right" if yes else "✗ counted as wrong",
                                                         "green" if yes else "red", True))

    def _record(self, rating: int, answer: str | None, step: Step) -> Step:
        q = self.question()
        if not self.cram:
            schedule.review(self.conn, q["card_id"], rating, mode=q["kind"], answer=answer, retention=self.retention)
        self.ratings.append(rating)
        self.index += 1
        self.stage, self._question = "ask", None
        return step

    def summary(self) -> str:
        """kb quiz's closing line: how many reviewed and right, when the next card is due."""
        right = sum(1 for r in self.ratings if r > 1)
        line = f"reviewed {len(self.ratings)} · right {right}"
        if self.cram:
            return line + " · cram: nothing recorded"
        nxt = schedule.next_due(self.conn, self.pool)
        return line + (f" · next due {when(nxt)}" if nxt else "")


def shown(q: dict) -> dict:
    """A question with its post text readable (formulas in Unicode); choices compared by position."""
    from kb.show.article import readable

    out = dict(q)
    for key in ("question", "answer"):
        out[key] = readable(q[key])
    if q["choices"]:
        out["choices"] = [readable(c) for c in q["choices"]]
        out["right"] = q["choices"].index(q["answer"])
    return out


def when(iso: str) -> str:
    due = parse_stamp(iso)
    secs = (due - now_utc()).total_seconds()
    at = due.strftime("%Y-%m-%d %H:%M UTC")
    if secs <= 0:
        return f"now ({at})"
    if secs < 3600:
        return f"in {max(1, round(secs / 60))} min ({at})"
    if secs < 86400:
        return f"in {round(secs / 3600)} h ({at})"
    return f"in {round(secs / 86400)} days ({at})"
