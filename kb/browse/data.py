"""What kb browse shows, as plain data: the newest posts with their card counts, search results, the
categories, a post's reading view; and the Searcher that answers the search box off the UI thread.

Nothing here imports Textual: the screens (kb.browse.screens) lay this out.
"""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import KbError
from kb.posts import reads
from kb.text import sanitize

# The search box shows this many best matches (ranked: the first screenful is what a reader uses).
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Row:
    """One line of the list: a post's title, category, date (or its bound) and card count."""

    slug: str
    title: str
    category: str
    date: str
    dated: bool
    cards: int
    snippet: str = ""  # a search result's text around the matched words
    highlights: tuple[tuple[int, int], ...] = ()  # the matched words' offsets in snippet


@dataclass
class Listing:
    """The list as shown: its rows and a line saying what they are."""

    rows: list[Row]
    status: str
    query: str = ""
    category: str | None = None
    notes: list[str] = field(default_factory=list)


def one_line(text: str | None) -> str:
    """Post text for one line of a list: sanitized, its white space runs made single spaces."""
    return " ".join(sanitize(text).split())


def card_counts(conn: sqlite3.Connection, kinds: tuple[str, ...]) -> dict[str, int]:
    """slug → how many active cards of these kinds (those `r` would review) the post's definitions
    feed: one card per concept, counted for every post that defines it (card_sources)."""
    marks = ",".join("?" * len(kinds))
    try:
        rows = conn.execute(
            "SELECT p.slug, COUNT(DISTINCT c.id) FROM card_sources s JOIN cards c ON c.norm_term = s.norm_term"
            f" JOIN posts p ON p.id = s.post_id WHERE c.active = 1 AND c.kind IN ({marks}) GROUP BY p.slug", kinds
        ).fetchall()
    except sqlite3.OperationalError:  # a read-only database from before the cards' tables
        return {}
    return {r[0]: r[1] for r in rows}


def _row(post: dict, counts: dict[str, int]) -> Row:
    return Row(
        slug=post["slug"],
        title=one_line(post["title"]),
        category=one_line(post.get("category")),
        date=reads.date_label(post),
        dated=bool(post.get("date")),
        cards=counts.get(post["slug"], 0),
        snippet=sanitize(post.get("snippet", "")),  # sanitize keeps the length: the offsets still hold
        highlights=tuple(tuple(h) for h in post.get("highlights", ())),
    )


def newest(conn: sqlite3.Connection, counts: dict[str, int], category: str | None = None) -> Listing:
    """Every post, newest first (kb latest's order), of one category or all."""
    posts = reads.latest(conn, limit=0, category=category)
    what = f"in {category}" if category else "newest first"
    return Listing([_row(p, counts) for p in posts], f"{len(posts):,} posts {what}", category=category)


def categories(conn: sqlite3.Connection) -> list[dict]:
    """[{category, posts}], the largest first (kb categories)."""
    return reads.categories(conn)


def reading_view(conn: sqlite3.Connection, slug: str, *, opening: int | None = None) -> dict:
    """Everything kb show shows of a post (kb.show.article.view): sections, key terms, related posts.

    opening: only the post's first this many characters, cut after a sentence (the list's preview
    shows a screenful: laying out a whole long post on every keystroke is time a keystroke lacks).
    """
    from kb.show import article

    post = reads.get_post(conn, slug)
    if opening and len(post["text"]) > opening:
        cut = max(post["text"].rfind(end, 0, opening) for end in "\u3002.!?\uff01\uff1f")
        post = {**post, "text": post["text"][:cut + 1 if cut > opening // 2 else opening], "truncated": True}
    return article.view(conn, post)


class Searcher:
    """The search box's queries, answered with kb search's ranking on a connection of their own.

    Each keystroke's query runs in a worker thread (Textual's @work), one at a time: the lock
    serializes them on this connection, and the UI thread's connection is never shared.
    """

    def __init__(self, path: Path, *, readonly: bool, counts: dict[str, int]):
        from kb.store.connect import open_db

        self.conn = open_db(path, readonly=readonly, threads=True)
        self.counts = counts
        self.lock = threading.Lock()

    def search(self, query: str, category: str | None = None, limit: int = SEARCH_LIMIT) -> Listing:
        from kb.search import ranking

        with self.lock:
            try:
                res = ranking.search(self.conn, query, category=category, limit=limit)
            except KbError as exc:  # nothing searchable typed yet (only punctuation): say so, keep going
                return Listing([], str(exc), query=query, category=category)
            rows = [_row(r, self.counts) for r in res.results]
        shown = one_line(query)
        if not rows:
            status = f"no post matches “{shown}”"
            if res.suggestions:
                status += f"; did you mean: {one_line(', '.join(res.suggestions))}"
        elif len(rows) == limit:
            status = f"the best {limit} matches for “{shown}”"
        else:
            status = f"{len(rows)} match" + ("es" if len(rows) != 1 else "") + f" for “{shown}”"
        if category:
            status += f" in {one_line(category)}"
        return Listing(rows, status, query=query, category=category, notes=list(res.notes))

    def close(self) -> None:
        with self.lock:
            self.conn.close()
