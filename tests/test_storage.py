"""Storage without needless copies: a post's text is stored once (no normalized copy, sightings of the
post's text store NULL), an older database moves to this layout keeping every review, and a post's
text changing or a source forgotten keeps every sighting's text right.
"""
from __future__ import annotations

import sqlite3

from kb.store.connect import connect
from tests.conftest import CAPTURES, db_content


def _sighting_texts(db) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute(
            "SELECT s.source_id, s.position, COALESCE(s.text, p.text) FROM sightings s JOIN posts p ON p.id = s.post_id"))
    finally:
        conn.close()


def test_a_post_text_is_stored_once(kb, imported):
    conn = sqlite3.connect(imported)
    assert "norm" not in {r[1] for r in conn.execute("PRAGMA table_info(posts)")}
    stored, total = conn.execute("SELECT COUNT(text), COUNT(*) FROM sightings").fetchone()
    assert total == 59 and stored < total
    # A text a sighting stores differs from its post's: the NULLs are the post's own.
    assert conn.execute("SELECT COUNT(*) FROM sightings s JOIN posts p ON p.id = s.post_id"
                        " WHERE s.text = p.text").fetchone()[0] == 0


def test_an_older_database_moves_to_the_layout_keeping_every_review(kb, imported, tmp_path):
    from tests.test_sources import review

    conn = sqlite3.connect(imported)
    ids = [r[0] for r in conn.execute("SELECT id FROM cards WHERE active = 1 ORDER BY id LIMIT 3")]
    conn.close()
    review(imported, ids)
    expected = db_content(imported)
    reviews = sqlite3.connect(imported).execute("SELECT * FROM reviews ORDER BY id").fetchall()
    assert len(reviews) == 6
    # As kb left a database before m016: the normalized text in posts, every sighting's text.
    from kb.posts import capture
    from kb.store.migrations import schema_version

    conn = sqlite3.connect(imported)
    conn.execute("ALTER TABLE posts ADD COLUMN norm TEXT")
    for pid, text in conn.execute("SELECT id, text FROM posts").fetchall():
        conn.execute("UPDATE posts SET norm = ? WHERE id = ?", (capture.normalize(text), pid))
    conn.execute("UPDATE sightings SET text = (SELECT text FROM posts WHERE id = post_id) WHERE text IS NULL")
    conn.execute("DELETE FROM _migrations WHERE name = 'm016_post_text_once'")
    conn.execute(f"PRAGMA user_version = {schema_version() - 1}")
    conn.commit()
    assert conn.execute("SELECT COUNT(*) FROM sightings WHERE text IS NULL").fetchone()[0] == 0
    conn.close()
    assert kb("stats").code == 0  # opening it migrates
    conn = sqlite3.connect(imported)
    assert "norm" not in {r[1] for r in conn.execute("PRAGMA table_info(posts)")}
    assert conn.execute("SELECT COUNT(*) FROM sightings WHERE text IS NULL").fetchone()[0] > 0
    assert conn.execute("SELECT * FROM reviews ORDER BY id").fetchall() == reviews
    conn.close()
    assert db_content(imported) == expected
    assert kb("doctor").code == 0
    # And it imports as a database made in this layout does.
    assert kb("import", *CAPTURES).code == 0
    assert db_content(imported) == expected


def test_a_longer_capture_and_a_forgotten_source_keep_every_sighting_text(kb, tmp_path):
    short = tmp_path / "short.txt"
    long = tmp_path / "long.txt"
    other = "另一篇文章 讲的是完全不同的事情,比如卷积神经网络(CNN)如何提取图像的局部特征。"
    short.write_text("扩散模型 扩散模型(diffusion model)是一类生成模型,它逐步加噪再学习去噪。\n"
                     + other + "\n", encoding="utf-8")
    long.write_text("扩散模型 扩散模型(diffusion model)是一类生成模型,它逐步加噪再学习去噪,"
                    "从纯噪声出发一步步还原出数据。\n", encoding="utf-8")
    assert kb("import", "--force", str(short)).code == 0
    db = tmp_path / "kbhome" / "kb.db"
    before = _sighting_texts(db)
    assert kb("import", "--force", str(long)).code == 0
    conn = connect(db)
    post = conn.execute("SELECT text FROM posts WHERE text LIKE '扩散模型%'").fetchone()[0]
    conn.close()
    assert post.endswith("还原出数据。")  # the longer capture is the post's text now
    texts = _sighting_texts(db)
    assert texts[:len(before)] == before  # the short sighting still says what it saw
    assert texts[-1][2] == post
    assert kb("forget", "--yes", "long.txt").code == 0
    conn = connect(db)
    post = conn.execute("SELECT text FROM posts WHERE text LIKE '扩散模型%'").fetchone()[0]
    conn.close()
    assert post.endswith("再学习去噪。")  # read again from the sighting left
    assert _sighting_texts(db) == before
