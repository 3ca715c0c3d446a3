"""kb browse in a real terminal: a pseudo-terminal of 120×40 (pexpect) whose output a terminal emulator
(pyte) turns back into the screen a user sees. The issue's "done when", key by key.
"""
from __future__ import annotations

import os
import sys
import time

import pexpect
import pyte
import pytest

from tests.conftest import ROOT

COLS, ROWS = 120, 40


class Terminal:
    """A kb process in a pseudo-terminal, and the screen its output draws."""

    def __init__(self, command: str, env: dict):
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""
        self.child = pexpect.spawn("/bin/sh", ["-c", command], env=env, cwd=str(ROOT),
                                   dimensions=(ROWS, COLS), timeout=30)

    def pump(self) -> None:
        try:
            data = self.child.read_nonblocking(65536, timeout=0.05)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            return
        self.raw += data
        self.stream.feed(data)

    def text(self) -> str:
        """The screen's lines (pyte's own display trips over a wide character half overwritten)."""
        from wcwidth import wcwidth

        lines = []
        for y in range(ROWS):
            row, x, out = self.screen.buffer[y], 0, []
            while x < COLS:
                ch = row[x].data
                out.append(ch)
                x += 2 if ch and wcwidth(ch[0]) == 2 else 1
            lines.append("".join(out).rstrip())
        return "\n".join(lines)

    def wait_for(self, *wanted: str, absent: tuple[str, ...] = ()) -> str:
        """The screen once it shows every wanted text and none of absent (30 s at most: a failure, not a
        measure; how soon does not matter)."""
        deadline = time.monotonic() + 30
        while True:
            self.pump()
            shown = self.text()
            if all(w in shown for w in wanted) and not any(a in shown for a in absent):
                return shown
            if time.monotonic() > deadline or not self.child.isalive() and not self.child_output_left():
                raise AssertionError(f"the screen never showed {wanted} without {absent}:\n{shown}")

    def child_output_left(self) -> bool:
        try:
            data = self.child.read_nonblocking(65536, timeout=0.05)
        except (pexpect.TIMEOUT, pexpect.EOF):
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def send(self, keys: str) -> None:
        self.child.send(keys)


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
    term.send("gumbel")
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
