"""The terms of definitions: where a term begins and ends (on the search segmentation's word
boundaries), and which phrases are no term at all (pronouns, fillers, generic words, clauses, symbols).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from kb.search import segment
from kb.text import CJK

HAS_CJK_RE = re.compile(f"[{CJK}]")

_CJK_RUN_RE = re.compile(f"[{CJK}]+")

_NORM_RE = re.compile(r"[\s\-_]+")

_SHORT_LATIN_NAME_RE = re.compile(r"[A-Za-z][\w\-.]{0,11}(?: [A-Za-z][\w\-.]{0,11})?", re.ASCII)

# Words that say what kind of thing a Latin name written before them is (Claude 系列模型, GPT 架构).
_KIND_WORDS = ("系列", "模型", "算法", "方法", "网络", "架构", "函数", "框架", "库", "工具", "数据集", "协议", "格式",
               "系统", "平台", "版本", "损失", "分布", "层", "机制", "编码")

_LABEL_NUMBER_RE = re.compile(r"[a-z]+\d+")

_LETTER_RE = re.compile(r"[A-Za-z]")

_SYMBOL_RE = re.compile(r"[A-Za-z]\d*|[\d\W_]+")

_DIGIT_RE = re.compile(r"\d")

_COUNTED_RE = re.compile("[一二三四五六七八九十两几百千]+[个种类条步件位名]")  # not 项, 次: 二项分布, 二次规划

_ALL_LATIN_RE = re.compile(r"[A-Za-z0-9][\w\-+./' ]*", re.ASCII)

_NOT_NAME_CHAR_RE = re.compile(r"[^\w\-+./'’ ]")

# Characters only clause words hold (它, 你, 们, 了, 吗 …): a phrase with one is no name, no need to cut it.
_CLAUSE_CHARS_RE = re.compile("[它你们了吗呢吧]|怎么|什么|如果|因为|可以|需要|进行|使用|通过")

_NAME_START_RE = re.compile(f"[A-Z{CJK}]")

_ENDS_CJK_RE = re.compile(f"[{CJK}]$")

_TAIL_RUN_RE = re.compile(f"[{CJK}A-Za-z0-9\\-]+$")

MAX_CJK = 12  # a CJK term longer than this is a description, not a name

MAX_LATIN_WORDS = 3


@dataclass
class Definition:
    term: str
    definition: str
    aliases: list[str] = field(default_factory=list)
    pattern: str = ""  # the frame that found it (copula, gloss, named-after, appositive, refer-back, list-item …)
    position: int = 0  # offset in the NFKC text: the defined occurrence of the term ends at or before it


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@functools.lru_cache(maxsize=16384)
def norm_term(term: str) -> str:
    """The identity form of a term: NFKC, case-folded, no white space, hyphens or underscores."""
    return _NORM_RE.sub("", nfkc(term)).casefold()


@functools.lru_cache(maxsize=16384)
def named(term: str) -> bool:
    """A name rather than a plain word: Latin script, or at least three CJK characters."""
    return bool(re.search(r"[A-Za-z]{2}", term)) or len(HAS_CJK_RE.findall(term)) >= 3


@functools.lru_cache(maxsize=16384)
def word_spans(run: str) -> list[tuple[int, int]]:
    """(start, end) of each word of run as the search index cuts it (rjieba and the domain dictionary);
    white space is no word, and what falls between the index's spans (a hyphen) is a word of its own."""
    spans, pos = [], 0
    for a, b in segment.index_tokens(run):
        if a > pos and run[pos:a].strip():
            spans.append((pos, a))
        if run[a:b].strip():
            spans.append((a, b))
        pos = b
    if pos < len(run) and run[pos:].strip():
        spans.append((pos, len(run)))
    return spans


def word_pieces(run: str) -> list[str]:
    """The words of run (see word_spans)."""
    return [run[a:b] for a, b in word_spans(run)]


