"""Search and import speed against jieba, measured side by side in one run (no timed tests).

Builds a deterministic 10,000-post synthetic corpus in the capture format and prints each ratio with its target.
Run from the repository root: python tests/benchmarks/bench_search.py [--posts N] [--runs N]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kb.posts import capture  # noqa: E402

SEED = 20260122
CATEGORIES = ["Deep Learning", "Generative Models", "3D Model", "Reinforcement Learning", "NLP", "Computer Vision"]
PER_FILE = 100
TWICE = 0.1  # share of posts captured a second time, shorter
_SENTENCE_RE = re.compile(r"[^。!?!?;;]+[。!?!?;;]?")


def bundled_texts() -> list[str]:
    best: dict[str, str] = {}
    for path in sorted((ROOT / "data").glob("*.txt")):
        for ex in capture.parse_bytes(path.read_bytes()).excerpts:
            key = capture.normalize(ex.text)[:24]
            if len(ex.text) > len(best.get(key, "")):
                best[key] = ex.text
    return list(best.values())


def build_corpus(folder: Path, n_posts: int) -> list[str]:
    """Capture files of n_posts posts (shuffled sentences of the bundled posts); returns their texts."""
    rng = random.Random(SEED)
    sentences = [s.strip() for t in bundled_texts() for s in _SENTENCE_RE.findall(t) if len(s.strip()) > 8]
    posts = []
    for i in range(n_posts):
        body = "".join(rng.sample(sentences, rng.randint(3, 9)))
        # A unique start: without it two posts opening on the same sentence would be one post.
        posts.append(f"第{i + 1}号笔记 {body}")
    # Newest first: the post numbers run down the files, dates with them.
    order = list(range(n_posts - 1, -1, -1))
    shown: list[tuple[int, str, bool]] = []
    for idx in order:
        text = posts[idx]
        cut = rng.random() < 0.5 and len(text) > 120
        shown.append((idx, text[: rng.randint(100, len(text) - 10)] if cut else text, cut))
    again = rng.sample(range(len(shown)), int(len(shown) * TWICE))
    files: list[list[str]] = []
    for start in range(0, len(shown), PER_FILE):
        files.append(_card_lines(rng, shown[start : start + PER_FILE], n_posts))
    for k, pos in enumerate(sorted(again)):
        idx, text, _ = shown[pos]
        short = text[: max(60, len(text) // 2)]
        files[k % len(files)].append(short + "...")
    folder.mkdir(parents=True, exist_ok=True)
    for k, lines in enumerate(files):
        page = "\n".join(["INCOMING TRANSMISSION", "", "LATEST UPDATES", *lines, "", f"1 2 3 ... {len(files)}", ""])
        (folder / f"{k:03d}_synthetic.txt").write_text(page, encoding="utf-8")
    return posts


def _card_lines(rng: random.Random, cards: list[tuple[int, str, bool]], n_posts: int) -> list[str]:
    lines = []
    for idx, text, cut in cards:
        if rng.random() < 0.3:
            day = 1 + idx * 700 // n_posts  # older posts have lower numbers
            date = time.strftime("%Y-%m-%d", time.gmtime(1_600_000_000 + day * 86400))
            lines += [rng.choice(CATEGORIES), date]
        lines.append(text + ("..." if cut else ""))
    return lines


def env(home: Path) -> dict:
    e = dict(os.environ)
    e.update(KB_HOME=str(home), KB_DB=str(home / "kb.db"), KB_CONFIG=str(home / "none.yaml"),
             HOME=str(home), NO_COLOR="1", KB_WIDTH="100", PYTHONPATH=str(ROOT))
    # As an installed kb starts: with its modules' bytecode cached (pip compiles it at install).
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    return e


def timed(cmd: list[str], environ: dict) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of one process."""
    start = time.perf_counter()
    done = subprocess.run(cmd, env=environ, capture_output=True)
    return time.perf_counter() - start, done


def median_time(cmd: list[str], environ: dict, runs: int) -> float:
    times = []
    for _ in range(runs):
        t, done = timed(cmd, environ)
        if done.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}: {done.stderr.decode()[-500:]}")
        times.append(t)
    return statistics.median(times)


