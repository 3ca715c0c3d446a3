"""Benchmark: related-post computation as the number of posts grows (it runs at every import).

Builds synthetic corpora from the bundled posts (distinct English words added per post) and
prints each size's time as a ratio to the smallest one, measured in the same run; linear work
keeps the ratio near the size ratio.
Run: python tests/benchmarks/bench_related.py
"""
from __future__ import annotations

import random
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kb.posts import capture
from kb.search import related  # noqa: E402


def corpus(n: int, texts: list[str], rng: random.Random) -> dict[int, str]:
    posts = {}
    for i in range(n):
        t = rng.choice(texts)
        start = rng.randrange(len(t) // 2)
        own = " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(7)) for _ in range(5))
        posts[i] = t[start:] + " " + own
    return posts


def main() -> None:
    texts = []
    for path in sorted((ROOT / "data").glob("*.txt")):
        texts += [e.text for e in capture.parse_bytes(path.read_bytes()).excerpts]
    rng = random.Random(7)
    sizes = [250, 1000, 4000]
    base = None
    for n in sizes:
        posts = corpus(n, texts, rng)
        start = time.perf_counter()
        related.compute(posts)
        took = time.perf_counter() - start
        base = base or took
        print(f"{n:5d} posts  {took * 1000:8.1f} ms   ratio {took / base:5.1f}  (size ratio {n / sizes[0]:.0f})")


if __name__ == "__main__":
    main()
