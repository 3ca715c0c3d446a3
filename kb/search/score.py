"""Scores of the posts a query's clauses matched: BM25F over concepts, not words.

A clause is one concept however many alternatives it has (value function, 价值函数, 值函数): its term
frequency in a post is the weighted sum of its alternatives' occurrences (title 4 ×), its IDF that of the
concept (the posts holding any alternative). Per-word BM25 would give a rare English word written once
in passing more than the Chinese term a post is about, and a post naming a term in both languages twice
the credit.
"""
from __future__ import annotations

import math
from collections import Counter

from kb.search.segment import SEP

K1 = 1.2
B = 0.75
# A title naming the clause adds as much as a text full of it; the opening words (a section's heading) half that.
TITLE_BONUS = 1.0
LEAD_BONUS = 0.5
LEAD_TOKENS = 12
# A title that is mostly the concept (熵的概念 for 熵, 什么是超参数 for 超参数) names what the post is
# about; one that mentions it among other things (算法参数（超参数）与模型参数) less so: up to this much more.
TITLE_SHARE = 2.0


def words(stored: str | None) -> list[str]:
    """The word tokens of a stored column, case-folded (white space and punctuation left out)."""
    if not stored:
        return []
    return [t for t in stored.casefold().split(SEP) if t and not t.isspace()]


def occurrences(tokens: list[str], counter: Counter, alt: list[str]) -> int:
    """How often a phrase of index words occurs in a token list."""
    if len(alt) == 1:
        return counter.get(alt[0], 0)
    first, n, m = alt[0], 0, len(alt)
    if not counter.get(first):
        return 0
    for i, t in enumerate(tokens):
        if t == first and tokens[i : i + m] == alt:
            n += 1
    return n


def concept_idf(docs: int, total: int) -> float:
    return math.log(1.0 + (total - docs + 0.5) / (docs + 0.5))


def saturated(tf: float, k1: float = K1) -> float:
    return tf * (k1 + 1) / (tf + k1) if tf > 0 else 0.0


def clause_score(title: tuple[list[str], Counter], body: tuple[list[str], Counter], length_ratio: float,
                 alts: list[tuple[list[str], float]], idf: float) -> float:
    """BM25 of one clause (alternatives with their weights) in one post's text, plus what its title and
    its opening say: a post whose title names the concept, or whose opening words do (the heading of a
    captured section), is about it — a post writing the word many times in passing is not. Each is
    saturated on its own, so the title counts as much as a text full of the word."""
    norm = 1.0 - B + B * length_ratio
    tf = in_title = in_lead = 0.0
    named = 0  # characters of the title the clause's alternatives make up
    lead = body[0][:LEAD_TOKENS]
    lead_counter = Counter(lead)
    for tokens, weight in alts:
        tf += weight * occurrences(body[0], body[1], tokens)
        n = occurrences(title[0], title[1], tokens)
        in_title += weight * n
        named = max(named, n * sum(map(len, tokens)))
        in_lead += weight * occurrences(lead, lead_counter, tokens)
    if tf <= 0 and in_title <= 0:
        return 0.0
    body_part = tf * (K1 + 1) / (tf + K1 * norm) if tf > 0 else 0.0
    length = sum(len(t) for t in title[0] if t[0].isalnum()) or 1
    title_part = TITLE_BONUS * saturated(in_title) * (1.0 + TITLE_SHARE * min(1.0, named / length))
    return idf * (body_part + title_part + LEAD_BONUS * saturated(in_lead))
