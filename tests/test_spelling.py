"""Typo correction over an index of the vocabulary: search_spelling holds the Latin index words with
their counts, kept as FTS5's own vocabulary has them through imports, re-imports of longer captures,
forget and rebuilds, and corrections read only the words of about the typo's length.
"""
from __future__ import annotations

import sqlite3

from tests.conftest import CAPTURES

LATIN_VOCAB = "SELECT term, cnt FROM search_vocab WHERE length(term) > 3 AND term GLOB '[a-z]*'"


def _spelling(db) -> tuple[set, set]:
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute("SELECT term, cnt FROM search_spelling")), set(conn.execute(LATIN_VOCAB))
    finally:
        conn.close()


def test_the_spelling_index_is_the_index_vocabulary_latin_words(kb, imported):
    kept, vocab = _spelling(imported)
    assert kept == vocab and len(kept) > 100
    conn = sqlite3.connect(imported)
    assert all(n == len(t) for n, t in conn.execute("SELECT len, term FROM search_spelling"))


def test_it_follows_changed_posts_forget_and_rebuild(kb, tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("扩散模型 扩散模型(diffusion model)是一类生成模型,它逐步加噪再学习去噪。\n"
                 "另一篇 Transformer 用 attention 处理序列,attention 是它的核心。\n", encoding="utf-8")
    b.write_text("扩散模型 扩散模型(diffusion model)是一类生成模型,它逐步加噪再学习去噪,"
                 "score matching 给出了另一种 diffusion 视角。\n", encoding="utf-8")
    db = tmp_path / "kbhome" / "kb.db"
    assert kb("import", "--force", str(a)).code == 0
    first, vocab = _spelling(db)
    assert first == vocab and dict(first)["diffusion"] >= 1
    assert kb("import", "--force", str(b)).code == 0  # the post's text grows: it is re-indexed
    kept, vocab = _spelling(db)
    assert kept == vocab and dict(kept)["diffusion"] == dict(first)["diffusion"] + 1 and ("score", 1) in kept
    assert kb("forget", "--yes", "b.txt").code == 0
    kept, vocab = _spelling(db)
    assert kept == vocab == first
    assert kb("doctor", "--fix").code == 0
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM search_spelling")
    conn.execute("DELETE FROM meta WHERE key = 'search_dict_hash'")  # as after a dictionary change
    conn.commit()
    conn.close()
    r = kb("search", "--json", "difusion")
    assert r.code == 0 and r.json()
    assert _spelling(db)[0] == _spelling(db)[1]


def test_a_typo_is_corrected_to_the_most_frequent_close_word(kb, imported):
    r = kb("search", "--json", "difusion")
    assert r.code == 0
    assert "diffusion" in r.stderr and r.json()
    from kb.search import ranking
    from kb.store.connect import connect

    conn = connect(imported)
    choices = ranking._spelling_choices(conn, len("difusion"))
    assert "diffusion" in choices
    assert not any(len(t) > 12 or len(t) < 5 for t in choices)  # only words that can be 80 % alike


def test_an_older_database_gets_its_spelling_index(kb, imported):
    from kb.store.migrations import schema_version

    conn = sqlite3.connect(imported)
    conn.execute("DROP TABLE search_spelling")
    conn.execute("DELETE FROM _migrations WHERE name = 'm017_search_spelling'")
    conn.execute(f"PRAGMA user_version = {schema_version() - 1}")
    conn.commit()
    conn.close()
    assert kb("import", *CAPTURES).code == 0  # nothing new: the index is rebuilt all the same
    kept, vocab = _spelling(imported)
    assert kept == vocab and kept
