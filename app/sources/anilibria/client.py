"""The typed async AniLibria v2 client (spec: shared/specs/anilibria-api-v2.13.15.md).

Each method sends only the parameters the spec lists for it (the API answers 412 to any other),
lists comma-joined, None left out. Reads the cache may serve return `Fetched[...]` and take
`cache_only`; live reads (random title, searches, user methods, `since` polls) are never cached
and return the value itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode, urlsplit

from app.sources.account import LoginCode
from app.sources.anilibria.models import (
    API,
    FeedItem,
    Fetched,
    GenreRank,
    Player,
    ScheduleDay,
    SeedStat,
    Team,
    Title,
    YouTubeVideo,
    parse_caching_nodes,
    parse_feed,
    parse_genres,
    parse_schedule,
    parse_seed_stats,
    parse_team_response,
    parse_title,
    parse_titles,
    parse_years,
    parse_youtube,
)
from app.sources.cache import HttpCache
from app.sources.errors import (
    ApiError,
    ApiV1OnlyError,
    BadResponseError,
    LoginFailedError,
    ServerError,
    SourceError,
    WrongApiVersionError,
)
from app.sources.http import ApiHttp, HttpSettings, Params
from app.sources.redaction import register_secret
from app.sources.search_filters import (
    SEASON_CODES,
    FilterKey,
    FilterOption,
    SearchPage,
    SearchQuery,
)

if TYPE_CHECKING:
    import httpx

_V = TypeVar("_V")

Strings = Sequence[str] | None
"""A comma-joined list parameter (filter, remove, include, genres, ...)."""
Values = Sequence[str | int] | None
"""A comma-joined list parameter of numbers (id_list, days, year, season_code)."""

EXPECTED_API_VERSION = "2.13"

CACHEABLE_METHODS = frozenset(
    {
        "getTitle",
        "getTitles",
        "getUpdates",
        "getChanges",
        "getSchedule",
        "getYouTube",
        "getFeed",
        "getYears",
        "getGenres",
        "getTeam",
        "getCachingNodes",
    }
)
"""The API reads the disk cache may hold (pages polled with `since` are still never cached)."""

POSTER_PATHS = frozenset({"storage/", "media/"})
"""Site paths of poster images (v2.13.15 under /storage/, v2.13.1 under /media/): cacheable."""

LOGIN_PATH = "/public/login.php"
V1_STATUS_PATH = "app/status"
"""What AniLiberty API v1 answers at the same root: told apart from a v2 server by it."""

TEAM_ROLES = ("voice", "translator", "editing", "decor", "timing")
"""searchTitles' team parameters, in the API's order of getTeam's roles."""

_DEFAULT_SETTINGS = HttpSettings()

FOREIGN_STATUSES = frozenset({400, 404, 405, 410})
"""Statuses a server answers for a path it does not have (v1 at a v2 URL, a web page)."""


def _join(value: Sequence[str | int] | str | int | None) -> str | None:
    if value is None:
        return None
    # A lone string is a Sequence[str] too: never join its characters.
    if isinstance(value, str | int):
        return str(value)
    return ",".join(str(item) for item in value) or None


def _common(
    *,
    filter: Strings = None,
    remove: Strings = None,
    include: Strings = None,
    description_type: str | None = None,
    playlist_type: str | None = None,
    limit: int | None = None,
    after: int | None = None,
    since: int | None = None,
) -> dict[str, str | int | None]:
    return {
        "filter": _join(filter),
        "remove": _join(remove),
        "include": _join(include),
        "description_type": description_type,
        "playlist_type": playlist_type,
        "limit": limit,
        "after": after,
        "since": since,
    }


def _foreign(exc: SourceError) -> bool:
    """Whether `exc` is how a server of another API answers a v2 method it does not have."""
    return isinstance(exc, BadResponseError) or (
        isinstance(exc, ApiError) and exc.status in FOREIGN_STATUSES
    )


