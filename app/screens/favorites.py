"""Favorites: your titles with their new episodes, kept locally and synced with your account;
`l` shows one of your collections (planned, watching, ...) in the same list instead."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from app import i18n
from app.formatting import date_text
from app.i18n import t
from app.messages import FavoritesSyncRequested, FavoriteToggled, FollowToggled, TitleOpened
from app.screens.base import AniScreen
from app.services.account_sync import LibrarySync
from app.services.collections import COLLECTIONS, collection_name
from app.services.events import Event
from app.services.live import EpisodeReleased, TitleChanged
from app.sources.anilibria.models import Fetched, Title
from app.store.favorites import FavoriteRow
from app.widgets.footer import KeyFooter
from app.widgets.notify import tell
from app.widgets.now_playing import NowPlayingBar
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, RowItems, cell, episodes_text

SORTS = ("name", "updated", "weekday")
FOLLOWED_MARK = "↻ "
"""Before a followed title's name: its new episodes are downloaded by themselves."""
SORT_NAMES = {"name": "by name", "updated": "by last update", "weekday": "by weekday"}
FAVORITES_VIEW = "favorites"
"""The list's view of the favorites; the others are the collections by name."""
SYNC_LINES = {
    LibrarySync.LOCAL: "kept on this device (log in to sync)",
    LibrarySync.V1_ONLY: "kept on this device (synced on API v1 only)",
    LibrarySync.SYNCED: "synced with your account",
    LibrarySync.OFFLINE: "not synced, will retry",
    LibrarySync.EXPIRED: "session expired: log in again to sync",
}
"""How a collection's status line ends, by the last sync's outcome."""


def sort_key(sort: str, title: Title) -> tuple[object, ...]:
    name = (title.names.ru or title.display_name).casefold()
    if sort == "updated":
        return (-(title.updated or 0), name)
    if sort == "weekday":
        day = title.season.week_day if title.season else None
        return (day if day is not None else 7, name)
    return (name,)


