"""The AniLiberty API v1 (today's AniLibria service) on the DevServer, beside the v2 server.

Shapes follow `shared/specs/aniliberty-api-v1.openapi.json` and the client notes beside it
(`aniliberty-api-v1-notes.md`). It serves the v2 server's catalog, read at every request, through
`app.devserver.aniliberty_models` (see there how v2 titles become v1 releases), so a v1 and a v2
client see one world: the same release ids, aliases, episode UUIDs, HLS clips, torrents,
info-hashes, posters and accounts. Favorites are shared with v2 too (one list per account).

## URLs (every `DevServer`)
- API: `DevServer.aniliberty_api` = `<base_url>/api/v1`; site: `DevServer.aniliberty_site` =
  `<base_url>` (posters, previews and HLS are the v2 site's files; genre images
  `/storage/genres/...`; the code confirmation page `/app/auth/otp/linkDevice`).
- `GET /app/status`; `/app/search/releases?query=` (bare array); `/anime/schedule/week`,
  `/anime/schedule/now`; `/anime/releases/{latest,random,list}`, `/anime/releases/{aliasOrId}`
  (+ `/members`), `/anime/releases/episodes/{uuid}`; `/anime/franchises` (`/random`, `/{id}`,
  `/release/{releaseId}`); `/anime/genres` (`/random`, `/{id}`, `/{id}/releases`);
  `GET|POST /anime/catalog/releases`, `/anime/catalog/references/*`; `/anime/torrents`
  (`/{hashOrId}`, `/{hashOrId}/file`, `/release/{releaseId}`, `/rss`, `/rss/release/{id}`);
  `/media/videos`, `/media/promotions`; accounts: `POST /accounts/users/auth/{login,logout}`,
  `GET /accounts/users/me/profile`, `POST /accounts/otp/{get,accept,login}`, favorites,
  collections and view timecodes under `/accounts/users/me/`.
- `/anime/releases/recommended` is not in the OpenAPI file and is not served (404).

## Conventions as served
- Every GET takes `include` / `exclude` (comma lists of dotted paths). A path applies to the
  object, to each item of a bare array, or to each item of a paged `data` (a leading `data.` is
  allowed; `meta` always stays); a key that meets a list applies to every element
  (`episodes.hls_720`). A malformed path is a 422.
- Paged lists: `page` (from 1), `limit` (default 15; above 50 on `/anime/torrents` is a 422) and
  `meta.pagination` with absolute `links`. Filters come as `f[types]=TV,WEB`,
  `f[types][]=TV&f[types][]=WEB` or in a POST body `{"f": {"types": [...]}}` alike.
- Errors: 422 `{"message", "errors": {field: [message]}}`; others `{"message"}`. 404 for an
  unknown release, episode, torrent, genre, franchise or path. Auth: `Authorization: Bearer
  <token>` or the `access_token` cookie. Without a valid token `/accounts/users/me/*` answers 403
  (the file's "Необходимо авторизоваться"), `logout` and `otp/accept` 401 (as the file says);
  a wrong password is 401, an unconfirmed login code 401, an unknown or expired one 404.
- Responses are gzip-compressed when the client asks. Image paths are site-relative; HLS links
  are absolute, with `?isWithAds=0&isAuthorized=0|1` (who asked), null where the catalog has no
  such quality.
- The schedule: week = releases in work (v2 status 1) by publish day; `now` = today, tomorrow
  and yesterday of `schedule_clock()` (UTC). `published_release_episode` is the newest episode if
  uploaded within the 7 days before `schedule_clock()` (or later); `next_release_episode_number`
  the one after the last, until the season is complete.
- `.torrent` files: the catalog's bytes (the same info-hash as the JSON `hash`), announcing to the
  devserver's tracker with `?passkey=` = `pk`, or the caller's own passkey when authenticated
  without `pk`. A `pk` of no account is a 403.

## Test surface (`DevServer.aniliberty`, an `AniLibertyApi`)
- State: `tokens` (token → `Login`), `otp_codes` (code → `OneTimeCode`), `favorites` (login →
  release ids, shared with v2), `collections` (login → {release id: type}), `timecodes` (login →
  {episode UUID: (seconds, watched)}); `expire_token(token=None)`.
- Mirrors: `is_alive` (default True) is what `/app/status` says; with `faults` (stop a server,
  or answer 521 under `/api/v1`) several DevServers stand for the v1 mirrors.
- Clocks and lifetimes: `clock` (wall time for codes), `otp_lifetime` (seconds, default 120),
  `schedule_clock` (default: noon of the demo catalog's "today", `DEMO_NOW`).
- Shape variants: `variants.schedule_week_bare` (the week as a bare array instead of `{data}`)
  and `variants.release_torrents_single` (`/anime/torrents/release/{id}` as one object, the first
  torrent, instead of an array), the notes' readings, off by default (the file's shapes);
  `variants.release_as_array` (`/anime/releases/{aliasOrId}` as a one-item array, what the
  file's schema says), off by default: the object the notes and every client read.
- Run-time additions go through the shared catalog: a release with
  `server.catalog.add_title(TitleSeed(...).build())`, a new episode with
  `server.live.new_episode(id)`, a torrent re-issued under a new id with
  `server.live.update_torrents(id)`, and a torrent updated in place (same id, new `updated_at`
  and info-hash) with `aniliberty.grow_torrent(torrent_id)`.
- `FaultInjector` rules under `/api/v1` fail with this API's error body.
"""

from __future__ import annotations

import asyncio
import html
import logging
import math
import random
import re
import secrets
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from app.devserver import fields
from app.devserver.aniliberty_models import (
    AGE_RATINGS,
    COLLECTIONS,
    FAVORITE_SORTING,
    NAMESPACE,
    PRODUCTION_STATUSES,
    PUBLISH_STATUSES,
    SEASONS,
    SORTING,
    TYPES,
    Json,
    Views,
    age_rating_of,
    image,
    is_in_production,
    is_ongoing,
    iso,
    ordinal,
    playlist_items,
    season_of,
    torrent_entries,
    type_of,
    year_of,
)
from app.devserver.anilibria import AniLibriaApi, json_response, search_score
from app.devserver.catalog import DEMO_NOW, LOCAL_HOST, Account, Title, assets_dir, token

log = logging.getLogger("anitui.devserver.aniliberty")

PREFIX = "/api/v1"
"""Where the API is mounted: the client's base URL is `base_url + PREFIX`."""

LINK_DEVICE_PATH = "/app/auth/otp/linkDevice"
"""The site page where a signed-in user confirms a login code."""

TOKEN_COOKIE = "access_token"
"""The cookie that authenticates like a Bearer token."""

DEFAULT_LIMIT = 15
TORRENTS_MAX_LIMIT = 50
OTP_LIFETIME = 120.0
"""Seconds a login code lives unless `AniLibertyApi.otp_lifetime` says otherwise."""

_WEEK = 7 * 86_400
_DAY = 86_400
_PHP_KEY = re.compile(r"\[([^\[\]]*)\]")
_COLLECTION_REFERENCES = ("age-ratings", "genres", "types", "years")
_FAVORITE_REFERENCES = (*_COLLECTION_REFERENCES, "sorting")

