"""Frames that name a term after describing it — …称为X, 我们把…叫做X, …,这就是X, 这个叫做X —, the
refer-back (…X,这是一种… / …X。它…), and statements that only give a term another name (X又称为Y,
X字面意思是Y, X翻译为中文是Y): those add aliases and make no card.
"""
from __future__ import annotations

import re

from kb.cards import bodies
from kb.cards.clauses import Sentences, after_space, subject, subject_at
from kb.cards.glosses import (
    alias_chain,
    gloss_at,
    names_before,
    real_aliases,
    split_gloss,
)
from kb.cards.terms import (
    GENERIC,
    Definition,
    is_cjk_term,
    name_term,
    named,
    tail_term,
)
from kb.text import CJK

_NAMING_RE = re.compile(
    r"(?=[也又我被通一常亦将把称叫记命])(?:(?:也|又)叫(?![做作])|(?:我们)?(?:被|也|又|通常|一般|常|亦)?(?:被|将其|把它|把其)?"
    r"(?:称为|称作|称之为|叫做|叫作|记作|记为|命名为))\s*:?\s*"
)

# The sentence so far describes X, named at its end: …,这就是X。 / …的方法,就是X。 / \(…\) 就是…的X(Y) /
# …获得的奖励,即X \(Q(s,a)\)。 / …结合起来就有了X(Y)。 / …,它就成了X。
_THIS_IS_RE = re.compile(
    r"(?=[这此也就便是即\s])(?:(?:(?<=[,;:。!?\s])|^)(?:这|此)(?:就|便|也|正|其实)?(?:是|即是)\s*|(?<=,)\s*(?:也)?(?:就|便)是\s*"
    r"|(?<=\\\))\s*(?:就|便)?是\s*|(?<=,)\s*即(?:为)?\s*|(?:就|便)(?:有|得到|成)了\s*)"
)

# …从而出现“神经元死亡”的问题。: a quoted name for what the sentence describes.
_QUOTED_RE = re.compile(r"[“\"「](?P<n>[^”\"」]{2,12})[”\"」]\s*(?:的)?(?:问题|现象)(?=\s*(?:[。;!?\n]|$))")

_GLUED_RE = re.compile(f"([{CJK}][{CJK}\\-]*)([A-Za-z][A-Za-z0-9\\- ]+)")

_SYMBOL_AFTER_RE = re.compile(r"\s*\\\((?:(?!\\\)).){0,30}\\\)")

_ENDS_SENTENCE_RE = re.compile(f"\\s*(?:[。;!?\\n]|$)|\\s+(?=[{CJK}])")  # a space before Chinese: a paragraph break

_NAME_RE = re.compile(r"[“\"「]([^”\"」]{1,40})[”\"」]|((?:\\\((?:(?!\\\)).){0,40}\\\)|[^,。;:!?()\[\]\n“\"「\\]){1,40})")

# A pointer standing for what came before (这, 这就, 这个, 这种方法, 此过程 …): the naming refers back.
_POINTER_RE = re.compile(
    "(?:这|此|那)(?:就|便|也|又|个|种|一|些|样)?(?:个|种|类)?"
    "(?:过程|操作|方法|做法|技术|技巧|现象|方式|结构|思想|步骤|情况|问题|策略|模型|函数|算法|机制|东西|事情|数据|值|量)?"
    "(?:就|便|也|又|通常|一般)?(?:被)?$"
)

_LOCAL_RE = re.compile(r"\s*(?:在)?(?:文中|本文|该文|这篇文章|这篇论文|论文中|原文|作者|文章中)")

_SELF_POINTER_RE = re.compile("(?:我们|作者|人们)?(?:将|把)(?:这|此|那|该)")

_POINTER_HEAD_RE = re.compile("^(?:这|此|那|该)(?:个|种|些|一)?")

_CLOSES_NAME_RE = re.compile(f"\\s*(?:[。;!?\\n,:\\])]|$)|\\s+(?=[{CJK}])")


_THEY_CALL_RE = re.compile(r"(?:我们|人们)?(?:将其|把它|把其|将|把)?$")

_THIS_RE = re.compile("(?:这|此|那|该)")

_POINTS_BACK_RE = re.compile("(?:这|此|那|其|它)")

_ONLY_MATH_RE = re.compile(r"\\\(.*\\\)")

