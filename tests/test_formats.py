"""Saved HTML pages and Markdown clips of the bundled captures give the database the text captures
give: every post, sighting, card, index row and related post (tests/pages.py makes the pages)."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from kb.posts import capture_html, capture_md, formats
from tests.conftest import CAPTURES, db_content as content
from tests.pages import markdown_clip, saved_page

MATH_STYLES = ["mathjax", "katex", "text", "mathjax", "katex"]


@pytest.fixture(scope="module")
def text_db(tmp_path_factory):
    from typer.testing import CliRunner

    from kb.cli import app

    db = tmp_path_factory.mktemp("text") / "kb.db"
    r = CliRunner().invoke(app, ["--db", str(db), "import", *map(str, CAPTURES)])
    assert r.exit_code == 0, r.stdout
    return content(db)


def write_pages(folder: Path) -> dict[str, list[int]]:
    """The five saved pages (the three card layouts, MathJax 2, KaTeX and text formulas), each with
    the resources folder a browser saves beside it; returns each page's excerpt lines."""
    folder.mkdir()
    lines = {}
    for k, path in enumerate(CAPTURES):
        page, where = saved_page(path.read_text(encoding="utf-8"), variant=k % 3, math=MATH_STYLES[k])
        (folder / f"{path.stem}.html").write_text(page, encoding="utf-8")
        resources = folder / f"{path.stem}_files"
        resources.mkdir()
        (resources / "ad-frame.html").write_text("<html><body><p>广告位招租,联系我们获取更多的曝光机会和合作方式。</p></body></html>")
        (resources / "app.js").write_text("document.title = 'x';")
        lines[path.stem] = where
    return lines


def test_saved_pages_give_the_database_of_the_text_captures(kb, tmp_path, text_db):
    lines = write_pages(tmp_path / "pages")
    db = tmp_path / "html.db"
    r = kb("--db", db, "import", tmp_path / "pages", "--json")
    assert r.code == 0, r
    report = r.json()
    # The resources folders beside the pages are not captures.
    assert report["files_read"] == 5 and report["formats"] == {"html": 5}
    assert (report["new_posts"], report["merged_duplicates"]) == (43, 16)
    assert content(db) == text_db
    # A sighting's line is the page's line where the excerpt's text starts.
    conn = sqlite3.connect(db)
    for stem, expected in lines.items():
        found = [n for (n,) in conn.execute("SELECT line FROM sightings WHERE file = ? ORDER BY position", (f"{stem}.html",))]
        assert found == expected, stem
    assert {f for (f,) in conn.execute("SELECT format FROM sources")} == {"html"}


@pytest.mark.parametrize("obsidian_math", [False, True], ids=["turndown-escaped", "obsidian-dollars"])
def test_markdown_clips_give_the_database_of_the_text_captures(kb, tmp_path, text_db, obsidian_math):
    folder = tmp_path / "clips"
    folder.mkdir()
    for path in CAPTURES:
        (folder / f"{path.stem}.md").write_text(markdown_clip(path.read_text(encoding="utf-8"), obsidian_math), encoding="utf-8")
    db = tmp_path / "md.db"
    r = kb("--db", db, "import", folder, "--json")
    assert r.code == 0, r
    assert r.json()["formats"] == {"markdown": 5}
    assert content(db) == text_db
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT format, provenance FROM sources").fetchall()
    assert {(f, p) for f, p in rows} == {("markdown", json.dumps({"source": "https://kexue.fm/page/2", "created": "2026-01-25"}))}


def test_one_capture_in_three_formats_is_one_set_of_posts(kb, tmp_path):
    folder = tmp_path / "mixed"
    write_pages(folder)
    for path in CAPTURES:
        (folder / f"{path.stem}.md").write_text(markdown_clip(path.read_text(encoding="utf-8")), encoding="utf-8")
        (folder / path.name).write_bytes(path.read_bytes())
    r = kb("import", folder, "--json")
    assert r.code == 0, r
    report = r.json()
    assert report["formats"] == {"text": 5, "html": 5, "markdown": 5}
    assert report["new_posts"] == 43 and report["excerpts_seen"] == 3 * 59
    human = kb("import", folder)  # unchanged now: the summary line names no format
    assert "unchanged files skipped: 15" in human.stdout


