"""Card control: kb cards suspend / unsuspend / delete / undelete / edit, and s and e on the review
screen. Decisions live in card_decisions, keyed by card id, and hold through kb doctor --fix,
re-import, and kb forget followed by a re-import.
"""
from __future__ import annotations

import sqlite3
import sys

import pytest

from tests.review_driver import TRANSPORTS, run


def _cards(kb, *args):
    return kb("cards", "--json", *args).json()


def _by(cards, term, kind="definition"):
    return next(c for c in cards if c["term"] == term and c["kind"] == kind)


def _editor(tmp_path, text: str | None, name="editor.py") -> str:
    """$EDITOR: a script writing text into the file it is given (None: empties it)."""
    script = tmp_path / name
    body = "" if text is None else text
    script.write_text(f"import sys\nopen(sys.argv[1], 'w', encoding='utf-8').write({body!r})\n", encoding="utf-8")
    return f"{sys.executable} {script}"


def _state(kb):
    """What the user sees of the three concepts the tests decide about."""
    cards = _cards(kb)
    quiz = kb("quiz", "--mode", "mixed", "--json", "-n", "500", "--new", "500").json()
    return {
        "cards": sorted((c["id"], c["term"], c["definition"], c["suspended"], c["edited"]) for c in cards),
        "quiz": sorted((q["card_id"], q["term"], q["answer"]) for q in quiz if q["kind"] != "choice"),
    }


def _reimport_changed(kb, captures_dir):
    # Each file one byte longer: new content, every post re-read and its cards re-derived.
    for path in captures_dir.glob("*.txt"):
        path.write_bytes(path.read_bytes() + b"\n")
    r = kb("import", captures_dir)
    assert r.code == 0 and "new posts: 0" in r.stdout, r


def test_suspend_delete_and_edit_hold_through_doctor_fix_reimport_and_forget(kb, captures_dir, tmp_path):
    assert kb("import", captures_dir).code == 0
    cards = _cards(kb)
    mi, cl, flow = _by(cards, "互信息"), _by(cards, "对比损失"), _by(cards, "rectified flow")
    mi_choice = _by(cards, "互信息", "choice")
    assert kb("cards", "suspend", mi["id"], mi_choice["id"][:6]).code == 0
    r = kb("cards", "delete", flow["id"][:8])
    assert r.code == 0 and r.stdout.startswith("deleted: rectified flow (choice, definition, reverse)")
    r = kb("cards", "edit", cl["id"], "--term", "对比损失函数", "--definition", "度量成对样本是否匹配的损失。")
    assert r.code == 0 and "edited:" in r.stdout

    def check():
        now = _cards(kb)
        ids = {c["id"] for c in now}
        # Deleted: every kind of the concept, never derived again.
        assert not any(c["term"] == "rectified flow" for c in now) and flow["id"] not in ids
        # Suspended: listed as such, in no session; the concept's other kinds are not.
        assert _by(now, "互信息")["suspended"] and _by(now, "互信息", "choice")["suspended"]
        assert not _by(now, "互信息", "reverse")["suspended"]
        quiz = kb("quiz", "--mode", "mixed", "--json", "-n", "500", "--new", "500").json()
        asked = {q["card_id"] for q in quiz}
        assert mi["id"] not in asked and mi_choice["id"] not in asked and flow["id"] not in asked
        # Edited: the user's text on every kind, in kb cards, the quiz and the exports.
        edited = [c for c in now if c["id"].startswith(tuple(
            x["id"] for x in cards if x["term"] == "对比损失"))]
        assert {(c["term"], c["definition"], c["edited"]) for c in edited} == {
            ("对比损失函数", "度量成对样本是否匹配的损失。", True)}
        q = next(q for q in quiz if q["card_id"] == cl["id"])
        assert (q["question"], q["answer"]) == ("对比损失函数 (contrastive loss)", "度量成对样本是否匹配的损失。")
        rev = next(q for q in quiz if q["term"] == "对比损失函数" and q["kind"] == "reverse")
        assert rev["answer"] == "对比损失函数" and "对比损失" not in rev["question"]
        out = tmp_path / "cards.tsv"
        assert kb("cards", "export", "--format", "tsv", out).code == 0
        text = out.read_text(encoding="utf-8")
        assert "对比损失函数 (contrastive loss)\t度量成对样本是否匹配的损失。" in text
        assert "rectified flow" not in text
        return _state(kb)

    before = check()
    r = kb("doctor", "--fix")
    assert "rebuilt" in r.stdout
    assert check() == before
    _reimport_changed(kb, captures_dir)
    assert check() == before
    # kb forget takes the posts away; importing them again brings the cards back with the decisions.
    source = next(p for p in captures_dir.glob("*.txt") if "rectified flow" in p.read_text(encoding="utf-8"))
    assert kb("forget", source, "--yes").code == 0
    assert kb("import", source).code == 0
    assert check() == before
    # And back: unsuspend, undelete, --revert.
    assert kb("cards", "unsuspend", mi["id"], mi_choice["id"]).code == 0
    r = kb("cards", "undelete", flow["id"])
    assert r.code == 0 and r.stdout.startswith("undeleted: rectified flow (choice, definition, reverse)")
    assert kb("cards", "edit", cl["id"], "--revert").stdout.startswith("reverted:")
    after = _cards(kb)
    assert sorted((c["id"], c["definition"]) for c in after) == sorted((c["id"], c["definition"]) for c in cards)
    assert not any(c["suspended"] or c["edited"] for c in after)
    conn = sqlite3.connect(tmp_path / "kbhome" / "kb.db")
    assert conn.execute("SELECT COUNT(*) FROM card_decisions").fetchone()[0] == 0
    conn.close()


