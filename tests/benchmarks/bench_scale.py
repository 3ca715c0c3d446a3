"""Scale: every command's time on the same synthetic corpus at 1,000, 10,000 and 100,000 posts, side by
side in one run, with the 100k/1k ratio; the import's time per post, peak memory and database size.

Run from the repository root: python tests/benchmarks/bench_scale.py [--sizes 1000,10000,100000] [--runs 5]
(the 100k corpus is ~112 MB of captures; the whole run takes several minutes). Each command's time is
the median of --runs whole processes, so start-up counts as a user sees it; the sizes take turns within
each run (the machine may be shared: a load meanwhile falls on every size alike).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

from bench_search import build_corpus, env, peak_rss_mb, timed  # noqa: E402

# The list: search (a common word, a rare word, a typo, two English words), latest, show,
# quiz --json, topics, stats, cards --topic.
COMMANDS = [
    ("search common (扩散模型)", ["search", "扩散模型"]),
    ("search rare (雅可比行列式)", ["search", "雅可比行列式"]),
    ("search typo (difusion)", ["search", "difusion"]),
    ("search two words (normalizing flow)", ["search", "normalizing", "flow"]),
    ("latest", ["latest"]),
    ("show SLUG", ["show", "--no-pager", "{slug}"]),
    ("quiz --json", ["quiz", "--json"]),
    ("topics", ["topics"]),
    ("stats", ["stats"]),
    ("cards --topic flow", ["cards", "--topic", "flow", "--no-pager"]),
]


def _cards_takes_no_pager(e: dict) -> bool:
    done = subprocess.run([sys.executable, "-m", "kb", "cards", "--help"], env=e, capture_output=True, text=True)
    return "--no-pager" in done.stdout


def imported(size: int, tmp: Path) -> dict:
    """The corpus of size posts built and imported into its own home: the import's figures, and what
    timing its commands needs."""
    corpus = tmp / f"corpus-{size}"
    posts = build_corpus(corpus, size)
    capture_bytes = sum(p.stat().st_size for p in corpus.glob("*.txt"))
    home = tmp / f"home-{size}"
    e = env(home)
    py = sys.executable
    import_t, peak_mb, done = peak_rss_mb([py, "-m", "kb", "import", str(corpus)], e)
    if done.returncode != 0:
        raise SystemExit(f"import of {size} failed: {done.stderr.decode()[-800:]}")
    db = home / "kb.db"
    for suffix in ("-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            subprocess.run([py, "-c", f"import sqlite3; sqlite3.connect({str(db)!r}).execute('PRAGMA wal_checkpoint(TRUNCATE)')"],
                           env=e, check=True)
    db_bytes = db.stat().st_size
    slug = json.loads(subprocess.run([py, "-m", "kb", "latest", "--json", "-n", "1"], env=e,
                                     capture_output=True).stdout)[0]["slug"]
    return {"size": size, "posts": len(posts), "capture_bytes": capture_bytes, "import": import_t,
            "peak_mb": peak_mb, "db_bytes": db_bytes, "env": e, "slug": slug,
            "no_pager": _cards_takes_no_pager(e), "times": {}}


def time_commands(results: list[dict], runs: int) -> None:
    """Each command's median of runs whole processes at every size. The sizes take turns within each
    run, so a load that other processes put on the machine meanwhile falls on every size alike."""
    py = sys.executable
    for label, args in COMMANDS:
        cmds = []
        for r in results:
            cmd = [a.replace("{slug}", r["slug"]) for a in args]
            if cmd[0] == "cards" and not r["no_pager"]:
                cmd = [a for a in cmd if a != "--no-pager"]
            cmds.append([py, "-m", "kb", *cmd])
            subprocess.run(cmds[-1], env=r["env"], capture_output=True)  # warm the page cache
        times: list[list[float]] = [[] for _ in results]
        for _ in range(runs):
            for r, cmd, t in zip(results, cmds, times):
                took, done = timed(cmd, r["env"])
                if done.returncode not in (0, 1):  # 1: a search that finds nothing is not a failure
                    raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}: {done.stderr.decode()[-400:]}")
                t.append(took)
        for r, t in zip(results, times):
            r["times"][label] = statistics.median(t)


def _k(n: int) -> str:
    return f"{n / 1000:g}k"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", help="build the corpora and databases here and keep them (default: a temporary directory)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.dir:  # kept, to look into afterwards
        Path(args.dir).mkdir(parents=True, exist_ok=True)
        results = [imported(n, Path(args.dir)) for n in sizes]
        time_commands(results, args.runs)
    else:
        with tempfile.TemporaryDirectory(prefix="kb-scale-") as tmp:
            results = [imported(n, Path(tmp)) for n in sizes]
            time_commands(results, args.runs)
    first, last = results[0], results[-1]
    heads = "".join(f"{r['size']:>10,}" for r in results)
    ratio_head = f"{_k(last['size'])}/{_k(first['size'])}"
    print(f"{'seconds (median of ' + str(args.runs) + ')':40}{heads}{ratio_head:>10}")
    for label, _ in COMMANDS:
        row = "".join(f"{r['times'][label]:10.3f}" for r in results)
        print(f"{label:40}{row}{last['times'][label] / first['times'][label]:10.2f}")
    per_post = [r["import"] / r["posts"] * 1000 for r in results]
    print(f"{'import, ms per post':40}" + "".join(f"{v:10.3f}" for v in per_post) + f"{per_post[-1] / per_post[0]:10.2f}")
    print(f"{'import peak memory, MB (all processes)':40}" + "".join(f"{r['peak_mb']:10d}" for r in results))
    print(f"{'captures, MB':40}" + "".join(f"{r['capture_bytes'] / 1e6:10.1f}" for r in results))
    print(f"{'database, MB':40}" + "".join(f"{r['db_bytes'] / 1e6:10.1f}" for r in results))
    print(f"{'database / captures':40}" + "".join(f"{r['db_bytes'] / r['capture_bytes']:10.2f}" for r in results))
    if len(results) >= 2 and results[-2]["size"] * 10 == last["size"]:
        print(f"import per post, {_k(last['size'])} / {_k(results[-2]['size'])}: {per_post[-1] / per_post[-2]:.2f}")


if __name__ == "__main__":
    main()
