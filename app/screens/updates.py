"""Updates: the latest releases, newest first, loading more as the cursor nears the end."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer

from app.i18n import t
from app.screens.base import TitleListScreen
from app.services.catalog import unique_titles
from app.sources.anilibria.models import Fetched, Title
from app.sources.errors import SourceError
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine, describe_error
from app.widgets.title_table import KeyTable, title_row

# Start loading the next page this many rows before the end, so scrolling rarely waits.
PREFETCH_ROWS = 15
# Pages grow fourfold as the user keeps scrolling (fewer round trips and relayouts for long
# lists), up to this factor.
MAX_PAGE_GROWTH = 20


class UpdatesScreen(TitleListScreen):
    """getUpdates with endless scrolling; titles updated since the last visit are marked, `f`
    toggles the highlighted title's favorite."""

    MODE = "updates"
    SCREEN_NAME = "Updates"

    def __init__(self) -> None:
        super().__init__()
        self.titles: list[Title] = []
        self.seen_ids: set[int] = set()
        self.previous_visit: float | None = None
        self.exhausted = False
        self.pages_loaded = 0
        self.fetched_count = 0
        """How many titles the server has given so far (the `after` of the next page)."""
        self.next_page: asyncio.Task[Fetched[tuple[Title, ...]]] | None = None
        self.next_limit = 0

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        yield StatusLine(id="updates-status")
        table = KeyTable(id="updates-table", flexible=("name", "en"))
        table.add_column(" ", key="new", width=2)
        table.add_column(t("Name"), key="name")
        table.add_column(t("English name"), key="en")
        table.add_column(t("Episodes"), key="episodes")
        table.add_column(t("Updated"), key="updated")
        yield table
        yield NowPlayingBar()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.previous_visit = self.runtime.visits.record_visit("updates", self.now())
        self.start()

    def start(self) -> None:
        self.query_one(KeyTable).focus()
        self.load_first_page()

    def action_refresh_screen(self) -> None:
        self.load_first_page()

    @property
    def page_size(self) -> int:
        return self.runtime.settings.ui.page_size

    @work(exclusive=True, group="updates", exit_on_error=False)
    async def load_first_page(self) -> None:
        catalog = self.runtime.catalog
        await self.load_cache_first(
            lambda cache_only: catalog.updates(
                after=0, limit=self.page_size, cache_only=cache_only
            ),
            self.show_first_page,
            self.query_one(StatusLine),
        )

    def show_first_page(self, fetched: Fetched[tuple[Title, ...]]) -> None:
        self.titles = []
        self.seen_ids = set()
        self.drop_prefetch()
        self.pages_loaded = 1
        self.fetched_count = len(fetched.value)
        self.exhausted = len(fetched.value) < self.page_size
        table = self.query_one(KeyTable)
        table.clear()
        if not fetched.from_cache:
            self.start_prefetch()
        self.append(fetched.value)

    def append(self, titles: tuple[Title, ...]) -> None:
        fresh = unique_titles(titles, self.seen_ids)
        self.titles.extend(fresh)
        self.query_one(KeyTable).add_rows(
            [
                self.new_mark(title),
                *title_row(title, with_status=False, favorite=self.is_favorite(title)),
            ]
            for title in fresh
        )

    def listed_titles(self) -> list[Title]:
        return self.titles

    def new_mark(self, title: Title) -> Text:
        if self.previous_visit is not None and (title.updated or 0) > self.previous_visit:
            return Text("●", style="bold magenta")
        return Text("")

    @on(DataTable.RowHighlighted, "#updates-table")
    def near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.titles) - PREFETCH_ROWS:
            self.load_next_page()

    def start_prefetch(self) -> None:
        """Fetch the page after the loaded ones in the background, so scrolling rarely waits."""
        if self.exhausted or self.next_page is not None:
            return
        self.next_limit = self.page_size * min(4**self.pages_loaded, MAX_PAGE_GROWTH)
        self.next_page = asyncio.create_task(
            self.runtime.catalog.updates(after=self.fetched_count, limit=self.next_limit)
        )

    def drop_prefetch(self) -> None:
        page, self.next_page = self.next_page, None
        if page is None:
            return
        if page.done() and not page.cancelled():
            page.exception()  # a failed prefetch nobody waited for is not an error to log
        page.cancel()

    def on_unmount(self) -> None:
        self.drop_prefetch()

    @work(exclusive=True, group="updates-more", exit_on_error=False)
    async def load_next_page(self) -> None:
        table = self.query_one(KeyTable)
        status = self.query_one(StatusLine)
        while (
            self.titles
            and not self.exhausted
            and table.cursor_row >= len(self.titles) - PREFETCH_ROWS
        ):
            self.start_prefetch()
            page = self.next_page
            assert page is not None
            if not page.done():
                status.info(t("Loading…"))
            try:
                # Shielded: a newer call of this worker cancels the wait, not the request.
                fetched = await asyncio.shield(page)
            except SourceError as error:
                self.next_page = None
                status.info(describe_error(error) + " · " + t("press ctrl+r to retry"))
                return
            self.next_page = None
            self.pages_loaded += 1
            self.fetched_count += len(fetched.value)
            self.exhausted = len(fetched.value) < self.next_limit
            status.clear()
            # The next request goes out first, so the network works while the table lays out.
            self.start_prefetch()
            self.append(fetched.value)

    @on(DataTable.RowSelected, "#updates-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.titles):
            self.ani.open_title(self.titles[event.cursor_row].id)
