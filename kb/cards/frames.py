"""The general frames Chinese technical writing defines a term in, found in NFKC text: the copula
(X是/指/即/就是/定义为/意味着…), the gloss (中文(English)… / English(中文)…), the appositive chain
(X,即Y,… / X,又称为Y(Z),是… / X,全称为"Y",是…), and what a named thing does (X的作用是…, X旨在…,
X做的事情就是…). List items are in lists.py, naming frames (…称为X, 这就是X, X,这是一种…) in naming.py.

Pure functions; each frame yields Definitions whose pattern names the frame.
"""
from __future__ import annotations

import re

from kb.cards import bodies
from kb.cards.clauses import (
    Sentences,
    clause_opens_sentence,
    opens_sentence,
    subject_at,
)
from kb.cards.glosses import alias_chain
from kb.cards.terms import Definition, named
from kb.text import CJK

# ---------------------------------------------------------------- the copula

_COPULA_RE = re.compile(
    r"(?=[是指就即被定意可的不为])(?P<v>是指|指的是|就是说|就是|即是|即为|被定义为|定义为|意味着|可以(?:被)?(?:看做|看作|视为|理解为)(?:是)?"
    r"|可(?:看做|看作|视为)(?:是)?|是(?![否不的]|为了|因为|由于|怎么|如何|什么|谁|哪|吗|对|在于|会|能|可以|要|应该|用了|采用了|减少|增加|提高|降低|使|让)"
    r"|指(?![出导定向示标针令数南引挥明望])|的定义(?:为|是)|不是(?=[^。;!?]{1,40}?,\s*而是)"
    r"|(?<![化换解称视作成变义设认分记写示改置归名并定])为(?=一种|一类|一个|更广义))"
)


def copulas(s: Sentences) -> list[Definition]:
    out = []
    text = s.text
    for m in _COPULA_RE.finditer(text):
        if text[m.start() - 1 : m.start()] in _NO_SUBJECT_BEFORE:
            continue  # 这是, 不是, 还是, 于是 …: a pronoun or a connective, no term (cheaper than cutting it)
        subj = subject_at(s, m.start())
        if subj is None:
            continue
        term, aliases, at = subj
        if _asks(text, at, m.end()):
            continue
        body = bodies.definition_from(text, m.start(), m.end(), para=True)
        if body is None or bodies.says_nothing(body, term) or _POINTS_BACK_RE.match(body):
            continue
        if not aliases and not named(term) and len(_INLINE_MATH_RE.sub("", body) if "\\" in body else body) < 10:
            continue  # 环境就是对手: a short plain word and a short predicate is an example, not a definition
        if not aliases and _LOWER_WORD_RE.fullmatch(term) and not _STRONG_RE.match(m.group()) and \
                _mentions(text, term) < 3:
            continue  # apple就是…: an English word of the explanation, not a term the text is about
        out.append(Definition(term, body, aliases, "copula", m.start()))
    return out


_STRONG_RE = re.compile("是指|指的是|定义为|被定义为|意味着")

_INLINE_MATH_RE = re.compile(r"\\\(.*?\\\)")

# 就是具备了这一特性, 是这么回事, 就是3: what it says is elsewhere, or a value, not a definition.
_POINTS_BACK_RE = re.compile(r"(?:就|也|都)?(?:是|为)[^,。;]{0,8}(?:这一|这种|这些|这样|这么|上述|以上|如此)|(?:就|也)?是\s*\d")

_NO_SUBJECT_BEFORE = set("这那它其不还或但于总要若凡只即便却而则且并可更最") | {",", ";", "。", ":", "!", "?", "、", "(", "\n"}

_LOWER_WORD_RE = re.compile(r"[a-z][a-z\-]*")

_CJK_RE = re.compile(f"[{CJK}]")

_NAMES_LIST_RE = re.compile(f"[{CJK}]{{2,10}}\\s*\\(")

def _mentions(text: str, word: str) -> int:
    """How often a Latin word occurs in text as a whole word, in any case."""
    folded, n, i = text.casefold(), 0, -1
    word = word.casefold()
    while (i := folded.find(word, i + 1)) >= 0:
        before, after = folded[i - 1 : i], folded[i + len(word) : i + len(word) + 1]
        n += not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())
    return n


def _asks(text: str, start: int, end: int) -> bool:
    """A question (什么是X? / X是什么?), not a statement."""
    return text[max(0, start - 3) : start].endswith(("什么是", "何为", "什么叫")) or bool(
        re.match(r"\s*(?:什么|啥|怎样|如何)", text[end : end + 4])
    )


# ---------------------------------------------------------------- what a named thing does

_FUNCTION_RE = re.compile(
    r"(?=[的要做旨通主一用同使利则])(?P<v>的(?:作用|做法|意思|含义|核心思想|基本思想|主要思想|思想|思路|解决方案|核心|关键创新|核心创新)(?:就)?(?:是|为|在于)"
    r"|的(?:做法|思路|想法)(?:很|非常)简单\s*:|(?:要)?做的(?:事情)?(?:就)?是|旨在|(?:通常|主要|一般)?用(?:来|于)(?=描述|表示|衡量|度量|解决|计算|估计|建模)"
    r"|通过(?=[^。;!?]{2,40}?(?:来|从而|以|实现|进行))|(?:同时)?(?:使用|利用)(?=[^。;!?]{2,30}?来)"
    r"|(?<=[A-Za-z0-9" + CJK + r"])则(?!不|是|会|可|能|要|在))"
)


