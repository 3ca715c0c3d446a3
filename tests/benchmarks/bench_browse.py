"""Benchmark: kb browse's search box on the 10,000-post corpus — how long each keystroke takes to be
answered, against the 100 ms a keystroke may take.

Builds bench_search's deterministic corpus and imports it, runs `kb browse` in a pseudo-terminal of
120×40 (pexpect), types queries one character at a time and times each keystroke from the key sent to
kb having written that query's matches to the terminal (its status line names the query). The
query alone (kb.search.ranking, what the worker thread runs) is timed beside it, and so are the same
keystrokes on the 43 bundled posts and, for the floor, into a bare Textual app that only echoes them, in
the same run.
Run: python tests/benchmarks/bench_browse.py [--posts N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from bench_search import build_corpus, env  # noqa: E402

QUERIES = ["gumbel", "扩散模型", "normalizing flow", "强化学习", "transformer", "自监督 -对比", "wasserstien"]
TARGET_MS = 100.0


# The floor: a Textual app that only echoes its input box into a line, in the same pseudo-terminal.
ECHO_APP = """
from textual.app import App
from textual.widgets import Input, Static
class Echo(App):
    def compose(self):
        yield Input(id="box")
        yield Static(id="out")
    def on_mount(self):
        self.query_one(Static).update("ready")
    def on_input_changed(self, event):
        self.query_one(Static).update("for “" + event.value.strip() + "”", layout=False)
Echo().run()
"""


def echo_floor() -> list[float]:
    """ms from each key sent to a bare Textual app having written it back."""
    from tests.browsing import Terminal

    term = Terminal('exec "$PYTHON" -c "$APP"', dict(os.environ, TERM="xterm-256color", PYTHON=sys.executable,
                                                       APP=ECHO_APP))
    term.wait_for_bytes("ready")
    times = []
    for query in QUERIES:
        last = ""
        for i in range(1, len(query) + 1):
            typed = query[:i].strip()
            t0 = time.perf_counter()
            term.send(query[i - 1])
            if typed != last:
                term.wait_for_bytes(f"for “{typed}”")
                times.append((time.perf_counter() - t0) * 1000)
            last = typed
        term.send("\x15")
        term.wait_for_bytes("for “”")
    term.send("\x11")  # Ctrl-Q: Textual's own quit
    term.child.expect(__import__("pexpect").EOF)
    return times


def keystrokes(home: Path, slowest: list | None = None) -> tuple[list[float], float]:
    """ms from each key sent to its query's matches written to the terminal; the seconds to the first screen."""
    from tests.browsing import Terminal

    e = dict(env(home), TERM="xterm-256color", PYTHON=sys.executable)
    e.pop("NO_COLOR", None)
    e.pop("KB_WIDTH", None)
    start = time.perf_counter()
    term = Terminal('exec "$PYTHON" -m kb browse', e)
    term.wait_for_bytes("posts newest first")
    first = time.perf_counter() - start
    times = []
    slowest = [] if slowest is None else slowest
    term.send("/")
    term.wait_for_bytes("type to search")
    for query in QUERIES:
        last = ""
        for i in range(1, len(query) + 1):
            typed = query[:i].strip()
            t0 = time.perf_counter()
            term.send(query[i - 1])
            if typed == last:  # a space: the same query, nothing new to wait for
                continue
            term.wait_for_bytes(f"for “{typed}”")
            times.append((time.perf_counter() - t0) * 1000)
            slowest.append((times[-1], typed))
            last = typed
        term.send("\x15")  # Ctrl-U: the box emptied, the newest posts back
        term.wait_for_bytes("posts newest first")
    term.send("\x03")  # Ctrl-C
    term.child.expect(__import__("pexpect").EOF)
    return times, first


def query_alone(db: Path) -> list[float]:
    from kb.browse.data import Searcher

    searcher = Searcher(db, readonly=True, counts={})
    out = []
    for query in QUERIES:
        for i in range(1, len(query) + 1):
            if query[:i].strip():
                t0 = time.perf_counter()
                searcher.search(query[:i].strip())
                out.append((time.perf_counter() - t0) * 1000)
    searcher.close()
    return out


def line(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p90 = ms[int(0.9 * (len(ms) - 1))]
    verdict = "ok" if ms[-1] < TARGET_MS else "OVER"
    return (f"{label:34} {len(ms):4d}  {statistics.median(ms):7.1f}  {p90:7.1f}  {ms[-1]:7.1f}   "
            f"< {TARGET_MS:.0f}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        build_corpus(home / "captures", args.posts)
        subprocess.run([sys.executable, "-m", "kb", "import", str(home / "captures")], env=env(home),
                       check=True, capture_output=True, cwd=ROOT)
        small = home / "small"
        small.mkdir()
        subprocess.run([sys.executable, "-m", "kb", "import", *map(str, sorted((ROOT / "data").glob("*.txt")))],
                       env=env(small), check=True, capture_output=True, cwd=ROOT)
        slowest: list[tuple[float, str]] = []
        typed, first = keystrokes(home, slowest)
        typed_small, _ = keystrokes(small)
        floor = echo_floor()
        alone = query_alone(home / "kb.db")
    print(f"corpus: {args.posts} posts; queries typed a character at a time: {', '.join(QUERIES)}")
    print(f"{'measure (ms)':34} {'keys':>4}  {'median':>7}  {'p90':>7}  {'max':>7}   target")
    print(line(f"keystroke → matches shown ({args.posts})", typed))
    print(line("  of which the query alone", alone))
    print(line("keystroke → matches shown (43)", typed_small))
    print(line("floor: a bare Textual input's echo", floor))
    print(f"median over the floor: {statistics.median(typed) / statistics.median(floor):.1f} × ({args.posts}),"
          f" {statistics.median(typed_small) / statistics.median(floor):.1f} × (43)")
    print(f"slowest keystrokes ({args.posts}):", ", ".join(f"{q} {ms:.0f}" for ms, q in sorted(slowest, reverse=True)[:6]))
    print(f"kb browse to its first screen, {args.posts} posts: {first:.2f} s")


if __name__ == "__main__":
    main()
