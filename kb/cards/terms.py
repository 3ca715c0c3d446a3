"""The terms of definitions: where a term before a marker begins (jieba's word boundaries), its
aliases, and which subjects are no term at all (pronouns, filler, generic words).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kb.search import segment
from kb.text import CJK

HAS_CJK_RE = re.compile(f"[{CJK}]")

MAX_SUBJECT = 24  # longest unbroken run before a marker that may still end in a term


_LATIN_TERM_RE = re.compile(r"([A-Za-z0-9][\w\-+./']*(?: [A-Za-z0-9][\w\-+./']*){0,5})$", re.ASCII)


# The run must start at a boundary: N_RF只 is no term.
_CJK_TERM_RE = re.compile(f"(?<![\\w\\-])([A-Za-z0-9\\-]*[{CJK}][{CJK}A-Za-z0-9\\-]*)$")


_QUOTED_END_RE = re.compile(f"(?:(?<=[,:;。!?\\s])|^)[“\"「]([{CJK}A-Za-z0-9][{CJK}A-Za-z0-9\\- ]{{0,15}})[”\"」]$")


_ALIAS_RE = re.compile(f"\\(([^()]{{1,60}})\\)\\s*((?:或|与|和)[{CJK}]{{1,4}})?\\s*$")


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


@dataclass
class Definition:
    term: str
    definition: str
    aliases: list[str] = field(default_factory=list)
    pattern: str = ""
    position: int = 0


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def norm_term(term: str) -> str:
    """The identity form of a term: NFKC, case-folded, no white space or hyphens."""
    return re.sub(r"[\s\-_]+", "", nfkc(term)).casefold()


def named(term: str) -> bool:
    """A name rather than a plain word: Latin script, or at least three CJK characters."""
    return bool(re.search(r"[A-Za-z]{2}", term)) or len(HAS_CJK_RE.findall(term)) >= 3


def subject(left: str, kind: str) -> tuple[str, list[str]] | None:
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
        aliases = split_aliases(am.group(1))
        if aliases is None:
            return None
        left = left[: am.start()].rstrip()
    term = term_before(left, has_alias=bool(aliases))
    if not term:
        return None
    if am and am.group(2):  # 视觉与自然语言的对齐(…)或融合: the alias names the first half
        term = term + am.group(2)
    if aliases and HAS_CJK_RE.search(term) and all(HAS_CJK_RE.search(a) for a in aliases):
        # A parenthesis in the same script is an aside, not the other-language name.
        return None
    return term, aliases


def split_aliases(inner: str) -> list[str] | None:
    inner = inner.strip()
    if not inner or re.match(r"(例如|比如|如|即|包括|见|注|其中|下同|e\.g|i\.e)", inner):
        return None
    if re.search(r"[。;!?:\\]", inner) or len(inner.split()) > 6:
        return None
    parts = [p.strip() for p in re.split(r"[,、]", inner) if p.strip()]
    return parts or None


def term_before(left: str, *, has_alias: bool) -> str | None:
    if not left:
        return None
    quoted = _QUOTED_END_RE.search(left) if left[-1] in "”\"」" else None
    if quoted:  # 在强化学习中,"数据"通常指…: the quotes mark the term
        return clean_term(quoted.group(1), has_alias=has_alias)
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
    return clean_term(m.group(1), has_alias=has_alias)


def clean_term(run: str, *, has_alias: bool) -> str | None:
    """Trim a run of text to the term at its end, on jieba's word boundaries."""
    words = [w for w in word_pieces(run) if w.strip()]
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
    n_cjk = len(HAS_CJK_RE.findall(term))
    if n_cjk > 12 or len(term) < 2 or term in _GENERIC_TERMS:
        return None
    if re.fullmatch(r"[\d\W]+", term):
        return None
    return term


def word_pieces(run: str) -> list[str]:
    """jieba's words of run, cut as the search index cuts (rjieba and the domain dictionary)."""
    # index_tokens gives spans of a same-length normalized text: slice the original by them,
    # keeping what falls between spans (a hyphen) as words of its own.
    words, pos = [], 0
    for a, b in segment.index_tokens(run):
        if a > pos:
            words.append(run[pos:a])
        words.append(run[a:b])
        pos = b
    return words + ([run[pos:]] if pos < len(run) else [])


def alias_after(right: str) -> str | None:
    m = re.match(f"\\s*([{CJK}A-Za-z][{CJK}A-Za-z0-9\\- ]{{0,30}}?)\\s*(?:[,。;:(]|$)", right)
    return m.group(1).strip() if m else None
