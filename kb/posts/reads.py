"""Read posts back: latest, one post by slug / prefix / title fragment, categories, counts.

Functions take a connection and return plain dicts; nothing here imports jieba.
"""
from __future__ import annotations

import sqlite3

from kb.errors import Ambiguous, NotFound

POST_FIELDS = "id, slug, title, category, date, truncated, date_after, date_before, rank"
# How much of a post's start `kb show WORDS` looks in when no title has the words.
OPENING_CHARS = 160


def _post_summary(row: sqlite3.Row) -> dict:
    return {
        "slug": row["slug"],
        "title": row["title"],
        "category": row["category"],
        "date": row["date"],
        "truncated": bool(row["truncated"]),
        "date_after": row["date_after"],
        "date_before": row["date_before"],
    }


def date_label(post: dict) -> str:
    """A post's date as kb shows it: the date, else the bound its captured neighbours imply
    (≤ / ≥ / ≈ a date), else a dash. Never an invented date."""
    if post.get("date"):
        return post["date"]
    before, after = post.get("date_before"), post.get("date_after")
    if before and after and before == after:
        return f"≈ {before}"
    if before:
        return f"≤ {before}"
    if after:
        return f"≥ {after}"
    return "—"


def has_posts(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM posts LIMIT 1").fetchone() is not None


def ever_imported(conn: sqlite3.Connection) -> bool:
    """Whether any capture was ever imported (a database emptied by the user is not refilled)."""
    return conn.execute("SELECT 1 FROM sources LIMIT 1").fetchone() is not None


def categories(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute(
        "SELECT category, COUNT(*) AS n FROM posts WHERE category IS NOT NULL GROUP BY category ORDER BY n DESC, category"
    ).fetchall()
    return [{"category": r["category"], "posts": r["n"]} for r in rows]


def uncategorized(conn: sqlite3.Connection) -> int:
    """How many posts no capture gave a category."""
    return conn.execute("SELECT COUNT(*) FROM posts WHERE category IS NULL").fetchone()[0]


def resolve_category(conn: sqlite3.Connection, wanted: str) -> str:
    """A category name from what the user typed: exact (any case), prefix, part of a name, else fuzzy."""
    names = [c["category"] for c in categories(conn)]
    low = wanted.casefold().strip()
    for name in names:
        if name.casefold() == low:
            return name
    squash = "".join(ch for ch in low if ch.isalnum())

    def squashed(name: str) -> str:
        return "".join(ch for ch in name.casefold() if ch.isalnum())

    if squash:
        # self-sup → Self-Supervised; "model" names three categories: say so rather than pick one.
        for found in (
            [n for n in names if squashed(n).startswith(squash)],
            [n for n in names if squash in squashed(n)],
        ):
            if len(found) == 1:
                return found[0]
            if found:
                raise Ambiguous(f"{wanted!r} matches {len(found)} categories: {', '.join(found)}")
    from rapidfuzz import fuzz, process

    matches = process.extract(low, names, scorer=fuzz.WRatio, processor=str.casefold, score_cutoff=75, limit=2)
    if len(matches) == 2 and matches[0][1] == matches[1][1]:
        raise Ambiguous(f"{wanted!r} matches several categories: {matches[0][0]}, {matches[1][0]}")
    if matches:
        return matches[0][0]
    known = ", ".join(names) or "none yet"
    raise NotFound(f"no category matches {wanted!r} (categories: {known})")


def latest(conn: sqlite3.Connection, *, limit: int = 20, category: str | None = None, since: str | None = None) -> list[dict]:
    sql, args = _latest_where(conn, f"SELECT {POST_FIELDS} FROM posts", category, since)
    sql += " ORDER BY rank, id"
    if limit and limit > 0:
        sql += " LIMIT ?"
        args.append(limit)
    return [_post_summary(r) for r in conn.execute(sql, args)]


def count_latest(conn: sqlite3.Connection, *, category: str | None = None, since: str | None = None) -> int:
    """How many posts latest() would list without a limit."""
    sql, args = _latest_where(conn, "SELECT COUNT(*) FROM posts", category, since)
    return conn.execute(sql, args).fetchone()[0]


def _latest_where(conn: sqlite3.Connection, sql: str, category: str | None, since: str | None) -> tuple[str, list]:
    where, args = [], []
    if category:
        where.append("category = ?")
        args.append(resolve_category(conn, category))
    if since:
        # An undated post is kept only when its bounds show it is at least that new.
        where.append("(date >= ? OR (date IS NULL AND date_after >= ?))")
        args += [since, since]
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, args


def get_post(conn: sqlite3.Connection, slug: str) -> dict:
    row = conn.execute("SELECT * FROM posts WHERE slug = ?", (slug,)).fetchone()
    if row is None:
        raise NotFound(f"no post {slug!r}")
    post = _post_summary(row)
    post["id"] = row["id"]
    post["text"] = row["text"]
    post["sources"] = [
        {"file": r["file"], "position": r["position"]}
        for r in conn.execute(
            "SELECT file, position FROM sightings WHERE post_id = ? ORDER BY file, position", (row["id"],)
        )
    ]
    return post


def slugs_starting(conn: sqlite3.Connection, prefix: str, limit: int) -> list[tuple[str, str]]:
    """(slug, title) of the posts whose slug starts with prefix, in kb latest's order."""
    rows = conn.execute(
        "SELECT slug, title FROM posts WHERE slug LIKE ? ESCAPE '\\' ORDER BY rank, id LIMIT ?",
        (_like_prefix(prefix), limit),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def resolve_post(conn: sqlite3.Connection, ref: str) -> str:
    """A slug from a slug, a unique slug prefix or a title fragment; else Ambiguous/NotFound."""
    ref = ref.strip()
    if not ref:
        raise NotFound("no post named ''")
    if conn.execute("SELECT 1 FROM posts WHERE slug = ?", (ref,)).fetchone():
        return ref
    rows = conn.execute(
        "SELECT slug, title FROM posts WHERE slug LIKE ? ESCAPE '\\' ORDER BY rank", (_like_prefix(ref),)
    ).fetchall()
    if not rows:
        rows = conn.execute(
            "SELECT slug, title FROM posts WHERE instr(lower(title), lower(?)) > 0 ORDER BY rank", (ref,)
        ).fetchall()
    if not rows:
        # Words of the post's opening sentence: what its title was before titles named the subject,
        # and what a user may have copied (kb show 连续情形出发).
        rows = conn.execute(
            f"SELECT slug, title FROM posts WHERE instr(lower(substr(text, 1, {OPENING_CHARS})), lower(?)) > 0"
            " ORDER BY rank", (ref,)
        ).fetchall()
    if len(rows) == 1:
        return rows[0]["slug"]
    if rows:
        listing = "; ".join(f"{r['slug']} ({r['title']})" for r in rows[:8])
        more = f" and {len(rows) - 8} more" if len(rows) > 8 else ""
        raise Ambiguous(f"{ref!r} matches {len(rows)} posts: {listing}{more}")
    raise NotFound(f"no post matches {ref!r}" + _did_you_mean(conn, ref))


def _did_you_mean(conn: sqlite3.Connection, ref: str) -> str:
    from rapidfuzz import fuzz, process

    rows = conn.execute("SELECT slug, title FROM posts").fetchall()
    choices = {r["slug"]: f"{r['slug']} {r['title']}" for r in rows}
    found = process.extract(ref, choices, scorer=fuzz.WRatio, processor=str.casefold, limit=3, score_cutoff=60)
    if not found:
        return ""
    return "; did you mean: " + ", ".join(key for _, _, key in found)


def counts(conn: sqlite3.Connection) -> dict:
    """How many posts, sightings, sources, cards and reviews the database holds."""

    def count(table: str) -> int:
        try:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        except sqlite3.OperationalError:  # the table arrives with a later migration
            return 0

    return {name: count(name) for name in ("posts", "sightings", "sources", "cards", "reviews")}
