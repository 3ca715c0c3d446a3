"""Words for search: normalization, jieba segmentation for the index, and query segmentation.

The index is cut by jieba's algorithm and dictionary (via rjieba) plus kb's domain dictionary; queries are cut against the index's own vocabulary, so a query never loads jieba.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import Iterable

from kb import prepare

# Joins the index's tokens: FTS5's unicode61 tokenizer splits on it, and removing it gives
# back the text character for character.
SEP = "\u200b"
# Bumped whenever the way text is cut changes, so that existing indexes rebuild themselves.
SEGMENTER_VERSION = "2"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Pieces of normalized text: programming-language names kept whole (C++, C#, F#), Latin
# words and numbers, runs of Chinese (handed to the segmenter), any other single character.
# (Explicit A-Za-z rather than IGNORECASE: case-insensitive Chinese ranges take ~15 ms to compile.)
_PIECE_RE = re.compile(
    rf"(?P<lang>[A-Za-z](?:\+\+|#)(?![A-Za-z0-9+#]))|(?P<word>[A-Za-z0-9]+)|(?P<cjk>[{_CJK}]+)|(?P<other>\S)"
)


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def data_dir() -> Path:
    from kb import paths

    return paths.bundled_data()


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[str, str]:
    """Traditional → simplified, one character for one (data/t2s.json, made by kb/mine.py)."""
    raw = json.loads((data_dir() / "t2s.json").read_text(encoding="utf-8"))
    return dict(zip(raw["traditional"], raw["simplified"]))


class _CharMap(dict):
    """str.translate table filled on first sight of each character: one Python call per
    distinct character, C speed for the rest of the text."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch == SEP:
            out = " "  # SEP marks the index's token boundaries: none may come from the text
        elif code < 128:
            out = ch
        else:
            n = unicodedata.normalize("NFKC", ch)
            out = n if len(n) == 1 else ch
            if _is_cjk(out):
                out = _t2s_table().get(out, out)
        self[code] = out
        return out


_CHARS = _CharMap()


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), traditional → simplified, one character for one.

    The result has exactly the length of the input, so a position in it is a position in
    the original text: snippets are cut from the original by the normalized text's offsets.
    Characters whose NFKC form is longer (ligatures, ①) are kept as they are; case is folded
    by FTS5's tokenizer and by query_tokens.
    """
    return text.translate(_CHARS) if text else ""


def pieces(norm: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of each piece of normalized text; white space is no piece."""
    return [(m.start(), m.end(), m.lastgroup) for m in _PIECE_RE.finditer(norm)]


# str.isalnum() characters: \w less the underscore (a regex: this runs on every distinct token of an import).
_WORD_CHAR_RE = re.compile(r"[^\W_]")


def has_word_char(token: str) -> bool:
    """Whether a token can match anything: it holds a letter or a digit."""
    return _WORD_CHAR_RE.search(token) is not None


# ---------------------------------------------------------------- the domain dictionary


def dictionary_path() -> Path:
    return data_dir() / "dictionary.json"


def synonyms_path() -> Path:
    return data_dir() / "synonyms.yaml"


def dictionary_hash() -> str:
    """What the index depends on besides the posts: segmenter version, dictionary, synonyms."""
    h = hashlib.sha256(SEGMENTER_VERSION.encode())
    for path in (dictionary_path(), synonyms_path()):
        h.update(b"\0" + path.name.encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"(missing)")
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def load_dictionary() -> dict:
    """data/dictionary.json: {"words": [[word, freq], ...], "pairs": [[chinese, english], ...]}."""
    try:
        return json.loads(dictionary_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"words": [], "pairs": []}


@functools.lru_cache(maxsize=1)
def curated_groups() -> list[list[str]]:
    """data/synonyms.yaml: groups of terms that mean the same (a list of lists, or of
    {term, synonyms} mappings, or a mapping of name → list)."""
    path = synonyms_path()
    if not path.exists():
        return []
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(data, dict):
        data = data.get("groups") or data.get("synonyms") or [
            [k, *v] if isinstance(v, list) else v for k, v in data.items()
        ]
    groups = []
    for group in data:
        if isinstance(group, dict):
            terms = group.get("terms") or [group.get("term"), *(group.get("synonyms") or group.get("aliases") or [])]
        else:
            terms = group
        if isinstance(terms, (list, tuple)):
            terms = [str(t).strip() for t in terms if t is not None and str(t).strip()]
            if len(terms) >= 2:
                groups.append(terms)
    return groups


# Below this jieba frequency a new word can lose to a neighbour in context.
MIN_WORD_FREQ = 2000


