"""kb browse driven headless through Textual's pilot: the list, the search box, the reading view, the
category filter, keys, and what post text may never do (markup, control characters)."""
from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import Input, OptionList, Static

from kb.browse.app import ListScreen, Settings
from kb.browse.dialogs import CategoryScreen, HelpScreen
from kb.browse.postlist import PostList
from kb.browse.reading import ReadScreen
from tests.browsing import plain, run, screenshot_text, settle, shown, slugs, type_text
from tests.test_show import HOSTILE, import_dated


def test_it_opens_on_the_newest_posts_with_a_preview(kb, imported):
    newest = kb("latest", "-n", "0", "--json").json()
    cards = {}  # the definition cards (what r drills by default) of every concept each post defines
    for c in kb("cards", "--json").json():
        if c["kind"] == "definition":
            for slug in c["sources"]:
                cards[slug] = cards.get(slug, 0) + 1

    async def scenario(app, pilot):
        assert isinstance(app.screen, ListScreen)
        posts = app.screen.query_one("#posts", PostList)
        assert posts.has_focus and posts.cursor == 0
        assert slugs(app) == [p["slug"] for p in newest]  # kb latest's order, all 43
        first = posts.rows[0]
        assert first.title == newest[0]["title"] and first.category == "" and first.date == "≥ 2026-01-23"
        assert [r.cards for r in posts.rows[:3]] == [cards.get(p["slug"], 0) for p in newest[:3]]
        header = shown(app.screen.query_one("#header", Static)).split()
        assert header == ["title", "category", "date", "cards"]
        assert "43 posts newest first" in shown(app.screen.query_one("#status", Static))
        preview = shown(app.screen.query_one("#preview-text", Static))
        assert newest[0]["slug"] in preview and "表示学习" in preview
        await pilot.press("down", "down", "down")
        preview = shown(app.screen.query_one("#preview-text", Static))
        assert "gumbel-softmax-c31d" in preview and "L_θ" in preview and "\\theta" not in preview

    run(imported, scenario)


def test_slash_then_typing_narrows_the_list_to_the_gumbel_post_and_enter_reads_it(kb, imported):
    async def scenario(app, pilot):
        await pilot.press("slash")
        box = app.screen.query_one("#query", Input)
        assert box.has_focus
        await type_text(pilot, "gumbel")
        assert box.value == "gumbel"
        assert slugs(app) == ["gumbel-softmax-c31d"]
        assert "1 match" in shown(app.screen.query_one("#status", Static))
        preview = shown(app.screen.query_one("#preview-text", Static))
        assert "Gumbel Softmax" in preview
        await pilot.press("enter")
        assert isinstance(app.screen, ReadScreen) and app.screen.slug == "gumbel-softmax-c31d"
        text = shown(app.screen.query_one("#article-text", Static))
        assert "L_θ=𝔼_(z∼p_θ(z))[f(z)]" in text and "\\mathbb" not in text
        assert "基本概念\n────────" in text  # a heading, as kb show has it
        await pilot.press("escape")
        assert isinstance(app.screen, ListScreen) and slugs(app) == ["gumbel-softmax-c31d"]
        # Back in the list, the query kept: / would refine it, q quit, Esc clears it.
        assert app.screen.query_one("#posts", PostList).has_focus and box.value == "gumbel"
        await pilot.press("escape")
        await settle(pilot)
        assert len(slugs(app)) == 43 and box.value == ""

    run(imported, scenario)


@pytest.mark.parametrize("query", ["扩散模型", "normalizing flow", "flow -GAN", "自监督学习 OR 强化学习"])
def test_the_search_box_ranks_as_kb_search_does(kb, imported, query):
    expected = [r["slug"] for r in kb("search", *query.split(), "-n", "100", "--json").json()]
    assert expected

    async def scenario(app, pilot):
        await pilot.press("slash")
        await type_text(pilot, query)
        return slugs(app)

    assert run(imported, scenario) == expected


