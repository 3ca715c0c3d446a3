"""The general frames Chinese technical writing defines a term in, found in NFKC text: the copula
(X是/指/即/就是/定义为/意味着…), the gloss (中文(English)… / English(中文)…), the appositive chain
(X,即Y,… / X,又称为Y(Z),是… / X,全称为"Y",是…), the list item (X(Y):…), and what a named thing does
(X的作用是…, X旨在…, X做的事情就是…). Naming frames (…称为X, 这就是X, X,这是一种…) are in naming.py.

Pure functions; each frame yields Definitions whose pattern names the frame.
"""
from __future__ import annotations

import bisect
import functools
import re

from kb.cards import bodies
from kb.cards.glosses import alias_chain, gloss_before, real_aliases
from kb.cards.terms import (
    ABOUT_HEADS,
    Definition,
    is_cjk_term,
    label_term,
    named,
    subject_term,
)
from kb.text import CJK

MAX_REGION = 80  # a subject runs back at most this far to its clause's start (or its last space)

_LONGEST_CHUNK = 26  # a Chinese run longer than this before its verb is a clause (a term and its fillers are shorter)

_BOUNDARY_RE = re.compile(r"[,;:。!?\n、]|[()\[\]](?<!\\.)")  # the character first, then not after a backslash: fast

# Adverbs between a subject and its verb that do not change what is defined (感知器本身就是…).
_ADVERBS_RE = re.compile("(?:实际上|本质上|其实|本身|通常|一般|主要|也|就|则|都|便|只|正|还|又|即)+$")


_SENTENCE_END_RE = re.compile(f"[。!?;\\n]| (?<=[{CJK}] )(?=[{CJK}])")

_MATH_RE = re.compile(r"\\\((?:(?!\\\)).)*\\\)|\\\[(?:(?!\\\]).)*\\\]", re.DOTALL)


def _outside(spans: list[tuple[int, int]], positions: list[int]) -> list[int]:
    """The positions that fall in none of the (sorted, disjoint) spans: punctuation inside a formula ends nothing."""
    out, i = [], 0
    for p in positions:
        while i < len(spans) and spans[i][1] < p:
            i += 1
        if i < len(spans) and spans[i][0] < p <= spans[i][1]:
            continue
        out.append(p)
    return out


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


def subject_at(s: Sentences, pos: int) -> tuple[str, list[str], int] | None:
    """The term (with its aliases) whose clause has its verb at pos, and where the term starts."""
    text = s.text
    adverbs = _ADVERBS_RE.search(text, max(0, pos - 8), pos)
    end = pos
    if adverbs and text[adverbs.start() - 1 : adverbs.start()] == ")":
        end = adverbs.start()  # 随机森林(Random Forest)就是…: the gloss, an adverb, the verb
    names = None
    g = gloss_before(text, end)
    if g:
        names, end = g
    got = s.region(end)
    if got is None:
        return None
    start, region = got
    if text[start - 1 : start] == ")" and not names:
        return None  # Probing(探针)策略是…: the name runs on past its gloss
    region = region.rstrip()
    if not region or end - start - region.rfind(" ") > _LONGEST_CHUNK and not _LATIN_IN_RE.search(region):
        return None  # no room for a name, or a whole Chinese clause: nothing to cut
    found = _subject(region, bool(names))
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


@functools.lru_cache(maxsize=8192)
def _subject(region: str, glossed: bool) -> tuple[str, list[str]] | None:
    return subject_term(region, glossed=glossed)


@functools.lru_cache(maxsize=8192)
def _label(region: str, glossed: bool) -> tuple[str, list[str]] | None:
    return subject_term(region, glossed=glossed, label=True)


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
        body = _body(text, m.start(), m.end(), para=True)
        if body is None or bodies.says_nothing(body, term) or _POINTS_BACK_RE.match(body):
            continue
        if not aliases and not named(term) and len(re.sub(r"\\\(.*?\\\)", "", body)) < 10:
            continue  # 环境就是对手: a short plain word and a short predicate is an example, not a definition
        if not aliases and _LOWER_WORD_RE.fullmatch(term) and not _STRONG_RE.match(m.group()) and \
                _mentions(text, term) < 3:
            continue  # apple就是…: an English word of the explanation, not a term the text is about
        out.append(Definition(term, body, aliases, "copula", m.start()))
    return out


_STRONG_RE = re.compile("是指|指的是|定义为|被定义为|意味着")

# 就是具备了这一特性, 是这么回事, 就是3: what it says is elsewhere, or a value, not a definition.
_POINTS_BACK_RE = re.compile(r"(?:就|也|都)?(?:是|为)[^,。;]{0,8}(?:这一|这种|这些|这样|这么|上述|以上|如此)|(?:就|也)?是\s*\d")

_NO_SUBJECT_BEFORE = set("这那它其不还或但于总要若凡只即便却而则且并可更最") | {",", ";", "。", ":", "!", "?", "、", "(", "\n"}

_LOWER_WORD_RE = re.compile(r"[a-z][a-z\-]*")

_CJK_RE = re.compile(f"[{CJK}]")

_NAMES_LIST_RE = re.compile(f"[{CJK}]{{2,10}}\\s*\\(")

_EITHER_RE = re.compile(f"\\)\\s*(?:或|与|和)[{CJK}]{{1,4}}\\s*$")


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


_LEADS_IN_RE = re.compile(r"(?:例如|比如|如下|以下|举例|包括|分为|有)\s*$")

_DISPLAY_FIRST_RE = re.compile(r"\s*\\\[(?:(?!\\\]).)*\\\]", re.DOTALL)

