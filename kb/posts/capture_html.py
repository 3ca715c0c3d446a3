"""Saved HTML pages as captures: the text a browser shows, one line per block, read by the text
format's parser, so that a card's category and date elements attach to its excerpt as in a text capture.

lxml (libxml2) parses, and is imported only here; page chrome (scripts, styles, navigation,
headers, footers, sidebars, forms, hidden elements) is dropped; formulas keep their TeX.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from kb.errors import CaptureError
from kb.posts import capture

# Never text a reader of the page sees, or chrome around the cards.
DROP_TAGS = frozenset(
    "head script style noscript template nav footer aside form button select option textarea input "
    "label svg iframe object embed canvas audio video map dialog menu".split()
)
DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog"})
# Class or id tokens of chrome, and of text only screen readers get.
DROP_NAMES = frozenset(
    "nav navbar navigation menu sidebar footer site-footer site-header header-nav breadcrumb breadcrumbs "
    "share social comments cookie cookies skip-link sr-only visually-hidden screen-reader-text".split()
)
# Rendered formulas: their TeX is kept from the script or annotation beside them.
RENDERED_MATH = frozenset(
    "MathJax MathJax_Preview MathJax_Display MathJax_SVG MathJax_SVG_Display MathJax_CHTML MJX_Assistive_MathML".split()
)
BLOCK_TAGS = frozenset(
    "address article blockquote center dd details div dl dt fieldset figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hgroup hr li main ol p pre section summary table caption thead tbody tfoot tr td th ul legend".split()
)
# A header outside these is the page's own (logo, site name, menu), not a card's.
CARD_CONTAINERS = frozenset({"article", "main", "section", "li"})
MATH_PLACEHOLDER = "[Math]"  # the text captures' mark for a formula that was not captured

_WS_RE = re.compile(r"[ \t\n\r\f]+")
_SEPARATORS = " ·•|/—–-:：,，"
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_SNIFF_RE = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_FRAGMENT_RE = re.compile(r"^\s*<(div|article|section|main|p|ul|ol|table|span|h[1-6])\b[^>]*>.*</\1\s*>", re.I | re.S)


@dataclass
class Line:
    text: str
    number: int  # the line of the page where its text starts
    link_only: bool  # every character of it is a link's text


def sniff(data: bytes) -> bool:
    """Whether a file's first bytes are an HTML page (or a fragment of one), whatever it is called."""
    head = data[:4096]
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    # Tags are ASCII in every encoding a page comes in but UTF-16; a character cut at the end is no matter.
    text = head.decode("utf-16" if utf16 else "utf-8", "ignore").lstrip("\ufeff")
    return bool(_SNIFF_RE.match(text) or _FRAGMENT_RE.match(text))


def decode(data: bytes) -> str:
    """A page's bytes → text: a BOM, else the encoding its <meta charset> names, else as a text capture."""
    if not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        m = _CHARSET_RE.search(data[:4096])
        if m:
            name = m.group(1).decode("ascii").lower()
            # The web's names for what Python calls otherwise (WHATWG's encoding labels).
            name = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "iso-8859-1": "cp1252",
                    "latin1": "cp1252", "us-ascii": "cp1252"}.get(name, name)
            try:
                codecs.lookup(name)
            except LookupError:
                pass
            else:
                if b"\x00" not in data:
                    try:
                        return data.decode(name)
                    except UnicodeDecodeError:
                        pass  # the page lied about its encoding: read it as any text
    return capture.decode(data)


def page_lines(text: str) -> tuple[list[tuple[int, str]], int]:
    """The page's visible text as lines, and how many chrome link lines were left out."""
    from lxml import etree, html

    body = _XML_DECL_RE.sub("", text, count=1)
    if not body.strip():
        raise CaptureError("empty file")
    try:
        root = html.document_fromstring(body, parser=html.HTMLParser(remove_comments=True, remove_pis=True))
    except (etree.ParserError, ValueError) as exc:
        raise CaptureError(f"not an HTML page lxml can read ({exc})") from None
    out = _Writer()
    _walk(root, out, in_link=False)
    out.newline()
    return capture.without_link_lines(_tidy(out.lines))


