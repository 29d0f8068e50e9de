"""What a user does: schedule -> title -> back, search, filters, advanced query, random, help."""

from __future__ import annotations

from typing import Any

from textual.command import CommandList, CommandPalette
from textual.widgets import Input, Static, Tab, Tabs

from app.screens.help import HelpScreen
from app.screens.schedule import ScheduleScreen
from app.screens.search import SearchScreen
from app.screens.title import TitleScreen
from app.screens.updates import UpdatesScreen
from app.sources.search_filters import FilterKey
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.test_search import open_search, tick
from tests.support import FIXED_NOW, screen_of, wait_for

SEARCHES = {"v2": ("/searchTitles", "search"), "v1": ("/catalog/releases", "f[search]")}
"""Where each API is asked to search as the user types, and the parameter the text goes in."""


def titles_on(server: Any, day: int) -> list[dict[str, Any]]:
    """The schedule of `day`: ongoing titles airing that weekday."""
    return [
        t
        for t in server.catalog.titles
        if (t.get("season") or {}).get("week_day") == day and t["status"]["code"] == 1
    ]


def cell_text(table: KeyTable, row: int, column: int) -> str:
    return str(table.get_row_at(row)[column])


async def test_schedule_opens_today_and_lists_its_titles(
    app_factory: AppFactory, devserver: Any, api: str
) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScheduleScreen)
        table = screen.query_one(KeyTable)
        monday = titles_on(devserver, 0)
        await wait_for(pilot, lambda: table.row_count == len(monday))
        assert screen.query_one(Tabs).active == "day-0"  # the fixed clock says Monday
        shown = {cell_text(table, r, 0) for r in range(table.row_count)}
        assert {t["names"]["ru"] for t in monday} == shown


async def test_changing_day_with_keys(app_factory: AppFactory, devserver: Any, api: str) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        await pilot.press("l")
        tuesday = titles_on(devserver, 1)
        await wait_for(pilot, lambda: app.screen.query_one(Tabs).active == "day-1")
        await wait_for(pilot, lambda: table.row_count == len(tuesday))
        await pilot.press("left", "left")
        assert app.screen.query_one(Tabs).active == "day-6"
        assert table.row_count == len(titles_on(devserver, 6))


async def test_schedule_to_title_and_back(
    app_factory: AppFactory, devserver: Any, api: str
) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        title_screen = app.screen
        assert isinstance(title_screen, TitleScreen)
        await wait_for(pilot, lambda: title_screen.title_data is not None)
        expected = next(t for t in devserver.catalog.titles if t["id"] == title_screen.title_id)
        facts = str(title_screen.query_one("#title-facts", Static).render())
        assert expected["names"]["ru"] in facts
        episodes = title_screen.query_one("#title-episodes", KeyTable)
        assert episodes.row_count == len(expected["player"]["playlist"])
        torrents = title_screen.query_one("#title-torrents", KeyTable)
        assert torrents.row_count == len(expected["torrents"]["list"])
        await pilot.press("escape")
        assert isinstance(app.screen, ScheduleScreen)


async def test_updates_pages_while_scrolling(
    app_factory: AppFactory, devserver: Any, api: str
) -> None:
    app = app_factory(api=api, **{"ui.page_size": 10})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, UpdatesScreen))
        screen = app.screen
        assert isinstance(screen, UpdatesScreen)
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count >= 10)
        total = len(devserver.catalog.titles)
        for _ in range(20):
            await pilot.press("G")
            await pilot.pause(0.05)
            if table.row_count == total:
                break
        await wait_for(pilot, lambda: table.row_count == total)
        newest = max(devserver.catalog.titles, key=lambda t: t["updated"])
        assert cell_text(table, 0, 1) == newest["names"]["ru"]


async def test_search_as_you_type(app_factory: AppFactory, devserver: Any, api: str) -> None:
    target = devserver.catalog.titles[3]
    word = target["names"]["en"].split()[-1]
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        await pilot.press(*word)
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        names = {cell_text(table, r, 1) for r in range(table.row_count)}
        assert target["names"]["en"] in names
        # Older requests never paint over newer ones: only the final query was answered last.
        # v2 searches with searchTitles, v1 the catalog's `f[search]`.
        path, parameter = SEARCHES[api]
        searches = [r.query.get(parameter) for r in devserver.requests if r.path.endswith(path)]
        assert searches[-1] == word


async def test_search_counts_its_titles_in_russian(app_factory: AppFactory, devserver: Any) -> None:
    name = devserver.catalog.titles[3]["names"]["en"]
    app = app_factory(lang="ru")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*name)
        status = app.screen.query_one(StatusLine)
        table = app.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: str(status.render()) == f"{table.row_count} тайтла")
        assert table.row_count == 4


async def test_search_filter_by_genre(app_factory: AppFactory, devserver: Any, api: str) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(pilot)
        await pilot.press("escape", "F")
        # The genre's name is shown; what is sent is the API's (v2 the name, v1 its id).
        genre = screen.options[FilterKey.GENRE][0]
        await tick(pilot, screen, FilterKey.GENRE, [genre.value])
        table = screen.query_one(KeyTable)
        expected = [t for t in devserver.catalog.titles if genre.label in t["genres"]]
        await wait_for(pilot, lambda: table.row_count == min(len(expected), 100))


async def test_advanced_query_error_shows_inline(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        await pilot.press("ctrl+a")
        query = screen.query_one("#search-query", Input)
        query.value = "{season.year} == "
        await pilot.press("enter")
        status = screen.query_one(StatusLine)
        await wait_for(pilot, lambda: status.has_class("-error"))
        assert "syntax" in str(status.render()).lower()
        query.value = "{season.year} >= 2020"
        await pilot.press("enter")
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        assert not status.has_class("-error")


async def test_random_title(app_factory: AppFactory, api: str) -> None:
    app = app_factory(api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))


