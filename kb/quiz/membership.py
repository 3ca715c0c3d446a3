"""Topic membership as a derived part: which concepts each quiz topic holds, kept with the posts that
feed it, so kb topics, kb quiz --topic and kb cards --topic read an index instead of re-reading cards.

A concept belongs to a topic when a post matching the topic (whole words of the search index) defines
it and that post's definition names the topic too: its term, aliases or text name one of the topic's
terms, or its term is a word of one. Tables: topic_sources (topic, concept, post: one per qualifying
definition, replaced with its post), topic_concepts (topic, concept: what the commands read) and
topic_defs (each topic's terms and the index expression they were cut into, which depends on the
index's vocabulary: an import that changes the expression recomputes that topic). Every writer runs
inside the caller's transaction; kb.derived calls them.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
import sqlite3
from typing import Iterable

from kb.errors import ConfigError
from kb.store.meta import get_meta, set_meta
from kb.text import META_CARDS_REBUILT_AT, META_SEARCH_HASH, META_TOPICS_BUILT

TABLES = ("topic_defs", "topic_sources", "topic_concepts")
# Bumped when the rule of membership changes: every database's membership is derived again.
RULE_VERSION = "1"
# Posts whose ids form more separate runs than this are matched against the whole index at once.
MAX_RUNS = 16


# ---------------------------------------------------------------- the rule


def terms_expression(conn: sqlite3.Connection, terms: list[str], vocab=None) -> str | None:
    """The index expression matching posts that hold any of the terms as whole words."""
    from kb.search import ranking

    return ranking.terms_expression(conn, terms, vocab)


def members(conn: sqlite3.Connection, terms: list[str], expr: str | None,
            post_ids: Iterable[int] | None = None) -> set[tuple[str, int]]:
    """(concept, post) of every definition that makes its concept a member: its post matches expr
    (among post_ids, when given) and the definition names one of the terms."""
    if not expr:
        return set()
    posts = _matching(conn, expr, post_ids)
    if not posts:
        return set()
    rule = Rule(terms)
    out: set[tuple[str, int]] = set()
    wanted = sorted(posts)
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        for norm, post_id, term, aliases, definition in conn.execute(
                "SELECT norm_term, post_id, term, aliases, definition FROM card_sources"
                f" WHERE post_id IN ({','.join('?' * len(chunk))})", chunk):
            if rule.names(term, aliases, definition):
                out.add((norm, post_id))
    return out


def _matching(conn: sqlite3.Connection, expr: str, post_ids: Iterable[int] | None) -> set[int]:
    """Posts matching expr, among post_ids when given: FTS5 seeks a rowid range, not a list, so the
    ids are asked for as runs of consecutive ids (an import's new posts are one run)."""
    sql = "SELECT rowid FROM search_fts WHERE search_fts MATCH ?"
    if post_ids is None:
        return {r[0] for r in conn.execute(sql, (expr,))}
    ids = sorted(set(post_ids))
    if not ids:
        return set()
    runs: list[list[int]] = []
    for pid in ids:
        if runs and pid == runs[-1][1] + 1:
            runs[-1][1] = pid
        else:
            runs.append([pid, pid])
    if len(runs) > MAX_RUNS:
        return {r[0] for r in conn.execute(sql, (expr,))} & set(ids)
    out: set[int] = set()
    for lo, hi in runs:
        out |= {r[0] for r in conn.execute(sql + " AND rowid BETWEEN ? AND ?", (expr, lo, hi))}
    return out


class Rule:
    """Whether a post's definition is about a topic: its term, aliases or text name one of the topic's
    terms as whole words of the search segmentation, or its term is a word of one (flow, of flow模型)."""

    def __init__(self, terms: list[str]):
        self.wanted = [w for w in (_norm(t) for t in terms) if w]
        self.heads = _words(terms)

    def names(self, term: str, aliases: str | None, definition: str) -> bool:
        if _norm(term) in self.heads:
            return True
        text = f"{term} {aliases} {definition}"
        folded = _folded(text)
        # The cut is what costs: only a text holding a term at all is cut.
        present = [w for w in self.wanted if w in folded]
        return bool(present) and any(has_word(text, w) for w in present)


def _norm(text: str) -> str:
    from kb.search import segment

    return segment.normalize(text).casefold().strip()


def _folded(text: str) -> str:
    """The comparison form of text: normalized, case-folded unless folding changes its length."""
    from kb.search import segment

    norm = segment.normalize(text)
    folded = norm.casefold()
    return folded if len(folded) == len(norm) else norm


def _words(terms: list[str]) -> set[str]:
    """The words (two characters or more) that the topic's terms are made of."""
    out: set[str] = set()
    for term in terms:
        norm, bounds = _tokenized(term)
        cuts = sorted(bounds)
        out.update(w for a, b in zip(cuts, cuts[1:]) if len(w := norm[a:b].strip()) >= 2)
    return out


def has_word(text: str, term: str) -> bool:
    """Whether term occurs in text starting and ending on token boundaries of the search segmentation."""
    if not term or term not in _folded(text):
        return False
    norm, bounds = _tokenized(text)
    start = norm.find(term)
    while start >= 0:
        if start in bounds and start + len(term) in bounds:
            return True
        start = norm.find(term, start + 1)
    return False


@functools.lru_cache(maxsize=4096)
def _tokenized(text: str) -> tuple[str, frozenset[int]]:
    """The comparison form of text and the offsets where its tokens start or end."""
    from kb.search import segment

    folded = _folded(text)
    bounds = {0, len(folded)}
    for start, end in segment.index_tokens(text):
        bounds.update((start, end))
    # A Latin word ends where its letters do, even when the segmenter glued it to a neighbour.
    for m in re.finditer(r"[a-z0-9]+", folded):
        bounds.update((m.start(), m.end()))
    return folded, frozenset(bounds)


# ---------------------------------------------------------------- the part


def load(path=None) -> dict[str, list[str]]:
    """name → terms, from data/topics.yaml (a mapping of names to term lists, or to {terms: [...]}) and the config."""
    from pathlib import Path

    import yaml

    from kb import paths

    if path is None:
        # The config file's topics: are added to the bundled ones (and win over one of the same name).
        from kb import config

        extra = {str(k).strip().casefold(): list(v) or [str(k)] for k, v in config.load().topics.items()}
        return load(paths.bundled_data() / "topics.yaml") | extra
    path = Path(path)
    if not path.exists():
        return {}
    try:
        # libyaml's loader where installed (as kb.config reads the config): the same data, parsed in C.
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read topics from {path.name}: {exc}") from None
    if isinstance(raw, dict) and isinstance(raw.get("topics"), (dict, list)):
        raw = raw["topics"]
    if isinstance(raw, list):  # [{name: flow, terms: [...]}, ...]
        raw = {str(t.get("name")): t for t in raw if isinstance(t, dict) and t.get("name")}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path.name}: expected a mapping of topic names to terms")
    out: dict[str, list[str]] = {}
    for name, value in raw.items():
        if isinstance(value, dict):
            value = value.get("terms") or value.get("words") or value.get("keywords") or []
        if isinstance(value, str):
            value = [value]
        terms = [str(v).strip() for v in value or [] if str(v).strip()]
        out[str(name).strip().casefold()] = terms or [str(name)]
    return out


