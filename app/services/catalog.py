"""Browsing AniLibria: what each screen reads, asking only for the fields it shows."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote, unquote, urlsplit

from app.i18n import t
from app.sources.anilibria.models import (
    API,
    FeedItem,
    Fetched,
    ScheduleDay,
    Title,
    Torrent,
    YouTubeVideo,
)
from app.sources.catalog_api import CatalogApi
from app.sources.errors import SourceError
from app.sources.search_filters import FilterKey, FilterOption, SearchPage

# Re-exported: the services and screens ask for searches in the sources' words.
from app.sources.search_filters import SearchQuery as SearchQuery

# Lists never need the player playlist or torrents (the spec recommends filtering them out);
# `player.series` is the small object that says how many episodes are out.
LIST_FIELDS = (
    "id",
    "code",
    "names",
    "status",
    "type",
    "updated",
    "last_change",
    "genres",
    "season",
    "in_favorites",
    "player.series",
)

FEED_TITLE_FIELDS = ("id", "code", "names", "updated", "type", "player.series")
FEED_VIDEO_FIELDS = ("id", "title", "youtube_id", "timestamp")

# getFeed entries are {"title": {...}} or {"youtube": {...}}, and the spec leaves open whether
# filter paths start at the entry (`title.id`) or inside the object it wraps (`id`); a server
# that reads them the other way keeps nothing of an entry (`{"title": {}}`). The forms are
# tried in this order and the first one whose answer names its entries is kept for the
# session; the last resort asks for everything.
FEED_FILTERS: tuple[tuple[str, ...] | None, ...] = (
    (
        *(f"title.{name}" for name in FEED_TITLE_FIELDS),
        *(f"youtube.{name}" for name in FEED_VIDEO_FIELDS),
    ),
    tuple(dict.fromkeys((*FEED_TITLE_FIELDS, *FEED_VIDEO_FIELDS))),
    None,
)

YOUTUBE_LINK = "https://youtu.be/"

_RELEASE_PAGE_PATHS = (
    re.compile(r"/release/([^/]+)\.html$"),  # v2's site
    re.compile(r"/anime/releases/release/([^/]+)(?:/.*)?$"),  # v1's site
)
_CODE = re.compile(r"[\w-]+")


class CatalogService:
    """Reads for the browsing screens; cacheable ones can be asked of the cache alone."""

    def __init__(
        self, client: CatalogApi, *, seen: Callable[[Iterable[Title]], None] | None = None
    ) -> None:
        self.client = client
        self._feed_form = 0
        """The index in `FEED_FILTERS` of the first form the server may read: the forms
        before it came back emptied this session."""
        self.seen = seen
        """Told of the titles read for the screens a user makes data on (their codes let the
        data follow them to another API: `CarryOverService.remember_codes`)."""

    def _saw(self, titles: Iterable[Title]) -> None:
        if self.seen is not None:
            self.seen(titles)

    async def schedule(self, *, cache_only: bool = False) -> Fetched[tuple[ScheduleDay, ...]]:
        """The week, each day's titles newest episode first: neither API promises an order."""
        fetched = await self.client.get_schedule(filter=LIST_FIELDS, cache_only=cache_only)
        self._saw(title for day in fetched.value for title in day.titles)
        days = tuple(
            day._replace(titles=tuple(sorted(day.titles, key=lambda t: (-(t.updated or 0), t.id))))
            for day in fetched.value
        )
        return fetched._replace(value=days)

    async def updates(
        self, *, after: int, limit: int, cache_only: bool = False
    ) -> Fetched[tuple[Title, ...]]:
        fetched = await self.client.get_updates(
            filter=LIST_FIELDS, after=after, limit=limit, cache_only=cache_only
        )
        self._saw(fetched.value)
        return fetched

    async def feed(
        self, *, after: int, limit: int, cache_only: bool = False
    ) -> Fetched[tuple[FeedItem, ...]]:
        """One page of getFeed (title updates and YouTube videos, newest first), with only the
        fields the Feed screen shows when the server reads one of the `FEED_FILTERS` forms.

        A page whose entries all came back without an id was emptied by a filter the server
        reads the other way: the same page is asked with the next form, and the forms that
        failed are not asked again this session.
        """
        form = self._feed_form
        while True:
            page = await self.client.get_feed(
                filter=FEED_FILTERS[form], after=after, limit=limit, cache_only=cache_only
            )
            if form == len(FEED_FILTERS) - 1 or not _emptied(page.value):
                return page
            # Another page may have moved past this form meanwhile: never step back to it.
            form = self._feed_form = max(self._feed_form, form + 1)

    async def title(self, title_id: int, *, cache_only: bool = False) -> Fetched[Title]:
        """The whole title (html description, playlist, torrents) for the Title screen."""
        fetched = await self.client.get_title(
            id=title_id, description_type="html", playlist_type="array", cache_only=cache_only
        )
        self._saw((fetched.value,))
        return fetched

    async def titles(
        self, ids: Sequence[int], *, cache_only: bool = False
    ) -> Fetched[tuple[Title, ...]]:
        """Several titles at once (getTitles), e.g. the favorites."""
        fetched = await self.client.get_titles(id_list=list(ids), cache_only=cache_only)
        self._saw(fetched.value)
        return fetched

    async def title_by_code(self, text: str) -> Title:
        """The title a code (v1: alias) or a release page's URL on either API's site names
        (`title_code`); a code no title has raises the API's not-found `SourceError`."""
        return (
            await self.client.get_title(code=title_code(text), filter=("id", "code", "names"))
        ).value

    async def random_title(self) -> Title:
        return await self.client.get_random_title(filter=("id", "code", "names"))

    @property
    def search_filters(self) -> tuple[FilterKey, ...]:
        """The filters the catalog's API searches by, in the order to offer them."""
        return self.client.search_filters

    @property
    def offers_advanced_search(self) -> bool:
        """Whether the catalog's API takes advanced queries (`advanced_search`)."""
        return self.client.offers_advanced_search

    async def filter_options(self, key: FilterKey) -> Fetched[tuple[FilterOption, ...]]:
        """The values one of `search_filters` takes."""
        return await self.client.search_filter_options(key)

    async def search(
        self,
        query: SearchQuery,
        *,
        limit: int,
        after: int = 0,
        fields: Sequence[str] = LIST_FIELDS,
    ) -> tuple[Title, ...]:
        """Titles matching `query` (its text and the filters chosen), with `fields` of each."""
        return (await self.search_page(query, limit=limit, after=after, fields=fields)).titles

    async def search_page(
        self,
        query: SearchQuery,
        *,
        limit: int,
        after: int = 0,
        fields: Sequence[str] = LIST_FIELDS,
    ) -> SearchPage:
        """`limit` matches of `query` from the `after`th, and the count of all where the API
        gives it."""
        page = await self.client.search_catalog(query, filter=fields, limit=limit, after=after)
        self._saw(page.titles)
        return page

    async def advanced_search(
        self,
        query: str,
        *,
        order_by: str | None,
        descending: bool,
        limit: int,
        after: int = 0,
    ) -> tuple[Title, ...]:
        return await self.client.advanced_search(
            query=query,
            order_by=order_by or None,
            sort_direction=(1 if descending else 0) if order_by else None,
            filter=LIST_FIELDS,
            limit=limit,
            after=after,
        )

    async def poster(self, url_path: str, *, cache_only: bool = False) -> Fetched[bytes]:
        return await self.client.poster(url_path, cache_only=cache_only)

    async def caching_nodes(self, *, cache_only: bool = False) -> tuple[str, ...]:
        """The stream hosts to try after the title's own; () when they cannot be had (the
        title's host still plays)."""
        try:
            return (await self.client.get_caching_nodes(cache_only=cache_only)).value
        except SourceError:
            return ()

    async def torrent_file(self, torrent: Torrent, *, session: str | None = None) -> bytes:
        """The .torrent of one of a title's torrents: the copy that came with the title
        (`include=raw_torrent`) when there is one, else the file from the site. With the
        account's `session` the site's file comes first: it announces with the user's passkey,
        so the tracker credits the account (the copy in the title is anonymous)."""
        if torrent.raw_base64_file and (session is None or not torrent.url):
            try:
                return base64.b64decode(torrent.raw_base64_file, validate=True)
            except binascii.Error:
                pass
        if not torrent.url:
            raise SourceError("this torrent has no .torrent file to download", api=API)
        return await self.client.torrent_file(torrent.url, session=session)


