"""Torrents: one query over nekoBT, the Torrent API and AniLibria's own torrents, with filters."""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.coordinate import Coordinate
from textual.timer import Timer
from textual.widgets import DataTable, Input, Select, Static

from app.formatting import date_text, human_size
from app.i18n import t
from app.plaintext import one_line
from app.screens.base import AniScreen
from app.screens.debounce import Debounce
from app.services.torrent_search import (
    FALLBACK_LANGUAGES,
    SOURCE_NAMES,
    Language,
    LanguageField,
    Source,
    TorrentFilters,
    TorrentHit,
    TorrentSearchResult,
    TorrentSearchService,
    identity,
    merge_page,
)
from app.sources.errors import NetworkError, RateLimitedError, SourceError
from app.sources.nekobt.client import TorrentSort
from app.widgets.footer import KeyFooter
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, RowItems, cell
from app.widgets.torrent_text import answer_text, level_text, problem_text

SORTS: tuple[tuple[str, TorrentSort], ...] = (
    ("Newest", "latest"),
    ("Oldest", "oldest"),
    ("Most seeders", "seeders"),
    ("Most leechers", "leechers"),
    ("Most downloads", "downloads"),
    ("Largest", "filesize"),
    ("Smallest", "filesize_asc"),
)
LEVELS = (
    (-1, "No subtitles"),
    (0, "Level 0"),
    (1, "Level 1"),
    (2, "Level 2"),
    (3, "Level 3"),
    (4, "Level 4"),
)
LANGUAGE_FIELDS: tuple[tuple[LanguageField, str], ...] = (
    ("fansub", "Fansubs"),
    ("sub", "Subtitles"),
    ("audio", "Audio"),
)
CODECS = ((1, "AVC"), (2, "HEVC"), (3, "AV1"))
FLAGS = (
    ("hardsub", "Hardsub only"),
    ("no-hardsub", "No hardsub"),
    ("mtl", "MTL only"),
    ("no-mtl", "No MTL"),
)
SOURCE_MARKS = {Source.NEKOBT: "N", Source.TORRENT_API: "T", Source.ANILIBRIA: "A"}
"""One letter per source for the results column (the detail spells them out)."""

PAGE_AHEAD = 5
"""Rows before the end at which the next nekoBT page is asked for."""


@dataclass(frozen=True)
class TorrentRequest:
    """Everything a result depends on: results for another request are stale."""

    query: str
    filters: TorrentFilters


def languages_text(languages: tuple[str, ...]) -> str:
    """The first language and how many more: a long list would crowd the title out."""
    if not languages:
        return "—"
    return languages[0] if len(languages) == 1 else f"{languages[0]} +{len(languages) - 1}"


def peers_cell(hit: TorrentHit) -> Text:
    """Seeders / leechers / completed in one cell (three columns do not fit 80 cells)."""

    def count(value: int | None) -> str:
        return "—" if value is None else str(value)

    return Text.assemble(
        (count(hit.seeders), "green"),
        "/",
        (count(hit.leechers), "yellow"),
        "/",
        count(hit.completed),
        no_wrap=True,
    )


def hit_row(hit: TorrentHit) -> list[Text]:
    """The cells of one result."""
    return [
        cell(hit.title, "bold"),
        cell(human_size(hit.size)),
        peers_cell(hit),
        cell(date_text(hit.date)),
        cell(hit.group or "—"),
        cell(f"{level_text(hit.level)} {languages_text(hit.languages)}"),
        cell("".join(SOURCE_MARKS[s] for s in hit.sources)),
    ]


def language_options(languages: tuple[Language, ...]) -> list[tuple[Text, str]]:
    """The language filter's choices: the code (what the table shows) and nekoBT's name."""
    options = []
    for language in languages:
        code, name = one_line(language.code), one_line(language.name)
        label = Text(code, no_wrap=True, overflow="ellipsis")
        if name and name != code:
            label.append(f" {name}", style="dim")
        options.append((label, language.code))
    return options


