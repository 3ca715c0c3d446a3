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
TITLE_WEIGHT = 4.0


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


def clause_score(title: tuple[list[str], Counter], body: tuple[list[str], Counter], length_ratio: float,
                 alts: list[tuple[list[str], float]], idf: float) -> float:
    """BM25F of one clause (alternatives with their weights) in one post."""
    norm = 1.0 - B + B * length_ratio
    tf = 0.0
    for tokens, weight in alts:
        tf += weight * (TITLE_WEIGHT * occurrences(title[0], title[1], tokens) + occurrences(body[0], body[1], tokens) / norm)
    if tf <= 0:
        return 0.0
    return idf * tf * (K1 + 1) / (tf + K1)
