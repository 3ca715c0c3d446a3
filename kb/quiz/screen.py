"""The interactive quiz screen: one card at a time, single-key grading, a summary at the end.

Keys are read one at a time from a terminal (cbreak mode), a line at a time otherwise.
"""
from __future__ import annotations

import os
import sys

from kb.quiz import questions, schedule
from kb.text import now_utc, parse_stamp
from kb.text import sanitize

GRADE_KEYS = "1234"


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
        line = self.stream.readline()
        return None if line == "" else line.rstrip("\r\n")

    def wait_for(self, allowed: str) -> str:
        """The first key in allowed; q (and end of input, which reads as q) always gets through."""
        while True:
            k = self.key().lower()
            if k in allowed or k == "q":
                return k


def _text(s: str, style: str = ""):
    from rich.text import Text

    return Text(sanitize(s), style=style)


def _shown(q: dict) -> dict:
    """The question with its post text made readable (choices compared by position, not text)."""
    from kb.show.article import readable

    shown = dict(q)
    for key in ("question", "answer"):
        shown[key] = readable(q[key])
    shown["others"] = [o | {"definition": readable(o["definition"])} for o in q.get("others") or []]
    if q["choices"]:
        shown["choices"] = [readable(c) for c in q["choices"]]
        shown["right"] = q["choices"].index(q["answer"])
    return shown


def run(conn, console, keys: Keys, picked: dict, *, mode: str, pool: set[str] | None, cram: bool,
        retention: float | None = None) -> dict:
    """Drill the picked cards; each grade is stored at once (unless cram). Returns the summary."""
    ids = picked["ids"]
    results: list[int] = []
    try:
        for i, cid in enumerate(ids, start=1):
            q = _shown(questions.question(conn, cid, pool=pool))
            head = f"card {i} of {len(ids)} · due {picked['due']} · new {picked['new']}" + (" · cram" if cram else "")
            console.print(_text(head, "dim"))
            console.print(_text(q["question"], "bold"))
            outcome = _ask(console, keys, q)
            if outcome is None:
                break
            rating, answer = outcome
            if not cram:
                schedule.review(conn, cid, rating, mode=q["kind"], answer=answer, retention=retention)
            results.append(rating)
            console.print()
    except KeyboardInterrupt:
        console.print()  # a grade already given is stored; quitting here loses nothing
    return _summary(conn, console, results, pool=pool, cram=cram)


def _ask(console, keys: Keys, q: dict) -> tuple[int, str | None] | None:
    kind = q["kind"]
    if kind == "definition":
        console.print(_text("Enter: show the answer · q: quit", "dim"))
        if keys.wait_for("\nq") == "q":
            return None
        console.print(_text(q["answer"]))
        for other in q.get("others") or []:  # the same term as other posts define it
            console.print(_text(f"also ({other['slug']}): {other['definition']}", "dim"))
        console.print(_text("1 Again · 2 Hard · 3 Good · 4 Easy · q: quit", "dim"))
        k = keys.wait_for(GRADE_KEYS + "q")
        return None if k == "q" else (int(k), None)
    if kind == "choice":
        letters = "".join(str(n) for n in range(1, len(q["choices"]) + 1))
        for n, choice in enumerate(q["choices"], start=1):
            console.print(_text(f"{n}. {choice}"))
        console.print(_text(f"1-{len(q['choices'])}: choose · q: quit", "dim"))
        k = keys.wait_for(letters + "q")
        if k == "q":
            return None
        chosen = q["choices"][int(k) - 1]
        if int(k) - 1 == q["right"]:
            console.print(_text("✓ right", "green"))
            return 3, chosen
        console.print(_text(f"✗ the answer: {q['answer']}", "red"))
        return 1, chosen
    prompt = "the other-language name?" if kind == "alias" else "which term? (type it, Enter to give up, q alone to quit)"
    console.print(_text(prompt, "dim"))
    line = keys.line()
    if line is None or line.strip() == "q":
        return None
    graded = questions.grade_typed(line, q["accepted"])
    if graded["verdict"] == "right":
        note = f" (typo; the answer: {graded['expected']})" if graded["typo"] else ""
        console.print(_text("✓ right" + note, "green"))
        return 3, line
    if graded["verdict"] == "near":
        from rich.text import Text

        # Brackets as well as style: the difference must show without colour too (NO_COLOR, pipes).
        shown = Text(f"close: you typed {sanitize(line.strip())}; the answer, [what differs]: ")
        for piece, how in questions.diff_parts(questions.normalize_answer(line), graded["expected"]):
            if how == "missed":
                shown.append(f"[{sanitize(piece)}]", style="bold underline")
            else:
                shown.append(sanitize(piece))
        console.print(shown)
        console.print(_text("count it as right? y/n · q: quit", "dim"))
        k = keys.wait_for("yn")
        if k == "q":  # also Ctrl-D or the end of piped input: without it this prompt would wait forever
            return None
        return (2 if k == "y" else 1), line
    console.print(_text(f"✗ the answer: {q['answer']}", "red"))
    return 1, line


def _summary(conn, console, results: list[int], *, pool, cram: bool) -> dict:
    right = sum(1 for r in results if r > 1)
    nxt = None if cram else schedule.next_due(conn, pool)
    summary = {"reviewed": len(results), "right": right, "next_due": nxt, "recorded": not cram}
    line = f"reviewed {len(results)} · right {right}"
    if cram:
        line += " · cram: nothing recorded"
    elif nxt:
        line += f" · next due {_when(nxt)}"
    console.print(_text(line, "bold"))
    return summary


def _when(iso: str) -> str:
    due = parse_stamp(iso)
    secs = (due - now_utc()).total_seconds()
    stamp = due.strftime("%Y-%m-%d %H:%M UTC")
    if secs <= 0:
        return f"now ({stamp})"
    if secs < 3600:
        return f"in {max(1, round(secs / 60))} min ({stamp})"
    if secs < 86400:
        return f"in {round(secs / 3600)} h ({stamp})"
    return f"in {round(secs / 86400)} days ({stamp})"
