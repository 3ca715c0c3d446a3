"""Paragraphs wrapped for Chinese and English alike: a line may break between two Chinese characters,
never inside an English word or a formula, never before closing punctuation.

Rich breaks lines only at spaces; Wrapped lays out the lines itself and hands Rich each one.
"""
from __future__ import annotations

from functools import lru_cache

from kb.show.latex import PLACEHOLDER

class Wrapped:
    """A paragraph wrapped for Chinese: a line may break between any two Chinese characters.

    Rich breaks lines only at spaces, so an unspaced Chinese run is one "word": lines end early
    and an English word inside the run (Gumbel) gets cut in two. Here English words stay whole,
    punctuation stays with the character before it, and continuation lines keep the indent.
    """

    def __init__(self, text, indent: int = 0, bullet: str = ""):
        self.text = text
        self.indent = indent
        self.bullet = bullet  # replaces the indent on the first line ("• ")

    def __rich_console__(self, console, options):
        from rich.text import Text

        width = max(options.max_width - self.indent, 8)
        # A formula is not broken at its own single spaces ("x ∈" / "{0,1}ⁿ" on two lines), nor
        # between two Chinese characters of its \text{…}; only at its wider gaps.
        keep = [
            (span.start, span.end) for span in self.text.spans
            if not isinstance(span.style, str) and span.style.meta.get("kb") == "math"
        ]
        for i, (start, end) in enumerate(wrap_offsets(self.text.plain, width, keep)):
            lead = self.bullet if i == 0 and self.bullet else " " * self.indent
            line = Text(lead, end="\n", no_wrap=True, overflow="fold")
            line.append_text(self.text[start:end])
            yield line


_OPEN = set("(《「『【〈“‘([")
_CLOSE = set(",。、;:!?)》」』】〉”’…·%,.;:!?)]")


def _wide(ch: str) -> bool:
    # CJK, Hangul, full-width forms: a line may break before any of these (a range test is
    # cheaper than compiling a regex class of them on every start-up)
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF
        or 0xFE30 <= o <= 0xFE4F or 0xFF00 <= o <= 0xFFEF or 0x20000 <= o <= 0x3FFFF
    )


def _tokens(plain: str):
    """(kind, start, end): "nl", "space", or a piece no line break may split."""
    i, n = 0, len(plain)
    while i < n:
        ch = plain[i]
        j = i + 1
        if ch == "\n":
            yield "nl", i, j
        elif ch in " \t":
            while j < n and plain[j] in " \t":
                j += 1
            yield "space", i, j
        else:
            if plain.startswith(PLACEHOLDER, i):
                j = i + len(PLACEHOLDER)
            else:
                j = i
                while j < n and plain[j] in _OPEN:
                    j += 1
                if j < n and _wide(plain[j]):
                    j += 1
                else:
                    while j < n and not plain[j].isspace() and not _wide(plain[j]):
                        j += 1
                j = max(j, i + 1)
            while j < n and plain[j] in _CLOSE:
                j += 1
            # The captures often space closing punctuation off ("思想 。", "0 ,总之"): it still
            # belongs to the word before it, never at the start of the next line.
            k = j
            while k < n and plain[k] in " \t":
                k += 1
            if k > j and k < n and plain[k] in _CLOSE:
                j = k
                while j < n and plain[j] in _CLOSE:
                    j += 1
            yield "word", i, j
        i = j


@lru_cache(maxsize=1)
def math_style():
    # italic, and marked (meta, which prints nothing) so that Wrapped keeps the formula whole
    from rich.style import Style

    return Style(italic=True, meta={"kb": "math"})


def _kept_together(tokens, keep: list[tuple[int, int]], fits):
    """The tokens with each keep span made one word, but for its wider gaps (two or more spaces).

    The words of a span's \\text{连续情形} or its single spaces continue the word before them.
    A piece that would not fit on a line (fits(start, end) is false) keeps its own break points.
    """
    run: list = []  # the tokens of the word being grown

    def continues(kind: str, t0: int, t1: int) -> bool:
        if not run or t0 != run[-1][2]:
            return False
        if kind == "space":
            return t1 - t0 == 1 and any(a < t0 and t1 <= b for a, b in keep)
        return kind == "word" and any(a < t0 < b for a, b in keep)

    def flush():
        if len(run) > 1 and fits(run[0][1], run[-1][2]):
            yield "word", run[0][1], run[-1][2]
        else:
            yield from run
        run.clear()

    for tok in tokens:
        if continues(*tok):
            run.append(tok)
            continue
        yield from flush()
        if tok[0] == "word":
            run.append(tok)
        else:
            yield tok
    yield from flush()


def wrap_offsets(plain: str, width: int, keep: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of each line of plain wrapped to width cells; no break inside keep spans."""
    from rich.cells import cell_len

    lines: list[tuple[int, int]] = []
    start = end = None  # the current line's first and last-visible offsets
    used = 0
    pending_space = 0

    def flush():
        nonlocal start, end, used, pending_space
        if start is not None:
            lines.append((start, end))
        start = end = None
        used = pending_space = 0

    tokens = _tokens(plain)
    if keep:
        tokens = _kept_together(tokens, keep, lambda a, b: cell_len(plain[a:b]) <= width)
    for kind, t0, t1 in tokens:
        if kind == "nl":
            if start is None:
                lines.append((t0, t0))
            flush()
            continue
        if kind == "space":
            if start is not None:
                pending_space = t1 - t0
            continue
        w = cell_len(plain[t0:t1])
        if start is not None and used + pending_space + w <= width:
            used += pending_space + w
            end = t1
            pending_space = 0
            continue
        flush()
        if w <= width:
            start, end, used = t0, t1, w
            continue
        # A word longer than the line (a long URL): cut it by characters.
        i = t0
        while i < t1:
            j, cells = i, 0
            while j < t1 and cells + cell_len(plain[j]) <= width:
                cells += cell_len(plain[j])
                j += 1
            j = max(j, i + 1)
            start, end, used = i, j, cells
            if j < t1:
                flush()
            i = j
    flush()
    return lines
