"""The text of a definition: from its start to the end of its sentence or clause, math never cut,
a formula or list it introduces (如下, 以下, 公式为:) kept, at most MAX_DEFINITION characters otherwise;
and whether a definition says anything at all.
"""
from __future__ import annotations

import functools
import re

from kb.text import CJK

MAX_DEFINITION = 120

MAX_FORMULA = 400  # an introduced formula is kept up to this length

LOOKAHEAD = 1000  # characters after a start where its sentence must end

MATH_OPEN = {"\\(": "\\)", "\\[": "\\]"}

_STOP = "。!?;\n"

# The characters until_sentence_end stops at: math openings, brackets, sentence ends, colons (and,
# for a paragraph-bounded definition, a space between two CJK characters: captures join paragraphs so).
_SCAN_RE = re.compile(r"\\[(\[]|[()\[\]。!?;\n:]")

_SCAN_PARA_RE = re.compile(
    f"\\\\[(\\[]|[()\\[\\]。!?;\\n:]| (?<=[{CJK}] )(?=[{CJK}]|[A-Za-z][A-Za-z0-9\\-]+[{CJK}])"
)

_CJK_RE = re.compile(f"[{CJK}]")

_LATIN_WORD_RE = re.compile(r"[A-Za-z]+")

_SHORT_CJK_RE = re.compile(f"[{CJK}]{{1,4}}")

_SHORT_LATIN_RE = re.compile(r"[A-Za-z][A-Za-z\-]*(?: [A-Za-z][A-Za-z\-]*){0,2}")

_LABEL_HEAD_RE = re.compile(f"(?<=[{CJK}]) [A-Z][A-Za-z0-9\\-]*$")

PLACEHOLDER_RE = re.compile(r"\[(?:公式|Math|math|图片|image)\]")

# 是一个很/非常…, 是最…之一, …的基础: praise or a judgement, not a definition.
# 是最重要的方法之一, 是最流行的激活函数之一: a ranking, not what it is.
EVALUATIVE_RE = re.compile(
    r"^(?:也|都|就)?是(?:一个|一种)?(?:目前|当前)?(?:最|非常|十分|极其)[^,;。]{0,16}之一|^(?:也|都|就)?是最[^,;。()]{1,8}的(?:[,;。(]|$)"
)

JUDGEMENT_RE = re.compile(
    "(?:力作|之作|基础|前提|里程碑|突破|趋势|热点|方向|关键|主流|首选|利器|话题|例子|代表|好方法|先驱|鼻祖|开山之作|重要组成部分)"
    "[,。;!?]?$"
)

# A definition that ends by announcing what follows (…如下:, 它的公式为:) takes that formula or list.
_LEAD_IN_RE = re.compile(r"(?:如下|以下|公式为|定义为|表示为|计算公式为|更新规则为|公式如下|形式为|为)\s*:?\s*$")

_DISPLAY_RE = re.compile(r"\s*(\\\[(?:(?!\\\]).)*\\\])", re.DOTALL)


def until_sentence_end(text: str, start: int, *, list_item: bool = False, para: bool = False,
                       colon: bool = True) -> str:
    """Text from start to the end of its sentence (or of the aside it sits in); math is never cut.

    list_item: a colon ends it only as the next item's label (… 采样生成:从…) and that label is dropped;
    para: a space between two CJK characters (a paragraph break in a capture) ends it too;
    colon=False: a colon inside it (三种方式:深度、宽度…) does not end it.
    Jumps from one character that matters to the next (a regular expression finds them).
    """
    n = min(len(text), start + LOOKAHEAD)
    scan = _SCAN_PARA_RE if para else _SCAN_RE
    depth = 0
    i = start
    while True:
        m = scan.search(text, i, min(len(text), n + 1))  # one past n: the look-ahead of a space
        if m is None or m.start() >= n:
            return text[start:n]
        i = m.start()
        tok = m.group()
        if tok in MATH_OPEN:
            close = text.find(MATH_OPEN[tok], i + 2, n)
            if close < 0:
                return text[start:n]
            i = close + 2
            continue
        if tok in "([":
            depth += 1
        elif tok in ")]":
            depth -= 1
            if depth < 0:  # the definition sat inside a parenthesis that closes here
                return text[start:i]
        elif tok in _STOP:
            return text[start : i + 1] if tok in "。!?" else text[start:i]
        elif tok == " ":
            if i > start:
                return text[start:i]
        elif i > start and colon and depth == 0:  # ":"
            if not list_item:
                return text[start:i]
            chunk = text[start:i].rstrip()
            if chunk.endswith(")") and "(" in chunk:  # the next label's gloss: 异构迁移学习(Heterogeneous TL):
                chunk = chunk[: chunk.rindex("(")].rstrip()
            cut = max(chunk.rfind(" "), chunk.rfind(","), chunk.rfind("。"))
            if cut <= 0:
                return chunk
            number = re.search(r"\s*(?:\d+[.、)]|\(\d+\))$", chunk[:cut])  # … 2. 正确否定(TN): the next item's number
            if number:
                cut = number.start()
            # A label may open with a model's name: …生成样本 DDPM 关键点: drops "DDPM 关键点".
            head = _LABEL_HEAD_RE.search(chunk[:cut])
            if head and _CJK_RE.search(chunk[cut:]):
                cut = head.start()
            return chunk[:cut]
        i += 1


