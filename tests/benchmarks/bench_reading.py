"""Benchmark: `kb latest` and `kb show` start-up against importing jieba, measured in the same run.

Prints each command's median wall time and its ratio to the baseline; the target is ≤ 0.25.
Run: python tests/benchmarks/bench_reading.py  (uses a temporary database, never the user's).
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = 7


def median_time(argv: list[str], env: dict) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, KB_HOME=tmp, KB_DB=str(Path(tmp) / "kb.db"), KB_CONFIG=str(Path(tmp) / "none.yaml"),
                   HOME=tmp, KB_WIDTH="100", NO_COLOR="1")
        py = sys.executable
        subprocess.run([py, "-m", "kb", "import", *map(str, sorted((ROOT / "data").glob("*.txt")))],
                       env=env, stdout=subprocess.DEVNULL, check=True, cwd=ROOT)
        baseline = median_time([py, "-c", "import jieba; jieba.lcut('扩散模型')"], env)
        print(f"baseline  import jieba + lcut            {baseline * 1000:7.1f} ms")
        for label, args in [
            ("kb latest", ["latest"]),
            ("kb latest -n 0 --json", ["latest", "-n", "0", "--json"]),
            ("kb show (math post)", ["show", "gumbel-softmax-c31d", "--no-pager"]),
            ("kb show (no math)", ["show", "lstm-rnn-trn-c0da", "--no-pager"]),
        ]:
            t = median_time([py, "-m", "kb", *args], env)
            print(f"{label:40} {t * 1000:7.1f} ms   ratio {t / baseline:.2f}")


if __name__ == "__main__":
    main()
