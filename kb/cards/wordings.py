"""Definitions worded outside the marker patterns: a post's opening X是…, numbered items, 将…称为X,
quoted definitions, named classes, glosses, 提出了X, roles and likenesses.
"""
from __future__ import annotations

import re

from kb.cards.bodies import LOOKBACK, EVALUATIVE_RE, PLACEHOLDER_RE, clause_body, clause_start, scan, shorten
from kb.cards.terms import HAS_CJK_RE, Definition, clean_term, named, subject, term_before
from kb.text import CJK

# A post's opening sentence (after a short heading: 引言与背景, 动机 …) or a numbered item's, when it
# is a whole term (and its alias) followed by 是 — or, for a term with a parenthesized alias, 能 —
# defines that term: ViT(vision transformer)是…, 动机 Faster RCNN是…, 1. 正向加噪是….
# Anywhere else a sentence-initial X是… is as often a judgement (MAE是…的又一力作) as a definition.
_JUDGEMENT_RE = re.compile("(?:力作|之作|基础|前提|里程碑|突破|趋势|热点|方向|关键|主流|首选|利器)$")


_WHOLE_TERM_RE = re.compile(f"[A-Za-z0-9][\\w\\-+./' ]*$|[A-Za-z0-9\\-]*[{CJK}][{CJK}A-Za-z0-9\\-]*$")


_LEAD_HEAD_RE = re.compile(r"\s*[^\s,。:;!?()\[\]]{1,12}\s+")


_LEAD_RE = re.compile(r"\s*(?P<subj>[^,。:;!?\n]{1,40}?)\s*(?P<verb>是(?![否不])|能(?![否力]))")


_ITEM_RE = re.compile(r"\d(?<![^\s]\d)\d?\.\s*(?P<subj>[^,。:;!?\n\d]{1,30}?)\s*(?P<verb>是(?![否不]))")


def lead_definitions(text: str) -> list[Definition]:
    out = []
    starts = [0]
    head = _LEAD_HEAD_RE.match(text)
    if head:
        starts.append(head.end())
    for pos in starts:
        m = _LEAD_RE.match(text, pos)
        d = m and _whole_subject_definition(text, m)
        if d:
            out.append(d)
            break
    for m in scan(_ITEM_RE, text, "是"):  # the item's number opens the text or follows a space
        d = _whole_subject_definition(text, m)
        if d:
            out.append(d)
    return out


def _whole_subject_definition(text: str, m: re.Match) -> Definition | None:
    subj = m.group("subj").strip()
    if not _WHOLE_TERM_RE.match(re.sub(r"\s*\([^()]*\)$", "", subj)) or POINTING_RE.search(subj):
        return None  # not one unbroken term, or a pointing word in it: no need to segment it
    parsed = subject(subj, "lead")
    if parsed is None:
        return None
    term, aliases = parsed
    if not aliases and not named(term):
        return None  # 今天是…, 输入是…: a two-character word opening a sentence is rarely the defined term
    core = re.sub(r"\s*\([^()]*\)\s*$", "", subj) if aliases else subj
    if re.sub(r"\s+", "", core) != re.sub(r"\s+", "", term):
        return None  # the term is only the end of the subject: a clause, not a term
    if m.group("verb") != "是" and not aliases:
        return None
    body = clause_body(text, m.start("verb"), para=True, colon=False)
    if body is None or len(body) < 8 or EVALUATIVE_RE.search(body[:12]):
        return None
    if _JUDGEMENT_RE.search(re.split(r"[,。;!?]", body, maxsplit=1)[0]):
        return None  # MAE是…的又一力作, 模态对齐是…的基础: a judgement of the term, not what it is
    # At the verb: a marker there (是一类…) found the same definition first and keeps its wording.
    return Definition(term, body, aliases, "X是… (opening)", m.start("verb"))


# 我们将…称为X, (文中把…称作X): the whole clause defines X, the name after 称为. A formula \\(…\\) is
# one piece of it (never two ways to read one character: the scan stays linear).
_NAMED_RE = re.compile(
    r"(?:将|把)(?P<what>(?:\\\((?:(?!\\\)).){0,60}\\\)|[^。;!?:\n,\\]){2,60}?)(?<!又)(?:称为|称作|称之为|叫做)\s*"
    r"(?P<name>(?:\\\([^()]{0,40}?\\\)|[^,。;:!?()\n\\]){1,40}?)\s*(?=[,。;:!?()\n]|$)"
)


# the machine predicts … 这是LeCun…对自监督学习的定义: the English quotation before it defines the term.
_LATIN_TAIL_RE = re.compile(r"[A-Za-z][A-Za-z0-9 ,.;'\-]*$")


_DEFINED_RE = re.compile(
    "(?:这|此|以上|上面)(?:就|便)?是[^。,;!?\n]{0,30}?对\\s*[「“\"]?(?P<term>[^\\s,。;的「」“”\"]{2,16}?)"
    "[」”\"]?\\s*的定义"
)


# …分为两种setting, 一是offline的,…; 二是 online的,即…: each named class and what it is.
_CLASSES_RE = re.compile("分为(?:两|三|四|2|3|4)(?:种|类)")


