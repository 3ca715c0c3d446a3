"""The typer app: parse options, call the core, hand results to kb.render.

No SQL and no markup here; every KbError becomes one line on stderr and exit 1 (usage 2).
"""
from __future__ import annotations

import errno
import functools
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer

from kb import __version__
from kb.completion import complete_category, complete_slug, complete_topic
from kb.errors import KbError
from kb.fastparams import install as _plain_params

_plain_params()  # str/int options without typer's pydantic import: ~80 ms of every command

app = typer.Typer(
    name="kb",
    help="A terminal knowledge base and flashcard quiz over a Chinese ML blog's captured posts.",
    add_completion=True,  # --show-completion and _KB_COMPLETE=source_bash|zsh|fish (see completions/)
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


# The most --limit or --count may ask for: SQLite's LIMIT is a 64-bit integer, and a number beyond
# it was an OverflowError; a billion is more than any listing holds.
MAX_COUNT = 1_000_000_000


class State:
    db: Optional[str] = None
    debug: bool = False


state = State()


def fail(message: str, code: int = 1) -> None:
    sys.stderr.write(f"kb: error: {message}\n")
    sys.stderr.flush()
    raise typer.Exit(code)


def guarded(fn):
    """Turn KbError and any unexpected error into one line on stderr (a traceback with --debug)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except KbError as exc:
            if state.debug:
                traceback.print_exc()
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            sys.stderr.write("kb: interrupted\n")
            raise typer.Exit(130)
        except BrokenPipeError:
            # The reader went away (kb latest | head): nothing left to say to anyone.
            try:
                sys.stdout = open(os.devnull, "w")
            except OSError:
                pass
            raise typer.Exit(0)
        except OSError as exc:
            if exc.filename is not None or exc.errno not in _OUTPUT_ERRNOS or state.debug:
                _unexpected(exc)
            # No file named: writing kb's output failed (a full disk, > /dev/full, a lost terminal).
            try:
                sys.stdout = open(os.devnull, "w")  # so that the exit's own flush does not fail again
            except OSError:
                pass
            fail(f"cannot write the output: {exc.strerror or exc}")
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            _unexpected(exc)

    return wrapper


_OUTPUT_ERRNOS = {getattr(errno, name) for name in ("ENOSPC", "EIO", "EDQUOT", "EFBIG") if hasattr(errno, name)}


def _unexpected(exc: Exception) -> None:
    """One line for an error kb did not anticipate (called inside its except block: --debug prints it)."""
    if state.debug:
        traceback.print_exc()
        raise typer.Exit(1)
    from kb.errors import from_sqlite

    # A read-only, locked, damaged or unusable database file is the user's to fix: say which.
    try:
        db = _db_path()
    except Exception:  # noqa: BLE001 - the handler itself must not fail
        db = "kb's database"
    known = from_sqlite(exc, db)
    if known is not None:
        fail(str(known), known.exit_code)
    fail(f"unexpected error: {type(exc).__name__}: {exc} (rerun with --debug for details)")


def command(*args, **kwargs):
    def deco(fn):
        return app.command(*args, **kwargs)(guarded(fn))

    return deco


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kb {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    db: Annotated[Optional[str], typer.Option("--db", help="Database file (default: $KB_DB, else kb.db in $KB_HOME or the user data folder).", metavar="PATH")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    state.db = db
    state.debug = debug


# ---------------------------------------------------------------- database access


def _db_path() -> Path:
    from kb import paths

    return paths.db_path(state.db)


def _writable(path: Path) -> bool:
    from kb.db import writable

    return writable(path)


def open_for_write():
    from kb.db import open_db
    from kb.errors import DatabaseError

    path = _db_path()
    if not _writable(path):
        raise DatabaseError(f"the database {path} is read-only here (its file or folder is not writable, or KB_READONLY is set); reading commands still work")
    return open_db(path)


def open_for_read():
    """Open for a reading command; a new user's empty database is filled from the bundled captures."""
    from kb import query
    from kb.db import open_db

    path = _db_path()
    if not _writable(path):
        return open_db(path, readonly=True)
    conn = open_db(path)
    if not query.has_posts(conn) and not _ever_imported(conn):
        _import_bundled(conn)
    return conn


def _ever_imported(conn) -> bool:
    return conn.execute("SELECT 1 FROM sources LIMIT 1").fetchone() is not None


def _import_bundled(conn) -> None:
    from kb import importer, paths, render

    files = [str(p) for p in paths.bundled_captures()]
    sys.stderr.write(f"kb: no posts yet in {_db_path()}; importing the {len(files)} bundled captures\n")
    report = importer.import_paths(conn, files)
    sys.stderr.write("kb: " + render.import_summary(report.as_dict()) + "\n")


def out():
    from kb import render

    return render.console()


# ---------------------------------------------------------------- commands


@command("import")
def import_cmd(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Capture files, folders (recursive, *.txt), or - for stdin; none: the config's capture folders.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import captured listing pages: dedupe excerpts into posts, record every sighting."""
    from kb import config, importer, render
    from kb.errors import UsageError

    if not paths:
        cfg = config.load()
        if not cfg.captures:
            raise UsageError(f"no paths given, and no capture folders configured (set captures: in {cfg.file})")
        paths = [str(p) for p in cfg.captures]
    if any(not p.strip() for p in paths):
        # An empty path is the current folder to the file system: kb import "$UNSET" would import
        # every *.txt below wherever the user stands.
        raise UsageError("an empty path (an unset shell variable?): name a file, a folder or -")
    conn = open_for_write()
    report = importer.import_paths(conn, paths).as_dict()
    for err in report["errors"]:
        sys.stderr.write(f"kb: error: {_printable(err['path'])}: {_printable(err['error'])}\n")
    if as_json:
        render.print_json(report)
    else:
        out().print(render.import_summary(report))
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
    from kb import pager, query, render

    if since is not None:
        _check_date(since)
    conn = open_for_read()
    posts = query.latest(conn, limit=limit, category=category, since=since)
    if as_json:
        render.print_json(
            [{k: p[k] for k in ("slug", "title", "category", "date", "truncated")} for p in posts]
        )
        return
    if not posts:
        sys.stderr.write("kb: no posts match\n")
        return
    pager.show(out(), render.latest_table(posts), use_pager=not no_pager)


def _printable(text: str) -> str:
    """A file name as a visible escape where it holds a newline, ESC, bidi control or undecodable
    byte: its error stays one line and never drives the terminal."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


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
    from kb import query, render

    conn = open_for_read()
    rows = query.categories(conn)
    if as_json:
        render.print_json(rows)
    else:
        out().print(render.categories_table(rows, query.uncategorized(conn)))


@command("show")
def show_cmd(
    ref: Annotated[str, typer.Argument(help="A slug, a unique slug prefix, or a title fragment.", metavar="SLUG", autocompletion=complete_slug)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    raw: Annotated[bool, typer.Option("--raw", help="Show the captured text as it is.")] = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Never page the output.")] = False,
) -> None:
    """Show one post: sections, formulas in Unicode, key terms, related posts."""
    from kb import article, pager, query, render

    conn = open_for_read()
    post = query.get_post(conn, query.resolve_post(conn, ref))
    view = article.view(conn, post)
    if as_json:
        keys = ("slug", "title", "category", "date", "text", "truncated", "sources", "related")
        render.print_json({k: view[k] for k in keys})
        return
    pager.show(out(), article.render(view, raw=raw), use_pager=not no_pager)


@command("stats")
def stats_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Counts of posts, sightings, sources, cards and reviews."""
    from kb import query, render
    from kb.db import open_db
    from kb.errors import DatabaseError

    path = _db_path()
    if not path.exists():
        raise DatabaseError(f"no database at {path} (run kb import, or any reading command)")
    conn = open_db(path, readonly=not _writable(path))
    data = query.stats(conn)
    if as_json:
        render.print_json(data)
    else:
        out().print(render.stats_text(data))


@command("config")
def config_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    example: Annotated[bool, typer.Option("--example", help="Print a commented example config file.")] = False,
) -> None:
    """Show the effective settings and where each came from (file:line, environment, default)."""
    from kb import config, render

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
    from kb import doctor, render
    from kb.db import open_db
    from kb.errors import DatabaseError

    path = _db_path()
    if fix and path.exists() and not _writable(path):
        raise DatabaseError(f"the database {path} is read-only here: doctor can check it, not --fix it")
    conn = open_db(path, create=False, readonly=not _writable(path))
    findings = doctor.run(conn, fix=fix)
    if as_json:
        render.print_json([f.as_dict() for f in findings])
    else:
        out().print(render.doctor_table([f.as_dict() for f in findings]))
    if not doctor.healthy(findings):
        raise typer.Exit(1)


# ---------------------------------------------------------------- quiz and cards


def _topic_pool(conn, topic: Optional[str]) -> Optional[set]:
    """The card ids of --topic (None: every card); an unknown topic is an error with suggestions."""
    if topic is None:
        return None
    from kb import topics

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
    from kb import config, quiz, quiz_screen, render

    defaults = config.load().quiz  # the config file's quiz: section (count, mode, new_per_day, retention)
    mode = mode or defaults.mode
    count = count or defaults.count
    kinds = quiz.kinds_for_mode(mode)
    if not (cram or as_json or _writable(_db_path())):
        from kb.errors import DatabaseError

        raise DatabaseError(f"the database {_db_path()} is read-only here: grades cannot be stored (kb quiz --cram practises without storing)")
    conn = open_for_read()
    pool = _topic_pool(conn, topic)
    picked = quiz.pick(conn, kinds=kinds, pool=pool, count=count, cram=cram, new_per_day=defaults.new_per_day)
    if as_json:
        keys = ("card_id", "kind", "question", "answer", "slug", "term", "choices")
        render.print_json([{k: q[k] for k in keys} for q in (quiz.question(conn, c, pool=pool) for c in picked["ids"])])
        return
    if not picked["ids"]:
        if pool is not None and not pool:
            sys.stderr.write(f"kb: no cards for topic {topic!r}\n")
            return
        nxt = quiz.next_due(conn, pool)
        sys.stderr.write("kb: nothing to review now" + (f"; next card due {nxt}" if nxt else "") + "\n")
        return
    quiz_screen.run(conn, out(), quiz_screen.Keys(), picked, mode=mode, pool=pool, cram=cram,
                    retention=defaults.retention)


cards_app = typer.Typer(help="The flashcards extracted from the posts.", rich_markup_mode=None, add_completion=False)
app.add_typer(cards_app, name="cards")


@cards_app.callback(invoke_without_command=True)
@guarded
def cards_cmd(
    ctx: typer.Context,
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="Only this topic, category or search terms.", autocompletion=complete_topic)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the cards (kb cards export writes them for Anki)."""
    if ctx.invoked_subcommand:
        return
    from kb import cards, render

    conn = open_for_read()
    rows = cards.list_cards(conn, ids=_topic_pool(conn, topic))
    if as_json:
        render.print_json(rows)
    else:
        out().print(render.cards_table(rows))


@cards_app.command("export")
@guarded
def cards_export_cmd(
    path: Annotated[Path, typer.Argument(help="The file to write.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="apkg (Anki package), tsv (Anki text import) or json.")] = "apkg",
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="Only this topic, category or search terms.", autocompletion=complete_topic)] = None,
) -> None:
    """Write one note per definition to PATH; GUIDs are stable, so re-importing updates notes."""
    from kb import cards

    conn = open_for_read()
    n = cards.export(conn, path, fmt, ids=_topic_pool(conn, topic))
    sys.stderr.write(f"kb: wrote {n} notes to {path}\n")


@command("search", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": True})
def search_cmd(
    words: Annotated[Optional[list[str]], typer.Argument(help='Query: words, "exact phrase", -exclude, OR.', metavar="QUERY...", show_default=False)] = None,
    category: Annotated[Optional[str], typer.Option("--category", "-c", help="Only this category (any case, fuzzy).", autocompletion=complete_category)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, max=MAX_COUNT, help="How many results (0: all).")] = 10,
    explain: Annotated[bool, typer.Option("--explain", help="Show the segmentation, expansions and MATCH expressions.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search posts in Chinese or English; a word starting with - is excluded (kb search 扩散 -模型)."""
    from kb import render, search

    conn = open_for_read()
    res = search.search(conn, " ".join(words or []), category=category, limit=limit)
    if explain:
        text = "\n".join(search.explain_lines(res)) + "\n"
        (sys.stderr if as_json else sys.stdout).write(text)
    for note in res.notes:
        sys.stderr.write(f"kb: {note}\n")
    if res.suggestions and not res.results:
        sys.stderr.write("kb: did you mean: " + ", ".join(res.suggestions) + "\n")
    if as_json:
        keys = ("slug", "title", "category", "date", "score", "snippet")
        render.print_json([{k: r[k] for k in keys} for r in res.results])
    elif res.results:
        out().print(render.search_results(res.results))


@command("topics")
def topics_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the quiz topics (data/topics.yaml) with their card and due counts."""
    from kb import render, topics

    conn = open_for_read()
    rows = topics.overview(conn)
    if as_json:
        render.print_json(rows)
    else:
        out().print(render.topics_table(rows))


class Stopped(BaseException):
    """SIGTERM or SIGHUP (timeout, kill, a closed terminal), raised where kb is so that it unwinds as
    for Ctrl-C: the open transaction rolled back, import workers and their temporary files removed.
    Not an Exception, so no handler on the way mistakes it for an error, nor a KeyboardInterrupt,
    which the quiz and the pager take as the user's own keypress."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop_on_signals() -> None:
    import signal

    me = os.getpid()

    def stop(signum, frame):
        signal.signal(signum, signal.SIG_DFL)  # a second one ends kb at once
        if os.getpid() != me:
            # A forked import worker (its importer stops it with SIGTERM): die as the signal
            # says, silently; it holds nothing that needs unwinding.
            os.kill(os.getpid(), signum)
            return
        raise Stopped(signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def main() -> None:
    """Console-script entry point."""
    _stop_on_signals()
    try:
        # Not standalone: a usage error comes back here, to be said in one line like kb's own.
        code = app(prog_name="kb", standalone_mode=False)
        raise SystemExit(code if isinstance(code, int) else 0)
    except typer.Abort:  # Ctrl-C or Ctrl-D while typer itself was prompting or parsing
        sys.stderr.write("kb: interrupted\n")
        raise SystemExit(130) from None
    except typer.TyperException as exc:  # bad usage: unknown option or command, a missing or bad value
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare kb: its help, as Click shows it
            exc.show()
            raise SystemExit(exc.exit_code) from None
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        ctx = getattr(exc, "ctx", None)
        where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
        sys.stderr.write(f"kb: error: {_printable(message)}{where}\n")
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    except Stopped as exc:
        import signal

        try:
            sys.stderr.write(f"kb: stopped by {signal.Signals(exc.signum).name}\n")
            sys.stderr.flush()
        except OSError:  # SIGHUP: the terminal may be gone
            pass
        raise SystemExit(128 + exc.signum) from None


if __name__ == "__main__":  # pragma: no cover
    main()
