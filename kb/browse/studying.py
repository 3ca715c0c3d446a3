"""The review screen of kb browse: kb quiz's session (kb.quiz.session.Session: learning steps that bring
a card back, learn-ahead, the new / learning / due counts, undo) with kb quiz's card rules and keys
(kb.quiz.turn) and what kb quiz prints for each card (kb.quiz.view), drawn in a Textual screen.
"""
from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from kb.quiz import turn, view
from kb.quiz.session import Session
from kb.quiz.turn import COMMANDS, GRADE_KEYS
from kb.text import sanitize


def _text(s: str, style: str = "") -> Text:
    return Text(sanitize(s), style=style)


class Printed:
    """A console for kb.quiz.view that keeps what it prints, for a widget to show (clear: a new card)."""

    is_terminal = True

    def __init__(self) -> None:
        self.lines: list = []

    def print(self, *objects) -> None:
        self.lines.extend(objects or [Text("")])

    def clear(self) -> None:
        self.lines = []


class ReviewScreen(Screen):
    """One card at a time, as kb quiz asks it; each grade is stored the moment it is given (unless
    practising), so ending the review loses nothing."""

    BINDINGS = [
        Binding("enter", "enter", "Answer", show=False),
        *[Binding(k, f"number({k})", show=False) for k in "123456789"],
        Binding("u", "command('undo')", "Undo"),
        Binding("s", "command('suspend')", "Suspend"),
        Binding("e", "command('edit')", "Edit"),
        Binding("question_mark", "help", "Keys"),
        Binding("q", "end", "End review"),
        Binding("escape", "end", "End review", show=False),
    ]

    def __init__(self, conn, picked: dict, *, label: str, pool: set[str] | None, mode: str, cram: bool = False,
                 retention: float | None = None):
        super().__init__()
        self.conn, self.picked, self.label, self.pool, self.cram = conn, picked, label, pool, cram
        self.session = Session(conn, picked, mode=mode, cram=cram, retention=retention)
        self.cid: str | None = None
        self.q: dict | None = None
        self.answered: turn.Answered | None = None  # None: the question is asked, its answer not given
        self.intervals: dict = {}
        self.top = Printed()  # the card's header and question, as kb quiz prints them
        self.over = False
        self.summary: dict | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card"):
            yield Static(id="card-text")
        yield Input(placeholder="your answer", id="typed")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.advance()

    # ---------------------------------------------------------------- what is shown

    def advance(self) -> None:
        """The session's next card (a card back from its learning step, an undone one …), or the end."""
        cid = self.session.next()
        if cid is None:
            self.finish(finished=True)
            return
        self.cid, self.answered = cid, None
        self.q = turn.ask(self.conn, cid, pool=self.pool)
        self.top = Printed()
        view.start(self.top, self.session, cid, self.q)
        if self.q["kind"] == "choice":
            view.choices(self.top, self.q)
        self.show()

    def finish(self, *, finished: bool) -> None:
        self.over = True
        self.summary = turn.summary(self.conn, self.session, self.picked, pool=self.pool, cram=self.cram,
                                    finished=finished)
        self.show()

    def show(self) -> None:
        parts = [_text(f"review: {self.label}", "dim"), Text("")]
        box = self.query_one("#typed", Input)
        if self.over:
            end = Printed()
            if self.session.notice:  # what the last key did (the last card suspended …)
                end.print(_text(self.session.notice, "dim"))
                self.session.notice = None
            view.summary(end, self.summary)
            parts += end.lines
            status = "Esc or q: back"
        elif self.answered is None:
            parts += self.top.lines
            status = turn.prompt(self.q)
        else:
            side = Printed()
            turn.show(side, self.q, self.answered)
            parts += self.top.lines + side.lines + [_text(view.grade_line(self.intervals))]
            status = view.grade_keys(self.answered.proposal)
        self.query_one("#card-text", Static).update(Group(*parts))
        self.query_one("#status", Static).update(_text(status, "dim"))
        typed = not self.over and self.answered is None and self.q["kind"] in ("reverse", "alias")
        box.display = typed
        if typed:
            box.value = ""
            box.focus()
        else:
            self.query_one("#card", VerticalScroll).focus()

    def answer(self, answered: turn.Answered) -> None:
        self.answered = answered
        self.intervals = self.session.intervals(self.cid)
        self.show()

    # ---------------------------------------------------------------- the keys

    def action_enter(self) -> None:
        if self.over:
            return
        if self.answered is not None:
            self.grade("\n")
        elif self.q["kind"] == "definition":
            self.answer(turn.reveal(self.q))

    def action_number(self, n: int) -> None:
        if self.over:
            return
        if self.answered is not None:
            if str(n) in GRADE_KEYS:
                self.grade(str(n))
        elif self.q["kind"] == "choice" and 1 <= n <= len(self.q["choices"]):
            self.answer(turn.choose(self.q, n))

    @on(Input.Submitted, "#typed")
    def typed(self, event: Input.Submitted) -> None:
        if self.over or self.answered is not None:
            return
        word = event.value.strip().lower()
        if word in COMMANDS:  # kb quiz: u, s, e or q alone on the line
            self.action_command(COMMANDS[word])
            return
        self.answer(turn.typed(self.q, event.value))

    def grade(self, key: str) -> None:
        turn.grade(self.session, self.cid, self.q, self.answered, key)
        self.advance()

    def action_command(self, what: str) -> None:
        if self.over:
            return
        if what in ("suspend", "edit") and self.app.settings.readonly:
            why = f"the database is read-only here: the card cannot be {what}ed"
            self.query_one("#status", Static).update(_text(why, "bold"))
            return
        if turn.command(self.conn, self.session, self.q, what, editing=self.editing) == "quit":
            self.finish(finished=False)
        else:
            self.advance()

    def editing(self, run):
        """$EDITOR gets the terminal while it runs (a headless app has none to hand over)."""
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                return run()
        except SuspendNotSupported:
            return run()

    def action_help(self) -> None:
        from kb.browse.dialogs import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_end(self) -> None:
        if self.over:
            self.app.pop_screen()
        else:
            self.finish(finished=False)