# Words before a term that are not part of it (而, 其中, 所谓的, 这里的, section words …).
LEADING = {
    "而", "其中", "所谓", "所谓的", "这里", "的", "那么", "所以", "因此", "总之", "首先", "其次", "然后", "另外",
    "此外", "同时", "但", "但是", "并且", "而且", "例如", "比如", "如", "即", "当然", "事实上", "其实", "实际上",
    "另一方面", "最后", "接着", "以及", "还有", "特别", "尤其", "简单", "来说", "一般", "通常", "总的来说",
    "简介", "背景", "动机", "引言", "概述", "导言", "总览", "相关内容", "补充知识", "基本概念", "定义", "关键词",
    "总结", "小结", "介绍", "注", "注意", "其", "那", "而在", "再", "还", "又", "也", "与此同时", "相比之下",
    # section and aside words a capture runs into the text (场景 回归的目的是…, 通俗理解: …)
    "场景", "原理", "要点", "补充", "通俗来说", "通俗理解", "一句话总结", "简单来说", "概括来说", "举个例子",
    "须知概念", "相关术语", "工作原理", "开发流程", "算法特点", "附",
}

# A phrase holding one of these words points elsewhere or counts things: it is no term.
POINTING = {
    "这", "那", "它", "它们", "我们", "我", "你", "你们", "他", "她", "他们", "本文", "文章", "笔者", "作者", "论文",
    "文中", "其", "该", "此", "这个", "那个", "这些", "那些", "这种", "那种", "这样", "那样", "这里", "那里", "上述",
    "以上", "下面", "下列", "前者", "后者", "本节", "本章", "大家", "人们", "有人", "某", "某个", "某些", "一些", "每个",
    "每", "所有", "任何", "任意", "各", "各个", "一个", "一种", "一类", "一下", "两个", "两种", "两类", "几种", "多种",
    "另一种", "另一个", "第一", "第二", "第三", "之前", "之后", "以前", "今天", "昨天", "明天", "最近", "目前", "现在",
    "今年", "去年", "近年来", "如下", "以下", "其他", "其它", "别的", "本", "此时", "这时", "当时", "一是", "二是",
    "单个", "很多", "许多", "大量", "少量", "部分", "多数", "大多数", "少数", "一部分", "整个", "全部", "有些",
}

# A phrase holding one of these is a clause (a verb, a connective, a question), not a name.
CLAUSE = {
    "是", "有", "没有", "使用", "进行", "采用", "通过", "利用", "需要", "可以", "能", "能够", "会", "要", "让", "使",
    "使得", "把", "将", "被", "对", "对于", "在", "从", "向", "给", "用", "得到", "看到", "知道", "认为", "如果",
    "因为", "所以", "由于", "虽然", "当", "时", "时候", "说", "做", "去", "就", "都", "还", "又", "再", "才", "只",
    "已经", "正在", "不", "没", "很", "非常", "更", "最", "太", "吗", "呢", "吧", "了", "着", "如何", "怎么",
    "为什么", "什么", "哪", "哪些", "多少", "并", "而", "且", "或者", "还是", "以", "为", "于", "与其", "即", "称为",
    "叫做", "也", "比", "像", "如同", "一样", "所", "之", "等", "等等", "及其", "及", "来", "后", "前", "中", "里",
    "上", "下", "内", "外", "间", "之间", "包括", "包含", "属于", "指", "来自", "提出", "介绍", "讲", "看",
    "想", "希望", "应该", "必须", "可能", "一定", "总是", "经常", "通常", "一般", "主要", "直接", "其实", "本身",
    "就是", "即是", "是指", "指的是", "就是说", "也就是", "也就是说", "或者说", "比如说", "换句话说", "和", "与", "跟",
    "或", "以及", "无论", "不论", "不管", "最终", "最后", "怎样", "得", "则", "均", "叫", "称", "称作", "记做", "记为",
    "假设", "假如", "比如", "例如", "譬如", "接下来", "分别", "其中", "然后", "之后", "以后", "现在", "今天",
    "依然", "仍然", "仍", "一直", "总", "也会", "地", "只不过", "不过", "尽可能", "大概", "大约", "解释", "写成",
    "原先", "原来", "同样", "一般来讲", "一般来说", "不仅", "不仅仅", "仅仅", "右边", "左边", "上面", "下面", "下表",
    "上表", "下图", "上图", "图中", "表中", "文中", "其次", "再次", "第一个", "第二个", "总的来说",
    "写作", "用了", "已", "已成为", "成为", "而是", "但是", "于是", "可是", "只是", "也是", "都是",
    "正是", "或是", "凡是", "要是", "若是", "便是", "不得不说", "可见", "显然", "往", "朝", "沿", "沿着", "按", "按照", "根据",
}


