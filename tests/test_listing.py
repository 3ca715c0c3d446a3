"""Which files are listing pages: every bundled and real-text capture, in every format, is one; real
files of other kinds (source code, a log, a CSV, JSON, YAML, TOML, documentation pages) are refused by
name, adding nothing, and --force imports them all the same."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from kb.posts import formats, listing
from tests.conftest import CAPTURES, ROOT
from tests.pages import markdown_clip, saved_page

REALTEXT = sorted((ROOT / "tests" / "data" / "realtext" / "captures").glob("*.txt"))
NONCAPTURES = ROOT / "tests" / "data" / "noncaptures"
# Real files that are no listing page, and what the refusal says they look like.
REFUSED = {
    "kb/posts/capture.py": "source code",
    "kb/cli/app.py": "source code",
    "tests/data/noncaptures/dpkg.log": "a log",
    "tests/data/noncaptures/debian.csv": "rows of a table",
    "tests/data/noncaptures/rustdoc-what-is-rustdoc.html": "source code",
    "tests/data/noncaptures/rustdoc-toc.html": "it has no line that could be a listing card's text",
    "data/dictionary.json": "JSON",
    "data/t2s.json": "JSON",
    "data/topics.yaml": "data (JSON, YAML",
    "data/glossary.tsv": "tab-separated",
    "pyproject.toml": "data (JSON, YAML",
}


@pytest.mark.parametrize("path", CAPTURES + REALTEXT, ids=[p.stem for p in CAPTURES + REALTEXT])
def test_every_capture_is_a_listing_page_in_every_format(path):
    text = path.read_text(encoding="utf-8")
    page, _ = saved_page(text)
    for data, name in ((path.read_bytes(), path.name), (page.encode(), "p.html"), (markdown_clip(text).encode(), "c.md")):
        cap = formats.read(data, name)
        verdict = listing.judge(cap, data if cap.format == "text" else None, every_line=True)
        assert verdict.listing, (name, verdict)
        assert verdict.cards == len(cap.excerpts), (name, verdict)  # not one line of them is doubted


def test_files_of_other_kinds_are_refused_by_name_and_add_nothing(kb, tmp_path):
    db = tmp_path / "kb.db"
    paths = [ROOT / p for p in REFUSED]
    r = kb("--db", db, "import", *paths, CAPTURES[0], "--json")
    assert r.code == 1
    report = r.json()
    assert report["files_read"] == 1 and report["new_posts"] == 12
    errors = {e["path"]: e["error"] for e in report["errors"]}
    assert set(errors) == {str(p) for p in paths}
    for rel, looks in REFUSED.items():
        error = errors[str(ROOT / rel)]
        assert error.startswith("not a listing page: ") and looks in error, (rel, error)
        # --force is offered where it would import something.
        assert error.endswith("kb import --force imports it all the same") == ("toc" not in rel), error
    lines = r.stderr.strip().splitlines()
    assert len(lines) == len(REFUSED)
    assert all(line.startswith("kb: error: ") and "not a listing page" in line for line in lines)
    conn = sqlite3.connect(db)
    assert [n for (n,) in conn.execute("SELECT name FROM sources")] == [CAPTURES[0].name]


def test_force_imports_them_and_says_so(kb, tmp_path):
    db = tmp_path / "kb.db"
    paths = [NONCAPTURES / "dpkg.log", ROOT / "kb" / "posts" / "capture.py", NONCAPTURES / "rustdoc-what-is-rustdoc.html"]
    r = kb("--db", db, "import", "--force", *paths, "--json")
    assert r.code == 0, r
    report = r.json()
    assert report["files_read"] == 3 and report["new_posts"] > 100
    assert [f["path"] for f in report["forced"]] == [str(p) for p in paths]
    assert "a log" in report["forced"][0]["reason"]
    assert r.stderr.count("kb: warning: ") == 3 and "imported with --force although" in r.stderr
    assert json.loads(kb("--db", db, "stats", "--json").stdout)["sources"] == 3


@pytest.mark.parametrize("line, kind", [
    ("2025-06-24 14:36:25 status installed libc6:amd64 2.36-9", "log"),
    ("update-alternatives 2025-06-24 14:36:30: run with --install /usr/bin/editor editor", "log"),
    ("[INFO] loading the model weights from the cache folder took a while", "log"),
    ("    return conn.execute(sql).fetchall()", "code"),
    ('"term": "扩散模型是一种生成模型",', "data"),
    ("definition: 是一种通过逐步加噪再去噪来生成数据的模型", "data"),
    ('<div class="card"><p>扩散模型是一种生成模型</p></div>', "markup"),
    ("1.1,Buzz,buzz,1993-08-16,1996-06-17,1997-06-05", "table"),
    ("Deep Neural Network\t深度神经网络\tDNN", "table"),
    ("# a comment that explains the line below it in some detail", "comment"),
    ("Home", "short"),
    ("Redirecting to... write-documentation/the-doc-attribute.html.", "symbols"),
    # Prose, with formulas written as text, TeX, or cut off inside a formula by the site:
    ("要想激活这个感知器,使得 y=1 ,就必须使 x_1w_1 + x_2w_2 +....+x_nw_n T ( T 为一个阈值)", "card"),
    ("We study score-based generative models, where the score \\(\\nabla_x \\log p(x)\\) is learnt by a network.", "card"),
    ("如果把句子 \\(s\\) 看成单词 \\(w\\) 的序列 \\[\\begin{aligned} p\\left(w_{1}, w_{2}", "card"),
    ("标准化流是一类对概率分布进行建模的工具", "card"),
])
def test_line_kinds(line, kind):
    assert listing.line_kind(line) == kind
