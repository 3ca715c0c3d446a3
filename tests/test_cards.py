"""Card extraction (precision and recall on the labelled set), card identity across re-imports, export.

Uses real databases under tmp_path and the real CLI.
"""
from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
import zipfile
from pathlib import Path

import pytest
import yaml

from kb import derived
from kb.cards import extract
from kb.quiz import schedule

GOLD = Path(__file__).parent / "data" / "definitions.yaml"


def _key(term: str) -> str:
    return re.sub(r"[\s\-_]+", "", unicodedata.normalize("NFKC", term)).casefold()


def _names(term: str, aliases: list[str]) -> set[str]:
    return {_key(term), *(_key(a) for a in aliases)}


def _posts(db: Path) -> dict[str, str]:
    """slug → the gold set's post key (first 24 characters of the stripped excerpt)."""
    conn = sqlite3.connect(db)
    try:
        return {slug: text.strip()[:24] for slug, text in conn.execute("SELECT slug, text FROM posts")}
    finally:
        conn.close()


@pytest.mark.parametrize(
    "text",
    [
        "这就是一种非常重要的方法,可以用于很多任务。",
        "它是一种基于变换的模型,可以生成样本。",
        "我们就是要解决这个问题,才提出了新方法。",
        "本文是指在训练过程中加入噪声的做法。",
        "不得不说,flow模型是一个在设计上非常精巧的模型。",
        "MAE是kaiming继MOCO之后在自监督学习领域的又一力作。",
        "也就是可以利用完整的视频检测动作发生的时间。",
        "这幅图对比的是输入的特征:它们很相似,但不完全一样。",
        "生成模型的难题就是判断生成分布与真实分布的相似度。",
    ],
)
def test_pronoun_filler_and_evaluative_subjects_give_no_card(text):
    assert extract.extract(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "GAN模型将在下一节详细介绍。",  # 将 of the future tense
        "该方法则不然,它需要更多数据。",
        "整体的思路是先编码再解码。",  # a gist, but of no named thing
        "设定学习率为一个较小的值,然后训练。",
        "x_i 为一个向量,表示第i个样本。",
        "今天是周末,我们来聊聊扩散模型。",  # a post's opening, but no term
        "输入是一张图片,输出是类别。",
        "什么是Word2Vec和Embeddings? 很简单。",
        "模态对齐是处理多模态问题的基础,也是现在流行的多模态大模型技术前提。",  # a judgement
        "我们将这种方法称为它的变体。",  # what is named is elsewhere
        "这可以理解为一种正则化。",
        "ResNet是最常用的网络之一。",
        "这篇文章也是glow这个模型的基础文章之一。",
        "这是我们对问题的定义。",
        "一般有两种解决方案;一是动用强化学习,将正确率设为奖励函数。",
        "它们通常指向同一个对象。",
        "其中 [Math] 称作是状态 s 的特征向量, w 是参数向量。",
    ],
)
def test_other_wordings_stay_off_ordinary_sentences(text):
    assert extract.extract(text) == []


