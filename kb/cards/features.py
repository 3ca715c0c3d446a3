"""What the scorer (model.py) knows of a candidate definition: its frame and cue, the term's shape,
whether the term or its other name is a known ML term (data/glossary.tsv) or glossed in the post, how
often the post mentions it, where it stands, and the definition's shape. General signals only: no
feature names a particular word of a particular text.
"""
from __future__ import annotations

import functools
import re

from kb.cards.candidates import Candidate
from kb.cards.clauses import Sentences, opens_sentence
from kb.cards.glosses import abbreviation
from kb.cards.terms import BASIC, ENGLISH_GENERIC, norm_term, word_pieces
from kb.text import CJK

_CJK_RE = re.compile(f"[{CJK}]")

# Words a concept's name ends in (…模型, …算法): the name says what kind of thing it is.
CONCEPT_HEADS = (
    "模型", "算法", "网络", "函数", "学习", "方法", "机制", "损失", "分布", "策略", "过程", "估计", "编码", "变换",
    "矩阵", "向量", "空间", "误差", "衰减", "归一化", "回归", "分类", "检测", "注意力", "迁移", "采样", "定律", "规划",
    "器", "率", "度", "性", "化", "层", "法", "图", "机", "树", "量", "值", "集", "域",
)

# Words a phrase about a term ends in (协方差性质, ESNs特点, 计算公式): an aspect, not a concept.
ASPECT_HEADS = ("问题", "特点", "性质", "原理", "公式", "情况", "部分", "概念", "理解", "特性", "优点", "缺点", "方式",
                "作用", "意义", "区别", "关系", "步骤", "流程", "过程", "思想", "思路", "原因", "目的", "定义", "介绍",
                "不同", "差异", "变化", "转变", "对比", "比较", "总结", "影响", "效果", "表现")


_COPULA_LEAD_RE = re.compile(r"^[:\s]*(?:是指|指的是|就是|即是|即为|是|即|为|指)")

_FIRST_CLAUSE_RE = re.compile(r"[,;。!?]|\.\s")

# A predicate of effect or change (已成为…, 有效减少…, 提高…): what the term achieves, not what it is.
_EFFECT_RE = re.compile(r"^[:\s]*(?:也|都|还|已|会|能|可以|可)?(?:有效|实现|提高|减少|降低|提升|改善|加快|加速|带来|导致|使得|让|成为|已成为|被|取得|获得|解决)")

# A body opening with another glossed name (…: 自回归模型 (Autoregressive LLMs) …): a category's heading.
_OPENS_WITH_NAME_RE = re.compile(r"^[:\s]*[^,。;:()\\]{1,16}\s*\([A-Za-z][^()\\]*\)")


# What a thing is made of or divided into (分为两个部分…, 包括…): its parts, not what it is.
_PARTS_RE = re.compile(r"^[:\s]*(?:可以|可|主要)?(?:分为|分成|包括|包含|主要有|有以下|有两|有三)")

_JUDGE_RE = re.compile("最|非常|之一|十分|很|重要|常用|广泛|经典|流行")
_KIND_RE = re.compile(r"^[:\s]*(?:这|它)?(?:其实|本质上|实际上|通常|也|就|则|都)?(?:是|为|指|即|就是)?(?:一种|一类|一个|一款|一套)")
_DEFINE_OPEN_RE = re.compile(r"^[:\s]*(?:是指|指的是|指|定义为|被定义为|意味着|即)")
_PRONOUN_OPEN_RE = re.compile(r"^[:\s,]*(?:它|这|那|我们|你|他|其)")
# The function words a definition may open with, each its own feature (一种 says what kind of thing, 用于
# what it is for, 当 under what condition, 它 refers back); any other word is only its shape: a feature
# never names a content word, which would only remember the posts it was trained on.
OPENERS = frozenset(
    "一种 一类 一个 一组 一套 指 用于 用来 在 当 由 将 把 对 对于 通过 使用 利用 基于 采用 根据 表示 描述 代表 衡量 度量 "
    "属于 也 也是 都 而 从 如果 若 给定 假设 首先 这 这是 这个 这种 它 它们 其 我们 你 可以 可 能 使 让 做 计算 "
    "也就是说 就是说 具体 具体来说 因此 所以 意味着 本节 定义 称为 叫做 即 旨在 负责 针对 为了 与 和 是 不是 所有 每个 "
    "一般 通常 主要 就 只 用 第一 同时 并".split())


def opener(word: str) -> str:
    """A definition's first word as a feature value: a function word itself, else its shape."""
    if word in OPENERS:
        return word
    if not word:
        return ""
    if _CJK_RE.match(word):
        return "cjk-word"
    if word[0].isascii() and word[0].isalpha():
        return "latin-word"
    return "symbol" if word[0] in "\\=+-(<>|" else "other"


