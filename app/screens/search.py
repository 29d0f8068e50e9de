"""Search: titles as you type, with filters; an advanced mode for advancedSearch queries."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Checkbox, DataTable, Input, Select

from app import i18n
from app.i18n import t, tn
from app.messages import TitleOpened
from app.screens.base import TitleListScreen
from app.screens.debounce import Debounce
from app.services.catalog import SearchQuery, team_members
from app.sources.anilibria.models import Team, Title
from app.sources.errors import SourceError
from app.widgets.footer import KeyFooter
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, title_row


@dataclass(frozen=True)
class SearchRequest:
    """Everything a result depends on: results for another request are stale."""

    advanced: bool
    query: SearchQuery
    advanced_query: str
    order_by: str
    descending: bool


class SearchScreen(TitleListScreen):
    """Type to search; Tab reaches the filters and results; ctrl+a toggles the advanced query."""

    MODE = "search"
    SCREEN_NAME = "Search"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_query", "Focus search"),
        Binding("ctrl+a", "toggle_advanced", "Advanced query", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.advanced = False
        self.other_mode_text = ""
        """What the query box held in the other mode (plain search or advanced query)."""
        self.results_wanted = False
        """Enter asked for an advanced query's results: focus them once they arrive."""
        self.results: tuple[Title, ...] = ()
        self.debounce = Debounce(
            self,
            lambda: self.runtime.settings.ui.search_debounce,
            lambda: self.search(self.current_request()),
        )

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Horizontal(id="search-bar"):
            yield Input(placeholder=t("Search titles…"), id="search-query", compact=True)
            yield Input(
                placeholder=t("Order by"), id="search-order", classes="-advanced", compact=True
            )
            yield Checkbox(
                t("Descending"), id="search-descending", classes="-advanced", compact=True
            )
        with Horizontal(id="search-filters"):
            yield Select[int]((), prompt=t("Any year"), id="filter-year", compact=True)
            yield Select[int](
                [(i18n.season_name(code), code) for code in (1, 2, 3, 4)],
                prompt=t("Any season"),
                id="filter-season",
                compact=True,
            )
            yield Select[str]((), prompt=t("Any genre"), id="filter-genre", compact=True)
            yield Select[str]((), prompt=t("Any team member"), id="filter-team", compact=True)
        yield StatusLine(id="search-status")
        table = KeyTable(id="search-results", flexible=("name", "en"))
        table.add_column(t("Name"), key="name")
        table.add_column(t("English name"), key="en")
        table.add_column(t("Episodes"), key="episodes")
        table.add_column(t("Status"), key="status")
        table.add_column(t("Updated"), key="updated")
        yield table
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.start()

    def start(self) -> None:
        # After a language switch the mode stays what it was; its placeholder is retranslated.
        self.set_class(self.advanced, "-advanced-mode")
        query = self.query_one("#search-query", Input)
        query.placeholder = self.query_placeholder()
        query.focus()
        self.query_one(StatusLine).info(t("Type to search titles."))
        self.load_filters()

    # filters -------------------------------------------------------------------------------

    @work(group="search-filters", exit_on_error=False)
    async def load_filters(self) -> None:
        catalog = self.runtime.catalog
        # Each list is independent: one failing leaves the others usable.
        with suppress(SourceError):
            self.fill_years((await catalog.years()).value)
        with suppress(SourceError):
            self.fill_genres((await catalog.genres()).value)
        with suppress(SourceError):
            self.fill_team((await catalog.team()).value)

    def fill_years(self, years: tuple[int, ...]) -> None:
        select = self.query_one("#filter-year", Select)
        select.set_options((str(year), year) for year in sorted(years, reverse=True))
        self.restore_choice(select)

    def fill_genres(self, genres: tuple[str, ...]) -> None:
        select = self.query_one("#filter-genre", Select)
        select.set_options((g, g) for g in genres)
        self.restore_choice(select)

    def fill_team(self, team: Team) -> None:
        labels = dict(
            (role, t(label))
            for role, label in (
                ("voice", "Voice"),
                ("translator", "Translation"),
                ("editing", "Subtitles"),
                ("decor", "Design"),
                ("timing", "Timing"),
            )
        )
        select = self.query_one("#filter-team", Select)
        select.set_options(
            (f"{name} · {labels[role]}", f"{role}:{name}") for role, name in team_members(team)
        )
        self.restore_choice(select)

    # the request ---------------------------------------------------------------------------

    def current_request(self) -> SearchRequest:
        def chosen(selector: str) -> object:
            value = self.query_one(selector, Select).value
            return None if value is Select.NULL else value

        year, season, genre, member = (
            chosen("#filter-year"),
            chosen("#filter-season"),
            chosen("#filter-genre"),
            chosen("#filter-team"),
        )
        team: dict[str, tuple[str, ...]] = {}
        if isinstance(member, str) and ":" in member:
            role, name = member.split(":", 1)
            team[role] = (name,)
        text = self.query_one("#search-query", Input).value
        return SearchRequest(
            advanced=self.advanced,
            query=SearchQuery(
                text="" if self.advanced else text,
                years=(year,) if isinstance(year, int) else (),
                season_codes=(season,) if isinstance(season, int) else (),
                genres=(genre,) if isinstance(genre, str) else (),
                team=team,
            ),
            advanced_query=text if self.advanced else "",
            order_by=self.query_one("#search-order", Input).value.strip(),
            descending=self.query_one("#search-descending", Checkbox).value,
        )

    @on(Input.Changed, "#search-query")
    def query_typed(self) -> None:
        if self.advanced:
            return
        self.debounce.restart()

    @on(Input.Submitted, "#search-query")
    @on(Input.Submitted, "#search-order")
    def query_submitted(self) -> None:
        self.debounce.now()
        if self.advanced:
            # A refused query must keep the keys in the box: the results go there on success.
            self.results_wanted = True
        elif self.results:
            self.query_one(KeyTable).focus()

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def filter_changed(self) -> None:
        if not self.advanced or self.query_one("#search-query", Input).value.strip():
            self.search(self.current_request())

    @work(exclusive=True, group="search", exit_on_error=False)
    async def search(self, request: SearchRequest) -> None:
        status = self.query_one(StatusLine)
        catalog = self.runtime.catalog
        limit = self.runtime.settings.ui.page_size * 2
        if (request.advanced and not request.advanced_query.strip()) or (
            not request.advanced and request.query.is_empty
        ):
            self.show_results(())
            status.info(t("Type to search titles."))
            return
        status.info(t("Searching…"))
        try:
            if request.advanced:
                titles = await catalog.advanced_search(
                    request.advanced_query,
                    order_by=request.order_by,
                    descending=request.descending,
                    limit=limit,
                )
            else:
                titles = await catalog.search(request.query, limit=limit)
        except SourceError as error:
            if request == self.current_request():
                self.results_wanted = False
                status.failed(error, hint_demo=False)
                self.show_results(())
            return
        # Exclusive workers cancel older searches, but one that already finished its request
        # must still not paint over a newer query.
        if request != self.current_request():
            return
        self.show_results(titles)
        if titles and self.results_wanted:
            self.query_one(KeyTable).focus()
        self.results_wanted = False
        if titles:
            status.info(tn("{count} title", "{count} titles", len(titles)))
        else:
            status.info(t("No titles found."))

    def show_results(self, titles: tuple[Title, ...]) -> None:
        self.results = titles
        table = self.query_one(KeyTable)
        table.clear()
        self.row_titles.clear()
        keys = table.add_keyed_rows(
            (str(title.id), title_row(title, favorite=self.is_favorite(title))) for title in titles
        )
        self.row_titles.add(keys, titles)

    # keys ----------------------------------------------------------------------------------

    def listed_titles(self) -> tuple[Title, ...]:
        return self.results

    def action_focus_query(self) -> None:
        self.query_one("#search-query", Input).focus()

    def query_placeholder(self) -> str:
        if self.advanced:
            return t("Advanced query, e.g. {season.year} == 2024 and {type.code} == 1")
        return t("Search titles…")

    def action_toggle_advanced(self) -> None:
        self.advanced = not self.advanced
        self.set_class(self.advanced, "-advanced-mode")
        query = self.query_one("#search-query", Input)
        # A plain search is rarely a valid query and vice versa: each mode keeps its own text.
        query.value, self.other_mode_text = self.other_mode_text, query.value
        query.placeholder = self.query_placeholder()
        query.focus()
        self.show_results(())
        self.query_one(StatusLine).info(t("Type to search titles."))

    def action_refresh_screen(self) -> None:
        self.search(self.current_request())

    @on(DataTable.RowSelected, "#search-results")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        title = self.row_titles.get(event.row_key)
        if title is not None:
            self.post_message(TitleOpened(title.id))
