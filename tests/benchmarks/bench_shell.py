"""Benchmark: a <TAB> (dynamic completion) and `kb latest` with a config file, against importing jieba.

Prints median wall times and ratios to the baseline measured in the same run (target ≤ 0.25).
Run: python tests/benchmarks/bench_shell.py  (uses a temporary database and config, never the user's).
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
        t = Path(tmp)
        config = t / "config.yaml"
        config.write_text(f"db: {t / 'kb.db'}\nquiz:\n  count: 5\n", encoding="utf-8")
        env = dict(os.environ, KB_HOME=tmp, KB_CONFIG=str(config), HOME=tmp, KB_WIDTH="100", NO_COLOR="1")
        env.pop("KB_DB", None)
        py = sys.executable
        subprocess.run([py, "-m", "kb", "import", *map(str, sorted((ROOT / "data").glob("*.txt")))],
                       env=env, stdout=subprocess.DEVNULL, check=True)
        baseline = median_time([py, "-c", "import jieba; jieba.lcut('扩散模型')"], env)
        print(f"baseline  import jieba + lcut              {baseline * 1000:7.1f} ms")
        cases = [
            ("kb latest (db from the config file)", ["-m", "kb", "latest"], {}),
            ("<TAB> kb show ''  (43 slugs + titles)", ["-m", "kb"],
             {"_KB_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "kb show "}),
            ("<TAB> kb latest --category ''", ["-m", "kb"],
             {"_KB_COMPLETE": "complete_bash", "COMP_WORDS": "kb latest --category ", "COMP_CWORD": "3"}),
            ("<TAB> kb quiz --topic ''", ["-m", "kb"],
             {"_KB_COMPLETE": "complete_bash", "COMP_WORDS": "kb quiz --topic ", "COMP_CWORD": "3"}),
        ]
        for label, args, extra in cases:
            took = median_time([py, *args], {**env, **extra})
            print(f"{label:42} {took * 1000:7.1f} ms   ratio {took / baseline:.2f}")


if __name__ == "__main__":
    main()
