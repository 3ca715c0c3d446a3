"""Reviewing from kb browse: the cards kb quiz would pick, kb quiz's keys, and the grades stored exactly
as kb quiz stores them (the same keys on two copies of a database give the same review rows)."""
from __future__ import annotations

import json
import sys
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


def closing(text: str) -> str:
    """The summary line up to its next-due time (which moves with the clock)."""
    line = next(x for x in text.splitlines() if x.startswith("reviewed "))
    return line.split(" · next due")[0]


# (mode, what kb quiz reads from a pipe (one key or answer a line), the same as browse keys/answers):
# an answer, then a grade (Enter: the one proposed, Good if right, Again if wrong).
SESSIONS = [
    ("flashcard", ["", "3", "", "1", "", "4", "q"], ["enter", "3", "enter", "1", "enter", "4", "q"]),
    ("choice", ["1", "", "2", "", "1", "", "q"], ["1", "enter", "2", "enter", "1", "enter", "q"]),
    # right, a near miss counted (2: Hard), wrong, a typo of a Latin name (right), then q alone on the line
    ("typed", ["表示学习", "", "对比损", "2", "xyz", "", "Representaton Learning", "", "q"],
     [("表示学习",), "enter", ("对比损",), "2", ("xyz",), "enter", ("Representaton Learning",), "enter", ("q",)]),
]


@pytest.mark.parametrize("mode, lines, keys", SESSIONS, ids=[s[0] for s in SESSIONS])
def test_a_review_stores_what_kb_quiz_stores_for_the_same_keys(kb, imported, tmp_path, monkeypatch, mode, lines, keys):
    monkeypatch.setenv("KB_QUIZ_SEED", "7")  # the choices in the same order in both
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
    assert f"reviewed {len(expected[0])} · right {right} · " in summary
    assert closing(summary) == closing(r.stdout)


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
        while not app.screen.over:  # Good on each: a new card comes back once for its learning step
            asked.append(app.screen.q["term"])
            await pilot.press("enter", "3")
        text = shown(app.screen.query_one("#card-text", Static))
        await pilot.press("escape")
        assert isinstance(app.screen, ReadScreen)
        return asked, text

    asked, text = run(imported, scenario)
    assert set(asked) == terms and len(asked) == 2 * len(terms)
    assert "review: the cards of selfsupervised-mutual-1ab0" in text
    assert f"reviewed {len(asked)} · right {len(asked)}" in text
    conn = sqlite3.connect(imported)
    assert conn.execute("SELECT COUNT(*), MIN(rating) FROM reviews").fetchone() == (len(asked), 3)


def test_r_in_the_list_reviews_the_topic_in_the_search_box(kb, imported):
    expected = [q["card_id"] for q in kb("quiz", "--topic", "flow", "--json").json()]

    async def scenario(app, pilot):
        await pilot.press("slash")
        await type_text(pilot, "flow")
        await pilot.press("escape", "r")
        assert isinstance(app.screen, ReviewScreen)
        return list(app.screen.picked["ids"]), app.screen.label

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


# ---------------------------------------------------------------- kb quiz's session, in browse
# Each test gives kb quiz (reading a pipe: a key a line) and kb browse's review (Textual's pilot) the
# same keys on two copies of a database, and compares what each showed and stored: the card headers
# with their new / learning / due counts, the grades with their intervals, what u, s and e said, the
# summary, the review rows and schedules, the card decisions.

NOTICES = ("suspended:", "undone:", "edited:", "edit cancelled", "nothing to undo", "kb:")


def decided(db) -> list:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT card_id, suspended_at IS NOT NULL, deleted_at IS NOT NULL, term, definition"
                        " FROM card_decisions ORDER BY card_id").fetchall()
    conn.close()
    return rows


def headed(text: str) -> list[tuple[str | None, str]]:
    """Each card header in the text, with the notice printed above it (up to its first ' · ')."""
    lines = [x.strip() for x in text.splitlines()]
    out = []
    for i, line in enumerate(lines):
        if line.startswith("card ") and " of " in line:
            above = lines[i - 1] if i and lines[i - 1].startswith(NOTICES) else None
            out.append((above.split(" · ")[0] if above else None, line))
    return out


def grade_lines(text: str) -> list[str]:
    return [x.strip() for x in text.splitlines() if x.startswith("1 Again ")]