class _Writer:
    """Collects text into lines: whitespace collapsed as a browser does, a block's edges end a line."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.parts: list[str] = []
        self.number = 0
        self.link_only = True

    def text(self, text: str, number: int, in_link: bool, pre: bool = False) -> None:
        if not pre:
            text = _WS_RE.sub(" ", text)
        if not text:
            return
        if text.strip(" "):
            if not self.number:
                self.number = number or 1
            self.link_only = self.link_only and in_link
        self.parts.append(text)

    def newline(self) -> None:
        line = "".join(self.parts).strip(" ")
        if line:
            self.lines.append(Line(line, self.number or 1, self.link_only))
        self.parts, self.number, self.link_only = [], 0, True


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split()) | ({el.get("id")} if el.get("id") else set())


def _dropped(el) -> bool:
    tag = el.tag
    if tag in DROP_TAGS:
        return True
    if tag == "header" and not any(a.tag in CARD_CONTAINERS for a in el.iterancestors()):
        return True
    if el.get("hidden") is not None or el.get("aria-hidden") == "true" or (el.get("role") or "") in DROP_ROLES:
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    names = _classes(el)
    return bool(names & DROP_NAMES) or bool(names & RENDERED_MATH)


def _math(el) -> str | None:
    """A formula element as its TeX in the blog's delimiters, the placeholder when the page kept no
    TeX of it, or None for any other element."""
    tag = el.tag
    if tag == "script":
        kind = (el.get("type") or "").lower()
        if kind.startswith("math/tex"):
            tex = el.text or ""
            return f"\\[{tex}\\]" if "mode=display" in kind else f"\\({tex}\\)"
        return None
    names = _classes(el)
    if "katex" in names or tag == "math":
        found = el.xpath(".//*[local-name()='annotation'][@encoding='application/x-tex']")
        tex = found[0].text_content() if found else (el.get("alttext") if tag == "math" else None)
        if tex is None:
            return MATH_PLACEHOLDER
        display = el.get("display") == "block" or any("katex-display" in _classes(a) for a in el.iterancestors())
        return f"\\[{tex}\\]" if display else f"\\({tex}\\)"
    if tag == "mjx-container":  # MathJax 3 keeps no TeX in the page
        return MATH_PLACEHOLDER
    return None


def _is_date_element(el) -> bool:
    if el.tag == "time":
        return True
    return len(el) == 0 and capture.is_date((el.text or "").strip())


def _walk(el, out: _Writer, in_link: bool, pre: bool = False) -> None:
    tag = el.tag
    if not isinstance(tag, str):
        return
    number = el.sourceline or 0
    math = _math(el)  # before the chrome: MathJax's elements are classed as its rendered copies are
    if math is not None:
        out.text(math, number, in_link)
        return
    if _dropped(el):
        return
    if tag == "script" or tag == "br":
        if tag == "br":
            out.newline()
        return
    block = tag in BLOCK_TAGS or _is_date_element(el)
    if block:
        out.newline()
    if tag == "time" and not capture.is_date(el.text_content().strip()):
        # The page's machine-readable date stands for a date written another way (Jan 22, 2026).
        stamp = (el.get("datetime") or "")[:10]
        if capture.is_date(stamp):
            out.text(stamp, number, in_link)
            out.newline()
            return
    in_link = in_link or tag == "a"
    pre = pre or tag == "pre"
    if el.text:
        _text(out, el.text, number, in_link, pre)
    for child in el:
        _walk(child, out, in_link, pre)
        if child.tail:
            _text(out, child.tail, child.sourceline or number, in_link, pre)
    if block:
        out.newline()


def _text(out: _Writer, text: str, number: int, in_link: bool, pre: bool) -> None:
    if not pre:
        out.text(text, number, in_link)
        return
    for k, piece in enumerate(text.split("\n")):
        if k:
            out.newline()
        out.text(piece, number + k, in_link, pre=True)


def _tidy(lines: list[Line]) -> list[tuple[int, str, bool]]:
    """Short lines without the separators that stood between inline elements ("Deep Learning ·" above
    its date is the category); lines of separators alone are gone."""
    out = []
    for line in lines:
        text = line.text.strip(_SEPARATORS) if len(line.text) <= capture.MAX_CATEGORY_LEN else line.text
        if text:
            out.append((line.number, text, line.link_only))
    return out


def parse(data: bytes) -> capture.Capture:
    """A saved page's bytes → its capture (format "html")."""
    lines, dropped = page_lines(decode(data))
    cap = capture.parse_lines(lines)
    cap.format = "html"
    if dropped:
        cap.notes.append(f"{dropped:,} short link lines (menus, tags, 'Read more') left out")
    return cap
