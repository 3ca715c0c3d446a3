"""Titles that name a post's subject — the term its opening defines or glosses, the English names it
keeps coming back to, its own heading — instead of its first words (重参数 · Gumbel Softmax, not
文章从连续情形出发开始介绍重参…).

subject_titles(text) is pure: a post's title choices, most general first. kb.show.titles (a derived
part) gives each post the first choice that no other post's title takes.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from kb.posts import naming
from kb.text import head_in_cells

# The subject is looked for in this much of the post's start: where it says what it is about.
OPENING = 320
# A term defined this early names the post; one defined later only when no English name does.
EARLY = 160
TITLE_COLUMNS = naming.TITLE_COLUMNS
JOIN = " · "

_CJK = "\u3400-\u9fff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_HAS_WORD = re.compile(f"[{_CJK}A-Za-z]")
_PUNCTUATION = re.compile("[,\uff0c\u3002:\uff1a;\uff1b!\uff01\u3001\"\u201c\u201d]")
_QUESTION = "?\uff1f"
_OPEN, _CLOSE = "(\uff08", ")\uff09"
_KEY_SPACE = re.compile(r"[\s\-_·]+")
_MATH_RE = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]|\[Math\]|\[公式\]", re.S)
# Section numbers a heading starts with: 2.3.8, 1., 第6章, 三、
_NUMBER_RE = re.compile(r"^(?:第\s*\d+\s*[章节]|\d{1,2}(?:\.\d{1,2})*\.?(?!\d)|[一二三四五六七八九十]{1,3}[、,，.])\s*")
# An English name: words of letters and digits, joined inside by - + . (n-gram, GPT-4, v1.5).
_WORD = r"(?:[0-9]+[-+.])*[A-Za-z][A-Za-z0-9]*(?:[-+.][A-Za-z0-9]+)*"
_PHRASE_RE = re.compile(rf"{_WORD}(?: {_WORD})*")
_SENTENCE_END = "\u3002!?;\uff01\uff1f\uff1b"  # 。!?; and their full-width forms
# Words that name nothing on their own: function words, section words, generic nouns, venues.
_STOP = {
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by", "as", "at", "from", "is",
    "are", "be", "it", "its", "we", "our", "this", "that", "these", "via", "vs", "not", "can", "any", "all",
    "then", "if", "so", "but", "e", "g", "i", "ie", "eg", "etc", "math", "specifically", "however", "note",
    "introduction", "background", "motivation", "overview", "abstract", "method", "methods", "conclusion",
    "related", "work", "task", "paper", "model", "models", "setting", "data", "input", "output", "image",
    "figure", "fig", "table", "step", "example", "top", "best",
    "aaai", "acl", "arxiv", "cvpr", "eccv", "emnlp", "iccv", "iclr", "icml", "ijcai", "kdd", "naacl", "neurips",
    "nips", "oral", "github",
}
MAX_TERMS = 6
_MAX_WORDS = 4  # a longer run of English is a sentence or a paper's whole title, not a name


def _width(text: str) -> int:
    return naming.display_width(text)


@dataclass
class Term:
    """A name the opening gives: a defined term (with its aliases) or an English name."""

    text: str
    at: int  # where it first stands in the opening
    defined: bool = False
    aliases: list[str] = field(default_factory=list)
    uses: int = 1  # how often the post writes it
    named: bool = False  # capitals or digits: a name, not a common word
    quoted: bool = False  # opens a 《title》 or a quotation: the paper or thing the post is about

    def overlaps(self, other: str) -> bool:
        return any(_same(n, other) for n in (self.text, *self.aliases))


def _same(a: str, b: str) -> bool:
    """One name is the other or part of it (重参数 of 重参数化, Gumbel of Gumbel Softmax); an English
    name only as whole words (NE is no part of TSNE)."""
    a, b = a.casefold().strip(), b.casefold().strip()
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    at = long.find(short)
    while at >= 0:
        before = long[at - 1] if at else " "
        after = long[at + len(short)] if at + len(short) < len(long) else " "
        if not (short[0].isascii() and before.isascii() and before.isalnum()) and not (
                short[-1].isascii() and after.isascii() and after.isalnum()):
            return True
        at = long.find(short, at + 1)
    return False


def _opening(text: str) -> tuple[str, bool]:
    """The post's start as a title is cut from it (section words, emoji, URLs and formulas gone, white
    space single), and whether it began with a section number (2.3.8 动态规划 …)."""
    src = naming.title_source(_MATH_RE.sub(" ", text[: OPENING * 2]))
    m = _NUMBER_RE.match(src)
    return (src[m.end():] if m else src)[:OPENING], bool(m and m.group().strip())


def _question(opening: str) -> str | None:
    """A first sentence that asks what the post answers (深度学习偏置的作用?) is its title already."""
    for i, ch in enumerate(opening):
        if ch in _SENTENCE_END or (ch == " " and i and opening[i - 1] in _QUESTION):
            sentence = opening[: i + 1].strip()
            if sentence[-1:] in _QUESTION and 4 <= _width(sentence) <= TITLE_COLUMNS:
                return sentence
            return None
    return None


# A short phrase at the start that opens a sentence rather than names a section (本文受启发于…).
_PROSE_STARTS = ("本文", "本篇", "这", "那", "我们", "我", "你", "它", "他", "如果", "由于", "因为", "虽然", "但",
                 "所以", "因此", "通常", "一般", "首先", "其中", "在", "对于", "关于", "今天", "下面", "接下来",
                 "基于", "根据", "参考", "受", "从", "为了", "随着")
# Headings that name no subject: the captures' own labels.
_LABELS = {"关键词", "定义", "特点", "概念", "基本定义", "问题", "答案", "解答", "解析", "说明", "注意", "例子", "示例"}
HEADING_CHARS = 12  # an unnumbered heading longer than this is more likely a sentence's start


def _heading(opening: str, numbered: bool) -> str | None:
    """The post's own heading at its start: what stands before the first space (outside brackets),
    short and without punctuation, with prose after it (动态规划 动态规划(dynamic programming)是…).
    The captures join a post's heading and paragraphs with a space."""
    depth = 0
    for i, ch in enumerate(opening):
        depth += ch in _OPEN and 1 or ch in _CLOSE and -1 or 0
        if ch == " " and depth <= 0:
            head = opening[:i].strip()
            rest = opening[i:].strip()
            if head[-1:].isascii() and head[-1:].isalnum() and rest[:1].isascii() and rest[:1].isalpha():
                return None  # a space inside an English name (Google Brain), not after a heading
            if not (2 <= len(head) and _width(head) <= TITLE_COLUMNS and len(rest) >= 10) or head in _LABELS:
                return None
            if _PUNCTUATION.search(head) or not _HAS_WORD.search(head):
                return None
            if not numbered and (len(head) > HEADING_CHARS or head.startswith(_PROSE_STARTS)):
                return None
            return head
    return None


