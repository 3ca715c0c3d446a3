"""Whether a capture is a listing page: its excerpt lines must read as the prose of listing cards,
not as source code, a log, a table, data or markup. A file that is no listing page adds nothing.

The rule (README.md, "Capture format") was drawn from the bundled and the real-text captures and
checked on files of other kinds (tests/test_listing.py); pure functions over a parsed Capture.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from kb.posts.capture import Capture
from kb.text import CJK

# A card's text says something: at least this many words (a Chinese character counts as one).
MIN_CARD_WORDS = 8
# Characters prose hardly uses but code, data and markup live on (outside formulas and URLs).
CODE_CHARS = "{}[]<>=;|\\$#@`~^*_&%+"
_CODE_CHAR_RE = re.compile("[" + re.escape(CODE_CHARS) + "]")
_SPACE_RE = re.compile(r"\s")
_LETTER_RE = re.compile(r"[^\W\d_]")
JUDGED_CHARS = 2000
MAX_CODE_SHARE = 0.05
# A line this much Chinese is Chinese prose; other prose is mostly letters.
MIN_CJK_SHARE = 0.3
MIN_LETTER_SHARE = 0.6
# A line of short fields between commas, semicolons or pipes is a table's row.
MAX_FIELD_CHARS = 40
_FIELD_RE = re.compile(r"[,;|]")
# At least this share of a file's excerpt lines must read as cards.
MIN_CARD_SHARE = 0.5
# A table: most lines split into the same number of fields (3 or more) by one delimiter.
TABLE_MIN_LINES = 3
TABLE_SHARE = 0.8
TABLE_SAMPLE = 200  # lines read for it, spread over the file

# A formula is no prose (and a card the site cut may end inside one).
_MATH_RE = re.compile(r"\\\(.*?(?:\\\)|$)|\\\[.*?(?:\\\]|$)|\$\$.*?(?:\$\$|$)|\$[^$\n]+\$", re.S)
_URL_RE = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")
# A file path or module path (src/lib.rs, kb/posts/capture.py): names for code, not words of prose.
_PATH_RE = re.compile(r"[^\s/]*/[^\s/]+/?[^\s]*|\b\w+\.(?:py|rs|js|ts|c|h|cpp|go|java|rb|sh|json|ya?ml|toml|html?|css|md|txt|log|csv)\b")
_WORD_RE = re.compile(rf"[{CJK}]|[^\W\d_]{{2,}}")
_LOG_RE = re.compile(
    r"^.{0,40}?\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d"
    r"|^\[?(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\d\d:\d\d:\d\d|[A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d|\d{10}(?:\.\d+)?\b)"
    r"|^\[?(?:DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL|TRACE)\b"
    r"|^[A-Z][\w-]*-Date: "
)
# key: value, key = value, "key": value, - item, [section] — YAML, INI, TOML, JSON, e-mail headers.
_DATA_RE = re.compile(
    r"""^(?:[a-z_][\w.-]*|"[^"]{1,80}"|'[^']{1,80}')\s*[:=](?:\s|$)|^[\w.-]+:$|^- |^\[[\w. "'-]+\]$|^[\[{]\s*$|^[\]}],?$"""
)
_CODE_START_RE = re.compile(
    r"^(?:def|class|import|from\s+[\w.]+\s+import|return|raise|assert|yield|async|await|elif|else|try|except|finally|"
    r"with|lambda|function|var|let|const|public|private|protected|static|void|package|using|namespace|fn|pub|impl|"
    r"struct|enum|#include|#define|#!|SELECT|INSERT|UPDATE|DELETE|CREATE|DROP)\b"
    r"|^(?:\*/|@\w|>>>|\$ |\}|\)|\]|\"\"\"|\'\'\')"
)
_COMMENT_RE = re.compile(r"^(?:#|//|/\*|<!--|-- |; )")
_CODE_END_RE = re.compile(r"[{};(\[,\\]$|:$")
_CODE_INSIDE_RE = re.compile(r"==|!=|->|=>|::|&&|\|\||\+=|-=|\(\)|\w\(\w*\)|\w\.\w+\(|\w\[\w")
_MARKUP_RE = re.compile(r"<!doctype|</?[a-z][a-z0-9-]*(?:\s[^<>]*)?/?>", re.I)

KINDS = {
    "code": "source code",
    "comment": "comments (#, //)",
    "log": "a log",
    "data": "data (JSON, YAML, key = value)",
    "markup": "markup (HTML or XML tags)",
    "table": "rows of a table (CSV, TSV)",
    "short": "a few words, no card's text",
    "symbols": "symbols rather than prose",
}


@dataclass(frozen=True)
class Verdict:
    """What the rule found: cards and other lines by kind, and the reason a file is refused."""

    cards: int
    others: dict[str, int]
    reason: str | None  # None: a listing page

    @property
    def listing(self) -> bool:
        return self.reason is None


