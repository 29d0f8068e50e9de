"""What every anitui screen shares: the runtime, the clock, cache-first loading."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, TypeVar

from textual import events
from textual._styles_cache import StylesCache
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, Select
from textual.widgets.select import InvalidSelectValueError

from app.messages import FavoriteToggled
from app.services.events import Event
from app.services.runtime import Runtime
from app.shell import Shell, shell_of
from app.sources.anilibria.models import Fetched, Title
from app.sources.errors import NotCachedError, SourceError
from app.widgets.localized import localize_bindings
from app.widgets.status_line import StatusLine
from app.widgets.title_table import KeyTable, RowItems, name_cell
from app.widgets.top_bar import TopBar

T = TypeVar("T")


class AniScreen(Screen[None]):
    """Base of anitui's screens; `MODE` is the navigation entry the screen belongs to."""

    MODE = ""
    SCREEN_NAME = ""
    """The screen's name as Help shows it (an English msgid)."""

    def __init__(self) -> None:
        super().__init__()
        # A screen starts as styled by no stylesheet, so Textual re-parses all of the app's
        # CSS (~25 ms) when it first opens as a mode (a pushed screen is spared that). Its
        # widgets are styled from the current stylesheet as they mount, so it is as current
        # as the app's CSS now; a theme changed later still restyles it when it comes back.
        self._css_update_count = self.app._css_update_count
        self.kept_choices: dict[str, object] = {}
        """Drop-down choices kept across a language switch until their options are back."""
        self.resumed_once = False
        localize_bindings(self)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual restyles every widget of a screen each time it comes to the top. The first
        # time, each was styled a moment ago as it mounted, and nothing has changed since but
        # what restyled itself (classes, focus): a Title screen's open spent 4-7 ms on it.
        # Runs before Screen's own handler, which then reads the flag.
        if not self.resumed_once:
            self.resumed_once = True
            event.refresh_styles = False

    def on_unmount(self) -> None:
        # Textual keeps the last 1,024 calls of `StylesCache.get_inner_outer` in an
        # `lru_cache` keyed on the cache itself (textual#6665), and with it every widget's
        # drawn lines long after the widget is gone: the ~40 widgets of each closed screen
        # (and the keys of each footer composed again) stayed alive until 1,024 more had
        # come, and every full garbage collection walked them. Released with the screen.
        StylesCache.get_inner_outer.cache_clear()

    @property
    def shell(self) -> Shell:
        """The app, as screens may see it: read it, and post requests up as messages."""
        return shell_of(self)

    @property
    def runtime(self) -> Runtime:
        return self.shell.runtime

    def start(self) -> None:
        """Focus and load what the screen shows; called on mount and after a language switch."""

    async def relocalize(self) -> None:
        """Show the screen again in the current UI language, its data reloaded (cache first);
        what the user typed or chose in its inputs and drop-downs is kept, and so are the
        cursor row and scroll of its tables."""
        localize_bindings(self)
        typed = {i.id: i.value for i in self.query(Input) if i.id}
        chosen = {s.id: s.value for s in self.query(Select) if s.id}
        positions = {table.id: table.position() for table in self.query(KeyTable) if table.id}
        await self.recompose()
        for table in self.query(KeyTable):
            table.keep_position(positions.get(table.id or ""))
        for widget_id, text in typed.items():
            for box in self.query(f"#{widget_id}").results(Input):
                box.value = text
        self.kept_choices = chosen
        for select in self.query(Select):
            self.restore_choice(select)
        self.start()

    def restore_choice(self, select: Select[Any]) -> None:
        """Choose again what `select` held before a language switch, once its options (some
        arrive from the network after the switch) include it."""
        value = self.kept_choices.get(select.id or "")
        if value is not None and value != Select.BLANK:
            with contextlib.suppress(InvalidSelectValueError):
                select.value = value
                del self.kept_choices[select.id or ""]

    def leave_input(self) -> None:
        """Esc in a text box: the keys go back to the screen, its list first if it has one."""
        tables = self.query(KeyTable)
        if tables:
            tables.first().focus()
        else:
            self.set_focus(None)

    def now(self) -> float:
        return self.shell.clock()

    def top_bar(self, context: str = "") -> TopBar:
        shell = self.shell
        return TopBar(
            self.MODE or shell.current_mode,
            shell.navigation,
            demo=self.runtime.settings.demo,
            browse_only=self.runtime.browse_only,
            context=context,
        )

    async def load_cache_first(
        self,
        fetch: Callable[[bool], Awaitable[Fetched[T]]],
        show: Callable[[Fetched[T]], None],
        status: StatusLine,
        *,
        shown: Fetched[T] | None = None,
    ) -> Fetched[T] | None:
        """Show the cached copy at once, then the network's; keep the cache when that fails.

        `fetch(cache_only)` reads; `show` paints. `shown` is the cached copy the screen
        already shows (read before its first frame): the cache is not read again. Returns what
        is on screen in the end.
        """
        cached: Fetched[T] | None = shown
        if cached is None:
            try:
                cached = await fetch(True)
            except NotCachedError:
                status.show_loading()
            except SourceError:
                status.show_loading()
            else:
                show(cached)
        if cached is not None:
            # Let the cached copy reach the screen before the refresh starts: its first request
            # loads httpx in a thread, which would compete with this paint for the GIL.
            painted = asyncio.Event()
            self.call_after_refresh(painted.set)
            await painted.wait()
        try:
            fresh = await fetch(False)
        except SourceError as error:
            if cached is not None:
                status.offline(error, cached.fetched_at, self.now())
            else:
                status.failed(error, hint_demo=not self.runtime.settings.demo)
            return cached
        status.clear()
        show(fresh)
        return fresh


class TitleListScreen(AniScreen):
    """A screen whose `KeyTable` lists titles one per row, with a "name" column: favorites are
    starred there and `f` toggles the highlighted title's favorite."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f", "toggle_favorite", "Favorite")]

    def __init__(self) -> None:
        super().__init__()
        self._favorite_ids: frozenset[int] | None = None
        self.row_titles: RowItems[Title] = RowItems()
        """The title each row of the table shows, by the row's key (the screen fills it)."""

    def listed_titles(self) -> Sequence[Title]:
        """The titles in the table, in row order."""
        raise NotImplementedError

    def on_mount(self) -> None:
        shell = self.shell
        shell.favorites_changed.subscribe(self, self.mark_favorites)
        shell.title_news.subscribe(self, self.news_arrived)

    def news_arrived(self, event: Event) -> None:
        """Live news about a title (`Shell.title_news`); lists that show such news follow."""

    @property
    def favorite_ids(self) -> frozenset[int]:
        if self._favorite_ids is None:
            self._favorite_ids = self.runtime.favorite_ids()
        return self._favorite_ids

    def is_favorite(self, title: Title) -> bool:
        return title.id in self.favorite_ids

    def action_toggle_favorite(self) -> None:
        title = self.row_titles.at_cursor(self.query_one(KeyTable))
        if title is not None:
            self.post_message(FavoriteToggled(title))

    def mark_favorites(self, ids: frozenset[int]) -> None:
        """Restar the rows whose favorite state changed (the rest of the table stays)."""
        changed = self.favorite_ids ^ ids
        self._favorite_ids = ids
        if not changed:
            return
        table = self.query_one(KeyTable)
        for key, title in self.row_titles.items():
            if title.id in changed and key in table.rows:
                table.update_cell(key, "name", name_cell(title, favorite=title.id in ids))