def fingerprint(conn: sqlite3.Connection) -> str:
    """What membership depends on besides the posts: the topic definitions (the bundled file and the
    config's topics:), the search index's dictionary and the cards' last full derivation."""
    from kb import config, paths

    h = hashlib.sha256(RULE_VERSION.encode())
    try:
        h.update((paths.bundled_data() / "topics.yaml").read_bytes())
    except OSError:
        h.update(b"(missing)")
    h.update(json.dumps(config.load().topics, sort_keys=True, ensure_ascii=False, default=str).encode())
    for key in (META_SEARCH_HASH, META_CARDS_REBUILT_AT):
        h.update(b"\0" + (get_meta(conn, key) or "").encode())
    return h.hexdigest()


def stale(conn: sqlite3.Connection) -> str | None:
    """Why membership needs a rebuild besides a stale mark, or None."""
    if get_meta(conn, META_TOPICS_BUILT) != fingerprint(conn):
        return "the topics, the search index or the cards changed since topic membership was derived"
    return None


def stored(conn: sqlite3.Connection) -> dict[str, tuple[list[str], str | None]]:
    """name → (terms, expression) of each topic as its membership was derived."""
    try:
        rows = conn.execute("SELECT topic, terms, expr FROM topic_defs").fetchall()
    except sqlite3.OperationalError:  # a read-only database from before m014
        return {}
    return {r[0]: (json.loads(r[1]), r[2]) for r in rows}


