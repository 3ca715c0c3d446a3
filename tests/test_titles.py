"""Titles that name the post's subject (kb.show.subject, the titles part kb.show.titles): what they
say, that they stay distinct and the same whatever the import order or a rebuild, that an older
database gets them with its search index following, and that every bundled post keeps its slug."""
from __future__ import annotations

import sqlite3
import unicodedata

import pytest

from kb.show.subject import subject_titles
from tests.conftest import CAPTURES

# slug → how the post's text starts, as every kb before subject titles named them.
SLUGS = {
    'cv-cnn-nlp-9f21': '概述 在计算机视觉领域(CV),',
    'ddpm-ddim-ode-57fb': '💡 原本随机采样的DDPM模型中',
    'ddpm-e7e4': '💡 扩散模型:通过加噪的方式去学',
    'deformable-conv-430a': 'Deformable Conv ',
    'diffusion-discrete-a4ef': '引言 Diffusion模型近年',
    'efficientnet-google-3bad': '简介 EfficientNet源',
    'elucidating-design-space-1357': '基于文章 《Elucidatin',
    'f1-bleu-47ef': '一般来说,神经网络处理的东西都是',
    'faster-rcnn-cnn-75b0': '动机 Faster RCNN是首',
    'flashattention-softmax-9ab8': '引言与背景 FlashAtten',
    'flow-encoder-decoder-2f58': '精巧的flow 不得不说,flo',
    'flowbased-models-10c7': '💡 Flowbased Mode',
    'fp32-fp16-9e67': '通常我们训练神经网络模型的时候默',
    'generative-adversarial-e575': '简介 生成对抗网络 ( Gene',
    'gumbel-softmax-c31d': '文章从连续情形出发开始介绍重参数',
    'jia-zhi-han-shu-665a': '引言与背景 价值函数方法是强化学',
    'llm-llms-large-6aff': '这是一篇尝试改变LLM「范式」的',
    'lstm-rnn-trn-c0da': '简介 这篇文章的思路就是之前的工',
    'machine-predicts-parts-ea5a': 'the machine pred',
    'meng-te-ka-luo-1664': '引言与背景 蒙特卡洛方法是强化学',
    'multiview-cnn-view-a005': '三维深度学习简介 多视角(mul',
    'nice-nonlinear-f0af': '背景 本文主要是《NICE: N',
    'nlp-n-gram-language-891b': '从 NLP 入手 n-gram ',
    'normalizing-flow-data-fefc': 'Normalizing flow',
    'post-training-openai-a015': '简介 后训练(post-trai',
    'representation-learning-940a': '补充知识 表示学习 (Repre',
    'rf-top-input-18b3': '如何计算RF 公式一:这个算法从',
    'rnn-lstm-gru-353c': '简介 这篇文章主要的动机是,之前',
    'rnn-transfomer-trn-236a': '简介 之前的很多方法都是用RNN',
    'ru-guo-yi-gai-74b9': '简介 如果以概率的视角看待世界的',
    'sd3-unet-dit-5de9': '🔖 https://stabil',
    'self-supervised-31f1': 'Self-Supervised ',
    'self-supervised-51bb': '导言 自监督学习(Self-Su',
    'selfsupervised-mutual-1ab0': '相关内容 自监督学习(Selfs',
    'shen-du-xue-xi-f6fa': '1.深度学习偏置的作用? 我们在',
    'temporal-action-7d8e': 'Temporal action ',
    'tokenizer-gpt3-llama-c19f': 'Tokenizer 诸如GPT3',
    'vae-gan-ce2a': '分布变换 通常我们会拿VAE跟G',
    'visul-language-align-4163': '总览 由于是“图文多模态”,还是',
    'vit-vision-transformer-71a5': 'ViT(vision trans',
    'wasserstein-gan-9359': '本文受启发于著名的国外博文 《W',
    'word2vec-embeddings-nlp-4867': '什么是Word2Vec和Embe',
    'yan-jiu-dui-xiang-c160': '研究对象与基本设定 我们希望学习',
}