def as_lines(keys) -> str:
    """The browse keys as kb quiz reads them from a pipe: Enter an empty line, a typed answer its line."""
    return "".join((k[0] if isinstance(k, tuple) else "" if k == "enter" else k) + "\n" for k in keys)


def quiz_and_browse(kb, imported, tmp_path, keys, *, mode="flashcard", count=2, during=None):
    """Run both on copies of imported; returns (kb quiz's, browse's) {screens, grades, summary, stored,
    decided}. during(i, app) runs in browse after key i."""
    quizzed = copy_db(imported, tmp_path / "quizzed.db")
    r = kb("--db", quizzed, "quiz", "--mode", mode, "-n", count, input=as_lines(keys))
    assert r.code == 0, r
    quiz = {"screens": headed(r.stdout), "grades": grade_lines(r.stdout), "summary": closing(r.stdout),
            "stored": stored(quizzed), "decided": decided(quizzed)}

    async def scenario(app, pilot):
        await pilot.press("r")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        seen = {"screens": [], "grades": []}
        top, answered = None, None

        def look():
            nonlocal top, answered
            text = shown(review.query_one("#card-text", Static))
            if review.top is not top and not review.over:  # a card newly shown
                seen["screens"] += headed(text)
            if review.answered is not None and review.answered is not answered:  # its grades shown
                seen["grades"] += grade_lines(text)
            top, answered = review.top, review.answered
            return text

        look()
        for i, key in enumerate(keys):
            if isinstance(key, tuple):
                assert review.query_one("#typed", Input).has_focus
                await type_text(pilot, key[0])
                await pilot.press("enter")
            else:
                await pilot.press(key)
            await pilot.pause()
            text = look()
            if during:
                await during(i, app)
        seen["summary"] = closing(text)
        return seen

    browsed = run(imported, scenario, settings=Settings(mode=mode, count=count))
    browsed |= {"stored": stored(imported), "decided": decided(imported)}
    return quiz, browsed


def test_a_card_graded_again_comes_back_later_in_the_same_review_as_in_kb_quiz(kb, imported, tmp_path):
    # Two new cards: the first graded Again, then Good on whatever comes: the first comes back after
    # the second (learn-ahead: its step is not over, nothing else is left), then each until it graduates.
    keys = ["enter", "1"] + ["enter", "3"] * 4

    async def early(i, app):
        review = app.screen
        if review.over or review.answered is not None or not review.session.returning(review.cid):
            return
        due = sqlite3.connect(imported).execute("SELECT due FROM card_schedule WHERE card_id = ?",
                                                (review.cid,)).fetchone()[0]
        from kb.text import now_utc, parse_stamp

        early.shown.append(parse_stamp(due) > now_utc())  # shown before its step is over

    early.shown = []
    quiz, browsed = quiz_and_browse(kb, imported, tmp_path, keys, during=early)
    assert browsed == quiz
    headers = [h for _, h in browsed["screens"]]
    assert headers[:3] == ["card 1 of 2 · new 2 · learning 0 · due 0", "card 2 of 2 · new 1 · learning 1 · due 0",
                           "card 1 of 2 again · new 0 · learning 2 · due 0"]
    ratings = [(cid, rating) for cid, rating, _, _ in browsed["stored"][0]]
    first, second = ratings[0][0], ratings[1][0]
    assert ratings[:3] == [(first, 1), (second, 3), (first, 3)] and len(ratings) == 5
    assert early.shown and all(early.shown)
    assert browsed["summary"] == "reviewed 5 · right 4"


def test_the_grades_show_the_interval_each_gives_as_in_kb_quiz(kb, imported, tmp_path):
    quiz, browsed = quiz_and_browse(kb, imported, tmp_path, ["enter", "1", "enter", "4", "enter", "2", "q"])
    assert browsed == quiz
    # A new card: Again and Hard within its learning steps, Easy days away; back from Again: Easy sooner.
    assert browsed["grades"][0].startswith("1 Again <1m · 2 Hard <") and "· 4 Easy " in browsed["grades"][0]
    assert len(browsed["grades"]) == 3 and browsed["grades"][2] != browsed["grades"][0]


