"""Cards as stored: one per concept, identity and history across re-imports, rebuilds and the migration, topics, export.

Uses real databases under tmp_path and the real CLI.
"""
from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
import zipfile
from pathlib import Path

from kb import derived
from kb.cards import concepts
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


def test_card_kinds_and_one_card_set_per_term(kb, imported):
    all_cards = kb("cards", "--json").json()
    by_term: dict[tuple, set] = {}
    for c in all_cards:
        by_term.setdefault((c["slug"], c["term"]), set()).add(c["kind"])
        assert set(c) == {"id", "slug", "term", "aliases", "definition", "kind", "sources", "others", "suspended", "edited"}
        assert (c["suspended"], c["edited"]) == (False, False)
        assert c["sources"][0] == c["slug"]
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


# ---------------------------------------------------------------- one card per concept

TWO_POSTS = (
    "Deep Learning\n2026-01-03\n对比学习(contrastive learning)是一种自监督学习方法,它拉近相似样本、推远不相似样本。\n"
    "Deep Learning\n2026-01-02\n本节介绍对比学习 对比学习:让模型区分正样本对和负样本对。另外,温度系数(temperature)是一种"
    "控制相似度分布平滑程度的超参数。\n"
)


def test_a_term_defined_in_several_posts_is_one_card_listing_its_sources(kb, tmp_path):
    from kb.show import article

    src = tmp_path / "two.txt"
    src.write_text(TWO_POSTS, encoding="utf-8")
    assert kb("import", src).code == 0
    cards = [c for c in kb("cards", "--json").json() if c["kind"] == "definition"]
    by_term = {c["term"]: c for c in cards}
    assert sorted(by_term) == ["对比学习", "温度系数"]
    cl = by_term["对比学习"]
    conn = _db(tmp_path / "kbhome" / "kb.db")
    slugs = {r["text"][:6]: r["slug"] for r in conn.execute("SELECT slug, text FROM posts")}
    first, second = slugs["对比学习(c"], slugs["本节介绍对比"]
    # The better worded definition (a copula saying what kind of thing it is) is shown, from its post;
    # the other post's wording is on the answer side.
    assert (cl["slug"], cl["definition"]) == (first, "是一种自监督学习方法,它拉近相似样本、推远不相似样本。")
    assert cl["sources"] == [first, second]
    assert cl["others"] == [{"slug": second, "definition": "让模型区分正样本对和负样本对。"}]
    assert cl["aliases"] == ["contrastive learning"]
    assert by_term["温度系数"]["sources"] == [second]
    # One id per kind of the concept, whichever posts define it.
    assert {c["id"] for c in kb("cards", "--json").json() if c["term"] == "对比学习"} == {
        concepts.card_id("对比学习", k) for k in ("definition", "reverse", "alias", "choice")}
    # Each post still knows the terms it defines (kb show highlights them there).
    ids = {r["slug"]: r["id"] for r in conn.execute("SELECT id, slug FROM posts")}
    assert set(article.defined_terms(conn, ids[first])) == {"对比学习"}
    assert set(article.defined_terms(conn, ids[second])) == {"对比学习", "温度系数"}
    # The flashcard shows the best wording and the other one after it; the export too.
    q = kb("quiz", "--json", "-n", "1").json()[0]
    assert q["term"] == "对比学习" and [{k: o[k] for k in ("slug", "definition")} for o in q["others"]] == cl["others"]
    assert [s["slug"] for s in q["sources"]] == [first, second]
    r = kb("quiz", "-n", "1", input="\n3\nq\n")
    # The answer names its post (title and slug, for kb show) and the other post's wording with its title.
    title = {r["slug"]: r["title"] for r in conn.execute("SELECT slug, title FROM posts")}
    assert f"from: {title[first]} · kb show {first}" in r.stdout
    assert f"also in {title[second]} ({second}): 让模型区分正样本对和负样本对。" in r.stdout


