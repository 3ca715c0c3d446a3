"""Searching: the best posts first for a query — the posts matching every clause (a word, its synonyms,
glosses, glossary terms, words holding it) above those matching fewer, then BM25 with the title
weighted, proximity and recency — and what to say when the query matched only in part, or nothing.

Reads the index kb.search.index keeps; queries are parsed by kb.search.query.
"""
from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field

from kb.posts.reads import resolve_category
from kb.search import expand
from kb.search import score as score_mod
from kb.search.query import Alt, Clause, alts_expression, match_expression, negative_expression, parse
from kb.search.snippets import hits as find_hits
from kb.search.snippets import snippet_for
from kb.search.synonyms import synonym_key, synonyms
from kb.search.vocabulary import Vocabulary, query_tokens

TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0
# A multi-word query scores higher when its words stand within this many tokens of each other.
PROXIMITY_WINDOW = 12
# A clause counts as matched from this cover on: a word inside a longer word covers 0.9, a post with
# every part of a clause (深度, 可分离, 卷积 of 深度可分离卷积, apart) PART_CAP.
PART_CAP = 0.8
MATCHED = PART_CAP - 1e-6
# A post writing the query's English words in the form typed (not only their stem) scores up to this much more.
SURFACE_BONUS = 0.3
# How close (rapidfuzz's fuzz.ratio) an index word must be to a query word that matches nothing to
# be taken as what it meant.
TYPO_RATIO = 80


@dataclass
class SearchResult:
    results: list[dict]
    clauses: list[Clause]
    match: str | None
    notes: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)


def search(
    conn: sqlite3.Connection, query: str, *, category: str | None = None, limit: int = 10, require_all: bool = False
) -> SearchResult:
    """Posts best first for a query (see the module's docstring); a misspelt word is corrected."""
    from kb.errors import UsageError

    vocab = Vocabulary(conn, word_starts=True)
    clauses = parse(conn, query, vocab, require_all=require_all)
    if not clauses:
        raise UsageError("nothing to search for: give a word (letters or digits)" + (f", not {query!r}" if query.strip() else ""))
    cat = resolve_category(conn, category) if category else None
    limit = limit if limit and limit > 0 else 1_000_000
    match = match_expression(clauses)
    res = SearchResult([], clauses, match)
    if match is None:  # exclusions only: every other post, newest first
        res.steps.append("exclusions only: all other posts, newest first")
        res.results = _all_but(conn, negative_expression(clauses), cat, limit)
        return res
    per_clause, tops = _matches(conn, clauses, cat, limit, res.steps)
    corrected, suggestions = _corrections(conn, clauses, per_clause, vocab)
    if corrected is not None:
        res.clauses = clauses = corrected
        per_clause, tops = _matches(conn, clauses, cat, limit, res.steps)
        res.match = match_expression(clauses)
        res.suggestions = suggestions
    res.results = _rank(conn, clauses, per_clause, tops, limit, vocab)
    if not res.results:
        res.notes.append("no post matches")
        if not res.suggestions:
            res.suggestions = _title_suggestions(conn, query)
        return res
    if corrected is not None:
        res.notes.append("no post has " + ", ".join(repr(w) for w, _ in suggestions) + "; showing results for: "
                         + ", ".join(s for _, s in suggestions))
        res.suggestions = [s for _, s in suggestions]
    res.notes += _partial_notes(clauses, res.results)
    return res


def _positives(clauses: list[Clause]) -> list[Clause]:
    return [c for c in clauses if not c.negative]


