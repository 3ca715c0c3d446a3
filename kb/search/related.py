"""Related posts as a derived part: the three posts sharing the most distinctive terms, computed at
the end of every import, so that `kb show` only reads a table.

TF-IDF over English words and Chinese character bigrams (no jieba).
"""
from __future__ import annotations

import itertools
import json
import math
import operator
import re
import sqlite3
from array import array
from collections import Counter, defaultdict
from typing import Callable

from kb.search.segment import SEP
from kb.text import CJK, NOT_CJK

PER_POST = 3
# Each post is compared on its most distinctive terms only: this bounds the work per post.
TOP_TERMS = 40
MIN_SCORE = 0.03
# A term in more posts than this is not distinctive; the cap also keeps the work linear in posts.
MAX_DF = 60
SHOWN_TERMS = 3

_MATH_RE = re.compile(r"\\\[.*?\\\]|\\\(.*?\\\)|\\[A-Za-z]+|https?://\S+|\[Math\]|\[公式\]", re.S)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*")
_CJK_RUN_RE = re.compile(f"[{CJK}]+")
# Function characters: a bigram containing one says little about the topic (的是, 我们, 一个).
_CJK_STOP = set("的了是在和与就也都而及或这那一个我们其之为对中上下不有以将把被从到等能可会要说如所于即则该此并还再很更又篇")
# Everyday words that any post may use: sharing them relates nothing.
_CJK_GENERIC = set(
    """使得 时候 知道 比较 通过 事实 实际 希望 最后 取得 关注 部分 问题 方法 表示 介绍 进行 可以 这样 因为
    所以 但是 如果 需要 没有 一般 通常 主要 直接 不同 相同 简单 提出 得到 具有 包括 以及 其中 两者 两种 显著
    探索 研究 领域 完整 任何 论文 创新 传统 年来 假设 准确 目标 分别 代表 计算 公式 推导 文本 当前 提升 解释
    简介 背景 动机 引言 概述 导言 总览 补充 知识 相关 内容 算法 模型 输入 输出 过程 效果 目前 构造 表现 描述
    然后 基本 情况 开始 理解 逐渐 写成 形式 利用 处理 包含 关系 标题 地方 首先 成功 原始 直观 转换 组合 分成""".split()
)
# Runs of two or more Chinese characters none of which is in _CJK_STOP (a negated class: one pass
# in C over every post's text at every import).
_CJK_PIECE_RE = re.compile(f"[^{NOT_CJK}{re.escape(''.join(sorted(_CJK_STOP)))}]{{2,}}")
_EN_STOP = set(
    """a an the and or of to in on for with by from as at is are was were be been being it its this that
    these those we our you your they their he she his her which who what when where how why not no can
    could will would should may might must do does did has have had than then so such also into over under
    more most very via per each other some any all both but if else only just one two three use used using
    based based new first second let i e g etc vs""".split()
)


def plain(text: str | None) -> str:
    """The text without its math and links: what terms are counted in."""
    return _MATH_RE.sub(" ", text or "")


def terms(text: str) -> Counter:
    """The terms of a text (math already removed) with their counts: English words and Chinese bigrams."""
    out: Counter = Counter(map(str.lower, _WORD_RE.findall(text)))
    for w in [w for w in out if len(w) < 2 or w in _EN_STOP]:
        del out[w]
    # Bigrams within runs of Chinese characters that are not function characters: counted in C
    # (this runs over every post at every import).
    for piece in _CJK_PIECE_RE.findall(text):
        out.update(map(operator.add, piece, piece[1:]))
    for w in _CJK_GENERIC.intersection(out):
        del out[w]
    return out


def post_terms(text: str) -> Counter:
    """The terms of a post's text (terms of its plain text)."""
    return terms(plain(text))


