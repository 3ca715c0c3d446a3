"""The database a command works on: where it is (--db, $KB_DB …), opened for reading or writing,
its stale derived parts rebuilt, and a new user's empty database filled from the bundled captures.
"""
from __future__ import annotations

import sys
from pathlib import Path

from kb.cli.app import state


def db_path() -> Path:
    """--db, $KB_DB, the config's db or the default; the config file is read only when neither
    --db nor $KB_DB says (its module alone costs more than `kb latest` may spend)."""
    from kb import paths
    from kb.errors import UsageError

    try:
        return paths.db_path_origin(state.db, _configured_db)[0]
    except paths.NoHome as exc:
        raise UsageError(str(exc)) from None


def _configured_db():
    from kb import config

    return config.configured_db()


def writable(path: Path) -> bool:
    from kb.store.connect import writable as may_write

    return may_write(path)


def _fresh(conn, parts: tuple[str, ...]):
    """conn with the derived parts a migration marked stale rebuilt, and these parts (e.g. the
    search index, whose dictionary may have changed) checked too."""
    from kb.store.meta import stale_marks

    if stale_marks(conn) or parts:  # nothing to load for the common case, a fresh database
        from kb import derived

        derived.refresh(conn, check=False)
        if parts:
            derived.refresh(conn, parts)
    return conn


def open_for_write(parts: tuple[str, ...] = ()):
    from kb.errors import DatabaseError
    from kb.store.connect import open_db

    path = db_path()
    if not writable(path):
        raise DatabaseError(f"the database {path} is read-only here (its file or folder is not writable, or KB_READONLY is set); reading commands still work")
    return _fresh(open_db(path), parts)


def open_for_read(parts: tuple[str, ...] = ()):
    """Open for a reading command; a new user's empty database is filled from the bundled captures.

    parts: derived parts the command reads and that may need a rebuild (("search",) for a search)."""
    from kb.posts import reads
    from kb.store.connect import open_db

    path = db_path()
    if not writable(path):
        return open_db(path, readonly=True)
    conn = _fresh(open_db(path), parts)
    if not reads.has_posts(conn) and not reads.ever_imported(conn):
        _import_bundled(conn)
    return conn


def open_existing(*, create: bool = False):
    """The database as it is, for kb stats and kb doctor: never filled with the bundled captures."""
    from kb.errors import DatabaseError
    from kb.store.connect import open_db

    path = db_path()
    if not create and not path.exists():
        raise DatabaseError(f"no database at {path} (run kb import, or any reading command)")
    if not writable(path):
        return open_db(path, readonly=True, create=False)
    return _fresh(open_db(path, create=create), ())


def _import_bundled(conn) -> None:
    from kb import paths
    from kb.cli import render
    from kb.ingest import importer

    files = [str(p) for p in paths.bundled_captures()]
    sys.stderr.write(f"kb: no posts yet in {db_path()}; importing the {len(files)} bundled captures\n")
    report = importer.import_paths(conn, files)
    sys.stderr.write("kb: " + render.import_summary(report.as_dict()) + "\n")


def out():
    from kb.cli import render

    return render.console()
