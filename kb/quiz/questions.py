"""Quiz questions: what each kind of card asks (definition, reverse, alias, choice with distractors
of the same topic), and grading typed answers (typos, near misses).
"""
from __future__ import annotations

import json
import random
import re
import sqlite3
import unicodedata

from kb.cards.store import card_dict, sources_of
from kb.cards.terms import norm_term

# Latin-script answers within this rapidfuzz ratio and edit distance are a typo, not a miss.
TYPO_RATIO = 88.0
TYPO_EDITS = 2
NEAR_RATIO = 60.0
MASK = "＿＿"


def _card(conn: sqlite3.Connection, cid: str) -> dict:
    row = conn.execute("SELECT * FROM cards WHERE id = ?", (cid,)).fetchone()
    return card_dict(row, sources_of(conn, {row["norm_term"]})) | {"norm_term": row["norm_term"]}


def question(conn: sqlite3.Connection, cid: str, *, pool: set[str] | None = None) -> dict:
    """What a card asks: {card_id, kind, question, answer, accepted, slug, term, choices}."""
    c = _card(conn, cid)
    q = {"card_id": cid, "kind": c["kind"], "slug": c["slug"], "term": c["term"], "choices": None, "others": []}
    names = [c["term"], *c["aliases"]]
    if c["kind"] == "definition":
        shown = c["term"] + (f" ({', '.join(c['aliases'])})" if c["aliases"] else "")
        # The best-worded definition is the answer; other posts' definitions of the term come after it.
        q.update(question=shown, answer=c["definition"], accepted=[c["definition"]], others=c["others"])
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
    own = {norm_term(x) for x in [card["term"], *card["aliases"]]}
    rows = conn.execute(
        "SELECT id, slug, term, norm_term, aliases, definition FROM cards WHERE kind = 'definition' AND active = 1"
    ).fetchall()
    if pool is None:
        from kb.quiz import topics

        pool = topics.mates(conn, card["id"])
    # A topic's definitions by term: the pool holds ids of every kind, its definition cards are those
    # of the same term (a topic pool need not list the definition card itself).
    in_topic: set[str] | None = None
    if pool is not None:
        in_topic = {r["norm_term"] for r in conn.execute("SELECT id, norm_term FROM cards") if r["id"] in pool}
    script = _script(card["definition"])
    seen_defs = {card["definition"]}
    candidates = []
    for r in rows:
        names = {r["norm_term"], *(norm_term(a) for a in json.loads(r["aliases"] or "[]"))}
        if names & own or r["definition"] in seen_defs:
            continue
        seen_defs.add(r["definition"])
        rank = (
            0 if in_topic is None or r["norm_term"] in in_topic else 1,
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
