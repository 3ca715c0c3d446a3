"""`kb doctor`: check the database (SQLite and FTS integrity, orphans, index vs dictionary) and repair it.

Each check is a small function returning a Finding; --fix rebuilds only derived data (through
kb.derived) and never deletes a review.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass
from typing import Callable

from kb import derived
from kb.store.meta import get_meta
from kb.store.transaction import transaction
from kb.text import META_CARDS_REBUILT_AT


@dataclass
class Finding:
    check: str
    ok: bool
    detail: str
    fixed: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def _tables(conn: sqlite3.Connection) -> dict[str, str]:
    return {r[0]: r[1] or "" for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")}


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}


def _fts_tables(conn: sqlite3.Connection) -> list[str]:
    # "USING fts5(", not fts5vocab: a vocabulary table has no integrity check of its own.
    return sorted(name for name, sql in _tables(conn).items() if re.search(r"using\s+fts5\s*\(", sql, re.I))


# ---------------------------------------------------------------- checks


def check_integrity(conn: sqlite3.Connection, fix: bool) -> Finding:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
    if rows == ["ok"]:
        return Finding("sqlite integrity", True, "ok")
    # Not repairable in place: the user restores a copy or re-imports into a new database.
    return Finding("sqlite integrity", False, "; ".join(rows[:5]) + " (restore a backup, or re-import into a new database)")


def _derived_tables() -> tuple[str, ...]:
    """Tables of derived parts, refilled by the checks after this one: --fix may recreate them empty
    (in this order: an index before its vocabulary). The cards table is not one of them: it holds
    what the user did with cards besides what the posts give."""
    return tuple(t for p in derived.parts() for t in p.tables if t != "cards")


def _kb_schema() -> dict[str, str]:
    """Every table kb's migrations create (name → its CREATE statement), from a fresh database."""
    from kb.store.migrations import migrate

    fresh = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(fresh)
        return {r[0]: r[1] or "" for r in fresh.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")}
    finally:
        fresh.close()


def check_schema(conn: sqlite3.Connection, fix: bool) -> Finding:
    """Every table of the schema is there: a dropped one makes commands fail however sound the rest is."""
    have = _tables(conn)
    want = _kb_schema()
    # An FTS5 table's shadow tables (search_fts_data …) come and go with it: name the table only.
    missing = sorted(t for t in want if t not in have and not any(t.startswith(f"{v}_") for v in want if v != t and v not in have))
    if not missing:
        return Finding("schema", True, "ok")
    tables = _derived_tables()
    recreatable = [t for t in missing if t in tables]
    lost = [t for t in missing if t not in tables]
    detail = f"missing table{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
    if lost:
        # Posts, sources, cards or reviews cannot be derived again from what is left.
        return Finding("schema", False, detail + " (restore a backup, or re-import into a new database)")
    if not fix:
        return Finding("schema", False, detail + " (--fix recreates them)")
    with transaction(conn):
        for name in sorted(recreatable, key=tables.index):  # the index before its vocabulary
            conn.execute(want[name])
    return Finding("schema", False, detail + ": recreated", fixed=True)


def check_foreign_keys(conn: sqlite3.Connection, fix: bool) -> Finding:
    rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    if not rows:
        return Finding("foreign keys", True, "ok")
    tables = sorted({r[0] for r in rows})
    return Finding("foreign keys", False, f"{len(rows)} rows point at missing rows (in {', '.join(tables)})")


def check_orphan_sightings(conn: sqlite3.Connection, fix: bool) -> Finding:
    sql = (
        "FROM sightings WHERE post_id NOT IN (SELECT id FROM posts)"
        " OR source_id NOT IN (SELECT id FROM sources)"
    )
    n = conn.execute(f"SELECT COUNT(*) {sql}").fetchone()[0]
    if not n:
        return Finding("orphan sightings", True, "none")
    if not fix:
        return Finding("orphan sightings", False, f"{n} sightings without a post or source (--fix removes them)")
    # A sighting without its post or source is unreachable; re-importing the capture records it again.
    with transaction(conn):
        conn.execute(f"DELETE {sql}")
    return Finding("orphan sightings", False, f"{n} sightings without a post or source: removed", fixed=True)


def check_orphan_cards(conn: sqlite3.Connection, fix: bool) -> Finding:
    tables = _tables(conn)
    if "cards" not in tables or "post_id" not in _columns(conn, "cards"):
        return Finding("orphan cards", True, "no cards table yet")
    ids = [r[0] for r in conn.execute("SELECT id FROM cards WHERE post_id NOT IN (SELECT id FROM posts)")]
    reviewed: set = set()
    if ids and "reviews" in tables and "card_id" in _columns(conn, "reviews"):
        marks = ",".join("?" * len(ids))
        reviewed = {r[0] for r in conn.execute(f"SELECT DISTINCT card_id FROM reviews WHERE card_id IN ({marks})", ids)}
    removable = [i for i in ids if i not in reviewed]
    # A reviewed card outlives its post on purpose: its history is the user's.
    kept = f"{len(reviewed)} cards without a post kept for their reviews" if reviewed else ""
    if not removable:
        return Finding("orphan cards", True, kept or "none")
    detail = f"{len(removable)} cards without a post and never reviewed"
    if not fix:
        return Finding("orphan cards", False, detail + " (--fix removes them)" + (f"; {kept}" if kept else ""))
    with transaction(conn):
        conn.executemany("DELETE FROM cards WHERE id = ?", [(i,) for i in removable])
        if "card_schedule" in tables:
            conn.executemany("DELETE FROM card_schedule WHERE card_id = ?", [(i,) for i in removable])
    return Finding("orphan cards", False, detail + ": removed" + (f"; {kept}" if kept else ""), fixed=True)


def check_orphan_reviews(conn: sqlite3.Connection, fix: bool) -> Finding:
    tables = _tables(conn)
    if "reviews" not in tables or "cards" not in tables or "card_id" not in _columns(conn, "reviews"):
        return Finding("orphan reviews", True, "no reviews table yet")
    n = conn.execute("SELECT COUNT(*) FROM reviews WHERE card_id NOT IN (SELECT id FROM cards)").fetchone()[0]
    if not n:
        return Finding("orphan reviews", True, "none")
    # Reported, never deleted: a review is the user's history, and its card may come back on re-import.
    return Finding("orphan reviews", False, f"{n} reviews of cards that no longer exist (kept)")


def check_fts(conn: sqlite3.Connection, fix: bool) -> Finding:
    fts = _fts_tables(conn)
    if not fts and not fix:
        return Finding("search index", True, "no search index yet")
    problems = []
    unchecked = []
    for table in fts:
        try:
            conn.execute(f'INSERT INTO "{table}"("{table}") VALUES (\'integrity-check\')')
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc):
                problems.append(f"{table}: {exc}")
            else:  # FTS5 runs its check as a write: a read-only database cannot take it
                unchecked.append(table)
        except sqlite3.DatabaseError as exc:
            problems.append(f"{table}: {exc}")
    problems += _index_coverage(conn, fts)
    stale = _index_stale(conn)
    if stale:
        problems.append(stale)
    detail = "; ".join(problems)
    if fix:
        # --fix rebuilds the derived index even when it looks fine: that is what users ask of it.
        derived.rebuild(conn, ["search"])
        return Finding("search index", not problems, (detail + ": " if problems else "") + "rebuilt", fixed=True)
    if not problems:
        return Finding("search index", True, f"not checked: the database is read-only ({', '.join(unchecked)})" if unchecked else "ok")
    return Finding("search index", False, detail + " (--fix rebuilds it)")


