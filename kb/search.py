"""Full-text search: the FTS5 index kept in sync by the importer, the query language, ranking and snippets.

Any text typed by a user becomes quoted FTS5 phrases of index words: no FTS5 syntax error can reach the user.
"""
from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from kb import segment
from kb.db import get_meta, set_meta, transaction
from kb.segment import SEP

TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0
META_HASH = "search_dict_hash"
META_TOKENS = "search_tokens"
SNIPPET_CHARS = 90
# A multi-word query scores higher when its words stand within this many tokens of each other.
PROXIMITY_WINDOW = 12
MAX_SYNONYM_TOKENS = 6


# ---------------------------------------------------------------- the index


def _fold_tokens(indexed: str) -> list[str]:
    return [t for t in indexed.casefold().split(SEP) if segment.has_word_char(t)]


def index_posts(conn: sqlite3.Connection, post_ids: list[int]) -> None:
    """Bring the index up to date for these posts (inside the caller's transaction)."""
    if _needs_rebuild(conn):
        _rebuild(conn)
        return
    _index(conn, post_ids)


def _index(conn: sqlite3.Connection, post_ids: list[int]) -> None:
    # The vocabulary queries are cut against is FTS5's own (search_vocab, an fts5vocab table):
    # only the total number of word tokens, for the unigram probabilities, is kept here.
    delta = 0
    for i in range(0, len(post_ids), 500):
        chunk = post_ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for old in conn.execute(f"SELECT title, body FROM search_fts WHERE rowid IN ({marks})", chunk):
            delta -= segment.word_count(old[0]) + segment.word_count(old[1])
        conn.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)
        rows = conn.execute(f"SELECT id, title, text FROM posts WHERE id IN ({marks})", chunk).fetchall()
        new = []
        for pid, title, text in rows:
            t_form = segment.stored_form(title or "")
            b_form = segment.stored_form(text or "")
            new.append((pid, t_form, b_form))
            delta += segment.word_count(t_form) + segment.word_count(b_form)
        conn.executemany("INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)", new)
    if delta:
        set_meta(conn, META_TOKENS, str(int(get_meta(conn, META_TOKENS) or 0) + delta))


def _needs_rebuild(conn: sqlite3.Connection) -> bool:
    return get_meta(conn, META_HASH) != segment.dictionary_hash()


def _rebuild(conn: sqlite3.Connection) -> None:
    """Re-cut every post and reload the synonyms: the dictionary or the segmenter changed."""
    conn.execute("DELETE FROM search_fts")
    set_meta(conn, META_TOKENS, "0")
    _load_synonyms(conn)
    ids = [r[0] for r in conn.execute("SELECT id FROM posts ORDER BY id")]
    _index(conn, ids)
    set_meta(conn, META_HASH, segment.dictionary_hash())


def ensure_index(conn: sqlite3.Connection) -> bool:
    """Rebuild the index if the dictionary changed since it was built; returns whether it did.

    A read-only database keeps its index as it is (the search still works, on the old cut).
    """
    if not _needs_rebuild(conn):
        return False
    try:
        with transaction(conn):
            if _needs_rebuild(conn):  # re-checked under the write lock
                _rebuild(conn)
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            return False
        raise
    return True


def index_is_stale(conn: sqlite3.Connection) -> str | None:
    """Why the index needs a rebuild (for kb doctor), or None."""
    if _needs_rebuild(conn):
        return "built with another dictionary or segmenter than the installed one"
    return None


def rebuild_index(conn: sqlite3.Connection) -> None:
    """Rebuild the whole index now, in its own transaction (kb doctor --fix)."""
    with transaction(conn):
        _rebuild(conn)


def synonym_key(text: str) -> str:
    """The form synonyms are matched by: normalized, case-folded, no white space."""
    return "".join(segment.normalize(text).casefold().split())


def synonym_groups() -> list[list[str]]:
    """Bilingual groups: the pairs mined from the posts plus data/synonyms.yaml's curated groups."""
    return [list(p) for p in segment.load_dictionary().get("pairs", [])] + segment.curated_groups()


