"""Endless scrolling for list screens: the next page is fetched ahead in the background, and
pages grow as the user keeps scrolling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from app.i18n import t
from app.sources.anilibria.models import Fetched
from app.sources.errors import SourceError
from app.widgets.status_line import StatusLine, describe_error
from app.widgets.title_table import KeyTable

T = TypeVar("T")

PREFETCH_ROWS = 15
"""Start loading the next page this many rows before the end, so scrolling rarely waits."""
MAX_PAGE_GROWTH = 20
"""Pages grow fourfold as the user keeps scrolling (fewer round trips and relayouts for long
lists), up to this factor."""

PageFetch = Callable[[int, int, bool], Coroutine[Any, Any, Fetched[tuple[T, ...]]]]
"""Reads `limit` entries after the first `after` ones: `fetch(after, limit, cache_only)`."""


class PageLoader(Generic[T]):
    """Which page comes next, and that page already on its way."""

    def __init__(self, fetch: PageFetch[T], page_size: int) -> None:
        self.fetch = fetch
        self.page_size = page_size
        self.exhausted = False
        self.pages_loaded = 0
        self.fetched_count = 0
        """How many entries the server has given so far (the `after` of the next page)."""
        self.next_page: asyncio.Task[Fetched[tuple[T, ...]]] | None = None
        self.next_limit = 0

    async def first(self, cache_only: bool) -> Fetched[tuple[T, ...]]:
        """The first page (for `AniScreen.load_cache_first`)."""
        return await self.fetch(0, self.page_size, cache_only)

    def restart(self, first: Fetched[tuple[T, ...]]) -> None:
        """The list starts over with `first` (a first page from the cache fetches no more
        until the network's copy replaces it)."""
        self.drop_prefetch()
        self.pages_loaded = 1
        self.fetched_count = len(first.value)
        self.exhausted = len(first.value) < self.page_size
        if not first.from_cache:
            self.start_prefetch()

    def start_prefetch(self) -> None:
        """Fetch the page after the loaded ones in the background."""
        if self.exhausted or self.next_page is not None:
            return
        self.next_limit = self.page_size * min(4**self.pages_loaded, MAX_PAGE_GROWTH)
        self.next_page = asyncio.create_task(self.fetch(self.fetched_count, self.next_limit, False))

    def drop_prefetch(self) -> None:
        page, self.next_page = self.next_page, None
        if page is None:
            return
        if page.done() and not page.cancelled():
            page.exception()  # a failed prefetch nobody waited for is not an error to log
        page.cancel()

    async def load_while(
        self,
        wanted: Callable[[], bool],
        append: Callable[[tuple[T, ...]], None],
        status: StatusLine,
    ) -> None:
        """Append pages while `wanted()` (the cursor is near the end) and more exist; a failure
        is told on `status` with the retry hint. Run it in an exclusive worker."""
        while not self.exhausted and wanted():
            self.start_prefetch()
            page = self.next_page
            assert page is not None
            if not page.done():
                status.info(t("Loading…"))
            try:
                # Shielded: a newer call of the worker cancels the wait, not the request.
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
            append(fetched.value)


def new_at_the_head(table: KeyTable, status: StatusLine, reload: Callable[[], object]) -> None:
    """Entries newer than the list's first are out: a reader at the top sees them at once;
    further down they are told, and keep their place until they refresh."""
    if table.cursor_row <= 0:
        reload()
    else:
        status.info(t("New episodes are out: ctrl+r shows them."))