# Words standing between a subject and its verb that do not change what is defined (感知器本身就是…).
ADVERBS = {"实际上", "本质上", "其实", "本身", "通常", "一般", "主要", "也", "就", "则", "都", "便", "只", "正", "还",
           "又", "即", "均", "也就", "往往", "一般来说", "通常来说", "简单来说", "依然", "仍然", "一直", "总是", "基本上",
           "基本", "大体上", "大多"}


_MEASURES = {"维", "个", "层", "种", "次", "步", "阶", "类", "位", "倍", "条", "项", "份", "张", "笔", "组"}

# English words that are no term on their own (input, output, model …).
ENGLISH_GENERIC = {
    "input", "output", "data", "model", "network", "function", "value", "vector", "dimension", "learning", "class",
    "label", "feature", "target", "loss", "layer", "parameter", "parameters", "sample", "samples", "case", "example",
    "method", "problem", "result", "task", "step", "image", "word", "text", "token", "tokens", "set", "training",
    "test", "testing", "code", "paper", "idea", "way", "part", "point", "points", "state", "action", "reward",
    "object", "item", "list", "type", "kind", "form", "note", "key", "query", "system", "algorithm", "approach",
    "http", "https", "www", "com", "pdf", "github",
}


# A term that is only one of these says nothing on a card (方法, 问题 …).
GENERIC = {
    "方法", "问题", "难点", "难题", "目的", "思路", "做法", "关键", "核心", "原因", "结果", "公式", "模型", "网络",
    "作用", "区别", "优点", "缺点", "特点", "本质", "意思", "概念", "定义", "目标", "任务", "过程", "步骤", "方式",
    "代表工作", "关键点", "重点", "总结", "注意", "例子", "比如", "形式", "情况", "部分", "内容", "东西", "事情",
    "输入", "输出", "参数", "函数", "向量", "矩阵", "值", "数值", "样本", "数据", "环境", "系统", "算法", "技术",
    "思想", "特征", "信息", "效果", "性能", "能力", "结构", "框架", "机制", "图", "表", "式", "代码", "实验", "场景",
    "领域", "应用", "原理", "性质", "理解", "举例", "例", "答", "问", "解", "结论", "缺陷", "好处", "坏处", "意义",
    "用途", "功能", "类型", "种类", "分类", "版本", "条件", "假设", "前提", "基础", "规则", "标准", "指标", "评价",
    "对比", "比较", "区别与联系", "联系", "关系", "影响", "变化", "趋势", "方向", "工作", "研究", "论文", "文章",
    "作者", "说明", "备注", "提示", "回顾", "复习", "练习", "习题", "答案", "小结", "特性", "细节", "实现", "流程",
    "思考", "讨论", "优势", "劣势", "局限", "局限性", "挑战", "难度", "成本", "代价", "策略方法", "技巧", "方案",
    "解决方案", "提出时间", "时间", "名称", "命名", "简称", "全称", "英文", "中文", "含义", "解释", "描述", "表示",
    "层", "节点", "单元", "模块", "组件", "操作", "计算", "训练", "测试", "预测", "推理", "学习", "优化", "损失",
    "误差", "概率", "分布", "空间", "维度", "长度", "大小", "数量", "个数", "次数", "速度", "时刻", "阶段", "状态",
    "动作", "奖励", "词", "句子", "文本", "图像", "图片", "像素", "视频", "语言", "知识", "经验", "示例", "样例",
    "注意事项", "主要思想", "基本思想", "核心思想", "工作原理", "基本原理", "算法流程", "计算公式", "定义如下",
    "采样", "核心概念", "基本单位", "组成部分", "原则", "准则", "数据集", "大模型", "关键问题", "主要问题", "相同点",
    "不同点", "共同点", "贡献", "主要贡献",
}


