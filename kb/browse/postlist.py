"""The list of posts in kb browse: one line a post (title, category, date, card count), a cursor, the
mouse; drawn a line at a time (Textual's line API), only the lines on screen.

Textual's DataTable renders every visible cell through Rich on each change: ~50 ms for a screenful,
half of what a keystroke may take. Here a row is one Text, cached per width and cursor.
"""
from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kb.browse.data import Row
from kb.text import head_in_cells

# (column, width) beside the title; the title takes the rest, up to TITLE_MAX.
COLUMNS = (("category", 14), ("date", 13), ("cards", 5))
TITLE_MAX = 40
GAP = 2


def fit(text: str, width: int) -> str:
    """text in at most width cells, cut with … (a wide character never straddles the edge)."""
    if cell_len(text) <= width:
        return text
    return head_in_cells(text, width, cell_len).rstrip() + "…"


def title_width(width: int) -> int:
    return max(8, min(TITLE_MAX, width - 1 - sum(w + GAP for _, w in COLUMNS)))


def line(cells: list[tuple[str, str]], width: int, *, right_last: bool = True) -> Text:
    """One row laid out in columns: [(text, style)] for title, category, date, cards."""
    widths = [title_width(width)] + [w for _, w in COLUMNS]
    out = Text(" ", no_wrap=True, overflow="crop")
    for i, ((text, style), w) in enumerate(zip(cells, widths)):
        shown = fit(text, w)
        pad = " " * (w - cell_len(shown))
        last = i == len(widths) - 1
        if last and right_last:
            out.append(pad)
            out.append(shown, style=style)
        else:
            out.append(shown, style=style)
            out.append(pad)
        if not last:
            out.append(" " * GAP)
    return out


def header(width: int) -> Text:
    return line([(name, "bold") for name in ("title", *(c for c, _ in COLUMNS))], width)


def row_text(row: Row, width: int) -> Text:
    return line([
        (row.title, ""),
        (row.category or "—", "" if row.category else "dim"),
        (row.date, "" if row.dated else "dim"),
        (str(row.cards) if row.cards else "·", "" if row.cards else "dim"),
    ], width)


class PostList(ScrollView, can_focus=True):
    """Rows of posts with a cursor: ↑ ↓ PgUp PgDn Home End, Enter or a double click to open."""

    DEFAULT_CSS = """
    PostList { background: $surface; overflow-x: hidden; }
    PostList > .postlist--cursor { background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground; }
    PostList:focus > .postlist--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: $block-cursor-text-style;
    }
    """
    COMPONENT_CLASSES = {"postlist--cursor"}
    BINDINGS = [
        # No letters: a letter typed in the list goes to the search box (kb.browse.app.ListScreen).
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Read", show=False),
    ]

    cursor = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        """The cursor is on row index."""

        def __init__(self, posts: PostList, index: int):
            super().__init__()
            self.posts = posts
            self.index = index

        @property
        def control(self) -> PostList:
            return self.posts

    class Selected(Highlighted):
        """Enter or a double click on row index."""

    class Typed(Message):
        """A character that is none of the list's keys was typed on the list."""

        def __init__(self, posts: PostList, character: str):
            super().__init__()
            self.posts = posts
            self.character = character

        @property
        def control(self) -> PostList:
            return self.posts

    def __init__(self, *, reserved: str = "", **kw):
        super().__init__(**kw)
        self.reserved = reserved  # characters that are keys of the screen, not text to search
        self.rows: list[Row] = []
        self._strips: dict[tuple[int, int, bool, bool], Strip] = {}

    def set_rows(self, rows: list[Row]) -> None:
        """New rows, the cursor on the first (no Highlighted: the caller shows what goes with them)."""
        self.rows = rows
        self._strips.clear()
        self.virtual_size = Size(self.size.width, len(rows))
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.set_reactive(PostList.cursor, 0)
        self.refresh()

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.size.width, len(self.rows))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        on_cursor = index == self.cursor
        key = (index, width, on_cursor, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            base = self.get_component_rich_style("postlist--cursor") if on_cursor else self.rich_style
            text = row_text(self.rows[index], width)
            segments = Segment.adjust_line_length(list(text.render(self.app.console)), width, style=base)
            strip = Strip(Segment.apply_style(segments, base), width)
            self._strips[key] = strip
        return strip

    def watch_cursor(self, old: int, new: int) -> None:
        if not self.rows:
            return
        self.refresh_line_of(old)
        self.refresh_line_of(new)
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True)
        self.post_message(self.Highlighted(self, new))

    def refresh_line_of(self, index: int) -> None:
        y = index - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def move_to(self, index: int) -> None:
        if self.rows:
            self.cursor = max(0, min(index, len(self.rows) - 1))

    def action_move(self, step: int) -> None:
        self.move_to(self.cursor + step)

    def action_page(self, step: int) -> None:
        self.move_to(self.cursor + step * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, where: int) -> None:
        self.move_to(where if where >= 0 else len(self.rows) - 1)

    def action_select(self) -> None:
        if self.rows:
            self.post_message(self.Selected(self, self.cursor))

    def on_key(self, event) -> None:
        ch = event.character
        if ch and event.is_printable and ch not in self.reserved:
            event.stop()
            event.prevent_default()
            self.post_message(self.Typed(self, ch))

    def on_click(self, event: Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.rows):
            self.move_to(index)
            if event.chain >= 2:
                self.post_message(self.Selected(self, index))
