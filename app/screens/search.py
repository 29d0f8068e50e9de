"""Search: titles as you type; `F` shows a panel of the API's filters, several values each; an
advanced mode for advancedSearch queries."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import (
    Checkbox,
    DataTable,
    Input,
    OptionList,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.option_list import Option

from app import i18n
from app.i18n import t, tn
from app.messages import TitleOpened
from app.plaintext import one_line
from app.screens.base import TitleListScreen
from app.screens.debounce import Debounce
from app.screens.paging import PREFETCH_ROWS, PageLoader
from app.services.catalog import SearchQuery, unique_titles
from app.sources.anilibria.models import Fetched, Title
from app.sources.errors import SourceError
from app.sources.search_filters import SEASON_CODES, FilterKey, FilterOption, SearchPage
from app.widgets.footer import KeyFooter
from app.widgets.notify import tell
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, title_row

SINGLE_CHOICES = (FilterKey.YEAR_FROM, FilterKey.YEAR_TO, FilterKey.SORTING)
"""Filters that take one value (v1 reads one year each way and one order): drop-downs; every
other filter is a list of values to tick."""


def filter_id(key: FilterKey) -> str:
    return f"filter-{key}"


def filter_prompt(key: FilterKey) -> str:
    """What a single-choice filter's drop-down says while nothing is chosen."""
    prompts = {
        FilterKey.YEAR_FROM: t("From any year"),
        FilterKey.YEAR_TO: t("To any year"),
        FilterKey.SORTING: t("Default order"),
    }
    return prompts[key]


def filter_name(key: FilterKey) -> str:
    """A filter of several values as the panel lists it and the summary names it."""
    names = {
        FilterKey.YEAR: t("Years"),
        FilterKey.SEASON: t("Seasons"),
        FilterKey.GENRE: t("Genres"),
        FilterKey.TEAM: t("Team members"),
        FilterKey.TYPE: t("Types"),
        FilterKey.AGE_RATING: t("Age ratings"),
        FilterKey.PUBLISH_STATUS: t("Airing"),
        FilterKey.PRODUCTION_STATUS: t("Voicing"),
    }
    return names[key]


def option_label(key: FilterKey, option: FilterOption) -> Text:
    """A filter value as the panel shows it: seasons and team roles in the UI's language,
    the API's own text literally, on one line (cut with "…" where the list is narrow)."""
    if key is FilterKey.SEASON and option.value in SEASON_CODES:
        text = i18n.season_name(int(option.value))
    elif key is FilterKey.TEAM:
        roles = {
            "voice": t("Voice"),
            "translator": t("Translation"),
            "editing": t("Subtitles"),
            "decor": t("Design"),
            "timing": t("Timing"),
        }
        text = f"{one_line(option.label)} · {roles.get(option.group, option.group)}"
    else:
        text = one_line(option.label)
    return Text(text, no_wrap=True, overflow="ellipsis")


def filters_summary(
    query: SearchQuery,
    options: dict[FilterKey, tuple[FilterOption, ...]],
    offered: tuple[FilterKey, ...],
) -> str:
    """The filters set, on one line in the panel's order; "" when none is. A value whose list
    has not arrived yet is named by its own value."""
    parts: list[str] = []
    for key in offered:
        chosen = query.chosen(key)
        if not chosen:
            continue
        labels = {option.value: option_label(key, option).plain for option in options.get(key, ())}
        values = ", ".join(labels.get(value, value) for value in chosen)
        if key is FilterKey.YEAR_FROM:
            parts.append(t("from {year}", year=values))
        elif key is FilterKey.YEAR_TO:
            parts.append(t("to {year}", year=values))
        elif key is FilterKey.SORTING:
            parts.append(values)
        else:
            parts.append(f"{filter_name(key)}: {values}")
    return " · ".join(parts)


@dataclass(frozen=True)
class SearchRequest:
    """Everything a result depends on: results for another request are stale."""

    advanced: bool
    query: SearchQuery
    advanced_query: str
    order_by: str
    descending: bool