def _index_coverage(conn: sqlite3.Connection, fts: list[str]) -> list[str]:
    """Every post indexed once, and nothing else: search's index is keyed by post id."""
    if "search_fts" not in fts:
        return []
    out = []
    missing = conn.execute("SELECT COUNT(*) FROM posts WHERE id NOT IN (SELECT rowid FROM search_fts)").fetchone()[0]
    if missing:
        out.append(f"{missing} posts missing from the index")
    extra = conn.execute("SELECT COUNT(*) FROM search_fts WHERE rowid NOT IN (SELECT id FROM posts)").fetchone()[0]
    if extra:
        out.append(f"{extra} index rows without a post")
    return out


def _index_stale(conn: sqlite3.Connection) -> str | None:
    """The index needs a rebuild: built with another dictionary than the one installed, or marked."""
    try:
        return derived.stale(conn, ["search"]).get("search")
    except sqlite3.DatabaseError as exc:  # a broken index is what doctor is here to report
        return f"dictionary check failed: {exc}"


def _posts_never_carded(conn: sqlite3.Connection) -> int:
    """Posts last changed before the cards table existed, with no full re-derivation since. Cards are
    derived when an import changes a post, so the posts of a database of the first schema, migrated,
    were never searched for definitions: the quiz silently lacks their cards."""
    row = conn.execute("SELECT applied_at FROM _migrations WHERE name = 'm003_cards_reviews'").fetchone()
    if row is None or not row[0]:
        return 0
    rebuilt = get_meta(conn, META_CARDS_REBUILT_AT)
    if rebuilt and rebuilt >= row[0]:
        return 0
    return conn.execute("SELECT COUNT(*) FROM posts WHERE updated_at < ?", (row[0],)).fetchone()[0]