def with_formula(text: str, start: int, body: str) -> str:
    """body, and the display formula it announces right after it (…的公式为: \\[…\\]), if any."""
    end = start + len(body)
    announces = _LEAD_IN_RE.search(body.rstrip("。 ")) or body.rstrip().endswith(":") or text[end : end + 1] == ":"
    if not announces:
        return body
    m = _DISPLAY_RE.match(text, end + (1 if end < len(text) and text[end] == ":" else 0))
    if m and len(m.group(1)) <= MAX_FORMULA:
        sep = "" if body.rstrip().endswith(":") else ":"
        return body.rstrip() + sep + " " + m.group(1)
    return body


def shorten(body: str) -> str:
    """At most MAX_DEFINITION characters, cut at a clause boundary; a formula is never cut."""
    body = body.strip()
    if len(body) <= MAX_DEFINITION:
        return body
    cuts, i, in_math = [], 0, None
    while i < len(body):
        two = body[i : i + 2]
        if in_math is None and two in MATH_OPEN:
            in_math, i = MATH_OPEN[two], i + 2
            continue
        if in_math is not None and two == in_math:
            in_math, i = None, i + 2
            continue
        if in_math is None and body[i] in ",;" and i <= MAX_DEFINITION:
            cuts.append(i)
        i += 1
    if cuts and cuts[-1] > MAX_DEFINITION // 3:
        return body[: cuts[-1]]
    return body


def drop_lead_in(body: str) -> str:
    """Without a trailing lead-in to what follows (…,例如 / …,比如), which the card does not show."""
    return _LEAD_IN_END_RE.sub("", body) if ("如" in body or "举" in body) else body


_LEAD_IN_END_RE = re.compile(r"[,\s]*(?:例如|比如|举例来说|举个例子)\s*:?\s*$")


_COPULA_HEAD_RE = re.compile(
    r"^(?:[:,]\s*)?(?:其含义是|含义是|其实|本质上|实际上|通常|一般|也|就|则|都)?"
    r"(?:是指|指的是|就是说|就是|即是|即为|即|是|指|为|定义为|意味着|可以看做是|可以看作是|可以看做|可以看作|可以理解为)?"
    r"(?:一种|一个|一类)?"
)


_ASIDE_RE = re.compile(r"\([^()]*\)")

_CLAUSE_END_RE = re.compile(r"[,;。!?]")

_FORMULA_RE = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]")

_IS_RE = re.compile("(?:就|也)?是")

_PROPER_NAME_RE = re.compile(r"[A-Z][A-Za-z0-9]*(?: [A-Z0-9][A-Za-z0-9]*)*")

_ONLY_FORMULAS_RE = re.compile(r"(?:\\\(.*?\\\)|\s)+")

_PROPERTY_RE = re.compile(r"(?:就|也|都)?是(?!一种|一个|一类|指|首个|第一个)")

_HISTORY_RE = re.compile("(?:提出|发明|发表|推出|提出来)的$|的(?:缩写|简称|英文缩写|全称)$")

_POINTS_ELSEWHERE_RE = re.compile(r"(?:如下|以下|见|参见|如图)")

_NORM_RE = re.compile(r"[\s\-_]+")

_KIND_RE = re.compile("(?:也|就|都)?(?:是|为|即)(?:一种|一个|一类|一款|一套)")

_GOES_ON_RE = re.compile("用于|用来|能|可以|通过|旨在|主要|具有|由|包括|决定|负责|表示|即|也就是|常用|广泛|将|把|从|使|让|它(?!们)|其")

# 是一个在设计上非常精巧的模型: praise of the thing, not what it is.
_PRAISE_RE = re.compile(
    "^(?:也|就|都)?是(?:一个|一种|一类)[^,;。]{0,12}?(?:非常|十分|特别|相当|极其|很|极为)"
    "(?:精巧|优雅|巧妙|强大|有效|重要|出色|优秀|经典|厉害|好用|漂亮|聪明|有趣|成功|流行|实用|有用|高效|简洁)"
    "|^(?:也|就|都)?是(?:一个|一种)(?:强大|有效|重要|常见|常用|流行|经典|优秀|出色|好|令人兴奋|激动人心|革命性)的"
    "(?:工具|方法|手段|选择|技巧|指标|技术|进展)$"
)


