"""Words for search: normalization, English stems, the domain dictionary, and jieba's segmentation of the index.

The index is cut by jieba's algorithm and dictionary (via rjieba) plus kb's domain dictionary, its
English words' inflections removed (Snowball's stemmer, PyStemmer); queries are cut against the index's own vocabulary
instead (kb.search.vocabulary), never by jieba.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from pathlib import Path

from kb import paths
from kb.text import CJK, is_cjk

# Joins the index's tokens: FTS5's unicode61 tokenizer splits on it, and removing it gives
# back the text character for character. One byte in UTF-8 (U+001F, the unit separator; U+200B
# before took three): it stands between every two tokens of every post, a third of the index's
# stored text. normalize() turns one coming from a text into a space.
SEP = "\x1f"
# Bumped whenever the way text is cut changes, so that existing indexes rebuild themselves.
SEGMENTER_VERSION = "4"  # 3: English words stored without their inflection (Snowball); 4: SEP U+001F
# How the glossary table is filled from data/glossary.tsv: 2, with the words its two-word terms align.
GLOSSARY_ROWS_VERSION = "2"

# Pieces of normalized text: programming-language names kept whole (C++, C#, F#), Latin
# words and numbers, runs of Chinese (handed to the segmenter), any other single character.
# (Explicit A-Za-z rather than IGNORECASE: case-insensitive Chinese ranges take ~15 ms to compile.)
_PIECE_RE = re.compile(
    rf"(?P<lang>[A-Za-z](?:\+\+|#)(?![A-Za-z0-9+#]))|(?P<word>[A-Za-z0-9]+)|(?P<cjk>[{CJK}]+)|(?P<other>\S)"
)


def data_dir() -> Path:
    return paths.bundled_data()


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[str, str]:
    """Traditional → simplified, one character for one (data/t2s.json, made by kb/mine.py)."""
    raw = json.loads((data_dir() / "t2s.json").read_text(encoding="utf-8"))
    return dict(zip(raw["traditional"], raw["simplified"]))


class _CharMap(dict):
    """str.translate table filled on first sight of each character: one Python call per
    distinct character, C speed for the rest of the text."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch == SEP:
            out = " "  # SEP marks the index's token boundaries: none may come from the text
        elif code < 128:
            out = ch
        else:
            n = unicodedata.normalize("NFKC", ch)
            out = n if len(n) == 1 else ch
            if is_cjk(out):
                out = _t2s_table().get(out, out)
        self[code] = out
        return out


_CHARS = _CharMap()


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), traditional → simplified, one character for one.

    The result has exactly the length of the input, so a position in it is a position in
    the original text: snippets are cut from the original by the normalized text's offsets.
    Characters whose NFKC form is longer (ligatures, ①) are kept as they are; case is folded
    by FTS5's tokenizer and by query_tokens.
    """
    return text.translate(_CHARS) if text else ""


def pieces(norm: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of each piece of normalized text; white space is no piece."""
    return [(m.start(), m.end(), m.lastgroup) for m in _PIECE_RE.finditer(norm)]


# str.isalnum() characters: \w less the underscore (a regex: this runs on every distinct token of an import).
_WORD_CHAR_RE = re.compile(r"[^\W_]")


def has_word_char(token: str) -> bool:
    """Whether a token can match anything: it holds a letter or a digit."""
    return _WORD_CHAR_RE.search(token) is not None


# ---------------------------------------------------------------- the domain dictionary


def dictionary_path() -> Path:
    return data_dir() / "dictionary.json"


def synonyms_path() -> Path:
    return data_dir() / "synonyms.yaml"


def glossary_path() -> Path:
    return data_dir() / "glossary.tsv"


def dictionary_hash() -> str:
    """What the index depends on besides the posts: segmenter and stemmer versions, dictionary,
    synonyms, glossary (a stemmer that stems otherwise would leave the index's English behind)."""
    import Stemmer

    h = hashlib.sha256(f"{SEGMENTER_VERSION}\0stemmer {Stemmer.version()}\0glossary {GLOSSARY_ROWS_VERSION}".encode())
    for path in (dictionary_path(), synonyms_path(), glossary_path()):
        h.update(b"\0" + path.name.encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"(missing)")
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def load_dictionary() -> dict:
    """data/dictionary.json: {"words": [[word, freq], ...], "pairs": [[chinese, english], ...]}."""
    try:
        return json.loads(dictionary_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"words": [], "pairs": []}


