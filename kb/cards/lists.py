"""List items as definitions: X:… / X(Y):… opening an item (after a number, a heading or a sentence
end), unless the list is one of steps, problems or aspects rather than of terms.

Pure functions of the text (see frames.py for the other frames).
"""
from __future__ import annotations

import re

from kb.cards import bodies
from kb.cards.clauses import MAX_REGION, Sentences, label_subject
from kb.cards.glosses import gloss_before, real_aliases
from kb.cards.terms import ABOUT_HEADS, Definition, is_cjk_term, label_term
from kb.text import CJK

_CJK_RE = re.compile(f"[{CJK}]")

_EITHER_RE = re.compile(f"\\)\\s*(?:或|与|和)[{CJK}]{{1,4}}\\s*$")

# A list of steps or of problems (…的工作原理如下:, …这导致:): its items are no terms being defined.
_STEPS_RE = re.compile(
    r"(?:原理|步骤|流程|过程|做法|操作|工作方式|计算方式|命名规则|问题|挑战|瓶颈|局限|缺点|优点|优势|特点|导致|改进)"
    r"(?:如下|是|为|有|包括)?\s*$"
)

# Without another name beside it, a Chinese label's colon introduces a definition only when a
# defining verb follows (扩散模型:通过加噪…, 密度估计:给定 x 计算…, 熵:度量…): otherwise the list is of
# aspects, steps or examples.
_DEFINING_START_RE = re.compile(
    "(?:给定|从|通过|表示|属于|指|是|计算|用|将|把|让|使|直接|一种|一类|描述|衡量|度量|基于|利用|目的是|由|代表|即|"
    "一个|一组|对[^,。;]{1,12}(?:进行|做|求)|这是|其含义|其目的|旨在)"
)

_QUESTION_START_RE = re.compile("(?:我们)?(?:如何|怎么|怎样|为什么|什么)")

# Bodies that are no definition of the label: a heading (从表格到函数), an enumeration (分为…), a link.
_NOT_ITEM_BODY_RE = re.compile(f"从.{{1,8}}到.{{1,8}}$|//|[{CJK}]{{2,10}}\\s*\\([^()]*\\)\\s")


def list_items(s: Sentences) -> list[Definition]:
    """X:… / X(Y):… opening an item (after a sentence end, a space, a number): what X is. The items
    of a list of steps (…的工作原理如下: 归一化:…) describe steps, not terms."""
    out = []
    text = s.text
    steps_until = -1
    for m in re.finditer(":", text):
        c = m.start()
        subj = _item_subject(s, c)
        if subj is None:
            lead = text[s.clause_start(c) : c]
            if _STEPS_RE.search(lead):
                steps_until = c + 600
            continue
        if c < steps_until and not text[s.clause_start(c) : c].rstrip().endswith(ABOUT_HEADS):
            continue
        term, aliases = subj
        body = bodies.definition_from(text, c + 1, c + 1, list_item=True, para=True)
        if body is None or bodies.says_nothing(body, term) or _NOT_ITEM_BODY_RE.match(body):
            continue
        first = re.split(r"[,;。]|\. ", body, maxsplit=1)[0]
        if not _CJK_RE.search(first) and "\\" not in first:
            continue  # EfficientNet: Rethinking Model Scaling…: a title, not a definition
        if not aliases and re.match("(?:分为|包括|包含|主要有|可以分为|有以下)", body):
            continue  # 视觉表征:分为两个部分问题…: what it is made of, not what it is
        if not aliases and is_cjk_term(term) and not _DEFINING_START_RE.match(body):
            continue  # 格式的不同: 自然语言推理 / 性能提升: 与原始…相比: a list of aspects, not of terms
        if body.rstrip().endswith("?") or _QUESTION_START_RE.match(body):
            continue  # 适应: 我们如何…?
        if not aliases and re.fullmatch(r"[A-Za-z][\w\- ]*|[" + CJK + "]{2,8}", body.strip("。 ")) and \
                is_cjk_term(body) != is_cjk_term(term):
            continue  # Self-Consistency: 自我一致性 — a translation, not a definition
        out.append(Definition(term, body, aliases, "list-item", c))
    return out


def _item_subject(s: Sentences, c: int) -> tuple[str, list[str]] | None:
    text = s.text
    end = c
    either = _EITHER_RE.search(text[max(0, c - 8) : c])
    if either:  # 视觉与自然语言的对齐(Visul Language Alignment)或融合: — the term is the glossed half
        end = c - len(either.group()) + 1
    g = gloss_before(text, end)
    names = None
    if g:
        names, end = g
    # The item's label runs back to a sentence end, a number or the text's start; its last chunk is the term.
    start = s.clause_start(end)
    if end - start > MAX_REGION:
        cut = text.rfind(" ", end - MAX_REGION, end)
        if cut < 0:
            return None
        start = cut + 1
    label = text[start:end].strip()
    if start > 0 and text[start - 1] == "," and " " not in label and not _after_item_number(text, start):
        return None  # …,X: — inside a sentence
    if not label:
        return None
    found = label_subject(label, bool(names))
    if found is None and not names:
        found = _one_character(label)
    if found is None or not label_term(found[0]):
        return None
    term, beside = found
    aliases = beside
    if names:
        real = real_aliases(term, names)
        if real is None:
            return None
        aliases = real + beside
    return term, aliases


def _after_item_number(text: str, start: int) -> bool:
    return bool(re.search(r"(?:^|\s)(?:\d+[.、)]|\(\d+\))\s*$", text[max(0, start - 6) : start]))


# Single characters that label a list item without being a term (图: …, 注: …, 解: …).
_NOT_TERMS = set("图表例注答解问式题如即故则令设因所和或及中上下前后左右第其此该本它这那")


def _one_character(label: str) -> tuple[str, list[str]] | None:
    """熵:度量随机变量的不确定性 — a one-character term may label an item (its body still needs a
    defining verb, as every unglossed Chinese label does)."""
    word = label.split()[-1] if label.split() else ""
    return (word, []) if len(word) == 1 and _CJK_RE.match(word) and word not in _NOT_TERMS else None

