"""`kb show` and `kb latest` in a real pseudo-terminal (pexpect): the pager, $PAGER, the width."""
from __future__ import annotations

import os
import re
import shlex
import sys
import unicodedata

import pexpect
import pytest

from tests.conftest import ROOT


def cells(s: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


@pytest.fixture
def term_env(imported):
    env = dict(os.environ, TERM="xterm")
    for var in ("KB_WIDTH", "PAGER", "LESS", "MANPAGER"):
        env.pop(var, None)  # the terminal decides the width; kb picks the pager
    return env


def spawn(args, env, rows=20, cols=80):
    return pexpect.spawn(
        sys.executable, ["-m", "kb", *args], env=env, cwd=str(ROOT), dimensions=(rows, cols),
        encoding="utf-8", timeout=20,
    )


def test_a_long_post_opens_in_less_and_quits_cleanly(term_env):
    child = spawn(["show", "gumbel-softmax-c31d"], term_env, rows=20)
    child.expect("文章从连续情形出发开始介绍重参数")
    child.expect(r"\r\n:")  # less's prompt: the pager holds the rest back
    assert "Related" not in child.before
    child.send("G")  # to the end
    child.expect("Related")
    child.expect("ru-guo-yi-gai-74b9")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_pager_env_is_respected_and_gets_the_whole_text(term_env, tmp_path):
    paged = tmp_path / "paged.txt"
    term_env["PAGER"] = f"sh -c {shlex.quote('cat > ' + shlex.quote(str(paged)))}"
    child = spawn(["show", "gumbel-softmax-c31d"], term_env, rows=20)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    text = paged.read_text(encoding="utf-8")
    assert "文章从连续情形出发开始介绍重参数" in text and "Related" in text
    assert "Related" not in child.before  # it went to the pager, not straight to the terminal


def test_no_pager_and_short_output_go_straight_to_the_terminal(term_env, tmp_path):
    paged = tmp_path / "paged.txt"
    term_env["PAGER"] = f"sh -c {shlex.quote('cat > ' + shlex.quote(str(paged)))}"
    child = spawn(["show", "gumbel-softmax-c31d", "--no-pager"], term_env, rows=20)
    child.expect("Related")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    tall = spawn(["show", "rf-top-input-18b3"], term_env, rows=60)  # fits: no pager
    tall.expect("Related")
    tall.expect(pexpect.EOF)
    tall.close()
    assert tall.exitstatus == 0
    assert not paged.exists()


def test_latest_fits_an_80_column_terminal(term_env):
    child = spawn(["latest", "-n", "0"], term_env, rows=60, cols=80)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)", "", child.before)
    lines = [line for line in plain.split("\r\n") if line.strip()]
    assert len(lines) == 44  # header + 43 posts, none wrapped
    assert all(cells(line) <= 80 for line in lines)
    slug_starts = {cells(line[: re.search(r"\S+$", line).start()]) for line in lines}
    assert len(slug_starts) == 1


def test_a_pager_that_cannot_start_falls_back_to_printing(term_env, tmp_path):
    term_env["PAGER"] = str(tmp_path / "no-such-pager")
    child = spawn(["show", "gumbel-softmax-c31d"], term_env, rows=20)
    child.expect("Related")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in child.before and "error" not in child.before


def test_the_config_files_pager_wins_over_pager_env(term_env, tmp_path):
    """pager: in the config file is used before $PAGER; pager: false never pages."""
    paged, ignored = tmp_path / "paged.txt", tmp_path / "env-pager.txt"
    term_env["PAGER"] = f"sh -c {shlex.quote('cat > ' + shlex.quote(str(ignored)))}"
    conf = tmp_path / "config.yaml"
    term_env["KB_CONFIG"] = str(conf)
    conf.write_text(f"pager: sh -c 'cat > {paged}'\n", encoding="utf-8")
    child = spawn(["show", "gumbel-softmax-c31d"], term_env, rows=20)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Related" in paged.read_text(encoding="utf-8") and not ignored.exists()

    conf.write_text("pager: false\n", encoding="utf-8")
    child = spawn(["show", "gumbel-softmax-c31d"], term_env, rows=20)
    child.expect("Related")  # printed straight to the terminal
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and not ignored.exists()


def test_a_long_latest_goes_through_the_pager_and_no_pager_prints_it(term_env, tmp_path):
    paged = tmp_path / "paged.txt"
    term_env["PAGER"] = f"sh -c {shlex.quote('cat > ' + shlex.quote(str(paged)))}"
    child = spawn(["latest", "-n", "0"], term_env, rows=20)  # 44 lines in a 20-row terminal
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    text = paged.read_text(encoding="utf-8")
    assert "fp32-fp16-9e67" in text and "fp32-fp16-9e67" not in child.before
    paged.unlink()
    direct = spawn(["latest", "-n", "0", "--no-pager"], term_env, rows=20)
    direct.expect("fp32-fp16-9e67")
    direct.expect(pexpect.EOF)
    direct.close()
    assert direct.exitstatus == 0
    short = spawn(["latest", "-n", "5"], term_env, rows=20)  # fits: printed directly
    short.expect(pexpect.EOF)
    short.close()
    assert not paged.exists()
