"""Search synonyms: the pairs mined from the posts, data/synonyms.yaml's curated groups (kept in the
search_synonyms table, reloaded with the index) and the config file's groups (read at query time).
"""
from __future__ import annotations

import functools
import sqlite3

from kb.search import segment

@functools.lru_cache(maxsize=65536)
def synonym_key(text: str) -> str:
    """The form synonyms are matched by: the words of the text as a query cuts them (English words
    stemmed and case-folded, Chinese as it is), joined without white space or punctuation, so that
    "Normalizing Flows", "normalizing-flow" and the query's tokens normal, flow all give normalflow."""
    norm = segment.normalize(text)
    out = []
    for start, end, kind in segment.pieces(norm):
        piece = norm[start:end]
        if kind == "word":
            out.append(segment.stem(piece))
        elif kind == "cjk":
            out.append(piece)
        elif kind == "lang" or piece.isalnum():
            out.append(piece.casefold())
    return "".join(out)


def tokens_key(tokens: list[str]) -> str:
    """The key of a run of query tokens (already stemmed): synonym_key of the text they came from."""
    return "".join(tokens)


def synonym_groups() -> list[list[str]]:
    """Bilingual groups: the pairs mined from the posts plus data/synonyms.yaml's curated groups."""
    return [list(p) for p in segment.load_dictionary().get("pairs", [])] + segment.curated_groups()


def load_table(conn: sqlite3.Connection) -> None:
    """Refill search_synonyms from the mined pairs and the curated groups (caller's transaction)."""
    conn.execute("DELETE FROM search_synonyms")
    rows = []
    for grp, terms in enumerate(synonym_groups()):
        for term in terms:
            key = synonym_key(term)
            if key:
                rows.append((grp, term.strip(), key))
    conn.executemany("INSERT INTO search_synonyms (grp, term, key) VALUES (?, ?, ?)", rows)


def _config_groups() -> list[list[str]]:
    """The user's own groups (config file `synonyms: {term: [equivalent, …]}`), applied at query
    time: they need no rebuild, a Chinese term is matched as a phrase of index words."""
    from kb import config

    return [[term, *equivalents] for term, equivalents in config.load().synonyms.items()]


def synonyms(conn: sqlite3.Connection, key: str) -> list[str]:
    """Other members of every group holding this key."""
    rows = conn.execute(
        "SELECT DISTINCT s.term, s.key FROM search_synonyms s"
        " JOIN search_synonyms k ON k.grp = s.grp WHERE k.key = ? AND s.key != ? ORDER BY s.grp, s.rowid",
        (key, key),
    ).fetchall()
    for group in _config_groups():
        if key in {synonym_key(t) for t in group}:
            rows += [(t, synonym_key(t)) for t in group]
    seen, out = {key}, []
    for term, k in rows:
        if k not in seen:
            seen.add(k)
            out.append(term)
    return out


def known_keys(conn: sqlite3.Connection, keys: list[str]) -> set[str]:
    """The keys among these that name a synonym group."""
    if not keys:
        return set()
    marks = ",".join("?" * len(keys))
    found = {r[0] for r in conn.execute(f"SELECT DISTINCT key FROM search_synonyms WHERE key IN ({marks})", keys)}
    user = {synonym_key(t) for group in _config_groups() for t in group}
    return found | (user & set(keys))