class TorrentsScreen(AniScreen):
    """Type a title, an info-hash or an IMDb id; Tab reaches the filters and results."""

    MODE = "torrents"
    SCREEN_NAME = "Torrents"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_query", "Focus search"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial_query = query
        self.results: list[TorrentHit] = []
        self.row_hits: RowItems[TorrentHit] = RowItems()
        self.request: TorrentRequest | None = None
        """The request the results on screen answer."""
        self.page = 0
        self.more = False
        self.replies: dict[Source, SourceError | None] = {}
        """What each source asked for the results on screen said: None for an answer, else
        its error; a later page's reply replaces an earlier one's."""
        self.paging = False
        self.debounce = Debounce(
            self,
            lambda: self.runtime.settings.ui.search_debounce,
            lambda: self.search(self.current_request()),
        )
        self.countdown: Timer | None = None
        self.retry_at = 0.0
        self.waiting_for: tuple[TorrentRequest, int] | None = None
        """The search a rate-limit countdown will repeat."""

    @property
    def service(self) -> TorrentSearchService:
        return self.runtime.torrent_search

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Horizontal(id="torrents-bar"):
            yield Input(
                self.initial_query,
                placeholder=t("Search torrents, an info-hash or an IMDb id…"),
                id="torrents-query",
                compact=True,
            )
            yield Select[str](
                [(name, source.value) for source, name in SOURCE_NAMES.items()],
                prompt=t("All sources"),
                id="torrents-source",
                compact=True,
            )
        with Horizontal(id="torrents-filters"):
            yield Select[str](
                [(t(label), value) for label, value in SORTS],
                prompt=t("Best"),
                id="filter-sort",
                compact=True,
            )
            yield Select[int](
                [(t(label), level) for level, label in LEVELS],
                prompt=t("Level"),
                id="filter-level",
                compact=True,
            )
            yield Select[str](
                language_options(FALLBACK_LANGUAGES),
                prompt=t("Language"),
                id="filter-language",
                compact=True,
            )
            yield Select[str](
                [(t(label), value) for value, label in LANGUAGE_FIELDS],
                value="fansub",
                allow_blank=False,
                id="filter-language-field",
                compact=True,
            )
            yield Select[int](
                [(name, code) for code, name in CODECS],
                prompt=t("Codec"),
                id="filter-codec",
                compact=True,
            )
            yield Select[str](
                [(t(label), value) for value, label in FLAGS],
                prompt=t("Hardsub / MTL"),
                id="filter-flags",
                compact=True,
            )
        yield StatusLine(id="torrents-status")
        yield Static(id="torrents-problems", classes="-hidden", markup=False)
        yield Static(id="torrents-hints", classes="-hidden", markup=False)
        # Only the title shrinks: fixed narrow group and subtitle columns keep 80 cells enough.
        table = KeyTable(id="torrents-results", flexible=("title",))
        table.add_column(t("Title"), key="title")
        table.add_column(t("Size"), key="size")
        table.add_column(t("S/L/C"), key="peers")
        table.add_column(t("Date"), key="date")
        table.add_column(t("Group"), key="group", width=10)
        table.add_column(t("Subs"), key="subs", width=9)
        table.add_column(t("Src"), key="sources")
        yield table
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.start()
        self.load_languages()

    def start(self) -> None:
        query = self.query_one("#torrents-query", Input)
        if query.value.strip():
            # Opened with a query (a title's `t`): the results are what to read, and Esc goes
            # straight back.
            self.query_one(KeyTable).focus()
            self.search(self.current_request())
        else:
            query.focus()
            self.query_one(StatusLine).info(t("Type a title, an info-hash or an IMDb id."))

    # the request ---------------------------------------------------------------------------

    def current_request(self) -> TorrentRequest:
        """The query and filters the inputs hold now."""

        def chosen(selector: str) -> object:
            value = self.query_one(selector, Select).value
            return None if value is Select.NULL else value

        source, sort, level, language, field, codec, flags = (
            chosen("#torrents-source"),
            chosen("#filter-sort"),
            chosen("#filter-level"),
            chosen("#filter-language"),
            chosen("#filter-language-field"),
            chosen("#filter-codec"),
            chosen("#filter-flags"),
        )
        filters = TorrentFilters(
            sources=frozenset({Source(source)}) if isinstance(source, str) else frozenset(Source),
            sort_by=cast("TorrentSort", sort) if isinstance(sort, str) else None,
            levels=(level,) if isinstance(level, int) else (),
            languages=(language,) if isinstance(language, str) else (),
            language_field=cast("LanguageField", field) if isinstance(field, str) else "fansub",
            video_codecs=(codec,) if isinstance(codec, int) else (),
            hardsub={"hardsub": True, "no-hardsub": False}.get(str(flags)),
            mtl={"mtl": True, "no-mtl": False}.get(str(flags)),
        )
        return TorrentRequest(self.query_one("#torrents-query", Input).value.strip(), filters)

    @on(Input.Changed, "#torrents-query")
    def query_typed(self) -> None:
        self.debounce.restart()

    @on(Input.Submitted, "#torrents-query")
    def query_submitted(self) -> None:
        self.debounce.now()
        if self.results:
            self.query_one(KeyTable).focus()

    @on(Select.Changed)
    def filter_changed(self) -> None:
        if self.query_one("#torrents-query", Input).value.strip():
            self.search(self.current_request())

    @work(exclusive=True, group="torrent-languages", exit_on_error=False)
    async def load_languages(self) -> None:
        """Offer nekoBT's own languages (the fixed list stays when it cannot be reached)."""
        languages = await self.service.languages()
        self.set_languages(languages)

    def set_languages(self, languages: tuple[Language, ...]) -> None:
        """Replace the language choices, keeping the chosen one (no new search)."""
        select = self.query_one("#filter-language", Select)
        chosen = select.value
        codes = {language.code for language in languages}
        if isinstance(chosen, str) and chosen not in codes:
            languages = (*languages, Language(chosen, chosen))
        with self.prevent(Select.Changed):
            select.set_options(language_options(languages))
            if isinstance(chosen, str):
                select.value = chosen

    # searching -----------------------------------------------------------------------------

    @work(exclusive=True, group="torrents", exit_on_error=False)
    async def search(
        self, request: TorrentRequest, page: int = 0, resume: TorrentSearchResult | None = None
    ) -> None:
        """Ask for `page` of `request`; page 0 replaces the results, later pages append. The
        results show as each source answers; with `resume`, only its rate-limited sources are
        asked again."""
        status = self.query_one(StatusLine)
        if self.countdown is not None and self.waiting_for == (request, page):
            # Asking again before the wait is over would only be refused again.
            return
        self.stop_countdown()
        if not request.query:
            self.request = None
            self.show_results([], append=False)
            self.show_notes((), {})
            status.info(t("Type a title, an info-hash or an IMDb id."))
            return
        # Until every source has answered, the next page waits: asking for it would cancel
        # this worker, and with it the sources still to answer.
        self.paging = True
        if page == 0 and resume is None:
            status.info(t("Searching…"))
        results = self.service.search_progressively(
            request.query, request.filters, page, resume=resume
        )
        async with aclosing(results):
            async for result in results:
                self.paging = self.paging and bool(result.pending)
                # Exclusive workers cancel older searches, but one that already finished its
                # request must still not paint over a newer query.
                if request != self.current_request():
                    return
                # A later answer to the results on screen keeps the cursor on its torrent.
                keep_cursor = request == self.request
                self.request, self.page, self.more = request, page, result.more
                self.show_results(list(result.hits), append=page > 0, keep_cursor=keep_cursor)
                self.report(result, request, page)
                if result.jump is not None and page == 0 and not result.pending:
                    self.open_hit(result.jump)
        # The cursor may have reached the end while the answers came in, or a page may only
        # have completed listed rows: no cursor move would ask for the next page then.
        self.call_later(self.page_if_near_end)

    def report(self, result: TorrentSearchResult, request: TorrentRequest, page: int) -> None:
        """Say how the search went: counts, problems per source, the sources still asked, a
        rate-limit countdown."""
        status = self.query_one(StatusLine)
        if page == 0:
            self.show_notes(result.hints, result.errors)
            self.replies = {}
        self.replies.update(dict.fromkeys(result.answered))
        self.replies.update(result.errors)
        if result.pending:
            status.info(answer_text(len(self.results), self.replies, pending=result.pending))
            return
        waits = [
            e.retry_after
            for e in result.errors.values()
            if isinstance(e, RateLimitedError) and e.retry_after is not None
        ]
        if waits:
            self.start_countdown(max(waits), result, request, page)
            return
        if not self.results and result.errors:
            networks = [e for e in result.errors.values() if isinstance(e, NetworkError)]
            if len(networks) == len(result.errors):
                status.failed(networks[0], hint_demo=not self.runtime.settings.demo)
                return
        status.info(answer_text(len(self.results), self.replies))

    def show_results(
        self, hits: list[TorrentHit], *, append: bool, keep_cursor: bool = False
    ) -> None:
        """Show `hits`; appended, a hit already listed (same info-hash) completes its row.
        Replacing the rows with `keep_cursor`, the cursor stays on the torrent it was on."""
        table = self.query_one(KeyTable)
        highlighted = self.row_hits.at_cursor(table) if keep_cursor and not append else None
        if not append:
            self.results = []
            table.clear()
            self.row_hits.clear()
        page = merge_page(self.results, hits)
        self.results = list(page.hits)
        for row in page.changed:
            # The merge says where (rows are listed in `results` order); the row's key then
            # carries the completed hit.
            key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key
            hit = self.results[row]
            for column, value in zip(table.columns, hit_row(hit), strict=True):
                table.update_cell(key, column, value)
            self.row_hits.add([key], [hit])
        added = page.added
        self.row_hits.add(table.add_rows(hit_row(hit) for hit in added), added)
        followed = None if highlighted is None else identity(highlighted)
        if followed is not None:
            rows = (i for i, hit in enumerate(self.results) if identity(hit) == followed)
            now_at = next(rows, None)
            if now_at is not None:
                table.move_cursor(row=now_at)

    def show_notes(self, hints: tuple[str, ...], errors: Mapping[Source, SourceError]) -> None:
        """The hint line (nekoBT's media suggestions) and one line per failed source."""
        problems = self.query_one("#torrents-problems", Static)
        rate_limited = (e for e in errors.items() if not isinstance(e[1], RateLimitedError))
        lines = [problem_text(source, error) for source, error in rate_limited]
        problems.update(Content("\n".join(lines)))
        problems.set_class(not lines, "-hidden")
        hint_line = self.query_one("#torrents-hints", Static)
        hint_line.update(Content(" · ".join(one_line(h) for h in hints)))
        hint_line.set_class(not hints, "-hidden")

    # rate limits ---------------------------------------------------------------------------

    def start_countdown(
        self, seconds: float, result: TorrentSearchResult, request: TorrentRequest, page: int
    ) -> None:
        """Show the wait the rate-limited sources of `result` asked for, counting down, then
        ask them again."""
        self.stop_countdown()
        self.retry_at = time.monotonic() + seconds
        self.waiting_for = (request, page)

        def tick() -> None:
            left = self.retry_at - time.monotonic()
            if left <= 0:
                self.stop_countdown()
                if request == self.current_request():
                    self.search(request, page, result)
                return
            self.query_one(StatusLine).info(
                answer_text(len(self.results), self.replies, retry_in=left)
            )

        tick()
        self.countdown = self.set_interval(min(0.25, seconds / 2 or 0.05), tick)

    def stop_countdown(self) -> None:
        if self.countdown is not None:
            self.countdown.stop()
            self.countdown = None
            self.waiting_for = None

    # keys ----------------------------------------------------------------------------------

    def action_focus_query(self) -> None:
        self.query_one("#torrents-query", Input).focus()

    def action_refresh_screen(self) -> None:
        self.search(self.current_request())

    @on(DataTable.RowHighlighted, "#torrents-results")
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.page_if_near_end(event.cursor_row)

    def page_if_near_end(self, cursor_row: int | None = None) -> None:
        """Ask for nekoBT's next page when the cursor is within `PAGE_AHEAD` rows of the end."""
        table = self.query_one(KeyTable)
        if cursor_row is None:
            if not table.row_count:
                return
            cursor_row = table.cursor_row
        near_end = cursor_row >= len(self.results) - PAGE_AHEAD
        # While a countdown waits to ask a rate-limited source again, a next page would stop
        # it: the countdown's search pages on when it is done.
        waiting = self.countdown is not None
        if near_end and self.more and not (self.paging or waiting) and self.request is not None:
            self.paging = True
            self.search(self.request, self.page + 1)

    @on(DataTable.RowSelected, "#torrents-results")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        hit = self.row_hits.get(event.row_key)
        if hit is not None:
            self.open_hit(hit)

    def open_hit(self, hit: TorrentHit) -> None:
        """Open the detail of `hit` above this screen."""
        from app.screens.torrent_detail import TorrentDetailScreen

        self.app.push_screen(TorrentDetailScreen(hit))
