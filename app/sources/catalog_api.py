"""`CatalogApi`: what the services ask of AniLibria, whichever of its APIs answers.

Two clients implement it: `AniLibriaClient` (API v2, the original calls) and
`V2CompatClient` (today's AniLiberty API v1 behind the same calls). Above `sources/`, nothing
knows which one answered: a call v1 cannot answer raises `ApiV2OnlyError`, one v2 cannot
answer (login by code) `ApiV1OnlyError`, each a `SourceError` like any other whose message says
so; where the APIs differ in what they offer (search filters, advanced queries) the interface
says what this one offers.
"""

from __future__ import annotations

from typing import Protocol

from app.sources.account import LoginCode
from app.sources.anilibria.client import Strings, Values
from app.sources.anilibria.models import (
    FeedItem,
    Fetched,
    GenreRank,
    Player,
    ScheduleDay,
    SeedStat,
    Title,
)
from app.sources.search_filters import FilterKey, FilterOption, SearchPage, SearchQuery


class CatalogApi(Protocol):
    """The catalog, the account's favorites and the streams, as the services use them."""

    async def get_schedule(
        self, *, filter: Strings = None, cache_only: bool = False
    ) -> Fetched[tuple[ScheduleDay, ...]]:
        """The week's schedule, one day per weekday (0 = Monday)."""

    async def get_updates(
        self,
        *,
        filter: Strings = None,
        limit: int | None = None,
        since: int | None = None,
        after: int | None = None,
        cache_only: bool = False,
    ) -> Fetched[tuple[Title, ...]]:
        """Titles by their last new episode, newest first."""

    async def get_changes(
        self,
        *,
        filter: Strings = None,
        limit: int | None = None,
        since: int | None = None,
        after: int | None = None,
        cache_only: bool = False,
    ) -> Fetched[tuple[Title, ...]]:
        """Titles by their last change of any kind, newest first (v2 only)."""

    async def get_feed(
        self,
        *,
        filter: Strings = None,
        limit: int | None = None,
        after: int | None = None,
        cache_only: bool = False,
    ) -> Fetched[tuple[FeedItem, ...]]:
        """New episodes and videos, newest first."""

    async def get_title(
        self,
        *,
        id: int | None = None,
        code: str | None = None,
        filter: Strings = None,
        include: Strings = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
        cache_only: bool = False,
    ) -> Fetched[Title]:
        """One title by id or code."""

    async def get_titles(
        self,
        *,
        id_list: Values = None,
        code_list: Strings = None,
        filter: Strings = None,
        cache_only: bool = False,
    ) -> Fetched[tuple[Title, ...]]:
        """Several titles by id and / or code (v1: alias); unknown ones are left out."""

    async def get_random_title(self, *, filter: Strings = None) -> Title:
        """Any title."""

    api_name: str
    """Which API answers, as the user knows it ("AniLiberty API v1"): stored data made under
    one API is carried over to another by it."""

    search_filters: tuple[FilterKey, ...]
    """The filters this API searches by, in the order to offer them."""

    offers_advanced_search: bool
    """Whether `advanced_search` takes queries (v2 only)."""

    async def search_filter_options(
        self, key: FilterKey, *, cache_only: bool = False
    ) -> Fetched[tuple[FilterOption, ...]]:
        """The values one of `search_filters` takes."""

    async def search_catalog(
        self,
        query: SearchQuery,
        *,
        filter: Strings = None,
        limit: int | None = None,
        after: int | None = None,
    ) -> SearchPage:
        """Titles matching the query's text and every chosen filter, and how many match where
        the API says."""

    async def advanced_search(
        self,
        *,
        query: str,
        order_by: str | None = None,
        sort_direction: int | None = None,
        filter: Strings = None,
        limit: int | None = None,
        after: int | None = None,
    ) -> tuple[Title, ...]:
        """Titles matching an expression over their fields (v2 only)."""

    async def popular_genres(self, *, cache_only: bool = False) -> Fetched[tuple[GenreRank, ...]]:
        """Every genre, most popular first: by rating (v2), by number of releases (v1)."""

    async def get_years(self, *, cache_only: bool = False) -> Fetched[tuple[int, ...]]:
        """The years titles came out in, ascending."""

    async def get_seed_stats(
        self, *, sort_by: str | None = None, order: int | None = None, limit: int | None = None
    ) -> tuple[SeedStat, ...]:
        """The tracker's users by traffic (v2 only); `sort_by` downloaded/uploaded/user, `order`
        0 descending, 1 ascending."""

    async def account_traffic(self, *, session: str) -> SeedStat:
        """The logged-in user's own tracker totals (v1 only)."""

    async def rss_link(self, *, session: str | None = None) -> str:
        """The torrent RSS feed's address for a feed reader; with `session` its links count to
        the user (the link then holds a secret: show it through `redact`)."""

    async def get_caching_nodes(self, *, cache_only: bool = False) -> Fetched[tuple[str, ...]]:
        """Other hosts that serve the streams."""

    async def poster(self, url_path: str, *, cache_only: bool = False) -> Fetched[bytes]:
        """An image by the path a title gives."""

    async def torrent_file(self, url_path: str, *, session: str | None = None) -> bytes:
        """A .torrent by the path one of a title's torrents gives."""

    def stream_url(self, player: Player, hls_path: str) -> str:
        """The playable URL of an episode's HLS playlist."""

    async def login(self, *, mail: str, passwd: str) -> str:
        """A session for the account (v1: its token)."""

    async def request_login_code(self, *, device_id: str) -> LoginCode:
        """A code for the user to confirm on the site, to log `device_id` in (v1 only)."""

    async def login_with_code(self, *, code: LoginCode) -> str | None:
        """The session once the user confirmed `code`; None until then (and after it
        expired: the caller watches `LoginCode.deadline`). v1 only."""

    async def account_name(self, *, session: str) -> str:
        """The login of the account `session` belongs to (v1 only)."""

    async def logout(self, *, session: str) -> None:
        """End `session` on the server (v2 has nothing to end: it only forgets it)."""

    async def get_favorites(self, *, session: str, filter: Strings = None) -> tuple[Title, ...]:
        """The account's favorite titles."""

    async def add_favorite(self, *, session: str, title_id: int) -> None:
        """Add a favorite to the account."""

    async def del_favorite(self, *, session: str, title_id: int) -> None:
        """Remove a favorite from the account."""

    async def aclose(self) -> None:
        """Close the connections."""
