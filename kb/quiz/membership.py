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


# ---------------------------------------------------------------- the rule


def terms_expression(conn: sqlite3.Connection, terms: list[str], vocab=None) -> str | None:
    """The index expression matching posts that hold any of the terms as whole words."""
    from kb.search import ranking

    return ranking.terms_expression(conn, terms, vocab)


Topics = dict[str, tuple[list[str], "str | None"]]  # name → (terms, index expression)


def members(conn: sqlite3.Connection, topics: Topics, post_ids: Iterable[int] | None = None) -> dict[str, set[tuple[str, int]]]:
    """name → (concept, post) of every definition that makes its concept a member of the topic: its
    post matches the topic's expression and the definition names one of its terms. With post_ids,
    only those posts are matched (against a table of their own index rows, so the cost is theirs).
    Each definition's text is read and folded once for every topic."""
    out: dict[str, set[tuple[str, int]]] = {name: set() for name in topics}
    table = "search_fts" if post_ids is None else _probe(conn, sorted(set(post_ids)))
    matched = {name: ids for name, (_, expr) in topics.items()
               if expr and (ids := {r[0] for r in conn.execute(
                   f"SELECT rowid FROM {table} WHERE {table.split('.')[-1]} MATCH ?", (expr,))})}
    rules = {name: _rule(tuple(topics[name][0])) for name in matched}
    wanted = sorted(set().union(*matched.values())) if matched else []
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        for norm, post_id, term, aliases, definition in conn.execute(
                "SELECT norm_term, post_id, term, aliases, definition FROM card_sources"
                f" WHERE post_id IN ({','.join('?' * len(chunk))})", chunk):
            source = Source(term, aliases, definition)
            for name, ids in matched.items():
                if post_id in ids and rules[name].names(source):
                    out[name].add((norm, post_id))
    return out


_TOKENIZE_RE = re.compile(r"tokenize\s*=\s*(\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*')", re.I)


def _probe(conn: sqlite3.Connection, post_ids: list[int]) -> str:
    """A temporary FTS5 table (the index's tokenizer) holding these posts' index rows alone: matching a
    topic against it costs what the posts hold, where the whole index would cost what it holds."""
    from kb.search import index

    sql = (conn.execute("SELECT sql FROM sqlite_master WHERE name = 'search_fts'").fetchone() or [""])[0] or ""
    m = _TOKENIZE_RE.search(sql)
    tokenize = m.group(1) if m else "\"unicode61 tokenchars '+#'\""
    # Contentless: only matched, never read back, and emptied at once.
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.topic_probe USING fts5(title, body, content = '',"
                 f" tokenize = {tokenize})")
    conn.execute("INSERT INTO temp.topic_probe (topic_probe) VALUES ('delete-all')")
    for i in range(0, len(post_ids), 500):
        conn.executemany("INSERT INTO temp.topic_probe (rowid, title, body) VALUES (?, ?, ?)",
                         index.stored_rows(conn, post_ids[i : i + 500]))
    return "temp.topic_probe"


@functools.lru_cache(maxsize=64)
def _rule(terms: tuple[str, ...]) -> "Rule":
    return Rule(list(terms))


class Source:
    """A post's definition as the rule reads it: its forms computed once, when first asked for."""

    def __init__(self, term: str, aliases: str | None, definition: str):
        self.term = term
        self.text = f"{term} {aliases} {definition}"
        self._term_norm: str | None = None
        self._folded: str | None = None

    @property
    def term_norm(self) -> str:
        if self._term_norm is None:
            self._term_norm = _norm(self.term)
        return self._term_norm

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = _folded(self.text)
        return self._folded


class Rule:
    """Whether a post's definition is about a topic: its term, aliases or text name one of the topic's
    terms as whole words of the search segmentation, or its term is a word of one (flow, of flow模型)."""

    def __init__(self, terms: list[str]):
        self.wanted = [w for w in (_norm(t) for t in terms) if w]
        self.heads = _words(terms)
        # One search says whether a text holds any of the terms at all (most hold none).
        self.any = re.compile("|".join(map(re.escape, self.wanted))) if self.wanted else None

    def names(self, source: Source) -> bool:
        if source.term_norm in self.heads:
            return True
        folded = source.folded
        if self.any is None or not self.any.search(folded):
            return False
        # The cut is what costs: only a text holding a term at all is cut.
        return any(w in folded and _has_word(source.text, w) for w in self.wanted)


