"""Cross-validation of the card scorer on the development data only (never the real text's test part):
how well extraction holds on text it was not trained on.

Leave-one-source-out: the scorer is trained on every development source but one (the bundled posts
always in) and scores the posts of the one left out — text of a style it never saw, the way an
unseen textbook or course notes would be. Also a 5-fold split by post (the same sources, other
posts: what the held-out test part is). Prints precision and recall at each threshold; the
threshold in kb/cards/train.py is chosen from these figures, precision first.

Run from the repository root: python tests/benchmarks/cv_cards.py [--l2 X] [--thresholds 0.4,0.5,…]
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kb.cards import train
from kb.cards.model import L2, probability


def predictions(rows: list[dict], w: dict[str, float], threshold: float) -> list[tuple[str, str, list[str]]]:
    """(post, term, aliases) of every term whose best candidate reaches the threshold."""
    best: dict[tuple[str, str], float] = {}
    names: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for r in rows:
        k = (r["post"], r["norm"])
        p = probability(w, r["features"])
        if p > best.get(k, -1.0):
            best[k] = p
        term, aliases = names.setdefault(k, (r["term"], []))
        aliases += [a for a in r["aliases"] if a not in aliases]
    return [(k[0], names[k][0], names[k][1]) for k, p in best.items() if p >= threshold]


def score(predicted: list[tuple[str, str, list[str]]], gold: list[dict]) -> dict:
    """Precision over predictions, recall over the labels that are cards (as tests/test_card_quality.py)."""
    cards = [g for g in gold if g.get("card", True)]
    gold_names = [(g["post"], train.names(g["term"], g.get("aliases") or [])) for g in cards]
    pred_names = [(p[0], train.names(p[1], p[2])) for p in predicted]
    right = sum(any(k == gk and n & gn for gk, gn in gold_names) for k, n in pred_names)
    found = sum(any(k == gk and n & gn for k, n in pred_names) for gk, gn in gold_names)
    return {"right": right, "predicted": len(predicted), "found": found, "labels": len(cards),
            "precision": right / len(predicted) if predicted else 0.0, "recall": found / len(cards) if cards else 0.0}


def fmt(s: dict) -> str:
    return f"P {s['precision']:.3f} ({s['right']}/{s['predicted']}) R {s['recall']:.3f} ({s['found']}/{s['labels']})"


def fold_of(post: str, k: int = 5) -> int:
    return int(hashlib.sha1(post.encode("utf-8")).hexdigest(), 16) % k


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--l2", type=float, default=L2)
    ap.add_argument("--thresholds", default="0.3,0.4,0.45,0.5,0.55,0.6,0.7")
    args = ap.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]
    posts = train.labelled()
    gold = {p[1]: p[3] for p in posts}
    source_of = {p[1]: p[0] for p in posts}
    rows = train.examples(posts)
    k_design = lambda k: source_of[k].startswith(train.DESIGN_ONLY)
    sources = sorted({p[0] for p in posts} - {"bundled"})
    labels = lambda keep: [g for k, gs in gold.items() if keep(k) for g in gs]
    print(f"{len(posts)} posts ({', '.join(f'{s} {sum(p[0] == s for p in posts)}' for s in [*sources, 'bundled'])}), "
          f"{len(rows)} candidates, {sum(r['label'] for r in rows)} positive")
    held_out: dict[float, list] = {t: [] for t in thresholds}
    print("\nleave one source out (trained on the others and the bundled posts):")
    for source in sources:
        w = train.fit([r for r in rows if r["source"] != source], args.l2)
        mine = [r for r in rows if r["source"] == source]
        figures = []
        for t in thresholds:
            pred = predictions(mine, w, t)
            held_out[t] += pred
            figures.append(f"{t:.2f}: {fmt(score(pred, labels(lambda k: source_of[k] == source)))}")
        print(f"  {source:16} " + " | ".join(figures[i] for i in range(len(thresholds)) if thresholds[i] in (0.4, 0.5, 0.6)))
        for line in figures:
            print(f"      {line}")
    dev = labels(lambda k: source_of[k] != "bundled")
    print("\nall held-out sources together:")
    for t in thresholds:
        print(f"  {t:.2f}  {fmt(score(held_out[t], dev))}")
    print("\n5 folds by post (the same sources, other posts; the bundled posts always in training):")
    by_fold: dict[float, list] = {t: [] for t in thresholds}
    for f in range(5):
        w = train.fit([r for r in rows if r["source"] == "bundled" or fold_of(r["post"]) != f], args.l2)
        mine = [r for r in rows if r["source"] != "bundled" and fold_of(r["post"]) == f]
        for t in thresholds:
            by_fold[t] += predictions(mine, w, t)
    parts = {"A, B (the sources the held-out test part is from)": lambda k: not k_design(k),
             "C (design data only)": k_design}
    for t in thresholds:
        split = " | ".join(
            f"{name.split(' ')[0]} {fmt(score([p for p in by_fold[t] if keep(p[0])], labels(lambda k: source_of[k] != 'bundled' and keep(k))))}"
            for name, keep in parts.items())
        print(f"  {t:.2f}  {fmt(score(by_fold[t], dev))}   parts {split}")
    print("\nthe bundled posts, left out of training:")
    w = train.fit([r for r in rows if r["source"] != "bundled"], args.l2)
    bundled = labels(lambda k: source_of[k] == "bundled")
    for t in thresholds:
        print(f"  {t:.2f}  {fmt(score(predictions([r for r in rows if r['source'] == 'bundled'], w, t), bundled))}")


if __name__ == "__main__":
    main()
