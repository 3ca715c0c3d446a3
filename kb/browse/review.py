"""A review inside kb browse, with kb quiz's rules: the cards kb.quiz.schedule picks, the questions of
kb.quiz.questions, the same keys (an answer, then a grade among four, Enter taking the one proposed)
giving the same grades, each stored at once as kb quiz stores it. Not yet kb quiz's sessions: no
learning steps within the review, no undo, suspend or edit (kb.quiz.session has them).

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
    stage: str = "ask"  # ask → answer (a definition card) or graded (choice, typed) → the next card
    ratings: list[int] = field(default_factory=list)
    _question: dict | None = None
    _typed: str | None = None
    _proposal: int = 3  # the grade Enter gives on the grades
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
        """The keys of the stage, as kb quiz prints them: after an answer, the grades with the interval each
        gives (from the scheduler, nothing committed) and the one Enter takes."""
        q = self.question()
        if self.stage in ("answer", "graded"):
            from kb.quiz import view

            card = schedule.fsrs_card(self.conn, q["card_id"])
            spans = schedule.preview(card, retention=self.retention)
            grades = " · ".join(f"{r} {schedule.RATINGS[r]} {view.interval_text(spans[r])}" for r in schedule.RATINGS)
            return f"{grades} · Enter: {self._proposal} {schedule.RATINGS[self._proposal]} · q: quit"
        if q["kind"] == "definition":
            return "Enter: show the answer · q: quit"
        if q["kind"] == "choice":
            return f"1-{len(q['choices'])}: choose · q: quit"
        what = "the other-language name?" if q["kind"] == "alias" else "which term?"
        return f"{what} (type it, Enter to give up, q alone to quit)"

    # ---------------------------------------------------------------- the answers

    def reveal(self) -> Step:
        """Enter: a definition card's answer shows; on the grades, the grade proposed is given."""
        if self.stage in ("answer", "graded"):
            return self.grade(self._proposal)
        if self.question()["kind"] == "definition" and self.stage == "ask":
            self.stage, self._proposal = "answer", 3  # Enter on the answer side is Good, as in Anki
        return Step()

    def grade(self, rating: int) -> Step:
        """1-4 once the answer showed (any kind): kb quiz's grades."""
        if self.stage not in ("answer", "graded"):
            return Step()
        return self._record(rating, self._typed, Step(done=True))

    def choose(self, number: int) -> Step:
        """1-n on a choice card: right or wrong shows, then the grades (Enter: Good if right, else Again)."""
        q = self.question()
        if q["kind"] != "choice" or self.stage != "ask" or not 1 <= number <= len(q["choices"]):
            return Step()
        self._typed = q["choices"][number - 1]  # as kb quiz records it: the choice as shown
        if number - 1 == q["right"]:
            return self._graded(3, Step("✓ right", "green"))
        return self._graded(1, Step(f"✗ the answer: {q['answer']}", "red"))

    def type_answer(self, line: str) -> Step:
        """A typed answer (reverse and alias cards): right, a near miss or wrong, then the grades."""
        q = self.question()
        if q["kind"] not in ("reverse", "alias") or self.stage != "ask":
            return Step()
        self._typed = line
        graded = questions.grade_typed(line, q["accepted"])
        if graded["verdict"] == "right":
            note = f" (typo; the answer: {graded['expected']})" if graded["typo"] else f": {q['answer']}"
            return self._graded(3, Step("✓ right" + note, "green"))
        if graded["verdict"] == "near":
            shown_diff = "".join(f"[{piece}]" if how == "missed" else piece for piece, how in
                                 questions.diff_parts(questions.normalize_answer(line), graded["expected"]))
            return self._graded(1, Step(f"close: you typed {line.strip()}; the answer, [what differs]: {shown_diff}"
                                        " · 2 Hard if it counts, 1 Again if not"))
        return self._graded(1, Step(f"✗ the answer: {q['answer']}" if line.strip() else f"✗ {q['answer']}", "red"))

    def _graded(self, proposal: int, step: Step) -> Step:
        self.stage, self._proposal = "graded", proposal
        return step

    def _record(self, rating: int, answer: str | None, step: Step) -> Step:
        q = self.question()
        if not self.cram:
            schedule.review(self.conn, q["card_id"], rating, mode=q["kind"], answer=answer, retention=self.retention)
        self.ratings.append(rating)
        self.index += 1
        self.stage, self._question, self._typed = "ask", None, None
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