def _tree_pss_kb(root: int) -> int:
    """Proportional set size of a process and all its descendants (Linux /proc), in kB.

    PSS, not RSS: the import's workers are forked, and pages they share with the importer
    would otherwise be counted once per process."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            pass
    return total


def peak_rss_mb(cmd: list[str], environ: dict) -> tuple[float, int, subprocess.CompletedProcess]:
    """Wall time and the peak memory of cmd with all its worker processes together.

    Sampled every 20 ms from /proc (summed PSS); elsewhere GNU time's peak RSS of the biggest process."""
    if not Path("/proc/self/smaps_rollup").exists():
        wrapped = ["/usr/bin/time", "-f", "PEAK_KB %M", *cmd] if Path("/usr/bin/time").exists() else cmd
        t, done = timed(wrapped, environ)
        m = re.search(rb"PEAK_KB (\d+)", done.stderr)
        return t, int(m.group(1)) // 1024 if m else -1, done
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_pss_kb(proc.pid))
        time.sleep(0.02)
    out, err = proc.communicate()
    t = time.perf_counter() - start
    return t, peak // 1024, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--posts", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        posts = build_corpus(corpus, args.posts)
        texts_file = tmp / "texts.json"
        texts_file.write_text(json.dumps(posts, ensure_ascii=False), encoding="utf-8")
        home = tmp / "home"
        e = env(home)
        chars = sum(map(len, posts))
        print(f"corpus: {args.posts} posts, {chars:,} characters, {len(list(corpus.glob('*.txt')))} files")

        lcut_code = (
            "import json, sys, jieba\n"
            f"texts = json.load(open({str(texts_file)!r}, encoding='utf-8'))\n"
            "for t in texts: jieba.lcut(t)\n"
        )
        # The machine is shared: each baseline is measured right next to what it is compared
        # with (before and after the import; alternating with the short commands).
        jieba_all_before = median_time([py, "-c", lcut_code], e, 1)
        imp_t, imp = timed([py, "-m", "kb", "import", "--json", str(corpus)], e)
        if imp.returncode != 0:
            raise SystemExit(f"import failed: {imp.stderr.decode()[-800:]}")
        jieba_all_after = median_time([py, "-c", lcut_code], e, 1)
        # Memory in a run of its own: sampling /proc takes CPU the timed import should have.
        mem_home = tmp / "mem-home"
        _, imp_mb, mem_run = peak_rss_mb([py, "-m", "kb", "import", str(corpus)], env(mem_home))
        if mem_run.returncode != 0:
            raise SystemExit(f"import failed: {mem_run.stderr.decode()[-800:]}")
        jieba_all = (jieba_all_before + jieba_all_after) / 2
        stats = json.loads(subprocess.run([py, "-m", "kb", "stats", "--json"], env=e, capture_output=True).stdout)
        # The search index's share of the import: rebuilding it alone for every post.
        rebuild_code = (
            "from pathlib import Path; from kb import derived; from kb.store.connect import open_db\n"
            f"derived.rebuild(open_db(Path({str(home / 'kb.db')!r})), ['search'])\n"
        )
        index_t = median_time([py, "-c", rebuild_code], e, 1)
        reimp_t = median_time([py, "-m", "kb", "import", str(corpus)], e, 3)
        slug = json.loads(subprocess.run([py, "-m", "kb", "latest", "--json", "-n", "1"], env=e, capture_output=True).stdout)[0]["slug"]
        commands = {
            "jieba": [py, "-c", "import jieba; jieba.lcut('扩散模型')"],
            "search": [py, "-m", "kb", "search", "扩散模型"],
            "latest": [py, "-m", "kb", "latest"],
            "show": [py, "-m", "kb", "show", "--no-pager", slug],
        }
        subprocess.run(commands["search"], env=e, capture_output=True)  # warms the page cache
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(median_time(cmd, e, 1))
        jieba_start = statistics.median(times["jieba"])
        search_t, latest_t, show_t = (statistics.median(times[k]) for k in ("search", "latest", "show"))

    rows = [
        (f"kb search 扩散模型 ({args.posts} posts)", search_t, jieba_start, 0.25),
        ("kb latest", latest_t, jieba_start, 0.25),
        ("kb show SLUG", show_t, jieba_start, 0.25),
        (f"kb import ({args.posts} posts)", imp_t, jieba_all, 0.6),
        ("kb import again (unchanged)", reimp_t, jieba_all, 0.03),
    ]
    extra = [("  of which: search index alone", index_t, jieba_all)]
    print(f"baseline jieba start-up: python -c \"import jieba; jieba.lcut('扩散模型')\": {jieba_start:.3f} s")
    print(f"baseline jieba.lcut over every post's text, one process: {jieba_all:.2f} s"
          f" (before the import {jieba_all_before:.2f} s, after {jieba_all_after:.2f} s)")
    print(f"{'measure':34} {'seconds':>8} {'ratio':>7} {'target':>7}  verdict")
    ok = True
    for name, t, base, target in rows:
        ratio = t / base
        ok &= ratio <= target
        print(f"{name:34} {t:8.3f} {ratio:7.3f} {'≤ ' + str(target):>7}  {'ok' if ratio <= target else 'MISSED'}")
    for name, t, base in extra:
        print(f"{name:34} {t:8.3f} {t / base:7.3f} {'':>7}  (rebuilt on its own, for scale)")
    mem_ok = 0 < imp_mb <= 400
    count_ok = stats.get("posts") == args.posts
    ok &= mem_ok and count_ok
    print(f"{'import peak memory (MB, all procs)':34} {imp_mb:8d} {'':>7} {'≤ 400':>7}  {'ok' if mem_ok else 'MISSED'}")
    print(f"{'posts found':34} {stats.get('posts'):8d} {'':>7} {'= ' + str(args.posts):>7}  {'ok' if count_ok else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
