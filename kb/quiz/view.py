"""What the quiz screen prints: a card's header (its place, the new / learning / due counts), the
question, numbered choices, the answer side with the post it comes from, the grades with the interval
each gives, and the session's summary. Post text is data: sanitized, never markup, wrapped as kb show
wraps it (Chinese breaks between characters, never before closing punctuation).
"""
from __future__ import annotations

from kb.quiz import schedule
from kb.text import sanitize

GRADE_NAMES = schedule.RATINGS
# The keys every card takes besides its own (see kb.quiz.screen).
CONTROL_KEYS = "u: undo · s: suspend · e: edit · q: quit"


def _text(s: str, style: str = ""):
    from rich.text import Text

    return Text(sanitize(s), style=style)


def _wrapped(s: str, style: str = "", bullet: str = "", indent: int = 0):
    from kb.show.wrap import Wrapped

    return Wrapped(_text(s, style), indent=indent or len(bullet), bullet=bullet)


def readable(q: dict) -> dict:
    """The question with its post text made readable (formulas in Unicode); choices keep their order and
    the right one's index."""
    from kb.show.article import readable as unicode_math

    shown = dict(q)
    for key in ("question", "answer"):
        shown[key] = unicode_math(q[key])
    shown["others"] = [o | {"definition": unicode_math(o["definition"])} for o in q.get("others") or []]
    if q["choices"]:
        shown["choices"] = [unicode_math(c) for c in q["choices"]]
        shown["right"] = q["choices"].index(q["answer"])
    return shown


def start(console, session, cid: str, q: dict) -> None:
    """A card's screen: cleared on a terminal (never an escape code into a pipe), what the last key
    did, the header, the question."""
    if console.is_terminal:
        console.clear()
    if session.notice:
        console.print(_text(session.notice, "dim"))
        session.notice = None
    console.print(_text(header(session, cid), "dim"))
    console.print(_wrapped(q["question"], "bold"))


def header(session, cid: str) -> str:
    n = session.counts()
    place = f"card {session.number.get(cid, 0)} of {session.total}"
    if session.returning(cid):
        place += " again"
    line = f"{place} · new {n['new']} · learning {n['learning']} · due {n['due']}"
    return line + (" · cram" if session.cram else "")


def choices(console, q: dict) -> None:
    for n, choice in enumerate(q["choices"], start=1):
        # The number stays on the line of its text; continuation lines align under the text.
        console.print(_wrapped(choice, bullet=f"{n}. "))


def answer(console, q: dict, shown_answer: bool = True) -> None:
    """The answer side: the answer (unless the verdict already said it), then where it comes from."""
    if shown_answer:
        console.print(_wrapped(q["answer"]))
    source(console, q)


def source(console, q: dict) -> None:
    """The post the card's definition comes from (kb show opens it by its slug), then the other posts'
    wordings of the term and any further post that defines it."""
    title = q.get("title") or ""
    console.print(_wrapped(f"from: {title} · kb show {q['slug']}" if title else f"from: kb show {q['slug']}", "dim"))
    listed = {q["slug"]}
    for other in q.get("others") or []:
        listed.add(other["slug"])
        label = f"{other.get('title')} ({other['slug']})" if other.get("title") else other["slug"]
        console.print(_wrapped(f"also in {label}: {other['definition']}", "dim", indent=2))
    more = [s["slug"] for s in q.get("sources") or [] if s["slug"] not in listed]
    unnamed = (q.get("sources_total") or 0) - len(q.get("sources") or [])
    if more:
        rest = f" and {unnamed:,} more post{'s' if unnamed > 1 else ''}" if unnamed > 0 else ""
        console.print(_wrapped("also defined in: " + ", ".join(more) + rest, "dim", indent=2))


def interval_text(span) -> str:
    """Anki's button label: an interval within the learn-ahead limit reads <10m (the card may come early)."""
    label = schedule.interval_label(span)
    return label if label.startswith("<") or span >= schedule.LEARN_AHEAD else "<" + label


def grades(console, intervals: dict, proposal: int | None) -> None:
    """1 Again <1m · 2 Hard <6m · 3 Good <10m · 4 Easy 8d, then the keys (Enter takes the proposal)."""
    console.print(_text(grade_line(intervals)))
    console.print(_text(grade_keys(proposal), "dim"))


def grade_line(intervals: dict) -> str:
    return " · ".join(f"{r} {GRADE_NAMES[r]} {interval_text(intervals[r])}" for r in GRADE_NAMES)


def grade_keys(proposal: int | None) -> str:
    enter = f"Enter: {proposal} {GRADE_NAMES[proposal]} · " if proposal else ""
    return f"{enter}{CONTROL_KEYS}"


def verdict(console, ok: bool, text: str) -> None:
    console.print(_wrapped(("✓ " if ok else "✗ ") + text, "green" if ok else "red"))


def near_miss(console, line: str, parts: list[tuple[str, str]]) -> None:
    from rich.text import Text

    # Brackets as well as style: the difference must show without colour too (NO_COLOR, pipes).
    shown = Text(f"close: you typed {sanitize(line.strip())}; the answer, [what differs]: ")
    for piece, how in parts:
        if how == "missed":
            shown.append(f"[{sanitize(piece)}]", style="bold underline")
        else:
            shown.append(sanitize(piece))
    console.print(shown)
    console.print(_text("2 Hard if it counts, 1 Again if not", "dim"))


def prompt(console, text: str) -> None:
    console.print(_text(text, "dim"))


def summary_line(summary: dict) -> str:
    line = f"reviewed {summary['reviewed']} · right {summary['right']}"
    if summary.get("cram"):
        return line + " · cram: nothing recorded"
    if summary.get("learning"):
        line += f" · {summary['learning']} still in learning"
    if summary.get("next_due"):
        line += f" · next due {schedule.until(summary['next_due'])}"
    return line


def limit_hint(limit: dict) -> str:
    """What to say when the daily limit of new terms is what holds cards back, and how to go on."""
    held = limit.get("held_back") or 0
    per_day = limit.get("per_day")
    terms = "term" if per_day == 1 else "terms"
    return (f"today's limit of {per_day} new {terms} is reached ({held} more new waiting): "
            f"kb quiz --new N studies N more today; quiz.new_per_day in the config file raises the limit"
            f" (kb config --example); kb quiz --cram practises without recording")


def summary(console, summary: dict) -> None:
    console.print(_text(summary_line(summary), "bold"))
    if summary.get("limit"):
        console.print(_text(limit_hint(summary["limit"]), "dim"))
