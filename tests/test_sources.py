"""kb sources (what each imported file brought), kb doctor on posts that are markup, and kb forget
(taking a source back, its reviewed cards kept aside until it comes back)."""
from __future__ import annotations

import json
import shutil
import sqlite3

from tests.conftest import CAPTURES
from tests.pages import markdown_clip, saved_page


def test_sources_lists_every_file_with_what_it_brought(kb, tmp_path):
    clip = tmp_path / "clip.md"
    clip.write_text(markdown_clip(CAPTURES[2].read_text(encoding="utf-8")), encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text(saved_page(CAPTURES[3].read_text(encoding="utf-8"))[0], encoding="utf-8")
    assert kb("import", *CAPTURES[:2], clip, page).code == 0
    rows = kb("sources", "--json").json()
    assert [r["path"] for r in rows] == [str(CAPTURES[0]), str(CAPTURES[1]), str(clip), str(page)]
    assert [r["format"] for r in rows] == ["text", "text", "markdown", "html"]
    assert [(r["excerpts"], r["sightings"]) for r in rows] == [(12, 12), (12, 12), (12, 12), (11, 11)]
    # First seen: the earliest import with a sighting; together they are every post once.
    stats = kb("stats", "--json").json()
    assert sum(r["posts_first_seen"] for r in rows) == stats["posts"]
    assert rows[0]["posts_first_seen"] == 12 and rows[1]["posts_first_seen"] == 12
    conn = sqlite3.connect(tmp_path / "kbhome" / "kb.db")
    for r in rows:  # seen only there: the posts no other source has a sighting of
        only = conn.execute(
            "SELECT COUNT(*) FROM (SELECT post_id FROM sightings GROUP BY post_id HAVING COUNT(DISTINCT source_id) = 1"
            " AND MIN(source_id) = (SELECT id FROM sources WHERE path = ?))", (r["path"],)).fetchone()[0]
        assert r["posts_only_here"] == only
    assert rows[2]["provenance"] == {"source": "https://kexue.fm/page/2", "created": "2026-01-25"}
    assert all(len(r["sha256"]) == 64 and r["imported_at"].endswith("Z") for r in rows)
    human = kb("sources")
    assert human.code == 0 and "markdown" in human.stdout and "https://kexue.fm/page/2" in human.stdout


def test_sources_of_an_empty_database(kb, tmp_path):
    assert kb("sources").code == 1 and "no database" in kb("sources").stderr
    assert kb("import", CAPTURES[0]).code == 0
    conn = sqlite3.connect(tmp_path / "kbhome" / "kb.db")
    conn.execute("DELETE FROM sightings")
    conn.execute("DELETE FROM sources")
    conn.commit()
    r = kb("sources", "--json")
    assert r.code == 1 and r.json() == []


def test_doctor_reports_posts_that_are_markup(kb, tmp_path):
    junk = tmp_path / "cards.txt"  # no page start: read as text, and refused as markup
    junk.write_text("这一页的卡片如下所列,都是从网页的源代码里复制出来的内容\n"
                    + "\n".join(f'<div class="card"><p>第{i}张卡片的摘录文字,讲的是扩散模型的训练</p></div>' for i in range(5)) + "\n",
                    encoding="utf-8")
    r = kb("import", junk)
    assert r.code == 1 and "not a listing page" in r.stderr and "markup" in r.stderr
    assert kb("import", "--force", junk).code == 0
    doctor = kb("doctor", "--json")
    assert doctor.code == 1
    found = next(f for f in doctor.json() if f["check"] == "markup posts")
    assert not found["ok"] and found["detail"].startswith("5 posts look like HTML markup") and str(junk) in found["detail"]
    # --fix leaves them: which source goes is the user's call (kb forget).
    fixed = next(f for f in kb("doctor", "--fix", "--json").json() if f["check"] == "markup posts")
    assert not fixed["ok"] and not fixed["fixed"]
    assert kb("stats", "--json").json()["posts"] == 6


# ---------------------------------------------------------------- kb forget


def connect(db):
    from kb.store.connect import open_db

    return open_db(db)


def cards_seen_only_in(db, name: str) -> list[str]:
    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute(
        "SELECT c.id FROM cards c WHERE c.active = 1 AND c.post_id IN (SELECT post_id FROM sightings GROUP BY post_id"
        " HAVING COUNT(DISTINCT source_id) = 1 AND MIN(source_id) = (SELECT id FROM sources WHERE name = ?)) ORDER BY c.id",
        (name,))]
    conn.close()
    return ids


def review(db, card_ids: list[str], rating: int = 3) -> None:
    """Grade cards as the quiz does (kb.quiz.schedule.review commits each grade)."""
    import datetime as dt

    from kb.quiz import schedule

    conn = connect(db)
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
    for k, cid in enumerate(card_ids):
        schedule.review(conn, cid, rating, mode="flashcard", now=start + dt.timedelta(minutes=k))
        schedule.review(conn, cid, 4, mode="flashcard", now=start + dt.timedelta(days=1, minutes=k))
    conn.close()


def history(db, card_ids: list[str]) -> list[tuple]:
    conn = sqlite3.connect(db)
    marks = ",".join("?" * len(card_ids))
    rows = sorted(conn.execute(f"SELECT card_id, rating, reviewed_at, mode, answer, log FROM reviews WHERE card_id IN ({marks})", card_ids))
    rows += sorted(conn.execute(f"SELECT card_id, fsrs, due, state, updated_at FROM card_schedule WHERE card_id IN ({marks})", card_ids))
    conn.close()
    return rows


