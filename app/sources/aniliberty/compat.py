"""AniLiberty API v1 under the v2 client's names: `V2CompatClient` has the methods, signatures
and return types `CatalogService`, the live and favorites services and the playback controller
call on `AniLibriaClient`, mapped onto v1 endpoints, so they can take either API.

How v2's parameters are read:

- `filter` (v2 field paths: "names", "player.series", "title.code" in the feed) becomes v1's
  `include` through `V2_FIELDS`; an unknown v2 field is dropped. `remove` is accepted and
  ignored (nothing calls it; v1's defaults are already trimmed).
- `after` + `limit` (an offset) become v1's `page` + `limit`; an offset that is not a multiple of
  the limit costs one more page.
- `include` (v2's raw_poster, raw_torrent, torrent_meta), `description_type` and `playlist_type`
  have no v1 counterpart and are accepted and ignored: v1 gives no torrent file lists, plain
  descriptions and an episode list.
- `since` is applied to what v1 answers (releases by `fresh_at`, videos by `created_at`).
- A `session` is v1's bearer token, as `login` (or `login_with_code`) returns it.
- Login by code (`request_login_code`, `login_with_code`) is v1's own; its codes are confirmed on
  `<site>/app/auth/otp/linkDevice`, `site` being the configured AniLibria site
  (`https://aniliberty.top` on the real service).

It also answers `AccountLibraryApi` (`app/sources/account_library.py`): the account's
collections and view timecodes, which v2 never had.

Searching is not v2's: `search_filters` names the catalog's own filters (types, seasons, genres,
a range of years, age ratings, statuses, sorting) and `search_catalog` reads a `SearchQuery` of
them.

What v1 cannot do raises `ApiV2OnlyError`: `get_changes`, `advanced_search`, searching by team
member, `get_seed_stats`, and an RSS feed other than RSS 2.0 or paged by time.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from app.sources.account import LoginCode
from app.sources.aniliberty.client import RELEASE_LIST_FIELDS, VIDEO_FIELDS, AniLibertyClient
from app.sources.aniliberty.errors import API, ApiV2OnlyError
from app.sources.aniliberty.models import (
    CollectionEntry,
    CollectionType,
    Otp,
    Paged,
    ReleaseEpisode,
    Timecode,
    merge_feed,
    schedule_days,
    torrents_of,
)
from app.sources.anilibria.client import Strings, Values, stream_url_for
from app.sources.anilibria.models import (
    FeedItem,
    Fetched,
    GenreRank,
    Player,
    ScheduleDay,
    SeedStat,
    Title,
    YouTubeVideo,
)
from app.sources.errors import ApiError, LoginFailedError, NotFoundError, ServerError, SourceError
from app.sources.http import ApiHttp
from app.sources.search_filters import (
    SEASON_CODES,
    FilterKey,
    FilterOption,
    SearchPage,
    SearchQuery,
)

V2_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "code": ("alias",),
    "names": ("name",),
    "announce": ("notification",),
    "status": ("is_ongoing", "is_in_production"),
    "posters": ("poster",),
    "updated": ("fresh_at",),
    "last_change": ("updated_at",),
    "type": ("type", "episodes_total", "average_duration_of_episode"),
    "genres": ("genres.id", "genres.name"),
    "team": ("members",),
    "season": ("season", "year", "publish_day"),
    "description": ("description",),
    "in_favorites": ("added_in_users_favorites",),
    "blocked": ("is_blocked_by_geo", "is_blocked_by_copyrights"),
    "player": ("episodes", "external_player"),
    "torrents": ("torrents",),
}
"""v1's fields for each top-level v2 title field (v2's `player.series` is `episodes.ordinal`)."""

SEASON_NAMES = {1: "winter", 2: "spring", 3: "summer", 4: "autumn"}
"""v1's season for v2's `season_code` (the seasons' `FilterKey.SEASON` numbers)."""
SEASON_CODES_OF = {name: str(code) for code, name in SEASON_NAMES.items()}
REFERENCES = {
    FilterKey.TYPE: "types",
    FilterKey.SEASON: "seasons",
    FilterKey.AGE_RATING: "age-ratings",
    FilterKey.PUBLISH_STATUS: "publish-statuses",
    FilterKey.PRODUCTION_STATUS: "production-statuses",
    FilterKey.SORTING: "sorting",
}
"""The `/anime/catalog/references/{name}` that lists each filter's values."""
UPDATES_SORTING = "FRESH_AT_DESC"
"""v2's getUpdates order: newest episode first."""
DEFAULT_PAGE = 20
"""The page size when v2's caller gave no `limit`."""
FAVORITES_PAGE = 50
LINK_DEVICE_PATH = "/app/auth/otp/linkDevice"
"""The site's page where a signed-in user confirms a login code."""
EPISODE_PLACE_FIELDS = (
    "id",
    "ordinal",
    "release.id",
    "release.episodes.id",
    "release.episodes.ordinal",
)
"""What places an episode: its number, its release and the release's other episodes (one
answer places every episode of a release)."""

_TORRENT_PATH_RE = re.compile(r"(?:^|/)anime/torrents/([^/?#]+)/file(?:$|[?#])")


def v1_fields(v2_paths: Strings, *, prefix: str = "") -> tuple[str, ...] | None:
    """v1's `include` for v2 `filter` paths (None: no filter, the whole object). With `prefix`
    ("title.") only the paths under it count, as in getFeed's filter."""
    if v2_paths is None:
        return None
    paths = [v2_paths] if isinstance(v2_paths, str) else list(v2_paths)
    fields: dict[str, None] = {}
    for path in paths:
        if prefix:
            if not path.startswith(prefix):
                continue
            path = path.removeprefix(prefix)
        head, _, rest = path.partition(".")
        if head == "player" and rest.startswith("series"):
            fields["episodes.ordinal"] = None
        else:
            fields.update(dict.fromkeys(V2_FIELDS.get(head, ())))
    return tuple(fields)


def _with(fields: tuple[str, ...] | None, *needed: str) -> tuple[str, ...] | None:
    return None if fields is None else tuple(dict.fromkeys((*fields, *needed)))


def _ints(values: Values) -> list[int]:
    if values is None:
        return []
    items = [values] if isinstance(values, str | int) else list(values)
    return [int(v) for v in items if str(v).strip().lstrip("-").isdigit()]


def _names(values: Strings) -> list[str]:
    if values is None:
        return []
    return [values] if isinstance(values, str) else [v for v in values if v]


def _newer(titles: Sequence[Title], since: int | None) -> tuple[Title, ...]:
    if since is None:
        return tuple(titles)
    return tuple(t for t in titles if (t.updated or 0) > since)


async def _window(
    fetch: Callable[[int, int], Awaitable[Fetched[Paged[Title]]]], after: int | None, limit: int
) -> Fetched[Paged[Title]]:
    """Titles `after`..`after + limit` of a paged list, from one page or two, with where the
    first of those pages sits (its `total` counts the whole list)."""
    offset = max(0, after or 0)
    page = offset // limit + 1
    skip = offset % limit
    first = await fetch(page, limit)
    titles = list(first.value.items[skip:])
    if skip and first.value.page.has_next:
        titles += (await fetch(page + 1, limit)).value.items[:skip]
    return Fetched(
        Paged(tuple(titles[:limit]), first.value.page), first.fetched_at, first.from_cache
    )


class V2CompatClient:
    """`AniLibriaClient`'s interface answered by AniLiberty API v1 (see the module)."""

    def __init__(self, client: AniLibertyClient, *, site: str | None = None) -> None:
        """`client` answers; login codes are confirmed on `site` (default: the site root of
        the API mirror that answers)."""
        self.v1 = client
        self._site = site.rstrip("/") if site else None

    @property
    def http(self) -> ApiHttp:
        """The API's HTTP client (active mirror)."""
        return self.v1.http

    @property
    def news(self) -> AniLibertyClient:
        """What is new on v1, which has no push: live updates poll these reads."""
        return self.v1

    async def aclose(self) -> None:
        """Close the connection pools."""
        await self.v1.aclose()

    # -- titles ------------------------------------------------------------------------------

    async def get_title(
        self,
        *,
        id: int | None = None,
        code: str | None = None,
        torrent_id: int | None = None,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
        cache_only: bool = False,
    ) -> Fetched[Title]:
        """One release by `id`, `code` (v1's alias) or the id of one of its torrents."""
        key: int | str | None = id if id is not None else code
        if key is None and torrent_id is not None:
            found = await self.v1.torrent(torrent_id, include=("id", "release.id"))
            if found.value.title is None or not found.value.title.id:
                raise NotFoundError(
                    api=API, code=404, message=f"no release for torrent {torrent_id}", status=404
                )
            key = found.value.title.id
        if key is None:
            raise ValueError("get_title needs an id, a code or a torrent_id")
        fields = v1_fields(filter)
        if fields is None:
            return await self.v1.release(key, cache_only=cache_only)
        return await self.v1.release(key, include=fields, cache_only=cache_only)

    async def get_titles(
        self,
        *,
        id_list: Values = None,
        code_list: Strings = None,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
        cache_only: bool = False,
    ) -> Fetched[tuple[Title, ...]]:
        """Several releases by id or alias (`/anime/releases/list`, every page)."""
        ids, aliases = _ints(id_list), _names(code_list)
        fields = v1_fields(filter)
        titles: list[Title] = []
        page = 1
        while True:
            fetched = await self.v1.releases(
                ids=ids,
                aliases=aliases,
                page=page,
                limit=FAVORITES_PAGE,
                include=fields or RELEASE_LIST_FIELDS,
                cache_only=cache_only,
            )
            if page == 1:
                first = fetched
            titles += fetched.value.items
            if not fetched.value.page.has_next or not fetched.value.items:
                break
            page += 1
        return Fetched(tuple(titles), first.fetched_at, first.from_cache)

    async def get_updates(
        self,
        *,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        limit: int | None = None,
        since: int | None = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
        after: int | None = None,
        cache_only: bool = False,
    ) -> Fetched[tuple[Title, ...]]:
        """Releases by their newest episode, newest first: the catalog sorted `FRESH_AT_DESC`.

        With `since`, only releases raised after it (never cached, as in v2).
        """
        fields = _with(v1_fields(filter) or RELEASE_LIST_FIELDS, "id", "fresh_at")

        async def fetch(page: int, size: int) -> Fetched[Paged[Title]]:
            return await self.v1.catalog(
                page=page,
                limit=size,
                sorting=UPDATES_SORTING,
                include=fields,
                cacheable=since is None,
                cache_only=cache_only,
            )

        window = await _window(fetch, after, limit or DEFAULT_PAGE)
        return Fetched(_newer(window.value.items, since), window.fetched_at, window.from_cache)

    async def get_changes(self, **_: Any) -> Fetched[tuple[Title, ...]]:
        """v2's getChanges: v1 cannot list releases by their last change."""
        raise ApiV2OnlyError(api=API, feature="listing titles by their last change")

    async def get_schedule(
        self,
        *,
        days: Values = None,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
        cache_only: bool = False,
    ) -> Fetched[tuple[ScheduleDay, ...]]:
        """The week's schedule per weekday (0 Monday … 6 Sunday), from `/anime/schedule/week`."""
        fields = v1_fields(filter)
        include_v1 = None
        if fields is not None:
            release = _with(fields, "publish_day")
            # Without these the answer cannot say how many episodes are out: a schedule's
            # releases come without their episode lists.
            include_v1 = (
                *(f"release.{name}" for name in release or ()),
                "published_release_episode.ordinal",
                "next_release_episode_number",
            )
        fetched = await self.v1.schedule_week(include=include_v1, cache_only=cache_only)
        wanted = set(_ints(days))
        schedule = tuple(
            day for day in schedule_days(fetched.value) if not wanted or day.day in wanted
        )
        return Fetched(schedule, fetched.fetched_at, fetched.from_cache)

    async def get_random_title(
        self,
        *,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
    ) -> Title:
        """A random release (`/anime/releases/random?limit=1`); never cached."""
        titles = await self.v1.random(limit=1, include=v1_fields(filter))
        if not titles:
            raise NotFoundError(api=API, code=404, message="no releases to choose from", status=404)
        return titles[0]

    # -- feeds -------------------------------------------------------------------------------

    async def get_youtube(
        self,
        *,
        filter: Strings = None,
        remove: Strings = None,
        limit: int | None = None,
        since: int | None = None,
        after: int | None = None,
        cache_only: bool = False,
    ) -> Fetched[tuple[YouTubeVideo, ...]]:
        """The project's videos, newest first (`/media/videos`; v1 has no paging: the first
        `after + limit` are asked for and cut)."""
        start, size = max(0, after or 0), limit or DEFAULT_PAGE
        fetched = await self.v1.videos(
            limit=start + size, include=VIDEO_FIELDS, cache_only=cache_only
        )
        videos = [v for v in fetched.value if since is None or (v.timestamp or 0) > since]
        return Fetched(tuple(videos[start : start + size]), fetched.fetched_at, fetched.from_cache)

    async def get_feed(
        self,
        *,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        limit: int | None = None,
        since: int | None = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
        after: int | None = None,
        cache_only: bool = False,
    ) -> Fetched[tuple[FeedItem, ...]]:
        """Release updates (`/anime/releases/latest`) and videos (`/media/videos`) mixed, newest
        first; neither pages, so the first `after + limit` of each are asked for and cut."""
        start, size = max(0, after or 0), limit or DEFAULT_PAGE
        fields = _with(v1_fields(filter, prefix="title."), "id", "fresh_at")
        latest = await self.v1.latest(
            limit=start + size, include=fields or None, cache_only=cache_only
        )
        videos = await self.v1.videos(
            limit=start + size, include=VIDEO_FIELDS, cache_only=cache_only
        )
        items = merge_feed(
            _newer(latest.value, since),
            [v for v in videos.value if since is None or (v.timestamp or 0) > since],
        )
        return Fetched(
            items[start : start + size],
            min(latest.fetched_at, videos.fetched_at),
            latest.from_cache and videos.from_cache,
        )

    # -- reference lists ---------------------------------------------------------------------

    async def get_caching_nodes(self, *, cache_only: bool = False) -> Fetched[tuple[str, ...]]:
        """None: v1's HLS links are whole URLs, there are no stream hosts to choose from."""
        return Fetched((), 0.0, from_cache=cache_only)

    async def get_seed_stats(self, **_: Any) -> tuple[SeedStat, ...]:
        """v2's getSeedStats: v1 publishes no tracker statistics."""
        raise ApiV2OnlyError(api=API, feature="tracker statistics")

    async def get_rss(
        self,
        *,
        rss_type: str = "rss",
        session: str | None = None,
        limit: int | None = None,
        since: int | None = None,
        after: int | None = None,
    ) -> str:
        """The torrent feed as RSS 2.0 text (`/anime/torrents/rss`). With a `session` (token)
        its links count to the user: v1 wants their passkey, read from the profile."""
        if rss_type != "rss" or since is not None or after is not None:
            raise ApiV2OnlyError(api=API, feature="an Atom / JSON feed or one paged by time")
        passkey = (await self.v1.profile(token=session)).passkey if session else None
        return await self.v1.torrents_rss(limit=limit, passkey=passkey)

    async def account_traffic(self, *, session: str) -> SeedStat:
        """The token's user's own tracker totals (the profile's `torrents`)."""
        profile = await self.v1.profile(token=session)
        return SeedStat(
            profile.login or profile.nickname or "", profile.downloaded or 0, profile.uploaded or 0
        )

    async def rss_link(self, *, session: str | None = None) -> str:
        """The address of the torrent RSS feed (`/anime/torrents/rss`); with `session` (a
        token) it carries the user's passkey (`pk`), read from the profile: a secret."""
        url = f"{self.http.active_base_url.rstrip('/')}/anime/torrents/rss"
        passkey = (await self.v1.profile(token=session)).passkey if session else None
        return f"{url}?{urlencode({'pk': passkey})}" if passkey else url

    async def popular_genres(self, *, cache_only: bool = False) -> Fetched[tuple[GenreRank, ...]]:
        """v1 rates no genre: the genres (`/anime/genres`) by their number of releases."""
        genres = await self.v1.genres(cache_only=cache_only)
        ranked = sorted(genres.value, key=lambda g: (-(g.total_releases or 0), g.name.casefold()))
        return Fetched(
            tuple(GenreRank(g.name, g.total_releases or 0) for g in ranked),
            genres.fetched_at,
            genres.from_cache,
        )

    async def get_years(self, *, cache_only: bool = False) -> Fetched[tuple[int, ...]]:
        """The years releases came out in, ascending as v2's getYears
        (`/anime/catalog/references/years`)."""
        years = await self.v1.catalog_years(cache_only=cache_only)
        return Fetched(tuple(sorted(years.value)), years.fetched_at, years.from_cache)

    # -- search ------------------------------------------------------------------------------

    api_name: str = "AniLiberty API v1"
    """The API's name for the user and the store's marker of data made under it."""

    search_filters: tuple[FilterKey, ...] = (
        FilterKey.TYPE,
        FilterKey.SEASON,
        FilterKey.GENRE,
        FilterKey.YEAR_FROM,
        FilterKey.YEAR_TO,
        FilterKey.AGE_RATING,
        FilterKey.PUBLISH_STATUS,
        FilterKey.PRODUCTION_STATUS,
        FilterKey.SORTING,
    )
    """The catalog's `f[...]` filters; v1 cannot search by team member."""
    offers_advanced_search: bool = False
    """v1 has no query language."""

    async def search_filter_options(
        self, key: FilterKey, *, cache_only: bool = False
    ) -> Fetched[tuple[FilterOption, ...]]:
        """The values `key` takes, from `/anime/catalog/references/*`: genres by id, years
        newest first, seasons numbered as v2 numbers them, the rest as the API names them."""
        if key is FilterKey.GENRE:
            genres = await self.v1.catalog_genres(cache_only=cache_only)
            options = tuple(
                FilterOption(str(g.id), g.name)
                for g in sorted(genres.value, key=lambda g: g.name.casefold())
                if g.name
            )
            return Fetched(options, genres.fetched_at, genres.from_cache)
        if key in (FilterKey.YEAR_FROM, FilterKey.YEAR_TO):
            years = await self.v1.catalog_years(cache_only=cache_only)
            options = tuple(FilterOption(str(y), str(y)) for y in sorted(set(years.value))[::-1])
            return Fetched(options, years.fetched_at, years.from_cache)
        reference = REFERENCES.get(key)
        if reference is None:
            raise ApiV2OnlyError(api=API, feature=f"the {key} filter")
        values = await self.v1.catalog_reference(reference, cache_only=cache_only)
        options = tuple(
            FilterOption(
                SEASON_CODES_OF.get(v.value, v.value) if key is FilterKey.SEASON else v.value,
                v.label or v.description or v.value,
            )
            for v in values.value
            if v.value
        )
        return Fetched(options, values.fetched_at, values.from_cache)

    async def search_catalog(
        self,
        query: SearchQuery,
        *,
        filter: Strings = None,
        limit: int | None = None,
        after: int | None = None,
    ) -> SearchPage:
        """The catalog (`/anime/catalog/releases`) by the query's text and `f[...]` filters,
        newest first unless a sorting is chosen; never cached. A filter v1 does not offer
        (a team member) raises `ApiV2OnlyError`."""
        if unknown := set(query.filters) - set(self.search_filters):
            raise ApiV2OnlyError(api=API, feature=f"searching by {', '.join(sorted(unknown))}")
        seasons = [
            SEASON_NAMES[int(code)] if code in SEASON_CODES else code
            for code in query.chosen(FilterKey.SEASON)
        ]
        from_years, to_years = (
            _ints(query.chosen(FilterKey.YEAR_FROM)),
            _ints(query.chosen(FilterKey.YEAR_TO)),
        )
        sorting = query.chosen(FilterKey.SORTING)
        fields = _with(v1_fields(filter) or RELEASE_LIST_FIELDS, "id")

        async def fetch(page: int, size: int) -> Fetched[Paged[Title]]:
            return await self.v1.catalog(
                page=page,
                limit=size,
                genres=_ints(query.chosen(FilterKey.GENRE)),
                types=query.chosen(FilterKey.TYPE),
                seasons=seasons,
                from_year=from_years[0] if from_years else None,
                to_year=to_years[0] if to_years else None,
                search=query.text.strip() or None,
                sorting=sorting[0] if sorting else UPDATES_SORTING,
                age_ratings=query.chosen(FilterKey.AGE_RATING),
                publish_statuses=query.chosen(FilterKey.PUBLISH_STATUS),
                production_statuses=query.chosen(FilterKey.PRODUCTION_STATUS),
                include=fields,
                cacheable=False,
            )

        window = (await _window(fetch, after, limit or DEFAULT_PAGE)).value
        titles = window.items
        if fields is not None and "torrents" in fields:
            titles = await self._with_torrents(titles)
        # A server that leaves the count out says 0: not known rather than none.
        total = window.page.total or (None if titles else 0)
        return SearchPage(titles, total)

    async def _with_torrents(self, titles: tuple[Title, ...]) -> tuple[Title, ...]:
        """`titles` with their torrents: the catalog lists releases without them, so each
        release's are asked for (`/anime/torrents/release/{id}`), all at once."""
        missing = [title for title in titles if title.torrents is None]
        answers = await asyncio.gather(*(self.v1.release_torrents(t.id) for t in missing))
        found = {
            title.id: torrents_of(tuple(item.torrent for item in answer.value))
            for title, answer in zip(missing, answers, strict=True)
        }
        return tuple(
            title._replace(torrents=found[title.id]) if title.id in found else title
            for title in titles
        )

    async def advanced_search(self, **_: Any) -> tuple[Title, ...]:
        """v2's advancedSearch: v1 has no query language."""
        raise ApiV2OnlyError(api=API, feature="advanced search queries")

    # -- user --------------------------------------------------------------------------------

    async def login(self, *, mail: str, passwd: str) -> str:
        """Log in with a login or e-mail and a password; the bearer token stands where v2 had
        the session id. A refusal raises `LoginFailedError` with the server's text."""
        try:
            return await self.v1.login(login=mail, password=passwd)
        except ApiError as exc:
            if isinstance(exc, ServerError):
                raise
            raise LoginFailedError(api=API, message=exc.message) from None

    async def request_login_code(self, *, device_id: str) -> LoginCode:
        """A login code for `device_id` (`/accounts/otp/get`), to confirm on the site."""
        otp = await self.v1.otp_get(device_id)
        site = self._site or self.v1.site_url
        return LoginCode(
            code=otp.code,
            device_id=otp.device_id,
            page=site + LINK_DEVICE_PATH,
            lifetime=otp.remaining_time,
            expires_at=otp.expires_at,
        )

    async def login_with_code(self, *, code: LoginCode) -> str | None:
        """The token once the user confirmed `code` (`/accounts/otp/login`), None until then."""
        otp = Otp(code.code, code.device_id, None, None, None)
        return await self.v1.otp_login(otp)

    async def account_name(self, *, session: str) -> str:
        """The login of the token's user (`/accounts/users/me/profile`), else its nickname."""
        profile = await self.v1.profile(token=session)
        return profile.login or profile.nickname or ""

    async def logout(self, *, session: str) -> None:
        """End the token's session on the server (`/accounts/users/auth/logout`)."""
        await self.v1.logout(token=session)

    async def get_favorites(
        self,
        *,
        session: str,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
    ) -> tuple[Title, ...]:
        """The user's favorite releases, every page; never cached."""
        fields = v1_fields(filter)
        titles: list[Title] = []
        page = 1
        while True:
            favorites = await self.v1.favorite_releases(
                token=session, page=page, limit=FAVORITES_PAGE, include=fields
            )
            titles += favorites.items
            if not favorites.page.has_next or not favorites.items:
                return tuple(titles)
            page += 1

    async def add_favorite(self, *, session: str, title_id: int) -> None:
        """Add a release to the user's favorites."""
        await self.v1.add_favorites([title_id], token=session)

    async def del_favorite(self, *, session: str, title_id: int) -> None:
        """Remove a release from the user's favorites."""
        await self.v1.remove_favorites([title_id], token=session)

    # -- the account's library (AccountLibraryApi) ------------------------------------------

    async def get_collections(self, *, session: str) -> tuple[CollectionEntry, ...]:
        """Every release in one of the user's collections, with which."""
        return await self.v1.collection_ids(token=session)

    async def set_collection(
        self, *, session: str, title_id: int, collection: CollectionType
    ) -> None:
        """Put a release in `collection` (v1 takes it out of any other)."""
        await self.v1.add_to_collection([title_id], collection, token=session)

    async def del_collection(self, *, session: str, title_id: int) -> None:
        """Take a release out of its collection."""
        await self.v1.remove_from_collections([title_id], token=session)

    async def get_timecodes(self, *, session: str) -> tuple[Timecode, ...]:
        """The user's progress per episode UUID; never cached."""
        return await self.v1.timecodes(token=session)

    async def set_timecodes(self, *, session: str, timecodes: Sequence[Timecode]) -> None:
        """Store the progress of these episodes."""
        await self.v1.save_timecodes(timecodes, token=session)

    async def del_timecodes(self, *, session: str, episode_uuids: Sequence[str]) -> None:
        """Forget the progress of these episodes."""
        await self.v1.delete_timecodes(episode_uuids, token=session)

    async def get_episode(self, *, uuid: str) -> ReleaseEpisode:
        """One episode with its release and the release's episodes (numbers and UUIDs only)."""
        fetched = await self.v1.episode(uuid, include=EPISODE_PLACE_FIELDS)
        return fetched.value

    # -- files and streams -------------------------------------------------------------------

    async def poster(self, url_path: str, *, cache_only: bool = False) -> Fetched[bytes]:
        """A poster (`Poster.url`, relative to the site) over the mirrors; cached."""
        return await self.v1.image(url_path, cache_only=cache_only)

    async def torrent_file(self, url_path: str, *, session: str | None = None) -> bytes:
        """The .torrent at `Torrent.url` (`anime/torrents/<id>/file`); with `session` (a token)
        the server writes the user's passkey into it."""
        match = _TORRENT_PATH_RE.search(url_path)
        if match is None:
            raise SourceError(f"{API}: {url_path} is not a v1 torrent file path", api=API)
        return await self.v1.torrent_file(match.group(1), token=session)

    def stream_url(self, player: Player, hls_path: str) -> str:
        """The URL of an HLS stream: v1's links are whole URLs and come back as they are."""
        return stream_url_for(player, hls_path, api_url=self.http.active_base_url, api=API)
