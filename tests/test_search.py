"""kb search through the real CLI on real SQLite files: segmentation, query language, ranking, safety.

A small hand-written capture pins exact behaviour; the bundled captures check it on the blog's own posts.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from kb.search import ranking, segment
from kb.store.connect import connect
from kb.store.meta import get_meta
from kb.text import META_SEARCH_HASH
from tests.conftest import CAPTURES, ROOT

POSTS = {
    "cpp": "C++ 模板元编程是一种在编译期计算的技巧,常见于高性能库。",
    "c": "C 语言的指针与数组是初学者最容易混淆的概念。",
    "csharp": "C# 的委托和事件机制让回调变得简单。",
    "flow": "标准化流是一类可逆变换组成的生成模型,它能精确计算似然。",
    "pipeline": "训练流程包括数据准备、模型训练和评估三个阶段,视频流的处理另当别论。",
    "water": "水流的方向由地形决定,流的速度取决于坡度,坡度越大水流越急。",
    "diffusion": "扩散过程逐步向数据加入噪声,而模型学习如何去噪。",
    "physics": "扩散现象在物理学中描述粒子从高浓度向低浓度运动。",
    "wasserstein": "Wasserstein 距离衡量两个分布之间的最小运输代价。",
    "mi": "互信息(Mutual Information)度量两个随机变量之间的依赖程度。",
}


@pytest.fixture
def small(kb, tmp_path):
    """A database of the ten posts above; returns {name: slug}."""
    lines = ["LATEST UPDATES"]
    for name, text in POSTS.items():
        if name in ("cpp", "csharp"):
            lines += ["Programming", "2026-01-05"]
        lines.append(text)
    capture = tmp_path / "small.txt"
    capture.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert kb("import", capture).code == 0
    listed = kb("latest", "--json", "-n", "0").json()
    texts = {p["slug"]: kb("show", p["slug"], "--json").json()["text"] for p in listed}
    return {name: next(slug for slug, t in texts.items() if t == text) for name, text in POSTS.items()}


def slugs(run) -> list[str]:
    """The slugs listed; exit 0 with a list, 1 with none (as grep)."""
    got = [r["slug"] for r in run.json()]
    assert run.code == (0 if got else 1), run
    return got


# ---------------------------------------------------------------- segmentation and normalization


def test_domain_terms_are_single_words():
    text = "文章介绍重参数与自监督学习,Normalizing flow(标准化流)和互信息。"
    norm = segment.normalize(text)
    words = [norm[a:b] for a, b in segment.index_tokens(text)]
    for term in ("重参数", "自监督学习", "标准化流", "互信息"):
        assert term in words, words


def test_normalize_keeps_length_and_folds_width_and_script():
    text = "擴散模型與ＢＥＲＴ，C＋＋"
    norm = segment.normalize(text)
    assert len(norm) == len(text)
    assert norm == "扩散模型与BERT,C++"


def test_index_form_gives_the_text_back_without_separators():
    text = "标准化流 (Normalizing  Flow) 用于\u200b密度估计\u3000和 C++。"
    stored, words = segment.index_form(text)
    # English words are stored without their inflection (Normalizing → normaliz), all else as it is.
    assert stored.replace(segment.SEP, "") == segment.normalize(text).replace("Normalizing", "normaliz").replace("Flow", "flow")
    assert "c++" in words and "标准化流" in words and "normaliz" in words


def test_rjieba_cuts_like_jieba_with_the_same_dictionary():
    """The index uses rjieba for speed; on every Chinese run of the bundled posts it must agree with jieba."""
    import logging

    import jieba

    from kb.search.mine import post_texts

    jieba.setLogLevel(logging.WARNING)
    reference = jieba.Tokenizer()
    for word, freq in segment.domain_words():
        reference.add_word(word, freq)
    runs = [m.group() for t in post_texts(CAPTURES) for m in re.finditer(r"[\u4e00-\u9fff]+", segment.normalize(t))]
    assert len(runs) > 500
    fast = segment._jieba()
    assert [r for r in runs if reference.lcut(r) != fast.cut(r)] == []


def test_committed_dictionary_is_what_the_miner_produces():
    from kb.search.mine import dumps, mine, post_texts

    mined = mine(post_texts(CAPTURES))
    assert dumps(mined) == (ROOT / "data" / "dictionary.json").read_text(encoding="utf-8")
    pairs = {tuple(p) for p in mined["pairs"]}
    assert ("互信息", "Mutual Information") in pairs
    assert ("标准化流", "Normalizing flow") in pairs
    assert ("重参数", "Reparameterization") in pairs


# ---------------------------------------------------------------- matching


def test_chinese_and_english_words_find_their_posts(kb, small):
    assert slugs(kb("search", "水流", "--json")) == [small["water"]]
    assert slugs(kb("search", "wasserstein", "--json")) == [small["wasserstein"]]
    assert slugs(kb("search", "WASSERSTEIN", "--json")) == [small["wasserstein"]]


def test_cpp_and_csharp_are_words(kb, small):
    assert slugs(kb("search", "C++", "--json")) == [small["cpp"]]
    assert slugs(kb("search", "c#", "--json")) == [small["csharp"]]
    assert small["cpp"] not in slugs(kb("search", "C", "--json"))


def test_whole_words_only(kb, small):
    """流 is a word of 水流的方向…流的速度 but only part of 训练流程, 视频流 and 标准化流."""
    assert slugs(kb("search", "流", "--json")) == [small["water"]]


def test_post_ids_matching_is_whole_words_with_synonyms(kb, small, tmp_path):
    conn = connect(tmp_path / "kbhome" / "kb.db")
    ids = {r["slug"]: r["id"] for r in conn.execute("SELECT id, slug FROM posts")}
    assert ranking.post_ids_matching(conn, ["流"]) == {ids[small["water"]]}
    # The mined pair Normalizing flow(标准化流) reaches the post that only says 标准化流.
    assert ranking.post_ids_matching(conn, ["normalizing flow"]) == {ids[small["flow"]]}
    assert ranking.post_ids_matching(conn, ["流", "C++"]) == {ids[small["water"]], ids[small["cpp"]]}
    assert ranking.post_ids_matching(conn, ["", "!!"]) == set()


def test_synonyms_cross_languages_both_ways(kb, small):
    assert slugs(kb("search", "normalizing", "flow", "--json"))[0] == small["flow"]
    assert slugs(kb("search", "Mutual Information", "--json")) == [small["mi"]]
    assert slugs(kb("search", "互信息", "--json")) == [small["mi"]]


def test_traditional_and_full_width_queries(kb, small):
    assert slugs(kb("search", "標準化流", "--json"))[0] == small["flow"]
    assert slugs(kb("search", "ＷＡＳＳＥＲＳＴＥＩＮ", "--json")) == [small["wasserstein"]]


def test_a_post_with_every_word_ranks_above_one_with_fewer_and_plus_or_all_require(kb, small):
    assert set(slugs(kb("search", "扩散", "--json"))) == {small["diffusion"], small["physics"]}
    run = kb("search", "扩散", "噪声", "--json")
    assert slugs(run) == [small["diffusion"], small["physics"]] and run.stderr == ""
    assert slugs(kb("search", "扩散", "+噪声", "--json")) == [small["diffusion"]]
    assert slugs(kb("search", "扩散", "噪声", "--all", "--json")) == [small["diffusion"]]
    assert slugs(kb("search", "+扩散", "+量子纠缠", "--json")) == []


def test_english_words_match_their_other_forms(kb, tmp_path):
    capture = tmp_path / "en.txt"
    capture.write_text("Diffusion Models learn to denoise.\nA normalized flow of water.\n", encoding="utf-8")
    assert kb("import", "--force", capture).code == 0
    assert len(slugs(kb("search", "diffusion", "model", "--json"))) == 1
    assert len(slugs(kb("search", "normalizing", "--json"))) == 1
    assert slugs(kb("search", "tokenizer", "--json")) == []  # a derivation is not its base word (token)


def test_exact_phrase(kb, small):
    assert slugs(kb("search", '"训练 流程"', "--json")) == [small["pipeline"]]
    run = kb("search", '"流程 训练"', "--json")
    assert run.code == 1 and run.json() == []


def test_exclusions_are_words_not_options(kb, small):
    both = kb("search", "扩散", "-模型", "--json")
    assert slugs(both) == [small["physics"]]
    only = kb("search", "-模型", "--json", "--limit", "0")
    got = set(slugs(only))
    assert small["diffusion"] not in got and small["pipeline"] not in got
    assert small["physics"] in got and len(got) == len(POSTS) - 2


def test_exclusion_in_a_real_process(small):
    env = dict(os.environ)
    done = subprocess.run([sys.executable, "-m", "kb", "search", "-模型", "--json"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "No such option" not in done.stderr and json.loads(done.stdout)


def test_or(kb, small):
    assert set(slugs(kb("search", "水流", "OR", "wasserstein", "--json"))) == {small["water"], small["wasserstein"]}


def test_category_and_limit(kb, small):
    got = kb("search", "的", "--category", "programming", "--json").json()
    assert got and {r["category"] for r in got} == {"Programming"}
    assert len(kb("search", "的", "--json", "--limit", "2").json()) == 2
    # The short forms kb latest has: options, not exclusions of the words n and c.
    assert len(kb("search", "的", "--json", "-n", "2").json()) == 2
    assert {r["category"] for r in kb("search", "的", "-c", "prog", "--json").json()} == {"Programming"}


def test_a_quoted_chinese_phrase_typed_with_a_space_also_matches_the_one_word(kb, small):
    # 标准化流 is one index word (domain dictionary): "标准化 流" as typed is no phrase of the index.
    assert slugs(kb("search", '"标准化 流"', "--json")) == [small["flow"]]


# ---------------------------------------------------------------- fallbacks


def test_a_word_inside_a_longer_word_is_found_and_said(kb, small):
    run = kb("search", "Wasser", "--json")
    assert slugs(run) == [small["wasserstein"]]
    assert "contain it" in run.stderr


def test_a_word_the_posts_only_use_inside_longer_words_is_found_by_prefix(kb, imported):
    # The bundled posts write 扩散 only as part of 扩散模型 (one index word): the query keeps
    # 扩散 whole rather than cutting it into characters, and the prefix step finds the posts.
    explain = kb("search", "扩散", "--explain", "-n", "0")
    assert "optional '扩散': 扩散\n" in explain.stdout and "inside: 扩散模型" in explain.stdout
    run = kb("search", "扩散", "--json", "-n", "0")
    got = run.json()
    assert len(got) >= 3 and "contain it" in run.stderr
    for r in got:
        assert "扩散" in kb("show", r["slug"], "--json").json()["text"]


def test_typo_is_corrected_and_said(kb, small):
    run = kb("search", "Wasserstien", "--json")
    assert slugs(run) == [small["wasserstein"]]
    assert "wasserstein" in run.stderr


def test_results_matching_part_of_the_query_say_so(kb, small):
    run = kb("search", "水流", "量子纠缠", "--json")
    assert slugs(run) == [small["water"]]
    assert "lack: 量子纠缠" in run.stderr


def test_nothing_found_exits_1_as_grep(kb, small):
    run = kb("search", "zzzzqqq", "--json")
    assert run.code == 1 and run.json() == [] and "no post matches" in run.stderr
    human = kb("search", "qqqqwasserstien")
    assert human.code == 1 and human.stdout == ""


# ---------------------------------------------------------------- output


def test_json_shape_order_and_snippets_in_original_text(kb, imported):
    results = kb("search", "扩散模型", "--json").json()
    assert results
    assert all(set(r) == {"slug", "title", "category", "date", "score", "snippet"} for r in results)
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    for r in results:
        text = kb("show", r["slug"], "--json").json()["text"]
        squeezed = " ".join(text.split())
        inner = r["snippet"].removeprefix("…").removesuffix("…")
        assert "\u200b" not in r["snippet"] and "\x1f" not in r["snippet"] and inner in squeezed


def test_human_output_lists_rank_title_meta_and_snippet(kb, small):
    run = kb("search", "水流")
    assert run.code == 0
    lines = run.stdout.splitlines()
    assert lines[0].startswith(" 1. 水流的方向由地形决定")
    assert small["water"] in lines[1] and "—" in lines[1]
    assert "流的速度" in lines[2]
    assert "\x1b" not in run.stdout


def test_post_text_is_never_markup(kb, tmp_path):
    capture = tmp_path / "markup.txt"
    capture.write_text("[bold red]标记[/bold red] 注入测试,\x1b[31m控制字符\x1b[0m 不应到达终端。\n", encoding="utf-8")
    assert kb("import", capture).code == 0
    run = kb("search", "注入")
    assert run.code == 0 and "[bold red]" in run.stdout and "\x1b" not in run.stdout


def test_explain_shows_cut_expansions_and_match(kb, small):
    run = kb("search", "--explain", "互信息", "-水流")
    assert run.code == 0
    assert "optional '互信息': 互信息 | mutual information" in run.stdout
    assert "exclude '-水流'" in run.stdout or "exclude '水流'" in run.stdout
    assert 'MATCH \'互信息\' query ×1: "互信息" NOT "水流"' in run.stdout


HOSTILE = [
    "C++", '"', "'", ":", "a:b", "title:x", "(", ")", "()", "OR", "AND", "NOT", "NEAR(", "NEAR(a b, 2)",
    "*", "a*", "-", "--", "- -", '-"', "^", "{a b}", '"unterminated', "扩散 OR", "OR 扩散", "AND OR NOT",
    "\x00", "\x1b[31m", "😀", "、。,", "a" * 500, "扩散" * 200, "'; DROP TABLE posts; --", "\\", "%", "_",
    "col:扩散", '"" ""', "-扩散 -模型", "+", "#", "c#", "NEAR", "NEAR/3", "𠀀𠀁",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_no_input_reaches_fts5_unquoted(kb, small, query):
    run = kb("search", "--", query)
    assert run.code in (0, 1, 2), run
    low = run.stderr.lower()
    assert "traceback" not in low and "unexpected error" not in low and "fts5" not in low and "sqlite" not in low
    if run.code == 2:
        assert "nothing to search for" in run.stderr


def test_empty_query_is_a_usage_error(kb, small):
    run = kb("search")
    assert run.code == 2 and "nothing to search for" in run.stderr


# ---------------------------------------------------------------- the index follows the posts and the dictionary


def test_index_follows_a_longer_capture_of_a_post(kb, small, tmp_path):
    longer = tmp_path / "longer.txt"
    longer.write_text(POSTS["water"] + "河床的形状也会改变涡旋。\n", encoding="utf-8")
    assert slugs(kb("search", "涡旋", "--json")) == []
    assert kb("import", longer).code == 0
    assert slugs(kb("search", "涡旋", "--json")) == [small["water"]]


def test_index_rebuilds_when_the_dictionary_changes(kb, small, tmp_path, monkeypatch):
    assert slugs(kb("search", "地形决定", "--json")) == [small["water"]]  # two words, adjacent
    conn = connect(tmp_path / "kbhome" / "kb.db")
    before = get_meta(conn, META_SEARCH_HASH)
    assert "地形决定" not in {r[0] for r in conn.execute("SELECT term FROM search_vocab")}

    changed = tmp_path / "dictionary.json"
    data = json.loads((ROOT / "data" / "dictionary.json").read_text(encoding="utf-8"))
    data["words"].append(["地形决定", 50000])
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(segment, "dictionary_path", lambda: changed)
    segment.load_dictionary.cache_clear()
    segment._segmenter.cache_clear()
    try:
        assert slugs(kb("search", "地形决定", "--json")) == [small["water"]]
        assert get_meta(conn, META_SEARCH_HASH) != before
        assert "地形决定" in {r[0] for r in conn.execute("SELECT term FROM search_vocab")}
    finally:
        segment.load_dictionary.cache_clear()
        segment._segmenter.cache_clear()


def test_search_process_never_imports_jieba_or_pydantic(imported):
    env = dict(os.environ)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "kb", "search", "扩散模型"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert modules and "kb.search" in modules
    heavy = {m for m in modules if m.split(".")[0] in ("jieba", "rjieba", "sqlite_utils", "pydantic")}
    assert heavy == set()


def test_config_synonyms_expand_queries_without_a_rebuild(kb, small, tmp_path):
    assert slugs(kb("search", "slope", "--json")) == []
    (tmp_path / "no-config.yaml").write_text("synonyms:\n  坡度: [slope, gradient of the land]\n", encoding="utf-8")
    assert slugs(kb("search", "slope", "--json")) == [small["water"]]
    assert slugs(kb("search", "坡度", "--json")) == [small["water"]]


def test_index_form_cuts_exactly_like_index_tokens():
    """The import's fast path and the span-giving cut (used by quiz topics) must agree token for token."""
    from kb.search.mine import post_texts

    texts = post_texts(CAPTURES) + ["C++和C#, x+y=1; ＢＥＲＴ\tGPT-4 θ 😀 末尾 ", "單字 a"]
    for text in texts:
        norm = segment.normalize(text)
        stored, cut = segment.stored_pieces(text)
        pieces = [p for p in cut if p.strip()]
        assert pieces == [norm[a:b] for a, b in segment.index_tokens(text)]
        assert len(stored.split(segment.SEP)) == len(cut)
        # what is stored of each piece: itself, or an English word without its inflection
        for piece, kept in zip(cut, stored.split(segment.SEP)):
            assert kept == piece or (piece.isascii() and piece.isalnum() and kept == segment.stem(piece))