@functools.lru_cache(maxsize=1)
def curated_groups() -> list[list[str]]:
    """data/synonyms.yaml: groups of terms that mean the same (a list of lists, or of
    {term, synonyms} mappings, or a mapping of name → list)."""
    path = synonyms_path()
    if not path.exists():
        return []
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(data, dict):
        data = data.get("groups") or data.get("synonyms") or [
            [k, *v] if isinstance(v, list) else v for k, v in data.items()
        ]
    groups = []
    for group in data:
        if isinstance(group, dict):
            terms = group.get("terms") or [group.get("term"), *(group.get("synonyms") or group.get("aliases") or [])]
        else:
            terms = group
        if isinstance(terms, (list, tuple)):
            terms = [str(t).strip() for t in terms if t is not None and str(t).strip()]
            if len(terms) >= 2:
                groups.append(terms)
    return groups


# Below this jieba frequency a new word can lose to a neighbour in context.
MIN_WORD_FREQ = 2000


@functools.lru_cache(maxsize=1)
def _segmenter():
    """jieba's algorithm and dictionary (rjieba, the Rust port), plus the domain words: the
    mined dictionary and the Chinese terms of the curated synonym groups. Returns the
    segmenter and the (word, frequency) pairs added to jieba's dictionary."""
    import rjieba

    seg = rjieba.Jieba()
    added: list[tuple[str, int]] = []
    for word, freq in load_dictionary()["words"]:
        added.append((normalize(word), int(freq)))
        seg.add_word(added[-1][0], added[-1][1], None)
    for group in curated_groups():
        for term in group:
            word = normalize(term)
            if len(word) > 1 and all(map(is_cjk, word)) and len(seg.cut(word, hmm=False)) > 1:
                added.append((word, max(seg.suggest_freq(word), MIN_WORD_FREQ)))
                seg.add_word(word, added[-1][1], None)
    return seg, added


def _jieba():
    return _segmenter()[0]


def domain_words() -> list[tuple[str, int]]:
    """The words kb adds to jieba's dictionary, with their frequencies."""
    return _segmenter()[1]


# ---------------------------------------------------------------- English stems


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: Snowball's English stemmer in C

    return Stemmer.Stemmer("english")


_LETTER_RE = re.compile(r"[A-Za-z]")
# CamelCase and letter/digit parts of a Latin word: FlashAttention → Flash, Attention.
_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
# A part shorter than this is no word a reader would look for inside another (La of LLaMA).
MIN_PART = 4


# What Snowball removes that is inflection (models, normalizing, normalized, normalizes, normalize):
# only these are taken off, so that derived words stay apart from their base — tokenizer is not token,
# normalization not normal, diffusion not diffus.
_INFLECTIONS = ("ing", "es", "ed", "s", "e")


def _inflection_stem(word: str) -> str:
    """A lower-case English word without its inflection, as Snowball's English stemmer finds it:
    models → model, normalizing/normalized/normalize → normaliz, policies/policy → polici; a word
    whose only suffix Snowball would remove is a derivation (tokenizer, attention) stays whole."""
    stemmed = _stemmer().stemWord(word)
    if not word.startswith(stemmed):
        return stemmed  # Snowball rewrote a letter (policy → polici): its stem is the form
    removed = word[len(stemmed):]
    if not removed:
        return stemmed
    for ending in _INFLECTIONS:
        if removed.endswith(ending):
            return _inflection_stem(word[: -len(ending)])
    return word


class _StemMap(dict):
    """A piece of Latin text → what the index stores for it: a word without its inflection, case-folded
    (models → model, Normalizing → normaliz), anything else as it is. Filled on first sight of each
    piece; CAMEL records the parts of the CamelCase words met (FlashAttention → (flashattent, (attent,)))."""

    LIMIT = 200_000  # distinct pieces kept before the map starts again (memory of a long import)

    def __missing__(self, piece: str) -> str:
        out = piece
        if piece[0].isascii() and piece[0].isalnum() and piece.isalnum() and piece.isascii() and _LETTER_RE.search(piece):
            out = _inflection_stem(piece.lower())
            parts = _CAMEL_RE.findall(piece)
            if len(parts) > 1:
                found = tuple(
                    _inflection_stem(p.lower()) for p in parts[1:] if len(p) >= MIN_PART and p.isalpha()
                )
                if found:
                    CAMEL[piece] = (out, found)
        if len(self) >= self.LIMIT:
            self.clear()
        self[piece] = out
        return out


_STEMS = _StemMap()
CAMEL: dict[str, tuple[str, tuple[str, ...]]] = {}


def stem(word: str) -> str:
    """A Latin word as the index stores it (its stem, case-folded); other text unchanged."""
    return _STEMS[word] if word else word


# ---------------------------------------------------------------- index side


def _cut(norm: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_word) of each token of normalized text; is_word: it has a letter or digit."""
    spans: list[tuple[int, int, bool]] = []
    seg = None
    for m in _PIECE_RE.finditer(norm):
        start, end, kind = m.start(), m.end(), m.lastgroup
        if kind == "cjk" and end - start > 1:
            seg = seg or _jieba()
            pos = start
            for word in seg.cut(m.group()):
                spans.append((pos, pos + len(word), True))
                pos += len(word)
        else:
            spans.append((start, end, kind != "other" or m.group().isalnum()))
    return spans


def index_tokens(text: str) -> list[tuple[int, int]]:
    """Token spans (start, end) of text, cut the index's way (text is normalized first)."""
    return [(s, e) for s, e, _ in _cut(normalize(text))]


