"""What a new user's audit of the command line found: exit codes as grep, sources named by where
they are, a damaged database said as such, through the real CLI on real SQLite files."""
from __future__ import annotations

import os
import shutil
import sqlite3

from conftest import CAPTURES

NOTE = "hello world, this is a line\nand another short one\n"


def test_cards_with_nothing_to_list_exit_1_as_grep(kb, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text(NOTE, encoding="utf-8")
    assert kb("import", "--force", note).code == 0  # posts, but no definition in them
    r = kb("cards")
    assert r.code == 1 and r.stdout == "" and r.stderr == "kb: no cards\n"
    r = kb("cards", "--json")
    assert r.code == 1 and r.json() == []


def test_cards_of_a_topic_listed_exit_0(kb, imported):
    r = kb("cards", "--topic", "flow")
    assert r.code == 0 and "rectified flow" in r.stdout
