"""Long output through a pager: only on a terminal, only when taller than it; the config's pager or $PAGER.

The output is rendered first (with the terminal's styles) so its height is known before choosing.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys

DEFAULT_PAGER = "less"
# R: pass colours and links through; F: quit at once if it fits after all; X: leave it on screen.
DEFAULT_LESS = "FRX"


def show(console, renderable, *, use_pager: bool = True) -> None:
    """Print renderable, through $PAGER (default less) when stdout is a terminal it does not fit."""
    if not use_pager or not stdout_is_terminal():
        console.print(renderable)
        return
    with console.capture() as captured:
        console.print(renderable)
    text = captured.get()
    if text.count("\n") < console.size.height:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    command = _pager_command()
    if not command or not _run(command, text):
        sys.stdout.write(text)
        sys.stdout.flush()


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _pager_command() -> list[str]:
    """The config's pager, else $PAGER, split as a shell would ("less -S"); empty, false or "cat"
    means no pager."""
    from kb import config

    value = config.load().pager  # None: not in the config file; "": pager: false
    if value is None:
        value = os.environ.get("PAGER")
    if value is None:
        value = DEFAULT_PAGER
    try:
        parts = shlex.split(value)
    except ValueError:  # unbalanced quotes: treat as no pager rather than fail the reading
        return []
    if not parts or parts[0] == "cat":
        return []
    return parts


def _run(command: list[str], text: str) -> bool:
    """Feed text to the pager; False if it could not be started (then the caller prints)."""
    env = dict(os.environ)
    env.setdefault("LESS", DEFAULT_LESS)
    env.setdefault("LESSCHARSET", "utf-8")
    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    try:
        proc.stdin.write(text.encode("utf-8", "replace"))
        proc.stdin.close()
    except BrokenPipeError:  # the reader quit the pager before the end: that is fine
        pass
    while True:
        try:
            proc.wait()
            break
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager while it runs
            continue
    return True