@functools.lru_cache(maxsize=1)
def _index_res() -> tuple[re.Pattern, re.Pattern]:
    """Chinese runs, and the pieces of text between them (what _PIECE_RE finds there, white
    space included); compiled on first use, as only the index needs them."""
    return (
        re.compile(rf"([{CJK}]+)"),
        re.compile(r"[A-Za-z](?:\+\+|#)(?![A-Za-z0-9+#])|[A-Za-z0-9]+|\s+|\S"),
    )


def index_form(text: str) -> tuple[str, list[str]]:
    """What the FTS index stores for text, and its tokens (case-folded) for the vocabulary.

    The stored form is the normalized text with SEP at every token boundary: removing SEP
    gives the normalized text back, aligned character for character with text. The tokens
    include white space and punctuation (dropped by the caller once, on distinct words).
    """
    stored = stored_form(text or "")
    return stored, (stored.casefold().split(SEP) if stored else [])


def stored_form(text: str) -> str:
    """index_form's stored form."""
    return stored_pieces(text)[0]


def stored_pieces(text: str) -> tuple[str, list[str]]:
    """The stored form of text and its pieces as in the normalized text (before stemming)."""
    stored, _, _, _, pieces = cut_for_index(text, with_pieces=True)
    return stored, pieces


def cut_words(run: str) -> list[str]:
    """A Chinese run cut as the index cuts it."""
    return _jieba().cut(run)


def cut_for_index(text: str, *, with_pieces: bool = False):
    """The stored form of text, the normalized text, its number of word tokens, its words that may
    hold others (Chinese words of three or more characters, CamelCase words as written), and with
    with_pieces its pieces as in the normalized text (before stemming).

    Same cut as _cut, done chunk by chunk rather than token by token: it is the import's inner loop.
    English words are stored without their inflection, so removing SEP gives back the normalized text
    with those words changed (kb.search.snippets aligns it with the text).
    """
    norm = normalize(text)
    if not norm:
        return ("", norm, 0, [], []) if with_pieces else ("", norm, 0, [])
    pieces: list[str] = []
    stored: list[str] = []
    holders: list[str] = []
    words = 0
    seg = None
    cjk_split, other_pieces = _index_res()
    for i, chunk in enumerate(cjk_split.split(norm)):
        if not chunk:
            continue
        if i % 2:  # a Chinese run: every token a word
            cut = [chunk] if len(chunk) == 1 else (seg or (seg := _jieba())).cut(chunk)
            stored.extend(cut)
            words += len(cut)
            if with_pieces:
                pieces.extend(cut)
        else:
            done = _CHUNKS.get(chunk)
            if done is None:
                done = _other_chunk(chunk, other_pieces)
            stored.extend(done[1])
            if with_pieces:
                pieces.extend(done[0])
            words += done[2]
            if done[3]:
                holders.extend(done[3])
    joined = SEP.join(stored)
    # Chinese words of three or more characters, found in C rather than token by token.
    holders.extend(_holders_re().findall(joined))
    return (joined, norm, words, holders, pieces) if with_pieces else (joined, norm, words, holders)


@functools.lru_cache(maxsize=1)
def _holders_re() -> re.Pattern:
    return re.compile(rf"(?:^|(?<={SEP}))[{CJK}]{{3,}}(?={SEP}|$)")


def _other_chunk(chunk: str, other_pieces: re.Pattern) -> tuple[list[str], list[str], int, list[str]]:
    """A text between Chinese runs: its pieces, what is stored of them, its word count, its CamelCase words."""
    found = other_pieces.findall(chunk)
    stored = [_STEMS[p] for p in found]
    done = (found, stored, sum(1 for t in stored if _WORD_CHAR_RE.search(t)), [p for p in found if p in CAMEL])
    if len(chunk) <= 32:  # punctuation and short words between Chinese runs recur
        if len(_CHUNKS) >= _StemMap.LIMIT:
            _CHUNKS.clear()
        _CHUNKS[chunk] = done
    return done


# A text between two Chinese runs → its pieces and what is stored of them (the cut's second inner loop).
_CHUNKS: dict[str, tuple[list[str], list[str], int, list[str]]] = {}


def word_count(stored: str) -> int:
    """How many word tokens (holding a letter or digit) a stored form has: what FTS5 indexes of it."""
    return sum(1 for t in stored.split(SEP) if _WORD_CHAR_RE.search(t)) if stored else 0


def warm_up() -> None:
    """Load the segmenter and its dictionary, so that forked import workers start with them."""
    stored_form("扩散模型")
