"""Candidate definitions: every place a general frame of Chinese technical writing may define a term —
a verb after a subject (是/指/就是/定义为/旨在/表示…), a gloss (中文(English)), a list item (X:…), a
heading followed by its sentence (and passing.py's: a context, an aside, a quoted term …).

Generous on purpose: which candidates are definitions is the scorer's call (model.py); only what can
never make a card (no term, a definition that says nothing) is dropped here. Pure functions of the text.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from kb.cards import bodies
from kb.cards.clauses import (
    Sentences,
    after_space,
    before_space,
    label_subject,
    subject,
    subject_at,
)
from kb.cards.glosses import (
    gloss_at,
    gloss_before,
    names_before,
    real_aliases,
    split_gloss,
)
from kb.cards.terms import (
    cjk_term,
    is_cjk_term,
    latin_term,
    subject_term,
    tail_term,
    word_spans,
)
from kb.text import CJK


@dataclass
class Candidate:
    term: str
    definition: str | None  # None: the frame names the term but says nothing of it here (a bare gloss)
    aliases: list[str] = field(default_factory=list)
    frame: str = ""  # verb, gloss, list, heading, context (and the frames of frames.py/naming.py)
    cue: str = ""  # what the frame's words say: the verb's kind, the context's word …
    position: int = 0  # the offset where the defined occurrence of the term ends
    start: int = 0  # where that occurrence starts


# ---------------------------------------------------------------- a verb after its subject

# The verbs a subject may be defined by, by kind (the kind is a feature: 是指 says more than 表示).
VERB_KINDS = (
    ("define", r"是指|指的是|被定义为|定义为|意味着|的定义(?:为|是)|指(?![出导定向示标针令数南引挥明望])"),
    ("just", r"就是说|就是|即是|即为|即(?![使便可将])"),
    ("as", r"可(?:以)?(?:被)?(?:简单|直观|通俗)?(?:地)?(?:看做|看作|视为|理解为|认为|解释为)(?:是)?|(?<![化换解称视作成变义设认分记写示改置归名并定])为(?=一种|一类|一个)"),
    ("does", r"旨在|用于|用来|负责|的作用(?:就)?(?:是|在于)|的(?:做法|思路|核心思想|基本思想|主要思想|思想|核心|解决方案|关键创新|核心创新)(?:就)?(?:是|在于)"
             r"|的(?:做法|思路|想法)(?:很|非常)简单\s*:|(?:要)?做的(?:事情)?(?:就)?是|(?:通过|基于)(?=[^。;!?]{2,40}?(?:来|从而|以|实现|进行))|(?<=[A-Za-z0-9\u4e00-\u9fff])则(?!不|是|会|可|能|要|在)"),
    ("describes", r"表示|代表|描述(?:了)?|衡量|度量|刻画|属于"),
    ("uses", r"(?:同时)?(?:使用|利用|采用)(?=[^。;!?]{2,30}?(?:来|从而|以|实现))"),
    ("cause", r"是(?:由于|因为)"),
    ("is", r"是(?![否不的]|为了|因为|由于|怎么|如何|什么|谁|哪|吗|对|在于|会|能|可以|要|应该)|不是(?=[^。;!?]{1,40}?,\s*而是)"),
)

VERB_ALTERNATIVES = "|".join(f"(?P<{kind}>{rx})" for kind, rx in VERB_KINDS)

# VERB_KINDS again, each kind's alternatives in the same order, each opening with a literal character (a
# look-behind moved after the character it looks behind): an alternation of such forms lets the engine
# skip to the next possible first character at C speed, where a look-ahead of the first characters enters
# the matcher at every position (the scan takes 40% less time). Each form ends in an empty group
# naming its kind. tests/test_card_model.py checks it finds exactly what VERB_ALTERNATIVES finds.
_DOES_AFTER = "(?=[^。;!?]{2,40}?(?:来|从而|以|实现|进行))"
_USES_AFTER = "(?=[^。;!?]{2,30}?(?:来|从而|以|实现))"
VERB_FORMS = (
    ("define", ("是指", "指的是", "被定义为", "定义为", "意味着", "的定义(?:为|是)", "指(?![出导定向示标针令数南引挥明望])")),
    ("just", ("就是说", "就是", "即是", "即为", "即(?![使便可将])")),
    ("as", ("可(?:以)?(?:被)?(?:简单|直观|通俗)?(?:地)?(?:看做|看作|视为|理解为|认为|解释为)(?:是)?",
            "为(?<![化换解称视作成变义设认分记写示改置归名并定]为)(?=一种|一类|一个)")),
    ("does", ("旨在", "用于", "用来", "负责", "的作用(?:就)?(?:是|在于)",
              "的(?:做法|思路|核心思想|基本思想|主要思想|思想|核心|解决方案|关键创新|核心创新)(?:就)?(?:是|在于)",
              "的(?:做法|思路|想法)(?:很|非常)简单\\s*:", "要做的(?:事情)?(?:就)?是", "做的(?:事情)?(?:就)?是",
              "通过" + _DOES_AFTER, "基于" + _DOES_AFTER, "则(?<=[A-Za-z0-9\u4e00-\u9fff]则)(?!不|是|会|可|能|要|在)")),
    ("describes", ("表示", "代表", "描述(?:了)?", "衡量", "度量", "刻画", "属于")),
    ("uses", ("同时(?:使用|利用|采用)" + _USES_AFTER, "使用" + _USES_AFTER, "利用" + _USES_AFTER, "采用" + _USES_AFTER)),
    ("cause", ("是(?:由于|因为)",)),
    ("is", ("是(?![否不的]|为了|因为|由于|怎么|如何|什么|谁|哪|吗|对|在于|会|能|可以|要|应该)", "不是(?=[^。;!?]{1,40}?,\\s*而是)")),
)

VERB_FORM_KIND = {f"{kind}_{i}": kind for kind, forms in VERB_FORMS for i in range(len(forms))}

VERB_FAST = "|".join(f"{rx}(?P<{kind}_{i}>)" for kind, forms in VERB_FORMS for i, rx in enumerate(forms))

_VERB_RE = re.compile(VERB_FAST)

# A pronoun or connective glued to the verb (这是, 还是, 于是, 但是, 即是): no term before it.
_NO_SUBJECT_BEFORE = set("这那它其不还或但于总要若凡只即便却而则且并可更最") | set(",;。:!?、(\n")


def verbs(s: Sentences) -> list[Candidate]:
    out = []
    text = s.text
    for m in _VERB_RE.finditer(text):
        verb_at, kind = m.start(), VERB_FORM_KIND[m.lastgroup]
        if verb_at and text[verb_at - 1] in _NO_SUBJECT_BEFORE and kind != "does":
            continue
        if kind in ("does", "describes", "uses") and m.end() - verb_at > 1 and (
                _splits_word(text, verb_at) or _longer_word(text, verb_at, m.end())):
            continue  # 应用于, 表示学习: the verb's first character belongs to a word
        subj = subject_at(s, verb_at)
        if subj is None:
            continue
        term, aliases, at = subj
        if _asks(text, at, m.end()):
            continue
        if m.group() == "则" and not text[max(0, at - 2) : at].rstrip().endswith("而"):
            continue  # only 而X则… contrasts what X does
        lead = m.group()
        skip = len(lead) if lead.endswith(":") else 1 if lead.startswith(("的", "则")) else 0
        # MAE的做法很简单:随机mask掉… → the gist itself; tanh 函数的作用就是… → 作用就是…
        body = bodies.definition_from(text, m.start() + skip, m.end(), para=True)
        if body is None:
            continue
        said = body if not skip or lead.endswith(":") else "是" + body[len(lead) - 1 :]
        if bodies.says_nothing(said, term, kind=kind != "does"):
            continue
        out.append(Candidate(term, body, aliases, "verb", kind, verb_at, at))
    return out


def _splits_word(text: str, pos: int) -> bool:
    """Whether pos falls inside a word of the segmentation (both neighbours Chinese)."""
    if not (_CJK_RE.match(text[pos - 1 : pos]) and _CJK_RE.match(text[pos : pos + 1])):
        return False
    before = _CJK_RUN_END_RE.search(text, max(0, pos - 10), pos - 1)  # up to 9 more characters before
    start = before.start() if before else pos - 1
    after = _CJK_RUN_RE.match(text, pos + 1, pos + 6)  # up to 5 after
    end = after.end() if after else pos + 1
    return all(a != pos - start for a, _ in word_spans(text[start:end]))


def _longer_word(text: str, start: int, end: int) -> bool:
    """Whether the verb at text[start:end] is only the start of a longer word (表示学习)."""
    spans = word_spans(text[start : end + 4])
    return bool(spans) and spans[0][0] == 0 and spans[0][1] > end - start


_ASKS_AFTER_RE = re.compile(r"\s*(?:什么|啥|怎样|如何)")


def _asks(text: str, start: int, end: int) -> bool:
    """A question (什么是X? / X是什么?), not a statement."""
    return text[max(0, start - 3) : start].endswith(("什么是", "何为", "什么叫")) or bool(
        _ASKS_AFTER_RE.match(text[end : end + 4]))


# ---------------------------------------------------------------- a gloss anywhere

_CLOSE_RE = re.compile(r"\)(?<!\\\))")  # ")" first, then not after a backslash: a fast scan

_CJK_RE = re.compile(f"[{CJK}]")

_CJK_RUN_RE = re.compile(f"[{CJK}]+")

_CJK_RUN_END_RE = re.compile(f"[{CJK}]+\\Z")

_LATIN2_RE = re.compile("[A-Za-z]{2}")


def glosses(s: Sentences) -> list[Candidate]:
    """Every 中文(English) / English(中文): the text introduces the term by its other name. What follows
    the gloss (to its sentence's end) is its definition when a clause opens with it."""
    out = []
    text = s.text
    for m in _CLOSE_RE.finditer(text):
        end = m.end()
        g = gloss_before(text, end)
        if g is None:
            continue
        names, open_ = g
        before = text[open_ - 1 : open_] if open_ > 0 else ""
        inner = text[open_ + 1 : end - 1]
        if not before or not (_LATIN2_RE.search(inner) if _CJK_RE.match(before) else _CJK_RE.search(inner)):
            continue  # (2015), (例如…): no other-language name
        got = s.region(open_)
        if got is None:
            continue
        start, region = got
        clause_opens = not text[s.sentence_start(start) : start].strip() or text[start - 1 : start] in ",:"
        if clause_opens:
            found = subject(region.rstrip(), True)
        else:  # …满足最优子结构(optimal substructure): the name is the clause's last words
            tail = tail_term(region.rstrip())
            found = (tail, []) if tail else None
        if found is None:
            continue
        term, beside = found
        aliases = real_aliases(term, names)
        if aliases is None:
            continue
        at = start + max(0, region.rfind(term))
        gap = after_space(text, end) - end
        follows = text[end + gap : end + gap + 1]
        body = None
        if not gap and _NAME_GOES_ON_RE.match(text, end):
            continue  # Probing(探针)策略是…: the name runs on past its gloss
        if follows and follows not in ",.;:。!?)、的和与及或等" and not _connects(text, end + gap):
            body = bodies.definition_from(text, end + gap, end + gap, para=True)
            if body is not None and (bodies.says_nothing(body, term) or len(body) < 8):
                body = None
        cue = "opens" if s.sentence_start(at) >= at - 1 or not text[s.sentence_start(at) : at].strip() else (
            "clause" if text[s.clause_start(at) - 1 : s.clause_start(at)] in ",:" else "inside")
        out.append(Candidate(term, body, [*aliases, *beside], "gloss", cue, end, at))
    return out


_NAME_GOES_ON_RE = re.compile(f"(?![的就也则即都又还])[{CJK}]{{1,4}}(?:是|指|就是|即|为)")

_CONNECTOR_RE = re.compile("\\s*(?:中|里|之|时|上|下|这|那|,?\\s*(?:和|与))")


def _connects(text: str, at: int) -> bool:
    return bool(_CONNECTOR_RE.match(text, at))


# ---------------------------------------------------------------- list items

# A list of steps or problems (…的工作原理如下:, …这导致:), not of terms.
_STEPS_RE = re.compile(
    r"(?:原理|步骤|流程|过程|做法|操作|工作方式|计算方式|问题|挑战|瓶颈|局限|缺点|优点|优势|特点|性质|导致|改进)"
    r"(?:如下|是|为|有|包括)?\s*$"
)

_EITHER_RE = re.compile(f"\\)\\s*(?:或|与|和)[{CJK}]{{1,4}}\\s*$")

_NOT_LABELS = set("图表例注答解问式题如即故则令设因所和或及中上下前后左右第其此该本它这那附")

_ITEM_NUMBER_RE = re.compile(r"(?:^|\s)(?:\d+[.、)]|\(\d+\)|[•·*\-])\s*$")


_COLON_RE = re.compile(":")

_FIRST_CLAUSE_RE = re.compile(r"[,;。]|\. ")


def list_items(s: Sentences) -> list[Candidate]:
    """X:… / X(Y):… where X opens an item (after a sentence end, a space or a number)."""
    out = []
    text = s.text
    steps_until = -1
    for m in _COLON_RE.finditer(text):
        c = m.start()
        if _STEPS_RE.search(text, max(0, c - 12), c):
            steps_until = c + 600  # the items of a list of steps or problems are no terms
        end = c
        names, end = names_before(text, end)
        either = _EITHER_RE.search(text, max(0, end - 8), end)
        if either and names is None:  # 视觉与自然语言的对齐(Visul Language Alignment)或融合: — the glossed half is the term
            g = gloss_before(text, either.start() + 1)
            if g:
                names, end = g
        start = s.clause_start(end)
        label_end = before_space(text, end)
        if label_end - start > 40:
            cut = text.rfind(" ", label_end - 40, label_end)
            if cut < 0:
                continue
            start = cut + 1
        label = text[start:end].strip()
        if not label:
            continue
        # (no item number can end the text before: it ends in that comma)
        inside = start > 0 and text[start - 1] == "," and " " not in label
        if inside:
            continue  # …,X: — a clause inside a sentence
        found = label_subject(label, bool(names))
        last = label.split()[-1]
        if found is None and not names and len(last) == 1 and _CJK_RE.match(last) and last not in _NOT_LABELS:
            found = (last, [])  # 熵:度量随机变量的不确定性
        if found is None:
            continue
        term, beside = found
        aliases = beside
        if names:
            real = real_aliases(term, names)
            if real is None:
                continue
            aliases = real + beside
        body = bodies.definition_from(text, c + 1, c + 1, list_item=True, para=True)
        if body is None or bodies.says_nothing(body, term):
            continue
        first = _FIRST_CLAUSE_RE.split(body, maxsplit=1)[0]
        if not _CJK_RE.search(first) and "\\" not in first:
            continue  # EfficientNet: Rethinking Model Scaling…: a title, not a definition
        numbered = bool(_ITEM_NUMBER_RE.search(text[max(0, start - 8) : start]))
        cue = "numbered" if numbered else "label"
        if c < steps_until:
            cue = "steps"
        out.append(Candidate(term, body, aliases, "list", cue, c, start))
    return out


# ---------------------------------------------------------------- a heading and the sentence after it

# Where a heading may start: the text's start, or a sentence end and a space (numbering dropped).
_NUMBERING = (r"\s*(?:第[一二三四五六七八九十\d]+[章节]\s*|\d+(?:\.\d+)*[.、]?\s+|\d+(?:\.\d+)*[.、]\s*"
              r"|[一二三四五六七八九十]+[、.,]\s*|\(\d+\)\s*)?(?=[^\s,。;!?:])")

_TEXT_START_RE = re.compile(_NUMBERING)

# The space first: the engine skips to each space at C speed.
_AFTER_SENTENCE_RE = re.compile(r" (?<=[。!?;:\]] )" + _NUMBERING)


def _heading_starts(text: str) -> list[int]:
    """Where each heading may start (after its numbering): the text's start, then after each sentence end
    and space (where a heading at the start ends, the next may begin)."""
    first = _TEXT_START_RE.match(text)
    ends = [first.end()] if first else []
    ends += [m.end() for m in _AFTER_SENTENCE_RE.finditer(text, first.end() if first else 0)]
    return ends

# A heading ends at the first space not inside a Latin phrase (Faster RCNN, Echo State Networks(ESNs) …).
_PUNCT_IN_RE = re.compile("[,。;!:]")

_HEADING_END_RE = re.compile(r"(?<![A-Za-z0-9\-]) | (?![A-Za-z0-9(])")

_QUESTION_RE = re.compile(r"^(?:什么是|何为|什么叫)\s*(?P<a>.+?)\s*\??$|^(?P<b>.+?)\s*(?:是什么|是啥|指什么|是什么意思|的定义|的概念|简介|概述)\s*\??$")


def headings(s: Sentences) -> list[Candidate]:
    """A heading naming a term (1.4.1 策略, 什么是Scaling Law?, 标量(scalar)) and the sentence after it."""
    out = []
    text = s.text
    for at in _heading_starts(text):
        end = _HEADING_END_RE.search(text, at, at + 40)
        if end is None:
            continue
        raw = text[at : end.start()]
        if not raw or _PUNCT_IN_RE.search(raw) or end.end() >= len(text):
            continue
        head = raw.strip().rstrip("?")
        q = _QUESTION_RE.match(raw.strip())
        cue = "question" if q else "plain"
        if q:
            head = (q.group("a") or q.group("b")).strip().strip("\"“”")
        names = None
        if head.endswith(")") and "(" in head:
            names = split_gloss(head[head.rindex("(") + 1 : -1])
            head = head[: head.rindex("(")].strip()
            if not names:
                continue
        after = end.end()
        if text[after : after + 1] in (":", ",") or head.startswith(("如图", "如表", "见")):
            continue  # 密度估计 :给定… is a list item's label; 如图 1.14 所示 a figure's
        if text[after : after + 1] == "(" and not names:  # 互信息 (Mutual Information) …: the heading's gloss
            g = gloss_at(text, after)
            if g is None:
                continue
            names, after = g[0], after_space(text, g[1])
        term = _whole_name(head, bool(names))
        if term is None:
            continue
        aliases = real_aliases(term, names) if names else []
        if names and aliases is None:
            continue
        body = bodies.until_sentence_end(text, after)
        body = bodies.clean(bodies.with_formula(text, after, body))
        if len(body) < 8 or bodies.says_nothing(body, term, kind=False):
            body = None
        if body is not None:
            cue += "-said" if term.casefold() in body[:40].casefold() else ""
        out.append(Candidate(term, body, aliases or [], "heading", cue, at + len(raw.rstrip()), at))
    return out


@functools.lru_cache(maxsize=8192)
def _whole_name(phrase: str, glossed: bool) -> str | None:
    """phrase as one term, or None when it is more than a name (a heading that is a sentence)."""
    if not phrase:
        return None
    term = cjk_term(phrase, glossed=glossed) if is_cjk_term(phrase) else latin_term(phrase)
    if term is None:
        found = subject_term(phrase, glossed=glossed, label=True)
        term = found[0] if found else None
    return term if term and len(term) >= len(phrase.replace(" ", "")) * 0.6 else None
