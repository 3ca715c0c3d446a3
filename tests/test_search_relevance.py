"""Search relevance on the bundled posts: tests/data/relevance.yaml through the real `kb search --json`.

Prints MRR and recall@k (overall and by kind of query) and fails below 0.9 for either.
"""
from __future__ import annotations

from collections import defaultdict

import yaml

from kb.store.connect import connect
from tests.conftest import ROOT

CASES = yaml.safe_load((ROOT / "tests" / "data" / "relevance.yaml").read_text(encoding="utf-8"))
THRESHOLD = 0.9


def test_relevance_set_is_large_and_varied():
    kinds = {c["kind"] for c in CASES}
    assert len(CASES) >= 30
    assert {"chinese", "english", "mixed", "traditional", "typo", "cross-language"} <= kinds


def test_mrr_and_recall_at_k(kb, imported, capsys):
    conn = connect(imported)
    starts = {r["slug"]: r["text"].strip() for r in conn.execute("SELECT slug, text FROM posts")}

    def slug_of(name: str) -> str:
        found = [slug for slug, text in starts.items() if text.startswith(name)]
        assert len(found) == 1, f"relevance.yaml names {name!r}: {len(found)} posts start so"
        return found[0]

    rr_by_kind, recall_by_kind = defaultdict(list), defaultdict(list)
    misses = []
    for case in CASES:
        run = kb("search", case["query"], "--json", "--limit", "10")
        assert run.code == 0, run
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

    all_rr = [x for v in rr_by_kind.values() for x in v]
    all_recall = [x for v in recall_by_kind.values() for x in v]
    mrr, recall = mean(all_rr), mean(all_recall)
    with capsys.disabled():
        print(f"\nsearch relevance over {len(CASES)} queries: MRR {mrr:.3f}, recall@k {recall:.3f}")
        for kind in sorted(rr_by_kind):
            print(f"  {kind:15} {len(rr_by_kind[kind]):3} queries  MRR {mean(rr_by_kind[kind]):.3f}  recall@k {mean(recall_by_kind[kind]):.3f}")
        if misses:
            print("not fully found:\n" + "\n".join(misses))
    assert mrr >= THRESHOLD and recall >= THRESHOLD, f"MRR {mrr:.3f}, recall@k {recall:.3f}"
