"""A post as a reader sees it in `kb show`: sections, LaTeX as Unicode, placeholders, links, key terms, Related.

parse() turns captured text into plain blocks; render() makes Rich Text of them (post text is data, never markup).
"""
from __future__ import annotations

import re
import sqlite3

from kb.show.latex import PLACEHOLDER, math_to_unicode
from kb.show.wrap import Wrapped, math_style
from kb.posts.reads import date_label
from kb.text import CJK, sanitize


def clean(text: str | None) -> str:
    """Post text safe for the terminal (kb.text.sanitize), a tab made one space: Wrapped counts a tab
    as one cell, and Rich, expanding it to the next tab stop, would push the rest of the line past
    the edge (lost)."""
    return sanitize(text).replace("\t", " ")


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
_SECTION_RE = "|".join(re.escape(w) for w in sorted(SECTION_WORDS, key=len, reverse=True))
# A heading candidate: at the start, after a sentence end, or right after another heading;
# then a known section word (optionally numbered: "1. Motivation") or a short run of Chinese.
_HEADING_RE = re.compile(
    rf"(?:^|(?<=\s))"
    rf"(?P<h>(?:\d{{1,2}}(?:\.\d{{1,2}})*\.?\s)?(?:{_SECTION_RE})|[{CJK}]{{2,10}})"
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
    return [(kind, value) for kind, value, _ in segment_spans(body)]


def segment_spans(body: str) -> list[tuple[str, str, int]]:
    """segments() with where each starts in body: (kind, value, start); a text or url segment's value
    is body[start:start + len(value)] (search snippets mark their matches in it)."""
    out: list[tuple[str, str, int]] = []
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
            out.append(("text", body[pos:m.start()], pos))
        if kind in ("display", "inline"):
            out.append(("display" if kind == "display" else "math", value.strip(), m.start()))
        else:
            out.append((kind, value, m.start()))
        pos = end
    tail = body[pos:]
    # A truncated excerpt can stop inside a formula: what was captured of it is still math.
    cut = re.search(r"\\[\[(]", tail)
    if cut and tail[cut.end():].strip():
        if cut.start():
            out.append(("text", tail[:cut.start()], pos))
        out.append(("display" if tail[cut.start() + 1] == "[" else "math", tail[cut.end():].strip(), pos + cut.start()))
    elif tail:
        out.append(("text", tail, pos))
    return out


def readable(text: str) -> str:
    """Post text with its formulas in Unicode, as kb show prints them (for the quiz screen).

    The cards keep the LaTeX (Anki renders \\( \\) itself); a learner should not have to read it.
    """
    if "\\(" not in text and "\\[" not in text:
        return text
    out = []
    for kind, value in segments(text):
        if kind in ("math", "display"):
            out.append(math_to_unicode(value))
        elif kind == "placeholder":
            out.append(PLACEHOLDER)
        else:
            out.append(value)
    return "".join(out)


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


# ---------------------------------------------------------------- data from other parts


def defined_terms(conn: sqlite3.Connection, post_id: int) -> dict[str, int]:
    """{term: where the post defines it}: the offset of the definition's marker in the NFKC text."""
    # card_sources: every post's own occurrences, also of a term whose card shows another post's definition.
    try:
        rows = conn.execute(
            "SELECT term, MIN(position) FROM card_sources WHERE post_id = ? GROUP BY term ORDER BY MIN(position)",
            (post_id,),
        ).fetchall()
    except sqlite3.OperationalError:  # a database from before card_sources (or without cards) that kb may not migrate
        try:
            rows = conn.execute(
                "SELECT term, MIN(position) FROM cards WHERE post_id = ? AND active = 1 GROUP BY term"
                " ORDER BY MIN(position)", (post_id,)).fetchall()
        except sqlite3.OperationalError:
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
    from kb.search import related

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


def render(data: dict, *, raw: bool = False, header: bool = True):
    """A Rich renderable for a post view (see view()); raw shows the captured text as it is; without
    header, the text alone (kb browse's preview says less above it)."""
    from rich.console import Group
    from rich.text import Text

    parts: list = [*_header(data), Text("")] if header else []
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
                parts.append(Wrapped(Text().append(value, style=math_style()), indent=4))
                para = Text()
            elif kind == "math":
                para.append(value, style=math_style())
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


def opening_sentence(text: str) -> str:
    """The post's first sentence, whole (its title names the subject; this is how the post begins)."""
    from kb.posts.naming import title_source

    src = title_source(text[:2000], urls=True)
    for i, ch in enumerate(src):
        if ch in "\u3002!?\uff01\uff1f" and not _inside_math(src, i):  # 。!? and full-width !?
            return readable(src[: i + 1])
    cut = 300
    if _inside_math(src, cut):  # not inside a formula: before it
        cut = max(src.rfind("\\(", 0, cut), src.rfind("\\[", 0, cut))
    return readable(src[:cut]).rstrip() + ("…" if len(src) > cut else "")


def _header(data: dict):
    from rich.text import Text

    yield Text(clean(data["title"]), style="bold")
    opening = clean(opening_sentence(data.get("text") or ""))
    ends = " \u3002.!?\uff01\uff1f…"
    if opening and opening.strip(ends) != clean(data["title"]).strip(ends):  # a title that is the sentence
        yield Wrapped(Text(opening, style="dim italic"))
    yield Text(
        f"{clean(data.get('category')) or 'no category'} · {date_label(data)} · {data['slug']}", style="dim"
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


def _linkable(url: str) -> bool:
    # Rich writes the target into an OSC 8 sequence: only plain printable ASCII goes there.
    return all(33 <= ord(ch) < 127 for ch in url)


def _cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)