def test_forget_takes_a_source_back_and_reimporting_restores_its_reviews(kb, tmp_path):
    db = tmp_path / "kbhome" / "kb.db"
    folder = tmp_path / "caps"
    folder.mkdir()
    for p in CAPTURES:
        shutil.copy(p, folder / p.name)
    assert kb("import", folder).code == 0
    name = CAPTURES[1].name  # ten posts seen only there
    only = cards_seen_only_in(db, name)
    assert len(only) >= 6
    reviewed = only[:5]
    review(db, reviewed)
    before = history(db, reviewed)
    assert len(before) == 5 * 2 + 5
    stats = kb("stats", "--json").json()

    plan = kb("forget", name, "--dry-run", "--json")
    assert plan.code == 0, plan
    figures = plan.json()
    assert figures | {"posts_shown": None, "cards": None, "reviewed_cards": None} == {
        "sources": [{"path": str(folder / name), "name": name, "format": "text", "sightings": 12}],
        "sightings": 12, "posts": 10, "posts_shown": None, "posts_kept": 2, "cards": None,
        "reviewed_cards": None, "forgotten": False}
    assert len(figures["posts_shown"]) == 10
    # The cards that go are those no post left supports (a card of a term another post defines stays).
    going, kept_aside = figures["cards"], figures["reviewed_cards"]
    assert 1 <= kept_aside <= 5 and kept_aside <= going <= len(only)
    assert kb("stats", "--json").json() == stats  # a dry run changes nothing

    done = kb("forget", name, "--yes")
    assert done.code == 0, done
    assert done.stdout.strip().endswith(f"forgot 1 source: 12 sightings, 10 posts, {going} cards ({kept_aside} reviewed, kept aside)")
    after = kb("stats", "--json").json()
    assert (after["posts"], after["sightings"], after["sources"]) == (33, 47, 4)
    assert after["cards"] == stats["cards"] - going
    assert after["reviews"] == 2 * (5 - kept_aside)  # the reviews of the cards that stayed stay
    assert [s["name"] for s in kb("sources", "--json").json()] == [p.name for p in CAPTURES if p.name != name]
    assert kb("show", "faster-rcnn-cnn-75b0").code == 1  # gone from reading and search
    assert "faster-rcnn-cnn-75b0" not in {r["slug"] for r in kb("search", "Faster RCNN", "-n", "0", "--json").json()}
    doctor = kb("doctor", "--json")
    assert doctor.code == 0, doctor.stdout
    aside = next(f for f in doctor.json() if f["check"] == "cards kept aside")
    assert aside["ok"] and aside["detail"].startswith(f"{kept_aside} reviewed cards of forgotten posts")
    # A rebuild of everything derived leaves them aside.
    assert kb("doctor", "--fix").code == 0
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM cards_aside").fetchone()[0] == kept_aside

    again = kb("import", folder, "--json")
    assert again.code == 0, again
    assert again.json()["cards_restored"] == kept_aside and again.json()["new_posts"] == 10
    assert history(db, reviewed) == before
    assert kb("stats", "--json").json() == stats
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM cards_aside").fetchone()[0] == 0
    assert kb("doctor").code == 0


def test_forgetting_a_source_gives_the_database_that_never_had_it(kb, tmp_path):
    from tests.conftest import db_content

    full, never = tmp_path / "full.db", tmp_path / "never.db"
    gone = CAPTURES[2]  # its posts are also in other captures, some longer there, some shorter
    assert kb("--db", full, "import", *CAPTURES).code == 0
    assert kb("--db", never, "import", *[p for p in CAPTURES if p != gone]).code == 0
    r = kb("--db", full, "forget", str(gone), "--yes", "--json")
    assert r.code == 0, r
    assert r.json()["forgotten"] and r.json()["posts_kept"] > 0
    assert db_content(full) == db_content(never)


def test_forget_refuses_without_a_terminal_or_a_source(kb, tmp_path):
    assert kb("import", *CAPTURES[:2]).code == 0
    stats = kb("stats", "--json").json()
    r = kb("forget", CAPTURES[0].name)
    assert r.code == 2 and "add --yes (nothing was removed)" in r.stderr
    assert "would forget:" in r.stdout
    missing = kb("forget", "nope.txt", "--yes")
    assert missing.code == 1 and "no imported source 'nope.txt'" in missing.stderr
    assert kb("forget", "--yes").code == 2  # no source named
    assert kb("stats", "--json").json() == stats
    # A hash prefix names a source too.
    sha = kb("sources", "--json").json()[1]["sha256"]
    assert kb("forget", sha[:8], "--yes").code == 0
    assert [s["name"] for s in kb("sources", "--json").json()] == [CAPTURES[0].name]


def test_forget_asks_on_a_terminal(tmp_path):
    import os
    import sys

    pexpect = __import__("pexpect")
    env = dict(os.environ, KB_DB=str(tmp_path / "kb.db"), KB_HOME=str(tmp_path), NO_COLOR="1", KB_WIDTH="100")
    for p in CAPTURES[:2]:
        assert os.system(f"{sys.executable} -m kb --db {tmp_path / 'kb.db'} import {p} > /dev/null") == 0

    def run(answer: str) -> tuple[int, str]:
        child = pexpect.spawn(sys.executable, ["-m", "kb", "forget", CAPTURES[1].name], env=env, encoding="utf-8", timeout=60)
        child.expect(r"Forget this source\? \[y/N\]: ")
        child.sendline(answer)
        child.expect(pexpect.EOF)
        child.close()
        return child.exitstatus, child.before

    code, said = run("n")
    assert code == 1 and "nothing forgotten" in said
    conn = sqlite3.connect(tmp_path / "kb.db")
    assert conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 2
    code, said = run("y")
    assert code == 0 and "forgot 1 source" in said
    assert conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 1
