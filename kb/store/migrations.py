"""The schema's migrations: small named functions, applied in order on open, recorded in _migrations.

Schema only: data derived from the posts is never computed here; a migration that needs it marks the
part stale (kb.store.meta), and kb.derived rebuilds it after open, under the write lock.
"""
from __future__ import annotations

import sqlite3
import time
from typing import Callable

from kb.store.meta import mark_stale
from kb.store.transaction import transaction

MIGRATIONS: list[Callable] = []
# kb.text.STAMP_FORMAT (the schema layer imports nothing of kb but errors).
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


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
    if _has_posts(db.conn):
        mark_stale(db.conn, "related", "m005_related_posts")


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
    if _has_posts(db.conn):
        mark_stale(db.conn, "cards", "m007_cards_of_older_posts")


@migration
def m008_one_timestamp_format(db) -> None:
    # The quiz stored its times as 2026-12-01T14:37:58+00:00, everything else as …58Z: one format,
    # so that every stored time compares with every other as a string.
    for table, column in (("card_schedule", "due"), ("card_schedule", "updated_at"), ("reviews", "reviewed_at")):
        db.execute(f"UPDATE {table} SET {column} = substr({column}, 1, 19) || 'Z' WHERE {column} LIKE '%+00:00'")


@migration
def m010_sources_format_provenance(db) -> None:
    # A source is a text capture, a saved HTML page or a Markdown clip; a clip's front matter says
    # where the page came from (JSON: source, created). Every source before this was a text capture.
    db["sources"].add_column("format", str)
    db["sources"].add_column("provenance", str)
    db.execute("UPDATE sources SET format = 'text' WHERE format IS NULL")


@migration
def m011_cards_aside(db) -> None:
    # kb forget takes posts away; a reviewed card of theirs keeps its history here, keyed by card id,
    # until a card of that id is derived again (kb.quiz.aside): as JSON, since it is kept, not queried.
    db["cards_aside"].create(
        {"card_id": str, "card": str, "schedule": str, "reviews": str, "source": str, "set_aside_at": str},
        pk="card_id",
        not_null={"reviews"},
    )


@migration
def m009_cards_by_term(db) -> None:
    # One card per concept: a card's id becomes SHA-1(normalized term, U+001F, kind)[:16] (it was
    # of the post's slug too), and each post's definitions are kept in card_sources. The cards a
    # merged card replaces hand it their history: every review is re-pointed to the new id, and of
    # their schedules the most recently updated one is kept (it holds the latest memory state).
    import hashlib
    import json

    conn = db.conn
    db["card_sources"].create(
        {
            "norm_term": str,  # the concept: cards with this norm_term are its cards
            "post_id": int,
            "term": str,  # as this post writes it (kb show highlights it there)
            "aliases": str,  # JSON list
            "definition": str,
            "pattern": str,  # the frame that found it
            "position": int,  # where in the post's NFKC text the definition is
            "rank": str,  # how well it reads on a card, as a key sorting best first (kb.cards.concepts)
        },
        pk=("norm_term", "post_id"),
        not_null={"norm_term", "post_id", "term", "definition"},
        defaults={"aliases": "[]"},
    )
    db["card_sources"].create_index(["post_id"], if_not_exists=True)
    db["card_sources"].create_index(["norm_term", "rank"], if_not_exists=True)
    db["cards"].create_index(["norm_term"], if_not_exists=True)

    def new_id(norm: str, kind: str) -> str:  # kb.cards.concepts.card_id
        return hashlib.sha1(f"{norm}\x1f{kind}".encode()).hexdigest()[:16]

    cards = conn.execute(
        "SELECT id, post_id, slug, term, norm_term, aliases, definition, kind, pattern, position, active,"
        " created_at, updated_at FROM cards"
    ).fetchall()
    new_of = {r[0]: new_id(r[4], r[7]) for r in cards}
    for old, new in new_of.items():
        if old != new:
            conn.execute("UPDATE reviews SET card_id = ? WHERE card_id = ?", (new, old))
    schedules: dict[str, tuple] = {}
    for cid, fsrs, due, state, updated in conn.execute(
            "SELECT card_id, fsrs, due, state, updated_at FROM card_schedule").fetchall():
        new = new_of.get(cid, cid)
        if new not in schedules or (updated or "") > (schedules[new][4] or ""):
            try:  # the scheduler's own record names the card too
                data = json.loads(fsrs)
                data["card_id"] = int(new[:12], 16)
                fsrs = json.dumps(data)
            except (ValueError, TypeError):
                pass
            schedules[new] = (new, fsrs, due, state, updated)
    conn.execute("DELETE FROM card_schedule")
    conn.executemany("INSERT INTO card_schedule (card_id, fsrs, due, state, updated_at) VALUES (?, ?, ?, ?, ?)",
                     list(schedules.values()))
    # One row per new id: an active card before a retired one, then the most recently updated.
    merged: dict[str, tuple] = {}
    for r in sorted(cards, key=lambda r: (r[10] or 0, r[12] or "")):
        merged[new_of[r[0]]] = (new_of[r[0]], *r[1:])
    conn.execute("DELETE FROM cards")
    conn.executemany(
        "INSERT INTO cards (id, post_id, slug, term, norm_term, aliases, definition, kind, pattern, position,"
        " active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        list(merged.values()),
    )
    # History that kb forget set aside (m011) is keyed by card id too.
    for old, card in conn.execute("SELECT card_id, card FROM cards_aside").fetchall():
        try:
            row = json.loads(card)
            new = new_id(row["norm_term"], row["kind"])
        except (ValueError, TypeError, KeyError):
            continue
        if new != old and not conn.execute("SELECT 1 FROM cards_aside WHERE card_id = ?", (new,)).fetchone():
            conn.execute("UPDATE cards_aside SET card_id = ? WHERE card_id = ?", (new, old))
    if _has_posts(conn):
        mark_stale(conn, "cards", "m009_cards_by_term")


