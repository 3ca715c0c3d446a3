"""Benchmark: `kb latest` and `kb show` start-up against importing jieba, measured in the same run.

Prints each command's median wall time and its ratio to the baseline; the target is ≤ 0.25.
Run: python tests/benchmarks/bench_reading.py  (uses a temporary database, never the user's).
"""
from __future__ import annotations

from common import startup_table

RUNS = 7


def main() -> None:
    startup_table([
        ("kb latest", ["latest"]),
        ("kb latest -n 0 --json", ["latest", "-n", "0", "--json"]),
        ("kb show (math post)", ["show", "gumbel-softmax-c31d", "--no-pager"]),
        ("kb show (no math)", ["show", "lstm-rnn-trn-c0da", "--no-pager"]),
    ], RUNS)


if __name__ == "__main__":
    main()
