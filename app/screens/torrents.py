"""Torrents: one query over nekoBT, the Torrent API and AniLibria's own torrents, with filters."""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.coordinate import Coordinate
from textual.timer import Timer
from textual.validation import Function
from textual.widgets import Checkbox, DataTable, Input, Label, Select, Static
from textual.widgets.data_table import RowKey

from app.formatting import date_text, human_size
from app.i18n import t
from app.plaintext import one_line
from app.screens.base import AniScreen
from app.screens.choice import Choice, ChoiceScreen
from app.screens.debounce import Debounce
from app.screens.language_filter import LanguageFilter, languages_summary
from app.screens.prompt import PromptScreen
from app.screens.uploader_filter import UploaderFilter
from app.services.torrent_presets import TorrentFilterMemory, UnreadablePresetError
from app.services.torrent_search import (
    SOURCE_NAMES,
    SUBTITLE_LEVELS,
    VIDEO_CODECS,
    VIDEO_TYPES,
    MediaChoice,
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
from app.widgets.notify import tell
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine
from app.widgets.title_table import (
    KeyTable,
    MiddleCut,
    RowItems,
    SideColumn,
    cell,
    columns_for_width,
)
from app.widgets.torrent_text import answer_text, level_text, problem_text

SORTS: tuple[tuple[str, TorrentSort], ...] = (
    ("Newest", "latest"),
    ("Oldest", "oldest"),
    ("RSS order", "rss"),
    ("Most seeders", "seeders"),
    ("Fewest seeders", "seeders_asc"),
    ("Most leechers", "leechers"),
    ("Fewest leechers", "leechers_asc"),
    ("Most downloads", "downloads"),
    ("Fewest downloads", "downloads_asc"),
    ("Most comments", "comments"),
    ("Fewest comments", "comments_asc"),
    ("Largest", "filesize"),
    ("Smallest", "filesize_asc"),
)
"""nekoBT's orders but "best", its default (the prompt)."""
FLAGS: tuple[tuple[str, str, str, str], ...] = (
    ("hardsub", "Hardsub", "Hardsub: yes", "Hardsub: no"),
    ("mtl", "MTL", "MTL: yes", "MTL: no"),
    ("otl", "OTL", "OTL: yes", "OTL: no"),
)
"""The yes / no filters: id, the prompt (no choice: either), the choices' labels."""
GROUP_SCOPES: tuple[tuple[str, str], ...] = (
    ("group_primary", "its uploads"),
    ("group_secondary", "its help"),
    ("group_childs", "sub-groups"),
    ("group_parents", "parents"),
)
UPLOADER_SCOPES: tuple[tuple[str, str], ...] = (
    ("uploader_uploads", "uploads"),
    ("uploader_contributions", "contributions"),
)
SCOPE_DEFAULTS = {
    name: getattr(TorrentFilters(), name) for name, _label in (*GROUP_SCOPES, *UPLOADER_SCOPES)
}
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


def count_text(value: int | None) -> str:
    return "—" if value is None else str(value)


def peers_cell(hit: TorrentHit) -> Text:
    """Seeders / leechers / completed in one cell."""
    return Text.assemble(
        (count_text(hit.seeders), "green"),
        "/",
        (count_text(hit.leechers), "yellow"),
        "/",
        count_text(hit.completed),
        no_wrap=True,
    )


def seeders_leechers_cell(hit: TorrentHit) -> Text:
    """Seeders / leechers: what tells a live torrent, where the completed count has no room."""
    return Text.assemble(
        (count_text(hit.seeders), "green"), "/", (count_text(hit.leechers), "yellow"), no_wrap=True
    )


def hit_name_cell(hit: TorrentHit) -> Text:
    """The torrent's name; a narrow column cuts its middle: the episodes and the quality sit
    at its end, and they tell the rows apart."""
    name = cell(hit.title, "bold")
    return MiddleCut(name, keep=name.cell_len)


SIZE: SideColumn[TorrentHit] = SideColumn(
    "size", "Size", lambda hit: cell(human_size(hit.size)), room=9
)
PEERS: SideColumn[TorrentHit] = SideColumn("peers", "S/L/C", peers_cell, room=13)
SEEDERS_LEECHERS: SideColumn[TorrentHit] = SideColumn(
    "seeders-leechers", "S/L", seeders_leechers_cell, room=9
)
DATE: SideColumn[TorrentHit] = SideColumn(
    "date", "Date", lambda hit: cell(date_text(hit.date)), room=12
)
GROUP: SideColumn[TorrentHit] = SideColumn(
    "group", "Group", lambda hit: cell(hit.group or "—"), room=12, width=10
)
SUBS: SideColumn[TorrentHit] = SideColumn(
    "subs",
    "Subs",
    lambda hit: cell(f"{level_text(hit.level)} {languages_text(hit.languages)}"),
    room=11,
    width=9,
)
SOURCES: SideColumn[TorrentHit] = SideColumn(
    "sources", "Src", lambda hit: cell("".join(SOURCE_MARKS[s] for s in hit.sources)), room=6
)

RESULT_LAYOUTS: tuple[tuple[SideColumn[TorrentHit], ...], ...] = (
    (SIZE, PEERS, DATE, GROUP, SUBS, SOURCES),
    # Most names start with their group.
    (SIZE, PEERS, DATE, SUBS, SOURCES),
    (SIZE, SEEDERS_LEECHERS, SUBS, SOURCES),
    (SEEDERS_LEECHERS, SUBS),
)
"""The columns beside the name, from the widest screen's to the narrowest's."""

NAME_SPACE = 44
"""What the name column needs at least to tell torrents apart: 40 cells, its padding and the
table's scrollbar."""


def hit_row(hit: TorrentHit, layout: tuple[SideColumn[TorrentHit], ...]) -> list[Text]:
    """The cells of one result in `layout`."""
    return [hit_name_cell(hit), *(column.cell(hit) for column in layout)]


DAY = 86400.0


def level_label(level: int) -> str:
    return t("none") if level < 0 else f"L{level}"


def level_id(level: int) -> str:
    return "level-none" if level < 0 else f"level-{level}"


def parse_day(text: str) -> float | None:
    """Unix seconds of the start (UTC) of the day `text` ("2025-01-31") names; None if none."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def parse_episodes(text: str) -> tuple[int, ...] | None:
    """The episode numbers of "1-3, 5" (in order, once each); () for nothing, None if unreadable."""
    numbers: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _dash, last = part.partition("-")
        if not first.strip().isdigit() or not (last.strip().isdigit() or not _dash):
            return None
        low = int(first)
        high = int(last) if _dash else low
        if high < low or high - low > 1000:
            return None
        numbers.update(range(low, high + 1))
    return tuple(sorted(numbers))


def day_input(placeholder: str, widget_id: str) -> Input:
    return Input(
        placeholder=placeholder,
        id=widget_id,
        validators=[Function(lambda text: not text.strip() or parse_day(text.strip()) is not None)],
        compact=True,
    )


def filters_summary(filters: TorrentFilters) -> str:
    """The filters set, on one line; "" when none is."""
    parts: list[str] = []
    sort = next((label for label, value in SORTS if value == filters.sort_by), None)
    if sort is not None:
        parts.append(t(sort))
    if filters.levels:
        parts.append(", ".join(level_label(level) for level in filters.levels))
    for chosen, table in ((filters.video_codecs, VIDEO_CODECS), (filters.video_types, VIDEO_TYPES)):
        if chosen:
            parts.append(", ".join(name for code, name in table if code in chosen))
    for name, _prompt, yes, no in FLAGS:
        flag = getattr(filters, name)
        if flag is not None:
            parts.append(t(yes if flag else no))
    parts.extend(languages_summary(filters))
    if filters.media:
        parts.append(t("media {media}", media=filters.media))
    if filters.media and filters.episodes:
        parts.append(t("episodes {episodes}", episodes=", ".join(map(str, filters.episodes))))
    if filters.group:
        parts.append(t("group {group}", group=filters.group))
    if filters.uploader or filters.uploader_name:
        parts.append(t("uploader {uploader}", uploader=filters.uploader_name or filters.uploader))
    if filters.after is not None:
        parts.append(t("since {day}", day=day_text(filters.after)))
    if filters.before is not None:
        parts.append(t("until {day}", day=day_text(filters.before - DAY)))
    return " · ".join(one_line(part) for part in parts)


def day_text(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d")


class TorrentsScreen(AniScreen):
    """Type a title, an info-hash or an IMDb id; Tab reaches the filters and results."""

    MODE = "torrents"
    SCREEN_NAME = "Torrents"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_query", "Focus search"),
        Binding("F", "toggle_filters", "Filters"),
        Binding("X", "clear_filters", "Clear filters"),
        Binding("M", "use_media", "Filter by the media"),
        Binding("P", "presets", "Presets"),
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
        self.asked: TorrentRequest | None = None
        """The request last searched for."""
        self.recommended: MediaChoice | None = None
        """The media nekoBT recommends for the results on screen (`M` filters by it)."""
        self.result_columns: tuple[SideColumn[TorrentHit], ...] = RESULT_LAYOUTS[0]
        """The results' columns beside the name, for the screen's width."""
        self.last_preset = ""
        """The preset last saved or applied: the name a save offers."""
        self.remembered: TorrentFilters | None = None
        """The filters saved for the next run (a change of them is saved)."""
        self.kept_filters: TorrentFilters | None = None
        """The filters to set again once a language switch rebuilt the panel."""

    @property
    def service(self) -> TorrentSearchService:
        return self.runtime.torrent_search

    @property
    def memory(self) -> TorrentFilterMemory:
        return self.runtime.torrent_filters

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
        yield Static(id="torrents-summary", classes="-hidden", markup=False)
        with VerticalScroll(id="torrents-panel", classes="-hidden"):
            with Horizontal(classes="filters-row"):
                yield Select[str](
                    [(t(label), value) for label, value in SORTS],
                    prompt=t("Best"),
                    id="filter-sort",
                    compact=True,
                )
                for name, prompt, yes, no in FLAGS:
                    yield Select[bool](
                        [(t(yes), True), (t(no), False)],
                        prompt=t(prompt),
                        id=f"filter-{name}",
                        compact=True,
                    )
            with Horizontal(classes="filters-row"):
                yield Label(t("Level"))
                for level in SUBTITLE_LEVELS:
                    yield Checkbox(level_label(level), id=level_id(level), compact=True)
            with Horizontal(classes="filters-row"):
                yield Label(t("Codec"))
                for code, name in VIDEO_CODECS:
                    yield Checkbox(name, id=f"codec-{code}", compact=True)
            with Horizontal(classes="filters-row"):
                yield Label(t("Type"))
                for code, name in VIDEO_TYPES:
                    yield Checkbox(name, id=f"type-{code}", compact=True)
            with Horizontal(classes="filters-row"):
                yield day_input(t("Since YYYY-MM-DD"), "filter-after")
                yield day_input(t("Until YYYY-MM-DD"), "filter-before")
                yield Input(
                    placeholder=t("Media: nekoBT id or title"), id="filter-media", compact=True
                )
            with Horizontal(classes="filters-row"):
                yield Input(
                    placeholder=t("Episodes: 1-3, 5"),
                    id="filter-episodes",
                    validators=[Function(lambda text: parse_episodes(text) is not None)],
                    compact=True,
                )
                yield Checkbox(t("any of them"), id="filter-episode-any", compact=True)
            with Horizontal(classes="filters-row"):
                yield Input(placeholder=t("Release group"), id="filter-group", compact=True)
                for name, label in GROUP_SCOPES:
                    yield Checkbox(
                        t(label), SCOPE_DEFAULTS[name], id=f"filter-{name}", compact=True
                    )
            with Horizontal(classes="filters-row"):
                yield UploaderFilter()
                for name, label in UPLOADER_SCOPES:
                    yield Checkbox(
                        t(label), SCOPE_DEFAULTS[name], id=f"filter-{name}", compact=True
                    )
            yield LanguageFilter()
        yield StatusLine(id="torrents-status")
        yield Static(id="torrents-problems", classes="-hidden", markup=False)
        yield Static(id="torrents-hints", classes="-hidden", markup=False)
        # Only the title shrinks; the screen's width decides which other columns there are.
        table = KeyTable(id="torrents-results", flexible=("title",))
        self.result_columns = columns_for_width(RESULT_LAYOUTS, self.app.size.width, NAME_SPACE)
        self.add_columns(table)
        yield table
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        restored = self.memory.restore()
        if restored.unreadable:
            tell(
                self,
                t("The saved torrent filters could not be read: the filters start empty."),
                severity="warning",
            )
        self.apply_filters(restored.filters)
        self.remembered = restored.filters
        self.show_summary()
        self.start()

    def add_columns(self, table: KeyTable) -> None:
        table.add_column(t("Title"), key="title")
        for column in self.result_columns:
            table.add_column(t(column.label), key=column.key, width=column.width)

    def on_resize(self, event: events.Resize) -> None:
        """Another width may fit other columns: the results are shown again in them, the
        cursor on the same row."""
        layout = columns_for_width(RESULT_LAYOUTS, event.size.width, NAME_SPACE)
        if layout == self.result_columns:
            return
        self.result_columns = layout
        table = self.query_one(KeyTable)
        position = table.position()
        table.clear(columns=True)
        self.add_columns(table)
        table.keep_position(position)
        self.row_hits.clear()
        self.row_hits.add(self.add_hit_rows(table, self.results, 0), self.results)

    def add_hit_rows(self, table: KeyTable, hits: list[TorrentHit], first: int) -> list[RowKey]:
        """Add the rows of `hits`, the first of them `results[first]`; a row's key is its
        place in `results`, where a listed hit stays."""
        return table.add_keyed_rows(
            (str(first + offset), hit_row(hit, self.result_columns))
            for offset, hit in enumerate(hits)
        )

    async def relocalize(self) -> None:
        # The shared relocalize keeps inputs and drop-downs, not the panel's ticks and
        # languages: the filters come back whole, before `start` searches with them.
        self.kept_filters = self.current_request().filters
        await super().relocalize()

    def start(self) -> None:
        if self.kept_filters is not None:
            self.apply_filters(self.kept_filters)
            self.show_summary()
            self.kept_filters = None
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

        def ticked(selector: str) -> bool:
            return self.query_one(selector, Checkbox).value

        def text(selector: str) -> str:
            return self.query_one(selector, Input).value.strip()

        source, sort = chosen("#torrents-source"), chosen("#filter-sort")
        languages = self.query_one(LanguageFilter)
        flags = {name: chosen(f"#filter-{name}") for name, *_labels in FLAGS}
        scopes = {name: ticked(f"#filter-{name}") for name in SCOPE_DEFAULTS}
        after, before = parse_day(text("#filter-after")), parse_day(text("#filter-before"))
        filters = TorrentFilters(
            sources=frozenset({Source(source)}) if isinstance(source, str) else frozenset(Source),
            sort_by=cast("TorrentSort", sort) if isinstance(sort, str) else None,
            levels=tuple(level for level in SUBTITLE_LEVELS if ticked(f"#{level_id(level)}")),
            audio_languages=languages.chosen("audio"),
            sub_languages=languages.chosen("sub"),
            fansub_languages=languages.chosen("fansub"),
            video_codecs=tuple(code for code, _name in VIDEO_CODECS if ticked(f"#codec-{code}")),
            video_types=tuple(code for code, _name in VIDEO_TYPES if ticked(f"#type-{code}")),
            hardsub=cast("bool | None", flags["hardsub"]),
            mtl=cast("bool | None", flags["mtl"]),
            otl=cast("bool | None", flags["otl"]),
            media=text("#filter-media"),
            episodes=parse_episodes(text("#filter-episodes")) or (),
            episode_match_any=ticked("#filter-episode-any"),
            group=text("#filter-group"),
            uploader=self.query_one(UploaderFilter).uploader_id,
            uploader_name=self.query_one(UploaderFilter).uploader_name,
            # "Until" a day includes that day.
            after=after,
            before=None if before is None else before + DAY,
            **scopes,
        )
        return TorrentRequest(self.query_one("#torrents-query", Input).value.strip(), filters)

    @on(Input.Changed)
    def query_typed(self, event: Input.Changed) -> None:
        if event.input.id != "torrents-query":
            self.filters_edited()
        self.debounce.restart()

    @on(Input.Submitted, "#torrents-query")
    def query_submitted(self) -> None:
        self.debounce.now()
        if self.results:
            self.query_one(KeyTable).focus()

    @on(Select.Changed)
    @on(UploaderFilter.Changed)
    @on(LanguageFilter.Changed)
    @on(Checkbox.Changed)
    def filter_changed(self) -> None:
        self.filters_edited()
        request = self.current_request()
        if request.query and request != self.asked:
            self.search(request)

    def filters_edited(self) -> None:
        """Show the filters now set, and keep them for the next run."""
        self.show_summary()
        filters = self.current_request().filters
        if filters != self.remembered:
            self.memory.remember(filters)
            self.remembered = filters

    def show_summary(self) -> None:
        """The active filters on one line (hidden when there are none)."""
        summary = filters_summary(self.current_request().filters)
        line = self.query_one("#torrents-summary", Static)
        line.update(Content(t("Filters: {filters}", filters=summary)))
        line.set_class(not summary, "-hidden")

    def action_toggle_filters(self) -> None:
        """Show or hide the filter panel; shown, it takes the focus."""
        panel = self.query_one("#torrents-panel")
        panel.toggle_class("-hidden")
        if panel.has_class("-hidden"):
            if self.focused is None or panel in self.focused.ancestors:
                self.query_one(KeyTable).focus()
        else:
            self.query_one("#filter-sort").focus()

    def action_clear_filters(self) -> None:
        """Every filter back to its default (the sources stay), then one search."""
        panel = self.query_one("#torrents-panel")
        with self.prevent(Select.Changed, Checkbox.Changed, Input.Changed):
            for select in panel.query(Select):
                select.clear()
            for box in panel.query(Checkbox):
                box.value = SCOPE_DEFAULTS.get((box.id or "").removeprefix("filter-"), False)
            for field in panel.query(Input):
                field.clear()
            self.query_one(LanguageFilter).show(TorrentFilters())
        self.filter_changed()

    def apply_filters(self, filters: TorrentFilters) -> None:
        """Set the filter widgets (and the source) to `filters`, searching nothing: the
        caller decides whether this is a change to search for."""

        def choose(selector: str, value: object) -> None:
            select: Select[object] = self.query_one(selector, Select)
            if value is None:
                select.clear()
            else:
                select.value = value

        def tick(selector: str, value: bool) -> None:
            self.query_one(selector, Checkbox).value = value

        def write(selector: str, text: str) -> None:
            self.query_one(selector, Input).value = text

        with self.prevent(Select.Changed, Checkbox.Changed, Input.Changed):
            # The source choice names one source or all of them.
            only = next(iter(filters.sources)) if len(filters.sources) == 1 else None
            choose("#torrents-source", None if only is None else only.value)
            choose("#filter-sort", filters.sort_by)
            for name, *_labels in FLAGS:
                choose(f"#filter-{name}", getattr(filters, name))
            for level in SUBTITLE_LEVELS:
                tick(f"#{level_id(level)}", level in filters.levels)
            for code, _name in VIDEO_CODECS:
                tick(f"#codec-{code}", code in filters.video_codecs)
            for code, _name in VIDEO_TYPES:
                tick(f"#type-{code}", code in filters.video_types)
            for name in SCOPE_DEFAULTS:
                tick(f"#filter-{name}", getattr(filters, name))
            tick("#filter-episode-any", filters.episode_match_any)
            write("#filter-media", filters.media)
            write("#filter-episodes", ", ".join(map(str, filters.episodes)))
            write("#filter-group", filters.group)
            self.query_one(UploaderFilter).show(filters.uploader, filters.uploader_name)
            write("#filter-after", "" if filters.after is None else day_text(filters.after))
            # The stored end is the next day's start ("until" a day includes that day).
            before = filters.before
            write("#filter-before", "" if before is None else day_text(before - DAY))
            self.query_one(LanguageFilter).show(filters)

    def action_presets(self) -> None:
        """The named presets: apply one, save the filters as one, or delete one."""
        names = self.memory.preset_names()
        choices = [
            *(Choice(f"apply:{name}", Content(name)) for name in names),
            Choice("save", t("Save the filters as a preset…")),
            Choice("delete", t("Delete a preset…"), disabled=not names),
        ]
        self.app.push_screen(ChoiceScreen(t("Filter presets"), choices), self.preset_chosen)

    def preset_chosen(self, answer: str | None) -> None:
        if answer == "save":
            self.app.push_screen(
                PromptScreen(
                    t("Save the filters as the preset:"), self.save_preset, value=self.last_preset
                ),
                self.say,
            )
        elif answer == "delete":
            choices = [
                Choice(f"delete:{name}", Content(name)) for name in self.memory.preset_names()
            ]
            self.app.push_screen(
                ChoiceScreen(t("Delete which preset?"), choices, tone="error"), self.preset_chosen
            )
        elif answer is not None and answer.startswith("delete:"):
            name = answer.removeprefix("delete:")
            self.memory.delete_preset(name)
            self.say(t("Preset “{name}” deleted.", name=name))
        elif answer is not None and answer.startswith("apply:"):
            self.apply_preset(answer.removeprefix("apply:"))

    async def save_preset(self, text: str) -> str:
        name = one_line(text)
        self.memory.save_preset(name, self.current_request().filters)
        self.last_preset = name
        return t("Filters saved as the preset “{name}”.", name=name)

    def apply_preset(self, name: str) -> None:
        try:
            filters = self.memory.preset(name)
        except UnreadablePresetError:
            tell(
                self,
                t("The preset “{name}” could not be read: delete it and save it again.", name=name),
                severity="warning",
            )
            return
        if filters is None:
            return
        self.apply_filters(filters)
        self.last_preset = name
        self.filter_changed()
        self.say(t("Preset “{name}” applied.", name=name))

    def say(self, message: str | None) -> None:
        if message:
            tell(self, message)

    def action_use_media(self) -> None:
        """Filter by the media nekoBT recommends for the query."""
        if self.recommended is not None:
            self.query_one("#filter-media", Input).value = self.recommended.id

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "use_media":
            return self.recommended is not None
        return super().check_action(action, parameters)

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
        self.asked = request
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
            self.recommended = result.recommended
            self.refresh_bindings()
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
            table.update_row(key, hit_row(hit, self.result_columns))
            self.row_hits.add([key], [hit])
        added = list(page.added)
        self.row_hits.add(self.add_hit_rows(table, added, len(self.results) - len(added)), added)
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
