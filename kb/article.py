"""A post as a reader sees it in `kb show`: sections, LaTeX as Unicode, placeholders, links, key terms, Related.

parse() turns captured text into plain blocks; render() makes Rich Text of them (post text is data, never markup).
"""
from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

from kb import render as _render
from kb.render import date_cell


def clean(text: str | None) -> str:
    """render.clean, and a tab becomes one space: Wrapped counts a tab as one cell, and Rich,
    expanding it to the next tab stop, would push the rest of the line past the edge (lost)."""
    return _render.clean(text).replace("\t", " ")


# The blog's section words. Captures run a post's sections together on one line, so a
# section word standing alone between spaces, where a sentence could end, is a heading.
SECTION_WORDS = (
    "引言与背景", "研究背景", "补充知识", "相关内容", "相关工作", "基本概念", "核心贡献", "论文阅读",
    "理论推导", "预备知识", "背景知识", "问题定义", "方法介绍", "实验结果", "模型结构", "网络框架",
    "简介", "背景", "动机", "方法", "引言", "总览", "概述", "导言", "前言", "摘要", "实验", "结论",
    "总结", "讨论", "原理", "思路", "贡献",
    "Introduction", "Motivation", "Background", "Overview", "Method", "Methods", "Conclusion",
    "Related Work", "Abstract",
)
# Short phrases that open a sentence rather than name a section (然后 …, 首先 …).
_NOT_HEADINGS = {
    "首先", "其次", "然后", "最后", "接着", "所以", "因此", "因而", "于是", "其中", "但是", "然而", "不过",
    "另外", "此外", "同时", "例如", "比如", "总之", "显然", "当然", "事实上", "换句话说", "也就是说", "具体来说",
    "一般来说", "简单来说", "通常", "这里", "那么", "如下", "注意", "可见", "可以看到", "对于", "其实",
}
# A short Chinese phrase opening with these is a sentence's subject, not a heading (本文主要介绍 …).
_SUBJECTS = ("本文", "本篇", "我们", "我", "这", "那", "它", "作者", "文章", "该", "下面", "接下来", "如果", "因为", "虽然", "但")
# Section words that are also everyday words: after a Latin word they are more likely prose
# ("用 GAN 方法 生成") than a heading.
_PROSE_WORDS = {"方法", "实验", "原理", "思路", "贡献", "讨论", "总结", "结论", "Method", "Methods"}
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SECTION_RE = "|".join(re.escape(w) for w in sorted(SECTION_WORDS, key=len, reverse=True))
# A heading candidate: at the start, after a sentence end, or right after another heading;
# then a known section word (optionally numbered: "1. Motivation") or a short run of Chinese.
_HEADING_RE = re.compile(
    rf"(?:^|(?<=\s))"
    rf"(?P<h>(?:\d{{1,2}}(?:\.\d{{1,2}})*\.?\s)?(?:{_SECTION_RE})|[{_CJK}]{{2,10}})"
    rf"(?=\s+[^\s(({{《“「\"':,,:。、;;!?)\]])"
)
_MATH_RE = re.compile(
    r"\\\[(?P<display>.+?)\\\]|\\\((?P<inline>.+?)\\\)|(?P<placeholder>\[Math\]|\[公式\])"
    r"|(?P<url>https?://[^\s<>\"'`()()\[\]{}\u3000-\u303f\uff01-\uff60]+)",
    re.S,
)
_URL_TRAILING = ".,;:!?'\""
# List items run together too: "关键点: 1. 正向加噪… 2. 每一步…" reads better one per line.
_LIST_ITEM_RE = re.compile(r"(?<=[。;;::!?!?])\s+(?=\d{1,2}\.\s)")

PLACEHOLDER = "[formula not captured]"


# ---------------------------------------------------------------- parsing (plain data)


def split_sections(text: str) -> list[dict]:
    """[{"heading": str | None, "body": str}]: the text cut at its section headings, in order."""
    sections: list[dict] = []
    heading: str | None = None
    pos = 0
    for m in _find_headings(text):
        body = text[pos:m.start("h")].strip()
        if body or heading is not None:
            sections.append({"heading": heading, "body": body})
        heading = m.group("h").strip()
        pos = m.end("h")
    body = text[pos:].strip()
    if body or heading is not None:
        sections.append({"heading": heading, "body": body})
    return sections


