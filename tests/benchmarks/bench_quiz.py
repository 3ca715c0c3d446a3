"""Benchmark: quiz start-up against importing jieba, and card extraction against post length, same run.

Prints median wall times and ratios; extraction should grow linearly (ratio ≈ the length factor).
Run: python tests/benchmarks/bench_quiz.py  (uses a temporary database, never the user's).
"""
from __future__ import annotations

import statistics
import sys
import time

from common import ROOT, startup_table

sys.path.insert(0, str(ROOT))
RUNS = 5


def extraction_scaling() -> None:
    from kb.cards import extract

    posts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data").glob("*.txt"))]
    text = "\n".join(posts)
    extract.extract(text[:200])  # load jieba outside the timings
    base = None
    for factor in (1, 4, 16):
        big = text * factor
        times = []
        for _ in range(3):
            start = time.perf_counter()
            extract.extract(big)
            times.append(time.perf_counter() - start)
        t = statistics.median(times)
        base = base or t
        print(f"extract  {len(big):8d} chars (x{factor:<2d})           {t * 1000:7.1f} ms   ratio {t / base:.2f}")


def main() -> None:
    startup_table([
        ("kb quiz --json", ["quiz", "--json"]),
        ("kb quiz --topic flow --json", ["quiz", "--topic", "flow", "--json"]),
        ("kb quiz --mode choice --json -n 20", ["quiz", "--mode", "choice", "--json", "-n", "20"]),
        ("kb cards --json", ["cards", "--json"]),
        ("kb topics --json", ["topics", "--json"]),
    ], RUNS)
    extraction_scaling()


if __name__ == "__main__":
    main()
