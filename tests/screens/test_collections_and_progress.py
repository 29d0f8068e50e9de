"""Collections and watch progress in the app on API v1, synced with the devserver's account;
on API v2 collections stay on this device and say so."""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList, Static

from app.application import AniApp
from app.devserver.server import DevServer
from app.screens.choice import ChoiceScreen
from app.screens.favorites import FavoritesScreen
from app.screens.login import DEMO_LOGIN
from app.screens.title import TitleScreen
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.screens.notifications import notices
from tests.screens.test_playback import HEADLESS_PLAYER, mark, open_title, playing
from tests.support import screen_of, wait_for

TITLE = 9001


async def choose(app: AniApp, pilot: Any, key: str, index: int) -> None:
    """Press `key` and pick the `index`-th answer of the choice it opens."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
    app.screen.query_one(OptionList).highlighted = index
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen))


def facts(screen: TitleScreen) -> str:
    return str(screen.query_one("#title-facts", Static).render())


def account(server: DevServer) -> tuple[dict[int, str], dict[str, tuple[float, bool]]]:
    """The demo account's collections and timecodes on the server."""
    v1 = server.aniliberty
    return v1.collections.setdefault("demo", {}), v1.timecodes.setdefault("demo", {})


async def test_a_collection_chosen_on_the_title_reaches_the_account_and_back(
    app_factory: AppFactory, fresh_devserver: DevServer
) -> None:
    collections, _ = account(fresh_devserver)
    app = app_factory(server=fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.runtime.favorites.login(*DEMO_LOGIN)
        screen = await open_title(app, pilot, TITLE)
        assert "Collection" not in facts(screen)
        await choose(app, pilot, "C", 1)  # Watching
        await wait_for(pilot, lambda: collections == {TITLE: "WATCHING"})
        await wait_for(pilot, lambda: "Collection: Watching" in facts(screen))

        # Moved on another device: the Favorites screen's collection views follow a sync.
        collections[TITLE] = "PLANNED"
        await pilot.press("5")
        favorites = await wait_for_screen(app, pilot)
        await choose(app, pilot, "l", 1)  # Planned
        await pilot.press("ctrl+r")
        table = favorites.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        status = str(favorites.query_one(StatusLine).render())
        assert "Planned: 1" in status and "synced with your account" in status
        assert app.runtime.collections.collection_of(TITLE) == "PLANNED"


async def wait_for_screen(app: AniApp, pilot: Any) -> FavoritesScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, FavoritesScreen))
    return screen_of(app, FavoritesScreen)


async def test_on_v2_collections_stay_on_this_device_and_say_so(app_factory: AppFactory) -> None:
    app = app_factory(api="v2")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, TITLE)
        await choose(app, pilot, "C", 2)  # Watched
        await wait_for(pilot, lambda: "Collection: Watched" in facts(screen))
        assert any("synced on API v1 only" in n.message for n in notices(app))
        await pilot.press("5")
        favorites = await wait_for_screen(app, pilot)
        await choose(app, pilot, "l", 3)  # Watched
        await wait_for(pilot, lambda: favorites.query_one(KeyTable).row_count == 1)
        status = str(favorites.query_one(StatusLine).render())
        assert "synced on API v1 only" in status


async def test_a_position_played_here_reaches_the_account_by_episode_uuid(
    app_factory: AppFactory, fresh_devserver: DevServer
) -> None:
    _, timecodes = account(fresh_devserver)
    app = app_factory(server=fresh_devserver, api="v1", **HEADLESS_PLAYER)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.runtime.favorites.login(*DEMO_LOGIN)
        screen = await open_title(app, pilot, TITLE)
        assert screen.title_data is not None and screen.title_data.player is not None
        uuid = screen.title_data.player.episodes[0].uuid
        assert uuid
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.now_playing is not None, timeout=20)
        await wait_for(pilot, lambda: playing(app).position > 0.5, timeout=20)
        await pilot.press("x")
        # Sent when playback stops: the position history saved, under the episode's UUID.
        await wait_for(pilot, lambda: uuid in timecodes, timeout=10)
        saved = app.runtime.history.progress(TITLE, 1)
        assert saved is not None and timecodes[uuid] == (saved.position, False)
        assert saved.position > 0.5


async def test_progress_from_another_device_shows_as_resume_point_and_watched_mark(
    app_factory: AppFactory, fresh_devserver: DevServer
) -> None:
    _, timecodes = account(fresh_devserver)
    app = app_factory(server=fresh_devserver, api="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, TITLE)
        assert screen.title_data is not None and screen.title_data.player is not None
        first, second = screen.title_data.player.episodes[:2]
        assert first.uuid and second.uuid
        assert mark(screen, 0) == "" and mark(screen, 1) == ""
        timecodes[first.uuid] = (300.0, False)
        timecodes[second.uuid] = (1400.0, True)
        await app.runtime.favorites.login(*DEMO_LOGIN)  # a login syncs
        await wait_for(pilot, lambda: mark(screen, 1) == "✓")
        assert mark(screen, 0) == "…"  # started elsewhere: a resume point
        resume = app.runtime.history.progress(TITLE, first.serie)
        assert resume is not None and resume.position == 300.0
