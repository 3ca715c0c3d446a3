"""Saved pages and Markdown clips made from text captures, as a browser and a web clipper make them.

The generators read a text capture's lines with rules of their own (not kb's parser) and lay them
out as a listing page would: a <head> with scripts and styles, a site header with navigation, cards
holding category, date and excerpt, pagination, a sidebar, a footer; formulas rendered by MathJax 2,
by KaTeX or left as text; entities, inline markup and wrapped source lines. The clip has front matter
and Markdown escaping as Turndown (Obsidian's Web Clipper) writes it, or Obsidian's own $…$ math.
"""
from __future__ import annotations

import html
import re

BANNERS = ("INCOMING TRANSMISSION", "LATEST UPDATES")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
PAGINATION = re.compile(r"^[\d\s.]+$")
MATH = re.compile(r"\\\((.*?)(?:\\\)|$)|\\\[(.*?)(?:\\\]|$)")
WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")


def cards(text: str) -> list[tuple[str, ...]]:
    """A text capture as the page's items: ('banner', text), ('card', category, date, excerpt),
    ('pagination', text). A card's category, date or excerpt may be missing ('')."""
    lines = [ln.strip() for ln in text.split("\n")]
    items: list[tuple[str, ...]] = []
    category = date = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        following = next((ln for ln in lines[i + 1:i + 3] if ln), "")
        if not line:
            pass
        elif line in BANNERS:
            items.append(("banner", line))
        elif PAGINATION.match(line):
            items.append(("pagination", line))
        elif DATE.match(line):
            date = line
        elif DATE.match(following) and len(line) <= 40:
            category = line
        else:
            items.append(("card", category, date, line))
            category = date = ""
        i += 1
    if category or date:
        items.append(("card", category, date, ""))
    return items


def _segments(text: str) -> list[tuple[bool, str, str]]:
    """(is_math, the text or TeX, 'inline'|'display') pieces of an excerpt."""
    out, at = [], 0
    for m in MATH.finditer(text):
        if m.start() > at:
            out.append((False, text[at:m.start()], ""))
        closed = m.group(0).endswith(("\\)", "\\]"))
        if m.group(1) is not None:
            out.append((True, m.group(1), "inline" if closed else "inline-open"))
        else:
            out.append((True, m.group(2), "display" if closed else "display-open"))
        at = m.end()
    if at < len(text):
        out.append((False, text[at:], ""))
    return out


# ---------------------------------------------------------------- HTML


def _html_prose(text: str, marked: list[int]) -> str:
    """Prose as a page's source has it: escaped, some characters as entities, one word in <strong> and
    one in a link (once per excerpt), long runs wrapped at their spaces."""
    out = html.escape(text, quote=False).replace("—", "&mdash;").replace("“", "&ldquo;").replace("”", "&rdquo;")
    out = out.replace("的", "&#30340;").replace("中", "&#x4e2d;")
    if not marked[0]:
        m = WORD.search(out)
        if m:
            out = f"{out[:m.start()]}<strong>{m.group()}</strong>{out[m.end():]}"
            marked[0] = 1
    elif marked[0] == 1:
        m = WORD.search(out)
        if m:
            out = f'{out[:m.start()]}<a href="/tag/{len(m.group())}">{m.group()}</a>{out[m.end():]}'
            marked[0] = 2
    # Wrap at existing spaces (a browser shows a line end as the one space it replaces).
    words, line, wrapped = out.split(" "), 0, []
    for k, word in enumerate(words):
        wrapped.append(word)
        line += len(word) + 1
        if line >= 60 and k + 1 < len(words):
            wrapped.append("\n       ")
            line = 0
    return " ".join(wrapped).replace(" \n        ", "\n        ")


def _html_math(tex: str, kind: str, style: str, n: int) -> str:
    closed = not kind.endswith("-open")
    display = kind.startswith("display")
    if style == "mathjax" and closed:
        glyphs = html.escape(re.sub(r"\\[a-zA-Z]+|[{}_^]", " ", tex), quote=False)
        rendered = (f'<span class="MathJax_Preview" style="color: inherit;"></span>'
                    f'<span class="MathJax" id="MathJax-Element-{n}-Frame" tabindex="0" role="presentation">'
                    f'<nobr><span class="math"><span class="mrow">{glyphs}</span></span></nobr></span>')
        if display:
            rendered = f'<div class="MathJax_Display" style="text-align: center;">{rendered}</div>'
        kind_attr = "math/tex; mode=display" if display else "math/tex"
        return f'{rendered}<script type="{kind_attr}" id="MathJax-Element-{n}">{tex}</script>'
    if style == "katex" and closed:
        katex = (f'<span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML">'
                 f'<semantics><mrow><mi>x</mi></mrow><annotation encoding="application/x-tex">{html.escape(tex, quote=False)}'
                 f'</annotation></semantics></math></span><span class="katex-html" aria-hidden="true">'
                 f'<span class="base"><span class="mord mathnormal">x</span></span></span></span>')
        return f'<span class="katex-display">{katex}</span>' if display else katex
    # As text (the listing's excerpts often are): the delimiters as written, the site's cut kept.
    opening, closing = ("\\[", "\\]") if display else ("\\(", "\\)")
    return html.escape(opening + tex + (closing if closed else ""), quote=False)


