"""Commands to study: quiz, topics (the cards group is kb.cli.commands.cards)."""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from kb.cli.app import MAX_COUNT, command
from kb.cli.completion import complete_topic
from kb.cli.session import open_for_read, out


def topic_pool(conn, topic: Optional[str]) -> Optional[set]:
    """The card ids of --topic (None: every card); an unknown topic is an error with suggestions."""
    if topic is None:
        return None
    from kb.quiz import topics

    return topics.card_ids(conn, topics.resolve(conn, topic))


@command("quiz")
def quiz_cmd(
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="A topic (kb topics), a category, or search terms.", autocompletion=complete_topic)] = None,
    mode: Annotated[Optional[str], typer.Option("--mode", "-m", help="The kinds new cards come in: flashcard, typed, choice or mixed (default: the config's quiz.mode, else flashcard). Due cards come in their own kind.")] = None,
    count: Annotated[Optional[int], typer.Option("--count", "-n", min=1, max=MAX_COUNT, help="How many distinct cards this session (default: the config's quiz.count, else 10).")] = None,
    new: Annotated[Optional[int], typer.Option("--new", min=0, max=MAX_COUNT, help="Study this many new terms now, whatever today's limit (quiz.new_per_day) says.")] = None,
    cram: Annotated[bool, typer.Option("--cram", help="Practise without touching the schedule (nothing is recorded).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the session's questions as JSON; record nothing.")] = False,
) -> None:
    """Review: due cards first (each in its own kind), then new ones up to the daily limit (FSRS)."""
    from kb import config
    from kb.cli import render
    from kb.cli.session import db_path, writable
    from kb.quiz import questions, schedule, screen, view

    defaults = config.load().quiz  # the config file's quiz: section (count, mode, new_per_day, retention)
    mode = mode or defaults.mode
    count = count or defaults.count
    kinds = schedule.kinds_for_mode(mode)
    if not (cram or as_json or writable(db_path())):
        from kb.errors import DatabaseError

        raise DatabaseError(f"the database {db_path()} is read-only here: grades cannot be stored (kb quiz --cram practises without storing)")
    conn = open_for_read(("search", "topics"))
    pool = topic_pool(conn, topic)
    picked = schedule.pick(conn, kinds=kinds, pool=pool, count=count, cram=cram, new_per_day=defaults.new_per_day,
                           new=new)
    if as_json:
        keys = ("card_id", "kind", "question", "answer", "slug", "title", "term", "choices", "others", "sources",
                "sources_total")
        render.print_json([{k: q[k] for k in keys} for q in (questions.question(conn, c, pool=pool) for c in picked["ids"])])
        return
    if not picked["ids"]:
        if pool is not None and not pool:
            sys.stderr.write(f"kb: no cards for topic {topic!r}\n")
            return
        nxt = schedule.next_due(conn, pool)
        line = "kb: nothing to review now" + (f"; next card due {schedule.until(nxt)}" if nxt else "")
        if picked["limit"].get("held_back"):
            line += "; " + view.limit_hint(picked["limit"])
        sys.stderr.write(line + "\n")
        return
    screen.run(conn, out(), screen.Keys(), picked, mode=mode, pool=pool, cram=cram,
               retention=defaults.retention)


@command("topics")
def topics_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the quiz topics (data/topics.yaml) with their card and due counts."""
    from kb.cli import render
    from kb.quiz import topics

    conn = open_for_read(("search", "topics"))
    rows = topics.overview(conn)
    if as_json:
        render.print_json(rows)
    else:
        out().print(render.topics_table(rows))
