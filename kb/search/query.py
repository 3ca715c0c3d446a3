"""The query language: words (optional, +required), "phrases", -exclusions and OR, cut into index words
and expanded into clauses of weighted alternatives (synonyms, glosses, the glossary, words inside words),
and the FTS5 MATCH expressions built from them.

Every word reaches FTS5 as a quoted phrase of index words: no input can raise an FTS5 syntax error.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from kb.search import expand
from kb.search.vocabulary import Vocabulary, query_tokens, surface_tokens
from kb.text import CJK, is_cjk

MAX_SYNONYM_TOKENS = 6
MAX_COMPOSED_WORDS = 4
INSIDE_FACTOR = expand.INSIDE_FACTOR


@dataclass
class Alt:
    """One way a clause matches: a phrase of index words, how much a match counts (weight, against
    the query's own words' 1.0) and how much of the clause it covers (a word inside a longer word
    0.9: it ranks below a whole word; one word of a two-word term 0.5)."""

    tokens: list[str]
    kind: str = "query"  # query | synonym | gloss | glossary | pivot | inside | variant | word | part | composed | compound
    weight: float = 1.0
    cover: float = 1.0
    # The clause's parts this alternative stands for, when it stands for only some of them (a word of
    # 深度可分离卷积, its translation, or a translation of two adjacent words): () stands for the whole.
    parts: tuple[int, ...] = ()


@dataclass
class Clause:
    """One condition: any of its alternatives must occur (required), may occur (optional), or none
    may (negative)."""

    source: str
    alts: list[Alt]
    negative: bool = False
    required: bool = False
    expanded: list[str] = field(default_factory=list)  # terms the expansions added, for --explain
    # The query's own English words as written, where the stem differs (tokenizer, not token):
    # a post writing that very form ranks a little higher than one with only its stem.
    surface: set[str] = field(default_factory=set)
    # The share of the clause each part is (by characters for Chinese, by words for English): a post
    # matching parts only covers the sum of theirs, below one matching the whole (ranking.PART_CAP).
    shares: list[float] = field(default_factory=list)

    @property
    def alternatives(self) -> list[list[str]]:
        return [a.tokens for a in self.alts]


_CJK_SPACE_RE = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")


@dataclass
class Item:
    text: str
    quoted: bool = False
    negative: bool = False
    or_prev: bool = False
    required: bool = False


def lex(query: str) -> list[Item]:
    """Split a query into words, "quoted phrases", -exclusions, +required words and OR."""
    items: list[Item] = []
    i, n = 0, len(query)
    pending_or = False
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        negative = required = False
        if ch in "-+" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] not in "-+":
            negative, required = ch == "-", ch == "+"
            i += 1
            ch = query[i]
        if ch in "\"“”":
            end = i + 1
            while end < n and query[end] not in "\"“”":
                end += 1
            text, quoted = query[i + 1 : end], True
            i = end + 1
        else:
            end = i
            while end < n and not query[end].isspace():
                end += 1
            text, quoted = query[i:end], False
            i = end
        if text == "OR" and not quoted and not negative and not required:
            pending_or = bool(items)
            continue
        items.append(Item(text, quoted, negative, pending_or and not negative, required))
        pending_or = False
    return items


def parse(conn: sqlite3.Connection, query: str, vocab: Vocabulary | None = None, *, require_all: bool = False) -> list[Clause]:
    """A query → clauses (optional or required positives, negatives), expansions added."""
    vocab = vocab or Vocabulary(conn)
    clauses: list[Clause] = []
    plain: list[str] = []  # tokens of consecutive plain words, expanded together
    plain_required: list[bool] = []
    plain_surface: list[str] = []
    plain_item: list[int] = []  # which query word each token came from

    def flush() -> None:
        if plain:
            clauses.extend(_expand_run(conn, plain, plain_required, plain_surface, vocab, plain_item))
            plain.clear()
            plain_required.clear()
            plain_surface.clear()
            plain_item.clear()

    items = lex(query)
    for k, item in enumerate(items):
        pairs = surface_tokens(conn, item.text, vocab)
        tokens = [t for t, _ in pairs]
        joins_next = k + 1 < len(items) and items[k + 1].or_prev
        if item.negative or item.quoted or item.or_prev or joins_next:
            flush()
            if not tokens:
                continue
            clause = Clause(item.text, [Alt(tokens)], negative=item.negative, required=item.required,
                            surface={w for t, w in pairs if w != t})
            if item.quoted:
                # Chinese puts no spaces between words: "生成 模型" also means the one word 生成模型.
                joined = _CJK_SPACE_RE.sub("", item.text)
                if joined != item.text:
                    clause.alts.append(Alt(query_tokens(conn, joined, vocab)))
            elif not item.negative:
                _widen(conn, clause, vocab)
            if item.or_prev and clauses and not clauses[-1].negative:
                prev = clauses[-1]
                prev.source += f" OR {clause.source}"
                prev.alts += clause.alts
                prev.expanded += clause.expanded
                prev.required = prev.required or clause.required
            else:
                clauses.append(clause)
        else:
            joined = _join_characters(pairs)
            plain.extend(t for t, _ in joined)
            plain_required.extend([item.required] * len(joined))
            plain_surface.extend(w for _, w in joined)
            plain_item.extend([k] * len(joined))
    flush()
    _compounds([c for c in clauses if not c.negative])
    for c in clauses:
        c.alts = dedupe(c.alts)
        if require_all and not c.negative:
            c.required = True
    return clauses


def _join_characters(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Single Chinese characters the cut left side by side (塑, 形 of 奖励塑形, a word no post has) are
    one word of the query, matched as a phrase of them, not words of their own (形 of 形如)."""
    out: list[tuple[str, str]] = []
    for tok, surf in pairs:
        if len(tok) == 1 and is_cjk(tok) and out and out[-1][0] and all(len(t) == 1 for t in out[-1][0].split(" ")) \
                and is_cjk(out[-1][0][-1]):
            out[-1] = (out[-1][0] + " " + tok, out[-1][1] + surf)
        else:
            out.append((tok, surf))
    return out


