"""Favorites in the app: `f` on a title, the Favorites screen, and logging in to sync them."""

from __future__ import annotations

from typing import Any

import pytest

from app.screens.confirm import ConfirmScreen
from app.screens.favorites import FavoritesScreen
from app.screens.login import DEMO_LOGIN, LoginScreen
from app.services.favorites import AccountState
from tests.screens.conftest import AppFactory
from tests.screens.test_downloads import open_title
from tests.support import wait_for


async def favorites_screen(pilot: Any) -> FavoritesScreen:
    await pilot.press("5")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FavoritesScreen))
    return pilot.app.screen


async def test_f_on_titles_fills_the_favorites_screen_and_f_there_removes(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        for title_id in (9001, 9002):
            screen = await open_title(pilot, title_id)
            await pilot.press("f")
            await wait_for(pilot, lambda t=title_id: app.runtime.favorites.contains(t))
            assert "In favorites" in str(screen.query_one("#title-favorite").label)
            await pilot.press("escape")
        favorites = await favorites_screen(pilot)
        await wait_for(pilot, lambda: {t.id for t in favorites.titles} == {9001, 9002})
        assert all(t.id in (9001, 9002) for t in favorites.titles)

        await pilot.press("o")  # by last update
        assert favorites.sort == "updated"
        first = favorites.current_title()
        assert first is not None  # the cursor stays on its title when the order changes
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")  # "Remove"
        remaining = [title_id for title_id in (9001, 9002) if title_id != first.id]
        await wait_for(pilot, lambda: [t.id for t in favorites.titles] == remaining)
        assert not app.runtime.favorites.contains(first.id)


async def test_favorites_survive_a_restart(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(pilot, 9001)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.runtime.favorites.contains(9001))
    again = app_factory()
    async with again.run_test(size=(120, 40)) as pilot:
        favorites = await favorites_screen(pilot)
        await wait_for(pilot, lambda: [t.id for t in favorites.titles] == [9001])


async def test_login_shows_the_servers_refusal_then_logs_in_and_syncs(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_title(pilot, 9001)
        await pilot.press("f")
        app.log_in()
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        login = app.screen
        await pilot.press(*DEMO_LOGIN[0], "enter", *"wrong", "enter")
        problem = login.query_one("#login-problem")
        await wait_for(pilot, lambda: "Invalid" in str(problem.render()))
        assert app.runtime.favorites.account is AccountState.LOGGED_OUT

        password = login.query_one("#login-password")
        password.value = DEMO_LOGIN[1]
        password.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginScreen))
        assert app.runtime.favorites.account is AccountState.LOGGED_IN
        (session,) = fresh_devserver.sessions.values()
        await wait_for(pilot, lambda: 9001 in session.favorites)


@pytest.mark.parametrize(
    "size", [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]
)
def test_favorites_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int]
) -> None:
    async def with_favorites(pilot: Any) -> None:
        for title_id in (9001, 9002, 9003):
            title = (await pilot.app.runtime.catalog.title(title_id)).value
            pilot.app.runtime.favorites.add(
                title_id, name_ru=title.names.ru, name_en=title.names.en
            )
        favorites = await favorites_screen(pilot)
        await wait_for(pilot, lambda: len(favorites.titles) == 3)
        await pilot.pause()

    assert snap_compare(app_factory(), terminal_size=size, run_before=with_favorites)