_SYMBOL_END_RE = re.compile(r"\s*\\\((?:(?!\\\)).){0,30}\\\)$")

_LEADING_MARKS_RE = re.compile(r"^[,;:\s]+")


def named_after(s: Sentences) -> tuple[list[Definition], list[tuple[str, list[str]]]]:
    """…称为X (the description before the verb defines X), and X又称为Y (only another name):
    (definitions, (term, aliases) pairs)."""
    defs, aliases = [], []
    text = s.text
    marks = [(m, False) for m in _NAMING_RE.finditer(text)] + [(m, True) for m in _THIS_IS_RE.finditer(text)]
    for m, closing in marks:
        got = _name(text, m.end())
        if got is None:
            continue
        name, names, end = got
        if closing:
            symbol = _SYMBOL_AFTER_RE.match(text, end)
            closes = _ENDS_SENTENCE_RE.match(text, symbol.end() if symbol else end)
            if not closes or ("的" in text[m.end() : end] and text[end - 1] != ")"):
                continue  # 这就是一个…的问题, 这是…的重要里程碑: no name closing the sentence
            if subject_at(s, m.start()) is not None:
                continue  # X就是Y。: the copula's, not a naming
            lead = m.group().strip()
            if lead.startswith("即") and not (names or symbol or not is_cjk_term(name)):
                continue  # …第一个关键点,即计算背景变量 / …,即也向前: a step or a plain phrase, unless glossed or a symbol's name
            if text[m.start() - 2 : m.start()] == "\\)" and not names:
                continue  # \(\hat{y}\)是class label: a symbol's value, not a name
        if text[m.end() : m.end() + 1] == "是" or bodies.PLACEHOLDER_RE.search(text[s.clause_start(m.start()) : m.start()]):
            continue  # [Math] 称作是状态 s 的特征向量: a symbol's reading
        start = s.clause_start(m.start())
        what = text[start : m.start()].strip()
        if _LOCAL_RE.match(text, s.sentence_start(m.start())) or _LOCAL_RE.match(what):
            continue  # 文中把大的lstm称作Encoder: one paper's own name for something, not a term
        what = _THEY_CALL_RE.sub("", what) if what.endswith(("将其", "把它", "把其")) else what
        subj = subject_at(s, m.start()) if what else None
        if not what and text[start - 1 : start] == "(" and not closing:
            before = tail_term(text[s.clause_start(start - 1) : start - 1])
            if before:  # 全面微调(也称为“模型调整”): another name, in the term's own parenthesis
                aliases.append((before, [name, *names]))
            continue
        if not what and text[start - 1 : start] == "," and not closing:
            subj = subject_at(s, start - 1)  # X,又称为Y: the term is the whole clause before
            if subj and not text[s.clause_start(start - 1) : subj[2]].strip():
                what = text[subj[2] : start - 1].strip()
            else:
                subj = None
        if subj is not None and what and not _POINTER_RE.match(what):
            aliases.append((subj[0], [*subj[1], name, *names]))  # X又称为Y: another name, no card
            continue
        if _SELF_POINTER_RE.match(what):
            continue  # 我们将这种方法称为X: what X names is in another sentence
        if what and _THIS_RE.match(what) and _glossed_before(text, start, what):
            continue  # 动作(action),这个动作也称为决策: another name of a term named just before
        first = s.sentence_start(m.start())
        if not what or _POINTER_RE.fullmatch(what) or (first == start and _POINTER_RE.match(what)) or \
                _ONLY_MATH_RE.fullmatch(what):
            # The description is the sentence so far, or (这个叫做X) the sentence before.
            begin = s.sentence_start(first - 1) if first == start and first > 0 else first
        else:
            begin = _description_start(s, start, what)
            if begin == first and first > 0 and _POINTER_HEAD_RE.match(what) and first - s.sentence_start(first - 1) <= 60:
                begin = s.sentence_start(first - 1)  # 这些可学习的向量被称为软提示: what they are is said before
        rest = bodies.until_sentence_end(text, end, para=True)
        tail = end + len(rest) if len(rest) <= 30 and rest.lstrip().startswith(",") else end
        body = _back_to(text, begin, tail)  # …称为单词 \(w_i\) 的上下文,用 \(c_i\) 表示。: the sentence's short rest too
        if body is None or len(bodies.norm(body)) < len(bodies.norm(name)) + 6:
            continue
        defs.append(Definition(name, body, names, "named-after", end))
    for m in _QUOTED_RE.finditer(text):
        name = name_term(m.group("n"))
        body = _back_to(text, s.sentence_start(m.start()), m.end())
        if name and body and len(bodies.norm(body)) >= len(bodies.norm(name)) + 8:
            defs.append(Definition(name, body, [], "named-after", m.start("n") + len(m.group("n"))))
    return defs, aliases


