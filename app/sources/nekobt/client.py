"""The typed async nekoBT API v1 client (spec: shared/specs/nekobt-api-v1.md).

Built on the shared `ApiHttp` (retries, 429 waits through the injected `sleep`, redaction):

- The API key goes out as the `ssid` cookie, set only for the API's own host, and is registered
  with `register_secret` so no log line, exception text or cache key can show it.
- Booleans are sent as `true` / `false`, lists comma-joined, None left out; times are taken as
  Unix seconds and sent as the milliseconds the spec asks for.
- 401 raises `NekoBtAuthError` ("nekoBT API key missing or invalid"); 400 with
  `validate_errors` raises `NekoBtValidationError`, 400 with `fails` `NekoBtFailuresError`;
  429 (nekoBT's JSON `retry_after` or Cloudflare's HTML `Retry-After`) is waited out and
  retried by `ApiHttp`.
- The disk cache holds only reads that are the same for everyone (langs, media, groups,
  torrents, comments) and, but for the language list, only when no API key is set:
  authenticated answers carry per-user fields (a `private_magnet` with the passkey). Those
  reads return `Fetched[...]`.
- `animetosho()` may take a minute per request (its own timeout) and polls while the API says
  "processing"; it is a plain coroutine, so cancelling the task stops it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

from app.sources.cache import HttpCache
from app.sources.errors import ApiError, BadResponseError
from app.sources.http import (
    ApiHttp,
    ErrorBody,
    Fetched,
    HttpSettings,
    Params,
    parse_error_body,
)
from app.sources.nekobt.errors import (
    AnimeToshoError,
    NekoBtAuthError,
    NekoBtFailuresError,
    NekoBtValidationError,
    ValidateError,
)
from app.sources.nekobt.models import (
    API,
    AnimeTosho,
    Announcement,
    Comment,
    Group,
    GroupSearch,
    Langs,
    Media,
    MediaSearch,
    Notification,
    Stats,
    Torrent,
    TorrentSearch,
    User,
    UserPeer,
    UserSearch,
)
from app.sources.redaction import redact, register_secret

if TYPE_CHECKING:
    import httpx

_V = TypeVar("_V")

TorrentSort = Literal[
    "best", "latest", "oldest", "rss", "seeders", "seeders_asc", "leechers", "leechers_asc",
    "downloads", "downloads_asc", "comments", "comments_asc", "filesize", "filesize_asc",
]  # fmt: skip
"""The `sort_by` values of a torrent search (the API's default is "best")."""

GroupSort = Literal["created", "uploads", "members", "downloads", "name"]
"""The `sort` values of a group search."""

CACHEABLE_PATHS = frozenset({"langs", "media/", "groups/", "torrents/"})
"""Reads the disk cache may hold (only when no API key is set; searches are never cached)."""

KEYED_CACHEABLE_PATHS = frozenset({"langs"})
"""Reads the disk cache may hold with an API key too: nothing in them depends on who asks."""

ANIMETOSHO_TIMEOUT = 65.0
"""Seconds one AnimeTosho request may take: the site may hold it up to 60 s while it fetches."""

ANIMETOSHO_POLL_INTERVAL = 180.0
"""Seconds between AnimeTosho polls while "processing": the spec's "retry if the last attempt
was more than 3 minutes ago"."""

ANIMETOSHO_MAX_POLLS = 5
"""Polls after the first request before `animetosho()` returns the "processing" answer."""

_DEFAULT_SETTINGS = HttpSettings()

# The body of the last error answer in this task: the shared error classes carry only a code
# and a message, and nekoBT's `validate_errors` / `retry` must reach the caller. A context
# variable (not an attribute) keeps concurrent requests of one client apart.
_last_error_body: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "nekobt_last_error_body", default=None
)

_PATH_PASSKEY = re.compile(r"(?<=/)[A-Za-z0-9_-]{16,}(?=/announce\b)")
# Inside a magnet the tracker URL is percent-encoded: `tr=...%2Fannounce%3Fpasskey%3D<key>`.
_ENCODED_PASSKEY = re.compile(r"(?i)((?:pass)?key%3D)[^&%]+")


def parse_nekobt_error(status: int, body: Any) -> ErrorBody:
    """The `ErrorParser` of nekoBT: the shared one (which reads `message` and `retry_after`),
    plus: an answer saying `"retry": false` (AnimeTosho's final word) is never retried."""
    _last_error_body.set(body if isinstance(body, Mapping) else None)
    parsed = parse_error_body(status, body)
    if isinstance(body, Mapping) and body.get("retry") is False:
        parsed = parsed._replace(retryable=False)
    return parsed


