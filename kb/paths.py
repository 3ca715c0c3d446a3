"""Where things live: kb's own folder (KB_HOME, the user data folder) and the bundled data/.

Imports nothing of kb; looks at the disk, never writes to it (callers create what they need).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

APP_NAME = "kb"


class NoHome(ValueError):
    """A ~user in a path whose user has no home folder; the message names where the path came from."""


def data_home() -> Path:
    """The folder for kb's own files: KB_HOME, else the platform's user data folder."""
    home = os.environ.get("KB_HOME")
    if home:
        return expand(home, "$KB_HOME")
    if sys.platform.startswith("linux") or os.environ.get("XDG_DATA_HOME"):
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / APP_NAME
    import typer  # get_app_dir knows macOS and Windows conventions

    return Path(typer.get_app_dir(APP_NAME))


def expand(raw: str | os.PathLike, origin: str) -> Path:
    """raw with ~ or ~user expanded; a user with no home is NoHome, naming origin (--db, $KB_DB …)."""
    try:
        return Path(raw).expanduser()
    except RuntimeError:
        raise NoHome(f"{origin} {raw}: no home folder for that user to expand ~ to") from None


def db_path_origin(explicit: str | os.PathLike | None,
                   configured: Callable[[], tuple[Path, str] | None]) -> tuple[Path, str]:
    """The database file and where that choice came from: --db PATH, else $KB_DB, else what
    configured() gives (the config file's db, asked only when needed), else kb.db in data_home()."""
    if explicit:
        return expand(explicit, "--db"), "--db"
    env = os.environ.get("KB_DB")
    if env:
        return expand(env, "$KB_DB"), "$KB_DB"
    found = configured()
    if found is not None:
        return found
    return data_home() / "kb.db", "$KB_HOME" if os.environ.get("KB_HOME") else "default"


def bundled_data() -> Path:
    """The installed data/ folder (package kb.data), as a real path on disk."""
    from importlib import resources  # ~2 ms: only for what reads the bundled data

    try:
        return Path(str(resources.files("kb.data")))
    except ModuleNotFoundError:
        # kb imported from a source checkout that is not installed: data/ is beside kb/.
        return Path(__file__).resolve().parent.parent / "data"


def bundled_captures() -> list[Path]:
    """The captures shipped with kb, in file-name order."""
    return sorted(p for p in bundled_data().glob("*.txt") if p.is_file())
