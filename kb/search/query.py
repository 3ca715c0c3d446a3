"""The query language: words, "phrases", -exclusions and OR, cut into index words and expanded by
synonyms into clauses, and the FTS5 MATCH expressions built from them.

Every word reaches FTS5 as a quoted phrase of index words: no input can raise an FTS5 syntax error.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from kb.search.synonyms import known_keys, synonym_key, synonyms
from kb.search.vocabulary import Vocabulary, query_tokens
from kb.text import CJK

MAX_SYNONYM_TOKENS = 6



@dataclass
class Clause:
    """One condition: any of its alternatives (each a phrase of index words) must occur."""

    source: str
    alternatives: list[list[str]]
    negative: bool = False
    expanded: list[str] = field(default_factory=list)  # synonyms that were added


_CJK_SPACE_RE = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")


@dataclass
class Item:
    text: str
    quoted: bool = False
    negative: bool = False
    or_prev: bool = False


def lex(query: str) -> list[Item]:
    """Split a query into words, "quoted phrases", -exclusions and OR."""
    items: list[Item] = []
    i, n = 0, len(query)
    pending_or = False
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        negative = False
        if ch == "-" and i + 1 < n and not query[i + 1].isspace():
            negative = True
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
        if text == "OR" and not quoted and not negative:
            pending_or = bool(items)
            continue
        items.append(Item(text, quoted, negative, pending_or and not negative))
        pending_or = False
    return items


def parse(conn: sqlite3.Connection, query: str, vocab: Vocabulary | None = None) -> list[Clause]:
    """A query → clauses (AND of positives, minus negatives), synonyms expanded."""
    vocab = vocab or Vocabulary(conn)
    clauses: list[Clause] = []
    plain: list[str] = []  # tokens of consecutive plain words, expanded together

    def flush() -> None:
        if plain:
            clauses.extend(_expand(conn, plain, vocab))
            plain.clear()

    items = lex(query)
    for k, item in enumerate(items):
        tokens = query_tokens(conn, item.text, vocab)
        joins_next = k + 1 < len(items) and items[k + 1].or_prev
        if item.negative or item.quoted or item.or_prev or joins_next:
            flush()
            if not tokens:
                continue
            clause = Clause(item.text, [tokens], negative=item.negative)
            if item.quoted:
                # Chinese puts no spaces between words: "生成 模型" also means the one word 生成模型.
                joined = _CJK_SPACE_RE.sub("", item.text)
                if joined != item.text:
                    clause.alternatives = dedupe(clause.alternatives + [query_tokens(conn, joined, vocab)])
            if not item.quoted and not item.negative:
                clause.expanded = synonyms(conn, synonym_key(item.text))
                clause.alternatives += [t for t in (query_tokens(conn, s, vocab) for s in clause.expanded) if t]
            if item.or_prev and clauses and not clauses[-1].negative:
                prev = clauses[-1]
                prev.source += f" OR {clause.source}"
                prev.alternatives += clause.alternatives
                prev.expanded += clause.expanded
            else:
                clauses.append(clause)
        else:
            plain.extend(tokens)
    flush()
    return clauses


def _expand(conn: sqlite3.Connection, tokens: list[str], vocab: Vocabulary) -> list[Clause]:
    """Plain words → one clause per word, except runs of words that name a synonym group."""
    spans = {
        "".join(tokens[i:j])
        for i in range(len(tokens))
        for j in range(i + 1, min(len(tokens), i + MAX_SYNONYM_TOKENS) + 1)
    }
    known = known_keys(conn, [synonym_key(s) for s in spans])
    out: list[Clause] = []
    i = 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + MAX_SYNONYM_TOKENS), i, -1):
            key = synonym_key("".join(tokens[i:j]))
            if key in known:
                extra = synonyms(conn, key)
                alts = [tokens[i:j]] + [t for t in (query_tokens(conn, s, vocab) for s in extra) if t]
                out.append(Clause(" ".join(tokens[i:j]), dedupe(alts), expanded=extra))
                i = j
                break
        else:
            out.append(Clause(tokens[i], [[tokens[i]]]))
            i += 1
    return out


def dedupe(alts: list[list[str]]) -> list[list[str]]:
    """The alternatives without repeats, in their order."""
    seen, out = set(), []
    for a in alts:
        if tuple(a) not in seen:
            seen.add(tuple(a))
            out.append(a)
    return out


def phrase(tokens: list[str], prefix: bool = False) -> str:
    """Index words as one quoted FTS5 phrase (a prefix query with prefix)."""
    body = " ".join(t.replace('"', '""') for t in tokens)
    return f'"{body}"' + ("*" if prefix else "")


def _clause_expr(clause: Clause, prefix: bool = False) -> str:
    alts = [phrase(a, prefix) for a in clause.alternatives]
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def match_expression(clauses: list[Clause], *, prefix: bool = False, any_of: bool = False) -> str | None:
    """The FTS5 MATCH text, or None when there is no positive clause."""
    pos = [_clause_expr(c, prefix) for c in clauses if not c.negative]
    neg = [_clause_expr(c) for c in clauses if c.negative]
    if not pos:
        return None
    expr = (" OR " if any_of else " AND ").join(pos)
    if any_of and len(pos) > 1:
        expr = f"({expr})"
    if neg:
        expr = f"{expr} NOT " + (neg[0] if len(neg) == 1 else "(" + " OR ".join(neg) + ")")
    return expr


def negative_expression(clauses: list[Clause]) -> str | None:
    neg = [_clause_expr(c) for c in clauses if c.negative]
    return " OR ".join(neg) if neg else None