def _name(text: str, at: int) -> tuple[str, list[str], int] | None:
    """The name a naming verb gives at text[at:] (with its gloss and further names), or None."""
    m = _NAME_RE.match(text, at)
    if not m:
        return None
    raw = (m.group(1) or m.group(2)).strip()
    end = at + len(m.group(0).rstrip())
    symbol = _SYMBOL_END_RE.search(raw)
    if symbol and symbol.start() > 0:  # 状态-动作值函数 \(Q(s,a)\): the name, then its symbol
        raw = raw[: symbol.start()]
        end = at + m.group(0).index(raw) + len(raw)
    glued = _GLUED_RE.fullmatch(raw)
    names: list[str] = []
    if glued and len(glued.group(2).split()) >= 2:  # 批归一化Batch Normalization
        raw, names = glued.group(1), [glued.group(2).strip()]
    name = name_term(raw)
    if name is None:
        return None
    g = gloss_at(text, end if text[end : end + 1] == "(" else after_space(text, end))
    if g:
        real = real_aliases(name, g[0])
        if real is None:
            return None
        names += real
        end = g[1]
    symbol = _SYMBOL_AFTER_RE.match(text, end)
    if not _CLOSES_NAME_RE.match(text, symbol.end() if symbol else end):
        return None  # 叫做Softmax的方程: the name sits inside a longer phrase
    more, _ = alias_chain(text, end, name)
    return name, names + [x for x in more if x not in names], end


def _glossed_before(text: str, start: int, what: str) -> bool:
    noun = _POINTER_HEAD_RE.sub("", what)
    window = text[max(0, start - 80) : start]
    i = window.find(noun) if noun else -1
    while i >= 0:
        if window[i + len(noun) :].lstrip().startswith("("):
            return True
        i = window.find(noun, i + 1)
    return False


def _description_start(s: Sentences, start: int, what: str) -> int:
    """Where a naming's description starts: its clause, or its sentence when the clause only points back."""
    return s.sentence_start(start) if _POINTS_BACK_RE.match(what) else start


def _back_to(text: str, begin: int, end: int) -> str | None:
    """text[begin:end], or as many of its last clauses as fit in a card (math never cut)."""
    body = text[begin:end].strip()
    while len(body) > bodies.MAX_DEFINITION:
        cut = _first_cut(body)
        if cut is None:
            break
        body = body[cut:].strip()
    body = _LEADING_MARKS_RE.sub("", body)
    return body or None


def _first_cut(body: str) -> int | None:
    depth = 0
    i = 0
    while i < len(body):
        two = body[i : i + 2]
        if two in ("\\(", "\\["):
            depth += 1
            i += 2
            continue
        if two in ("\\)", "\\]"):
            depth -= 1
            i += 2
            continue
        if depth == 0 and body[i] in ",;。" and i < len(body) - 8:
            return i + 1
        i += 1
    return None


# ---------------------------------------------------------------- the term ending a clause, explained

_EXPLAINED_RE = re.compile(r",\s*(?:也就是说|也就是|亦即)\s*:?\s*")


_NAMED_BY_RE = re.compile("(?:是|一个|一种|叫做|称为|叫)$")


def explained(s: Sentences) -> list[Definition]:
    """…在高维空间里面的一个manifold,也就是说:… / …都是免模型的,也就是…: a term the clause ends on
    (introduced by 是, 一个, 叫做 or a gloss), then what it means."""
    out = []
    text = s.text
    for m in _EXPLAINED_RE.finditer(text):
        end = m.start()
        names, end = names_before(text, end)
        clause = text[s.clause_start(end) : end].rstrip()
        clause = clause[:-1] if clause.endswith("的") and not names else clause
        term = tail_term(clause)
        if term is None:
            continue
        before = clause[: len(clause) - len(term)].rstrip()
        if not (names or _NAMED_BY_RE.search(before)) or not named(term):
            continue
        aliases = real_aliases(term, names) if names else []
        if names and aliases is None:
            continue
        body = bodies.clean(bodies.until_sentence_end(text, m.end(), para=True))
        if len(body) < 6 or bodies.says_nothing(body, term):
            continue
        out.append(Definition(term, m.group().lstrip(",").strip() + body, aliases or [], "appositive", m.start()))
    return out


