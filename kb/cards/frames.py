"""The appositive chain, a general frame Chinese technical writing defines a term in (X,即Y,… /
X,又称为Y(Z),是… / X,全称为"Y",是… / GPT,即 …,中文常译为…,是…): the term, its other names, the clause
that says what it is. The other frames are candidates.py's and passing.py's; naming frames (…称为X,
这就是X, X,这是一种…) are naming.py's.

Pure functions; each yields Definitions whose pattern names the frame.
"""
from __future__ import annotations

import re

from kb.cards import bodies
from kb.cards.clauses import Sentences, after_space, opens_sentence, subject_at
from kb.cards.glosses import alias_chain
from kb.cards.terms import Definition, named
from kb.text import CJK

# What may follow the chain's names: a copula, what the thing does, or Chinese prose.
_COPULA_RE = re.compile(
    r"(?=[是指就即被定意可的不为])(?P<v>是指|指的是|就是说|就是|即是|即为|被定义为|定义为|意味着|可以(?:被)?(?:看做|看作|视为|理解为)(?:是)?"
    r"|可(?:看做|看作|视为)(?:是)?|是(?![否不的]|为了|因为|由于|怎么|如何|什么|谁|哪|吗|对|在于|会|能|可以|要|应该|用了|采用了|减少|增加|提高|降低|使|让)"
    r"|指(?![出导定向示标针令数南引挥明望])|的定义(?:为|是)|不是(?=[^。;!?]{1,40}?,\s*而是)"
    r"|(?<![化换解称视作成变义设认分记写示改置归名并定])为(?=一种|一类|一个|更广义))"
)

_FUNCTION_RE = re.compile(
    r"(?=[的要做旨通主一用同使利则])(?P<v>的(?:作用|做法|意思|含义|核心思想|基本思想|主要思想|思想|思路|解决方案|核心|关键创新|核心创新)(?:就)?(?:是|为|在于)"
    r"|的(?:做法|思路|想法)(?:很|非常)简单\s*:|(?:要)?做的(?:事情)?(?:就)?是|旨在|(?:通常|主要|一般)?用(?:来|于)(?=描述|表示|衡量|度量|解决|计算|估计|建模)"
    r"|通过(?=[^。;!?]{2,40}?(?:来|从而|以|实现|进行))|(?:同时)?(?:使用|利用)(?=[^。;!?]{2,30}?来)"
    r"|(?<=[A-Za-z0-9" + CJK + r"])则(?!不|是|会|可|能|要|在))"
)

_CJK_RE = re.compile(f"[{CJK}]")

_ALIAS_COMMA_RE = re.compile(
    r",\s*(?=即|也就是说?|就是|又|也称|也叫|也被|简称|全称|中文|英文|译为|翻译为|通常被?翻译|\(|[\"“]|[A-Za-z][A-Za-z0-9\-]*(?: [A-Za-z][A-Za-z0-9\-]*)*\s*,)"
)

_EXPLAINS_RE = re.compile(r",\s*(?:即|也就是说|也就是|就是)\s*")


def appositives(s: Sentences) -> list[Definition]:
    """X,即Y,… / X,又称为Y(Z),是… / X,全称为"Y",是… / BatchNorm,(Batch Normalization),批归一化,旨在…:
    the term, its other names, then the clause that defines it."""
    out = []
    text = s.text
    for m in _ALIAS_COMMA_RE.finditer(text):
        subj = subject_at(s, m.start())
        if subj is None:
            continue
        term, aliases, at = subj
        if not opens_sentence(s, at) and text[s.clause_start(at) - 1 : s.clause_start(at)] != ":":
            continue
        names, end = alias_chain(text, m.start(), term)
        lead = _EXPLAINS_RE.match(text, m.start(), m.start() + 8)
        if names and text[end : end + 1] == ",":
            start = after_space(text, end + 1)
            if not (_COPULA_RE.match(text, start) or _FUNCTION_RE.match(text, start) or _CJK_RE.match(text[start : start + 1])):
                continue
            body = bodies.definition_from(text, start, start, para=True)
            pattern = "appositive"
        elif lead and not names and (aliases or named(term)):
            at = lead.end()  # X(Y),即…, 所谓X,就是…: what it is
            body = bodies.definition_from(text, at if lead.group().strip(", ") != "就是" else at - 2, at, para=True)
            pattern = "appositive"
        else:
            continue
        if body is None or bodies.says_nothing(body, term) or len(body) < 6:
            continue
        out.append(Definition(term, body, [*aliases, *[n for n in names if n not in aliases]], pattern, m.start()))
    return out