# Generic words that are still the basic vocabulary a textbook defines (样本:也称为"示例",是…, "算法"是指…):
# candidates, whose being so is a feature for the scorer (features.py), not a rejection.
BASIC = {
    "模型", "算法", "样本", "误差", "数据", "数据集", "特征", "分类", "学习", "测试", "分布", "假设", "任务", "关系",
    "参数", "函数", "向量", "矩阵", "网络", "输入", "输出", "训练", "预测", "推理", "优化", "损失", "概率", "空间",
    "维度", "状态", "动作", "奖励", "环境", "知识", "经验", "采样", "样例", "示例", "节点", "单元", "层", "模块",
    "策略", "标签", "类别", "图像", "文本", "词", "句子", "像素", "信息", "结构", "框架", "机制", "特性", "指标",
}


# Heads that make a phrase about a term rather than the term (ESNs基本思想, X的定义): the term is before them.
ABOUT_HEADS = ("的基本思想", "的核心思想", "的主要思想", "基本思想", "核心思想", "主要思想", "的定义", "的含义", "的概念")


# Heads that end a phrase about something, never a term (大概原因, 经典工作, 重要里程碑).
NEVER_HEADS = (
    "原因", "优点", "缺点", "好处", "坏处", "区别", "作用", "目的", "意义", "例子", "步骤", "结论", "示例",
    "时间", "举例", "意思", "缩写", "简称", "含义", "方面", "角度", "效果", "结果", "里程碑", "工作", "形式", "一下",
    "方式如下", "过程如下", "工作原理",
)

# Heads a list item's label does not end in when the list is one of a term's properties (数据问题, 协方差性质).
LABEL_HEADS = ("问题", "特点", "性质", "原理", "公式", "情况", "部分", "概念", "理解")


_LATIN_TERM_RE = re.compile(r"[A-Za-z0-9][\w\-+./'’]*(?: [A-Za-z0-9][\w\-+./'’]*)*", re.ASCII)

_ENGLISH_POINTING = {"it", "this", "that", "which", "we", "they", "these", "those", "there", "here", "a", "an", "the"}

_SECTION_NUMBER_RE = re.compile(
    r"^(?:第[一二三四五六七八九十\d]+[章节部分]\s*|\d+(?:\.\d+)*\.?\s+|\d+(?:\.\d+)*[.、)]\s*|\(\d+\)\s*"
    r"|[一二三四五六七八九十]+[、.,]\s*|[•·*]\s*)"
)

_RANKED_SECTION_RE = re.compile("第[一二三四五六七八九十\\d]+[章节部分]")  # the section numbers that open with 第


def is_cjk_term(term: str) -> bool:
    return HAS_CJK_RE.search(term) is not None


@functools.lru_cache(maxsize=16384)
def latin_term(phrase: str) -> str | None:
    """A Latin-script name (at most MAX_LATIN_WORDS words), or None for a pronoun, a symbol or a sentence."""
    phrase = phrase.strip(" -")
    if not phrase or not _LATIN_TERM_RE.fullmatch(phrase):
        return None
    words = phrase.split()
    if len(words) > MAX_LATIN_WORDS or words[0].casefold() in _ENGLISH_POINTING:
        return None
    if len(words) == 1 and (phrase.casefold() in ENGLISH_GENERIC or _LABEL_NUMBER_RE.fullmatch(phrase)):
        return None  # input, class2: a word or a label of the explanation
    if "_" in phrase:
        return None  # x_i, decay_rate: a symbol or a variable, not a name
    if len(_LETTER_RE.findall(phrase)) < 2 or _SYMBOL_RE.fullmatch(phrase):
        return None
    return phrase


