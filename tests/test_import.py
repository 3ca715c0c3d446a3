"""Import through the real CLI: dedupe, metadata, idempotence, slugs, errors, reading back."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

from tests.conftest import CAPTURES, ROOT

REPARAM = "文章从连续情形出发"
POINT_CLOUD = "三维深度学习"


def latest_json(kb, *args):
    r = kb("latest", "--limit", "0", "--json", *args)
    assert r.code == 0, r
    return r.json()


def show_json(kb, slug):
    r = kb("show", slug, "--json")
    assert r.code == 0, r
    return r.json()


def post_starting(kb, prefix):
    for p in latest_json(kb):
        post = show_json(kb, p["slug"])
        if post["text"].startswith(prefix):
            return post
    raise AssertionError(f"no post starts with {prefix}")


def test_bundled_captures_give_43_posts_from_59_excerpts(kb, imported):
    stats = kb("stats", "--json").json()
    assert stats == {"posts": 43, "sightings": 59, "sources": 5, "cards": stats["cards"], "reviews": 0,
                     "due": 0, "retention": None}
    posts = latest_json(kb)
    assert len(posts) == 43
    assert sum(1 for p in posts if p["date"]) == 11
    assert all(set(p) == {"slug", "title", "category", "date", "truncated"} for p in posts)
    # Undated posts say so: null, never an invented date.
    assert sum(1 for p in posts if p["date"] is None) == 32
    assert all((p["date"] is None) == (p["category"] is None) for p in posts)


def test_each_post_has_the_metadata_of_its_own_card(kb, imported):
    reparam = post_starting(kb, REPARAM)
    assert (reparam["category"], reparam["date"]) == ("Deep Learning", "2026-01-22")
    # Seen in three captures, with its position in each.
    assert sorted((s["file"], s["position"]) for s in reparam["sources"]) == [
        ("000_95b0f117114432d3.txt", 1),
        ("002_17172eb0b8d098d3.txt", 3),
        ("004_7aac8b760f341890.txt", 2),
    ]
    cloud = post_starting(kb, POINT_CLOUD)
    assert (cloud["category"], cloud["date"]) == ("3D Model", "2026-01-11")
    first = post_starting(kb, "补充知识")  # the capture began mid-card: no metadata
    assert first["category"] is None and first["date"] is None


def test_import_summary_counts(kb):
    r = kb("import", *CAPTURES, "--json")
    assert r.code == 0, r
    assert r.json() == {
        "files_read": 5,
        "excerpts_seen": 59,
        "new_posts": 43,
        "merged_duplicates": 16,
        "unchanged_skipped": 0,
        "formats": {"text": 5},
        "skipped_lines": [],
        "forced": [],
        "cards_restored": 0,
        "errors": [],
    }
    human = kb("import", *CAPTURES)
    assert "unchanged files skipped: 5" in human.stdout


def test_reimport_changes_nothing(kb, imported):
    before = [show_json(kb, p["slug"]) for p in latest_json(kb)]
    r = kb("import", *CAPTURES, "--json")
    assert r.json()["unchanged_skipped"] == 5 and r.json()["new_posts"] == 0
    after = [show_json(kb, p["slug"]) for p in latest_json(kb)]
    assert before == after


def test_slugs_are_ascii_unique_and_stable_across_a_rebuild(kb, tmp_path):
    kb("--db", tmp_path / "a.db", "import", *CAPTURES)
    kb("--db", tmp_path / "b.db", "import", *reversed(CAPTURES))
    first = kb("--db", tmp_path / "a.db", "latest", "-n", "0", "--json").json()
    second = kb("--db", tmp_path / "b.db", "latest", "-n", "0", "--json").json()
    slugs = [p["slug"] for p in first]
    assert len(set(slugs)) == 43
    assert all(s.isascii() and len(s) <= 32 and s == s.lower() and " " not in s for s in slugs)
    assert {(p["slug"], p["title"]) for p in first} == {(p["slug"], p["title"]) for p in second}
    # Titles are short and tell posts apart.
    titles = [p["title"] for p in first]
    assert len(set(titles)) == 43
    from kb.posts.naming import display_width

    assert all(0 < display_width(t) <= 41 for t in titles)
    assert not any(t.startswith(("简介", "背景", "动机", "引言与背景", "概述", "导言", "总览", "相关内容", "补充知识", "💡", "🔖", "http")) for t in titles)


def test_prefix_capture_and_white_space_are_one_post(kb, tmp_path):
    body = "扩散模型是一类生成模型,它通过逐步加噪再逐步去噪来学习数据分布。" * 5
    short = tmp_path / "short.txt"
    long = tmp_path / "long.txt"
    short.write_text("LATEST UPDATES\n" + body[:80] + "...\n", encoding="utf-8")
    spaced = body.replace(",", " , ").replace("。", "。 ")
    long.write_text("Generative Model\n2026-02-01\n" + spaced + "...\n", encoding="utf-8")
    r = kb("import", short, long, "--json").json()
    assert (r["new_posts"], r["merged_duplicates"]) == (1, 1)
    [post] = latest_json(kb)
    full = show_json(kb, post["slug"])
    assert full["text"] == spaced.strip()  # the longest text is kept
    assert (full["category"], full["date"]) == ("Generative Model", "2026-02-01")
    assert [s["file"] for s in full["sources"]] == ["long.txt", "short.txt"]


def test_different_posts_with_a_common_start_stay_apart(kb, tmp_path):
    start = "简介 这篇文章主要介绍生成模型的基本思想,"
    f = tmp_path / "two.txt"
    f.write_text(start + "第一篇讲的是变分自编码器以及它的证据下界推导过程...\n"
                 + start + "第二篇讲的是生成对抗网络以及它的极小极大博弈过程...\n", encoding="utf-8")
    r = kb("import", f, "--json").json()
    assert r["new_posts"] == 2


def test_changed_file_is_reread(kb, tmp_path):
    f = tmp_path / "page.txt"
    f.write_text("第一篇文章的摘录,讲的是重参数技巧的来龙去脉...\n", encoding="utf-8")
    kb("import", f)
    f.write_text("第一篇文章的摘录,讲的是重参数技巧的来龙去脉...\n第二篇文章,讲的是标准化流的雅可比行列式...\n", encoding="utf-8")
    r = kb("import", f, "--json").json()
    assert (r["files_read"], r["new_posts"], r["merged_duplicates"]) == (1, 1, 1)
    assert kb("stats", "--json").json()["sightings"] == 2


def test_stdin_import(kb):
    data = (CAPTURES[2]).read_bytes()
    r = kb("import", "-", "--json", input=data)
    assert r.code == 0, r
    assert r.json()["excerpts_seen"] == 12
    post = show_json(kb, latest_json(kb)[0]["slug"])
    assert post["sources"][0]["file"] == "<stdin>"


def test_folder_with_binary_and_empty_files(kb, captures_dir):
    (captures_dir / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    (captures_dir / "empty.txt").write_bytes(b"")
    sub = captures_dir / "nested"
    sub.mkdir()
    (sub / "gbk.txt").write_bytes("LATEST UPDATES\n标准化流是一类对概率分布进行建模的工具,用可逆变换...\n".encode("gbk"))
    r = kb("import", captures_dir, "--json")
    assert r.code == 1
    report = r.json()
    assert report["files_read"] == 6 and report["new_posts"] == 44
    bad = {os.path.basename(e["path"]): e["error"] for e in report["errors"]}
    assert set(bad) == {"image.txt", "empty.txt"}
    assert "NUL" in bad["image.txt"] and "empty" in bad["empty.txt"]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("kb: error: ") for line in lines)
    assert "Traceback" not in r.stderr + r.stdout


def test_missing_path_is_named_and_others_still_imported(kb, tmp_path):
    r = kb("import", tmp_path / "nope.txt", CAPTURES[0])
    assert r.code == 1
    assert "nope.txt" in r.stderr and "no such file" in r.stderr
    assert kb("stats", "--json").json()["posts"] == 12


def test_first_reading_command_imports_the_bundled_captures(kb, isolated_home):
    r = kb("latest", "--json")
    assert r.code == 0, r
    assert len(r.json()) == 20
    assert "importing the 5 bundled captures" in r.stderr
    assert (isolated_home / "kb.db").exists()
    again = kb("latest", "--json")
    assert again.stderr == ""


def test_stats_and_import_never_auto_import(kb, isolated_home):
    r = kb("stats")
    assert r.code == 1 and "no database" in r.stderr
    assert not (isolated_home / "kb.db").exists()


def test_db_option_and_env(kb, tmp_path, monkeypatch):
    target = tmp_path / "elsewhere" / "my.db"
    assert kb("--db", target, "import", CAPTURES[0]).code == 0
    assert target.exists()
    monkeypatch.setenv("KB_DB", str(target))
    assert kb("stats", "--json").json()["posts"] == 12
    monkeypatch.delenv("KB_DB")
    assert kb("latest", "--json").code == 0  # falls back to KB_HOME/kb.db: a new database
    assert (tmp_path / "kbhome" / "kb.db").exists()


def test_latest_is_newest_first_and_respects_the_capture_order(kb, imported):
    posts = latest_json(kb)
    dated = [p["date"] for p in posts if p["date"]]
    assert dated == sorted(dated, reverse=True)
    texts = [show_json(kb, p["slug"])["text"] for p in posts]

    def index(prefix):
        return next(i for i, t in enumerate(texts) if t.startswith(prefix))

    # 补充知识 stands above the 2026-01-23 post in its capture: it is placed above it.
    assert index("补充知识") < index("从 NLP 入手")
    # Capture 000 lists the 2026-01-22 post, then undated ones, then a 2026-01-11 one.
    assert index(REPARAM) < index("简介 如果以概率") < index("研究对象与基本设定") < index("1.深度学习偏置")


def test_latest_category_filter_and_limit(kb, imported):
    posts = latest_json(kb, "--category", "deep learning")
    assert len(posts) == 4 and {p["category"] for p in posts} == {"Deep Learning"}
    assert {p["category"] for p in latest_json(kb, "--category", "self-sup")} == {"Self-Supervised"}
    assert len(kb("latest", "--limit", "3", "--json").json()) == 3
    r = kb("latest", "--category", "astrology")
    assert r.code == 1 and "no category" in r.stderr


def test_show_by_slug_prefix_and_title_fragment(kb, imported):
    post = post_starting(kb, REPARAM)
    slug = post["slug"]
    assert show_json(kb, slug[:-3])["slug"] == slug
    assert show_json(kb, "连续情形出发")["slug"] == slug
    human = kb("show", slug, "--no-pager")
    assert human.code == 0 and "Deep Learning" in human.stdout and slug in human.stdout


def test_show_ambiguous_and_unknown(kb, imported):
    r = kb("show", "self-supervised")
    assert r.code == 1 and "matches 2 posts" in r.stderr
    r = kb("show", "gumbel-softmx")
    assert r.code == 1 and "did you mean" in r.stderr and "gumbel-softmax" in r.stderr
    assert "Traceback" not in r.stderr


def test_python_dash_m_kb(tmp_path):
    env = dict(os.environ, KB_DB=str(tmp_path / "m.db"))
    r = subprocess.run([sys.executable, "-m", "kb", "latest", "--json", "-n", "2"],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) == 2


def test_database_is_wal_and_migrated(kb, imported):
    conn = sqlite3.connect(imported)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
    assert names[0] == "m001_posts_sources_sightings"


def test_a_bug_in_a_derived_part_is_kbs_not_the_captures(kb, monkeypatch, tmp_path):
    """An unexpected exception inside card extraction: one line saying it is kb's bug, the file rolled
    back and not counted, the other files imported; --debug shows the traceback."""
    from kb.cards import store

    def broken(text):
        if "重参数" in text:
            raise ValueError("boom")
        return []

    monkeypatch.setattr(store, "extract", broken)
    r = kb("import", "--json", *CAPTURES)
    assert r.code == 1
    report = r.json()
    bad = [e for e in report["errors"] if e.get("internal")]
    assert bad and all("internal error in kb's cards (ValueError: boom)" in e["error"] for e in bad)
    assert all("a bug in kb, not in your data" in e["error"] for e in bad)
    assert "Traceback" not in r.stderr and "not imported: internal error" in r.stderr
    bad_files = {e["path"] for e in bad}
    assert report["files_read"] == len(CAPTURES) - len(bad_files)
    latest = kb("latest", "-n", "0", "--json").json()
    # Nothing of a failed file is kept: its posts are there only if another file also has them.
    assert report["new_posts"] == len(latest) < 43
    debug = kb("--debug", "import", *CAPTURES)
    assert debug.code == 1 and "Traceback" in debug.stderr and "ValueError: boom" in debug.stderr


def test_the_bundled_data_folder_imports_cleanly(kb):
    """`kb import data/` takes the five captures and nothing else of the folder (its dictionaries,
    glossary and licence are no captures, and no error either)."""
    r = kb("import", "--json", ROOT / "data")
    assert r.code == 0, r
    assert r.json()["files_read"] == 5 and r.json()["new_posts"] == 43 and r.json()["errors"] == []
