"""The cards group: list the cards, export them for Anki, and the user's control over them (suspend,
unsuspend, delete, undelete, edit), kept by card id through re-imports and kb doctor --fix."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from kb.cli.app import app, guarded
from kb.cli.commands.study import topic_pool
from kb.cli.completion import complete_topic
from kb.cli.session import open_for_read, open_for_write, out

cards_app = typer.Typer(help="The flashcards extracted from the posts.", rich_markup_mode=None, add_completion=False)
app.add_typer(cards_app, name="cards")

IDS = typer.Argument(help="Card ids (kb cards lists them; a unique prefix of 4 or more hex digits will do).",
                     show_default=False)


@cards_app.callback(invoke_without_command=True)
@guarded
def cards_cmd(
    ctx: typer.Context,
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="Only this topic, category or search terms.", autocompletion=complete_topic)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Never page the output.")] = False,
) -> None:
    """List the cards (kb cards export writes them for Anki)."""
    if ctx.invoked_subcommand:
        return
    from kb.cards import store
    from kb.cli import pager, render

    conn = open_for_read(("search", "topics"))
    # The table names a concept's post and counts the others; --json lists every post.
    rows = store.list_cards(conn, ids=topic_pool(conn, topic), sources_limit=None if as_json else 1)
    if as_json:
        render.print_json(rows)
    elif rows:
        pager.show(out(), render.cards_table(rows), use_pager=not no_pager)
    else:
        sys.stderr.write(f"kb: no cards{f' for topic {topic!r}' if topic is not None else ''}\n")
    if not rows:  # as grep: 1 when nothing is listed
        raise typer.Exit(1)


@cards_app.command("export")
@guarded
def cards_export_cmd(
    path: Annotated[Path, typer.Argument(help="The file to write.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="apkg (Anki package), tsv (Anki text import) or json.")] = "apkg",
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="Only this topic, category or search terms.", autocompletion=complete_topic)] = None,
) -> None:
    """Write one note per concept to PATH; GUIDs are stable, so re-importing updates notes."""
    from kb.cards import export
    from kb.errors import UsageError

    if str(path) == "-":  # - is stdin to kb import; here it would be a file called "-"
        raise UsageError("kb cards export writes a file: name it (kb cards --json prints the cards)")
    conn = open_for_read(("search", "topics"))
    n = export.export(conn, path, fmt, ids=topic_pool(conn, topic))
    sys.stderr.write(f"kb: wrote {n} notes to {path}\n")


def _say(lines: list[str]) -> None:
    from kb.text import visible

    for line in lines:
        sys.stdout.write(visible(line) + "\n")


@cards_app.command("suspend")
@guarded
def cards_suspend_cmd(ids: Annotated[List[str], IDS]) -> None:
    """Suspend cards: no session shows them until kb cards unsuspend (their schedule waits)."""
    from kb.cards import control

    done = control.suspend(open_for_write(), ids, True)
    _say([f"{'suspended' if d['changed'] else 'already suspended'}: {d['id']} {d['term']} ({d['kind']})" for d in done])


@cards_app.command("unsuspend")
@guarded
def cards_unsuspend_cmd(ids: Annotated[List[str], IDS]) -> None:
    """Bring suspended cards back into sessions, with the schedule they had."""
    from kb.cards import control

    done = control.suspend(open_for_write(), ids, False)
    _say([f"{'unsuspended' if d['changed'] else 'not suspended'}: {d['id']} {d['term']} ({d['kind']})" for d in done])


@cards_app.command("delete")
@guarded
def cards_delete_cmd(ids: Annotated[List[str], IDS]) -> None:
    """Delete cards' concepts (every kind, as Anki deletes a note): never derived again; reviews kept."""
    from kb.cards import control

    done = control.delete(open_for_write(), ids, True)
    _say([f"{'deleted' if d['changed'] else 'already deleted'}: {d['term']} ({', '.join(d['kinds']) or 'no cards'})"
          f" · kb cards undelete {d['id']} brings it back" for d in done])


@cards_app.command("undelete")
@guarded
def cards_undelete_cmd(ids: Annotated[List[str], IDS]) -> None:
    """Bring deleted cards back (derived again from the posts, with their reviews)."""
    from kb.cards import control

    done = control.delete(open_for_write(), ids, False)
    _say([f"{'undeleted' if d['changed'] else 'not deleted'}: {d['term']} ({', '.join(d['kinds']) or 'no cards: no post defines it now'})"
          for d in done])


@cards_app.command("edit")
@guarded
def cards_edit_cmd(
    card: Annotated[str, typer.Argument(help="A card id (or a unique prefix).", show_default=False)],
    term: Annotated[Optional[str], typer.Option("--term", help="The term as you want it on the card.")] = None,
    definition: Annotated[Optional[str], typer.Option("--definition", help="The definition as you want it on the card.")] = None,
    revert: Annotated[bool, typer.Option("--revert", help="Drop your edit: the posts' wording again.")] = False,
) -> None:
    """Correct a card's term or definition (every kind of it); without options, in $EDITOR."""
    from kb.cards import control
    from kb.errors import UsageError

    if revert and (term is not None or definition is not None):
        raise UsageError("--revert takes the posts' wording back: it goes without --term and --definition")
    conn = open_for_write()
    done = control.edit(conn, card, term=term, definition=definition, revert=revert,
                        editor=not revert and term is None and definition is None)
    if not done["changed"]:
        _say([f"unchanged: {done['id']} {done['term']}"])
        return
    _say([f"{'edited' if done['edited'] else 'reverted'}: {done['id']} {done['term']} — {done['definition']}"])
