"""Quiz sessions: which cards to drill, the questions they ask, grading answers, FSRS scheduling.

Each review is committed the moment it is graded; the screen lives in kb.quiz_screen.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import re
import sqlite3
import unicodedata

from kb import cards as cardlib
from kb.db import transaction
from kb.errors import UsageError

MODES = {
    "flashcard": ("definition",),
    "typed": ("reverse", "alias"),
    "choice": ("choice",),
    "mixed": cardlib.KINDS,
}
NEW_PER_DAY = 20
RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
# Latin-script answers within this rapidfuzz ratio and edit distance are a typo, not a miss.
TYPO_RATIO = 88.0
TYPO_EDITS = 2
NEAR_RATIO = 60.0
MASK = "＿＿"


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def kinds_for_mode(mode: str) -> tuple[str, ...]:
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r} (use {', '.join(MODES)})")
    return MODES[mode]


# ---------------------------------------------------------------- scheduling


def scheduler(retention: float | None = None):
    from fsrs import Scheduler

    # No fuzz: the same ratings always give the same schedule, which is what a user can check.
    return Scheduler(desired_retention=retention or 0.9, enable_fuzzing=False)


def _fsrs_card(conn: sqlite3.Connection, cid: str, now: dt.datetime):
    from fsrs import Card

    row = conn.execute("SELECT fsrs FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()
    if row:
        return Card.from_dict(json.loads(row[0]))
    return Card(card_id=int(cid[:12], 16), due=now)


def review(conn: sqlite3.Connection, cid: str, rating: int, *, mode: str, answer: str | None = None,
           now: dt.datetime | None = None, retention: float | None = None) -> dict:
    """Grade one card and commit at once: the new FSRS state and a review log row.

    retention is FSRS's desired retention (the config's quiz.retention; 0.9 by default).
    """
    from fsrs import Rating

    if rating not in RATINGS:
        raise UsageError(f"a rating is 1-4, not {rating!r}")
    now = now or now_utc()
    with transaction(conn):
        card = _fsrs_card(conn, cid, now)
        card, log = scheduler(retention).review_card(card, Rating(rating), review_datetime=now)
        state = card.to_dict()
        conn.execute(
            "INSERT INTO card_schedule (card_id, fsrs, due, state, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(card_id) DO UPDATE SET fsrs = excluded.fsrs, due = excluded.due,"
            " state = excluded.state, updated_at = excluded.updated_at",
            (cid, json.dumps(state), _iso(card.due), int(card.state), _iso(now)),
        )
        conn.execute(
            "INSERT INTO reviews (card_id, rating, reviewed_at, mode, answer, log) VALUES (?, ?, ?, ?, ?, ?)",
            (cid, rating, _iso(now), mode, answer, json.dumps(log.to_dict())),
        )
    return {"card_id": cid, "rating": rating, "due": _iso(card.due), "state": card.state.name}


def schedule_of(conn: sqlite3.Connection, cid: str) -> dict | None:
    row = conn.execute("SELECT fsrs, due FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()
    return json.loads(row[0]) if row else None


def new_introduced_today(conn: sqlite3.Connection, now: dt.datetime) -> int:
    day = now.astimezone(dt.timezone.utc).date().isoformat()
    return conn.execute(
        "SELECT COUNT(*) FROM (SELECT card_id, MIN(reviewed_at) AS first FROM reviews GROUP BY card_id)"
        " WHERE substr(first, 1, 10) = ?",
        (day,),
    ).fetchone()[0]


# ---------------------------------------------------------------- sessions


def pick(conn: sqlite3.Connection, *, kinds: tuple[str, ...], pool: set[str] | None, count: int,
         cram: bool = False, new_per_day: int = NEW_PER_DAY, now: dt.datetime | None = None) -> dict:
    """The session's cards: due ones first (most overdue first), then new ones up to the daily limit.

    With cram, any cards of the pool, soonest due first: practice that leaves the schedule alone.
    """
    now = now or now_utc()
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(
        "SELECT c.id, c.slug, c.norm_term, c.kind, s.due FROM cards c JOIN posts p ON p.id = c.post_id"
        " LEFT JOIN card_schedule s ON s.card_id = c.id"
        f" WHERE c.active = 1 AND c.kind IN ({marks})"
        " ORDER BY p.rank, p.id, c.position, c.kind",
        kinds,
    ).fetchall()
    rows = [r for r in rows if pool is None or r["id"] in pool]
    stamp = _iso(now)
    due = sorted((r for r in rows if r["due"] and r["due"] <= stamp), key=lambda r: r["due"])
    new = _spread([r for r in rows if not r["due"]])
    if cram:
        later = sorted((r for r in rows if r["due"] and r["due"] > stamp), key=lambda r: r["due"])
        chosen = (due + new + later)[:count]
        return {"ids": [r["id"] for r in chosen], "due": len(due), "new": len(new)}
    room = max(0, new_per_day - new_introduced_today(conn, now))
    chosen = due[:count]
    chosen += new[: max(0, min(count - len(chosen), room))]
    return {"ids": [r["id"] for r in chosen], "due": len(due), "new": min(len(new), room)}


# A new term is met as a flashcard first, then recognised (choice), then recalled (typed).
KIND_ORDER = {"definition": 0, "choice": 1, "reverse": 2, "alias": 3}
KIND_SPACING = 3


def _spread(rows: list) -> list:
    """New cards in reading order, a term's kinds a few terms apart so one never answers the next."""
    index: dict[tuple[str, str], int] = {}
    for r in rows:
        index.setdefault((r["slug"], r["norm_term"]), len(index))
    return sorted(rows, key=lambda r: index[(r["slug"], r["norm_term"])] + KIND_SPACING * KIND_ORDER.get(r["kind"], 0))


