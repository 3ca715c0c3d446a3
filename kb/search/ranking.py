"""Searching: the best posts first for a query (BM25 with the title weighted, proximity, recency),
the fall-backs when nothing matches (prefixes, corrected words, any word), snippets.

Reads the index kb.search.index keeps; queries are parsed by kb.search.query.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from kb.posts.reads import resolve_category
from kb.search.query import Clause, dedupe, match_expression, negative_expression, parse, phrase
from kb.search.segment import SEP
from kb.search.synonyms import synonym_key, synonyms
from kb.search.vocabulary import Vocabulary, query_tokens

TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0
SNIPPET_CHARS = 90
# A multi-word query scores higher when its words stand within this many tokens of each other.
PROXIMITY_WINDOW = 12



@dataclass
class SearchResult:
    results: list[dict]
    clauses: list[Clause]
    match: str | None
    notes: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)


def search(
    conn: sqlite3.Connection, query: str, *, category: str | None = None, limit: int = 10
) -> SearchResult:
    """Posts best first for a query, falling back to prefix, corrected and any-word matches."""
    from kb.errors import UsageError

    vocab = Vocabulary(conn, word_starts=True)
    clauses = parse(conn, query, vocab)
    if not clauses:
        raise UsageError("nothing to search for: give a word (letters or digits)" + (f", not {query!r}" if query.strip() else ""))
    cat = None
    if category:
        cat = resolve_category(conn, category)
    limit = limit if limit and limit > 0 else 1_000_000
    match = match_expression(clauses)
    res = SearchResult([], clauses, match)
    if match is None:  # exclusions only: every other post, newest first
        res.steps.append("exclusions only: all other posts, newest first")
        res.results = _all_but(conn, negative_expression(clauses), cat, limit)
        return res
    res.steps.append(f"all words: {match}")
    res.results = _run(conn, match, clauses, cat, limit)
    if res.results:
        return res
    positives = [c for c in clauses if not c.negative]
    prefix = match_expression(clauses, prefix=True)
    res.steps.append(f"prefixes: {prefix}")
    res.results = _run(conn, prefix, clauses, cat, limit, prefix=True)
    if res.results:
        res.notes.append("no post has all the words; showing posts with words that start with them")
        res.match = prefix
        return res
    corrected, suggestions = _corrections(conn, clauses, vocab)
    res.suggestions = suggestions
    if corrected is not None:
        fixed = match_expression(corrected)
        res.steps.append(f"corrected: {fixed}")
        res.results = _run(conn, fixed, corrected, cat, limit)
        if res.results:
            res.notes.append("no post matches; showing results for: " + ", ".join(suggestions))
            res.match, res.clauses = fixed, corrected
            return res
    if len(positives) > 1:
        base = corrected or clauses
        anyof = match_expression(base, any_of=True)
        res.steps.append(f"any word: {anyof}")
        res.results = _run(conn, anyof, base, cat, limit)
        if res.results:
            res.notes.append("no post has all the words; showing posts with any of them")
            res.match = anyof
            return res
    res.notes.append("no post matches")
    if not suggestions:
        res.suggestions = _title_suggestions(conn, query)
    return res


def _run(conn, match: str, clauses: list[Clause], cat: str | None, limit: int, prefix: bool = False) -> list[dict]:
    sql = (
        f"SELECT search_fts.rowid AS id, bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS bm FROM search_fts"
    )
    args: list = [match]
    if cat:
        sql += " JOIN posts ON posts.id = search_fts.rowid WHERE search_fts MATCH ? AND posts.category = ?"
        args.append(cat)
    else:
        sql += " WHERE search_fts MATCH ?"
    # Proximity re-ranks a few more than are shown; BM25 alone picks them.
    sql += " ORDER BY bm LIMIT ?"
    args.append(max(limit * 3, 30) if limit < 1_000_000 else limit)
    try:
        hits = conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:  # never the user's fault: quoting covers every input
        from kb.errors import KbError

        raise KbError(f"search failed on {match!r}: {exc}") from None
    if not hits:
        return []
    scores = {r[0]: -r[1] for r in hits}
    rows = _rows(conn, list(scores))
    wanted = _wanted_tokens(clauses)
    positives = [c for c in clauses if not c.negative]
    out = []
    for row in rows:
        hits = _hits(row["body"], wanted, prefix)
        score = scores[row["id"]] * (1.0 + 0.5 * _proximity(hits, positives, prefix))
        out.append((score, row, hits))
    # Recency breaks ties: rank 1 is the newest post.
    out.sort(key=lambda t: (-round(t[0], 6), t[1]["rank"] if t[1]["rank"] is not None else 1 << 30, t[1]["id"]))
    return [_result(row, score, hits) for score, row, hits in out[:limit]]


def _all_but(conn, neg: str, cat: str | None, limit: int) -> list[dict]:
    sql = "SELECT id FROM posts WHERE id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)"
    args: list = [neg]
    if cat:
        sql += " AND category = ?"
        args.append(cat)
    sql += " ORDER BY rank, id LIMIT ?"
    args.append(limit)
    ids = [r[0] for r in conn.execute(sql, args)]
    rows = sorted(_rows(conn, ids), key=lambda r: ids.index(r["id"]))
    return [_result(r, 0.0, []) for r in rows]


def _rows(conn, ids: list[int]) -> list[sqlite3.Row]:
    marks = ",".join("?" * len(ids))
    return conn.execute(
        "SELECT p.id, p.slug, p.title, p.text, p.category, p.date, p.rank, p.date_after, p.date_before,"
        f" f.body FROM posts p JOIN search_fts f ON f.rowid = p.id WHERE p.id IN ({marks})",
        ids,
    ).fetchall()


def _hits(indexed: str, wanted: set[str], prefix: bool) -> list[tuple[int, int, int, str]]:
    """(token number, start, end, folded token) of the wanted words in an indexed column,
    offsets in the original text's characters (the column is the text with SEP between tokens)."""
    if not wanted:
        return []
    folded = indexed.casefold()
    if len(folded) != len(indexed):  # a character whose folding is longer (ß): fold token by token
        tokens = [t.casefold() for t in indexed.split(SEP)]
        lengths = [len(t) for t in indexed.split(SEP)]
    else:
        tokens = folded.split(SEP)
        lengths = None
    starts = tuple(wanted) if prefix else ()
    out = []
    pos = 0
    for idx, tok in enumerate(tokens):
        n = lengths[idx] if lengths else len(tok)
        if tok in wanted or (starts and tok.startswith(starts)):
            out.append((idx, pos, pos + n, tok))
        pos += n
    return out