_CLASS_ITEM_RE = re.compile(
    f"(?:^|(?<=[,;。:]))\\s*(?:一|二|三|四)是\\s*(?P<term>[A-Za-z][A-Za-z0-9\\- ]{{0,30}}?|[{CJK}]{{2,8}}?)"
    "\\s*的\\s*,\\s*"
)


# 「自回归」的,通俗地理解就是…: a quoted term and its plain-words gloss.
_GLOSS_RE = re.compile(
    "[「“\"](?P<term>[^「」“”\"\\s,。]{1,12})[」”\"]的?\\s*,\\s*"
    "(?=(?:通俗|简单|直观)(?:地|来|点)?(?:理解|说|讲|来说)?(?:就是|是))"
)


# 提出了compound scaling,混合缩放,把…: a new term, its other-language name, then what it does.
_PROPOSED_RE = re.compile(
    f"提出了\\s*(?P<term>[A-Za-z][A-Za-z0-9\\- ]{{1,30}}?)\\s*,\\s*(?P<alias>[{CJK}]{{2,8}})\\s*,\\s*"
    "(?=把|将|即|通过)"
)


# ViT在多模态模型中的角色类似于…Tokenizer组件: a named thing's role, by analogy.
_ROLE_RE = re.compile("在(?<=[A-Za-z0-9]在)[^,。;:!?\\n]{1,15}中的(?:角色|作用|地位)(?=类似于|相当于)")


# 像GAN这样的生成模型,它本质上是…: what the named example (and its kind) is.
_LIKE_RE = re.compile(
    f"像\\s*(?P<term>[A-Za-z][A-Za-z0-9\\- ]{{0,20}}|[{CJK}]{{2,8}})\\s*这样的[{CJK}]{{1,8}}\\s*,\\s*它(?=本质上(?:就)?是)"
)


POINTING_RE = re.compile("这|那|其|它|该|此|上述|以上|前者|后者|我们|本文")


def other_wordings(text: str) -> list[Definition]:
    out = []
    for m in scan(_NAMED_RE, text, "称", "叫做"):
        name = m.group("name").strip()
        if "的" in name:
            name = name.rsplit("的", 1)[1].strip()
        term = term_before(name, has_alias=False) if name else None
        if not term or re.sub(r"\s+", "", term) != re.sub(r"\s+", "", name):
            continue
        if PLACEHOLDER_RE.search(m.group("what")) or POINTING_RE.match(m.group("what").strip()):
            continue  # 将这种方法称为X: what X names is elsewhere
        if "的" in m.group("name") and POINTING_RE.match(m.group("name").strip()):
            continue
        start = clause_start(text, m.start())
        body = clause_body(text, start, para=True)
        if body and name in body:  # a break before the name: the clause is not one sentence
            out.append(Definition(term, body, [], "将…称为", m.start()))
    for m in scan(_DEFINED_RE, text, "的定义"):
        term = clean_term(m.group("term"), has_alias=False)
        # Only a quoted definition in the other language (LeCun's, in English) is sure to be one
        # whole definition: whatever CJK text comes before 这是 may be any sentence.
        quote = _LATIN_TAIL_RE.search(text, max(0, m.start() - LOOKBACK), m.start())
        body = quote.group().strip() if quote else ""
        if term and len(body.split()) >= 4:
            out.append(Definition(term, shorten(body), [], "对X的定义", quote.start()))
    for c in scan(_CLASSES_RE, text, "分为"):
        for m in _CLASS_ITEM_RE.finditer(text, c.end(), min(len(text), c.end() + 400)):
            raw = m.group("term").strip()
            term = raw if not HAS_CJK_RE.search(raw) else clean_term(raw, has_alias=False)
            body = clause_body(text, m.end(), para=True)
            if term and body and len(body) >= 8:
                out.append(Definition(term, body, [], "分为…一是X的", m.start("term")))
    for m in scan(_GLOSS_RE, text, "通俗", "简单", "直观"):
        term = clean_term(m.group("term"), has_alias=False)
        body = clause_body(text, m.end(), para=True)
        if term and body:
            out.append(Definition(term, body, [], "「X」,通俗地理解就是", m.start()))
    for m in scan(_PROPOSED_RE, text, "提出了"):
        body = clause_body(text, m.end(), para=True, colon=False)
        if body and len(body) >= 8:
            out.append(Definition(m.group("term").strip(), body, [m.group("alias")], "提出了X,Y,", m.start("term")))
    for m in scan(_ROLE_RE, text, "类似于", "相当于"):
        term = term_before(text[max(0, m.start() - LOOKBACK) : m.start()], has_alias=False)
        body = clause_body(text, m.start(), para=True)
        if term and not HAS_CJK_RE.search(term) and len(term.split()) <= 3 and body:
            out.append(Definition(term, body, [], "X在…中的角色类似于", m.start()))
    for m in scan(_LIKE_RE, text, "本质上"):
        raw = m.group("term").strip()
        term = term_before(raw, has_alias=False)
        body = clause_body(text, m.end(), para=True)
        if term and term == raw and body and len(body) >= 8:
            out.append(Definition(term, body, [], "像X这样的…,它本质上是", m.start("term")))
    return out
