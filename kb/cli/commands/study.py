"""Commands to study: quiz, cards (and cards export), topics."""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from kb.cli.app import MAX_COUNT, command
from kb.cli.completion import complete_topic
from kb.cli.session import open_for_read, out
from pathlib import Path

from kb.cli.app import app, guarded


def _topic_pool(conn, topic: Optional[str]) -> Optional[set]:
    """The card ids of --topic (None: every card); an unknown topic is an error with suggestions."""
    if topic is None:
        return None
    from kb.quiz import topics

    return topics.card_ids(conn, topics.resolve(conn, topic))


@command("quiz")
def quiz_cmd(
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="A topic (kb topics), a category, or search terms.", autocompletion=complete_topic)] = None,
    mode: Annotated[Optional[str], typer.Option("--mode", "-m", help="flashcard, typed, choice or mixed (default: the config's quiz.mode, else flashcard).")] = None,
    count: Annotated[Optional[int], typer.Option("--count", "-n", min=1, max=MAX_COUNT, help="How many cards this session (default: the config's quiz.count, else 10).")] = None,
    cram: Annotated[bool, typer.Option("--cram", help="Practise without touching the schedule (nothing is recorded).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the session's questions as JSON; record nothing.")] = False,
) -> None:
    """Drill the posts' definitions: due cards first, then new ones (FSRS scheduling)."""
    from kb import config
    from kb.cli import render
    from kb.cli.session import db_path, writable
    from kb.quiz import questions, schedule, screen

    defaults = config.load().quiz  # the config file's quiz: section (count, mode, new_per_day, retention)
    mode = mode or defaults.mode
    count = count or defaults.count
    kinds = schedule.kinds_for_mode(mode)
    if not (cram or as_json or writable(db_path())):
        from kb.errors import DatabaseError

        raise DatabaseError(f"the database {db_path()} is read-only here: grades cannot be stored (kb quiz --cram practises without storing)")
    conn = open_for_read(("search",))
    pool = _topic_pool(conn, topic)
    picked = schedule.pick(conn, kinds=kinds, pool=pool, count=count, cram=cram, new_per_day=defaults.new_per_day)
    if as_json:
        keys = ("card_id", "kind", "question", "answer", "slug", "term", "choices", "others")
        render.print_json([{k: q[k] for k in keys} for q in (questions.question(conn, c, pool=pool) for c in picked["ids"])])
        return
    if not picked["ids"]:
        if pool is not None and not pool:
            sys.stderr.write(f"kb: no cards for topic {topic!r}\n")
            return
        nxt = schedule.next_due(conn, pool)
        sys.stderr.write("kb: nothing to review now" + (f"; next card due {nxt}" if nxt else "") + "\n")
        return
    screen.run(conn, out(), screen.Keys(), picked, mode=mode, pool=pool, cram=cram,
                    retention=defaults.retention)


cards_app = typer.Typer(help="The flashcards extracted from the posts.", rich_markup_mode=None, add_completion=False)
app.add_typer(cards_app, name="cards")


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

    conn = open_for_read(("search",))
    rows = store.list_cards(conn, ids=_topic_pool(conn, topic))
    if as_json:
        render.print_json(rows)
    else:
        pager.show(out(), render.cards_table(rows), use_pager=not no_pager)


@cards_app.command("export")
@guarded
def cards_export_cmd(
    path: Annotated[Path, typer.Argument(help="The file to write.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="apkg (Anki package), tsv (Anki text import) or json.")] = "apkg",
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="Only this topic, category or search terms.", autocompletion=complete_topic)] = None,
) -> None:
    """Write one note per definition to PATH; GUIDs are stable, so re-importing updates notes."""
    from kb.cards import export

    conn = open_for_read(("search",))
    n = export.export(conn, path, fmt, ids=_topic_pool(conn, topic))
    sys.stderr.write(f"kb: wrote {n} notes to {path}\n")


@command("topics")
def topics_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the quiz topics (data/topics.yaml) with their card and due counts."""
    from kb.cli import render
    from kb.quiz import topics

    conn = open_for_read(("search",))
    rows = topics.overview(conn)
    if as_json:
        render.print_json(rows)
    else:
        out().print(render.topics_table(rows))