@functools.lru_cache(maxsize=1)
def _segmenter():
    """jieba's algorithm and dictionary (rjieba, the Rust port), plus the domain words: the
    mined dictionary and the Chinese terms of the curated synonym groups. Returns the
    segmenter and the (word, frequency) pairs added to jieba's dictionary."""
    import rjieba

    seg = rjieba.Jieba()
    added: list[tuple[str, int]] = []
    for word, freq in load_dictionary()["words"]:
        added.append((normalize(word), int(freq)))
        seg.add_word(added[-1][0], added[-1][1], None)
    for group in curated_groups():
        for term in group:
            word = normalize(term)
            if len(word) > 1 and all(map(_is_cjk, word)) and len(seg.cut(word, hmm=False)) > 1:
                added.append((word, max(seg.suggest_freq(word), MIN_WORD_FREQ)))
                seg.add_word(word, added[-1][1], None)
    return seg, added


def _jieba():
    return _segmenter()[0]


def domain_words() -> list[tuple[str, int]]:
    """The words kb adds to jieba's dictionary, with their frequencies."""
    return _segmenter()[1]


# ---------------------------------------------------------------- index side


def _cut(norm: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_word) of each token of normalized text; is_word: it has a letter or digit."""
    spans: list[tuple[int, int, bool]] = []
    seg = None
    for m in _PIECE_RE.finditer(norm):
        start, end, kind = m.start(), m.end(), m.lastgroup
        if kind == "cjk" and end - start > 1:
            seg = seg or _jieba()
            pos = start
            for word in seg.cut(m.group()):
                spans.append((pos, pos + len(word), True))
                pos += len(word)
        else:
            spans.append((start, end, kind != "other" or m.group().isalnum()))
    return spans


def index_tokens(text: str) -> list[tuple[int, int]]:
    """Token spans (start, end) of text, cut the index's way (text is normalized first)."""
    return [(s, e) for s, e, _ in _cut(normalize(text))]


@functools.lru_cache(maxsize=1)
def _index_res() -> tuple[re.Pattern, re.Pattern]:
    """Chinese runs, and the pieces of text between them (what _PIECE_RE finds there, white
    space included); compiled on first use, as only the index needs them."""
    return (
        re.compile(rf"([{_CJK}]+)"),
        re.compile(r"[A-Za-z](?:\+\+|#)(?![A-Za-z0-9+#])|[A-Za-z0-9]+|\s+|\S"),
    )


def index_form(text: str) -> tuple[str, list[str]]:
    """What the FTS index stores for text, and its tokens (case-folded) for the vocabulary.

    The stored form is the normalized text with SEP at every token boundary: removing SEP
    gives the normalized text back, aligned character for character with text. The tokens
    include white space and punctuation (dropped by the caller once, on distinct words).
    """
    stored = stored_form(text or "")
    return stored, (stored.casefold().split(SEP) if stored else [])


@prepare.ahead
def stored_form(text: str) -> str:
    """index_form's stored form. Same cut as _cut, done chunk by chunk rather than token by
    token: it is the import's inner loop (and what import workers compute ahead)."""
    norm = normalize(text)
    if not norm:
        return ""
    pieces: list[str] = []
    seg = None
    cjk_split, other_pieces = _index_res()
    for i, chunk in enumerate(cjk_split.split(norm)):
        if not chunk:
            continue
        if i % 2:  # a Chinese run
            if len(chunk) == 1:
                pieces.append(chunk)
            else:
                seg = seg or _jieba()
                pieces.extend(seg.cut(chunk))
        else:
            pieces.extend(other_pieces.findall(chunk))
    return SEP.join(pieces)


@prepare.ahead
def word_count(stored: str) -> int:
    """How many word tokens (holding a letter or digit) a stored form has: what FTS5 indexes of it."""
    return sum(1 for t in stored.split(SEP) if _WORD_CHAR_RE.search(t)) if stored else 0


def index_text(text: str) -> str:
    return index_form(text)[0]


# ---------------------------------------------------------------- query side


def fold(token: str) -> str:
    return token.casefold()


def query_tokens(conn: sqlite3.Connection | None, text: str, vocab: "Vocabulary | None" = None) -> list[str]:
    """The words of a query, cut like the index cut the posts, without loading jieba.

    Latin words and numbers are split as in the index. A run of Chinese is cut into the
    most probable sequence of words of the index's vocabulary (unigram model, counts from
    the index itself: jieba's own method over a dictionary of only the words that can match);
    characters that start no known word stand alone. Tokens without a letter or digit are dropped.
    """
    norm = normalize(text)
    vocab = vocab or Vocabulary(conn)
    out: list[str] = []
    for start, end, kind in pieces(norm):
        piece = norm[start:end]
        if kind == "cjk":
            out.extend(vocab.cut(piece))
        elif has_word_char(piece):
            out.append(fold(piece))
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
                    row = self.conn.execute("SELECT value FROM meta WHERE key = 'search_tokens'").fetchone()
                    n = int(row[0]) if row and row[0] else 0
                except sqlite3.DatabaseError:
                    n = 0
            self._total = max(n, 1)
        return self._total

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