def _names(opening: str, text: str) -> list[Term]:
    """English names in the opening, each with how often the post uses it."""
    found: dict[str, Term] = {}
    low_text = text.casefold()
    for m in _PHRASE_RE.finditer(opening):
        words = m.group().split(" ")
        start = m.start()
        while words and words[0].casefold() in _STOP:
            start += len(words.pop(0)) + 1
        while words and words[-1].casefold() in _STOP:
            words.pop()
        if len(words) > _MAX_WORDS:
            # A paper's title or a sentence: its head up to the first function word, when that is
            # a name of two or more words (Wasserstein GAN and the … → Wasserstein GAN).
            cut = next((i for i, w in enumerate(words) if w.casefold() in _STOP), len(words))
            words = words[:cut] if 2 <= cut <= _MAX_WORDS else []
        # A heading and the sentence after it both start with the name (ReLU ReLU函数…, ZeRO Data
        # Parallel ZeRO,全称…): the name once.
        for i in range(1, len(words)):
            if words[i].casefold() == words[0].casefold():
                words = words[:i]
                break
        if not words or m.end() >= len(opening):
            continue  # cut off where the opening ends: not the whole name
        phrase = " ".join(words)
        if len(words) == 1 and len(phrase) < 3 and not phrase.isupper():
            continue  # a symbol (x, y, s) or a stray fragment
        if len(phrase) < 2:
            continue
        key = phrase.casefold()
        if key in found:
            continue
        named = any(ch.isupper() or ch.isdigit() for ch in phrase) or "-" in phrase
        uses = low_text.count(key)
        if not named and uses < 3:
            continue  # a common word (pose, proposals) unless the post keeps coming back to it
        quoted = opening[max(0, start - 2):start].strip()[-1:] in ("《", "“", '"', "「")
        found[key] = Term(phrase, start, uses=uses, named=named, quoted=quoted)
    return list(found.values())


