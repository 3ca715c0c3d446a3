"""Flashcards from the posts' key definitions: pattern extraction at import, the cards table, export.

Definitions are found by wording (X:…, X是一种…, X就是…, 所谓X就是…); precision before recall.
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field

from kb import prepare


KINDS = ("definition", "reverse", "alias", "choice")
MAX_DEFINITION = 120
LOOKBACK = 160  # characters before a marker where its term may start
MAX_SUBJECT = 24  # longest unbroken run before a marker that may still end in a term
LOOKAHEAD = 1000  # characters after it where its sentence must end

_CJK = "\u3400-\u9fff"
_HAS_CJK_RE = re.compile(f"[{_CJK}]")
_LATIN_TERM_RE = re.compile(r"([A-Za-z0-9][\w\-+./']*(?: [A-Za-z0-9][\w\-+./']*){0,5})$", re.ASCII)
# The run must start at a boundary: N_RF只 is no term.
_CJK_TERM_RE = re.compile(f"(?<![\\w\\-])([A-Za-z0-9\\-]*[{_CJK}][{_CJK}A-Za-z0-9\\-]*)$")
_QUOTED_END_RE = re.compile(f"(?:(?<=[,:;。!?\\s])|^)[“\"「]([{_CJK}A-Za-z0-9][{_CJK}A-Za-z0-9\\- ]{{0,15}})[”\"」]$")
_ALIAS_RE = re.compile(f"\\(([^()]{{1,60}})\\)\\s*((?:或|与|和)[{_CJK}]{{1,4}})?\\s*$")
# Between a term and its verb: adverbs that do not change what is defined (感知器本身就是…).
_ADVERBS = ("实际上", "本质上", "其实", "本身", "通常", "一般", "主要", "也", "就")
# Leading words that are not part of a term (这里的混合精度训练 → 混合精度训练).
_LEADING_FILLERS = {
    "这里", "的", "那么", "而", "其中", "所以", "因此", "总之", "首先", "其次", "然后", "另外", "此外",
    "同时", "但", "但是", "并且", "例如", "比如", "如", "即", "当然", "事实上", "简介", "背景", "动机",
    "引言", "概述", "导言", "总览", "相关内容", "补充知识", "基本概念", "定义", "所谓", "总的来看",
}
# A subject containing one of these is a pronoun or filler, not a term.
_REJECT_WORDS = {
    "这", "那", "它", "它们", "我们", "我", "你", "他", "本文", "文章", "笔者", "作者", "论文", "文中",
    "其", "该", "此", "另", "第", "一是", "二是", "也", "就", "都", "还", "又", "再", "这个", "这篇",
    "那个", "这样", "这种", "一下", "可以", "需要", "如下", "以下", "上述", "一个", "一种", "另一种",
    "这里", "那么", "这些", "那些", "之前", "之后", "个人", "理解", "有", "两类", "两种", "几种",
    "什么", "怎么", "如何", "为什么", "由于", "因为", "如果", "虽然", "对于", "关于", "每个", "每",
    "今天", "昨天", "明天", "最近", "目前", "现在", "今年", "去年", "近年来",
}
# A term that is only one of these says nothing (目的是…, 问题就是…).
_GENERIC_TERMS = {
    "方法", "问题", "难点", "难题", "目的", "思路", "做法", "关键", "核心", "原因", "结果", "公式", "模型",
    "网络", "作用", "区别", "优点", "缺点", "特点", "本质", "意思", "概念", "定义", "目标", "任务", "过程",
    "步骤", "方式", "论文", "代表工作", "关键点", "重点", "总结", "注意", "例子", "比如", "形式",
}
# Without an alias, a colon introduces a definition only when a defining verb follows it.
_COLON_DEF_STARTS = (
    "给定", "从", "通过", "表示", "属于", "指", "是", "计算", "用", "将", "把", "直接", "一种", "一类",
    "描述", "衡量", "基于", "利用", "对", "目的是", "由", "在",
)
# 是一个很/非常…: praise, not a definition (flow模型是一个在设计上非常精巧的模型).
_EVALUATIVE_RE = re.compile(r"非常|十分|特别|相当|很|最")

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
_STOP = "。!?;\n"
_MATH_OPEN = {"\\(": "\\)", "\\[": "\\]"}
# The characters _until_sentence_end stops at: math openings, parentheses, sentence ends, colons
# (and, for a paragraph-bounded definition, a space between two CJK characters).
_SCAN_RE = re.compile(r"\\[(\[]|[()。!?;\n:]")
_SCAN_PARA_RE = re.compile(f"\\\\[(\\[]|[()。!?;\\n:]|(?<=[{_CJK}]) (?=[{_CJK}])")


@dataclass
class Definition:
    term: str
    definition: str
    aliases: list[str] = field(default_factory=list)
    pattern: str = ""
    position: int = 0


# ---------------------------------------------------------------- extraction


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def norm_term(term: str) -> str:
    """The identity form of a term: NFKC, case-folded, no white space or hyphens."""
    return re.sub(r"[\s\-_]+", "", nfkc(term)).casefold()


@prepare.ahead
def extract(text: str) -> list[Definition]:
    """The definitions in one post's text, one per term (first wording wins, aliases merged)."""
    text = nfkc(text)
    found: list[Definition] = []
    extra_aliases: list[tuple[str, str]] = []
    for m in _MARKERS.finditer(text):
        kind = m.lastgroup
        # A term and its alias fit in the window: looking further back only costs time on long posts.
        parsed = _subject(text[max(0, m.start() - LOOKBACK) : m.start()], kind)
        if parsed is None:
            continue
        term, aliases = parsed
        if kind == "alias":
            other = _alias_after(text[m.end():])
            if other:
                extra_aliases.append((term, other))
            continue
        body = _definition(text, m, kind)
        if body is None:
            continue
        if kind == "colon" and not aliases and not body.startswith(_COLON_DEF_STARTS):
            continue
        if kind == "kind" and m.group() == "是一个" and _EVALUATIVE_RE.search(body[3:15]):
            continue
        if kind == "oneof" and _EVALUATIVE_RE.search(body[: body.find("之一")]):
            continue  # 是最重要的方法之一: praise
        if kind in ("gist", "kindwei") and (not _named(term) or len(term.split()) > 3):
            continue  # 整体的思路是…: only a named thing's gist is a definition
        if kind == "kindwei" and (_HAS_CJK_RE.search(term) or not re.search(r"[A-Za-z]{2}", term) or "_" in term):
            continue  # 学习率为一个较小的值, x_i 为一个向量: a setting, not a definition
        found.append(Definition(term, body, aliases, _pattern_name(m), m.start()))
    for m in _SOWEI_RE.finditer(text):
        term = _clean_term(m.group(1).strip(), has_alias=False)
        body = _definition(text, m, "is")
        if term and body:
            found.append(Definition(term, body, [], "所谓…就是", m.start()))
    found += _lead_definitions(text)
    found += _other_wordings(text)
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