def _matches(conn, clauses: list[Clause], cat: str | None, limit: int, steps: list[str]) -> tuple[list[dict[int, tuple[float, float]]], set[int]]:
    """For each positive clause: post id → (cover, BM25 × weight of the best alternative); and the posts
    each alternative ranks highest by itself (the shortlist scored in full, whatever the others say)."""
    positives = _positives(clauses)
    neg = negative_expression(clauses)
    required = [c for c in positives if c.required]
    # With one clause to match, the best of each alternative's posts are all the list can show.
    top = max(limit * 3, 30) if limit < 1_000_000 else None
    cap = top if len(positives) == 1 else None
    out = []
    tops: set[int] = set()
    for c in positives:
        # Each alternative on its own (its best posts make the shortlist); the many words holding the
        # clause's word are one group.
        groups: dict[tuple, list[Alt]] = {}
        for a in c.alts:
            key = (a.weight, a.cover, a.parts) if a.kind == "inside" else (a.weight, a.cover, a.parts, tuple(a.tokens))
            groups.setdefault(key, []).append(a)
        whole: dict[int, tuple[float, float]] = {}
        parts: dict[int, dict[int, tuple[float, float]]] = {}
        for (weight, cover, covered, *_), alts in groups.items():
            expr = alts_expression([a.tokens for a in alts])
            if expr is None:
                continue
            if neg:
                expr = f"{expr} NOT {neg}"
            steps.append(f"{c.source!r} {alts[0].kind} ×{weight:g}: {expr}")
            hits = _run(conn, expr, cat, cap)
            tops.update(pid for pid, _ in (hits[:top] if top else hits))
            for pid, bm in hits:
                score = -bm * weight
                for slot, key in ([(parts.setdefault(pid, {}), k) for k in covered] if covered else [(whole, pid)]):
                    old = slot.get(key)
                    slot[key] = (cover, score) if old is None else (max(old[0], cover), max(old[1], score))
        found = dict(whole)
        for pid, got in parts.items():
            cov = PART_CAP * sum(c.shares[k] * v[0] for k, v in got.items())
            score = sum(c.shares[k] * v[1] for k, v in got.items())
            old = found.get(pid, (0.0, 0.0))
            found[pid] = (max(old[0], cov), max(old[1], score))
        out.append(found)
    if required:
        keep = set.intersection(*({p for p, v in m.items() if v[0] >= MATCHED} for c, m in zip(positives, out) if c.required))
        out = [{pid: v for pid, v in m.items() if pid in keep} for m in out]
        tops &= keep
    return out, tops


def _run(conn, expr: str, cat: str | None, cap: int | None) -> list[tuple[int, float]]:
    sql = f"SELECT search_fts.rowid, bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS bm FROM search_fts"
    args: list = [expr]
    if cat:
        sql += " JOIN posts ON posts.id = search_fts.rowid WHERE search_fts MATCH ? AND posts.category = ?"
        args.append(cat)
    else:
        sql += " WHERE search_fts MATCH ?"
    sql += " ORDER BY bm"
    if cap:
        sql += " LIMIT ?"
        args.append(cap)
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:  # never the user's fault: quoting covers every input
        from kb.errors import KbError

        raise KbError(f"search failed on {expr!r}: {exc}") from None


def _rank(conn, clauses: list[Clause], per_clause: list[dict], tops: set[int], limit: int, vocab) -> list[dict]:
    """Posts by how much of the query they match (coverage), then concept BM25F (kb.search.score)
    raised by proximity and by the query's own word forms, then recency."""
    cover: dict[int, float] = {}
    approx: dict[int, float] = {}
    for m in per_clause:
        for pid, (cov, bm) in m.items():
            cover[pid] = cover.get(pid, 0.0) + cov
            approx[pid] = approx.get(pid, 0.0) + bm
    if not cover:
        return []
    order = sorted(cover, key=lambda p: (-round(cover[p], 3), -approx[p], p))
    if limit < 1_000_000:
        # The posts that can be shown: the best by coverage and BM25, and each alternative's own best
        # of the highest coverage (a post about 价值函数 that an English word's BM25 ranks low).
        best = round(cover[order[0]], 3)
        shortlist = list(dict.fromkeys(order[: max(limit * 3, 30)] + sorted(p for p in tops if round(cover[p], 3) >= best)))
    else:
        shortlist = order
    rows = _rows(conn, shortlist)
    positives = _positives(clauses)
    sets = [{t for alt in c.alternatives for t in alt} for c in positives]
    wanted = set().union(*sets) if sets else set()
    idfs = _idfs(conn, positives, vocab)
    columns = {row["id"]: _columns(row) for row in rows}
    mean_len = sum(len(b[0]) for _, b in columns.values()) / max(len(columns), 1) or 1.0
    out = []
    for row in rows:
        title, body = columns[row["id"]]
        score = sum(_clause_score(title, body, len(body[0]) / mean_len, c, idf) for c, idf in zip(positives, idfs))
        found = find_hits(row["body"], row["text"], wanted)
        score *= 1.0 + 0.5 * _proximity(found, sets)
        score *= 1.0 + SURFACE_BONUS * _surface_share(row, found, positives)
        matched = [c.source for c, m in zip(positives, per_clause) if m.get(row["id"], (0,))[0] >= MATCHED]
        out.append((round(cover[row["id"]], 3), score, row, found, matched))
    # Recency breaks ties: rank 1 is the newest post.
    out.sort(key=lambda t: (-t[0], -round(t[1], 6), t[2]["rank"] if t[2]["rank"] is not None else 1 << 30, t[2]["id"]))
    return [_result(row, score, found, matched, cov) for cov, score, row, found, matched in out[:limit]]


