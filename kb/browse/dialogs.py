"""kb browse's small windows: the keys (`?`) and the category filter (`c`)."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kb.browse.data import one_line

KEYS = [
    ("the list", [
        ("/", "search, as kb search does; ↑ ↓ move the list while typing"),
        ("↑ ↓ PgUp PgDn", "move; the preview follows"),
        ("Enter", "read the post"),
        ("Esc", "leave the search box; again: clear it, then the category"),
        ("c", "filter by category"),
        ("r  R", "review the topic in view / practise it (nothing recorded)"),
    ]),
    ("reading", [
        ("↑ ↓ Space b", "scroll"),
        ("Tab  Enter", "to the Related posts; follow one"),
        ("r  R", "review / practise this post's cards"),
        ("Esc", "back"),
    ]),
    ("review: kb quiz's keys", [
        ("Enter", "show the answer"),
        ("1 2 3 4", "a choice's number; then Again, Hard, Good, Easy"),
        ("Enter", "on the grades: the grade proposed"),
        ("u", "undo the last grade, suspension or edit"),
        ("s  e", "suspend the card / edit it in $EDITOR"),
        ("", "a typed answer: u, s, e or q alone on the line"),
        ("q  Esc", "end the review"),
    ]),
    ("anywhere", [("?", "these keys"), ("q  Ctrl-C", "quit")]),
]


class HelpScreen(ModalScreen):
    """The keys, by screen; any key closes it."""

    def compose(self) -> ComposeResult:
        lines = Text()
        for where, keys in KEYS:
            lines.append(where + "\n", style="bold underline")
            for key, what in keys:
                lines.append(f"  {key:<15}", style="bold")
                lines.append(what + "\n")
        lines.rstrip()
        with VerticalScroll(id="help"):
            yield Static(lines)
            yield Static(Text("any key: close", style="dim"))

    def on_key(self, event) -> None:
        event.stop()
        self.app.pop_screen()

    def on_click(self) -> None:
        self.app.pop_screen()


class CategoryScreen(ModalScreen):
    """Pick a category (or all); Esc leaves the filter as it was. Dismisses with the name, None (all)
    or False (cancelled)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, categories: list[dict], current: str | None):
        super().__init__()
        self.categories = categories
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("all categories"), id="")]
        for c in self.categories:
            options.append(Option(Text(f"{one_line(c['category'])}  ({c['posts']})"), id=c["category"]))
        with Vertical(id="categories"):
            yield Static(Text("category", style="bold"))
            yield OptionList(*options, id="category-list")

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        names = [""] + [c["category"] for c in self.categories]
        listing.highlighted = names.index(self.current) if self.current in names else 0
        listing.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or None)

    def action_cancel(self) -> None:
        self.dismiss(False)