Handler = Callable[["_Call"], Any]


class V1Error(Exception):
    """An error answered as `{"message": ..., "errors": {...}}` (errors only for 422)."""

    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def invalid(field_name: str, message: str) -> V1Error:
    """A 422 about one field."""
    return V1Error(422, message, {field_name: [message]})


def v1_error_response(
    status: int, message: str, *, errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:  # fmt: skip
    """This API's error answer."""
    body: Json = {"message": message}
    if errors:
        body["errors"] = dict(errors)
    return json_response(body, status=status, headers=dict(headers or {}))


@dataclass
class Login:
    """A session: the account's `login`, how it was made (`password` or `otp`)."""

    token: str
    login: str
    via: str
    expired: bool = False


@dataclass
class OneTimeCode:
    """A login code asked for by `device_id`; `login` is set once a user confirmed it."""

    code: str
    device_id: str
    expires_at: float
    login: str | None = None


@dataclass
class ShapeVariants:
    """Readings of the notes that differ from the OpenAPI file; off = the file's shape."""

    schedule_week_bare: bool = False
    """`/anime/schedule/week` as a bare array (the official clients' reading)."""
    release_torrents_single: bool = False
    """`/anime/torrents/release/{id}` as one torrent object instead of an array."""
    release_as_array: bool = False
    """`/anime/releases/{aliasOrId}` as a one-item array, as the file's schema has it (the
    notes and the clients read one object: the default)."""


@dataclass
class _Call:
    request: web.Request
    params: dict[str, Any]
    """Query parameters (nested PHP-style: `f[years][from_year]`), overlaid by a JSON body."""
    body: Any
    login: Login | None
    account: Account | None

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        if value is None or value == "":
            return None
        return str(value)

    def integer(self, name: str, default: int | None = None, *, minimum: int = 1) -> int | None:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        number = _as_int(value)
        if number is None:
            raise invalid(name, f"The {name} field must be an integer.")
        if number < minimum:
            raise invalid(name, f"The {name} field must be at least {minimum}.")
        return number


class AniLibertyApi:
    """The v1 handlers and their per-server state over the v2 server's catalog and accounts
    (mounted by `DevServer`; see the module docstring)."""

    def __init__(self, v2: AniLibriaApi) -> None:
        self._v2 = v2
        self.views = Views(v2, self._collection_counts)
        self.variants = ShapeVariants()
        self.tokens: dict[str, Login] = {}
        self.otp_codes: dict[str, OneTimeCode] = {}
        self.collections: dict[str, dict[int, str]] = {}
        """Collections by account login: release id → type, in the order set."""
        self.timecodes: dict[str, dict[str, tuple[float, bool]]] = {}
        """View progress by account login: episode UUID → (seconds, watched)."""
        self.clock: Callable[[], float] = time.time
        """The time login codes are issued and expire by."""
        self.otp_lifetime: float = OTP_LIFETIME
        self.schedule_clock: Callable[[], float] = lambda: DEMO_NOW + 12 * 3600
        """"Now" for the schedule (default: noon of the demo catalog's Monday)."""
        self.is_alive = True
        """What `/app/status` says: False stands for a mirror that calls itself down."""
        self._random = random.Random()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread_id: int | None = None

    @property
    def favorites(self) -> dict[str, list[int]]:
        """Favorites by account login (release ids, in the order added), shared with v2."""
        return self._v2.favorites

    def expire_token(self, token_value: str | None = None) -> None:
        """Make one token (or every token) invalid, as a session that ended on the server."""
        for login in self.tokens.values():
            if token_value is None or login.token == token_value:
                login.expired = True

    def grow_torrent(self, torrent_id: int) -> str:
        """Update a torrent in place up to its release's last episode (see
        `Catalog.grow_torrent`), on the server's loop when it runs; returns the info-hash."""

        def change() -> str:
            catalog = self._v2.catalog
            return catalog.grow_torrent(torrent_id, catalog.fresh_timestamp())

        loop = self._loop
        if loop is None or threading.get_ident() == self._thread_id:
            return change()

        async def on_loop() -> str:
            return change()

        return asyncio.run_coroutine_threadsafe(on_loop(), loop).result(10.0)

    # --- wiring ----------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Register the API under `PREFIX` and its site pages; unknown API paths get a 404."""
        get: list[tuple[str, Handler]] = [
            ("/app/status", self.app_status),
            ("/app/search/releases", self.search_releases),
            ("/anime/schedule/week", self.schedule_week),
            ("/anime/schedule/now", self.schedule_now),
            ("/anime/releases/latest", self.latest_releases),
            ("/anime/releases/random", self.random_releases),
            ("/anime/releases/list", self.release_list),
            ("/anime/releases/episodes/{episode_id}", self.episode),
            ("/anime/releases/{alias_or_id}/members", self.release_members),
            ("/anime/releases/{alias_or_id}", self.release),
            ("/anime/franchises", self.franchises),
            ("/anime/franchises/random", self.random_franchises),
            ("/anime/franchises/release/{release_id}", self.release_franchises),
            ("/anime/franchises/{franchise_id}", self.franchise),
            ("/anime/genres", self.genres),
            ("/anime/genres/random", self.random_genres),
            ("/anime/genres/{genre_id}/releases", self.genre_releases),
            ("/anime/genres/{genre_id}", self.genre),
            ("/anime/catalog/releases", self.catalog_releases),
            ("/anime/catalog/references/{name}", self.catalog_reference),
            ("/anime/torrents", self.torrents),
            ("/anime/torrents/rss", self.torrents_rss),
            ("/anime/torrents/rss/release/{release_id}", self.release_torrents_rss),
            ("/anime/torrents/release/{release_id}", self.release_torrents),
            ("/anime/torrents/{hash_or_id}/file", self.torrent_file),
            ("/anime/torrents/{hash_or_id}", self.torrent),
            ("/media/videos", self.videos),
            ("/media/promotions", self.promotions),
            ("/accounts/users/me/profile", self.profile),
            ("/accounts/users/me/favorites/ids", self.favorite_ids),
            ("/accounts/users/me/favorites/releases", self.favorite_releases),
            ("/accounts/users/me/favorites/references/{name}", self.favorite_reference),
            ("/accounts/users/me/collections/ids", self.collection_ids),
            ("/accounts/users/me/collections/releases", self.collection_releases),
            ("/accounts/users/me/collections/references/{name}", self.collection_reference),
            ("/accounts/users/me/views/timecodes", self.get_timecodes),
        ]
        post: list[tuple[str, Handler]] = [
            ("/anime/catalog/releases", self.catalog_releases),
            ("/accounts/users/auth/login", self.login),
            ("/accounts/users/auth/logout", self.logout),
            ("/accounts/otp/get", self.otp_get),
            ("/accounts/otp/accept", self.otp_accept),
            ("/accounts/otp/login", self.otp_login),
            ("/accounts/users/me/favorites", self.add_favorites),
            ("/accounts/users/me/favorites/releases", self.favorite_releases),
            ("/accounts/users/me/collections", self.add_to_collections),
            ("/accounts/users/me/collections/releases", self.collection_releases),
            ("/accounts/users/me/views/timecodes", self.set_timecodes),
        ]
        delete: list[tuple[str, Handler]] = [
            ("/accounts/users/me/favorites", self.remove_favorites),
            ("/accounts/users/me/collections", self.remove_from_collections),
            ("/accounts/users/me/views/timecodes", self.delete_timecodes),
        ]
        for method, routes in (("GET", get), ("POST", post), ("DELETE", delete)):
            for path, handler in routes:
                app.router.add_route(method, PREFIX + path, self._wrap(handler))
        app.router.add_route("*", PREFIX + "/{tail:.*}", self._not_found)
        app.router.add_route("*", LINK_DEVICE_PATH, self.link_device_page)
        app.router.add_get(r"/storage/genres/{genre_id:\d+}/{name}", self.genre_image)
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)

    async def _on_startup(self, app: web.Application) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread_id = threading.get_ident()

    async def _on_shutdown(self, app: web.Application) -> None:
        self._loop = None
        self._thread_id = None

    async def _not_found(self, request: web.Request) -> web.Response:
        return v1_error_response(404, "Not found")

    def _wrap(self, handler: Handler) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                call = await self._call(request)
                result = handler(call)
                if isinstance(result, web.StreamResponse):
                    return result
                if request.method == "GET":
                    result = _shape(result, call.params)
            except V1Error as exc:
                return v1_error_response(exc.status, exc.message, errors=exc.errors)
            except Exception:
                # This API's 500 shape, not the v2 one the DevServer would send.
                log.exception("AniLiberty devserver: %s %s failed", request.method, request.path)
                return v1_error_response(500, "Server Error")
            response = json_response(result)
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                response.enable_compression()
            return response

        return handle

    async def _call(self, request: web.Request) -> _Call:
        params = _php_params((key, value) for key, value in request.query.items())
        body: Any = None
        if request.method in ("POST", "DELETE") and request.body_exists:
            try:
                body = await request.json()
            except ValueError:
                raise V1Error(422, "The request body must be JSON.") from None
            if isinstance(body, dict):
                params.update(body)
        login = self._login_of(request)
        account = self._account(login.login) if login else None
        return _Call(request, params, body, login, account)

    def _login_of(self, request: web.Request) -> Login | None:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            value = header[7:].strip()
        else:
            value = request.cookies.get(TOKEN_COOKIE, "")
        login = self.tokens.get(value)
        return login if login is not None and not login.expired else None

    def _account(self, login: str) -> Account | None:
        return next((a for a in self._v2.catalog.accounts if a.login == login), None)

    # --- helpers ---------------------------------------------------------------------------

    def _title(self, alias_or_id: str) -> Title:
        catalog = self._v2.catalog
        title = catalog.title(int(alias_or_id)) if alias_or_id.isdigit() else None
        title = title or catalog.title_by_code(alias_or_id)
        if title is None:
            raise V1Error(404, "Релиз не найден")
        return title

    def _titles_newest(self) -> list[Title]:
        return sorted(
            self._v2.catalog.titles,
            key=lambda t: (int(t.get("updated") or 0), int(t.get("id") or 0)),
            reverse=True,
        )

    def _paged(
        self,
        call: _Call,
        items: list[Any],
        render: Callable[[Any], Any],
        *,
        max_limit: int | None = None,
    ) -> Json:
        page = call.integer("page", 1) or 1
        limit = call.integer("limit", DEFAULT_LIMIT) or DEFAULT_LIMIT
        if max_limit is not None and limit > max_limit:
            raise invalid("limit", f"The limit field must not be greater than {max_limit}.")
        total = len(items)
        pages = max(1, math.ceil(total / limit))
        chunk = items[(page - 1) * limit : page * limit]
        url = call.request.url

        def link(number: int) -> str | None:
            if not 1 <= number <= pages or number == page:
                return None
            return str(url.update_query(page=number, limit=limit))

        return {
            "data": [render(item) for item in chunk],
            "meta": {
                "pagination": {
                    "total": total,
                    "count": len(chunk),
                    "per_page": limit,
                    "current_page": page,
                    "total_pages": pages,
                    "links": {"previous": link(page - 1), "next": link(page + 1)},
                }
            },
        }

    def _limit(self, call: _Call, default: int) -> int:
        return call.integer("limit", default) or default

    def _authorized(self, call: _Call) -> bool:
        return call.account is not None

    # --- app -------------------------------------------------------------------------------

    def app_status(self, call: _Call) -> Json:
        """`GET /app/status`: alive, with where the caller seems to be."""
        return {
            "is_alive": self.is_alive,
            "available_api_endpoints": [self._v2.origin.base_url + PREFIX],
            "request": {
                "ip": call.request.remote,
                "country": "Russia",
                "iso_code": "RU",
                "timezone": "Europe/Moscow",
            },
        }

    def search_releases(self, call: _Call) -> list[Json]:
        """`GET /app/search/releases?query=`: best matches first, a bare array."""
        query = call.text("query")
        if query is None:
            raise invalid("query", "The query field is required.")
        return [self.views.release(t) for t in self._search(self._v2.catalog.titles, query)]

    @staticmethod
    def _search(titles: Iterable[Title], query: str) -> list[Title]:
        scored = []
        for title in titles:
            score = search_score(title, query)
            if score is not None:
                scored.append((score, int(title.get("in_favorites") or 0), title))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [title for _, _, title in scored]

    # --- schedule --------------------------------------------------------------------------

    def _schedule_item(self, title: Title, now: float) -> Json:
        items = playlist_items(title)
        total = (title.get("type") or {}).get("series")
        complete = isinstance(total, int) and total > 0 and len(items) >= total
        latest = self.views.latest_episode(title)
        newest = max((int(i.get("created_timestamp") or 0) for i in items), default=0)
        last = ordinal(items[-1].get("serie")) if items else 0
        return {
            "release": self.views.release(title),
            "full_season_is_released": complete,
            "published_release_episode": latest if newest >= now - _WEEK else None,
            "next_release_episode_number": None if complete else math.floor(last or 0) + 1,
        }

    def _in_work(self) -> list[Title]:
        titles = [t for t in self._v2.catalog.titles if is_ongoing(t)]
        return sorted(titles, key=lambda t: (_publish_day(t), str(t.get("code"))))

    def schedule_week(self, call: _Call) -> Any:
        """`GET /anime/schedule/week`: `{data: [...]}`, or a bare array (variant)."""
        now = self.schedule_clock()
        items = [self._schedule_item(t, now) for t in self._in_work()]
        return items if self.variants.schedule_week_bare else {"data": items}

    def schedule_now(self, call: _Call) -> Json:
        """`GET /anime/schedule/now`: today's, tomorrow's and yesterday's releases."""
        now = self.schedule_clock()
        today = datetime.fromtimestamp(now, UTC).weekday() + 1
        days = {"today": today, "tomorrow": today % 7 + 1, "yesterday": (today - 2) % 7 + 1}
        titles = self._in_work()
        return {
            name: [self._schedule_item(t, now) for t in titles if _publish_day(t) == day]
            for name, day in days.items()
        }

    # --- releases --------------------------------------------------------------------------

    def latest_releases(self, call: _Call) -> list[Json]:
        """`GET /anime/releases/latest?limit=`: freshest first, each with `latest_episode`."""
        limit = self._limit(call, 14)
        authorized = self._authorized(call)
        return [
            self.views.release_with(t, "genres", "latest_episode", authorized=authorized)
            for t in self._titles_newest()[:limit]
        ]

    def random_releases(self, call: _Call) -> list[Json]:
        """`GET /anime/releases/random?limit=`."""
        titles = self._v2.catalog.titles
        limit = min(self._limit(call, 5), len(titles))
        return [self.views.release(t) for t in self._random.sample(titles, limit)]

    def release_list(self, call: _Call) -> Json:
        """`GET /anime/releases/list?ids=&aliases=`: in the order asked, paged."""
        ids = _list_param(call.params.get("ids"))
        aliases = _list_param(call.params.get("aliases"))
        if not ids and not aliases:
            raise invalid("ids", "The ids field is required when aliases is not present.")
        if any(not i.isdigit() for i in ids):
            raise invalid("ids", "The ids field must be a list of integers.")
        catalog = self._v2.catalog
        found: list[Title] = []
        for title in [catalog.title(int(i)) for i in ids] + [
            catalog.title_by_code(a) for a in aliases
        ]:
            if title is not None and all(title is not f for f in found):
                found.append(title)
        authorized = self._authorized(call)
        return self._paged(
            call,
            found,
            lambda t: self.views.release_with(
                t, "genres", "members", "episodes", "torrents", authorized=authorized
            ),
        )

    def release(self, call: _Call) -> Json | list[Json]:
        """`GET /anime/releases/{aliasOrId}` with genres, members, episodes and torrents."""
        title = self._title(call.request.match_info["alias_or_id"])
        release = self.views.release_with(
            title, "genres", "members", "episodes", "torrents", authorized=self._authorized(call)
        )
        return [release] if self.variants.release_as_array else release

    def release_members(self, call: _Call) -> list[Json]:
        """`GET /anime/releases/{aliasOrId}/members`."""
        return self.views.members(self._title(call.request.match_info["alias_or_id"]))

    def episode(self, call: _Call) -> Json:
        """`GET /anime/releases/episodes/{uuid}`: the episode with its release (and episodes)."""
        found = self.views.find_episode(call.request.match_info["episode_id"])
        if found is None:
            raise V1Error(404, "Эпизод не найден")
        title, item, index = found
        authorized = self._authorized(call)
        out = self.views.episode(title, item, index, authorized=authorized)
        out["release"] = self.views.release_with(title, "episodes", authorized=authorized)
        return out

    # --- franchises ------------------------------------------------------------------------

    def _franchise_titles(self, franchise_id: str) -> list[Title]:
        for titles in self.views.franchises():
            if self.views.franchise(titles)["id"] == franchise_id:
                return titles
        raise V1Error(404, "Франшиза не найдена")

    def franchises(self, call: _Call) -> Json:
        """`GET /anime/franchises`: every franchise, one page."""
        return self._paged(call, self.views.franchises(), self.views.franchise)

    def random_franchises(self, call: _Call) -> Json:
        """`GET /anime/franchises/random?limit=`."""
        franchises = self.views.franchises()
        limit = min(self._limit(call, 4), len(franchises))
        return {"data": [self.views.franchise(f) for f in self._random.sample(franchises, limit)]}

    def franchise(self, call: _Call) -> Json:
        """`GET /anime/franchises/{id}`: `{data: franchise with franchise_releases}`."""
        titles = self._franchise_titles(call.request.match_info["franchise_id"])
        return {"data": self.views.franchise(titles, with_releases=True)}

    def release_franchises(self, call: _Call) -> Json:
        """`GET /anime/franchises/release/{releaseId}`: the franchises the release is in."""
        title = self._title(call.request.match_info["release_id"])
        return {
            "data": [
                self.views.franchise(titles, with_releases=True)
                for titles in self.views.franchises()
                if any(t is title for t in titles)
            ]
        }

    # --- genres ----------------------------------------------------------------------------

    def _genre_name(self, raw: str) -> str:
        number = _as_int(raw)
        for name, genre_id in self.views.genre_ids().items():
            if genre_id == number:
                return name
        raise V1Error(404, "Жанр не найден")

    def genres(self, call: _Call) -> list[Json]:
        """`GET /anime/genres`: alphabetical."""
        ids = self.views.genre_ids()
        return [self.views.genre(name, ids[name]) for name in sorted(ids, key=str.lower)]

    def random_genres(self, call: _Call) -> list[Json]:
        """`GET /anime/genres/random?limit=`."""
        ids = self.views.genre_ids()
        names = self._random.sample(sorted(ids), min(self._limit(call, 8), len(ids)))
        return [self.views.genre(name, ids[name]) for name in names]

    def genre(self, call: _Call) -> Json:
        """`GET /anime/genres/{id}`."""
        name = self._genre_name(call.request.match_info["genre_id"])
        return self.views.genre(name, self.views.genre_ids()[name])

    def genre_releases(self, call: _Call) -> Json:
        """`GET /anime/genres/{id}/releases`: freshest first, paged."""
        name = self._genre_name(call.request.match_info["genre_id"])
        titles = [t for t in self._titles_newest() if name in (t.get("genres") or [])]
        return self._paged(call, titles, self.views.release)

    async def genre_image(self, request: web.Request) -> web.StreamResponse:
        """A genre's image (one of the demo previews)."""
        previews = sorted((assets_dir() / "previews").glob("*.jpg"))
        if not previews:
            raise web.HTTPNotFound()
        path = previews[int(request.match_info["genre_id"]) % len(previews)]
        return web.FileResponse(path, headers={"Content-Type": "image/jpeg"})

    # --- catalog ---------------------------------------------------------------------------

    def catalog_releases(self, call: _Call) -> Json:
        """`GET|POST /anime/catalog/releases`: every `f[...]` filter and sorting, paged."""
        filters = _filters(call.params)
        titles = self._filter(self._v2.catalog.titles, filters)
        sorting = _one_of(filters.get("sorting"), SORTING, "f.sorting") or "FRESH_AT_DESC"
        if "sorting" in filters or not filters.get("search"):
            titles = _sort(titles, sorting)
        return self._paged(call, titles, lambda t: self.views.release_with(t, "genres"))

    def _filter(self, titles: Iterable[Title], filters: Mapping[str, Any]) -> list[Title]:
        """Titles that pass the filters; `search` also ranks them (best first)."""
        genre_ids = self.views.genre_ids()
        wanted_genres = set()
        for raw in _list_param(filters.get("genres")):
            number = _as_int(raw)
            if number is None:
                raise invalid("f.genres", "The f.genres field must be a list of genre ids.")
            wanted_genres.add(number)
        types = _many_of(filters.get("types"), TYPES, "f.types")
        seasons = _many_of(filters.get("seasons"), dict(SEASONS.values()), "f.seasons")
        ratings = _many_of(filters.get("age_ratings"), AGE_RATINGS, "f.age_ratings")
        publish = _many_of(filters.get("publish_statuses"), PUBLISH_STATUSES, "f.publish_statuses")
        production = _many_of(
            filters.get("production_statuses"), PRODUCTION_STATUSES, "f.production_statuses"
        )
        years = filters.get("years")
        from_year = to_year = None
        exact_years: set[int] = set()
        if isinstance(years, dict):
            from_year = _year(years.get("from_year"), "f.years.from_year")
            to_year = _year(years.get("to_year"), "f.years.to_year")
        else:
            exact_years = {_year(y, "f.years") or 0 for y in _list_param(years)}
        out = []
        for title in titles:
            title_genres = {genre_ids.get(str(g)) for g in title.get("genres") or []}
            year = year_of(title)
            checks = (
                not wanted_genres or wanted_genres <= title_genres,
                not types or type_of(title) in types,
                not seasons or season_of(title) in seasons,
                not ratings or age_rating_of(title) in ratings,
                not publish or ("IS_ONGOING" if is_ongoing(title) else "IS_NOT_ONGOING") in publish,
                not production
                or ("IS_IN_PRODUCTION" if is_in_production(title) else "IS_NOT_IN_PRODUCTION")
                in production,
                from_year is None or year >= from_year,
                to_year is None or year <= to_year,
                not exact_years or year in exact_years,
            )
            if all(checks):
                out.append(title)
        search = filters.get("search")
        if search:
            out = self._search(out, str(search))
        return out

    def catalog_reference(self, call: _Call) -> Any:
        """`GET /anime/catalog/references/{name}`."""
        return self._reference(call.request.match_info["name"], self._v2.catalog.titles, SORTING)

    def _reference(
        self, name: str, titles: list[Title], sorting: Mapping[str, tuple[str, str]]
    ) -> Any:
        genre_ids = self.views.genre_ids()
        if name == "age-ratings":
            return [
                {"value": v, "label": label, "description": text}
                for v, (label, _, text) in AGE_RATINGS.items()
            ]
        if name == "genres":
            names = sorted({str(g) for t in titles for g in t.get("genres") or []}, key=str.lower)
            return [{"id": genre_ids[n], "name": n} for n in names]
        if name == "production-statuses":
            return [{"value": v, "description": d} for v, d in PRODUCTION_STATUSES.items()]
        if name == "publish-statuses":
            return [{"value": v, "description": d} for v, d in PUBLISH_STATUSES.items()]
        if name == "seasons":
            return [{"value": v, "description": d} for v, d in SEASONS.values()]
        if name == "sorting":
            return [
                {"value": v, "label": label, "description": text}
                for v, (label, text) in sorting.items()
            ]
        if name == "types":
            return [{"value": v, "description": d} for v, d in TYPES.items()]
        if name == "years":
            return sorted({year_of(t) for t in titles if year_of(t)})
        raise V1Error(404, "Not found")

    # --- torrents --------------------------------------------------------------------------

    def _all_torrents(self) -> list[tuple[Title, Json, int]]:
        """Every torrent, last updated first."""
        found = [
            (title, entry, index)
            for title in self._v2.catalog.titles
            for index, entry in enumerate(torrent_entries(title), start=1)
        ]
        found.sort(
            key=lambda f: (int(f[1].get("uploaded_timestamp") or 0), f[1]["torrent_id"]),
            reverse=True,
        )
        return found

    def torrents(self, call: _Call) -> Json:
        """`GET /anime/torrents?page&limit` (limit at most 50)."""
        return self._paged(
            call,
            self._all_torrents(),
            lambda f: self.views.torrent(*f),
            max_limit=TORRENTS_MAX_LIMIT,
        )

    def _torrent_of(self, call: _Call) -> tuple[Title, Json, int]:
        found = self.views.find_torrent(call.request.match_info["hash_or_id"])
        if found is None:
            raise V1Error(404, "Не удалось найти торрент по такому hash значению")
        return found

    def torrent(self, call: _Call) -> Json:
        """`GET /anime/torrents/{hashOrId}`."""
        return self.views.torrent(*self._torrent_of(call))

    def release_torrents(self, call: _Call) -> Any:
        """`GET /anime/torrents/release/{releaseId}`: an array, or its first item (variant)."""
        title = self._title(call.request.match_info["release_id"])
        torrents = self.views.torrents(title, with_release=True)
        if self.variants.release_torrents_single:
            return torrents[0] if torrents else None
        return torrents

    def _passkey(self, call: _Call) -> str | None:
        pk = call.text("pk")
        if pk is not None:
            if not any(_passkey(a) == pk for a in self._v2.catalog.accounts):
                raise V1Error(403, "Passkey не найден")
            return pk
        return _passkey(call.account) if call.account else None

    def torrent_file(self, call: _Call) -> web.Response:
        """`GET /anime/torrents/{hashOrId}/file[?pk=]`: the `.torrent` itself."""
        title, entry, _ = self._torrent_of(call)
        passkey = self._passkey(call)
        announce = f"{self._v2.origin.base_url}/announce"
        if passkey:
            announce += f"?passkey={passkey}"
        data = self._v2.catalog.torrent_file(entry["torrent_id"], [announce])
        name = f"{title.get('code')}_{entry['torrent_id']}.torrent"
        return web.Response(
            body=data,
            content_type="application/x-bittorrent",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    def torrents_rss(self, call: _Call) -> web.Response:
        """`GET /anime/torrents/rss?limit&pk`: the newest torrents (10 by default)."""
        limit = self._limit(call, 10)
        return self._rss(call, self._all_torrents()[:limit], "Последние торренты")

    def release_torrents_rss(self, call: _Call) -> web.Response:
        """`GET /anime/torrents/rss/release/{releaseId}[?pk]`."""
        title = self._title(call.request.match_info["release_id"])
        found = [(title, e, i) for i, e in enumerate(torrent_entries(title), start=1)]
        return self._rss(call, found, f"Торренты: {(title.get('names') or {}).get('ru')}")

    def _rss(self, call: _Call, found: list[tuple[Title, Json, int]], heading: str) -> web.Response:
        passkey = self._passkey(call)
        base = self._v2.origin.base_url
        rss = ET.Element("rss", version="2.0")
        channel = ET.SubElement(rss, "channel")
        ET.SubElement(channel, "title").text = f"AniLiberty (devserver): {heading}"
        ET.SubElement(channel, "link").text = base + "/"
        ET.SubElement(channel, "description").text = heading
        for title, entry, index in found:
            torrent = self.views.torrent(title, entry, index, with_release=False)
            url = f"{base}{PREFIX}/anime/torrents/{entry['torrent_id']}/file"
            if passkey:
                url += f"?pk={passkey}"
            item = ET.SubElement(channel, "item")
            ET.SubElement(item, "title").text = torrent["label"]
            ET.SubElement(item, "link").text = f"{base}/anime/releases/release/{title.get('code')}"
            ET.SubElement(item, "guid", isPermaLink="false").text = torrent["hash"]
            stamp = datetime.fromtimestamp(int(entry.get("uploaded_timestamp") or 0), UTC)
            ET.SubElement(item, "pubDate").text = format_datetime(stamp, usegmt=True)
            ET.SubElement(item, "description").text = torrent["description"] or ""
            ET.SubElement(
                item,
                "enclosure",
                url=url,
                length=str(torrent["size"]),
                type="application/x-bittorrent",
            )
        text = ET.tostring(rss, encoding="unicode")
        return web.Response(
            text='<?xml version="1.0" encoding="UTF-8"?>\n' + text,
            content_type="application/xml",
            charset="utf-8",
        )

    # --- media -----------------------------------------------------------------------------

    def videos(self, call: _Call) -> Json:
        """`GET /media/videos?limit=`: the catalog's YouTube entries, newest first."""
        entries = sorted(
            self._v2.catalog.youtube, key=lambda y: int(y.get("timestamp") or 0), reverse=True
        )
        origin = {
            "id": str(uuid.uuid5(NAMESPACE, "video-origin:youtube")),
            "url": "https://www.youtube.com/playlist?list=PLanitui-devserver",
            "type": {"value": "YOUTUBE_PLAYLIST", "description": "YouTube плейлист"},
            "description": "Плейлист с анонсами и роликами",
            "is_announce": False,
        }
        out = []
        for entry in entries[: self._limit(call, 10)]:
            picture = str(entry.get("image") or "")
            video_id = entry.get("youtube_id")
            stamp = iso(entry.get("timestamp"))
            number = int(entry.get("id") or 0)
            out.append(
                {
                    "id": entry.get("id"),
                    "title": entry.get("title"),
                    "url": f"https://www.youtube.com/watch?v={video_id}",
                    "views": number * 137 % 50_000,
                    "image": image(picture.removeprefix(LOCAL_HOST) or None),
                    "comments": number * 31 % 900,
                    "video_id": video_id,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "is_announce": "анонс" in str(entry.get("title") or "").lower(),
                    "origin": origin,
                }
            )
        return {"data": out}

    def promotions(self, call: _Call) -> Json:
        """`GET /media/promotions`: one per release with an announcement."""
        return {
            "data": [
                {
                    "id": str(uuid.uuid5(NAMESPACE, f"promotion:{t['id']}")),
                    "url": None,
                    "url_label": None,
                    "image": self.views.release(t)["poster"],
                    "description": t["announce"],
                    "is_ad": False,
                    "ad_erid": None,
                    "ad_origin": None,
                    "release": self.views.release(t),
                    "has_overlay": True,
                }
                for t in self._v2.catalog.titles
                if t.get("announce")
            ]
        }

    # --- accounts --------------------------------------------------------------------------

    def _new_token(self, account: Account, via: str) -> str:
        value = secrets.token_urlsafe(32)
        self.tokens[value] = Login(value, account.login, via)
        return value

    def _find_account(self, login: str, password: str) -> Account | None:
        for account in self._v2.catalog.accounts:
            named = login == account.login or login.lower() == account.email.lower()
            if named and secrets.compare_digest(password, account.password):
                return account
        return None

    def _me(self, call: _Call, status: int = 403) -> Account:
        if call.account is None:
            raise V1Error(status, "Необходимо авторизоваться")
        return call.account

    def login(self, call: _Call) -> Json:
        """`POST /accounts/users/auth/login {login, password}` → `{token}`."""
        errors = {
            name: [f"The {name} field is required."]
            for name in ("login", "password")
            if not isinstance(call.params.get(name), str) or not call.params[name]
        }
        if errors:
            raise V1Error(422, "Не указан логин и/или пароль", errors)
        account = self._find_account(call.params["login"], call.params["password"])
        if account is None:
            raise V1Error(401, "Неправильные логин или пароль")
        return {"token": self._new_token(account, "password")}

    def logout(self, call: _Call) -> Json:
        """`POST /accounts/users/auth/logout`: the token stops working."""
        if call.login is None:
            raise V1Error(401, "Пользователь не авторизован")
        del self.tokens[call.login.token]
        return {"token": None}

    def profile(self, call: _Call) -> Json:
        """`GET /accounts/users/me/profile`."""
        account = self._me(call)
        accounts = self._v2.catalog.accounts
        return {
            "id": accounts.index(account) + 1,
            "login": account.login,
            "email": account.email,
            "nickname": account.login.capitalize(),
            "avatar": image(f"/storage/users/avatars/{token('avatar', account.login)}.jpg"),
            "torrents": {"passkey": _passkey(account), "uploaded": 0, "downloaded": 0},
            "is_banned": False,
            "created_at": iso(DEMO_NOW - 400 * _DAY),
            "is_with_ads": False,
        }

    def _otp_json(self, otp: OneTimeCode) -> Json:
        account = self._account(otp.login) if otp.login else None
        return {
            "code": otp.code,
            "user_id": self._v2.catalog.accounts.index(account) + 1 if account else None,
            "device_id": otp.device_id,
            "expired_at": iso(otp.expires_at),
        }

    def _live_otp(self, raw: Any) -> OneTimeCode:
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
            raise invalid("code", "The code field is required and must be a number.")
        code = f"{int(raw):06d}"
        otp = self.otp_codes.get(code)
        if otp is None or otp.expires_at <= self.clock():
            raise V1Error(404, "OTP не найден")
        return otp

    def otp_get(self, call: _Call) -> Json:
        """`POST /accounts/otp/get {device_id}`: a new code for the device."""
        device_id = call.params.get("device_id")
        if not isinstance(device_id, str) or not device_id:
            raise invalid("device_id", "The device_id field is required.")
        now = self.clock()
        for code, otp in list(self.otp_codes.items()):
            if otp.expires_at <= now:
                del self.otp_codes[code]
        code = f"{secrets.randbelow(10**6):06d}"
        while code in self.otp_codes:
            code = f"{secrets.randbelow(10**6):06d}"
        otp = OneTimeCode(code, device_id, now + self.otp_lifetime)
        self.otp_codes[code] = otp
        return {"otp": self._otp_json(otp), "remaining_time": math.ceil(self.otp_lifetime)}

    def otp_accept(self, call: _Call) -> Json:
        """`POST /accounts/otp/accept {code}`: the caller confirms the code for their account."""
        account = self._me(call, 401)
        self._live_otp(call.params.get("code")).login = account.login
        return {}

    def otp_login(self, call: _Call) -> Json:
        """`POST /accounts/otp/login {code, device_id}` → `{token}` once the code is confirmed."""
        device_id = call.params.get("device_id")
        if not isinstance(device_id, str) or not device_id:
            raise invalid("device_id", "The device_id field is required.")
        otp = self._live_otp(call.params.get("code"))
        if otp.device_id != device_id:
            raise V1Error(404, "OTP не найден")
        account = self._account(otp.login) if otp.login else None
        if account is None:
            raise V1Error(401, "OTP не привязан к пользователю")
        del self.otp_codes[otp.code]
        return {"token": self._new_token(account, "otp")}

    async def link_device_page(self, request: web.Request) -> web.Response:
        """The site's page to confirm a login code: a form (code, login, password); a visitor
        with a valid `access_token` cookie needs only the code."""
        if request.method not in ("GET", "POST"):
            return web.Response(status=405, text="GET or POST")
        signed_in = self._login_of(request)
        if request.method == "GET":
            return _link_page(200, "", signed_in is not None)
        form = await request.post()
        code = str(form.get("code") or "").strip()
        account = self._account(signed_in.login) if signed_in else None
        if account is None:
            account = self._find_account(
                str(form.get("login") or "").strip(), str(form.get("password") or "")
            )
            if account is None:
                return _link_page(401, "Неправильные логин или пароль.", False)
        try:
            otp = self._live_otp(code)
        except V1Error:
            return _link_page(404, "Код не найден или истёк.", signed_in is not None)
        otp.login = account.login
        return _link_page(200, f"Устройство привязано к аккаунту {account.login}.", True)

    # --- favorites -------------------------------------------------------------------------

    def _release_ids(self, call: _Call, *, with_collection: bool = False) -> list[tuple[int, str]]:
        """The `[{release_id, (type_of_collection)}]` body; 422 for a malformed one or an
        unknown release."""
        if not isinstance(call.body, list) or not call.body:
            raise V1Error(422, "The body must be a non-empty array.", {"body": ["required"]})
        out = []
        for index, item in enumerate(call.body):
            raw = item.get("release_id") if isinstance(item, dict) else None
            release_id = _as_int(raw)
            if release_id is None or self._v2.catalog.title(release_id) is None:
                raise invalid(f"{index}.release_id", "The selected release_id is invalid.")
            kind = ""
            if with_collection:
                kind = str(item.get("type_of_collection") or "")
                if kind not in COLLECTIONS:
                    raise invalid(
                        f"{index}.type_of_collection", "The selected type_of_collection is invalid."
                    )
            out.append((release_id, kind))
        return out

    def _favorites_of(self, account: Account) -> list[int]:
        return self._v2.favorites.setdefault(account.login, [])

    def favorite_ids(self, call: _Call) -> list[int]:
        """`GET …/favorites/ids`: in the order added."""
        return list(self._favorites_of(self._me(call)))

    def add_favorites(self, call: _Call) -> list[int]:
        """`POST …/favorites [{release_id}]` → the ids after."""
        favorites = self._favorites_of(self._me(call))
        for release_id, _ in self._release_ids(call):
            if release_id not in favorites:
                favorites.append(release_id)
                title = self._v2.catalog.title(release_id) or {}
                title["in_favorites"] = int(title.get("in_favorites") or 0) + 1
                if self._v2.on_favorite_added is not None:
                    self._v2.on_favorite_added(release_id)
        return list(favorites)

    def remove_favorites(self, call: _Call) -> list[int]:
        """`DELETE …/favorites [{release_id}]` → the ids left."""
        favorites = self._favorites_of(self._me(call))
        for release_id, _ in self._release_ids(call):
            if release_id in favorites:
                favorites.remove(release_id)
                title = self._v2.catalog.title(release_id) or {}
                title["in_favorites"] = max(0, int(title.get("in_favorites") or 0) - 1)
        return list(favorites)

    def favorite_releases(self, call: _Call) -> Json:
        """`GET|POST …/favorites/releases`: filters, sorting (default newest added), paged."""
        titles = self._titles_of(self._favorites_of(self._me(call)))
        filters = _filters(call.params)
        sorting = _one_of(filters.get("sorting"), FAVORITE_SORTING, "f.sorting")
        titles = self._filter(titles, filters)
        sorting = sorting or "CREATED_AT_DESC"
        if sorting == "CREATED_AT_DESC":
            titles.reverse()
        elif sorting != "CREATED_AT_ASC":
            titles = _sort(titles, sorting)
        return self._user_releases(call, titles)

    def favorite_reference(self, call: _Call) -> Any:
        """`GET …/favorites/references/{name}` over the caller's favorites."""
        name = call.request.match_info["name"]
        if name not in _FAVORITE_REFERENCES:
            raise V1Error(404, "Not found")
        titles = self._titles_of(self._favorites_of(self._me(call)))
        return self._reference(name, titles, FAVORITE_SORTING)

    def _titles_of(self, release_ids: Iterable[int]) -> list[Title]:
        found = (self._v2.catalog.title(i) for i in release_ids)
        return [title for title in found if title is not None]

    def _user_releases(self, call: _Call, titles: list[Title]) -> Json:
        """A page of a user's list: releases with genres and episodes."""
        authorized = self._authorized(call)
        return self._paged(
            call,
            titles,
            lambda t: self.views.release_with(t, "genres", "episodes", authorized=authorized),
        )

    # --- collections -----------------------------------------------------------------------

    def _collection_counts(self, release_id: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for held in self.collections.values():
            kind = held.get(release_id)
            if kind:
                counts[kind] = counts.get(kind, 0) + 1
        return counts

    def _collection_of(self, account: Account) -> dict[int, str]:
        return self.collections.setdefault(account.login, {})

    def collection_ids(self, call: _Call) -> list[list[Any]]:
        """`GET …/collections/ids` → `[[release_id, type], …]`."""
        return [[i, kind] for i, kind in self._collection_of(self._me(call)).items()]

    def add_to_collections(self, call: _Call) -> list[list[Any]]:
        """`POST …/collections [{release_id, type_of_collection}]`: a release is in one
        collection at a time (a new type moves it). Returns the pairs after."""
        held = self._collection_of(self._me(call))
        for release_id, kind in self._release_ids(call, with_collection=True):
            held.pop(release_id, None)
            held[release_id] = kind
        return [[i, kind] for i, kind in held.items()]

    def remove_from_collections(self, call: _Call) -> list[list[Any]]:
        """`DELETE …/collections [{release_id}]` → the pairs left."""
        held = self._collection_of(self._me(call))
        for release_id, _ in self._release_ids(call):
            held.pop(release_id, None)
        return [[i, kind] for i, kind in held.items()]

    def collection_releases(self, call: _Call) -> Json:
        """`GET|POST …/collections/releases?type_of_collection=`: filtered, paged."""
        held = self._collection_of(self._me(call))
        kind = call.text("type_of_collection")
        if kind not in COLLECTIONS:
            raise invalid("type_of_collection", "The selected type_of_collection is invalid.")
        titles = self._titles_of(i for i, k in held.items() if k == kind)
        return self._user_releases(call, self._filter(titles, _filters(call.params)))

    def collection_reference(self, call: _Call) -> Any:
        """`GET …/collections/references/{age-ratings,genres,types,years}`."""
        name = call.request.match_info["name"]
        if name not in _COLLECTION_REFERENCES:
            raise V1Error(404, "Not found")
        titles = self._titles_of(self._collection_of(self._me(call)))
        return self._reference(name, titles, SORTING)

    # --- view timecodes --------------------------------------------------------------------

    def _timecodes_of(self, account: Account) -> dict[str, tuple[float, bool]]:
        return self.timecodes.setdefault(account.login, {})

    @staticmethod
    def _timecode_rows(held: Mapping[str, tuple[float, bool]]) -> list[list[Any]]:
        return [[episode, seconds, watched] for episode, (seconds, watched) in held.items()]

    def get_timecodes(self, call: _Call) -> list[list[Any]]:
        """`GET …/views/timecodes` → `[[episode_uuid, seconds, is_watched], …]`."""
        return self._timecode_rows(self._timecodes_of(self._me(call)))

    def _episode_ids(self, call: _Call, *, with_time: bool) -> list[tuple[str, float, bool]]:
        if not isinstance(call.body, list) or not call.body:
            raise V1Error(422, "The body must be a non-empty array.", {"body": ["required"]})
        out = []
        for index, item in enumerate(call.body):
            item = item if isinstance(item, dict) else {}
            episode = item.get("release_episode_id")
            if not isinstance(episode, str) or self.views.find_episode(episode) is None:
                raise invalid(
                    f"{index}.release_episode_id", "The selected release_episode_id is invalid."
                )
            seconds, watched = item.get("time"), item.get("is_watched")
            if with_time:
                if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                    raise invalid(f"{index}.time", "The time field must be a number.")
                if not isinstance(watched, bool):
                    raise invalid(
                        f"{index}.is_watched", "The is_watched field must be true or false."
                    )
            out.append((episode, float(seconds or 0), bool(watched)))
        return out

    def set_timecodes(self, call: _Call) -> list[list[Any]]:
        """`POST …/views/timecodes [{release_episode_id, time, is_watched}]` → every row."""
        held = self._timecodes_of(self._me(call))
        for episode, seconds, watched in self._episode_ids(call, with_time=True):
            held[episode] = (seconds, watched)
        return self._timecode_rows(held)

    def delete_timecodes(self, call: _Call) -> list[list[Any]]:
        """`DELETE …/views/timecodes [{release_episode_id}]` → the rows left."""
        held = self._timecodes_of(self._me(call))
        for episode, _, _ in self._episode_ids(call, with_time=False):
            held.pop(episode, None)
        return self._timecode_rows(held)


# --- parameters ------------------------------------------------------------------------------


def _php_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Query pairs as PHP reads them: `f[years][from_year]=1` nests, `f[types][]=a` appends."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        path = [head, *_PHP_KEY.findall("[" + rest)] if rest else [head]
        node: Any = out
        for depth, name in enumerate(path):
            last = depth == len(path) - 1
            if name == "":
                if not isinstance(node, list):
                    break
                if last:
                    node.append(value)
                else:
                    node.append({})
                    node = node[-1]
                continue
            if not isinstance(node, dict):
                break
            if last:
                node[name] = value
            else:
                following_is_list = path[depth + 1] == ""
                existing = node.get(name)
                if not isinstance(existing, dict | list):
                    node[name] = [] if following_is_list else {}
                node = node[name]
    return out


def _filters(params: Mapping[str, Any]) -> dict[str, Any]:
    value = params.get("f")
    return value if isinstance(value, dict) else {}


def _list_param(value: Any) -> list[str]:
    """A list given as an array, a comma string, or an array of comma strings."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        out += [part.strip() for part in str(item).split(",") if part.strip()]
    return out


def _many_of(value: Any, allowed: Mapping[str, Any], field_name: str) -> set[str]:
    chosen = set(_list_param(value))
    unknown = sorted(chosen - set(allowed))
    if unknown:
        raise invalid(field_name, f"The selected {field_name} is invalid: {', '.join(unknown)}.")
    return chosen


def _one_of(value: Any, allowed: Mapping[str, Any], field_name: str) -> str | None:
    if value is None or value == "":
        return None
    if str(value) not in allowed:
        raise invalid(field_name, f"The selected {field_name} is invalid.")
    return str(value)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _year(value: Any, field_name: str) -> int | None:
    if value is None or value == "":
        return None
    year = _as_int(value)
    if year is None:
        raise invalid(field_name, f"The {field_name} field must be a year.")
    return year


def _sort(titles: list[Title], sorting: str) -> list[Title]:
    key_name, _, direction = sorting.rpartition("_")
    keys: dict[str, Callable[[Title], int]] = {
        "FRESH_AT": lambda t: int(t.get("updated") or 0),
        "RATING": lambda t: int(t.get("in_favorites") or 0),
        "YEAR": year_of,
    }
    key = keys[key_name]
    return sorted(titles, key=lambda t: (key(t), int(t["id"])), reverse=direction == "DESC")


def _publish_day(title: Title) -> int:
    week_day = (title.get("season") or {}).get("week_day")
    return week_day + 1 if isinstance(week_day, int) else 0


def _passkey(account: Account) -> str:
    return token("passkey", account.login, length=16)


# --- include / exclude -------------------------------------------------------------------------


def _paths(params: Mapping[str, Any], name: str) -> list[fields.Path] | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        paths = fields.parse_paths(str(raw))
    except ValueError as exc:
        raise invalid(name, str(exc)) from None
    return [p[1:] if len(p) > 1 and p[0] == "data" else p for p in paths]


def _shape(value: Any, params: Mapping[str, Any]) -> Any:
    """Apply `include` and `exclude` to the resource(s) of a GET answer."""
    include, exclude = _paths(params, "include"), _paths(params, "exclude")
    if include is None and exclude is None:
        return value

    def one(item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        if include is not None:
            item = fields.apply_filter(item, fields.through_lists(item, include))
        if exclude is not None:
            item = fields.apply_remove(item, fields.through_lists(item, exclude))
        return item

    if isinstance(value, dict) and isinstance(value.get("data"), list):
        return {**value, "data": [one(item) for item in value["data"]]}
    if isinstance(value, dict) and isinstance(value.get("data"), dict):
        return {**value, "data": one(value["data"])}
    if isinstance(value, list):
        return [one(item) for item in value]
    return one(value)


# --- the site's code confirmation page ----------------------------------------------------------


def _link_page(status: int, message: str, signed_in: bool) -> web.Response:
    credentials = (
        ""
        if signed_in
        else '<label>Логин или e-mail <input name="login" autocomplete="username"></label>\n'
        '<label>Пароль <input name="password" type="password"'
        ' autocomplete="current-password"></label>\n'
    )
    notice = f'<p class="message">{html.escape(message)}</p>\n' if message else ""
    page = (
        '<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8">'
        "<title>AniLiberty — привязка устройства</title></head><body>\n"
        "<h1>Привязка устройства</h1>\n"
        f"{notice}"
        "<p>Введите код, который показывает приложение.</p>\n"
        f'<form method="post" action="{LINK_DEVICE_PATH}">\n'
        '<label>Код <input name="code" inputmode="numeric" autocomplete="one-time-code"></label>\n'
        f"{credentials}"
        '<button type="submit">Привязать</button>\n</form>\n</body></html>\n'
    )
    return web.Response(status=status, text=page, content_type="text/html", charset="utf-8")


__all__ = [
    "LINK_DEVICE_PATH",
    "OTP_LIFETIME",
    "PREFIX",
    "TOKEN_COOKIE",
    "AniLibertyApi",
    "Login",
    "OneTimeCode",
    "ShapeVariants",
    "V1Error",
    "v1_error_response",
]