_LIST_INTRO_RE = re.compile("如下|以下|分为|包括|有以下")
_DE_END_RE = re.compile("的[,。;]?$")


@functools.lru_cache(maxsize=1)
def glossary() -> frozenset[str]:
    """The normalized terms of data/glossary.tsv (English, Chinese and abbreviations): known ML terms."""
    from kb.cards.model import data_file

    names = set()
    path = data_file("glossary.tsv")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    for line in lines:
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        for col in cols[:3]:
            for name in col.split("|"):
                if name.strip():
                    names.add(norm_term(name.strip()))
    return frozenset(names)


def mentions(folded: str, term: str) -> int:
    """How often the (case-folded) post text mentions term."""
    t = term.casefold()
    return folded.count(t) if t else 0


def _term_features(term: str, key: str, folded: str) -> tuple[list[str], bool, int, int]:
    """What a term itself says, whichever candidate names it: (its features, whether the glossary knows
    it, where the post first mentions it, how many Chinese characters it has)."""
    shape, known, n_cjk = _term_shape(term, key)
    f = list(shape)
    n = mentions(folded, term)
    f.append(f"mentions={_bucket(n, (1, 2, 4))}")
    if n_cjk == 0 and term.islower() and n <= 2:
        f.append("term=lowercase-rare")
    return f, known, folded.find(term.casefold()), n_cjk


@functools.lru_cache(maxsize=16384)
def _term_shape(term: str, key: str) -> tuple[tuple[str, ...], bool, int]:
    """The features of a term that do not depend on its post (a term recurs across posts)."""
    f = []
    n_cjk = len(_CJK_RE.findall(term))
    latin = term.replace(" ", "")
    if n_cjk == 0:
        words = len(term.split())
        f.append(f"term=latin{min(words, 3)}")
        if abbreviation(term):
            f.append("term=abbreviation")
        elif term.islower():
            f.append("term=lowercase")
    else:
        f.append(f"term=cjk{_bucket(n_cjk, (1, 2, 4, 6))}")
        if len(latin) > n_cjk:
            f.append("term=mixed")
    if term.endswith(CONCEPT_HEADS):
        f.append("term=concept-head")
    if "的" in term:
        f.append("term=of-phrase")
    if term in BASIC or term.casefold() in ENGLISH_GENERIC:
        f.append("term=basic")
    if term.endswith(ASPECT_HEADS):
        f.append("term=aspect-head")
    known = key in glossary()
    if known:
        f.append("known=term")
    return tuple(f), known, n_cjk


@functools.lru_cache(maxsize=16384)  # pure: a wording recurs across posts (re-captures, shared sentences)
def _definition_features(term: str, body: str, cjk: bool) -> tuple[str, ...]:
    """What a definition's wording says (its first word, length, kind, formula, judgement …)."""
    f: list[str] = []
    # The word opening the definition, after its copula (一种, 指, 用于, 在 …): its shape, in one word.
    words = word_pieces(_COPULA_LEAD_RE.sub("", body[:14]) or body[:14])
    f.append(f"def-first={opener(words[0] if words else '')}")
    f.append(f"def=len{_bucket(len(body), (15, 40, 100))}")
    if _KIND_RE.match(body):
        f.append("def=kind")
    if _DEFINE_OPEN_RE.match(body):
        f.append("def=defining-verb")
    if "\\(" in body or "\\[" in body:
        f.append("def=formula")
    first = _FIRST_CLAUSE_RE.split(body, maxsplit=1)[0]
    if _JUDGE_RE.search(first):
        f.append("def=judgement")
    if cjk and _genus(term, first):
        f.append("def=genus")
    if _PARTS_RE.match(body):
        f.append("def=parts")
    if _EFFECT_RE.match(body):
        f.append("def=effect")
    if _OPENS_WITH_NAME_RE.match(body):
        f.append("def=opens-with-name")
    if _PRONOUN_OPEN_RE.match(body):
        f.append("def=pronoun")
    if _LIST_INTRO_RE.search(body):
        f.append("def=introduces")
    if _DE_END_RE.search(first):
        f.append("def=property")
    if not _CJK_RE.search(first):
        f.append("def=no-chinese")
    if "?" in body:
        f.append("def=question")
    if term.casefold() in body.casefold():
        f.append("def=repeats-term")
    return tuple(f)


