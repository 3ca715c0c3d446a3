"""Editing a card in the user's editor, as git edits a commit message: the card written to a temporary
file, $VISUAL or $EDITOR run on it, the text read back; an emptied or unchanged file changes nothing.

The file: the term on the first line, a blank line, the definition; lines starting with # are ignored.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

from kb.errors import KbError

HELP = """\
# Editing card {id} ({kind}) of {derived_term}, from {slug}.
# The first line is the term; the text after the blank line is the definition.
# Lines starting with # are ignored. Empty the file, or leave it as it is, to change nothing.
# Your text replaces the posts' on every kind of this card, in kb quiz, kb cards and the exports,
# through re-imports and kb doctor --fix; kb cards edit {id} --revert brings the posts' back.
"""


def card_text(card: dict, derived: dict | None = None) -> str:
    """What the editor opens: the card's term and definition as shown, then the instructions."""
    derived = derived or card
    return (f"{card['term']}\n\n{card['definition']}\n\n"
            + HELP.format(id=card["id"], kind=card["kind"], derived_term=derived["term"], slug=card["slug"]))


def parse(text: str) -> tuple[str, str] | None:
    """(term, definition) from the edited text; None when nothing is left."""
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n") if not ln.lstrip().startswith("#")]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    term = lines[0].strip()
    definition = "\n".join(lines[1:]).strip()
    return term, definition


def editor_command() -> str:
    """$VISUAL (on a terminal that can show it), else $EDITOR, else vi: git's choice without its config."""
    term = os.environ.get("TERM", "")
    for name in (("VISUAL",) if term not in ("", "dumb") else ()) + ("EDITOR",):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    if shutil.which("vi") and sys.stdin.isatty() and sys.stdout.isatty():
        return "vi"
    # Without a terminal vi cannot be used: from a pipe it read the rest of the input and hung.
    raise KbError("no editor: set $EDITOR (vi needs a terminal), or give --term and --definition")


def run_editor(text: str) -> str:
    """Open text in the user's editor and return what it holds when the editor exits."""
    editor = editor_command()
    fd, path = tempfile.mkstemp(prefix="kb-card-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        # Through the shell, as git does: EDITOR may carry arguments ("code --wait", "emacs -nw").
        try:
            done = subprocess.run(["sh", "-c", f'{editor} "$@"', editor, path])
        except OSError as exc:
            raise KbError(f"cannot run the editor {editor!r}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise KbError(f"the editor {editor!r} exited with status {done.returncode}: the card is unchanged")
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def edit(card: dict, derived: dict | None = None) -> tuple[str, str] | None:
    """The user's (term, definition) for the card, or None when they changed nothing.

    card: as shown (kb.cards.store.card_dict, the user's edit applied); derived: the posts' wording."""
    found = parse(run_editor(card_text(card, derived)))
    if found is None:
        return None
    term, definition = found
    if not term or not definition:
        raise KbError("the term or the definition is empty: the card is unchanged")
    if (term, definition) == (card["term"], card["definition"]):
        return None
    return term, definition
