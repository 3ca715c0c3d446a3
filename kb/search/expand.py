"""What a query word also means: the curated and configured synonyms (which win), the glosses the posts
write, the bundled glossary, a second translation reached through the other language, and the index
words that hold the word inside them — each an alternative of the word's clause, weighted below it.

Every look-up is an indexed query of a few keys: nothing here reads a whole table or the vocabulary.
"""
from __future__ import annotations

import sqlite3

from kb.search import glossary, glosses, variants
from kb.search.synonyms import known_keys as synonym_keys
from kb.search.synonyms import synonym_key, synonyms, tokens_key  # noqa: F401 (tokens_key: for query)
from kb.search.vocabulary import Vocabulary, query_tokens
from kb.text import is_cjk

# How much a match through each kind of expansion counts against the query's own words (1.0). The
# glossary's weight is divided by the number of its concepts a term belongs to, on either side
# (准确率 is Accuracy's and, by a wrong row, Precision's), so that an ambiguous row cannot flood.
GLOSS_WEIGHT = {1: 0.7}  # a pair one post writes; two or more posts: GLOSS_WEIGHT_MANY
GLOSS_WEIGHT_MANY = 0.85
GLOSSARY_WEIGHT = 0.75
PIVOT_FACTOR = 0.6  # 规范化 → normalization → 归一化: a translation of a translation
INSIDE_FACTOR = 0.6  # 注意力 inside 自注意力, attention inside FlashAttention
INSIDE_COVER = 0.9  # ranks below a whole word of the same clause
MAX_INSIDE_SOURCES = 4
ONE_CHARACTER_FACTOR = 0.6
# A Chinese expansion that is no index word (自举法 where the posts write 自举) also matches by its
# longest word, when the rest of its cut is single characters.
PART_FACTOR = 0.5  # the words (the query's own and its best expansions) looked inside for


VARIANT_FACTOR = 0.8  # 自编码器 written 自动编码器, 马尔科夫 马尔可夫 (kb.search.variants)
MAX_VARIANT_SOURCES = 3
COMPOSE_FACTOR = 0.7  # 层归一化 → layer normalization: the translations of its words, side by side
MAX_COMPOSED = 12
TRANSLATIONS = ("synonym", "gloss", "glossary", "pivot")


def known_keys(conn: sqlite3.Connection, keys: list[str]) -> set[str]:
    """The keys among these that name a term of the synonyms, the posts' glosses or the glossary."""
    if not keys:
        return set()
    found = synonym_keys(conn, keys) | glosses.known(conn, keys)
    return found | set(glossary.lookup(conn, keys))


def _script(term: str) -> str:
    return "zh" if any(map(is_cjk, term)) else "en"


def _usable(term: str) -> bool:
    return bool(synonym_key(term))


def _one_character(term: str) -> bool:
    key = synonym_key(term)
    return len(key) < 2 and _script(key) == "zh"


def expansions(conn: sqlite3.Connection, key: str) -> list[tuple[str, str, float]]:
    """(term, kind, weight) of everything the key also means, best first, the key itself left out."""
    out: dict[str, tuple[str, str, float]] = {}

    def add(term: str, kind: str, weight: float) -> None:
        k = synonym_key(term)
        if _one_character(term):  # 熵 for entropy is right, but one character stands for much (流, 率)
            weight *= ONE_CHARACTER_FACTOR
        if k and k != key and _usable(term) and (k not in out or out[k][2] < weight):
            out[k] = (term, kind, weight)

    for term in synonyms(conn, key):
        add(term, "synonym", 1.0)
    for term, cnt in glosses.lookup(conn, [key]).get(key, []):
        add(term, "gloss", GLOSS_WEIGHT.get(cnt, GLOSS_WEIGHT_MANY))
    targets = glossary.lookup(conn, [key]).get(key, [])
    senses = _senses(conn, [synonym_key(t) for t, _ in targets])
    for term, n in targets:
        add(term, "glossary", GLOSSARY_WEIGHT / max(n, senses.get(synonym_key(term), 1)))
    # One step through the other language: a Chinese word's English, and that English's other Chinese.
    own = _script(key)
    via = [(k, w) for k, (_, _, w) in out.items() if _script(k) != own]
    if via:
        keys = [k for k, _ in via]
        weight_of = dict(via)
        found_glosses = glosses.lookup(conn, keys)
        found_glossary = glossary.lookup(conn, keys)
        for k in keys:
            w = weight_of[k] * PIVOT_FACTOR
            for term in synonyms(conn, k):
                if _script(term) == own:
                    add(term, "pivot", w)
            for term, cnt in found_glosses.get(k, []):
                if _script(term) == own:
                    add(term, "pivot", w * GLOSS_WEIGHT.get(cnt, GLOSS_WEIGHT_MANY))
            for term, n in found_glossary.get(k, []):
                if _script(term) == own:
                    add(term, "pivot", w * GLOSSARY_WEIGHT / n)
    return sorted(out.values(), key=lambda t: -t[2])


