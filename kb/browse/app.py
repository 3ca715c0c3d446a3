"""The kb browse app: the list of posts (newest first, or the search box's matches) with a preview of
the highlighted one; Enter reads it, `r` reviews, `c` picks a category, `?` lists the keys.

Post text reaches Textual only as rich Text (never markup) and sanitized (kb.text.sanitize).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from kb.browse import data, postlist
from kb.browse.dialogs import CategoryScreen, HelpScreen
from kb.browse.postlist import PostList
from kb.browse.reading import ReadScreen, preview, start_review

CSS = """
#query { dock: top; height: 1; border: none; padding: 0 1; }
#body { height: 1fr; }
#listing { width: 82; height: 100%; }
#header { height: 1; }
#posts { height: 1fr; }
#preview { width: 1fr; height: 100%; border-left: solid $primary-muted; padding: 0 1; overflow: hidden; }
#preview-text { height: 100%; }
/* a terminal narrower than 120 columns stacks the preview under the list */
Screen.-narrow #body { layout: vertical; }
Screen.-narrow #listing { width: 100%; height: 3fr; }
Screen.-narrow #preview { width: 100%; height: 2fr; border-left: none; border-top: solid $primary-muted; }
#status { height: 1; padding: 0 1; background: $panel; }
#article { height: 1fr; padding: 0 1; }
#related-head { margin-top: 1; }
#related { height: auto; border: none; margin-bottom: 1; }
#card { height: 1fr; padding: 1 2; }
#typed { dock: bottom; margin: 0 1 2 1; }
HelpScreen, CategoryScreen { align: center middle; }
#help { width: 80; max-width: 100%; height: auto; max-height: 100%; border: round $primary; padding: 0 1; background: $surface; }
#categories { width: 50; max-width: 90%; height: auto; max-height: 80%; border: round $primary; padding: 0 1; background: $surface; }
#category-list { height: auto; max-height: 20; border: none; }
"""

# The list's own keys (its bindings below): every other character typed in the list goes to the search box.
RESERVED = "/crR?q "

# From this width on the preview stands beside the list, else under it.
WIDE = 120


@dataclass(frozen=True)
class Settings:
    """What the app needs from the config and the database's state."""

    width: int = 100  # the reading width (0: the terminal's)
    mode: str = "flashcard"
    count: int = 10
    new_per_day: int = 20
    retention: float = 0.9
    readonly: bool = False


PLACEHOLDER = "/ search (as kb search: words, \"a phrase\", -exclude, OR)"
PLACEHOLDER_FOCUSED = "type to search · ↑ ↓ choose · Enter: read · Esc: the list"


class QueryInput(Input):
    """The search box; ↑/↓ move the list's cursor while typing, as in fzf."""

    def on_focus(self) -> None:
        self.placeholder = PLACEHOLDER_FOCUSED

    def on_blur(self) -> None:
        self.placeholder = PLACEHOLDER

    BINDINGS = [
        Binding("down", "screen.cursor(1)", "Next", show=False),
        Binding("up", "screen.cursor(-1)", "Previous", show=False),
        Binding("escape", "screen.leave_query", "List", show=False),
    ]


