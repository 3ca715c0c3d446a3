"""kb browse in a real terminal: a pseudo-terminal of 120×40 (pexpect) whose output a terminal emulator
(pyte) turns back into the screen a user sees. The issue's "done when", key by key.
"""
from __future__ import annotations

import os
import sys

import pexpect
import pytest

from tests.browsing import Terminal


@pytest.fixture
def term_env(imported, tmp_path):
    env = dict(os.environ, TERM="xterm-256color", PYTHON=sys.executable)
    for var in ("KB_WIDTH", "NO_COLOR", "PAGER", "TEXTUAL_ANIMATIONS"):
        env.pop(var, None)
    return env


def test_done_when_browse_search_read_back_and_quit_in_a_real_terminal(term_env, tmp_path):
    before, after = tmp_path / "stty-before", tmp_path / "stty-after"
    term = Terminal(f'stty -g > {before}; "$PYTHON" -m kb browse; echo "kb exited $?"; stty -g > {after}', term_env)
    # It opens on the newest posts.
    shown = term.wait_for("43 posts newest first", "representation-learning-940a")
    assert shown.splitlines()[2].lstrip().startswith("表示学习")  # the first row: the newest post
    # / then gumbel narrows the list to the Gumbel Softmax post.
    term.send("/")
    term.send("gumbel")  # at once: what comes before the box has the focus goes to it all the same
    shown = term.wait_for("1 match", "gumbel-softmax-c31d", absent=("43 posts",))
    rows = [line for line in shown.splitlines()[2:] if "2026-" in line.split("│")[0]]
    assert len(rows) == 1 and "Deep Learning" in rows[0]
    # Enter shows it, θ rendered.
    term.send("\r")
    shown = term.wait_for("L_θ=𝔼_(z∼p_θ(z))[f(z)]", "基本概念", "Related")
    assert "\\theta" not in shown and "\\mathbb" not in shown
    # Esc goes back.
    term.send("\x1b")
    term.wait_for("1 match", absent=("Tab: related posts",))
    # q exits 0 with the terminal restored.
    term.send("q")
    term.wait_for("kb exited 0")
    term.child.expect(pexpect.EOF)
    term.child.close()
    assert term.child.exitstatus == 0
    assert before.read_text() == after.read_text()  # the tty's modes as they were
    out = term.raw
    last_enter = out.rfind(b"\x1b[?1049h")
    assert last_enter >= 0 and out.rfind(b"\x1b[?1049l") > last_enter  # the alternate screen left
    assert out.rfind(b"\x1b[?25h") > out.rfind(b"\x1b[?25l")  # the cursor shown again
    assert out.rfind(b"\x1b[?1000l") > out.rfind(b"\x1b[?1000h")  # the mouse released


def test_browse_without_a_terminal_is_a_usage_error(kb, imported):
    r = kb("browse")
    assert r.code == 2 and "run it in a terminal" in r.stderr and r.stdout == ""


def _child_of(pid: int) -> int:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    if int(f.read().rsplit(b")", 1)[1].split()[1]) == pid:
                        return int(entry)
            except OSError:
                continue
    raise AssertionError(f"no child of {pid}")


def test_sigterm_leaves_as_q_does_and_says_so(term_env, tmp_path):
    import signal

    before, after = tmp_path / "stty-before", tmp_path / "stty-after"
    term = Terminal(f'stty -g > {before}; "$PYTHON" -m kb browse; echo "kb exited $?"; stty -g > {after}', term_env)
    term.wait_for("43 posts newest first")
    os.kill(_child_of(term.child.pid), signal.SIGTERM)
    shown = term.wait_for("kb exited 143")
    assert "kb: stopped by SIGTERM" in shown
    term.child.expect(pexpect.EOF)
    term.child.close()
    assert before.read_text() == after.read_text()


def test_e_in_a_review_hands_the_terminal_to_the_editor_and_comes_back(term_env, tmp_path, imported):
    import sqlite3

    seen = tmp_path / "editor-saw"
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, termios\n"
        f"open({str(seen)!r}, 'w').write(str(bool(termios.tcgetattr(0)[3] & termios.ICANON)))\n"
        "open(sys.argv[1], 'w', encoding='utf-8').write('表示学习\\n\\n学习数据的表示,使下游任务更容易。\\n')\n",
        encoding="utf-8")
    env = dict(term_env, EDITOR=f"{sys.executable} {script}", VISUAL="")
    term = Terminal('"$PYTHON" -m kb browse; echo "kb exited $?"', env)
    term.wait_for("43 posts newest first")
    term.send("r")
    term.wait_for("card 1 of 10 · new 10", "Enter: show the answer")
    term.send("e")
    shown = term.wait_for("edited: 表示学习", "card 1 of 10")
    assert "学习数据的表示" not in shown  # asked again: the answer not shown yet
    assert seen.read_text() == "True"  # the editor had the terminal in its usual mode, not Textual's
    term.send("\r")
    term.wait_for("学习数据的表示,使下游任务更容易。", "3 Good")
    term.send("q")
    term.wait_for("reviewed 0 · right 0")
    term.send("q")
    term.wait_for("43 posts newest first")
    term.send("q")
    term.wait_for("kb exited 0")
    term.child.expect(pexpect.EOF)
    term.child.close()
    conn = sqlite3.connect(imported)
    assert conn.execute("SELECT DISTINCT definition FROM card_decisions WHERE definition IS NOT NULL").fetchall() == [
        ("学习数据的表示,使下游任务更容易。",)]
    conn.close()
