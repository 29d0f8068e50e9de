"""The AniLibria v2.13.15 REST API and its site (login, posters, .torrent files, HLS) on aiohttp.

Shapes, parameters, defaults and errors follow `shared/specs/anilibria-api-v2.13.15.md`. Where
the spec is silent this server chooses, and a client must not rely on more than this:

- Methods answer under `/v2/`, `/v2.13/`, `/v2.13.15/` (from the configured version) and the
  same behind `/api` (the spec's own examples use `/api/v2/...`).
- A parameter a method does not list is refused with 412 before anything else is checked
  (getChanges has no `playlist_type` in the spec, so it refuses it too); a malformed value (a
  non-integer id, an unknown description_type) gets 400; a missing title 404
  `Title "x" not found!`; an unknown method 404; a method called with the wrong HTTP verb 405.
- User methods with a missing, unknown or expired `session` answer 401 with an error body.
  Favorites are kept per account (as on the real site: a new login sees them), in memory, in
  the order they were added; every session of an account shares its list.
- An empty playlist is served as `[]` whatever `playlist_type` says: the spec's rule "an empty
  array for arrays", and what PHP-style backends do with an empty map.
- getSchedule lists only titles in work (status code 1), grouped by `season.week_day`; every
  requested day is present, possibly with an empty list.
- searchTitles: `search` matches every word fuzzily (typos, Latin look-alike letters) against
  names and description; `year`/`season_code` match any listed value; `genres` and the team
  lists need every listed value. Results are ranked by match, then by `in_favorites`.
- `/announce` is a minimal HTTP tracker (compact peer lists, in memory), so a local seeder and
  leecher of a demo torrent find each other without DHT.
- getFeed's `filter`/`remove` paths: the spec does not say whether they start at the entry
  (`{"title": {...}}`) or inside the object it wraps. By default a path starting with
  `title.`/`youtube.` addresses that kind and any other path both kinds' objects;
  `feed_paths_inside_items` reads every path inside the wrapped object, as getTitle and
  getYouTube would (`title.id` then keeps nothing of a title: `{"title": {}}`).
- advancedSearch evaluates the query on each title as served (description in the asked
  format); with `order_by`, titles that lack the key come last in either direction.
- getRSS has one item per torrent, newest upload first; with `session` the enclosure links carry
  it, and a `.torrent` asked for with an invalid session is an HTML error page (the spec's
  "wrong torrent format").
"""

from __future__ import annotations

import base64
import difflib
import json
import random
import re
import secrets
import socket
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from app.bencode import bencode
from app.devserver import fields
from app.devserver.catalog import LOCAL_HOST, TEAM_ROLES, Catalog, Title, assets_dir
from app.devserver.fields import Path as FieldPath
from app.devserver.query import QuerySyntaxError, compile_query

JsonValue = Any
Handler = Callable[["Params"], Awaitable[JsonValue]]

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WORD = re.compile(r"\w+")
_LATIN_TO_CYRILLIC = str.maketrans("aceopxykmthb", "асеорхукмтнв")
_CYRILLIC = re.compile("[а-яё]")
_SEGMENT_NAME = re.compile(r"^seg\d{1,5}\.ts$")


class ApiError(Exception):
    """An error the API reports as `{"error": {"code": ..., "message": ...}}`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error_response(code: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """The API's error answer; every 5xx goes out as HTTP 500 with the real code in the body."""
    return json_response(
        {"error": {"code": code, "message": message}},
        status=500 if code >= 500 else code,
        headers=headers,
    )