def test_reviews_stay_with_a_card_when_another_post_defines_its_term(kb, tmp_path):
    one = TWO_POSTS.split("\n")[:3]
    src = tmp_path / "cap.txt"
    src.write_text("\n".join(one) + "\n", encoding="utf-8")
    assert kb("import", src).code == 0
    conn = _db(tmp_path / "kbhome" / "kb.db")
    (card,) = [c for c in kb("cards", "--json").json() if c["kind"] == "definition"]
    schedule.review(conn, card["id"], 3, mode="definition")
    src.write_text(TWO_POSTS, encoding="utf-8")
    assert kb("import", src).code == 0
    same = next(c for c in kb("cards", "--json").json() if c["id"] == card["id"])
    assert len(same["sources"]) == 2
    assert [r[0] for r in conn.execute("SELECT card_id FROM reviews")] == [card["id"]]
    assert conn.execute("SELECT COUNT(*) FROM card_schedule").fetchone()[0] == 1
    # The first post dropped (a rebuild from a different text): the card lives on in the second.
    conn.execute("UPDATE posts SET text = '没有定义的文字。' WHERE text LIKE '对比学习%'")
    derived.rebuild(conn, ["cards"])
    after = next(c for c in kb("cards", "--json").json() if c["id"] == card["id"])
    assert after["definition"] == "让模型区分正样本对和负样本对。" and len(after["sources"]) == 1


def test_card_ids_are_the_documented_hash_of_term_and_kind():
    import hashlib

    from kb.store import migrations

    want = hashlib.sha1("互信息\x1fdefinition".encode()).hexdigest()[:16]
    assert concepts.card_id("互信息", "definition") == want
    # The migration re-keys older cards with the same function, written out in the schema layer.
    assert "hashlib.sha1(f\"{norm}\\x1f{kind}\".encode()).hexdigest()[:16]" in Path(migrations.__file__).read_text()


def test_migrating_per_post_cards_keeps_every_review_and_the_latest_schedule(kb, tmp_path):
    """A database from before one card per concept: ids were SHA-1(slug, term, kind), one card per
    post. m009 re-keys them; the reviews of two merged cards all move to the one card."""
    import hashlib

    src = tmp_path / "two.txt"
    src.write_text(TWO_POSTS, encoding="utf-8")
    assert kb("import", src).code == 0
    db = tmp_path / "kbhome" / "kb.db"
    conn = _db(db)
    # Rewind the schema to m008: per-post cards under the old ids, no card_sources.
    rows = conn.execute("SELECT s.norm_term, s.term, s.definition, p.id, p.slug FROM card_sources s JOIN posts p"
                        " ON p.id = s.post_id").fetchall()
    conn.execute("DELETE FROM cards")
    conn.execute("DROP TABLE card_sources")
    conn.execute("DROP INDEX idx_cards_norm_term")
    conn.execute("DELETE FROM _migrations WHERE name = 'm009_cards_by_term'")
    conn.execute("PRAGMA user_version = 7")  # the schema before m009

    def old_id(slug, norm, kind):
        return hashlib.sha1(f"{slug}\x1f{norm}\x1f{kind}".encode()).hexdigest()[:16]

    for norm, term, definition, post_id, slug in rows:
        for kind in ("definition", "reverse", "choice"):
            conn.execute("INSERT INTO cards (id, post_id, slug, term, norm_term, aliases, definition, kind, pattern,"
                         " position, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '[]', ?, ?, '', 0, 1,"
                         " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                         (old_id(slug, norm, kind), post_id, slug, term, norm, definition, kind))
    slugs = sorted({r["slug"] for r in rows if r["norm_term"] == "对比学习"})
    olds = [old_id(slug, "对比学习", "definition") for slug in slugs]
    for cid, when in zip(olds, ("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")):
        for _ in range(2):
            conn.execute("INSERT INTO reviews (card_id, rating, reviewed_at, mode) VALUES (?, 3, ?, 'flashcard')", (cid, when))
        conn.execute("INSERT INTO card_schedule (card_id, fsrs, due, state, updated_at) VALUES (?, ?, ?, 2, ?)",
                     (cid, json.dumps({"card_id": int(cid[:12], 16), "state": 2}), when.replace("-0", "-1", 1), when))
    conn.close()
    # The next command migrates and re-derives.
    r = kb("cards", "--json")
    assert r.code == 0, r
    cards = r.json()
    new = concepts.card_id("对比学习", "definition")
    assert new in {c["id"] for c in cards}
    conn = _db(db)
    assert [r[0] for r in conn.execute("SELECT DISTINCT card_id FROM reviews")] == [new]
    assert conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 4
    (sched,) = conn.execute("SELECT card_id, fsrs, updated_at FROM card_schedule").fetchall()
    assert (sched[0], sched[2]) == (new, "2026-01-06T00:00:00Z")  # the more recently updated schedule
    assert json.loads(sched[1])["card_id"] == int(new[:12], 16)
    assert conn.execute("SELECT COUNT(*) FROM cards WHERE id = ?", (new,)).fetchone()[0] == 1
    assert len(next(c for c in cards if c["id"] == new)["sources"]) == 2


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
        ("flowbased-models-10c7", "Normalizing Flow"),  # one card, defined in two posts
        ("normalizing-flow-data-fefc", "rectified flow"),
    }
    nf = next(c for c in flow if c["term"] == "Normalizing Flow")
    assert nf["sources"] == ["flowbased-models-10c7", "normalizing-flow-data-fefc"]


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
    defs = [c for c in kb("cards", "--json").json() if c["kind"] == "definition"]
    n_defs = len(defs)
    # A card in each direction, and a third (term → other name) for a term that has one.
    n_cards = 2 * n_defs + sum(1 for c in defs if c["aliases"])
    guids = []
    for p in paths:
        with zipfile.ZipFile(p) as z:
            assert "collection.anki2" in z.namelist()
            z.extract("collection.anki2", tmp_path / p.stem)
        conn = sqlite3.connect(tmp_path / p.stem / "collection.anki2")
        rows = conn.execute("SELECT guid, flds FROM notes ORDER BY guid").fetchall()
        models, decks = conn.execute("SELECT models, decks FROM col").fetchone()
        model = next(m for m in json.loads(models).values() if m["name"] == "kb concept")
        assert [t["name"] for t in model["tmpls"]] == ["term → definition", "definition → term", "term → other name"]
        assert "kb" in {d["name"] for d in json.loads(decks).values()}
        assert conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == n_cards
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
    # Anki's own two-way note type, the deck, and columns named as its fields: Anki maps them by name.
    assert {"#notetype:Basic (and reversed card)", "#deck:kb", "#guid column:1", "#tags column:4",
            "#columns:guid\tFront\tBack\ttags"} <= set(lines)
    body = [ln for ln in lines if not ln.startswith("#") or ln.startswith('"#')]
    assert len(body) == len([c for c in kb("cards", "--json").json() if c["kind"] == "definition"])
    assert all(len(ln.split("\t")) == 4 for ln in body)