def test_a_deleted_reviewed_card_keeps_its_reviews_and_comes_back_with_them(kb, imported):
    cid = kb("quiz", "--json", "-n", "1").json()[0]["card_id"]
    assert kb("quiz", "-n", "1", input="\n4\n").code == 0
    assert kb("cards", "delete", cid).code == 0
    assert kb("stats", "--json").json()["reviews"] == 1
    assert kb("doctor").code == 0  # no orphan: the card is kept, inactive, for its review
    assert cid not in {c["id"] for c in _cards(kb)}
    assert kb("cards", "undelete", cid).code == 0
    conn = sqlite3.connect(imported)
    assert conn.execute("SELECT COUNT(*) FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()[0] == 1
    conn.close()
    assert cid in {c["id"] for c in _cards(kb)}


def test_edit_without_options_opens_the_editor_as_git_does(kb, imported, tmp_path, monkeypatch):
    cid = _by(_cards(kb), "互信息")["id"]
    seen = tmp_path / "seen.txt"
    # The file the editor gets: the term, a blank line, the definition, then # lines of help.
    peek = tmp_path / "peek.py"
    peek.write_text(f"import shutil, sys\nshutil.copy(sys.argv[1], {str(seen)!r})\n", encoding="utf-8")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {peek}")
    r = kb("cards", "edit", cid)
    assert r.code == 0 and r.stdout.startswith("unchanged:")  # left as it was: nothing changes
    lines = seen.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "互信息" and lines[1] == "" and lines[2].startswith("表示两个变量")
    assert all(ln.startswith("#") for ln in lines[4:] if ln)
    monkeypatch.setenv("EDITOR", _editor(tmp_path, None))  # emptied: nothing changes either
    assert kb("cards", "edit", cid).stdout.startswith("unchanged:")
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "互信息\n\n# a comment\n衡量两个变量共享多少信息的量。\n"))
    r = kb("cards", "edit", cid)
    assert r.code == 0 and r.stdout.startswith("edited:"), r
    c = _by(_cards(kb), "互信息")
    assert (c["definition"], c["edited"]) == ("衡量两个变量共享多少信息的量。", True)
    monkeypatch.setenv("EDITOR", "false")
    r = kb("cards", "edit", cid)
    assert r.code == 1 and "exited with status 1" in r.stderr


def test_card_control_errors_are_one_line(kb, imported):
    r = kb("cards", "suspend", "xyz")
    assert r.code == 2 and r.stderr.startswith("kb: error: 'xyz' is no card id")
    r = kb("cards", "delete", "ffffffff")
    assert r.code == 1 and "no card 'ffffffff'" in r.stderr
    ids = sorted(c["id"] for c in _cards(kb))
    pairs = [(a, b) for a, b in zip(ids, ids[1:]) if a[:4] == b[:4]]
    if pairs:
        r = kb("cards", "suspend", pairs[0][0][:4])
        assert r.code == 1 and "ambiguous" in r.stderr
    r = kb("cards", "edit", ids[0], "--definition", "  ")
    assert r.code == 2 and "empty definition" in r.stderr
    r = kb("cards", "edit", ids[0], "--revert", "--term", "x")
    assert r.code == 2


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_s_suspends_and_e_edits_from_the_review_screen(kb, imported, tmp_path, transport):
    a, b = [q["card_id"] for q in kb("quiz", "--json", "-n", "2").json()]
    editor = _editor(tmp_path, "表示学习\n\n学习数据的表示,使下游任务更容易。\n")
    out = run(transport, ["quiz", "-n", "2"], [
        ("card 1 of 2 · new 2", "s"),  # suspend a before answering it
        ("suspended: 表示学习 (definition) · u: undo", None),
        ("card 2 of 2 · new 1", "u"),  # take the suspension back
        ("undone: the suspension", None),
        ("card 1 of 2 · new 2", ""),
        ("Enter: 3 Good", "e"),  # on the answer side: edit it
        ("edited: 表示学习 · u: undo", None),
        ("card 1 of 2 · new 2", ""),
        ("学习数据的表示,使下游任务更容易。", None),  # asked again, with the user's text
        ("Enter: 3 Good", "3"),
        ("card 2 of 2", "s"),
        ("suspended: 对比损失", None),
        ("card 1 of 2 again", "q"),  # a, in its learning step, shown early: nothing else is left
        ("reviewed 1 · right 1", None),
    ], env={"EDITOR": editor, "VISUAL": ""})
    assert "\x1b" not in out
    cards = _cards(kb)
    assert {c["id"]: c["suspended"] for c in cards if c["id"] in (a, b)} == {a: False, b: True}
    assert _by(cards, "表示学习")["definition"] == "学习数据的表示,使下游任务更容易。"
    conn = sqlite3.connect(imported)
    assert conn.execute("SELECT card_id, rating FROM reviews").fetchall() == [(a, 3)]
    conn.close()


def test_json_shows_the_decisions_and_the_listing_marks_them(kb, imported, monkeypatch):
    monkeypatch.setenv("KB_WIDTH", "160")
    cards = _cards(kb)
    mi = _by(cards, "互信息")
    kb("cards", "suspend", _by(cards, "互信息", "choice")["id"])
    kb("cards", "edit", mi["id"], "--definition", "两个变量之间共享的信息量。")
    c = _by(_cards(kb), "互信息")
    assert (c["suspended"], c["edited"], c["definition"]) == (False, True, "两个变量之间共享的信息量。")
    line = next(ln for ln in kb("cards").stdout.splitlines() if "互信息" in ln and mi["id"][:8] in ln)
    assert line.endswith("edited  suspended: choice")