def _card(conn: sqlite3.Connection, cid: str) -> dict:
    row = conn.execute("SELECT * FROM cards WHERE id = ?", (cid,)).fetchone()
    return cardlib.card_dict(row) | {"norm_term": row["norm_term"]}


def question(conn: sqlite3.Connection, cid: str, *, pool: set[str] | None = None) -> dict:
    """What a card asks: {card_id, kind, question, answer, accepted, slug, term, choices}."""
    c = _card(conn, cid)
    q = {"card_id": cid, "kind": c["kind"], "slug": c["slug"], "term": c["term"], "choices": None}
    names = [c["term"], *c["aliases"]]
    if c["kind"] == "definition":
        shown = c["term"] + (f" ({', '.join(c['aliases'])})" if c["aliases"] else "")
        q.update(question=shown, answer=c["definition"], accepted=[c["definition"]])
    elif c["kind"] == "reverse":
        q.update(question=mask(c["definition"], names), answer=c["term"], accepted=names)
    elif c["kind"] == "alias":
        q.update(question=c["term"], answer=" / ".join(c["aliases"]), accepted=c["aliases"])
    else:
        # Each definition with its own term blanked: 'X是…X…' must not give itself away.
        # The asked term is blanked from the wrong answers too (…是 normalizing flow 的变体 is no
        # candidate for Normalizing flow, and must not say so).
        right = mask(c["definition"], names)
        choices = [right, *(mask(d, [*other, *names]) for d, other in distractors(conn, c, pool=pool))]
        random.Random(cid).shuffle(choices)  # stable per card: --json and the screen agree
        q.update(question=c["term"], answer=right, accepted=[right], choices=choices)
    return q


def mask(text: str, names: list[str]) -> str:
    """The definition with the term and its aliases blanked out, so the question does not answer itself."""
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = re.sub(re.escape(name), MASK, text, flags=re.IGNORECASE)
    return text


def _script(text: str) -> str:
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    return "cjk" if cjk >= 0.3 * max(1, len(text.replace(" ", ""))) else "latin"