@pytest.mark.parametrize(
    "text, term, aliases, definition",
    [
        ("其中,生成模型可以理解为一个伪造者,试图骗过判别模型;", "生成模型", [], "可以理解为一个伪造者,试图骗过判别模型"),
        ('在强化学习中,"数据"通常指智能体与环境交互的经验。', "数据", [], "通常指智能体与环境交互的经验。"),
        ("我们将条件概率的条件 \\(w_1\\) 称为单词 \\(w_i\\) 的上下文,用 \\(c_i\\) 表示。", "上下文", [],
         "我们将条件概率的条件 \\(w_1\\) 称为单词 \\(w_i\\) 的上下文,用 \\(c_i\\) 表示。"),
        ("样本。flow模型也是生成模型之一,它的思路是反过来。", "flow模型", [], "是生成模型之一,它的思路是反过来。"),
        ("引言与背景 蒙特卡洛方法是强化学习中的重要算法类别,它标志着转变。", "蒙特卡洛方法", [],
         "是强化学习中的重要算法类别,它标志着转变。"),
        ("ViT(vision transformer)是Google提出的图像分类模型。", "ViT", ["vision transformer"], "是Google提出的图像分类模型。"),
        ("导言 自监督学习(Self-Supervised Learning)能利用无标注的数据进行表征学习。", "自监督学习",
         ["Self-Supervised Learning"], "能利用无标注的数据进行表征学习。"),
        ("关键点: 1. 正向加噪是离散时间马尔可夫链:从 \\(x_0\\) 逐步加噪;", "正向加噪", [],
         "是离散时间马尔可夫链:从 \\(x_0\\) 逐步加噪"),
        ("对比 传统的表格方法将状态值存储在一个表格中: 而函数近似方法则使用参数化函数来表示这些值,例如: [公式]",
         "函数近似方法", [], "使用参数化函数来表示这些值"),
        ("对比 传统的表格方法将状态值存储在一个表格中: 表格", "表格方法", [], "将状态值存储在一个表格中"),
        ("概述 MAE的做法很简单:随机mask掉一些patch,然后重建它们。", "MAE", [], "随机mask掉一些patch,然后重建它们。"),
        ("引言 FlashAttention的关键创新在于分块计算注意力 在深度学习中,", "FlashAttention", [], "关键创新在于分块计算注意力"),
        ("the machine predicts any parts of its input 这是LeCun对自监督学习的定义", "自监督学习", [],
         "the machine predicts any parts of its input"),
        ("任务可以分为两种setting, 一是offline的,在检测时视频是完整可得的;", "offline", [], "在检测时视频是完整可得的"),
        ("当前的LLM都是「自回归」的,通俗地理解就是从左到右依次生成。", "自回归", [], "通俗地理解就是从左到右依次生成。"),
        ("论文提出了compound scaling,混合缩放,把深度、宽度组合起来缩放。", "compound scaling", ["混合缩放"],
         "把深度、宽度组合起来缩放。"),
        ("所以作者设计了一个TRN Cell为一个循环单元,TRN Cell 的算法流程如下:", "TRN Cell", [], "为一个循环单元"),
        ("大放异彩~ ViT在多模态模型中的角色类似于Tokenizer组件,对图像进行编码。", "ViT", [],
         "在多模态模型中的角色类似于Tokenizer组件,对图像进行编码。"),
        ("微分方程 像GAN这样的生成模型,它本质上是希望找到一个确定性变换。", "GAN", [], "本质上是希望找到一个确定性变换。"),
    ],
)
def test_other_wordings_give_the_term_and_a_whole_definition(text, term, aliases, definition):
    got = {d.term: d for d in extract.extract(text)}
    assert term in got, got
    assert (got[term].aliases, got[term].definition) == (aliases, definition)


def test_each_wording_gives_the_term_its_alias_and_definition():
    text = (
        "基本概念 互信息(Mutual Information):表示两个变量之间的关系。"
        "而 Diffusion Model 是一种通过逐步去噪来生成样本的模型。"
        "所谓过拟合,就是模型在训练集上表现很好而在测试集上表现差。"
        "这里的混合精度训练是指同时使用单精度和半精度进行训练。"
        "Wasserstein距离的定义为两个分布之间最优传输的最小成本。"
        "Self-Supervised Learning ,又称为自监督学习。而 Self-Supervised Learning 是无监督学习里面的一种方法。"
    )
    got = {d.term: d for d in extract.extract(text)}
    assert got["互信息"].aliases == ["Mutual Information"]
    assert got["互信息"].definition == "表示两个变量之间的关系。"
    assert got["Diffusion Model"].definition.startswith("是一种通过逐步去噪")
    assert got["过拟合"].definition.startswith("就是模型在训练集上")
    assert got["混合精度训练"].pattern == "是指"
    assert "Wasserstein距离" in got
    assert got["Self-Supervised Learning"].aliases == ["自监督学习"]
    assert set(got) == {"互信息", "Diffusion Model", "过拟合", "混合精度训练", "Wasserstein距离",
                        "Self-Supervised Learning"}


