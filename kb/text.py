"""Names every layer of kb shares: the CJK ranges, the one timestamp format, meta keys, and post
text made safe for a terminal or for JSON.

Imports nothing of kb, so that any module may use it.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

# Chinese characters: CJK Extension A, the Unified Ideographs, the Compatibility Ideographs.
CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
# The same as a regular-expression class body: f"[{CJK}]".
CJK = "".join(f"{chr(a)}-{chr(b)}" for a, b in CJK_RANGES)
# Everything else, as a class body: f"[^{NOT_CJK}…]" is a Chinese character but those listed after.
NOT_CJK = "".join(
    f"{chr(a)}-{chr(b)}"
    for a, b in zip([0] + [b + 1 for _, b in CJK_RANGES], [a - 1 for a, _ in CJK_RANGES] + [0x10FFFF])
)


def is_cjk(ch: str) -> bool:
    """Whether ch is a Chinese character of CJK's ranges."""
    return "\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@lru_cache(maxsize=1)
def _cjk_re() -> re.Pattern:
    # Compiled on first use: a class of these ranges takes ~1.5 ms, more than `kb latest` may spend.
    return re.compile(f"[{CJK}]")


def has_cjk(text: str) -> bool:
    return _cjk_re().search(text) is not None


# ---------------------------------------------------------------- time

# Every time kb stores: UTC, to the second, one format, so that stored times compare as strings.
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now_utc() -> dt.datetime:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc)


def stamp(t: dt.datetime | None = None) -> str:
    """t (default: now) as kb stores times: 2026-12-01T14:37:58Z."""
    import datetime as dt

    t = now_utc() if t is None else t
    return t.astimezone(dt.timezone.utc).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> dt.datetime:
    """A stored time back as an aware datetime (Python 3.10's fromisoformat does not read Z)."""
    import datetime as dt

    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    t = dt.datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------- meta keys (the meta table)

# The search index: a hash of what the index's cut depends on besides the posts, and the total
# number of word tokens in it (the query segmenter's unigram model).
META_SEARCH_HASH = "search_dict_hash"
META_SEARCH_TOKENS = "search_tokens"
# When every post's cards were last re-derived (kb doctor uses it to tell an upgraded database
# whose older posts were never searched for definitions).
META_CARDS_REBUILT_AT = "cards_rebuilt_at"
# What the quiz topics' membership was derived from (kb.quiz.membership.fingerprint).
META_TOPICS_BUILT = "topics_built_from"


# ---------------------------------------------------------------- post text is data

# C0 but newline and tab, DEL, C1, the bidi controls (embeddings, overrides, isolates, and the
# marks LRM, RLM, ALM) and the Unicode line and paragraph separators, which some terminals break on.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE_RE = re.compile(r"[\x7f-\x9f\u2028\u2029]")


def head_in_cells(text: str, width: int, cells: Callable[[str], int]) -> str:
    """The longest start of text that leaves a cell for a … within width cells (cells(ch): a
    character's columns); a wide character that would straddle the edge is left out."""
    kept, used = [], 0
    for ch in text:
        w = cells(ch)
        if used + w > width - 1:
            break
        kept.append(ch)
        used += w
    return "".join(kept)


def sanitize(text: str | None) -> str:
    """Text safe for a terminal: control characters (ESC, CR, C1, bidi controls, U+2028) become spaces.

    Newlines and tabs survive; everything that could move the cursor or start an escape
    sequence does not.
    """
    if not text:
        return text or ""
    return _CONTROL_RE.sub(" ", text)


def to_json(obj: Any) -> str:
    """JSON as UTF-8 text, non-ASCII kept, and no raw C1 control reaching a terminal."""
    import json

    out = json.dumps(obj, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)


def visible(text: str) -> str:
    """A file name or message with every unprintable character (newline, ESC, a bidi control, an
    undecodable byte kept as an escape) shown as its escape: one line that never drives the terminal."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
