"""Topic membership is derived data (kb.quiz.membership): kept in step with the posts by every import,
forget, config change, migration and kb doctor --fix, and always what deriving it anew gives.

Real database and CLI; the topics are the bundled data/topics.yaml (and a config file's topics:).
"""
from __future__ import annotations

import sqlite3

from kb import derived
from kb.store.connect import open_db
from tests.conftest import CAPTURES

FLOW_POST = ("第一篇 耦合流是一种基于耦合层的normalizing flow模型,它把输入分成两半,用一半去变换另一半。"
             "雅可比行列式是一个方阵的行列式,衡量变换对体积的缩放。")
OTHER_POST = "第二篇 温度缩放是一种校准分类器置信度的方法,它把logits除以一个温度参数。"


def capture(path, *posts):
    path.write_text("INCOMING TRANSMISSION\n\nLATEST UPDATES\n" + "\n".join(posts) + "\n", encoding="utf-8")
    return path


def members(db) -> dict:
    """What membership the database holds: (topic, term, post slug) per definition, (topic, term) per
    concept, and each topic's terms and expression."""
    conn = sqlite3.connect(db)
    try:
        return {
            "sources": sorted(conn.execute(
                "SELECT t.topic, t.norm_term, p.slug FROM topic_sources t JOIN posts p ON p.id = t.post_id")),
            "concepts": sorted(conn.execute("SELECT topic, norm_term FROM topic_concepts")),
            "defs": sorted(conn.execute("SELECT topic, terms, expr FROM topic_defs")),
        }
    finally:
        conn.close()


def derived_anew(db, tmp_path) -> dict:
    """The membership deriving it from scratch gives, on a copy of the database."""
    copy = tmp_path / f"anew-{len(list(tmp_path.glob('anew-*.db')))}.db"
    source, target = sqlite3.connect(db), sqlite3.connect(copy)
    source.backup(target)  # the write-ahead log's pages too
    source.close()
    target.close()
    conn = open_db(copy)
    derived.rebuild(conn, ["topics"])
    conn.close()
    return members(copy)


def flow_terms(kb) -> set[str]:
    return {c["term"] for c in kb("cards", "--topic", "flow", "--json").json()}


def test_each_import_and_forget_keeps_membership_as_deriving_it_anew_would(kb, tmp_path):
    db = tmp_path / "kbhome" / "kb.db"
    for path in CAPTURES:  # one import each: every file adds to what the others derived
        assert kb("import", path).code == 0
        assert members(db) == derived_anew(db, tmp_path)
    held = members(db)
    assert {t for t, _ in held["concepts"]} >= {"flow", "diffusion", "rl"}
    before = flow_terms(kb)
    new = capture(tmp_path / "flow.txt", FLOW_POST, OTHER_POST)
    assert kb("import", new).code == 0
    # A post matching the topic brings the definition naming it, not the other one it holds.
    assert flow_terms(kb) == before | {"耦合流"}
    assert members(db) == derived_anew(db, tmp_path)
    assert kb("forget", new, "--yes").code == 0
    assert flow_terms(kb) == before
    # A post first captured cut short of its flow definition, then in full: the grown post joins.
    coupling, jacobian = FLOW_POST.removeprefix("第一篇 ").split("。")[:2]
    capture(new, f"第三篇 {jacobian}。此外,...")
    assert kb("import", new).code == 0 and flow_terms(kb) == before
    capture(new, f"第三篇 {jacobian}。此外,{coupling}。")
    r = kb("import", new)
    assert r.code == 0 and "new posts: 0" in r.stdout  # the same post, grown
    assert flow_terms(kb) == before | {"耦合流"}
    assert members(db) == derived_anew(db, tmp_path)
    assert kb("forget", new, "--yes").code == 0
    assert flow_terms(kb) == before
    assert members(db) == held


def test_a_topic_whose_expression_the_vocabulary_changes_is_derived_again(kb, imported, tmp_path):
    # As if the index's vocabulary had cut the topic's terms otherwise when flow was last derived.
    conn = sqlite3.connect(imported)
    conn.execute("UPDATE topic_defs SET expr = '\"nothing\"' WHERE topic = 'flow'")
    conn.execute("DELETE FROM topic_sources WHERE topic = 'flow'")
    conn.execute("DELETE FROM topic_concepts WHERE topic = 'flow'")
    conn.commit()
    conn.close()
    assert kb("import", capture(tmp_path / "other.txt", OTHER_POST)).code == 0
    assert members(imported) == derived_anew(imported, tmp_path)
    assert "耦合流" not in flow_terms(kb) and len(flow_terms(kb)) == 4


def test_config_topics_are_derived_when_they_change_and_read_from_the_database(kb, imported, tmp_path):
    config = tmp_path / "no-config.yaml"  # the KB_CONFIG of every test
    config.write_text("topics:\n  mi: [互信息, mutual information]\n", encoding="utf-8")
    rows = {r["topic"]: r for r in kb("topics", "--json").json()}
    assert rows["mi"]["cards"] > 0
    defs = {t: terms for t, terms, _ in members(imported)["defs"]}
    assert defs["mi"] == '["互信息", "mutual information"]'  # derived and stored, not worked out per command
    assert {q["term"] for q in kb("quiz", "--topic", "mi", "--json", "-n", "100").json()} == {"互信息"}
    config.write_text("topics:\n  mi: [noise contrastive estimation]\n", encoding="utf-8")
    assert {q["term"] for q in kb("quiz", "--topic", "mi", "--json", "-n", "100").json()} == {"噪声对抗估计"}
    config.write_text("", encoding="utf-8")
    assert kb("quiz", "--topic", "mi").code == 1
    assert "mi" not in {t for t, _, _ in members(imported)["defs"]}
    assert members(imported) == derived_anew(imported, tmp_path)


