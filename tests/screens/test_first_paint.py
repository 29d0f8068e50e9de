"""First frames: the Schedule's first frame on the terminal lists the cached week, never an
empty table; a Title screen's episodes come before its poster, buttons, torrents and key line,
which then join without moving the table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from textual._compositor import LayoutUpdate
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Tabs
from textual.widgets._footer import FooterKey

from app.screens.schedule import ScheduleScreen
from app.screens.title import TitleScreen
from app.widgets.drawn_table import DrawnTable
from app.widgets.footer import KeyFooter
from app.widgets.now_playing import NowPlayingBar
from app.widgets.poster import Poster
from app.widgets.title_table import KeyTable
from tests.screens.conftest import AppFactory
from tests.support import wait_for

S = TypeVar("S", bound=Screen[Any])
F = TypeVar("F")


def watch_frames(
    app: App[Any], screen_type: type[S], look: Callable[[S], F], whole: list[bool] | None = None
) -> list[F]:
    """What `look` sees of every frame of a `screen_type` screen that reaches the terminal:
    watched where the app hands a frame over, but for those Textual drops while the app starts
    (painted inside a batch of updates). `whole`, if given, gets whether each of those frames
    repaints the whole screen (rather than what changed since the last)."""
    frames: list[F] = []
    hand_over = app._display

    def display(screen: Screen[Any], renderable: Any) -> None:
        hand_over(screen, renderable)
        if isinstance(screen, screen_type) and renderable is not None and not app._batch_count:
            frames.append(look(screen))
            if whole is not None:
                whole.append(
                    isinstance(renderable, LayoutUpdate) and renderable.region == screen.region
                )

    app._display = display  # type: ignore[method-assign]
    return frames


@dataclass(frozen=True)
class Frame:
    """What one frame handed to the terminal showed of the Schedule."""

    rows: int
    table: Region
    tabs: bool
    footer: bool


async def test_the_first_frame_on_the_terminal_lists_the_cached_week(
    app_factory: AppFactory,
) -> None:
    first_run = app_factory()
    async with first_run.run_test(size=(120, 40)) as pilot:  # fills the cache
        table = first_run.screen.query_one(KeyTable)
        await wait_for(pilot, lambda: table.row_count > 0)

    app = app_factory()
    whole: list[bool] = []
    frames = watch_frames(
        app,
        ScheduleScreen,
        lambda screen: Frame(
            screen.query_one(KeyTable).row_count,
            screen.query_one(KeyTable).region,
            bool(screen.query(Tabs)),
            bool(screen.query(KeyFooter)),
        ),
        whole,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: bool(screen.query(Tabs)) and bool(screen.query(KeyFooter)))
        await pilot.pause()
        assert screen.query(NowPlayingBar)
        # The keys are listed, Help's among them.
        assert any(key.action == "help" for key in screen.query(FooterKey))
        assert screen.query_one(Tabs).active == "day-0"  # the fixed clock says Monday
    # The first frame the terminal gets lists the week: Textual drops the frames painted while
    # the app starts, and the week is read while the screen is built, not after. It is the
    # whole screen, not what changed since a dropped frame, and the day tabs and the key line
    # join after it rather than hold it up.
    first = frames[0]
    assert first.rows
    assert whole[0]
    assert not first.tabs and not first.footer
    last = frames[-1]
    assert last.tabs and last.footer and last.rows == first.rows
    assert last.table.y == first.table.y  # the table stays where it was first drawn


@dataclass(frozen=True)
class TitleFrame:
    """What one frame handed to the terminal showed of a Title screen."""

    episodes: int
    drawn: bool
    focused: bool
    table: Region
    poster: bool
    torrents: bool
    footer: bool


async def test_a_cached_title_opens_on_its_episodes_and_the_rest_joins_after(
    app_factory: AppFactory,
) -> None:
    app = app_factory()

    def look(screen: TitleScreen) -> TitleFrame:
        shown = screen.query_one("#title-episodes", DrawnTable)
        return TitleFrame(
            shown.row_count,
            shown.rows_drawn,
            shown.has_focus,
            shown.region,
            bool(screen.query(Poster)),
            bool(screen.query("#title-torrents")),
            bool(screen.query(KeyFooter)),
        )

    frames = watch_frames(app, TitleScreen, look)
    async with app.run_test(size=(120, 40)) as pilot:
        schedule = app.screen
        assert isinstance(schedule, ScheduleScreen)
        await wait_for(pilot, lambda: schedule.query_one(KeyTable).row_count > 0)
        title = next(iter(schedule.row_titles.items()))[1]
        await app.runtime.catalog.title(title.id)  # into the cache, as a title opened before
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        screen = app.screen
        assert isinstance(screen, TitleScreen)
        await wait_for(
            pilot,
            lambda: bool(screen.query(KeyFooter)) and screen.query_one(Poster).is_mounted,
        )
        await wait_for(pilot, lambda: screen.query_one("#title-torrents", KeyTable).row_count > 0)
        await pilot.pause()
        opened = frames[:]  # until the first key
        joined = opened[-1]
        # Every key once its widget is there: `d` picks from the torrent list, now focused.
        assert any(key.action == "download" for key in screen.query(FooterKey))
        await pilot.press("d")
        await wait_for(pilot, lambda: screen.query_one("#title-torrents", KeyTable).has_focus)
    assert frames[0].episodes == len(screen.episodes) > 0  # listed from the first frame on
    # The first frame that draws them has nothing else yet.
    first = next(frame for frame in frames if frame.drawn)
    assert not first.poster and not first.torrents and not first.footer
    # Focused from the start: the list's cursor is in the first frame, and no other widget
    # was styled as focused on the way.
    assert all(frame.focused for frame in opened)
    assert joined.poster and joined.torrents and joined.footer
    # The rooms held the poster's, the buttons', the torrents' and the key line's places, and
    # the body keeps its scroll bar's column whether it has one yet or not: the table is drawn
    # where it stays, at its width (Textual puts the scroll bar up a frame after the first).
    assert {frame.table for frame in opened if frame.drawn} == {joined.table}


async def test_a_title_on_a_short_terminal_is_laid_out_short_from_its_first_frame(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    shown_more_facts = watch_frames(
        app, TitleScreen, lambda screen: screen.query_one("#title-more-facts").region.height > 0
    )
    async with app.run_test(size=(80, 24)) as pilot:
        schedule = app.screen
        assert isinstance(schedule, ScheduleScreen)
        await wait_for(pilot, lambda: schedule.query_one(KeyTable).row_count > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TitleScreen))
        screen = app.screen
        assert isinstance(screen, TitleScreen)
        await wait_for(pilot, lambda: screen.rest_joined.is_set())
        await pilot.pause()
    # The secondary facts give way to the episodes in every frame, not after the first.
    assert shown_more_facts and not any(shown_more_facts)