def candidate_features(c: Candidate, s: Sentences, folded: str, post: dict) -> list[str]:
    """The binary features of one candidate (names; the scorer sums their weights).

    post: what the whole post says of the candidate's term (post_facts)."""
    term = c.term
    key = norm_term(term)
    shape = post["terms"].get(term)
    if shape is None:  # the term's own features, once per post (its candidates share them)
        shape = post["terms"][term] = _term_features(term, key, folded)
    f = [*_frame_features(c.frame, c.cue), *shape[0]]
    aliases = c.aliases or post["aliases"].get(key, [])
    if c.aliases:
        f.append("alias=here")
    elif aliases:
        f.append("alias=in-post")
    if any(abbreviation(a) for a in aliases):
        f.append("alias=abbreviation")
    if not shape[1]:
        known = glossary()
        if any(norm_term(a) in known for a in aliases):
            f.append("known=alias")
    first_at = shape[2]
    if first_at >= 0 and c.start > first_at + len(term) + 2:
        f.append("mention=not-first")  # a definition is most often where the text first names its term
    if len(post["siblings"].get((c.frame, c.cue), ())) >= 3:
        f.append("siblings=3+")  # one of a run of parallel items (TP:… TN:… FP:…): a glossary's
    f.append(f"frames={_bucket(len(post['frames'].get(key, ())), (1, 2))}")
    if c.start <= 40:
        f.append("where=opening")
    elif key in post["opening"]:
        f.append("where=named-in-opening")
    f.append(f"where={standing(s, c.start)}")
    if post["glossed"].get(key):
        f.append("post=glossed")
    body = c.definition
    if body is None:
        f.append("def=none")
        return f
    said = post["said"].get((term, body))
    if said is None:  # the same wording found by several frames is read once
        said = post["said"][(term, body)] = _definition_features(term, body, bool(shape[3]))
    f.extend(said)
    return f


_SENTENCE_PUNCT = set("。!?;\n")

_CLAUSE_MARK_RE = re.compile("[,;:]")

_HEADING_NUMBER_RE = re.compile(r"^\s*(?:第[一二三四五六七八九十\d]+[章节]|\d+(?:\.\d+)*[.、]?|[一二三四五六七八九十]+[、.]|\(\d+\))\s*")


def standing(s: Sentences, at: int) -> str:
    """Where a term starting at at stands: opening a sentence (after its punctuation, a discourse word
    at most), after a heading run into the text, opening a clause, or inside one."""
    text = s.text
    start = s.sentence_start(at)
    if opens_sentence(s, at):
        if start == 0 or text[start - 1] in _SENTENCE_PUNCT:
            return "opens-sentence"
        # a bare space ended the 'sentence' before: a heading (1.4.1 策略 策略是…) or a space in running text
        prev = s.sentence_start(start - 1)
        chunk = text[prev : start].strip()
        heading = (prev == 0 or text[prev - 1] in _SENTENCE_PUNCT or text[prev - 1] == " ") and \
            not _CLAUSE_MARK_RE.search(chunk) and len(_HEADING_NUMBER_RE.sub("", chunk)) <= 24
        return "after-heading" if heading else "after-space"
    if text[s.clause_start(at) - 1 : s.clause_start(at)] in (",", ":"):
        return "opens-clause"
    return "inside"


def _genus(term: str, clause: str) -> bool:
    """Whether a definition's first clause names the kind of thing the term is by the term's own head
    (源域: 已有知识的域, 策略梯度算法 是…的算法, 量化粒度 是…的概念 no)."""
    head = term[-2:] if len(term) >= 3 and _CJK_RE.match(term[-2]) else term[-1]
    clause = clause.rstrip("。.;,!? ")
    return clause.endswith(head) or f"的{head}" in clause or clause.endswith(term[-1]) and len(term) >= 2 and \
        not clause.endswith(term)


def post_facts(cands: list[Candidate], text: str) -> dict:
    """What the post's candidates say of each term: the frames it appears in, its other names, whether
    a gloss introduces it, whether the post's opening words name it."""
    frames: dict[str, set[str]] = {}
    aliases: dict[str, list[str]] = {}
    glossed: dict[str, bool] = {}
    opening = norm_term(text[:40])
    siblings: dict[tuple[str, str], set[str]] = {}
    for c in cands:
        key = norm_term(c.term)
        frames.setdefault(key, set()).add(c.frame)
        if c.definition:
            siblings.setdefault((c.frame, c.cue), set()).add(key)
        if c.aliases:
            aliases.setdefault(key, c.aliases)
            glossed[key] = True
    return {"frames": frames, "aliases": aliases, "glossed": glossed, "siblings": siblings, "terms": {}, "said": {},
            "opening": {k for k in frames if k and k in opening}}


@functools.lru_cache(maxsize=256)
def _frame_features(frame: str, cue: str) -> tuple[str, str]:
    return f"frame={frame}", f"cue={frame}:{cue}" if cue else f"cue={frame}:"


@functools.lru_cache(maxsize=1024)
def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for e in edges:
        if n <= e:
            return f"<={e}"
    return f">{edges[-1]}"
