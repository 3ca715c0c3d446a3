"""Candidates that name a term in passing, each a frame the scorer (model.py) weighs: a context
(对X来说, / 在X中,), an aside (长期依赖(时间序列上…)), the thing a
sentence builds (…学习一个X), a clause's last term explained after a comma (…X,即…).

Pure functions of the text (the main frames are in candidates.py).
"""
from __future__ import annotations

import re

from kb.cards import bodies
from kb.cards.candidates import Candidate
from kb.cards.clauses import Sentences
from kb.cards.glosses import names_before, real_aliases
from kb.cards.terms import cjk_term, is_cjk_term, latin_term, tail_term
from kb.text import CJK

_LATIN2_RE = re.compile("[A-Za-z]{2}")


# ---------------------------------------------------------------- contexts

_CONTEXT = ("(?P<c>\\s*(?:而)?(?P<w>对于|对|在做|在)\\s*(?P<t>[^,。;!?:\\s][^,。;!?:]{0,24}?)\\s*"
            "(?P<e>来说|而言|中|里面|里|的时候|时)\\s*,)")

_CONTEXT_AT_START_RE = re.compile(_CONTEXT)

# The character before the context is consumed (and left out of group c): a character class first lets
# the engine skip to each candidate at C speed, where a look-behind would be tried at every position.
_CONTEXT_RE = re.compile(f"[。!?;:\\s]{_CONTEXT}")


def _contexts(text: str) -> list[re.Match]:
    """The matches of a context (group c) at the text's start or after a sentence end or a space."""
    first = _CONTEXT_AT_START_RE.match(text)
    found = [first] if first else []
    return found + list(_CONTEXT_RE.finditer(text, first.end() if first else 0))


def contexts(s: Sentences) -> list[Candidate]:
    """对X来说,… / 在X中,… / 在做X的时候,…: a sentence about X opening with it."""
    out = []
    text = s.text
    for m in _contexts(text):
        if m.group("w") in ("对", "对于") and m.group("e") not in ("来说", "而言"):
            continue
        raw = m.group("t").strip()
        term = cjk_term(raw) if is_cjk_term(raw) else latin_term(raw)
        if term is None or term != raw:
            continue
        body = bodies.definition_from(text, m.end(), m.end(), para=True)
        if body is None or bodies.says_nothing(body, term, kind=False) or len(body) < 8:
            continue
        out.append(Candidate(term, m.group("c").strip() + body, [], "context", m.group("e"), m.end("t"), m.start("t")))
    return out


# ---------------------------------------------------------------- a term in passing: its aside, the thing learned

_ASIDE_RE = re.compile(f"\\((?<=[{CJK}]\\()(?P<a>[{CJK}][^()]{{5,40}})\\)")  # "(" first: a fast scan

_NOT_ASIDE_RE = re.compile("^(?:例如|比如|如|即|包括|见|注|其中|下同|参见|图|表|式|第|也就是|这|那|它|单位|简称|又称|也称|英文|全称|缩写)")


def asides(s: Sentences) -> list[Candidate]:
    """长期依赖(时间序列上距离较远的节点): a term and what it is, in parentheses after it."""
    out = []
    text = s.text
    for m in _ASIDE_RE.finditer(text):
        inner = m.group("a")
        if _NOT_ASIDE_RE.match(inner) or _LATIN2_RE.search(inner[:3]):
            continue
        clause = text[s.clause_start(m.start()) : m.start()]
        term = tail_term(clause)
        if term is None or len(term) < 2:
            continue
        out.append(Candidate(term, inner, [], "aside", "", m.start(), m.start() - len(term)))
    return out


_LEARNS_RE = re.compile(f"(?:学习|训练|得到|构建|学到)(?:一个|一种)(?P<t>[{CJK}A-Za-z][{CJK}A-Za-z0-9\\- ]{{1,20}}?)\\s*(?=[;。]|$)")


def learned(s: Sentences) -> list[Candidate]:
    """…通过硬边界最大化,学习一个线性可分支持向量机;: the thing the sentence builds, named at its end."""
    out = []
    text = s.text
    for m in _LEARNS_RE.finditer(text):
        raw = m.group("t").strip()
        term = cjk_term(raw) if is_cjk_term(raw) else latin_term(raw)
        if term is None or term != raw:
            continue
        body = text[s.sentence_start(m.start()) : m.end()].strip()
        if len(body) < len(term) + 10:
            continue
        out.append(Candidate(term, bodies.clean(body), [], "named", "learns", m.end(), m.start("t")))
    return out


# ---------------------------------------------------------------- a clause's last term, explained after a comma

_EXPLAINS_RE = re.compile(
    r",\s*(?P<w>即|也就是说|也就是|亦即|就是|是指|指的是|可(?:以)?(?:简单|直观|通俗)?(?:地)?理解为)\s*:?\s*(?!是|说)"
)


def explains(s: Sentences) -> list[Candidate]:
    """…服从独立同分布,即每个样本… / 另外还有元语言,就是… / …讨论的目标概念, 可简单理解为…: the term
    ending a clause, then what it means."""
    out = []
    text = s.text
    for m in _EXPLAINS_RE.finditer(text):
        end = m.start()
        names, end = names_before(text, end)
        clause = text[s.clause_start(end) : end].rstrip()
        term = tail_term(clause)
        if term is None:
            continue
        aliases = real_aliases(term, names) if names else []
        if names and aliases is None:
            continue
        body = bodies.definition_from(text, m.start("w"), m.end(), para=True)
        if body is None or bodies.says_nothing(body, term, kind=False) or len(body) < 8:
            continue
        whole = clause.strip() == term
        cue = "whole" if whole else "tail"
        out.append(Candidate(term, body, aliases or [], "explains", cue, end, end - len(term)))
    return out


# ---------------------------------------------------------------- a quoted term

_QUOTED_RE = re.compile("[“\"「](?P<t>[^”\"」,。;:!?]{2,16})[”\"」]")


def quoted(s: Sentences) -> list[Candidate]:
    """“X” in a sentence: the text marks a name it is introducing; the sentence is what it says of it."""
    out = []
    text = s.text
    for m in _QUOTED_RE.finditer(text):
        raw = m.group("t").strip()
        term = cjk_term(raw) if is_cjk_term(raw) else latin_term(raw)
        if term is None or term != raw:
            continue
        begin = s.sentence_start(m.start())
        body = (text[begin : m.start()] + bodies.until_sentence_end(text, m.start(), para=True)).strip()
        body = bodies.clean(body)
        if len(body) < len(term) + 8:
            continue
        cue = "opens" if not text[begin : m.start()].strip() else "inside"
        out.append(Candidate(term, body, [], "quoted", cue, m.end(), m.start("t")))
    return out