def json_response(
    value: JsonValue, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """UTF-8 JSON with non-ASCII text as it is (control characters stay escaped by JSON)."""
    return web.Response(
        text=json.dumps(value, ensure_ascii=False),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


@dataclass
class Origin:
    """Where the server listens; filled in once the socket is bound."""

    host: str = "127.0.0.1"
    port: int = 0

    @property
    def netloc(self) -> str:
        """`host:port`, the form of `player.host`."""
        return f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """`http://host:port`."""
        return f"http://{self.netloc}"


@dataclass
class Session:
    """A logged-in site session; `favorites` (title ids, in the order added) is its account's
    list, the same object for every session of that account."""

    session_id: str
    login: str
    passkey: str
    favorites: list[int] = field(default_factory=list)
    expired: bool = False


class Params:
    """The query (and form) parameters of one call, with typed, 400-raising accessors."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def text(self, name: str) -> str | None:
        """The raw value, or None when absent."""
        return self.values.get(name)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An integer value; 400 when it isn't one."""
        raw = self.values.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw.strip())
        except ValueError:
            raise ApiError(
                400, f'Invalid value "{raw}" of parameter {name}: integer expected'
            ) from None

    def items(self, name: str) -> list[str]:
        """A comma-separated list without empty items."""
        raw = self.values.get(name) or ""
        return [item.strip() for item in raw.split(",") if item.strip()]

    def integers(self, name: str) -> list[int]:
        """A comma-separated list of integers; 400 when one isn't."""
        out = []
        for item in self.items(name):
            try:
                out.append(int(item))
            except ValueError:
                raise ApiError(
                    400, f'Invalid value "{item}" in parameter {name}: integers expected'
                ) from None
        return out

    def choice(self, name: str, allowed: Iterable[str], default: str) -> str:
        """One of `allowed`; 400 otherwise."""
        raw = self.values.get(name)
        if raw is None or raw == "":
            return default
        allowed = tuple(allowed)
        if raw not in allowed:
            raise ApiError(
                400, f'Invalid value "{raw}" of parameter {name}: one of {", ".join(allowed)}'
            )
        return raw


@dataclass(frozen=True)
class Shape:
    """How titles and other objects are shaped for one response."""

    filter: list[FieldPath] | None = None
    remove: list[FieldPath] | None = None
    include: frozenset[str] = frozenset()
    description_type: str = "plain"
    playlist_type: str = "object"


@dataclass(frozen=True)
class _Method:
    verbs: frozenset[str]
    params: tuple[str, ...]
    handler: str


_SHAPE = ("filter", "remove", "include", "description_type", "playlist_type")
_LIST = ("limit", "after")
_GET = frozenset({"GET"})
_METHODS: dict[str, _Method] = {
    "getTitle": _Method(_GET, ("id", "code", "torrent_id", *_SHAPE), "get_title"),
    "getTitles": _Method(_GET, ("id_list", "code_list", "torrent_id_list", *_SHAPE), "get_titles"),
    "getUpdates": _Method(_GET, (*_SHAPE, *_LIST, "since"), "get_updates"),
    "getChanges": _Method(
        _GET,
        ("filter", "remove", "include", "description_type", *_LIST, "since"),
        "get_changes",
    ),
    "getSchedule": _Method(_GET, (*_SHAPE, "days"), "get_schedule"),
    "getRandomTitle": _Method(_GET, _SHAPE, "get_random_title"),
    "getYouTube": _Method(_GET, ("filter", "remove", *_LIST, "since"), "get_youtube"),
    "getFeed": _Method(_GET, (*_SHAPE, *_LIST, "since"), "get_feed"),
    "getYears": _Method(_GET, (), "get_years"),
    "getGenres": _Method(_GET, ("sorting_type",), "get_genres"),
    "getCachingNodes": _Method(_GET, (), "get_caching_nodes"),
    "getTeam": _Method(_GET, (), "get_team"),
    "getSeedStats": _Method(
        _GET, ("users", "filter", "remove", *_LIST, "sort_by", "order"), "get_seed_stats"
    ),
    "getRSS": _Method(_GET, ("rss_type", "session", *_LIST, "since"), "get_rss"),
    "searchTitles": _Method(
        _GET,
        ("search", "year", "season_code", "genres", *TEAM_ROLES, *_SHAPE, *_LIST),
        "search_titles",
    ),
    "advancedSearch": _Method(
        _GET, ("query", *_SHAPE, *_LIST, "order_by", "sort_direction"), "advanced_search"
    ),
    "getFavorites": _Method(_GET, ("session", *_SHAPE), "get_favorites"),
    "addFavorite": _Method(frozenset({"PUT"}), ("session", "title_id"), "add_favorite"),
    "delFavorite": _Method(frozenset({"DELETE"}), ("session", "title_id"), "del_favorite"),
}


DEMO_SEEDER_ID = b"-anitui-demo-seeder-"
"""The tracker's peer id for the seeder `seed_on_demand` hands out."""

SeedOnDemand = Callable[[str], Awaitable[tuple[str, int] | None]]
"""Given a hex info-hash, start seeding it and return the seeder's (host, port), or None."""


class AniLibriaApi:
    """The handlers of the API and the site, over a `Catalog` that may change between calls."""

    def __init__(self, catalog: Catalog, origin: Origin, api_version: str) -> None:
        self.catalog = catalog
        self.origin = origin
        self.api_version = api_version
        self.sessions: dict[str, Session] = {}
        self.favorites: dict[str, list[int]] = {}
        """Favorites (title ids, in the order added) by account login."""
        self.on_favorite_added: Callable[[int], None] | None = None
        """Called (on the server's loop) with a title id an account newly added (the demo)."""
        self.swarms: dict[bytes, dict[bytes, tuple[str, int]]] = {}
        self.seed_on_demand: SeedOnDemand | None = None
        """Asked for a seeder when a peer announces a torrent nobody else has (the demo)."""
        self.feed_paths_inside_items = False
        """getFeed reads `filter`/`remove` paths inside each entry's object (the other reading
        the spec leaves open; see the module docstring)."""
        self._random = random.Random()

    def prefix_pattern(self) -> str:
        """The regular expression of the API's path prefixes (`v2`, `v2.13`, `api/v2`, ...)."""
        major, minor = self.api_version.split(".")[:2]
        prefixes = sorted({f"v{major}", f"v{major}.{minor}", f"v{self.api_version}"})
        versions = "|".join(re.escape(p) for p in prefixes)
        return f"(api/)?({versions})"

    def add_routes(self, app: web.Application) -> None:
        """Register the API methods and the site's files on `app`."""
        method_route = rf"/{{prefix:{self.prefix_pattern()}}}/{{method:[A-Za-z]+}}"
        app.router.add_route("*", method_route, self.handle_method)
        app.router.add_route("*", "/public/login.php", self.login)
        app.router.add_get("/public/torrent/download.php", self.download_torrent)
        app.router.add_get("/announce", self.announce)
        app.router.add_get(r"/storage/releases/posters/{title_id:\d+}/{name}", self.poster)
        app.router.add_get(
            r"/storage/releases/episodes/previews/{title_id:\d+}/{episode:\d+}/{name}",
            self.preview,
        )
        app.router.add_get(r"/storage/youtube/{name}", self.youtube_image)
        app.router.add_get(
            r"/videos/media/ts/{title_id:\d+}/{episode:\d+}/{height:1080|720|480}/{name}",
            self.hls,
        )

    async def handle_method(self, request: web.Request) -> web.StreamResponse:
        """Dispatch `/v2/<method>`: check verb and parameters, then run the handler."""
        name = request.match_info["method"]
        method = _METHODS.get(name)
        if method is None:
            return error_response(404, f'Method "{name}" not found!')
        if request.method not in method.verbs and not (
            request.method == "HEAD" and "GET" in method.verbs
        ):
            verbs = ", ".join(sorted(method.verbs))
            return error_response(405, f"Method {name} expects {verbs}, not {request.method}")
        values = {key: request.query[key] for key in request.query}
        if request.method in ("POST", "PUT", "DELETE") and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            form = await request.post()
            values.update({k: v for k, v in form.items() if isinstance(v, str)})
        unknown = [key for key in values if key not in method.params]
        if unknown:
            return error_response(412, f"Unknown parameters: {', '.join(unknown)}")
        try:
            handler: Handler = getattr(self, method.handler)
            result = await handler(Params(values))
        except ApiError as exc:
            return error_response(exc.code, exc.message)
        if isinstance(result, web.StreamResponse):
            return result
        return json_response(result)

    # --- shaping -------------------------------------------------------------------------

    def shape_for(self, values: Mapping[str, str]) -> Shape:
        """The shape that these GET parameters (`filter`, `remove`, ...) ask for; ApiError 400
        when one is malformed."""
        return self._shape(Params(dict(values)))

    def full_title(self, title: Title, shape: Shape | None = None) -> dict[str, Any]:
        """The title as getTitle serves it before filter/remove (default: plain description)."""
        return self._full_title(title, shape or Shape())

    def finish_title(self, full: dict[str, Any], shape: Shape) -> dict[str, Any]:
        """A `full_title` with the shape's filter, remove and playlist format applied."""
        return self._finish(full, shape)

    def _shape(self, params: Params) -> Shape:
        def paths(name: str) -> list[FieldPath] | None:
            raw = params.text(name)
            if not raw:
                return None
            try:
                return fields.parse_paths(raw)
            except ValueError as exc:
                raise ApiError(400, f"{exc} in parameter {name}") from None

        include = params.items("include")
        unknown = [item for item in include if item not in fields.INCLUDES]
        if unknown:
            raise ApiError(400, f"Unknown include: {', '.join(unknown)}")
        return Shape(
            filter=paths("filter"),
            remove=paths("remove"),
            include=frozenset(include),
            description_type=params.choice("description_type", fields.DESCRIPTION_TYPES, "plain"),
            playlist_type=params.choice("playlist_type", fields.PLAYLIST_TYPES, "object"),
        )

    def _full_title(self, title: Title, shape: Shape) -> dict[str, Any]:
        """The title before filter/remove: description, host and includes resolved."""
        out = dict(title)
        if "description" in out:
            out["description"] = fields.render_description(
                title.get("description"), shape.description_type
            )
        player = title.get("player")
        if isinstance(player, dict):
            player = dict(player)
            if player.get("host") == LOCAL_HOST:
                player["host"] = self.origin.netloc
            if not player.get("playlist"):
                player["playlist"] = []
            out["player"] = player
        if "raw_poster" in shape.include and isinstance(title.get("posters"), dict):
            raw = self._poster_base64(title)
            out["posters"] = {
                size: {**poster, "raw_base64_file": raw} if isinstance(poster, dict) else poster
                for size, poster in title["posters"].items()
            }
        torrents = title.get("torrents")
        wanted = shape.include & {"raw_torrent", "torrent_meta"}
        if wanted and isinstance(torrents, dict) and isinstance(torrents.get("list"), list):
            out["torrents"] = {
                **torrents,
                "list": [self._torrent_with(entry, wanted) for entry in torrents["list"]],
            }
        return out

    def _torrent_with(self, entry: Any, wanted: frozenset[str]) -> Any:
        if not isinstance(entry, dict) or not isinstance(entry.get("torrent_id"), int):
            return entry
        torrent_id = entry["torrent_id"]
        try:
            self.catalog.torrent_layout(torrent_id)
        except KeyError:
            return entry
        entry = dict(entry)
        announce = [self._announce_url(None)]
        if "torrent_meta" in wanted:
            entry["metadata"] = self.catalog.torrent_metadata(torrent_id, announce)
        if "raw_torrent" in wanted:
            raw = self.catalog.torrent_file(torrent_id, announce)
            entry["raw_base64_file"] = base64.b64encode(raw).decode("ascii")
        return entry

    def _render_title(self, title: Title, shape: Shape) -> dict[str, Any]:
        return self._finish(self._full_title(title, shape), shape)

    def _finish(self, out: dict[str, Any], shape: Shape) -> dict[str, Any]:
        """Apply filter, remove and the playlist format to a fully resolved title."""
        out = self._reshape(out, shape)
        player = out.get("player")
        if isinstance(player, dict) and isinstance(player.get("playlist"), dict):
            out["player"] = {
                **player,
                "playlist": fields.playlist_as(player["playlist"], shape.playlist_type),
            }
        return out

    @staticmethod
    def _reshape(value: dict[str, Any], shape: Shape) -> dict[str, Any]:
        if shape.filter is not None:
            value = fields.apply_filter(value, shape.filter)
        if shape.remove is not None:
            value = fields.apply_remove(value, shape.remove)
        return value

    def _render_youtube(self, entry: dict[str, Any], shape: Shape) -> dict[str, Any]:
        image = entry.get("image")
        if isinstance(image, str) and image.startswith(LOCAL_HOST):
            entry = {**entry, "image": self.origin.base_url + image[len(LOCAL_HOST) :]}
        return self._reshape(entry, shape)

    @staticmethod
    def _page(items: list[Any], params: Params, default_limit: int = 5) -> list[Any]:
        after = params.integer("after", 0) or 0
        limit = params.integer("limit", default_limit)
        if after < 0:
            raise ApiError(400, "Parameter after must not be negative")
        if limit is None or limit < -1:
            raise ApiError(400, "Parameter limit must be a positive number or -1")
        items = items[after:]
        return items if limit == -1 else items[:limit]

    # --- title methods -------------------------------------------------------------------

    async def get_title(self, params: Params) -> JsonValue:
        """getTitle by id, code or torrent_id."""
        shape = self._shape(params)
        title_id = params.integer("id")
        code = params.text("code")
        torrent_id = params.integer("torrent_id")
        if title_id is not None:
            title, asked = self.catalog.title(title_id), str(title_id)
        elif code:
            title, asked = self.catalog.title_by_code(code), code
        elif torrent_id is not None:
            title, asked = self.catalog.title_by_torrent(torrent_id), str(torrent_id)
        else:
            raise ApiError(400, "One of the parameters id, code or torrent_id is required")
        if title is None:
            raise ApiError(404, f'Title "{asked}" not found!')
        return self._render_title(title, shape)

    async def get_titles(self, params: Params) -> JsonValue:
        """getTitles by id_list, code_list and torrent_id_list, in the order asked."""
        shape = self._shape(params)
        ids = params.integers("id_list")
        codes = params.items("code_list")
        torrent_ids = params.integers("torrent_id_list")
        if not (ids or codes or torrent_ids):
            raise ApiError(
                400, "One of the parameters id_list, code_list or torrent_id_list is required"
            )
        found: list[Title] = []
        candidates = (
            [self.catalog.title(i) for i in ids]
            + [self.catalog.title_by_code(c) for c in codes]
            + [self.catalog.title_by_torrent(t) for t in torrent_ids]
        )
        for title in candidates:
            if title is not None and all(title is not f for f in found):
                found.append(title)
        return [self._render_title(t, shape) for t in found]

    def _newest_first(self, key: str) -> list[Title]:
        return sorted(
            self.catalog.titles, key=lambda t: (t.get(key) or 0, t.get("id") or 0), reverse=True
        )

    def _recent(self, key: str, params: Params) -> list[Title]:
        since = params.integer("since")
        titles = self._newest_first(key)
        if since is not None:
            titles = [t for t in titles if (t.get(key) or 0) > since]
        return titles

    async def get_updates(self, params: Params) -> JsonValue:
        """getUpdates: newest `updated` first."""
        shape = self._shape(params)
        titles = self._page(self._recent("updated", params), params)
        return [self._render_title(t, shape) for t in titles]

    async def get_changes(self, params: Params) -> JsonValue:
        """getChanges: newest `last_change` first."""
        shape = self._shape(params)
        titles = self._page(self._recent("last_change", params), params)
        return [self._render_title(t, shape) for t in titles]

    async def get_schedule(self, params: Params) -> JsonValue:
        """getSchedule: titles in work per weekday (0 = Monday)."""
        shape = self._shape(params)
        days = params.integers("days") if "days" in params else list(range(7))
        if any(not 0 <= day <= 6 for day in days):
            raise ApiError(400, "Days are numbered 0 (Monday) to 6 (Sunday)")
        ongoing = [
            t for t in self._newest_first("updated") if (t.get("status") or {}).get("code") == 1
        ]
        schedule = []
        for day in sorted(set(days)):
            titles = [t for t in ongoing if (t.get("season") or {}).get("week_day") == day]
            schedule.append({"day": day, "list": [self._render_title(t, shape) for t in titles]})
        return schedule

    async def get_random_title(self, params: Params) -> JsonValue:
        """getRandomTitle."""
        shape = self._shape(params)
        if not self.catalog.titles:
            raise ApiError(404, "No titles in the base")
        return self._render_title(self._random.choice(self.catalog.titles), shape)

    async def get_youtube(self, params: Params) -> JsonValue:
        """getYouTube: newest first."""
        shape = self._shape(params)
        since = params.integer("since")
        entries = sorted(self.catalog.youtube, key=lambda y: y.get("timestamp") or 0, reverse=True)
        if since is not None:
            entries = [y for y in entries if (y.get("timestamp") or 0) > since]
        return [self._render_youtube(y, shape) for y in self._page(entries, params)]

    async def get_feed(self, params: Params) -> JsonValue:
        """getFeed: titles by `updated` and videos by `timestamp`, newest first."""
        shape = self._shape(params)
        since = params.integer("since")
        items: list[tuple[int, str, dict[str, Any]]] = [
            (t.get("updated") or 0, "title", t) for t in self.catalog.titles
        ]
        items += [(y.get("timestamp") or 0, "youtube", y) for y in self.catalog.youtube]
        items.sort(key=lambda item: item[0], reverse=True)
        if since is not None:
            items = [item for item in items if item[0] > since]
        feed = []
        for _, kind, value in self._page(items, params):
            inner = shape if self.feed_paths_inside_items else self._feed_shape(shape, kind)
            if kind == "title":
                feed.append({kind: self._render_title(value, inner)})
            else:
                feed.append({kind: self._render_youtube(value, inner)})
        return feed

    @staticmethod
    def _feed_shape(shape: Shape, kind: str) -> Shape:
        """Paths that start with `title.`/`youtube.` address that kind; others address both."""

        def scoped(paths: list[FieldPath] | None) -> list[FieldPath] | None:
            if paths is None:
                return None
            out = []
            for path in paths:
                if path and path[0] in ("title", "youtube"):
                    if path[0] == kind:
                        out.append(path[1:])
                else:
                    out.append(path)
            return out

        return Shape(
            scoped(shape.filter),
            scoped(shape.remove),
            shape.include,
            shape.description_type,
            shape.playlist_type,
        )

    async def get_years(self, params: Params) -> JsonValue:
        """getYears: ascending."""
        years = {(t.get("season") or {}).get("year") for t in self.catalog.titles}
        return sorted(y for y in years if isinstance(y, int) and y)

    async def get_genres(self, params: Params) -> JsonValue:
        """getGenres: alphabetical (0) or by rating, the summed `in_favorites` (1)."""
        sorting = params.integer("sorting_type", 0)
        if sorting not in (0, 1):
            raise ApiError(400, "Parameter sorting_type is 0 (alphabet) or 1 (rating)")
        rating: dict[str, int] = {}
        for title in self.catalog.titles:
            for genre in title.get("genres") or []:
                rating[genre] = rating.get(genre, 0) + int(title.get("in_favorites") or 0)
        alphabetical = sorted(rating, key=lambda g: (g.lower().replace("ё", "е"), g))
        if sorting == 0:
            return alphabetical
        return sorted(alphabetical, key=lambda g: rating[g], reverse=True)

    async def get_caching_nodes(self, params: Params) -> JsonValue:
        """getCachingNodes: this server only."""
        return [self.origin.netloc]

    async def get_team(self, params: Params) -> JsonValue:
        """getTeam: the catalog's team pool plus anyone credited on a title."""
        team: dict[str, list[str]] = {}
        for role in TEAM_ROLES:
            names = list(self.catalog.team.get(role, []))
            credited = {
                n for t in self.catalog.titles for n in (t.get("team") or {}).get(role) or []
            }
            names += sorted(credited - set(names), key=str.lower)
            team[role] = names
        return {"team": team}

    async def get_seed_stats(self, params: Params) -> JsonValue:
        """getSeedStats: by `sort_by` (default uploaded), order 0 DESC / 1 ASC."""
        shape = self._shape(params)
        sort_by = params.choice("sort_by", ("downloaded", "uploaded", "user"), "uploaded")
        order = params.integer("order", 0)
        if order not in (0, 1):
            raise ApiError(400, "Parameter order is 0 (DESC) or 1 (ASC)")
        rows = list(self.catalog.seed_stats)
        users = {u.lower() for u in params.items("users")}
        if users:
            rows = [r for r in rows if str(r.get("user", "")).lower() in users]
        rows.sort(key=lambda r: _sort_value(r.get(sort_by)), reverse=order == 0)
        return [self._reshape(r, shape) for r in self._page(rows, params)]

    # --- search --------------------------------------------------------------------------

    async def search_titles(self, params: Params) -> JsonValue:
        """searchTitles: fuzzy words over names and description plus exact list filters."""
        shape = self._shape(params)
        years = set(params.integers("year"))
        seasons = set(params.integers("season_code"))
        genres = {g.lower() for g in params.items("genres")}
        team = {role: {n.lower() for n in params.items(role)} for role in TEAM_ROLES}
        words = _words(params.text("search") or "")
        scored: list[tuple[float, int, Title]] = []
        for title in self.catalog.titles:
            season = title.get("season") or {}
            if years and season.get("year") not in years:
                continue
            if seasons and season.get("code") not in seasons:
                continue
            if genres - {g.lower() for g in title.get("genres") or []}:
                continue
            title_team = title.get("team") or {}
            if any(
                wanted - {n.lower() for n in title_team.get(role) or []}
                for role, wanted in team.items()
            ):
                continue
            score = _match_score(title, words) if words else 0.0
            if score is not None:
                scored.append((score, int(title.get("in_favorites") or 0), title))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [self._render_title(t, shape) for _, _, t in self._page(scored, params)]

    async def advanced_search(self, params: Params) -> JsonValue:
        """advancedSearch: the query language of `app.devserver.query`, with ordering."""
        shape = self._shape(params)
        text = params.text("query")
        if not text:
            raise ApiError(400, "Parameter query is required")
        direction = params.integer("sort_direction", 0)
        if direction not in (0, 1):
            raise ApiError(400, "Parameter sort_direction is 0 (ascending) or 1 (descending)")
        try:
            query = compile_query(text)
        except QuerySyntaxError as exc:
            message = f"Query syntax error at position {exc.position}: {exc.message}"
            raise ApiError(400, message) from None
        matched = []
        for title in self.catalog.titles:
            full = self._full_title(title, shape)
            if query.matches(full):
                matched.append(full)
        order_by = params.text("order_by")
        if order_by:
            try:
                key_path = fields.parse_paths(order_by)[0]
            except (ValueError, IndexError):
                raise ApiError(400, f"Invalid order_by: {order_by}") from None
            present = [t for t in matched if _lookup(t, key_path) is not None]
            absent = [t for t in matched if _lookup(t, key_path) is None]
            present.sort(key=lambda t: _sort_value(_lookup(t, key_path)), reverse=direction == 1)
            matched = present + absent
        return [self._finish(t, shape) for t in self._page(matched, params)]

    # --- user methods --------------------------------------------------------------------

    def _session(self, params: Params) -> Session:
        session_id = params.text("session")
        if not session_id:
            raise ApiError(401, "Session is required")
        session = self.sessions.get(session_id)
        if session is None or session.expired:
            raise ApiError(401, "Invalid or expired session")
        return session

    def _title_for_user(self, params: Params) -> tuple[Session, Title]:
        session = self._session(params)
        title_id = params.integer("title_id")
        if title_id is None:
            raise ApiError(400, "Parameter title_id is required")
        title = self.catalog.title(title_id)
        if title is None:
            raise ApiError(404, f'Title "{title_id}" not found!')
        return session, title

    async def get_favorites(self, params: Params) -> JsonValue:
        """getFavorites of the session's user."""
        session = self._session(params)
        shape = self._shape(params)
        titles = [self.catalog.title(i) for i in session.favorites]
        return [self._render_title(t, shape) for t in titles if t is not None]

    async def add_favorite(self, params: Params) -> JsonValue:
        """addFavorite; adding twice is not an error."""
        session, title = self._title_for_user(params)
        if title["id"] not in session.favorites:
            session.favorites.append(title["id"])
            title["in_favorites"] = int(title.get("in_favorites") or 0) + 1
            if self.on_favorite_added is not None:
                self.on_favorite_added(int(title["id"]))
        return {"success": True}

    async def del_favorite(self, params: Params) -> JsonValue:
        """delFavorite; removing a title that isn't a favorite is not an error."""
        session, title = self._title_for_user(params)
        if title["id"] in session.favorites:
            session.favorites.remove(title["id"])
            title["in_favorites"] = max(0, int(title.get("in_favorites") or 0) - 1)
        return {"success": True}

    # --- RSS -----------------------------------------------------------------------------

    async def get_rss(self, params: Params) -> web.Response:
        """getRSS as RSS 2.0, Atom 1.0 or JSON Feed 1.0; one item per torrent."""
        rss_type = params.choice("rss_type", ("rss", "atom", "json"), "rss")
        session = params.text("session")
        since = params.integer("since")
        items = []
        for title in self.catalog.titles:
            for entry in (title.get("torrents") or {}).get("list") or []:
                if isinstance(entry, dict) and isinstance(entry.get("torrent_id"), int):
                    items.append((int(entry.get("uploaded_timestamp") or 0), title, entry))
        items.sort(key=lambda item: (item[0], item[2]["torrent_id"]), reverse=True)
        if since is not None:
            items = [item for item in items if item[0] > since]
        page = [
            self._rss_item(title, entry, session)
            for _, title, entry in self._page(items, params, 10)
        ]
        newest = max((item["timestamp"] for item in page), default=0)
        if rss_type == "json":
            return self._json_feed(page)
        if rss_type == "atom":
            return self._atom(page, newest)
        return self._rss(page, newest)

    def _rss_item(self, title: Title, entry: dict[str, Any], session: str | None) -> dict[str, Any]:
        names = title.get("names") or {}
        name = " / ".join(n for n in (names.get("ru"), names.get("en")) if n)
        series = (entry.get("series") or {}).get("string") or ""
        quality = (entry.get("quality") or {}).get("string") or ""
        url = f"{self.origin.base_url}/public/torrent/download.php?id={entry['torrent_id']}"
        if session:
            url += f"&session={session}"
        return {
            "id": entry["torrent_id"],
            "title": f"{name} | {series} [{quality}]",
            "link": f"{self.origin.base_url}/release/{title.get('code')}.html",
            "description": fields.render_description(title.get("description"), "no_view_order")
            or "",
            "timestamp": int(entry.get("uploaded_timestamp") or 0),
            "enclosure": url,
            "size": int(entry.get("total_size") or 0),
        }

    def _rss(self, items: list[dict[str, Any]], newest: int) -> web.Response:
        rss = ET.Element("rss", version="2.0")
        channel = ET.SubElement(rss, "channel")
        for tag, text in (
            ("title", "Самое свежее на AniLibria (devserver)"),
            ("link", self.origin.base_url + "/"),
            ("description", "Самые свежие релизы"),
            ("lastBuildDate", _rfc822(newest)),
            ("docs", "https://validator.w3.org/feed/docs/rss2.html"),
            ("generator", f"AniLibria API v{self.api_version}"),
            ("language", "ru"),
        ):
            ET.SubElement(channel, tag).text = text
        for item in items:
            node = ET.SubElement(channel, "item")
            ET.SubElement(node, "title").text = _xml_text(item["title"])
            ET.SubElement(node, "link").text = item["link"]
            ET.SubElement(node, "guid", isPermaLink="false").text = str(item["id"])
            ET.SubElement(node, "pubDate").text = _rfc822(item["timestamp"])
            ET.SubElement(node, "description").text = _xml_text(item["description"])
            ET.SubElement(
                node,
                "enclosure",
                length=str(item["size"]),
                type="application/x-bittorrent",
                url=item["enclosure"],
            )
        return _xml_response(rss, "application/rss+xml")

    def _atom(self, items: list[dict[str, Any]], newest: int) -> web.Response:
        ns = "http://www.w3.org/2005/Atom"
        ET.register_namespace("", ns)
        feed = ET.Element(f"{{{ns}}}feed")
        ET.SubElement(feed, f"{{{ns}}}title").text = "Самое свежее на AniLibria (devserver)"
        ET.SubElement(feed, f"{{{ns}}}id").text = self.origin.base_url + "/"
        ET.SubElement(feed, f"{{{ns}}}updated").text = _iso(newest)
        ET.SubElement(feed, f"{{{ns}}}link", href=self.origin.base_url + "/")
        ET.SubElement(feed, f"{{{ns}}}generator").text = f"AniLibria API v{self.api_version}"
        for item in items:
            entry = ET.SubElement(feed, f"{{{ns}}}entry")
            ET.SubElement(entry, f"{{{ns}}}title").text = _xml_text(item["title"])
            ET.SubElement(entry, f"{{{ns}}}id").text = f"urn:anilibria:torrent:{item['id']}"
            ET.SubElement(entry, f"{{{ns}}}updated").text = _iso(item["timestamp"])
            ET.SubElement(entry, f"{{{ns}}}link", rel="alternate", href=item["link"])
            ET.SubElement(
                entry,
                f"{{{ns}}}link",
                rel="enclosure",
                type="application/x-bittorrent",
                length=str(item["size"]),
                href=item["enclosure"],
            )
            ET.SubElement(entry, f"{{{ns}}}summary").text = _xml_text(item["description"])
        return _xml_response(feed, "application/atom+xml")

    def _json_feed(self, items: list[dict[str, Any]]) -> web.Response:
        feed = {
            "version": "https://jsonfeed.org/version/1",
            "title": "Самое свежее на AniLibria (devserver)",
            "home_page_url": self.origin.base_url + "/",
            "feed_url": f"{self.origin.base_url}/v2/getRSS?rss_type=json",
            "items": [
                {
                    "id": str(item["id"]),
                    "url": item["link"],
                    "title": item["title"],
                    "content_text": item["description"],
                    "date_published": _iso(item["timestamp"]),
                    "attachments": [
                        {
                            "url": item["enclosure"],
                            "mime_type": "application/x-bittorrent",
                            "size_in_bytes": item["size"],
                        }
                    ],
                }
                for item in items
            ],
        }
        response = json_response(feed)
        response.content_type = "application/feed+json"
        return response

    # --- the site ------------------------------------------------------------------------

    async def login(self, request: web.Request) -> web.Response:
        """`POST /public/login.php` with `mail` (login or e-mail) and `passwd`."""
        if request.method != "POST":
            return web.Response(status=405, text="POST only")
        form = await request.post()
        mail = str(form.get("mail") or "").strip()
        password = str(form.get("passwd") or "")
        if not mail or not password:
            return json_response({"err": "error", "mes": "Empty login or password", "key": "empty"})
        account = next(
            (
                a
                for a in self.catalog.accounts
                if mail == a.login or mail.lower() == a.email.lower()
            ),
            None,
        )
        if account is None or not secrets.compare_digest(password, account.password):
            return json_response(
                {"err": "error", "mes": "Invalid login or password", "key": "invalidUser"}
            )
        session_id = secrets.token_hex(16)
        favorites = self.favorites.setdefault(account.login, [])
        self.sessions[session_id] = Session(
            session_id, account.login, secrets.token_hex(16), favorites
        )
        response = json_response(
            {"err": "ok", "mes": "Success", "key": "success", "sessionId": session_id}
        )
        response.set_cookie("PHPSESSID", session_id, httponly=True)
        return response

    def _announce_url(self, session: Session | None) -> str:
        url = f"{self.origin.base_url}/announce"
        return f"{url}?passkey={session.passkey}" if session else url

    async def download_torrent(self, request: web.Request) -> web.Response:
        """`/public/torrent/download.php?id=N[&session=S]`: the generated `.torrent`."""
        try:
            torrent_id = int(request.query.get("id", ""))
            self.catalog.torrent_layout(torrent_id)
        except (ValueError, KeyError):
            return web.Response(status=404, text="Torrent not found", content_type="text/html")
        session: Session | None = None
        if "session" in request.query:
            session = self.sessions.get(request.query["session"])
            if session is None or session.expired:
                return web.Response(
                    text="<html><body>Invalid session</body></html>", content_type="text/html"
                )
        data = self.catalog.torrent_file(torrent_id, [self._announce_url(session)])
        return web.Response(
            body=data,
            content_type="application/x-bittorrent",
            headers={
                "Content-Disposition": f'attachment; filename="anilibria-{torrent_id}.torrent"'
            },
        )

    async def announce(self, request: web.Request) -> web.Response:
        """A minimal HTTP tracker (compact peers only) so local peers of a torrent find each other.

        Peers are kept in memory per info-hash and dropped when they announce `stopped`.
        """
        # The info-hash is percent-encoded binary: decode it byte for byte, not as UTF-8.
        query = parse_qs(request.rel_url.raw_query_string, encoding="latin-1")
        info_hash = (query.get("info_hash") or [""])[0].encode("latin-1")
        peer_id = (query.get("peer_id") or [""])[0].encode("latin-1")
        try:
            port = int((query.get("port") or [""])[0])
        except ValueError:
            port = 0
        if len(info_hash) != 20 or not 0 < port < 65536:
            return _bencoded({"failure reason": "info_hash and port are required"})
        swarm = self.swarms.setdefault(info_hash, {})
        host = request.remote or "127.0.0.1"
        if (query.get("event") or [""])[0] == "stopped":
            swarm.pop(peer_id, None)
        else:
            swarm[peer_id] = (host, port)
            if self.seed_on_demand is not None and DEMO_SEEDER_ID not in swarm:
                seeder = await self.seed_on_demand(info_hash.hex())
                if seeder is not None:
                    swarm[DEMO_SEEDER_ID] = seeder
        peers = b"".join(
            socket.inet_aton(ip) + peer_port.to_bytes(2, "big")
            for other, (ip, peer_port) in swarm.items()
            if other != peer_id and _is_ipv4(ip)
        )
        return _bencoded({"interval": 60, "min interval": 5, "peers": peers})

    def _poster_path(self, title_id: int) -> Path | None:
        posters = _image_files("posters")
        if not posters or self.catalog.title(title_id) is None:
            return None
        return posters[title_id % len(posters)]

    def _poster_base64(self, title: Title) -> str | None:
        path = self._poster_path(int(title.get("id") or 0))
        return base64.b64encode(path.read_bytes()).decode("ascii") if path else None

    async def poster(self, request: web.Request) -> web.StreamResponse:
        """A title's poster (the same image for every size)."""
        path = self._poster_path(int(request.match_info["title_id"]))
        if path is None:
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Content-Type": "image/jpeg"})

    async def preview(self, request: web.Request) -> web.StreamResponse:
        """An episode's preview image."""
        title_id = int(request.match_info["title_id"])
        previews = _image_files("previews")
        if not previews or self.catalog.title(title_id) is None:
            raise web.HTTPNotFound()
        path = previews[(title_id + int(request.match_info["episode"])) % len(previews)]
        return web.FileResponse(path, headers={"Content-Type": "image/jpeg"})

    async def youtube_image(self, request: web.Request) -> web.StreamResponse:
        """The thumbnail of a YouTube entry (`/storage/youtube/<id>.jpg`)."""
        stem = request.match_info["name"].removesuffix(".jpg")
        previews = _image_files("previews")
        if not stem.isdigit() or not previews:
            raise web.HTTPNotFound()
        return web.FileResponse(
            previews[int(stem) % len(previews)], headers={"Content-Type": "image/jpeg"}
        )

    async def hls(self, request: web.Request) -> web.StreamResponse:
        """HLS playlists and segments: every episode plays the same committed clip."""
        if self.catalog.title(int(request.match_info["title_id"])) is None:
            raise web.HTTPNotFound()
        folder = assets_dir() / "media" / request.match_info["height"]
        name = request.match_info["name"]
        if name.endswith(".m3u8"):
            return web.FileResponse(
                folder / "index.m3u8", headers={"Content-Type": "application/vnd.apple.mpegurl"}
            )
        if _SEGMENT_NAME.match(name) and (folder / name).is_file():
            return web.FileResponse(folder / name, headers={"Content-Type": "video/mp2t"})
        raise web.HTTPNotFound()


def _bencoded(value: dict[str, Any]) -> web.Response:
    return web.Response(body=bencode(value), content_type="text/plain")


def _is_ipv4(address: str) -> bool:
    try:
        socket.inet_aton(address)
    except OSError:
        return False
    return address.count(".") == 3


def _image_files(kind: str) -> list[Path]:
    return sorted((assets_dir() / kind).glob("*.jpg"))


def _lookup(value: Any, path: FieldPath) -> Any:
    for segment in path:
        if isinstance(value, dict):
            value = value.get(str(segment))
        elif isinstance(value, list) and (isinstance(segment, int) or str(segment).isdigit()):
            index = int(segment)
            value = value[index] if index < len(value) else None
        else:
            return None
    return value


def _sort_value(value: Any) -> tuple[int, Any]:
    """A key that orders numbers, then strings (case-folded), then anything else."""
    if isinstance(value, bool | int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value.casefold())
    return (2, json.dumps(value, ensure_ascii=False, sort_keys=True))


def _normalize(word: str) -> str:
    word = word.lower().replace("ё", "е")
    if _CYRILLIC.search(word):
        word = word.translate(_LATIN_TO_CYRILLIC)
    return word


def _words(text: str) -> list[str]:
    return [_normalize(w) for w in _WORD.findall(text)]


def _similarity(query: str, word: str) -> float:
    if query == word:
        return 1.0
    if len(query) >= 3 and word.startswith(query):
        return 0.95
    if len(query) == len(word) == 3:
        # Too short for a ratio to mean much: allow exactly one wrong letter.
        return 0.75 if sum(a != b for a, b in zip(query, word, strict=True)) == 1 else 0.0
    if len(query) < 3 or abs(len(query) - len(word)) > max(2, len(query) // 3):
        return 0.0
    matcher = difflib.SequenceMatcher(None, query, word)
    if matcher.real_quick_ratio() < 0.75 or matcher.quick_ratio() < 0.75:
        return 0.0
    return matcher.ratio()


def search_score(title: Title, text: str) -> float | None:
    """How well `text` matches the title as searchTitles' `search` does (fuzzy words over
    names and description): higher is better, None when a word matches nothing."""
    return _match_score(title, _words(text))


def _match_score(title: Title, words: list[str]) -> float | None:
    """Sum of each word's best match (names count more than description), None on a miss."""
    names = title.get("names") or {}
    name_words = set(_words(" ".join(str(n) for n in names.values() if n)))
    description = fields.render_description(title.get("description"), "plain") or ""
    description_words = set(_words(description))
    score = 0.0
    for query in words:
        best = max((_similarity(query, w) for w in name_words), default=0.0)
        if best < 0.75:
            best = 0.6 * max((_similarity(query, w) for w in description_words), default=0.0)
            if best < 0.45:
                return None
        score += best
    return score


def _xml_text(text: str) -> str:
    """XML 1.0 cannot carry most control characters at all: they become U+FFFD."""
    return _INVALID_XML.sub("\ufffd", text)


def _xml_response(root: ET.Element, content_type: str) -> web.Response:
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return web.Response(
        text='<?xml version="1.0" encoding="UTF-8"?>\n' + body,
        content_type=content_type,
        charset="utf-8",
    )


def _rfc822(timestamp: int) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC), usegmt=True)


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")