@functools.lru_cache(maxsize=16384)
def cjk_term(phrase: str, *, glossed: bool = False) -> str | None:
    """The term a CJK phrase (Latin letters glued to it allowed: ReLU函数, Q学习) names, trimmed to
    its words: leading fillers dropped; pointing words, clause words and generic words reject it."""
    if len(phrase) > MAX_CJK + 10 or phrase.count("的") > 2 or _CLAUSE_CHARS_RE.search(phrase):
        return None  # too long for a name and its fillers, or a clause (它/你/们/了): not worth cutting
    if phrase[0] == "第" and not _RANKED_SECTION_RE.match(phrase):
        return None  # 第m个, 第12号笔记: a rank (below), known before the phrase is cut
    if phrase[0] in "而但且并即" and len(phrase) > 2:
        phrase = phrase[1:]  # 而全连接层: the cut may glue a connective to the name's first character
    spans = word_spans(phrase)
    words = [phrase[a:b] for a, b in spans]
    first, last = 0, len(words)
    while first < last and (words[first] in LEADING or _SECTION_NUMBER_RE.fullmatch(words[first])):
        first += 1
    while last > first and words[last - 1] in ADVERBS:
        last -= 1
    if first == last:
        return None
    words = words[first:last]
    term = phrase[spans[first][0] : spans[last - 1][1]]  # as written: tanh 函数 keeps its space
    if words[0] in _MEASURES:
        return None  # (n) 维二值向量: a measure word opens no name
    if term.startswith("第") or _DIGIT_RE.search(term) and is_cjk_term(term) or _COUNTED_RE.search(term):
        return None  # 小于0.5, 第m个, 二十个问题: a number or a rank, not a name
    if _ALL_LATIN_RE.fullmatch(term):
        return latin_term(term)
    for head in ABOUT_HEADS:
        if term.endswith(head) and len(term) > len(head):
            return cjk_term(term[: -len(head)], glossed=glossed) if is_cjk_term(term[: -len(head)]) else latin_term(term[: -len(head)])
    if words.count("的") > 1:
        return None
    if "的" in words:
        if not _of_phrase_ok(words):
            return None
    elif any(w in POINTING or w in CLAUSE for w in words):
        return None
    n_cjk = len(HAS_CJK_RE.findall(term))
    if n_cjk > MAX_CJK or (term in GENERIC and not glossed and term not in BASIC) or term.endswith(NEVER_HEADS):
        return None  # 任务 alone says nothing; 任务 (Task): … is the text introducing it
    if term[-1] in "一二三四五六七八九十" and term[:-1] in GENERIC:
        return None  # 公式一, 步骤二: a numbered label
    if n_cjk == 1 and not _LETTER_RE.search(term) and not glossed:
        return None  # one character is a word, rarely a term the text introduces (域(Domain) is one)
    if _NOT_NAME_CHAR_RE.search(term):
        return None  # punctuation inside: not one name
    return term


def _join(words: list[str]) -> str:
    """Words back into text: a space only between two Latin words (Q 网络 keeps none: it was cut so)."""
    out = ""
    for w in words:
        if out and re.search(r"[A-Za-z0-9]$", out) and re.match(r"[A-Za-z0-9]", w):
            out += " "
        out += w
    return out


