"""The search index as a derived part: FTS5 rows of every post's title and text cut into words,
refreshed for the posts an import changes and rebuilt when the dictionary changes.

Each writer runs inside the caller's transaction; kb.derived calls them (see its Part).
"""
from __future__ import annotations

import sqlite3

from kb.posts import naming
from kb.search import segment, synonyms
from kb.store.meta import get_meta, set_meta
from kb.text import META_SEARCH_HASH, META_SEARCH_TOKENS

TABLES = ("search_fts", "search_vocab")


def prepare(ahead, text: str) -> None:
    """What import workers compute for a post's text: the stored form and word count of the text and
    of the title a new post gets from it."""
    ahead(segment.body_form, ahead(naming.make_title, text))
    ahead(segment.body_form, text)


def posts_changed(conn: sqlite3.Connection, post_ids: list[int], ahead) -> None:
    """Re-index these posts (their text or title changed), inside the caller's transaction."""
    # The vocabulary queries are cut against is FTS5's own (search_vocab, an fts5vocab table):
    # only the total number of word tokens, for the unigram probabilities, is kept here.
    delta = 0
    for i in range(0, len(post_ids), 500):
        chunk = post_ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for old in conn.execute(f"SELECT title, body FROM search_fts WHERE rowid IN ({marks})", chunk):
            delta -= segment.word_count(old[0]) + segment.word_count(old[1])
        conn.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)
        rows = conn.execute(f"SELECT id, title, text FROM posts WHERE id IN ({marks})", chunk).fetchall()
        new = []
        for pid, title, text in rows:
            # A merged post keeps the title of its first capture, which workers seeing only the new
            # excerpt may not have cut: then it is cut here (a title is no excerpt: that is no miss).
            t_form, t_count = ahead(segment.body_form, title or "")
            b_form, b_count = ahead(segment.body_form, text or "")
            new.append((pid, t_form, b_form))
            delta += t_count + b_count
        conn.executemany("INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)", new)
    if delta:
        set_meta(conn, META_SEARCH_TOKENS, str(int(get_meta(conn, META_SEARCH_TOKENS) or 0) + delta))


def stored_rows(conn: sqlite3.Connection, post_ids: list[int]) -> list[tuple[int, str, str]]:
    """(post id, title, body) as the index holds these posts (at most 500): cut into words, as FTS5
    reads them. The quiz topics match an import's posts alone against a table of these rows."""
    marks = ",".join("?" * len(post_ids))
    return conn.execute(f"SELECT rowid, title, body FROM search_fts WHERE rowid IN ({marks})", post_ids).fetchall()


def rebuild(conn: sqlite3.Connection, ahead) -> None:
    """Re-cut every post and reload the synonyms (inside the caller's transaction)."""
    conn.execute("DELETE FROM search_fts")
    set_meta(conn, META_SEARCH_TOKENS, "0")
    synonyms.load_table(conn)
    ids = [r[0] for r in conn.execute("SELECT id FROM posts ORDER BY id")]
    posts_changed(conn, ids, ahead)
    set_meta(conn, META_SEARCH_HASH, segment.dictionary_hash())


def stale(conn: sqlite3.Connection) -> str | None:
    """Why the index needs a rebuild besides a stale mark, or None: the installed dictionary changed."""
    if get_meta(conn, META_SEARCH_HASH) != segment.dictionary_hash():
        return "built with another dictionary or segmenter than the installed one"
    return None
