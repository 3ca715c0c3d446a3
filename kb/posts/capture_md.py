"""Markdown clips as captures (a web clipper's note of a listing page): front matter set aside as
the source's provenance, the text of headings, paragraphs and list items one line each, then the
text format's parser.

markdown-it-py (CommonMark; rich depends on it too) parses, imported only here. Formulas are
kept as written: `$…$` and `$$…$$` take the blog's `\\(…\\)` and `\\[…\\]`, the TeX between untouched.
"""
from __future__ import annotations

import bisect
import re

from kb.posts import capture

# What a clipper's front matter says of where the page came from, kept with the source.
PROVENANCE_KEYS = ("source", "created")

_FRONT_RE = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
# A formula: $$…$$, and $…$ as Obsidian and pandoc read it (no space inside the dollars, no digit
# right after the closing one: "$5 and $10" is money), and \(…\) as the captures write it. Not
# \[…\]: in Markdown \[ is an escaped bracket (a clipper writes [Math] as \[Math\]); a formula
# written as text reaches the capture as text, its escapes decoded.
_MATH_RE = re.compile(
    r"(?<!\\)\\\((?P<i>.+?)\\\)|(?<![\\$])\$\$(?P<dd>.+?)\$\$"
    r"|(?<![\\$])\$(?P<s>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?!\d)",
    re.S,
)
_SLOT_RE = re.compile("\ue000(\\d+)\ue001")
_WIKILINK_RE = re.compile(r"!\[\[[^\]]*\]\]|\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")
_HIGHLIGHT_RE = re.compile(r"==(?=\S)(.+?)(?<=\S)==")
_SPACES_RE = re.compile(r"[ \t]{2,}")


def front_matter(text: str) -> tuple[dict[str, str], int, str]:
    """(provenance, lines the front matter takes, the rest of the text); a clip without front
    matter has none."""
    m = _FRONT_RE.match(text)
    if not m:
        return {}, 0, text
    block = m.group(1)
    found: dict[str, str] = {}
    try:
        import yaml

        data = yaml.safe_load(block)
    except Exception:  # noqa: BLE001 - a clipper's malformed YAML still is front matter
        data = None
    if isinstance(data, dict):
        for key in PROVENANCE_KEYS:
            value = data.get(key)
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            if value not in (None, ""):
                found[key] = str(value)
    else:
        for key in PROVENANCE_KEYS:
            line = re.search(rf"^{key}\s*:\s*(.+?)\s*$", block, re.M)
            if line:
                found[key] = line.group(1).strip("\"'")
    return found, m.group(0).count("\n"), text[m.end():]


def _protect_math(text: str) -> tuple[str, list[str], list[tuple[int, int]]]:
    """Formulas out of Markdown's reach (its _ and * are TeX's too), each in the blog's delimiters
    and on one line; with (line in the protected text, lines removed up to it) to number lines."""
    slots: list[str] = []
    shifts: list[tuple[int, int]] = []
    removed = 0
    seen = [0, 0]  # (offset, newlines before it): counted once, however many formulas

    def keep(m: re.Match) -> str:
        nonlocal removed
        seen[1] += text.count("\n", seen[0], m.start())
        seen[0] = m.start()
        if m.group("i") is not None:
            slots.append(m.group(0))
        elif m.group("dd") is not None:
            slots.append(f"\\[{m.group('dd')}\\]")
        else:
            slots.append(f"\\({m.group('s')}\\)")
        breaks = m.group(0).count("\n")
        if breaks:
            removed += breaks
            shifts.append((seen[1] - (removed - breaks), removed))
        return f"\ue000{len(slots) - 1}\ue001"

    return _MATH_RE.sub(keep, text), slots, shifts


def _original_line(line: int, shifts: list[tuple[int, int]]) -> int:
    """A 0-based line of the protected text → the line of the original text it came from."""
    i = bisect.bisect_left(shifts, (line, -1))  # formulas on earlier lines moved this one up
    return line + (shifts[i - 1][1] if i else 0)