# After a definition's colon, text that goes on explaining it — not a list, a formula or another label.
_GOES_ON_AFTER_COLON_RE = re.compile(r"(?!\s*(?:[\d(•\-\[]|\\\[))\s*[^:;。\[]{4,80}(?:[;。]|$)")


def _body(text: str, start: int, after: int, *, para: bool = False, list_item: bool = False) -> str | None:
    """The definition from start (its verb) to its sentence's end, with a formula it announces."""
    raw = bodies.until_sentence_end(text, after, list_item=list_item, para=para)
    lead, begin = text[start:after], after
    if re.match(r"\s*:", raw) and not list_item:  # 做的事情就是:input一个vector — the colon opens it
        begin = after + raw.index(":") + 1
        raw = bodies.until_sentence_end(text, begin, para=para)
        lead += ":"
    display = _DISPLAY_FIRST_RE.match(raw)
    if display and lead.rstrip().endswith(("定义为", "为", "是")):
        raw = display.group()  # …的定义为 \[…\]: a formula definition ends with its formula
    elif not list_item and text[begin + len(raw) : begin + len(raw) + 1] == ":" and not _LEADS_IN_RE.search(raw) and \
            _GOES_ON_AFTER_COLON_RE.match(
            text, begin + len(raw) + 1):
        # 正向加噪是离散时间马尔可夫链:从 \(x_0\) 逐步加噪; — the colon spells out what comes before it
        raw += ":" + bodies.until_sentence_end(text, begin + len(raw) + 1, para=para, colon=False)
    body = bodies.clean(lead + bodies.with_formula(text, begin, raw))
    if bodies.PLACEHOLDER_RE.search(body) and len(bodies.PLACEHOLDER_RE.sub("", body)) < 16:
        return None
    return body if len(body) > len(lead.strip()) + 1 else None


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
        if how and not _clause_opens_sentence(s, m.start()):
            continue  # …,VAE通过约束…: a step of an argument, unless the sentence is about the term
        subj = subject_at(s, m.start())
        if subj is None:
            continue
        term, aliases, at = subj
        if not aliases and not named(term):
            continue
        if how and not _opens_sentence(s, at):
            continue
        if m.group() == "则" and not text[max(0, at - 2) : at].rstrip().endswith("而"):
            continue  # 而门限RNN则泛化了…: only the contrast says what the term does
        lead = m.group()
        skip = len(lead) if lead.endswith(":") else 1 if lead.startswith(("的", "则")) else 0
        # MAE的做法很简单:随机mask掉… → the gist itself; tanh 函数的作用就是… → 作用就是…; 而X则泛化了… → 泛化了…
        body = _body(text, m.start() + skip, m.end(), para=True)
        if body is None:
            continue
        said = "是" + body[len(lead) - skip:] if lead.endswith(("是", "为", "在于")) else body
        if bodies.says_nothing(said, term, kind=False):
            continue
        out.append(Definition(term, body, aliases, "function", m.start()))
    return out


_DISCOURSE_RE = re.compile(
    r"(?:另一方面|此外|其中|同时|而|然而|相比之下|与此不同|所谓的?|那么|所以|因此|其实|总之|首先|接着|最后|另外|当然|总的来看)"
    r"\s*,?\s*$"
)


def _opens_sentence(s: Sentences, at: int) -> bool:
    start = s.sentence_start(at)
    lead = s.text[start:at]
    return not lead.strip() or bool(_DISCOURSE_RE.fullmatch(lead.strip())) or _is_heading_gap(lead)


def _clause_opens_sentence(s: Sentences, pos: int) -> bool:
    """Whether the clause holding pos opens its sentence (after a discourse word at most): cheap to ask
    before the subject is known."""
    start, clause = s.sentence_start(pos), s.clause_start(pos)
    return clause <= start or bool(_DISCOURSE_RE.fullmatch(s.text[start:clause].strip(" ,")))


def _is_heading_gap(lead: str) -> bool:
    """The text before the term is a heading run on into the sentence (生成式模型对比 自回归模型…)."""
    return lead.endswith(" ") and not re.search(r"[,;:]", lead) and len(lead) <= 40


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
        if not (_opens_sentence(s, at) or text[s.clause_start(at) - 1 : s.clause_start(at)] in ",:"):
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
        body = _body(text, end + gap, end + gap, para=True)
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
        if not _opens_sentence(s, at) and text[s.clause_start(at) - 1 : s.clause_start(at)] != ":":
            continue
        names, end = alias_chain(text, m.start(), term)
        lead = _EXPLAINS_RE.match(text, m.start(), m.start() + 8)
        if names and text[end : end + 1] == ",":
            rest = text[end + 1 :].lstrip()
            start = len(text) - len(rest)
            if not (_COPULA_RE.match(text, start) or _FUNCTION_RE.match(text, start) or _CJK_RE.match(rest[:1])):
                continue
            body = _body(text, start, start, para=True)
            pattern = "appositive"
        elif lead and not names and (aliases or named(term)):
            at = lead.end()  # X(Y),即…, 所谓X,就是…: what it is
            body = _body(text, at if lead.group().strip(", ") != "就是" else at - 2, at, para=True)
            pattern = "appositive"
        else:
            continue
        if body is None or bodies.says_nothing(body, term) or len(body) < 6:
            continue
        out.append(Definition(term, body, [*aliases, *[n for n in names if n not in aliases]], pattern, m.start()))
    return out


# ---------------------------------------------------------------- list items

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
        body = _body(text, c + 1, c + 1, list_item=True, para=True)
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
    found = _label(label, bool(names))
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