def _compounds(clauses: list[Clause]) -> None:
    """A word that holds what two clauses mean matches both in full: 扩散模型 is diffusion and, holding
    模型, model too; FlashAttention is flash and attention. Without this a post that writes only the
    compound would rank below one writing both words anywhere."""
    if len(clauses) > MAX_SYNONYM_TOKENS:
        return
    for a in clauses:
        for b in clauses:
            if a is b:
                continue
            singles_b = [alt for alt in b.alts if len(alt.tokens) == 1]
            for x in [alt for alt in a.alts if len(alt.tokens) == 1]:
                word = x.tokens[0]
                inner = [y for y in singles_b if y.tokens[0] != word and len(y.tokens[0]) >= 2 and y.tokens[0] in word]
                if not inner:
                    continue
                best = max(inner, key=lambda y: y.weight if y.kind != "inside" else 0.0)
                weight = best.weight / INSIDE_FACTOR if best.kind == "inside" else best.weight
                b.alts.append(Alt([word], "compound", min(weight, 1.0), 1.0))
                if x.kind == "inside":  # the word holds a's own word, and b's: a full match of a too
                    a.alts.append(Alt([word], "compound", min(x.weight / INSIDE_FACTOR, 1.0), 1.0))


def _expand_run(
    conn: sqlite3.Connection, tokens: list[str], required: list[bool], surface: list[str], vocab: Vocabulary,
    items: list[int] | None = None,
) -> list[Clause]:
    """Plain words → one clause per word, except runs of words that name a term of the synonyms, the
    glosses or the glossary (markov chain, normalizing flow), and a Chinese query word the cut splits
    (深度可分离卷积 → 深度 可 分离 卷积): one clause each, its words parts of it."""
    items = items if items is not None else list(range(len(tokens)))
    spans = {
        expand.tokens_key(tokens[i:j]).replace(" ", "")
        for i in range(len(tokens))
        for j in range(i + 2, min(len(tokens), i + MAX_SYNONYM_TOKENS) + 1)
    }
    known = expand.known_keys(conn, sorted(spans))
    out: list[Clause] = []
    i = 0
    while i < len(tokens):
        end = _chinese_word_end(tokens, items, i)
        if end - i >= 2:
            out.append(_chinese_clause(conn, tokens[i:end], any(required[i:end]), surface[i:end], vocab, known))
            i = end
            continue
        for j in range(min(len(tokens), i + MAX_SYNONYM_TOKENS), i + 1, -1):
            if expand.tokens_key(tokens[i:j]).replace(" ", "") in known:
                run = [t for tok in tokens[i:j] for t in tok.split(" ")]
                clause = Clause(" ".join(surface[i:j]), [Alt(run)], required=any(required[i:j]),
                                surface={w for t, w in zip(run, surface[i:j]) if w != t})
                _widen(conn, clause, vocab)
                clause.alts += [Alt([t], "word", 0.3, 1.0, (k,)) for k, t in enumerate(run)]
                clause.shares = [1.0 / len(run)] * len(run)
                out.append(clause)
                i = j
                break
        else:
            clause = Clause(surface[i], [Alt(tokens[i].split(" "))], required=required[i],
                            surface={surface[i]} - {tokens[i]})
            _widen(conn, clause, vocab)
            out.append(clause)
            i += 1
    _compose_words(conn, out, vocab)
    return out


def _compose_words(conn, clauses: list[Clause], vocab: Vocabulary) -> None:
    """Adjacent English words that name no term together: their Chinese translations side by side
    (density + reachable → 密度可达, model + tree → 模型树), or one kept in English (Dirichlet分布), an
    alternative of each of them, so a post writing the composed term matches them all."""
    def single(c: Clause) -> bool:
        own = c.alts[0].tokens
        return not c.shares and len(own) == 1 and own[0].isascii() and own[0].isalpha()

    def pieces(c: Clause) -> list[tuple[str, list[str], float]]:
        chinese = sorted((a for a in c.alts if a.kind in expand.TRANSLATIONS and a.cover >= 1.0
                          and all(is_cjk(t[0]) for t in a.tokens)), key=lambda a: -a.weight)[:2]
        return [("en", c.alts[0].tokens, 1.0)] + [("zh", a.tokens, a.weight) for a in chinese]

    start = 0
    while start < len(clauses):
        end = start
        while end < len(clauses) and single(clauses[end]) and end - start < MAX_COMPOSED_WORDS:
            end += 1
        if end - start >= 2:
            run = clauses[start:end]
            for tokens, weight in expand.combine([pieces(c) for c in run], lambda text: query_tokens(conn, text, vocab)):
                for c in run:
                    c.alts.append(Alt(tokens, "compound", weight, 1.0))
        start = max(end, start + 1)


