"""Mine kb's domain dictionary from the bundled posts: term pairs such as 互信息(Mutual Information).

Writes data/dictionary.json (words with jieba frequencies, Chinese–English pairs) and, when zhconv is installed, data/t2s.json.
Run from a checkout's root: python -m kb.search.mine
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from kb.posts import capture

# A checkout's root: the tool reads and writes its data/ folder.
ROOT = Path(__file__).resolve().parents[2]

CJK = "\u4e00-\u9fff"
EN_WORD = r"[A-Za-z][A-Za-z0-9+\-]*"
# 中文(English): the Chinese run before the bracket is trimmed to the term afterwards.
ZH_EN_RE = re.compile(rf"([{CJK}]{{2,16}})\s*[(（]\s*({EN_WORD}(?:[ \-]{EN_WORD}){{0,5}})\s*[)）]")
# English(中文): the English side is trimmed to the words the Chinese translates.
EN_ZH_RE = re.compile(rf"({EN_WORD}(?:[ \-]{EN_WORD}){{0,5}})\s*[(（]\s*([{CJK}]{{2,8}})\s*[)）]")
# A term does not start with these: they end the clause before it (采用单精度 → 单精度).
LEADING_STOP = set("的是了在和与及或将把被从用为即称叫纯等而其这那上中首次各该一")
STOP_WORDS = {
    "使用", "采用", "分为", "引入", "增加", "通过", "进行", "探索", "首先", "同时", "可以", "一般", "默认",
    "一直", "大量", "领域", "计算", "分块", "恢复", "目标", "主要", "对应", "文本", "上可", "以及",
}
# A bracket of English that only names the thing generically is no translation.
EN_STOP = {"token", "id", "recovering", "tiling", "decoder"}
MIN_COUNT = 2
# Below this jieba frequency a new word can lose to a neighbour in context; above it, it keeps its place.
MIN_FREQ = 2000


def post_texts(paths: list[Path]) -> list[str]:
    """The longest captured text of each post (captures of one post share their start)."""
    best: dict[str, str] = {}
    for path in paths:
        for ex in capture.parse_bytes(path.read_bytes()).excerpts:
            key = capture.normalize(ex.text)[:24]
            if len(ex.text) > len(best.get(key, "")):
                best[key] = ex.text
    return list(best.values())


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _trim_chinese(run: str, english: str, corpus: str, jieba) -> str | None:
    """The term at the end of a Chinese run, on jieba's word boundaries and not starting with a
    function word: the longest suffix that the posts use elsewhere too or that is about as long
    as the English (two characters a word, a letter of an acronym)."""
    parts = re.split(r"[ \-]+", english)
    size = 2 * (sum(ch.isupper() for ch in english) if len(parts) == 1 and english.isupper() else len(parts))
    words = jieba.lcut(run, HMM=False)
    best = None
    for i in range(len(words) - 1, -1, -1):
        suffix = "".join(words[i:])
        if len(suffix) > 8:
            break
        if words[i] in STOP_WORDS or suffix[0] in LEADING_STOP:
            break
        if len(suffix) >= 2 and (corpus.count(suffix) >= MIN_COUNT or len(suffix) <= size):
            best = suffix
    return best


def _trim_english(phrase: str, zh: str) -> str:
    """The English words a short Chinese term translates: about one per two characters."""
    words = phrase.split(" ")
    keep = max(1, min(len(words), (len(zh) + 1) // 2))
    return " ".join(words[-keep:])


def mine(texts: list[str]) -> dict:
    jieba = _jieba()
    corpus = "\n".join(texts)
    pairs: set[tuple[str, str]] = set()
    for text in texts:
        for m in ZH_EN_RE.finditer(text):
            en = m.group(2).strip()
            zh = _trim_chinese(m.group(1), en, corpus, jieba)
            if zh and en.casefold() not in EN_STOP:
                pairs.add((zh, en))
        for m in EN_ZH_RE.finditer(text):
            zh = m.group(2)
            if zh[0] in LEADING_STOP or len(jieba.lcut(zh, HMM=False)) > 3:
                continue
            en = _trim_english(m.group(1).strip(), zh)
            if en.casefold() not in EN_STOP:
                pairs.add((zh, en))
    words: dict[str, int] = {}
    for zh, _ in sorted(pairs):
        if len(jieba.lcut(zh, HMM=False)) == 1:
            continue  # jieba already keeps it whole
        # jieba's frequency that keeps the term whole, with a floor so that context cannot cut it.
        words[zh] = max(jieba.suggest_freq(zh, tune=False), MIN_FREQ)
    return {
        "source": "mined from the bundled posts by kb/mine.py",
        "words": [[w, f] for w, f in sorted(words.items())],
        "pairs": [[zh, en] for zh, en in sorted(pairs, key=lambda p: (p[0], p[1].casefold()))],
    }


def dumps(data: dict) -> str:
    """One entry a line, so that a change of the dictionary reads as a small diff."""
    lines = ["{", f'  "source": {json.dumps(data["source"], ensure_ascii=False)},', '  "words": [']
    lines += [f"    {json.dumps(w, ensure_ascii=False)}," for w in data["words"]]
    if data["words"]:
        lines[-1] = lines[-1].rstrip(",")
    lines += ["  ],", '  "pairs": [']
    lines += [f"    {json.dumps(p, ensure_ascii=False)}," for p in data["pairs"]]
    if data["pairs"]:
        lines[-1] = lines[-1].rstrip(",")
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def write_t2s(path: Path) -> int:
    """Traditional → simplified, single characters only (so normalization keeps text length)."""
    import zhconv.zhconv as z

    z.loaddict()
    table = z.zhcdicts["zh2Hans"]
    pairs = sorted((k, v) for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v)
    raw = {"traditional": "".join(k for k, _ in pairs), "simplified": "".join(v for _, v in pairs)}
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return len(pairs)


def main() -> None:
    data_dir = ROOT / "data"
    texts = post_texts(sorted(data_dir.glob("*.txt")))
    out = mine(texts)
    (data_dir / "dictionary.json").write_text(dumps(out), encoding="utf-8")
    print(f"data/dictionary.json: {len(out['words'])} words, {len(out['pairs'])} pairs from {len(texts)} posts")
    try:
        n = write_t2s(data_dir / "t2s.json")
        print(f"data/t2s.json: {n} characters")
    except ImportError:
        print("zhconv not installed: data/t2s.json left as it is")


if __name__ == "__main__":
    main()
