"""Review sessions as an Anki user expects them, each test through a real pseudo-terminal and through a
pipe (tests/review_driver.py): learning steps bring a card back in the session, the grades show their
intervals, u takes a grade back, the counts follow, the daily limit of new terms says so, due cards
come in their own kind, a cleared screen on a terminal only.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from kb.quiz import schedule
from kb.store.connect import open_db
from kb.text import parse_stamp
from tests.review_driver import TRANSPORTS, Line, run

INTERVALS_NEW = "1 Again <1m · 2 Hard <6m · 3 Good <10m · 4 Easy 8d"


def _rows(db, sql, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _first_ids(kb, n, *extra):
    return [q["card_id"] for q in kb("quiz", "--json", "-n", n, *extra).json()]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_again_brings_a_new_card_back_after_the_others(kb, imported, transport):
    a, b = _first_ids(kb, 2)
    out = run(transport, ["quiz", "-n", "2"], [
        ("card 1 of 2 · new 2 · learning 0 · due 0", None),
        ("Enter: show the answer", ""),
        (INTERVALS_NEW, None),  # the intervals each grade gives, from the scheduler, nothing committed
        ("Enter: 3 Good", "1"),  # Again
        ("card 2 of 2 · new 1 · learning 1 · due 0", None),
        ("Enter: show the answer", ""),
        (INTERVALS_NEW, "3"),  # Good: its next learning step
        # Nothing else left: the first card is shown early (learn-ahead), its step not yet over.
        ("card 1 of 2 again · new 0 · learning 2 · due 0", None),
        ("Enter: show the answer", ""),
        ("1 Again <1m", "3"),
        ("card 2 of 2 again · new 0 · learning 2 · due 0", "q"),
        ("reviewed 3 · right 2 · 2 still in learning · next due in 10 min", None),
    ])
    assert "\x1b" not in out  # TERM=dumb, NO_COLOR: plain text on the terminal too
    assert _rows(imported, "SELECT card_id, rating FROM reviews ORDER BY id") == [(a, 1), (b, 3), (a, 3)]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_count_counts_distinct_cards_and_a_card_comes_back_until_it_graduates(kb, imported, transport):
    (a,) = _first_ids(kb, 1)
    run(transport, ["quiz", "-n", "1"], [
        ("card 1 of 1 · new 1", ""), ("Enter: 3 Good", "1"),
        ("card 1 of 1 again · new 0 · learning 1", ""), ("Enter: 3 Good", "3"),
        ("card 1 of 1 again", ""), ("Enter: 3 Good", ""),  # Enter on the answer side: Good
        # Graduated (days away): nothing left, the session ends by itself.
        ("reviewed 3 · right 2 · next due in", None),
    ])
    assert _rows(imported, "SELECT rating FROM reviews") == [(1,), (3,), (3,)]
    assert _rows(imported, "SELECT state FROM card_schedule WHERE card_id = ?", a) == [(2,)]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_u_takes_the_last_grade_back_and_restores_the_schedule_exactly(kb, imported, transport):
    a, b = _first_ids(kb, 2)
    # Card a has a history: Easy ten days ago, Again when it fell due (a lapse: relearning, due now).
    conn = open_db(imported)
    yesterday = schedule.now_utc() - dt.timedelta(days=10)
    schedule.review(conn, a, 4, mode="definition", now=yesterday)
    due = parse_stamp(schedule.schedule_of(conn, a)["due"])
    schedule.review(conn, a, 1, mode="definition", now=due)
    conn.close()
    before = _rows(imported, "SELECT card_id, fsrs, due, state, updated_at FROM card_schedule ORDER BY card_id")
    reviews = _rows(imported, "SELECT * FROM reviews ORDER BY id")
    out = run(transport, ["quiz", "-n", "2"], [
        ("card 1 of 2 · new 1 · learning 1 · due 0", ""),  # a, in relearning, due: first
        ("Enter: 3 Good", "3"),
        ("card 2 of 2 · new 1 · learning 0 · due 0", "u"),  # u before answering b: a's grade is undone
        ("undone: the grade", None),
        ("card 1 of 2 · new 1 · learning 1 · due 0", ""),  # a asked again, the counts as they were
        ("Enter: 3 Good", "u"),  # u on the grade prompt: nothing graded this time, nothing left to undo
        ("nothing to undo", None),
        ("card 1 of 2", "q"),
        ("reviewed 0 · right 0", None),
    ])
    assert "nothing to undo" in out
    assert _rows(imported, "SELECT card_id, fsrs, due, state, updated_at FROM card_schedule ORDER BY card_id") == before
    assert _rows(imported, "SELECT * FROM reviews ORDER BY id") == reviews
    assert b not in {r[0] for r in before}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_undo_of_a_new_cards_first_grade_leaves_it_new(kb, imported, transport):
    a, b = _first_ids(kb, 2)
    run(transport, ["quiz", "-n", "2"], [
        ("card 1 of 2 · new 2", ""), ("Enter: 3 Good", "4"),  # Easy: graduated
        ("card 2 of 2 · new 1 · learning 0 · due 0", ""),
        ("Enter: 3 Good", "u"),
        ("card 1 of 2 · new 2 · learning 0 · due 0", ""),  # a is new again
        ("Enter: 3 Good", "1"),
        ("card 2 of 2 · new 1 · learning 1", "q"),
        ("reviewed 1 · right 0", None),
    ])
    assert _rows(imported, "SELECT card_id, rating FROM reviews") == [(a, 1)]
    assert [r[0] for r in _rows(imported, "SELECT card_id FROM card_schedule")] == [a]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_daily_limit_counts_terms_and_says_when_it_is_what_stops(kb, imported, tmp_path, transport):
    (tmp_path / "no-config.yaml").write_text("quiz:\n  new_per_day: 1\n", encoding="utf-8")
    first = kb("quiz", "--mode", "mixed", "--json").json()
    # One new term a day, in mixed mode: its kinds are one term, a few cards apart... and only it.
    assert {q["term"] for q in first} == {"表示学习"} and len(first) == 4
    run(transport, ["quiz"], [
        ("card 1 of 1 · new 1", ""), ("Enter: 3 Good", "4"),  # Easy: graduated, nothing left
        ("reviewed 1 · right 1", None),
        ("today's limit of 1 new term is reached", None),
    ])
    out = run(transport, ["quiz"], [("kb: nothing to review now", None)])
    # The limit is named with the ways on: --new for today, the config key, --cram; next due in days.
    assert "next card due in 8 days" in out
    assert "today's limit of 1 new term is reached" in out
    # A topic never studied says the same (the limit is the day's, whatever the topic).
    flow = run(transport, ["quiz", "--topic", "flow"], [("kb: nothing to review now", None)])
    assert "today's limit of 1 new term is reached" in flow and "next card due" not in flow
    assert "kb quiz --new N" in out and "quiz.new_per_day" in out and "kb quiz --cram" in out
    assert len(kb("quiz", "--json", "--new", "2").json()) == 2
    assert kb("quiz", "--json").json() == []


def test_due_cards_come_in_their_own_kind_whatever_the_mode(kb, imported):
    conn = open_db(imported)
    choice = next(q["card_id"] for q in kb("quiz", "--mode", "choice", "--json", "-n", "1").json())
    long_ago = schedule.now_utc() - dt.timedelta(days=30)
    schedule.review(conn, choice, 4, mode="choice", now=long_ago)
    conn.close()
    assert kb("stats", "--json").json()["due"] == 1
    qs = kb("quiz", "--json", "-n", "3").json()  # flashcard mode: new cards are definitions
    assert [q["kind"] for q in qs] == ["choice", "definition", "definition"] and qs[0]["card_id"] == choice
    # With the new ones out of the way (a limit of 0), the due choice card is still there to review.
    r = kb("quiz", "--json", "--new", "0")
    assert [q["card_id"] for q in r.json()] == [choice]


def test_next_due_is_never_in_the_past(kb, imported):
    conn = open_db(imported)
    cid = _first_ids(kb, 1)[0]
    schedule.review(conn, cid, 4, mode="definition", now=schedule.now_utc() - dt.timedelta(days=1))
    now = schedule.now_utc()
    assert schedule.next_due(conn) is None or parse_stamp(schedule.next_due(conn)) > now
    conn.execute("UPDATE card_schedule SET due = '2000-01-01T00:00:00Z'")
    assert schedule.next_due(conn) is None  # due now is not "next"
    r = kb("quiz", "--new", "0", "--json")
    assert [q["card_id"] for q in r.json()] == [cid]


def test_a_terminal_gets_a_cleared_screen_per_card_and_a_pipe_none(kb, imported):
    # TERM=xterm: Rich clears the screen (ESC[2J, cursor home) before each card; a pipe gets no escape.
    steps = [("card 1 of 2", ""), ("Enter: 3 Good", "3"), ("card 2 of 2", "q"), ("reviewed 1", None)]
    out = run("pty", ["quiz", "-n", "2"], steps, env={"TERM": "xterm"})
    assert out.count("\x1b[2J") == 2
    assert out.index("\x1b[2J") < out.index("card 1 of 2")
    kb_db = imported
    _rows(kb_db, "DELETE FROM reviews")
    piped = run("pipe", ["quiz", "-n", "2"], steps, env={"TERM": "xterm"})
    assert "\x1b" not in piped


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_typed_answers_and_commands_alone_on_a_line(kb, imported, transport):
    a, b = _first_ids(kb, 2, "--mode", "typed")
    run(transport, ["quiz", "--mode", "typed", "-n", "2"], [
        ("which term?", Line("表示学习")),
        ("✓ right: 表示学习", None),
        ("Enter: 3 Good", ""),
        ("card 2 of 2", None),
        ("which term?", Line("u")),  # u alone on the line: undo the last grade
        ("undone: the grade", None),
        ("card 1 of 2 · new 2", None),
        ("which term?", Line("")),  # Enter alone: show the answer
        ("✗ 表示学习", None),
        ("Enter: 1 Again", ""),
        ("card 2 of 2", None),
        ("which term?", Line("q")),
        ("reviewed 1 · right 0", None),
    ])
    assert _rows(imported, "SELECT card_id, rating, answer FROM reviews") == [(a, 1, "")]