def _load_synonyms(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM search_synonyms")
    rows = []
    for grp, terms in enumerate(synonym_groups()):
        for term in terms:
            key = synonym_key(term)
            if key:
                rows.append((grp, term.strip(), key))
    conn.executemany("INSERT INTO search_synonyms (grp, term, key) VALUES (?, ?, ?)", rows)


def _config_groups() -> list[list[str]]:
    """The user's own groups (config file `synonyms: {term: [equivalent, …]}`), applied at query
    time: they need no rebuild, a Chinese term is matched as a phrase of index words."""
    from kb import config

    return [[term, *equivalents] for term, equivalents in config.load().synonyms.items()]


def synonyms(conn: sqlite3.Connection, key: str) -> list[str]:
    """Other members of every group holding this key."""
    rows = conn.execute(
        "SELECT DISTINCT s.term, s.key FROM search_synonyms s"
        " JOIN search_synonyms k ON k.grp = s.grp WHERE k.key = ? AND s.key != ? ORDER BY s.grp, s.rowid",
        (key, key),
    ).fetchall()
    for group in _config_groups():
        if key in {synonym_key(t) for t in group}:
            rows += [(t, synonym_key(t)) for t in group]
    seen, out = {key}, []
    for term, k in rows:
        if k not in seen:
            seen.add(k)
            out.append(term)
    return out


def _synonym_keys(conn: sqlite3.Connection, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    marks = ",".join("?" * len(keys))
    found = {r[0] for r in conn.execute(f"SELECT DISTINCT key FROM search_synonyms WHERE key IN ({marks})", keys)}
    user = {synonym_key(t) for group in _config_groups() for t in group}
    return found | (user & set(keys))


# ---------------------------------------------------------------- the query language


@dataclass
class Clause:
    """One condition: any of its alternatives (each a phrase of index words) must occur."""

    source: str
    alternatives: list[list[str]]
    negative: bool = False
    expanded: list[str] = field(default_factory=list)  # synonyms that were added


_CJK_SPACE_RE = re.compile(rf"(?<=[{segment._CJK}])\s+(?=[{segment._CJK}])")


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


def parse(conn: sqlite3.Connection, query: str, vocab: segment.Vocabulary | None = None) -> list[Clause]:
    """A query → clauses (AND of positives, minus negatives), synonyms expanded."""
    vocab = vocab or segment.Vocabulary(conn)
    clauses: list[Clause] = []
    plain: list[str] = []  # tokens of consecutive plain words, expanded together

    def flush() -> None:
        if plain:
            clauses.extend(_expand(conn, plain, vocab))
            plain.clear()

    items = lex(query)
    for k, item in enumerate(items):
        tokens = segment.query_tokens(conn, item.text, vocab)
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
                    clause.alternatives = _dedupe(clause.alternatives + [segment.query_tokens(conn, joined, vocab)])
            if not item.quoted and not item.negative:
                clause.expanded = synonyms(conn, synonym_key(item.text))
                clause.alternatives += [t for t in (segment.query_tokens(conn, s, vocab) for s in clause.expanded) if t]
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


def _expand(conn: sqlite3.Connection, tokens: list[str], vocab: segment.Vocabulary) -> list[Clause]:
    """Plain words → one clause per word, except runs of words that name a synonym group."""
    spans = {
        "".join(tokens[i:j])
        for i in range(len(tokens))
        for j in range(i + 1, min(len(tokens), i + MAX_SYNONYM_TOKENS) + 1)
    }
    known = _synonym_keys(conn, [synonym_key(s) for s in spans])
    out: list[Clause] = []
    i = 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + MAX_SYNONYM_TOKENS), i, -1):
            key = synonym_key("".join(tokens[i:j]))
            if key in known:
                extra = synonyms(conn, key)
                alts = [tokens[i:j]] + [t for t in (segment.query_tokens(conn, s, vocab) for s in extra) if t]
                out.append(Clause(" ".join(tokens[i:j]), _dedupe(alts), expanded=extra))
                i = j
                break
        else:
            out.append(Clause(tokens[i], [[tokens[i]]]))
            i += 1
    return out


def _dedupe(alts: list[list[str]]) -> list[list[str]]:
    seen, out = set(), []
    for a in alts:
        if tuple(a) not in seen:
            seen.add(tuple(a))
            out.append(a)
    return out


def _phrase(tokens: list[str], prefix: bool = False) -> str:
    body = " ".join(t.replace('"', '""') for t in tokens)
    return f'"{body}"' + ("*" if prefix else "")


def _clause_expr(clause: Clause, prefix: bool = False) -> str:
    alts = [_phrase(a, prefix) for a in clause.alternatives]
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


# ---------------------------------------------------------------- searching


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

    ensure_index(conn)
    vocab = segment.Vocabulary(conn, word_starts=True)
    clauses = parse(conn, query, vocab)
    if not clauses:
        raise UsageError("nothing to search for: give a word (letters or digits)" + (f", not {query!r}" if query.strip() else ""))
    cat = None
    if category:
        from kb.query import resolve_category

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
                if _count(conn, _phrase([tok])) > 0:
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
            alts += [t for t in (segment.query_tokens(conn, s, vocab) for s in extra) if t]
            out.append(Clause(word, _dedupe(alts), expanded=extra))
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
    "normalizing flow" matches the posts that say 标准化流. Does not rebuild a stale index:
    call ensure_index first when the dictionary may have changed.
    """
    vocab = segment.Vocabulary(conn)
    alts: list[list[str]] = []
    for term in terms:
        tokens = segment.query_tokens(conn, term, vocab)
        if not tokens:
            continue
        alts.append(tokens)
        for syn in synonyms(conn, synonym_key(term)):
            t = segment.query_tokens(conn, syn, vocab)
            if t:
                alts.append(t)
    if not alts:
        return set()
    expr = " OR ".join(_phrase(a) for a in _dedupe(alts))
    return {r[0] for r in conn.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ?", (expr,))}


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