def test_a_page_is_html_whatever_it_is_called(kb, tmp_path):
    page, _ = saved_page(CAPTURES[0].read_text(encoding="utf-8"))
    (tmp_path / "page.txt").write_text(page, encoding="utf-8")
    r = kb("import", tmp_path / "page.txt", "--json")
    assert r.code == 0, r
    assert r.json()["formats"] == {"html": 1} and r.json()["new_posts"] == 12
    piped = kb("--db", tmp_path / "stdin.db", "import", "-", "--json", input=page.encode("utf-8"))
    assert piped.code == 0 and piped.json()["formats"] == {"html": 1}, piped
    # Nothing of the markup reached a post.
    latest = kb("latest", "-n", "0", "--json").json()
    assert not [p for p in latest if "<" in p["title"] or "doctype" in p["slug"]]


def test_one_overlong_card_costs_its_line_not_the_page(kb, tmp_path):
    text = CAPTURES[0].read_text(encoding="utf-8")
    blob = "很长的一段" * 50_400  # 252,000 characters: a dump pasted into one card
    text = text.replace("LATEST UPDATES\n", f"LATEST UPDATES\nDeep Learning\n2026-01-30\n{blob}\n", 1)
    page, lines = saved_page(text)
    path = tmp_path / "long.html"
    path.write_text(page, encoding="utf-8")
    r = kb("import", path, "--json")
    assert r.code == 0, r
    report = r.json()
    assert report["new_posts"] == 12
    assert report["skipped_lines"] == [{"path": str(path), "line": lines[0], "length": 252_000}]
    assert f"kb: warning: {path}: line {lines[0]} is 252,000 characters long" in r.stderr
    # The metadata above the skipped card describes no other excerpt.
    posts = kb("latest", "-n", "0", "--json").json()
    assert "2026-01-30" not in {p["date"] for p in posts}
    plain = tmp_path / "long.txt"
    plain.write_text(text, encoding="utf-8")
    again = kb("--db", tmp_path / "t.db", "import", plain, "--json")
    assert again.code == 0 and again.json()["skipped_lines"] == [{"path": str(plain), "line": 6, "length": 252_000}]


# ---------------------------------------------------------------- the HTML reader


def lines_of(page: str) -> list[str]:
    return [text for _, text in capture_html.page_lines(page)[0]]


def test_html_blocks_entities_and_chrome():
    page = """<!doctype html><html><head><title>t</title><style>p{}</style></head><body>
    <nav><a href="/">Home</a></nav><header><h1>Site name</h1></header>
    <main><p>第一段&nbsp;文字 &amp; &lt;b&gt; &#x4e2d;&#25991;<br>换行之后</p>
    <div hidden>藏起来的</div><div style="display: none">也藏起来</div><span class="sr-only">读屏</span>
    <pre>line one
  line two</pre><p>x<sup>2</sup> and <em>emphasis</em></p>
    <p><a href="/tag/a">标签</a></p><p><a href="/c">Deep Learning</a></p><p><time datetime="2026-01-22T08:00">Jan 22</time></p>
    <p><span class="MathJax_Preview"></span><span class="MathJax">x</span><script type="math/tex">x_1</script> and
    <mjx-container class="MathJax" jax="CHTML"><mjx-math>y</mjx-math></mjx-container></p>
    </main><aside>侧栏</aside><footer>© 2026</footer><script>var a = "<p>no</p>";</script></body></html>"""
    assert lines_of(page) == [
        "第一段\u00a0文字 & <b> 中文", "换行之后", "line one", "line two", "x2 and emphasis",
        "Deep Learning", "2026-01-22", "\\(x_1\\) and [Math]",
    ]


