"""kb/article.py: section splitting, LaTeX → Unicode, segments, line wrapping for Chinese text."""
from __future__ import annotations

import os
import re
import unicodedata

import pytest

from kb.show import article, wrap
from kb.show import latex as latex_conv


def cells(s: str) -> int:
    """Terminal cells, measured independently of Rich: East Asian wide/full-width count 2."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s
    )


# ---------------------------------------------------------------- LaTeX


@pytest.mark.parametrize(
    "latex, expected",
    [
        (r"\mathbb{E}_{z\sim p_{\theta}(z)}[f(z)]", "𝔼_(z∼p_θ(z))[f(z)]"),
        (r"L_{\theta}=\mathbb{E}_{z\sim p_{\theta}(z)}[f(z)]\tag{1}", "L_θ=𝔼_(z∼p_θ(z))[f(z)]    (1)"),
        (r"q(x_t|x_{t-1})", "q(xₜ|xₜ₋₁)"),
        (r"\sqrt{1-β_t}", "√(1-βₜ)"),
        (r"x \in \{0,1\}^n", "x ∈ {0,1}ⁿ"),  # spaced as in the source, on both sides
        (r"p(x_i \mid x_1, x_2)", "p(xᵢ | x₁, x₂)"),
        (r"z\sim p", "z∼p"),
        (r"\frac{1}{2}\alpha + b", "(1/2)α + b"),
        (r"w_{2}\right) \ldots p\left(w_{m}", "w₂) … p(wₘ"),
        (r"L=\frac{1}{2N}", "L=1/(2N)"),
        (r"\frac{p(x|y)}{p(x)}", "p(x|y)/p(x)"),
        (r"\frac{a+b}{c}", "(a+b)/c"),
        # a fraction next to a factor is one term: not "logp(x|y)/p(x)", "1/2x"
        (r"p(x,y)log\frac{p(x|y)}{p(x)}", "p(x,y)log(p(x|y)/p(x))"),
        (r"\frac{1}{2}x", "(1/2)x"),
        (r"L=\frac{1}{2N}\sum_{n}", "L=1/(2N)∑ₙ"),
        (r"p_{\text{data}}(x)", "p_data(x)"),
        (r"\log p_\theta(x)", "log p_θ(x)"),
        (r"W^{-1} t^2", "W⁻¹ t²"),
        (r"p(\mathbf{x}_t|\mathbf{x}_0)", "p(𝐱ₜ|𝐱₀)"),
        (r"\mathcal{W}[p,q]=\inf_{\gamma\in \Pi[p,q]}", "𝒲[p,q]=inf_(γ∈Π[p,q])"),
    ],
)
def test_latex_becomes_readable_unicode(latex, expected):
    assert latex_conv.math_to_unicode(latex) == expected


def test_aligned_lines_read_as_equations():
    latex = r"\begin{aligned} p(w_1, w_2)&=p(w_1) * p(w_2 \mid w_1) \\ &\leq 1 \end{aligned}"
    assert latex_conv.math_to_unicode(latex, display=True) == "p(w₁, w₂) = p(w₁) * p(w₂ | w₁)\n≤ 1"
    assert latex_conv.math_to_unicode(latex) == "p(w₁, w₂) = p(w₁) * p(w₂ | w₁) ≤ 1"


@pytest.mark.parametrize("broken", [r"\frac{", r"x_", r"}{", r"\begin{aligned} a &= b", "\\left( x"])
def test_broken_latex_never_raises_and_keeps_something_readable(broken):
    out = latex_conv.math_to_unicode(broken)
    assert isinstance(out, str)
    assert "\x1b" not in out


def test_math_output_has_no_control_characters():
    # \char27 would be ESC: whatever pylatexenc makes of it must not reach the terminal
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", latex_conv.math_to_unicode(r"a\char27[31m b \text{\r}"))


# ---------------------------------------------------------------- sections


def headings(text: str) -> list:
    return [s["heading"] for s in article.split_sections(text)]


def test_section_words_become_headings():
    text = "简介 这篇文章的思路就是预测未来。整体框架采用的lstm。 方法 传统的RNN或者LSTM并不能接收未来的信息"
    secs = article.split_sections(text)
    assert [s["heading"] for s in secs] == ["简介", "方法"]
    assert secs[0]["body"] == "这篇文章的思路就是预测未来。整体框架采用的lstm。"
    assert secs[1]["body"].startswith("传统的RNN")


def test_a_short_phrase_after_a_sentence_end_is_a_heading_and_two_known_words_in_a_row():
    text = "本文会简单介绍这些改进。 论文阅读 核心贡献 介绍 Stable Diffusion 3 的文章。 艰难的分布 众所周知,目前"
    assert headings(text) == [None, "论文阅读", "核心贡献", "艰难的分布"]


@pytest.mark.parametrize(
    "text",
    [
        "研究界已探索多种方法来提高模型的推理能力",  # 方法 inside a sentence
        "属于表示学习。 互信息 (Mutual Information):表示两个变量",  # a term being defined
        "基于文章 《Elucidating the Design Space》 来统一扩散模型框架",  # a sentence starting with a phrase
        "可以总结为: 值的检索方式 值的更新方式",  # list items after a colon
        "成本函数定义如下。 首先 我们需要",  # 首先 opens a sentence
        "的经典工作。 本文主要介绍 Self-Supervised Learning 在 NLP领域 的经典工作",  # a sentence's subject
        "我们用 GAN 方法 生成图片",  # an everyday section word after a Latin word is prose
    ],
)
def test_not_every_short_phrase_is_a_heading(text):
    assert headings(text) == [None]


def test_a_section_word_after_a_title_or_numbered_is_a_heading_without_a_sentence_end():
    text = "论文: [2502.09992] Large Language Diffusion Models 背景 主流大语言模型架构"
    assert headings(text) == [None, "背景"]
    assert headings("是 2017 年 5 月出的 1. Motivation 1.1 Task 上的难点") == [None, "1. Motivation"]
    assert headings("热传导方程等内容的联系。 Rectified Flow 理论推导 微分方程 像GAN这样") == [None, "理论推导"]


def test_no_heading_inside_a_formula():
    assert headings(r"公式如下。 \( 方法 x \) 结束") == [None]


# ---------------------------------------------------------------- segments


def test_segments_split_math_placeholders_and_urls():
    body = r"见 https://example.com/a_b?x=1, 其中 \(x_0\) 与 [Math] 和 [公式] 以及 \[y=1\] 完"
    segs = article.segments(body)
    kinds = [k for k, _ in segs]
    assert kinds == ["text", "url", "text", "math", "text", "placeholder", "text", "placeholder", "text", "display", "text"]
    assert segs[1] == ("url", "https://example.com/a_b?x=1")  # the comma after it is not part of it
    assert segs[3] == ("math", "x_0")
    assert segs[9] == ("display", "y=1")


def test_a_formula_cut_off_by_the_site_is_still_math():
    assert article.segments(r"最后 \( p_{\theta}(x_{") == [("text", "最后 "), ("math", r"p_{\theta}(x_{")]
    assert article.segments(r"如下 \[\begin{aligned} p\left(w_{1}\right)&=p") == [
        ("text", "如下 "), ("display", r"\begin{aligned} p\left(w_{1}\right)&=p")
    ]
    assert latex_conv.math_to_unicode(r"p_{\theta}(x_{") == "p_θ(x_"  # the site cut it there


def test_parse_converts_math_and_cleans_control_characters():
    secs = article.parse("简介 a\x1b[31m b\r c \\(x_{t-1}\\)")
    (sec,) = secs
    assert sec["heading"] == "简介"
    text = "".join(v for _, v in sec["segments"])
    assert "\x1b" not in text and "\r" not in text
    assert ("math", "xₜ₋₁") in sec["segments"]


# ---------------------------------------------------------------- wrapping


SAMPLE = (
    "文章从连续情形出发开始介绍重参数,主要的例子是正态分布的重参数;然后引入离散分布的重参数,这就涉及到了"
    "Gumbel Softmax,包括Gumbel Softmax的一些证明和讨论;最后 https://stability.ai/news/stablediffusion3researchpaper 再讲讲。"
)


@pytest.mark.parametrize("width", [12, 30, 41, 80])
def test_wrapped_lines_fit_and_keep_english_words_whole(width):
    lines = [SAMPLE[a:b] for a, b in wrap.wrap_offsets(SAMPLE, width)]
    assert all(cells(line) <= width for line in lines)
    # nothing lost: the lines are the text without the spaces the breaks replaced
    assert "".join(lines).replace(" ", "") == SAMPLE.replace(" ", "")
    if width >= 30:
        words = re.findall(r"Gumbel|Softmax", " ".join(lines))
        assert len(words) == 4  # never "Gum" + "bel" across a line end
    # closing punctuation never starts a line
    assert not any(line[:1] in ",。;:、)" for line in lines)


@pytest.mark.parametrize("width", range(26, 50))  # the placeholder and its "):" fit on a line
def test_spaced_off_closing_punctuation_stays_with_the_word_before_it(width):
    # the captures write "思想 。" and "0 ,总之": the break may not fall in that space
    text = "都或多或少算是自监督学习的思想 。 自监督学习与无监督学习的区别 x_nw_n T 0 ,总之,偏置的大小 [formula not captured] ):"
    lines = [text[a:b] for a, b in wrap.wrap_offsets(text, width)]
    assert all(cells(line) <= width for line in lines)
    assert not any(line[:1] in ",。;:、)" for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_tabs_in_post_text_lose_nothing():
    from rich.console import Console

    text = "这是一段\t\t\t\t有很多制表符的文字。" * 3
    console = Console(width=30, record=True, file=open(os.devnull, "w"), highlight=False, markup=False)
    view = {"title": "t", "slug": "s", "text": text, "sections": article.parse(text), "sources": []}
    for raw in (False, True):
        console.print(article.render(view, raw=raw))
        out = console.export_text()
        assert all(cells(line) <= 30 for line in out.splitlines())
        body = "".join(out.split("seen in: no capture")[1].split())
        assert body == "".join(text.split()), out


@pytest.mark.parametrize("width", range(16, 48))
def test_an_inline_formula_is_not_broken_at_its_own_spaces(width):
    from rich.console import Console

    text = r"假设每个样本是 n 维二值向量: \(x \in \{0,1\}^n\) 我们的目标是计算 \(\log p_\theta(x)\) 或它的梯度。"
    console = Console(width=width, record=True, file=open(os.devnull, "w"), highlight=False, markup=False)
    console.print(article.render({"title": "t", "slug": "s", "text": text, "sections": article.parse(text), "sources": []}))
    lines = console.export_text().splitlines()
    assert all(cells(line) <= width for line in lines)
    assert any("x ∈ {0,1}ⁿ" in line for line in lines), lines
    assert any("log p_θ(x)" in line for line in lines), lines


@pytest.mark.parametrize("width", range(30, 80, 3))
def test_display_math_breaks_at_its_wide_gaps_and_a_long_one_at_its_spaces(width):
    from rich.console import Console

    text = (
        r"形式: \[\int p_{\theta}(z) f(z)dz\,\,\,\text{(连续情形)}\qquad\qquad \sum_{z} p_{\theta}(z) f(z)\,\,\,\text{(离散情形)}\tag{2}\]"
        r" 和 \[p(w_1, w_2)=p(w_1) * p(w_2 \mid w_1) * p(w_3 \mid w_1, w_2) * p(w_4 \mid w_1, w_2, w_3)\]"
    )
    console = Console(width=width, record=True, file=open(os.devnull, "w"), highlight=False, markup=False)
    console.print(article.render({"title": "t", "slug": "s", "text": text, "sections": article.parse(text), "sources": []}))
    lines = console.export_text().splitlines()
    assert all(cells(line) <= width for line in lines)
    flat = " ".join(lines)
    assert "(连续情形)" in flat and "(离散情形)" in flat, lines  # never 离 / 散情形 across lines
    # too long for one line, the second formula breaks at its spaces, not inside a symbol group
    assert not any(line.lstrip().startswith((")", "₁", "₂")) for line in lines), lines


def test_a_newline_in_the_text_is_a_line_break():
    text = "关键点:\n1. 正向\n\n2. 反向"
    lines = [text[a:b] for a, b in wrap.wrap_offsets(text, 40)]
    assert lines == ["关键点:", "1. 正向", "", "2. 反向"]