def _wanted_tokens(clauses: list[Clause]) -> set[str]:
    return {t for c in clauses if not c.negative for alt in c.alternatives for t in alt}


def _proximity(hits: list[tuple[int, int, int, str]], positives: list[Clause], prefix: bool) -> float:
    """1.0 when every positive clause has a word within PROXIMITY_WINDOW tokens of the others."""
    if len(positives) < 2:
        return 0.0
    sets = [{t for alt in c.alternatives for t in alt} for c in positives]
    last: dict[int, int] = {}
    best = None
    for idx, _, _, tok in hits:
        for k, words in enumerate(sets):
            if tok in words or (prefix and tok.startswith(tuple(words))):
                last[k] = idx
        if len(last) == len(sets):
            span = idx - min(last.values())
            best = span if best is None else min(best, span)
    if best is None:
        return 0.0
    # Token numbers count the white space between words too: allow for it.
    return max(0.0, 1.0 - max(0, best - 2 * len(sets) + 2) / (2 * PROXIMITY_WINDOW))


def _result(row, score: float, hits: list[tuple[int, int, int, str]]) -> dict:
    snippet, marks = snippet_for(row["text"], [(a, b) for _, a, b, _ in hits])
    return {
        "slug": row["slug"],
        "title": row["title"],
        "category": row["category"],
        "date": row["date"],
        "date_after": row["date_after"],
        "date_before": row["date_before"],
        "score": round(score, 4),
        "snippet": snippet,
        "highlights": marks,
    }


