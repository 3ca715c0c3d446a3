"""Benchmark: a <TAB> (dynamic completion) and `kb latest` with a config file, against importing jieba.

Prints median wall times and ratios to the baseline measured in the same run (target ≤ 0.25).
Run: python tests/benchmarks/bench_shell.py  (uses a temporary database and config, never the user's).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import BASELINE, import_bundled, median_time, scratch_env

RUNS = 7


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        config = t / "config.yaml"
        config.write_text(f"db: {t / 'kb.db'}\nquiz:\n  count: 5\n", encoding="utf-8")
        env = scratch_env(tmp, KB_CONFIG=str(config))
        env.pop("KB_DB")  # the database comes from the config file
        py = sys.executable
        import_bundled(env)
        baseline = median_time(BASELINE, env, RUNS)
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
            took = median_time([py, *args], {**env, **extra}, RUNS)
            print(f"{label:42} {took * 1000:7.1f} ms   ratio {took / baseline:.2f}")


if __name__ == "__main__":
    main()
