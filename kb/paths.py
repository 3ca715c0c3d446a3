"""Where things live: the database (--db, KB_DB, KB_HOME, the user data folder) and bundled data/.

Nothing here touches the disk beyond looking; callers create what they need.
"""
from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

APP_NAME = "kb"


def data_home() -> Path:
    """The folder for kb's own files: KB_HOME, else the platform's user data folder."""
    home = os.environ.get("KB_HOME")
    if home:
        return _expand(home, "$KB_HOME")
    if sys.platform.startswith("linux") or os.environ.get("XDG_DATA_HOME"):
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / APP_NAME
    import typer  # get_app_dir knows macOS and Windows conventions

    return Path(typer.get_app_dir(APP_NAME))


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: --db PATH, else KB_DB, else the config's db, else kb.db in data_home()."""
    return db_path_origin(explicit)[0]


def db_path_origin(explicit: str | os.PathLike | None = None) -> tuple[Path, str]:
    """The database file and where that choice came from (for `kb config`)."""
    if explicit:
        return _expand(explicit, "--db"), "--db"
    env = os.environ.get("KB_DB")
    if env:
        return _expand(env, "$KB_DB"), "$KB_DB"
    from kb import config

    cfg = config.load()
    if cfg.db is not None:
        return cfg.db, cfg.origin("db")
    return data_home() / "kb.db", "$KB_HOME" if os.environ.get("KB_HOME") else "default"


def _expand(raw: str | os.PathLike, origin: str) -> Path:
    """raw with ~ or ~user expanded; a user with no home is the user's error, not a crash."""
    try:
        return Path(raw).expanduser()
    except RuntimeError:
        from kb.errors import UsageError

        raise UsageError(f"{origin} {raw}: no home folder for that user to expand ~ to") from None


def bundled_data() -> Path:
    """The installed data/ folder (package kb.data), as a real path on disk."""
    try:
        return Path(str(resources.files("kb.data")))
    except ModuleNotFoundError:
        # kb imported from a source checkout that is not installed: data/ is beside kb/.
        return Path(__file__).resolve().parent.parent / "data"


def bundled_captures() -> list[Path]:
    """The captures shipped with kb, in file-name order."""
    return sorted(p for p in bundled_data().glob("*.txt") if p.is_file())