_PREPOSITIONS = set("在对从与和将把被由于当随")
# A post that opens on a glossed term is about it: 后训练(post-training)…, Normalizing flow(标准化流)…
_OPENING_GLOSS_RE = re.compile(
    rf"^(?:(?P<zh>[{_CJK}]{{2,10}})\s*[(\uff08]\s*(?P<en>{_WORD}(?: {_WORD}){{0,4}})\s*[,\uff0c)\uff09]"
    rf"|(?P<en2>{_WORD}(?: {_WORD}){{0,4}})\s*[(\uff08]\s*(?P<zh2>[{_CJK}]{{2,10}})\s*[)\uff09])"
)


def _named(term: str) -> bool:
    """A name rather than a common English word: Chinese, or with capitals or digits (not output)."""
    return bool(_HAS_CJK.search(term)) or any(ch.isupper() or ch.isdigit() for ch in term)


def _defined(text: str, opening: str) -> list[Term]:
    """Terms the opening defines or glosses (kb.cards.extract's wordings, and a glossed term it opens
    on), in order."""
    from kb.cards.extract import extract

    out = []
    m = _OPENING_GLOSS_RE.match(opening)
    if m and not (m.group("zh") or "")[:1] in _PREPOSITIONS:  # 在计算机视觉领域(CV): not its subject
        term, alias = (m.group("zh"), m.group("en")) if m.group("zh") else (m.group("en2"), m.group("zh2"))
        out.append(Term(term, 0, defined=True, aliases=[alias], uses=text.count(term), named=True))
    # The definitions of the opening's start only: a term defined later names the post less often
    # than the names it keeps using. (The whole text's: the cards extract it too, once for both.)
    for d in (d for d in extract(text) if d.position <= EARLY + 60):
        at = opening.find(d.term)
        if d.term[:1] in "是的了和与及或" or d.term[-1:] in "的了" or not _HAS_WORD.search(d.term):
            continue  # a fragment the extraction cut (是最后一层), or no word at all
        same = next((o for o in out if _same(d.term, o.text)), None)
        if same is not None:
            same.aliases += [a for a in d.aliases if a and a not in same.aliases]
        elif 0 <= at <= OPENING and d.position <= OPENING + 40:
            out.append(Term(d.term, at, defined=True, aliases=[a for a in d.aliases if a],
                            uses=text.count(d.term), named=_named(d.term)))
    return sorted(out, key=lambda t: t.at)


def _strong(t: Term) -> bool:
    """A name the post keeps using: worth a place in its title."""
    return t.named and t.uses >= (2 if len(t.text) >= 5 or " " in t.text else 3)


def _ranked(opening: str, text: str) -> list[Term]:
    """The opening's terms, the subject first: a name the post starts with; else a term defined early;
    else an English name it keeps using; else a term defined later. Then the others, most telling first."""
    defined = _defined(text, opening)
    names = [n for n in _names(opening, text) if not any(d.overlaps(n.text) for d in defined)]
    pool = defined + names
    if not pool:
        return []
    first = [t for t in pool if t.at == 0 and (t.defined or t.named)]
    early = [t for t in defined if t.at <= EARLY]
    quoted = [n for n in names if n.quoted and n.named and n.at <= 40]
    glossed = [t for t in defined if t.aliases]
    strong = sorted((n for n in names if _strong(n)), key=lambda n: (-min(n.uses, 6), n.at))
    lead = (first or early or quoted or glossed or strong or defined
            or sorted(names, key=lambda n: (-n.uses, n.at)))[0]
    others = [t for t in pool if t is not lead and not lead.overlaps(t.text)]
    others.sort(key=lambda t: (not _strong(t), not t.named, t.at))
    kept: list[Term] = []
    for t in others:
        if not any(k.overlaps(t.text) for k in kept):
            kept.append(t)
            if len(kept) == MAX_TERMS:  # more than a title's choices ever use
                break
    return [lead, *kept]


def _alias(term: Term) -> str | None:
    """The term's other name worth showing beside it: in the other script (重参数 → Reparameterization),
    or what an abbreviation stands for (ViT → vision transformer); the shortest."""
    cjk = bool(_HAS_CJK.search(term.text))
    other = [a for a in term.aliases if bool(_HAS_CJK.search(a)) != cjk or _abbreviation(term.text)]
    return min(other, key=_width) if other else None


