"""Reviewing from kb browse: the cards kb quiz would pick, kb quiz's keys, and the grades stored exactly
as kb quiz stores them (the same keys on two copies of a database give the same review rows)."""
from __future__ import annotations

import json
import sqlite3

import pytest
from textual.widgets import Input, Static

from kb.browse.app import ListScreen, Settings
from kb.browse.reading import ReadScreen
from kb.browse.studying import ReviewScreen
from tests.browsing import run, settle, shown, type_text


def copy_db(src, dst):
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


def stored(db) -> tuple[list, list]:
    conn = sqlite3.connect(db)
    reviews = conn.execute("SELECT card_id, rating, mode, answer FROM reviews ORDER BY id").fetchall()
    states = []
    for cid, fsrs, state in conn.execute("SELECT card_id, fsrs, state FROM card_schedule ORDER BY card_id"):
        f = json.loads(fsrs)
        states.append((cid, state, f.get("stability"), f.get("difficulty"), f.get("step")))
    conn.close()
    return reviews, states


# (mode, what kb quiz reads from a pipe (one key or answer a line), the same as browse keys/answers)
SESSIONS = [
    ("flashcard", ["", "3", "", "1", "", "4", "q"], ["enter", "3", "enter", "1", "enter", "4", "q"]),
    ("choice", ["1", "2", "1", "q"], ["1", "2", "1", "q"]),
    # right, a near miss counted (y), wrong, a typo of a Latin name (right), then q alone on the line
    ("typed", ["表示学习", "对比损", "y", "xyz", "Representaton Learning", "q"],
     [("表示学习",), ("对比损",), "y", ("xyz",), ("Representaton Learning",), ("q",)]),
]


@pytest.mark.parametrize("mode, lines, keys", SESSIONS, ids=[s[0] for s in SESSIONS])
def test_a_review_stores_what_kb_quiz_stores_for_the_same_keys(kb, imported, tmp_path, mode, lines, keys):
    quizzed = copy_db(imported, tmp_path / "quizzed.db")
    r = kb("--db", quizzed, "quiz", "--mode", mode, input="\n".join(lines) + "\n")
    assert r.code == 0, r
    expected = stored(quizzed)
    assert len(expected[0]) == 3 + (mode == "typed")  # the session graded what the keys said
    if mode == "typed":  # right, a near miss counted as right, wrong, a typo taken as right
        assert [rating for _, rating, _, _ in expected[0]] == [3, 2, 1, 3]

    async def scenario(app, pilot):
        await pilot.press("r")  # nothing searched, no category: every card, as a bare kb quiz
        assert isinstance(app.screen, ReviewScreen)
        for key in keys:
            if isinstance(key, tuple):  # a typed answer, then Enter
                assert app.screen.query_one("#typed", Input).has_focus
                await type_text(pilot, key[0])
                await pilot.press("enter")
            else:
                await pilot.press(key)
            await pilot.pause()
        return shown(app.screen.query_one("#card-text", Static))

    summary = run(imported, scenario, settings=Settings(mode=mode))
    assert stored(imported) == expected
    right = sum(1 for _, rating, _, _ in expected[0] if rating > 1)
    assert f"reviewed {len(expected[0])} · right {right} · next due" in summary


def test_r_in_the_reading_view_reviews_that_posts_cards(kb, imported):
    terms = {c["term"] for c in kb("cards", "--json").json()
             if c["kind"] == "definition" and "selfsupervised-mutual-1ab0" in c["sources"]}

    async def scenario(app, pilot):
        await pilot.press("slash")
        await type_text(pilot, "噪声对抗估计")
        await pilot.press("enter")
        assert isinstance(app.screen, ReadScreen) and app.screen.slug == "selfsupervised-mutual-1ab0"
        await pilot.press("r")
        assert isinstance(app.screen, ReviewScreen)
        asked = []
        while not app.screen.over:
            asked.append(app.screen.session.question()["term"])
            await pilot.press("enter", "3")
        text = shown(app.screen.query_one("#card-text", Static))
        await pilot.press("escape")
        assert isinstance(app.screen, ReadScreen)
        return asked, text

    asked, text = run(imported, scenario)
    assert set(asked) == terms and len(asked) == len(terms)
    assert "review: the cards of selfsupervised-mutual-1ab0" in text
    assert f"reviewed {len(terms)} · right {len(terms)}" in text
    conn = sqlite3.connect(imported)
    assert conn.execute("SELECT COUNT(*), MIN(rating) FROM reviews").fetchone() == (len(terms), 3)


def test_r_in_the_list_reviews_the_topic_in_the_search_box(kb, imported):
    expected = [q["card_id"] for q in kb("quiz", "--topic", "flow", "--json").json()]

    async def scenario(app, pilot):
        await pilot.press("slash")
        await type_text(pilot, "flow")
        await pilot.press("escape", "r")
        assert isinstance(app.screen, ReviewScreen)
        return list(app.screen.session.picked["ids"]), app.screen.label

    ids, label = run(imported, scenario)
    assert ids == expected and label == "topic flow"


def test_practise_records_nothing_and_a_read_only_database_says_why_r_cannot(kb, imported, monkeypatch):
    async def practise(app, pilot):
        await pilot.press("R", "enter", "3", "q")
        return shown(app.screen.query_one("#card-text", Static))

    assert "cram: nothing recorded" in run(imported, practise)
    assert sqlite3.connect(imported).execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 0

    async def refused(app, pilot):
        await pilot.press("r")
        assert isinstance(app.screen, ListScreen)
        return shown(app.screen.query_one("#status", Static))

    assert "read-only" in run(imported, refused, settings=Settings(readonly=True))


def test_nothing_due_says_when_the_next_card_is(kb, imported):
    async def scenario(app, pilot):
        await pilot.press("down", "down", "down", "enter", "r", "enter", "4", "q")  # its one card, Easy; back
        await pilot.press("r")
        return shown(app.screen.query_one("#status", Static))

    assert "nothing to review now in the cards of gumbel-softmax-c31d; next card due" in run(imported, scenario)
