"""Open the database: connection pragmas, and the schema's migrations applied on open.

Migrations are small named functions, applied in order and never edited once landed.
"""
from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from kb.errors import DatabaseError

BUSY_TIMEOUT_MS = 30_000

MIGRATIONS: list[Callable] = []


def migration(fn: Callable) -> Callable:
    """Register fn as the next schema change; its name is recorded once applied."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_posts_sources_sightings(db) -> None:
    db["sources"].create(
        {
            "id": int,
            "path": str,  # where it was read from ("-" for stdin)
            "name": str,  # the capture's file name, as sightings show it
            "sha256": str,
            "size": int,
            "excerpts": int,
            "imported_at": str,
        },
        pk="id",
    )
    db["sources"].create_index(["sha256"], unique=True)
    db["sources"].create_index(["path"])
    db["posts"].create(
        {
            "id": int,
            "slug": str,
            "title": str,
            "text": str,  # the longest captured text, without the site's ellipsis
            "norm": str,  # capture.normalize(text): the comparison form
            "block": str,  # a prefix of norm: near-duplicate candidates share it
            "truncated": int,
            "category": str,
            "date": str,
            "rank": int,  # position in kb latest, newest first (see kb.order)
            "date_after": str,  # for undated posts: bounds implied by dated neighbours
            "date_before": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"slug", "title", "text", "norm", "block"},
        defaults={"truncated": 0},
    )
    db["posts"].create_index(["slug"], unique=True)
    db["posts"].create_index(["block"])
    db["posts"].create_index(["rank"])
    db["sightings"].create(
        {
            "id": int,
            "post_id": int,
            "source_id": int,
            "file": str,
            "position": int,
            "line": int,
            "text": str,  # this sighting's own text: nothing captured is lost
            "truncated": int,
            "category": str,
            "date": str,
        },
        pk="id",
        foreign_keys=[("post_id", "posts", "id"), ("source_id", "sources", "id")],
    )
    db["sightings"].create_index(["post_id"])
    db["sightings"].create_index(["source_id", "position"], unique=True)
    db["meta"].create({"key": str, "value": str}, pk="key")


@migration
def m003_cards_reviews(db) -> None:
    db["cards"].create(
        {
            "id": str,  # card_id(slug, term, kind): never derived from the definition text
            "post_id": int,
            "slug": str,
            "term": str,
            "norm_term": str,
            "aliases": str,  # JSON list
            "definition": str,
            "kind": str,
            "pattern": str,
            "position": int,  # where in the post the definition starts
            "active": int,  # 0: no longer found in its post; kept because it has reviews
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"post_id", "slug", "term", "norm_term", "definition", "kind"},
        defaults={"active": 1, "aliases": "[]"},
    )
    db["cards"].create_index(["post_id"])
    db["cards"].create_index(["kind", "active"])
    # Scheduling state and history are kept apart from the cards, so that re-deriving the
    # cards from the posts can never lose them.
    db["card_schedule"].create(
        {"card_id": str, "fsrs": str, "due": str, "state": int, "updated_at": str},
        pk="card_id",
        not_null={"fsrs", "due"},
    )
    db["card_schedule"].create_index(["due"])
    db["reviews"].create(
        {
            "id": int,
            "card_id": str,
            "rating": int,  # fsrs.Rating: 1 Again, 2 Hard, 3 Good, 4 Easy
            "reviewed_at": str,
            "mode": str,
            "answer": str,  # what was typed or chosen, if anything
            "log": str,  # fsrs.ReviewLog.to_dict() as JSON
        },
        pk="id",
        not_null={"card_id", "rating", "reviewed_at"},
    )
    db["reviews"].create_index(["card_id"])
    db["reviews"].create_index(["reviewed_at"])


@migration
def m005_related_posts(db) -> None:
    # Precomputed at import so that `kb show` reads three rows instead of comparing posts.
    db["related"].create(
        {"post_id": int, "rank": int, "other_id": int, "score": float, "terms": str},
        pk=("post_id", "rank"),
        not_null={"other_id", "score"},
    )
    from kb import related

    related.refresh(db.conn)


@migration
def m002_search_index(db) -> None:
    # Columns hold the text's tokens joined by U+200B (kb.segment.SEP), which unicode61 splits
    # on; '+' and '#' are word characters so that C++ and C# stay whole words. The index fills
    # itself on the next import or search (kb.search.ensure_index), not here: cutting text is slow.
    db.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize = \"unicode61 tokenchars '+#'\")")
    # Every index word with its count: queries are cut against it instead of loading jieba.
    db.execute("CREATE TABLE search_words (word TEXT PRIMARY KEY, cnt INTEGER NOT NULL) WITHOUT ROWID")
    db.execute("CREATE TABLE search_synonyms (grp INTEGER NOT NULL, term TEXT NOT NULL, key TEXT NOT NULL)")
    db.execute("CREATE INDEX search_synonyms_key ON search_synonyms (key)")
    db.execute("CREATE INDEX search_synonyms_grp ON search_synonyms (grp)")


@migration
def m006_search_vocabulary(db) -> None:
    # Queries are cut against FTS5's own vocabulary (term, documents, occurrences): always in step
    # with the index, at no cost to an import, unlike the word-count table it replaces.
    db.execute("CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'row')")
    db.execute("DROP TABLE search_words")


@migration
def m007_cards_of_older_posts(db) -> None:
    # Cards are derived when an import changes a post, and m003 created their table empty: the
    # posts of a database from before it were never searched for definitions (kb doctor said so).
    from kb import cards

    ids = [r[0] for r in db.conn.execute("SELECT id FROM posts ORDER BY id")]
    if ids:
        cards.on_posts_changed(db.conn, ids)
        # What kb doctor --fix records when it re-derives every post's cards.
        set_meta(db.conn, "cards_rebuilt_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


def schema_version() -> int:
    return len(MIGRATIONS)


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A raw connection with kb's pragmas; no migrations (see open_db)."""
    try:
        if readonly:
            conn = _connect_readonly(path)
        else:
            conn = sqlite3.connect(str(path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            _retry_while_locked(lambda: _use_wal(conn))
            conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open database {path}: {exc}") from None
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")


def _retry_while_locked(step: Callable[[], object]) -> object:
    # Two processes creating the same new database race for the journal-mode switch, and
    # SQLite answers the loser "database is locked" at once, without its busy handler.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        # A WAL database in a folder we cannot write has no -shm to share: read it as an
        # unchanging file (nobody can be writing where we cannot).
        conn.close()
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
    return conn


def writable(path: Path) -> bool:
    """Whether kb may write the database at path: the file and its folder writable, KB_READONLY unset."""
    if os.environ.get("KB_READONLY", "") not in ("", "0"):
        return False
    if not path.exists():
        return True  # creating it will say what is wrong, if anything
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def open_db(path: Path, *, readonly: bool = False, create: bool = True) -> sqlite3.Connection:
    """Open (creating if allowed) the database at path and bring its schema up to date."""
    if not path.exists():
        if not create or readonly:
            raise DatabaseError(f"no database at {path}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create {path.parent}: {exc.strerror}") from None
    conn = connect(path, readonly=readonly)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"{path} is not a kb database: {exc}") from None
    if version < schema_version():
        if readonly:
            conn.close()
            raise DatabaseError(f"{path} needs a schema upgrade but is read-only")
        migrate(conn)
    elif version > schema_version():
        conn.close()
        raise DatabaseError(f"{path} was written by a newer kb (schema {version}); upgrade kb")
    return conn


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the pending migrations, each in its own transaction; return their names."""
    import sqlite_utils  # only here: importing it costs more than a read command may spend

    db = sqlite_utils.Database(conn)
    applied_now: list[str] = []
    with transaction(conn):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
    for fn in MIGRATIONS:
        with transaction(conn):
            # Re-checked inside the write lock: another process may have just applied it.
            done = conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (fn.__name__,)).fetchone()
            if done:
                continue
            fn(db)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (fn.__name__, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
            )
            applied_now.append(fn.__name__)
    with transaction(conn):
        conn.execute(f"PRAGMA user_version = {schema_version()}")
    return applied_now


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT: take the write lock up front so two writers queue, not deadlock."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
