"""Quiz topics from data/topics.yaml: kb topics, kb quiz --topic, same-topic distractors.

Real database, real CLI; the topic words are the bundled data/topics.yaml.
"""
from __future__ import annotations

import datetime as dt
import re

from kb.quiz import questions, schedule
from kb.store.connect import open_db

# flow模型: 'flow模型也是生成模型之一,…' in the DDPM/DDIM/ODE post. Normalizing Flow is one card, defined in
# two posts (one writes Normalizing flow).
FLOW_TERMS = {"flow", "Normalizing Flow", "rectified flow", "flow模型"}
TOPICS = {"flow", "diffusion", "self-supervised", "llm", "gan", "vae", "rl", "cnn", "transformer", "generative"}


def test_kb_topics_lists_every_topic_with_card_and_due_counts(kb, imported, monkeypatch):
    rows = kb("topics", "--json").json()
    assert TOPICS <= {r["topic"] for r in rows}
    by = {r["topic"]: r for r in rows}
    flow_cards = [c for c in kb("cards", "--json").json() if c["term"] in FLOW_TERMS]
    assert by["flow"]["cards"] == len(flow_cards) == 13
    assert all(r["due"] == 0 for r in rows)
    conn = open_db(imported)
    # Graded Again five minutes ago: due again a minute later, so due now.
    schedule.review(conn, flow_cards[0]["id"], 1, mode="definition",
                now=schedule.now_utc() - dt.timedelta(minutes=5))
    by = {r["topic"]: r for r in kb("topics", "--json").json()}
    assert by["flow"]["due"] == 1
    text = kb("topics").stdout
    assert "flow" in text and "diffusion" in text
    # At 80 columns the counts stay visible and no term is cut where the line wraps (it read 流模型…).
    monkeypatch.setenv("KB_WIDTH", "80")
    text = kb("topics").stdout
    assert text.splitlines()[1].split()[:3] == ["flow", "13", "1"]
    assert "流模型, … (+11)" in " ".join(text.split()) and "流模型…" not in text


def test_quiz_topic_flow_drills_flow_definitions_and_nothing_else(kb, imported):
    qs = kb("quiz", "--topic", "flow", "--mode", "mixed", "--json", "-n", "100").json()
    assert {q["term"] for q in qs} == FLOW_TERMS
    assert len(qs) == 13
    r = kb("quiz", "--topic", "flow", input="\n3\nq\n")
    assert r.code == 0 and "card 1 of 4" in r.stdout


def _key(term):
    return term.casefold().replace(" ", "")


def _from(choice, definitions):
    """Whether a choice is one of the definitions with some terms blanked out."""
    pattern = ".+?".join(re.escape(part) for part in choice.split(questions.MASK))
    return any(re.fullmatch(pattern, d, flags=re.IGNORECASE) for d in definitions)


def test_choice_distractors_come_from_the_same_topic(kb, imported):
    flow = [c for c in kb("cards", "--json").json() if c["term"] in FLOW_TERMS and c["kind"] == "definition"]
    defs = {c["definition"] for c in flow}
    for q in kb("quiz", "--topic", "flow", "--mode", "choice", "--json").json():
        # Definitions of the same term (Normalizing Flow / Normalizing flow) are never distractors, nor one
        # that names the asked term ('rectified flow 就是 normalizing flow 的变体' for Normalizing Flow), so
        # the topic may have fewer than three to give: then there are fewer choices, none from elsewhere.
        others = {c["definition"] for c in flow if _key(c["term"]) != _key(q["term"])
                  and _key(q["term"]) not in _key(c["definition"])}
        assert all(_from(c, defs) for c in q["choices"]), q["choices"]
        assert len(q["choices"]) == 1 + min(3, len(others)), q["choices"]
        # The asked term is blanked in every choice: 'rectified flow 就是 normalizing flow 的变体' gives nothing away.
        assert not any(_key(q["term"]) in _key(c) for c in q["choices"]), q["choices"]
    # Without --topic too: the wrong answers come from the topics the card belongs to.
    rect = next(c["id"] for c in kb("cards", "--json").json() if c["term"] == "rectified flow" and c["kind"] == "choice")
    shared = set()
    for name in TOPICS:
        in_topic = kb("cards", "--topic", name, "--json").json()
        if rect in {c["id"] for c in in_topic}:
            shared |= {c["definition"] for c in in_topic}
    q = questions.question(open_db(imported), rect)
    assert all(_from(c, shared) for c in q["choices"]), q["choices"]


def test_an_unknown_topic_suggests_the_nearest_topic(kb, imported):
    r = kb("quiz", "--topic", "flwo")
    assert r.code == 1
    assert "did you mean: flow" in r.stderr
    assert "topics: " in r.stderr


def test_a_topic_without_cards_says_so(kb, imported):
    r = kb("quiz", "--topic", "vae")
    assert r.code == 0 and r.stdout == ""
    assert r.stderr == "kb: no cards for topic 'vae'\n"
    assert kb("quiz", "--topic", "vae", "--json").json() == []


def test_the_config_files_topics_are_quiz_topics(kb, imported, tmp_path):
    (tmp_path / "no-config.yaml").write_text("topics:\n  mi: [互信息, mutual information]\n", encoding="utf-8")
    qs = kb("quiz", "--topic", "mi", "--json", "-n", "100").json()
    assert qs and {q["term"] for q in qs} == {"互信息"}
    assert "mi" in {r["topic"] for r in kb("topics", "--json").json()}
