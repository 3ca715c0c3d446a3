"""Cards for Anki: an .apkg package (genanki), a .tsv for Anki's text import, or JSON.

One note per concept, with a card in each direction (term → definition, definition → term) and, when
the term has another name, a third (term → that name). Stable note GUIDs, derived from the card ids,
so that importing a newer export updates the notes in place and keeps their review history. The
user's edits are what the notes say; a deleted concept is no note; a suspended card is suspended in
the package.
"""
from __future__ import annotations

import html
import re
import sqlite3

from kb.cards import decisions
from kb.cards.concepts import card_id
from kb.cards.masking import mask
from kb.cards.store import notes
from kb.text import sanitize, to_json


def anki_guid(card: dict) -> str:
    """A GUID from the card's stable id: re-importing the deck updates notes, never duplicates them."""
    import genanki

    return genanki.guid_for("kb", card["id"])


# Fixed ids: Anki recognises the deck and the note type across exports by them.
ANKI_MODEL_ID = 1_607_392_319
ANKI_DECK_ID = 2_059_400_110
DECK = "kb"
# The .apkg's note type: its fields, and which kind of kb card each of its cards is.
MODEL_NAME = "kb concept"
FIELDS = ("Term", "Definition", "Clue", "Aliases", "Post", "Also")
CARD_KINDS = ("definition", "reverse", "alias")  # template order = Anki's card ord
# The .tsv's note type: Anki's own, so that an import with Anki's defaults maps the columns by name.
TSV_NOTETYPE = "Basic (and reversed card)"
TSV_COLUMNS = ("guid", "Front", "Back", "tags")

CSS = """.card { font-family: sans-serif; font-size: 22px; text-align: center; }
.hint, .post, .also { font-size: 15px; color: #777; }
.also { text-align: left; }"""
TEMPLATES = [
    {"name": "term → definition",
     "qfmt": "{{Term}}",
     "afmt": "{{FrontSide}}<hr id=answer>{{Definition}}{{#Aliases}}<div class=hint>{{Aliases}}</div>{{/Aliases}}"
             "{{#Also}}<div class=also>{{Also}}</div>{{/Also}}<div class=post>{{Post}}</div>"},
    {"name": "definition → term",
     "qfmt": "{{Clue}}<div class=hint>which term?</div>",
     "afmt": "{{Clue}}<hr id=answer>{{Term}}{{#Aliases}}<div class=hint>{{Aliases}}</div>{{/Aliases}}"
             "<div class=post>{{Post}}</div>"},
    {"name": "term → other name",
     "qfmt": "{{#Aliases}}{{Term}}<div class=hint>its other name?</div>{{/Aliases}}",
     "afmt": "{{FrontSide}}<hr id=answer>{{Aliases}}<div class=post>{{Post}}</div>"},
]


def export(conn: sqlite3.Connection, path, fmt: str, *, ids: set[str] | None = None) -> int:
    """Write the cards' notes to path as apkg, tsv or json; returns how many."""
    from pathlib import Path

    from kb.errors import KbError, UsageError

    if fmt not in ("json", "tsv", "apkg"):
        raise UsageError(f"unknown export format {fmt!r} (use apkg, tsv or json)")
    cards = notes(conn, ids)
    path = Path(path)
    try:
        if fmt == "json":
            path.write_text(to_json(cards) + "\n", encoding="utf-8")
        elif fmt == "tsv":
            path.write_text(_tsv([_note(conn, c) for c in cards]), encoding="utf-8")
        else:
            _apkg(conn, [_note(conn, c) for c in cards], path)
    except OSError as exc:
        raise KbError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(cards)


def _note(conn: sqlite3.Connection, card: dict) -> dict:
    """A card's note fields as HTML (post text escaped: it is data, and its control characters go)."""
    esc = lambda s: html.escape(sanitize(s or ""))  # noqa: E731
    names = [card["term"], *card["aliases"]]
    title = conn.execute("SELECT title FROM posts WHERE slug = ?", (card["slug"],)).fetchone()
    post = f"{title[0]} · kb show {card['slug']}" if title else f"kb show {card['slug']}"
    also = "<br>".join(f"{esc(o['slug'])}: {esc(o['definition'])}" for o in card.get("others", []))
    clue_also = "<br>".join(esc(mask(o["definition"], names)) for o in card.get("others", []))
    return {
        "card": card,
        "Term": esc(card["term"]),
        "Definition": esc(card["definition"]),
        "Clue": esc(mask(card["definition"], names)),
        "Aliases": esc(", ".join(card["aliases"])),
        "Post": esc(post),
        "Also": also,
        "clue_also": clue_also,
    }


def _tsv_field(text: str) -> str:
    """One field of Anki's text import: one line, no control characters, quoted when it holds a quote
    or starts with #. Anki reads the file as CSV: a field opening with " would otherwise be taken
    for a quoted one, and a line starting with # for a comment (a GUID may start with #)."""
    text = re.sub(r"[\t\r\n]+", " ", sanitize(text or ""))
    return '"' + text.replace('"', '""') + '"' if '"' in text or text.startswith("#") else text


def _tsv(rows: list[dict]) -> str:
    # The header lines name Anki's own two-way note type, the deck, and columns named as its fields,
    # so Anki's import dialog proposes the right mapping as it stands.
    lines = ["#separator:tab", "#html:true", f"#notetype:{TSV_NOTETYPE}", f"#deck:{DECK}",
             "#guid column:1", f"#tags column:{TSV_COLUMNS.index('tags') + 1}", "#columns:" + "\t".join(TSV_COLUMNS)]
    for n in rows:
        c = n["card"]
        # Back is the question of the reverse card: the term blanked out of it, the post in the tags.
        front = n["Term"] + (f" ({n['Aliases']})" if n["Aliases"] else "")
        back = n["Clue"] + (f"<br><small>{n['clue_also']}</small>" if n["clue_also"] else "")
        tags = f"{DECK} {DECK}::{c['slug']}"
        lines.append("\t".join(_tsv_field(x) for x in (anki_guid(c), front, back, tags)))
    return "\n".join(lines) + "\n"


def _apkg(conn: sqlite3.Connection, rows: list[dict], path) -> None:
    import genanki

    model = genanki.Model(ANKI_MODEL_ID, MODEL_NAME, fields=[{"name": f} for f in FIELDS],
                          templates=TEMPLATES, css=CSS)
    deck = genanki.Deck(ANKI_DECK_ID, DECK)
    suspended = decisions.suspended(conn)
    for n in rows:
        c = n["card"]
        note = genanki.Note(model=model, fields=[n[f] for f in FIELDS], guid=anki_guid(c), tags=[DECK])
        norm = conn.execute("SELECT norm_term FROM cards WHERE id = ?", (c["id"],)).fetchone()[0]
        for card in note.cards:  # a card suspended in kb is suspended in Anki too (on its first import)
            card.suspend = card_id(norm, CARD_KINDS[card.ord]) in suspended
        deck.add_note(note)
    genanki.Package(deck).write_to_file(str(path))
