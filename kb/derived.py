"""The registry of derived data: everything kb computes from the posts (titles, the search index, cards,
the quiz topics' members, order, related posts) is a Part, and is kept fresh one way, through the functions here.

The importer, migrations' stale marks, `kb doctor --fix` and a changed dictionary all come here;
whoever calls a Part's hook owns the transaction (the importer's file, or the one opened here).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Callable, Iterable

from kb.errors import InternalError, KbError, from_sqlite
from kb.store.meta import clear_stale, stale_marks
from kb.store.transaction import transaction

# The precompute object: ahead(fn, text) is fn(text), taken from what import workers computed when
# they did (kb.ingest.workers.Ahead).
Ahead = Callable[[Callable[[str], object], str], object]


def compute(fn: Callable[[str], object], text: str) -> object:
    """The Ahead that has nothing ahead: it computes (for rebuilds, outside an import)."""
    return fn(text)


@dataclass(frozen=True)
class Part:
    """A kind of data derived from the posts, and how to keep it fresh.

    name: how marks, errors and `kb doctor` call it.
    rebuild(conn, ahead): derive it again for every post (inside the caller's transaction).
    prepare(ahead, text): what import workers compute for an excerpt's text, by asking ahead for
        it; pure functions of the text only, since they may run in another process. Whatever
        posts_changed or after_import asks of ahead, prepare must ask too, or it is computed twice.
    posts_changed(conn, post_ids, ahead): posts created or whose text changed, inside the file's
        transaction.
    after_import(conn, ahead): once per import that changed anything, inside its own transaction.
    stale(conn): why it must be rebuilt although nothing marked it (a changed dictionary), or None.
    refresh(conn, ahead): what brings it up to date when stale says so and nothing marked it, where
        less than a rebuild will do (default: rebuild).
    tables: the tables it owns, which kb doctor --fix may recreate and refill.
    """

    name: str
    rebuild: Callable[[sqlite3.Connection, Ahead], None]
    prepare: Callable[[Ahead, str], None] | None = None
    posts_changed: Callable[[sqlite3.Connection, list[int], Ahead], None] | None = None
    after_import: Callable[[sqlite3.Connection, Ahead], None] | None = None
    stale: Callable[[sqlite3.Connection], str | None] | None = None
    refresh: Callable[[sqlite3.Connection, Ahead], None] | None = None
    tables: tuple[str, ...] = ()


def _titles() -> Part:
    from kb.show import titles

    return Part("titles", titles.rebuild, prepare=titles.prepare, posts_changed=titles.posts_changed,
                stale=titles.stale, tables=titles.TABLES)


def _search() -> Part:
    from kb.search import index

    return Part("search", index.rebuild, prepare=index.prepare, posts_changed=index.posts_changed,
                stale=index.stale, tables=index.TABLES)


def _cards() -> Part:
    from kb.cards import store

    return Part("cards", store.rebuild, prepare=store.prepare, posts_changed=store.posts_changed,
                tables=store.TABLES)


def _topics() -> Part:
    from kb.quiz import membership

    return Part("topics", membership.rebuild, posts_changed=membership.posts_changed,
                after_import=membership.after_import, stale=membership.stale, refresh=membership.refresh,
                tables=membership.TABLES)


def _order() -> Part:
    from kb.posts import order

    return Part("order", lambda conn, ahead: order.refresh(conn), after_import=lambda conn, ahead: order.refresh(conn))


def _related() -> Part:
    from kb.search import related

    return Part("related", related.refresh, after_import=related.refresh,
                tables=related.TABLES)


# The built-in parts in the order their hooks run (titles first: the search index holds them; the
# search index and the cards before the topics: a topic's members are the cards' definitions in the
# posts the index matches). Each is loaded, and registered, when first wanted: a command that only
# needs the search index does not load card extraction.
_BUILTINS: dict[str, Callable[[], Part]] = {"titles": _titles, "search": _search, "cards": _cards, "topics": _topics,
                                            "order": _order, "related": _related}
_ORDER: list[str] = list(_BUILTINS)
_PARTS: dict[str, Part] = {}


def register(part: Part) -> Part:
    """Add a part, after the built-in ones (which come through here too); its name must be new."""
    if part.name in _PARTS or (part.name in _ORDER and part.name not in _BUILTINS):
        raise ValueError(f"a derived part named {part.name!r} is registered already")
    if part.name not in _ORDER:
        _ORDER.append(part.name)
    _PARTS[part.name] = part
    return part


def parts(names: Iterable[str] | None = None) -> list[Part]:
    """The registered parts in the order their hooks run, or those of the given names."""
    wanted = list(_ORDER) if names is None else list(names)
    unknown = set(wanted) - set(_ORDER)
    if unknown:
        raise ValueError(f"no derived part named {', '.join(sorted(unknown))}")
    out = []
    for name in _ORDER:
        if name in wanted:
            if name not in _PARTS:
                register(_BUILTINS[name]())
            out.append(_PARTS[name])
    return out


def preparers() -> list[Callable[[Ahead, str], None]]:
    """Every part's prepare, in order: what import workers run over each excerpt."""
    return [p.prepare for p in parts() if p.prepare is not None]


def _guarded(part: Part, fn: Callable, *args) -> None:
    """fn(*args); an exception that is not the user's (a KbError) is a bug of the part's."""
    try:
        fn(*args)
    except (KbError, sqlite3.OperationalError):
        raise  # the user's to fix, or the database's state (locked, read-only): not a bug
    except sqlite3.DatabaseError as exc:
        if from_sqlite(exc, "") is not None:
            raise  # a damaged database file (malformed, not a database): the CLI says so, not a bug
        raise InternalError(part.name, exc) from exc
    except Exception as exc:
        raise InternalError(part.name, exc) from exc


def posts_changed(conn: sqlite3.Connection, post_ids: list[int], ahead: Ahead) -> None:
    """Every part's posts_changed, inside the caller's transaction (an import's file)."""
    for part in parts():
        if part.posts_changed is not None:
            _guarded(part, part.posts_changed, conn, post_ids, ahead)


def after_import(conn: sqlite3.Connection, ahead: Ahead) -> None:
    """Every part's after_import, inside the caller's transaction."""
    for part in parts():
        if part.after_import is not None:
            _guarded(part, part.after_import, conn, ahead)


def stale(conn: sqlite3.Connection, names: Iterable[str] | None = None, *, check: bool = True) -> dict[str, str]:
    """name → why, for the parts that need a rebuild: marked stale (by a migration), or, with check,
    found stale by the part itself (the search index and a changed dictionary)."""
    marks = stale_marks(conn)
    out: dict[str, str] = {}
    for part in parts(names):
        if part.name in marks:
            out[part.name] = f"marked stale by {marks[part.name]}"
        elif check and part.stale is not None:
            why = part.stale(conn)
            if why:
                out[part.name] = why
    return out


def rebuild(conn: sqlite3.Connection, names: Iterable[str] | None = None, ahead: Ahead = compute) -> list[str]:
    """Rebuild these parts (default: all) now, each in its own transaction; returns their names."""
    done = []
    for part in parts(names):
        with transaction(conn):
            _guarded(part, part.rebuild, conn, ahead)
            clear_stale(conn, part.name)
        done.append(part.name)
    return done


def refresh(conn: sqlite3.Connection, names: Iterable[str] | None = None, *, check: bool = True) -> list[str]:
    """Rebuild the parts that need it (see stale), each under the write lock, re-checked there (another
    process may have just done it); returns the names rebuilt. A read-only database is left as it
    is: its commands read what is there."""
    if not check and not stale_marks(conn):
        return []  # the common case, answered without loading any part's code
    if not stale(conn, names, check=check):
        return []
    done = []
    for part in parts(names):
        try:
            with transaction(conn):
                if part.name not in stale(conn, [part.name], check=check):
                    continue
                # Marked by a migration: rebuilt; stale by its own check: refreshed, if it says how.
                marked = part.name in stale_marks(conn)
                _guarded(part, part.rebuild if marked or part.refresh is None else part.refresh, conn, compute)
                clear_stale(conn, part.name)
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                return done
            raise
        done.append(part.name)
    return done
