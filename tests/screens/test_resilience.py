"""Failure paths: offline with and without cache, hostile text, a second instance, a bad db."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from app.messages import TitleOpened
from app.screens.schedule import ScheduleScreen
from app.screens.search import SearchScreen
from app.screens.title import TitleScreen
from app.screens.updates import UpdatesScreen
from app.services.instance import InstanceLock
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.support import wait_for

HOSTILE_NAMES = [
    "[b]x[/b]",
    "[SubsPlease] Frieren - 01 [ABCD1234].mkv",
    "[/]",
    "[link=https://evil.invalid]click[/link]",
    "[@click=app.quit]quit me",
    "\x1b[31mred\x1b[0m",
]


async def test_offline_shows_cached_data_with_marker(
    app_factory: AppFactory, fresh_devserver: Any, tmp_path: Path
) -> None:
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        rows = table.row_count
    fresh_devserver.stop()

    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one(StatusLine)
        await wait_for(pilot, lambda: status.has_class("-offline"))
        text = str(status.render())
        assert "offline, data from" in text and "ctrl+r" in text
        assert app.screen.query_one(KeyTable).row_count == rows
        # Retry stays offline and stays calm.
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ScheduleScreen)


async def test_no_network_no_cache_explains(app_factory: AppFactory, fresh_devserver: Any) -> None:
    fresh_devserver.stop()
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one(StatusLine)
        await wait_for(pilot, lambda: status.has_class("-error"))
        text = str(status.render())
        assert "Could not reach 127.0.0.1" in text
        assert "--demo" in text
    # An explicit API URL never falls back to mirrors: only loopback was asked (the guard
    # fixture would have refused anything else and the error would name it).
    assert "wwnd" not in text


def hostile_catalog(server: Any) -> list[int]:
    base = server.catalog.titles[0]
    ids = []
    for number, name in enumerate(HOSTILE_NAMES):
        title = copy.deepcopy(base)
        title["id"] = 90000 + number
        title["code"] = f"hostile-{number}"
        title["names"] = {"ru": name, "en": name, "alternative": name}
        title["description"] = name
        title["genres"] = [name]
        title["announce"] = name
        title["season"]["week_day"] = 0
        title["status"] = {"string": "В работе", "code": 1}
        title["updated"] = 1795392000 + number  # newest, so Updates lists them first
        server.catalog.add_title(title)
        ids.append(title["id"])
    return ids


async def test_hostile_names_show_literally(app_factory: AppFactory, fresh_devserver: Any) -> None:
    ids = hostile_catalog(fresh_devserver)
    app = app_factory(server=fresh_devserver)
    async with app.run_test(size=(140, 50)) as pilot:
        table = app.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count >= len(HOSTILE_NAMES))
        shown = {str(table.get_row_at(r)[0]) for r in range(table.row_count)}
        for name in HOSTILE_NAMES[:-1]:
            assert name in shown
        assert "red" in shown  # the escape sequence is stripped, the text stays
        await pilot.click(KeyTable)  # clicking a row with [@click=app.quit] must not quit
        assert app.is_running
        # The click may open its row's title (a request on its way up): let it, then go back.
        await pilot.pause(0.3)
        while len(app.screen_stack) > 1:
            await app.pop_screen()
        app.post_message(TitleOpened(ids[4]))
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        screen = app.screen
        assert isinstance(screen, TitleScreen) and screen.title_id == ids[4]
        await wait_for(pilot, lambda: screen.title_data is not None)
        facts = str(screen.query_one("#title-facts", Static).render())
        assert "[@click=app.quit]quit me" in facts
        await pilot.click("#title-facts")
        assert app.is_running
        await pilot.press("escape", "2")
        await wait_for(pilot, lambda: isinstance(app.screen, UpdatesScreen))
        updates = app.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: updates.row_count >= len(HOSTILE_NAMES))
        listed = {str(updates.get_row_at(r)[1]) for r in range(updates.row_count)}
        assert set(HOSTILE_NAMES[:-1]) <= listed
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        app.screen.query_one("#search-query", Input).value = "quit me"
        await pilot.press("enter")
        results = app.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: results.row_count > 0)
        found = {str(results.get_row_at(r)[0]) for r in range(results.row_count)}
        assert "[@click=app.quit]quit me" in found
        await pilot.click(KeyTable)
        assert app.is_running


async def test_second_instance_is_browse_only(app_factory: AppFactory, tmp_path: Path) -> None:
    holder = InstanceLock(tmp_path / "data")
    assert holder.acquire()
    try:
        app = app_factory()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.1)
            assert app.runtime.browse_only
            messages = [n.message for n in notices(app)]
            assert any("browse-only" in m for m in messages)
            assert "browse-only" in str(app.screen.query_one("#top-bar", Static).render())
    finally:
        holder.release()


async def test_corrupt_database_is_moved_aside(app_factory: AppFactory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "anitui.sqlite").write_bytes(b"this is not a database" * 100)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        messages = [n.message for n in notices(app)]
        assert any("moved aside" in m for m in messages)
    moved = list(data.glob("anitui.sqlite.corrupt-*"))
    assert moved and moved[0].read_bytes().startswith(b"this is not a database")