class SearchScreen(TitleListScreen):
    """Type to search; `F` shows the filters, `X` clears them; ctrl+a toggles the advanced
    query."""

    MODE = "search"
    SCREEN_NAME = "Search"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_query", "Focus search"),
        Binding("ctrl+a", "toggle_advanced", "Advanced query", priority=True),
        Binding("F", "toggle_filters", "Filters"),
        Binding("X", "clear_filters", "Clear filters"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.advanced = False
        self.other_mode_text = ""
        """What the query box held in the other mode (plain search or advanced query)."""
        self.results_wanted = False
        """Enter asked for an advanced query's results: focus them once they arrive."""
        self.results: list[Title] = []
        self.seen_ids: set[int] = set()
        self.total: int | None = 0
        """How many titles match in all where the API says (v1); None where it does not."""
        self.pages: PageLoader[Title] | None = None
        """The pages after the listed ones; None before the first results."""
        self.ticked: dict[FilterKey, tuple[str, ...]] = {}
        """The values ticked per filter of several values (the panel lists one filter's at a
        time; a language switch keeps them)."""
        self.options: dict[FilterKey, tuple[FilterOption, ...]] = {}
        """Each filter's values, as the API offered them."""
        self.shown_filter: FilterKey | None = None
        """The filter whose values the panel lists."""
        self.panel_open = False
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
        yield from self.compose_panel()
        yield Static(id="search-summary", classes="-hidden", markup=False)
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

    def compose_panel(self) -> ComposeResult:
        """Hidden until `F`: the filters of several values beside the highlighted one's values,
        then the single choices (v1's years from–to and order)."""
        many = self.multi_filters()
        if self.shown_filter not in many:
            self.shown_filter = many[0] if many else None
        with Horizontal(id="search-panel", classes="" if self.panel_open else "-hidden"):
            yield OptionList(
                *(Option(self.key_label(key), id=key.value) for key in many),
                id="search-filter-keys",
                compact=True,
            )
            yield SelectionList[str](id="search-filter-values", compact=True)
            single = [key for key in self.runtime.catalog.search_filters if key in SINGLE_CHOICES]
            if single:
                with Vertical(id="search-single"):
                    for key in single:
                        yield Select[str](
                            (), prompt=filter_prompt(key), id=filter_id(key), compact=True
                        )

    def multi_filters(self) -> tuple[FilterKey, ...]:
        return tuple(
            key for key in self.runtime.catalog.search_filters if key not in SINGLE_CHOICES
        )

    def key_label(self, key: FilterKey) -> Text:
        """A filter's name in the panel, with how many of its values are ticked."""
        count = len(self.ticked.get(key, ()))
        label = f"{filter_name(key)} ({count})" if count else filter_name(key)
        return Text(label, no_wrap=True, overflow="ellipsis")

    def on_mount(self) -> None:
        self.start()

    async def relocalize(self) -> None:
        # A search falling due while the widgets are rebuilt would read ones not there yet;
        # the query put back into the new box asks again.
        self.debounce.cancel()
        await super().relocalize()

    def start(self) -> None:
        # After a language switch the mode stays what it was; its placeholder is retranslated.
        self.set_class(self.advanced, "-advanced-mode")
        query = self.query_one("#search-query", Input)
        query.placeholder = self.query_placeholder()
        query.focus()
        self.query_one(StatusLine).info(t("Type to search titles."))
        if self.shown_filter is not None:
            # After a language switch the panel lists the filter it listed before.
            keys = self.query_one("#search-filter-keys", OptionList)
            keys.highlighted = self.multi_filters().index(self.shown_filter)
        self.load_filters()

    # filters -------------------------------------------------------------------------------

    @work(group="search-filters", exit_on_error=False)
    async def load_filters(self) -> None:
        catalog = self.runtime.catalog
        for key in catalog.search_filters:
            # Each list is independent: one failing leaves the others usable.
            with suppress(SourceError):
                self.fill_filter(key, (await catalog.filter_options(key)).value)

    def fill_filter(self, key: FilterKey, options: tuple[FilterOption, ...]) -> None:
        self.options[key] = options
        if key in SINGLE_CHOICES:
            select = self.query_one(f"#{filter_id(key)}", Select)
            select.set_options((option_label(key, option), option.value) for option in options)
            self.restore_choice(select)
        elif key is self.shown_filter:
            self.list_values(key)
        self.show_summary()

    def list_values(self, key: FilterKey) -> None:
        """Show `key`'s values in the panel, the ticked ones ticked (no new search)."""
        values = self.query_one("#search-filter-values", SelectionList)
        ticked = self.ticked.get(key, ())
        with self.prevent(SelectionList.SelectedChanged):
            values.clear_options()
            values.add_options(
                (option_label(key, option), option.value, option.value in ticked)
                for option in self.options.get(key, ())
            )
            # Space ticks the first value at once, as in the list of filters beside it.
            values.highlighted = 0 if values.option_count else None

    @on(OptionList.OptionHighlighted, "#search-filter-keys")
    def filter_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        key = FilterKey(event.option.id or "")
        if key is not self.shown_filter:
            self.shown_filter = key
            self.list_values(key)

    @on(OptionList.OptionSelected, "#search-filter-keys")
    def filter_picked(self) -> None:
        """Enter on a filter: on to its values."""
        self.query_one("#search-filter-values").focus()

    @on(SelectionList.SelectedChanged, "#search-filter-values")
    def values_ticked(self, event: SelectionList.SelectedChanged[str]) -> None:
        key = self.shown_filter
        if key is None:
            return
        self.ticked[key] = tuple(event.selection_list.selected)
        keys = self.query_one("#search-filter-keys", OptionList)
        keys.replace_option_prompt(key.value, self.key_label(key))
        self.filter_changed()

    def show_summary(self) -> None:
        """The active filters on one line above the results (hidden when there are none)."""
        catalog = self.runtime.catalog
        summary = filters_summary(
            self.current_request().query, self.options, catalog.search_filters
        )
        line = self.query_one("#search-summary", Static)
        line.update(Content(t("Filters: {filters}", filters=summary)))
        line.set_class(not summary, "-hidden")

    # the request ---------------------------------------------------------------------------

    def current_request(self) -> SearchRequest:
        chosen = {key: values for key, values in self.ticked.items() if values}
        for key in self.runtime.catalog.search_filters:
            if key in SINGLE_CHOICES:
                value = self.query_one(f"#{filter_id(key)}", Select).value
                if isinstance(value, str):
                    chosen[key] = (value,)
        text = self.query_one("#search-query", Input).value
        return SearchRequest(
            advanced=self.advanced,
            query=SearchQuery(text="" if self.advanced else text, filters=chosen),
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
        self.show_summary()
        if not self.advanced or self.query_one("#search-query", Input).value.strip():
            self.search(self.current_request())

    @work(exclusive=True, group="search", exit_on_error=False)
    async def search(self, request: SearchRequest) -> None:
        status = self.query_one(StatusLine)
        # Pages of the previous results must not land under the new ones.
        self.workers.cancel_group(self, "search-more")
        if (request.advanced and not request.advanced_query.strip()) or (
            not request.advanced and request.query.is_empty
        ):
            self.clear_results()
            return
        status.info(t("Searching…"))
        try:
            first = await self.fetch_page(
                request, after=0, limit=self.runtime.settings.ui.page_size
            )
        except SourceError as error:
            if request == self.current_request():
                self.results_wanted = False
                self.show_first_page(request, SearchPage((), total=0))
                status.failed(error, hint_demo=False)
            return
        # Exclusive workers cancel older searches, but one that already finished its request
        # must still not paint over a newer query.
        if request != self.current_request():
            return
        self.show_first_page(request, first)
        if first.titles and self.results_wanted:
            self.query_one(KeyTable).focus()
        self.results_wanted = False

    async def fetch_page(self, request: SearchRequest, *, after: int, limit: int) -> SearchPage:
        catalog = self.runtime.catalog
        if request.advanced:
            titles = await catalog.advanced_search(
                request.advanced_query,
                order_by=request.order_by,
                descending=request.descending,
                limit=limit,
                after=after,
            )
            return SearchPage(titles, total=None)
        return await catalog.search_page(request.query, limit=limit, after=after)

    def show_first_page(self, request: SearchRequest, first: SearchPage) -> None:
        """Start the results over with `first`; the pages after it load as the cursor nears
        the end."""
        if self.pages is not None:
            self.pages.drop_prefetch()

        async def fetch(after: int, limit: int, _cache_only: bool) -> Fetched[tuple[Title, ...]]:
            page = await self.fetch_page(request, after=after, limit=limit)
            return Fetched(page.titles, 0.0, from_cache=False)

        self.pages = PageLoader(fetch, self.runtime.settings.ui.page_size)
        self.total = first.total
        self.results = []
        self.seen_ids = set()
        self.query_one(KeyTable).clear()
        self.row_titles.clear()
        self.pages.restart(Fetched(first.titles, 0.0, from_cache=False))
        self.append(first.titles)

    def clear_results(self) -> None:
        self.show_first_page(self.current_request(), SearchPage((), total=0))
        self.query_one(StatusLine).info(t("Type to search titles."))

    def append(self, titles: tuple[Title, ...]) -> None:
        fresh = unique_titles(titles, self.seen_ids)
        self.results.extend(fresh)
        keys = self.query_one(KeyTable).add_items(
            ((str(title.id), title) for title in fresh), self.row_cells
        )
        self.row_titles.add(keys, fresh)
        self.query_one(StatusLine).info(self.count_text())

    def row_cells(self, title: Title) -> list[Text]:
        return title_row(title, favorite=self.is_favorite(title))

    def count_text(self) -> str:
        """How many titles are listed, and of how many where the API says (v1), or that more
        follow where it does not (v2)."""
        shown = len(self.results)
        if not shown:
            return t("No titles found.")
        if self.total is not None and self.total > shown:
            return tn(
                "{shown} of {count} title", "{shown} of {count} titles", self.total, shown=shown
            )
        if self.total is None and self.pages is not None and not self.pages.exhausted:
            return tn("{count}+ title", "{count}+ titles", shown)
        return tn("{count} title", "{count} titles", shown)

    @on(DataTable.RowHighlighted, "#search-results")
    def near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.results) - PREFETCH_ROWS:
            self.load_next_page()

    @work(exclusive=True, group="search-more", exit_on_error=False)
    async def load_next_page(self) -> None:
        if self.pages is None:
            return
        table = self.query_one(KeyTable)
        await self.pages.load_while(
            lambda: bool(self.results) and table.cursor_row >= len(self.results) - PREFETCH_ROWS,
            self.append,
            self.query_one(StatusLine),
        )

    def on_unmount(self) -> None:
        if self.pages is not None:
            self.pages.drop_prefetch()

    # keys ----------------------------------------------------------------------------------

    def listed_titles(self) -> list[Title]:
        return self.results

    def action_focus_query(self) -> None:
        self.query_one("#search-query", Input).focus()

    def query_placeholder(self) -> str:
        if self.advanced:
            return t("Advanced query, e.g. {season.year} == 2024 and {type.code} == 1")
        return t("Search titles…")

    def action_toggle_advanced(self) -> None:
        if not self.runtime.catalog.offers_advanced_search:
            # The query box keeps the keys: nothing changed but what the user now knows.
            tell(self, t("Advanced queries: API v2 only"), severity="warning")
            return
        self.advanced = not self.advanced
        self.set_class(self.advanced, "-advanced-mode")
        self.refresh_bindings()
        query = self.query_one("#search-query", Input)
        # A plain search is rarely a valid query and vice versa: each mode keeps its own text.
        query.value, self.other_mode_text = self.other_mode_text, query.value
        query.placeholder = self.query_placeholder()
        query.focus()
        self.clear_results()

    def action_toggle_filters(self) -> None:
        """Show or hide the filter panel; shown, it takes the focus."""
        panel = self.query_one("#search-panel")
        self.panel_open = panel.has_class("-hidden")
        panel.set_class(not self.panel_open, "-hidden")
        if self.panel_open:
            self.query_one("#search-filter-keys").focus()
        elif self.focused is None or panel in self.focused.ancestors:
            self.query_one(KeyTable).focus()

    def action_clear_filters(self) -> None:
        """Every filter back to none, then one search."""
        self.ticked.clear()
        with self.prevent(Select.Changed):
            for select in self.query("#search-single Select").results(Select):
                select.clear()
        keys = self.query_one("#search-filter-keys", OptionList)
        for key in self.multi_filters():
            keys.replace_option_prompt(key.value, self.key_label(key))
        if self.shown_filter is not None:
            self.list_values(self.shown_filter)
        self.filter_changed()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # An advanced query has no filters: its own text says everything.
        if action in ("toggle_filters", "clear_filters"):
            return not self.advanced
        return super().check_action(action, parameters)

    def action_refresh_screen(self) -> None:
        self.search(self.current_request())

    @on(DataTable.RowSelected, "#search-results")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        title = self.row_titles.get(event.row_key)
        if title is not None:
            self.post_message(TitleOpened(title.id))
