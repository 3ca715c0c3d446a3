"""Helpers for the kb browse tests: run the app headless on a database (Textual's pilot), wait for the
search worker, read what a widget shows as plain text; a kb process in a pseudo-terminal whose screen
a terminal emulator (pyte) draws.
"""
from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

from rich.console import Console

from tests.conftest import ROOT

from kb.browse.app import BrowseApp, Settings
from kb.store.connect import open_db


def make_app(db: Path, settings: Settings | None = None, **kw) -> BrowseApp:
    return BrowseApp(open_db(db), db, settings or Settings(), **kw)


def run(db: Path, scenario, *, size=(120, 40), settings: Settings | None = None, **kw):
    """Run scenario(app, pilot) against a headless app on db; returns what it returns."""

    async def main():
        app = make_app(db, settings, **kw)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            result = await scenario(app, pilot)
        app.conn.close()
        return result

    return asyncio.run(main())


async def settle(pilot) -> None:
    """Until the search worker has answered and its matches are on screen."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def type_text(pilot, text: str) -> None:
    """Type into the focused widget, one key per character (Chinese ones too)."""
    for ch in text:
        await pilot.press(ch if ch.isascii() and ch != " " else ("space" if ch == " " else ch))
    await settle(pilot)


def plain(renderable, width: int = 100) -> str:
    """What a renderable shows, as text (no colour), at this width."""
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, legacy_windows=False).print(renderable)
    return out.getvalue()


def shown(widget, width: int = 100) -> str:
    """The text a Static shows (what was handed to it, rendered)."""
    return plain(widget.content, width)


def screenshot_text(app) -> str:
    """The screen's text as Textual's SVG screenshot has it: every text element, unescaped, in order."""
    import html
    import re

    texts = re.findall(r"<text[^>]*>([^<]*)</text>", app.export_screenshot())
    return "".join(html.unescape(t) for t in texts).replace("\xa0", " ")


def slugs(app) -> list[str]:
    """The list's rows, by slug, as the table holds them."""
    from kb.browse.postlist import PostList

    return [row.slug for row in app.screen.query_one("#posts", PostList).rows]


class Terminal:
    """A kb process in a pseudo-terminal, and the screen its output draws."""

    def __init__(self, command: str, env: dict, cols: int = 120, rows: int = 40):
        import pexpect
        import pyte

        self.cols, self.rows = cols, rows
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""
        self.since = 0  # where the output after the last send starts
        self.child = pexpect.spawn("/bin/sh", ["-c", command], env=env, cwd=str(ROOT),
                                   dimensions=(rows, cols), timeout=30)
        self.child.delaybeforesend = None  # pexpect waits 50 ms before each send unless told not to

    def pump(self) -> None:
        import pexpect

        try:
            data = self.child.read_nonblocking(65536, timeout=0.05)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            return
        self.raw += data
        self.stream.feed(data)

    def text(self) -> str:
        """The screen's lines (pyte's own display trips over a wide character half overwritten)."""
        from wcwidth import wcwidth

        lines = []
        for y in range(self.rows):
            row, x, out = self.screen.buffer[y], 0, []
            while x < self.cols:
                ch = row[x].data
                out.append(ch)
                x += 2 if ch and wcwidth(ch[0]) == 2 else 1
            lines.append("".join(out).rstrip())
        return "\n".join(lines)

    def wait_for(self, *wanted: str, absent: tuple[str, ...] = ()) -> str:
        """The screen once it shows every wanted text and none of absent (30 s at most: a failure, not a
        measure; how soon does not matter)."""
        deadline = time.monotonic() + 30
        while True:
            self.pump()
            shown = self.text()
            if all(w in shown for w in wanted) and not any(a in shown for a in absent):
                return shown
            if time.monotonic() > deadline or not self.child.isalive() and not self.child_output_left():
                raise AssertionError(f"the screen never showed {wanted} without {absent}:\n{shown}")

    def child_output_left(self) -> bool:
        import pexpect

        try:
            data = self.child.read_nonblocking(65536, timeout=0.05)
        except (pexpect.TIMEOUT, pexpect.EOF):
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def send(self, keys: str) -> None:
        self.child.send(keys)
        self.since = len(self.raw)

    def wait_for_bytes(self, text: str) -> None:
        """Until the program has written text since the last send (as it writes it, before a terminal
        emulator has drawn it: the emulator's own time is not the program's)."""
        import pexpect

        wanted = text.encode()
        deadline = time.monotonic() + 30
        while wanted not in self.raw[self.since:]:
            try:
                self.raw += self.child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} was never written")