@migration
def m012_subject_titles(db) -> None:
    # Titles name what a post is about (kb.show.titles), from each post's title choices: the posts
    # of an older database get theirs when the titles part is rebuilt (it re-indexes their titles).
    db.execute("CREATE TABLE title_choices (post_id INTEGER NOT NULL, rank INTEGER NOT NULL, choice TEXT NOT NULL,"
               " key TEXT NOT NULL, PRIMARY KEY (post_id, rank)) WITHOUT ROWID")
    db.execute("CREATE INDEX title_choices_choice ON title_choices (choice, rank)")
    db.execute("CREATE INDEX title_choices_key ON title_choices (key, rank)")
    if _has_posts(db.conn):
        mark_stale(db.conn, "titles", "m012_subject_titles")


@migration
def m013_card_decisions(db) -> None:
    # What the user decided about a card, keyed by its id (which depends on the term and kind alone):
    # suspended, deleted (never derived again) or edited (the user's term and definition shown instead
    # of the posts'). No derived part, no kb doctor --fix and no kb forget writes this table.
    db["card_decisions"].create(
        {
            "card_id": str,
            "norm_term": str,  # the concept, for saying which one a decision is about
            "suspended_at": str,
            "deleted_at": str,
            "term": str,  # the user's own wording, NULL where the posts' stands
            "definition": str,
            "edited_at": str,
        },
        pk="card_id",
    )
    db["card_decisions"].create_index(["norm_term"])


@migration
def m014_search_glosses_glossary_parts(db) -> None:
    # Cross-language search without curating each post: the glosses every post writes (中文(English)),
    # the bundled glossary loaded at index build, and the words inside index words (自注意力 holds
    # 注意力, FlashAttention holds attention) that sub-word matching looks up by range.
    db.execute(
        "CREATE TABLE search_glosses (post_id INTEGER NOT NULL, zh TEXT NOT NULL, en TEXT NOT NULL,"
        " zh_key TEXT NOT NULL, en_key TEXT NOT NULL, UNIQUE (post_id, zh_key, en_key))"
    )
    db.execute("CREATE INDEX search_glosses_zh ON search_glosses (zh_key)")
    db.execute("CREATE INDEX search_glosses_en ON search_glosses (en_key)")
    db.execute(
        "CREATE TABLE search_glossary (key TEXT NOT NULL, term TEXT NOT NULL, senses INTEGER NOT NULL,"
        " PRIMARY KEY (key, term)) WITHOUT ROWID"
    )
    db.execute("CREATE TABLE search_parts (part TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (part, term)) WITHOUT ROWID")
    # English words are stored stemmed now: every existing index is re-cut.
    if _has_posts(db.conn):
        mark_stale(db.conn, "search", "m014_search_glosses_glossary_parts")


