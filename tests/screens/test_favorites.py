"""Favorites in the app: `f` on a title, the Favorites screen, and logging in to sync them."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.coordinate import Coordinate
from textual.widgets import Button, Input, Static

from app.screens.choice import ChoiceScreen
from app.screens.favorites import FavoritesScreen
from app.screens.login import DEMO_LOGIN, LoginScreen
from app.screens.prompt import PromptScreen
from app.screens.schedule import ScheduleScreen
from app.screens.updates import UpdatesScreen
from app.services.favorites import SESSION_SECRET, AccountState
from app.services.secrets import SecretStore
from app.sources.anilibria.client import LOGIN_PATH
from app.widgets.title_table import KeyTable
from tests.screens.conftest import SNAPSHOT_VIEWS, AppFactory
from tests.screens.notifications import notices
from tests.screens.test_downloads import open_title
from tests.support import screen_of, wait_for


async def favorites_screen(pilot: Any) -> FavoritesScreen:
    await pilot.press("5")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FavoritesScreen))
    return screen_of(pilot.app, FavoritesScreen)


async def prompt_screen(pilot: Any) -> PromptScreen[Any]:
    await wait_for(pilot, lambda: bool(pilot.app.screen.query(Input)))
    return screen_of(pilot.app, PromptScreen)


async def test_the_favorite_button_fits_its_new_label(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_title(pilot, 9001)
        await pilot.press("f")
        await wait_for(pilot, partial(app.runtime.favorites.contains, 9001))
        await pilot.pause()
        button = screen.query_one("#title-favorite", Button)
        assert str(button.label) == "★ In favorites"
        assert button.content_region.width >= len("★ In favorites")


async def test_f_on_titles_fills_the_favorites_screen_and_f_there_removes(
    app_factory: AppFactory, api: str
) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        for title_id in (9001, 9002):
            screen = await open_title(pilot, title_id)
            await pilot.press("f")
            await wait_for(pilot, partial(app.runtime.favorites.contains, title_id))
            assert "In favorites" in str(screen.query_one("#title-favorite", Button).label)
            await pilot.press("escape")
        favorites = await favorites_screen(pilot)
        await wait_for(pilot, lambda: {t.id for t in favorites.titles} == {9001, 9002})
        assert all(t.id in (9001, 9002) for t in favorites.titles)

        await pilot.press("o")  # by last update
        assert favorites.sort == "updated"
        first = favorites.current_title()
        assert first is not None  # the cursor stays on its title when the order changes
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")  # "Remove"
        remaining = [title_id for title_id in (9001, 9002) if title_id != first.id]
        await wait_for(pilot, lambda: [t.id for t in favorites.titles] == remaining)
        assert not app.runtime.favorites.contains(first.id)


async def test_f_in_the_lists_toggles_and_stars_the_title(
    app_factory: AppFactory, api: str
) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        schedule = app.screen
        assert isinstance(schedule, ScheduleScreen)
        await wait_for(pilot, lambda: bool(schedule.listed_titles()))
        first = schedule.listed_titles()[0]
        await pilot.press("f")
        await wait_for(pilot, lambda: app.runtime.favorites.contains(first.id))
        table = schedule.query_one(KeyTable)
        assert str(table.get_cell_at(Coordinate(0, 0))).startswith("★ ")

        await pilot.press("2")
        updates = app.screen
        assert isinstance(updates, UpdatesScreen)
        await wait_for(pilot, lambda: bool(updates.titles))
        rows = updates.query_one(KeyTable)
        name = rows.get_column_index("name")
        starred = [
            index
            for index in range(rows.row_count)
            if str(rows.get_cell_at(Coordinate(index, name))).startswith("★ ")
        ]
        assert [updates.titles[index].id for index in starred] == [
            t.id for t in updates.titles if t.id == first.id
        ]
        top = updates.titles[0]
        await pilot.press("f")
        await wait_for(
            pilot, lambda: app.runtime.favorites.contains(top.id) != (top.id == first.id)
        )
        star = str(rows.get_cell_at(Coordinate(0, name))).startswith("★ ")
        assert star == app.runtime.favorites.contains(top.id)

        await pilot.press("1")  # the schedule restars the rows the other screen changed
        cell = str(table.get_cell_at(Coordinate(0, 0)))
        assert cell.startswith("★ ") == app.runtime.favorites.contains(first.id)


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
        app.favorites.log_in()
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        login = screen_of(app, LoginScreen)
        await pilot.press(*DEMO_LOGIN[0], "enter", *"wrong", "enter")
        problem = login.query_one("#login-problem")
        await wait_for(pilot, lambda: "Invalid" in str(problem.render()))
        refused = app.runtime.favorites.account
        assert refused is AccountState.LOGGED_OUT

        password = login.query_one("#login-password", Input)
        password.value = DEMO_LOGIN[1]
        password.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginScreen))
        assert app.runtime.favorites.account is AccountState.LOGGED_IN
        (session,) = fresh_devserver.sessions.values()
        await wait_for(pilot, lambda: 9001 in session.favorites)

        # The session id is on no screen and in no notification.
        session_id = SecretStore(app.runtime.paths.data_dir()).get(SESSION_SECRET)
        assert session_id
        for mode in app.MODES:
            await app.switch_mode(mode)
            await pilot.pause(0.1)
            assert app.current_mode == mode
            assert session_id not in app.export_screenshot()
        assert all(session_id not in str(n.message) for n in notices(app))


@pytest.mark.parametrize(("size", "lang"), SNAPSHOT_VIEWS)
def test_favorites_snapshot(
    snap_compare: Any, app_factory: AppFactory, size: tuple[int, int], lang: str
) -> None:
    async def with_favorites(pilot: Any) -> None:
        for title_id in (9001, 9002, 9003):
            title = (await pilot.app.runtime.catalog.title(title_id)).value
            pilot.app.runtime.favorites.add(
                title_id, name_ru=title.names.ru, name_en=title.names.en
            )
        favorites = await favorites_screen(pilot)
        await wait_for(pilot, lambda: len(favorites.titles) == 3)
        # The columns are fitted after the rows are laid out: the longest name has the room
        # at every size here, and the snapshot waits until it shows whole.
        table = favorites.query_one(KeyTable)
        longest = "Звёздный курьер: Последняя посылка"
        await wait_for(
            pilot, lambda: any(longest in table.render_line(y).text for y in range(1, 5))
        )
        await pilot.pause()

    assert snap_compare(app_factory(lang=lang), terminal_size=size, run_before=with_favorites)


async def test_export_then_import_through_the_palette_prompts(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    exported = tmp_path / "mine" / "favorites.json"
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        for title_id in (9001, 9002):
            app.runtime.favorites.add(title_id)
        app.favorites.export_file()
        prompt = await prompt_screen(pilot)
        prompt.query_one(Input).value = str(exported)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, PromptScreen))
        written = json.loads(exported.read_text())["favorites"]
        assert sorted(entry["id"] for entry in written) == [9001, 9002]
        assert any("exported" in str(n.message) for n in notices(app))

    hostile = tmp_path / "hostile.json"
    hostile.write_text('{"format": "anitui-favorites", "version": 1, "favorites": [{"id": -4}]}')
    again = app_factory()
    async with again.run_test(size=(120, 40)) as pilot:
        again.runtime.favorites.remove(9001)
        again.favorites.import_file()
        prompt = await prompt_screen(pilot)
        field = prompt.query_one(Input)
        field.value = str(hostile)
        await pilot.press("enter")
        problem = prompt.query_one("#prompt-problem", Static)
        await wait_for(pilot, lambda: "favorite #1: id must be" in str(problem.render()))
        assert again.screen is prompt  # the prompt stays for another try
        assert again.runtime.favorites.ids() == {9002}  # nothing changed

        field.value = str(exported)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(again.screen, PromptScreen))
        assert again.runtime.favorites.ids() == {9001, 9002}
        assert any("1 favorites imported, 1" in str(n.message) for n in notices(again))


async def test_a_favorite_added_on_another_device_arrives_with_the_periodic_sync(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver, **{"live.sync_interval": 0.2})
    async with app.run_test(size=(120, 40)) as pilot:
        await app.runtime.favorites.login(*DEMO_LOGIN)
        async with httpx.AsyncClient() as other_device:
            login = await other_device.post(
                fresh_devserver.anilibria_site + LOGIN_PATH,
                data={"mail": DEMO_LOGIN[0], "passwd": DEMO_LOGIN[1]},
            )
            added = await other_device.put(
                fresh_devserver.anilibria_api + "/addFavorite",
                params={"session": login.json()["sessionId"], "title_id": 9003},
            )
            assert added.json() == {"success": True}
        await wait_for(pilot, lambda: app.runtime.favorites.contains(9003))


async def test_a_refused_import_is_explained_in_russian(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    hostile = tmp_path / "hostile.json"
    hostile.write_text('{"format": "anitui-favorites", "version": 1, "favorites": [{"id": -4}]}')
    app = app_factory(lang="ru")
    async with app.run_test(size=(120, 40)) as pilot:
        app.favorites.import_file()
        prompt = await prompt_screen(pilot)
        prompt.query_one(Input).value = str(hostile)
        await pilot.press("enter")
        problem = prompt.query_one("#prompt-problem", Static)
        await wait_for(pilot, lambda: bool(str(problem.render()).strip()))
        assert str(problem.render()) == (
            "запись избранного №1: id должен быть целым положительным числом"
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "not valid JSON"),
        ("{not json", "not valid JSON"),
        ('["anilibria.session"]', "expected a JSON object"),
    ],
)
async def test_login_with_a_broken_secrets_file_says_what_is_wrong(
    app_factory: AppFactory, tmp_path: Path, text: str, expected: str
) -> None:
    secrets = tmp_path / "data" / "secrets.json"
    secrets.parent.mkdir(parents=True)
    secrets.write_text(text)
    secrets.chmod(0o600)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("1")
        app.favorites.log_in()
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        login = screen_of(app, LoginScreen)
        await pilot.press(*DEMO_LOGIN[0], "enter", *DEMO_LOGIN[1], "enter")
        problem = login.query_one("#login-problem")
        await wait_for(pilot, lambda: expected in str(problem.render()))
        assert str(secrets) in str(problem.render())
        assert app.runtime.favorites.account is AccountState.LOGGED_OUT
    assert secrets.read_text() == text  # told about, never overwritten
