"""Parsing capture files: noise lines, metadata attribution, truncation, encodings, line ends."""
from __future__ import annotations

import codecs

import pytest

from kb.errors import CaptureError
from kb.posts import capture
from tests.conftest import CAPTURES, DATA


def parse_file(name):
    return capture.parse_bytes((DATA / name).read_bytes())


def test_bundled_captures_hold_59_excerpts():
    counts = [len(capture.parse_bytes(p.read_bytes()).excerpts) for p in CAPTURES]
    assert counts == [12, 12, 12, 11, 12]


def test_noise_lines_are_not_excerpts():
    cap = capture.parse("INCOMING TRANSMISSION\n\nLATEST UPDATES\n" + "正文" * 40 + "...\n1 2 3 ... 8\n")
    assert len(cap.excerpts) == 1
    assert cap.excerpts[0].truncated
    assert not cap.excerpts[0].text.endswith("...")


def test_excerpt_without_ellipsis_is_whole():
    cap = capture.parse("这是一整篇很短的文章,没有被网站截断。")
    assert cap.excerpts[0].truncated is False
    assert cap.excerpts[0].text == "这是一整篇很短的文章,没有被网站截断。"


def test_metadata_above_belongs_to_the_excerpt_below():
    cap = parse_file("002_17172eb0b8d098d3.txt")
    first = cap.excerpts[0]
    # The capture began mid-card: the first excerpt has no metadata of its own.
    assert first.category is None and first.date is None
    assert first.text.startswith("补充知识")
    by_start = {e.text[:6]: e for e in cap.excerpts}
    assert by_start["三维深度学习"].category == "3D Model"
    assert by_start["三维深度学习"].date == "2026-01-11"
    reparam = next(e for e in cap.excerpts if e.text.startswith("文章从连续情形出发"))
    assert (reparam.category, reparam.date) == ("Deep Learning", "2026-01-22")
    rf = next(e for e in cap.excerpts if e.text.startswith("如何计算RF"))
    assert (rf.category, rf.date, rf.truncated) == ("Deep Learning", "2026-01-11", False)
    assert sum(1 for e in cap.excerpts if e.date) == 11


def test_positions_are_one_based_excerpt_indexes():
    cap = parse_file("000_95b0f117114432d3.txt")
    assert [e.position for e in cap.excerpts] == list(range(1, 13))
    assert cap.excerpts[0].line == 4


SAMPLE = "LATEST UPDATES\nDeep Learning\n2026-01-22\n重参数是一种技巧,用于处理期望形式的目标函数...\n"


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("utf-8"),
        lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
        lambda s: s.replace("\n", "\r\n").encode("utf-8"),
        lambda s: s.encode("gb18030"),
        lambda s: s.encode("gbk"),
        lambda s: s.replace("\n", "\r\n").encode("gbk"),
        lambda s: s.encode("utf-16"),
        lambda s: s.replace("\n", "\r").encode("utf-8"),  # old Mac: lone CR, no LF at all
    ],
    ids=["utf8", "utf8-bom", "crlf", "gb18030", "gbk", "gbk-crlf", "utf16-bom", "cr-only"],
)
def test_encodings_and_line_ends(encode):
    cap = capture.parse_bytes(encode(SAMPLE))
    assert len(cap.excerpts) == 1
    ex = cap.excerpts[0]
    assert ex.text == "重参数是一种技巧,用于处理期望形式的目标函数"
    assert (ex.category, ex.date, ex.truncated) == ("Deep Learning", "2026-01-22", True)


def test_stray_cr_and_unicode_separators_stay_inside_the_line():
    text = "LATEST UPDATES\n第一段\r第二段\u2028第三段\x0c第四段\x85结束...\n"
    cap = capture.parse_bytes(text.encode("utf-8"))
    assert len(cap.excerpts) == 1
    assert cap.excerpts[0].text == "第一段\r第二段\u2028第三段\x0c第四段\x85结束"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL"),
        (bytes(range(256)) * 4, "NUL"),
        (b"abc \x81\x30 def \xff", "decode"),
    ],
)
def test_files_that_are_not_text_are_errors(data, reason):
    with pytest.raises(CaptureError, match=reason):
        capture.decode(data)


def test_metadata_without_excerpt_at_end_is_noted_not_invented():
    cap = capture.parse("这是一篇文章的摘录,内容足够长,不是分类行,也不是日期行。\nDeep Learning\n2026-01-01\n")
    assert len(cap.excerpts) == 1
    assert cap.excerpts[0].category is None
    assert cap.notes and "no excerpt" in cap.notes[0]


def test_normalize_ignores_white_space_and_width():
    assert capture.normalize("Ａ B\u3000c\td") == capture.normalize("ab c d") == "abcd"
