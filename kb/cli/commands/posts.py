"""Commands on posts: import, latest, categories, show, stats."""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from kb.cli.app import MAX_COUNT, command
from kb.cli.completion import complete_category, complete_slug
from kb.cli.session import open_existing, open_for_read, open_for_write, out
from kb.text import visible


@command("import")
def import_cmd(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Capture files (text, saved HTML pages, Markdown clips), folders (recursive: *.txt, *.html, *.htm, *.md), or - for stdin; none: the config's capture folders.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Import files that do not look like listing pages too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import captured listing pages: dedupe excerpts into posts, record every sighting."""
    from kb import config
    from kb.cli import render
    from kb.ingest import importer
    from kb.errors import UsageError
    from kb.posts.capture import MAX_LINE_CHARS

    if not paths:
        cfg = config.load()
        if not cfg.captures:
            raise UsageError(f"no paths given, and no capture folders configured (set captures: in {cfg.file})")
        paths = [str(p) for p in cfg.captures]
    if any(not p.strip() for p in paths):
        # An empty path is the current folder to the file system: kb import "$UNSET" would import
        # every *.txt below wherever the user stands.
        raise UsageError("an empty path (an unset shell variable?): name a file, a folder or -")
    from kb.cli.app import state

    conn = open_for_write()
    done = importer.import_paths(conn, paths, force=force)
    report = done.as_dict()
    if state.debug:
        for trace in done.tracebacks:
            sys.stderr.write(trace)
    for skip in report["skipped_lines"]:
        sys.stderr.write(f"kb: warning: {visible(skip['path'])}: line {skip['line']} is {skip['length']:,} characters long"
                         f" (a listing card is under {MAX_LINE_CHARS:,}): skipped\n")
    for forced in report["forced"]:
        sys.stderr.write(f"kb: warning: {visible(forced['path'])}: imported with --force although {visible(forced['reason'])}\n")
    for err in report["errors"]:
        what = "not imported: " if err.get("internal") else ""
        sys.stderr.write(f"kb: error: {visible(err['path'])}: {what}{visible(err['error'])}\n")
    if as_json:
        render.print_json(report)
    else:
        out().print(render.import_summary(report), soft_wrap=True)  # one line, for grep: the terminal wraps it
    if report["errors"]:
        raise typer.Exit(1)


@command("latest")
def latest_cmd(
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, max=MAX_COUNT, help="How many posts (0: all).")] = 20,
    category: Annotated[Optional[str], typer.Option("--category", "-c", help="Only this category (any case, fuzzy).", autocompletion=complete_category)] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Only posts dated on or after YYYY-MM-DD.", metavar="DATE")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Never page the output.")] = False,
) -> None:
    """List posts newest first (undated posts placed by the captures' order)."""
    from kb.cli import pager, render
    from kb.posts import reads

    if since is not None:
        _check_date(since)
    conn = open_for_read()
    posts = reads.latest(conn, limit=limit, category=category, since=since)
    if as_json:
        render.print_json(
            [{k: p[k] for k in ("slug", "title", "category", "date", "truncated")} for p in posts]
        )
    elif not posts:
        sys.stderr.write("kb: no posts match\n")
    if not posts:  # as grep: 1 when nothing is listed, so a script can test kb latest --since …
        raise typer.Exit(1)
    if as_json:
        return
    table = render.latest_table(posts)
    total = len(posts)
    if limit and len(posts) == limit:
        total = reads.count_latest(conn, category=category, since=since)
    more = f"{len(posts)} of {total} posts — `-n 0` for all" if total > len(posts) else None
    terminal = pager.stdout_is_terminal()
    pager.show(out(), render.with_footer(table, more) if more and terminal else table, use_pager=not no_pager)
    if more and not terminal:
        # A pipe wants the rows alone (kb latest | wc -l, | cut): the note is for whoever watches.
        sys.stderr.write(f"kb: {more}\n")


def _check_date(value: str) -> None:
    import datetime as dt

    from kb.errors import UsageError

    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since takes a date as YYYY-MM-DD, not {value!r}") from None


@command("categories")
def categories_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List categories with their post counts."""
    from kb.cli import render
    from kb.posts import reads

    conn = open_for_read()
    rows = reads.categories(conn)
    if as_json:
        render.print_json(rows)
    else:
        out().print(render.categories_table(rows, reads.uncategorized(conn)))


@command("show")
def show_cmd(
    ref: Annotated[str, typer.Argument(help="A slug, a unique slug prefix, or a title fragment.", metavar="SLUG", autocompletion=complete_slug)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    raw: Annotated[bool, typer.Option("--raw", help="Show the captured text as it is.")] = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Never page the output.")] = False,
    width: Annotated[Optional[int], typer.Option("--width", "-w", min=0, max=MAX_COUNT, help="Wrap prose at this many columns on a wider terminal (default: the config's width, else 100; 0: the terminal's).", show_default=False)] = None,
) -> None:
    """Show one post: sections, formulas in Unicode, key terms, related posts."""
    from kb.cli import pager, render
    from kb.posts import reads
    from kb.show import article

    conn = open_for_read()
    post = reads.get_post(conn, reads.resolve_post(conn, ref))
    view = article.view(conn, post)
    if as_json:
        keys = ("slug", "title", "category", "date", "text", "truncated", "sources", "related")
        render.print_json({k: view[k] for k in keys})
        return
    pager.show(out(), render.reading_width(article.render(view, raw=raw), width), use_pager=not no_pager)


@command("stats")
def stats_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Counts of posts, sightings, sources, cards and reviews."""
    from kb.cli import render
    from kb.posts import reads
    from kb.quiz import schedule

    conn = open_existing()
    data = reads.counts(conn) | schedule.counts(conn)
    if as_json:
        render.print_json(data)
    else:
        out().print(render.stats_text(data))
