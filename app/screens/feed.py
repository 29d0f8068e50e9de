"""Feed: title updates and YouTube videos mixed, newest first, loading more near the end."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from app import i18n
from app.formatting import clock_time, same_day
from app.i18n import t
from app.messages import CopyRequested, TitleOpened
from app.screens.base import AniScreen
from app.screens.paging import PREFETCH_ROWS, PageLoader, new_at_the_head
from app.services.catalog import title_page_url, video_url
from app.services.events import Event
from app.sources.anilibria.models import FeedItem, Fetched, Title, YouTubeVideo
from app.widgets.footer import KeyFooter
from app.widgets.notify import tell
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, RowItems, cell


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One line of the feed: a title update or a video (exactly one is set)."""

    title: Title | None = None
    video: YouTubeVideo | None = None

    @property
    def key(self) -> tuple[str, int]:
        """Identity across pages (they overlap when the feed changes between two requests)."""
        if self.title is not None:
            return ("title", self.title.id)
        assert self.video is not None
        return ("youtube", self.video.id)

    @property
    def timestamp(self) -> int | None:
        if self.title is not None:
            return self.title.updated
        assert self.video is not None
        return self.video.timestamp


def feed_rows(items: tuple[FeedItem, ...]) -> list[FeedRow]:
    """The entries the screen can show: one of an unknown kind, or whose object came without
    its id (nothing to open or tell it apart by), is skipped."""
    rows: list[FeedRow] = []
    for item in items:
        if item.title is not None and item.title.id:
            rows.append(FeedRow(title=item.title))
        elif item.youtube is not None and item.youtube.id:
            rows.append(FeedRow(video=item.youtube))
    return rows


def when_text(timestamp: int | None, now: float) -> str:
    """`timestamp` as the clock `now` sees it: "5 min ago", "today 14:05", "yesterday 09:12",
    else the local date and time."""
    if not timestamp:
        return "—"
    ago = now - timestamp
    if 0 <= ago < 60:
        return t("just now")
    if 0 <= ago < 3600:
        return t("{minutes} min ago", minutes=int(ago // 60))
    if same_day(timestamp, now):
        return t("today {time}", time=clock_time(timestamp, now))
    if same_day(timestamp, now - 86400):
        return t("yesterday {time}", time=clock_time(timestamp, now - 86400))
    return clock_time(timestamp, now)


def title_name(title: Title) -> str:
    """The name in the UI's language when the title has one."""
    if i18n.language() == "en" and title.names.en:
        return title.names.en
    return title.names.ru or title.display_name


def title_detail(title: Title) -> str:
    """Episodes out and kind, e.g. "1–8 · TV"."""
    parts: list[str] = []
    series = title.player.series if title.player else None
    if series is not None and series.first is not None and series.last is not None:
        first, last = series.first, series.last
        parts.append(str(first) if first == last else f"{first}–{last}")
    elif series is not None and series.string:
        parts.append(series.string)
    if title.type and title.type.string:
        parts.append(title.type.string)
    return " · ".join(parts) or "—"


def row_cells(row: FeedRow, now: float) -> list[Text]:
    when = cell(when_text(row.timestamp, now), "dim")
    if row.title is not None:
        title = row.title
        return [
            when,
            cell(t("update"), "green"),
            cell(title_name(title), "bold"),
            cell(title_detail(title)),
        ]
    assert row.video is not None
    link = video_url(row.video)
    return [
        when,
        cell(t("video"), "red"),
        cell(row.video.title or "—"),
        cell(link.removeprefix("https://") if link else "—", "dim"),
    ]


class FeedScreen(AniScreen):
    """getFeed with endless scrolling: Enter opens a title or copies a video's link."""

    MODE = "feed"
    SCREEN_NAME = "Feed"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy_link", "Copy link"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[FeedRow] = []
        self.seen: set[tuple[str, int]] = set()
        self.row_items: RowItems[FeedRow] = RowItems()

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        yield StatusLine(id="feed-status")
        table = KeyTable(id="feed-table", flexible=("name",))
        table.add_column(t("When"), key="when")
        table.add_column(t("Kind"), key="kind")
        table.add_column(t("Name"), key="name")
        table.add_column(t("Detail"), key="detail")
        yield table
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.shell.title_news.subscribe(self, self.news_arrived)
        self.start()

    def news_arrived(self, event: Event) -> None:
        """A new episode heads the feed now."""
        from app.services.live import EpisodeReleased

        if isinstance(event, EpisodeReleased):
            new_at_the_head(
                self.query_one(KeyTable), self.query_one(StatusLine), self.load_first_page
            )

    def start(self) -> None:
        self.query_one(KeyTable).focus()
        self.load_first_page()

    def action_refresh_screen(self) -> None:
        self.load_first_page()

    @cached_property
    def pages(self) -> PageLoader[FeedItem]:
        catalog = self.runtime.catalog
        return PageLoader(
            lambda after, limit, cache_only: catalog.feed(
                after=after, limit=limit, cache_only=cache_only
            ),
            self.runtime.settings.ui.page_size,
        )

    @work(exclusive=True, group="feed", exit_on_error=False)
    async def load_first_page(self) -> None:
        await self.load_cache_first(
            self.pages.first, self.show_first_page, self.query_one(StatusLine)
        )

    def show_first_page(self, fetched: Fetched[tuple[FeedItem, ...]]) -> None:
        self.rows = []
        self.seen = set()
        self.pages.restart(fetched)
        self.query_one(KeyTable).clear()
        self.row_items.clear()
        self.append(fetched.value)
        if not self.rows:
            self.query_one(StatusLine).info(t("Nothing here yet."))

    def append(self, items: tuple[FeedItem, ...]) -> None:
        fresh = [row for row in feed_rows(items) if row.key not in self.seen]
        self.seen.update(row.key for row in fresh)
        self.rows.extend(fresh)
        now = self.now()
        keys = self.query_one(KeyTable).add_rows(row_cells(row, now) for row in fresh)
        self.row_items.add(keys, fresh)

    @on(DataTable.RowHighlighted, "#feed-table")
    def near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.rows) - PREFETCH_ROWS:
            self.load_next_page()

    def on_unmount(self) -> None:
        self.pages.drop_prefetch()

    @work(exclusive=True, group="feed-more", exit_on_error=False)
    async def load_next_page(self) -> None:
        table = self.query_one(KeyTable)
        await self.pages.load_while(
            lambda: bool(self.rows) and table.cursor_row >= len(self.rows) - PREFETCH_ROWS,
            self.append,
            self.query_one(StatusLine),
        )

    def current_row(self) -> FeedRow | None:
        return self.row_items.at_cursor(self.query_one(KeyTable))

    @on(DataTable.RowSelected, "#feed-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.row_items.get(event.row_key)
        if row is None:
            return
        if row.title is not None:
            self.post_message(TitleOpened(row.title.id))
        else:
            self.copy_link(row)

    def action_copy_link(self) -> None:
        row = self.current_row()
        if row is not None:
            self.copy_link(row)

    def copy_link(self, row: FeedRow) -> None:
        """Put the row's link on the clipboard (OSC 52) and show it."""
        if row.title is not None:
            link = title_page_url(self.runtime.settings.anilibria.site, row.title)
            what = t("Title page link")
            missing = t("This title has no link.")
        else:
            assert row.video is not None
            link = video_url(row.video)
            what = t("Video link")
            missing = t("This video has no link.")
        if link is None:
            tell(self, missing, severity="warning")
            return
        self.post_message(CopyRequested(link, what))
