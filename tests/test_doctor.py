"""`kb doctor [--fix]` on real databases: healthy, orphans, corruption, and reviews that survive
re-importing, --fix and a rebuild of the derived data.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys


from tests.conftest import CAPTURES


def kb_proc(*args, db) -> subprocess.CompletedProcess:
    env = dict(os.environ, KB_DB=str(db))
    return subprocess.run([sys.executable, "-m", "kb", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)


def findings(kb, *args):
    r = kb("doctor", "--json", *args)
    return r.code, {f["check"]: f for f in r.json()}


def test_healthy_database(kb, imported):
    code, found = findings(kb)
    assert code == 0
    assert found["sqlite integrity"]["ok"] and found["sqlite integrity"]["detail"] == "ok"
    assert all(f["ok"] for f in found.values()), found
    human = kb("doctor")
    assert human.code == 0 and "sqlite integrity" in human.stdout and "PROBLEM" not in human.stdout


def test_missing_database_is_not_created(kb, isolated_home):
    r = kb("doctor")
    assert r.code == 1 and "no database" in r.stderr
    assert not (isolated_home / "kb.db").exists()


def raw(db):
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")  # to make the damage doctor is for
    return conn


def test_orphan_sightings_are_found_and_removed(kb, imported):
    conn = raw(imported)
    conn.execute("INSERT INTO sightings (post_id, source_id, file, position, line, text, truncated)"
                 " VALUES (99999, 1, 'x.txt', 999, 1, 'lost', 0)")
    conn.close()
    code, found = findings(kb)
    assert code == 1
    assert not found["orphan sightings"]["ok"] and "1 sightings" in found["orphan sightings"]["detail"]
    assert not found["foreign keys"]["ok"]
    human = kb("doctor")
    assert human.code == 1 and "PROBLEM" in human.stdout
    code, found = findings(kb, "--fix")
    assert code == 0 and found["orphan sightings"]["fixed"]
    assert findings(kb)[0] == 0
    assert kb("stats", "--json").json()["sightings"] == 59


def test_corrupt_database_is_reported_in_one_line_or_a_finding(tmp_path):
    good = tmp_path / "good.db"
    assert kb_proc("import", *CAPTURES, db=good).returncode == 0  # a closed process: no -wal left
    data = bytearray(good.read_bytes())
    assert len(data) > 20 * 4096
    page = 4096
    # Scribble over the pages past the first two (the schema survives, the b-trees do not).
    for offset in range(2 * page, len(data), page):
        data[offset + 8: offset + 200] = b"\xa5" * 192
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(data))
    r = kb_proc("doctor", "--json", db=bad)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    if r.stdout:
        found = {f["check"]: f for f in json.loads(r.stdout)}
        assert not found["sqlite integrity"]["ok"]
    else:
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kb: error: ") and "bad.db" in lines[0]


# ---------------------------------------------------------------- reviews survive


def reviews_of(db) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM reviews ORDER BY id").fetchall()
    finally:
        conn.close()


def schedules_of(db) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT card_id, fsrs, due, state FROM card_schedule ORDER BY card_id").fetchall()
    finally:
        conn.close()


def test_reimport_fix_and_rebuild_keep_every_review(tmp_path):
    from kb.quiz import schedule
    from kb.store.connect import open_db

    folder = tmp_path / "caps"
    folder.mkdir()
    for p in CAPTURES:
        shutil.copy(p, folder / p.name)
    db = tmp_path / "kb.db"
    assert kb_proc("import", folder, db=db).returncode == 0
    cards = json.loads(kb_proc("cards", "--json", db=db).stdout)
    assert len(cards) >= 5
    conn = open_db(db)
    reviewed = [c["id"] for c in cards[:5]]
    for i, cid in enumerate(reviewed):
        schedule.review(conn, cid, 1 + i % 4, mode="flashcard")
    schedule.review(conn, reviewed[0], 3, mode="flashcard")
    conn.close()
    before = reviews_of(db)
    schedule_before = schedules_of(db)
    assert len(before) == 6

    # Re-importing the same files, then a changed file at a known path.
    assert kb_proc("import", folder, db=db).returncode == 0
    changed = folder / CAPTURES[0].name
    changed.write_text(changed.read_text(encoding="utf-8") + "\n一篇新增的文章摘录,讲的是复习记录不会丢失...\n",
                       encoding="utf-8")
    assert kb_proc("import", folder, db=db).returncode == 0
    assert reviews_of(db) == before and schedules_of(db) == schedule_before

    # doctor --fix rebuilds the cards and the search index.
    fix = kb_proc("doctor", "--fix", "--json", db=db)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    found = {f["check"]: f for f in json.loads(fix.stdout)}
    assert found["cards"]["fixed"]
    assert reviews_of(db) == before and schedules_of(db) == schedule_before

    # A changed dictionary makes the next search rebuild the whole index by itself.
    conn = raw(db)
    conn.execute("UPDATE meta SET value = 'an-old-dictionary' WHERE key = 'search_dict_hash'")
    conn.close()
    assert kb_proc("search", "扩散模型", "--json", db=db).returncode == 0
    conn = raw(db)
    assert conn.execute("SELECT value FROM meta WHERE key = 'search_dict_hash'").fetchone()[0] != "an-old-dictionary"
    conn.close()
    assert reviews_of(db) == before and schedules_of(db) == schedule_before

    # Damage a reviewed card's post link: the card and its history stay; doctor says so.
    conn = raw(db)
    conn.execute("UPDATE cards SET post_id = 99999 WHERE id = ?", (reviewed[1],))
    conn.close()
    code = kb_proc("doctor", "--fix", db=db).returncode
    assert code == 0
    assert reviews_of(db) == before
    stats = json.loads(kb_proc("stats", "--json", db=db).stdout)
    assert stats["reviews"] == 6
    listed = {c["id"] for c in json.loads(kb_proc("cards", "--json", db=db).stdout)}
    assert set(reviewed) - {reviewed[1]} <= listed


def test_an_index_out_of_step_with_its_table_fails_the_integrity_check(tmp_path):
    db = tmp_path / "kb.db"
    assert kb_proc("import", *CAPTURES, db=db).returncode == 0
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA writable_schema = ON")
    # The index now claims to hold slugs, but its entries are still ranks: SQLite's own damage.
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX idx_posts_rank ON posts(slug)' WHERE name = 'idx_posts_rank'")
    conn.close()
    r = kb_proc("doctor", "--json", db=db)
    assert r.returncode == 1, r.stderr
    found = {f["check"]: f for f in json.loads(r.stdout)}
    assert not found["sqlite integrity"]["ok"]
    assert "idx_posts_rank" in found["sqlite integrity"]["detail"]
    assert "restore a backup" in found["sqlite integrity"]["detail"]


def test_search_index_damage_and_a_changed_dictionary_are_found_and_rebuilt(tmp_path):
    db = tmp_path / "kb.db"
    assert kb_proc("import", *CAPTURES, db=db).returncode == 0
    conn = raw(db)
    indexed = conn.execute("SELECT COUNT(*) FROM search_fts").fetchone()[0]
    assert indexed == 43
    conn.execute("DELETE FROM search_fts WHERE rowid = (SELECT MIN(id) FROM posts)")
    conn.execute("INSERT INTO search_fts (rowid, title, body) VALUES (99999, 'ghost', 'ghost')")
    conn.execute("UPDATE meta SET value = 'an-old-dictionary' WHERE key = 'search_dict_hash'")
    conn.close()
    r = kb_proc("doctor", "--json", db=db)
    assert r.returncode == 1
    detail = {f["check"]: f for f in json.loads(r.stdout)}["search index"]["detail"]
    assert "1 posts missing from the index" in detail and "1 index rows without a post" in detail
    assert "another dictionary" in detail
    fix = kb_proc("doctor", "--fix", "--json", db=db)
    assert fix.returncode == 0, fix.stdout
    assert {f["check"]: f for f in json.loads(fix.stdout)}["search index"]["fixed"]
    after = kb_proc("doctor", "--json", db=db)
    assert after.returncode == 0 and {f["check"]: f for f in json.loads(after.stdout)}["search index"]["detail"] == "ok"
    conn = raw(db)
    assert conn.execute("SELECT COUNT(*) FROM search_fts").fetchone()[0] == 43
    conn.close()


def test_stale_related_posts_are_recomputed(tmp_path):
    db = tmp_path / "kb.db"
    assert kb_proc("import", *CAPTURES, db=db).returncode == 0
    conn = raw(db)
    good = conn.execute("SELECT COUNT(*) FROM related").fetchone()[0]
    assert good > 0
    conn.execute("UPDATE related SET other_id = 99999 WHERE rank = 1 AND post_id = (SELECT MIN(post_id) FROM related)")
    conn.close()
    r = kb_proc("doctor", "--json", db=db)
    assert r.returncode == 1
    assert {f["check"]: f for f in json.loads(r.stdout)}["related posts"]["detail"].startswith("1 rows naming a missing post")
    assert kb_proc("doctor", "--fix", db=db).returncode == 0
    conn = raw(db)
    assert conn.execute("SELECT COUNT(*) FROM related WHERE other_id = 99999").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM related").fetchone()[0] == good
    conn.close()
    assert kb_proc("doctor", db=db).returncode == 0


def test_dropped_tables_are_found_and_derived_ones_recreated(tmp_path):
    """A dropped search index or vocabulary made doctor say ok while every search failed."""
    from kb.quiz import schedule
    from kb.store.connect import open_db

    db = tmp_path / "kb.db"
    assert kb_proc("import", *CAPTURES, db=db).returncode == 0
    cid = json.loads(kb_proc("cards", "--json", db=db).stdout)[0]["id"]
    conn = open_db(db)
    schedule.review(conn, cid, 3, mode="flashcard")
    conn.close()
    before = reviews_of(db)
    conn = raw(db)
    conn.execute("DROP TABLE search_vocab")
    conn.execute("DROP TABLE search_fts")
    conn.close()
    assert kb_proc("search", "扩散模型", db=db).returncode == 1

    check = kb_proc("doctor", "--json", db=db)
    assert check.returncode == 1
    schema = {f["check"]: f for f in json.loads(check.stdout)}["schema"]
    assert not schema["ok"] and "search_fts, search_vocab" in schema["detail"] and "--fix" in schema["detail"]
    fix = kb_proc("doctor", "--fix", "--json", db=db)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert kb_proc("doctor", db=db).returncode == 0
    hits = json.loads(kb_proc("search", "扩散模型", "--json", db=db).stdout)
    assert hits and reviews_of(db) == before

    # Tables that hold what cannot be derived again are reported, never recreated empty.
    conn = raw(db)
    conn.execute("DROP TABLE sources")
    conn.close()
    fix = kb_proc("doctor", "--fix", "--json", db=db)
    schema = {f["check"]: f for f in json.loads(fix.stdout)}["schema"]
    assert fix.returncode == 1 and "missing table sources" in schema["detail"] and "backup" in schema["detail"]
    assert reviews_of(db) == before
