"""Commands on the imported sources: sources (what each file brought), forget (take one back)."""
from __future__ import annotations

from typing import Annotated

import typer

from kb.cli.app import command
from kb.cli.completion import complete_source
from kb.cli.session import open_existing, out


@command("sources")
def sources_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the imported sources: path, format, content hash, when imported, posts first seen there, sightings."""
    import sys

    from kb.cli import render
    from kb.ingest import sources

    rows = sources.list_sources(open_existing())
    if as_json:
        render.print_json(rows)
    elif rows:
        from kb.cli import pager

        con, table = out(), render.sources_table(rows)
        if not pager.stdout_is_terminal():
            # A pipe gets whole lines (kb sources | grep page.html): as wide as the widest row, no path folded.
            con.width = max(con.width, con.measure(table, options=con.options.update(max_width=100_000)).maximum)
        con.print(table)
    else:
        sys.stderr.write("kb: no sources imported yet\n")
    if not rows:
        raise typer.Exit(1)


@command("forget")
def forget_cmd(
    refs: Annotated[list[str], typer.Argument(help="Sources to take back: a path as kb sources shows it, a file name, or a hash prefix.", metavar="SOURCE...", show_default=False, autocompletion=complete_source)],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask: forget them.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n", help="Only show what would go.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print what goes (or would go) as JSON.")] = False,
) -> None:
    """Take imported sources back: their sightings, the posts seen only there and those posts' cards (reviewed ones are kept aside until the source is imported again)."""
    import sys

    from kb.cli import render
    from kb.cli.session import open_for_write
    from kb.errors import UsageError
    from kb.ingest import forget

    open_existing().close()  # no database: nothing to forget, and none is created
    conn = open_for_write()
    todo = forget.plan(conn, refs)
    if as_json and (dry_run or not yes):
        render.print_json(todo.as_dict() | {"forgotten": False})
    elif not as_json:
        out().print(render.forget_plan(todo.as_dict()))
    if dry_run:
        return
    if not yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError("kb forget asks before it removes anything, and this is no terminal: add --yes (nothing was removed)")
        if not typer.confirm(f"Forget {_sources(len(todo.sources))}?", default=False):
            sys.stderr.write("kb: nothing forgotten\n")
            raise typer.Exit(1)
    done = forget.forget(conn, todo)
    if as_json:
        render.print_json(done | {"forgotten": True})
    else:
        out().print(render.forget_done(done), soft_wrap=True)


def _sources(n: int) -> str:
    return "this source" if n == 1 else f"these {n} sources"
