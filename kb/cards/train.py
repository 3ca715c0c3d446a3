"""Train the card scorer from labelled text: the development part of tests/data/realtext (never its
test part) and the bundled posts (tests/data/definitions.yaml); writes data/card_model.json.

A candidate is a positive example when its post has a labelled definition of its term or of a term
sharing a name with it. Run from a checkout's root: python -m kb.cards.train
Also the cross-validation the threshold is chosen by: tests/benchmarks/cv_cards.py.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

from kb.cards.model import L2, train

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "realtext"

# Captures labelled as design data only (definitions-c.yaml): all their posts are dev, whatever they hash to.
DESIGN_ONLY = ("pumpkin", "ailearning")

BUNDLED_WEIGHT = 10.0

# Chosen by the cross-validation (tests/benchmarks/cv_cards.py): precision first.
THRESHOLD = 0.6


def split_of(post: str) -> str:
    """tests/data/realtext/LABELLING.md's rule: the first hex digit of SHA-1(post) — 0-7 dev, 8-f test."""
    return "dev" if hashlib.sha1(post.encode("utf-8")).hexdigest()[0] in "01234567" else "test"


def key(term: str) -> str:
    return re.sub(r"[\s\-_]+", "", unicodedata.normalize("NFKC", term)).casefold()


def names(term: str, aliases: list[str]) -> set[str]:
    return {key(term), *(key(a) for a in aliases)}


def posts(paths: list[Path]) -> dict[str, str]:
    """post key (its first 24 characters) → its longest captured text."""
    from kb.posts import capture

    best: dict[str, str] = {}
    for path in paths:
        for ex in capture.parse_bytes(path.read_bytes()).excerpts:
            k = ex.text.strip()[:24]
            if len(ex.text) > len(best.get(k, "")):
                best[k] = ex.text
    return best


def labelled() -> list[tuple[str, str, str, list[dict]]]:
    """(source, post key, text, its labels) of every training post: the dev part of the real text (the
    posts that hash to dev, and every post of the design-only captures), then the bundled posts. The
    real text's test part is left out before anything is read."""
    import yaml

    out = []
    gold: list[dict] = []
    for path in sorted(REAL.glob("definitions-*.yaml")):
        gold += [g for g in yaml.safe_load(path.read_text(encoding="utf-8")) if g["split"] == "dev"]
    by_post: dict[str, list[dict]] = {}
    for g in gold:
        by_post.setdefault(g["post"], []).append(g)
    captures = sorted((REAL / "captures").glob("*.txt"))
    design_only = set(posts([p for p in captures if p.name.startswith(DESIGN_ONLY)]))
    for k, text in posts(captures).items():
        if k in design_only or split_of(k) == "dev":
            rows = by_post.get(k, [])
            source = rows[0]["source"] if rows else _source_of(k, text)
            out.append((source, k, text, rows))
    bundled = yaml.safe_load((ROOT / "tests" / "data" / "definitions.yaml").read_text(encoding="utf-8"))
    by_post = {}
    for g in bundled:
        by_post.setdefault(g["post"], []).append(g)
    for k, text in posts(sorted((ROOT / "data").glob("*.txt"))).items():
        out.append(("bundled", k, text, by_post.get(k, [])))
    return out


def _source_of(k: str, text: str) -> str:
    """The source of a dev post without labels: the capture file it is in (<source>-NN.txt)."""
    from kb.posts import capture

    for path in sorted((REAL / "captures").glob("*.txt")):
        if any(ex.text.strip()[:24] == k for ex in capture.parse_bytes(path.read_bytes()).excerpts):
            return path.stem.rsplit("-", 1)[0]
    return "unknown"


def examples(posts_: list[tuple[str, str, str, list[dict]]]) -> list[dict]:
    """One row per candidate with a definition: {source, post, norm, term, aliases, features, label}."""
    from kb.cards.extract import candidates
    from kb.cards.features import candidate_features, post_facts
    from kb.cards.terms import nfkc, norm_term

    rows = []
    for source, k, raw, gold in posts_:
        text = nfkc(raw)
        s, found, _ = candidates(text)
        facts = post_facts(found, text)
        folded = text.casefold()
        cards = [names(g["term"], g.get("aliases") or []) for g in gold if g.get("card", True)]
        for c in found:
            if not c.definition:
                continue
            mine = names(c.term, c.aliases)
            rows.append({
                "source": source, "post": k, "norm": norm_term(c.term), "term": c.term, "aliases": list(c.aliases),
                "features": candidate_features(c, s, folded, facts), "label": int(any(mine & n for n in cards)),
            })
    return rows


def fit(rows: list[dict], l2: float = L2, bundled: float | None = None) -> dict[str, float]:
    """The weights rows give; the bundled posts' candidates count bundled times (kb ships those posts:
    their cards are the first a user sees)."""
    weight = BUNDLED_WEIGHT if bundled is None else bundled
    return train([(r["features"], r["label"], weight if r["source"] == "bundled" else 1.0) for r in rows], l2=l2)


def model() -> dict:
    """The model data/card_model.json holds: weights rounded to 6 places, the threshold."""
    w = fit(examples(labelled()))
    return {"threshold": THRESHOLD, "weights": {k: round(v, 6) for k, v in sorted(w.items())}}


def dumps(m: dict) -> str:
    return json.dumps(m, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main() -> None:
    m = model()
    (ROOT / "data" / "card_model.json").write_text(dumps(m), encoding="utf-8")
    print(f"data/card_model.json: {len(m['weights'])} weights, threshold {m['threshold']}")


if __name__ == "__main__":
    main()
