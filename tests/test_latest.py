"""`kb latest` and `kb categories`: a table that lines up in terminal cells, and its filters."""
from __future__ import annotations

import re
import unicodedata

import pytest


def cells(s: str) -> int:
    """Terminal cells, measured independently of Rich: East Asian wide/full-width count 2."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def column_starts(line: str, token: str) -> int:
    return cells(line[: line.index(token)])


@pytest.mark.parametrize("width", [80, 100, 60])
def test_the_table_lines_up_in_terminal_cells(kb, imported, monkeypatch, width):
    monkeypatch.setenv("KB_WIDTH", str(width))
    posts = kb("latest", "-n", "0", "--json").json()
    lines = kb("latest", "-n", "0").stdout.splitlines()
    assert len(lines) == len(posts) + 1  # a header, then one line per post: nothing wraps
    assert all(cells(line) <= width for line in lines)
    # every slug is there in full, and all slugs start at the same cell
    starts = {column_starts(line, post["slug"]) for line, post in zip(lines[1:], posts)}
    assert len(starts) == 1
    assert column_starts(lines[0], "slug") in starts
    # so do the titles (they hold Chinese, double-width characters)
    title_col = column_starts(lines[0], "title")
    for line, post in zip(lines[1:], posts):
        prefix = post["title"][:3]
        assert column_starts(line, prefix) == title_col, line


def test_at_80_columns_the_category_gives_way_to_the_title(kb, imported, monkeypatch):
    monkeypatch.setenv("KB_WIDTH", "80")
    header80 = kb("latest").stdout.splitlines()[0].split()
    monkeypatch.setenv("KB_WIDTH", "100")
    header100 = kb("latest").stdout.splitlines()[0].split()
    assert header80 == ["#", "date", "title", "slug"]
    assert header100 == ["#", "date", "category", "title", "slug"]


def test_a_very_narrow_terminal_still_shows_whole_slugs(kb, imported, monkeypatch):
    monkeypatch.setenv("KB_WIDTH", "30")
    posts = kb("latest", "-n", "5", "--json").json()
    lines = kb("latest", "-n", "5").stdout.splitlines()
    assert [line.strip() for line in lines[1:]] == [p["slug"] for p in posts]


def test_titles_cut_to_fit_end_with_an_ellipsis(kb, imported, monkeypatch):
    monkeypatch.setenv("KB_WIDTH", "80")
    posts = kb("latest", "-n", "0", "--json").json()
    header, *lines = kb("latest", "-n", "0").stdout.splitlines()
    room = column_starts(header, "slug") - column_starts(header, "title") - 2
    long = [(line, p) for line, p in zip(lines, posts) if cells(p["title"]) > room]
    assert long
    for line, p in long:
        assert p["title"] not in line
        shown = line[line.index(p["title"][:3]):line.index(p["slug"])].rstrip()
        assert shown.endswith("…") and p["title"].startswith(shown[:-1])


def test_undated_posts_show_a_bound_or_a_dash_never_a_date(kb, imported):
    posts = kb("latest", "-n", "0", "--json").json()
    lines = kb("latest", "-n", "0").stdout.splitlines()[1:]
    for line, p in zip(lines, posts):
        date_field = re.split(r"\s{2,}", line.strip())[1]
        if p["date"]:
            assert date_field == p["date"]
        else:
            assert re.fullmatch(r"[≤≥≈] \d{4}-\d\d-\d\d|—", date_field), line


# ---------------------------------------------------------------- filters


def test_since_keeps_posts_dated_on_or_after(kb, imported):
    posts = kb("latest", "-n", "0", "--since", "2026-01-20", "--json").json()
    assert posts
    for p in posts:
        assert p["date"] is None or p["date"] >= "2026-01-20"
    assert {p["slug"] for p in posts} >= {"gumbel-softmax-c31d", "llm-llms-large-6aff"}
    assert "ddpm-e7e4" not in {p["slug"] for p in posts}  # 2026-01-19
    # an undated post is listed only when its neighbours prove it at least that new
    undated = [p["slug"] for p in posts if p["date"] is None]
    assert undated == ["representation-learning-940a", "visul-language-align-4163"]


def test_since_in_the_future_lists_nothing_and_says_so(kb, imported):
    r = kb("latest", "--since", "2030-01-01")
    # As grep: nothing listed is exit 1 (a script tests kb latest --since … >/dev/null).
    assert r.code == 1 and r.stdout == "" and r.stderr == "kb: no posts match\n"
    r = kb("latest", "--since", "2030-01-01", "--json")
    assert r.code == 1 and r.json() == []


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "2026/01/01", ""])
def test_since_takes_only_a_real_date(kb, imported, bad):
    r = kb("latest", "--since", bad)
    assert r.code == 2
    assert r.stdout == ""
    assert r.stderr.startswith("kb: error: --since takes a date as YYYY-MM-DD") and r.stderr.count("\n") == 1


@pytest.mark.parametrize("typed", ["self-sup", "SELF-SUPERVISED", "selfsupervised", "Self Supervised"])
def test_category_is_case_insensitive_and_fuzzy(kb, imported, typed):
    posts = kb("latest", "-n", "0", "--category", typed, "--json").json()
    assert [p["slug"] for p in posts] == ["nlp-n-gram-language-891b", "selfsupervised-mutual-1ab0"]


def test_a_misspelt_category_is_still_found(kb, imported):
    posts = kb("latest", "-n", "0", "-c", "genrative", "--json").json()
    assert {p["category"] for p in posts} == {"Generative Model"} and len(posts) == 2


def test_a_category_word_shared_by_several_is_refused_not_guessed(kb, imported):
    r = kb("latest", "--category", "model")
    assert r.code == 1 and r.stdout == ""
    assert r.stderr == "kb: error: 'model' matches 3 categories: Generative Model, Large Model, 3D Model\n"


def test_an_unknown_category_lists_the_known_ones(kb, imported):
    r = kb("latest", "--category", "astrology")
    assert r.code == 1
    assert "no category matches 'astrology'" in r.stderr and "Deep Learning" in r.stderr


def test_the_table_of_one_category_does_not_repeat_it(kb, imported, monkeypatch):
    monkeypatch.setenv("KB_WIDTH", "100")
    header = kb("latest", "-c", "deep").stdout.splitlines()[0].split()
    assert header == ["#", "date", "title", "slug"]


def test_limit(kb, imported):
    assert len(kb("latest", "--limit", "3", "--json").json()) == 3
    assert len(kb("latest", "-n", "3").stdout.splitlines()) == 4
    assert len(kb("latest", "-n", "0", "--json").json()) == 43
    assert len(kb("latest", "--json").json()) == 20  # the default
    r = kb("latest", "-n", "-1")
    assert r.code == 2 and r.stdout == ""


def test_filters_combine(kb, imported):
    posts = kb("latest", "-c", "deep", "--since", "2026-01-20", "--json").json()
    assert [p["slug"] for p in posts] == ["gumbel-softmax-c31d"]


# ---------------------------------------------------------------- categories


def test_categories_with_counts(kb, imported):
    rows = kb("categories", "--json").json()
    assert rows == [
        {"category": "Deep Learning", "posts": 4},
        {"category": "Generative Model", "posts": 2},
        {"category": "Large Model", "posts": 2},
        {"category": "Self-Supervised", "posts": 2},
        {"category": "3D Model", "posts": 1},
    ]
    lines = kb("categories").stdout.splitlines()
    assert lines[0].split() == ["category", "posts"]
    # the posts without a category close the list, so the counts add up to every post
    assert [line.split()[-1] for line in lines[1:]] == ["4", "2", "2", "2", "1", "32"]
    assert lines[-1].split() == ["(no", "category)", "32"]
    assert sum(int(line.split()[-1]) for line in lines[1:]) == kb("stats", "--json").json()["posts"]
    for row in rows:  # each count is what --category lists
        assert len(kb("latest", "-n", "0", "-c", row["category"], "--json").json()) == row["posts"]


def test_markup_in_a_title_is_printed_literally_in_the_listing(kb, imported, tmp_path):
    cap = tmp_path / "hostile.txt"
    cap.write_text("Deep Learning\n2026-02-01\n[bold red]红色[/]标题\x1b[2J 里的东西。 正文\n", encoding="utf-8")
    assert kb("import", cap).code == 0
    out = kb("latest", "-n", "1").stdout
    assert "[bold red]红色[/]标题" in out and "\x1b" not in out


def test_latest_snapshot_at_80_columns(kb, imported, monkeypatch):
    from tests.test_show import check_snapshot

    monkeypatch.setenv("KB_WIDTH", "80")
    check_snapshot("latest-80.txt", kb("latest", "-n", "0").stdout)


@pytest.mark.parametrize("bad", ["abc", "0", "-5"])
def test_a_width_that_is_no_width_is_ignored(kb, imported, monkeypatch, bad):
    monkeypatch.setenv("KB_WIDTH", bad)
    run = kb("latest", "-n", "3")
    assert run.code == 0, run
    assert run.stdout.splitlines()[0].split()[0] == "#" and len(run.stdout.splitlines()) == 4
