"""The typed async AniLiberty API v1 client (spec: shared/specs/aniliberty-api-v1.openapi.json and
aniliberty-api-v1-notes.md beside it).

Built on the shared `ApiHttp` (retries on connect errors, 5xx and 429 honouring `Retry-After`,
mirrors, the disk cache, redaction):

- Mirrors: when the API root in use cannot be reached or answers 5xx (a CDN's 521), the others
  are asked `/app/status` and the first in order that says `is_alive: true` is used and
  remembered (the notes: the Android app does the same).

- Every read sends `include=` with the fields its callers need (the notes: trimmed, compressed
  answers get through where large ones stall); each method has a default and takes the caller's
  own (None: the whole object). httpx asks for gzip by itself.
- The bearer token of a login goes out as `Authorization: Bearer <token>` on the calls that take
  `token=`, and is registered with the redaction point; an authenticated read is never cached.
- 401 / 403 raise `AuthError`, 404 `NotFoundError`, 422 `ValidationError` (the server's field
  messages verbatim), 429 `RateLimitedError` once the waits ran out.
- A server that does not speak v1 (AniLibria API v2 at this URL, an HTML page, a body of no v1
  shape) raises `ApiVersionError`, after one `/app/status` probe tells a v1 server's odd answer
  from another server's.
- Image paths are relative to the site root; `image()` fetches them over the mirrors' sites,
  never retried: posters are optional, a screen shows none rather than wait.

Cacheable reads return `Fetched[...]` and take `cache_only`; live reads (random releases, quick
search, anything of a user) return the value itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from app.sources.aniliberty.errors import API, ApiVersionError, ValidationError
from app.sources.aniliberty.models import (
    AppStatus,
    CollectionEntry,
    CollectionType,
    Franchise,
    Genre,
    Member,
    Otp,
    Paged,
    Profile,
    ReferenceValue,
    ReleaseEpisode,
    ReleaseTorrent,
    ScheduleEntry,
    ScheduleNow,
    Timecode,
    data_list,
    expect_object,
    one_object,
    paged,
    parse_collection_ids,
    parse_ids,
    parse_release,
    parse_release_episode,
    parse_timecodes,
    parse_video,
)
from app.sources.anilibria.models import Title, YouTubeVideo
from app.sources.cache import HttpCache
from app.sources.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    SourceError,
)
from app.sources.fields import each, obj
from app.sources.http import (
    ApiHttp,
    ErrorBody,
    Fetched,
    Headers,
    HttpSettings,
    MirrorProbe,
    Params,
    parse_error_body,
)
from app.sources.redaction import register_secret

if TYPE_CHECKING:
    import httpx

_V = TypeVar("_V")

Fields = Sequence[str] | None
"""An `include` / `exclude` list of dotted field paths; None sends none (the whole object)."""

API_PREFIX = "/api/v1"
TORRENTS_MAX_LIMIT = 50
"""The largest page `/anime/torrents` serves (more is a 422)."""

CACHEABLE_PATHS = frozenset(
    {
        "anime/schedule/",
        "anime/releases/",
        "anime/catalog/",
        "anime/franchises",
        "anime/franchises/",
        "anime/genres",
        "anime/torrents",
        "anime/torrents/",
        "media/videos",
    }
)
"""Reads that are the same for everyone; never `accounts/` (a user's) nor `app/` (live)."""
IMAGE_PATHS = frozenset({"storage/"})
"""Site paths of images (posters, previews, avatars): cacheable."""

RELEASE_LIST_FIELDS: tuple[str, ...] = (
    "id",
    "alias",
    "name",
    "type",
    "year",
    "season",
    "publish_day",
    "poster",
    "fresh_at",
    "updated_at",
    "is_ongoing",
    "is_in_production",
    "episodes_total",
    "average_duration_of_episode",
    "added_in_users_favorites",
    "genres.id",
    "genres.name",
)
"""What a line of a release list shows (no episodes, torrents or description)."""
EPISODE_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "name_english",
    "ordinal",
    "sort_order",
    "duration",
    "hls_480",
    "hls_720",
    "hls_1080",
    "opening",
    "ending",
    "preview",
    "updated_at",
)
TORRENT_FIELDS: tuple[str, ...] = (
    "id",
    "hash",
    "size",
    "type",
    "codec",
    "quality",
    "label",
    "magnet",
    "filename",
    "seeders",
    "leechers",
    "completed_times",
    "is_hardsub",
    "description",
    "created_at",
    "updated_at",
)
RELEASE_FIELDS: tuple[str, ...] = (
    *RELEASE_LIST_FIELDS,
    "description",
    "notification",
    "external_player",
    "is_blocked_by_geo",
    "is_blocked_by_copyrights",
    "members.id",
    "members.nickname",
    "members.role",
    *(f"episodes.{name}" for name in EPISODE_FIELDS),
    *(f"torrents.{name}" for name in TORRENT_FIELDS),
    # Optional in the newer schema; the library's NFO files name the title there.
    "shikimori.id",
    "mal.id",
)
"""A release's page: everything it shows, but not each torrent's copy of the release."""
LATEST_FIELDS: tuple[str, ...] = (
    *RELEASE_LIST_FIELDS,
    *(f"latest_episode.{name}" for name in EPISODE_FIELDS),
)
SCHEDULE_FIELDS: tuple[str, ...] = (
    *(f"release.{name}" for name in RELEASE_LIST_FIELDS),
    "full_season_is_released",
    "next_release_episode_number",
    *(f"published_release_episode.{name}" for name in ("id", "name", "ordinal", "updated_at")),
)
TORRENT_LIST_FIELDS: tuple[str, ...] = (
    *TORRENT_FIELDS,
    *(f"release.{name}" for name in ("id", "alias", "name", "year", "type", "poster")),
)
SEARCH_FIELDS: tuple[str, ...] = ("id", "alias", "name", "type", "year", "season", "poster")
NAME_FIELDS: tuple[str, ...] = ("id", "alias", "name")
VIDEO_FIELDS: tuple[str, ...] = ("id", "title", "url", "video_id", "image", "created_at")

