"""A term's other names: the gloss in parentheses (中文(English, ABBR), English(中文)), and the chain
of names after it (X,即Y / 又称Y / 全称为"Y" / 简称Y / 中文常译为Y / 也叫Y), and which of them are a real
translation or abbreviation rather than an aside.
"""
from __future__ import annotations

import functools
import re

from kb.text import CJK

_HAS_CJK = re.compile(f"[{CJK}]")

# What opens an aside, not another name: (例如…), (如图), (见…), (即…的意思) …
_ASIDE_RE = re.compile(r"^(?:例如|比如|如|即|包括|见|注|其中|下同|e\.g|i\.e|参见|图|表|式|第|也就是|这|那|它|单位)")

_CITATION_RE = re.compile(r"et al\.?|\b(?:19|20)\d\d\b")

_NAME_LEAD_RE = re.compile(r"^(?:简称|又称|也称|即|英文|全称|缩写|或)(?:为|是)?\s*")

# The words that introduce another name of the term, after a comma.
ALIAS_LEAD_RE = re.compile(
    r"\s*(?:(?:又|也|通常|一般|常|亦)?(?:被)?(?:称为|称作|称|叫做|叫作|叫)"
    r"|简称(?:为)?|全称(?:为|是)?|英文(?:全称|名)?(?:为|是)?|缩写(?:为|是)?|即"
    r"|(?:在)?中文(?:中)?(?:里)?(?:常|通常|一般|常常)?(?:被)?(?:译|翻译|称|叫)(?:为|作|成)"
    r"|(?:常|通常|一般)?(?:被)?(?:译|翻译)(?:为|作|成)(?:中文)?(?:意思是)?|字面意思是)\s*:?\s*"
)


def is_name(name: str) -> bool:
    """A name, not a clause (是一种…的方法 is none): what the term layer accepts as a term."""
    from kb.cards.terms import cjk_term, latin_term

    return (cjk_term(name) if script(name) == "cjk" else latin_term(name)) is not None


def script(name: str) -> str:
    return "cjk" if _HAS_CJK.search(name) else "latin"


_ABBREVIATION_RE = re.compile(r"[A-Z][A-Za-z0-9]{0,3}[A-Z0-9](?:s|-[A-Z0-9]+)?|[A-Z]{2,}s?")

_NOT_NAMES_RE = re.compile(r"[。;!?:\\]|\d+\s*[%％]")

_NAME_SPLIT_RE = re.compile(r"\s*[,、;]\s*|\s+或\s*|\s*或\s+")


def abbreviation(name: str) -> bool:
    """An abbreviation: a few capitals or digits (VAE, DQN, PER, ESNs, MDN-RNN, LLMs)."""
    return bool(_ABBREVIATION_RE.fullmatch(name))


def split_gloss(inner: str) -> list[str] | None:
    """The names a parenthesized gloss gives (variational autoencoder,VAE → two), or None for an aside."""
    names = _split_gloss(inner)
    return list(names) if names else None


@functools.lru_cache(maxsize=8192)  # every frame reads the gloss before its position: the same ones
def _split_gloss(inner: str) -> tuple[str, ...] | None:
    inner = inner.strip()
    if not inner or _ASIDE_RE.match(inner) or len(inner) > 60 or _CITATION_RE.search(inner):
        return None  # (例如…), (Devlin et al. 2018): an aside or a citation, no other name
    if _NOT_NAMES_RE.search(inner) or len(inner.split()) > 8:
        return None
    parts = []
    for p in _NAME_SPLIT_RE.split(inner):
        p = _NAME_LEAD_RE.sub("", p.strip()).strip(" \"“”")
        if p:
            parts.append(p)
    return tuple(parts) or None