def _find_headings(text: str):
    last_end = -1
    for m in _HEADING_RE.finditer(text):
        word = m.group("h").strip()
        if word in _NOT_HEADINGS:
            continue
        # Two headings in a row ("论文阅读 核心贡献") only when the second is a known word.
        if not _is_section_word(word) and word.startswith(_SUBJECTS):
            continue  # 本文主要介绍 BERT…: the subject of a sentence, not a section's name
        follows_heading = last_end >= 0 and not text[last_end:m.start("h")].strip()
        if not (
            _after_sentence_end(text, m.start("h"))
            or (follows_heading and _is_section_word(word))
            or _stands_out(text, m.start("h"), word)
        ):
            continue
        if _inside_math(text, m.start("h")):
            continue
        last_end = m.end("h")
        yield m


def _stands_out(text: str, start: int, word: str) -> bool:
    """A known section word where no sentence ended, yet plainly a heading.

    Numbered ("… 5 月出的 1. Motivation 1.1 …"), or after a title or paper name in Latin letters
    ("[2502.09992] Large Language Diffusion Models 背景 主流…"), where prose would rarely set a
    bare section word between spaces — except the few that are everyday words (方法, 实验 …).
    """
    if not _is_section_word(word):
        return False
    if re.match(r"\d", word):
        return True
    before = text[:start].rstrip()
    return bool(before) and before[-1].isascii() and before[-1].isalnum() and word not in _PROSE_WORDS


def _is_section_word(word: str) -> bool:
    return re.sub(r"^\d{1,2}(?:\.\d{1,2})*\.?\s", "", word) in SECTION_WORDS


