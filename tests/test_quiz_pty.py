"""The quiz in a real pseudo-terminal: single keys without Enter, reviews kept across re-imports.

kb runs as a subprocess (pexpect) against a database under tmp_path.
"""
from __future__ import annotations

import os
import sqlite3
import sys

import pexpect

from tests.conftest import ROOT


def _spawn(*args):
    env = dict(os.environ, TERM="dumb", COLUMNS="100", LINES="40")
    return pexpect.spawn(sys.executable, ["-m", "kb", *args], cwd=str(ROOT), env=env,
                         encoding="utf-8", timeout=30, dimensions=(40, 100))


def _review_rows(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT card_id, rating FROM reviews ORDER BY id").fetchall()
    finally:
        conn.close()


def test_enter_3_enter_3_q_stores_two_reviews_that_survive_reimport(kb, imported, captures_dir):
    first = [q["card_id"] for q in kb("quiz", "--json", "-n", "3").json()]
    child = _spawn("quiz")
    child.expect("card 1 of 10")
    child.send("\r")  # Enter: show the answer
    child.expect("1 Again")
    child.send("3")  # a single key, no Enter
    child.expect("card 2 of 10")
    child.send("\r")
    child.expect("1 Again")
    child.send("3")
    child.expect("card 3 of 10")
    child.send("q")
    child.expect("reviewed 2 · right 2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert _review_rows(imported) == [(first[0], 3), (first[1], 3)]

    # Re-import every capture from copies one byte longer (a trailing newline): each file is new content, so
    # every post is re-read and its cards re-derived through the import hook.
    for path in captures_dir.glob("*.txt"):
        data = bytearray(path.read_bytes())
        data[-1:] = b"\n\n" if data.endswith(b"\n") else data[-1:] + b"\n"
        path.write_bytes(bytes(data))
    r = kb("import", captures_dir)
    assert r.code == 0, r
    assert "files read: 5" in r.stdout and "new posts: 0" in r.stdout
    assert _review_rows(imported) == [(first[0], 3), (first[1], 3)]
    ids = {c["id"] for c in kb("cards", "--json").json()}
    assert {first[0], first[1]} <= ids
    # The schedule came through too: the graded cards are not due, the session goes on from card 3.
    assert kb("quiz", "--json", "-n", "1").json()[0]["card_id"] == first[2]
    assert kb("stats", "--json").json()["reviews"] == 2


def test_ctrl_c_keeps_the_grades_already_given(kb, imported):
    child = _spawn("quiz")
    child.expect("card 1 of 10")
    child.send("\r")
    child.expect("1 Again")
    child.send("1")
    child.expect("card 2 of 10")
    child.sendintr()
    child.expect("reviewed 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [r for _, r in _review_rows(imported)] == [1]


def test_near_miss_question_takes_single_keys_and_q_quits(kb, imported):
    # Typed answers are lines; the grade after a near miss is one key, and Ctrl-D there quits.
    child = _spawn("quiz", "--mode", "typed")
    child.expect("card 1 of 10")
    child.expect("which term")
    child.sendline("表示")
    child.expect("2 Hard if it counts, 1 Again if not")
    child.expect("Enter: 1 Again")
    child.send("2")
    child.expect("card 2 of 10")
    child.expect("which term")
    child.sendline("对比")  # 对比损失: close, not the term
    child.expect("2 Hard if it counts")
    child.expect("Enter: 1 Again")
    child.sendeof()  # Ctrl-D
    child.expect("reviewed 1 · right 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [r for _, r in _review_rows(imported)] == [2]
