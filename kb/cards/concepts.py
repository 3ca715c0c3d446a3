"""One card per concept: a term's definitions from every post it was found in, best-worded first,
and the aliases they give together; and the card ids, which depend on the concept alone.

Pure functions; the store (store.py) keeps the per-post occurrences and the cards built from them.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from kb.cards.terms import norm_term

KINDS = ("definition", "reverse", "alias", "choice")

# How plainly a frame states what a term is (see extract.STRENGTH): the card shows the plainest.
_FRAME_RANK = {"copula": 3, "gloss": 3, "appositive": 3, "list-item": 3, "named-after": 2, "function": 2,
               "wording": 2, "refer-back": 1}

# A definition that opens by saying what kind of thing the term is reads best on a card.
_KIND_OPENING_RE = re.compile(r"^[:\s]*(?:是一种|是一类|是一个|是指|指的是|是|就是|即|定义为|的定义为)")


def card_id(norm: str, kind: str) -> str:
    """A card's id: the first 16 hex digits of SHA-1(normalized term, U+001F, kind).

    It depends on nothing but the concept and the kind of card — not on the post it was found in,
    nor on the definition's text — so a card keeps its id, and its schedule and reviews, when a
    re-import rewords its definition, when another post defines the same term, and across rebuilds.
    kb/store/migrations.py (m009) computes the same ids from the cards of older databases.
    """
    return hashlib.sha1(f"{norm}\x1f{kind}".encode()).hexdigest()[:16]


@dataclass
class Occurrence:
    """A term's definition in one post (a row of card_sources)."""

    post_id: int
    slug: str
    term: str
    aliases: list[str]
    definition: str
    pattern: str
    position: int


@dataclass
class Concept:
    norm: str
    term: str
    definition: str
    slug: str
    post_id: int
    pattern: str
    position: int
    aliases: list[str] = field(default_factory=list)
    others: list[Occurrence] = field(default_factory=list)  # the other posts' definitions, best first

    @property
    def kinds(self) -> list[str]:
        return [k for k in KINDS if k != "alias" or self.aliases]


# A card lists at most this many of a term's posts' definitions (the best-worded ones); its aliases
# come from them too. A synthetic corpus may define one term in thousands of posts.
MAX_SHOWN = 6


def wording_rank(pattern: str, definition: str, post_id: int) -> str:
    """How well a definition reads on a card, as a key that sorts best first (card_sources.rank): a
    plain frame, an opening that says what kind of thing the term is, a length a learner takes in at
    once; ties go to the post imported first (a post's id never changes, so a rebuild agrees with
    the imports that came before it, and a later post's equal wording never moves the card)."""
    n = len(definition)
    fits = 0 if 12 <= n <= 110 else (1 if n < 12 else 2 if n <= 160 else 3)
    return f"{3 - _FRAME_RANK.get(pattern, 2)}{0 if _KIND_OPENING_RE.match(definition) else 1}{fits}{post_id:012d}"


def concept(norm: str, occurrences: list[Occurrence]) -> Concept:
    """The card a term's occurrences make: the best-worded one shown, the others on the answer side."""
    ranked = sorted(occurrences, key=lambda o: (wording_rank(o.pattern, o.definition, o.post_id), o.position))
    ranked = ranked[:MAX_SHOWN]
    best = ranked[0]
    aliases: list[str] = []
    seen = {norm}
    for o in ranked:
        for a in o.aliases:
            key = norm_term(a)
            if key and key not in seen:
                seen.add(key)
                aliases.append(a)
    others = [o for o in ranked[1:] if o.definition != best.definition]
    return Concept(norm, best.term, best.definition, best.slug, best.post_id, best.pattern, best.position,
                   aliases, others)
