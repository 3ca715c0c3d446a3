"""kb browse as it looks (pytest-textual-snapshot): the list, the search and the reading view at 80×24
and 120×40. The SVGs are in tests/__snapshots__/; each was looked at before it was committed.
After a deliberate change: pytest tests/test_browse_snapshots.py --snapshot-update, then look again.
"""
from __future__ import annotations

import pytest
from textual.widgets import Input

from tests.browsing import make_app, settle, type_text

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def app(imported, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)  # as most terminals show it
    made = make_app(imported)
    yield made
    made.conn.close()


async def steady(pilot) -> None:
    # The search box's cursor blinks on a timer: a screenshot must not depend on when it is taken.
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_list(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=steady)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_search(snap_compare, app, size):
    async def search(pilot):
        await pilot.press("slash")
        await steady(pilot)
        await type_text(pilot, "flow")
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=search)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_reading_view(snap_compare, app, size):
    async def read(pilot):
        await pilot.press("slash")
        await type_text(pilot, "gumbel")
        await pilot.press("enter")
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=read)