def test_fullwidth_punctuation_is_normalized_before_matching():
    (d,) = extract.extract("互信息（Mutual Information）：表示两个变量之间的关系。")
    assert (d.term, d.aliases) == ("互信息", ["Mutual Information"])


def test_a_definition_inside_a_parenthesis_ends_with_it():
    (d,) = extract.extract("属于感知器(感知器本身就是一个很简单的神经网络,也许有人不同意) 要想激活它")
    assert d.term == "感知器"
    assert d.definition == "就是一个很简单的神经网络,也许有人不同意"


def test_a_list_definition_ends_before_the_next_items_label():
    # The next label, "DDPM 关键点", opens with a model's name: it is not the end of the definition.
    (d,) = extract.extract("💡 扩散模型:通过加噪的方式去学习原始数据的分布, 从学到的分布中去生成样本 DDPM 关键点: 1. 正向加噪")
    assert (d.term, d.definition) == ("扩散模型", "通过加噪的方式去学习原始数据的分布, 从学到的分布中去生成样本")
    # A Latin phrase that belongs to the definition stays: only the label's own words go.
    d = extract.extract("标准化流(Normalizing flow):通过可逆变换建模,常用于 density estimation 采样生成:从分布中采样")[0]
    assert (d.term, d.definition) == ("标准化流", "通过可逆变换建模,常用于 density estimation")


def test_a_formula_is_never_cut():
    formula = "\\[" + "a+b," * 60 + "c\\]"
    (d,) = extract.extract("那么Wasserstein距离的定义为 " + formula + " 事实上")
    assert d.definition.endswith("c\\]")


def test_card_kinds_and_one_card_set_per_term(kb, imported):
    all_cards = kb("cards", "--json").json()
    by_term: dict[tuple, set] = {}
    for c in all_cards:
        by_term.setdefault((c["slug"], c["term"]), set()).add(c["kind"])
        assert set(c) == {"id", "slug", "term", "aliases", "definition", "kind"}
    mi = [c for c in all_cards if c["term"] == "互信息"]
    assert {c["kind"] for c in mi} == {"definition", "reverse", "alias", "choice"}
    assert by_term[("flow-encoder-decoder-2f58", "flow")] == {"definition", "reverse", "choice"}
    assert len({c["id"] for c in all_cards}) == len(all_cards)


# ---------------------------------------------------------------- identity and history

CAPTURE = "Deep Learning\n2026-01-02\n互信息(Mutual Information):表示两个变量之间的关系\n"
LONGER = (
    "Deep Learning\n2026-01-02\n互信息(Mutual Information):表示两个变量之间的关系,以及它们相互依赖的程度。"
    "对比损失(contrastive loss):计算成对样本的匹配程度。\n"
)


def _db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def test_card_ids_survive_a_changed_definition_and_keep_their_reviews(kb, tmp_path):
    src = tmp_path / "cap.txt"
    src.write_text(CAPTURE, encoding="utf-8")
    assert kb("import", src).code == 0
    first = {c["kind"]: c for c in kb("cards", "--json").json()}
    db = tmp_path / "kbhome" / "kb.db"
    conn = _db(db)
    schedule.review(conn, first["definition"]["id"], 3, mode="definition")
    # The same post captured again, longer: its definition text changes, its card does not.
    src.write_text(LONGER, encoding="utf-8")
    assert kb("import", src).code == 0
    after = kb("cards", "--json").json()
    mi = {c["kind"]: c for c in after if c["term"] == "互信息"}
    assert {k: c["id"] for k, c in mi.items()} == {k: c["id"] for k, c in first.items()}
    assert mi["definition"]["definition"] == "表示两个变量之间的关系,以及它们相互依赖的程度。"
    assert {c["term"] for c in after} == {"互信息", "对比损失"}
    assert kb("stats", "--json").json()["reviews"] == 1
    assert conn.execute("SELECT card_id FROM reviews").fetchone()[0] == first["definition"]["id"]