def rebuild(conn: sqlite3.Connection, ahead=None) -> None:
    """Derive every topic's membership again (inside the caller's transaction)."""
    from kb.search.vocabulary import Vocabulary

    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")
    vocab = Vocabulary(conn)
    for name, terms in load().items():
        _derive_topic(conn, name, terms, terms_expression(conn, terms, vocab))
    set_meta(conn, META_TOPICS_BUILT, fingerprint(conn))


def _derive_topic(conn: sqlite3.Connection, name: str, terms: list[str], expr: str | None) -> None:
    conn.execute("DELETE FROM topic_sources WHERE topic = ?", (name,))
    conn.execute("DELETE FROM topic_concepts WHERE topic = ?", (name,))
    conn.execute("INSERT OR REPLACE INTO topic_defs (topic, terms, expr) VALUES (?, ?, ?)",
                 (name, json.dumps(terms, ensure_ascii=False), expr))
    found = members(conn, terms, expr)
    conn.executemany("INSERT INTO topic_sources (topic, norm_term, post_id) VALUES (?, ?, ?)",
                     [(name, norm, pid) for norm, pid in found])
    conn.executemany("INSERT OR IGNORE INTO topic_concepts (topic, norm_term) VALUES (?, ?)",
                     [(name, norm) for norm in {n for n, _ in found}])


def posts_changed(conn: sqlite3.Connection, post_ids: list[int], ahead=None) -> None:
    """Re-derive the membership these posts' definitions give (after the search index and the cards
    have taken the posts: inside the same transaction, the file's)."""
    touched: set[tuple[str, str]] = set()
    for i in range(0, len(post_ids), 500):
        chunk = post_ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        touched |= {(r[0], r[1]) for r in conn.execute(
            f"SELECT topic, norm_term FROM topic_sources WHERE post_id IN ({marks})", chunk)}
        conn.execute(f"DELETE FROM topic_sources WHERE post_id IN ({marks})", chunk)
    for name, (terms, expr) in stored(conn).items():
        found = members(conn, terms, expr, post_ids)
        conn.executemany("INSERT INTO topic_sources (topic, norm_term, post_id) VALUES (?, ?, ?)",
                         [(name, norm, pid) for norm, pid in found])
        touched |= {(name, norm) for norm, _ in found}
    for name, norm in touched:
        if conn.execute("SELECT 1 FROM topic_sources WHERE topic = ? AND norm_term = ? LIMIT 1", (name, norm)).fetchone():
            conn.execute("INSERT OR IGNORE INTO topic_concepts (topic, norm_term) VALUES (?, ?)", (name, norm))
        else:
            conn.execute("DELETE FROM topic_concepts WHERE topic = ? AND norm_term = ?", (name, norm))


def after_import(conn: sqlite3.Connection, ahead=None) -> None:
    """A topic whose terms the grown vocabulary cuts otherwise matches other posts: derived again."""
    from kb.search.vocabulary import Vocabulary

    vocab = Vocabulary(conn)
    for name, (terms, expr) in stored(conn).items():
        now = terms_expression(conn, terms, vocab)
        if now != expr:
            _derive_topic(conn, name, terms, now)


# ---------------------------------------------------------------- reading


def current(conn: sqlite3.Connection, topics: dict[str, list[str]]) -> set[str]:
    """The topics whose stored membership was derived from these very terms (all of them on a database
    kept fresh; on a read-only one, or an old one, those that are left are worked out when asked)."""
    have = stored(conn)
    return {name for name, terms in topics.items() if name in have and have[name][0] == list(terms)}


def concepts(conn: sqlite3.Connection, name: str, terms: list[str]) -> set[str]:
    """The concepts (normalized terms) of a topic: read from the index, or worked out when it is not
    derived from these terms (a read-only database whose topics changed)."""
    if name in current(conn, {name: terms}):
        return {r[0] for r in conn.execute("SELECT norm_term FROM topic_concepts WHERE topic = ?", (name,))}
    return {norm for norm, _ in members(conn, terms, terms_expression(conn, terms))}
