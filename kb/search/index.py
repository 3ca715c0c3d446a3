"""The search index as a derived part: FTS5 rows of every post's title and text cut into words, the
words inside its words (search_parts) and the glosses each post writes (search_glosses), refreshed for
the posts an import changes and rebuilt, with the synonyms and the glossary, when the dictionary changes.

Each writer runs inside the caller's transaction; kb.derived calls them (see its Part).
"""
from __future__ import annotations

import re
import sqlite3
from collections import Counter

from kb.search import glossary, glosses, segment, synonyms
from kb.store.meta import get_meta, set_meta
from kb.text import META_SEARCH_HASH, META_SEARCH_TOKENS, is_cjk

TABLES = ("search_fts", "search_vocab", "search_parts", "search_glosses", "search_glossary", "search_spelling")
# A Chinese word holds the words it ends with, from this length on (自注意力 holds 注意力, 意力 …);
# the words it starts with are found by a range query on the vocabulary itself.
MIN_CJK_PART = 2


def body_form(text: str) -> tuple[str, int, frozenset[str], tuple[tuple[str, str], ...], tuple[tuple[str, int], ...]]:
    """What the index keeps of a text (import workers compute it ahead of the importer): its stored
    form, its word count, the words that may hold others (Chinese words of three or more characters,
    CamelCase words as written), its glosses, and its words typos are corrected to (spelling_words)."""
    stored, norm, words, holders = segment.cut_for_index(text)
    return (stored, words, frozenset(holders), glosses.extract(norm, segment.cut_words),
            tuple(sorted(spelling_words(stored).items())))


# Words a misspelt query word may be corrected to: Latin index words of four or more characters.
MIN_SPELLING = 4
# Such a word in a stored form: a whole token (SEP on both sides: every piece of the cut is one
# token, and FTS5's unicode61 tokenizer splits on SEP), ASCII, starting with a letter.
_SPELLING_RE = re.compile(
    rf"(?<![^{segment.SEP}])[A-Za-z][A-Za-z0-9+#]{{{MIN_SPELLING - 1},}}(?![^{segment.SEP}])")


def spelling_words(stored: str) -> Counter:
    """The index words of a stored form that typo correction chooses from (kb.search.ranking), with
    their counts (as FTS5's vocabulary counts them: case folded)."""
    return Counter(t.lower() for t in _SPELLING_RE.findall(stored))


def _respell(conn: sqlite3.Connection, delta: Counter) -> None:
    """Apply changes in word counts to search_spelling: the vocabulary typos are corrected against,
    by length, so that a correction reads the words of about its length instead of all of them."""
    conn.executemany(
        "INSERT INTO search_spelling (len, term, cnt) VALUES (?, ?, ?)"
        " ON CONFLICT (len, term) DO UPDATE SET cnt = cnt + excluded.cnt",
        [(len(t), t, n) for t, n in delta.items() if n])
    gone = [(len(t), t) for t, n in delta.items() if n < 0]
    conn.executemany("DELETE FROM search_spelling WHERE len = ? AND term = ? AND cnt <= 0", gone)


def _parts(holders: set[str]) -> set[tuple[str, str]]:
    """(part, word) for the words inside these: a Chinese word's endings (自注意力 → 注意力, 意力), a
    CamelCase word's later parts (FlashAttention → attention), as the index stores them."""
    out: set[tuple[str, str]] = set()
    camel = segment.CAMEL
    for token in holders:
        if token in camel:  # seen by this process's stemmer whenever the text was cut here
            word, found = camel[token]
            out.update((p, word) for p in found)
        elif is_cjk(token[0]):
            out.update((token[i:], token) for i in range(1, len(token) - MIN_CJK_PART + 1))
        else:  # cut by an import worker: work the CamelCase parts out here
            segment.stem(token)
            if token in camel:
                word, found = camel[token]
                out.update((p, word) for p in found)
    return out


def prepare(ahead, text: str) -> None:
    """What import workers compute for a post's text: its stored form and word count (the titles
    part prepares its title's)."""
    ahead(body_form, text)


def posts_changed(conn: sqlite3.Connection, post_ids: list[int], ahead) -> None:
    """Re-index these posts (their text or title changed), inside the caller's transaction."""
    # The vocabulary queries are cut against is FTS5's own (search_vocab, an fts5vocab table):
    # only the total number of word tokens, for the unigram probabilities, is kept here.
    delta = 0
    spelling: Counter = Counter()
    holders: set[str] = set()
    for i in range(0, len(post_ids), 500):
        chunk = post_ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for old in conn.execute(f"SELECT title, body FROM search_fts WHERE rowid IN ({marks})", chunk):
            delta -= segment.word_count(old[0]) + segment.word_count(old[1])
            spelling.subtract(spelling_words(old[0]))
            spelling.subtract(spelling_words(old[1]))
        conn.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)
        rows = conn.execute(f"SELECT id, title, text FROM posts WHERE id IN ({marks})", chunk).fetchall()
        new, glossed = [], []
        for pid, title, text in rows:
            # A merged post keeps the title of its first capture, which workers seeing only the new
            # excerpt may not have cut: then it is cut here (a title is no excerpt: that is no miss).
            t_form, t_count, t_parts, _, t_spelling = ahead(body_form, title or "")
            b_form, b_count, b_parts, b_glosses, b_spelling = ahead(body_form, text or "")
            spelling.update(dict(t_spelling))
            spelling.update(dict(b_spelling))
            new.append((pid, t_form, b_form))
            delta += t_count + b_count
            holders.update(t_parts)
            holders.update(b_parts)
            glossed.append((pid, b_glosses))
        conn.executemany("INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)", new)
        glosses.replace(conn, glossed, synonyms.synonym_key)
    # Parts of words no post holds any more stay: they match nothing, and cost a rebuild nothing.
    conn.executemany("INSERT OR IGNORE INTO search_parts (part, term) VALUES (?, ?)", _parts(holders))
    _respell(conn, spelling)
    if delta:
        set_meta(conn, META_SEARCH_TOKENS, str(int(get_meta(conn, META_SEARCH_TOKENS) or 0) + delta))


def stored_rows(conn: sqlite3.Connection, post_ids: list[int]) -> list[tuple[int, str, str]]:
    """(post id, title, body) as the index holds these posts (at most 500): cut into words, as FTS5
    reads them. The quiz topics match an import's posts alone against a table of these rows."""
    marks = ",".join("?" * len(post_ids))
    return conn.execute(f"SELECT rowid, title, body FROM search_fts WHERE rowid IN ({marks})", post_ids).fetchall()


def rebuild(conn: sqlite3.Connection, ahead) -> None:
    """Re-cut every post and reload the synonyms and the glossary (inside the caller's transaction)."""
    conn.execute("DELETE FROM search_fts")
    conn.execute("DELETE FROM search_parts")
    conn.execute("DELETE FROM search_glosses")
    conn.execute("DELETE FROM search_spelling")
    set_meta(conn, META_SEARCH_TOKENS, "0")
    synonyms.load_table(conn)
    glossary.load_table(conn)
    ids = [r[0] for r in conn.execute("SELECT id FROM posts ORDER BY id")]
    posts_changed(conn, ids, ahead)
    set_meta(conn, META_SEARCH_HASH, segment.dictionary_hash())


def stale(conn: sqlite3.Connection) -> str | None:
    """Why the index needs a rebuild besides a stale mark, or None: the installed dictionary changed."""
    if get_meta(conn, META_SEARCH_HASH) != segment.dictionary_hash():
        return "built with another dictionary or segmenter than the installed one"
    return None