def check_cards(conn: sqlite3.Connection, fix: bool) -> Finding:
    """Cards are derived from posts; --fix re-derives them (card ids are stable, so reviews stay attached)."""
    if "cards" not in _tables(conn):
        return Finding("cards", True, "no cards table")
    n = conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
    never = _posts_never_carded(conn)
    older = f"{never} posts from before the cards table were never searched for definitions"
    if not fix:
        if never:
            return Finding("cards", False, f"{n} cards; {older} (--fix derives their cards)")
        return Finding("cards", True, f"{n} cards")
    reviews_before = _review_count(conn)
    derived.rebuild(conn, ["cards"])
    after = conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
    if _review_count(conn) != reviews_before:  # pragma: no cover - the guarantee this check exists for
        return Finding("cards", False, "rebuilding cards changed the review count: report this as a bug")
    return Finding("cards", not never, (f"{older}: " if never else "") + f"rebuilt: {after} cards (was {n})", fixed=True)


def check_related(conn: sqlite3.Connection, fix: bool) -> Finding:
    """Related posts are derived at import; rows naming a missing post are stale."""
    if "related" not in _tables(conn):
        return Finding("related posts", True, "no related table in this build")
    stale = conn.execute(
        "SELECT COUNT(*) FROM related WHERE post_id NOT IN (SELECT id FROM posts)"
        " OR other_id NOT IN (SELECT id FROM posts)"
    ).fetchone()[0]
    if fix:
        derived.rebuild(conn, ["related"])
        detail = f"{stale} rows naming a missing post; recomputed" if stale else "recomputed"
        return Finding("related posts", not stale, detail, fixed=True)
    if not stale:
        return Finding("related posts", True, "ok")
    return Finding("related posts", False, f"{stale} rows naming a missing post (--fix recomputes them)")


def check_topics(conn: sqlite3.Connection, fix: bool) -> Finding:
    """The quiz topics' members are derived at import; rows naming a missing post, or membership
    derived from other topics, another dictionary or older cards, are stale (--fix derives it again)."""
    if "topic_sources" not in _tables(conn):
        return Finding("topic members", True, "no topic tables in this build")
    gone = conn.execute("SELECT COUNT(*) FROM topic_sources WHERE post_id NOT IN (SELECT id FROM posts)").fetchone()[0]
    why = derived.stale(conn, ["topics"]).get("topics")
    problems = "; ".join(([f"{gone} rows naming a missing post"] if gone else []) + ([why] if why else []))
    if fix:
        derived.rebuild(conn, ["topics"])
        return Finding("topic members", not problems, (problems + ": " if problems else "") + "derived again", fixed=True)
    if not problems:
        return Finding("topic members", True, "ok")
    return Finding("topic members", False, problems + " (--fix derives them again)")