def _clause_score(title, body, length_ratio: float, clause: Clause, idf) -> float:
    """A clause's BM25F from its alternatives standing for the whole; from its parts (the words of
    深度可分离卷积, markov of markov chain) only when none of those occurs, each part by its own IDF,
    weighted by its share of the clause, and then at a fraction."""
    whole_idf, part_idfs = idf
    full = [(a.tokens, a.weight) for a in clause.alts if not a.parts and a.cover >= MATCHED]
    got = score_mod.clause_score(title, body, length_ratio, full, whole_idf)
    if got > 0 or not clause.shares:
        return got
    total = 0.0
    for k, share in enumerate(clause.shares):
        alts = [(a.tokens, a.weight) for a in clause.alts if k in a.parts]
        total += share * score_mod.clause_score(title, body, length_ratio, alts, part_idfs[k])
    return total * 0.5


def _columns(row):
    from collections import Counter

    title, body = score_mod.words(row["stitle"]), score_mod.words(row["body"])
    return (title, Counter(title)), (body, Counter(body))


def _idfs(conn, positives: list[Clause], vocab) -> list[tuple[float, list[float]]]:
    """Each clause's IDF as one concept (the posts holding any of its alternatives standing for the
    whole, at most all), and each of its parts' own."""
    total = conn.execute("SELECT max(rowid) FROM search_fts").fetchone()[0] or 1
    docs = vocab.docs({t for c in positives for a in c.alts for t in a.tokens})

    def idf(alts: list[Alt]) -> float:
        n = sum(min(docs.get(t, 0) for t in a.tokens) for a in alts if a.tokens)
        return score_mod.concept_idf(min(n, total), total)

    return [(idf([a for a in c.alts if not a.parts]), [idf([a for a in c.alts if k in a.parts]) for k in range(len(c.shares))])
            for c in positives]


def _surface_share(row, found: list[tuple[int, int, int, str]], positives: list[Clause]) -> float:
    """The share of clauses whose English words the post does not write in another form than the
    query's (tokenizer, not only token: both are stored as their stem token). A post matching a clause
    by another word (its translation) is not counted down."""
    with_surface = [c for c in positives if c.surface]
    if not with_surface:
        return 0.0
    text, title = row["text"], (row["title"] or "").casefold()
    written = {text[a:b].casefold() for _, a, b, _ in found}
    tokens = {tok for *_, tok in found}
    other_form = sum(1 for c in with_surface if set(c.alts[0].tokens) & tokens
                     and not (c.surface & written or any(w in title for w in c.surface)))
    return 1.0 - other_form / len(positives)


def _partial_notes(clauses: list[Clause], results: list[dict]) -> list[str]:
    """What to say when the best results match only part of the query, or a word only inside others."""
    positives = _positives(clauses)
    notes = []
    best = set(results[0]["matched"])
    missing = [c.source for c in positives if c.source not in best]
    if missing and len(positives) > 1:
        notes.append("no post has all the words; the best results lack: " + ", ".join(missing))
    elif len(positives) == 1 and results[0]["cover"] < 1.0:
        notes.append(f"no post has the word {positives[0].source!r}; showing posts with words that contain it")
    return notes


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
    return [_result(r, 0.0, [], []) for r in rows]


def _rows(conn, ids: list[int]) -> list[sqlite3.Row]:
    out = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        out += conn.execute(
            "SELECT p.id, p.slug, p.title, p.text, p.category, p.date, p.rank, p.date_after, p.date_before,"
            f" f.title AS stitle, f.body FROM posts p JOIN search_fts f ON f.rowid = p.id WHERE p.id IN ({marks})",
            chunk,
        ).fetchall()
    return out


def _proximity(found: list[tuple[int, int, int, str]], sets: list[set[str]]) -> float:
    """1.0 when every positive clause has a word within PROXIMITY_WINDOW tokens of the others."""
    if len(sets) < 2:
        return 0.0
    last: dict[int, int] = {}
    best = None
    for idx, _, _, tok in found:
        for k, words in enumerate(sets):
            if tok in words:
                last[k] = idx
        if len(last) == len(sets):
            span = idx - min(last.values())
            best = span if best is None else min(best, span)
    if best is None:
        return 0.0
    # Token numbers count the white space between words too: allow for it.
    return max(0.0, 1.0 - max(0, best - 2 * len(sets) + 2) / (2 * PROXIMITY_WINDOW))


def _result(row, score: float, found: list[tuple[int, int, int, str]], matched: list[str], cover: float = 0.0) -> dict:
    snippet, marks = snippet_for(row["text"], [(a, b) for _, a, b, _ in found])
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
        "matched": matched,
        "cover": cover,
    }


