"""Parse capture files (the blog's listing pages saved as text) into excerpts with metadata.

Pure functions over bytes and str; the format itself is specified in README.md, "Capture format".
"""
from __future__ import annotations

import codecs
import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field

from kb.errors import CaptureError

BANNERS = {"incoming transmission", "latest updates"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A pagination line: page numbers, ellipses and arrows only (e.g. "1 2 3 ... 8", "« 1 2 »").
PAGINATION_RE = re.compile(r"^[\d\s.…<>«»‹›|/\-–—]*\d[\d\s.…<>«»‹›|/\-–—]*$")
ELLIPSES = ("...", "…", "。。。")
# A category line is a short label; anything longer standing above a date is still text.
MAX_CATEGORY_LEN = 40
# A listing card shows at most a few hundred characters; a far longer line is not a listing
# page (a minified file, a dump) and would become a megabyte "post".
MAX_LINE_CHARS = 20_000


@dataclass(frozen=True)
class Excerpt:
    """One listing card's text as captured, with the metadata that stood above it."""

    position: int  # 1-based index among the capture's excerpts
    line: int  # 1-based line number in the file
    text: str  # the excerpt, trimmed, without the site's trailing ellipsis
    truncated: bool  # the site cut it (it ended in "...")
    category: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class SkippedLine:
    """A line too long to be a listing card's text, left out of the capture."""

    line: int  # 1-based line number in the file
    length: int  # in characters

    def describe(self) -> str:
        return f"line {self.line} is {self.length:,} characters long (a card is under {MAX_LINE_CHARS:,}): skipped"


@dataclass
class Capture:
    excerpts: list[Excerpt] = field(default_factory=list)
    # Things a reader of the file should know about but that lose no text (e.g. a
    # category line left without an excerpt at the end of the capture).
    notes: list[str] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)
    format: str = "text"  # the format it was read as: text, html or markdown (kb.posts.formats)
    # Where the capture says it came from (a Markdown clip's front matter: source, created).
    provenance: dict[str, str] = field(default_factory=dict)