def test_html_page_in_gbk_says_so_in_its_meta():
    page = '<html><head><meta charset="gb2312"></head><body><p>标准化流是一类对概率分布进行建模的工具,用可逆变换...</p></body></html>'
    cap = formats.read(page.encode("gbk"), "page.html")
    assert cap.format == "html" and cap.excerpts[0].text == "标准化流是一类对概率分布进行建模的工具,用可逆变换"


def test_detect_by_sniffing_then_extension():
    assert formats.detect(b"  <!DOCTYPE html><html>", "a.txt") == "html"
    assert formats.detect(b'<div class="card"><p>x</p></div>', None) == "html"
    assert formats.detect(b"---\nsource: x\n---\n# t\n", None) == "markdown"
    assert formats.detect(b"# t\n", "clip.md") == "markdown"
    assert formats.detect(b"<not a tag", "a.txt") == "text"
    assert formats.detect(b"plain", None) == "text"


# ---------------------------------------------------------------- the Markdown reader


def md_lines(text: str) -> list[str]:
    return [line for _, line in capture_md.body_lines(text)[0]]


def test_markdown_syntax_goes_text_and_formulas_stay():
    text = (
        "# Heading #\n\n**粗体** and *em* and ~~del~~ and ==mark== [link](http://x \"t\") ![img](y.png) "
        "[[Page|别名]] [[Other]] ![[pic.png]] `code` \\*star\\* &amp; <span>tag</span>\n\n"
        "1. first item\n2. second\n\n- bullet\n\n> quoted\n\n```\ncode block\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "money $5 and $10, formula $x_1 * y_2$ and $$\\sum_{i} a_i\n+ b$$ after, \\(p_{\\theta}\\) kept\n"
    )
    assert md_lines(text) == [
        "Heading", "粗体 and em and del and mark link 别名 Other code *star* & tag",
        "1. first item", "2. second", "bullet", "quoted",
        "money $5 and $10, formula \\(x_1 * y_2\\) and \\[\\sum_{i} a_i + b\\] after, \\(p_{\\theta}\\) kept",
    ]


def test_front_matter_is_provenance_and_lines_keep_their_numbers():
    text = "---\ntitle: x\nsource: https://kexue.fm/\ncreated: 2026-01-25\ntags: [a]\n---\n\n$$a\nb\nc$$\n\n第二段的文字\n"
    cap = formats.read(text.encode(), "clip.md")
    assert cap.provenance == {"source": "https://kexue.fm/", "created": "2026-01-25"}
    assert [(e.line, e.text) for e in cap.excerpts] == [(8, "\\[a b c\\]"), (12, "第二段的文字")]
    broken = "---\nsource: [unclosed\ncreated: 2026-01-25\n---\n正文\n"
    assert capture_md.front_matter(broken)[0] == {"source": "[unclosed", "created": "2026-01-25"}


def test_a_category_and_date_in_one_paragraph_stay_apart():
    assert md_lines("[Deep Learning](/c)\n2026-01-22\n文章从连续情形出发\n接着讲\n\n[跳到正文](#main)\n") == [
        "Deep Learning", "2026-01-22", "文章从连续情形出发 接着讲"]


REALTEXT = sorted((Path(__file__).parent / "data" / "realtext" / "captures").glob("*.txt"))


@pytest.mark.parametrize("path", REALTEXT, ids=[p.stem for p in REALTEXT])
def test_real_text_reads_the_same_in_every_format(path):
    """Text nobody tuned the readers to: the real-text captures as pages and clips."""
    text = path.read_text(encoding="utf-8")
    k = REALTEXT.index(path)
    want = [(e.text, e.truncated, e.category, e.date) for e in formats.read(text.encode(), path.name).excerpts]
    page, _ = saved_page(text, variant=k % 3, math=["mathjax", "katex", "text"][k % 3])
    for data, name in ((page, "p.html"), (markdown_clip(text, k % 2 == 1), "c.md")):
        got = [(e.text, e.truncated, e.category, e.date) for e in formats.read(data.encode(), name).excerpts]
        assert got == want, name
