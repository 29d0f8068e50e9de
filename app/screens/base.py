"""What every anitui screen shares: the runtime, the clock, cache-first loading."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import Screen

from app.services.runtime import Runtime
from app.sources.anilibria.models import Fetched
from app.sources.errors import NotCachedError, SourceError
from app.widgets.localized import localize_bindings
from app.widgets.status_line import StatusLine
from app.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from app.application import AniApp

T = TypeVar("T")


class AniScreen(Screen[None]):
    """Base of anitui's screens; `MODE` is the navigation entry the screen belongs to."""

    MODE = ""
    SCREEN_NAME = ""
    """The screen's name as Help shows it (an English msgid)."""

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)

    @property
    def ani(self) -> AniApp:
        return cast("AniApp", self.app)

    @property
    def runtime(self) -> Runtime:
        return self.ani.runtime

    def start(self) -> None:
        """Focus and load what the screen shows; called on mount and after a language switch."""

    async def relocalize(self) -> None:
        """Show the screen again in the current UI language, its data reloaded (cache first)."""
        self._bindings = self._merged_bindings.copy() if self._merged_bindings else self._bindings
        localize_bindings(self)
        await self.recompose()
        self.start()

    def now(self) -> float:
        return self.ani.clock()

    def top_bar(self, context: str = "") -> TopBar:
        return TopBar(
            self.MODE or self.ani.current_mode,
            demo=self.runtime.settings.demo,
            browse_only=self.runtime.browse_only,
            context=context,
        )

    async def load_cache_first(
        self,
        fetch: Callable[[bool], Awaitable[Fetched[T]]],
        show: Callable[[Fetched[T]], None],
        status: StatusLine,
    ) -> Fetched[T] | None:
        """Show the cached copy at once, then the network's; keep the cache when that fails.

        `fetch(cache_only)` reads; `show` paints. Returns what is on screen in the end.
        """
        cached: Fetched[T] | None = None
        try:
            cached = await fetch(True)
        except NotCachedError:
            status.show_loading()
        except SourceError:
            status.show_loading()
        else:
            show(cached)
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
