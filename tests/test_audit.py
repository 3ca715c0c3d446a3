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


def _damage(db) -> None:
    """Overwrite part of every fifth page past the first few, as a failing disk would."""
    import random

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    rng = random.Random(0)
    size = os.path.getsize(db)
    with open(db, "r+b") as f:
        for off in range(4096 * 3, size, 4096 * 5):
            f.seek(off + 100)
            f.write(bytes(rng.randrange(256) for _ in range(600)))


def test_doctor_fix_on_a_damaged_database_says_damaged_not_a_bug_of_kb(kb, imported):
    _damage(imported)
    r = kb("doctor", "--fix")
    assert r.code == 1
    assert "bug in kb" not in r.stderr and "internal error" not in r.stderr
    assert "bug in kb" not in r.stdout
    # doctor reports what it found: the damage, not a rebuild that failed as kb's bug
    integrity = next(line for line in r.stdout.splitlines() if line.startswith("sqlite integrity"))
    assert "PROBLEM" in integrity
