"""Driving a real kb quiz the same way through a pseudo-terminal (pexpect: single keys, no Enter) and
through a pipe (a key a line), so that each session test runs on both and shows they behave alike.

A script is a list of steps (text to wait for, what to send): a one-character string or "" (Enter)
is a key, Line(text) a typed line, None nothing. Through the pipe every step's text must appear in
the output in order; through the terminal each is waited for before the key goes.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass

from tests.conftest import ROOT

TRANSPORTS = ("pty", "pipe")


@dataclass
class Line:
    text: str


def _env(extra: dict | None) -> dict:
    env = dict(os.environ, TERM="dumb", COLUMNS="100", LINES="40")
    env.pop("KB_WIDTH", None)  # the terminal's own width (or COLUMNS through the pipe)
    env.update(extra or {})
    return env


def run(transport: str, args: list[str], steps: list[tuple[str | None, object]], *, env: dict | None = None,
        timeout: int = 60) -> str:
    """Run kb with args, play the steps, and return everything it printed (stdout and stderr)."""
    if transport == "pipe":
        return _pipe(args, steps, env, timeout)
    return _pty(args, steps, env, timeout)


def _pipe(args, steps, env, timeout) -> str:
    lines = []
    for _, send in steps:
        if send is None:
            continue
        lines.append(send.text if isinstance(send, Line) else send)
    done = subprocess.run([sys.executable, "-m", "kb", *args], input="".join(x + "\n" for x in lines), cwd=ROOT,
                          env=_env(env), capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    at = 0
    for wait, _ in steps:
        if wait:
            found = out.find(wait, at)
            assert found >= 0, f"{wait!r} not in the output after offset {at}:\n{out[at:]}"
            at = found + len(wait)
    return out


def _pty(args, steps, env, timeout) -> str:
    import pexpect

    child = pexpect.spawn(sys.executable, ["-m", "kb", *args], cwd=str(ROOT), env=_env(env), encoding="utf-8",
                          timeout=timeout, dimensions=(40, 100))
    seen = []
    try:
        for wait, send in steps:
            if wait:
                child.expect(re.escape(wait))
                seen.append(child.before + child.after)
            if send is None:
                continue
            if isinstance(send, Line):
                child.sendline(send.text)
            else:
                child.send("\r" if send == "" else send)
        child.expect(pexpect.EOF)
        seen.append(child.before)
    finally:
        child.close()
    assert child.exitstatus == 0, "".join(seen)
    return "".join(seen).replace("\r\n", "\n")
