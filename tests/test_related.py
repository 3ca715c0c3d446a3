"""Related posts: the table an import writes, streamed from the database in bounded memory, is the one
the whole-corpus computation (every post's text and terms in memory at once) gives.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from kb.ingest import importer
from kb.search import related
from kb.store.connect import open_db
from tests.conftest import CAPTURES

REALTEXT = sorted((Path(__file__).parent / "data" / "realtext" / "captures").glob("*"))


def _stored(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT post_id, rank, other_id, score, terms FROM related ORDER BY post_id, rank")]


def _in_memory(conn: sqlite3.Connection) -> list[tuple]:
    posts = {r[0]: r[1] for r in conn.execute("SELECT id, text FROM posts")}
    return sorted(
        (pid, rank, other, score, json.dumps(shared, ensure_ascii=False))
        for pid, found in related.compute(posts).items()
        for rank, (other, score, shared) in enumerate(found, start=1)
    )


def test_the_streamed_table_is_the_whole_corpus_computation(tmp_path):
    conn = open_db(tmp_path / "kb.db")
    report = importer.import_paths(conn, [str(p) for p in [*CAPTURES, *REALTEXT]])
    assert report.new_posts > 100 and not report.errors
    stored = _stored(conn)
    assert len({r[0] for r in stored}) > 50  # most posts have related ones: the comparison is not empty
    assert stored == _in_memory(conn)
    # A post without text (or only math) relates to nothing, and changes nothing else.
    conn.execute("UPDATE posts SET text = '\\[x^2\\]' WHERE id = (SELECT MIN(id) FROM posts)")
    related.refresh(conn)
    assert _stored(conn) == _in_memory(conn)

