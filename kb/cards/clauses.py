"""Clauses and subjects: where each clause and sentence of a text starts, and the term whose clause
has its verb at a position (the region back to the clause's start, cut on the segmentation's words).

Pure functions of the text; every frame (candidates.py, passing.py, frames.py, naming.py) finds its subjects here.
"""
from __future__ import annotations

import bisect
import functools
import re

from kb.cards.glosses import names_before, real_aliases
from kb.cards.terms import subject_term
from kb.text import CJK

MAX_REGION = 80  # a subject runs back at most this far to its clause's start (or its last space)

_LONGEST_CHUNK = 26  # a Chinese run longer than this before its verb is a clause (a term and its fillers are shorter)

# Each expression opens with the one character it consumes, so that the engine skips every other
# character at C speed (a look-behind or an alternation first would try each position in turn).
_BOUNDARY_RE = re.compile(r"[,;:。!?\n、()\[\]](?<!\\[()\[\]])")  # a bracket not after a backslash

# Adverbs between a subject and its verb that do not change what is defined (感知器本身就是…).
_ADVERBS_RE = re.compile("(?:实际上|本质上|其实|本身|通常|一般|主要|也|就|则|都|便|只|正|还|又|即)+$")


_SENTENCE_END_RE = re.compile(f"[。!?;\\n ](?:(?<=[。!?;\\n])|(?<=[{CJK}] )(?=[{CJK}]))")  # or a space between CJK

_MATH_RE = re.compile(r"\\\((?:(?!\\\)).)*\\\)|\\\[(?:(?!\\\]).)*\\\]", re.DOTALL)


def _outside(spans: list[tuple[int, int]], positions: list[int]) -> list[int]:
    """The positions that fall in none of the (sorted, disjoint) spans: punctuation inside a formula ends nothing."""
    for start, end in reversed(spans):
        lo, hi = bisect.bisect_right(positions, start), bisect.bisect_right(positions, end)
        if lo < hi:
            del positions[lo:hi]
    return positions