def _html_excerpt(text: str, style: str, counter: list[int]) -> str:
    marked = [0]
    parts = []
    for is_math, piece, kind in _segments(text):
        if is_math:
            counter[0] += 1
            parts.append(_html_math(piece, kind, style, counter[0]))
        else:
            parts.append(_html_prose(piece, marked))
    return "".join(parts)


def _html_meta(category: str, date: str, variant: int) -> str:
    if not (category or date):
        return ""
    if variant == 0:
        cat = f'<a class="category" href="/category/{category.lower().replace(" ", "-")}">{html.escape(category)}</a> <span class="sep">·</span> ' if category else ""
        when = f'<time datetime="{date}T09:30:00+08:00">{date}</time>' if date else ""
        return f'<div class="card-meta">{cat}{when}</div>'
    if variant == 1:  # spans side by side with no space: the date element ends the category's line
        cat = f'<span class="category">{html.escape(category)}</span>' if category else ""
        when = f'<span class="date">{date}</span>' if date else ""
        return f'<header class="post-meta">{cat}{when}</header>'
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    cat = f'<li class="category">{html.escape(category)}</li>' if category else ""
    when = (f'<li><time datetime="{date}">{months[int(date[5:7]) - 1]} {int(date[8:])}, {date[:4]}</time></li>'
            if date else "")
    return f'<ul class="meta">{cat}{when}</ul>'


def saved_page(text: str, variant: int = 0, math: str = "text") -> tuple[str, list[int]]:
    """A saved listing page of a text capture, and the page's line of each excerpt's text.

    variant picks the card markup (0: <time> after a category link and a separator, 1: adjacent spans
    in a card <header>, 2: a list with a <time> whose text is no ISO date); math: 'mathjax', 'katex'
    or 'text'."""
    head = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>科学空间|Scientific Spaces</title>
<link rel="stylesheet" href="./page_files/style.css">
<style>.card{margin:1em 0}.card-meta::after{content:"INCOMING TRANSMISSION"} body{font-family:sans-serif}</style>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}
var tpl = "<article class='card'><p>模板里的一段摘录文字,不是页面上的卡片,不应该被导入。</p></article>";</script>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Blog","name":"科学空间"}</script>
<script type="text/x-mathjax-config">MathJax.Hub.Config({tex2jax: {inlineMath: [['\\\\(','\\\\)']]}});</script>
</head>
<body class="home">
<a class="skip-link" href="#main">跳到正文</a>
<header class="site-header">
  <a class="logo" href="/">科学空间</a>
  <nav class="main-nav"><ul><li><a href="/">首页</a></li><li><a href="/archives">归档</a></li><li><a href="/about">关于博主</a></li></ul></nav>
  <form class="search" action="/search"><input name="q" placeholder="搜索"><button>搜索</button></form>
</header>
<div class="layout">
<main id="main">
"""
    tail = """</main>
<aside class="sidebar">
  <h3>热门文章</h3>
  <ul><li><a href="/archives/5253">变分自编码器(一):原来是这么一回事</a></li><li><a href="/archives/9119">生成扩散模型漫谈(一):DDPM = 拆楼 + 建楼</a></li></ul>
  <div class="widget"><p>订阅本站的最新文章,请在下方输入你的邮箱地址。这是一段足够长的侧栏说明文字,不属于任何一张卡片。</p></div>