# A post's opening sentence (after a short heading: 引言与背景, 动机 …) or a numbered item's, when it
# is a whole term (and its alias) followed by 是 — or, for a term with a parenthesized alias, 能 —
# defines that term: ViT(vision transformer)是…, 动机 Faster RCNN是…, 1. 正向加噪是….
# Anywhere else a sentence-initial X是… is as often a judgement (MAE是…的又一力作) as a definition.
_JUDGEMENT_RE = re.compile("(?:力作|之作|基础|前提|里程碑|突破|趋势|热点|方向|关键|主流|首选|利器)$")
_WHOLE_TERM_RE = re.compile(f"[A-Za-z0-9][\\w\\-+./' ]*$|[A-Za-z0-9\\-]*[{_CJK}][{_CJK}A-Za-z0-9\\-]*$")
_LEAD_HEAD_RE = re.compile(r"\s*[^\s,。:;!?()\[\]]{1,12}\s+")
_LEAD_RE = re.compile(r"\s*(?P<subj>[^,。:;!?\n]{1,40}?)\s*(?P<verb>是(?![否不])|能(?![否力]))")
_ITEM_RE = re.compile(r"\d(?<![^\s]\d)\d?\.\s*(?P<subj>[^,。:;!?\n\d]{1,30}?)\s*(?P<verb>是(?![否不]))")