@functools.lru_cache(maxsize=1)
def _segment():
    """kb.search.segment, imported when first wanted (kb topics reads the tables without it)."""
    from kb.search import segment

    return segment


def _norm(text: str) -> str:
    return _segment().normalize(text).casefold().strip()


def _folded(text: str) -> str:
    """The comparison form of text: normalized, case-folded unless folding changes its length."""
    norm = _segment().normalize(text)
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


def _has_word(text: str, term: str) -> bool:
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
    folded = _folded(text)
    bounds = {0, len(folded)}
    for start, end in _segment().index_tokens(text):
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
    """What membership depends on besides the posts, as two hashes: the rule, the search index's
    dictionary and the cards' last full derivation (a change of which derives every topic again), then
    the topic definitions (the bundled file and the config's topics:; only the topics that changed are
    derived again)."""
    from kb import config, paths

    base = hashlib.sha256(RULE_VERSION.encode())
    for key in (META_SEARCH_HASH, META_CARDS_REBUILT_AT):
        base.update(b"\0" + (get_meta(conn, key) or "").encode())
    defs = hashlib.sha256()
    try:
        defs.update((paths.bundled_data() / "topics.yaml").read_bytes())
    except OSError:
        defs.update(b"(missing)")
    defs.update(json.dumps(config.load().topics, sort_keys=True, ensure_ascii=False, default=str).encode())
    return f"{base.hexdigest()}.{defs.hexdigest()}"


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
    _derive(conn, {name: (terms, terms_expression(conn, terms, vocab)) for name, terms in load().items()})
    set_meta(conn, META_TOPICS_BUILT, fingerprint(conn))


def refresh(conn: sqlite3.Connection, ahead=None) -> None:
    """Bring membership up to date when it is stale by its own check (not marked): when only the topic
    definitions changed, derive the topics whose terms changed or are new and drop those that are gone
    (a config edit costs what its topics match, not every topic's); otherwise rebuild everything."""
    now = fingerprint(conn)
    held = get_meta(conn, META_TOPICS_BUILT) or ""
    if held.split(".")[0] != now.split(".")[0] or "." not in held:
        rebuild(conn, ahead)
        return
    from kb.search.vocabulary import Vocabulary

    wanted, have = load(), stored(conn)
    for name in set(have) - set(wanted):
        for table in TABLES:
            conn.execute(f"DELETE FROM {table} WHERE topic = ?", (name,))
    changed = {name: terms for name, terms in wanted.items() if name not in have or have[name][0] != terms}
    if changed:
        vocab = Vocabulary(conn)
        _derive(conn, {name: (terms, terms_expression(conn, terms, vocab)) for name, terms in changed.items()})
    set_meta(conn, META_TOPICS_BUILT, now)


def _derive(conn: sqlite3.Connection, topics: Topics) -> None:
    """These topics' membership from every post, replacing what they had."""
    for name, (terms, expr) in topics.items():
        conn.execute("DELETE FROM topic_sources WHERE topic = ?", (name,))
        conn.execute("DELETE FROM topic_concepts WHERE topic = ?", (name,))
        conn.execute("INSERT OR REPLACE INTO topic_defs (topic, terms, expr) VALUES (?, ?, ?)",
                     (name, json.dumps(terms, ensure_ascii=False), expr))
    for name, found in members(conn, topics).items():
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
    for name, found in members(conn, stored(conn), post_ids).items():
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
    changed = {}
    for name, (terms, expr) in stored(conn).items():
        now = terms_expression(conn, terms, vocab)
        if now != expr:
            changed[name] = (terms, now)
    if changed:
        _derive(conn, changed)


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
    return {norm for norm, _ in members(conn, {name: (terms, terms_expression(conn, terms))})[name]}
