"""Bilingual glosses a post writes, 中文(English) and English(中文): found in each post's text at import,
kept per post with their evidence (how many posts write each pair), and looked up for queries.

Extraction is a pure function of a text (import workers run it); the table is written by the
search index part (kb.search.index) inside the caller's transaction.
"""
from __future__ import annotations

import functools
import re
import sqlite3

from kb.text import CJK

# A term does not start with these: they end the clause before it (采用单精度 → 单精度).
LEADING_STOP = set("的是了在和与及或将把被从用为即称叫纯等而其这那上中首次各该一也就都")
STOP_WORDS = {
    "使用", "采用", "分为", "引入", "增加", "通过", "进行", "探索", "首先", "同时", "可以", "一般", "默认",
    "一直", "大量", "领域", "计算", "主要", "对应", "以及", "称为", "叫做", "也就是", "就是", "即", "或者",
    "我们", "这个", "一个", "这种", "一种", "所谓", "利用", "基于", "所以", "因此", "其中", "以下", "如下",
    "导致", "出现", "称之为", "叫作", "被称为", "产生", "使得", "包括", "例如", "比如", "如果", "需要", "它们",
}
# A bracket of English that only names a thing generically, or says "for example", is no translation.
EN_STOP = {"token", "id", "eg", "e", "i", "ie", "etc", "the", "a", "an", "of", "see", "fig", "figure", "note"}
MAX_EN_WORDS = 6
MAX_ZH = 8


@functools.lru_cache(maxsize=1)
def _gloss_res() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """Around a bracket of normalized text (full-width brackets are ASCII there): the Chinese run or the
    English words before it, and the English names or the Chinese term inside it."""
    word = r"[A-Za-z][A-Za-z0-9+]*"
    phrase = rf"{word}(?:[ \-]+{word}){{0,{MAX_EN_WORDS - 1}}}"
    return (
        re.compile(rf"([{CJK}]{{2,16}})\s*$"),
        re.compile(rf"({phrase})\s*$"),
        re.compile(rf"\(\s*({phrase}(?:\s*[,;、]\s*{phrase})*)\s*\)"),
        re.compile(rf"\(\s*([{CJK}]{{2,{MAX_ZH}}})\s*\)"),
    )


def extract(norm: str, cut) -> tuple[tuple[str, str], ...]:
    """(chinese, english) pairs glossed in a normalized text; cut(run) gives a Chinese run's words, on
    whose boundaries the Chinese side is trimmed. 梯度消失(vanishing gradient) → (梯度消失, vanishing
    gradient); Normalizing flow(标准化流) → (标准化流, Normalizing flow); 强化学习(reinforcement learning,
    RL) gives both names."""
    out: list[tuple[str, str]] = []
    i = norm.find("(")
    if i < 0:
        return ()
    zh_before, en_before, en_inside, zh_inside = _gloss_res()
    while i >= 0:
        m = en_inside.match(norm, i)
        if m:
            b = zh_before.search(norm, max(0, i - 20), i)
            if b:
                before = list(reversed(cut(b.group(1))))
                for eng in re.split(r"\s*[,;、]\s*", m.group(1)):
                    eng = " ".join(eng.split())
                    zh = None if eng.casefold() in EN_STOP else _chinese_before(before, len(eng.replace("-", " ").split()), eng)
                    if zh:
                        out.append((zh, eng))
        else:
            m = zh_inside.match(norm, i)
            if m:
                b = en_before.search(norm, max(0, i - 80), i)
                if b:
                    zh, words = m.group(1), b.group(1).split()
                    eng = " ".join(words[-max(1, min(len(words), (len(zh) + 1) // 2)):])
                    if eng.casefold() not in EN_STOP:
                        out.append((zh, eng))
        i = norm.find("(", i + 1)
    return tuple(dict.fromkeys(out))


def _chinese_before(before: list[str], n_words: int, eng: str) -> str | None:
    """The Chinese term right before a bracket of English (before: the run's words, nearest first),
    trimmed on word boundaries: the run of words (not starting with a function word) whose length is
    nearest to the English's, about two characters a word (a letter of an acronym)."""
    letters = eng.replace(" ", "").replace("-", "")
    expected = 2 * (len(letters) if n_words == 1 and letters.isupper() else n_words)
    best, best_gap = None, None
    run = ""
    for w in before[:5]:
        if w in STOP_WORDS or w[0] in LEADING_STOP:
            break
        run = w + run
        if len(run) > min(expected + 2, MAX_ZH):
            break
        gap = abs(len(run) - expected)
        if len(run) >= 2 and (best_gap is None or gap <= best_gap):
            best, best_gap = run, gap
    return best


# ---------------------------------------------------------------- the table


def replace(conn: sqlite3.Connection, rows: list[tuple[int, tuple[tuple[str, str], ...]]], key) -> None:
    """Store each post's glosses instead of what it had (inside the caller's transaction)."""
    ids = [pid for pid, _ in rows]
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        conn.execute(f"DELETE FROM search_glosses WHERE post_id IN ({','.join('?' * len(chunk))})", chunk)
    new = []
    for pid, pairs in rows:
        for zh, en in pairs:
            zk, ek = key(zh), key(en)
            if zk and ek and zk != ek:
                new.append((pid, zh, en, zk, ek))
    conn.executemany(
        "INSERT OR IGNORE INTO search_glosses (post_id, zh, en, zh_key, en_key) VALUES (?, ?, ?, ?, ?)", new
    )


def lookup(conn: sqlite3.Connection, keys: list[str]) -> dict[str, list[tuple[str, int]]]:
    """key → [(the other side's term, how many posts write the pair)], most written first."""
    out: dict[str, list[tuple[str, int]]] = {}
    if not keys:
        return out
    marks = ",".join("?" * len(keys))
    try:
        rows = conn.execute(
            f"SELECT zh_key, en, count(DISTINCT post_id) FROM search_glosses WHERE zh_key IN ({marks}) GROUP BY zh_key, en_key"
            f" UNION ALL SELECT en_key, zh, count(DISTINCT post_id) FROM search_glosses WHERE en_key IN ({marks})"
            " GROUP BY en_key, zh_key",
            keys + keys,
        ).fetchall()
    except sqlite3.OperationalError:  # a database from before the table (read-only, not migrated)
        return out
    for k, term, cnt in rows:
        out.setdefault(k, []).append((term, cnt))
    for v in out.values():
        v.sort(key=lambda t: -t[1])
    return out


def known(conn: sqlite3.Connection, keys: list[str]) -> set[str]:
    """The keys among these that some post glosses."""
    return set(lookup(conn, keys)) if keys else set()
