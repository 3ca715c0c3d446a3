"""Card extraction on real text: precision and recall on the real-text set (tests/data/realtext: its
dev part, which the rules were designed on, and its test part, held out) and on the bundled posts.

Both are imported through the real import path into databases under tmp_path. A predicted card is
each post's own occurrence of a term (card_sources: every post a merged card was found in counts);
it is right when the same post has a labelled definition of the same term or of one sharing an
alias. Labels are exhaustive per excerpt, so a prediction no label matches is wrong. Of the test
part only aggregate figures are printed.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).parent / "data"
REAL = DATA / "realtext"
BUNDLED_GOLD = DATA / "definitions.yaml"

# What the held-out part must reach (issue 10), and the bundled figures kb had before it, with the
# labels issue 10 judged wrong for a learner marked `card: false` (49 of 53 found, none wrong).
TEST_PRECISION, TEST_RECALL = 0.9, 0.85
BUNDLED_PRECISION, BUNDLED_RECALL = 1.0, 49 / 53


def _key(term: str) -> str:
    return re.sub(r"[\s\-_]+", "", unicodedata.normalize("NFKC", term)).casefold()


def _names(term: str, aliases: list[str]) -> set[str]:
    return {_key(term), *(_key(a) for a in aliases)}


# Sources labelled later as design data only (definitions-c.yaml): every excerpt of theirs is dev.
DESIGN_ONLY_SOURCES = ("pumpkin", "ailearning")


def hashed_split(post: str) -> str:
    """LABELLING.md's rule, fixed before any rule was written: the first hex digit of SHA-1(post)."""
    return "dev" if hashlib.sha1(post.encode("utf-8")).hexdigest()[0] in "01234567" else "test"


def _design_only_posts() -> set[str]:
    from kb.posts import capture

    keys = set()
    for path in sorted((REAL / "captures").glob("*.txt")):
        if path.name.startswith(DESIGN_ONLY_SOURCES):
            keys |= {ex.text.strip()[:24] for ex in capture.parse_bytes(path.read_bytes()).excerpts}
    return keys


def split_of(post: str, design_only: frozenset[str] = frozenset()) -> str:
    return "dev" if post in design_only else hashed_split(post)


def _predictions(db: Path) -> list[tuple[str, str, list[str]]]:
    """(post key, term, aliases) of every post's occurrence of a defined term."""
    import json

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT p.text, s.term, s.aliases FROM card_sources s JOIN posts p ON p.id = s.post_id"
            " JOIN cards c ON c.norm_term = s.norm_term AND c.kind = 'definition' AND c.active = 1"
        ).fetchall()
    finally:
        conn.close()
    return [(text.strip()[:24], term, json.loads(aliases or "[]")) for text, term, aliases in rows]


def score(predicted: list[tuple[str, str, list[str]]], gold: list[dict]) -> dict:
    """Precision over predictions, recall over the labels that are cards (not `card: false`)."""

    def hit(p, g):
        return p[0] == g["post"] and bool(_names(p[1], p[2]) & _names(g["term"], g.get("aliases") or []))

    cards = [g for g in gold if g.get("card", True)]
    right = [p for p in predicted if any(hit(p, g) for g in cards)]
    found = [g for g in cards if any(hit(p, g) for p in predicted)]
    return {
        "precision": len(right) / len(predicted) if predicted else 0.0, "right": len(right), "predicted": len(predicted),
        "recall": len(found) / len(cards) if cards else 0.0, "found": len(found), "labels": len(cards),
        "wrong": [(p[0][:12], p[1]) for p in predicted if p not in right],
        "missed": [(g["post"][:12], g["term"]) for g in cards if g not in found],
    }


def line(name: str, s: dict) -> str:
    return (f"{name}: precision {s['precision']:.3f} ({s['right']}/{s['predicted']}), "
            f"recall {s['recall']:.3f} ({s['found']}/{s['labels']})")


@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    """The real-text captures imported through the real CLI, once for this module."""
    from typer.testing import CliRunner

    from kb.cli import app

    home = tmp_path_factory.mktemp("realtext")
    db = home / "kb.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("KB_HOME", str(home))
    mp.setenv("KB_DB", str(db))
    mp.setenv("KB_CONFIG", str(home / "no-config.yaml"))
    mp.setenv("HOME", str(home / "home"))
    try:
        r = CliRunner().invoke(app, ["import", str(REAL / "captures")], catch_exceptions=False)
        assert r.exit_code == 0, r.stdout + r.stderr
    finally:
        mp.undo()
    return db


def _real_gold() -> list[dict]:
    rows = []
    for part in ("a", "b", "c"):
        rows += yaml.safe_load((REAL / f"definitions-{part}.yaml").read_text(encoding="utf-8"))
    return rows


def test_every_label_is_in_the_split_its_post_hashes_to():
    gold = _real_gold()
    design_only = _design_only_posts()
    assert len(gold) >= 450 and len(design_only) >= 60
    assert all(g["split"] == "dev" for g in gold if g["post"] in design_only)
    assert all(g["split"] == hashed_split(g["post"]) for g in gold if g["post"] not in design_only)


# Not met: precision 0.731, recall 0.450 when first measured (the rule-based extractor); precision 0.769
# (83/108), recall 0.543 (82/151) measured once with the trained scorer (kb/cards/model.py), whose
# cross-validation on the dev part promised far more (5-fold, the same sources: 0.933 / 0.815) — the
# candidate frames were written on the dev posts. The mark goes when the bar is met; until then this
# is an open issue, not a passing test.
@pytest.mark.xfail(reason="issue 10: the held-out bar (precision 0.9, recall 0.85) is not met: measured "
                          "precision 0.769 (83/108), recall 0.543 (82/151) on the test part", strict=False)
def test_real_text_held_out_part_reaches_the_bar(real_db, capsys):
    gold = _real_gold()
    predicted = _predictions(real_db)
    posts = {p[0] for p in predicted}
    known = {r[0].strip()[:24] for r in sqlite3.connect(real_db).execute("SELECT text FROM posts")}
    assert {g["post"] for g in gold} <= known and posts <= known
    figures = {}
    design_only = frozenset(_design_only_posts())
    for part in ("dev", "test"):
        figures[part] = score([p for p in predicted if split_of(p[0], design_only) == part],
                              [g for g in gold if g["split"] == part])
    with capsys.disabled():
        print("\n" + line("real text, dev part ", figures["dev"]))
        print(line("real text, test part", figures["test"]))  # aggregate figures only: the part is held out
    assert figures["test"]["precision"] >= TEST_PRECISION
    assert figures["test"]["recall"] >= TEST_RECALL


def test_bundled_posts_no_worse_than_before(kb, imported, capsys):
    gold = yaml.safe_load(BUNDLED_GOLD.read_text(encoding="utf-8"))
    s = score(_predictions(imported), gold)
    everything = score(_predictions(imported), [g | {"card": True} for g in gold])
    with capsys.disabled():
        print("\n" + line("bundled posts", s) + f" — over all {len(gold)} rows, card: false ones included: "
              f"recall {everything['recall']:.3f} ({everything['found']}/{everything['labels']})")
        print(f"  wrong: {s['wrong']}\n  missed: {s['missed']}")
    assert s["precision"] >= BUNDLED_PRECISION, s["wrong"]
    assert s["recall"] >= BUNDLED_RECALL - 1e-9, s["missed"]