def test_u_undoes_the_last_grade_and_the_database_shows_it_undone(kb, imported, tmp_path):
    undone = {}

    async def check(i, app):
        if i == 2:  # just after u
            conn = sqlite3.connect(imported)
            undone["rows"] = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
            undone["schedules"] = conn.execute("SELECT COUNT(*) FROM card_schedule").fetchone()[0]
            conn.close()
            undone["text"] = shown(app.screen.query_one("#card-text", Static))

    quiz, browsed = quiz_and_browse(kb, imported, tmp_path, ["enter", "1", "u", "enter", "3", "q"], during=check)
    assert browsed == quiz
    assert undone["rows"] == 0 and undone["schedules"] == 0  # a new card's first grade undone: new again
    assert "undone: the grade" in undone["text"]
    # card 1 graded Again, card 2 shown, u: card 1 again, new as it was; Good on it, then card 2
    assert [n for n, _ in browsed["screens"]] == [None, None, "undone: the grade", None]
    assert browsed["screens"][2][1] == browsed["screens"][0][1] == "card 1 of 2 · new 2 · learning 0 · due 0"
    assert [rating for _, rating, _, _ in browsed["stored"][0]] == [3]


def test_s_suspends_and_e_edits_the_card_as_in_kb_quiz(kb, imported, tmp_path, monkeypatch):
    script = tmp_path / "editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'w', encoding='utf-8')"
                      ".write('表示学习\\n\\n学习数据的表示,使下游任务更容易。\\n')\n", encoding="utf-8")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.setenv("VISUAL", "")
    keys = ["s", "u", "enter", "e", "enter", "3", "s", "q"]
    again = {}

    async def check(i, app):
        if i == 4:  # e, then Enter: the card asked again shows the user's text
            again["text"] = shown(app.screen.query_one("#card-text", Static))

    quiz, browsed = quiz_and_browse(kb, imported, tmp_path, keys, during=check)
    assert browsed == quiz
    # s on card 1, u, then e on its answer side, Good; s on card 2: card 1 back for its learning step
    assert [n for n, _ in browsed["screens"]] == [None, "suspended: 表示学习 (definition)", "undone: the suspension",
                                                  "edited: 表示学习", None, "suspended: 对比损失 (definition)"]
    assert browsed["screens"][-1][1].startswith("card 1 of 2 again")
    assert "学习数据的表示,使下游任务更容易。" in again["text"]
    [(a, rating)] = [(cid, rating) for cid, rating, _, _ in browsed["stored"][0]]
    decisions = {cid: (suspended, term, definition) for cid, suspended, _, term, definition in browsed["decided"]}
    assert rating == 3 and decisions[a] == (0, None, "学习数据的表示,使下游任务更容易。")  # the term as the posts have it
    assert [d for d in decisions.values() if d[0]] == [(1, None, None)]  # 对比损失's card


def test_typed_cards_take_u_and_q_alone_on_the_line_as_in_kb_quiz(kb, imported, tmp_path):
    keys = [("xyz",), "enter", ("u",), ("表示学习",), "enter", ("q",)]
    quiz, browsed = quiz_and_browse(kb, imported, tmp_path, keys, mode="typed")
    assert browsed == quiz
    # wrong on card 1 (Again), u alone on card 2's line: card 1 again, right this time, then card 2, q
    assert [n for n, _ in browsed["screens"]] == [None, None, "undone: the grade", None]
    assert [(rating, answer) for _, rating, _, answer in browsed["stored"][0]] == [(3, "表示学习")]


def test_practising_on_a_read_only_database_says_why_s_and_e_cannot(kb, imported):
    async def scenario(app, pilot):
        await pilot.press("R")
        header = app.screen.top.lines
        await pilot.press("s")
        assert app.screen.top.lines is header  # the same card, still asked
        return shown(app.screen.query_one("#status", Static))

    assert "read-only here: the card cannot be suspended" in run(imported, scenario, settings=Settings(readonly=True))
    assert sqlite3.connect(imported).execute("SELECT COUNT(*) FROM card_decisions").fetchone()[0] == 0


def test_the_daily_limit_is_said_when_it_is_what_ends_the_review(kb, imported):
    async def scenario(app, pilot):
        await pilot.press("r", "enter", "4")  # the day's one new term, Easy: the review is over
        over = shown(app.screen.query_one("#card-text", Static))
        await pilot.press("q", "r")
        return over, shown(app.screen.query_one("#status", Static), width=400)

    over, status = run(imported, scenario, settings=Settings(new_per_day=1))
    assert "reviewed 1 · right 1" in over and "today's limit of 1 new term is reached" in over
    assert status.startswith("nothing to review now in all cards") and "today's limit of 1 new term" in status
