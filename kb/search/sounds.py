"""The sound of a Chinese character without its tone (科 and 可 are both ke), for the writings of a
transliterated name that differ by a character of the same sound (马尔科夫 / 马尔可夫, 玻尔兹曼 / 波尔兹曼).

Read from sounds.tsv beside this module (one line per syllable: the syllable, a tab, its characters),
which build() makes from pypinyin: a query loads a small file, never pypinyin's dictionary (a quarter second).
"""
from __future__ import annotations

import functools
from pathlib import Path

FIRST, LAST = 0x4E00, 0x9FFF  # the CJK Unified Ideographs the posts write


def path() -> Path:
    return Path(__file__).with_name("sounds.tsv")


@functools.lru_cache(maxsize=1)
def _lines() -> tuple[tuple[str, str], ...]:
    """(syllable, its characters) of sounds.tsv; none when the file is missing."""
    try:
        text = path().read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    return tuple((syllable, chars) for syllable, _, chars in (line.partition("\t") for line in text.splitlines()))


@functools.lru_cache(maxsize=4096)
def syllables(ch: str) -> frozenset[str]:
    """A character's readings without their tones (a few hundred substring tests, no table built)."""
    return frozenset(syllable for syllable, chars in _lines() if ch in chars)


def same_sound(a: str, b: str) -> bool:
    """Whether two characters share a reading, tones aside."""
    return bool(syllables(a) & syllables(b))


def build() -> str:
    """sounds.tsv's text, from pypinyin (every reading of every character, tones dropped)."""
    from pypinyin import Style, pinyin

    by_syllable: dict[str, list[str]] = {}
    for code in range(FIRST, LAST + 1):
        ch = chr(code)
        readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
        for syllable in sorted(set(readings[0])) if readings else []:
            if syllable.isascii() and syllable.isalpha():
                by_syllable.setdefault(syllable, []).append(ch)
    return "".join(f"{s}\t{''.join(chars)}\n" for s, chars in sorted(by_syllable.items()))


if __name__ == "__main__":  # python -m kb.search.sounds > kb/search/sounds.tsv
    print(build(), end="")