def body_lines(text: str, first_line: int = 1) -> tuple[list[tuple[int, str]], int]:
    """Markdown text → (line number in the file, line) for each heading, paragraph and list item, and
    how many lines of chrome (short links alone: menus, "skip to content") were left out."""
    from markdown_it import MarkdownIt

    protected, slots, shifts = _protect_math(text)
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(protected)
    out: list[tuple[int, str, bool]] = []
    depth_skip = 0  # inside a table: its cells are no card's text
    number: str | None = None  # the ordered list item's number, for its first line
    for tok in tokens:
        if tok.type == "table_open":
            depth_skip += 1
        elif tok.type == "table_close":
            depth_skip -= 1
        elif tok.type == "list_item_open" and tok.info:
            number = f"{tok.info}{tok.markup} "
        elif tok.type == "inline" and not depth_skip:
            lines = _inline_lines(tok.children or [], tok.map[0] if tok.map else 0)
            if number and lines:
                lines[0] = (lines[0][0], number + lines[0][1], False)
            number = None
            out += _group(lines)
    rows = [(first_line + _original_line(n, shifts), _restore(line, slots), only) for n, line, only in out]
    return capture.without_link_lines(rows)


def _inline_lines(children, start: int) -> list[tuple[int, str, bool]]:
    """An inline run's text, split where its source lines were: emphasis, links and tags removed
    around their text, images dropped, escapes and entities decoded; with whether each line is a
    link's text alone."""
    lines: list[tuple[int, str, bool]] = []
    parts: list[str] = []
    row, links, link_only = start, 0, True
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            lines.append((row, "".join(parts), link_only))
            parts, row, link_only = [], row + 1, True
        elif child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
            link_only = link_only and (links > 0 or not child.content.strip())
        elif child.type == "link_open":
            links += 1
        elif child.type == "link_close":
            links -= 1
        elif child.type == "html_inline" and child.content.lower().startswith("<br"):
            parts.append(" ")
    lines.append((row, "".join(parts), link_only))
    return [(n, _clean(line), only) for n, line, only in lines]


def _clean(line: str) -> str:
    line = _WIKILINK_RE.sub(lambda m: (m.group(2) or m.group(1) or "") if not m.group(0).startswith("!") else "", line)
    # Spaces run together as a rendered note shows them (an image or embed removed leaves two).
    return _SPACES_RE.sub(" ", _HIGHLIGHT_RE.sub(r"\1", line)).strip()


def _group(lines: list[tuple[int, str, bool]]) -> list[tuple[int, str, bool]]:
    """A paragraph's source lines as the capture's lines: joined by one space (Markdown's soft break),
    except that a date line, and the category line above it, stand alone as in a text capture."""
    out: list[tuple[int, str, bool]] = []
    run: list[tuple[int, str, bool]] = []

    def flush(rows: list[tuple[int, str, bool]]) -> None:
        rows = [r for r in rows if r[1]]
        if rows:
            out.append((rows[0][0], " ".join(r[1] for r in rows), all(r[2] for r in rows)))

    for row in lines:
        if capture.is_date(row[1]):
            flush(run[:-1])
            flush(run[-1:])
            out.append(row)
            run = []
        else:
            run.append(row)
    flush(run)
    return out


def _restore(line: str, slots: list[str]) -> str:
    return _SLOT_RE.sub(lambda m: slots[int(m.group(1))], line).replace("\n", " ") if slots else line


def parse(data: bytes) -> capture.Capture:
    """A clip's bytes → its capture (format "markdown", the front matter's provenance kept)."""
    text = capture.decode(data)
    provenance, skipped, body = front_matter(text)
    lines, dropped = body_lines(body, first_line=skipped + 1)
    cap = capture.parse_lines(lines)
    cap.format = "markdown"
    cap.provenance = provenance
    if dropped:
        cap.notes.append(f"{dropped:,} short link lines (menus, 'skip to content') left out")
    return cap