</aside>
</div>
<footer class="site-footer"><p>© 2009-2026 科学空间 · 本站内容采用 CC BY-NC-SA 4.0 许可,转载请注明出处并附上原文链接。</p><p><a href="/feed">RSS</a></p></footer>
<div id="cookie-banner" hidden><p>本站使用 Cookie 来改善您的浏览体验,继续浏览即表示您同意我们使用 Cookie。</p></div>
<script src="./page_files/app.js"></script>
<script>document.querySelectorAll('.card').forEach(function(c){c.addEventListener('click',function(){})});</script>
<noscript><p>请启用 JavaScript 以获得完整的阅读体验,否则页面上的部分公式无法正常显示。</p></noscript>
</body>
</html>
"""
    body: list[str] = []
    lines: list[int] = []
    counter = [0]
    banners = [item[1] for item in cards(text) if item[0] == "banner"]
    if banners:
        body.append('<section class="hero">' + "".join(f"<h{k + 1}>{b}</h{k + 1}>" for k, b in enumerate(banners)) + "</section>\n")
    block = "div" if math == "mathjax" else "p"  # MathJax's display <div> would end a <p>
    for item in cards(text):
        if item[0] == "pagination":
            links = " ".join(f'<a href="/page/{w}">{w}</a>' if w.isdigit() else f"<span>{w}</span>" for w in item[1].split())
            body.append(f'<nav class="pagination">{links}</nav>\n')
        elif item[0] == "card":
            _, category, date, excerpt = item
            body.append('<article class="card">\n  ' + _html_meta(category, date, variant) + "\n")
            if excerpt:
                before = "".join(body)
                lines.append(head.count("\n") + before.count("\n") + 1)
                more = ' <a class="more" href="/archives/1">阅读全文 »</a>' if variant == 0 else ""
                body.append(f'  <{block} class="excerpt">{_html_excerpt(excerpt, math, counter)}</{block}>{more}\n')
            body.append("</article>\n")
    return head + "".join(body) + tail, lines


# ---------------------------------------------------------------- Markdown


def _md_escape(text: str) -> str:
    """Turndown's escaping of text that is no Markdown (what Obsidian's Web Clipper writes)."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)


def _md_line_start(line: str) -> str:
    """Turndown's escaping of a line that would start a heading, list or quote."""
    m = re.match(r"(\d+)\. ", line)
    if m:
        return f"{m.group(1)}\\. {line[m.end():]}"
    return "\\" + line if re.match(r"#{1,6} |[-+] |>", line) else line


def _md_excerpt(text: str, obsidian_math: bool) -> str:
    """An excerpt as the clip has it: one word in bold and one linked (with a title), formulas as
    Obsidian's $…$ where it reads them (else as escaped text, as Turndown writes any text)."""
    marked = False
    parts: list[str] = []
    segments = _segments(text)
    for k, (is_math, piece, kind) in enumerate(segments):
        closed = not kind.endswith("-open")
        after = segments[k + 1][1][:1] if k + 1 < len(segments) and not segments[k + 1][0] else " "
        # Where $…$ reads as a formula: no space inside the dollars, no digit after (pandoc's rule,
        # kb's too), no formula right before (two would make $$).
        dollars = piece == piece.strip() and "$" not in piece and not after.isdigit() and not (parts and parts[-1].endswith("$"))
        if is_math and obsidian_math and closed and dollars:
            parts.append(f"$${piece}$$" if kind == "display" else f"${piece}$")
        elif is_math:
            opening, closing = ("\\[", "\\]") if kind.startswith("display") else ("\\(", "\\)")
            parts.append(_md_escape(opening + piece + (closing if closed else "")))
        else:
            out = _md_escape(piece)
            m = WORD.search(out)
            if m and not marked:
                out = f"{out[:m.start()]}**{m.group()}**{out[m.end():]}"
                m2 = WORD.search(out, m.end() + 4)
                if m2:
                    out = f'{out[:m2.start()]}[{m2.group()}](https://kexue.fm/tag/{len(m2.group())} "标签"){out[m2.end():]}'
                marked = True
            parts.append(out)
    return _md_line_start("".join(parts))


def markdown_clip(text: str, obsidian_math: bool = False) -> str:
    """An Obsidian Web Clipper note of the listing page of a text capture, with its front matter."""
    out = ["---", 'title: "科学空间|Scientific Spaces"', 'source: "https://kexue.fm/page/2"', "author:",
           '  - "[[苏剑林]]"', "published:", "created: 2026-01-25", 'description: "分享科学,了解科学"',
           "tags:", '  - "clippings"', "---", "", "[跳到正文](#main)", ""]
    for item in cards(text):
        if item[0] == "banner":
            out += [("# " if item[1] == BANNERS[0] else "## ") + item[1], ""]
        elif item[0] == "pagination":
            out += [" ".join(f"[{w}](https://kexue.fm/page/{w})" if w.isdigit() else w for w in item[1].split()), ""]
        else:
            _, category, date, excerpt = item
            if category:
                out += [f"[{_md_escape(category)}](https://kexue.fm/category/{category.lower().replace(' ', '-')})", date, ""]
            elif date:
                out += [date, ""]
            if excerpt:
                out += [_md_excerpt(excerpt, obsidian_math), ""]
    out += ["![](https://kexue.fm/usr/themes/geekg/images/logo.png)", ""]
    return "\n".join(out)
