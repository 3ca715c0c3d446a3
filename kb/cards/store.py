"""The cards as a derived part: each post's definitions are kept per post (card_sources), and each
term's occurrences make one card of each kind (cards), re-derived when a post's text changes;
reviews and schedules are never touched, a reviewed card no longer found is kept, inactive, and a
card the user deleted (kb.cards.decisions) is never derived again.
"""
from __future__ import annotations

import json
import sqlite3

from kb.cards.concepts import (
    KINDS,
    MAX_SHOWN,
    Occurrence,
    card_id,
    concept,
    wording_rank,
)
from kb.cards import decisions
from kb.cards.terms import norm_term
from kb.store.meta import set_meta
from kb.text import META_CARDS_REBUILT_AT, stamp

TABLES = ("cards", "card_sources")


def extract(text: str) -> list:
    """A post's definitions (kb.cards.extract.extract), loaded on first use: reading cards (kb quiz,
    kb cards, kb topics) never compiles the frames' expressions."""
    from kb.cards import extract as frames

    return frames.extract(text)


def prepare(ahead, text: str) -> None:
    """What import workers compute for a post's text: its definitions."""
    ahead(extract, text)


def posts_changed(conn: sqlite3.Connection, post_ids: list[int], ahead) -> None:
    """Re-derive these posts' definitions and the cards of every term they had or have whose card they
    may change (inside the caller's transaction: the file's)."""
    touched: dict[str, list[tuple[str, list[str]]]] = {}
    for post_id in post_ids:
        for norm, found in _derive_post(conn, post_id, ahead).items():
            touched.setdefault(norm, []).extend(found)
    _refresh(conn, _changing(conn, touched, set(post_ids)))


def _changing(conn: sqlite3.Connection, touched: dict[str, list[tuple[str, list[str]]]], posts: set[int]) -> set[str]:
    """The touched terms whose card changes: it has none yet, its shown definition is one of these posts'
    (or gone), or a new occurrence reads better or brings another name. A term that a thousand posts
    define costs an import one indexed read, not a re-reading of its thousand occurrences."""
    norms = sorted(touched)
    shown: dict[str, tuple] = {}
    for i in range(0, len(norms), 500):
        chunk = norms[i : i + 500]
        for norm, post_id, aliases, active, rank in conn.execute(
                "SELECT c.norm_term, c.post_id, c.aliases, c.active, s.rank FROM cards c LEFT JOIN card_sources s"
                " ON s.norm_term = c.norm_term AND s.post_id = c.post_id"
                f" WHERE c.kind = 'definition' AND c.norm_term IN ({','.join('?' * len(chunk))})", chunk):
            shown[norm] = (post_id, aliases, active, rank)
    out = set()
    for norm, found in touched.items():
        card = shown.get(norm)
        if not found or card is None or card[0] in posts or not card[2] or card[3] is None:
            out.add(norm)
            continue
        known = {norm_term(a) for a in json.loads(card[1] or "[]")} | {norm}
        if any(rank < card[3] or any(norm_term(a) not in known for a in aliases) for rank, aliases in found):
            out.add(norm)
    return out


def rebuild(conn: sqlite3.Connection, ahead) -> None:
    """Re-derive every post's definitions and every card (inside the caller's transaction); reviews
    and schedules are never touched, and cards no term's occurrence supports any more are retired."""
    conn.execute("DELETE FROM card_sources")
    for (post_id,) in conn.execute("SELECT id FROM posts ORDER BY id").fetchall():
        _derive_post(conn, post_id, ahead)
    terms = {r[0] for r in conn.execute("SELECT norm_term FROM card_sources")}
    terms |= {r[0] for r in conn.execute("SELECT DISTINCT norm_term FROM cards")}
    _refresh(conn, terms)
    set_meta(conn, META_CARDS_REBUILT_AT, stamp())


