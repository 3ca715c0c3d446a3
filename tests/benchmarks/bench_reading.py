"""Benchmark: `kb latest` and `kb show` start-up against importing jieba, measured in the same run.

Prints each command's median wall time and its ratio to the baseline; the target is ≤ 0.25.
Run: python tests/benchmarks/bench_reading.py  (uses a temporary database, never the user's).
"""
from __future__ import annotations

import sys
import tempfile

from common import BASELINE, import_bundled, median_time, scratch_env

RUNS = 7


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = scratch_env(tmp)
        py = sys.executable
        import_bundled(env)
        baseline = median_time(BASELINE, env, RUNS)
        print(f"baseline  import jieba + lcut            {baseline * 1000:7.1f} ms")
        for label, args in [
            ("kb latest", ["latest"]),
            ("kb latest -n 0 --json", ["latest", "-n", "0", "--json"]),
            ("kb show (math post)", ["show", "gumbel-softmax-c31d", "--no-pager"]),
            ("kb show (no math)", ["show", "lstm-rnn-trn-c0da", "--no-pager"]),
        ]:
            t = median_time([py, "-m", "kb", *args], env, RUNS)
            print(f"{label:40} {t * 1000:7.1f} ms   ratio {t / baseline:.2f}")


if __name__ == "__main__":
    main()