def _corrections(conn, clauses: list[Clause], per_clause: list[dict], vocab) -> tuple[list[Clause] | None, list[tuple[str, str]]]:
    """Clauses that match nothing, their misspelt Latin words replaced by the closest index word
    (rapidfuzz), if any is close; and (word, correction) pairs."""
    empty = {id(c) for c, m in zip(_positives(clauses), per_clause) if not m}
    if not empty:
        return None, []
    from rapidfuzz import fuzz, process

    changed: list[tuple[str, str]] = []
    out: list[Clause] = []
    for c in clauses:
        own = c.alts[0].tokens
        if id(c) not in empty or not any(t.isascii() and t.isalpha() and len(t) >= 4 for t in own):
            out.append(c)
            continue
        fixed = []
        for tok in own:
            found = None
            if len(tok) >= 4 and tok.isascii() and tok.isalpha() and not vocab.counts([tok])[tok]:
                found = process.extractOne(tok, _spelling_choices(conn, len(tok)), scorer=fuzz.ratio,
                                           score_cutoff=TYPO_RATIO)
            fixed.append(found[0] if found else tok)
        if fixed == own:
            out.append(c)
            continue
        word = " ".join(fixed)
        changed.append((c.source, word))
        clause = Clause(word, [Alt(fixed)], required=c.required)
        for tokens, kind, weight, cover, term in expand.widen(conn, fixed, vocab):
            clause.alts.append(Alt(tokens, kind, weight, cover))
            if term:
                clause.expanded.append(term)
        out.append(clause)
    return (out if changed else None), changed


def _spelling_choices(conn, n: int) -> list[str]:
    """The index words a misspelt word of n characters may be meant as, most frequent first: Latin
    words only (a Chinese word "close" to another is another word), and only those of a length that
    can reach TYPO_RATIO (fuzz.ratio is at most 2·min/(n+m): m within n/1.5 … 1.5·n), read by length
    from search_spelling, so the cost follows the words of that length, not the index's size."""
    low, high = max(1, math.floor(n / 1.5)), math.ceil(n * 1.5)
    try:
        return [r[0] for r in conn.execute(
            "SELECT term FROM search_spelling WHERE len BETWEEN ? AND ? ORDER BY cnt DESC, term", (low, high))]
    except sqlite3.OperationalError:  # a read-only database from before search_spelling
        return [r[0] for r in conn.execute(
            "SELECT term FROM search_vocab WHERE length(term) > 3 AND term GLOB '[a-z]*' ORDER BY cnt DESC")]


def _title_suggestions(conn, query: str) -> list[str]:
    from rapidfuzz import fuzz, process

    titles = [r[0] for r in conn.execute("SELECT title FROM posts")]
    found = process.extract(query, titles, scorer=fuzz.partial_ratio, limit=3, score_cutoff=70)
    return [f[0] for f in found]


# ---------------------------------------------------------------- for other modules


def post_ids_matching(conn: sqlite3.Connection, terms: list[str]) -> set[int]:
    """Ids of posts holding any of the terms as whole index words (for quiz topics).

    Each term is normalized, cut and expanded by the curated synonyms as a query word is (not by the
    glossary, nor inside other words: a topic is its own terms), and matched as a phrase of whole
    words: 流 does not match 训练流程 or 视频流 (one word each), while "normalizing flow" matches the
    posts that say 标准化流. Reads the index as it is: a caller that may face a changed dictionary
    refreshes the search part first (kb.derived.refresh).
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
    return alts_expression(list(dict.fromkeys(map(tuple, alts)))) or None


def explain_lines(res: SearchResult) -> list[str]:
    """What --explain prints: the cut, the expansions with their weights, each MATCH expression tried."""
    lines = []
    for c in res.clauses:
        kind = "exclude" if c.negative else ("require" if c.required else "optional")
        alts = " | ".join(" ".join(a) for a in c.alternatives[:1] + [a.tokens for a in c.alts[1:] if a.kind in ("query", "synonym")])
        lines.append(f"{kind} {c.source!r}: {alts}")
        by_kind: dict[str, list[str]] = {}
        for a in c.alts[1:]:
            if a.kind not in ("query", "synonym"):
                by_kind.setdefault(a.kind, []).append(f"{' '.join(a.tokens)} ×{a.weight:.2g}")
        if c.expanded:
            lines.append(f"  expansions: {', '.join(c.expanded)}")
        for kind_name, items in by_kind.items():
            lines.append(f"  {kind_name}: {', '.join(items)}")
    for step in res.steps:
        lines.append(f"MATCH {step}")
    return lines
