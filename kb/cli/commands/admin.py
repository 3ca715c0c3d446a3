"""Commands on kb itself: config, doctor."""
from __future__ import annotations

import sys
from typing import Annotated

import typer

from kb.cli.app import command
from kb.cli.session import open_existing, out
from kb.cli.app import state


@command("config")
def config_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    example: Annotated[bool, typer.Option("--example", help="Print a commented example config file.")] = False,
) -> None:
    """Show the effective settings and where each came from (file:line, environment, default)."""
    from kb import config
    from kb.cli import render

    if example:
        sys.stdout.write(config.EXAMPLE)
        return
    rows = config.effective(state.db)
    if as_json:
        render.print_json(rows)
    else:
        out().print(render.config_table(rows))


@command("doctor")
def doctor_cmd(
    fix: Annotated[bool, typer.Option("--fix", help="Repair: remove orphans, rebuild the search index and cards (reviews are kept).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check the database: SQLite and search-index integrity, orphans, index vs dictionary."""
    from kb import doctor
    from kb.cli import render
    from kb.cli.session import db_path, writable
    from kb.errors import DatabaseError

    path = db_path()
    if fix and path.exists() and not writable(path):
        raise DatabaseError(f"the database {path} is read-only here: doctor can check it, not --fix it")
    conn = open_existing()
    findings = doctor.run(conn, fix=fix)
    if as_json:
        render.print_json([f.as_dict() for f in findings])
    else:
        out().print(render.doctor_table([f.as_dict() for f in findings]))
    if not doctor.healthy(findings):
        raise typer.Exit(1)
