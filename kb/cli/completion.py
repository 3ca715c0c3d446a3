"""Dynamic shell completion: slugs (with titles), categories, topics and sources, for typer's autocompletion=.

Read-only and silent: any error means no suggestions; never creates a database or imports captures.
"""
from __future__ import annotations

import os
from pathlib import Path

LIMIT = 200


def _db_file(ctx) -> Path | None:
    try:
        from kb import config

        explicit = None
        root = ctx.find_root() if ctx is not None else None
        if root is not None:
            explicit = root.params.get("db")
        path = config.db_path(explicit)
        return path if path.is_file() else None
    except Exception:  # noqa: BLE001 - completion must never print an error into the prompt
        return None


def _read(ctx, fn, *args) -> list:
    """fn(conn, *args) on a quick read-only connection; nothing at all on any error."""
    path = _db_file(ctx)
    if path is None:
        return []
    try:
        from kb.store.connect import peek

        conn = peek(path)
        try:
            return fn(conn, *args)
        finally:
            conn.close()
    except Exception:  # noqa: BLE001 - silent on any error
        return []


def _one_line(text: str | None) -> str:
    from kb.text import sanitize

    return " ".join(sanitize(text or "").split())


def complete_slug(ctx, args, incomplete: str) -> list[tuple[str, str]]:
    from kb.posts.reads import slugs_starting

    return [(slug, _one_line(title)) for slug, title in _read(ctx, slugs_starting, incomplete, LIMIT)]


def complete_category(ctx, args, incomplete: str) -> list[tuple[str, str]]:
    from kb.posts.reads import categories

    low = incomplete.casefold()
    rows = sorted(_read(ctx, categories), key=lambda r: r["category"])
    return [(r["category"], f"{r['posts']} posts") for r in rows if r["category"].casefold().startswith(low)]


def complete_source(ctx, args, incomplete: str) -> list[tuple[str, str]]:
    """Imported sources for kb forget: their paths as kb sources shows them, or their file names."""
    out = []
    given = set(args) | set((ctx.params.get("refs") if ctx is not None else None) or [])
    for path, name, kind, excerpts in _read(ctx, lambda conn: conn.execute(
            "SELECT path, name, format, excerpts FROM sources ORDER BY id").fetchall()):
        value = path if path.startswith(incomplete) else name if name.startswith(incomplete) else None
        if value is not None and value not in given:
            out.append((value, f"{kind or 'text'}, {excerpts} excerpts"))
    return out[:LIMIT]


def complete_topic(ctx, args, incomplete: str) -> list[tuple[str, str]]:
    """Topics from data/topics.yaml and the config (with their card counts, as stored at import), then
    the categories (--topic takes both)."""
    found: dict[str, str] = {}
    try:
        names = _topic_names()
        counts = dict(_read(ctx, _topic_counts, names))
        for name in names:
            n = counts.get(name)
            found.setdefault(name, "topic" if n is None else f"topic, {n} card{'' if n == 1 else 's'}")
    except Exception:  # noqa: BLE001 - a broken topics file must not break the prompt
        pass
    low = incomplete.casefold()
    out = [(n, d) for n, d in sorted(found.items()) if n.casefold().startswith(low)]
    return out + [c for c in complete_category(ctx, args, incomplete) if c[0] not in found]


def _topic_counts(conn, names: list[str]) -> list[tuple[str, int]]:
    from kb.quiz import topics

    known = topics.load()
    return list(topics.stored_counts(conn, {n: known[n] for n in names if n in known}).items())


def _topic_names() -> list[str]:
    from kb import config

    from kb.quiz import topics

    names = list(config.load().topics)
    try:
        names += [n for n in topics.load() if n not in names]
    except Exception:  # noqa: BLE001 - a broken topics file must not break the prompt
        pass
    return names


def completing() -> bool:
    """True while the shell asks for completions (the process must stay quiet and quick)."""
    return "_KB_COMPLETE" in os.environ


def _bash_word(value: str) -> str:
    """value as bash must receive it: bash inserts a completion as it is (zsh and fish quote it
    themselves), so the space of "Deep Learning" would otherwise split it into two words."""
    import re
    import shlex

    try:
        shlex.split(os.environ.get("COMP_WORDS", ""))
    except ValueError:
        return value  # the word being completed opened a quote: inside it nothing needs escaping
    return re.sub(r"([^\w@%+=:,./-])", r"\\\1", value)


def _escape_for_bash() -> None:
    """Route typer's bash completion output through _bash_word. Typer matches completions against
    the typed word before formatting them, so the escaping must happen here, at the very end."""
    from typer import _completion_classes, completion
    from typer._click.shell_completion import add_completion_class

    class BashComplete(_completion_classes.BashComplete):
        def format_completion(self, item) -> str:
            return _bash_word(item.value)

    typer_init = completion.completion_init

    def completion_init() -> None:
        typer_init()
        add_completion_class(BashComplete, "bash")

    completion.completion_init = completion_init


if os.environ.get("_KB_COMPLETE") == "complete_bash":
    _escape_for_bash()
