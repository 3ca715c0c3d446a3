"""Keys for the quiz: single keys from a terminal (cbreak mode, no Enter), one line per key from a
pipe (an empty line is Enter), so that a piped session takes the same keys as a typed one.
"""
from __future__ import annotations

import os
import sys


class Keys:
    """Single keys from a terminal without Enter; from a pipe, one line per key (empty line: Enter)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdin
        try:
            self.tty = self.stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False

    def key(self) -> str:
        if self.tty:
            import termios
            import tty

            fd = self.stream.fileno()
            old = termios.tcgetattr(fd)
            try:
                # cbreak, not raw: Ctrl-C still interrupts, and the terminal is restored below.
                tty.setcbreak(fd)
                data = os.read(fd, 1)
            finally:
                termios.tcsetattr(fd, termios.TCSADRAIN, old)
            if not data or data == b"\x04":
                return "q"
            ch = data.decode("latin-1")
            return "\n" if ch in "\r\n" else ch
        line = self.stream.readline()
        if not line:
            return "q"
        line = line.strip()
        return line[:1] if line else "\n"

    def line(self) -> str | None:
        """A typed line (None at the end of input)."""
        line = self.stream.readline()
        return None if line == "" else line.rstrip("\r\n")

    def wait_for(self, allowed: str) -> str:
        """The first key in allowed; q (and end of input, which reads as q) always gets through."""
        while True:
            k = self.key().lower()
            if k in allowed or k == "q":
                return k
