"""Wordings outside the general frames, each held to where it defines: a quoted definition named after it
(…这是LeCun对X的定义), named classes (分为两种…一是X的,…), 「X」的,通俗地理解就是…, 提出了X,Y,把…, roles
(X在…中的角色类似于…), likenesses (像X这样的…,它本质上是…) and what a named method does (表格方法将…).
"""
from __future__ import annotations

import re

from kb.cards import bodies
from kb.cards.terms import HAS_CJK_RE, Definition, cjk_term, tail_term
from kb.text import CJK

LOOKBACK = 160  # how far before 这是…对X的定义 its quotation may start


def scan(pattern: re.Pattern, text: str, *needles: str):
    """pattern's matches in text, skipping the scan when none of the words it needs is there."""
    for n in needles:
        if n in text:
            return pattern.finditer(text)
    return ()


def clause_body(text: str, start: int, *, para: bool = False, colon: bool = True) -> str | None:
    body = bodies.until_sentence_end(text, start, para=para, colon=colon).strip()
    body = bodies.clean(body)
    if len(body) < 4 or bodies.PLACEHOLDER_RE.search(body):
        return None
    return body

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


# 传统的表格方法将状态值存储在…, 而函数近似方法则使用…: what a named method or model does.
_DOES_RE = re.compile(
    "(?:则(?!不)|将(?![会在被要于是不能可继进]))(?<=(?:方法|模型|算法|网络|机制|框架)[则将])"
)


def other_wordings(text: str) -> list[Definition]:
    out = []
    for m in scan(_DEFINED_RE, text, "的定义"):
        term = cjk_term(m.group("term"))
        # Only a quoted definition in the other language (LeCun's, in English) is sure to be one
        # whole definition: whatever CJK text comes before 这是 may be any sentence.
        quote = _LATIN_TAIL_RE.search(text, max(0, m.start() - LOOKBACK), m.start())
        body = quote.group().strip() if quote else ""
        if term and len(body.split()) >= 4:
            out.append(Definition(term, bodies.shorten(body), [], "wording", quote.start()))
    for c in scan(_CLASSES_RE, text, "分为"):
        for m in _CLASS_ITEM_RE.finditer(text, c.end(), min(len(text), c.end() + 400)):
            raw = m.group("term").strip()
            term = raw if not HAS_CJK_RE.search(raw) else cjk_term(raw)
            body = clause_body(text, m.end(), para=True)
            if term and body and len(body) >= 8:
                out.append(Definition(term, body, [], "wording", m.start("term")))
    for m in scan(_GLOSS_RE, text, "通俗", "简单", "直观"):
        term = cjk_term(m.group("term"))
        body = clause_body(text, m.end(), para=True)
        if term and body:
            out.append(Definition(term, body, [], "wording", m.start()))
    for m in scan(_PROPOSED_RE, text, "提出了"):
        body = clause_body(text, m.end(), para=True, colon=False)
        if body and len(body) >= 8:
            out.append(Definition(m.group("term").strip(), body, [m.group("alias")], "wording", m.start("term")))
    for m in scan(_ROLE_RE, text, "类似于", "相当于"):
        term = tail_term(text[max(0, m.start() - 40) : m.start()])
        body = clause_body(text, m.start(), para=True)
        if term and not HAS_CJK_RE.search(term) and len(term.split()) <= 3 and body:
            out.append(Definition(term, body, [], "wording", m.start()))
    for m in scan(_LIKE_RE, text, "本质上"):
        raw = m.group("term").strip()
        term = tail_term(raw)
        body = clause_body(text, m.end(), para=True)
        if term and term == raw and body and len(body) >= 8:
            out.append(Definition(term, body, [], "wording", m.start("term")))
    for m in scan(_DOES_RE, text, "方法", "模型", "算法", "网络", "机制", "框架"):
        window = text[max(0, m.start() - 40) : m.start()]
        term = tail_term(window)
        if term and window[: len(window) - len(term)].rstrip().endswith(("这种", "这个", "该", "此", "这类", "其")):
            continue  # 这种适配方法将…: a method named only by pointing at it
        start = m.end() if m.group() == "则" else m.start()
        body = clause_body(text, start, para=True)
        if term and len(HAS_CJK_RE.findall(term)) >= 4 and body and len(body) >= 8:
            out.append(Definition(term, body, [], "wording", m.start()))
    return out
