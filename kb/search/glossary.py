"""The bundled English–Chinese glossary of ML terms (data/glossary.tsv, Synced's AI Terminology Database,
CC BY-NC-SA 4.0): loaded into the search_glossary table when the index is built, looked up per query.

A query never reads the file: it looks up its keys in the table (one indexed query).
"""
from __future__ import annotations

import sqlite3

from kb.search import segment
from kb.search.synonyms import synonym_key
from kb.text import is_cjk

# An abbreviation this short names too many things to stand for a term in a query (ES, FN, LR).
MIN_ABBREVIATION = 3
# A word's translation read off two-word terms (Decision Tree 决策树 with Decision 决策: tree 树) counts
# as a term of this many concepts: below the glossary's own rows (kb.search.expand divides by it).
ALIGNED_SENSES = 2
MAX_ALIGNED_ZH = 4
MAX_ALIGNED_WORDS = 4


def rows() -> list[list[str]]:
    """The glossary's concepts: [english, chinese…, abbreviation…] each, from data/glossary.tsv."""
    try:
        text = segment.glossary_path().read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = (line.split("\t") + ["", "", ""])[:3]
        english, chinese, abbreviations = (c.strip() for c in cols)
        if english.casefold() == "english" and chinese.casefold() == "chinese":
            continue  # a header line
        terms = [english] + [t.strip() for t in chinese.split("|") if t.strip()]
        terms += [a.strip() for a in abbreviations.split("|") if len(a.strip()) >= MIN_ABBREVIATION]
        if english and len(terms) >= 2:
            out.append(terms)
    return out


def aligned(concepts: list[list[str]]) -> set[tuple[str, str]]:
    """(english word, chinese) translations of single words the glossary does not list but its longer
    terms show: Decision Tree 决策树 and Decision 决策 give tree 树, Conditional Random Field 条件随机场
    with Conditional 条件 and Random 随机 give field 场 (the known words peeled off either end until one
    is left). Only for words without a row of their own (by stem: modeling is Model's); two rounds, so
    a word found in the first helps the second. Multi-word English queries compose these (density
    reachable → 密度可达: kb.search.query)."""
    words: dict[str, set[str]] = {}  # stem → its Chinese
    pairs: list[tuple[list[tuple[str, str]], str]] = []
    for terms in concepts:
        english = [(synonym_key(w), w) for w in terms[0].replace("-", " ").split()]
        chinese = [t for t in terms[1:] if t and all(map(is_cjk, t))]
        for zh in chinese:
            if len(english) == 1:
                words.setdefault(english[0][0], set()).add(zh)
            elif 2 <= len(english) <= MAX_ALIGNED_WORDS and all(k for k, _ in english):
                pairs.append((english, zh))
    listed = set(words)
    found: set[tuple[str, str]] = set()
    for _ in range(2):
        new: set[tuple[str, str, str]] = set()
        for english, zh in pairs:
            left = _peel(english, zh, words)
            if left:
                (stem, other), rest = left
                if len(rest) <= MAX_ALIGNED_ZH and len(other) >= 3 and other.isalnum() and stem not in listed:
                    new.add((stem, other, rest))
        for stem, other, zh in new:
            words.setdefault(stem, set()).add(zh)
            found.add((other, zh))
    return found


def _peel(english: list[tuple[str, str]], zh: str, words: dict[str, set[str]]):
    """The one word left, with the Chinese left, once the known words at either end are taken off
    (their Chinese at that end of zh); None when more than one word or no Chinese is left."""
    while len(english) > 1:
        head = next((p for p in words.get(english[0][0], ()) if zh.startswith(p) and len(p) < len(zh)), None)
        if head:
            english, zh = english[1:], zh[len(head):]
            continue
        tail = next((p for p in words.get(english[-1][0], ()) if zh.endswith(p) and len(p) < len(zh)), None)
        if tail:
            english, zh = english[:-1], zh[: -len(tail)]
            continue
        return None
    return (english[0], zh) if zh else None


def load_table(conn: sqlite3.Connection) -> None:
    """Refill search_glossary: for every term, each other term of each concept that holds it, and in
    how many concepts the term appears (its ambiguity: 准确率 is Accuracy's and Precision's)."""
    conn.execute("DELETE FROM search_glossary")
    concepts = [[(t, synonym_key(t)) for t in terms] for terms in rows()]
    senses: dict[str, int] = {}
    for concept in concepts:
        for key in {k for _, k in concept if k}:
            senses[key] = senses.get(key, 0) + 1
    pairs: dict[tuple[str, str], int] = {}
    for concept in concepts:
        for key in {k for _, k in concept if k}:
            for term, other in concept:
                if other and other != key:
                    pairs.setdefault((key, term), senses[key])
    for en, zh in aligned(rows()):
        ek, zk = synonym_key(en), synonym_key(zh)
        if ek and zk:
            pairs.setdefault((ek, zh), max(senses.get(ek, 1), ALIGNED_SENSES))
            pairs.setdefault((zk, en), max(senses.get(zk, 1), ALIGNED_SENSES))
    conn.executemany(
        "INSERT INTO search_glossary (key, term, senses) VALUES (?, ?, ?)",
        [(k, t, n) for (k, t), n in pairs.items()],
    )


def lookup(conn: sqlite3.Connection, keys: list[str]) -> dict[str, list[tuple[str, int]]]:
    """key → [(an equivalent term, the number of concepts the key belongs to)]."""
    out: dict[str, list[tuple[str, int]]] = {}
    if not keys:
        return out
    marks = ",".join("?" * len(keys))
    try:
        found = conn.execute(f"SELECT key, term, senses FROM search_glossary WHERE key IN ({marks})", keys).fetchall()
    except sqlite3.OperationalError:  # a database from before the table (read-only, not migrated)
        return out
    for key, term, senses in found:
        out.setdefault(key, []).append((term, senses))
    return out
