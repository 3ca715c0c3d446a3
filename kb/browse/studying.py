"""The review screen of kb browse: kb quiz's keys (Enter shows the answer, 1-4 grade, a choice's number,
a typed answer, y/n for a near miss, q ends) over a kb.browse.review.Review, which stores each grade.
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

from kb.browse.review import GRADE_KEYS, Review, Step
from kb.text import sanitize


def _text(s: str, style: str = "") -> Text:
    return Text(sanitize(s), style=style)


class ReviewScreen(Screen):
    """One card at a time; each grade is stored the moment it is given, so quitting loses nothing."""

    BINDINGS = [
        Binding("enter", "reveal", "Answer", show=False),
        *[Binding(k, f"number({k})", show=False) for k in "123456789"],
        Binding("y", "confirm(True)", show=False),
        Binding("n", "confirm(False)", show=False),
        Binding("q", "end", "End review"),
        Binding("escape", "end", "End review", show=False),
    ]

    def __init__(self, session: Review, label: str):
        super().__init__()
        self.session = session
        self.label = label
        self.last = Step()
        self.over = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card"):
            yield Static(id="card-text")
        yield Input(placeholder="your answer", id="typed")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        s = self.session
        box = self.query_one("#typed", Input)
        parts = [_text(f"review: {self.label}", "dim")]
        if self.last.feedback:
            parts.append(_text(self.last.feedback, self.last.style))
        if s.finished or self.over:
            self.over = True
            parts += [Text(""), _text(s.summary(), "bold")]
            self.query_one("#card-text", Static).update(Group(*parts))
            self.query_one("#status", Static).update(_text("Esc or q: back", "dim"))
            box.display = False
            return
        q = s.question()
        parts += [Text(""), _text(s.header, "dim"), _text(q["question"], "bold")]
        if q["kind"] == "definition" and s.stage == "answer":
            parts.append(_text(q["answer"]))
        if q["kind"] == "choice":
            parts += [_text(f"{n}. {choice}") for n, choice in enumerate(q["choices"], start=1)]
        self.query_one("#card-text", Static).update(Group(*parts))
        self.query_one("#status", Static).update(_text(s.hint(), "dim"))
        typed = q["kind"] in ("reverse", "alias") and s.stage == "ask"
        box.display = typed
        if typed:
            box.value = ""
            box.focus()
        else:
            self.query_one("#card", VerticalScroll).focus()

    def _after(self, step: Step) -> None:
        if step.feedback or step.done:
            self.last = step
        self.show()

    def action_reveal(self) -> None:
        if not self.over:
            self.session.reveal()
            self.last = Step()
            self.show()

    def action_number(self, n: int) -> None:
        if self.over:
            return
        kind = self.session.question()["kind"]
        if kind == "definition" and str(n) in GRADE_KEYS:
            self._after(self.session.grade(n))
        elif kind == "choice":
            self._after(self.session.choose(n))

    def action_confirm(self, yes: bool) -> None:
        if not self.over:
            self._after(self.session.confirm(yes))

    @on(Input.Submitted, "#typed")
    def typed(self, event: Input.Submitted) -> None:
        if event.value.strip() == "q":  # kb quiz: q alone on the line quits
            self.action_end()
            return
        self._after(self.session.type_answer(event.value))

    def action_end(self) -> None:
        if self.over:
            self.app.pop_screen()
            return
        self.over = True
        self.last = Step()
        self.show()
