"""Multiple choice worth answering: the options in a new order every session, distractors that are
definitions of sibling concepts (a formula among formulas), never one naming the answer, and options
wrapped with their number on the line of their text at any width from 60 columns.
"""
from __future__ import annotations

import re

import pytest

from kb.cards.terms import norm_term
from kb.quiz import questions

CLOSING = set("，。、；：！？）》」』】〉”’…,.;:!?)]")


def _choice_questions(kb, *extra):
    return kb("quiz", "--mode", "choice", "--cram", "--json", "-n", "200", *extra).json()


def test_options_are_shuffled_per_session_not_per_card(kb, imported):
    first, second = _choice_questions(kb), _choice_questions(kb)
    assert [q["card_id"] for q in first] == [q["card_id"] for q in second]
    # The same options each time (the distractors are chosen, not drawn) ...
    assert [sorted(q["choices"]) for q in first] == [sorted(q["choices"]) for q in second]
    # ... in another order: not one fixed per card (the answer was option 2 in every session).
    assert [q["choices"] for q in first] != [q["choices"] for q in second]
    positions = {q["choices"].index(q["answer"]) for q in first + second}
    assert positions == {0, 1, 2, 3}


def test_no_wrong_option_names_the_asked_term_or_its_aliases(kb, imported):
    cards = {c["id"]: c for c in kb("cards", "--json").json()}
    qs = _choice_questions(kb)
    assert len(qs) >= 30
    for q in qs:
        card = cards[q["card_id"]]
        names = [norm_term(n) for n in [card["term"], *card["aliases"]] if len(norm_term(n)) >= 2]
        for option in q["choices"]:
            if option != q["answer"]:
                assert not any(n in norm_term(option) for n in names), (q["term"], option)
        assert len(set(q["choices"])) == len(q["choices"]) and q["answer"] in q["choices"]


def test_a_formula_is_offered_among_formulas(kb, imported):
    q = next(q for q in _choice_questions(kb) if q["term"] == "Wasserstein距离")
    assert len(q["choices"]) == 4
    assert all("\\(" in c or "\\[" in c for c in q["choices"]), q["choices"]
    # And prose among prose: 互信息 (a short relation) gets no formula.
    mi = next(q for q in _choice_questions(kb) if q["term"] == "互信息")
    assert not any("\\(" in c or "\\[" in c for c in mi["choices"]), mi["choices"]


def test_siblings_share_the_kind_of_thing_a_term_names():
    assert questions.head("对比损失") == "损失" and questions.head("Wasserstein距离") == "距离"
    assert questions.head("Normalizing Flow") == "flow" and questions.head("ReLU函数") == "函数"
    assert questions.category("是一种生成模型,通过…") == "模型"
    assert questions.category("表示两个变量之间的关系") is None


@pytest.mark.parametrize("width", [60, 61, 67, 80, 100, 120])
def test_options_wrap_with_their_number_on_the_line_of_their_text(kb, imported, monkeypatch, width):
    from rich.cells import cell_len

    monkeypatch.setenv("KB_WIDTH", str(width))
    r = kb("quiz", "--mode", "choice", "--cram", "-n", "200", input="1\n\n" * 120)
    assert r.code == 0, r
    lines = r.stdout.splitlines()
    numbered = [ln for ln in lines if re.match(r"\d\.", ln)]
    assert len(numbered) >= 100
    for ln in numbered:
        assert re.match(r"\d\. \S", ln), repr(ln)  # never a number alone on its line
    options = 0
    for i, ln in enumerate(lines):
        assert cell_len(ln) <= width, (width, ln)
        if re.match(r"\d\. ", ln):
            options += 1
            # Continuation lines sit under the text, and none starts with closing punctuation.
            for follow in lines[i + 1:]:
                if not follow.startswith("   "):
                    break
                assert follow[3] not in CLOSING and follow[3] != " ", (width, follow)
    assert options == len(numbered)