def compute(posts: dict[int, str], terms_of: Callable[[str], Counter] = post_terms) -> dict[int, list[tuple[int, float, list[str]]]]:
    """For each post id: up to PER_POST (other id, cosine score, shared terms), best first.

    terms_of(text) gives a post's terms (post_terms, or a precomputed result of it). Everything in
    memory at once: refresh writes the same rows streaming from the database."""
    plains = {pid: plain(text) for pid, text in posts.items()}
    counts = {pid: terms_of(text) for pid, text in posts.items()}
    n = len(counts)
    df: Counter = Counter()
    for c in counts.values():
        df.update(c.keys())
    max_df = max(2, min(n // 2, MAX_DF))
    vectors: dict[int, dict[str, float]] = {}
    for pid, c in counts.items():
        # Terms in a single post relate it to nothing; terms in many posts are not distinctive
        # (and their long posting lists would make this quadratic in the number of posts).
        weights = {
            t: (1 + math.log(k)) * math.log(n / df[t])
            for t, k in c.items()
            if 1 < df[t] <= max_df
        }
        top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TERMS]
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        vectors[pid] = {t: w / norm for t, w in top}
    postings: dict[str, list[int]] = defaultdict(list)
    for pid, vec in vectors.items():
        for t in vec:
            postings[t].append(pid)
    result: dict[int, list[tuple[int, float, list[str]]]] = {}
    for pid, vec in vectors.items():
        scores: dict[int, float] = defaultdict(float)
        for t, w in vec.items():
            for other in postings[t]:
                if other != pid:
                    scores[other] += w * vectors[other][t]
        best = sorted(
            ((o, s) for o, s in scores.items() if s >= MIN_SCORE), key=lambda os: (-os[1], os[0])
        )[:PER_POST]
        result[pid] = [(o, round(s, 4), _shared(vec, vectors[o], plains[pid], plains[o])) for o, s in best]
    return result


def _shared(a: dict[str, float], b: dict[str, float], text_a: str, text_b: str) -> list[str]:
    """The shared terms to show, bigrams grown into the longest run both posts contain (高斯分布)."""
    shown: list[str] = []
    for t in sorted((t for t in a if t in b), key=lambda t: (-a[t] * b[t], t)):
        if _CJK_RUN_RE.fullmatch(t):
            t = _grow(t, text_a, text_b)
        if any(t in s for s in shown):
            continue
        shown = [s for s in shown if s not in t] + [t]
        if len(shown) == SHOWN_TERMS:
            break
    return shown


def _word_char(ch: str) -> bool:
    return bool(_CJK_RUN_RE.fullmatch(ch)) and ch not in _CJK_STOP


def _grow(term: str, text_a: str, text_b: str, longest: int = 8) -> str:
    start = text_a.find(term)
    if start < 0:
        return term
    lo, hi = start, start + len(term)
    while hi - lo < longest:
        if hi < len(text_a) and _word_char(text_a[hi]) and text_a[lo:hi + 1] in text_b:
            hi += 1
        elif lo > 0 and _word_char(text_a[lo - 1]) and text_a[lo - 1:hi] in text_b:
            lo -= 1
        else:
            break
    return text_a[lo:hi]


TABLES = ("related",)


def refresh(conn: sqlite3.Connection, ahead=None) -> None:
    """Recompute the related table for every post (inside the caller's transaction): after an
    import, or as a rebuild. The same rows as compute over all posts, in memory bounded by a few
    numbers per post: the posts are read from the database twice (their terms, then the texts of
    the pairs kept), never all held at once.

    Import workers do not compute the terms ahead: their results would be held for every post
    until the import ends (a Counter per post: most of a large import's memory)."""
    ids, vectors, vocab = _vectors(conn)
    postings = _Postings(vectors, len(vocab))
    conn.execute("DELETE FROM related")
    insert = "INSERT INTO related (post_id, rank, other_id, score, terms) VALUES (?, ?, ?, ?, ?)"
    rows: list[tuple] = []
    plains = _Plains(conn)
    for i, (pid, text) in enumerate(conn.execute("SELECT id, text FROM posts ORDER BY id")):
        vec = vectors.of(i)
        if not vec:
            continue
        scores: dict[int, float] = defaultdict(float)
        for t, w in vec:
            for other, ow in postings.of(t):
                if other != i:
                    scores[other] += w * ow
        best = sorted(
            ((ids[o], s, o) for o, s in scores.items() if s >= MIN_SCORE), key=lambda os: (-os[1], os[0])
        )[:PER_POST]
        if not best:
            continue
        mine = {vocab[t]: w for t, w in vec}
        own = plain(text)
        for rank, (other, s, o) in enumerate(best, start=1):
            theirs = {vocab[t]: w for t, w in vectors.of(o)}
            shared = _shared(mine, theirs, own, plains.of(other))
            rows.append((pid, rank, other, round(s, 4), json.dumps(shared, ensure_ascii=False)))
        if len(rows) >= 3000:
            conn.executemany(insert, rows)
            rows.clear()
    conn.executemany(insert, rows)


class _Vectors:
    """Each post's top terms and their weights, best first, in flat arrays (post i's are
    terms[start[i]:start[i + 1]]): the dicts of floats they replace were most of the memory."""

    def __init__(self) -> None:
        self.start = array("q", [0])
        self.terms = array("i")
        self.weights = array("d")

    def add(self, top: list[tuple[int, float]]) -> None:
        self.terms.extend(t for t, _ in top)
        self.weights.extend(w for _, w in top)
        self.start.append(len(self.terms))

    def of(self, i: int) -> list[tuple[int, float]]:
        lo, hi = self.start[i], self.start[i + 1]
        return list(zip(self.terms[lo:hi], self.weights[lo:hi]))


class _Postings:
    """For each term id, the posts (indexes) whose top terms have it, with its weight there, in
    post order: flat arrays again."""

    def __init__(self, vectors: _Vectors, n_terms: int) -> None:
        sizes = array("q", bytes(8 * (n_terms + 1)))
        for t in vectors.terms:
            sizes[t + 1] += 1
        for t in range(n_terms):
            sizes[t + 1] += sizes[t]
        self.start = sizes
        fill = array("q", sizes)
        self.posts = array("i", bytes(4 * len(vectors.terms)))
        self.weights = array("d", bytes(8 * len(vectors.terms)))
        post = 0
        for e, (t, w) in enumerate(zip(vectors.terms, vectors.weights)):
            while e >= vectors.start[post + 1]:
                post += 1
            k = fill[t]
            self.posts[k] = post
            self.weights[k] = w
            fill[t] = k + 1

    def of(self, t: int):
        lo, hi = self.start[t], self.start[t + 1]
        return zip(self.posts[lo:hi], self.weights[lo:hi])


class _Plains:
    """Plain texts of posts by id, fetched when a pair needs them; the last few kept (a post is
    often among the related ones of its neighbours)."""

    def __init__(self, conn: sqlite3.Connection, keep: int = 256) -> None:
        self._conn = conn
        self._keep = keep
        self._cache: dict[int, str] = {}

    def of(self, pid: int) -> str:
        hit = self._cache.get(pid)
        if hit is None:
            row = self._conn.execute("SELECT text FROM posts WHERE id = ?", (pid,)).fetchone()
            hit = plain(row[0] if row else "")
            if len(self._cache) >= self._keep:
                del self._cache[next(iter(self._cache))]
            self._cache[pid] = hit
        return hit


def _vectors(conn: sqlite3.Connection) -> tuple[array, _Vectors, list[str]]:
    """Every post's id (by id) and top-TOP_TERMS vector as compute makes it, and the terms by id.

    Pass one keeps each post's terms as ids and counts (two arrays for all posts) and counts
    document frequencies; pass two weighs them."""
    ids = array("q")
    starts = array("q", [0])
    term_ids = array("i")
    counts = array("i")
    # A term's id: its number in order of first use (given in C as map() asks for it).
    numbered: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    for pid, text in conn.execute("SELECT id, text FROM posts ORDER BY id"):
        c = post_terms(text)
        ids.append(pid)
        term_ids.extend(map(numbered.__getitem__, c))
        counts.extend(c.values())
        starts.append(len(term_ids))
    vocab = list(numbered)
    del numbered
    n = len(ids)
    df = Counter(term_ids)
    max_df = max(2, min(n // 2, MAX_DF))
    # Terms in a single post relate it to nothing; terms in many posts are not distinctive
    # (and their long posting lists would make this quadratic in the number of posts).
    idf = {t: math.log(n / k) for t, k in df.items() if 1 < k <= max_df}
    del df
    vectors = _Vectors()
    for i in range(n):
        lo, hi = starts[i], starts[i + 1]
        weights = [
            (t, (1 + math.log(k)) * idf[t])
            for t, k in zip(term_ids[lo:hi], counts[lo:hi])
            if t in idf
        ]
        top = sorted(weights, key=lambda tw: (-tw[1], vocab[tw[0]]))[:TOP_TERMS]
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        vectors.add([(t, w / norm) for t, w in top])
    return ids, vectors, vocab


def for_post(conn: sqlite3.Connection, post_id: int) -> list[dict]:
    """The post's related posts as stored at import: [{slug, title, score, terms}], best first."""
    try:
        rows = conn.execute(
            "SELECT p.slug, p.title, r.score, r.terms, r.other_id FROM related r JOIN posts p ON p.id = r.other_id"
            " WHERE r.post_id = ? ORDER BY r.rank",
            (post_id,),
        ).fetchall()
    except sqlite3.OperationalError:  # a database opened read-only before m005 could be applied
        return []
    cuts = _index_cuts(conn, [post_id] + [r[4] for r in rows])
    return [
        {"slug": r[0], "title": r[1], "score": r[2],
         "terms": _as_words(json.loads(r[3] or "[]"), cuts.get(post_id), cuts.get(r[4]))}
        for r in rows
    ]


class _Cut:
    """A post as the search index cut it: its text, where its words start and end, its Chinese words."""

    def __init__(self, stored: str):
        tokens = stored.split(SEP)
        self.text = "".join(tokens)
        self.bounds = {0}
        pos = 0
        for t in tokens:
            pos += len(t)
            self.bounds.add(pos)
        self.words = {t for t in tokens if len(t) > 1 and _CJK_RUN_RE.fullmatch(t)}

    def aligned(self, run: str) -> bool:
        """Whether run occurs here starting and ending at word boundaries (无模型: 无 + 模型)."""
        start = self.text.find(run)
        while start >= 0:
            if start in self.bounds and start + len(run) in self.bounds:
                return True
            start = self.text.find(run, start + 1)
        return False


def _index_cuts(conn: sqlite3.Connection, ids: list[int]) -> dict[int, _Cut]:
    marks = ",".join("?" * len(ids))
    try:
        rows = conn.execute(f"SELECT rowid, title, body FROM search_fts WHERE rowid IN ({marks})", ids).fetchall()
    except sqlite3.OperationalError:  # no index yet (a database being migrated)
        return {}
    return {r[0]: _Cut(f"{r[1]}{SEP}{r[2]}") for r in rows}


def _as_words(terms: list[str], a: "_Cut | None", b: "_Cut | None") -> list[str]:
    """Shared Chinese terms on word boundaries: the character runs grown at import can cross one
    (概率分 of 概率分布, 出正确 of 输出正确). A run both posts write from whole words stays (无模型,
    条件概率); one inside a word becomes that word; else the longest word inside it that both posts
    use; else it is dropped."""
    if a is None or b is None:
        return terms
    both, either = a.words & b.words, a.words | b.words
    out: list[str] = []
    for t in terms:
        if _CJK_RUN_RE.fullmatch(t) and not (_made_of(t, either) or (a.aligned(t) and b.aligned(t))):
            outer = sorted((w for w in either if t in w), key=lambda w: (w not in both, len(w), w))
            inner = sorted((w for w in both if w in t), key=lambda w: (-len(w), w))
            t = outer[0] if outer else inner[0] if inner else ""
        if t and not any(t in s or s in t for s in out):
            out.append(t)
    return out


def _made_of(run: str, words: set[str]) -> bool:
    """Whether run is a sequence of the words (each of 2+ characters)."""
    ends = {0}
    for i in range(len(run)):
        if i in ends:
            ends.update(j for j in range(i + 2, len(run) + 1) if run[i:j] in words)
    return len(run) in ends
