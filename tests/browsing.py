"""Helpers for the kb browse tests: run the app headless on a database (Textual's pilot), wait for the
search worker, read what a widget shows as plain text.
"""
from __future__ import annotations

import asyncio
import io
from pathlib import Path

from rich.console import Console

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
    from textual.widgets import DataTable

    table = app.screen.query_one("#posts", DataTable)
    return [key.value for key in table.rows]
