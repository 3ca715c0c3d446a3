"""Search relevance through the real `kb search --json`: tests/data/relevance.yaml over the bundled posts,
and tests/data/realtext/relevance-{a,b,c}.yaml over the real-text captures (imported through the CLI).

Prints MRR and recall@k overall and by kind of query. The bundled set and part C (design data only)
fail below 0.9 for either. The queries of parts A and B are split: design looks at the dev part's
misses, the test part prints its aggregates only; they do not reach 0.9 for both (README, Search:
Relevance), and fail below floors just under what was measured.
"""
from __future__ import annotations

from collections import defaultdict

import pytest
import yaml

from kb.store.connect import connect
from tests.conftest import ROOT

CASES = yaml.safe_load((ROOT / "tests" / "data" / "relevance.yaml").read_text(encoding="utf-8"))
REALTEXT = ROOT / "tests" / "data" / "realtext"
REAL_CASES = [
    case
    for name in ("relevance-a.yaml", "relevance-b.yaml")
    for case in yaml.safe_load((REALTEXT / name).read_text(encoding="utf-8"))
]
# Part C: queries over the captures added later (pumpkin-*, ailearning-*), every row dev, written before the
# search changes they check (README, Search: Relevance); each row says which words its posts write.
PART_C = yaml.safe_load((REALTEXT / "relevance-c.yaml").read_text(encoding="utf-8"))
THRESHOLD = 0.9
# (MRR, recall@k) below which a real-text part of A and B fails: what it measured over the captures as
# they are now (209 posts), less a little — dev 0.880 / 0.817, test 0.911 / 0.878 (measured once, as
# aggregates, after the design on the dev rows was done); the bar is 0.9 for both.
DEV_FLOOR = (0.87, 0.80)
TEST_FLOOR = (0.90, 0.87)
PART_C_FLOOR = (THRESHOLD, THRESHOLD)


def test_relevance_set_is_large_and_varied():
    kinds = {c["kind"] for c in CASES}
    assert len(CASES) >= 30
    assert {"chinese", "english", "mixed", "traditional", "typo", "cross-language"} <= kinds


def test_part_c_notes_hold_on_the_captures(kb, realtext):
    """relevance-c.yaml's rows say which words their relevant posts write and never write: checked here."""
    conn = connect(realtext)
    texts = [r[0].strip().casefold() for r in conn.execute("SELECT text FROM posts")]
    for case in PART_C:
        for name in [case["top1"]] if "top1" in case else case["expect"]:
            found = [t for t in texts if t.startswith(name.casefold())]
            assert len(found) == 1, name
            assert all(w.casefold() in found[0] for w in case["writes"]), (case["query"], name)
            assert not any(w.casefold() in found[0] for w in case.get("never", [])), (case["query"], name)


def test_real_text_sets_are_large_cross_language_and_noted():
    dev = [c for c in REAL_CASES if c["split"] == "dev"]
    assert len(dev) >= 40 and all(c.get("note") for c in REAL_CASES)
    assert sum(c["kind"] == "cross-language" for c in dev) >= len(dev) / 2
    assert {c["split"] for c in REAL_CASES} == {"dev", "test"}


def _measure(kb, db, cases, label: str, capsys, *, show_misses: bool, floor=(THRESHOLD, THRESHOLD)) -> None:
    """Run the cases, print the figures (and, with show_misses, each query not fully found), assert."""
    conn = connect(db)
    starts = {r["slug"]: r["text"].strip() for r in conn.execute("SELECT slug, text FROM posts")}

    def slug_of(name: str) -> str:
        found = [slug for slug, text in starts.items() if text.startswith(name)]
        assert len(found) == 1, f"{label} names {name!r}: {len(found)} posts start so"
        return found[0]

    rr_by_kind, recall_by_kind = defaultdict(list), defaultdict(list)
    misses = []
    for case in cases:
        run = kb("search", case["query"], "--json", "--limit", "10")
        assert run.code in (0, 1), run
        ranked = [r["slug"] for r in run.json()]
        if "top1" in case:
            wanted, k = [slug_of(case["top1"])], 1
        else:
            wanted, k = [slug_of(n) for n in case["expect"]], case["topk"]
        ranks = [ranked.index(s) + 1 for s in wanted if s in ranked]
        rr = 1 / min(ranks) if ranks else 0.0
        recall = sum(1 for r in ranks if r <= k) / len(wanted)
        rr_by_kind[case["kind"]].append(rr)
        recall_by_kind[case["kind"]].append(recall)
        if recall < 1:
            misses.append(f"  {case['query']!r} ({case['kind']}): recall@{k} {recall:.2f}, ranks {ranks or '-'}, got {ranked[:k + 2]}")

    def mean(xs):
        return sum(xs) / len(xs)

    mrr = mean([x for v in rr_by_kind.values() for x in v])
    recall = mean([x for v in recall_by_kind.values() for x in v])
    with capsys.disabled():
        print(f"\nsearch relevance, {label}, over {len(cases)} queries: MRR {mrr:.3f}, recall@k {recall:.3f}")
        for kind in sorted(rr_by_kind):
            print(f"  {kind:15} {len(rr_by_kind[kind]):3} queries  MRR {mean(rr_by_kind[kind]):.3f}  recall@k {mean(recall_by_kind[kind]):.3f}")
        if misses and show_misses:
            print("not fully found:\n" + "\n".join(misses))
    assert mrr >= floor[0] and recall >= floor[1], f"{label}: MRR {mrr:.3f}, recall@k {recall:.3f}"


def test_mrr_and_recall_at_k(kb, imported, capsys):
    _measure(kb, imported, CASES, "bundled posts", capsys, show_misses=True)


@pytest.fixture
def realtext(kb, tmp_path):
    """A database of the real-text captures, imported through the CLI."""
    r = kb("import", REALTEXT / "captures")
    assert r.code == 0, r
    return tmp_path / "kbhome" / "kb.db"


def test_real_text_dev_part(kb, realtext, capsys):
    dev = [c for c in REAL_CASES if c["split"] == "dev"]
    _measure(kb, realtext, dev, "real text, dev part", capsys, show_misses=True, floor=DEV_FLOOR)


def test_real_text_part_c(kb, realtext, capsys):
    # Design data too (every row dev), over the captures added later: measured on its own.
    _measure(kb, realtext, PART_C, "real text, part C (dev)", capsys, show_misses=True, floor=PART_C_FLOOR)


def test_real_text_test_part(kb, realtext, capsys):
    # Measured, never studied: only the aggregate figures are printed.
    test = [c for c in REAL_CASES if c["split"] == "test"]
    _measure(kb, realtext, test, "real text, test part", capsys, show_misses=False, floor=TEST_FLOOR)