def snippet_for(text: str, hits: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """A window of the original text around the densest hits, and the hits' offsets in it."""
    if not text:
        return "", []
    start = 0
    if hits:
        best, best_n = hits[0][0], 0
        for s, _ in hits:
            n = len({text[a:b].casefold() for a, b in hits if s <= a and b <= s + width})
            if n > best_n:
                best, best_n = s, n
        start = max(0, best - width // 5)
    end = min(len(text), start + width)
    piece = " ".join(text[start:end].split())  # newlines and runs of spaces: one space
    # Offsets move when white space is squeezed: recompute them on the squeezed window.
    marks = []
    squeezed_pos = _squeeze_map(text[start:end])
    for s, e in hits:
        if s >= start and e <= end:
            a, b = squeezed_pos[s - start], squeezed_pos[e - start]
            if b > a:
                marks.append((a, b))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix)
    return prefix + piece + suffix, [(a + shift, b + shift) for a, b in marks]


def _squeeze_map(raw: str) -> list[int]:
    """For each offset in raw (and its end), the offset in " ".join(raw.split())."""
    out = []
    pos = 0
    in_space = True  # leading white space is dropped
    for ch in raw:
        out.append(pos)
        if ch.isspace():
            if not in_space:
                pos += 1
            in_space = True
        else:
            pos += 1
            in_space = False
    out.append(pos)
    squeezed_len = len(" ".join(raw.split()))
    return [min(p, squeezed_len) for p in out]


def _corrections(conn, clauses: list[Clause], vocab) -> tuple[list[Clause] | None, list[str]]:
    """Words that match nothing, replaced by the closest index word (rapidfuzz), if any is close."""
    from rapidfuzz import fuzz, process

    changed = False
    suggestions: list[str] = []
    out: list[Clause] = []
    choices = None
    for c in clauses:
        if c.negative or _count(conn, match_expression([c])) > 0:
            out.append(c)
            continue
        if choices is None:
            # Only Latin words are corrected: a Chinese word "close" to another is another word.
            choices = [r[0] for r in conn.execute(
                "SELECT term FROM search_vocab WHERE length(term) > 3 AND term GLOB '[a-z]*' ORDER BY cnt DESC"
            )]
        alts = []
        for alt in c.alternatives[:1]:
            fixed = []
            for tok in alt:
                if _count(conn, phrase([tok])) > 0:
                    fixed.append(tok)
                    continue
                found = None
                if len(tok) >= 4 and tok.isascii() and tok.isalpha():
                    found = process.extractOne(tok, choices, scorer=fuzz.ratio, score_cutoff=80)
                if found:
                    fixed.append(found[0])
                    changed = True
                else:
                    fixed.append(tok)
            alts.append(fixed)
        if alts and alts[0] != c.alternatives[0]:
            word = " ".join(alts[0])
            suggestions.append(word)
            extra = synonyms(conn, synonym_key(word.replace(" ", "")))
            alts += [t for t in (query_tokens(conn, s, vocab) for s in extra) if t]
            out.append(Clause(word, dedupe(alts), expanded=extra))
        else:
            out.append(c)
    return (out if changed else None), suggestions


def _count(conn, match: str | None) -> int:
    if not match:
        return 0
    return conn.execute("SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ? LIMIT 1)", (match,)).fetchone()[0]


def _title_suggestions(conn, query: str) -> list[str]:
    from rapidfuzz import fuzz, process

    titles = [r[0] for r in conn.execute("SELECT title FROM posts")]
    found = process.extract(query, titles, scorer=fuzz.partial_ratio, limit=3, score_cutoff=70)
    return [f[0] for f in found]



# ---------------------------------------------------------------- for other modules


def post_ids_matching(conn: sqlite3.Connection, terms: list[str]) -> set[int]:
    """Ids of posts holding any of the terms as whole index words (for quiz topics).

    Each term is normalized, cut and synonym-expanded exactly as a query word is, and matched
    as a phrase of whole words: 流 does not match 训练流程 or 视频流 (one word each), while
    "normalizing flow" matches the posts that say 标准化流. Reads the index as it is: a caller that
    may face a changed dictionary refreshes the search part first (kb.derived.refresh).
    """
    expr = terms_expression(conn, terms)
    if expr is None:
        return set()
    return {r[0] for r in conn.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ?", (expr,))}


def terms_expression(conn: sqlite3.Connection, terms: list[str], vocab: Vocabulary | None = None) -> str | None:
    """The FTS5 expression post_ids_matching runs for these terms (any of them), or None when none
    has a word. It depends on the index's vocabulary (a Chinese term is cut against it), so a caller
    that keeps matches (the quiz's topics) keeps the expression too, and compares."""
    vocab = vocab or Vocabulary(conn)
    alts: list[list[str]] = []
    for term in terms:
        tokens = query_tokens(conn, term, vocab)
        if not tokens:
            continue
        alts.append(tokens)
        for syn in synonyms(conn, synonym_key(term)):
            t = query_tokens(conn, syn, vocab)
            if t:
                alts.append(t)
    if not alts:
        return None
    return " OR ".join(phrase(a) for a in dedupe(alts))


def explain_lines(res: SearchResult) -> list[str]:
    """What --explain prints: the cut, the expansions, each MATCH expression tried."""
    lines = []
    for c in res.clauses:
        kind = "exclude" if c.negative else "require"
        alts = " | ".join(" ".join(a) for a in c.alternatives)
        lines.append(f"{kind} {c.source!r}: {alts}")
        if c.expanded:
            lines.append(f"  synonyms: {', '.join(c.expanded)}")
    for step in res.steps:
        lines.append(f"MATCH {step}")
    return lines