class ListScreen(Screen):
    """The posts, newest first or the matches of the search box, and the highlighted one's preview."""

    AUTO_FOCUS = "#posts"
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("c", "category", "Category"),
        Binding("r", "review", "Review"),
        Binding("R", "review(True)", "Practise", show=False),
        Binding("escape", "clear", "Clear", show=False),
        Binding("question_mark", "help", "Keys"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, category: str | None = None):
        super().__init__()
        self.category = category
        self.listing: data.Listing | None = None
        self.asked = 0  # the number of the newest query sent to the searcher
        self.open_when_found = False  # Enter came before the last query's matches
        self.newest_cache: dict[str | None, data.Listing] = {}

    def compose(self) -> ComposeResult:
        # Not select_on_focus: the keys that moved the focus here are already in the box, and a selection
        # made when the focus arrives would let the next key replace them ("/gumbel" searched "bel").
        yield QueryInput(placeholder=PLACEHOLDER, id="query", select_on_focus=False)
        with Horizontal(id="body"):
            with Vertical(id="listing"):
                yield Static(id="header")
                yield PostList(id="posts", reserved=RESERVED)
            # A glance, not a reader: no scrolling, so that a new preview costs no layout (Enter reads it all).
            with Vertical(id="preview"):
                yield Static(id="preview-text")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        # The list has the focus before the screen is first drawn (AUTO_FOCUS comes a turn later): keys
        # typed as soon as the posts show must not reach a screen with nothing focused, which drops them.
        self.set_focus(self.query_one("#posts", PostList))
        self.show_listing(self.newest())
        self.warm_up()

    @work(thread=True, group="search")
    def warm_up(self) -> None:
        """The searcher's first query loads the query code and reads the index cold: done now, off the
        UI thread, not on the first keystroke."""
        self.app.searcher.search("a")

    def on_resize(self) -> None:
        self.call_after_refresh(self._header)

    def _header(self) -> None:
        posts = self.query_one("#posts", PostList)
        self.query_one("#header", Static).update(postlist.header(posts.scrollable_content_region.width), layout=False)

    @on(PostList.Typed, "#posts")
    def typed_in_list(self, event: PostList.Typed) -> None:
        """A character typed in the list starts a search with it, as in fzf (and what a fast typist
        sent right after the /, before the box had the focus, is not lost)."""
        box = self.query_one("#query", Input)
        self.set_focus(box)
        box.insert_text_at_cursor(event.character)

    def on_key(self, event) -> None:
        """A character that reached the screen with nothing focused (a focus in passing, keys typed the
        moment the app shows) starts a search as one typed in the list does, rather than vanish."""
        ch = event.character
        if self.focused is None and ch and event.is_printable and ch not in RESERVED:
            event.stop()
            box = self.query_one("#query", Input)
            self.set_focus(box)
            box.insert_text_at_cursor(ch)

    # ---------------------------------------------------------------- the list

    def newest(self) -> data.Listing:
        """The newest posts (of the category in force), read once: an emptied search box brings
        10,000 of them back at once."""
        if self.category not in self.newest_cache:
            self.newest_cache[self.category] = data.newest(self.app.conn, self.app.counts, self.category)
        return self.newest_cache[self.category]

    def show_listing(self, listing: data.Listing) -> None:
        self.listing = listing
        self.query_one("#posts", PostList).set_rows(listing.rows)
        self.set_status(listing.status + "".join(f" · {note}" for note in listing.notes))
        # After the list is on screen: the matches answer the keystroke, the preview follows them.
        self.call_after_refresh(self.show_preview)

    def set_status(self, line: str) -> None:
        # Fixed sizes (a line; the preview's box) take no layout pass: only their cells are drawn again.
        self.query_one("#status", Static).update(Text(line, no_wrap=True, overflow="ellipsis"), layout=False)

    def show_preview(self) -> None:
        row = self.current()
        shown = preview(self.app.conn, row, self.app.settings.width) if row is not None else Text("")
        self.query_one("#preview-text", Static).update(shown, layout=False)

    def current(self) -> data.Row | None:
        posts = self.query_one("#posts", PostList)
        return posts.rows[posts.cursor] if posts.rows else None

    @on(PostList.Highlighted, "#posts")
    def highlighted(self, event: PostList.Highlighted) -> None:
        self.show_preview()

    @on(PostList.Selected, "#posts")
    def selected(self, event: PostList.Selected) -> None:
        self.action_open()

    def action_cursor(self, step: int) -> None:
        self.query_one("#posts", PostList).action_move(step)

    def action_open(self) -> None:
        row = self.current()
        if row is not None:
            # Back from reading, the list has the focus (q quits, / refines the query), as in less or fzf.
            self.set_focus(self.query_one("#posts", PostList))
            self.app.push_screen(ReadScreen(row.slug))

    # ---------------------------------------------------------------- the search box

    def action_search(self) -> None:
        # At once, not on the next turn of the loop (widget.focus()): the keys typed right after
        # the / (a fast typist, a paste) belong to the box.
        self.set_focus(self.query_one("#query", Input))

    def action_leave_query(self) -> None:
        self.set_focus(self.query_one("#posts", PostList))

    def action_clear(self) -> None:
        """Esc in the list: the search box emptied, else the category filter dropped."""
        box = self.query_one("#query", Input)
        if box.value:
            box.value = ""  # Input.Changed brings the newest posts back
        elif self.category:
            self.category = None
            self.show_listing(self.newest())

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        self.asked += 1
        if not event.value.strip():
            self.workers.cancel_group(self, "search")
            self.show_listing(self.newest())
            return
        self.find(event.value, self.asked)

    @on(Input.Submitted, "#query")
    def query_submitted(self, event: Input.Submitted) -> None:
        if self.listing is not None and self.listing.query == event.value.strip() or not event.value.strip():
            self.action_open()
        else:
            self.open_when_found = True  # the matches of what was typed are on their way

    @work(thread=True, exclusive=True, group="search")
    def find(self, query: str, number: int) -> None:
        """One keystroke's query, off the UI thread; a newer keystroke's makes this one's result moot."""
        listing = self.app.searcher.search(query.strip(), self.category)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.found, listing, number)

    def found(self, listing: data.Listing, number: int) -> None:
        if number != self.asked:
            return  # typed on since: a newer query's matches are coming
        self.show_listing(listing)
        if self.open_when_found:
            self.open_when_found = False
            self.action_open()

    # ---------------------------------------------------------------- category, review, help

    def action_category(self) -> None:
        def chosen(category: str | None | bool) -> None:
            if category is False:  # Esc: nothing changes
                return
            self.category = category or None
            box = self.query_one("#query", Input)
            if box.value.strip():
                self.asked += 1
                self.find(box.value, self.asked)
            else:
                self.show_listing(self.newest())

        self.app.push_screen(CategoryScreen(data.categories(self.app.conn), self.category), chosen)

    def action_review(self, cram: bool = False) -> None:
        from kb.browse import review

        query = self.query_one("#query", Input).value.strip()
        listed = [r.slug for r in (self.listing.rows if self.listing else [])]
        try:
            pool = review.topic_pool(self.app.conn, query, self.category, listed)
        except Exception as exc:  # noqa: BLE001 - a KbError (an unreadable topics file): said, not raised
            from kb.errors import KbError

            if not isinstance(exc, KbError):
                raise
            self.set_status(str(exc))
            return
        message = start_review(self.app, pool, cram=cram)
        if message:
            self.set_status(message)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())


class BrowseApp(App):
    """kb browse. conn: the UI thread's connection; the Searcher opens its own for the worker threads."""

    CSS = CSS
    TITLE = "kb browse"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True)]

    def __init__(self, conn: sqlite3.Connection, path: Path, settings: Settings, *, category: str | None = None):
        super().__init__()
        from kb.quiz import schedule

        self.conn = conn
        self.settings = settings
        self.counts = data.card_counts(conn, schedule.kinds_for_mode(settings.mode))
        self.searcher = data.Searcher(path, readonly=settings.readonly, counts=self.counts)
        self.category = category
        self.stopped_by = 0  # the signal that ended the app, if one did

    def on_mount(self) -> None:
        import asyncio
        import signal

        # SIGTERM or SIGHUP (kill, a closed terminal): leave as q does, the terminal restored; kb then
        # says so and exits 128 + the signal, as its other commands do.
        loop = asyncio.get_running_loop()
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signum = getattr(signal, name)
                loop.add_signal_handler(signum, self.stop_by, signum)

    def get_default_screen(self) -> Screen:
        return ListScreen(self.category)

    def stop_by(self, signum: int) -> None:
        self.stopped_by = signum
        self.exit()

    def on_unmount(self) -> None:
        self.searcher.close()
