"""The search command."""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from kb.cli.app import MAX_COUNT, command
from kb.cli.completion import complete_category
from kb.cli.session import open_for_read, out


@command("search", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": True})
def search_cmd(
    words: Annotated[Optional[list[str]], typer.Argument(help='Query: words, +required, "exact phrase", -exclude, OR.', metavar="QUERY...", show_default=False)] = None,
    category: Annotated[Optional[str], typer.Option("--category", "-c", help="Only this category (any case, fuzzy).", autocompletion=complete_category)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, max=MAX_COUNT, help="How many results (0: all).")] = 10,
    require_all: Annotated[bool, typer.Option("--all", help="Every word must occur (as +word does for one).")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Show the segmentation, expansions and MATCH expressions.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Never page the output.")] = False,
) -> None:
    """Search posts in Chinese or English, best first; +word is required, -word excluded (kb search 扩散 -模型).

    Exits 0 when something is listed, 1 when nothing matches, 2 for a usage error (as grep)."""
    from kb.cli import pager, render
    from kb.search import ranking

    conn = open_for_read(("search",))
    res = ranking.search(conn, " ".join(words or []), category=category, limit=limit, require_all=require_all)
    if explain:
        text = "\n".join(ranking.explain_lines(res)) + "\n"
        (sys.stderr if as_json else sys.stdout).write(text)
    for note in res.notes:
        sys.stderr.write(f"kb: {note}\n")
    if res.suggestions and not res.results:
        sys.stderr.write("kb: did you mean: " + ", ".join(res.suggestions) + "\n")
    if as_json:
        keys = ("slug", "title", "category", "date", "score", "snippet")
        render.print_json([{k: r[k] for k in keys} for r in res.results])
    elif res.results:
        pager.show(out(), render.search_results(res.results), use_pager=not no_pager)
    if not res.results:
        raise typer.Exit(1)
