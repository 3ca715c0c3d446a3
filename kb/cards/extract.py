"""Flashcard definitions found in a post's text, by wording (X:…, X是一种…, X就是…, 所谓X就是…).

Pure functions of the text; precision before recall (a wrong card costs a learner more than a missing one).
"""
from __future__ import annotations

import re

from kb.cards.bodies import EVALUATIVE_RE, LOOKBACK, PLACEHOLDER_RE, drop_lead_in, shorten, until_sentence_end
from kb.cards.terms import HAS_CJK_RE, Definition, alias_after, clean_term, named, nfkc, norm_term, subject
from kb.cards.wordings import lead_definitions, other_wordings

# Without an alias, a colon introduces a definition only when a defining verb follows it.
_COLON_DEF_STARTS = (
    "给定", "从", "通过", "表示", "属于", "指", "是", "计算", "用", "将", "把", "直接", "一种", "一类",
    "描述", "衡量", "基于", "利用", "对", "目的是", "由", "在",
)


_MARKERS = re.compile(
    # The first characters of all the branches below: most positions fail on this one test instead
    # of trying every branch (a branch added below must add its first character here).
    r"(?=[:,\s又的定指是通一可就为则将])(?:"
    r"(?P<colon>:)"
    r"|(?P<alias>,?\s*又称为)"
    r"|(?P<defas>的定义为|定义为)"
    r"|(?P<means>指的是|是指)"
    r"|(?P<usually>(?:通常|一般)指(?![出导定向示]))"
    r"|(?P<understood>可以理解为)"
    r"|(?P<is>就是)"
    r"|(?P<kind>是一种|是一类|是一个)"
    # 为 as the written copula (TRN Cell为一个循环单元), not the 为 of 简化为, 转换为, 称为 …
    r"|(?P<kindwei>为(?<![化换解称视作成变义设认分记写示改置归名并定]为)一(?:种|类|个))"
    r"|(?P<genus>是(?=[^。;!?:\n,是]{1,45}?的一种))"
    r"|(?P<oneof>是(?=[^。;!?:\n,是]{1,30}?之一))"
    # What a named method or model does (表格方法将…, 而函数近似方法则…): only after such a head noun.
    # (The look-behind comes after the branch's own character, so the guard above applies.)
    r"|(?P<does>(?:则(?!不)|将(?![会在被要于是不能可继进]))(?<=(?:方法|模型|算法|网络|机制|框架)[则将]))"
    # X的做法很简单:…, X的关键创新在于…: the gist of a named thing.
    r"|(?P<gist>的(?:做法|思路|核心思想|基本思想|主要思想|关键创新|核心创新)(?:很简单|非常简单)?(?:在于|就是|是|:))"
    r")"
)


# Kinds whose definition ends at a paragraph break (a space between two CJK characters) too:
# captures join paragraphs with a space, and these wordings have no colon-list shape to go by.
_PARA_KINDS = {"usually", "understood", "oneof", "does", "gist", "kindwei"}


_SOWEI_RE = re.compile(f"所谓\\s*(?:“|「)?([^,。;:“”「」]{{1,24}}?)(?:”|」)?\\s*,?\\s*就是")


