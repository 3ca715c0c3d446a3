"""kb search finds what a reader means: optional words ranked by coverage, English word forms, words
inside words, glosses the posts write, the bundled glossary, exit status, snippets as kb show prints.

Real CLI on real SQLite files; the bundled captures for the issue's own examples.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest


def listed(run) -> list[dict]:
    got = run.json()
    assert run.code == (0 if got else 1), run
    return got


def texts_of(kb, results) -> list[str]:
    return [kb("show", r["slug"], "--json").json()["text"] for r in results]


def import_posts(kb, tmp_path, *posts: str, name: str = "posts.txt") -> None:
    """Import one capture of these posts (one excerpt a line) through the CLI."""
    capture = tmp_path / name
    capture.write_text("LATEST UPDATES\n" + "\n".join(posts) + "\n", encoding="utf-8")
    r = kb("import", "--force", capture)  # short made-up posts: not what a listing card looks like
    assert r.code == 0, r


# ---------------------------------------------------------------- the examples, bundled posts


def test_diffusion_model_lists_the_diffusion_posts_first(kb, imported):
    for query in (["diffusion", "model"], ["diffusion", "models"]):
        run = kb("search", *query, "--json", "-n", "4")
        got = listed(run)
        assert len(got) == 4 and run.stderr == ""
        for text in texts_of(kb, got):
            assert "扩散模型" in text or "Diffusion" in text or "diffusion" in text


def test_attention_finds_flashattention_inside_its_word(kb, imported):
    for query in (["attention"], ["flash", "attention"], ["注意力"]):
        got = listed(kb("search", *query, "--json"))
        assert got[0]["slug"].startswith("flashattention"), query


def test_bias_and_likelihood_find_the_posts_writing_their_chinese(kb, imported):
    bias = listed(kb("search", "bias", "--json"))
    assert "偏置" in texts_of(kb, bias[:1])[0]
    likelihood = listed(kb("search", "likelihood", "--json"))
    assert "似然" in texts_of(kb, likelihood[:1])[0]


def test_markov_chain_finds_the_ddpm_post_above_chain_of_thought(kb, imported):
    got = listed(kb("search", "markov", "chain", "--json"))
    text = texts_of(kb, got[:1])[0]
    assert "马尔可夫链" in text
    slugs = [r["slug"] for r in got]
    post_training = [s for s in slugs if s.startswith("post-training")]
    assert not post_training or slugs.index(post_training[0]) > 0


# ---------------------------------------------------------------- exit status and notes


def test_exit_status_as_grep(kb, imported):
    assert kb("search", "扩散模型", "--json").code == 0
    none = kb("search", "qqqzzzxxy", "--json")
    assert none.code == 1 and none.json() == [] and "no post matches" in none.stderr
    assert kb("search", "qqqzzzxxy").code == 1
    assert kb("search").code == 2
    assert kb("search", "、").code == 2


def test_a_real_process_exits_1_when_nothing_matches(imported):
    done = subprocess.run([sys.executable, "-m", "kb", "search", "qqqzzzxxy"], capture_output=True, text=True, env=dict(os.environ))
    assert done.returncode == 1 and done.stdout == "" and "no post matches" in done.stderr


def test_required_words_and_all(kb, tmp_path):
    import_posts(kb, tmp_path, "扩散模型逐步加入噪声再学习去噪。", "扩散模型可以生成图像。", "噪声对比估计是一种方法。")
    loose = listed(kb("search", "扩散模型", "噪声", "--json"))
    assert len(loose) == 3 and "噪声" in texts_of(kb, loose[:1])[0] and "扩散模型" in texts_of(kb, loose[:1])[0]
    required = listed(kb("search", "扩散模型", "+噪声", "--json"))  # 噪声 required, 扩散模型 ranks
    assert len(required) == 2 and texts_of(kb, required[:1])[0].startswith("扩散模型逐步")
    assert len(listed(kb("search", "+扩散模型", "+噪声", "--json"))) == 1
    assert len(listed(kb("search", "扩散模型", "噪声", "--all", "--json"))) == 1
    partial = kb("search", "扩散模型", "量子纠缠", "--json")
    assert listed(partial) and "lack: 量子纠缠" in partial.stderr


# ---------------------------------------------------------------- cross-language without curating


def test_a_gloss_one_post_writes_serves_every_post(kb, tmp_path):
    # 位置插值 is in no glossary: only the posts can say what it is in English.
    import_posts(kb, tmp_path, "长上下文模型常用位置插值来扩展窗口。", name="a.txt")
    assert kb("search", "position", "interpolation", "--json").code == 1
    # A later capture glosses the term: the first post is found by its English from then on.
    import_posts(kb, tmp_path, "位置插值(position interpolation)把位置编号按比例缩小。", name="b.txt")
    got = listed(kb("search", "position", "interpolation", "--json"))
    assert len(got) == 2
    explain = kb("search", "position", "interpolation", "--explain")
    assert "位置插值" in explain.stdout and "gloss" in explain.stdout


def test_glosses_follow_a_changed_post(kb, tmp_path):
    capture = tmp_path / "c.txt"
    capture.write_text("LATEST UPDATES\n标签平滑(label smoothing)让分类器不那么自信...\n", encoding="utf-8")
    assert kb("import", "--force", capture).code == 0
    assert listed(kb("search", "label", "smoothing", "--json"))
    capture.write_text("LATEST UPDATES\n标签平滑(label smoothing)让分类器不那么自信,它把独热标签混入均匀分布。\n", encoding="utf-8")
    assert kb("import", "--force", capture).code == 0
    assert len(listed(kb("search", "label", "smoothing", "--json"))) == 1


def test_the_glossary_translates_multi_word_english_and_chinese(kb, tmp_path):
    import_posts(kb, tmp_path, "马尔可夫链的下一个状态只取决于当前状态。", "思维链(chain of thought)让模型一步步推理。",
                 "The likelihood of the data under the model is maximized.")
    got = listed(kb("search", "markov", "chain", "--json"))
    assert texts_of(kb, got[:1])[0].startswith("马尔可夫链")
    assert texts_of(kb, listed(kb("search", "似然", "--json"))[:1])[0].startswith("The likelihood")


def test_another_translation_is_reached_through_the_english(kb, tmp_path):
    # The glossary says Normalization is 规范化; this post glosses 归一化 as normalization.
    import_posts(kb, tmp_path, "批量归一化(batch normalization)让每层的输入分布稳定。")
    got = listed(kb("search", "批量规范化", "--json"))
    assert got and texts_of(kb, got)[0].startswith("批量归一化")


def test_an_expansion_ranks_below_the_query_s_own_word(kb, tmp_path):
    import_posts(kb, tmp_path, "神经元的偏置让激活函数可以平移。", "Every neuron adds a bias before its activation.")
    got = texts_of(kb, listed(kb("search", "偏置", "--json")))
    assert len(got) == 2 and got[0].startswith("神经元的偏置")


def test_an_ambiguous_glossary_row_does_not_outrank_the_word_itself(kb, tmp_path):
    # The glossary's Precision row also lists 准确率 (accuracy's word).
    import_posts(kb, tmp_path, "准确率是分类正确的样本占全部样本的比例。准确率越高越好。准确率常用。",
                 "Precision is the share of predicted positives that are right.")
    got = texts_of(kb, listed(kb("search", "precision", "--json")))
    assert got[0].startswith("Precision")


def test_curated_synonyms_still_win(kb, imported):
    got = listed(kb("search", "推土机距离", "--json"))
    assert "Wasserstein" in texts_of(kb, got[:1])[0]


# ---------------------------------------------------------------- words inside words


def test_chinese_word_inside_a_longer_word_ranks_below_the_word_itself(kb, tmp_path):
    import_posts(kb, tmp_path, "自注意力让每个位置看到整个序列。", "注意力机制按相关性加权。注意力是一种加权。")
    got = texts_of(kb, listed(kb("search", "注意力", "--json")))
    assert len(got) == 2 and got[0].startswith("注意力机制")


def test_english_word_inside_a_camelcase_word(kb, tmp_path):
    import_posts(kb, tmp_path, "FlowbasedModels 是可逆变换。", "Use FlashAttention for long sequences.")
    assert texts_of(kb, listed(kb("search", "flow", "--json")))[0].startswith("FlowbasedModels")
    assert texts_of(kb, listed(kb("search", "attention", "--json")))[0].startswith("Use FlashAttention")


# ---------------------------------------------------------------- snippets and start-up


def test_snippets_show_formulas_in_unicode_and_wrap_like_kb_show(kb, tmp_path, monkeypatch):
    import_posts(kb, tmp_path, "扩散模型从 \\(x_0\\) 逐步加噪得到 \\(x_{t-1}\\) 与 \\(\\beta_t\\)," + "然后学习去噪的过程。" * 12)
    monkeypatch.setenv("KB_WIDTH", "40")
    run = kb("search", "扩散模型")
    assert run.code == 0
    lines = run.stdout.splitlines()
    snippet = "\n".join(lines[2:])
    assert "x₀" in snippet and "xₜ₋₁" in snippet and "\\(" not in snippet
    assert all(len(line) <= 40 for line in lines[2:])
    assert sum(1 for line in lines if line.startswith("    ")) >= 3  # the snippet wraps, indented
    assert "\\(x_0\\)" in kb("search", "扩散模型", "--json").json()[0]["snippet"]  # --json keeps the text


def test_a_snippet_never_cuts_a_formula(kb, tmp_path):
    import_posts(kb, tmp_path, "开头" * 30 + "公式 \\(a_1 + a_2 + a_3\\) 之后是 关键词 出现的地方" + "结尾" * 40)
    snippet = kb("search", "关键词", "--json").json()[0]["snippet"]
    assert snippet.count("\\(") == snippet.count("\\)")


@pytest.mark.parametrize("command", [["latest"], ["search", "扩散模型"]])
def test_start_up_never_reads_the_glossary_or_loads_jieba(imported, command):
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "kb", *command], capture_output=True, text=True,
                          env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert not {m for m in modules if m.split(".")[0] in ("jieba", "rjieba", "yaml")}
    if command == ["latest"]:
        assert not {m for m in modules if m.startswith("kb.search")}
