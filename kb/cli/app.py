"""The typer app itself: global options, one-line errors (exit 1, usage 2), signals, main().

Commands live in kb.cli.commands_*; they parse options, call the core and hand results to
kb.cli.render. No SQL and no markup here.
"""
from __future__ import annotations

import errno
import functools
import os
import sys
import traceback
from typing import Annotated, Optional

import typer

from kb import __version__
from kb.cli.fastparams import install as plain_params
from kb.errors import KbError
from kb.text import visible

plain_params()  # str/int options without typer's pydantic import: ~80 ms of every command

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
    from kb import config
    from kb.errors import from_sqlite

    # A read-only, locked, damaged or unusable database file is the user's to fix: say which.
    try:
        db = config.db_path(state.db)
    except Exception:  # noqa: BLE001 - the handler itself must not fail
        db = "kb's database"
    known = from_sqlite(exc, db)
    if known is not None:
        fail(str(known), known.exit_code)
    if isinstance(exc, UnicodeEncodeError) and "surrogates not allowed" in str(exc):
        # Bytes that are no UTF-8 in an argument ($'\xff' from a shell) reach Python as surrogates.
        fail("an argument is not UTF-8 text (written in another encoding?): give it in UTF-8", 2)
    if isinstance(exc, UnicodeEncodeError) and exc.encoding.lower().replace("-", "") != "utf8":
        # The terminal or pipe is set to an encoding without Chinese (PYTHONIOENCODING, a code page).
        fail(f"the output's encoding ({exc.encoding}) cannot show this text: use a UTF-8 locale or set PYTHONIOENCODING=utf-8")
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
    """Console-script entry point (kb.cli.main: the package loads every command first)."""
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
        sys.stderr.write(f"kb: error: {visible(message)}{where}\n")
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    except Stopped as exc:
        import signal

        try:
            sys.stderr.write(f"kb: stopped by {signal.Signals(exc.signum).name}\n")
            sys.stderr.flush()
        except OSError:  # SIGHUP: the terminal may be gone
            pass
        raise SystemExit(128 + exc.signum) from None