def _parsed(fetched: Fetched[Any], parse: Callable[[Any], _V]) -> Fetched[_V]:
    return Fetched(parse(fetched.value), fetched.fetched_at, fetched.from_cache)


def _team_options(team: Team) -> tuple[FilterOption, ...]:
    """Everyone in `team` as `role:name` options, roles in the API's order, names sorted."""
    return tuple(
        FilterOption(f"{role}:{name}", name, group=role)
        for role in TEAM_ROLES
        for name in sorted(set(getattr(team, role)), key=str.casefold)
    )


class AniLibriaClient:
    """AniLibria's REST API (`http`) and site (`site_http`: posters, .torrent files, login)."""

    def __init__(self, http: ApiHttp, site_http: ApiHttp) -> None:
        self._http = http
        self._site = site_http
        self._answered = False
        """A read was answered: the server speaks v2, its "not found" is about the object."""

    @classmethod
    def create(
        cls,
        api_url: str,
        site_url: str,
        *,
        mirrors: Sequence[str] = (),
        cache: HttpCache | None = None,
        settings: HttpSettings = _DEFAULT_SETTINGS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> AniLibriaClient:
        """A client of `api_url` (".../v2"; `mirrors` stand in when it is unreachable) and
        `site_url`, sharing `cache`."""
        http = ApiHttp(
            API,
            [api_url, *mirrors],
            settings=settings,
            cache=cache,
            cache_allow=CACHEABLE_METHODS,
            sleep=sleep,
            clock=clock,
            transport=transport,
            expected_api_version=EXPECTED_API_VERSION,
        )
        site_http = ApiHttp(
            API,
            [site_url],
            settings=settings,
            cache=cache,
            cache_allow=POSTER_PATHS,
            sleep=sleep,
            clock=clock,
            transport=transport,
            cache_namespace=f"{API} site",
        )
        return cls(http, site_http)

    @property
    def http(self) -> ApiHttp:
        """The API's HTTP client (active mirror, server API version)."""
        return self._http

    async def aclose(self) -> None:
        """Close both connection pools."""
        await self._http.aclose()
        await self._site.aclose()

    async def _get(
        self,
        method: str,
        params: Params,
        parse: Callable[[Any], _V],
        *,
        cacheable: bool,
        cache_only: bool,
    ) -> Fetched[_V]:
        try:
            fetched = await self._http.get_json(
                method, params, cacheable=cacheable, cache_only=cache_only
            )
        except (ApiError, BadResponseError) as exc:
            if not cache_only and _foreign(exc) and await self._speaks_v1():
                raise WrongApiVersionError(
                    api=API, url=self._http.active_base_url, expected="2", server_version="1"
                ) from None
            raise
        if not fetched.from_cache:
            self._answered = True
        return _parsed(fetched, parse)

    async def _speaks_v1(self) -> bool:
        """Whether the server is AniLiberty API v1 (its `app/status` answers), asked only while
        nothing showed this is a v2 server."""
        if self._answered:
            return False
        try:
            status = (await self._http.get_json(V1_STATUS_PATH)).value
        except SourceError:
            return False
        return isinstance(status, dict) and "is_alive" in status

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
        """One title by `id`, `code` or the id of one of its torrents (getTitle)."""
        params = {
            "id": id,
            "code": code,
            "torrent_id": torrent_id,
            **_common(
                filter=filter,
                remove=remove,
                include=include,
                description_type=description_type,
                playlist_type=playlist_type,
            ),
        }
        return await self._get(
            "getTitle", params, parse_title, cacheable=True, cache_only=cache_only
        )

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
        """Several titles by id or code at once (getTitles)."""
        params = {
            "id_list": _join(id_list),
            "code_list": _join(code_list),
            **_common(
                filter=filter,
                remove=remove,
                include=include,
                description_type=description_type,
                playlist_type=playlist_type,
            ),
        }
        return await self._get(
            "getTitles", params, parse_titles, cacheable=True, cache_only=cache_only
        )

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
        """Titles by time of their latest episode, newest first (getUpdates).

        A `since` poll is never cached (a cache-only one raises `NotCachedError`).
        """
        params = _common(
            filter=filter,
            remove=remove,
            include=include,
            limit=limit,
            since=since,
            description_type=description_type,
            playlist_type=playlist_type,
            after=after,
        )
        return await self._get(
            "getUpdates", params, parse_titles, cacheable=since is None, cache_only=cache_only
        )

    async def get_changes(
        self,
        *,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        limit: int | None = None,
        since: int | None = None,
        description_type: str | None = None,
        after: int | None = None,
        cache_only: bool = False,
    ) -> Fetched[tuple[Title, ...]]:
        """Titles by time of their latest change, newest first (getChanges); `since` not cached."""
        params = _common(
            filter=filter,
            remove=remove,
            include=include,
            limit=limit,
            since=since,
            description_type=description_type,
            after=after,
        )
        return await self._get(
            "getChanges", params, parse_titles, cacheable=since is None, cache_only=cache_only
        )

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
        """The weekly schedule, per weekday (0 Monday … 6 Sunday) (getSchedule)."""
        params = {
            "days": _join(days),
            **_common(
                filter=filter,
                remove=remove,
                include=include,
                description_type=description_type,
                playlist_type=playlist_type,
            ),
        }
        return await self._get(
            "getSchedule", params, parse_schedule, cacheable=True, cache_only=cache_only
        )

    async def get_random_title(
        self,
        *,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
    ) -> Title:
        """A random title (getRandomTitle); never cached, or it would not be random."""
        params = _common(
            filter=filter,
            remove=remove,
            include=include,
            description_type=description_type,
            playlist_type=playlist_type,
        )
        fetched = await self._get(
            "getRandomTitle", params, parse_title, cacheable=False, cache_only=False
        )
        return fetched.value

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
        """Videos of AniLibria's YouTube channels, newest first (getYouTube); `since` not cached."""
        params = _common(filter=filter, remove=remove, limit=limit, since=since, after=after)
        return await self._get(
            "getYouTube", params, parse_youtube, cacheable=since is None, cache_only=cache_only
        )

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
        """Title updates and YouTube videos mixed, newest first (getFeed); `since` not cached."""
        params = _common(
            filter=filter,
            remove=remove,
            include=include,
            limit=limit,
            since=since,
            description_type=description_type,
            playlist_type=playlist_type,
            after=after,
        )
        return await self._get(
            "getFeed", params, parse_feed, cacheable=since is None, cache_only=cache_only
        )

    # -- reference lists ---------------------------------------------------------------------

    async def get_years(self, *, cache_only: bool = False) -> Fetched[tuple[int, ...]]:
        """Years titles came out in, ascending (getYears)."""
        return await self._get("getYears", {}, parse_years, cacheable=True, cache_only=cache_only)

    async def get_genres(
        self, *, sorting_type: int = 0, cache_only: bool = False
    ) -> Fetched[tuple[str, ...]]:
        """All genres; `sorting_type` 0 alphabetical, 1 by rating (getGenres)."""
        return await self._get(
            "getGenres",
            {"sorting_type": sorting_type},
            parse_genres,
            cacheable=True,
            cache_only=cache_only,
        )

    async def popular_genres(self, *, cache_only: bool = False) -> Fetched[tuple[GenreRank, ...]]:
        """Genres by rating, most popular first (getGenres `sorting_type=1`); v2 gives no
        counts."""
        genres = await self.get_genres(sorting_type=1, cache_only=cache_only)
        return Fetched(
            tuple(GenreRank(name, None) for name in genres.value),
            genres.fetched_at,
            genres.from_cache,
        )

    async def get_caching_nodes(self, *, cache_only: bool = False) -> Fetched[tuple[str, ...]]:
        """Stream cache hosts, least loaded first (getCachingNodes)."""
        return await self._get(
            "getCachingNodes", {}, parse_caching_nodes, cacheable=True, cache_only=cache_only
        )

    async def get_team(self, *, cache_only: bool = False) -> Fetched[Team]:
        """Everyone who ever worked on the project, by role (getTeam)."""
        return await self._get(
            "getTeam", {}, parse_team_response, cacheable=True, cache_only=cache_only
        )

    async def get_seed_stats(
        self,
        *,
        users: Strings = None,
        sort_by: str | None = None,
        order: int | None = None,
        filter: Strings = None,
        remove: Strings = None,
        limit: int | None = None,
        after: int | None = None,
    ) -> tuple[SeedStat, ...]:
        """Tracker users by traffic (getSeedStats); `sort_by` downloaded/uploaded/user,
        `order` 0 descending, 1 ascending."""
        params = {
            "users": _join(users),
            "sort_by": sort_by,
            "order": order,
            **_common(filter=filter, remove=remove, limit=limit, after=after),
        }
        fetched = await self._get(
            "getSeedStats", params, parse_seed_stats, cacheable=False, cache_only=False
        )
        return fetched.value

    async def get_rss(
        self,
        *,
        rss_type: str = "rss",
        session: str | None = None,
        limit: int | None = None,
        since: int | None = None,
        after: int | None = None,
    ) -> str:
        """The site's update feed as text: RSS 2.0, Atom or JSON Feed per `rss_type` (getRSS).

        With a `session`, the feed's torrent links download as that user (it counts to their
        statistics): never cached, and the session is registered as a secret.
        """
        if session is not None:
            register_secret(session)
        params = {
            "rss_type": rss_type,
            "session": session,
            "limit": limit,
            "since": since,
            "after": after,
        }
        fetched = await self._http.get_bytes("getRSS", params=params)
        return fetched.value.decode("utf-8", errors="replace")

    async def account_traffic(self, *, session: str) -> SeedStat:
        """API v2 keeps no profile of the user's own traffic: raises `ApiV1OnlyError`
        (getSeedStats lists the tracker's users instead)."""
        raise ApiV1OnlyError(api=API, feature="your own tracker traffic")

    async def rss_link(self, *, session: str | None = None) -> str:
        """The address of the RSS feed (getRSS) for a feed reader; with `session` its torrent
        links count to that user, so the link holds the session: a secret."""
        if session is not None:
            register_secret(session)
        params = {"rss_type": "rss"} | ({"session": session} if session else {})
        return f"{self._http.active_base_url.rstrip('/')}/getRSS?{urlencode(params)}"

    # -- search ------------------------------------------------------------------------------

    async def search_titles(
        self,
        *,
        search: str | None = None,
        year: Values = None,
        season_code: Values = None,
        genres: Strings = None,
        voice: Strings = None,
        translator: Strings = None,
        editing: Strings = None,
        decor: Strings = None,
        timing: Strings = None,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
        limit: int | None = None,
        after: int | None = None,
    ) -> tuple[Title, ...]:
        """Titles matching all given filters; `search` is fuzzy (searchTitles). Never cached."""
        params = {
            "search": search,
            "year": _join(year),
            "season_code": _join(season_code),
            "genres": _join(genres),
            "voice": _join(voice),
            "translator": _join(translator),
            "editing": _join(editing),
            "decor": _join(decor),
            "timing": _join(timing),
            **_common(
                filter=filter,
                remove=remove,
                include=include,
                description_type=description_type,
                playlist_type=playlist_type,
                limit=limit,
                after=after,
            ),
        }
        fetched = await self._get(
            "searchTitles", params, parse_titles, cacheable=False, cache_only=False
        )
        return fetched.value

    api_name: str = "AniLibria API v2"
    """The API's name for the user; the store's marker of data made under it (migration 6)."""

    search_filters: tuple[FilterKey, ...] = (
        FilterKey.YEAR,
        FilterKey.SEASON,
        FilterKey.GENRE,
        FilterKey.TEAM,
    )
    """searchTitles' filters: one year, season, genre (by name) and team member each."""
    offers_advanced_search: bool = True
    """advancedSearch takes expressions over a title's fields."""

    async def search_filter_options(
        self, key: FilterKey, *, cache_only: bool = False
    ) -> Fetched[tuple[FilterOption, ...]]:
        """The values `key` takes: years newest first (getYears), seasons 1-4, genres by name
        (getGenres), team members as `role:name` grouped by role (getTeam)."""
        if key is FilterKey.YEAR:
            years = await self.get_years(cache_only=cache_only)
            return _parsed(
                years,
                lambda found: tuple(
                    FilterOption(str(y), str(y)) for y in sorted(found, reverse=True)
                ),
            )
        if key is FilterKey.SEASON:
            seasons = tuple(FilterOption(code, "") for code in SEASON_CODES)
            return Fetched(seasons, 0.0, from_cache=cache_only)
        if key is FilterKey.GENRE:
            genres = await self.get_genres(cache_only=cache_only)
            return _parsed(genres, lambda found: tuple(FilterOption(g, g) for g in found))
        if key is FilterKey.TEAM:
            team = await self.get_team(cache_only=cache_only)
            return _parsed(team, _team_options)
        raise ValueError(f"API v2 has no {key} filter")

    async def search_catalog(
        self,
        query: SearchQuery,
        *,
        filter: Strings = None,
        limit: int | None = None,
        after: int | None = None,
    ) -> SearchPage:
        """searchTitles with the query's text and filters (`search_filters`); searchTitles
        gives no count of its matches."""
        if unknown := set(query.filters) - set(self.search_filters):
            raise ValueError(f"API v2 cannot search by {', '.join(sorted(unknown))}")
        team: dict[str, list[str]] = {role: [] for role in TEAM_ROLES}
        for member in query.chosen(FilterKey.TEAM):
            role, _, name = member.partition(":")
            team[role].append(name)
        titles = await self.search_titles(
            search=query.text.strip() or None,
            year=list(query.chosen(FilterKey.YEAR)) or None,
            season_code=list(query.chosen(FilterKey.SEASON)) or None,
            genres=list(query.chosen(FilterKey.GENRE)) or None,
            voice=team["voice"] or None,
            translator=team["translator"] or None,
            editing=team["editing"] or None,
            decor=team["decor"] or None,
            timing=team["timing"] or None,
            filter=filter,
            limit=limit,
            after=after,
        )
        return SearchPage(titles, total=None)

    async def advanced_search(
        self,
        *,
        query: str,
        order_by: str | None = None,
        sort_direction: int | None = None,
        filter: Strings = None,
        remove: Strings = None,
        include: Strings = None,
        description_type: str | None = None,
        playlist_type: str | None = None,
        limit: int | None = None,
        after: int | None = None,
    ) -> tuple[Title, ...]:
        """Titles matching an expression such as `{season.year} == 2020` (advancedSearch).

        A query the server cannot parse raises `BadRequestError` with the server's message.
        `sort_direction` 0 ascending, 1 descending. Never cached.
        """
        params = {
            "query": query,
            "order_by": order_by,
            "sort_direction": sort_direction,
            **_common(
                filter=filter,
                remove=remove,
                include=include,
                description_type=description_type,
                playlist_type=playlist_type,
                limit=limit,
                after=after,
            ),
        }
        fetched = await self._get(
            "advancedSearch", params, parse_titles, cacheable=False, cache_only=False
        )
        return fetched.value

    # -- user --------------------------------------------------------------------------------

    async def login(self, *, mail: str, passwd: str) -> str:
        """Log in on the site and return the session id (registered as a secret at once).

        Raises `LoginFailedError` with the server's own message when no session id came back.
        """
        register_secret(passwd)
        try:
            body = await self._site.request_json(
                "POST", LOGIN_PATH, data={"mail": mail, "passwd": passwd}
            )
        except ApiError as exc:
            if isinstance(exc, ServerError):
                raise
            raise LoginFailedError(api=API, message=exc.message) from None
        if not isinstance(body, dict):
            raise BadResponseError(f"{API}: the login answer was not a JSON object", api=API)
        session = body.get("sessionId")
        if isinstance(session, str) and session:
            register_secret(session)
            return session
        message = body.get("mes")
        raise LoginFailedError(
            api=API,
            message=message if isinstance(message, str) and message else "no session id returned",
        )

    async def request_login_code(self, *, device_id: str) -> LoginCode:
        """API v2 has no login by code: raises `ApiV1OnlyError`."""
        raise ApiV1OnlyError(api=API, feature="login by code")

    async def login_with_code(self, *, code: LoginCode) -> str | None:
        """API v2 has no login by code: raises `ApiV1OnlyError`."""
        raise ApiV1OnlyError(api=API, feature="login by code")

    async def account_name(self, *, session: str) -> str:
        """API v2 has no profile to read the name from: raises `ApiV1OnlyError` (a v2 login
        knows the name it was given)."""
        raise ApiV1OnlyError(api=API, feature="the account's profile")

    async def logout(self, *, session: str) -> None:
        """Nothing to ask: API v2 has no logout; a session ends by being forgotten."""

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
        """The user's favorite titles (getFavorites); never cached."""
        register_secret(session)
        params = {
            "session": session,
            **_common(
                filter=filter,
                remove=remove,
                include=include,
                description_type=description_type,
                playlist_type=playlist_type,
            ),
        }
        fetched = await self._get(
            "getFavorites", params, parse_titles, cacheable=False, cache_only=False
        )
        return fetched.value

    async def add_favorite(self, *, session: str, title_id: int) -> None:
        """Add a title to the user's favorites (PUT addFavorite)."""
        await self._change_favorite("PUT", "addFavorite", session, title_id)

    async def del_favorite(self, *, session: str, title_id: int) -> None:
        """Remove a title from the user's favorites (DELETE delFavorite)."""
        await self._change_favorite("DELETE", "delFavorite", session, title_id)

    async def _change_favorite(self, verb: str, method: str, session: str, title_id: int) -> None:
        register_secret(session)
        body = await self._http.request_json(
            verb, method, params={"session": session, "title_id": title_id}
        )
        if not (isinstance(body, dict) and body.get("success") is True):
            raise BadResponseError(f"{API}: {method} did not confirm success", api=API)

    # -- files and streams -------------------------------------------------------------------

    async def poster(self, url_path: str, *, cache_only: bool = False) -> Fetched[bytes]:
        """A poster image from the site (`Poster.url`); cached for offline use."""
        return await self._site.get_bytes(url_path, cacheable=True, cache_only=cache_only)

    async def torrent_file(self, url_path: str, *, session: str | None = None) -> bytes:
        """The .torrent file at `Torrent.url`; never cached (it may carry a passkey).

        With `session`, the tracker counts the download to that user (their passkey is in the
        file's announce URLs).
        """
        if session is not None:
            register_secret(session)
        body = (await self._site.get_bytes(url_path, params={"session": session})).value
        # The site answers a bad session with an HTML page, not an HTTP error.
        if not body.startswith(b"d"):
            raise BadResponseError(f"{API}: the site did not send a .torrent file", api=API)
        return body

    def stream_url(self, player: Player, hls_path: str) -> str:
        """The URL of an HLS stream: `<scheme of the API URL>://<player.host><hls_path>`."""
        return stream_url_for(player, hls_path, api_url=self._http.active_base_url, api=API)


def stream_url_for(player: Player, hls_path: str, *, api_url: str, api: str) -> str:
    """A playable URL for `hls_path`: itself when absolute (AniLiberty v1 gives whole URLs),
    else on `player.host` with the scheme of `api_url` (v2 gives paths)."""
    if urlsplit(hls_path).scheme:
        return hls_path
    scheme = urlsplit(api_url).scheme or "https"
    if hls_path.startswith("//"):
        return f"{scheme}:{hls_path}"
    if not player.host:
        raise BadResponseError(f"{api}: the title has no stream host", api=api)
    return f"{scheme}://{player.host}/{hls_path.lstrip('/')}"
