"""The reading view of kb browse: a post as kb show prints it (kb.show.article: headings, formulas in
Unicode, key terms), its Related posts to follow with Enter; and the list's preview of a post.
"""
from __future__ import annotations

from rich.constrain import Constrain
from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from kb.browse import data


# The preview shows a screenful of the post: about this many characters fill 40 lines of 60 cells.
PREVIEW_CHARS = 1500


def article(view: dict, width: int, *, header: bool = True):
    """kb show's rendering of a post without its Related lines (the screen lists them to follow)."""
    from kb.show import article as show

    body = show.render({**view, "related": []}, header=header)
    return Constrain(body, width) if width else body


def preview(conn, row: data.Row, width: int):
    """The highlighted post: a search result's matched words first, then the post as kb show has it."""
    view = data.reading_view(conn, row.slug, opening=PREVIEW_CHARS)
    parts = [Text(row.title, style="bold"), Text(f"{row.category or 'no category'} · {row.date} · {row.slug}", style="dim")]
    cards = f"{row.cards} card" + ("s" if row.cards != 1 else "") if row.cards else "no cards"
    terms = ", ".join(data.one_line(t) for t in view.get("terms", []))
    parts.append(Text(cards + (f" · key terms: {terms}" if terms else ""), style="dim"))
    if row.snippet:
        match = Text(row.snippet)
        for a, b in row.highlights:
            match.stylize("bold reverse", a, b)
        parts += [Text(""), match]
    parts += [Text(""), article(view, width, header=False)]
    return Group(*parts)


def related_option(r: dict) -> Option:
    line = Text(data.one_line(r["title"]))
    line.append(f"  {r['slug']}", style="cyan")
    if r.get("terms"):
        line.append("  (" + ", ".join(data.one_line(t) for t in r["terms"]) + ")", style="dim")
    return Option(line, id=r["slug"])


class ReadScreen(Screen):
    """One post to read; Esc goes back to where it was opened from."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "review", "Review"),
        Binding("R", "review(True)", "Practise", show=False),
        Binding("tab", "related", "Related"),
        Binding("enter", "related", "Related", show=False),
        Binding("space", "page(1)", "Page", show=False),
        Binding("b", "page(-1)", "Page back", show=False),
        Binding("question_mark", "help", "Keys"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, slug: str):
        super().__init__()
        self.slug = slug

    def compose(self) -> ComposeResult:
        view = data.reading_view(self.app.conn, self.slug)
        self.view = view
        with VerticalScroll(id="article"):
            yield Static(article(view, self.app.settings.width), id="article-text")
            if view["related"]:
                yield Static(Text("Related", style="bold"), id="related-head")
                yield OptionList(*[related_option(r) for r in view["related"]], id="related")
        yield Static(Text(f"{view['slug']} · Tab: related posts · r: review its cards", style="dim"), id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#article", VerticalScroll).focus()

    def action_related(self) -> None:
        if self.query("#related"):
            self.query_one("#related", OptionList).focus()

    def action_page(self, step: int) -> None:
        scroll = self.query_one("#article", VerticalScroll)
        (scroll.scroll_page_down if step > 0 else scroll.scroll_page_up)(animate=False)

    @on(OptionList.OptionSelected, "#related")
    def follow(self, event: OptionList.OptionSelected) -> None:
        self.app.push_screen(ReadScreen(event.option.id))

    def action_review(self, cram: bool = False) -> None:
        from kb.browse import review

        message = start_review(self.app, review.post_pool(self.app.conn, self.slug), cram=cram)
        if message:
            self.query_one("#status", Static).update(Text(message, style="bold"))

    def action_help(self) -> None:
        from kb.browse.dialogs import HelpScreen

        self.app.push_screen(HelpScreen())


def start_review(app, pool, *, cram: bool = False) -> str | None:
    """Open a review of the pool's cards as kb quiz would pick them; else say why not."""
    from kb.browse.studying import ReviewScreen
    from kb.quiz import schedule

    s = app.settings
    if s.readonly and not cram:
        return "the database is read-only here: grades cannot be stored (R practises without storing)"
    if pool.ids is not None and not pool.ids:
        return f"no cards for {pool.label}"
    picked = schedule.pick(app.conn, kinds=schedule.kinds_for_mode(s.mode), pool=pool.ids, count=s.count,
                           cram=cram, new_per_day=s.new_per_day)
    if not picked["ids"]:
        nxt = schedule.next_due(app.conn, pool.ids)
        line = f"nothing to review now in {pool.label}" + (f"; next card due {schedule.until(nxt)}" if nxt else "")
        if picked["limit"].get("held_back"):  # as kb quiz says it: the daily limit is what stops
            from kb.quiz import view

            line += "; " + view.limit_hint(picked["limit"])
        return line + " (R practises anyway)"
    app.push_screen(ReviewScreen(app.conn, picked, label=pool.label, pool=pool.ids, mode=s.mode, cram=cram,
                                 retention=s.retention))
    return None
