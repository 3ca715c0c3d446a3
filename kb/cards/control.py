"""Card control, as kb cards suspend/unsuspend/delete/undelete/edit and the review screen's keys use it:
each operation names cards by id (or a unique prefix), records the decision (kb.cards.decisions) and
brings the derived cards in line, in one transaction; each returns plain data saying what it did.
"""
from __future__ import annotations

import sqlite3

from kb.cards import decisions, store
from kb.errors import UsageError
from kb.store.transaction import transaction


def shown(conn: sqlite3.Connection, cid: str, sources_limit: int | None = None) -> tuple[dict, dict] | None:
    """(the card as shown, the user's edit applied; as the posts word it), or None when it has no row.
    With sources_limit its sources are the best-worded that many posts, sources_total how many there are."""
    row = conn.execute("SELECT * FROM cards WHERE id = ?", (cid,)).fetchone()
    if row is None:
        return None
    sources = store.sources_of(conn, {row["norm_term"]}, sources_limit)
    extra = {"norm_term": row["norm_term"],
             "sources_total": sources.get(row["norm_term"], {}).get("count", 1)}
    now, derived = store.card_dict(row, sources, decisions.of(conn, [cid]).get(cid)), store.card_dict(row, sources)
    if sources_limit is not None:
        for card in (now, derived):
            card["sources"] = card["sources"][:sources_limit]
    return now | extra, derived | extra


def _named(conn: sqlite3.Connection, ids: list[str]) -> list[dict]:
    if not ids:
        raise UsageError("name at least one card id (kb cards lists them)")
    out, seen = [], set()
    for wanted in ids:
        card = decisions.resolve(conn, wanted)
        if card["id"] not in seen:
            seen.add(card["id"])
            out.append(card)
    return out


def suspend(conn: sqlite3.Connection, ids: list[str], on: bool = True) -> list[dict]:
    """Suspend (on) or unsuspend these cards: [{id, term, kind, changed}]."""
    with transaction(conn):
        cards = _named(conn, ids)
        return [{"id": c["id"], "term": c["term"], "kind": c["kind"], "changed": decisions.set_suspended(conn, c, on)}
                for c in cards]


def delete(conn: sqlite3.Connection, ids: list[str], on: bool = True) -> list[dict]:
    """Delete (on) or bring back the concepts of these cards, every kind of each, as Anki deletes a
    note: [{id, term, kinds, changed}]. A deleted card is never derived again; its reviews are kept."""
    out = []
    with transaction(conn):
        for c in _named(conn, ids):
            norm = c["norm_term"]
            kinds = [r[0] for r in conn.execute("SELECT kind FROM cards WHERE norm_term = ? AND active = 1"
                                                " ORDER BY kind", (norm,))]
            changed = decisions.set_deleted(conn, norm, on)
            store.refresh_terms(conn, {norm})
            term = c["term"]
            if not on:  # derived again: its kinds and its term as the posts write it
                rows = conn.execute("SELECT kind, term FROM cards WHERE norm_term = ? AND active = 1 ORDER BY kind",
                                    (norm,)).fetchall()
                kinds, term = [r[0] for r in rows], (rows[0][1] if rows else term)
            out.append({"id": c["id"], "term": term, "kinds": kinds, "changed": bool(changed)})
    return out


def edit(conn: sqlite3.Connection, wanted: str, *, term: str | None = None, definition: str | None = None,
         revert: bool = False, editor: bool = False) -> dict:
    """Give a card's concept the user's term and/or definition (kept through every re-derivation), or
    --revert to the posts' wording; editor: ask for both in $EDITOR. Returns {id, term, definition,
    edited, changed}."""
    with transaction(conn):
        card = decisions.resolve(conn, wanted)
        found = shown(conn, card["id"])
    if found is None:
        raise UsageError(f"card {card['id']} is deleted: kb cards undelete {card['id']} brings it back")
    now, derived = found
    if editor:
        from kb.cards import editor as texts

        edited = texts.edit(now, derived)
        if edited is None:
            return {"id": card["id"], "term": now["term"], "definition": now["definition"],
                    "edited": now["edited"], "changed": False}
        term, definition = edited
    elif not revert and term is None and definition is None:
        raise UsageError("nothing to change: give --term, --definition or --revert (or neither, for $EDITOR)")
    new_term = None if revert else (term if term is not None else (now["term"] if now["edited"] else None))
    new_def = None if revert else (definition if definition is not None else (now["definition"] if now["edited"] else None))
    # The posts' own wording is no edit: a text put back as it was drops it.
    if new_term is not None and new_term.strip() == derived["term"]:
        new_term = None
    if new_def is not None and new_def.strip() == derived["definition"]:
        new_def = None
    with transaction(conn):
        decisions.set_edit(conn, card["norm_term"], new_term, new_def)
        after = shown(conn, card["id"])[0]
    return {"id": card["id"], "term": after["term"], "definition": after["definition"], "edited": after["edited"],
            "changed": (after["term"], after["definition"]) != (now["term"], now["definition"])}


def names(conn: sqlite3.Connection, cid: str) -> list[str]:
    """Every name a card's answer may be given as: the term shown, the posts' term and the aliases."""
    found = shown(conn, cid)
    if found is None:
        return []
    now, derived = found
    return list(dict.fromkeys([now["term"], derived["term"], *now["aliases"]]))

