"""`kb show`: snapshots at a fixed width, hostile post text, --raw/--json, key terms, related posts.

Snapshots live in tests/snapshots/; each was read and checked by eye before it was committed.
Set KB_UPDATE_SNAPSHOTS=1 to rewrite them after a deliberate change (then read them again).
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import ROOT

SNAPSHOTS = Path(__file__).parent / "snapshots"

HOSTILE = (
    "Deep Learning\n2026-02-01\n"
    "简介 这是[bold red]红色[/]的字,还有[link=https://evil.example]点我[/link]。"
    " 方法 清屏\x1b[2J\x1b[31m红\x1b]8;;https://evil.example\x07链接\x1b]8;;\x07和回车\r覆盖,"
    "公式 \\(x_{t-1}\\) 与 [Math] 见 https://example.com/a_b?x=1 。\n"
)

ESC_SGR = re.compile(r"\x1b\[[0-9;]*m")
ESC_LINK = re.compile(r"\x1b\]8;[^\x1b\x07]*;[^\x1b\x07]*\x1b\\")


def cells(s: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("KB_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with KB_UPDATE_SNAPSHOTS=1 and read it"
    assert text == path.read_text(encoding="utf-8")


def import_dated(kb, path, text: str, date: str) -> dict:
    """Import a capture holding one post of this date (a date no bundled post has); its listing."""
    path.write_bytes(text.encode("utf-8"))  # as written: no newline translation of a stray \r
    r = kb("import", path)
    assert r.code == 0, r
    (post,) = [p for p in kb("latest", "-n", "0", "--json").json() if p["date"] == date]
    return post


@pytest.fixture
def hostile(kb, imported, tmp_path):
    return import_dated(kb, tmp_path / "hostile.txt", HOSTILE, "2026-02-01")["slug"]


# ---------------------------------------------------------------- snapshots


@pytest.mark.parametrize(
    "slug",
    [
        "gumbel-softmax-c31d",  # display and inline math, \tag, a section
        "representation-learning-940a",  # \frac, \sum, scripts, a leading section word
        "lstm-rnn-trn-c0da",  # two sections, no math
        "sd3-unet-dit-5de9",  # a URL, two headings in a row
        "jia-zhi-han-shu-665a",  # [公式] and [Math] placeholders
        "rf-top-input-18b3",  # a complete (untruncated) post
    ],
)
def test_show_snapshot(kb, imported, monkeypatch, slug):
    monkeypatch.setenv("KB_WIDTH", "80")
    r = kb("show", slug)
    assert r.code == 0, r
    assert all(cells(line) <= 80 for line in r.stdout.splitlines())
    check_snapshot(f"show-{slug}.txt", r.stdout)


def test_show_snapshot_of_hostile_text(kb, hostile, monkeypatch):
    monkeypatch.setenv("KB_WIDTH", "80")
    r = kb("show", hostile)
    assert r.code == 0, r
    check_snapshot("show-hostile.txt", r.stdout.replace(hostile, "<slug>"))


# ---------------------------------------------------------------- hostile text


def test_markup_in_post_text_is_printed_literally(kb, hostile):
    out = kb("show", hostile).stdout
    assert "[bold red]红色[/]" in out
    assert "[link=https://evil.example]点我[/link]" in out


def test_control_characters_never_reach_the_terminal_even_with_colour(kb, hostile, monkeypatch):
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    out = kb("show", hostile, "--no-pager").stdout
    assert "\x1b[" in out  # colour is on: styles are there
    # A link's target is always the URL the reader sees, never one hidden in the post text.
    plain_links = ESC_SGR.sub("", out)
    links = re.findall(r"\x1b\]8;[^;\x1b]*;([^\x1b]+)\x1b\\(.*?)\x1b\]8;;\x1b\\", plain_links, re.S)
    assert ("https://example.com/a_b?x=1", "https://example.com/a_b?x=1") in links
    assert all(target == shown for target, shown in links)
    rest = ESC_LINK.sub("", ESC_SGR.sub("", out))
    assert "\x1b" not in rest and "\r" not in rest and "\x07" not in rest
    listing = kb("latest", "-n", "0").stdout
    assert "\x1b" not in ESC_SGR.sub("", listing) and "\r" not in listing


def test_line_separators_bidi_marks_and_tabs_never_reach_the_terminal(kb, imported, tmp_path, monkeypatch):
    post = import_dated(
        kb, tmp_path / "separators.txt",
        "Deep Learning\n2026-02-03\n"
        "分隔符测试 行\u2028分隔\u2029段落\u200f标记\u061c和\u200e方向,制表\t\t\t\t\t\t符之后的文字还在。\n",
        "2026-02-03",
    )
    monkeypatch.setenv("KB_WIDTH", "40")
    for args in (["show", post["slug"]], ["show", post["slug"], "--raw"], ["latest", "-n", "3"]):
        out = kb(*args).stdout
        assert not re.search("[\u2028\u2029\u200e\u200f\u061c\t]", out), args
    out = kb("show", post["slug"]).stdout
    assert "符之后的文字还在" in "".join(out.split())  # a tab expanded past the edge used to cut it


def test_no_color_means_no_colour_codes(kb, hostile, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    out = kb("show", "gumbel-softmax-c31d", "--no-pager").stdout
    codes = set(re.findall(r"\x1b\[([0-9;]*)m", out))
    assert codes, "bold and dim are still allowed under NO_COLOR"
    assert not any(re.search(r"(^|;)(3[0-9]|9[0-7]|38)(;|$)", c) for c in codes)


def test_piped_output_carries_no_escape_codes(kb, imported):
    for args in (["show", "sd3-unet-dit-5de9"], ["latest"], ["categories"]):
        out = kb(*args).stdout
        assert "\x1b" not in out, args


# ---------------------------------------------------------------- what the view shows


def test_formulas_of_every_bundled_post_read_without_latex(kb, imported):
    for post in kb("latest", "-n", "0", "--json").json():
        out = kb("show", post["slug"]).stdout
        assert not re.search(r"\\[A-Za-z]+|\\[()\[\]]|[_^]\{", out), post["slug"]


def test_every_bundled_post_reads_cleanly_at_80_columns(kb, imported, monkeypatch):
    monkeypatch.setenv("KB_WIDTH", "80")
    for post in kb("latest", "-n", "0", "--json").json():
        out = kb("show", post["slug"]).stdout
        lines = out.splitlines()
        assert all(cells(line) <= 80 for line in lines), post["slug"]
        # closing punctuation never starts a line (… is the truncation mark, alone after a formula)
        assert not [line for line in lines if line and line[0] in ",。、;:!?)》」,;:!?)"], post["slug"]
        # a relation spaced on one side only ("x ∈{0,1}", "p(xᵢ |x₁)") is LaTeX eating a space
        # (x∈ … is a formula the site cut off)
        assert not re.search(r"\S [∈≤≥→∼]\S|\S[∈≤≥→∼] [^\s…]|\(\S+ \|\S", out), post["slug"]
        assert "logp(" not in out  # a fraction next to log is parenthesized


def test_header_says_where_the_post_was_seen_and_that_it_was_truncated(kb, imported):
    out = kb("show", "gumbel-softmax-c31d").stdout
    assert "seen in: 000_95b0f117114432d3.txt #1, 002_17172eb0b8d098d3.txt #3, 004_7aac8b760f341890.txt #2" in out.replace("\n", " ").replace("  ", " ")
    assert "excerpt: the site truncated it" in out
    assert "excerpt: the site truncated it" not in kb("show", "rf-top-input-18b3").stdout


def test_raw_shows_the_captured_text(kb, imported):
    out = kb("show", "gumbel-softmax-c31d", "--raw").stdout
    assert r"\[L_{\theta}=\mathbb{E}_{z\sim p_{\theta}(z)}[f(z)]\tag{1}\]" in out.replace("\n", "")
    assert "Related" not in out


def test_placeholders_are_marked_as_not_captured(kb, imported):
    out = kb("show", "jia-zhi-han-shu-665a").stdout
    assert "[Math]" not in out and "[公式]" not in out
    assert out.count("[formula not captured]") == 2


def test_key_terms_are_highlighted(kb, imported, monkeypatch):
    cards = sqlite3.connect(imported).execute(
        "SELECT DISTINCT term FROM cards c JOIN posts p ON p.id = c.post_id WHERE p.slug = 'gumbel-softmax-c31d'"
    ).fetchall()
    assert ("重参数",) in cards
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = kb("show", "gumbel-softmax-c31d", "--no-pager").stdout
    # once, where the post defines it, not where the introduction first names it
    assert len(re.findall(r"\x1b\[1;4m重参数", out)) == 1
    assert re.search(r"\x1b\[1;4m重参数\x1b\[0m\(Reparameterization\) 实际上是", out)
    # a term named first in a question and then defined: the definition (什么是Word2Vec和… Word2Vec是…)
    out = kb("show", "word2vec-embeddings-nlp-4867", "--no-pager").stdout
    assert "什么是Word2Vec" in out and re.search(r"\x1b\[1;4mWord2Vec\x1b\[0m是从大量", out)


def test_show_works_on_a_database_without_cards(kb, imported):
    conn = sqlite3.connect(imported)
    conn.execute("DROP TABLE cards")
    conn.commit()
    conn.close()
    r = kb("show", "gumbel-softmax-c31d")
    assert r.code == 0, r
    assert "重参数" in r.stdout


def test_json_has_the_related_posts(kb, imported):
    data = kb("show", "self-supervised-31f1", "--json").json()
    slugs = [r["slug"] for r in data["related"]]
    assert len(slugs) == 3 and "self-supervised-31f1" not in slugs
    # the other two posts about self-supervised learning share its most distinctive terms
    assert {"self-supervised-51bb", "machine-predicts-parts-ea5a"} <= set(slugs)
    assert all(r["terms"] for r in data["related"])
    known = {p["slug"] for p in kb("latest", "-n", "0", "--json").json()}
    assert set(slugs) <= known


def test_shared_terms_are_whole_words_of_the_posts(kb, imported):
    """The character runs counted at import can cross a word boundary; what kb shows are words:
    概率分 becomes 概率分布, 比行列式 becomes 雅可比行列式, while runs of words (条件概率) and runs both
    posts write on word boundaries (无模型) stay."""
    def terms(slug: str, other: str) -> list[str]:
        related = kb("show", slug, "--json").json()["related"]
        return next(r["terms"] for r in related if r["slug"] == other)

    assert "概率分布" in terms("nlp-n-gram-language-891b", "llm-llms-large-6aff")
    assert "条件概率" in terms("nlp-n-gram-language-891b", "llm-llms-large-6aff")
    assert "链式法则" in terms("nlp-n-gram-language-891b", "yan-jiu-dui-xiang-c160")
    assert "雅可比行列式" in terms("ddpm-ddim-ode-57fb", "flow-encoder-decoder-2f58")
    assert "无模型" in terms("meng-te-ka-luo-1664", "jia-zhi-han-shu-665a")
    every = [t for p in kb("latest", "-n", "0", "--json").json()
             for r in kb("show", p["slug"], "--json").json()["related"] for t in r["terms"]]
    for fragment in ("概率分", "链式法", "比行列式", "步加噪", "出正确", "体表现", "些问题"):
        assert fragment not in every


def test_shared_terms_without_an_index_are_shown_as_counted():
    from kb.search import related

    assert related._as_words(["概率分", "vae"], None, None) == ["概率分", "vae"]
    a = related._Cut(related.SEP.join(["条件", "概率", "的", "概率分布", "无", "模型"]))
    b = related._Cut(related.SEP.join(["无", "模型", "与", "条件", "概率", "分布", "输出", "正确"]))
    # 概率分: inside a word of one post; 条件概率: two words; 无模型: on word boundaries in both;
    # 出正确: crosses a boundary, and the word inside it (正确) is not one of both posts
    assert related._as_words(["概率分", "条件概率", "无模型", "出正确", "vae"], a, b) == ["概率分布", "条件概率", "无模型", "vae"]


def test_related_is_recomputed_when_a_new_post_arrives(kb, imported, tmp_path):
    new = import_dated(
        kb, tmp_path / "new.txt",
        "Generative Model\n2026-02-02\n"
        "Normalizing Flow 标准化流 高斯分布 可逆变换 雅可比行列式 normalizing flow 高斯分布 可逆变换 雅可比行列式\n",
        "2026-02-02",
    )["slug"]
    related = [r["slug"] for r in kb("show", "normalizing-flow-data-fefc", "--json").json()["related"]]
    assert new in related
    text_view = kb("show", new).stdout
    assert "Related" in text_view and "flowbased-models-10c7" in text_view


def test_an_old_database_gets_related_posts_when_migrated(kb, tmp_path, monkeypatch):
    db = tmp_path / "old.db"
    shutil.copy(ROOT / "tests" / "fixtures" / "schema-v1.db", db)
    slugs = [r[0] for r in sqlite3.connect(db).execute("SELECT slug FROM posts")]
    assert len(slugs) > 4
    r = kb("--db", db, "show", slugs[0], "--json")
    assert r.code == 0, r
    assert sqlite3.connect(db).execute("SELECT COUNT(DISTINCT post_id) FROM related").fetchone()[0] > 0


# ---------------------------------------------------------------- speed: what `kb show` imports


def test_show_imports_neither_jieba_nor_sqlite_utils_and_latex_only_for_math(imported, tmp_path):
    env = dict(os.environ, KB_DB=str(imported))
    def imports(slug):
        r = subprocess.run([sys.executable, "-X", "importtime", "-m", "kb", "show", slug, "--no-pager"],
                           capture_output=True, text=True, env=env, cwd=ROOT)
        assert r.returncode == 0, r.stderr[-500:]
        return {line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    math = imports("gumbel-softmax-c31d")
    assert "pylatexenc.latex2text" in math
    plain = imports("lstm-rnn-trn-c0da")
    for mods in (math, plain):
        assert not any(m.split(".")[0] in ("jieba", "sqlite_utils") for m in mods)
    assert not any(m.startswith("pylatexenc") for m in plain)
