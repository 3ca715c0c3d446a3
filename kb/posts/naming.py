"""Titles and slugs for posts, derived from the excerpt (the captures carry neither).

Both depend only on the start of a post's text, so every capture of a post, however it
was truncated, names it the same way, and a rebuild from the same files gives the same names.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Iterator

# Words the blog puts at the head of a post as a section heading, not a title.
SECTION_WORDS = (
    "引言与背景", "相关内容", "补充知识", "研究背景", "基本概念", "背景介绍", "前言",
    "简介", "背景", "动机", "方法", "引言", "概述", "导言", "总览", "介绍", "摘要", "导读",
    "Introduction", "Background", "Motivation", "Overview", "Abstract",
)
TITLE_COLUMNS = 40
# The slug words come from this much of the text: less than any truncation the site uses.
SLUG_BASIS_CHARS = 160
BLOCK_CHARS = 24

_URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MATH_RE = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]|\$\$.*?\$\$|\$[^$]*\$", re.DOTALL)
_SENTENCE_END = "。!?;!?;"
_CLAUSE_BREAK = ",,、:: "
_STOP_WORDS = {
    "the", "and", "for", "with", "from", "that", "this", "its", "are", "was", "any", "of",
    "to", "in", "on", "an", "is", "by", "as", "at", "or", "be", "it", "we", "our", "can",
    "text", "mathbb", "frac", "left", "right", "mathop", "limits", "sim", "tag", "mid",
}


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_decoration(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("So", "Sk", "Cf", "Mn", "Cc", "Co") or ch in "\ufe0f\u200d"


def title_source(text: str, *, urls: bool = False) -> str:
    """The text a title is cut from: leading emoji, URLs (unless urls) and section words removed."""
    if not urls:
        text = _URL_RE.sub(" ", text)
    prev = None
    while prev != text:
        prev = text
        text = text.lstrip()
        while text and (_is_decoration(text[0]) or text[0] in "#*-•>·|"):
            text = text[1:].lstrip()
        for word in SECTION_WORDS:
            if text.startswith(word):
                rest = text[len(word):]
                # Only a heading when followed by a break: "背景 本文…", not "背景噪声…".
                if rest[:1] in (" ", "\u3000", ":", ":", "\t") or not rest:
                    text = rest.lstrip(" \u3000::\t")
                    break
    return " ".join(text.split())


def make_title(text: str) -> str:
    """A title a reader can tell posts apart by: the first sentence, at most ~40 columns."""
    src = title_source(text) or " ".join(text.split()) or "(empty)"
    cut = len(src)
    for i, ch in enumerate(src):
        if ch in _SENTENCE_END:
            cut = i + (1 if ch in "?!?!" else 0)
            break
    sentence = src[:cut].rstrip(" ,,、::")
    if display_width(sentence) <= TITLE_COLUMNS and sentence:
        return sentence
    # Too long: cut at the last clause break that keeps at least half the room, else hard.
    width = 0
    hard = 0
    soft = 0
    for i, ch in enumerate(sentence):
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if width > TITLE_COLUMNS - 1:
            break
        hard = i + 1
        if ch in _CLAUSE_BREAK and width >= TITLE_COLUMNS // 2:
            soft = i
    end = soft or hard
    # Do not split an English word in half.
    if not soft and end < len(sentence):
        start = end
        while start > 0 and sentence[start - 1].isascii() and sentence[start - 1].isalnum():
            start -= 1
        if start < end and sentence[end].isascii() and sentence[end].isalnum() and start > len(sentence[:end]) // 2:
            end = start
    return sentence[:end].rstrip(" ,,、::") + "…"


def _ascii_words(text: str) -> list[str]:
    text = _MATH_RE.sub(" ", _URL_RE.sub(" ", text))
    words: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z0-9]*(?:[-+][A-Za-z0-9]+)*", text):
        low = word.lower().replace("+", "p")
        # Two-letter words only as acronyms (CV, RL); lone symbols of formulas are noise.
        if (len(low) < 3 and not (len(word) >= 2 and word.isupper())) or low in _STOP_WORDS or low in words:
            continue
        words.append(low)
    return words


def slug_stem(text: str) -> str:
    """The readable part of a slug: English terms near the start, else the title's pinyin."""
    basis = text[:SLUG_BASIS_CHARS]
    words = _ascii_words(title_source(basis))[:3]
    if not words:
        words = _pinyin_words(make_title(basis))
    stem = "-".join(words)
    stem = re.sub(r"[^a-z0-9-]+", "-", stem).strip("-")
    if len(stem) > 24:
        stem = stem[:24].rsplit("-", 1)[0] or stem[:24]
    return stem or "post"


def warm_up() -> None:
    """Load what naming a post needs (pypinyin), so that forked import workers start with it."""
    _pinyin_words("扩散")


def _pinyin_words(title: str) -> list[str]:
    hanzi = [ch for ch in title if "\u4e00" <= ch <= "\u9fff"][:4]  # pinyin exists for these only
    if not hanzi:
        return []
    from pypinyin import Style, lazy_pinyin  # loaded only when a title has no English

    return [p for p in lazy_pinyin("".join(hanzi), style=Style.NORMAL) if p.isascii() and p.isalpha()]


def slug_candidates(stem: str, norm: str) -> Iterator[str]:
    """Slugs to try in order (stem: slug_stem of the post's text); the first one not taken is the post's."""
    short = hashlib.sha1(norm[:BLOCK_CHARS].encode()).hexdigest()
    long = hashlib.sha1(norm[:SLUG_BASIS_CHARS].encode()).hexdigest()
    yield f"{stem}-{short[:4]}"
    yield f"{stem}-{long[:6]}"
    yield f"{stem}-{long[:10]}"
    # Lazily: nearly every post takes the first, and building 1,000 strings per post was a
    # fifth of a large import.
    for i in range(2, 1000):
        yield f"{stem}-{long[:10]}-{i}"


def block_key(norm: str) -> str:
    return norm[:BLOCK_CHARS]