def _after_sentence_end(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    # not after ; or ;: the next clause of the same sentence is no section. A link line
    # (🔖 https://…) stands alone on the blog's page, so what follows it may be a heading.
    return not before or before[-1] in "。!?!?…" or re.search(r"https?://\S+$", before) is not None


def _inside_math(text: str, pos: int) -> bool:
    before = text[:pos]
    return before.count("\\(") > before.count("\\)") or before.count("\\[") > before.count("\\]")


def segments(body: str) -> list[tuple[str, str]]:
    """A section's body as (kind, value) pairs: text, math (inline), display, placeholder, url."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _MATH_RE.finditer(body):
        kind = m.lastgroup
        value = m.group(kind)
        end = m.end()
        if kind == "url":
            stripped = value.rstrip(_URL_TRAILING)
            end -= len(value) - len(stripped)
            value = stripped
        if m.start() > pos:
            out.append(("text", body[pos:m.start()]))
        if kind in ("display", "inline"):
            out.append(("display" if kind == "display" else "math", value.strip()))
        else:
            out.append((kind, value))
        pos = end
    tail = body[pos:]
    # A truncated excerpt can stop inside a formula: what was captured of it is still math.
    cut = re.search(r"\\[\[(]", tail)
    if cut and tail[cut.end():].strip():
        if cut.start():
            out.append(("text", tail[:cut.start()]))
        out.append(("display" if tail[cut.start() + 1] == "[" else "math", tail[cut.end():].strip()))
    elif tail:
        out.append(("text", tail))
    return out


def parse(text: str) -> list[dict]:
    """Sections with their segments, math converted: [{"heading", "segments": [(kind, value)]}]."""
    text = clean(text)
    sections = []
    for sec in split_sections(text):
        segs = []
        for kind, value in segments(sec["body"]):
            if kind in ("math", "display"):
                value = math_to_unicode(value, display=kind == "display")
            elif kind == "text":
                value = _LIST_ITEM_RE.sub("\n", value)
            segs.append((kind, value))
        sections.append({"heading": sec["heading"], "segments": segs})
    return sections


# ---------------------------------------------------------------- LaTeX → Unicode

_SUB = dict(zip("0123456789+-−=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))
_SUP = dict(zip(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχ",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡ",
))
# Rewrite x_{…}, x^\alpha, x_0 as \kbsub{…}/\kbsup{…} so the converter sees the script's extent.
_SCRIPT_RE = re.compile(r"(?<!\\)([_^])\s*(\{|\\[A-Za-z]+|\\.|[^\s{}\\])")
# \log p would lose its space (LaTeX eats it after a macro): keep these as words.
_FUNC_RE = re.compile(r"\\(log|ln|exp|sin|cos|tan|det|dim|ker|arg|deg|Pr|max|min)(?![A-Za-z])\s*(?=[A-Za-z0-9\\(])")
# A macro eats the space after it (x \in \{0,1\} would read "x ∈{0,1}", \alpha + b "α+ b"): where the
# source spaced a relation, or a symbol before an operator, an empty group ends the macro so that
# the space stays, as on the page.
_SPACED_MACRO_RE = re.compile(
    r"(?<=\s)\\(?:in|notin|ni|mid|sim|simeq|approx|equiv|propto|neq|ne|leq?|geq?|ll|gg|subset|subseteq|supset"
    r"|supseteq|to|rightarrow|leftarrow|Rightarrow|Leftarrow|iff|mapsto|cdot|times|pm|c?dots|ldots)(?![A-Za-z])(?=\s)"
    r"|\\[A-Za-z]+(?=\s+[-+=<>*/])"
)
# An alignment point before a relation (aligned's "&=") is a space in one line of text, not a column.
_ALIGN_RE = re.compile(r"\s*(?<!\\)&\s*([=<>]|\\(?:leq?|geq?|approx|equiv|sim|propto|neq?)(?![A-Za-z]))\s*")


def math_to_unicode(src: str, *, display: bool = False) -> str:
    """LaTeX math as readable Unicode (𝔼_(z∼p_θ(z)), xₜ₋₁, √(1-βₜ)); the source itself if it will not parse.

    Display math keeps the line breaks of aligned environments; inline math is one line.
    """
    try:
        out = _convert(src)
    except Exception:  # noqa: BLE001 - captured LaTeX is often broken; the source is still readable
        return clean(src).strip()
    if display:
        # keep the spacing of \qquad and \tag; an aligned environment keeps its lines
        out = "\n".join(line.strip() for line in out.split("\n") if line.strip())
    else:
        out = re.sub(r"[ \t]*\n[ \t]*", " ", out)
    out = clean(out).strip()
    return out or clean(src).strip()


def _convert(src: str) -> str:
    walker_ctx, text_ctx = _contexts()
    from pylatexenc import latex2text, latexwalker

    prepared = _FUNC_RE.sub(lambda m: m.group(1) + " ", src)
    prepared = _SPACED_MACRO_RE.sub(lambda m: m.group(0) + "{}", _ALIGN_RE.sub(r" \1 ", prepared))
    prepared = _SCRIPT_RE.sub(_script_macro, prepared)
    walker = latexwalker.LatexWalker(prepared, latex_context=walker_ctx, tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes()
    l2t = latex2text.LatexNodes2Text(latex_context=text_ctx, math_mode="text", strict_latex_spaces=True)
    return l2t.nodelist_to_text(nodes)


def _script_macro(m: re.Match) -> str:
    name = "kbsub" if m.group(1) == "_" else "kbsup"
    token = m.group(2)
    return f"\\{name}{{" if token == "{" else f"\\{name}{{{token}}}"


@lru_cache(maxsize=1)
def _contexts():
    # pylatexenc costs ~20 ms to import: only posts with math pay for it.
    from pylatexenc import latex2text, latexwalker, macrospec

    walker_ctx = latexwalker.get_default_latex_context_db()
    walker_ctx.add_context_category(
        "kb", prepend=True,
        macros=[macrospec.MacroSpec("kbsub", "{"), macrospec.MacroSpec("kbsup", "{"), macrospec.MacroSpec("tag", "*{")],
    )
    text_ctx = latex2text.get_default_latex_context_db()
    text_ctx.add_context_category(
        "kb", prepend=True,
        macros=[
            latex2text.MacroTextSpec("kbsub", simplify_repl=lambda n, l2tobj: _script(_arg(n, l2tobj, -1), _SUB, "_")),
            latex2text.MacroTextSpec("kbsup", simplify_repl=lambda n, l2tobj: _script(_arg(n, l2tobj, -1), _SUP, "^")),
            latex2text.MacroTextSpec("tag", simplify_repl=lambda n, l2tobj: f"    ({_arg(n, l2tobj, -1).strip()})"),
            latex2text.MacroTextSpec("frac", simplify_repl=_frac),
            latex2text.MacroTextSpec("dfrac", simplify_repl=_frac),
            latex2text.MacroTextSpec("tfrac", simplify_repl=_frac),
        ],
    )
    return walker_ctx, text_ctx


def _arg(node, l2tobj, index: int) -> str:
    args = node.nodeargd.argnlist if node.nodeargd else []
    if not args or args[index] is None:
        return ""
    return l2tobj.nodelist_to_text([args[index]])


def _script(text: str, table: dict, mark: str) -> str:
    t = text.strip()
    if t and all(ch in table for ch in t):
        return "".join(table[ch] for ch in t)
    if len(t) <= 1 or re.fullmatch(r"\w+", t):
        return mark + t
    return f"{mark}({t})"


def _frac(node, l2tobj) -> str:
    num, den = (_arg(node, l2tobj, i).strip() for i in (-2, -1))
    out = f"{_group(num)}/{_group(den)}"
    # Written next to a factor (log\frac{p}{q}, \frac{1}{2}x) a bare a/b would swallow it or
    # run into it: "logp(x|y)/p(x)". Parenthesized, it reads as one term.
    return f"({out})" if _touches_factor(node) else out


def _touches_factor(node) -> bool:
    try:
        src, start, end = node.parsing_state.s, node.pos, node.pos + node.len
    except AttributeError:  # an older pylatexenc without positions: leave it bare
        return False
    before = src[:start]
    after = src[end:].lstrip()
    if before and (before[-1].isalnum() or before[-1] in ")]}"):
        return True
    return bool(after) and (
        after[0].isalnum() or after[0] in "([" or re.match(r"\\(?!(?:kbsub|kbsup|right|end|tag|[a-z]*quad|sum|prod|i*int|oint|lim)\b)[A-Za-z]", after) is not None
    )


def _group(t: str) -> str:
    """t, parenthesized when a / next to it would be misread (1/(2N), (a+b)/c)."""
    depth = 0
    for i, ch in enumerate(t):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and (ch in " +-−=<>,;/·×∼∈|" or (ch.isalpha() and i and t[i - 1].isdigit())):
            return f"({t})"
    return t


# ---------------------------------------------------------------- data from other parts


def definition_terms(conn: sqlite3.Connection, post_id: int) -> list[str]:
    """The post's key terms, as the quiz extracted them (none before the cards table exists)."""
    return list(defined_terms(conn, post_id))


def defined_terms(conn: sqlite3.Connection, post_id: int) -> dict[str, int]:
    """{term: where the post defines it}: the offset of the definition's marker in the NFKC text."""
    try:
        rows = conn.execute(
            "SELECT term, MIN(position) FROM cards WHERE post_id = ? AND active = 1 GROUP BY term ORDER BY MIN(position)",
            (post_id,),
        ).fetchall()
    except sqlite3.OperationalError:  # no cards table (or not this shape) in this database yet
        return {}
    return {r[0]: r[1] or 0 for r in rows if r[0] and r[0].strip()}


def term_occurrences(sections: list[dict], term: str) -> int:
    """How often term occurs where render() looks for it: headings and text segments."""
    return sum(
        (sec["heading"] or "").count(term) + sum(v.count(term) for k, v in sec["segments"] if k == "text")
        for sec in sections
    )


def defining_occurrence(text: str, sections: list[dict], term: str, position: int) -> int:
    """Which occurrence of term (0: the first) is the one its definition follows.

    A post often names a term before it defines it (文章…介绍重参数 … 重参数(Reparameterization)
    实际上是…): the reader wants the definition marked. The cards record where the definition's
    marker is in the NFKC text; the last occurrence of the term before it is the defined one.
    Math, links and placeholders are blanked first, as render() never looks inside them.
    """
    import unicodedata

    blank = _MATH_RE.sub(lambda m: " " * len(m.group()), unicodedata.normalize("NFKC", clean(text)))
    starts, i = [], blank.find(term)
    while 0 <= i <= position:
        starts.append(i)
        i = blank.find(term, i + len(term))
    k = len(starts) - 1
    # Where the rendered text has fewer occurrences (NFKC folded a full-width letter): the first.
    return k if 0 < k < term_occurrences(sections, term) else 0


def view(conn: sqlite3.Connection, post: dict) -> dict:
    """Everything `kb show` prints, as plain data."""
    from kb import related

    sections = parse(post["text"])
    defined = defined_terms(conn, post["id"])
    return {
        **post,
        "sections": sections,
        "terms": list(defined),
        # term → which of its occurrences to highlight: the one at its definition
        "term_at": {t: defining_occurrence(post["text"], sections, t, pos) for t, pos in defined.items()},
        "related": related.for_post(conn, post["id"]),
    }


# ---------------------------------------------------------------- rendering


def render(data: dict, *, raw: bool = False):
    """A Rich renderable for a post view (see view()); raw shows the captured text as it is."""
    from rich.console import Group
    from rich.text import Text

    parts: list = list(_header(data))
    parts.append(Text(""))
    if raw:
        parts.append(Wrapped(Text(clean(data["text"]) + (" …" if data.get("truncated") else ""))))
        return Group(*parts)
    # Each key term is highlighted once, at its definition (see defining_occurrence).
    targets = {t: data.get("term_at", {}).get(t, 0) for t in data.get("terms", [])}
    seen = dict.fromkeys(targets, 0)
    sections = data["sections"]
    for i, sec in enumerate(sections):
        if sec["heading"]:
            if i:
                parts.append(Text(""))
            heading = clean(sec["heading"])
            heading_text = Text(style="bold")
            _append_text(heading_text, heading, targets, seen)
            parts.append(heading_text)
            parts.append(Text("─" * _cells(heading), style="dim"))
        para = Text()
        last = i == len(sections) - 1
        for kind, value in sec["segments"]:
            if kind == "display":
                if para.plain.strip():
                    parts.append(Wrapped(_strip(para)))
                parts.append(Wrapped(Text().append(value, style=_math_style()), indent=4))
                para = Text()
            elif kind == "math":
                para.append(value, style=_math_style())
            elif kind == "placeholder":
                para.append(PLACEHOLDER, style="dim")
            elif kind == "url":
                para.append(value, style=f"underline link {value}" if _linkable(value) else "underline")
            else:
                _append_text(para, value, targets, seen)
        if last and data.get("truncated"):
            para.append(" …", style="dim")
        if para.plain.strip():
            parts.append(Wrapped(_strip(para)))
    if data.get("related"):
        parts += [Text(""), Text("Related", style="bold"), Text("─" * 7, style="dim")]
        for r in data["related"]:
            line = Text(clean(r["title"]))
            line.append(f"  {r['slug']}", style="cyan")
            if r.get("terms"):
                line.append("  (" + ", ".join(clean(t) for t in r["terms"]) + ")", style="dim")
            parts.append(Wrapped(line, indent=2, bullet="• "))
    return Group(*parts)


def _header(data: dict):
    from rich.text import Text

    yield Text(clean(data["title"]), style="bold")
    yield Text(
        f"{clean(data.get('category')) or 'no category'} · {date_cell(data)} · {data['slug']}", style="dim"
    )
    seen = ", ".join(f"{clean(s['file'])} #{s['position']}" for s in data.get("sources", []))
    yield Wrapped(Text(f"seen in: {seen or 'no capture'}", style="dim"))
    if data.get("truncated"):
        yield Text("excerpt: the site truncated it", style="yellow")


def _append_text(para, value: str, targets: dict[str, int], seen: dict[str, int]) -> None:
    """Append text, highlighting the occurrence of each key term that targets names.

    seen counts each term's occurrences so far (in the order render() meets the text).
    """
    spans = []
    for term, wanted in targets.items():
        i = value.find(term)
        while i >= 0:
            if seen[term] == wanted:
                spans.append((i, i + len(term)))
            seen[term] += 1
            i = value.find(term, i + len(term))
    offset = len(para.plain)
    para.append(value)
    end = -1
    for a, b in sorted(spans, key=lambda ab: (ab[0], -ab[1])):
        if a >= end:  # one term inside another (扩散 in 扩散模型): the outer one is marked
            para.stylize("bold underline", offset + a, offset + b)
            end = b


def _strip(text):
    text.rstrip()
    # a leading space is left from where the heading or display formula was cut out
    plain = text.plain
    lead = len(plain) - len(plain.lstrip(" "))
    return text[lead:] if lead else text


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
def _math_style():
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


def _linkable(url: str) -> bool:
    # Rich writes the target into an OSC 8 sequence: only plain printable ASCII goes there.
    return all(33 <= ord(ch) < 127 for ch in url)


def _cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)
