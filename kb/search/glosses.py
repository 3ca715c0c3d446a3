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
                    if zh and not (zh == b.group(1) and _after_latin(norm, b.start())):
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


def _after_latin(norm: str, start: int) -> bool:
    """Whether the Chinese run starting here follows a letter or two (V 模型, Q 网络, Q学习): the run
    is then the end of a name, which the bracket glosses whole, not a Chinese term of its own."""
    j = start - 1
    while j >= 0 and norm[j] == " ":
        j -= 1
    k = j
    while k >= 0 and norm[k].isascii() and norm[k].isalpha():
        k -= 1
    return 1 <= j - k <= 2 and not (k >= 0 and norm[k].isascii() and norm[k].isalnum())


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
    aligned = _aligned(conn, {pair for _, pairs in rows for pair in pairs}, key)
    new = []
    for pid, pairs in rows:
        for zh, en in pairs + tuple(w for pair in pairs for w in aligned.get(pair, ())):
            zk, ek = key(zh), key(en)
            if zk and ek and zk != ek:
                new.append((pid, zh, en, zk, ek))
    conn.executemany(
        "INSERT OR IGNORE INTO search_glosses (post_id, zh, en, zh_key, en_key) VALUES (?, ?, ?, ?, ?)", new
    )


def _aligned(conn: sqlite3.Connection, pairs: set[tuple[str, str]], key) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """The words of two-word glosses, where the glossary knows one of them: 批归一化（Batch
    Normalization） with Batch 批量 (批 its start) gives 归一化 normalization. The other word's Chinese
    must start what the glossary gives (or be it), so 梯度消失（vanishing gradient） gives nothing:
    梯度 is no Chinese of vanishing. One glossary look-up for all the posts."""
    two = {(zh, en): en.replace("-", " ").split() for zh, en in pairs}
    two = {pair: words for pair, words in two.items() if len(words) == 2 and len(pair[0]) >= 3}
    if not two:
        return {}
    from kb.search import glossary

    known = glossary.lookup(conn, sorted({key(w) for words in two.values() for w in words}))
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for (zh, en), (first, last) in two.items():
        # The longest start the first word's Chinese begins with (学习 of 学习率, not 学): the rest is the
        # last word's; and the other way round. Either side must be a word of the index (协同过 of
        # 协同过滤 is none).
        heads = [k for k in range(1, len(zh)) if any(t.startswith(zh[:k]) for t, _ in known.get(key(first), []))]
        if heads and len(zh) - max(heads) >= 2 and _indexed(conn, zh[max(heads):]):
            out.setdefault((zh, en), []).append((zh[max(heads):], last))
        tails = [k for k in range(1, len(zh)) if any(t.startswith(zh[k:]) for t, _ in known.get(key(last), []))]
        if tails and min(tails) >= 2 and _indexed(conn, zh[:min(tails)]):
            out.setdefault((zh, en), []).append((zh[:min(tails)], first))
    return out


def _indexed(conn: sqlite3.Connection, word: str) -> bool:
    try:
        return conn.execute("SELECT 1 FROM search_vocab WHERE term = ?", (word,)).fetchone() is not None
    except sqlite3.DatabaseError:
        return False


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
