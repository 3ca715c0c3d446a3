"""Topics for the quiz: data/topics.yaml, blog categories, or any search terms, resolved to cards.

Matching is by whole words of the search segmentation, never substrings: 训练流程 is not flow.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from kb.errors import NotFound
from kb.quiz import membership
from kb.quiz.membership import load  # noqa: F401 - the topic definitions are this module's API too
from kb.text import stamp


@dataclass
class Topic:
    name: str
    source: str  # "topic" (topics.yaml), "category" or "search"
    terms: list[str] = field(default_factory=list)
    category: str | None = None


def resolve(conn: sqlite3.Connection, wanted: str) -> Topic:
    """A topic of topics.yaml, else a blog category, else search terms that match some post."""
    from kb.posts import reads

    key = wanted.strip().casefold()
    if not key:
        raise NotFound("an empty topic matches nothing")
    known = load()
    if key in known:
        return Topic(key, "topic", known[key])
    exact = conn.execute("SELECT category FROM posts WHERE category = ? LIMIT 1", (wanted.strip(),)).fetchone()
    if exact:  # by the index; any other case of it below
        return Topic(exact[0], "category", category=exact[0])
    for row in reads.categories(conn):
        if row["category"].casefold() == key:
            return Topic(row["category"], "category", category=row["category"])
    terms = wanted.split()
    expr = _all_of(conn, terms)
    if expr and conn.execute("SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT 1", (expr,)).fetchone():
        return Topic(wanted, "search", terms)
    raise NotFound(f"no topic, category or post matches {wanted!r}" + _suggest(conn, wanted, known))


def _suggest(conn: sqlite3.Connection, wanted: str, known: dict[str, list[str]]) -> str:
    from rapidfuzz import fuzz, process

    from kb.posts import reads

    names = list(known) + [r["category"] for r in reads.categories(conn)]
    found = process.extract(wanted, names, scorer=fuzz.WRatio, processor=str.casefold, limit=3, score_cutoff=50)
    hint = "; did you mean: " + ", ".join(n for n, _, _ in found) if found else ""
    return hint + ("; topics: " + ", ".join(known) if known else "")


def _all_of(conn: sqlite3.Connection, terms: list[str]) -> str | None:
    """The index expression of posts holding every one of the terms (each as kb.search.ranking's
    post_ids_matching takes it)."""
    exprs = [membership.terms_expression(conn, [t]) for t in terms]
    if not exprs or any(e is None for e in exprs):
        return None
    return " AND ".join(f"({e})" for e in exprs)


def concepts(conn: sqlite3.Connection, topic: Topic) -> set[str]:
    """The concepts (normalized terms) of the topic: a topics.yaml topic's from its derived membership
    (kb.quiz.membership); a category's are those its posts define; search terms' are those a post
    holding them all defines where that post's definition names one of them — by the index too."""
    if topic.source == "topic":
        return membership.concepts(conn, topic.name, topic.terms)
    if topic.source == "category":
        return {r[0] for r in conn.execute(
            "SELECT DISTINCT s.norm_term FROM posts p JOIN card_sources s ON s.post_id = p.id WHERE p.category = ?",
            (topic.category,))}
    found = membership.members(conn, {topic.name: (topic.terms, _all_of(conn, topic.terms))})
    return {norm for norm, _ in found[topic.name]}


def card_ids(conn: sqlite3.Connection, topic: Topic) -> set[str]:
    """Cards of the topic: every kind of card of its concepts (see concepts)."""
    if topic.source == "topic" and topic.name in membership.current(conn, {topic.name: topic.terms}):
        return {r[0] for r in conn.execute(
            "SELECT c.id FROM topic_concepts t JOIN cards c ON c.norm_term = t.norm_term WHERE t.topic = ?",
            (topic.name,))}
    return _ids_of(conn, concepts(conn, topic))


def _ids_of(conn: sqlite3.Connection, norms: set[str]) -> set[str]:
    wanted, out = sorted(norms), set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        out |= {r[0] for r in conn.execute(
            f"SELECT id FROM cards WHERE norm_term IN ({','.join('?' * len(chunk))})", chunk)}
    return out


def overview(conn: sqlite3.Connection) -> list[dict]:
    """Every topic of topics.yaml with its card and due counts (kb topics), counted by the index."""
    now = stamp()
    known = load()
    fresh = membership.current(conn, known)
    counted = {r[0]: (r[1], r[2] or 0) for r in conn.execute(
        "SELECT t.topic, COUNT(c.id), SUM(s.due <= ? AND c.active = 1 AND d.suspended_at IS NULL)"
        " FROM topic_concepts t JOIN cards c ON c.norm_term = t.norm_term"
        " LEFT JOIN card_schedule s ON s.card_id = c.id LEFT JOIN card_decisions d ON d.card_id = c.id"
        " GROUP BY t.topic", (now,))} if fresh else {}
    out = []
    for name, terms in known.items():
        if name in fresh:
            cards, due = counted.get(name, (0, 0))
        else:  # not derived from these terms (a read-only database): worked out now
            ids = _ids_of(conn, membership.concepts(conn, name, terms))
            cards, due = len(ids), _due_among(conn, ids, now)
        out.append({"topic": name, "cards": cards, "due": due, "terms": terms})
    return out


def stored_counts(conn: sqlite3.Connection, known: dict[str, list[str]]) -> dict[str, int]:
    """name → card count of each topic whose stored membership is derived from these terms, read from
    the tables alone (shell completion: nothing is worked out, no segmenter loaded)."""
    fresh = membership.current(conn, known)
    if not fresh:
        return {}
    counted = dict(conn.execute(
        "SELECT t.topic, COUNT(c.id) FROM topic_concepts t JOIN cards c ON c.norm_term = t.norm_term"
        " WHERE t.topic IN (SELECT value FROM json_each(?)) GROUP BY t.topic", (json.dumps(sorted(fresh)),)))
    return {name: counted.get(name, 0) for name in fresh}


def _due_among(conn: sqlite3.Connection, ids: set[str], now: str) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM json_each(?) j JOIN card_schedule s ON s.card_id = j.value JOIN cards c ON c.id = s.card_id"
        " LEFT JOIN card_decisions d ON d.card_id = s.card_id WHERE s.due <= ? AND c.active = 1 AND d.suspended_at IS NULL",
        (json.dumps(sorted(ids)), now)).fetchone()[0]


def mates(conn: sqlite3.Connection, norm: str) -> set[str] | None:
    """The concepts sharing a topics.yaml topic with this one (None when it has none): choice distractors."""
    known = load()
    fresh = membership.current(conn, known)
    found = {r[0] for r in conn.execute(
        "SELECT DISTINCT b.norm_term FROM topic_concepts a JOIN topic_concepts b ON b.topic = a.topic"
        " WHERE a.norm_term = ? AND a.topic IN (SELECT value FROM json_each(?))",
        (norm, json.dumps(sorted(fresh))))} if fresh else set()
    for name in set(known) - fresh:  # not derived from these terms: worked out now
        members = membership.concepts(conn, name, known[name])
        if norm in members:
            found |= members
    return found or None
