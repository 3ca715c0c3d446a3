"""The bundled English–Chinese glossary of ML terms (data/glossary.tsv, Synced's AI Terminology Database,
CC BY-NC-SA 4.0): loaded into the search_glossary table when the index is built, looked up per query.

A query never reads the file: it looks up its keys in the table (one indexed query).
"""
from __future__ import annotations

import sqlite3

from kb.search import segment
from kb.search.synonyms import synonym_key

# An abbreviation this short names too many things to stand for a term in a query (ES, FN, LR).
MIN_ABBREVIATION = 3


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
