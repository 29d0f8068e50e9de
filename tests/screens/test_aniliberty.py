"""The screens on AniLiberty API v1 (today's AniLibria): the same catalog shows the same way
whichever API serves it."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, SelectionList

from app import i18n
from app.application import AniApp
from app.screens.schedule import ScheduleScreen
from app.sources.search_filters import FilterKey
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.screens.test_first_hour import open_search
from tests.screens.test_search import tick
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


async def test_search_on_v1_offers_v1_s_own_filters_and_no_team(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory(api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(app, pilot)
        # Lists of values to tick, and single choices for the years and the order.
        assert screen.multi_filters() == (
            FilterKey.TYPE,
            FilterKey.SEASON,
            FilterKey.GENRE,
            FilterKey.AGE_RATING,
            FilterKey.PUBLISH_STATUS,
            FilterKey.PRODUCTION_STATUS,
        )
        single = [s.id for s in screen.query("#search-single Select")]
        assert single == ["filter-year-from", "filter-year-to", "filter-sorting"]
        await pilot.press("escape", "F")
        await tick(pilot, screen, FilterKey.TYPE, ["MOVIE"])
        table = screen.query_one(KeyTable)
        movies = [t for t in devserver.catalog.titles if t["type"]["code"] == 0]
        await wait_for(pilot, lambda: table.row_count == len(movies))
        sent = [r.query for r in devserver.requests if r.path.endswith("/catalog/releases")]
        assert sent[-1]["f[types][]"] == "MOVIE"
        await tick(pilot, screen, FilterKey.SEASON, [])
        values = screen.query_one("#search-filter-values", SelectionList)
        # Named in the UI's language as on v2, not with v1's Russian descriptions.
        names = [str(values.get_option_at_index(i).prompt) for i in range(values.option_count)]
        assert names == [i18n.season_name(code) for code in (1, 2, 3, 4)]


async def test_ctrl_a_on_v1_says_api_v2_only_and_the_keys_stay_in_the_box(
    app_factory: AppFactory,
) -> None:
    app = app_factory(api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(app, pilot)
        query = screen.query_one("#search-query", Input)
        await pilot.press(*"ko", "ctrl+a")
        await wait_for(
            pilot, lambda: any(n.message == "Advanced queries: API v2 only" for n in notices(app))
        )
        assert app.focused is query and query.value == "ko" and not screen.advanced
        await pilot.press("1")  # still typed into the box
        assert query.value == "ko1"


@pytest.mark.parametrize(
    ("client_api", "server_api", "found"),
    [
        pytest.param("v1", "v2", "v2", id="v1-client-v2-server"),
        pytest.param("v2", "v1", "v1", id="v2-client-v1-server"),
    ],
)
async def test_a_client_of_one_api_against_the_other_s_server_says_which_to_set(
    app_factory: AppFactory, devserver: Any, client_api: str, server_api: str, found: str
) -> None:
    url = devserver.aniliberty_api if server_api == "v1" else devserver.anilibria_api
    app = app_factory(api=client_api, **{"anilibria.api": url, "anilibria.api_version": client_api})
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one(StatusLine)
        await wait_for(pilot, lambda: status.has_class("-error"), timeout=15)
        shown = str(status.render())
        assert f'speaks API {found}; set [anilibria] api_version = "{found}"' in shown, shown
        assert url in shown and "ctrl+r" not in shown
        assert isinstance(app.screen, ScheduleScreen)
