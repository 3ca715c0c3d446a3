"""Snippets: where a post's matched words are in its text, and the window of the text around them.

The index stores English words stemmed (models → model), so its tokens are aligned with the post's own
text to give offsets in it; a snippet never cuts a formula in two.
"""
from __future__ import annotations

import re

from kb.search.segment import SEP, normalize

SNIPPET_CHARS = 90
# A formula the window would cut is taken whole up to this length, else left out of the window.
MAX_FORMULA = 160
_LATIN_AT = re.compile(r"[A-Za-z](?:\+\+|#)(?![A-Za-z0-9+#])|[A-Za-z0-9]+")
_FORMULA_RE = re.compile(r"\\\((?:.|\n)*?(?:\\\)|$)|\\\[(?:.|\n)*?(?:\\\]|$)")


def hits(stored: str, text: str, wanted: set[str], starts: tuple[str, ...] = ()) -> list[tuple[int, int, int, str]]:
    """(token number, start, end, token) of the wanted index words in a post's stored text, offsets in
    the post's own text (a stemmed English word spans the word as written); starts: also tokens that
    start with one of these."""
    if not wanted and not starts:
        return []
    norm = normalize(text)
    out = []
    pos = 0
    for idx, tok in enumerate(stored.split(SEP) if stored else ()):
        n = len(tok)
        if tok[:1].isascii() and tok[:1].isalnum():
            m = _LATIN_AT.match(norm, pos)
            if m:
                n = m.end() - pos
        folded = tok.casefold()
        if folded in wanted or (starts and folded.startswith(starts)):
            out.append((idx, pos, pos + n, folded))
        pos += n
    return out


def snippet_for(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """A window of the original text around the densest hits, and the hits' offsets in it."""
    if not text:
        return "", []
    start = 0
    if spans:
        best, best_n = spans[0][0], 0
        for s, _ in spans:
            n = len({text[a:b].casefold() for a, b in spans if s <= a and b <= s + width})
            if n > best_n:
                best, best_n = s, n
        start = max(0, best - width // 5)
    end = min(len(text), start + width)
    start, end = _around_formulas(text, start, end)
    piece = " ".join(text[start:end].split())  # newlines and runs of spaces: one space
    # Offsets move when white space is squeezed: recompute them on the squeezed window.
    marks = []
    squeezed_pos = _squeeze_map(text[start:end])
    for s, e in spans:
        if s >= start and e <= end:
            a, b = squeezed_pos[s - start], squeezed_pos[e - start]
            if b > a:
                marks.append((a, b))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix)
    return prefix + piece + suffix, [(a + shift, b + shift) for a, b in marks]


def _around_formulas(text: str, start: int, end: int) -> tuple[int, int]:
    """The window moved so that no formula is cut: one it starts or ends inside is taken whole when
    short, else left out."""
    if "\\(" not in text and "\\[" not in text:
        return start, end
    for m in _FORMULA_RE.finditer(text, max(0, start - 2 * MAX_FORMULA), min(len(text), end + 2 * MAX_FORMULA)):
        a, b = m.start(), m.end()
        if a < start < b:
            start = a if b - a <= MAX_FORMULA else b
        if a < end < b:
            end = b if b - a <= MAX_FORMULA else a
    return start, max(start, end)


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


