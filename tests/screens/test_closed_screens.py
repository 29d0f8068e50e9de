"""A closed Title screen is let go: nothing the app keeps holds it or its widgets, nor what
they drew."""

from __future__ import annotations

import gc
import weakref

from textual._styles_cache import StylesCache
from textual.dom import DOMNode
from textual.widget import Widget

from app.screens.schedule import ScheduleScreen
from app.widgets.now_playing import NowPlayingBar
from app.widgets.top_bar import TopBar
from tests.screens.conftest import AppFactory
from tests.screens.test_playback import open_title
from tests.support import wait_for


async def test_a_closed_title_screen_and_its_bars_are_freed(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_title(app, pilot, 9001)
        # Subscribed to the app's signals: the live state, now playing, history, favorites.
        held: tuple[DOMNode, ...] = (
            screen,
            screen.query_one(TopBar),
            screen.query_one(NowPlayingBar),
        )
        kept = [weakref.ref(node) for node in held]
        del held
        del screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ScheduleScreen))
        await pilot.pause()
        gc.collect()
        assert [ref() for ref in kept] == [None, None, None]


def alive(kind: type) -> int:
    """How many objects of `kind` are alive once every unreachable one has been collected."""
    gc.collect()
    return sum(isinstance(thing, kind) for thing in gc.get_objects())


async def test_opening_titles_again_and_again_leaves_nothing_behind(
    app_factory: AppFactory,
) -> None:
    # Each open used to leave the Schedule's key line 16 more dead keys (bound to the footer
    # for good) and ~35 dead widgets' drawn lines (kept by Textual's styles cache), and every
    # full garbage collection in the middle of an open walked them all.
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        widgets: list[int] = []
        drawn: list[int] = []
        for _ in range(5):
            await open_title(app, pilot, 9001)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ScheduleScreen))
            await pilot.pause()
            widgets.append(alive(Widget))
            drawn.append(alive(StylesCache))
        # The first open and close fill the app's lasting caches and lazy imports.
        assert widgets[-1] <= widgets[1], widgets
        assert drawn[-1] <= drawn[1], drawn