def _derive_post(conn: sqlite3.Connection, post_id: int, ahead) -> dict[str, list[tuple[str, list[str]]]]:
    """Replace one post's occurrences; returns the terms it had or has, each with its new occurrence
    (rank, aliases), if any."""
    touched: dict[str, list[tuple[str, list[str]]]] = {
        r[0]: [] for r in conn.execute("SELECT norm_term FROM card_sources WHERE post_id = ?", (post_id,))}
    conn.execute("DELETE FROM card_sources WHERE post_id = ?", (post_id,))
    row = conn.execute("SELECT text FROM posts WHERE id = ?", (post_id,)).fetchone()
    if row is None:
        return touched
    rows = []
    for d in ahead(extract, row[0]):
        rank = wording_rank(d.pattern, d.definition, post_id)
        rows.append((norm_term(d.term), post_id, d.term, json.dumps(d.aliases, ensure_ascii=False),
                     d.definition, d.pattern, d.position, rank))
        touched.setdefault(rows[-1][0], []).append((rank, d.aliases))
    conn.executemany(
        "INSERT OR REPLACE INTO card_sources (norm_term, post_id, term, aliases, definition, pattern, position, rank)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return touched


def occurrences(conn: sqlite3.Connection, norms: list[str]) -> dict[str, list[Occurrence]]:
    """norm_term → its best-worded occurrences (at most MAX_SHOWN: one indexed read each)."""
    out: dict[str, list[Occurrence]] = {}
    for norm in norms:
        rows = conn.execute(
            "SELECT s.post_id, p.slug, s.term, s.aliases, s.definition, s.pattern, s.position"
            " FROM card_sources s JOIN posts p ON p.id = s.post_id WHERE s.norm_term = ?"
            " ORDER BY s.rank, s.position LIMIT ?",
            (norm, MAX_SHOWN),
        ).fetchall()
        if rows:
            out[norm] = [Occurrence(r[0], r[1], r[2], json.loads(r[3] or "[]"), r[4], r[5] or "", r[6] or 0) for r in rows]
    return out


def _refresh(conn: sqlite3.Connection, terms: set[str]) -> None:
    """Make each term's cards match its occurrences: one card per kind, or retired when none is left."""
    norms = sorted(terms)
    found = occurrences(conn, norms)
    now = stamp()
    rows, keep = [], set()
    deleted = decisions.deleted(conn)  # the user's: never derived again
    for norm, occ in found.items():
        c = concept(norm, occ)
        aliases = json.dumps(c.aliases, ensure_ascii=False)
        for kind in c.kinds:
            if card_id(norm, kind) in deleted:
                continue
            keep.add(card_id(norm, kind))
            rows.append((card_id(norm, kind), c.post_id, c.slug, c.term, norm, aliases, c.definition, kind,
                         c.pattern, c.position, now, now))
    conn.executemany(
        "INSERT INTO cards (id, post_id, slug, term, norm_term, aliases, definition, kind, pattern,"
        " position, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET post_id = excluded.post_id, slug = excluded.slug, term = excluded.term,"
        " aliases = excluded.aliases, definition = excluded.definition, pattern = excluded.pattern,"
        " position = excluded.position, active = 1,"
        " updated_at = CASE WHEN cards.definition IS NOT excluded.definition"
        " OR cards.aliases IS NOT excluded.aliases OR cards.active = 0"
        " THEN excluded.updated_at ELSE cards.updated_at END",
        rows,
    )
    gone = []
    for i in range(0, len(norms), 500):
        chunk = norms[i : i + 500]
        gone += [r[0] for r in conn.execute(
            f"SELECT id FROM cards WHERE norm_term IN ({','.join('?' * len(chunk))})", chunk) if r[0] not in keep]
    _retire(conn, gone)


def refresh_terms(conn: sqlite3.Connection, norms: set[str]) -> None:
    """Make these terms' cards match their occurrences and the user's deletions (after kb cards delete
    or undelete; inside the caller's transaction)."""
    _refresh(conn, set(norms))


def _retire(conn: sqlite3.Connection, ids: list[str]) -> None:
    """Cards no longer found: delete them, unless they have been reviewed (then keep them, inactive)."""
    for cid in ids:
        if conn.execute("SELECT 1 FROM reviews WHERE card_id = ? LIMIT 1", (cid,)).fetchone():
            conn.execute("UPDATE cards SET active = 0 WHERE id = ?", (cid,))
        else:
            conn.execute("DELETE FROM card_schedule WHERE card_id = ?", (cid,))
            conn.execute("DELETE FROM cards WHERE id = ?", (cid,))


# ---------------------------------------------------------------- reading cards


def card_dict(row: sqlite3.Row, sources: dict[str, dict] | None = None,
              decision: decisions.Decision | None = None) -> dict:
    """A card as `kb cards --json` shows it: slug is the post its definition is taken from, sources the
    slugs of every post the term is defined in (that one first), others those posts' definitions
    (best-worded first, at most MAX_SHOWN - 1; one that says the same as the shown one left out).
    An edited card shows the user's term and definition; suspended and edited say so."""
    found = (sources or {}).get(row["norm_term"], {"slugs": [], "shown": []})
    edited = decision is not None and decision.edited
    definition = (decision.definition if edited and decision.definition else None) or row["definition"]
    term = (decision.term if edited and decision.term else None) or row["term"]
    plain = _plain(definition)
    return {
        "id": row["id"],
        "slug": row["slug"],
        "term": term,
        "aliases": json.loads(row["aliases"] or "[]"),
        "definition": definition,
        "kind": row["kind"],
        "sources": [row["slug"], *(s for s in found["slugs"] if s != row["slug"])],
        "others": [o for o in found["shown"] if o["slug"] != row["slug"] and _plain(o["definition"]) != plain],
        "suspended": bool(decision and decision.suspended_at),
        "edited": edited,
    }


def _plain(definition: str) -> str:
    """A definition without formula delimiters, spaces and punctuation: near-identical wordings compare equal."""
    return "".join(ch for ch in definition.replace("\\(", "").replace("\\)", "") if ch.isalnum()).casefold()


def sources_of(conn: sqlite3.Connection, norms: set[str], limit: int | None = None) -> dict[str, dict]:
    """norm_term → {"slugs": every post defining it (with limit: the best-worded limit of them), "shown":
    its best-worded [{slug, definition}], "count": how many posts define it}. With limit a term that a
    thousand posts define costs two indexed reads, not a thousand rows."""
    if limit is not None:
        return _sources_limited(conn, norms, max(limit, MAX_SHOWN))
    out: dict[str, dict] = {}
    wanted = sorted(norms)
    try:
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = conn.execute(
                "SELECT s.norm_term, p.slug, s.definition FROM card_sources s JOIN posts p ON p.id = s.post_id"
                f" WHERE s.norm_term IN ({','.join('?' * len(chunk))}) ORDER BY s.norm_term, s.rank, s.position",
                chunk,
            ).fetchall()
            for norm, slug, definition in rows:
                found = out.setdefault(norm, {"slugs": [], "shown": [], "count": 0})
                found["slugs"].append(slug)
                found["count"] += 1
                if len(found["shown"]) < MAX_SHOWN:
                    found["shown"].append({"slug": slug, "definition": definition})
    except sqlite3.OperationalError:  # a read-only database from before card_sources
        return {}
    return out


def _sources_limited(conn: sqlite3.Connection, norms: set[str], limit: int) -> dict[str, dict]:
    out: dict[str, dict] = {}
    try:
        for norm in sorted(norms):
            rows = conn.execute(
                "SELECT p.slug, s.definition FROM card_sources s JOIN posts p ON p.id = s.post_id"
                " WHERE s.norm_term = ? ORDER BY s.rank, s.position LIMIT ?", (norm, limit)).fetchall()
            if rows:
                count = conn.execute("SELECT COUNT(*) FROM card_sources WHERE norm_term = ?", (norm,)).fetchone()[0]
                out[norm] = {"slugs": [r[0] for r in rows], "count": count,
                             "shown": [{"slug": r[0], "definition": r[1]} for r in rows[:MAX_SHOWN]]}
    except sqlite3.OperationalError:  # a read-only database from before card_sources
        return {}
    return out


def list_cards(conn: sqlite3.Connection, *, ids: set[str] | None = None, kinds: tuple[str, ...] = KINDS,
               sources_limit: int | None = None) -> list[dict]:
    """Active cards, in reading order (the shown definition's post rank, then its position there); of
    ids only, read by them. With sources_limit each card's sources are its best-worded that many, and
    sources_total says how many posts define it."""
    marks = ",".join("?" * len(kinds))
    # Of ids: read by them (the ids first), not by every card of the kinds.
    src = "cards c" if ids is None else "json_each(?) j CROSS JOIN cards c ON c.id = j.value"
    rows = conn.execute(
        f"SELECT c.* FROM {src} JOIN posts p ON p.id = c.post_id WHERE c.active = 1 AND c.kind IN ({marks})"
        " ORDER BY p.rank, p.id, c.position, c.kind",
        (*(() if ids is None else (json.dumps(sorted(ids)),)), *kinds),
    ).fetchall()
    sources = sources_of(conn, {r["norm_term"] for r in rows}, sources_limit)
    decided = decisions.of(conn, None if ids is None else [r["id"] for r in rows])
    out = [card_dict(r, sources, decided.get(r["id"])) for r in rows]
    if sources_limit is not None:
        for card, r in zip(out, rows):
            card["sources"] = card["sources"][:sources_limit]
            card["sources_total"] = sources.get(r["norm_term"], {}).get("count", len(card["sources"]))
    return out


def notes(conn: sqlite3.Connection, ids: set[str] | None = None) -> list[dict]:
    """One note per concept (its term→definition card): what an export writes."""
    return list_cards(conn, ids=ids, kinds=("definition",))