def _emptied(items: Sequence[FeedItem]) -> bool:
    """Whether getFeed's entries all lack the id of the object they wrap (an entry of no known
    kind counts too): what a filter the server reads differently leaves of them."""
    return bool(items) and not any(
        (item.title is not None and item.title.id) or (item.youtube is not None and item.youtube.id)
        for item in items
    )


def title_page_url(site_url: str, title: Title) -> str | None:
    """The title's release page on the AniLibria site (`<site>/release/<code>.html`, the link
    getRSS gives); None when the title has no code."""
    if not title.code:
        return None
    return f"{site_url.rstrip('/')}/release/{quote(title.code, safe='')}.html"


def title_code(text: str) -> str:
    """The code in `text`: a bare code, or the release page's URL on v2's site
    (`/release/<code>.html`) or v1's (`/anime/releases/release/<alias>`), whichever API is
    in use (a title's code and alias are the same). `ValueError` when it is neither."""
    text = text.strip()
    if _CODE.fullmatch(text):
        return text
    path = urlsplit(text if "//" in text else "//" + text).path.rstrip("/")
    for pattern in _RELEASE_PAGE_PATHS:
        if (match := pattern.search(path)) is not None:
            return unquote(match.group(1))
    raise ValueError(t("Neither a title's code nor its page's URL: {text}", text=text))


def video_url(video: YouTubeVideo) -> str | None:
    """The video's short YouTube link (`https://youtu.be/<id>`); None without a youtube_id."""
    if not video.youtube_id:
        return None
    return YOUTUBE_LINK + quote(video.youtube_id, safe="")


def unique_titles(titles: Sequence[Title], seen: set[int]) -> list[Title]:
    """`titles` minus those whose id is in `seen` (which is updated): pages can overlap when
    the list changes between two requests."""
    fresh = [t for t in titles if t.id not in seen]
    seen.update(t.id for t in fresh)
    return fresh