def _of_phrase_ok(words: list[str]) -> bool:
    """X的Y names a concept only when both sides do and stay short: 标签的强弱, 基于价值的智能体,
    视觉与自然语言的对齐 — not 网络的输入, 智能体的目的 or Transformer模型的自注意力机制."""
    i = words.index("的")
    head, tail = _join(words[:i]), _join(words[i + 1:])
    if not head or not tail or tail in GENERIC or head in GENERIC or len(words) > 6:
        return False
    if any(w in POINTING or w in CLAUSE and w not in ("与", "和") for w in words[:i] + words[i + 1:]):
        return False
    return len(head) <= 8 and len(head + tail) <= 12


_CHUNKS_RE = re.compile(r"(?<![A-Za-z0-9]) +| +(?![A-Za-z0-9])")  # spaces, but those inside a Latin phrase

_TRAILING_LATIN_RE = re.compile(r"[A-Za-z0-9][\w\-+./'’]*(?: [A-Za-z0-9][\w\-+./'’]*)*$", re.ASCII)


def label_term(term: str) -> bool:
    """Whether a list item's label can be a term: not a property or a judgement (数据问题, 协方差性质)."""
    return not term.endswith(LABEL_HEADS)


# Hot expressions, compiled once (subject_term and tail_term run for every candidate).
_SYMBOL_AFTER_RE = re.compile(r"\s*\\\([^()]{0,12}\\\)$")

_NUMBERS_BEFORE_RE = re.compile(r"^(?:[\d.,/%+\-]+ )+")

_COUNT_END_RE = re.compile(r"(?:\d|\b[A-Za-z])$")

_MEASURE_START_RE = re.compile("[维个层种次步阶类位]")

_DIGIT_END_RE = re.compile(r"\d$")

_LATIN_TAIL_RE = re.compile(r"[A-Za-z0-9][\w\-+./' ]*$", re.ASCII)


def subject_term(region: str, *, glossed: bool = False, label: bool = False) -> tuple[str, list[str]] | None:
    """The term a clause's subject names, from the region between the clause's start and its verb;
    (term, aliases found beside it without parentheses), or None.

    The captures run a heading into its text (1.4.1 策略 策略是…, Critic Critic就是…,
    朴素模型并行 Naive Model Parallelism 是指…): the last chunk (spaces split chunks, but not a Latin
    phrase) is the subject, a repeated heading is dropped, and a Latin phrase after a CJK name is
    that name's other-language name.
    """
    region = _SECTION_NUMBER_RE.sub("", region.strip()).strip()
    region = _SYMBOL_AFTER_RE.sub("", region).strip()  # 奖励函数 \(R\): the term, then its symbol
    region = region.strip("“”\"「」'")
    math = max(region.rfind("\\)"), region.rfind("\\]"))
    if math >= 0:  # …\(D_s=D_t\) 异构迁移学习: the name comes after the last formula
        region = region[math + 2 :].strip()
        if region[:1] in _MEASURES:
            return None  # \(n\) 维二值向量: the formula counts what follows
    if not region or "\\(" in region or "\\[" in region:
        return None
    chunks = [c for c in _CHUNKS_RE.split(region) if c]
    chunks[-1] = _NUMBERS_BEFORE_RE.sub("", chunks[-1])  # 20/210 unigram模型: a number ends the text before
    last = _dedupe(chunks[-1])
    if len(chunks) >= 2 and _SHORT_LATIN_NAME_RE.fullmatch(chunks[-2]) and (
            last in GENERIC and len(last) <= 2 or last.startswith(_KIND_WORDS)):
        last = chunks[-2] + " " + last  # tanh 函数, Q 网络, Claude 系列模型: a Latin name and its kind
    if len(chunks) >= 2 and _COUNT_END_RE.search(chunks[-2]) and _MEASURE_START_RE.match(last):
        return None  # 一个 8 层模型, n 维二值向量: a measure, not a name
    if len(chunks) >= 2 and _DIGIT_END_RE.search(chunks[-2]) and is_cjk_term(last):
        return None
    if not is_cjk_term(last):
        term = latin_term(last)
        if term is None:
            return None
        before = chunks[-2] if len(chunks) >= 2 else ""
        if _CJK_RUN_RE.fullmatch(before) and (" " in term or term[0].isupper()):
            cjk = cjk_term(before, glossed=True)
            if cjk:  # 朴素模型并行 Naive Model Parallelism: the Chinese name, then its English one
                return cjk, [term]
        return term, []
    term = cjk_term(last, glossed=glossed)
    if term is None and " " in last and not label:
        # A heading glued to the name by a space between Latin words (…而不是BatchNorm Normalization技术):
        # the longest space-separated end of the chunk that is a name.
        for i in (i for i, ch in enumerate(last) if ch == " "):
            end = last[i + 1 :]
            term = cjk_term(end, glossed=glossed) if _NAME_START_RE.match(end) and "的" not in end else None
            if term:
                return term, []
    if term is None:
        tail = _TRAILING_LATIN_RE.search(last) if label else None
        if tail and _ENDS_CJK_RE.search(last[: tail.start()]):  # 所以我们需要word Embedding:…
            term = latin_term(tail.group())
        return (term, []) if term else None
    aliases = []
    if len(chunks) >= 3 and chunks[-3] == chunks[-1] and not is_cjk_term(chunks[-2]) and latin_term(chunks[-2]):
        aliases.append(chunks[-2])  # 涌现 Emergence 涌现是指…: the heading gave its English name
    return term, aliases


