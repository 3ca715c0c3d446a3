"""What the start-up benchmarks share: the repository root, a scratch kb home with the bundled
captures imported, and the median wall time of a whole process.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = sorted((ROOT / "data").glob("*.txt"))
BASELINE = [sys.executable, "-c", "import jieba; jieba.lcut('扩散模型')"]


def scratch_env(home: str, **extra: str) -> dict:
    """An environment whose kb lives in home (database, config, HOME), never the user's."""
    env = dict(os.environ, KB_HOME=home, KB_DB=str(Path(home) / "kb.db"), KB_CONFIG=str(Path(home) / "none.yaml"),
               HOME=home, KB_WIDTH="100", NO_COLOR="1")
    # As an installed kb starts: with its modules' bytecode cached (pip compiles it at install), not
    # compiled again in every process.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


def import_bundled(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "kb", "import", *map(str, CAPTURES)],
                   env=env, stdout=subprocess.DEVNULL, check=True, cwd=ROOT)


def median_time(argv: list[str], env: dict, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup_table(cases: list[tuple[str, list[str]]], runs: int) -> None:
    """Import the bundled captures into a scratch home, then print each kb command's median wall
    time and its ratio to the jieba baseline measured in the same run."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        env = scratch_env(tmp)
        import_bundled(env)
        baseline = median_time(BASELINE, env, runs)
        width = max(len(label) for label, _ in cases) + 2
        print(f"{'baseline  import jieba + lcut':{width}} {baseline * 1000:7.1f} ms")
        for label, args in cases:
            t = median_time([sys.executable, "-m", "kb", *args], env, runs)
            print(f"{label:{width}} {t * 1000:7.1f} ms   ratio {t / baseline:.2f}")
