"""The text of a definition: from its marker to the end of its sentence or clause, math never cut,
at most MAX_DEFINITION characters, a trailing lead-in dropped.
"""
from __future__ import annotations

import re

from kb.text import CJK, has_cjk

MAX_DEFINITION = 120


LOOKBACK = 160  # characters before a marker where its term may start


LOOKAHEAD = 1000  # characters after it where its sentence must end


# 是一个很/非常…: praise, not a definition (flow模型是一个在设计上非常精巧的模型).
EVALUATIVE_RE = re.compile(r"非常|十分|特别|相当|很|最")


_STOP = "。!?;\n"


MATH_OPEN = {"\\(": "\\)", "\\[": "\\]"}


# The characters until_sentence_end stops at: math openings, parentheses, sentence ends, colons
# (and, for a paragraph-bounded definition, a space between two CJK characters).
_SCAN_RE = re.compile(r"\\[(\[]|[()。!?;\n:]")


_SCAN_PARA_RE = re.compile(f"\\\\[(\\[]|[()。!?;\\n:]|(?<=[{CJK}]) (?=[{CJK}])")


PLACEHOLDER_RE = re.compile(r"\[(?:公式|Math|math|图片|image)\]")


def drop_lead_in(body: str) -> str:
    """Without a trailing lead-in to what follows (…,例如 / …,TRN Cell 的算法流程如下)."""
    body = re.sub(r"[,\s]*(例如|比如)\s*$", "", body)
    return re.sub(r",[^,]*如下\s*$", "", body)


def scan(pattern: re.Pattern, text: str, *needles: str):
    """pattern's matches in text, skipping the scan when none of the words it needs is there."""
    return pattern.finditer(text) if any(n in text for n in needles) else ()


def clause_start(text: str, pos: int) -> int:
    """Where the clause holding pos begins: after the last , ; : ( or sentence end before it."""
    window = text[max(0, pos - LOOKBACK) : pos]
    cut = max(window.rfind(c) for c in ",;:(。!?\n")
    return pos - len(window) + cut + 1


def clause_body(text: str, start: int, *, para: bool = False, colon: bool = True) -> str | None:
    body = until_sentence_end(text, start, list_item=False, para=para, colon=colon).strip()
    body = drop_lead_in(re.sub(r"[,\s]*(定义为|计算公式为)\s*$", "", body))
    if len(body) < 4 or PLACEHOLDER_RE.search(body):
        return None
    return shorten(body)


def until_sentence_end(text: str, start: int, *, list_item: bool, para: bool = False, colon: bool = True) -> str:
    """Text from start to the end of its sentence (or of the aside it sits in); math is never cut.

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
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
            if depth < 0:  # the definition sat inside a parenthesis that closes here
                return text[start:i]
        elif tok in _STOP:
            return text[start : i + 1] if tok in "。!?" else text[start:i]
        elif tok == " ":
            if i > start:
                return text[start:i]
        elif i > start and colon:  # ":"
            if not list_item:
                return text[start:i]
            # The next term of a list (… 采样生成 :从…) or a formula's lead-in: drop that chunk.
            chunk = text[start:i].rstrip()
            cut = max(chunk.rfind(" "), chunk.rfind(","))
            if cut <= 0:
                return chunk
            # A label may open with a model's name: …生成样本 DDPM 关键点: drops "DDPM 关键点".
            head = re.search(f"(?<=[{CJK}]) [A-Z][A-Za-z0-9\\-]*$", chunk[:cut])
            if head and has_cjk(chunk[cut:]):
                cut = head.start()
            return chunk[:cut]
        i += 1


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
        if in_math is None and body[i] == "," and i <= MAX_DEFINITION:
            cuts.append(i)
        i += 1
    if cuts and cuts[-1] > MAX_DEFINITION // 3:
        return body[: cuts[-1]]
    return body
