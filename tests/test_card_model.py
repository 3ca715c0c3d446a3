"""The card scorer (kb/cards/model.py, data/card_model.json): it is what kb/cards/train.py gives from the
development data, training never reads the real text's test part, and the scorer decides."""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from kb.cards import extract, train
from kb.cards.terms import nfkc
from kb.cards.candidates import VERB_ALTERNATIVES, VERB_FAST, VERB_FORM_KIND
from kb.cards.model import weights

ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_model_is_what_training_gives():
    committed = json.loads((ROOT / "data" / "card_model.json").read_text(encoding="utf-8"))
    assert train.dumps(train.model()) == train.dumps(committed), "retrain: python -m kb.cards.train"


def test_training_reads_no_post_of_the_test_part():
    test_posts = set()
    for path in sorted((ROOT / "tests" / "data" / "realtext").glob("definitions-*.yaml")):
        test_posts |= {g["post"] for g in yaml.safe_load(path.read_text(encoding="utf-8")) if g["split"] == "test"}
    assert len(test_posts) >= 50
    trained = train.labelled()
    assert {k for _, k, _, _ in trained}.isdisjoint(test_posts)
    assert all(g["split"] == "dev" for source, _, _, gold in trained if source != "bundled" for g in gold)
    # every dev post and every bundled post is in
    assert sum(source == "bundled" for source, _, _, _ in trained) == 43
    assert len(trained) - 43 >= 140


def test_a_candidate_becomes_a_card_only_above_the_threshold():
    w, threshold = weights()
    assert 0.5 <= threshold < 1 and len(w) > 50
    text = "变分自编码器（variational autoencoder，VAE）是一种生成模型，它通过编码器把输入映射到隐变量的分布。"
    scored = extract.scored(text)
    assert scored and max(p for p, _ in scored) >= threshold
    kept = {d.term for d in extract.extract(text)}
    assert kept == {c.term for p, c in scored if p >= threshold}


def test_the_verbs_fast_expression_finds_what_the_plain_expression_finds():
    """The verbs' expression is VERB_KINDS rewritten so that each form opens with a literal character (for
    speed); it must find the same verbs at the same places, of the same kinds."""
    from kb.posts import capture

    plain = re.compile(VERB_ALTERNATIVES)
    fast = re.compile(VERB_FAST)
    paths = sorted((ROOT / "data").glob("*.txt")) + sorted((ROOT / "tests" / "data" / "realtext" / "captures").glob("*.txt"))
    texts = [ex.text for p in paths for ex in capture.parse_bytes(p.read_bytes()).excerpts]
    assert len(texts) > 150
    for t in texts:
        t = nfkc(t)
        assert [(m.span(), m.lastgroup) for m in plain.finditer(t)] == [
            (m.span(), VERB_FORM_KIND[m.lastgroup]) for m in fast.finditer(t)]
    # every form's look-behind, moved after its character, still looks where it did
    for t, kind in (("而模型则输出", "does"), ("转化为一种", None), ("它被视为一种", None), ("再分为一个", None),
                    ("这为一种方法", "as"), ("x则", "does"), ("。则", None)):
        found = [VERB_FORM_KIND[m.lastgroup] for m in fast.finditer(t) if m.group() in ("则", "为")]
        assert found == [kind] * (kind is not None) and found == [m.lastgroup for m in plain.finditer(t) if m.group() in ("则", "为")]
