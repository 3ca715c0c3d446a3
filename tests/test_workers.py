"""Import workers: what they compute ahead is what the importer would have computed and asks for
(nothing computed twice), and an import with workers writes the same database as one without.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from kb import derived
from kb.ingest import importer
from kb.ingest import workers as prepare
from kb.posts import capture
from kb.store.connect import open_db
from tests.conftest import CAPTURES


def _preparers():
    return [importer.prepare_post, *derived.preparers()]


def test_workers_and_the_importer_share_the_files_and_compute_the_same(tmp_path):
    paths = [str(p) for p in CAPTURES]
    expected = {}
    for path in paths:
        for ex in capture.parse_bytes(Path(path).read_bytes()).excerpts:
            expected[ex.text] = ex
    with prepare.Workers(1, len(paths), _preparers()) as workers:
        for _ in workers.prepare(paths):
            pass
        memo = dict(workers.ahead._memo)
    names = {name.rsplit(".", 1)[-1] for name, _ in memo}
    assert names == {"slug_stem", "body_form", "extract", "post_terms", "subject_titles"}
    texts = {text for name, text in memo if name.endswith(".slug_stem")}
    assert texts == set(expected)  # every excerpt of every file, whoever prepared it
    functions = {prepare.fn_key(fn): fn for fn in (importer.naming.slug_stem,)}
    from kb.cards.store import extract
    from kb.search.related import post_terms
    from kb.search.index import body_form
    from kb.show.subject import subject_titles

    functions.update({prepare.fn_key(fn): fn for fn in (extract, post_terms, body_form, subject_titles)})
    for (name, text), value in memo.items():
        assert value == functions[name](text), (name, text[:40])


def test_an_import_with_workers_computes_nothing_twice(tmp_path, monkeypatch):
    """Every derivation the importer and the derived parts ask for, of a text the workers
    prepared, was ready: the workers compute exactly what the hooks use (misses == 0)."""
    monkeypatch.setenv("KB_JOBS", "1")
    conn = open_db(tmp_path / "kb.db")
    report = importer.import_paths(conn, [str(p) for p in CAPTURES])
    assert report.new_posts == 43 and not report.errors
    assert report.precomputed_hits >= 43 * 5  # title, slug, index cut, definitions, terms of each new post
    assert report.precomputed_misses == 0


def test_the_ahead_object_counts_what_it_was_not_given():
    ahead = prepare.Ahead()
    ahead.add(({(prepare.fn_key(len), "abc"): 3}, ["abc"]))
    assert ahead(len, "abc") == 3 and ahead.hits == 1
    assert ahead(len, "abc") == 3 and ahead.misses == 1  # used once: asked again, it is computed again
    assert ahead(str.upper, "other text") == "OTHER TEXT" and ahead.misses == 1  # never prepared: no miss


def test_a_result_asked_for_twice_where_it_was_made_is_kept_for_both_uses():
    record = prepare.Recorder()
    calls = []

    def count(text):
        calls.append(text)
        return len(text)

    assert record(count, "abc") == record(count, "abc") == 3 and calls == ["abc"]  # computed once
    ahead = prepare.Ahead()
    ahead.add((record.results, ["abc"], record.uses))
    assert ahead(count, "abc") == 3 and ahead(count, "abc") == 3
    assert (ahead.hits, ahead.misses, calls) == (2, 0, ["abc"])
    assert ahead._memo == {}  # released after its last use
    assert ahead(count, "abc") == 3 and ahead.misses == 1


def test_a_file_that_cannot_be_read_prepares_nothing(tmp_path):
    bad = tmp_path / "binary.txt"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    with prepare.Workers(1, 2, _preparers()) as workers:
        for _ in workers.prepare([str(bad), str(tmp_path / "missing.txt")]):
            pass
        assert workers.ahead._memo == {}


def _dump(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        return {
            "posts": conn.execute(
                "SELECT id, slug, title, text, truncated, category, date, rank, date_after, date_before"
                " FROM posts ORDER BY id").fetchall(),
            "sightings": conn.execute(
                "SELECT post_id, file, position, line, text, category, date FROM sightings ORDER BY id").fetchall(),
            "cards": conn.execute(
                "SELECT id, post_id, term, aliases, definition, kind, pattern, position FROM cards ORDER BY id").fetchall(),
            "fts": conn.execute("SELECT rowid, title, body FROM search_fts ORDER BY rowid").fetchall(),
            "vocab": conn.execute("SELECT term, doc, cnt FROM search_vocab ORDER BY term").fetchall(),
            "tokens": conn.execute("SELECT value FROM meta WHERE key = 'search_tokens'").fetchall(),
            "related": conn.execute("SELECT * FROM related ORDER BY post_id, rank").fetchall(),
        }
    finally:
        conn.close()


def test_an_import_with_workers_equals_one_without(tmp_path):
    dumps = {}
    for jobs in ("0", "2"):
        db = tmp_path / f"jobs{jobs}.db"
        env = dict(os.environ, KB_DB=str(db), KB_JOBS=jobs)
        done = subprocess.run([sys.executable, "-m", "kb", "import", *map(str, CAPTURES)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        dumps[jobs] = _dump(db)
    assert len(dumps["0"]["posts"]) == 43 and dumps["0"]["cards"] and dumps["0"]["related"]
    for table in dumps["0"]:
        assert dumps["2"][table] == dumps["0"][table], table


def test_jobs_setting(monkeypatch):
    cores = os.cpu_count() or 1
    monkeypatch.setenv("KB_JOBS", "1")
    assert prepare.jobs(10, 2) == 1
    monkeypatch.setenv("KB_JOBS", "1000")
    assert prepare.jobs(10, 2) == cores  # never more workers than cores
    assert prepare.jobs(10**9, 1) == 0  # one file: nothing to overlap with
    monkeypatch.setenv("KB_JOBS", "0")
    assert prepare.jobs(10**9, 100) == 0
    monkeypatch.delenv("KB_JOBS")
    assert prepare.jobs(prepare.AUTO_MIN_BYTES - 1, 100) == 0  # small imports stay in one process
    assert prepare.jobs(prepare.AUTO_MIN_BYTES, 100) == max(0, (os.cpu_count() or 1) - 1)


def test_results_folders_of_dead_importers_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"{prepare.FOLDER_PREFIX}{dead.stdout.strip()}-abc"
    stale.mkdir()
    (stale / "3.pickle").write_bytes(b"x")
    live = tmp_path / f"{prepare.FOLDER_PREFIX}{os.getpid()}-def"
    live.mkdir()
    other = tmp_path / "someone-elses"
    other.mkdir()
    with prepare.Workers(1, 1, _preparers()) as workers:
        mine = [p for p in tmp_path.iterdir() if p.name.startswith(prepare.FOLDER_PREFIX) and p != live]
        assert not stale.exists() and live.exists() and other.exists()
        assert [p.name.split("-")[2] for p in mine] == [str(os.getpid())]  # its own, named after it
        for _ in workers.prepare([str(CAPTURES[0])]):
            pass
    assert not any(p.name.startswith(prepare.FOLDER_PREFIX) and p != live for p in tmp_path.iterdir())