@functools.lru_cache(maxsize=16384)  # pure, and asked by several frames of the same wordings
def says_nothing(body: str, term: str, *, kind: bool = True) -> bool:
    """True when the definition only restates its term, is a bare kind (为一个循环单元, 就是一个neural
    network), a property (是…的), a history (是在2016年由…提出的), an abbreviation's expansion (…的缩写),
    points elsewhere (如下, 见下图), is an evaluation, or is too short to teach anything."""
    if term and body.startswith(term):
        body = body[len(term) :]  # 模式识别: 模式识别是最古老的 — the item's text names its label again
    plain_body = _ASIDE_RE.sub("", body) if "(" in body else body  # asides in parentheses say nothing of the kind
    first = _CLAUSE_END_RE.split(plain_body, maxsplit=1)[0]
    rest = _COPULA_HEAD_RE.sub("", first).strip()
    plain = _FORMULA_RE.sub("", rest) if "\\" in rest else rest
    content = len(_CJK_RE.findall(plain)) + 2 * len(_LATIN_WORD_RE.findall(plain))
    if "\\[" in body or "\\(" in body:
        content += 4  # a formula says something
    if content < 4 and len(body) < 12:
        return True
    is_copula = _IS_RE.match(first)
    if is_copula and _PROPER_NAME_RE.fullmatch(rest):
        return True  # 演员就是 Alpha Go: an instance, not a kind
    bare = _SHORT_CJK_RE.fullmatch(rest) and len(first) < 16 or _SHORT_LATIN_RE.fullmatch(rest)
    if kind and bare and rest != first.strip():
        # 为一个循环单元 / 就是一个neural network: a kind and nothing else — unless the next clause
        # goes on about the same thing (是一种统计方法,用于计算…).
        more = plain_body[len(first) + 1 :].lstrip()
        if not _GOES_ON_RE.match(more) or not _KIND_RE.match(first):
            return True  # …就是玩星海,它们…: a short predicate goes on about something else
    if norm(rest) == norm(term):
        return True
    if is_copula and _ONLY_FORMULAS_RE.fullmatch(rest):
        return True  # 橙色线是 \(sin(x)\): a symbol, not a definition
    if first.endswith("的") and _PROPERTY_RE.match(first):
        return True  # 是满足…的要求的, 是从…推算出来的: a property, not what it is
    if _HISTORY_RE.search(first):
        return True
    if EVALUATIVE_RE.search(first) or _PRAISE_RE.search(first):
        return True
    if JUDGEMENT_RE.search(first):
        return True
    if _POINTS_ELSEWHERE_RE.match(rest):
        return True
    return bool(PLACEHOLDER_RE.search(body)) and len(PLACEHOLDER_RE.sub("", body)) < 12


def norm(text: str) -> str:
    return _NORM_RE.sub("", text).casefold()


@functools.lru_cache(maxsize=16384)
def clean(body: str) -> str:
    """The stored form of a definition: trimmed, a trailing lead-in dropped, shortened."""
    body = drop_lead_in(body.strip()).rstrip(", \t\n")
    return body if "\\[" in body and len(body) <= MAX_FORMULA + MAX_DEFINITION else shorten(body)


# ---------------------------------------------------------------- a frame's definition

_LEADS_IN_RE = re.compile(r"(?:例如|比如|如下|以下|举例|包括|分为|有)\s*$")

_DISPLAY_FIRST_RE = re.compile(r"\s*\\\[(?:(?!\\\]).)*\\\]", re.DOTALL)

# After a definition's colon, text that goes on explaining it — not a list, a formula or another label.
_GOES_ON_AFTER_COLON_RE = re.compile(r"(?!\s*(?:[\d(•\-\[]|\\\[))\s*[^:;。\[]{4,80}(?:[;。]|$)")


def definition_from(text: str, start: int, after: int, *, para: bool = False, list_item: bool = False) -> str | None:
    """The definition from start (its verb; after: where the text after the verb begins) to its
    sentence's end, with a formula or an explanation it announces; None when nothing is left."""
    raw = until_sentence_end(text, after, list_item=list_item, para=para)
    lead, begin = text[start:after], after
    if raw.lstrip()[:1] == ":" and not list_item:  # 做的事情就是:input一个vector — the colon opens it
        begin = after + raw.index(":") + 1
        raw = until_sentence_end(text, begin, para=para)
        lead += ":"
    display = _DISPLAY_FIRST_RE.match(raw)
    if display and lead.rstrip().endswith(("定义为", "为", "是")):
        raw = display.group()  # …的定义为 \[…\]: a formula definition ends with its formula
    elif not list_item and text[begin + len(raw) : begin + len(raw) + 1] == ":" and not _LEADS_IN_RE.search(raw) and \
            _GOES_ON_AFTER_COLON_RE.match(
            text, begin + len(raw) + 1):
        # 正向加噪是离散时间马尔可夫链:从 \(x_0\) 逐步加噪; — the colon spells out what comes before it
        raw += ":" + until_sentence_end(text, begin + len(raw) + 1, para=para, colon=False)
    body = clean(lead + with_formula(text, begin, raw))
    if PLACEHOLDER_RE.search(body) and len(PLACEHOLDER_RE.sub("", body)) < 16:
        return None
    return body if len(body) > len(lead.strip()) + 1 else None