# Tags of a page, as a post's text would hold them had an HTML file been read as text.
MARKUP_RE = re.compile(
    r"<!doctype\b|</?(?:html|head|body|div|span|p|a|script|style|meta|link|article|section|main|nav|header|footer|"
    r"ul|ol|li|table|tr|td|th|br|img|h[1-6]|iframe|form|input|button)(?:\s[^<>]*)?/?>",
    re.I,
)
MARKUP_SHOWN = 5


def check_markup_posts(conn: sqlite3.Connection, fix: bool) -> Finding:
    """Posts whose text is a page's markup (<div, <!DOCTYPE …): an HTML file imported as text by an
    older kb, or with --force. Never removed here: which source to take back is the user's call."""
    found = [(pid, slug) for pid, slug, title, text in conn.execute(
        "SELECT id, slug, title, text FROM posts WHERE text LIKE '%<%' OR title LIKE '%<%' ORDER BY rank, id")
        if MARKUP_RE.search(text or "") or MARKUP_RE.search(title or "")]
    if not found:
        return Finding("markup posts", True, "none")
    ids = [pid for pid, _ in found]
    sources = sorted({path for (path,) in conn.execute(
        f"SELECT DISTINCT s.path FROM sightings g JOIN sources s ON s.id = g.source_id WHERE g.post_id IN ({','.join('?' * len(ids))})",
        ids)})
    shown = ", ".join(slug for _, slug in found[:MARKUP_SHOWN]) + (", …" if len(found) > MARKUP_SHOWN else "")
    where = ", ".join(sources[:MARKUP_SHOWN]) + (", …" if len(sources) > MARKUP_SHOWN else "")
    return Finding("markup posts", False, f"{len(found)} posts look like HTML markup ({shown}), from {where}:"
                   " kb forget takes a source back (then import a saved page as .html)")


def check_cards_aside(conn: sqlite3.Connection, fix: bool) -> Finding:
    """Reviewed cards kb forget kept aside: waiting for their posts, or back and owed their history
    (--fix gives it, as the next import would)."""
    from kb.quiz import aside

    if "cards_aside" not in _tables(conn):
        return Finding("cards kept aside", True, "no such table in this build")
    n = aside.waiting(conn)
    back = aside.returned(conn)
    if not back:
        return Finding("cards kept aside", True, f"{n} reviewed cards of forgotten posts, back with their history when their posts are imported again" if n else "none")
    detail = f"{len(back)} cards kept aside exist again"
    if not fix:
        return Finding("cards kept aside", False, detail + " (--fix gives them back their reviews)")
    with transaction(conn):
        aside.restore(conn)
    return Finding("cards kept aside", False, detail + ": their reviews restored", fixed=True)


def _review_count(conn: sqlite3.Connection) -> int:
    if "reviews" not in _tables(conn):
        return 0
    return conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]


CHECKS: list[Callable[[sqlite3.Connection, bool], Finding]] = [
    check_integrity,
    check_schema,  # before the checks that read those tables
    check_orphan_sightings,
    check_orphan_cards,
    check_orphan_reviews,
    check_fts,
    check_cards,
    check_cards_aside,  # after the cards are derived again
    check_topics,  # after the cards and the index it is derived from
    check_related,
    check_markup_posts,
    check_foreign_keys,  # last: it sees what the fixes above left
]


def run(conn: sqlite3.Connection, *, fix: bool = False) -> list[Finding]:
    """Every check in order; with fix, each repairs what it can before the next looks."""
    findings = []
    for check in CHECKS:
        try:
            findings.append(check(conn, fix))
        except sqlite3.DatabaseError as exc:
            name = check.__name__.removeprefix("check_").replace("_", " ")
            findings.append(Finding(name, False, f"could not check: {exc}"))
    return findings


def healthy(findings: list[Finding]) -> bool:
    return all(f.ok or f.fixed for f in findings)
