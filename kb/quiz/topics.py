"""Topics for the quiz: data/topics.yaml, blog categories, or any search terms, resolved to cards.

Matching is by whole words of the search segmentation, never substrings: 训练流程 is not flow.
"""
from __future__ import annotations

import functools
import re
import sqlite3
from dataclasses import dataclass, field

from kb.errors import ConfigError, NotFound
from kb.text import stamp


@dataclass
class Topic:
    name: str
    source: str  # "topic" (topics.yaml), "category" or "search"
    terms: list[str] = field(default_factory=list)
    category: str | None = None


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
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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


def resolve(conn: sqlite3.Connection, wanted: str) -> Topic:
    """A topic of topics.yaml, else a blog category, else search terms that match some post."""
    from kb.posts import reads

    key = wanted.strip().casefold()
    if not key:
        raise NotFound("an empty topic matches nothing")
    known = load()
    if key in known:
        return Topic(key, "topic", known[key])
    for row in reads.categories(conn):
        if row["category"].casefold() == key:
            return Topic(row["category"], "category", category=row["category"])
    terms = wanted.split()
    if _posts_with_all(conn, terms):
        return Topic(wanted, "search", terms)
    raise NotFound(f"no topic, category or post matches {wanted!r}" + _suggest(conn, wanted, known))


def _suggest(conn: sqlite3.Connection, wanted: str, known: dict[str, list[str]]) -> str:
    from rapidfuzz import fuzz, process

    from kb.posts import reads

    names = list(known) + [r["category"] for r in reads.categories(conn)]
    found = process.extract(wanted, names, scorer=fuzz.WRatio, processor=str.casefold, limit=3, score_cutoff=50)
    hint = "; did you mean: " + ", ".join(n for n, _, _ in found) if found else ""
    return hint + ("; topics: " + ", ".join(known) if known else "")


def card_ids(conn: sqlite3.Connection, topic: Topic) -> set[str]:
    """Cards of the topic: those of a term a post of the category defines, or a term a matching post
    defines where that post's definition (term, aliases, text) names one of the topic's terms."""
    if topic.source == "category":
        rows = conn.execute(
            "SELECT DISTINCT c.id FROM cards c JOIN card_sources s ON s.norm_term = c.norm_term"
            " JOIN posts p ON p.id = s.post_id WHERE p.category = ?", (topic.category,)
        )
        return {r[0] for r in rows}
    # A topic's terms are alternatives (flow: normalizing flow, 标准化流 …); typed search terms all must match.
    posts = _posts_with_all(conn, topic.terms) if topic.source == "search" else post_ids_matching(conn, topic.terms)
    if not posts:
        return set()
    marks = ",".join("?" * len(posts))
    rows = conn.execute(
        f"SELECT norm_term, term, aliases, definition FROM card_sources WHERE post_id IN ({marks})", sorted(posts)
    ).fetchall()
    # The post is about the topic; the definition must be too (a flow post also defines 雅可比行列式):
    # its text names a topic term, or its term is a word of one (flow, of flow模型).
    wanted = [_norm(t) for t in topic.terms]
    heads = _words(topic.terms)
    norms = {
        r["norm_term"] for r in rows
        if _norm(r["term"]) in heads
        or any(_has_word(f"{r['term']} {r['aliases']} {r['definition']}", w) for w in wanted)
    }
    if not norms:
        return set()
    marks = ",".join("?" * len(norms))
    return {r[0] for r in conn.execute(f"SELECT id FROM cards WHERE norm_term IN ({marks})", sorted(norms))}


def _words(terms: list[str]) -> set[str]:
    """The words (two characters or more) that the topic's terms are made of."""
    out: set[str] = set()
    for term in terms:
        norm, bounds = _tokenized(term)
        cuts = sorted(bounds)
        out.update(w for a, b in zip(cuts, cuts[1:]) if len(w := norm[a:b].strip()) >= 2)
    return out


def _posts_with_all(conn: sqlite3.Connection, terms: list[str]) -> set[int]:
    found: set[int] | None = None
    for term in terms:
        ids = post_ids_matching(conn, [term])
        found = ids if found is None else found & ids
    return found or set()


def post_ids_matching(conn: sqlite3.Connection, terms: list[str]) -> set[int]:
    """Posts containing any of the terms as whole words of the search index."""
    from kb.search import ranking

    return set(ranking.post_ids_matching(conn, terms))


def _norm(text: str) -> str:
    from kb.search import segment

    return segment.normalize(text).casefold().strip()


def _has_word(text: str, term: str) -> bool:
    """Whether term occurs in text starting and ending on token boundaries of the search segmentation."""
    norm, bounds = _tokenized(text)
    if not term or term not in norm:
        return False
    start = norm.find(term)
    while start >= 0:
        if start in bounds and start + len(term) in bounds:
            return True
        start = norm.find(term, start + 1)
    return False


@functools.lru_cache(maxsize=512)
def _tokenized(text: str) -> tuple[str, frozenset[int]]:
    """The comparison form of text and the offsets where its tokens start or end."""
    from kb.search import segment

    norm = segment.normalize(text)
    spans = segment.index_tokens(text)
    folded = norm.casefold()
    if len(folded) != len(norm):  # a character whose case folding is longer: compare uncased
        folded = norm
    bounds = {0, len(norm)}
    for start, end in spans:
        bounds.update((start, end))
    # A Latin word ends where its letters do, even when the segmenter glued it to a neighbour.
    for m in re.finditer(r"[a-z0-9]+", folded):
        bounds.update((m.start(), m.end()))
    return folded, frozenset(bounds)


def overview(conn: sqlite3.Connection) -> list[dict]:
    """Every topic of topics.yaml with its card and due counts (kb topics)."""
    now = stamp()
    due = {r[0] for r in conn.execute(
        "SELECT s.card_id FROM card_schedule s JOIN cards c ON c.id = s.card_id LEFT JOIN card_decisions d"
        " ON d.card_id = s.card_id WHERE s.due <= ? AND c.active = 1 AND d.suspended_at IS NULL", (now,))}
    out = []
    for name, terms in load().items():
        ids = card_ids(conn, Topic(name, "topic", terms))
        out.append({"topic": name, "cards": len(ids), "due": len(ids & due), "terms": terms})
    return out


def mates(conn: sqlite3.Connection, cid: str) -> set[str] | None:
    """Cards sharing a topics.yaml topic with this card (None when it has none): choice distractors."""
    found: set[str] = set()
    for ids in _topic_sets(conn).values():
        if cid in ids:
            found |= ids
    return found or None


@functools.lru_cache(maxsize=4)
def _topic_sets(conn: sqlite3.Connection) -> dict[str, frozenset[str]]:
    return {name: frozenset(card_ids(conn, Topic(name, "topic", terms))) for name, terms in load().items()}