def test_exports_keep_post_control_characters_out_and_quote_fields_for_anki(kb, tmp_path):
    import csv

    cap = tmp_path / "quoted.txt"
    cap.write_text('卷积网络(ConvNet):\x1b[31m通过卷积核提取"局部"特征\u202e的网络。\n', encoding="utf-8")
    assert kb("import", cap).code == 0
    tsv = tmp_path / "cards.tsv"
    assert kb("cards", "export", "--format", "tsv", tsv).code == 0
    # Anki reads the body as CSV with tab separators, a line starting with # being a comment.
    body = [ln for ln in tsv.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    rows = list(csv.reader(body, delimiter="\t"))
    assert len(rows) == 1 and len(rows[0]) == 4
    # The text is HTML there (#html:true): its quotes escaped, its control characters gone.
    assert rows[0][1:3] == ["卷积网络 (ConvNet)", " [31m通过卷积核提取&quot;局部&quot;特征 的网络。"]
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
    ids = {c["term"]: c["id"] for c in kb("cards", "--json").json() if c["kind"] == "definition"}
    # Each concept by the first digits of its id, which kb cards suspend/delete/edit take.
    i = lines.index(f"{ids['rectified flow'][:8]}  rectified flow  normalizing-flow-data-fefc")
    assert lines[i + 1] == "  就是 normalizing flow 的变体之一。"
    assert f"{ids['Normalizing Flow'][:8]}  Normalizing Flow (标准化流)  flowbased-models-10c7  +1 post" in lines
    assert all(len(ln) <= 100 for ln in lines) and "\x1b" not in r.stdout
