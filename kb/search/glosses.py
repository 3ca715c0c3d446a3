"""Bilingual glosses a post writes, 中文(English) and English(中文): found in each post's text at import,
kept per post with their evidence (how many posts write each pair), and looked up for queries.

Extraction is a pure function of a text's pieces (import workers run it); the table is written by the
search index part (kb.search.index) inside the caller's transaction.
"""
from __future__ import annotations

import sqlite3

from kb.text import is_cjk

# A term does not start with these: they end the clause before it (采用单精度 → 单精度).
LEADING_STOP = set("的是了在和与及或将把被从用为即称叫纯等而其这那上中首次各该一也就都")
STOP_WORDS = {
    "使用", "采用", "分为", "引入", "增加", "通过", "进行", "探索", "首先", "同时", "可以", "一般", "默认",
    "一直", "大量", "领域", "计算", "主要", "对应", "以及", "称为", "叫做", "也就是", "就是", "即", "或者",
    "我们", "这个", "一个", "这种", "一种", "所谓", "利用", "基于", "所以", "因此", "其中", "以下", "如下",
}
# A bracket of English that only names a thing generically, or says "for example", is no translation.
EN_STOP = {"token", "id", "eg", "e", "i", "ie", "etc", "the", "a", "an", "of", "see", "fig", "figure", "note"}
MAX_EN_WORDS = 6
MAX_ZH = 8


def extract(pieces: list[str]) -> tuple[tuple[str, str], ...]:
    """(chinese, english) pairs glossed in a text, from its pieces as the index cut it (normalized:
    full-width brackets are ASCII here). 梯度消失(vanishing gradient) → (梯度消失, vanishing gradient);
    Normalizing flow(标准化流) → (标准化流, Normalizing flow); (reinforcement learning, RL) gives both."""
    if "(" not in pieces:
        return ()
    out: list[tuple[str, str]] = []
    n = len(pieces)
    for i, p in enumerate(pieces):
        if p != "(":
            continue
        j = i + 1
        while j < n and j - i <= 3 * MAX_EN_WORDS and pieces[j] != ")" and pieces[j] != "(":
            j += 1
        if j >= n or pieces[j] != ")":
            continue
        inner = pieces[i + 1 : j]
        before = _before(pieces, i)
        for eng in _english_terms(inner):
            zh = _chinese_before(before, len(eng.split()), eng)
            if zh:
                out.append((zh, eng))
        zh_inner = "".join(t for t in inner if not t.isspace())
        if zh_inner and len(zh_inner) <= MAX_ZH and all(map(is_cjk, zh_inner)) and len(zh_inner) >= 2:
            eng = _english_before(before, len(zh_inner))
            if eng:
                out.append((zh_inner, eng))
    return tuple(dict.fromkeys(out))


def _before(pieces: list[str], i: int) -> list[str]:
    """The pieces before position i, nearest first, white space before the bracket skipped."""
    k = i - 1
    while k >= 0 and pieces[k].isspace():
        k -= 1
    return pieces[max(0, k - 3 * MAX_EN_WORDS) : k + 1][::-1]


def _is_latin(t: str) -> bool:
    return t.isascii() and t.isalnum()


def _english_terms(inner: list[str]) -> list[str]:
    """The English names inside a bracket: words joined by spaces or hyphens; a comma or semicolon
    separates a name from its abbreviation (reinforcement learning, RL)."""
    terms, words, ok = [], [], True
    for t in inner + [","]:
        if t in (",", ";", "、"):
            if words and ok and len(words) <= MAX_EN_WORDS:
                phrase = "".join(words).strip(" -")
                if phrase and phrase.casefold() not in EN_STOP and any(c.isalpha() for c in phrase):
                    terms.append(" ".join(phrase.split()))
            words, ok = [], True
        elif _is_latin(t) or t == "-" or t.isspace():
            words.append(" " if t.isspace() else t)
        else:
            ok = False
    return terms


def _chinese_before(before: list[str], n_words: int, eng: str) -> str | None:
    """The Chinese term right before a bracket of English, trimmed on the cut's word boundaries: the
    longest run of words (not starting with a function word) about as long as the English."""
    letters = eng.replace(" ", "").replace("-", "")
    size = 2 * (len(letters) if n_words == 1 and letters.isupper() else n_words) + 1
    words: list[str] = []
    for t in before:
        if not (t and all(map(is_cjk, t))):
            break
        words.append(t)
        if len(words) >= 5:
            break
    best = None
    run = ""
    for w in words:
        if w in STOP_WORDS or w[0] in LEADING_STOP:
            break
        run = w + run
        if len(run) > min(size, MAX_ZH):
            break
        if len(run) >= 2:
            best = run
    return best


def _english_before(before: list[str], zh_len: int) -> str | None:
    """The English words right before a bracket of Chinese: about one per two characters."""
    words: list[str] = []
    for t in before:
        if _is_latin(t):
            words.append(t)
        elif t == "-" or t.isspace():
            if not words:
                return None
            words.append(" " if t.isspace() else t)
        else:
            break
        if len([w for w in words if _is_latin(w)]) >= max(1, min(MAX_EN_WORDS, (zh_len + 1) // 2)):
            break
    phrase = " ".join("".join(reversed(words)).split()).strip(" -")
    if not phrase or phrase.casefold() in EN_STOP or not any(c.isalpha() for c in phrase):
        return None
    return phrase


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