def _lead_definitions(text: str) -> list[Definition]:
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
    for m in _scan(_ITEM_RE, text, "是"):  # the item's number opens the text or follows a space
        d = _whole_subject_definition(text, m)
        if d:
            out.append(d)
    return out


def _named(term: str) -> bool:
    """A name rather than a plain word: Latin script, or at least three CJK characters."""
    return bool(re.search(r"[A-Za-z]{2}", term)) or len(_HAS_CJK_RE.findall(term)) >= 3


def _whole_subject_definition(text: str, m: re.Match) -> Definition | None:
    subj = m.group("subj").strip()
    if not _WHOLE_TERM_RE.match(re.sub(r"\s*\([^()]*\)$", "", subj)) or _POINTING_RE.search(subj):
        return None  # not one unbroken term, or a pointing word in it: no need to segment it
    parsed = _subject(subj, "lead")
    if parsed is None:
        return None
    term, aliases = parsed
    if not aliases and not _named(term):
        return None  # 今天是…, 输入是…: a two-character word opening a sentence is rarely the defined term
    core = re.sub(r"\s*\([^()]*\)\s*$", "", subj) if aliases else subj
    if re.sub(r"\s+", "", core) != re.sub(r"\s+", "", term):
        return None  # the term is only the end of the subject: a clause, not a term
    if m.group("verb") != "是" and not aliases:
        return None
    body = _body(text, m.start("verb"), para=True, colon=False)
    if body is None or len(body) < 8 or _EVALUATIVE_RE.search(body[:12]):
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
    f"(?:^|(?<=[,;。:]))\\s*(?:一|二|三|四)是\\s*(?P<term>[A-Za-z][A-Za-z0-9\\- ]{{0,30}}?|[{_CJK}]{{2,8}}?)"
    "\\s*的\\s*,\\s*"
)
# 「自回归」的,通俗地理解就是…: a quoted term and its plain-words gloss.
_GLOSS_RE = re.compile(
    "[「“\"](?P<term>[^「」“”\"\\s,。]{1,12})[」”\"]的?\\s*,\\s*"
    "(?=(?:通俗|简单|直观)(?:地|来|点)?(?:理解|说|讲|来说)?(?:就是|是))"
)
# 提出了compound scaling,混合缩放,把…: a new term, its other-language name, then what it does.
_PROPOSED_RE = re.compile(
    f"提出了\\s*(?P<term>[A-Za-z][A-Za-z0-9\\- ]{{1,30}}?)\\s*,\\s*(?P<alias>[{_CJK}]{{2,8}})\\s*,\\s*"
    "(?=把|将|即|通过)"
)
# ViT在多模态模型中的角色类似于…Tokenizer组件: a named thing's role, by analogy.
_ROLE_RE = re.compile("在(?<=[A-Za-z0-9]在)[^,。;:!?\\n]{1,15}中的(?:角色|作用|地位)(?=类似于|相当于)")
# 像GAN这样的生成模型,它本质上是…: what the named example (and its kind) is.
_LIKE_RE = re.compile(
    f"像\\s*(?P<term>[A-Za-z][A-Za-z0-9\\- ]{{0,20}}|[{_CJK}]{{2,8}})\\s*这样的[{_CJK}]{{1,8}}\\s*,\\s*它(?=本质上(?:就)?是)"
)
_POINTING_RE = re.compile("这|那|其|它|该|此|上述|以上|前者|后者|我们|本文")
_PLACEHOLDER_RE = re.compile(r"\[(?:公式|Math|math|图片|image)\]")


