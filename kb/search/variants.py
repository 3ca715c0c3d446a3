"""Other writings of a Chinese term that the posts use: one character more inside it (自编码器 written
自动编码器, 生成模型 written 生成式模型), or fewer (自动编码器 written 自编码器), or, in a longer term,
one character of the same sound instead (马尔科夫 written 马尔可夫: names transliterated twice), found
in the index's own words.

Every look-up is a range query of the vocabulary on a start of the term, and a phrase probe per
candidate: nothing reads a whole table, and no dictionary is loaded.
"""
from __future__ import annotations

import sqlite3

from kb.search import sounds
from kb.search.vocabulary import Vocabulary
from kb.text import is_cjk

MIN_LENGTH = 3  # a two-character word with one more is another word too often (模型 → 模型化)
MIN_DELETION_LENGTH = 5  # 强化学习 less 化 is 强学习, words of another sense
MIN_SOUND_LENGTH = 4  # a shorter word of another character of the same sound is another word (权值, 全值)
MAX_VARIANTS = 3
MAX_PROBES = 24
SCAN = 400  # vocabulary words read per start looked up
# An inserted character that negates turns a term into its opposite (可导 / 不可导).
NEGATIONS = set("不非无未没反")


def writings(conn: sqlite3.Connection, vocab: Vocabulary, term: str) -> list[list[str]]:
    """Phrases of index words that write the term with one Chinese character inserted inside it (never
    at either end: 监督学习 is no writing of 无监督学习), one taken out of a longer term (never at
    either end), or one after its first replaced by another of the same sound; those some post holds
    only."""
    if conn is None or len(term) < MIN_LENGTH or not all(map(is_cjk, term)):
        return []
    found: dict[tuple[str, ...], None] = {}
    # Longer starts first: they name fewer words, and the likelier writings.
    for i, p in sorted(((i, p) for i in range(len(term) - 1) for p in range(i + 1, len(term))), key=lambda t: t[0] - t[1]):
        if len(found) >= MAX_PROBES:
            break
        head = term[i:p]
        for word in _starting(conn, head):
            # word = head + one character + the start of the rest (自动编码器, or 自动 then 编码器).
            extra = word[len(head):len(head) + 1]
            if not extra or not is_cjk(extra) or extra in NEGATIONS or extra == term[p]:
                continue
            tail = word[len(head) + 1:]
            ends = []
            if term[p:p + len(tail)] == tail:  # one character more
                ends.append(p + len(tail))
            if len(term) >= MIN_SOUND_LENGTH and term[p + 1:p + 1 + len(tail)] == tail and sounds.same_sound(extra, term[p]):
                ends.append(p + 1 + len(tail))  # one character of the same sound instead
            for end in ends:
                phrase = (vocab.cut(term[:i]) if i else []) + [word] + (vocab.cut(term[end:]) if end < len(term) else [])
                if all(vocab.counts(phrase).values()):
                    found.setdefault(tuple(phrase), None)
            if len(found) >= MAX_PROBES:
                break
    if len(term) >= MIN_DELETION_LENGTH:  # one character fewer inside it (自动编码器 → 自编码器)
        for k in range(1, len(term) - 1):
            phrase = vocab.cut(term[:k] + term[k + 1:])
            if term[k] not in NEGATIONS and all(vocab.counts(phrase).values()):
                found.setdefault(tuple(phrase), None)
    out = []
    for phrase in found:
        if held(conn, list(phrase)):
            out.append(list(phrase))
    return out[:MAX_VARIANTS]


def _starting(conn: sqlite3.Connection, head: str) -> list[str]:
    try:
        return [r[0] for r in conn.execute(
            "SELECT term FROM search_vocab WHERE term > ? AND term < ? LIMIT ?", (head, head + "\U0010ffff", SCAN))]
    except sqlite3.DatabaseError:
        return []


def held(conn: sqlite3.Connection, phrase: list[str]) -> bool:
    """Whether some post holds the phrase."""
    body = " ".join(t.replace('"', '""') for t in phrase)
    try:
        return conn.execute("SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT 1", (f'"{body}"',)).fetchone() is not None
    except sqlite3.DatabaseError:
        return False
