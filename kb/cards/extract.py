"""Flashcard definitions found in a post's text, by the general frames of Chinese technical writing
(frames.py, lists.py, naming.py), plus a few wordings those do not cover (wordings.py); one per term.

Pure functions of the text; precision before recall (a wrong card costs a learner more than a missing one).
"""
from __future__ import annotations

import re

from kb.cards.clauses import Sentences
from kb.cards.frames import appositives, copulas, functions, glosses
from kb.cards.lists import list_items
from kb.cards.naming import explained, named_after, refer_backs, translations
from kb.cards.terms import Definition, nfkc, norm_term
from kb.cards.wordings import other_wordings

# How strongly a frame says what a term is: a weaker frame's term gives way, in the same
# sentence, to a stronger frame's other term (ReLU函数是修正线性单元函数,它的公式为… defines ReLU函数).
STRENGTH = {
    "copula": 3, "gloss": 3, "appositive": 3, "list-item": 3,
    "named-after": 2, "function": 2, "wording": 2,
    "refer-back": 1,
}


def extract(text: str) -> list[Definition]:
    """The definitions in one post's text, one per term (the strongest wording wins, aliases merged)."""
    text = nfkc(text)
    s = Sentences(text)
    # Each frame runs only when the words it needs are there (a cheap test; most posts lack several).
    named, also = named_after(s) if _NAMING_CHARS_RE.search(text) else ([], [])
    found = copulas(s) + functions(s) + named
    if ")" in text:
        found += glosses(s)
    if "," in text:
        found += appositives(s)
        found += explained(s) if "也就是" in text or "亦即" in text else []
    if ":" in text:
        found += list_items(s)
    if "它" in text or "这是" in text:
        found += refer_backs(s)
    found += other_wordings(text)
    if "译" in text or "字面" in text or "中文" in text:
        also += translations(s)
    if len(found) == 1 and not also:
        return [_copy(found[0])]
    return _merge(s, found, also)


_NAMING_CHARS_RE = re.compile("[称叫记命这此就即了“「\"]")


def _copy(d: Definition) -> Definition:
    return Definition(d.term, d.definition, list(d.aliases), d.pattern, d.position)


def _covers(r: Definition, d: Definition) -> bool:
    """Whether d was found inside r's definition (ReLU函数是修正线性单元函数,它的公式为…: the 它 is ReLU函数)."""
    return r.position <= d.position <= r.position + len(r.definition) + 2


def _strength(d: Definition) -> int:
    return STRENGTH.get(d.pattern, 2)


def _merge(s: Sentences, found: list[Definition], also: list[tuple[str, list[str]]]) -> list[Definition]:
    by_sentence: dict[int, list[Definition]] = {}
    for d in found:
        by_sentence.setdefault(s.sentence_start(d.position), []).append(d)
    kept = []
    for d in found:
        rivals = by_sentence[s.sentence_start(d.position)]
        key = norm_term(d.term)
        if any(_strength(r) > _strength(d) and norm_term(r.term) != key and key not in _names(r) and _covers(r, d)
               for r in rivals):
            continue
        if any(r.aliases and r.pattern == "gloss" and key != norm_term(r.term) and key.startswith(norm_term(r.term))
               for r in rivals):
            continue  # 解码(decoding) 解码阶段是…: the glossed heading is the term, 解码阶段 its sentence's subject
        kept.append(d)
    by_term: dict[str, Definition] = {}
    for d in sorted(kept, key=lambda d: (-_strength(d), d.position)):
        key = norm_term(d.term)
        known = by_term.get(key)
        if known is None:
            by_term[key] = _copy(d)
        else:
            _add_aliases(known, d.aliases)
    for term, names in also:
        d = by_term.get(norm_term(term))
        if d is None:  # the other name has the definition: 困惑度 定义为…, Perplexity字面意思是困惑度
            d = next((x for n in names if (x := by_term.get(norm_term(n)))), None)
            names = [term, *names]
        if d is not None:
            _add_aliases(d, names)
    # One concept, two cards in one post (Batch Normalization(BatchNorm):… and BatchNorm旨在…): one.
    out: list[Definition] = []
    for d in sorted(by_term.values(), key=lambda d: d.position):
        same = next((o for o in out if norm_term(d.term) in _names(o) or norm_term(o.term) in _names(d)), None)
        if same is None:
            out.append(d)
        else:
            _add_aliases(same, [d.term, *d.aliases])
    return out


def _names(d: Definition) -> set[str]:
    return {norm_term(a) for a in d.aliases}


def _add_aliases(d: Definition, names: list[str]) -> None:
    own = {norm_term(d.term), *_names(d)}
    for name in names:
        if name and norm_term(name) not in own:
            d.aliases.append(name)
            own.add(norm_term(name))