_DEFAULT_SETTINGS = HttpSettings()

# Statuses a server answers for a path it does not have (v2 at a v1 URL, a web page).
_FOREIGN_STATUSES = frozenset({400, 404, 405, 410})

_last_error_body: ContextVar[Any] = ContextVar("aniliberty_last_error_body", default=None)


def _is_v2_error(body: Any) -> bool:
    """AniLibria v2's error shape, `{"error": {"code": ..., "message": ...}}`: v1 never sends it."""
    error = obj(body.get("error")) if isinstance(body, Mapping) else None
    return error is not None and "code" in error


def _field_errors(body: Any) -> dict[str, tuple[str, ...]] | None:
    errors = obj(body.get("errors")) if isinstance(body, Mapping) else None
    if errors is None:
        return None
    fields: dict[str, tuple[str, ...]] = {}
    for field, messages in errors.items():
        if isinstance(messages, str):
            messages = [messages]
        if isinstance(messages, list):
            fields[str(field)] = tuple(m for m in messages if isinstance(m, str))
    return fields


def _field_message(fields: Mapping[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in fields.items())


def parse_aniliberty_error(status: int, body: Any) -> ErrorBody:
    """The `ErrorParser` of v1: Laravel's `{message}` and 422's `{errors: {field: [msg]}}` as the
    message, verbatim; the body is kept for the client to raise v1's own errors. A v2 error body
    is never retried: it means the wrong server, which waiting cannot fix."""
    _last_error_body.set(body)
    parsed = parse_error_body(status, body)
    fields = _field_errors(body)
    if fields:
        parsed = parsed._replace(message=_field_message(fields))
    if _is_v2_error(body):
        parsed = parsed._replace(retryable=False)
    return parsed


def _status_says_alive(body: Any) -> bool:
    return isinstance(body, Mapping) and AppStatus.parse(body).is_alive


STATUS_PROBE = MirrorProbe("app/status", _status_says_alive)
"""A mirror is alive when its `/app/status` says `is_alive: true`."""


def _join(values: Sequence[str | int] | None) -> str | None:
    # An empty list is not sent: `include=` with nothing would ask for nothing.
    return ",".join(str(v) for v in values or ()) or None


def _bearer(token: str) -> Headers:
    register_secret(token)
    return {"Authorization": f"Bearer {token}"}


def _site_root(api_url: str) -> str:
    """The site of an API root: `https://anilibria.top/api/v1` -> `https://anilibria.top`."""
    url = api_url.rstrip("/")
    return url[: -len(API_PREFIX)] if url.endswith(API_PREFIX) else url


def _segment(value: str | int) -> str:
    return quote(str(value), safe="")


class AniLibertyClient:
    """AniLiberty API v1 (`http`) and the images of its site (`site_http`)."""

    def __init__(self, http: ApiHttp, site_http: ApiHttp) -> None:
        self._http = http
        self._site = site_http
        self._speaks_v1 = False

    @classmethod
    def create(
        cls,
        api_url: str,
        *,
        mirrors: Sequence[str] = (),
        cache: HttpCache | None = None,
        settings: HttpSettings = _DEFAULT_SETTINGS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> AniLibertyClient:
        """A client of `api_url` (".../api/v1"; `mirrors`, other API roots, stand in when it is
        unreachable). Images come from the same hosts' site roots, sharing `cache`."""
        api_urls = [api_url, *mirrors]
        http = ApiHttp(
            API,
            api_urls,
            settings=settings,
            cache=cache,
            cache_allow=CACHEABLE_PATHS,
            sleep=sleep,
            clock=clock,
            transport=transport,
            error_parser=parse_aniliberty_error,
            mirror_probe=STATUS_PROBE,
        )
        site_http = ApiHttp(
            API,
            [_site_root(url) for url in api_urls],
            settings=settings._replace(retries=0),
            cache=cache,
            cache_allow=IMAGE_PATHS,
            sleep=sleep,
            clock=clock,
            transport=transport,
            cache_namespace=f"{API} site",
        )
        return cls(http, site_http)

    @property
    def http(self) -> ApiHttp:
        """The API's HTTP client (active mirror)."""
        return self._http

    @property
    def site_url(self) -> str:
        """The site root of the mirror that answered last (images are relative to it)."""
        return _site_root(self._http.active_base_url)

    async def aclose(self) -> None:
        """Close both connection pools."""
        await self._http.aclose()
        await self._site.aclose()

    # -- plumbing ----------------------------------------------------------------------------

    async def _read(
        self,
        path: str,
        params: Params,
        parse: Callable[[Any], _V],
        *,
        cacheable: bool = False,
        cache_only: bool = False,
        token: str | None = None,
    ) -> Fetched[_V]:
        """GET `path` and parse it, raising v1's own errors for what went wrong."""
        headers = _bearer(token) if token else None
        _last_error_body.set(None)
        try:
            fetched = await self._http.get_json(
                path, params, cacheable=cacheable, cache_only=cache_only, headers=headers
            )
            value = parse(fetched.value)
        except ApiError as exc:
            raise await self._translate(exc) from None
        except BadResponseError as exc:
            if cache_only:
                raise
            raise await self._not_v1(exc) from None
        if not fetched.from_cache:
            self._speaks_v1 = True
        return Fetched(value, fetched.fetched_at, fetched.from_cache)

    async def _get(
        self, path: str, params: Params, parse: Callable[[Any], _V], *, token: str | None = None
    ) -> _V:
        return (await self._read(path, params, parse, token=token)).value

    async def _send(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], _V],
        *,
        json: Any = None,
        token: str | None = None,
    ) -> _V:
        """POST / DELETE a JSON body and parse the answer, with v1's errors."""
        headers = _bearer(token) if token else None
        _last_error_body.set(None)
        try:
            body = await self._http.request_json(method, path, json=json, headers=headers)
            value = parse(body)
        except ApiError as exc:
            raise await self._translate(exc) from None
        except BadResponseError as exc:
            raise await self._not_v1(exc) from None
        self._speaks_v1 = True
        return value

    async def _translate(self, exc: ApiError) -> SourceError:
        body = _last_error_body.get()
        if _is_v2_error(body):
            return self._version_error("2")
        fields = _field_errors(body)
        if exc.status == 422 and fields is not None:
            return ValidationError(
                api=API, status=exc.status, errors=fields, message=_field_message(fields)
            )
        # No JSON error of v1's: another server's "not found" for a path it does not have?
        # (A CDN's 429 or 5xx page is no sign: those keep their own error.)
        if (
            not isinstance(body, Mapping)
            and exc.status in _FOREIGN_STATUSES
            and await self._confirm_v1() is False
        ):
            return self._version_error(self._foreign_version())
        return exc

    async def _not_v1(self, exc: BadResponseError) -> BadResponseError:
        """`exc` when the server does speak v1 (an odd answer of a v1 server) or cannot be
        asked, else the error that tells the user this is not a v1 server."""
        if await self._confirm_v1() is False:
            return self._version_error(self._foreign_version())
        return exc

    async def _confirm_v1(self) -> bool | None:
        """Whether this server speaks v1, asking `/app/status` once if nothing showed it yet;
        None when that could not be told (the probe met a network error, 429 or 5xx)."""
        if self._speaks_v1:
            return True
        try:
            status = await self._http.get_json("app/status")
        except (NetworkError, RateLimitedError, ServerError):
            return None
        except SourceError:
            return False
        self._speaks_v1 = isinstance(status.value, Mapping) and "is_alive" in status.value
        return self._speaks_v1

    def _foreign_version(self) -> str | None:
        version = self._http.server_api_version or ""
        major = version.lstrip("vV").split(".")[0]
        return major if major.isdigit() and major != "1" else None

    def _version_error(self, version: str | None) -> ApiVersionError:
        return ApiVersionError(api=API, url=self._http.active_base_url, server_version=version)

    # -- service -----------------------------------------------------------------------------

    async def status(self) -> AppStatus:
        """`/app/status`: whether the mirror is alive, its endpoints, what it sees of us."""
        return await self._get(
            "app/status", {}, lambda body: AppStatus.parse(expect_object(body, "the status"))
        )

    # -- schedule ----------------------------------------------------------------------------

    async def schedule_week(
        self, *, include: Fields = SCHEDULE_FIELDS, cache_only: bool = False
    ) -> Fetched[tuple[ScheduleEntry, ...]]:
        """`/anime/schedule/week`: this week's releases (a bare array or under `data`)."""
        return await self._read(
            "anime/schedule/week",
            {"include": _join(include)},
            lambda body: each(data_list(body, "the schedule"), ScheduleEntry.parse),
            cacheable=True,
            cache_only=cache_only,
        )

    async def schedule_now(
        self, *, include: Fields = SCHEDULE_FIELDS, cache_only: bool = False
    ) -> Fetched[ScheduleNow]:
        """`/anime/schedule/now`: yesterday's, today's and tomorrow's releases (`include`
        names an item's fields, as for the week; each day's list is addressed here)."""
        days = ("yesterday", "today", "tomorrow")
        day_fields = None if include is None else [f"{d}.{f}" for d in days for f in include]
        return await self._read(
            "anime/schedule/now",
            {"include": _join(day_fields)},
            lambda body: ScheduleNow.parse(expect_object(body, "the schedule")),
            cacheable=True,
            cache_only=cache_only,
        )

    # -- releases ----------------------------------------------------------------------------

    async def release(
        self, id_or_alias: int | str, *, include: Fields = RELEASE_FIELDS, cache_only: bool = False
    ) -> Fetched[Title]:
        """`/anime/releases/{idOrAlias}` with its episodes, torrents, members and genres.

        Its HLS links depend on who asks (login, country, mirror): play from a fresh read.
        """
        return await self._read(
            f"anime/releases/{_segment(id_or_alias)}",
            {"include": _join(include)},
            lambda body: parse_release(one_object(body, "the release")),
            cacheable=True,
            cache_only=cache_only,
        )

    async def releases(
        self,
        *,
        ids: Sequence[int] = (),
        aliases: Sequence[str] = (),
        page: int | None = None,
        limit: int | None = None,
        include: Fields = RELEASE_LIST_FIELDS,
        cache_only: bool = False,
    ) -> Fetched[Paged[Title]]:
        """`/anime/releases/list`: releases by id and / or alias, paged."""
        params: Params = {
            "ids": _join(ids) if ids else None,
            "aliases": _join(aliases) if aliases else None,
            "page": page,
            "limit": limit,
            "include": _join(include),
        }
        return await self._read(
            "anime/releases/list",
            params,
            lambda body: paged(body, parse_release, "the release list"),
            cacheable=True,
            cache_only=cache_only,
        )

    async def latest(
        self, *, limit: int | None = None, include: Fields = LATEST_FIELDS, cache_only: bool = False
    ) -> Fetched[tuple[Title, ...]]:
        """`/anime/releases/latest`: releases by their newest episode, newest first; each
        title's player holds that episode alone (`latest_episode`)."""
        return await self._read(
            "anime/releases/latest",
            {"limit": limit, "include": _join(include)},
            lambda body: each(data_list(body, "the latest releases"), parse_release),
            cacheable=True,
            cache_only=cache_only,
        )

    async def random(
        self, *, limit: int | None = None, include: Fields = RELEASE_LIST_FIELDS
    ) -> tuple[Title, ...]:
        """`/anime/releases/random`: `limit` random releases; never cached."""
        return await self._get(
            "anime/releases/random",
            {"limit": limit, "include": _join(include)},
            lambda body: each(data_list(body, "the random releases"), parse_release),
        )

    async def members(
        self, id_or_alias: int | str, *, include: Fields = None, cache_only: bool = False
    ) -> Fetched[tuple[Member, ...]]:
        """`/anime/releases/{idOrAlias}/members`: who voiced, translated, timed, ... a release
        (see `models.team_of` for v2's `Team`)."""
        return await self._read(
            f"anime/releases/{_segment(id_or_alias)}/members",
            {"include": _join(include)},
            lambda body: each(data_list(body, "the members"), Member.parse),
            cacheable=True,
            cache_only=cache_only,
        )

    async def episode(
        self, uuid: str, *, include: Fields = None, cache_only: bool = False
    ) -> Fetched[ReleaseEpisode]:
        """`/anime/releases/episodes/{uuid}`: one episode and its release."""
        return await self._read(
            f"anime/releases/episodes/{_segment(uuid)}",
            {"include": _join(include)},
            parse_release_episode,
            cacheable=True,
            cache_only=cache_only,
        )

    # -- franchises and genres ---------------------------------------------------------------

    async def franchises(
        self, *, include: Fields = None, cache_only: bool = False
    ) -> Fetched[tuple[Franchise, ...]]:
        """`/anime/franchises`: every franchise (without its releases)."""
        return await self._read(
            "anime/franchises",
            {"include": _join(include)},
            lambda body: each(data_list(body, "the franchises"), Franchise.parse),
            cacheable=True,
            cache_only=cache_only,
        )

    async def franchise(
        self, franchise_id: str, *, include: Fields = None, cache_only: bool = False
    ) -> Fetched[Franchise]:
        """`/anime/franchises/{id}`: one franchise with its releases in order."""
        return await self._read(
            f"anime/franchises/{_segment(franchise_id)}",
            {"include": _join(include)},
            lambda body: Franchise.parse(one_object(body, "the franchise")),
            cacheable=True,
            cache_only=cache_only,
        )

    async def release_franchises(
        self, release_id: int, *, include: Fields = None, cache_only: bool = False
    ) -> Fetched[tuple[Franchise, ...]]:
        """`/anime/franchises/release/{releaseId}`: the franchises a release belongs to."""
        return await self._read(
            f"anime/franchises/release/{release_id}",
            {"include": _join(include)},
            lambda body: each(data_list(body, "the franchises"), Franchise.parse),
            cacheable=True,
            cache_only=cache_only,
        )

    async def genres(self, *, cache_only: bool = False) -> Fetched[tuple[Genre, ...]]:
        """`/anime/genres`: every genre with its image and number of releases."""
        return await self._read(
            "anime/genres",
            {},
            lambda body: each(data_list(body, "the genres"), Genre.parse),
            cacheable=True,
            cache_only=cache_only,
        )

    # -- catalog -----------------------------------------------------------------------------

    async def catalog(
        self,
        *,
        page: int | None = None,
        limit: int | None = None,
        genres: Sequence[int] = (),
        types: Sequence[str] = (),
        seasons: Sequence[str] = (),
        from_year: int | None = None,
        to_year: int | None = None,
        search: str | None = None,
        sorting: str | None = None,
        age_ratings: Sequence[str] = (),
        publish_statuses: Sequence[str] = (),
        production_statuses: Sequence[str] = (),
        include: Fields = RELEASE_LIST_FIELDS,
        cacheable: bool = True,
        cache_only: bool = False,
    ) -> Fetched[Paged[Title]]:
        """`/anime/catalog/releases`: releases by every `f[...]` filter, sorted and paged.

        `genres` are ids (`catalog_genres`); `types` TV, ONA, WEB, OVA, OAD, MOVIE, DORAMA,
        SPECIAL; `seasons` winter … autumn; `sorting` FRESH_AT_DESC / _ASC, RATING_*, YEAR_*
        (`catalog_reference("sorting")` lists them). Empty filters are not sent.
        """
        params: Params = {
            "page": page,
            "limit": limit,
            "f[genres]": _join(genres) if genres else None,
            "f[types][]": list(types) or None,
            "f[seasons][]": list(seasons) or None,
            "f[years][from_year]": from_year,
            "f[years][to_year]": to_year,
            "f[search]": search or None,
            "f[sorting]": sorting,
            "f[age_ratings][]": list(age_ratings) or None,
            "f[publish_statuses][]": list(publish_statuses) or None,
            "f[production_statuses][]": list(production_statuses) or None,
            "include": _join(include),
        }
        return await self._read(
            "anime/catalog/releases",
            params,
            lambda body: paged(body, parse_release, "the catalog"),
            cacheable=cacheable and not search,
            cache_only=cache_only,
        )

    async def catalog_genres(self, *, cache_only: bool = False) -> Fetched[tuple[Genre, ...]]:
        """`/anime/catalog/references/genres`: the genres the catalog filters by (id, name)."""
        return await self._read(
            "anime/catalog/references/genres",
            {},
            lambda body: each(data_list(body, "the genres"), Genre.parse),
            cacheable=True,
            cache_only=cache_only,
        )

    async def catalog_years(self, *, cache_only: bool = False) -> Fetched[tuple[int, ...]]:
        """`/anime/catalog/references/years`: the years releases came out in."""
        return await self._read(
            "anime/catalog/references/years",
            {},
            lambda body: parse_ids(data_list(body, "the years")),
            cacheable=True,
            cache_only=cache_only,
        )

    async def catalog_reference(
        self, name: str, *, cache_only: bool = False
    ) -> Fetched[tuple[ReferenceValue, ...]]:
        """`/anime/catalog/references/{name}` for age-ratings, production-statuses,
        publish-statuses, seasons, sorting or types: the values that filter takes."""
        return await self._read(
            f"anime/catalog/references/{_segment(name)}",
            {},
            lambda body: each(data_list(body, f"the {name} list"), ReferenceValue.parse),
            cacheable=True,
            cache_only=cache_only,
        )

    async def search(self, query: str, *, include: Fields = SEARCH_FIELDS) -> tuple[Title, ...]:
        """`/app/search/releases`: the quick search (a bare array, no paging); never cached."""
        return await self._get(
            "app/search/releases",
            {"query": query, "include": _join(include)},
            lambda body: each(data_list(body, "the search results"), parse_release),
        )

    # -- torrents ----------------------------------------------------------------------------

    async def torrents(
        self,
        *,
        page: int | None = None,
        limit: int | None = None,
        include: Fields = TORRENT_LIST_FIELDS,
        cache_only: bool = False,
    ) -> Fetched[Paged[ReleaseTorrent]]:
        """`/anime/torrents`: every torrent, newest first, paged (`limit` at most 50: a larger
        one is asked as 50 rather than refused)."""
        if limit is not None:
            limit = max(1, min(limit, TORRENTS_MAX_LIMIT))
        return await self._read(
            "anime/torrents",
            {"page": page, "limit": limit, "include": _join(include)},
            lambda body: paged(body, ReleaseTorrent.parse, "the torrent list"),
            cacheable=True,
            cache_only=cache_only,
        )

    async def release_torrents(
        self, release_id: int, *, include: Fields = TORRENT_FIELDS, cache_only: bool = False
    ) -> Fetched[tuple[ReleaseTorrent, ...]]:
        """`/anime/torrents/release/{releaseId}` (an array, or one object as some servers do)."""
        return await self._read(
            f"anime/torrents/release/{release_id}",
            {"include": _join(include)},
            lambda body: each(_one_or_many(body, "the release's torrents"), ReleaseTorrent.parse),
            cacheable=True,
            cache_only=cache_only,
        )

    async def torrent(
        self,
        hash_or_id: str | int,
        *,
        include: Fields = TORRENT_LIST_FIELDS,
        cache_only: bool = False,
    ) -> Fetched[ReleaseTorrent]:
        """`/anime/torrents/{hashOrId}`: one torrent and its release."""
        return await self._read(
            f"anime/torrents/{_segment(hash_or_id)}",
            {"include": _join(include)},
            lambda body: ReleaseTorrent.parse(one_object(body, "the torrent")),
            cacheable=True,
            cache_only=cache_only,
        )

    async def torrent_file(
        self, hash_or_id: str | int, *, token: str | None = None, passkey: str | None = None
    ) -> bytes:
        """`/anime/torrents/{hashOrId}/file`: the .torrent; never cached (it may carry a
        passkey). With `token` and no `passkey` the server puts the user's own passkey in."""
        return await self._bytes(
            f"anime/torrents/{_segment(hash_or_id)}/file", token=token, passkey=passkey
        )

    async def _bytes(self, path: str, *, token: str | None, passkey: str | None) -> bytes:
        if passkey:
            register_secret(passkey)
        headers = _bearer(token) if token else None
        _last_error_body.set(None)
        try:
            fetched = await self._http.get_bytes(path, params={"pk": passkey}, headers=headers)
        except ApiError as exc:
            raise await self._translate(exc) from None
        body = fetched.value
        # A bencoded dictionary starts with "d"; an HTML or JSON page is not a torrent.
        if not body.startswith(b"d"):
            raise await self._not_v1(
                BadResponseError(f"{API}: the server did not send a .torrent file", api=API)
            )
        return body

    async def torrents_rss(
        self, *, release_id: int | None = None, limit: int | None = None, passkey: str | None = None
    ) -> str:
        """`/anime/torrents/rss` (or `/rss/release/{id}`) as text; never cached. With a
        `passkey` the links count to that user's statistics (it is registered as a secret)."""
        if passkey:
            register_secret(passkey)
        path = (
            "anime/torrents/rss"
            if release_id is None
            else f"anime/torrents/rss/release/{release_id}"
        )
        _last_error_body.set(None)
        try:
            fetched = await self._http.get_bytes(path, params={"limit": limit, "pk": passkey})
        except ApiError as exc:
            raise await self._translate(exc) from None
        return fetched.value.decode("utf-8", errors="replace")

    # -- media -------------------------------------------------------------------------------

    async def videos(
        self, *, limit: int | None = None, include: Fields = VIDEO_FIELDS, cache_only: bool = False
    ) -> Fetched[tuple[YouTubeVideo, ...]]:
        """`/media/videos`: the project's videos (YouTube), newest first."""
        return await self._read(
            "media/videos",
            {"limit": limit, "include": _join(include)},
            lambda body: each(data_list(body, "the videos"), parse_video),
            cacheable=True,
            cache_only=cache_only,
        )

    async def image(self, path: str, *, cache_only: bool = False) -> Fetched[bytes]:
        """An image (poster, preview, avatar) by the path the API gave, from the site root of
        whichever mirror answers; cached for offline use. Posters are optional: callers show
        none when this fails."""
        return await self._site.get_bytes(path, cacheable=True, cache_only=cache_only)

    # -- accounts ----------------------------------------------------------------------------

    async def login(self, *, login: str, password: str) -> str:
        """`/accounts/users/auth/login`: the bearer token (registered as a secret at once).

        A wrong login or password raises `AuthError` with the server's text.
        """
        register_secret(password)
        return await self._send(
            "POST",
            "accounts/users/auth/login",
            _token_of,
            json={"login": login, "password": password},
        )

    async def otp_get(self, device_id: str) -> Otp:
        """`/accounts/otp/get`: a login code for `device_id` (any stable id of this install)
        for the user to confirm on the site; then poll `otp_login`."""
        return await self._send(
            "POST",
            "accounts/otp/get",
            lambda body: Otp.parse(expect_object(body, "the login code"), device_id),
            json={"device_id": device_id},
        )

    async def otp_login(self, otp: Otp) -> str | None:
        """`/accounts/otp/login`: the bearer token once the user confirmed `otp`, None while
        not yet (the server answers 401 or 404 until then). Asking again after `otp` expired
        keeps answering None: stop polling at `otp.remaining_time`."""
        try:
            return await self._send(
                "POST",
                "accounts/otp/login",
                _token_of,
                json={"code": _otp_code(otp.code), "device_id": otp.device_id},
            )
        except (AuthError, NotFoundError) as exc:
            if exc.status in (401, 404):
                return None
            raise

    async def otp_accept(self, code: str, *, token: str) -> None:
        """`/accounts/otp/accept`: confirm another device's login code as the user of `token`."""
        await self._send(
            "POST", "accounts/otp/accept", _ignore, json={"code": _otp_code(code)}, token=token
        )

    async def logout(self, *, token: str) -> None:
        """`/accounts/users/auth/logout`: end the session of `token` on the server."""
        await self._send("POST", "accounts/users/auth/logout", _ignore, token=token)

    async def profile(self, *, token: str) -> Profile:
        """`/accounts/users/me/profile`; its tracker passkey is registered as a secret."""
        profile = await self._get(
            "accounts/users/me/profile",
            {},
            lambda body: Profile.parse(one_object(body, "the profile")),
            token=token,
        )
        if profile.passkey:
            register_secret(profile.passkey)
        return profile

    # -- favorites ---------------------------------------------------------------------------

    async def favorite_ids(self, *, token: str) -> tuple[int, ...]:
        """`/accounts/users/me/favorites/ids`: the ids of the user's favorite releases."""
        return await self._get("accounts/users/me/favorites/ids", {}, parse_ids, token=token)

    async def add_favorites(self, release_ids: Sequence[int], *, token: str) -> tuple[int, ...]:
        """POST `/accounts/users/me/favorites`; the ids in favorites afterwards."""
        return await self._send(
            "POST",
            "accounts/users/me/favorites",
            _ids_or_none,
            json=[{"release_id": i} for i in release_ids],
            token=token,
        )

    async def remove_favorites(self, release_ids: Sequence[int], *, token: str) -> tuple[int, ...]:
        """DELETE `/accounts/users/me/favorites`; the ids left in favorites."""
        return await self._send(
            "DELETE",
            "accounts/users/me/favorites",
            _ids_or_none,
            json=[{"release_id": i} for i in release_ids],
            token=token,
        )

    async def favorite_releases(
        self,
        *,
        token: str,
        page: int | None = None,
        limit: int | None = None,
        search: str | None = None,
        sorting: str | None = None,
        include: Fields = RELEASE_LIST_FIELDS,
    ) -> Paged[Title]:
        """`/accounts/users/me/favorites/releases`: the user's favorites, paged."""
        params: Params = {
            "page": page,
            "limit": limit,
            "f[search]": search or None,
            "f[sorting]": sorting,
            "include": _join(include),
        }
        return await self._get(
            "accounts/users/me/favorites/releases",
            params,
            lambda body: paged(body, parse_release, "the favorites"),
            token=token,
        )

    # -- collections -------------------------------------------------------------------------

    async def collection_ids(self, *, token: str) -> tuple[CollectionEntry, ...]:
        """`/accounts/users/me/collections/ids`: each release in a collection, with which."""
        return await self._get(
            "accounts/users/me/collections/ids", {}, parse_collection_ids, token=token
        )

    async def add_to_collection(
        self, release_ids: Sequence[int], collection: CollectionType, *, token: str
    ) -> tuple[CollectionEntry, ...]:
        """POST `/accounts/users/me/collections`: put releases in `collection` (out of any
        other); the user's collections afterwards."""
        return await self._send(
            "POST",
            "accounts/users/me/collections",
            parse_collection_ids,
            json=[{"release_id": i, "type_of_collection": collection} for i in release_ids],
            token=token,
        )

    async def remove_from_collections(
        self, release_ids: Sequence[int], *, token: str
    ) -> tuple[CollectionEntry, ...]:
        """DELETE `/accounts/users/me/collections`: take releases out of their collection."""
        return await self._send(
            "DELETE",
            "accounts/users/me/collections",
            parse_collection_ids,
            json=[{"release_id": i} for i in release_ids],
            token=token,
        )

    async def collection_releases(
        self,
        collection: CollectionType,
        *,
        token: str,
        page: int | None = None,
        limit: int | None = None,
        search: str | None = None,
        include: Fields = RELEASE_LIST_FIELDS,
    ) -> Paged[Title]:
        """`/accounts/users/me/collections/releases?type_of_collection=...`, paged."""
        params: Params = {
            "type_of_collection": collection,
            "page": page,
            "limit": limit,
            "f[search]": search or None,
            "include": _join(include),
        }
        return await self._get(
            "accounts/users/me/collections/releases",
            params,
            lambda body: paged(body, parse_release, "the collection"),
            token=token,
        )

    # -- watch progress ----------------------------------------------------------------------

    async def timecodes(self, *, token: str) -> tuple[Timecode, ...]:
        """`/accounts/users/me/views/timecodes`: the user's progress per episode uuid."""
        return await self._get(
            "accounts/users/me/views/timecodes", {}, parse_timecodes, token=token
        )

    async def save_timecodes(self, timecodes: Sequence[Timecode], *, token: str) -> None:
        """POST `/accounts/users/me/views/timecodes`: store progress of these episodes."""
        body = [
            {"release_episode_id": t.episode_uuid, "time": t.seconds, "is_watched": t.is_watched}
            for t in timecodes
        ]
        await self._send(
            "POST", "accounts/users/me/views/timecodes", _ignore, json=body, token=token
        )

    async def delete_timecodes(self, episode_uuids: Sequence[str], *, token: str) -> None:
        """DELETE `/accounts/users/me/views/timecodes`: forget the progress of these episodes."""
        await self._send(
            "DELETE",
            "accounts/users/me/views/timecodes",
            _ignore,
            json=[{"release_episode_id": uuid} for uuid in episode_uuids],
            token=token,
        )


# --------------------------------------------------------------------------------------------
# Answer readers


def _token_of(body: Any) -> str:
    token = expect_object(body, "the login answer").get("token")
    if not isinstance(token, str) or not token:
        raise BadResponseError(f"{API}: the login answer carried no token", api=API)
    register_secret(token)
    return token


def _ignore(body: Any) -> None:
    """For answers whose content tells nothing the caller needs (a 200 is the confirmation)."""


def _ids_or_none(body: Any) -> tuple[int, ...]:
    # Some servers confirm with an empty body instead of the list of ids.
    return () if body is None else parse_ids(body)


def _one_or_many(body: Any, what: str) -> list[Any]:
    if isinstance(body, Mapping) and not isinstance(body.get("data"), list):
        return [one_object(body, what)]
    return data_list(body, what)


def _otp_code(code: str) -> int | str:
    """The OpenAPI file sends the code as an integer, the site shows it as digits with leading
    zeros ("058701"): send a number only when no zero would be lost."""
    return int(code) if code.isdigit() and not code.startswith("0") else code
