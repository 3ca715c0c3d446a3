"""The exports read by Anki itself: the `anki` package from PyPI (Anki's own collection and importer
code) imports the .apkg and the .tsv with its default options, then a newer export of each: notes
updated in place, the cards each note has, its fields, and a card reviewed in Anki keeping its history.
"""
from __future__ import annotations

import time

import pytest
from anki.collection import Collection

pytestmark = pytest.mark.anki  # `pytest -m "not anki"` leaves these out; CI runs them (the test extra has anki)


def _collection(path):
    return Collection(str(path))


def _defs(kb):
    return {c["id"]: c for c in kb("cards", "--json").json() if c["kind"] == "definition"}


def defs_by_term(defs):
    return {c["term"]: c for c in defs.values()}


def _review_one(col):
    """Answer Good on the first card Anki offers; returns (card id, its revlog rows)."""
    col.decks.select(col.decks.id("kb"))
    queued = col.sched.get_queued_cards(fetch_limit=1)
    card = col.get_card(queued.cards[0].card.id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    changes = col.sched.build_answer(card=card, states=states, rating=3)
    col.sched.answer_card(changes)
    return card.id, col.db.all("SELECT id, ease, ivl, type FROM revlog WHERE cid = ?", card.id)


def _newer_export(kb, fmt, path, edit_id):
    # Anki updates a note when the package's copy is newer (by the second): a later export, edited in kb.
    time.sleep(1.1)
    r = kb("cards", "edit", edit_id, "--definition", "衡量两个随机变量共享多少信息的量。")
    assert r.code == 0, r
    assert kb("cards", "export", "--format", fmt, path).code == 0


def test_anki_imports_the_apkg_with_its_defaults_and_updates_it_in_place(kb, imported, tmp_path):
    from anki.collection import ImportAnkiPackageRequest

    defs = _defs(kb)
    mi = next(c for c in defs.values() if c["term"] == "互信息")
    first = tmp_path / "first.apkg"
    assert kb("cards", "export", "--format", "apkg", first).code == 0
    col = _collection(tmp_path / "collection.anki2")
    try:
        presets = col._backend.get_import_anki_package_presets()  # what Anki's import dialog starts with
        log = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(first), options=presets)).log
        assert len(log.new) == len(defs) and not log.conflicting
        notes = [col.get_note(n) for n in col.find_notes("")]
        assert len(notes) == len(defs)
        by_term = {n["Term"]: n for n in notes}
        note = by_term["互信息"]
        assert note.note_type()["name"] == "kb concept"
        assert note["Definition"].startswith("表示两个变量") and note["Aliases"] == "Mutual Information"
        assert "kb show" in note["Post"] and note["Clue"] == note["Definition"]
        # A card each way, and a third for the other name; two for a term without one.
        for n in notes:
            c = defs_by_term(defs)[n["Term"]]
            assert sorted(card.ord for card in n.cards()) == ([0, 1, 2] if c["aliases"] else [0, 1]), n["Term"]
        assert "which term?" in note.cards()[1].question() and "表示两个变量" in note.cards()[1].question()
        reviewed, history = _review_one(col)
        assert len(history) == 1
        before = col.get_card(reviewed)

        newer = tmp_path / "newer.apkg"
        _newer_export(kb, "apkg", newer, mi["id"])
        log = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(newer), options=presets)).log
        assert not log.new and not log.conflicting
        assert len(col.find_notes("")) == len(defs)
        assert col.get_note(note.id)["Definition"] == "衡量两个随机变量共享多少信息的量。"  # in place
        after = col.get_card(reviewed)
        assert col.db.all("SELECT id, ease, ivl, type FROM revlog WHERE cid = ?", reviewed) == history
        assert (after.ivl, after.due, after.queue, after.type) == (before.ivl, before.due, before.queue, before.type)
        assert len(col.find_cards("")) == sum(3 if c["aliases"] else 2 for c in defs.values())
    finally:
        col.close()


def test_anki_imports_the_tsv_with_the_mapping_it_proposes(kb, imported, tmp_path):
    from anki.collection import ImportCsvRequest

    defs = _defs(kb)
    mi = next(c for c in defs.values() if c["term"] == "互信息")
    first = tmp_path / "first.tsv"
    assert kb("cards", "export", "--format", "tsv", first).code == 0
    col = _collection(tmp_path / "collection.anki2")
    try:
        metadata = col.get_csv_metadata(str(first), None)  # Anki's proposal, taken as it is
        log = col.import_csv(ImportCsvRequest(path=str(first), metadata=metadata)).log
        assert len(log.new) == len(defs)
        notes = [col.get_note(n) for n in col.find_notes("")]
        assert len(notes) == len(defs)
        note = next(n for n in notes if n["Front"].startswith("互信息"))
        assert note.note_type()["name"] == "Basic (and reversed card)"
        assert note["Front"] == "互信息 (Mutual Information)" and note["Back"].startswith("表示两个变量")
        assert sorted(note.tags) == sorted(["kb", f"kb::{mi['slug']}"])
        assert col.decks.name(note.cards()[0].did) == "kb"
        from kb.cards.export import anki_guid

        assert note.guid == anki_guid(mi)
        assert all(len(n.cards()) == 2 for n in notes)  # term → definition and definition → term
        assert {n.guid for n in notes} == {anki_guid(c) for c in defs.values()}  # every GUID, # ones too
        reviewed, history = _review_one(col)

        newer = tmp_path / "newer.tsv"
        _newer_export(kb, "tsv", newer, mi["id"])
        metadata = col.get_csv_metadata(str(newer), None)
        log = col.import_csv(ImportCsvRequest(path=str(newer), metadata=metadata)).log
        assert not log.new and len(col.find_notes("")) == len(defs)
        assert col.get_note(note.id)["Back"].startswith("衡量两个随机变量共享多少信息的量。")
        assert col.db.all("SELECT id, ease, ivl, type FROM revlog WHERE cid = ?", reviewed) == history
    finally:
        col.close()


def test_a_guid_starting_with_hash_is_quoted_and_anki_keeps_the_note(kb, tmp_path):
    """A GUID is base91 (genanki.guid_for): a few in ten thousand start with #, which Anki would read as
    a comment line were it not quoted. The term is found by trying names until one does."""
    from anki.collection import ImportCsvRequest

    from kb.cards.concepts import card_id
    from kb.cards.export import anki_guid
    from kb.cards.terms import norm_term

    signs = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
    term = next(t for t in (f"{a}{b}{c}网络" for a in signs for b in signs for c in signs)
                if anki_guid({"id": card_id(norm_term(t), "definition")}).startswith("#"))
    cap = tmp_path / "hash.txt"
    cap.write_text(f"{term}(ConvNet):通过卷积核提取局部特征的网络。\n", encoding="utf-8")
    assert kb("import", cap).code == 0
    out = tmp_path / "hash.tsv"
    assert kb("cards", "export", "--format", "tsv", out).code == 0
    body = [ln for ln in out.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert len(body) == 1 and body[0].startswith('"#')
    col = _collection(tmp_path / "collection.anki2")
    try:
        col.import_csv(ImportCsvRequest(path=str(out), metadata=col.get_csv_metadata(str(out), None)))
        notes = [col.get_note(n) for n in col.find_notes("")]
        assert [n.guid[:1] for n in notes] == ["#"] and notes[0]["Front"].startswith(term)
    finally:
        col.close()