def _other_wordings(text: str) -> list[Definition]:
    out = []
    for m in _scan(_NAMED_RE, text, "称", "叫做"):
        name = m.group("name").strip()
        if "的" in name:
            name = name.rsplit("的", 1)[1].strip()
        term = _term_before(name, has_alias=False) if name else None
        if not term or re.sub(r"\s+", "", term) != re.sub(r"\s+", "", name):
            continue
        if _PLACEHOLDER_RE.search(m.group("what")) or _POINTING_RE.match(m.group("what").strip()):
            continue  # 将这种方法称为X: what X names is elsewhere
        if "的" in m.group("name") and _POINTING_RE.match(m.group("name").strip()):
            continue
        start = _clause_start(text, m.start())
        body = _body(text, start, para=True)
        if body and name in body:  # a break before the name: the clause is not one sentence
            out.append(Definition(term, body, [], "将…称为", m.start()))
    for m in _scan(_DEFINED_RE, text, "的定义"):
        term = _clean_term(m.group("term"), has_alias=False)
        # Only a quoted definition in the other language (LeCun's, in English) is sure to be one
        # whole definition: whatever CJK text comes before 这是 may be any sentence.
        quote = _LATIN_TAIL_RE.search(text, max(0, m.start() - LOOKBACK), m.start())
        body = quote.group().strip() if quote else ""
        if term and len(body.split()) >= 4:
            out.append(Definition(term, _shorten(body), [], "对X的定义", quote.start()))
    for c in _scan(_CLASSES_RE, text, "分为"):
        for m in _CLASS_ITEM_RE.finditer(text, c.end(), min(len(text), c.end() + 400)):
            raw = m.group("term").strip()
            term = raw if not _HAS_CJK_RE.search(raw) else _clean_term(raw, has_alias=False)
            body = _body(text, m.end(), para=True)
            if term and body and len(body) >= 8:
                out.append(Definition(term, body, [], "分为…一是X的", m.start("term")))
    for m in _scan(_GLOSS_RE, text, "通俗", "简单", "直观"):
        term = _clean_term(m.group("term"), has_alias=False)
        body = _body(text, m.end(), para=True)
        if term and body:
            out.append(Definition(term, body, [], "「X」,通俗地理解就是", m.start()))
    for m in _scan(_PROPOSED_RE, text, "提出了"):
        body = _body(text, m.end(), para=True, colon=False)
        if body and len(body) >= 8:
            out.append(Definition(m.group("term").strip(), body, [m.group("alias")], "提出了X,Y,", m.start("term")))
    for m in _scan(_ROLE_RE, text, "类似于", "相当于"):
        term = _term_before(text[max(0, m.start() - LOOKBACK) : m.start()], has_alias=False)
        body = _body(text, m.start(), para=True)
        if term and not _HAS_CJK_RE.search(term) and len(term.split()) <= 3 and body:
            out.append(Definition(term, body, [], "X在…中的角色类似于", m.start()))
    for m in _scan(_LIKE_RE, text, "本质上"):
        raw = m.group("term").strip()
        term = _term_before(raw, has_alias=False)
        body = _body(text, m.end(), para=True)
        if term and term == raw and body and len(body) >= 8:
            out.append(Definition(term, body, [], "像X这样的…,它本质上是", m.start("term")))
    return out


def _drop_lead_in(body: str) -> str:
    """Without a trailing lead-in to what follows (…,例如 / …,TRN Cell 的算法流程如下)."""
    body = re.sub(r"[,\s]*(例如|比如)\s*$", "", body)
    return re.sub(r",[^,]*如下\s*$", "", body)


def _scan(pattern: re.Pattern, text: str, *needles: str):
    """pattern's matches in text, skipping the scan when none of the words it needs is there."""
    return pattern.finditer(text) if any(n in text for n in needles) else ()


def _clause_start(text: str, pos: int) -> int:
    """Where the clause holding pos begins: after the last , ; : ( or sentence end before it."""
    window = text[max(0, pos - LOOKBACK) : pos]
    cut = max(window.rfind(c) for c in ",;:(。!?\n")
    return pos - len(window) + cut + 1


def _body(text: str, start: int, *, para: bool = False, colon: bool = True) -> str | None:
    body = _until_sentence_end(text, start, list_item=False, para=para, colon=colon).strip()
    body = _drop_lead_in(re.sub(r"[,\s]*(定义为|计算公式为)\s*$", "", body))
    if len(body) < 4 or _PLACEHOLDER_RE.search(body):
        return None
    return _shorten(body)


