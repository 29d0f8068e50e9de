"""A closed Title screen is let go: nothing the app keeps holds it or its widgets."""

from __future__ import annotations

import gc
import weakref

from textual.dom import DOMNode

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