def test_doctor_fix_rebuilds_cards_without_losing_reviews(kb, imported):
    conn = _db(imported)
    ids = [c["id"] for c in kb("cards", "--json").json()][:3]
    for cid in ids:
        schedule.review(conn, cid, 3, mode="definition")
    before = kb("cards", "--json").json()
    r = kb("doctor", "--fix")
    assert r.code == 0, r
    assert kb("cards", "--json").json() == before
    assert conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 3
    assert conn.execute("SELECT COUNT(*) FROM card_schedule").fetchone()[0] == 3


def test_a_card_no_longer_found_is_kept_only_if_reviewed(kb, tmp_path):
    src = tmp_path / "cap.txt"
    src.write_text(LONGER, encoding="utf-8")
    assert kb("import", src).code == 0
    db = tmp_path / "kbhome" / "kb.db"
    conn = _db(db)
    reviewed = next(c["id"] for c in kb("cards", "--json").json() if c["term"] == "互信息" and c["kind"] == "definition")
    schedule.review(conn, reviewed, 1, mode="definition")
    # The post's text loses both definitions (as a re-derivation from a different text would).
    conn.execute("UPDATE posts SET text = '没有定义的文字。'")
    derived.rebuild(conn, ["cards"])
    rows = conn.execute("SELECT id, active FROM cards").fetchall()
    assert [(r["id"], r["active"]) for r in rows] == [(reviewed, 0)]
    assert kb("cards", "--json").json() == []
    assert conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 1


# ---------------------------------------------------------------- topics


def test_topic_matching_is_by_whole_words_not_substrings(kb, tmp_path, imported):
    noise = tmp_path / "noise.txt"
    noise.write_text(
        "视频流是指连续不断传输的视频数据,常用于在线检测。\n"
        "训练流程是指从数据准备到模型评估的一系列步骤。\n",
        encoding="utf-8",
    )
    assert kb("import", noise).code == 0
    terms = {c["term"] for c in kb("cards", "--json").json()}
    assert {"视频流", "训练流程"} <= terms
    flow = kb("cards", "--topic", "flow", "--json").json()
    assert {(c["slug"], c["term"]) for c in flow} == {
        ("ddpm-ddim-ode-57fb", "flow模型"),  # flow模型也是生成模型之一,… (its GAN card stays out)
        ("flow-encoder-decoder-2f58", "flow"),
        ("flowbased-models-10c7", "Normalizing Flow"),
        ("normalizing-flow-data-fefc", "Normalizing flow"),
        ("normalizing-flow-data-fefc", "rectified flow"),
    }


def test_a_category_is_a_topic(kb, imported):
    cats = kb("categories", "--json").json()
    topic_names = {t["topic"] for t in kb("topics", "--json").json()}  # a topic of that name wins
    conn = _db(imported)
    for cat in (c["category"] for c in cats if c["category"].casefold() not in topic_names):
        got = {c["slug"] for c in kb("cards", "--topic", cat, "--json").json()}
        want = {r[0] for r in conn.execute(
            "SELECT DISTINCT c.slug FROM cards c JOIN posts p ON p.id = c.post_id WHERE p.category = ?", (cat,))}
        assert got == want


def test_an_unknown_topic_is_an_error_with_suggestions(kb, imported):
    r = kb("quiz", "--topic", "Deep Lerning", "--json")
    assert r.code == 1
    assert r.stdout == ""
    assert r.stderr.startswith("kb: error: no topic, category or post matches 'Deep Lerning'")
    assert "Deep Learning" in r.stderr.split("did you mean:")[1]
    assert len(r.stderr.strip().splitlines()) == 1


def test_search_terms_are_a_topic_when_every_term_matches(kb, imported):
    got = {c["term"] for c in kb("cards", "--topic", "互信息", "--json").json()}
    assert got == {"互信息"}
    assert kb("cards", "--topic", "互信息 扩散模型", "--json").code == 1


# ---------------------------------------------------------------- export


