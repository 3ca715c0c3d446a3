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


def test_two_files_of_one_name_imported_from_their_folders_are_two_sources(kb, tmp_path, monkeypatch):
    # Saved pages are often called the same (index.html, page.html): imported by a relative name
    # from each folder, the second is another file, not the first one changed.
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    shutil.copy(CAPTURES[0], a / "cap.txt")
    shutil.copy(CAPTURES[3], b / "cap.txt")
    monkeypatch.chdir(a)
    assert kb("import", "cap.txt").code == 0
    monkeypatch.chdir(b)
    assert kb("import", "cap.txt").code == 0
    rows = kb("sources", "--json").json()
    assert sorted(r["path"] for r in rows) == [str(a / "cap.txt"), str(b / "cap.txt")]
    stats = kb("stats", "--json").json()
    assert stats["sources"] == 2 and stats["sightings"] == 12 + 11
    # the posts-first-seen column adds up to every post: none is left without a source
    assert sum(r["posts_first_seen"] for r in rows) == stats["posts"]
    # and a source is named by its path from anywhere
    monkeypatch.chdir(tmp_path)
    r = kb("forget", str(a / "cap.txt"), "--dry-run", "--json")
    assert r.code == 0 and r.json()["sources"][0]["path"] == str(a / "cap.txt")


def test_a_changed_file_at_the_same_place_named_another_way_replaces_its_sightings(kb, tmp_path, monkeypatch):
    folder = tmp_path / "caps"
    folder.mkdir()
    shutil.copy(CAPTURES[0], folder / "cap.txt")
    monkeypatch.chdir(folder)
    assert kb("import", "cap.txt").code == 0
    shutil.copy(CAPTURES[3], folder / "cap.txt")  # the same file, saved again
    assert kb("import", folder / "cap.txt").code == 0
    assert kb("stats", "--json").json()["sources"] == 1
    assert [r["sightings"] for r in kb("sources", "--json").json()] == [11]


def test_export_to_dash_is_a_usage_error_not_a_file_named_dash(kb, imported, tmp_path, monkeypatch):
    # kb import - reads stdin; kb cards export - must not quietly write a file called "-".
    monkeypatch.chdir(tmp_path)
    for fmt in ("json", "tsv", "apkg"):
        r = kb("cards", "export", "--format", fmt, "-")
        assert r.code == 2 and r.stderr.startswith("kb: error: ") and len(r.stderr.splitlines()) == 1
        assert not (tmp_path / "-").exists()


def test_one_line_summaries_stay_one_line_in_a_pipe(kb, tmp_path):
    # kb import | grep 'errors: 0' must find it: Rich folded the summary at the pipe's width.
    r = kb("import", *CAPTURES)
    assert r.code == 0
    assert r.stdout == ("files read: 5, excerpts seen: 59, new posts: 43, merged duplicates: 16, "
                        "unchanged files skipped: 0, errors: 0\n")
    r = kb("forget", CAPTURES[4], "--yes")
    assert r.code == 0 and r.stdout.splitlines()[-1].startswith("forgot 1 source: 12 sightings, ")
    assert r.stdout.splitlines()[-1].endswith(" reviewed, kept aside)")


def test_sources_paths_are_whole_in_a_pipe(kb, tmp_path):
    deep = tmp_path / ("a-rather-long-folder-name-for-captures" * 2) / "saved-listing-page-of-the-blog.txt"
    deep.parent.mkdir(parents=True)
    shutil.copy(CAPTURES[0], deep)
    assert kb("import", deep).code == 0
    lines = kb("sources").stdout.splitlines()
    assert len(lines) == 2 and lines[1].endswith(str(deep))


def test_forget_without_a_database_creates_none(kb, tmp_path):
    db = tmp_path / "kbhome" / "kb.db"
    r = kb("forget", "page.html", "--yes")
    assert r.code == 1 and r.stderr == f"kb: error: no database at {db} (run kb import, or any reading command)\n"
    assert not db.exists()


def test_json_is_utf8_whatever_the_locale_says(imported, tmp_path):
    # --json is UTF-8 (non-ASCII not escaped) even where Python's stdout encoding is not.
    import json
    import subprocess
    import sys

    from conftest import ROOT

    env = dict(os.environ, KB_DB=str(imported), PYTHONIOENCODING="ascii", LC_ALL="C")
    for args in (["latest", "--json", "-n", "3"], ["search", "扩散模型", "--json", "-n", "2"], ["topics", "--json"]):
        r = subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, env=env, cwd=ROOT, timeout=60)
        assert r.returncode == 0, r.stderr
        data = json.loads(r.stdout.decode("utf-8"))
        assert data and any(ord(ch) > 127 for ch in r.stdout.decode("utf-8"))


def test_a_terminal_that_cannot_show_chinese_is_one_line_saying_so(imported):
    import subprocess
    import sys

    from conftest import ROOT

    env = dict(os.environ, KB_DB=str(imported), PYTHONIOENCODING="latin-1")
    r = subprocess.run([sys.executable, "-m", "kb", "latest", "-n", "2"], capture_output=True, env=env, cwd=ROOT,
                       timeout=60, text=True, encoding="utf-8", errors="replace")
    assert r.returncode == 1
    assert r.stderr == ("kb: error: the output's encoding (latin-1) cannot show this text: use a UTF-8 locale"
                        " or set PYTHONIOENCODING=utf-8\n")


def test_a_folder_without_captures_is_an_error_not_a_silent_success(kb, tmp_path):
    empty = tmp_path / "downloads"
    (empty / "pictures").mkdir(parents=True)
    (empty / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    r = kb("import", empty)
    assert r.code == 1
    assert r.stderr == f"kb: error: {empty}: no capture files in this folder (*.txt, *.html, *.htm, *.md)\n"
    # a folder holding captures already imported is no error: they are unchanged
    d = tmp_path / "caps"
    d.mkdir()
    shutil.copy(CAPTURES[0], d / "a.txt")
    assert kb("import", d).code == 0
    r = kb("import", d, "--json")
    assert r.code == 0 and r.json()["unchanged_skipped"] == 1 and r.json()["errors"] == []


def test_an_argument_that_is_not_utf8_is_a_usage_error(kb, imported):
    # $'\xff\xfe' from a shell reaches Python as surrogates, which SQLite cannot bind.
    bad = b"\xff\xfe".decode("utf-8", "surrogateescape")
    card = kb("cards", "--json").json()[0]["id"]
    for args in (("show", bad), ("cards", "edit", card, "--term", bad)):
        r = kb(*args)
        assert r.code == 2, args
        assert r.stderr == "kb: error: an argument is not UTF-8 text (written in another encoding?): give it in UTF-8\n"


def test_no_editor_set_and_no_terminal_runs_no_vi(kb, imported, tmp_path, monkeypatch):
    # From a pipe, vi has no terminal: it hung a piped kb quiz at `e` and wrote escape codes into the pipe.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ran = tmp_path / "vi-ran"
    vi = bin_dir / "vi"
    vi.write_text(f"#!/bin/sh\ntouch {ran}\nexit 1\n")
    vi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    card = kb("cards", "--json").json()[0]["id"]
    r = kb("cards", "edit", card)
    assert r.code == 1 and not ran.exists()
    assert r.stderr == ("kb: error: no editor: set $EDITOR (vi needs a terminal), or give --term and --definition\n")