def test_arrows_move_the_list_while_typing_and_enter_opens_the_highlighted_post(kb, imported):
    expected = [r["slug"] for r in kb("search", "模型", "-n", "100", "--json").json()]

    async def scenario(app, pilot):
        await pilot.press("slash")
        await type_text(pilot, "模型")
        await pilot.press("down", "down")
        assert app.screen.query_one("#query", Input).has_focus
        await pilot.press("enter")
        return app.screen.slug

    assert run(imported, scenario) == expected[2]


def test_nothing_found_says_so_and_punctuation_is_no_error(imported):
    async def scenario(app, pilot):
        await pilot.press("slash")
        await type_text(pilot, "zzqqxx")
        assert slugs(app) == []
        assert "no post matches" in shown(app.screen.query_one("#status", Static))
        await pilot.press("enter")  # nothing to open: stays
        assert isinstance(app.screen, ListScreen)
        app.screen.query_one("#query", Input).value = "、"
        await settle(pilot)
        assert slugs(app) == [] and "nothing to search for" in shown(app.screen.query_one("#status", Static))

    run(imported, scenario)


def test_related_posts_are_followed_with_enter_and_esc_goes_back_step_by_step(kb, imported):
    related = [r["slug"] for r in kb("show", "gumbel-softmax-c31d", "--json").json()["related"]]

    async def scenario(app, pilot):
        await pilot.press("down", "down", "down", "enter")
        assert app.screen.slug == "gumbel-softmax-c31d"
        options = app.screen.query_one("#related", OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == related
        await pilot.press("tab")
        assert options.has_focus
        await pilot.press("down", "enter")
        assert isinstance(app.screen, ReadScreen) and app.screen.slug == related[1]
        await pilot.press("escape")
        assert app.screen.slug == "gumbel-softmax-c31d"
        await pilot.press("escape")
        assert isinstance(app.screen, ListScreen)

    run(imported, scenario)


def test_c_filters_by_category_and_esc_drops_the_filter(kb, imported):
    deep = [p["slug"] for p in kb("latest", "-n", "0", "-c", "Deep Learning", "--json").json()]

    async def scenario(app, pilot):
        await pilot.press("c")
        assert isinstance(app.screen, CategoryScreen)
        await pilot.press("down", "enter")  # the largest category first, as kb categories lists them
        assert isinstance(app.screen, ListScreen)
        assert slugs(app) == deep
        assert "in Deep Learning" in shown(app.screen.query_one("#status", Static))
        await pilot.press("slash")
        await type_text(pilot, "离散")  # the search keeps to the category
        found = slugs(app)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert slugs(app) == deep
        await pilot.press("escape")
        assert len(slugs(app)) == 43
        await pilot.press("c", "escape")  # Esc in the dialog changes nothing
        assert len(slugs(app)) == 43
        return found

    found = run(imported, scenario)
    assert found == [r["slug"] for r in kb("search", "离散", "-c", "Deep Learning", "--json").json()]


def test_the_category_option_opens_on_that_category(kb, imported):
    async def scenario(app, pilot):
        return slugs(app)

    assert run(imported, scenario, category="3D Model") == ["multiview-cnn-view-a005"]


def test_question_mark_lists_the_keys_and_any_key_closes_it(imported):
    async def scenario(app, pilot):
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = plain(app.screen.query_one("#help Static").content)
        for key in ("/", "Enter", "Esc", "c", "r  R", "1 2 3 4", "q  Ctrl-C"):
            assert key in text
        await pilot.press("x")
        assert isinstance(app.screen, ListScreen)
        await pilot.press("down", "enter", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ReadScreen)

    run(imported, scenario)


def test_q_quits_but_types_a_q_in_the_search_box(imported):
    async def scenario(app, pilot):
        await pilot.press("slash")
        await type_text(pilot, "q")
        assert app.screen.query_one("#query", Input).value == "q" and app.is_running
        await pilot.press("escape", "q")
        await pilot.pause()
        return app.is_running

    assert run(imported, scenario) is False


def test_keys_typed_while_nothing_has_the_focus_go_to_the_search_box_in_order(imported):
    # A slow machine drew the list before the focus was set, and the keys sent then were lost (CI typed
    # "/gumbel" and searched "bel").
    async def scenario(app, pilot):
        assert isinstance(app.focused, PostList)  # focused before the first paint
        app.screen.set_focus(None)
        await pilot.press("g", "u", "m")
        await type_text(pilot, "bel")
        box = app.screen.query_one("#query", Input)
        return box.value, app.focused is box, slugs(app)

    value, focused, found = run(imported, scenario)
    assert value == "gumbel" and focused and found == ["gumbel-softmax-c31d"]


def test_at_80_columns_the_preview_goes_under_the_list_and_nothing_scrolls_sideways(imported):
    async def scenario(app, pilot):
        from rich.cells import cell_len

        posts = app.screen.query_one("#posts", PostList)
        preview = app.screen.query_one("#preview")
        assert preview.region.y > posts.region.y and preview.region.width == posts.region.width == 80
        for width in (80, 140):
            await pilot.resize_terminal(width, 40)
            await pilot.pause()
            room = posts.scrollable_content_region.width
            lines = [posts.render_line(y).text for y in range(posts.size.height)]
            assert all(cell_len(line) == room for line in lines)  # every row fits: nothing scrolls sideways
            assert all(line.rstrip()[-1] in "0123456789·" for line in lines)  # the card count shows
        assert preview.region.x >= posts.region.right and preview.region.y == posts.region.y - 1  # beside it

    run(imported, scenario, size=(80, 24))


def test_the_reading_view_keeps_the_reading_width(imported):
    async def scenario(app, pilot):
        await pilot.press("down", "down", "down", "enter")
        static = app.screen.query_one("#article-text", Static)
        return max(len(line.rstrip()) for line in plain(static.content, width=160).splitlines())

    assert run(imported, scenario, size=(160, 40), settings=Settings(width=70)) <= 70


@pytest.fixture
def hostile(kb, imported, tmp_path):
    return import_dated(kb, tmp_path / "hostile.txt", HOSTILE, "2026-02-01")["slug"]


def test_post_text_is_never_markup_and_its_control_characters_never_reach_the_screen(imported, hostile):
    async def scenario(app, pilot):
        assert slugs(app)[0] == hostile  # the newest
        preview = shown(app.screen.query_one("#preview-text", Static))
        title = app.screen.query_one("#posts", PostList).render_line(0).text
        await pilot.press("enter")
        article = shown(app.screen.query_one("#article-text", Static))
        screenshot = screenshot_text(app)
        return preview, title, article, screenshot

    preview, title, article, screenshot = run(imported, scenario)
    for text in (preview, article):
        assert "[bold red]红色[/]" in text and "[link=https://evil.example]点我[/link]" in text
        assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "\x1b" not in title and "[bold red]" in title
    assert "[bold red]" in screenshot and "\x1b" not in screenshot


def test_no_color_turns_the_colours_off(imported, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")

    async def scenario(app, pilot):
        return app.no_color

    assert run(imported, scenario) is True
    monkeypatch.delenv("NO_COLOR")
    assert run(imported, scenario) is False


def test_a_database_without_cards_still_browses(kb, imported):
    conn = sqlite3.connect(imported)
    conn.execute("DELETE FROM cards")
    conn.commit()
    conn.close()

    async def scenario(app, pilot):
        posts = app.screen.query_one("#posts", PostList)
        await pilot.press("r")
        return posts.render_line(0).text.rstrip()[-1], shown(app.screen.query_one("#status", Static))

    count, status = run(imported, scenario)
    assert count == "·" and "nothing to review now" in status


@pytest.mark.parametrize("args", [["latest"], ["show", "gumbel-softmax-c31d", "--no-pager"], ["search", "flow"],
                                  ["cards", "--json"], ["quiz", "--json"], ["--help"]])
def test_only_kb_browse_imports_textual(imported, args):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "kb", *args], capture_output=True, text=True,
                       env=dict(os.environ, KB_DB=str(imported)), cwd=ROOT)
    assert r.returncode == 0, r.stderr[-500:]
    modules = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    assert "kb.cli.commands.browse" in modules  # registered, so kb --help lists it
    assert not any(m.split(".")[0] == "textual" or m.startswith("kb.browse") for m in modules)