def _chinese_word_end(tokens: list[str], items: list[int], i: int) -> int:
    """The end of the run of Chinese tokens from position i that one query word gave."""
    j = i
    while j < len(tokens) and items[j] == items[i] and is_cjk(tokens[j][0]):
        j += 1
    return j


def _chinese_clause(conn, run: list[str], required: bool, surface: list[str], vocab: Vocabulary, known: set[str]) -> Clause:
    """One clause for a Chinese query word cut into several index words: the word itself and what it
    means, then each of its words (and each run of them that names a term) as a part, with what that
    means, and translations of adjacent parts put together (层归一化 → layer normalization)."""
    words = [t for tok in run for t in tok.split(" ")]
    clause = Clause("".join(surface), [Alt(words)], required=required)
    _widen(conn, clause, vocab)
    sizes = [len(tok.replace(" ", "")) for tok in run]
    clause.shares = [n / sum(sizes) for n in sizes]
    meanings: dict[tuple[int, int], list[Alt]] = {}
    for a in range(len(run)):
        for b in range(a + 1, len(run) + 1):
            if (a, b) == (0, len(run)):
                continue
            if b - a > 1 and expand.tokens_key(run[a:b]).replace(" ", "") not in known:
                continue
            own = [t for tok in run[a:b] for t in tok.split(" ")]
            parts = tuple(range(a, b))
            alts = [Alt(own, "part", 1.0, 1.0, parts)]
            for tokens, kind, weight, cover, _ in expand.widen(conn, own, vocab):
                alts.append(Alt(tokens, kind, weight, cover, parts))
            meanings[(a, b)] = [(x.tokens, x.kind, x.weight, x.cover) for x in alts]
            clause.alts += alts
    clause.alts += [Alt(tokens, "composed", weight, 1.0) for tokens, weight in expand.composed(meanings, len(run))]
    return clause


def _widen(conn: sqlite3.Connection, clause: Clause, vocab: Vocabulary) -> None:
    """Add the alternatives the clause's own words also mean (kb.search.expand)."""
    for tokens, kind, weight, cover, term in expand.widen(conn, clause.alts[0].tokens, vocab):
        clause.alts.append(Alt(tokens, kind, weight, cover))
        if term:
            clause.expanded.append(term)


def dedupe(alts: list[Alt]) -> list[Alt]:
    """The alternatives without repeats, each phrase kept where it counts most, in their order."""
    best: dict[tuple[str, ...], Alt] = {}
    for a in alts:
        if not a.tokens:
            continue
        key = tuple(a.tokens)
        old = best.get(key)
        if old is None or (not a.parts, a.cover, a.weight) > (not old.parts, old.cover, old.weight):
            best[key] = a
    seen, out = set(), []
    for a in alts:
        key = tuple(a.tokens)
        if key in best and key not in seen:
            seen.add(key)
            out.append(best[key])
    return out


def phrase(tokens: list[str], prefix: bool = False) -> str:
    """Index words as one quoted FTS5 phrase (a prefix query with prefix)."""
    body = " ".join(t.replace('"', '""') for t in tokens)
    return f'"{body}"' + ("*" if prefix else "")


def alts_expression(alts: list[list[str]]) -> str | None:
    """Any of these phrases, as a MATCH expression."""
    parts = [phrase(a) for a in alts if a]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def match_expression(clauses: list[Clause], *, any_of: bool = True) -> str | None:
    """The FTS5 MATCH text of every post a query may list, or None when there is no positive clause:
    the required clauses all, with any optional one (any_of) or all of them, less the exclusions."""
    req = [alts_expression(c.alternatives) for c in clauses if not c.negative and c.required]
    opt = [alts_expression(c.alternatives) for c in clauses if not c.negative and not c.required]
    neg = [alts_expression(c.alternatives) for c in clauses if c.negative]
    req, opt, neg = [e for e in req if e], [e for e in opt if e], [e for e in neg if e]
    if not req and not opt:
        return None
    if any_of:
        parts = req + ([opt[0] if len(opt) == 1 else "(" + " OR ".join(opt) + ")"] if opt and not req else [])
    else:
        parts = req + opt
    expr = " AND ".join(parts)
    if neg:
        expr = f"{expr} NOT " + (neg[0] if len(neg) == 1 else "(" + " OR ".join(neg) + ")")
    return expr


def negative_expression(clauses: list[Clause]) -> str | None:
    return alts_expression([a for c in clauses if c.negative for a in c.alternatives])
