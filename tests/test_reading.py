"""Reading comfort: kb show's reading width (--width, config width:), kb latest saying how many posts
it left out, and kb cards / kb search through the pager like kb show.
"""
from __future__ import annotations

import os
import re
import shlex
import sys

import pexpect
import pytest

from tests.conftest import ROOT
from tests.test_show_pty import cells

NOTE = "20 of 43 posts — `-n 0` for all"


def widest(text: str) -> int:
    return max(cells(line) for line in text.splitlines())


def test_show_keeps_a_reading_width_on_a_wide_terminal(kb, imported, monkeypatch):
    monkeypatch.setenv("KB_WIDTH", "160")
    default = kb("show", "gumbel-softmax-c31d").stdout
    assert widest(default) == 100  # the prose fills the reading width, not the 160 cells
    assert widest(kb("show", "gumbel-softmax-c31d", "--width", "60").stdout) == 60
    assert widest(kb("show", "gumbel-softmax-c31d", "--width", "0").stdout) > 100  # 0: the terminal's
    # The same words, only wrapped differently.
    squash = lambda t: re.sub(r"\s+", "", t)  # noqa: E731
    assert squash(default) == squash(kb("show", "gumbel-softmax-c31d", "-w", "0").stdout)


def test_a_narrow_terminal_is_not_widened(kb, imported, monkeypatch):
    monkeypatch.setenv("KB_WIDTH", "70")
    assert widest(kb("show", "gumbel-softmax-c31d", "--width", "100").stdout) <= 70


def test_the_config_files_width(kb, imported, tmp_path, monkeypatch):
    conf = tmp_path / "kb.yaml"
    monkeypatch.setenv("KB_CONFIG", str(conf))
    monkeypatch.setenv("KB_WIDTH", "160")
    conf.write_text("width: 72\n", encoding="utf-8")
    assert 70 <= widest(kb("show", "gumbel-softmax-c31d").stdout) <= 72  # a Chinese character is 2 cells
    assert 88 <= widest(kb("show", "gumbel-softmax-c31d", "--width", "90").stdout) <= 90  # the option wins
    rows = {r["key"]: r for r in kb("config", "--json").json()}
    assert rows["width"]["value"] == 72 and rows["width"]["origin"] == f"{conf}:1"
    conf.write_text("width: 12\n", encoding="utf-8")
    r = kb("show", "gumbel-softmax-c31d")
    assert r.code == 1 and f"{conf}:1: width:" in r.stderr and "≥ 40" in r.stderr


def test_the_default_width_in_kb_config(kb):
    rows = {r["key"]: r for r in kb("config", "--json").json()}
    assert rows["width"] == {"key": "width", "value": 100, "origin": "default"}


def test_latest_says_how_many_it_left_out_on_stderr_when_piped(kb, imported):
    r = kb("latest")
    assert r.code == 0
    assert r.stderr.strip() == f"kb: {NOTE}"
    assert NOTE not in r.stdout and len(r.stdout.splitlines()) == 21  # header and 20 rows, nothing else
    assert "3 of 4 posts" in kb("latest", "-n", "3", "-c", "deep").stderr  # of what the filter keeps
    for args in (("-n", "0"), ("-n", "43"), ("-n", "50"), ("-c", "deep")):
        assert kb("latest", *args).stderr == "", args
    as_json = kb("latest", "--json")
    assert as_json.stderr == "" and len(as_json.json()) == 20


@pytest.fixture
def term_env(imported):
    env = dict(os.environ, TERM="xterm")
    for var in ("KB_WIDTH", "PAGER", "LESS", "MANPAGER"):
        env.pop(var, None)
    return env


def run_in_terminal(args, env, rows=24, cols=100) -> tuple[int, str]:
    child = pexpect.spawn(sys.executable, ["-m", "kb", *args], env=env, cwd=str(ROOT), dimensions=(rows, cols),
                          encoding="utf-8", timeout=20)
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def test_latest_ends_with_the_note_in_a_terminal(term_env):
    code, shown = run_in_terminal(["latest"], term_env, rows=40)
    assert code == 0
    lines = [line for line in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown).split("\r\n") if line.strip()]
    assert lines[-1] == NOTE and len(lines) == 22


@pytest.mark.parametrize("args, expected", [
    (["cards"], "重参数"),
    (["search", "模型", "-n", "0"], "jia-zhi-han-shu-665a"),  # the last of 24
])
def test_cards_and_search_page_when_taller_than_the_terminal(term_env, tmp_path, args, expected):
    paged = tmp_path / "paged.txt"
    term_env["PAGER"] = f"sh -c {shlex.quote('cat > ' + shlex.quote(str(paged)))}"
    code, shown = run_in_terminal(args, term_env, rows=20)
    assert code == 0
    assert expected in paged.read_text(encoding="utf-8") and expected not in shown
    paged.unlink()
    code, shown = run_in_terminal([*args, "--no-pager"], term_env, rows=20)
    assert code == 0 and expected in shown and not paged.exists()