# ---------------------------------------------------------------- refer-back

_REFER_RE = re.compile(
    r"(?P<p>[,。: ])(?:(?<=[,。:])|(?<=[" + CJK + r"] ))\s*(?P<v>这是(?:一种|一个|一类)|它是(?:一种|一个|一类)?|"
    r"它(?=[^,。;!?]{0,8}(?:是|可以|能|会|用|在|通过|将|把|的逻辑|的思想|的作用|负责|保持|只|直接)))"
)


_INTRODUCED_RE = re.compile("(?:是|为|即为|叫做|称为|介绍|引入|提出|有|采用|使用|了)$")

_COPULA_END_RE = re.compile("(?:就|也|即)?(?:是|为)$")

_POINTER_START_RE = re.compile("^(?:这|它们|它)")


def refer_backs(s: Sentences) -> list[Definition]:
    """…X(Y),这是一种… / …是 X。它…: a term introduced at the end of a clause, defined by the next."""
    out = []
    text = s.text
    for m in _REFER_RE.finditer(text):
        p = m.start("p")
        names, end = names_before(text, p)
        clause = text[s.clause_start(end) : end]
        term = tail_term(clause)
        if term is None:
            continue
        aliases = real_aliases(term, names) if names else []
        if names and aliases is None:
            continue
        before = clause[: len(clause.rstrip()) - len(term)].rstrip()
        introduced = bool(names) or _INTRODUCED_RE.search(before)
        if not introduced or not (names or named(term)) or term in GENERIC:
            continue
        verb = _COPULA_END_RE.search(before)
        if verb and subject(before[: verb.start()], False) is not None:
            continue  # 演员就是 Alpha Go,它…: 它 may be either side of the copula
        body = bodies.until_sentence_end(text, m.start("v"), para=True)
        body = bodies.clean(bodies.with_formula(text, m.start("v"), body))
        if bodies.says_nothing(_POINTER_START_RE.sub("", body), term) or len(body) < 8:
            continue
        out.append(Definition(term, body, aliases or [], "refer-back", p))
    return out


# ---------------------------------------------------------------- other names only

_TRANSLATED_RE = re.compile(
    r"(?=[在中通一常被翻译字])(?:(?:(?:在)?中文(?:中|里)?)?(?:通常|一般|常)?(?:被)?(?:翻译|译)(?:为|成|作)(?:中文)?(?:意思是|的意思是)?"
    r"|字面意思是|中文(?:意思)?是|中文名(?:为|是)?)"
)


_TRANSLATED_LEAD_RE = re.compile(r"(?:在中文(?:中|里)?)?(?:通常|一般|常)?(?:被)?$")

_NAMES_AFTER_RE = re.compile(r"[^,。;!?\n]{1,40}")


def translations(s: Sentences) -> list[tuple[str, list[str]]]:
    """X在中文中通常被翻译为“Y”或“Z” / X,翻译为中文意思是Y / X字面意思是Y: other names of X."""
    out = []
    text = s.text
    for m in _TRANSLATED_RE.finditer(text):
        start = m.start()
        lead = _TRANSLATED_LEAD_RE.search(text[max(0, start - 10) : start])
        at = start - (len(lead.group()) if lead else 0)
        subj = subject_at(s, at)
        if subj is None:
            before = text[s.clause_start(at) - 1 : s.clause_start(at)]
            term = tail_term(text[s.clause_start(s.clause_start(at) - 1) : s.clause_start(at) - 1]) if before == "," else None
        else:
            term = subj[0]
        if term is None:
            continue
        raw = _NAMES_AFTER_RE.match(text, m.end())
        if not raw:
            continue
        names = split_gloss(raw.group().replace("“", "").replace("”", "")) or []
        names = [n for n in names if is_cjk_term(n) != is_cjk_term(term) and subject(n, False) is not None]
        if names:
            out.append((term, names))
    return out

