"""The Schedule's first frame: the week from the cache comes before the day tabs, the
Now-playing bar and the key line, which then join it without moving the table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.geometry import Region
from textual.widgets import Tabs
from textual.widgets._footer import FooterKey

from app.screens.schedule import ScheduleScreen
from app.widgets.footer import KeyFooter
from app.widgets.now_playing import NowPlayingBar
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.support import wait_for


@dataclass(frozen=True)
class Frame:
    """What one frame handed to the terminal showed of the Schedule."""

    rows: int
    table: Region
    tabs: bool
    footer: bool


async def test_the_cached_week_is_painted_before_the_tabs_and_keys_join_it(
    app_factory: AppFactory,
) -> None:
    first_run = app_factory()
    async with first_run.run_test(size=(120, 40)) as pilot:  # fills the cache
        table = first_run.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)

    app = app_factory()
    frames: list[Frame] = []
    hand_over = app._display

    def display(screen: Any, renderable: Any) -> None:
        # Where the app hands a frame to the terminal: what it shows is what was painted.
        hand_over(screen, renderable)
        if isinstance(screen, ScheduleScreen):
            shown = screen.query_one(KeyTable)
            frames.append(
                Frame(
                    shown.row_count,
                    shown.region,
                    bool(screen.query(Tabs)),
                    bool(screen.query(KeyFooter)),
                )
            )

    app._display = display  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: bool(screen.query(Tabs)) and bool(screen.query(KeyFooter)))
        await pilot.pause()
        assert screen.query(NowPlayingBar)
        # The keys are listed, Help's among them.
        assert any(key.action == "help" for key in screen.query(FooterKey))
        assert screen.query_one(Tabs).active == "day-0"  # the fixed clock says Monday
    first_with_rows = next(frame for frame in frames if frame.rows)
    assert not first_with_rows.tabs and not first_with_rows.footer
    last = frames[-1]
    assert last.tabs and last.footer and last.rows == first_with_rows.rows
    # Same place; one line shorter at the bottom, where the key line docks.
    assert last.table.y == first_with_rows.table.y
    assert last.table.height == first_with_rows.table.height - 1