def functions(s: Sentences) -> list[Definition]:
    """X的作用是…, X做的事情就是…, X旨在…, X通过…来…: what a named thing does, when the clause's whole
    subject is that name (Latin, glossed, or at least three CJK characters)."""
    out = []
    text = s.text
    for m in _FUNCTION_RE.finditer(text):
        how = m.group().startswith(("通过", "使用", "利用", "同时"))
        if how and not clause_opens_sentence(s, m.start()):
            continue  # …,VAE通过约束…: a step of an argument, unless the sentence is about the term
        subj = subject_at(s, m.start())
        if subj is None:
            continue
        term, aliases, at = subj
        if not aliases and not named(term):
            continue
        if how and not opens_sentence(s, at):
            continue
        if m.group() == "则" and not text[max(0, at - 2) : at].rstrip().endswith("而"):
            continue  # 而门限RNN则泛化了…: only the contrast says what the term does
        lead = m.group()
        skip = len(lead) if lead.endswith(":") else 1 if lead.startswith(("的", "则")) else 0
        # MAE的做法很简单:随机mask掉… → the gist itself; tanh 函数的作用就是… → 作用就是…; 而X则泛化了… → 泛化了…
        body = bodies.definition_from(text, m.start() + skip, m.end(), para=True)
        if body is None:
            continue
        said = "是" + body[len(lead) - skip:] if lead.endswith(("是", "为", "在于")) else body
        if bodies.says_nothing(said, term, kind=False):
            continue
        out.append(Definition(term, body, aliases, "function", m.start()))
    return out


# ---------------------------------------------------------------- glosses and appositives

_GLOSS_RE = re.compile(r"(?<!\\)\)")  # a closing parenthesis, not a formula's \)

_CONNECTOR_RE = re.compile(
    "\\s*(?:[的和与及或、等成)\\]]|中|里|之|时|上|下|这|那|,?\\s*(?:和|与)"
    "|(?:任务|模型|方法|系统|技术|问题|算法|网络|框架|函数|层|模块|策略|数据集|机制|结构|过程|方式|架构|系列|版本|格式|协议))"
)

_ALIAS_COMMA_RE = re.compile(
    r",\s*(?=即|也就是说?|就是|又|也称|也叫|也被|简称|全称|中文|英文|译为|翻译为|通常被?翻译|\(|[\"“]|[A-Za-z][A-Za-z0-9\-]*(?: [A-Za-z][A-Za-z0-9\-]*)*\s*,)"
)


def glosses(s: Sentences) -> list[Definition]:
    """中文(English) or English(中文) opening a clause, then what it is or does (…适合解决…, …讨论的问题是…):
    the gloss itself says the term is being introduced."""
    out = []
    text = s.text
    for m in _GLOSS_RE.finditer(text):
        end = m.end()
        if end >= len(text) or text[end] in _NOT_AFTER_GLOSS or _CONNECTOR_RE.match(text, end):
            continue  # a name in passing (X(Y)和…, X(Y)的…) or another frame's (X(Y):, X(Y),即…)
        open_ = text.rfind("(", max(0, end - 64), end)
        if open_ <= 0 or not _other_script(text[open_ - 1], text[open_ + 1 : end - 1]):
            continue  # (2015), (例如…), 中文(中文): no other-language name, no gloss (cheap to tell)
        subj = subject_at(s, end)
        if subj is None or not subj[1]:
            continue
        term, aliases, at = subj
        if not (opens_sentence(s, at) or text[s.clause_start(at) - 1 : s.clause_start(at)] in ",:"):
            continue
        gap = len(text[end:]) - len(text[end:].lstrip())
        if gap and (end + gap >= len(text) or text[end + gap] in _NOT_AFTER_GLOSS):
            continue  # 隐向量(latent vector) \(z_t\), 对比损失(contrastive loss) :…: a symbol, or another frame's
        if gap and not _heading_item(text, end + gap, term) and (
                _NEW_CLAUSE_RE.match(text, end + gap) or _NAMES_LIST_RE.match(text, end + gap, end + gap + 14)):
            continue  # 动作 (action) 在…, X (…) Y (…): the sentence goes on about something else, or lists names
        if _COPULA_RE.match(text, end + gap):
            continue  # the copula frame has it
        if _EFFECT_RE.match(text, end + gap):
            continue  # depthwise conv(DW)有效减少…: what it achieves, not what it is
        body = bodies.definition_from(text, end + gap, end + gap, para=True)
        if body is None or bodies.says_nothing(body, term) or len(body) < 8:
            continue
        out.append(Definition(term, body, aliases, "gloss", end))
    return out


_NOT_AFTER_GLOSS = set(",.;:。!?)\\ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _other_script(before: str, inside: str) -> bool:
    """Whether a parenthesis after before holds a name in the other script (or an abbreviation)."""
    if _CJK_RE.match(before):
        return _LATIN_IN_RE.search(inside) is not None
    return _CJK_RE.search(inside) is not None or (before.isascii() and before.isalnum() and inside.isascii())


_LATIN_IN_RE = re.compile("[A-Za-z]{2}")

_EFFECT_RE = re.compile("有效|实现|提高|减少|降低|提升|改善|加快|加速|带来|导致|使得|让|被|已|还|都|也|会|成为|以(?![及下上外内前后])")

_NEW_CLAUSE_RE = re.compile("在|当|如果|我们|这|那|它|对于|首先|其中|例如|比如|如图|[A-Za-z0-9]")


def _heading_item(text: str, at: int, term: str) -> bool:
    """预填充(prefill) 在预填充阶段,…: a glossed term standing as a heading, its sentence about it."""
    first = re.split(r"[,。;!?]", text[at : at + 60], maxsplit=1)[0]
    return term in first


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
            rest = text[end + 1 :].lstrip()
            start = len(text) - len(rest)
            if not (_COPULA_RE.match(text, start) or _FUNCTION_RE.match(text, start) or _CJK_RE.match(rest[:1])):
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