def _senses(conn: sqlite3.Connection, keys: list[str]) -> dict[str, int]:
    """How many glossary concepts each key belongs to."""
    if not keys:
        return {}
    marks = ",".join("?" * len(keys))
    try:
        rows = conn.execute(f"SELECT key, max(senses) FROM search_glossary WHERE key IN ({marks}) GROUP BY key", keys)
        return {k: n for k, n in rows}
    except sqlite3.OperationalError:
        return {}


def widen(conn: sqlite3.Connection, own: list[str], vocab: Vocabulary) -> list[tuple[list[str], str, float, float, str]]:
    """The alternatives a clause of these tokens also has: (tokens, kind, weight, cover, term) for what
    its words also mean (see expansions) and for the index words that hold its word or its best
    expansions inside them."""
    key = tokens_key(own)
    out: list[tuple[list[str], str, float, float, str]] = []
    for term, kind, weight in expansions(conn, key):
        tokens = query_tokens(conn, term, vocab)
        if tokens and tokens != own:
            out.append((tokens, kind, weight, 1.0, term))
            longest = max(tokens, key=len)
            if len(tokens) > 1 and len(longest) >= 2 and _script(longest) == "zh" and sum(len(t) > 1 for t in tokens) == 1 \
                    and not variants.held(conn, tokens):  # 超 参数 written as such: 参数 alone is another word
                out.append(([longest], kind, weight * PART_FACTOR, INSIDE_COVER, ""))
    # Another writing of the word, or of its best Chinese expansions (自编码器 → 自动编码器).
    chinese = [("".join(own), 1.0)] + [("".join(t), w) for t, k, w, c, _ in out if c >= 1.0 and all(is_cjk(x[0]) for x in t)]
    seen = {tuple(own)} | {tuple(t) for t, *_ in out}
    for term, weight in chinese[:MAX_VARIANT_SOURCES]:
        for tokens in variants.writings(conn, vocab, term):
            if tuple(tokens) not in seen:
                seen.add(tuple(tokens))
                out.append((tokens, "variant", weight * VARIANT_FACTOR, 1.0, ""))
    sources = ([(own, 1.0)] if len(own) == 1 else []) + [(t, w) for t, _, w, _, _ in out if len(t) == 1]
    have = {tuple(own)} | {tuple(t) for t, *_ in out}
    for tokens, weight in sources[:MAX_INSIDE_SOURCES]:
        for word in vocab.inside(tokens[0]):
            if (word,) not in have:
                have.add((word,))
                out.append(([word], "inside", weight * INSIDE_FACTOR, INSIDE_COVER, ""))
    return out


def composed(meanings: dict, n: int) -> list[tuple[list[str], float]]:
    """Translations of a Chinese query word's parts put side by side, as one phrase standing for the
    whole word: 层 (layer) + 归一化 (normalization, through a gloss) → layer normalization, which a post
    writing only Layer Normalization matches. meanings: (start, end) of a run of parts → its
    alternatives as (tokens, kind, weight, cover); the best two English translations of each are
    combined, at most MAX_COMPOSED phrases, weighted by the weakest translation. Returns (tokens, weight)."""
    english = {
        span: sorted((a for a in alts if a[1] in TRANSLATIONS and a[3] >= 1.0 and _script("".join(a[0])) == "en"),
                     key=lambda a: -a[2])[:2]
        for span, alts in meanings.items()
    }
    out: list[tuple[list[str], float]] = []

    def walk(start: int, tokens: list[str], weight: float) -> None:
        if len(out) >= MAX_COMPOSED:
            return
        if start == n:
            out.append((tokens, weight * COMPOSE_FACTOR))
            return
        for (a, b), alts in english.items():
            if a == start and (b - a < n):
                for tokens_, _, w, _ in alts:
                    walk(b, tokens + tokens_, min(weight, w))

    walk(0, [], 1.0)
    return out


def combine(pieces: list[list[tuple[str, list[str], float]]], cut) -> list[tuple[list[str], float]]:
    """Each word's own tokens or one of its translations, side by side, at least one translated:
    (script, tokens, weight) options per word → (tokens, weight) phrases, adjacent Chinese joined and
    cut again (cut(text) → tokens), weighted COMPOSE_FACTOR × the weakest translation, at most
    MAX_COMPOSED."""
    out: list[tuple[list[str], float]] = []

    def walk(k: int, chosen: list[tuple[str, list[str]]], weight: float, translated: bool) -> None:
        if len(out) >= MAX_COMPOSED:
            return
        if k == len(pieces):
            if translated:
                tokens: list[str] = []
                for i, (script, toks) in enumerate(chosen):
                    if script == "zh" and i and chosen[i - 1][0] == "zh":
                        continue
                    if script == "zh":
                        j = i
                        while j < len(chosen) and chosen[j][0] == "zh":
                            j += 1
                        tokens += cut("".join("".join(t) for _, t in chosen[i:j]))
                    else:
                        tokens += toks
                out.append((tokens, weight * COMPOSE_FACTOR))
            return
        for script, toks, w in pieces[k]:
            walk(k + 1, chosen + [(script, toks)], min(weight, w), translated or w < 1.0 or script == "zh")

    walk(0, [], 1.0, False)
    return out
