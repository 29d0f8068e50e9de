"""The screens on AniLiberty API v1 (today's AniLibria): the same catalog shows the same way
whichever API serves it."""

from __future__ import annotations

from typing import Any

from app.application import AniApp
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.test_playback import HEADLESS_PLAYER, open_title
from tests.support import wait_for


def table_rows(app: AniApp, selector: str = "KeyTable") -> list[list[str]]:
    table = app.screen.query_one(selector, KeyTable)
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


async def schedule_rows(app: AniApp, pilot: Any) -> list[list[str]]:
    await wait_for(pilot, lambda: app.screen.query_one(KeyTable).row_count > 0, timeout=15)
    return table_rows(app)


async def test_the_schedule_is_the_same_on_both_apis(app_factory: AppFactory) -> None:
    shown = {}
    for api in ("v2", "v1"):
        app = app_factory(api=api)
        async with app.run_test(size=(120, 40)) as pilot:
            shown[api] = await schedule_rows(app, pilot)
    assert shown["v1"] == shown["v2"]


async def test_a_title_opens_and_plays_on_v1(app_factory: AppFactory) -> None:
    app = app_factory(api="v1", **HEADLESS_PLAYER)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, 9001)
        episodes = table_rows(app, "#title-episodes")
        assert screen.title_data is not None and len(episodes) >= 2
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        state = app.now_playing
        assert state is not None and state.title_id == 9001
        await pilot.press("x")


async def test_updates_on_v1_never_claim_zero_episodes_out(app_factory: AppFactory) -> None:
    """v1's catalog lists releases without their episodes: how many are out is unknown there,
    which the Episodes column says instead of a false 0."""
    app = app_factory(api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: app.screen.query_one(KeyTable).row_count > 0, timeout=15)
        table = app.screen.query_one(KeyTable)
        episodes = [str(table.get_row_at(row)[3]) for row in range(table.row_count)]
        assert episodes and all(not cell.startswith("0 /") for cell in episodes), episodes
        assert "? / 12" in episodes
