"""The typed async Torrent API client (spec: shared/specs/torrent-api.md).

Every request carries the API key as the `key` parameter, as the spec requires (a query
parameter of the reads, a form field of `add`); the key is registered with the redaction point
so it never reaches a log line, an exception text or a cache key. Arguments are checked before
anything is sent: a malformed IMDb id or info-hash raises `InvalidInputError` at once.

The spec leaves the request paths out; `TorrentApiPaths` holds ours (`movie`, `torrent`,
`peers`, `add` under the configured URL), each replaceable from `[torrent_api] *_path`. A path
that answers 404 without the API's error body raises `PathNotFoundError` naming its setting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from app.sources.cache import HttpCache
from app.sources.errors import NotFoundError, PathNotFoundError
from app.sources.http import ApiHttp, ErrorBody, HttpSettings, parse_error_body
from app.sources.redaction import register_secret
from app.sources.torrentapi.models import (
    API,
    Fetched,
    InvalidInputError,
    MovieTorrents,
    PeersHistory,
    TorrentApiError,
    TorrentInfo,
    error_for,
    is_country_code,
    is_imdb_id,
    is_infohash,
    parse_movie,
    parse_peers,
    parse_torrent,
)

if TYPE_CHECKING:
    import httpx

_V = TypeVar("_V")

_DEFAULT_SETTINGS = HttpSettings()


@dataclass(frozen=True, slots=True)
class TorrentApiPaths:
    """Request paths relative to the configured URL (the spec does not name them)."""

    movie: str = "movie"
    """GET `?imdb=&key=`: the torrents of a movie."""
    torrent: str = "torrent"
    """GET `?infohash=&key=`: one torrent's information."""
    peers: str = "peers"
    """GET `?infohash=&day=&countryCode=&short=&key=`: one torrent's peers by country."""
    add: str = "add"
    """POST form `key`, `infohash`: add a torrent to the API's database."""


PathName = Literal["movie", "torrent", "peers", "add"]
"""A field of `TorrentApiPaths`; its setting is `[torrent_api] <name>_path`."""


def parse_torrent_api_error(status: int, body: Any) -> ErrorBody:
    """The `ErrorParser` of the Torrent API: raises the precise exception for a named error.

    The shared `ErrorBody` has room for a number only, and the Torrent API names its errors
    with words, so an answer carrying one (`{"error": "INVALID_IMDB", ...}`, sent as HTTP 500)
    is raised here as its own class. Raising ends the request: such an answer is never retried,
    as the shared parser would also decide. Anything else (429, a bare 502 from a proxy) is read
    by the shared parser and retried as usual.
    """
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str) and error:
            message = body.get("message")
            raise error_for(
                error=error, message=message if isinstance(message, str) else "", status=status
            )
    return parse_error_body(status, body)


def _imdb(value: str) -> str:
    value = value.strip()
    if not is_imdb_id(value):
        raise InvalidInputError(f"{value!r} is not an IMDb id (tt followed by digits)")
    return value


def _infohash(value: str) -> str:
    value = value.strip()
    if not is_infohash(value):
        raise InvalidInputError(f"{value!r} is not an info-hash (40 hexadecimal digits)")
    # One spelling, so the cache key of a hash typed in capitals is the same.
    return value.lower()


def _country(value: str) -> str:
    value = value.strip()
    if not is_country_code(value):
        raise InvalidInputError(f"{value!r} is not a country code (two letters, like BR)")
    return value.upper()


def _day(value: date) -> str:
    # A datetime is a date too, but its isoformat() would add the time the API does not read.
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _parsed(fetched: Fetched[Any], parse: Callable[[Any], _V]) -> Fetched[_V]:
    return Fetched(parse(fetched.value), fetched.fetched_at, fetched.from_cache)


class TorrentApiClient:
    """The Torrent API: torrents of a movie, torrent information, peers history, add torrent.

    Reads return `Fetched[...]` and may be served from the disk cache with `cache_only=True`
    (show the cached answer first, then refresh); `add` is never cached nor retried.
    """

    def __init__(self, http: ApiHttp, *, api_key: str, paths: TorrentApiPaths) -> None:
        self._http = http
        self._key = api_key
        self._paths = paths

    @classmethod
    def create(
        cls,
        url: str,
        *,
        api_key: str,
        cache: HttpCache | None = None,
        settings: HttpSettings = _DEFAULT_SETTINGS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        paths: TorrentApiPaths = TorrentApiPaths(),
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> TorrentApiClient:
        """A client of the API at `url` (the `[torrent_api] url`) sending `api_key`."""
        register_secret(api_key)
        http = ApiHttp(
            API,
            [url],
            settings=settings,
            cache=cache,
            cache_allow=frozenset({paths.movie, paths.torrent, paths.peers}),
            sleep=sleep,
            clock=clock,
            transport=transport,
            error_parser=parse_torrent_api_error,
        )
        return cls(http, api_key=api_key, paths=paths)

    @property
    def http(self) -> ApiHttp:
        """The API's HTTP client."""
        return self._http

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def movie(self, imdb: str, *, cache_only: bool = False) -> Fetched[MovieTorrents]:
        """Every known torrent of the movie `imdb` ("tt2250912")."""
        params = {"imdb": _imdb(imdb), "key": self._key}
        async with self._path("movie") as path:
            fetched = await self._http.get_json(path, params, cacheable=True, cache_only=cache_only)
        return _parsed(fetched, parse_movie)

    async def torrent(self, infohash: str, *, cache_only: bool = False) -> Fetched[TorrentInfo]:
        """What the API knows about the torrent `infohash` (40 hex digits)."""
        params = {"infohash": _infohash(infohash), "key": self._key}
        async with self._path("torrent") as path:
            fetched = await self._http.get_json(path, params, cacheable=True, cache_only=cache_only)
        return _parsed(fetched, parse_torrent)

    async def peers(
        self,
        infohash: str,
        *,
        day: date | None = None,
        country_code: str | None = None,
        short: bool | None = None,
        cache_only: bool = False,
    ) -> Fetched[PeersHistory]:
        """The peers of `infohash` on `day` (default: the API's last calculated day), by country.

        `country_code` (ISO 3166-1 alpha-2) limits the report to one country; `short` asks for
        the short report. Parameters left None are not sent, so the API's defaults apply.
        """
        params: dict[str, str | None] = {
            "infohash": _infohash(infohash),
            "day": None if day is None else _day(day),
            "countryCode": None if country_code is None else _country(country_code),
            "short": None if short is None else ("true" if short else "false"),
            "key": self._key,
        }
        async with self._path("peers") as path:
            fetched = await self._http.get_json(path, params, cacheable=True, cache_only=cache_only)
        return _parsed(fetched, parse_peers)

    async def add(self, infohash: str) -> None:
        """Add the torrent `infohash` to the API's database (the answer is an empty object)."""
        data = {"key": self._key, "infohash": _infohash(infohash)}
        async with self._path("add") as path:
            await self._http.request_json("POST", path, data=data)

    @asynccontextmanager
    async def _path(self, name: PathName) -> AsyncIterator[str]:
        """The configured path `name`, whose bare 404 becomes `PathNotFoundError`: the API
        answers an unknown torrent with its own error body, so a bare 404 means the provider
        has no such method at that path, which only the setting can fix."""
        path: str = getattr(self._paths, name)
        try:
            yield path
        except NotFoundError as error:
            if isinstance(error, TorrentApiError) or error.status != 404:
                raise
            raise PathNotFoundError(
                api=API, path=path, setting=f"[torrent_api] {name}_path"
            ) from error