def decode(data: bytes) -> str:
    """Bytes of a capture → text. UTF-8 (BOM or not), UTF-16 with BOM, else GB18030.

    Raises CaptureError with a reader-facing reason for anything that is not text.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8):], "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, "utf-16")
        if "\x00" in text:
            raise CaptureError("not a text file (contains NUL characters)")
        return text
    if b"\x00" in data:
        raise CaptureError("not a text file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # GB18030 is a superset of GBK and GB2312, the usual encodings of Chinese text files.
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise CaptureError(
            f"cannot decode as UTF-8 or GB18030 (bad byte at offset {exc.start})"
        ) from None
    if _looks_binary(text):
        raise CaptureError("not a text file (decodes only to control characters)")
    return text


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise CaptureError(f"cannot decode as {encoding} (bad byte at offset {exc.start})") from None


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")
    return controls > len(sample) * 0.1


def split_lines(text: str) -> list[str]:
    """Split at LF or CRLF only; a lone CR ends lines only in a file with no LF at all.

    str.splitlines() would also split at CR, VT, FF, U+2028 and others, which inside an
    excerpt are characters of its text, not line ends.
    """
    if "\n" in text:
        lines = text.split("\n")
        return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    return text.split("\r")


def _is_noise(line: str) -> bool:
    if not line:
        return True
    if line.casefold() in BANNERS:
        return True
    return len(line) < 60 and bool(PAGINATION_RE.match(line))


def is_date(line: str) -> bool:
    """Whether the line is a date line: YYYY-MM-DD, a real date."""
    if not DATE_RE.match(line):
        return False
    try:
        _dt.date.fromisoformat(line)
    except ValueError:
        return False
    return True


def _strip_edges(line: str) -> str:
    # strip() would also eat control characters such as a stray CR at the line's end,
    # which are text (and dealt with at display time); only trim real white space.
    return line.strip(" \t\u3000\ufeff\u00a0")


def parse(text: str) -> Capture:
    """Text of a capture → its excerpts, each with the category and date above it."""
    return parse_lines(list(enumerate(split_lines(text), start=1)))


def parse_lines(numbered: list[tuple[int, str]]) -> Capture:
    """(line number in the file, line) pairs → the capture's excerpts: what every format comes to.

    A line too long to be a card's text is skipped and recorded (Capture.skipped): one minified
    blob or pasted dump on a page costs that line, never the page's other cards.
    """
    capture = Capture()
    numbers: list[int] = []
    lines: list[str] = []
    skipped: set[int] = set()
    for number, raw in numbered:
        line = _strip_edges(raw)
        if len(line) > MAX_LINE_CHARS:
            capture.skipped.append(SkippedLine(number, len(line)))
            skipped.add(len(lines))
            line = ""
        numbers.append(number)
        lines.append(line)
    pending_category: str | None = None
    pending_date: str | None = None
    pending_line = 0
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if i in skipped:
            # The metadata above a skipped card was that card's: it describes no excerpt below.
            if pending_category is not None or pending_date is not None:
                capture.notes.append(f"line {pending_line}: metadata of the skipped line {numbers[i]} dropped")
            pending_category = pending_date = None
            i += 1
            continue
        if _is_noise(line):
            i += 1
            continue
        if is_date(line):
            if pending_date is not None:
                capture.notes.append(f"line {pending_line}: date {pending_date} has no excerpt below it")
            pending_date, pending_line = line, numbers[i]
            i += 1
            continue
        nxt = _next_content(lines, i + 1)
        if nxt is not None and is_date(lines[nxt]) and len(line) <= MAX_CATEGORY_LEN:
            if pending_date is not None or pending_category is not None:
                capture.notes.append(f"line {pending_line}: metadata has no excerpt below it")
            pending_category, pending_date, pending_line = line, lines[nxt], numbers[i]
            i = nxt + 1
            continue
        body, truncated = _split_ellipsis(line)
        capture.excerpts.append(
            Excerpt(
                position=len(capture.excerpts) + 1,
                line=numbers[i],
                text=body,
                truncated=truncated,
                category=pending_category,
                date=pending_date,
            )
        )
        pending_category = pending_date = None
        i += 1
    if pending_category is not None or pending_date is not None:
        capture.notes.append(
            f"line {pending_line}: metadata at the end of the capture has no excerpt below it"
        )
    return capture


def without_link_lines(rows: list[tuple[int, str, bool]]) -> tuple[list[tuple[int, str]], int]:
    """(line number, line, only a link's text) rows of a page → its lines without the page's chrome,
    and how many were left out: a line that is a short link alone (a menu item, a tag, "Read more",
    a page number) is chrome, unless a date follows it (then it is the card's category)."""
    kept: list[tuple[int, str]] = []
    dropped = 0
    for i, (number, line, link_only) in enumerate(rows):
        following = rows[i + 1][1] if i + 1 < len(rows) else ""
        if link_only and len(line) <= MAX_CATEGORY_LEN and not is_date(line) and not is_date(following):
            dropped += 1
            continue
        kept.append((number, line))
    return kept, dropped


def _next_content(lines: list[str], start: int) -> int | None:
    """Index of the next line that is not blank (a date may sit one blank line lower)."""
    for j in range(start, min(start + 2, len(lines))):
        if lines[j]:
            return j
    return None


def _split_ellipsis(line: str) -> tuple[str, bool]:
    for mark in ELLIPSES:
        if line.endswith(mark):
            return _strip_edges(line[: -len(mark)]), True
    return line, False


def parse_bytes(data: bytes) -> Capture:
    """A text capture's bytes → its excerpts (kb.posts.formats reads every format)."""
    return parse(decode(data))


_WS_RE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The comparison form of an excerpt: NFKC, case-folded, white space removed.

    Two captures of one post differ only in truncation length and white space, so
    their normalized forms are one a prefix of the other.
    """
    return _WS_RE.sub("", unicodedata.normalize("NFKC", text)).casefold()
