"""Shared fixtures: every test gets its own KB_HOME/KB_DB under tmp_path, never the user's home.

`kb` runs the real CLI in-process (typer's CliRunner) and returns the result.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli import app

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CAPTURES = sorted(DATA.glob("*.txt"))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "kbhome"
    monkeypatch.setenv("KB_HOME", str(home))
    monkeypatch.setenv("KB_DB", str(home / "kb.db"))
    monkeypatch.setenv("KB_CONFIG", str(tmp_path / "no-config.yaml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KB_WIDTH", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("PAGER", raising=False)
    return home


class Run:
    def __init__(self, result):
        self.result = result
        self.code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return f"<Run code={self.code} stdout={self.stdout[:300]!r} stderr={self.stderr[:300]!r}>"


@pytest.fixture
def kb():
    runner = CliRunner()

    def run(*args, input=None):
        result = runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
        return Run(result)

    return run


@pytest.fixture
def imported(kb, tmp_path):
    """A database holding the five bundled captures; returns the path."""
    db = tmp_path / "kbhome" / "kb.db"
    r = kb("import", *CAPTURES)
    assert r.code == 0, r
    return db


@pytest.fixture
def captures_dir(tmp_path):
    d = tmp_path / "captures"
    d.mkdir()
    for p in CAPTURES:
        shutil.copy(p, d / p.name)
    return d


def db_content(db: Path) -> dict:
    """The database's content, ids and times aside: a sighting is named by its file's stem."""
    conn = sqlite3.connect(db)
    slug = dict(conn.execute("SELECT id, slug FROM posts"))
    out = {
        "posts": sorted(conn.execute(
            "SELECT slug, title, text, block, truncated, category, date, rank, date_after, date_before FROM posts")),
        "sightings": sorted(
            (Path(file).stem, slug[post], position, text, truncated, category, date)
            for file, post, position, text, truncated, category, date in conn.execute(
                "SELECT file, post_id, position, COALESCE(text, (SELECT p.text FROM posts p WHERE p.id = post_id)),"
                " truncated, category, date FROM sightings")),
        "cards": sorted(conn.execute(
            "SELECT id, slug, term, norm_term, aliases, definition, kind, pattern, position, active FROM cards")),
        "index": sorted((slug[rowid], title, body) for rowid, title, body in conn.execute("SELECT rowid, title, body FROM search_fts")),
        "related": sorted((slug[a], rank, slug[b], round(score, 9), terms)
                          for a, rank, b, score, terms in conn.execute("SELECT post_id, rank, other_id, score, terms FROM related")),
        "tokens": conn.execute("SELECT value FROM meta WHERE key = 'search_tokens'").fetchall(),
        "topics": sorted((topic, norm, slug[post]) for topic, norm, post in conn.execute(
            "SELECT topic, norm_term, post_id FROM topic_sources")),
        "topic_concepts": sorted(conn.execute("SELECT topic, norm_term FROM topic_concepts")),
        "topic_defs": sorted(conn.execute("SELECT topic, terms, expr FROM topic_defs")),
    }
    conn.close()
    return out
