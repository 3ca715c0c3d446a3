"""Cards for Anki: an .apkg package (genanki), a .tsv for Anki's text import, or JSON.

Stable note GUIDs, derived from the card ids, so that importing a newer export updates notes.
"""
from __future__ import annotations

import re
import sqlite3

from kb.cards.store import notes
from kb.text import sanitize, to_json


def anki_guid(card: dict) -> str:
    """A GUID from the card's stable id: re-importing the deck updates notes, never duplicates them."""
    import genanki

    return genanki.guid_for("kb", card["id"])


# Fixed ids: Anki recognises the deck and the note type across exports by them.
ANKI_MODEL_ID = 1_607_392_319


ANKI_DECK_ID = 2_059_400_110


def export(conn: sqlite3.Connection, path, fmt: str, *, ids: set[str] | None = None) -> int:
    """Write the cards' notes to path as apkg, tsv or json; returns how many."""
    from pathlib import Path

    from kb.errors import KbError, UsageError

    cards = notes(conn, ids)
    path = Path(path)
    try:
        if fmt == "json":
            path.write_text(to_json(cards) + "\n", encoding="utf-8")
        elif fmt == "tsv":
            path.write_text(_tsv(cards), encoding="utf-8")
        elif fmt == "apkg":
            _apkg(cards, path)
        else:
            raise UsageError(f"unknown export format {fmt!r} (use apkg, tsv or json)")
    except OSError as exc:
        raise KbError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(cards)


def _tsv_field(text: str) -> str:
    """One field of Anki's text import: one line, no control characters, quoted when it holds a quote.

    Anki reads the file as CSV: a field opening with " would otherwise be taken for a quoted one.
    """
    text = re.sub(r"[\t\r\n]+", " ", sanitize(text or ""))
    return '"' + text.replace('"', '""') + '"' if '"' in text else text


def _tsv(cards: list[dict]) -> str:
    lines = ["#separator:tab", "#html:false", "#guid column:1", "#columns:guid\tterm\tdefinition\taliases\tslug"]
    for c in cards:
        lines.append("\t".join(
            _tsv_field(x) for x in (anki_guid(c), c["term"], c["definition"], ", ".join(c["aliases"]), c["slug"])
        ))
    return "\n".join(lines) + "\n"


def _apkg(cards: list[dict], path) -> None:
    import html

    import genanki

    model = genanki.Model(
        ANKI_MODEL_ID,
        "kb definition",
        fields=[{"name": "Term"}, {"name": "Definition"}, {"name": "Aliases"}, {"name": "Slug"}],
        templates=[{
            "name": "term → definition",
            "qfmt": "{{Term}}<br><small>{{Aliases}}</small>",
            "afmt": "{{FrontSide}}<hr id=answer>{{Definition}}<br><small>{{Slug}}</small>",
        }],
    )
    deck = genanki.Deck(ANKI_DECK_ID, "kb")
    for c in cards:
        # Post text is data: its control characters (ESC, C1, bidi overrides) stay out of the deck.
        term, definition, aliases, slug = (html.escape(sanitize(x)) for x in (c["term"], c["definition"],
                                                                             ", ".join(c["aliases"]), c["slug"]))
        # The answer side: the best-worded definition, then how the term's other posts define it.
        for other in c.get("others", []):
            definition += f"<br><small>{html.escape(sanitize(other['slug']))}: {html.escape(sanitize(other['definition']))}</small>"
        deck.add_note(genanki.Note(model=model, fields=[term, definition, aliases, slug], guid=anki_guid(c)))
    genanki.Package(deck).write_to_file(str(path))
