"""Flashcard definitions found in a post's text: the candidates every general frame gives
(candidates.py, frames.py, naming.py, wordings.py), each scored by the trained model (features.py,
model.py), the ones above its threshold kept — one per term, the best-scored wording, aliases merged.

Pure functions of the text; precision before recall (a wrong card costs a learner more than a missing one).
"""
from __future__ import annotations

import functools
import re

from kb.cards import candidates as frames
from kb.cards import passing
from kb.cards.candidates import Candidate
from kb.cards.clauses import Sentences
from kb.cards.features import candidate_features, glossary, post_facts
from kb.cards.frames import appositives
from kb.cards.model import probability, weights
from kb.cards.naming import explained, named_after, refer_backs, translations
from kb.cards.terms import Definition, is_cjk_term, nfkc, norm_term
from kb.cards.wordings import other_wordings
from kb.text import CJK

# The pattern a card keeps (concepts.py ranks wordings by it), by frame and cue.
_PATTERN = {"verb": "copula", "gloss": "gloss", "list": "list-item", "heading": "heading", "context": "context",
            "named": "named-after", "refer": "refer-back", "appositive": "appositive",
            "wording": "wording", "explains": "appositive", "aside": "aside",
            "quoted": "quoted"}


def candidates(text: str) -> tuple[Sentences, list[Candidate], list[tuple[str, list[str]]]]:
    """Every candidate definition in NFKC text, and the other names statements give terms
    (X又称为Y, X字面意思是Y): (the sentences, the candidates, (term, names) pairs)."""
    s = Sentences(text)
    found = frames.verbs(s) + frames.glosses(s) + frames.headings(s)
    found += passing.contexts(s) + passing.learned(s)
    found += (passing.asides(s) if "(" in text else []) + (passing.explains(s) if "," in text else [])
    found += passing.quoted(s)
    if ":" in text:
        found += frames.list_items(s)
    named, also = named_after(s)
    found += [_candidate(text, d, "named") for d in named]
    if "," in text:
        found += [_candidate(text, d, "appositive") for d in appositives(s)]
        found += [_candidate(text, d, "appositive") for d in explained(s)] if "也就是" in text or "亦即" in text else []
    if "它" in text or "这是" in text:
        found += [_candidate(text, d, "refer") for d in refer_backs(s)]
    found += [_candidate(text, d, "wording", at_start=True) for d in other_wordings(text)]
    if "译" in text or "字面" in text or "中文" in text:
        also += translations(s)
    for c in found:
        _known_extent(text, c)
    return s, found, also


def _known_extent(text: str, c: Candidate) -> None:
    """A term the segmentation cut short of a known name (条件 随机场 → 条件随机场, when the glossary
    knows it): the known name."""
    if not c.term or c.start <= 0 or not is_cjk_term(c.term[:1]) or text[c.start : c.start + len(c.term)] != c.term:
        return
    known = glossary()
    if norm_term(c.term) in known and len(c.term) >= 4:
        return
    run = _CJK_BEFORE_RE.search(text, max(0, c.start - 4), c.start)  # the Chinese characters right before it
    for k in range(len(run.group()) if run else 0, 0, -1):
        before = text[c.start - k : c.start]
        if norm_term(before + c.term) in known:
            c.term, c.start = before + c.term, c.start - k
            return


_CJK_BEFORE_RE = re.compile(f"[{CJK}]+\\Z")


def _candidate(text: str, d: Definition, frame: str, *, at_start: bool = False) -> Candidate:
    """A Definition of frames.py, naming.py or wordings.py as a candidate (their positions are where the
    term ends or after it — a gloss may come between —, for wordings where it starts)."""
    if at_start:
        start = d.position
    else:  # the occurrence itself, not a guess before the position: where it stands is a feature
        found = text.rfind(d.term, max(0, d.position - len(d.term) - 80), d.position)
        start = found if found >= 0 else max(0, d.position - len(d.term))
    return Candidate(d.term, d.definition, d.aliases, frame, "", d.position, start)


def scored(text: str) -> list[tuple[float, Candidate]]:
    """Each candidate that has a definition, with the model's probability that it defines its term."""
    text = nfkc(text)
    s, found, _ = candidates(text)
    facts = post_facts(found, text)
    w, _ = weights()
    folded = text.casefold()
    return [(probability(w, candidate_features(c, s, folded, facts)), c) for c in found if c.definition]


def extract(text: str) -> list[Definition]:
    """The definitions in one post's text, one per term (the best-scored wording, aliases merged).

    The same text asked again (its cards, then its title, in one import) is answered from a memo of
    the last few hundred texts: new Definitions each time, so no caller sees another's changes."""
    return [Definition(d.term, d.definition, list(d.aliases), d.pattern, d.position) for d in _extracted(text)]


@functools.lru_cache(maxsize=512)
def _extracted(text: str) -> tuple[Definition, ...]:
    return tuple(_extract(text))


def _extract(text: str) -> list[Definition]:
    text = nfkc(text)
    s, found, also = candidates(text)
    if not found:
        return []
    facts = post_facts(found, text)
    w, threshold = weights()
    folded = text.casefold()
    best: dict[str, tuple[float, Candidate]] = {}
    for c in found:
        if not c.definition:
            continue
        p = probability(w, candidate_features(c, s, folded, facts))
        key = norm_term(c.term)
        if p >= threshold and (key not in best or p > best[key][0]):
            best[key] = (p, c)
    by_term: dict[str, Definition] = {}
    for key, (_, c) in best.items():
        pattern = _PATTERN.get(c.frame, c.frame)
        if c.frame == "verb" and c.cue in ("does", "describes"):
            pattern = "function"
        by_term[key] = Definition(c.term, c.definition or "", list(c.aliases), pattern, c.position)
    for c in found:  # the other names every candidate of a kept term gives it
        d = by_term.get(norm_term(c.term))
        if d is not None:
            _add_aliases(d, c.aliases)
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