def test_export_apkg_is_an_anki_package_with_stable_guids(kb, imported, tmp_path):
    paths = [tmp_path / "a.apkg", tmp_path / "b.apkg"]
    for p in paths:
        r = kb("cards", "export", "--format", "apkg", p)
        assert r.code == 0, r
    n_defs = len([c for c in kb("cards", "--json").json() if c["kind"] == "definition"])
    guids = []
    for p in paths:
        with zipfile.ZipFile(p) as z:
            assert "collection.anki2" in z.namelist()
            z.extract("collection.anki2", tmp_path / p.stem)
        conn = sqlite3.connect(tmp_path / p.stem / "collection.anki2")
        rows = conn.execute("SELECT guid, flds FROM notes ORDER BY guid").fetchall()
        models, decks = conn.execute("SELECT models, decks FROM col").fetchone()
        assert {m["name"] for m in json.loads(models).values()} >= {"kb definition"}
        assert "kb" in {d["name"] for d in json.loads(decks).values()}
        assert conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == n_defs
        assert len(rows) == n_defs
        assert any(f.startswith("互信息\x1f表示两个变量") for _, f in rows)
        guids.append([g for g, _ in rows])
        conn.close()
    assert guids[0] == guids[1]
    assert len(set(guids[0])) == n_defs


def test_export_tsv_has_anki_header_lines_and_one_note_per_line(kb, imported, tmp_path):
    out = tmp_path / "cards.tsv"
    assert kb("cards", "export", "--format", "tsv", out).code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#separator:tab"
    assert "#columns:guid\tterm\tdefinition\taliases\tslug" in lines
    body = [ln for ln in lines if not ln.startswith("#")]
    assert len(body) == len([c for c in kb("cards", "--json").json() if c["kind"] == "definition"])
    assert all(len(ln.split("\t")) == 5 for ln in body)


def test_exports_keep_post_control_characters_out_and_quote_fields_for_anki(kb, tmp_path):
    import csv

    cap = tmp_path / "quoted.txt"
    cap.write_text('卷积网络(ConvNet):\x1b[31m通过卷积核提取"局部"特征\u202e的网络。\n', encoding="utf-8")
    assert kb("import", cap).code == 0
    tsv = tmp_path / "cards.tsv"
    assert kb("cards", "export", "--format", "tsv", tsv).code == 0
    # Anki reads the body as CSV with tab separators: the quotes come back as written, one field each.
    rows = [r for r in csv.reader(tsv.open(encoding="utf-8", newline=""), delimiter="\t") if not r[0].startswith("#")]
    assert len(rows) == 1 and len(rows[0]) == 5
    assert rows[0][1:3] == ["卷积网络", ' [31m通过卷积核提取"局部"特征 的网络。']
    apkg = tmp_path / "cards.apkg"
    assert kb("cards", "export", "--format", "apkg", apkg).code == 0
    with zipfile.ZipFile(apkg) as z:
        z.extract("collection.anki2", tmp_path)
    conn = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        fields = conn.execute("SELECT flds FROM notes").fetchone()[0]
    finally:
        conn.close()
    assert "\x1b" not in fields and "\u202e" not in fields and "通过卷积核提取&quot;局部&quot;特征" in fields


def test_export_json_and_errors(kb, imported, tmp_path):
    out = tmp_path / "cards.json"
    assert kb("cards", "export", "--format", "json", out).code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "互信息" in out.read_text(encoding="utf-8")  # not \u-escaped
    assert {c["kind"] for c in data} == {"definition"}
    r = kb("cards", "export", "--format", "pdf", out)
    assert r.code == 2 and "unknown export format" in r.stderr
    r = kb("cards", "export", "--format", "tsv", tmp_path / "missing" / "x.tsv")
    assert r.code == 1 and r.stderr.startswith("kb: error: cannot write")


def test_cards_for_humans_show_term_slug_and_definition(kb, imported):
    r = kb("cards", "--topic", "flow")
    assert r.code == 0
    lines = r.stdout.splitlines()
    i = lines.index("rectified flow  normalizing-flow-data-fefc")
    assert lines[i + 1] == "  就是 normalizing flow 的变体之一。"
    assert "Normalizing flow (标准化流)  normalizing-flow-data-fefc" in lines
    assert all(len(ln) <= 100 for ln in lines) and "\x1b" not in r.stdout