def line_kind(text: str) -> str:
    """'card' for a line that reads as a listing card's prose, else what it looks like (judged on
    its first JUDGED_CHARS characters: a card's start says what it is)."""
    text = text[:JUDGED_CHARS]
    if _LOG_RE.match(text):
        return "log"
    if _MARKUP_RE.search(text):
        return "markup"
    if _DATA_RE.match(text):
        return "data"
    prose = _URL_RE.sub(" ", _MATH_RE.sub(" ", text))
    if _COMMENT_RE.match(prose):
        return "comment"
    if _CODE_START_RE.match(prose):
        return "code"
    # Counted by regular expressions, not character by character: an import judges every line.
    visible = len(prose) - _SPACE_RE.subn("", prose)[1]
    cjk = _cjk_re().subn("", prose)[1]
    if cjk >= MIN_CARD_WORDS and cjk >= MIN_CJK_SHARE * visible:
        # Chinese prose, whatever formulas written as plain text (x_1w_1 + x_2w_2) it holds.
        return "card"
    if _CODE_INSIDE_RE.search(prose) or _CODE_END_RE.search(prose.rstrip()):
        return "code"
    words = len(_WORD_RE.findall(prose))
    pathy = sum(len(m.group()) for m in _PATH_RE.finditer(prose))
    symbols = _CODE_CHAR_RE.subn("", prose)[1] + pathy > MAX_CODE_SHARE * visible
    letters = _LETTER_RE.subn("", prose)[1]
    fields = _FIELD_RE.split(text)
    if "\t" in text or (len(fields) >= 3 and max(len(f) for f in fields) <= MAX_FIELD_CHARS):
        return "table"
    if not symbols and words >= MIN_CARD_WORDS and letters >= MIN_LETTER_SHARE * visible:
        return "card"
    return "symbols" if symbols or letters < MIN_LETTER_SHARE * visible else "short"


@lru_cache(maxsize=1)
def _cjk_re() -> re.Pattern:
    return re.compile(f"[{CJK}]")


def table_shape(lines: list[str]) -> tuple[str, int] | None:
    """(delimiter, fields) when most lines are rows of one table, else None."""
    if len(lines) < TABLE_MIN_LINES:
        return None
    for delimiter in (",", "\t", ";", "|"):
        rows = csv.reader((line.replace("\r", " ") for line in lines), delimiter=delimiter)
        counts = Counter(len(row) for row in rows)
        fields, n = counts.most_common(1)[0]
        if fields >= (2 if delimiter == "\t" else 3) and n >= TABLE_SHARE * len(lines):
            return delimiter, fields
    return None


def judge(cap: Capture, data: bytes | None = None, *, every_line: bool = False) -> Verdict:
    """Whether the capture is a listing page; data: a text file's bytes, for the checks of a whole file.

    A listing page is known as soon as half its lines read as cards: the rest are judged only with
    every_line (an import judges every file it reads, and most are listing pages)."""
    lines = [ex.text for ex in cap.excerpts]
    if data is not None and _is_json(data):
        return Verdict(0, {"data": len(lines)}, "it is JSON data")
    shape = table_shape(lines[:: max(1, len(lines) // TABLE_SAMPLE)])
    if shape is not None:
        name = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}[shape[0]]
        return Verdict(0, {"table": len(lines)}, f"it is a table: its lines are rows of {shape[1]} {name}-separated fields")
    total = len(lines)
    kinds: Counter = Counter()
    for line in lines:
        kinds[line_kind(line)] += 1
        if not every_line and kinds["card"] >= MIN_CARD_SHARE * total:
            break
    cards = kinds.pop("card", 0)
    others = dict(kinds)
    if not total:
        return Verdict(0, others, "it has no line that could be a listing card")
    if cards and cards >= MIN_CARD_SHARE * total:
        return Verdict(cards, others, None)
    # What the lines look like: comments and short lines say least, so another kind names it first.
    kind, n = Counter(others).most_common(1)[0]
    telling = Counter({k: v for k, v in others.items() if k not in ("comment", "short")}).most_common(1)
    if kind in ("comment", "short") and telling and telling[0][1] >= 0.25 * sum(others.values()):
        kind, n = telling[0]
    what = KINDS[kind]
    if not cards:
        if total == 1:
            return Verdict(0, others, f"its one line does not read as a listing card's text (it looks like {what})")
        return Verdict(0, others, f"none of its {total:,} lines reads as a listing card's text (they look like {what})")
    return Verdict(cards, others, f"only {cards:,} of its {total:,} lines read as a listing card's text ({n:,} {'looks' if n == 1 else 'look'} like {what})")



def _is_json(data: bytes) -> bool:
    body = data.lstrip(b"\xef\xbb\xbf").strip()
    if not body or body[:1] not in (b"[", b"{") or body[-1:] not in (b"]", b"}"):
        return False
    import json

    try:
        json.loads(body)  # UTF-8, -16 or -32, as JSON is written
    except ValueError:
        return False
    return True