class Sentences:
    """Where each clause and sentence of a text starts: one scan, then each lookup is a bisection."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.bounds = [m.end() for m in _BOUNDARY_RE.finditer(text)]
        self.ends = [m.end() for m in _SENTENCE_END_RE.finditer(text)]
        if "\\(" in text or "\\[" in text:
            math = [m.span() for m in _MATH_RE.finditer(text)]
            self.bounds, self.ends = _outside(math, self.bounds), _outside(math, self.ends)

    def clause_start(self, pos: int) -> int:
        """After the last clause boundary before pos (a comma, colon, bracket or sentence end)."""
        i = bisect.bisect_right(self.bounds, pos) - 1
        return self.bounds[i] if i >= 0 else 0

    def sentence_start(self, pos: int) -> int:
        i = bisect.bisect_right(self.ends, pos) - 1
        return self.ends[i] if i >= 0 else 0

    def region(self, pos: int) -> tuple[int, str] | None:
        """The subject region before pos: back to the clause's start, or to its last space within
        MAX_REGION characters (a heading run on into the text); None when there is none."""
        start = self.clause_start(pos)
        if pos - start > MAX_REGION:
            cut = self.text.rfind(" ", pos - MAX_REGION, pos)
            if cut < 0:
                return None
            start = cut + 1
        return start, self.text[start:pos]


_SPACE_RE = re.compile(r"\s*")


def after_space(text: str, pos: int) -> int:
    """Where the white space at text[pos:] ends (text[pos:].lstrip()'s start, without copying the rest)."""
    return _SPACE_RE.match(text, pos).end() if pos < len(text) else pos


def before_space(text: str, pos: int) -> int:
    """Where the white space ending at pos starts (len(text[:pos].rstrip()), without copying the text before)."""
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    return pos


def subject_at(s: Sentences, pos: int) -> tuple[str, list[str], int] | None:
    """The term (with its aliases) whose clause has its verb at pos, and where the term starts."""
    text = s.text
    end = pos
    names = None
    if text.find(")", max(0, pos - 9), pos) >= 0:  # a gloss may stand before the verb (most subjects have none)
        adverbs = _ADVERBS_RE.search(text, max(0, pos - 8), pos)
        if adverbs and text[adverbs.start() - 1 : adverbs.start()] == ")":
            end = adverbs.start()  # 随机森林(Random Forest)就是…: the gloss, an adverb, the verb
        names, end = names_before(text, end)
        start = s.clause_start(end)
    else:
        start = s.clause_start(end)
        if end - start > _LONGEST_CHUNK and text.rfind(" ", end - _LONGEST_CHUNK, end) < 0 \
                and not _LATIN_IN_RE.search(text, end - _LONGEST_CHUNK, end):
            return None  # a whole Chinese clause before the verb: no name to cut (most copulas end here)
    if end - start > MAX_REGION:  # the region (Sentences.region), its clause's start known
        cut = text.rfind(" ", end - MAX_REGION, end)
        if cut < 0:
            return None
        start = cut + 1
    region = text[start:end]
    if text[start - 1 : start] == ")" and not names and " " not in region.strip():
        return None  # Probing(探针)策略是…: the name runs on past its gloss
    region = region.rstrip()
    if not region or end - start - region.rfind(" ") > _LONGEST_CHUNK and not _LATIN_IN_RE.search(region):
        return None  # no room for a name, or a whole Chinese clause: nothing to cut
    found = subject(region, bool(names))
    if found is None:
        return None
    term, beside = found
    aliases: list[str] = []
    if names:  # a same-language aside in parentheses (长期依赖(时间序列上…)) is no other name
        aliases = real_aliases(term, names) or []
    if len(term) == 1 and not aliases:
        return None  # one character, named no other way: a word, not a term
    at = region.rfind(term)
    return term, [*aliases, *beside], start + (at if at >= 0 else len(region) - len(region.lstrip()))


@functools.lru_cache(maxsize=16384)
def subject(region: str, glossed: bool) -> tuple[str, list[str]] | None:
    """subject_term, cached: every frame asks for the subjects of the same regions, and a capture's
    sentences recur across its posts and re-captures. Its lists are shared: never change them."""
    return subject_term(region, glossed=glossed)


@functools.lru_cache(maxsize=8192)
def label_subject(region: str, glossed: bool) -> tuple[str, list[str]] | None:
    """A list item's label as a term (subject_term's label mode), cached: labels recur across posts."""
    return subject_term(region, glossed=glossed, label=True)


_DISCOURSE_RE = re.compile(
    r"(?:另一方面|此外|其中|同时|而|然而|相比之下|与此不同|所谓的?|那么|所以|因此|其实|总之|首先|接着|最后|另外|当然|总的来看)"
    r"\s*,?\s*$"
)


def opens_sentence(s: Sentences, at: int) -> bool:
    """Whether the term starting at at opens its sentence (after a discourse word or a heading at most)."""
    start = s.sentence_start(at)
    lead = s.text[start:at]
    return not lead.strip() or bool(_DISCOURSE_RE.fullmatch(lead.strip())) or _is_heading_gap(lead)


def clause_opens_sentence(s: Sentences, pos: int) -> bool:
    """Whether the clause holding pos opens its sentence (after a discourse word at most): cheap to ask
    before the subject is known."""
    start, clause = s.sentence_start(pos), s.clause_start(pos)
    return clause <= start or bool(_DISCOURSE_RE.fullmatch(s.text[start:clause].strip(" ,")))


def _is_heading_gap(lead: str) -> bool:
    """The text before the term is a heading run on into the sentence (生成式模型对比 自回归模型…)."""
    return lead.endswith(" ") and not _CLAUSE_MARK_RE.search(lead) and len(lead) <= 40


_CLAUSE_MARK_RE = re.compile("[,;:]")


_LATIN_IN_RE = re.compile("[A-Za-z]{2}")