def _subject(left: str, kind: str) -> tuple[str, list[str]] | None:
    """The term (and its parenthesized aliases) ending right before a marker, or None."""
    left = left.rstrip()
    if kind not in ("colon", "alias"):
        stripped = True
        while stripped:
            stripped = False
            for adv in _ADVERBS:
                if left.endswith(adv):
                    left = left[: -len(adv)].rstrip()
                    stripped = True
                    break
    aliases: list[str] = []
    am = _ALIAS_RE.search(left)
    if am:
        if am.group(2) and kind != "colon":
            return None
        aliases = _split_aliases(am.group(1))
        if aliases is None:
            return None
        left = left[: am.start()].rstrip()
    term = _term_before(left, has_alias=bool(aliases))
    if not term:
        return None
    if am and am.group(2):  # 视觉与自然语言的对齐(…)或融合: the alias names the first half
        term = term + am.group(2)
    if aliases and _HAS_CJK_RE.search(term) and all(_HAS_CJK_RE.search(a) for a in aliases):
        # A parenthesis in the same script is an aside, not the other-language name.
        return None
    return term, aliases


def _split_aliases(inner: str) -> list[str] | None:
    inner = inner.strip()
    if not inner or re.match(r"(例如|比如|如|即|包括|见|注|其中|下同|e\.g|i\.e)", inner):
        return None
    if re.search(r"[。;!?:\\]", inner) or len(inner.split()) > 6:
        return None
    parts = [p.strip() for p in re.split(r"[,、]", inner) if p.strip()]
    return parts or None