@migration
def m015_topic_members(db) -> None:
    # Which concepts each quiz topic holds, derived at import (kb.quiz.membership) instead of at every
    # kb topics or kb quiz --topic: per qualifying definition (topic_sources, replaced with its post),
    # per concept (topic_concepts, what the commands read) and each topic as derived (topic_defs: its
    # terms and the index expression they were cut into).
    db.execute("CREATE TABLE topic_defs (topic TEXT PRIMARY KEY, terms TEXT NOT NULL, expr TEXT)")
    db.execute("CREATE TABLE topic_sources (topic TEXT NOT NULL, norm_term TEXT NOT NULL, post_id INTEGER NOT NULL,"
               " PRIMARY KEY (topic, norm_term, post_id)) WITHOUT ROWID")
    db.execute("CREATE INDEX topic_sources_post ON topic_sources (post_id)")
    db.execute("CREATE TABLE topic_concepts (topic TEXT NOT NULL, norm_term TEXT NOT NULL,"
               " PRIMARY KEY (topic, norm_term)) WITHOUT ROWID")
    db.execute("CREATE INDEX topic_concepts_term ON topic_concepts (norm_term, topic)")
    # A category topic's cards, and new cards in reading order (a post's by position), by index.
    db.execute("CREATE INDEX IF NOT EXISTS idx_posts_category ON posts (category)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_cards_post_position ON cards (post_id, position, kind)")
    if _has_posts(db.conn):
        mark_stale(db.conn, "topics", "m015_topic_members")


@migration
def m016_post_text_once(db) -> None:
    # A post's text is stored once: its normalized form (capture.normalize, for telling captures of
    # one post apart) is computed when needed, and a sighting whose text is its post's stores NULL
    # (kb.posts.sightings); what only a sighting knows (its file, position, line, metadata) stays.
    conn = db.conn
    conn.execute(
        "UPDATE sightings SET text = NULL"
        " WHERE text = (SELECT posts.text FROM posts WHERE posts.id = sightings.post_id)"
    )
    if "norm" in {r[1] for r in conn.execute("PRAGMA table_info(posts)")}:
        conn.execute("ALTER TABLE posts DROP COLUMN norm")


@migration
def m017_search_spelling(db) -> None:
    # Typo correction reads the words of about a misspelt word's length (kb.search.index keeps their
    # counts as it indexes), instead of FTS5's whole vocabulary, whose counts cost a read of the index.
    db.execute(
        "CREATE TABLE search_spelling (len INTEGER NOT NULL, term TEXT NOT NULL, cnt INTEGER NOT NULL,"
        " PRIMARY KEY (len, term)) WITHOUT ROWID"
    )
    if _has_posts(db.conn):
        mark_stale(db.conn, "search", "m017_search_spelling")


@migration
def m018_one_byte_token_separator(db) -> None:
    # The index's stored text joins tokens with U+001F instead of U+200B (kb.search.segment.SEP):
    # every command, not only those that check the dictionary, must find the index re-cut.
    if _has_posts(db.conn):
        mark_stale(db.conn, "search", "m018_one_byte_token_separator")


def _has_posts(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM posts LIMIT 1").fetchone() is not None


def schema_version() -> int:
    return len(MIGRATIONS)


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
                (fn.__name__, time.strftime(_STAMP, time.gmtime())),
            )
            applied_now.append(fn.__name__)
    with transaction(conn):
        conn.execute(f"PRAGMA user_version = {schema_version()}")
    return applied_now