def test_a_config_edit_derives_only_the_topics_it_changes(kb, imported, tmp_path):
    config = tmp_path / "no-config.yaml"
    assert kb("topics").code == 0
    # A row only a derivation of flow would remove: flow is not derived again by an edit elsewhere.
    conn = sqlite3.connect(imported)
    conn.execute("INSERT INTO topic_concepts (topic, norm_term) VALUES ('flow', 'marker')")
    conn.commit()
    conn.close()
    config.write_text("topics:\n  mi: [互信息, mutual information]\n  gan: [对抗生成]\n", encoding="utf-8")
    rows = {r["topic"]: r for r in kb("topics", "--json").json()}
    assert rows["mi"]["cards"] > 0 and rows["gan"]["terms"] == ["对抗生成"]
    held = members(imported)
    assert ("flow", "marker") in held["concepts"]
    conn = sqlite3.connect(imported)
    conn.execute("DELETE FROM topic_concepts WHERE norm_term = 'marker'")
    conn.commit()
    conn.close()
    assert members(imported) == derived_anew(imported, tmp_path)
    # The topic dropped from the config is gone, the bundled one it had replaced is back.
    config.write_text("topics:\n  mi: [互信息, mutual information]\n", encoding="utf-8")
    assert kb("topics").code == 0
    assert members(imported) == derived_anew(imported, tmp_path)
    config.write_text("", encoding="utf-8")
    assert kb("topics").code == 0
    assert "mi" not in {t for t, _, _ in members(imported)["defs"]}
    assert members(imported) == derived_anew(imported, tmp_path)


def test_a_read_only_database_works_out_a_topic_it_does_not_hold(kb, imported, tmp_path, monkeypatch):
    before = members(imported)
    (tmp_path / "no-config.yaml").write_text("topics:\n  mi: [互信息, mutual information]\n", encoding="utf-8")
    monkeypatch.setenv("KB_READONLY", "1")
    assert {q["term"] for q in kb("quiz", "--topic", "mi", "--json", "-n", "100").json()} == {"互信息"}
    assert {r["topic"]: r["cards"] for r in kb("topics", "--json").json()}["mi"] > 0
    assert members(imported) == before


def test_doctor_derives_dropped_or_stale_membership_again(kb, imported, tmp_path):
    topics_before = kb("topics", "--json").json()
    held = members(imported)
    conn = sqlite3.connect(imported)
    conn.execute("DROP TABLE topic_concepts")
    conn.commit()
    conn.close()
    r = kb("doctor", "--json")
    assert r.code == 1 and {f["check"]: f for f in r.json()}["schema"]["detail"].startswith("missing table topic_concepts")
    assert kb("doctor", "--fix").code == 0
    assert members(imported) == held
    # Rows of a post that is gone are stale.
    conn = sqlite3.connect(imported)
    conn.execute("INSERT INTO topic_sources (topic, norm_term, post_id) VALUES ('flow', 'ghost', 99999)")
    conn.commit()
    conn.close()
    found = {f["check"]: f for f in kb("doctor", "--json").json()}["topic members"]
    assert not found["ok"] and found["detail"].startswith("1 rows naming a missing post")
    assert kb("doctor", "--fix").code == 0 and kb("doctor").code == 0
    assert members(imported) == held and kb("topics", "--json").json() == topics_before


def test_a_database_from_before_topic_members_gets_them(kb, imported):
    topics_before = kb("topics", "--json").json()
    held = members(imported)
    conn = sqlite3.connect(imported)
    for table in ("topic_defs", "topic_sources", "topic_concepts"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DROP INDEX idx_posts_category")
    conn.execute("DROP INDEX idx_cards_post_position")
    conn.execute("DELETE FROM meta WHERE key = 'topics_built_from'")
    conn.execute("DELETE FROM _migrations WHERE name = 'm015_topic_members'")
    from kb.store.migrations import schema_version

    conn.execute(f"PRAGMA user_version = {schema_version() - 1}")
    conn.commit()
    conn.close()
    assert kb("topics", "--json").json() == topics_before
    assert members(imported) == held
    assert kb("doctor").code == 0


def test_a_term_defined_in_many_posts_names_its_best_worded_ten(kb, tmp_path):
    posts = [f"第{i}篇笔记 温度缩放是一种校准分类器置信度的方法,它把logits除以一个温度参数{i}。" for i in range(1, 13)]
    assert kb("import", capture(tmp_path / "many.txt", *posts)).code == 0
    qs = kb("quiz", "--json", "-n", "50").json()
    q = next(q for q in qs if q["term"] == "温度缩放")
    assert q["sources_total"] == 12 and len(q["sources"]) == 10
    assert q["sources"][0]["slug"] == q["slug"]
    card = next(c for c in kb("cards", "--json").json() if c["term"] == "温度缩放" and c["kind"] == "definition")
    assert len(card["sources"]) == 12  # kb cards --json lists every post
    assert "+11 posts" in kb("cards", "--no-pager").stdout
    shown = kb("quiz", input="\nq\n").stdout
    assert "also defined in: " in shown and " and 2 more posts" in shown
