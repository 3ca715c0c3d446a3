"""Queries cut into the index's words without jieba: a unigram model over FTS5's own vocabulary.

A query costs a few indexed look-ups of its substrings, never the second jieba takes to load.
"""
from __future__ import annotations

import math
import sqlite3
from typing import Iterable

from kb.search.segment import has_word_char, normalize, pieces, stem
from kb.text import META_SEARCH_TOKENS, is_cjk

# Words inside other words: a query word this long at least (a Chinese word of one character, an
# English one of three letters, is inside too many), and at most this many containing words, the most
# frequent first (模型 is inside hundreds).
MIN_INSIDE_CJK = 2
MIN_INSIDE_LATIN = 4
MAX_INSIDE = 24


def fold(token: str) -> str:
    """A Latin word or number as the index stores it: stemmed and case-folded (C++ and C# as they are)."""
    return stem(token) if token[:1].isascii() and token.isalnum() else token.casefold()


def query_tokens(conn: sqlite3.Connection | None, text: str, vocab: "Vocabulary | None" = None) -> list[str]:
    """The words of a query, cut like the index cut the posts, without loading jieba.

    Latin words and numbers are split as in the index. A run of Chinese is cut into the
    most probable sequence of words of the index's vocabulary (unigram model, counts from
    the index itself: jieba's own method over a dictionary of only the words that can match);
    characters that start no known word stand alone. Tokens without a letter or digit are dropped.
    """
    return [t for t, _ in surface_tokens(conn, text, vocab)]


def surface_tokens(conn: sqlite3.Connection | None, text: str, vocab: "Vocabulary | None" = None) -> list[tuple[str, str]]:
    """query_tokens with the form each was written in, case-folded (model, models)."""
    norm = normalize(text)
    vocab = vocab or Vocabulary(conn)
    out: list[tuple[str, str]] = []
    for start, end, kind in pieces(norm):
        piece = norm[start:end]
        if kind == "cjk":
            out.extend((w, w) for w in vocab.cut(piece))
        elif has_word_char(piece):
            out.append((fold(piece), piece.casefold()))
    return out


class Vocabulary:
    """The index's words and their counts, looked up lazily (only substrings of the query)."""

    MAX_WORD = 12

    def __init__(self, conn: sqlite3.Connection | None, *, word_starts: bool = False):
        self.conn = conn
        self._counts: dict[str, int] = {}
        self._total: int | None = None
        # For a user's query: a run that is no index word but starts one (扩散 of 扩散模型, when
        # the posts only ever say 扩散模型) is kept whole, so the prefix step can find it,
        # instead of being cut into characters that match nothing.
        self.word_starts = word_starts
        self._starts: dict[str, bool] = {}

    def total(self) -> int:
        if self._total is None:
            n = 0
            if self.conn is not None:
                try:
                    row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (META_SEARCH_TOKENS,)).fetchone()
                    n = int(row[0]) if row and row[0] else 0
                except sqlite3.DatabaseError:
                    n = 0
            self._total = max(n, 1)
        return self._total

    def docs(self, words: Iterable[str]) -> dict[str, int]:
        """How many posts hold each word (FTS5's own document counts)."""
        words = list(set(words))
        out = dict.fromkeys(words, 0)
        if self.conn is None or not words:
            return out
        for i in range(0, len(words), 500):
            chunk = words[i : i + 500]
            try:
                rows = self.conn.execute(
                    f"SELECT term, doc FROM search_vocab WHERE term IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
            except sqlite3.DatabaseError:
                rows = []
            out.update(rows)
        return out

    def counts(self, words: Iterable[str]) -> dict[str, int]:
        missing = [w for w in set(words) if w not in self._counts]
        if missing and self.conn is not None:
            for i in range(0, len(missing), 500):
                chunk = missing[i : i + 500]
                marks = ",".join("?" * len(chunk))
                try:
                    rows = self.conn.execute(
                        f"SELECT term, cnt FROM search_vocab WHERE term IN ({marks})", chunk
                    ).fetchall()
                except sqlite3.DatabaseError:
                    rows = []
                for term, cnt in rows:
                    self._counts[term] = cnt
        for w in missing:
            self._counts.setdefault(w, 0)
        return {w: self._counts[w] for w in words}

    def inside(self, word: str) -> list[str]:
        """Index words that hold this word and are not it, most frequent first: those starting with it
        (扩散模型 for 扩散, flowbasedmodel for flow) and those with it after their start (自注意力 for
        注意力, flashattent for attent), at most MAX_INSIDE; none for a word too short to look inside."""
        if self.conn is None or not word:
            return []
        if is_cjk(word[0]):
            if len(word) < MIN_INSIDE_CJK:
                return []
        elif not (word.isascii() and word.isalpha() and len(word) >= MIN_INSIDE_LATIN):
            return []
        hi = word + "\U0010ffff"
        try:
            found = {r[0] for r in self.conn.execute(
                "SELECT term FROM search_vocab WHERE term > ? AND term < ? LIMIT 200", (word, hi))}
            found |= {r[0] for r in self.conn.execute(
                "SELECT term FROM search_parts WHERE part >= ? AND part < ? LIMIT 200", (word, hi))}
        except sqlite3.DatabaseError:
            return []
        found.discard(word)
        counts = self.counts(found)
        return sorted((w for w in found if counts[w] > 0), key=lambda w: (-counts[w], w))[:MAX_INSIDE]

    def _word_starts(self, run: str, known: set[str]) -> set[str]:
        """Substrings of run (2+ characters) that are no index word but the start of one."""
        found: set[str] = set()
        if self.conn is None:
            return found
        n = len(run)
        for i in range(n - 1):
            # A string starts a word only if its own shorter starts do: stop at the first that does not.
            for j in range(i + 2, min(n, i + self.MAX_WORD) + 1):
                w = run[i:j]
                if w not in self._starts:
                    try:
                        row = self.conn.execute(
                            "SELECT 1 FROM search_vocab WHERE term > ? AND term < ? LIMIT 1", (w, w + "\U0010ffff")
                        ).fetchone()
                    except sqlite3.DatabaseError:
                        row = None
                    self._starts[w] = row is not None
                if not self._starts[w]:
                    break
                if w not in known:
                    found.add(w)
        return found

    def cut(self, run: str) -> list[str]:
        """Most probable cut of a Chinese run into known words (jieba's DAG + route)."""
        n = len(run)
        subs = [run[i:j] for i in range(n) for j in range(i + 2, min(n, i + self.MAX_WORD) + 1)]
        known = {w for w, c in self.counts(subs).items() if c > 0}
        starts = self._word_starts(run, known) if self.word_starts else set()
        logtotal = math.log(self.total())
        # best[i]: (log probability of the best cut of run[i:], end of its first word)
        best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
        for i in range(n - 1, -1, -1):
            single = self._counts.get(run[i]) if run[i] in self._counts else None
            if single is None:
                single = self.counts([run[i]])[run[i]]
            options = [(math.log(single or 1) - logtotal + best[i + 1][0], i + 1)]
            for j in range(i + 2, min(n, i + self.MAX_WORD) + 1):
                if run[i:j] in known:
                    options.append((math.log(self._counts[run[i:j]]) - logtotal + best[j][0], j))
                elif run[i:j] in starts:  # as likely as a word seen once
                    options.append((-logtotal + best[j][0], j))
            best[i] = max(options)
        words = []
        i = 0
        while i < n:
            j = best[i][1]
            words.append(run[i:j])
            i = j
        return words