def cells(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def titles(db) -> dict[str, str]:
    return dict(sqlite3.connect(db).execute("SELECT slug, title FROM posts").fetchall())


def test_every_bundled_post_keeps_its_slug(kb, imported):
    posts = {p["slug"]: kb("show", p["slug"], "--json").json()["text"] for p in kb("latest", "-n", "0", "--json").json()}
    assert {slug: text[:16] for slug, text in posts.items()} == SLUGS


def test_titles_name_the_subject_are_distinct_short_and_one_line(kb, imported):
    listed = {p["slug"]: p["title"] for p in kb("latest", "-n", "0", "--json").json()}
    assert listed["gumbel-softmax-c31d"] == "重参数 · Gumbel Softmax"  # the example
    assert listed["generative-adversarial-e575"] == "生成对抗网络 (GAN)"
    assert listed["normalizing-flow-data-fefc"] == "Normalizing flow (标准化流)"
    assert listed["shen-du-xue-xi-f6fa"] == "深度学习偏置的作用?"  # a question the post answers
    assert listed["rf-top-input-18b3"] == "如何计算RF"  # the post's own heading
    assert len(set(listed.values())) == len(listed) == 43
    assert all(0 < cells(t) <= 40 and "\n" not in t and t == t.strip() for t in listed.values())
    # The three posts about 自监督学习 each say what else they are about.
    ssl = [listed[s] for s in ("self-supervised-31f1", "self-supervised-51bb", "selfsupervised-mutual-1ab0")]
    assert all(" · " in t for t in ssl), ssl


def test_the_full_opening_sentence_stays_in_kb_show(kb, imported):
    out = kb("show", "gumbel-softmax-c31d", "--no-pager").stdout.splitlines()
    assert out[0] == "重参数 · Gumbel Softmax"
    assert "".join(out[1:4]).startswith("文章从连续情形出发开始介绍重参数,主要的例子是正态分布的重参数;")
    assert "这主要跟梯度估计有关。" in "".join(out[1:4])
    # What users typed to reach a post by its old title still reaches it.
    assert kb("show", "连续情形出发", "--json").json()["slug"] == "gumbel-softmax-c31d"


def test_the_same_titles_whatever_the_import_order_and_after_a_rebuild(kb, tmp_path):
    forward, backward = tmp_path / "forward.db", tmp_path / "backward.db"
    assert kb("--db", forward, "import", *CAPTURES).code == 0
    for capture in reversed(CAPTURES):  # one file at a time: each import retitles what it must
        assert kb("--db", backward, "import", capture).code == 0
    assert titles(backward) == titles(forward)
    before = titles(forward)
    assert kb("--db", forward, "doctor", "--fix").code == 0
    assert titles(forward) == before


def _capture(path, *texts):
    path.write_text("LATEST UPDATES\n" + "\n".join(texts) + "\n", encoding="utf-8")
    return path


A = "简介 自监督学习(Self-Supervised Learning)能利用大量无标注的数据进行表征学习。本文介绍 MoCo 的做法,MoCo 的队列很关键。"
B = "导言 自监督学习(Self-Supervised Learning)是无监督学习的一种。MAE 是它的又一力作,MAE 遮住图像块再重建。"


def test_two_posts_about_one_thing_both_say_more_in_either_order(kb, tmp_path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    a, b = _capture(tmp_path / "a.txt", A), _capture(tmp_path / "b.txt", B)
    for db, files in ((one, (a, b)), (two, (b, a))):
        for f in files:
            assert kb("--db", db, "import", f).code == 0
    got = titles(one)
    assert got == titles(two)
    assert len(set(got.values())) == 2
    assert all(t.startswith("自监督学习 · ") for t in got.values()), got  # 自监督学习 · MoCo, · MAE
    # The first post's title changed when the second came: its index row follows.
    conn = sqlite3.connect(one)
    from kb.search.segment import stored_form

    rows = conn.execute("SELECT f.title, p.title FROM posts p JOIN search_fts f ON f.rowid = p.id")
    assert all(indexed == stored_form(title) for indexed, title in rows)  # English words stored stemmed
    alone = tmp_path / "alone.db"
    assert kb("--db", alone, "import", a).code == 0
    assert list(titles(alone).values()) == ["自监督学习 (Self-Supervised Learning)"]  # alone, it needs no more


def test_an_older_database_gets_subject_titles_and_its_index_follows(kb, imported):
    conn = sqlite3.connect(imported)
    # As kb left a database before m010: first-sentence titles, no title choices, the index built on them.
    from kb.posts.naming import make_title
    from kb.search.index import body_form

    for pid, text in conn.execute("SELECT id, text FROM posts").fetchall():
        title = make_title(text)
        conn.execute("UPDATE posts SET title = ? WHERE id = ?", (title, pid))
        conn.execute("UPDATE search_fts SET title = ? WHERE rowid = ?", (body_form(title)[0], pid))
    conn.execute("DROP TABLE title_choices")
    conn.execute("DELETE FROM _migrations WHERE name = 'm012_subject_titles'")
    conn.execute("DELETE FROM meta WHERE key = 'titles_version'")
    from kb.store.migrations import schema_version

    conn.execute(f"PRAGMA user_version = {schema_version() - 1}")
    conn.commit()
    conn.close()
    assert kb("latest", "-n", "0", "--json").json()[3]["title"] == "重参数 · Gumbel Softmax"
    conn = sqlite3.connect(imported)
    from kb.search.segment import stored_form

    rows = conn.execute("SELECT f.title, p.title FROM posts p JOIN search_fts f ON f.rowid = p.id")
    assert all(indexed == stored_form(title) for indexed, title in rows)  # English words stored stemmed
    assert kb("doctor").code == 0


@pytest.mark.parametrize("text, title", [
    ("2.3.8 动态规划 动态规划(dynamic programming,DP)适合解决满足最优子结构的问题。", "动态规划 (DP)"),
    ("2.1.1 马尔可夫性质 在随机过程中,马尔可夫性质是指一个随机过程的未来只依赖于现在。", "马尔可夫性质"),
    ("11.1.8 什么是负迁移?产生负迁移的原因有哪些? 负迁移指的是……", "什么是负迁移?"),
    ("后训练(post-training)已成为完整训练流程中的重要组成部分。", "后训练 (post-training)"),
    # Full-width punctuation, as most Chinese text writes it: 什么是VAE？ 知识图谱（Knowledge Graph）
    ("7.3.2 什么是VAE\uff1f PixelCNN定义了一个易于处理的密度函数。", "什么是VAE\uff1f"),
    ("知识图谱\uff08Knowledge Graph\uff09是一种结构化的语义知识库\uff0c它旨在存储实体之间的关系。",
     "知识图谱 (Knowledge Graph)"),
    ("今天天气很好,我们去公园散步吧。", "今天天气很好,我们去公园散步吧"),  # nothing named: the first sentence
])
def test_what_a_title_is_made_of(text, title):
    assert subject_titles(text)[0].title == title