def distractors(conn: sqlite3.Connection, card: dict, *, pool: set[str] | None = None,
                n: int = 3) -> list[tuple[str, list[str]]]:
    """Up to three other definitions (with their terms) of the same topic and script, closest in length.

    The topic is the one being drilled (pool), else the card's own topics. Never a definition of the
    answer's own term or of one of its aliases. Only when the topic has no other definition at all do
    the nearest others stand in: a question with one choice would ask nothing.
    """
    own = {cardlib.norm_term(x) for x in [card["term"], *card["aliases"]]}
    rows = conn.execute(
        "SELECT id, slug, term, norm_term, aliases, definition FROM cards WHERE kind = 'definition' AND active = 1"
    ).fetchall()
    if pool is None:
        from kb import topics

        pool = topics.mates(conn, card["id"])
    # A topic's definitions by (post, term): the pool holds ids of every kind, its definition cards
    # are those of the same post and term (a topic pool need not list the definition card itself).
    in_topic: set[tuple[str, str]] | None = None
    if pool is not None:
        in_topic = {
            (r["slug"], r["norm_term"]) for r in conn.execute("SELECT id, slug, norm_term FROM cards")
            if r["id"] in pool
        }
    script = _script(card["definition"])
    seen_defs = {card["definition"]}
    candidates = []
    for r in rows:
        names = {r["norm_term"], *(cardlib.norm_term(a) for a in json.loads(r["aliases"] or "[]"))}
        if names & own or r["definition"] in seen_defs:
            continue
        seen_defs.add(r["definition"])
        rank = (
            0 if in_topic is None or (r["slug"], r["norm_term"]) in in_topic else 1,
            0 if _script(r["definition"]) == script else 1,
            abs(len(r["definition"]) - len(card["definition"])),
            r["id"],
        )
        candidates.append((rank, r["definition"], [r["term"], *json.loads(r["aliases"] or "[]")]))
    candidates.sort()
    if candidates and candidates[0][0][0] == 0:
        candidates = [c for c in candidates if c[0][0] == 0]  # the topic's own: nothing from elsewhere
    return [(d, names) for _, d, names in candidates[:n]]


# ---------------------------------------------------------------- grading


def normalize_answer(text: str) -> str:
    """NFKC, case-folded, punctuation and white space removed."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in text if not (unicodedata.category(ch)[0] in "PSZ" or ch.isspace()))


def grade_typed(answer: str, accepted: list[str]) -> dict:
    """right (exact, an alias, or a small typo in a Latin-script term), near (ask), or wrong."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    given = normalize_answer(answer)
    best, best_score = accepted[0] if accepted else "", 0.0
    if not given:
        return {"verdict": "wrong", "expected": best, "typo": False}
    for target in accepted:
        want = normalize_answer(target)
        if given == want:
            return {"verdict": "right", "expected": target, "typo": False}
        score = fuzz.ratio(given, want)
        latin = not re.search(r"[\u3400-\u9fff]", want)
        if latin and score >= TYPO_RATIO and Levenshtein.distance(given, want) <= TYPO_EDITS:
            return {"verdict": "right", "expected": target, "typo": True}
        if score > best_score:
            best, best_score = target, score
    verdict = "near" if best_score >= NEAR_RATIO else "wrong"
    return {"verdict": verdict, "expected": best, "typo": False}


def diff_parts(given: str, expected: str) -> list[tuple[str, str]]:
    """(text, how) pieces of the expected answer: 'same' or 'missed', for showing a near miss."""
    import difflib

    folded = expected.casefold()
    # Case is not what differs: match case-folded, show the answer as written.
    sm = difflib.SequenceMatcher(a=given.casefold(), b=folded if len(folded) == len(expected) else expected,
                                 autojunk=False)
    parts = []
    for op, _, _, j1, j2 in sm.get_opcodes():
        if j2 > j1:
            parts.append((expected[j1:j2], "same" if op == "equal" else "missed"))
    return parts


# ---------------------------------------------------------------- summaries


def next_due(conn: sqlite3.Connection, pool: set[str] | None = None) -> str | None:
    rows = conn.execute(
        "SELECT s.card_id, s.due FROM card_schedule s JOIN cards c ON c.id = s.card_id WHERE c.active = 1 ORDER BY s.due"
    ).fetchall()
    for r in rows:
        if pool is None or r["card_id"] in pool:
            return r["due"]
    return None


def counts(conn: sqlite3.Connection, now: dt.datetime | None = None) -> dict:
    """reviews, due and retention (share of reviews not rated Again) for kb stats."""
    now = now or now_utc()
    reviews = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    recalled = conn.execute("SELECT COUNT(*) FROM reviews WHERE rating > 1").fetchone()[0]
    due = conn.execute(
        "SELECT COUNT(*) FROM card_schedule s JOIN cards c ON c.id = s.card_id WHERE c.active = 1 AND s.due <= ?",
        (_iso(now),),
    ).fetchone()[0]
    return {"reviews": reviews, "due": due, "retention": round(recalled / reviews, 3) if reviews else None}