def _abbreviation(text: str) -> bool:
    """GAN, ViT, MAE: a short name of capitals (and digits)."""
    return len(text) <= 6 and text.isascii() and sum(ch.isupper() for ch in text) >= 2


class Choice(NamedTuple):
    """A title a post may take, and what it names (two choices naming the same are one choice: 自监督学习
    (Self-Supervised Learning) and Self-Supervised Learning (自监督学习))."""

    title: str
    key: str


def _key(text: str) -> str:
    return _KEY_SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


def _concept(name: str, alias: str | None) -> str:
    """One key for a name and its other-script alias: the Chinese one (自监督学习 for Self-Supervised Learning)."""
    if alias and _HAS_CJK.search(alias) and not _HAS_CJK.search(name):
        return _key(alias)
    return _key(name)


def subject_titles(text: str) -> list[Choice]:
    """A post's title choices, most general first, each at most TITLE_COLUMNS wide: what it is about,
    then that with one more of its names (for when another post is about the same thing). A post
    whose opening names nothing keeps its first sentence (naming.make_title)."""
    opening, numbered = _opening(text)
    terms = _ranked(opening, text)
    question = _question(opening)
    if question:
        return _within([Choice(question, _key(question))]
                       + [Choice(question + JOIN + t.text, _key(question) + "·" + _key(t.text))
                          for t in terms[:2] if t.text not in question])
    heading = _heading(opening, numbered)
    if heading and terms and terms[0].text.casefold().startswith(heading.casefold()):
        # The heading is the subject's own name (then it is said with its other names), or the
        # first word of a longer one (Deformable of Deformable Conv v1).
        heading = None
    if not terms:
        if heading:
            return _within([Choice(heading, _key(heading))])
        sentence = naming.make_title(text)
        return [Choice(sentence, _key(sentence))]
    lead, rest = terms[0], terms[1:]
    alias = _alias(lead)
    head = heading or lead.text
    concept = _key(heading) if heading else _concept(lead.text, alias)
    seconds = [t.text for t in rest if not _same(t.text, head)]
    strong_second = next((t.text for t in rest if _strong(t) and not t.defined and not _same(t.text, head)), None)

    def with_second(second: str) -> Choice:
        return Choice(head + JOIN + second, concept + "·" + _key(second))

    choices: list[Choice] = []
    if alias and not _same(alias, head):
        choices.append(Choice(f"{head} ({alias})", concept))
    if strong_second and not (alias and (_abbreviation(alias) or _abbreviation(lead.text))):
        # Another name the post keeps using says more than a translation (重参数 · Gumbel Softmax);
        # but what an abbreviation stands for comes first (生成对抗网络 (GAN), ViT (vision transformer)).
        choices.insert(0, with_second(strong_second))
    elif strong_second:
        choices.append(with_second(strong_second))
    others = [s for s in seconds if s != strong_second]
    if heading:
        # The heading, with the subject's name when it does not say it (分布变换 · VAE).
        if not _same(lead.text, heading) and (_strong(lead) or lead.aliases or lead.named and lead.at <= 40):
            choices = [c for c in choices if not c.title.startswith(heading + JOIN)]
            choices.insert(0, Choice(heading + JOIN + lead.text, concept + "·" + _key(lead.text)))
            others = [o for o in others if not _same(o, lead.text)]
        else:
            choices.insert(0, Choice(heading, concept))
    elif not choices:
        # No other name to go with it: the next thing the opening names (扩散模型 · DDPM, RNN · LSTM).
        choices.append(with_second(others.pop(0)) if others else Choice(head, concept))
    # More specific ones, for when another post is about the same: the subject and one more name.
    choices += [with_second(s) for s in others][:3]
    return _within(list(dict.fromkeys(choices)))


def _within(choices: list[Choice]) -> list[Choice]:
    fitting = [c for c in choices if _width(c.title) <= TITLE_COLUMNS]
    return fitting or [Choice(_fit(choices[0].title), choices[0].key)]


def _fit(title: str) -> str:
    """title cut to TITLE_COLUMNS with …, never inside an English word."""
    if _width(title) <= TITLE_COLUMNS:
        return title
    cut = head_in_cells(title, TITLE_COLUMNS, _width)
    if title[len(cut)].isascii() and title[len(cut)].isalnum():
        word = re.search(r"[A-Za-z0-9]+$", cut)
        if word and word.start() > len(cut) // 2:
            cut = cut[: word.start()]
    return cut.rstrip(" ·(") + "…"