class FavoritesScreen(AniScreen):
    """Favorite titles with new-episode badges; Enter opens one, `f` removes it; `l` switches
    to a collection's titles."""

    MODE = "favorites"
    SCREEN_NAME = "Favorites"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "remove_favorite", "Remove"),
        Binding("o", "cycle_sort", "Sort"),
        Binding("l", "choose_view", "Collections"),
        Binding("F", "toggle_follow", "Follow", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "name"
        self.view = FAVORITES_VIEW
        """What the list shows: the favorites, or the collection of that name."""
        self.titles: list[Title] = []
        self.absent: list[FavoriteRow] = []
        """Favorites the API in use does not have (after a change of API): kept, listed."""
        self.row_titles: RowItems[Title] = RowItems()

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        yield StatusLine(id="favorites-status")
        table = KeyTable(id="favorites-table", flexible=("name",))
        table.add_column(t("Name"), key="name")
        table.add_column(t("Episodes"), key="episodes")
        table.add_column(t("New"), key="new")
        table.add_column(t("Updated"), key="updated")
        table.add_column(t("Weekday"), key="weekday")
        yield table
        yield NowPlayingBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.shell.history_changed.subscribe(self, lambda _title_id: self.show())
        self.shell.favorites_changed.subscribe(self, lambda _ids: self.load())
        self.shell.collections_changed.subscribe(self, self.collections_changed)
        self.shell.follows_changed.subscribe(self, lambda _ids: self.show())
        self.shell.title_news.subscribe(self, self.title_news)
        self.start()

    def title_news(self, event: Event) -> None:
        """A favorite's new episode or change arrived live: its badge and dates follow."""
        if isinstance(event, (EpisodeReleased, TitleChanged)) and self.runtime.favorites.contains(
            event.title_id
        ):
            self.load()

    def start(self) -> None:
        self.query_one(KeyTable).focus()
        self.load()

    def action_refresh_screen(self) -> None:
        self.load()
        self.post_message(FavoritesSyncRequested())

    def collections_changed(self, _title_ids: frozenset[int]) -> None:
        if self.view != FAVORITES_VIEW:
            self.load()

    def shown_ids(self) -> frozenset[int]:
        """The titles of the current view."""
        if self.view == FAVORITES_VIEW:
            return self.runtime.favorites.ids()
        return frozenset(row.title_id for row in self.runtime.collections.entries(self.view))

    def collection_line(self) -> str:
        """The status line of a collection's view: which one, and how it is kept."""
        collections = self.runtime.collections
        return t(
            "{collection}: {count} · {sync}",
            collection=collection_name(self.view),
            count=str(len(self.titles)),
            sync=t(SYNC_LINES[collections.last_status]),
        )

    @work(exclusive=True, group="favorites", exit_on_error=False)
    async def load(self) -> None:
        ids = sorted(self.shown_ids())
        status = self.query_one(StatusLine)
        if not ids:
            self.titles = []
            self.show()
            if self.view == FAVORITES_VIEW:
                status.info(t("No favorites yet: press f on a title to add it."))
            else:
                status.info(
                    t("Nothing here yet: press L on a title.") + " " + self.collection_line()
                )
            return
        catalog = self.runtime.catalog
        await self.load_cache_first(
            lambda cache_only: catalog.titles(ids, cache_only=cache_only), self.got, status
        )

    def got(self, fetched: Fetched[tuple[Title, ...]]) -> None:
        wanted = self.shown_ids()
        self.titles = [title for title in fetched.value if title.id in wanted]
        listed = {title.id for title in self.titles}
        self.absent = []
        if self.view == FAVORITES_VIEW:
            favorites = self.runtime.favorites
            missing = self.runtime.carry_over.missing()
            self.absent = [
                row
                for title_id in sorted(wanted & missing.keys() - listed)
                if (row := favorites.favorite(title_id)) is not None
            ]
        self.show()
        if self.view != FAVORITES_VIEW:
            self.query_one(StatusLine).info(self.collection_line())

    def action_choose_view(self) -> None:
        """Show the favorites, or one of the collections."""
        from app.screens.choice import Choice, ChoiceScreen

        views = [(FAVORITES_VIEW, t("Favorites")), *((c, collection_name(c)) for c in COLLECTIONS)]
        choices = [
            Choice(view, ("● " if view == self.view else "  ") + label) for view, label in views
        ]

        def chosen(view: str | None) -> None:
            if view is not None and view != self.view:
                self.view = view
                self.refresh_bindings()
                self.load()

        self.app.push_screen(ChoiceScreen(t("Show"), choices), chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # `f` removes a favorite: in a collection's view the highlighted title may be none.
        return action != "remove_favorite" or self.view == FAVORITES_VIEW

    def show(self) -> None:
        table = self.query_one(KeyTable)
        current = self.current_title()
        self.titles.sort(key=lambda title: sort_key(self.sort, title))
        table.clear()
        self.row_titles.clear()
        history = self.runtime.history
        followed = self.runtime.follow.followed_ids()
        for title in self.titles:
            out = len(title.player.episodes) if title.player else 0
            new = max(0, out - history.watched_count(title.id))
            day = title.season.week_day if title.season else None
            name = cell(title.names.ru or title.display_name, "bold")
            key = table.add_row(
                Text.assemble((FOLLOWED_MARK, "bold cyan"), name) if title.id in followed else name,
                cell(episodes_text(title)),
                Text(f"+{new}", style="bold green") if new else cell("—", "dim"),
                cell(date_text(title.updated)),
                cell(i18n.weekday(day) if day is not None and 0 <= day < 7 else "—"),
                key=str(title.id),
            )
            self.row_titles.add([key], [title])
        missing = self.runtime.carry_over.missing()
        for favorite in self.absent:
            table.add_row(
                cell(favorite.name_ru or favorite.name_en or f"#{favorite.title_id}", "bold"),
                cell(t("not on {api}", api=missing.get(favorite.title_id, "")), "dim"),
                cell("—", "dim"),
                cell("—", "dim"),
                cell("—", "dim"),
                key=str(favorite.title_id),
            )
        if current is not None:
            for row, title in enumerate(self.titles):
                if title.id == current.id:
                    table.move_cursor(row=row)

    def current_title(self) -> Title | None:
        return self.row_titles.at_cursor(self.query_one(KeyTable))

    @on(DataTable.RowSelected, "#favorites-table")
    def open_title(self, event: DataTable.RowSelected) -> None:
        event.stop()
        title = self.row_titles.get(event.row_key)
        if title is not None:
            self.post_message(TitleOpened(title.id))

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.show()
        tell(self, t("Sorted {how}.", how=t(SORT_NAMES[self.sort])), timeout=2)

    def action_toggle_follow(self) -> None:
        title = self.current_title()
        if title is not None:
            self.post_message(FollowToggled(title.id, title.names.ru or title.display_name))

    def action_remove_favorite(self) -> None:
        from app.screens.choice import Choice, ChoiceScreen

        title = self.current_title()
        if title is None:
            return

        def confirmed(choice: str | None) -> None:
            if choice == "remove":
                self.post_message(FavoriteToggled(title))

        self.app.push_screen(
            ChoiceScreen(
                t("Remove from favorites?"),
                [Choice("remove", t("Remove"))],
                subject=title.names.ru or title.display_name,
                tone="warning",
            ),
            confirmed,
        )