async def test_help_lists_the_screen_keys(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen.query_one(KeyTable)
        actions = {cell_text(table, r, 1) for r in range(table.row_count)}
        assert {"Next day", "Previous day", "Schedule", "Quit", "Random"} <= actions
        await pilot.press("escape")
        assert isinstance(app.screen, ScheduleScreen)


async def test_russian_interface(app_factory: AppFactory) -> None:
    app = app_factory(lang="ru")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyTable).row_count > 0)
        tabs = app.screen.query_one(Tabs)
        assert "Понедельник" in str(tabs.query(Tab).first().label)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen.query_one(KeyTable)
        actions = {cell_text(table, r, 1) for r in range(table.row_count)}
        assert "Следующий день" in actions


async def test_each_search_mode_keeps_its_own_text(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        query = app.screen.query_one("#search-query", Input)
        await pilot.press(*"courier")
        await pilot.press("ctrl+a")
        assert query.value == ""
        await pilot.press(*"{id} > 1")
        await pilot.press("ctrl+a")
        assert query.value == "courier"
        await pilot.press("ctrl+a")
        assert query.value == "{id} > 1"


async def test_updates_marks_titles_new_since_last_visit(
    app_factory: AppFactory, devserver: Any
) -> None:
    last_visit = FIXED_NOW - 3 * 86400
    app = app_factory(now=last_visit)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, UpdatesScreen))
        table = app.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, UpdatesScreen))
        screen = app.screen
        assert isinstance(screen, UpdatesScreen)
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        for row, title in enumerate(screen.titles):
            marked = cell_text(table, row, 0) == "●"
            assert marked == ((title.updated or 0) > last_visit), title.names.en
        assert any(cell_text(table, r, 0) == "●" for r in range(table.row_count))


async def test_updates_page_failure_is_shown_and_recovers(
    app_factory: AppFactory, fresh_devserver: Any
) -> None:
    app = app_factory(server=fresh_devserver, **{"ui.page_size": 20})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, UpdatesScreen))
        screen = screen_of(app, UpdatesScreen)
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count == 20)
        fresh_devserver.faults.fail_next("/v2/getUpdates", 503, times=10)
        screen.pages.drop_prefetch()  # the page after the first was already on its way
        await pilot.press("G")
        status = screen.query_one(StatusLine)
        await wait_for(pilot, lambda: "ctrl+r" in str(status.render()))
        assert "503" in str(status.render()) or "Service" in str(status.render())
        assert table.row_count == 20
        fresh_devserver.faults.clear()
        await pilot.press("k", "G")
        await wait_for(pilot, lambda: table.row_count > 20)


async def test_switch_language_from_the_command_palette(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyTable).row_count > 0)
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Switch language")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        title_screen = app.screen
        await wait_for(
            pilot,
            lambda: "Серии" in [str(label.render()) for label in title_screen.query(".section")],
        )
        await wait_for(
            pilot, lambda: title_screen.query_one("#title-episodes", KeyTable).row_count > 0
        )
        await pilot.press("escape")
        assert isinstance(app.screen, ScheduleScreen)
        tabs = app.screen.query_one(Tabs)
        await wait_for(pilot, lambda: "Понедельник" in str(tabs.query(Tab).first().label))
        await wait_for(pilot, lambda: app.screen.query_one(KeyTable).row_count > 0)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, UpdatesScreen))
        table = app.screen.query_one(KeyTable)
        assert "Название" in [str(c.label) for c in table.columns.values()]


async def switch_language_from_the_palette(pilot: Any) -> None:
    """ctrl+p, "Switch language", Enter: as a user switches the interface language."""
    app = pilot.app
    shown = app.screen
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*"Switch language")
    commands = app.screen.query_one(CommandList)
    await wait_for(
        pilot,
        lambda: (
            commands.highlighted is not None
            and "Switch language" in str(commands.get_option_at_index(commands.highlighted).prompt)
        ),
    )
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.screen is shown)


async def test_switching_language_keeps_the_cursor_row_and_the_scroll(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, UpdatesScreen))
        screen = screen_of(app, UpdatesScreen)
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 40)
        # Down past the bottom of the view, then up a little: the cursor is not at an edge,
        # where scrolling it into view would put it anyway.
        await pilot.press(*"j" * 30, *"k" * 5)
        position = table.position()
        assert position is not None and position.scroll.y > 0
        await switch_language_from_the_palette(pilot)
        relocalized = screen.query_one(KeyTable)
        assert relocalized is not table
        assert "Название" in [str(column.label) for column in relocalized.columns.values()]
        await wait_for(pilot, lambda: relocalized.position() == position)
        # The cached copy came first; the network's refills the table again.
        await wait_for(
            pilot, lambda: not any(w.is_running for w in app.workers if w.node is screen)
        )
        await pilot.pause()
        assert relocalized.position() == position


async def test_switching_language_keeps_the_schedule_day_and_its_cursor_row(
    app_factory: AppFactory, devserver: Any
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_of(app, ScheduleScreen)
        table = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        day = next(d for d in range(1, 7) if len(titles_on(devserver, d)) > 1)
        await pilot.press(*"l" * day, "j")
        await wait_for(pilot, lambda: table.cursor_row == 1 and screen.selected_day == day)
        position = table.position()
        await switch_language_from_the_palette(pilot)
        relocalized = screen.query_one(KeyTable)
        await wait_for(pilot, lambda: relocalized.position() == position)
        assert screen.selected_day == day
        assert screen.query_one(Tabs).active == f"day-{day}"
