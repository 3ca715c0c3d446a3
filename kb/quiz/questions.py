"""Quiz questions: what each kind of card asks (definition, reverse, alias, choice among definitions of
sibling concepts), the post it comes from, and grading typed answers (typos, near misses).
"""
from __future__ import annotations

import json
import math
import random
import re
import sqlite3
import unicodedata

from kb.cards import control, decisions
from kb.cards.masking import MASK, mask  # noqa: F401 - MASK and mask are this module's API too
from kb.cards.terms import norm_term

# Latin-script answers within this rapidfuzz ratio and edit distance are a typo, not a miss.
TYPO_RATIO = 88.0
TYPO_EDITS = 2
NEAR_RATIO = 60.0
# A question names at most this many of the posts defining its term (a decade of captures may hold
# thousands): the best-worded ones, with how many there are.
SOURCES_SHOWN = 10
# How much being of the card's own topics weighs against the other signs of a sibling (_sibling_score).
TOPIC_WEIGHT = 5.0


def shuffler() -> random.Random:
    """What orders a choice card's options: a new order every time, unless KB_QUIZ_SEED (an integer)
    makes every session the same — for reproducing one, and for tests comparing two front ends."""
    import os

    seed = os.environ.get("KB_QUIZ_SEED", "").strip()
    return random.Random(int(seed)) if seed.lstrip("-").isdigit() else random.Random()


def _titles(conn: sqlite3.Connection, slugs: list[str]) -> dict[str, str]:
    if not slugs:
        return {}
    marks = ",".join("?" * len(slugs))
    return dict(conn.execute(f"SELECT slug, title FROM posts WHERE slug IN ({marks})", slugs).fetchall())


def question(conn: sqlite3.Connection, cid: str, *, pool: set[str] | None = None,
             rng: random.Random | None = None) -> dict:
    """What a card asks: {card_id, kind, question, answer, accepted, slug, title, term, choices, others,
    sources, sources_total}. The answer side names its post (slug, title), the other posts' wordings
    (others: [{slug, title, definition}]) and the posts defining the term (sources: [{slug, title}], the
    best-worded SOURCES_SHOWN of them; sources_total: how many posts define it). Choices are
    shuffled by rng: a new order every session (and every time a card comes back)."""
    found = control.shown(conn, cid, sources_limit=SOURCES_SHOWN)
    if found is None:
        raise KeyError(cid)
    c, derived = found
    titles = _titles(conn, c["sources"])
    q = {"card_id": cid, "kind": c["kind"], "slug": c["slug"], "title": titles.get(c["slug"], ""),
         "term": c["term"], "choices": None, "others": [],
         "sources": [{"slug": s, "title": titles.get(s, "")} for s in c["sources"]],
         "sources_total": max(c["sources_total"], len(c["sources"]))}
    others = [o | {"title": titles.get(o["slug"], "")} for o in c["others"]]
    # The posts' own term is an answer too when the user renamed the card.
    names = list(dict.fromkeys([c["term"], derived["term"], *c["aliases"]]))
    if c["kind"] == "definition":
        shown = c["term"] + (f" ({', '.join(c['aliases'])})" if c["aliases"] else "")
        # The best-worded definition is the answer; other posts' definitions of the term come after it.
        q.update(question=shown, answer=c["definition"], accepted=[c["definition"]], others=others)
    elif c["kind"] == "reverse":
        q.update(question=mask(c["definition"], names), answer=c["term"], accepted=names, others=others)
    elif c["kind"] == "alias":
        q.update(question=c["term"], answer=" / ".join(c["aliases"]), accepted=c["aliases"])
    else:
        # Each definition with its own term blanked: 'X是…X…' must not give itself away.
        right = mask(c["definition"], names)
        choices = [right, *(mask(d, other) for d, other in distractors(conn, c, pool=pool))]
        (rng or shuffler()).shuffle(choices)
        q.update(question=c["term"], answer=right, accepted=[right], choices=choices)
    return q


# ---------------------------------------------------------------- distractors