def mask_passkey(url: str) -> str:
    """`url` (an announce URL or magnet) with a tracker passkey masked: `passkey=` / `key=`
    query values (also percent-encoded, as in a magnet's trackers), registered secrets (see
    `redact`), and a `/<passkey>/announce` path part."""
    return _PATH_PASSKEY.sub("***", redact(_ENCODED_PASSKEY.sub(r"\1***", url)))


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _join(values: Sequence[str | int] | str | int | None) -> str | None:
    if values is None:
        return None
    # A lone string is a Sequence[str] too: never join its characters.
    if isinstance(values, str | int):
        return str(values)
    return ",".join(str(value) for value in values) or None


def _millis(seconds: float | None) -> str | None:
    return None if seconds is None else str(round(seconds * 1000))


def _segment(value: str) -> str:
    # Ids come from API answers and users: never let one add a path segment or a query.
    return quote(value, safe="@")


def _parsed(fetched: Fetched[Any], parse: Callable[[Any], _V]) -> Fetched[_V]:
    return Fetched(parse(fetched.value), fetched.fetched_at, fetched.from_cache)


class _NekoBtHttp(ApiHttp):
    """`ApiHttp` whose connection pool carries the API key as the `ssid` cookie of the API's
    host only (a redirect elsewhere does not get it)."""

    def __init__(self, *args: Any, api_key: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._api_key = api_key

    def _make_pool(self) -> httpx.AsyncClient:
        pool = super()._make_pool()
        if self._api_key:
            host = urlsplit(self.active_base_url).hostname or ""
            pool.cookies.set("ssid", self._api_key, domain=host)
        return pool


class NekoBtClient:
    """nekoBT's JSON API v1: one method per read endpoint, every documented parameter."""

    def __init__(
        self,
        http: ApiHttp,
        *,
        authenticated: bool,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        animetosho_timeout: float = ANIMETOSHO_TIMEOUT,
        animetosho_poll_interval: float = ANIMETOSHO_POLL_INTERVAL,
        animetosho_max_polls: int = ANIMETOSHO_MAX_POLLS,
    ) -> None:
        self._http = http
        self._authenticated = authenticated
        self._sleep = sleep
        self.animetosho_timeout = animetosho_timeout
        self.animetosho_poll_interval = animetosho_poll_interval
        self.animetosho_max_polls = animetosho_max_polls

    @classmethod
    def create(
        cls,
        api_url: str,
        *,
        api_key: str | None = None,
        cache: HttpCache | None = None,
        settings: HttpSettings = _DEFAULT_SETTINGS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
        animetosho_timeout: float = ANIMETOSHO_TIMEOUT,
        animetosho_poll_interval: float = ANIMETOSHO_POLL_INTERVAL,
        animetosho_max_polls: int = ANIMETOSHO_MAX_POLLS,
    ) -> NekoBtClient:
        """A client of `api_url` (".../api/v1"), authenticated with `api_key` when given."""
        if api_key:
            register_secret(api_key)
        http = _NekoBtHttp(
            API,
            [api_url],
            api_key=api_key or None,
            settings=settings,
            cache=cache,
            cache_allow=KEYED_CACHEABLE_PATHS if api_key else CACHEABLE_PATHS,
            sleep=sleep,
            clock=clock,
            transport=transport,
            error_parser=parse_nekobt_error,
        )
        return cls(
            http,
            authenticated=bool(api_key),
            sleep=sleep,
            animetosho_timeout=animetosho_timeout,
            animetosho_poll_interval=animetosho_poll_interval,
            animetosho_max_polls=animetosho_max_polls,
        )

    @property
    def authenticated(self) -> bool:
        """Whether an API key is sent."""
        return self._authenticated

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # -- torrents ------------------------------------------------------------------------------

    async def search_torrents(
        self,
        query: str | None = None,
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort_by: TorrentSort | None = None,
        category: int | None = None,
        media_id: str | None = None,
        episode_ids: Sequence[str | int] | None = None,
        episode_match_any: bool | None = None,
        levels: Sequence[int] | None = None,
        video_codecs: Sequence[int] | None = None,
        video_types: Sequence[int] | None = None,
        audio_langs: Sequence[str] | None = None,
        fansub_langs: Sequence[str] | None = None,
        sub_langs: Sequence[str] | None = None,
        hardsub: bool | None = None,
        otl: bool | None = None,
        mtl: bool | None = None,
        group_id: str | None = None,
        group_primary: bool | None = None,
        group_secondary: bool | None = None,
        group_childs: bool | None = None,
        group_parents: bool | None = None,
        uploader_id: str | None = None,
        uploader_uploads: bool | None = None,
        uploader_contributions: bool | None = None,
        before: float | None = None,
        after: float | None = None,
    ) -> TorrentSearch:
        """`/torrents/search`. None leaves a parameter to the API's default; `before` and
        `after` are Unix seconds. Page with `offset` while the answer's `more` is true."""
        params: Params = {
            "query": query,
            "limit": limit,
            "offset": offset,
            "sort_by": sort_by,
            "category": category,
            "media_id": media_id,
            "episode_ids": _join(episode_ids),
            "episode_match_any": _bool(episode_match_any),
            "levels": _join(levels),
            "video_codec": _join(video_codecs),
            "video_type": _join(video_types),
            "audio_lang": _join(audio_langs),
            "fansub_lang": _join(fansub_langs),
            "sub_lang": _join(sub_langs),
            "hardsub": _bool(hardsub),
            "otl": _bool(otl),
            "mtl": _bool(mtl),
            "group_id": group_id,
            "group_primary": _bool(group_primary),
            "group_secondary": _bool(group_secondary),
            "group_childs": _bool(group_childs),
            "group_parents": _bool(group_parents),
            "uploader_id": uploader_id,
            "uploader_uploads": _bool(uploader_uploads),
            "uploader_contributions": _bool(uploader_contributions),
            "before": _millis(before),
            "after": _millis(after),
        }
        return TorrentSearch.parse((await self._get("torrents/search", params)).value)

    async def torrent(self, torrent_id: str, *, cache_only: bool = False) -> Fetched[Torrent]:
        """`/torrents/<id>`: the full torrent (files, mediainfo, AnimeTosho data if fetched)."""
        fetched = await self._get(
            f"torrents/{_segment(torrent_id)}", cacheable=True, cache_only=cache_only
        )
        return _parsed(fetched, Torrent.parse_body)

    async def comments(
        self, torrent_id: str, *, cache_only: bool = False
    ) -> Fetched[tuple[Comment, ...]]:
        """`/torrents/<id>/comments`: top-level comments, replies in `children`."""
        fetched = await self._get(
            f"torrents/{_segment(torrent_id)}/comments", cacheable=True, cache_only=cache_only
        )
        return _parsed(fetched, Comment.parse_body)

    async def download_torrent(self, torrent_id: str, *, public: bool = False) -> bytes:
        """`/torrents/<id>/download`: the `.torrent` file. Authenticated and not `public`, its
        announce URL carries your passkey (mask it with `mask_passkey` before showing it).
        Never cached."""
        try:
            fetched = await self._http.get_bytes(
                f"torrents/{_segment(torrent_id)}/download",
                params={"public": "true" if public else None},
            )
        except ApiError as exc:
            raise _translate(exc) from None
        if not fetched.value.startswith(b"d"):
            raise BadResponseError(f"{API}: the download is not a .torrent file", api=API)
        return fetched.value

    async def animetosho(self, torrent_id: str, *, wait: bool = True) -> AnimeTosho:
        """`/torrents/<id>/animetosho`: AnimeTosho's files, subtitles and screenshots.

        Each request may take up to `animetosho_timeout` s. While the API answers "processing"
        (202, `retry: true`) and `wait` is set, asks again every `animetosho_poll_interval` s,
        at most `animetosho_max_polls` times, then returns the "processing" answer. A final
        "no" (skipped, not found, no media) raises `AnimeToshoError`. Cancel the task to stop.
        """
        path = f"torrents/{_segment(torrent_id)}/animetosho"
        polls = 0
        while True:
            fetched = await self._get(path, timeout=self.animetosho_timeout)
            result = AnimeTosho.parse_body(fetched.value)
            if result.ready or not result.retry or not wait:
                return result
            if polls >= self.animetosho_max_polls:
                return result
            polls += 1
            await self._sleep(self.animetosho_poll_interval)

    # -- media and groups ----------------------------------------------------------------------

    async def search_media(
        self, query: str, *, limit: int | None = None, offset: int | None = None
    ) -> MediaSearch:
        """`/media/search`: media by title, most similar first."""
        params: Params = {"query": query, "limit": limit, "offset": offset}
        return MediaSearch.parse((await self._get("media/search", params)).value)

    async def media(
        self, media_id: str, *, force: bool = False, cache_only: bool = False
    ) -> Fetched[Media]:
        """`/media/<id>` with episodes and groups; `force` even when it has no torrents (else
        the API answers 400 "No torrents found for this media.")."""
        fetched = await self._get(
            f"media/{_segment(media_id)}",
            {"force": "true" if force else None},
            cacheable=True,
            cache_only=cache_only,
        )
        return _parsed(fetched, Media.parse_body)

    async def search_groups(
        self,
        query: str | None = None,
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort: GroupSort | None = None,
        order: Literal["asc", "desc"] | None = None,
    ) -> GroupSearch:
        """`/groups/search`: groups by name or tag."""
        params: Params = {
            "query": query,
            "limit": limit,
            "offset": offset,
            "sort": sort,
            "order": order,
        }
        return GroupSearch.parse((await self._get("groups/search", params)).value)

    async def group(self, group_id: str, *, cache_only: bool = False) -> Fetched[Group]:
        """`/groups/<id>`: members, linked groups, media worked on, stats."""
        fetched = await self._get(
            f"groups/{_segment(group_id)}", cacheable=True, cache_only=cache_only
        )
        return _parsed(fetched, Group.parse_body)

    # -- site and users ------------------------------------------------------------------------

    async def langs(self, *, cache_only: bool = False) -> Fetched[Langs]:
        """`/langs`: the languages and the aliases the site converts."""
        fetched = await self._get("langs", cacheable=True, cache_only=cache_only)
        return _parsed(fetched, Langs.parse)

    async def announcements(self) -> tuple[Announcement, ...]:
        """`/announcements`: the home page banners."""
        return Announcement.parse_body((await self._get("announcements")).value)

    async def stats(self) -> Stats:
        """`/stats`: site totals and the week's top media."""
        return Stats.parse((await self._get("stats")).value)

    async def user(self, user_id: str = "@me") -> User:
        """`/users/<id>`; "@me" (needs the API key) is you, with your tracker passkey
        (`torrent_key`), which is registered for redaction at once."""
        user = User.parse_body((await self._get(f"users/{_segment(user_id)}")).value)
        if user.torrent_key:
            register_secret(user.torrent_key)
        return user

    async def search_users(self, username: str) -> UserSearch:
        """`/users/search` (needs the API key): the users named exactly `username`; nekoBT
        finds nobody by part of a name. Never cached: the answer depends on who asks."""
        return UserSearch.parse((await self._get("users/search", {"query": username})).value)

    async def notifications(self) -> tuple[Notification, ...]:
        """`/users/@me/notifications` (needs the API key): yours, as the API orders them."""
        return Notification.parse_body((await self._get("users/@me/notifications")).value)

    async def mark_notifications_read(
        self, ids: Sequence[str] | Literal["all"]
    ) -> tuple[Notification, ...]:
        """`PUT /users/@me/notifications/read`: mark `ids` (or "all") read; returns the updated
        list. Sent once: a PUT is repeated only when it could not have reached the server."""
        body = {"ids": ids if ids == "all" else list(ids)}
        _last_error_body.set(None)
        try:
            answer = await self._http.request_json("PUT", "users/@me/notifications/read", json=body)
        except ApiError as exc:
            raise _translate(exc) from None
        return Notification.parse_body(answer)

    async def peers(self) -> tuple[UserPeer, ...]:
        """`/users/@me/peers` (needs the API key): the torrents your clients are peers of."""
        return UserPeer.parse_body((await self._get("users/@me/peers")).value)

    # -- plumbing ------------------------------------------------------------------------------

    async def _get(
        self,
        path: str,
        params: Params | None = None,
        *,
        cacheable: bool = False,
        cache_only: bool = False,
        timeout: float | None = None,
    ) -> Fetched[Any]:
        _last_error_body.set(None)
        try:
            return await self._http.get_json(
                path, params, cacheable=cacheable, cache_only=cache_only, timeout=timeout
            )
        except ApiError as exc:
            raise _translate(exc, animetosho=path.endswith("/animetosho")) from None


def _translate(exc: ApiError, *, animetosho: bool = False) -> ApiError:
    """nekoBT's own error for a shared one, using the error body the parser kept."""
    body = _last_error_body.get() or {}
    if exc.status == 401:
        return NekoBtAuthError(api=exc.api, status=exc.status)
    raw_errors = body.get("validate_errors")
    if exc.status == 400 and isinstance(raw_errors, list):
        errors = tuple(ValidateError.parse(e) for e in raw_errors if isinstance(e, Mapping))
        return NekoBtValidationError(
            api=exc.api, message=exc.message, status=exc.status, validate_errors=errors
        )
    fails = body.get("fails")
    if exc.status == 400 and isinstance(fails, list) and fails:
        return NekoBtFailuresError(
            api=exc.api,
            message=exc.message,
            status=exc.status,
            fails=tuple(str(fail) for fail in fails),
        )
    if animetosho and exc.status != 429 and "retry" in body:
        return AnimeToshoError(
            api=exc.api,
            code=exc.code,
            message=exc.message,
            status=exc.status,
            retry=body.get("retry") is True,
        )
    return exc
