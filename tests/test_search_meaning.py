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
    # 随机鹦鹉 is in no glossary, nor can the glossary compose it (parrot is none of its words): only the
    # posts can say what it is in English.
    import_posts(kb, tmp_path, "有人说大模型只是随机鹦鹉，只会复述。", name="a.txt")
    assert "lack: parrot" in kb("search", "stochastic", "parrot", "--json").stderr  # stochastic is 随机
    # A later capture glosses the term: the first post is found by its English from then on.
    import_posts(kb, tmp_path, "随机鹦鹉(stochastic parrot)一词出自一篇论文。", name="b.txt")
    run = kb("search", "stochastic", "parrot", "--json")
    assert len(listed(run)) == 2 and "lack" not in run.stderr
    explain = kb("search", "stochastic", "parrot", "--explain")
    assert "随机鹦鹉" in explain.stdout and "gloss" in explain.stdout


def test_english_words_compose_the_chinese_term(kb, tmp_path):
    # No post glosses 位置插值 and the glossary has no row for it, nor for position or interpolation
    # alone; its two-word terms do show them (Position Embedding 位置嵌入, Interpolation Coordinate
    # 插值坐标), and side by side their Chinese names the post's term.
    import_posts(kb, tmp_path, "长上下文模型常用位置插值来扩展窗口。",
                 "每个位置都有向量，位置编码给出它；训练时的长度外推另有方法，而数值插值是另一回事，与位置无关。")
    got = listed(kb("search", "position", "interpolation", "--json"))
    assert len(got) == 2 and texts_of(kb, got[:1])[0].startswith("长上下文")
    explain = kb("search", "position", "interpolation", "--explain").stdout
    assert "compound: " in explain and "位置 插值 ×" in explain


def test_a_name_ending_in_chinese_is_glossed_whole_not_its_chinese_end(kb, tmp_path):
    # V 模型（Variational Autoencoder）names the V model: 模型 is no Chinese for the bracket's English.
    # A section number before the term is no part of it.
    import_posts(kb, tmp_path, "世界模型由三部分组成： V 模型（Variational Autoencoder）把画面压缩。",
                 "14.2 马尔可夫毯(Markov blanket)把变量隔开。", "模型的参数很多。")
    expansions = kb("search", "模型", "--explain").stdout.split("MATCH")[0]
    assert "glossary: model" in expansions and "variational" not in expansions.casefold()
    explain = kb("search", "markov", "blanket", "--explain").stdout
    assert "gloss" in explain and "马尔可夫毯" in explain


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


def test_a_writing_with_one_character_more_is_the_same_concept(kb, tmp_path):
    # 自编码器 / 自动编码器: the post writes the term one way, the query and the glossary (Autoencoder
    # 自编码器) another, and data/synonyms.yaml lists neither; a character added at either end makes
    # another word, and is no variant.
    import_posts(kb, tmp_path, "自动编码器把输入压缩再还原。", "无监督学习不需要标签。", "编码器和解码器各有一个。")
    run = kb("search", "自编码器", "--json")
    assert texts_of(kb, listed(run)[:1])[0].startswith("自动编码器")
    assert "contain" not in run.stderr  # a full match, not words inside others
    assert "variant: 自动 编码器" in kb("search", "自编码器", "--explain").stdout
    english = listed(kb("search", "autoencoder", "--json"))
    assert texts_of(kb, english[:1])[0].startswith("自动编码器")
    assert "variant" not in kb("search", "监督学习", "--explain").stdout


def test_a_name_transliterated_with_a_character_of_the_same_sound_is_the_same_concept(kb, tmp_path):
    # 马尔科夫 / 马尔可夫 (ke, ke): one name written two ways. 反向传播 is no writing of 前向传播: the
    # characters differ in sound.
    import_posts(kb, tmp_path, "马尔可夫毯把一个变量与其余变量隔开。", "反向传播计算梯度。", "毯子很暖和。")
    run = kb("search", "马尔科夫毯", "--json")
    assert texts_of(kb, listed(run)[:1])[0].startswith("马尔可夫毯") and "contain" not in run.stderr
    assert "variant: 马尔可夫 毯" in kb("search", "马尔科夫毯", "--explain").stdout
    assert "variant" not in kb("search", "前向传播", "--explain").stdout


def test_the_bundled_sounds_are_pypinyins():
    # sounds.tsv is build()'s output (python -m kb.search.sounds): a later pypinyin may add a reading or
    # two, never change many.
    from kb.search import sounds

    shipped = dict(line.split("\t") for line in sounds.path().read_text(encoding="utf-8").splitlines())
    fresh = dict(line.split("\t") for line in sounds.build().splitlines())
    same = sum(set(shipped.get(s, "")) == set(chars) for s, chars in fresh.items())
    assert same >= 0.98 * len(fresh) and len(shipped) >= 400
    assert sounds.same_sound("科", "可") and sounds.same_sound("利", "里") and not sounds.same_sound("前", "反")


def test_the_glossary_aligns_the_words_of_its_longer_terms():
    from kb.search.glossary import aligned

    got = aligned([["Decision", "决策"], ["Decision Tree", "决策树"], ["Conditional", "条件"], ["Random", "随机"],
                   ["Conditional Random Field", "条件随机场"], ["Model", "模型"], ["Generative", "生成"],
                   ["Generative Modeling", "生成建模"], ["Hidden Unit", "隐藏单元"]])
    assert ("Tree", "树") in got and ("Field", "场") in got
    assert not any(en == "Modeling" for en, _ in got)  # Model has a row of its own: modeling is its stem
    assert not any(en in ("Hidden", "Unit") for en, _ in got)  # neither word known: nothing to peel off


def test_an_expansion_the_posts_write_as_cut_does_not_stand_in_by_its_longest_word(kb, tmp_path):
    # Hyperparameter → 超参数 (the glossary), cut 超 参数: posts write that, so 参数 alone (another,
    # wider word) matches nothing for it.
    import_posts(kb, tmp_path, "超参数在训练前设定。", "模型参数很多，参数估计和参数设置都要做。")
    got = listed(kb("search", "hyperparameter", "--json"))
    assert [t[:3] for t in texts_of(kb, got)] == ["超参数"]


def test_a_writing_with_one_character_fewer_is_the_same_concept(kb, tmp_path):
    import_posts(kb, tmp_path, "自编码器把输入压缩再还原。", "编码器和解码器各有一个。", "自动驾驶需要感知。")
    run = kb("search", "自动编码器", "--json")
    assert texts_of(kb, listed(run)[:1])[0].startswith("自编码器") and "contain" not in run.stderr
    assert "variant: 自 编码器" in kb("search", "自动编码器", "--explain").stdout


def test_the_words_of_a_two_word_gloss_serve_as_glosses_where_the_glossary_knows_one(kb, tmp_path):
    # 批归一化(Batch Normalization): the glossary's Batch is 批量, which 批 starts, so 归一化 is
    # normalization (the glossary says only 规范化). 梯度消失(vanishing gradient) says nothing of the
    # kind: 消失 is no start of gradient's Chinese (梯度), and vanishing has none.
    import_posts(kb, tmp_path, "批归一化(Batch Normalization)把一批数据变成均值为零。", "另一种做法是对每个样本归一化。",
                 "梯度消失(vanishing gradient)让深层网络难以训练。")
    got = texts_of(kb, listed(kb("search", "normalization", "--json")))
    assert any(t.startswith("另一种做法") for t in got)
    explain = kb("search", "gradient", "--explain").stdout.split("MATCH")[0].splitlines()
    assert not any("消失" in line for line in explain if not line.startswith("  inside:"))
