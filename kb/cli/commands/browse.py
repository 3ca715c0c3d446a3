"""The full-screen reader: kb browse, the one command that imports Textual (kb.browse)."""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from kb.cli.app import command
from kb.cli.completion import complete_category


@command("browse")
def browse_cmd(
    category: Annotated[Optional[str], typer.Option("--category", "-c", help="Open on this category (any case, fuzzy).", autocompletion=complete_category)] = None,
) -> None:
    """Find, read and study in a full-screen reader: / search, Enter read, r review, c category, ? keys, q quit."""
    from kb import config
    from kb.cli.app import Stopped
    from kb.cli.session import db_path, open_for_read, writable
    from kb.errors import UsageError
    from kb.posts import reads

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("kb browse is full-screen: run it in a terminal (kb latest, kb search and kb show work in pipes)")
    conn = open_for_read(("search", "topics"))
    if category is not None:
        category = reads.resolve_category(conn, category)
    cfg = config.load()
    from kb.browse.app import BrowseApp, Settings

    path = db_path()
    settings = Settings(width=cfg.width, mode=cfg.quiz.mode, count=cfg.quiz.count, new_per_day=cfg.quiz.new_per_day,
                        retention=cfg.quiz.retention, readonly=not writable(path))
    app = BrowseApp(conn, path, settings, category=category)
    app.run()
    if app.stopped_by:
        raise Stopped(app.stopped_by)
    if app.return_code:
        raise typer.Exit(app.return_code)
