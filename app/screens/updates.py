"""Updates: the latest releases, newest first, loading more as the cursor nears the end."""

from __future__ import annotations

from functools import cached_property

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable

from app.i18n import t
from app.messages import TitleOpened
from app.screens.base import TitleListScreen
from app.screens.paging import PREFETCH_ROWS, PageLoader, new_at_the_head
from app.services.catalog import unique_titles
from app.services.events import Event
from app.sources.anilibria.models import Fetched, Title
from app.widgets.footer import KeyFooter
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, title_row


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
        yield KeyFooter()

    def on_mount(self) -> None:
        self.previous_visit = self.runtime.visits.record_visit("updates", self.now())
        self.start()

    def start(self) -> None:
        self.query_one(KeyTable).focus()
        self.load_first_page()

    def action_refresh_screen(self) -> None:
        self.load_first_page()

    def news_arrived(self, event: Event) -> None:
        from app.services.live import EpisodeReleased

        if isinstance(event, EpisodeReleased):
            new_at_the_head(
                self.query_one(KeyTable), self.query_one(StatusLine), self.load_first_page
            )

    @cached_property
    def pages(self) -> PageLoader[Title]:
        catalog = self.runtime.catalog
        return PageLoader(
            lambda after, limit, cache_only: catalog.updates(
                after=after, limit=limit, cache_only=cache_only
            ),
            self.runtime.settings.ui.page_size,
        )

    @work(exclusive=True, group="updates", exit_on_error=False)
    async def load_first_page(self) -> None:
        await self.load_cache_first(
            self.pages.first, self.show_first_page, self.query_one(StatusLine)
        )

    def show_first_page(self, fetched: Fetched[tuple[Title, ...]]) -> None:
        self.titles = []
        self.seen_ids = set()
        self.pages.restart(fetched)
        self.query_one(KeyTable).clear()
        self.row_titles.clear()
        self.append(fetched.value)

    def append(self, titles: tuple[Title, ...]) -> None:
        fresh = unique_titles(titles, self.seen_ids)
        self.titles.extend(fresh)
        keys = self.query_one(KeyTable).add_items(
            ((str(title.id), title) for title in fresh), self.row_cells
        )
        self.row_titles.add(keys, fresh)

    def row_cells(self, title: Title) -> list[Text]:
        return [
            self.new_mark(title),
            *title_row(title, with_status=False, favorite=self.is_favorite(title)),
        ]

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

    def on_unmount(self) -> None:
        self.pages.drop_prefetch()

    @work(exclusive=True, group="updates-more", exit_on_error=False)
    async def load_next_page(self) -> None:
        table = self.query_one(KeyTable)
        await self.pages.load_while(
            lambda: bool(self.titles) and table.cursor_row >= len(self.titles) - PREFETCH_ROWS,
            self.append,
            self.query_one(StatusLine),
        )

    @on(DataTable.RowSelected, "#updates-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        title = self.row_titles.get(event.row_key)
        if title is not None:
            self.post_message(TitleOpened(title.id))