def _script(text: str) -> str:
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    return "cjk" if cjk >= 0.3 * max(1, len(text.replace(" ", ""))) else "latin"


def head(term: str) -> str:
    """What kind of thing a term names, by its last word: 损失 of 对比损失, 距离 of Wasserstein距离,
    flow of Normalizing flow (the head of a Chinese compound is its end)."""
    norm = unicodedata.normalize("NFKC", term).casefold().strip()
    m = re.search(r"([a-z][a-z0-9-]*)\s*$", norm)
    if m:
        return m.group(1)
    chars = re.findall(r"[\u3400-\u9fff]", norm)
    return "".join(chars[-2:]) if len(chars) >= 2 else norm


# "是一种生成模型,…" / "是指一类…的方法": the kind of thing a definition says its term is.
_KIND_RE = re.compile(r"^\s*(?:就|也)?(?:是|为|指)(?:指)?(?:一种|一类|一个|一组|一套|一项|一门)([^,，。;；:：(（]{1,24})")


def category(definition: str) -> str | None:
    m = _KIND_RE.match(definition)
    return head(m.group(1)) if m else None


def _is_formula(definition: str) -> bool:
    return "\\(" in definition or "\\[" in definition or "$" in definition


def _gives_away(text: str, names: list[str]) -> bool:
    """Whether a wrong option mentions the asked term or one of its names (it would answer, or mislead)."""
    folded = norm_term(text)
    return any(len(n := norm_term(name)) >= 2 and n in folded for name in names)


def _names_itself(card) -> bool:
    return norm_term(card["term"]) in norm_term(card["definition"])


def _sibling_score(card: dict, row: sqlite3.Row) -> float:
    """How much a definition looks like the right one: the same kind of thing (head noun, the category
    it says), the same form (a formula among formulas), script and length."""
    score = 0.0
    if head(row["term"]) == head(card["term"]):
        score += 3
    kind = category(card["definition"])
    if kind and kind == category(row["definition"]):
        score += 2
    if card.get("category") and row["category"] == card.get("category"):
        score += 1
    score += 3 if _is_formula(row["definition"]) == _is_formula(card["definition"]) else -4
    # A definition naming its own term shows a blank once masked: the right one must not be alone in that.
    if _names_itself(row) == _names_itself(card):
        score += 1.5
    score += 1.5 if _script(row["definition"]) == _script(card["definition"]) else -2
    score -= 2.5 * abs(math.log(max(1, len(row["definition"])) / max(1, len(card["definition"]))))
    return score


def distractors(conn: sqlite3.Connection, card: dict, *, pool: set[str] | None = None,
                n: int = 3) -> list[tuple[str, list[str]]]:
    """Up to three definitions of sibling concepts (with their terms), the most alike first.

    Siblings are of the topic being drilled (pool), else preferably of the card's own topics
    (TOPIC_WEIGHT); alike is _sibling_score. Never a definition of the answer's own term or one of
    its aliases, nor one that names it; never a concept the user deleted or suspended. Only when the
    topic drilled has no other definition at all do the nearest others stand in: a question with one
    choice would ask nothing. Candidates come by index (_candidates), never from every card.
    """
    own_names = [card["term"], *card["aliases"]]
    own = {norm_term(x) for x in own_names}
    explicit = pool is not None
    me = conn.execute("SELECT c.norm_term, p.category FROM cards c JOIN posts p ON p.id = c.post_id WHERE c.id = ?",
                      (card["id"],)).fetchone()
    norm = me[0] if me else card.get("norm_term") or norm_term(card["term"])
    card = card | {"category": me[1] if me else None}
    if explicit:
        # A topic's definitions by term: the pool holds ids of every kind, its definition cards are those
        # of the same term (a topic pool need not list the definition card itself).
        in_topic: set[str] | None = {r[0] for r in conn.execute(
            "SELECT DISTINCT c.norm_term FROM json_each(?) j JOIN cards c ON c.id = j.value", (json.dumps(sorted(pool)),))}
    else:
        from kb.quiz import topics

        in_topic = topics.mates(conn, norm)
    rows = _candidates(conn, card, norm, in_topic, others=not explicit)
    scored = _scored(conn, card, rows, in_topic, own, own_names)
    if explicit and not any(not c[0] for c in scored):
        scored = _scored(conn, card, _candidates(conn, card, norm, None, others=True), in_topic, own, own_names)
    if explicit and any(not c[0] for c in scored):
        scored = [c for c in scored if not c[0]]  # a topic drilled: nothing from elsewhere
    scored.sort(key=lambda c: c[1:3])
    return [(d, names) for *_, d, names in scored[:n]]


