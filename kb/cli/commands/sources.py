"""Commands on the imported sources: sources (what each file brought), forget (take one back)."""
from __future__ import annotations

from typing import Annotated

import typer

from kb.cli.app import command
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
        out().print(render.sources_table(rows))
    else:
        sys.stderr.write("kb: no sources imported yet\n")
    if not rows:
        raise typer.Exit(1)
