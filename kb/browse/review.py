"""What a review inside kb browse draws from: the open post's cards, or the topic in view (as kb quiz
--topic takes it). The review itself is kb quiz's (kb.browse.studying drives kb.quiz.session).

Plain Python (no Textual).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass
class Pool:
    """Which cards a review draws from, and how to name them: a post's, a topic's, or every card."""

    label: str
    ids: set[str] | None  # None: every card


def post_pool(conn: sqlite3.Connection, slug: str) -> Pool:
    """The cards of the concepts the post defines (a card may show another post's wording of it)."""
    return Pool(f"the cards of {slug}", _cards_of(conn, [slug]))


def _cards_of(conn: sqlite3.Connection, slugs: list[str]) -> set[str]:
    marks = ",".join("?" * len(slugs))
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT c.id FROM cards c JOIN card_sources s ON s.norm_term = c.norm_term"
        f" JOIN posts p ON p.id = s.post_id WHERE c.active = 1 AND p.slug IN ({marks})", slugs)}


def topic_pool(conn: sqlite3.Connection, query: str, category: str | None, listed: list[str]) -> Pool:
    """The topic in view: what the search box says (as kb quiz --topic would take it), narrowed to the
    category filter; without a query the category; without either every card.

    Search words that are no topic, category or all-matching terms (a prefix the list matched while
    typing, gumbe) stand for the posts listed.
    """
    from kb.errors import NotFound
    from kb.quiz import topics

    if not query.strip():
        if not category:
            return Pool("all cards", None)
        return Pool(f"category {category}", topics.card_ids(conn, topics.resolve(conn, category)))
    try:
        topic = topics.resolve(conn, query)
        pool = Pool(f"{topic.source} {topic.name}", topics.card_ids(conn, topic))
    except NotFound:
        return Pool(f"the {len(listed)} posts listed", _cards_of(conn, listed) if listed else set())
    if category:
        in_category = topics.card_ids(conn, topics.resolve(conn, category))
        pool = Pool(f"{pool.label} in {category}", (pool.ids or set()) & in_category)
    return pool