def _term_before(left: str, *, has_alias: bool) -> str | None:
    if not left:
        return None
    quoted = _QUOTED_END_RE.search(left) if left[-1] in "”\"」" else None
    if quoted:  # 在强化学习中,"数据"通常指…: the quotes mark the term
        return _clean_term(quoted.group(1), has_alias=has_alias)
    if re.search(r"[A-Za-z0-9]$", left):
        m = _LATIN_TERM_RE.search(left)
        if not m:
            return None
        words = m.group(1).split(" ")
        # A heading that repeats the term (… Normalizing Flow Normalizing Flow 是一种…).
        for k in range(1, len(words) // 2 + 1):
            if words[-k:] == words[-2 * k : -k]:
                words = words[-k:]
                break
        if len(words) > 4:
            return None
        term = " ".join(words)
        if term.casefold() in {"it", "this", "that", "which", "we"} or len(term) < 2:
            return None
        return term
    m = _CJK_TERM_RE.search(left)
    if not m or len(m.group(1)) > MAX_SUBJECT:
        return None  # that long without a pause, it is a clause, not a term (and not worth jieba)
    return _clean_term(m.group(1), has_alias=has_alias)


def _clean_term(run: str, *, has_alias: bool) -> str | None:
    """Trim a run of text to the term at its end, on jieba's word boundaries."""
    words = [w for w in _words(run) if w.strip()]
    while words and words[0] in _LEADING_FILLERS:
        words.pop(0)
    if words[:2] == ["传统", "的"]:  # 传统的表格方法 → 表格方法
        words = words[2:]
    if not words:
        return None
    if any(w in _REJECT_WORDS for w in words):
        return None
    if "的" in words and not has_alias:
        return None
    term = "".join(words)
    n_cjk = len(_HAS_CJK_RE.findall(term))
    if n_cjk > 12 or len(term) < 2 or term in _GENERIC_TERMS:
        return None
    if re.fullmatch(r"[\d\W]+", term):
        return None
    return term


def _words(run: str) -> list[str]:
    """jieba's words of run, cut as the search index cuts (rjieba and the domain dictionary)."""
    from kb import segment

    # index_tokens gives spans of a same-length normalized text: slice the original by them,
    # keeping what falls between spans (a hyphen) as words of its own.
    words, pos = [], 0
    for a, b in segment.index_tokens(run):
        if a > pos:
            words.append(run[pos:a])
        words.append(run[a:b])
        pos = b
    return words + ([run[pos:]] if pos < len(run) else [])


def _alias_after(right: str) -> str | None:
    m = re.match(f"\\s*([{_CJK}A-Za-z][{_CJK}A-Za-z0-9\\- ]{{0,30}}?)\\s*(?:[,。;:(]|$)", right)
    return m.group(1).strip() if m else None


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
    body = _until_sentence_end(text, start, list_item=kind == "colon", para=kind in _PARA_KINDS)
    if kind in _PARA_KINDS and _PLACEHOLDER_RE.search(body):
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
        body = _drop_lead_in(body.strip())
    body = re.sub(r"[,\s]*(定义为|如下|计算公式为)\s*$", "", body.strip())
    return _shorten(body)


def _until_sentence_end(text: str, start: int, *, list_item: bool, para: bool = False, colon: bool = True) -> str:
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
        if tok in _MATH_OPEN:
            close = text.find(_MATH_OPEN[tok], i + 2, n)
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
            head = re.search(f"(?<=[{_CJK}]) [A-Z][A-Za-z0-9\\-]*$", chunk[:cut])
            if head and _HAS_CJK_RE.search(chunk[cut:]):
                cut = head.start()
            return chunk[:cut]
        i += 1


def _shorten(body: str) -> str:
    """At most MAX_DEFINITION characters, cut at a clause boundary; a formula is never cut."""
    body = body.strip()
    if len(body) <= MAX_DEFINITION:
        return body
    cuts, i, in_math = [], 0, None
    while i < len(body):
        two = body[i : i + 2]
        if in_math is None and two in _MATH_OPEN:
            in_math, i = _MATH_OPEN[two], i + 2
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


# ---------------------------------------------------------------- storage


def card_id(slug: str, term: str, kind: str) -> str:
    """Stable across re-imports and rebuilds: the post's slug, the normalized term, the kind."""
    key = f"{slug}\x1f{norm_term(term)}\x1f{kind}".encode()
    return hashlib.sha1(key).hexdigest()[:16]


def kinds_for(d: Definition) -> list[str]:
    return [k for k in KINDS if k != "alias" or d.aliases]


def on_posts_changed(conn: sqlite3.Connection, post_ids: list[int]) -> None:
    """Importer hook (inside the file's transaction): re-derive the cards of these posts."""
    for post_id in post_ids:
        _derive_post(conn, post_id)


def rebuild(conn: sqlite3.Connection) -> dict:
    """Re-derive every post's cards (kb doctor --fix); reviews and schedules are never touched."""
    from kb.db import transaction

    with transaction(conn):
        ids = [r[0] for r in conn.execute("SELECT id FROM posts ORDER BY id")]
        for post_id in ids:
            _derive_post(conn, post_id)
        orphans = [r[0] for r in conn.execute("SELECT id FROM cards WHERE post_id NOT IN (SELECT id FROM posts)")]
        _retire(conn, orphans)
    return {"posts": len(ids), "cards": conn.execute("SELECT COUNT(*) FROM cards WHERE active = 1").fetchone()[0]}


def _derive_post(conn: sqlite3.Connection, post_id: int) -> None:
    row = conn.execute("SELECT slug, text FROM posts WHERE id = ?", (post_id,)).fetchone()
    if row is None:
        return
    slug, text = row[0], row[1]
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    keep: set[str] = set()
    rows = []
    for d in extract(text):
        aliases = json.dumps(d.aliases, ensure_ascii=False)
        for kind in kinds_for(d):
            cid = card_id(slug, d.term, kind)
            keep.add(cid)
            rows.append((cid, post_id, slug, d.term, norm_term(d.term), aliases,
                         d.definition, kind, d.pattern, d.position, now, now))
    if rows:
        conn.executemany(
            "INSERT INTO cards (id, post_id, slug, term, norm_term, aliases, definition, kind, pattern,"
            " position, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET post_id = excluded.post_id, term = excluded.term,"
            " aliases = excluded.aliases, definition = excluded.definition, pattern = excluded.pattern,"
            " position = excluded.position, active = 1,"
            " updated_at = CASE WHEN cards.definition IS NOT excluded.definition"
            " OR cards.aliases IS NOT excluded.aliases OR cards.active = 0"
            " THEN excluded.updated_at ELSE cards.updated_at END",
            rows,
        )
    gone = [r[0] for r in conn.execute("SELECT id FROM cards WHERE post_id = ?", (post_id,)) if r[0] not in keep]
    _retire(conn, gone)


def _retire(conn: sqlite3.Connection, ids: list[str]) -> None:
    """Cards no longer found: delete them, unless they have been reviewed (then keep them, inactive)."""
    for cid in ids:
        if conn.execute("SELECT 1 FROM reviews WHERE card_id = ? LIMIT 1", (cid,)).fetchone():
            conn.execute("UPDATE cards SET active = 0 WHERE id = ?", (cid,))
        else:
            conn.execute("DELETE FROM card_schedule WHERE card_id = ?", (cid,))
            conn.execute("DELETE FROM cards WHERE id = ?", (cid,))


# ---------------------------------------------------------------- reading and export


def card_dict(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "slug": row["slug"],
        "term": row["term"],
        "aliases": json.loads(row["aliases"] or "[]"),
        "definition": row["definition"],
        "kind": row["kind"],
    }


def list_cards(conn: sqlite3.Connection, *, ids: set[str] | None = None, kinds: tuple[str, ...] = KINDS) -> list[dict]:
    """Active cards, in reading order (post rank, then position in the post)."""
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(
        f"SELECT c.* FROM cards c JOIN posts p ON p.id = c.post_id WHERE c.active = 1 AND c.kind IN ({marks})"
        " ORDER BY p.rank, p.id, c.position, c.kind",
        kinds,
    ).fetchall()
    return [card_dict(r) for r in rows if ids is None or r["id"] in ids]


def notes(conn: sqlite3.Connection, ids: set[str] | None = None) -> list[dict]:
    """One note per definition (its term→definition card): what an export writes."""
    return list_cards(conn, ids=ids, kinds=("definition",))


def anki_guid(card: dict) -> str:
    """A GUID from the card's stable id: re-importing the deck updates notes, never duplicates them."""
    import genanki

    return genanki.guid_for("kb", card["id"])


# Fixed ids: Anki recognises the deck and the note type across exports by them.
ANKI_MODEL_ID = 1_607_392_319
ANKI_DECK_ID = 2_059_400_110


def export(conn: sqlite3.Connection, path, fmt: str, *, ids: set[str] | None = None) -> int:
    """Write the cards' notes to path as apkg, tsv or json; returns how many."""
    from pathlib import Path

    from kb.errors import KbError, UsageError

    cards = notes(conn, ids)
    path = Path(path)
    try:
        if fmt == "json":
            from kb.render import dumps

            path.write_text(dumps(cards) + "\n", encoding="utf-8")
        elif fmt == "tsv":
            path.write_text(_tsv(cards), encoding="utf-8")
        elif fmt == "apkg":
            _apkg(cards, path)
        else:
            raise UsageError(f"unknown export format {fmt!r} (use apkg, tsv or json)")
    except OSError as exc:
        raise KbError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(cards)


def _tsv_field(text: str) -> str:
    """One field of Anki's text import: one line, no control characters, quoted when it holds a quote.

    Anki reads the file as CSV: a field opening with " would otherwise be taken for a quoted one.
    """
    from kb.render import clean

    text = re.sub(r"[\t\r\n]+", " ", clean(text or ""))
    return '"' + text.replace('"', '""') + '"' if '"' in text else text


def _tsv(cards: list[dict]) -> str:
    lines = ["#separator:tab", "#html:false", "#guid column:1", "#columns:guid\tterm\tdefinition\taliases\tslug"]
    for c in cards:
        lines.append("\t".join(
            _tsv_field(x) for x in (anki_guid(c), c["term"], c["definition"], ", ".join(c["aliases"]), c["slug"])
        ))
    return "\n".join(lines) + "\n"


def _apkg(cards: list[dict], path) -> None:
    import html

    import genanki

    from kb.render import clean

    model = genanki.Model(
        ANKI_MODEL_ID,
        "kb definition",
        fields=[{"name": "Term"}, {"name": "Definition"}, {"name": "Aliases"}, {"name": "Slug"}],
        templates=[{
            "name": "term → definition",
            "qfmt": "{{Term}}<br><small>{{Aliases}}</small>",
            "afmt": "{{FrontSide}}<hr id=answer>{{Definition}}<br><small>{{Slug}}</small>",
        }],
    )
    deck = genanki.Deck(ANKI_DECK_ID, "kb")
    for c in cards:
        deck.add_note(genanki.Note(
            model=model,
            # Post text is data: its control characters (ESC, C1, bidi overrides) stay out of the deck.
            fields=[html.escape(clean(x)) for x in (c["term"], c["definition"], ", ".join(c["aliases"]), c["slug"])],
            guid=anki_guid(c),
        ))
    genanki.Package(deck).write_to_file(str(path))