def extract(text: str) -> list[Definition]:
    """The definitions in one post's text, one per term (first wording wins, aliases merged)."""
    text = nfkc(text)
    found: list[Definition] = []
    extra_aliases: list[tuple[str, str]] = []
    for m in _MARKERS.finditer(text):
        kind = m.lastgroup
        # A term and its alias fit in the window: looking further back only costs time on long posts.
        parsed = subject(text[max(0, m.start() - LOOKBACK) : m.start()], kind)
        if parsed is None:
            continue
        term, aliases = parsed
        if kind == "alias":
            other = alias_after(text[m.end():])
            if other:
                extra_aliases.append((term, other))
            continue
        body = _definition(text, m, kind)
        if body is None:
            continue
        if kind == "colon" and not aliases and not body.startswith(_COLON_DEF_STARTS):
            continue
        if kind == "kind" and m.group() == "是一个" and EVALUATIVE_RE.search(body[3:15]):
            continue
        if kind == "oneof" and EVALUATIVE_RE.search(body[: body.find("之一")]):
            continue  # 是最重要的方法之一: praise
        if kind in ("gist", "kindwei") and (not named(term) or len(term.split()) > 3):
            continue  # 整体的思路是…: only a named thing's gist is a definition
        if kind == "kindwei" and (HAS_CJK_RE.search(term) or not re.search(r"[A-Za-z]{2}", term) or "_" in term):
            continue  # 学习率为一个较小的值, x_i 为一个向量: a setting, not a definition
        found.append(Definition(term, body, aliases, _pattern_name(m), m.start()))
    for m in _SOWEI_RE.finditer(text):
        term = clean_term(m.group(1).strip(), has_alias=False)
        body = _definition(text, m, "is")
        if term and body:
            found.append(Definition(term, body, [], "所谓…就是", m.start()))
    found += lead_definitions(text)
    found += other_wordings(text)
    return _merge(found, extra_aliases)


def _pattern_name(m: re.Match) -> str:
    kind = m.lastgroup
    if kind == "genus":
        return "是...一种"
    if kind == "oneof":
        return "是...之一"
    if kind == "defas":
        return "定义为"
    if kind == "does":
        return "X" + m.group()
    if kind == "gist":
        return "的做法/思路"
    if kind == "kindwei":
        return "为一个"
    return m.group().strip(", ") if kind != "colon" else ":"


def _definition(text: str, m: re.Match, kind: str) -> str | None:
    start = m.end() if kind in ("colon", "defas") else m.start()
    if kind == "does" and m.group() == "则":  # 而函数近似方法则使用…: the card starts at its verb
        start = m.end()
    if kind == "gist":  # 关键创新在于… keeps its noun; after 做法很简单: only the gist itself
        start = m.end() if m.group().endswith(":") else m.start() + 1
    if kind == "defas":
        start = m.start() + (1 if m.group().startswith("的") else 0)
    if kind == "is" and m.re is _SOWEI_RE:
        start = m.end() - 2
    body = until_sentence_end(text, start, list_item=kind == "colon", para=kind in _PARA_KINDS)
    if kind in _PARA_KINDS and PLACEHOLDER_RE.search(body):
        return None
    lead = re.match(r"(?:的)?定义为\s*\\\[", body) if kind == "defas" else None
    if lead and "\\]" in body:  # a formula definition ends with its formula
        body = body[: body.index("\\]", lead.end()) + 2]
    if kind == "colon":
        body = body.strip()
        if not body or body.startswith(("\\(", "\\[", "[")) or re.match(r"\d", body):
            return None
        if len(body) < 6 or re.match(r"从.{1,8}到", body):  # 从表格到函数: a heading, not a definition
            return None
    else:
        if len(body.strip()) < 4 + len(m.group().strip(", ")) and kind != "defas":
            return None
    if kind in _PARA_KINDS:
        body = drop_lead_in(body.strip())
    body = re.sub(r"[,\s]*(定义为|如下|计算公式为)\s*$", "", body.strip())
    return shorten(body)


def _merge(found: list[Definition], extra_aliases: list[tuple[str, str]]) -> list[Definition]:
    by_term: dict[str, Definition] = {}
    for d in sorted(found, key=lambda d: d.position):
        key = norm_term(d.term)
        if key in by_term:
            known = by_term[key]
            known.aliases += [a for a in d.aliases if norm_term(a) not in {norm_term(x) for x in known.aliases}]
            continue
        by_term[key] = d
    for term, alias in extra_aliases:
        d = by_term.get(norm_term(term))
        if d and norm_term(alias) not in {norm_term(a) for a in d.aliases} and norm_term(alias) != norm_term(d.term):
            d.aliases.append(alias)
    return list(by_term.values())