# Besides the card's topics, a choice's wrong options are looked for among this many definitions of
# each other kind of sibling (the card's posts', its category's, any): a bounded set at any corpus size.
OTHERS = 200
_DEFINITIONS = ("SELECT c.rowid AS rid, c.id, c.term, c.norm_term, c.aliases, c.definition, p.category FROM cards c"
                " JOIN posts p ON p.id = c.post_id WHERE c.kind = 'definition' AND c.active = 1")


def _candidates(conn: sqlite3.Connection, card: dict, norm: str, in_topic: set[str] | None, *,
                others: bool) -> list[sqlite3.Row]:
    """Definition cards that may stand beside the card: its topic's (in_topic), and with others the
    concepts defined in its posts, those of its category and a sample of every card (by id from its
    own, so each card meets others), each by index and at most OTHERS."""
    found: dict[str, sqlite3.Row] = {}
    queries: list[tuple[str, tuple]] = []
    if in_topic:
        queries.append((_DEFINITIONS + " AND c.norm_term IN (SELECT value FROM json_each(?))",
                        (json.dumps(sorted(in_topic)),)))
    if others:
        queries.append((_DEFINITIONS + " AND c.norm_term IN (SELECT DISTINCT s.norm_term FROM card_sources s"
                        " WHERE s.post_id IN (SELECT post_id FROM card_sources WHERE norm_term = ? ORDER BY rank LIMIT 20)"
                        f" LIMIT {OTHERS})", (norm,)))
        if card.get("category"):
            queries.append((_DEFINITIONS + f" AND p.category = ? LIMIT {OTHERS}", (card["category"],)))
        queries.append((_DEFINITIONS + f" AND c.id >= ? ORDER BY c.id LIMIT {OTHERS}", (card["id"],)))
        queries.append((_DEFINITIONS + f" AND c.id < ? ORDER BY c.id LIMIT {OTHERS}", (card["id"],)))
    for sql, params in queries:
        for r in conn.execute(sql, params):
            found.setdefault(r["id"], r)
    return list(found.values())


def _scored(conn: sqlite3.Connection, card: dict, rows: list, in_topic: set[str] | None, own: set[str],
            own_names: list[str]) -> list[tuple]:
    """(not topical, -score, id, definition, names) of each definition that may be a wrong option."""
    decided = decisions.of(conn, [r["id"] for r in rows])
    seen_defs = {card["definition"]}
    out = []
    for r in sorted(rows, key=lambda r: r["rid"]):  # as stored: of equal definitions the first one stays
        d = decided.get(r["id"])
        if d is not None and d.suspended_at:
            continue
        if d is not None and d.edited:
            r = dict(r) | {"term": d.term or r["term"], "definition": d.definition or r["definition"]}
        aliases = json.loads(r["aliases"] or "[]")
        names = {r["norm_term"], norm_term(r["term"]), *(norm_term(a) for a in aliases)}
        if names & own or r["definition"] in seen_defs or _gives_away(r["definition"], own_names):
            continue
        seen_defs.add(r["definition"])
        topical = in_topic is None or r["norm_term"] in in_topic
        # Of the card's own topics a sibling counts for more, yet a formula answer is better met by
        # formulas from elsewhere than by prose of its topic.
        score = _sibling_score(card, r) + (TOPIC_WEIGHT if topical else 0)
        out.append((not topical, -score, r["id"], r["definition"], [r["term"], *aliases]))
    return out


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