def real_aliases(term: str, names: list[str]) -> list[str] | None:
    """The names that are the term's translation or abbreviation; None when none is (a same-script
    parenthesis is an aside: 长期依赖(时间序列上距离较远的节点))."""
    own = script(term)
    kept = []
    for name in names:
        # Latin beside Latin: an expansion or a contraction (GGUF(GPT-Generated Unified Format), Batch
        # Normalization(BatchNorm)): one side one word, the other several.
        short_long = own == "latin" == script(name) and (len(term.split()) == 1) != (len(name.split()) == 1)
        if script(name) != own or abbreviation(name) or short_long or (own == "latin" and _initials(term) == name.casefold()):
            if script(name) == "cjk" and len(name) > 16:
                continue
            kept.append(name)
    if len(term) == 1 and not any(n[:1].isupper() or " " in n for n in kept):
        return None  # 能(neng): a reading, not a name; 域(Domain) is glossed by one
    return kept or None


def _initials(phrase: str) -> str:
    return "".join(w[0] for w in re.split(r"[\s\-]+", phrase) if w).casefold()


def gloss_at(text: str, pos: int) -> tuple[list[str], int] | None:
    """A parenthesized gloss opening at text[pos] ('('): (its names, the offset after ')'), or None."""
    if pos >= len(text) or text[pos] != "(":
        return None
    close = text.find(")", pos + 1, pos + 64)
    if close < 0 or "(" in text[pos + 1 : close]:
        return None
    names = split_gloss(text[pos + 1 : close])
    return (names, close + 1) if names else None


def gloss_before(text: str, end: int) -> tuple[list[str], int] | None:
    """A parenthesized gloss closing right before end: (its names, where its '(' is), or None."""
    j = end
    while j > 0 and text[j - 1] == " ":
        j -= 1
    if j == 0 or text[j - 1] != ")":
        return None
    open_ = text.rfind("(", max(0, j - 64), j - 1)
    if open_ < 0 or ")" in text[open_ + 1 : j - 1]:
        return None
    names = split_gloss(text[open_ + 1 : j - 1])
    return (names, open_) if names else None


def names_before(text: str, end: int) -> tuple[list[str] | None, int]:
    """A gloss closing right before end, if any: (its names, where its '(' is), else (None, end)."""
    return gloss_before(text, end) or (None, end)


_NAME_RE = re.compile(
    f"[\"“「]([^\"”」]{{1,60}})[\"”」]|([A-Za-z][A-Za-z0-9\\-+./' ]{{0,58}}[A-Za-z0-9+)]?)|([{CJK}][{CJK}A-Za-z0-9\\-]{{0,15}})"
)


_COMMA_RE = re.compile(r"\s*,\s*")


def alias_chain(text: str, pos: int, term: str) -> tuple[list[str], int]:
    """Other names of term that follow text[pos:] (,即Y / ,又称为Y(Z) / ,全称为"Y" / ,中文常译为Y /
    a bare other-script name between commas): (the names, where the chain ends)."""
    names: list[str] = []
    while True:
        m = _COMMA_RE.match(text[pos : pos + 4])
        if not m:
            break
        at = pos + m.end()
        lead = ALIAS_LEAD_RE.match(text, at)
        start = lead.end() if lead and lead.end() > at else at
        g = gloss_at(text, start)
        if g:  # BatchNorm,(Batch Normalization),批归一化,…
            got = real_aliases(term, g[0])
            if not got:
                break
            names += got
            pos = g[1]
            continue
        n = _NAME_RE.match(text, start)
        if not n:
            break
        name = (n.group(1) or n.group(2) or n.group(3)).strip()
        end = n.end()
        after = text[end : end + 1]
        if after and after not in ",(。;:":
            break  # the name runs on into a clause: no name
        if not lead or lead.end() == at:  # a bare name: only one in the other script, and more follows
            if script(name) == script(term) or len(name) > 30 or after not in ",(" or not is_name(name):
                break
        elif script(name) == script(term) and lead.group().strip() in ("即",) and real_aliases(term, [name]) is None:
            break  # X,即…: an explanation in the same language, not a name (GPT,即 Generative … is one)
        names.append(name)
        pos = end
        g = gloss_at(text, pos)
        if g:
            names += [x for x in g[0] if x not in names]
            pos = g[1]
    return names, pos
