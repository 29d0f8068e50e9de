"""Keys and focus as a newcomer meets them (issue 12 §1): a language switch keeps every
binding and what was typed or chosen; Esc leaves a query box; a refused advanced query keeps
the keys in the box."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.command import CommandPalette
from textual.widget import Widget
from textual.widgets import Input, SelectionList

from app import i18n
from app.messages import TitleOpened
from app.screens.help import HelpScreen
from app.screens.login import DEMO_LOGIN
from app.screens.search import SearchScreen
from app.screens.title import TitleScreen
from app.sources.search_filters import FilterKey
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.test_search import tick
from tests.support import screen_of, wait_for


async def open_search(app: App[None], pilot: Any) -> SearchScreen:
    await pilot.press("3")
    await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
    return screen_of(app, SearchScreen)


def ticked_in_list(screen: SearchScreen) -> list[str]:
    """The values ticked in the panel's list as it is now (a language switch rebuilds it)."""
    return screen.query_one("#search-filter-values", SelectionList).selected


def focus_of(app: App[None]) -> Widget | None:
    """What has the keys (a function: each call reads it afresh)."""
    return app.focused


async def test_a_language_switch_keeps_the_palette_key_the_query_and_the_filters(
    app_factory: AppFactory, api: str
) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(app, pilot)
        await pilot.press("escape", "F")
        genre = screen.options[FilterKey.GENRE][0].value
        await tick(pilot, screen, FilterKey.GENRE, [genre])
        screen.query_one("#search-query", Input).value = "кот"
        for language in ("ru", "en"):
            await app.action_switch_language()
            await pilot.pause()
            assert i18n.language() == language
            assert screen.query_one("#search-query", Input).value == "кот"
            # The panel stays open, the genre ticked in the regrown list.
            await wait_for(pilot, lambda: ticked_in_list(screen) == [genre])
            assert not screen.query_one("#search-panel").has_class("-hidden")
            assert screen.current_request().query.chosen(FilterKey.GENRE) == (genre,)
            app.set_focus(None)
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))


async def test_escape_leaves_the_query_so_digits_are_keys_again(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(app, pilot)
        query = screen.query_one("#search-query", Input)
        await pilot.press("k", "o")
        await pilot.press("escape")
        assert isinstance(focus_of(app), KeyTable)
        await pilot.press("4")
        await wait_for(pilot, lambda: app.current_mode == "torrents")
        box = app.screen.query_one("#torrents-query", Input)
        assert focus_of(app) is box
        await pilot.press("escape", "2")
        await wait_for(pilot, lambda: app.current_mode == "updates")
        assert query.value == "ko" and box.value == ""


async def test_a_refused_advanced_query_keeps_the_keys_in_the_box(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(app, pilot)
        await pilot.press("ctrl+a")
        query = screen.query_one("#search-query", Input)
        table = screen.query_one(KeyTable)
        query.value = "{season.year} >= 2020"
        await pilot.press("enter")
        await wait_for(pilot, lambda: table.row_count > 0 and app.focused is table)
        query.focus()
        query.value = "{season.year} == "
        await pilot.press("enter")
        status = screen.query_one(StatusLine)
        await wait_for(pilot, lambda: status.has_class("-error"))
        assert app.focused is query
        await pilot.press("1")  # typed, not the Schedule key
        assert app.current_mode == "search" and query.value.endswith("1")


async def test_help_writes_keys_as_people_do_and_always_lists_the_player_keys(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.now_playing is None
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = screen_of(app, HelpScreen).rows
        keys = {keys: (action, where) for keys, action, where in rows}
        assert keys["["] == ("−10 s", "While playing")
        assert keys["#"] == ("Audio track", "While playing")
        assert keys["{"] == ("−85 s", "While playing")
        assert keys["ctrl+p"][1] == "Everywhere"
        shown = " ".join(k for k, _, _ in rows)
        assert "square_bracket" not in shown and "number_sign" not in shown
        assert "pageup" not in shown  # Textual's hidden table keys are its own business


async def test_the_palette_names_each_command_once_and_offers_login_or_logout(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        commands = list(app.get_system_commands(app.screen))
        titles = [command.title for command in commands]
        assert len(titles) == len(set(titles))
        assert all(command.help and command.help != command.title for command in commands)
        assert "Log in to AniLibria" in titles and "Log out of AniLibria" not in titles
        await app.runtime.favorites.login(*DEMO_LOGIN)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Log out of AniLibria" in titles and "Log in to AniLibria" not in titles
        await app.action_switch_language()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert app.screen.query_one(Input).placeholder == "Найти команду…"


async def test_the_title_at_80x24_shows_its_episode_list(app_factory: AppFactory, api: str) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(TitleOpened(9001))
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        screen = screen_of(app, TitleScreen)
        episodes = screen.query_one("#title-episodes", KeyTable)
        await wait_for(pilot, lambda: episodes.row_count > 0)
        await pilot.pause()
        assert not screen.query_one("#title-poster").display
        visible = episodes.region.intersection(screen.region)
        assert visible.height >= 6  # the header and five episodes at least
        await pilot.press("j", "j")
        assert episodes.cursor_row == 2
        assert visible.y + 1 + episodes.cursor_row < visible.bottom  # the cursor can be seen
