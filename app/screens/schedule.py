"""Schedule: the seven weekdays, Monday first, today selected and marked."""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Tab, Tabs

from app import i18n
from app.i18n import t
from app.messages import ContinueRequested, TitleOpened
from app.screens.base import TitleListScreen
from app.services.events import Event
from app.sources.anilibria.models import Fetched, ScheduleDay, Title
from app.sources.errors import SourceError
from app.widgets.drawn_table import DrawnTable
from app.widgets.footer import KeyFooter
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, title_row


def watched_cell(watched: int, title: Title) -> Text:
    """ "3 / 8" of the episodes out, green when all are watched; empty before the first."""
    if not watched:
        return Text("")
    out = title.player.series.last if title.player and title.player.series else None
    done = out is not None and watched >= out
    return Text(f"{watched} / {out or '?'}", style="green" if done else "yellow")


class DayTabs(Tabs):
    """The week's tabs. They join the screen after its first frame: should the app quit just
    then, they are mounted without their tabs, and the day asked for is none (Tabs raises)."""

    def validate_active(self, active: str) -> str:
        if active and not self.query("#tabs-list > Tab"):
            return ""
        return super().validate_active(active)


class ScheduleScreen(TitleListScreen):
    """What comes out on each weekday. Enter opens a title, `p` continues watching it, `f`
    toggles its favorite; ←/→ or h/l change the day."""

    MODE = "schedule"
    SCREEN_NAME = "Schedule"
    BINDINGS: ClassVar[list[BindingType]] = [
        # One of the pair in the footer is enough to make day switching discoverable.
        Binding("left,h", "previous_day", "Previous day", priority=True, show=False),
        Binding("right,l", "next_day", "Next day", priority=True),
        Binding("p", "continue", "Continue"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.days: dict[int, tuple[Title, ...]] = {}
        self.today = 0
        self.selected_day = 0
        # Read while Textual builds the screen, so that its first frame is the cached week's:
        # read once it had mounted, the week came a frame late, and the first frame the
        # terminal got was an empty table.
        self.cached_week = asyncio.create_task(self.read_cached_week())

    async def read_cached_week(self) -> Fetched[tuple[ScheduleDay, ...]] | None:
        try:
            return await self.runtime.catalog.schedule(cache_only=True)
        except SourceError:
            return None

    def compose(self) -> ComposeResult:
        self.today = time.localtime(self.now()).tm_wday
        first = not self.is_mounted
        if first:
            # Opened on today; composed again (a language switch), on the day the user chose.
            self.selected_day = self.today
        yield self.top_bar()
        yield StatusLine(id="schedule-status")
        if first:
            # The app's first frame: the table painted from the cache comes before the day tabs
            # and the key line, which cost as much to build as the rest of the screen; they
            # take their places once it is on screen (`mount_the_rest`), this one holding the
            # tabs' room so the table does not move.
            yield Widget(id="schedule-days-room")
        else:
            yield self.day_tabs()
        table = DrawnTable(id="schedule-table", flexible=("name", "en"))
        table.add_column(t("Name"), key="name")
        table.add_column(t("English name"), key="en")
        table.add_column(t("Episodes"), key="episodes")
        table.add_column(t("Status"), key="status")
        table.add_column(t("Updated"), key="updated")
        table.add_column(t("Watched"), key="watched")
        yield table
        if not first:
            yield NowPlayingBar()
            yield KeyFooter()

    def day_tabs(self) -> Tabs:
        return DayTabs(
            *(Tab(self.day_label(day), id=f"day-{day}") for day in range(7)),
            active=f"day-{self.selected_day}",
            id="schedule-days",
        )

    async def mount_the_rest(self) -> None:
        """The day tabs, the Now-playing bar and the key line, left out of the first frame."""
        room = self.query("#schedule-days-room")
        if not room or not self.is_attached or not room.first().display:
            # Already joined, or the screen is closing (quitting before the rest came): a
            # Tabs mounted now would never get its tabs. A room that no longer displays is
            # being removed by a recompose (a language switch) that brings its own tabs.
            return
        table = self.query_one(DrawnTable)
        if table.row_count and not table.rows_drawn:
            # The rows are in, not yet on screen: the table calls again once they are.
            table.when_rows_drawn = self.mount_the_rest
            return
        self.mount(self.day_tabs(), before=room.first())
        room.remove()
        await self.mount(NowPlayingBar(), KeyFooter())
        # A footer lists the keys when the bindings change; these have not since it came.
        self.refresh_bindings()

    def day_label(self, day: int) -> str:
        name = i18n.weekday(day)
        return f"● {name}" if day == self.today else name

    def on_mount(self) -> None:
        self.shell.history_changed.subscribe(self, lambda _title_id: self.fill_table())

    @on(events.Mount)
    async def show_the_cached_week(self) -> None:
        """Before the first frame, which Textual paints once this returns."""
        shown = await self.cached_week
        if shown is not None:
            self.show_schedule(shown)
        # After that frame: the cached week's, when there is one. Queued on the app, whose
        # messages wait for the end of Textual's start-up batch: the screen's own callbacks
        # come after a frame painted in that batch, which never reaches the terminal, and
        # mounting the tabs then held up the first one that does.
        self.app.call_after_refresh(self.mount_the_rest)
        self.start(shown)

    def start(self, shown: Fetched[tuple[ScheduleDay, ...]] | None = None) -> None:
        self.query_one(KeyTable).focus()
        self.load(shown)

    def action_refresh_screen(self) -> None:
        self.load()

    def news_arrived(self, event: Event) -> None:
        """A scheduled title's new episode or change: the table reloads (the cursor stays)."""
        # Imported here: the live module brings websockets, which the first paint can do without.
        from app.services.live import EpisodeReleased, TitleChanged

        if isinstance(event, (EpisodeReleased, TitleChanged)) and any(
            title.id == event.title_id for titles in self.days.values() for title in titles
        ):
            self.load()

    @work(exclusive=True, group="schedule", exit_on_error=False)
    async def load(self, shown: Fetched[tuple[ScheduleDay, ...]] | None = None) -> None:
        """The network's week; the cache's first unless `shown` is on screen already."""
        catalog = self.runtime.catalog
        await self.load_cache_first(
            lambda cache_only: catalog.schedule(cache_only=cache_only),
            self.show_schedule,
            self.query_one(StatusLine),
            shown=shown,
        )

    def show_schedule(self, fetched: Fetched[tuple[ScheduleDay, ...]]) -> None:
        self.days = {day.day: day.titles for day in fetched.value}
        self.fill_table()

    def fill_table(self) -> None:
        table = self.query_one(KeyTable)
        previous = table.cursor_row
        table.clear()
        self.row_titles.clear()
        titles = self.listed_titles()
        history = self.runtime.history
        keys = table.add_keyed_rows(
            (
                str(title.id),
                [
                    *title_row(title, favorite=self.is_favorite(title)),
                    watched_cell(history.watched_count(title.id), title),
                ],
            )
            for title in titles
        )
        self.row_titles.add(keys, titles)
        if titles:
            table.move_cursor(row=min(previous, len(titles) - 1))
        status = self.query_one(StatusLine)
        if not titles and self.days and not status.has_class("-error"):
            status.info(t("No titles on this day."))
        elif status.has_class("-info") and titles:
            status.clear()

    def listed_titles(self) -> tuple[Title, ...]:
        return self.days.get(self.selected_day, ())

    @on(Tabs.TabActivated, "#schedule-days")
    def day_chosen(self, event: Tabs.TabActivated) -> None:
        if event.tab.id is None:
            return
        day = int(event.tab.id.removeprefix("day-"))
        # The tabs activate the shown day as they join the screen: the table has it already.
        if day == self.selected_day:
            return
        self.selected_day = day
        if self.days:
            self.fill_table()

    def action_previous_day(self) -> None:
        # No tabs yet in the first few frames: the key is too early to mean a day.
        for tabs in self.query(Tabs):
            tabs.action_previous_tab()

    def action_next_day(self) -> None:
        for tabs in self.query(Tabs):
            tabs.action_next_tab()

    @on(DataTable.RowSelected, "#schedule-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        title = self.row_titles.get(event.row_key)
        if title is not None:
            self.post_message(TitleOpened(title.id))

    def action_continue(self) -> None:
        """Play the selected title's next unwatched episode, resuming it, as the Title screen's
        `p` does."""
        title = self.row_titles.at_cursor(self.query_one(KeyTable))
        if title is not None:
            self.post_message(ContinueRequested(title.id))