def _dedupe(chunk: str) -> str:
    """A heading repeated by the text's first words (Critic Critic, ReLU ReLU函数, ZeRO Data Parallel ZeRO,
    Flowbased Models Normalizing Flow Normalizing Flow): the text's."""
    words = chunk.split(" ")
    folded = [w.casefold() for w in words]
    for k in range(1, len(words) // 2 + 1):
        if folded[-k:] == folded[-2 * k : -k]:
            return " ".join(words[-k:])
    first = folded[0]
    for k in range(1, len(words)):
        if words[k].casefold().startswith(first):
            return " ".join(words[k:])
    return chunk


@functools.lru_cache(maxsize=16384)
def name_term(phrase: str) -> str | None:
    """The term a naming verb gives (…称为X, 这就是X): one name, in either script, X的Y → Y."""
    phrase = phrase.strip().strip("“”\"「」'")
    if "的" in phrase:  # 样本的似然函数, 单词 \(w_i\) 的上下文: the name is what follows the last 的
        whose, phrase = (p.strip() for p in phrase.rsplit("的", 1))
        if any(w in whose for w in ("它", "这", "那", "其", "我们", "你")):
            return None  # 称为它的变体: a name relative to something else
    if not phrase or "\\(" in phrase or "\\[" in phrase:
        return None
    if not is_cjk_term(phrase):
        return latin_term(phrase)
    if re.fullmatch(rf"[A-Za-z0-9][\w\-+.]* [{CJK}][{CJK}\w\-]*", phrase):
        return phrase if cjk_term(phrase.replace(" ", "")) else None  # Q 网络
    return cjk_term(phrase)


@functools.lru_cache(maxsize=16384)
def tail_term(clause: str) -> str | None:
    """The term a clause ends with (…介绍标签平滑, …即为分段常数衰减, …更常见的是 Top-k): the
    longest run of its last words that holds no clause word, filler or pointing word."""
    clause = clause.rstrip()
    m = _LATIN_TAIL_RE.search(clause)
    if m and not _ENDS_CJK_RE.search(clause):
        words = m.group().split()
        while words and not latin_term(" ".join(words)):
            words.pop(0)
        return latin_term(" ".join(words)) if words else None
    run = _TAIL_RUN_RE.search(clause)
    if not run:
        return None
    words = word_pieces(run.group())
    kept: list[str] = []
    for w in reversed(words):
        if w in CLAUSE or w in POINTING or w in LEADING or w == "的":
            break
        kept.insert(0, w)
    return cjk_term(_join(kept)) if kept else None
