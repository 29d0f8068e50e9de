"""The nekoBT JSON API v1 (the read side a downloader needs) on aiohttp, for tests and `--demo`.

Mounted on the `DevServer` (`DevServer(extra_apis=[NekoBtApi()])`) under `PREFIX`, so a client's
base URL is `server.base_url + PREFIX`. Shapes follow `shared/specs/nekobt-api-v1.md`: ids,
counts and sizes as strings, timestamps as Unix milliseconds in strings (comment `last_edit` as
a number, as the spec shows), nullables as null. The data is `app.devserver.nekobt_data`.

Where the spec is silent this server chooses, and a client must not rely on more than this:

- Auth is the `ssid` cookie. A key in `api_keys` authenticates; an `ssid` that is not one gets
  401 on every endpoint; no `ssid` gets 401 only where auth is required (`/users/@me`).
- Query parameters are validated like the real schema: a malformed integer or boolean, a value
  out of range or not in an enum, or a missing required one answers 400 with `validate_errors`
  (one entry, Ajv's shape). Unknown parameters are ignored.
- Search: `query` words must all occur in the title (case-insensitive); the words `hevc`,
  `x265`, `avc`, `x264`, `av1` are taken as a video-codec hint instead (listed in
  `debug.summary`); a 40-hex-digit query is an info-hash lookup (`infohash_match`). Language
  filters match a torrent having any listed language; `episode_ids` needs all of them unless
  `episode_match_any`. `best` sorts by level, then seeders; `rss` like `latest`.
- `.torrent` files: the info dict (and so the info-hash) is the same with or without a passkey;
  with a valid key and without `public=true` the announce URL is
  `<origin>/announce?passkey=<torrent_key>` (the AniLibria devserver's tracker), else
  `<origin>/announce`.
- `/users/search` needs the key (401 without) and a `query` (400 without); it matches the
  whole username ignoring case, so a name can find several users (the demo's `ryoka` and
  `Ryoka`: `AMBIGUOUS_USERNAME`); part of a name finds nobody.
- `/users/<id>/notifications`, `.../notifications/read` (PUT, JSON `ids`) and `.../peers` are
  the key owner's only: 401 without a key, 403 "Forbidden." for another user's id. Marking
  read answers the updated list (`seen` true), ids that are not yours are ignored; `ids` that
  is neither a list nor "all" answers 400 with `validate_errors`.
- AnimeTosho: the first `animetosho_processing` calls for a torrent answer 202, the next 201
  (just fetched), later ones 200; each 202/201 comes after `animetosho_delay` seconds. Torrents
  whose demo status is skipped / not_found / no_media / error answer 400 / 404 / 400 / 500 with
  `retry: false`.

Test hooks: `DEMO_API_KEY`, `rate_limit(...)`, `animetosho_processing`, `animetosho_delay`,
`reset()`, `hostile_torrent_id`, `data`.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
import re
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from aiohttp import web

from app.devserver import nekobt_data
from app.devserver.catalog import DEMO_NOW
from app.devserver.demo_media import VideoTorrent
from app.devserver.nekobt_data import DemoData, DemoTorrent

log = logging.getLogger("anitui.devserver.nekobt")

PREFIX = "/nekobt/api/v1"
"""Where the API is mounted: the client's base URL is `base_url + PREFIX`."""

DEMO_API_KEY = "demo-nekobt-key"
"""The API key (the `ssid` cookie) the demo server accepts; it belongs to user `kisaragi`."""

DEMO_TORRENT_KEY = "d3m0passkey0000aaaabbbbccccdddd"
"""The demo user's torrent passkey, put in announce URLs of authenticated downloads."""

SORTS = (
    "best", "latest", "oldest", "rss", "seeders", "seeders_asc", "leechers", "leechers_asc",
    "downloads", "downloads_asc", "comments", "comments_asc", "filesize", "filesize_asc",
)  # fmt: skip
"""The `sort_by` values of `/torrents/search`."""

_HEX40 = re.compile(r"^[0-9a-fA-F]{40}$")
_CODEC_HINTS = {"hevc": 2, "x265": 2, "h265": 2, "avc": 1, "x264": 1, "h264": 1, "av1": 3}
_ANIMETOSHO_ERRORS = {
    "skipped": (400, "Torrent was skipped on AnimeTosho."),
    "not_found": (404, "Torrent was not found on AnimeTosho."),
    "no_media": (400, "No media file was found on AnimeTosho."),
    "error": (500, "AnimeTosho returned an unexpected status."),
}
_SCREENSHOT_TIMINGS = (13980, 366330, 718680, 1069030, 1421380)

Json = dict[str, Any]


class _Invalid(Exception):
    """A schema violation: answered as 400 with one `validate_errors` entry."""

    def __init__(self, message: str, entry: Json) -> None:
        super().__init__(message)
        self.entry = entry


def nekobt_json(
    data: Json, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON answer (UTF-8, no ASCII escaping: titles are served byte for byte)."""
    return web.Response(
        status=status,
        body=json.dumps(data, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return nekobt_json({"error": True, "message": message, **extra}, status=status)


class _Query:
    """A request's query string, read the way the API's schema does."""

    def __init__(self, request: web.Request) -> None:
        self._values = request.query

    def text(self, name: str) -> str | None:
        return self._values.get(name)

    def required(self, name: str) -> str:
        value = self._values.get(name)
        if value is None:
            raise _required_error(name)
        return value

    def integer(
        self, name: str, default: int, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        raw = self._values.get(name)
        if raw is None:
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise _type_error(name, "integer") from None
        if minimum is not None and value < minimum:
            raise _range_error(name, "minimum", ">=", minimum)
        if maximum is not None and value > maximum:
            raise _range_error(name, "maximum", "<=", maximum)
        return value

    def boolean(self, name: str, default: bool | None) -> bool | None:
        raw = self._values.get(name)
        if raw is None:
            return default
        if raw in ("true", "1"):
            return True
        if raw in ("false", "0"):
            return False
        raise _type_error(name, "boolean")

    def choice(self, name: str, allowed: Iterable[str], default: str) -> str:
        allowed = tuple(allowed)
        raw = self._values.get(name)
        if raw is None:
            return default
        if raw not in allowed:
            raise _Invalid(
                f"Data provided was invalid: '{name}' must be equal to one of the allowed values.",
                {
                    "instancePath": f"/{name}",
                    "schemaPath": f"#/properties/{name}/enum",
                    "keyword": "enum",
                    "params": {"allowedValues": list(allowed)},
                    "message": "must be equal to one of the allowed values",
                },
            )
        return raw

    def items(self, name: str) -> list[str]:
        raw = self._values.get(name)
        return [item.strip() for item in raw.split(",") if item.strip()] if raw else []

    def integers(self, name: str) -> list[int]:
        try:
            return [int(item) for item in self.items(name)]
        except ValueError:
            raise _Invalid(
                f"Data provided was invalid: '{name}' must be a comma-separated list of integers.",
                {
                    "instancePath": f"/{name}",
                    "schemaPath": f"#/properties/{name}/pattern",
                    "keyword": "pattern",
                    "params": {"pattern": "^-?\\d+(,-?\\d+)*$"},
                    "message": 'must match pattern "^-?\\d+(,-?\\d+)*$"',
                },
            ) from None

    def millis(self, name: str) -> int | None:
        raw = self._values.get(name)
        if raw is None:
            return None
        if not raw.isdigit():
            raise _type_error(name, "integer")
        return int(raw)


def _required_error(name: str) -> _Invalid:
    return _Invalid(
        f"Data provided was invalid: must have required property '{name}'.",
        {
            "instancePath": "",
            "schemaPath": "#/required",
            "keyword": "required",
            "params": {"missingProperty": name},
            "message": f"must have required property '{name}'",
        },
    )


def _type_error(name: str, kind: str) -> _Invalid:
    return _Invalid(
        f"Data provided was invalid: '{name}' must be {kind}.",
        {
            "instancePath": f"/{name}",
            "schemaPath": f"#/properties/{name}/type",
            "keyword": "type",
            "params": {"type": kind},
            "message": f"must be {kind}",
        },
    )


def _range_error(name: str, keyword: str, comparison: str, limit: int) -> _Invalid:
    return _Invalid(
        f"Data provided was invalid: '{name}' must be {comparison} {limit}.",
        {
            "instancePath": f"/{name}",
            "schemaPath": f"#/properties/{name}/{keyword}",
            "keyword": keyword,
            "params": {"comparison": comparison, "limit": limit},
            "message": f"must be {comparison} {limit}",
        },
    )


@dataclass
class _RateLimit:
    kind: Literal["json", "html"]
    retry_after: float
    remaining: int


@dataclass(frozen=True)
class _Caller:
    """Who is asking: the authenticated user's index in the demo data, or None."""

    user: int | None


Handler = Callable[[web.Request, _Caller], Awaitable[web.Response]]


class NekoBtApi:
    """The nekoBT API v1 read endpoints, mountable on `DevServer` (see the module docstring).

    `api_keys`: accepted `ssid` values (all belong to the demo user). `animetosho_processing`:
    how many calls per torrent answer 202 before the data is ready; `animetosho_delay`: seconds
    each 202/201 answer takes (the real site may take up to 60 s).
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = (DEMO_API_KEY,),
        animetosho_processing: int = 1,
        animetosho_delay: float = 0.0,
        data: DemoData | None = None,
    ) -> None:
        self.api_keys = set(api_keys)
        self.animetosho_processing = animetosho_processing
        self.animetosho_delay = animetosho_delay
        self.data = data or nekobt_data.build()
        self._lock = threading.Lock()
        self._rate_limits: list[_RateLimit] = []
        self._animetosho_calls: dict[str, int] = {}
        self._animetosho_fetched: dict[str, int] = {}

    @property
    def hostile_torrent_id(self) -> str:
        """The id of the torrent whose title is markup plus an ANSI escape."""
        return self.data.hostile_torrent_id

    def video_torrent(self, info_hash: str) -> VideoTorrent | None:
        """The torrent with this info-hash (hex) as demo videos, to seed; None if unknown."""
        wanted = info_hash.lower()
        torrent = next((t for t in self.data.torrents if t.infohash == wanted), None)
        return None if torrent is None else torrent.video()

    def rate_limit(
        self, kind: Literal["json", "html"] = "json", retry_after: float = 0.2, times: int = 1
    ) -> None:
        """Answer the next `times` requests with 429: nekoBT's JSON (`retry_after` in the body)
        or Cloudflare's HTML page (a `Retry-After` header), asking to wait `retry_after` s."""
        with self._lock:
            self._rate_limits.append(_RateLimit(kind, retry_after, times))

    def reset(self) -> None:
        """Forget pending rate limits, every torrent's AnimeTosho progress and which
        notifications were marked read."""
        with self._lock:
            self._rate_limits.clear()
            self._animetosho_calls.clear()
            self._animetosho_fetched.clear()
            self.data.notifications = nekobt_data.notifications(self.data)

    def add_routes(self, app: web.Application) -> None:
        """Register every endpoint under `PREFIX` (unknown paths there answer a JSON 404)."""
        routes: list[tuple[str, Handler]] = [
            ("/announcements", self.announcements),
            ("/langs", self.langs),
            ("/stats", self.stats),
            ("/groups/search", self.search_groups),
            ("/groups/{group_id}", self.group),
            ("/media/search", self.search_media),
            ("/media/{media_id}", self.media),
            ("/torrents/search", self.search_torrents),
            ("/torrents/{torrent_id}", self.torrent),
            ("/torrents/{torrent_id}/download", self.download),
            ("/torrents/{torrent_id}/comments", self.comments),
            ("/torrents/{torrent_id}/animetosho", self.animetosho),
            # Before `/users/{user_id}`, which would take "search" for an id.
            ("/users/search", self.search_users),
            ("/users/{user_id}", self.user),
            ("/users/{user_id}/notifications", self.notifications),
            ("/users/{user_id}/peers", self.peers),
        ]
        for path, handler in routes:
            app.router.add_get(PREFIX + path, self._wrap(handler))
        app.router.add_put(
            PREFIX + "/users/{user_id}/notifications/read", self._wrap(self.mark_notifications_read)
        )
        app.router.add_route("*", PREFIX + "/{tail:.*}", self._not_found)

    async def _not_found(self, request: web.Request) -> web.Response:
        return _error(404, "Not found.")

    def _wrap(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            limited = self._take_rate_limit()
            if limited is not None:
                return limited
            ssid = request.cookies.get("ssid")
            caller = _Caller(None)
            if ssid is not None:
                if ssid not in self.api_keys:
                    return _error(401, "Unauthorized.")
                caller = _Caller(0)
            try:
                return await handler(request, caller)
            except _Invalid as invalid:
                return _error(400, str(invalid), validate_errors=[invalid.entry])
            except Exception:
                # nekoBT's own 500 shape, not the AniLibria one the DevServer would send.
                log.exception("nekoBT devserver: %s %s failed", request.method, request.path)
                return _error(500, "Internal Error")

        return handle

    def _take_rate_limit(self) -> web.Response | None:
        with self._lock:
            if not self._rate_limits:
                return None
            rule = self._rate_limits[0]
            rule.remaining -= 1
            if rule.remaining <= 0:
                self._rate_limits.pop(0)
        if rule.kind == "html":
            return web.Response(
                status=429,
                text="<!DOCTYPE html><html><head><title>Access denied</title></head>"
                "<body><h1>Error 1015</h1><p>You are being rate limited.</p></body></html>",
                content_type="text/html",
                headers={"Retry-After": f"{rule.retry_after:g}"},
            )
        seconds = max(1, round(rule.retry_after))
        return _error(
            429,
            f"Rate limit exceeded, try again in {seconds} seconds.",
            retry_after=rule.retry_after,
        )

    # -- site-wide -----------------------------------------------------------------------------

    async def announcements(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/announcements`: the home page banners."""
        day = 86_400_000
        now = DEMO_NOW * 1000
        return nekobt_json(
            {
                "error": False,
                "data": [
                    {
                        "start_time": str(now - 3 * day),
                        "end_time": str(now + 30 * day),
                        "message": "Welcome to the anitui demo of nekoBT. Nothing here is real.",
                        "link": "",
                        "new_tab": False,
                        "color": "grey",
                        "dismissible": True,
                    },
                    {
                        "start_time": str(now - day),
                        "end_time": str(now + day),
                        "message": "Tracker maintenance tonight: announces may fail for an hour.",
                        "link": "https://example.invalid/status",
                        "new_tab": True,
                        "color": "warning",
                        "dismissible": False,
                    },
                ],
            }
        )

    async def langs(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/langs`: supported languages and the aliases the site converts."""
        names = {
            "ja": ("Japanese", "jp"),
            "en": ("English", "gb"),
            "enm": ("English (Weeb)", None),
            "es-419": ("Spanish (Latin America)", "mx"),
            "pt-br": ("Portuguese (Brazil)", "br"),
            "fr-fr": ("French", "fr"),
            "de": ("German", "de"),
            "ru": ("Russian", "ru"),
            "zh": ("Chinese", "cn"),
        }
        langs = {
            code: {
                "code": code,
                "name": name,
                "flag": f"https://flagcdn.com/40x30/{flag}.png"
                if flag
                else f"/assets/img/flags/{code}.png",
            }
            for code, (name, flag) in names.items()
        }
        convert = {"jp": "ja", "eng": "en", "en-jp": "enm", "spa-419": "es-419", "fr": "fr-fr"}
        return nekobt_json({"error": False, "data": {"langs": langs, "convert": convert}})

    async def stats(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/stats`: site statistics (top media by seeders)."""
        seeders: dict[str, int] = {}
        for torrent in self.data.torrents:
            media_id = torrent.fields["media_id"]
            seeders[media_id] = seeders.get(media_id, 0) + int(torrent.fields["seeders"])
        top = sorted(seeders.items(), key=lambda item: -item[1])[:10]
        top_media = []
        for media_id, count in top:
            media = self.data.media_by_id(media_id) or {}
            top_media.append(
                {
                    "id": media_id,
                    "title": media.get("title"),
                    "banner_url": media.get("banner_url"),
                    "seeders": count,
                }
            )
        torrents = self.data.torrents
        return nekobt_json(
            {
                "error": False,
                "data": {
                    "created_at": str(DEMO_NOW * 1000 - 60_000),
                    "top_media_1w": top_media,
                    "users": {"total": len(self.data.users), "new_1w": 2, "active_1m": 5},
                    "groups": {"total": len(self.data.groups), "new_1w": 1, "active_1m": 6},
                    "torrents": {
                        "total": len(torrents),
                        "new_1d": sum(
                            1 for t in torrents if t.uploaded_ms > (DEMO_NOW - 86_400) * 1000
                        ),
                        "total_downloads": sum(int(t.fields["completed"]) for t in torrents),
                    },
                    "peers": {
                        "seeders": sum(int(t.fields["seeders"]) for t in torrents),
                        "leechers": sum(int(t.fields["leechers"]) for t in torrents),
                    },
                },
                "message": "Cache hit, returning stats.",
            }
        )

    # -- users and groups ----------------------------------------------------------------------

    async def user(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/users/<id|@me>`; `@me` needs the key, and only its owner sees private fields."""
        wanted = request.match_info["user_id"]
        if wanted == "@me":
            if caller.user is None:
                return _error(401, "Unauthorized.")
            wanted = nekobt_data.user_id(caller.user)
        index = next((i for i, u in enumerate(self.data.users) if u["id"] == wanted), None)
        if index is None:
            return _error(404, "Invalid user ID.")
        own = caller.user == index
        user = dict(self.data.users[index])
        uploads = [t for t in self.data.torrents if t.uploader == index]
        groups = []
        for group in self.data.groups:
            if user["id"] in group["members"]:
                leader = group["members"][0] == user["id"]
                groups.append(
                    {**_group_core(group), "admin": leader, "leader": leader, "regular": True}
                )
        user.update(
            {
                "permissions": 0 if own else None,
                "torrent_key": DEMO_TORRENT_KEY if own else None,
                "torrent_count": len(uploads),
                "contribution_count": sum(1 for t in self.data.torrents if index in t.contributors),
                "groups": groups,
                "upload": str(50_043 * (index + 1)),
                "download": str(1_945 * (index + 1)),
                "seeding": "0",
                "leeching": "0",
                "disabled": False,
                "nyaa": [{"username": f"{user['username']}_nyaa", "public": True}],
                "can_edit": own,
                "has_mfa": False if own else None,
                "can_download_recovery": False if own else None,
            }
        )
        if not own:
            # Private fields are absent for other users, as the spec's comments say.
            for key in ("permissions", "torrent_key"):
                user.pop(key)
        return nekobt_json({"error": False, "data": user})

    async def search_users(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/users/search?query=` (auth required): the users whose username is exactly `query`,
        case aside; part of a name finds nobody."""
        if caller.user is None:
            return _error(401, "Unauthorized.")
        wanted = _Query(request).required("query").casefold()
        results = [
            self._user_brief(index)
            for index, user in enumerate(self.data.users)
            if user["username"].casefold() == wanted
        ]
        return nekobt_json({"error": False, "data": {"more": False, "results": results}})

    def _own_user(self, request: web.Request, caller: _Caller) -> web.Response | None:
        """None when `caller` is the user the path names (`@me` or their id), else the answer:
        401 without a key, 403 for somebody else's (the spec's "Forbidden.")."""
        if caller.user is None:
            return _error(401, "Unauthorized.")
        wanted = request.match_info["user_id"]
        if wanted not in ("@me", nekobt_data.user_id(caller.user)):
            return _error(403, "Forbidden.")
        return None

    async def notifications(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/users/<id|@me>/notifications`: your notifications, newest first."""
        refused = self._own_user(request, caller)
        if refused is not None:
            return refused
        return nekobt_json({"error": False, "data": self.data.notifications})

    async def mark_notifications_read(self, request: web.Request, caller: _Caller) -> web.Response:
        """`PUT /users/<id|@me>/notifications/read` with `{"ids": [...] | "all"}`: marks them
        seen and answers the updated list (ids not yours are ignored)."""
        refused = self._own_user(request, caller)
        if refused is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ids" not in body:
            raise _required_error("ids")
        ids = body["ids"]
        if ids == "all":
            wanted = None
        elif isinstance(ids, list) and all(isinstance(i, str | int) for i in ids):
            wanted = {str(i) for i in ids}
        else:
            raise _type_error("ids", "array or the string 'all'")
        with self._lock:
            for notification in self.data.notifications:
                if wanted is None or notification["id"] in wanted:
                    notification["seen"] = True
        return nekobt_json({"error": False, "data": self.data.notifications})

    async def peers(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/users/<id|@me>/peers`: the torrents your clients are peers of, with sessions."""
        refused = self._own_user(request, caller)
        if refused is not None:
            return refused
        return nekobt_json({"error": False, "data": nekobt_data.user_peers(self.data)})

    async def group(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/groups/<id>`: a group with members, relations, media worked on and stats."""
        group = self.data.group(request.match_info["group_id"])
        if group is None:
            return _error(404, "Group not found.")
        index = self.data.groups.index(group)
        members = []
        for position, member_id in enumerate(group["members"]):
            user = self.data.user(member_id) or {}
            members.append(
                {
                    "id": member_id,
                    "username": user.get("username"),
                    "invite": False,
                    "display_name": user.get("display_name"),
                    "pfp_hash": user.get("pfp_hash"),
                    "leader": position == 0,
                    "admin": position == 0,
                    "regular": True,
                    "torrent_count": sum(
                        1
                        for t in self.data.torrents
                        if t.primary_group == index and nekobt_data.user_id(t.uploader) == member_id
                    ),
                }
            )
        children = [g for g in self.data.groups if g["parent"] == group["id"]]
        parents = [g for g in self.data.groups if g["id"] == group["parent"]]
        family = {index} | {self.data.groups.index(g) for g in children}
        torrents = [t for t in self.data.torrents if t.primary_group in family]
        media_entries = []
        for media_id in dict.fromkeys(t.fields["media_id"] for t in torrents):
            media = self.data.media_by_id(media_id) or {}
            mine = [t for t in torrents if t.fields["media_id"] == media_id]
            episodes = sorted({int(e) for t in mine for e in t.fields["media_episode_ids"]})
            media_entries.append(
                {
                    "episodes": [str(e) for e in episodes],
                    "torrents": [t.id for t in mine],
                    "groups": sorted({nekobt_data.group_id(t.primary_group or 0) for t in mine}),
                    "media": {
                        "id": media_id,
                        "title": media.get("title"),
                        "banner_url": media.get("banner_url"),
                        "episodes": [
                            {k: e[k] for k in ("id", "season", "episode", "absolute", "tvdbId")}
                            | {"title": e["title"]}
                            for e in media.get("episodes", [])
                            if e["id"] in episodes
                        ],
                    },
                }
            )
        data = {
            **_group_core(group),
            "members": members,
            "relations": {
                "parents": [
                    {**_group_core(g), "active": True, "initiator": False} for g in parents
                ],
                "children": [
                    {**_group_core(g), "active": True, "initiator": True} for g in children
                ],
            },
            "media": media_entries,
            "can_edit": False,
            "can_leave": False,
            "stats": {
                "uploads": len(torrents),
                "tags": len(torrents) // 2,
                "seeders": str(sum(int(t.fields["seeders"]) for t in torrents)),
                "leechers": str(sum(int(t.fields["leechers"]) for t in torrents)),
                "downloads": str(sum(int(t.fields["completed"]) for t in torrents)),
            },
        }
        return nekobt_json({"error": False, "data": data})

    async def search_groups(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/groups/search`: groups whose name or tag contains `query`."""
        query = _Query(request)
        text = (query.text("query") or "").lower()
        limit = query.integer("limit", 50, 1, 100)
        offset = query.integer("offset", 0, 0)
        sort = query.choice(
            "sort", ("created", "uploads", "members", "downloads", "name"), "created"
        )
        order = query.choice("order", ("asc", "desc"), "desc")
        rows = []
        for index, group in enumerate(self.data.groups):
            if text and text not in group["name"] and text not in group["tag"]:
                continue
            torrents = [t for t in self.data.torrents if t.primary_group == index]
            rows.append(
                (
                    index,
                    {
                        **_group_core(group),
                        "member_count": str(len(group["members"])),
                        "torrent_count": str(len(torrents)),
                        "download_count": str(sum(int(t.fields["completed"]) for t in torrents)),
                    },
                )
            )
        keys: dict[str, Callable[[tuple[int, Json]], Any]] = {
            "created": lambda row: row[0],
            "uploads": lambda row: int(row[1]["torrent_count"]),
            "members": lambda row: int(row[1]["member_count"]),
            "downloads": lambda row: int(row[1]["download_count"]),
            "name": lambda row: row[1]["name"],
        }
        rows.sort(key=keys[sort], reverse=order == "desc")
        page = [row for _, row in rows[offset : offset + limit]]
        return nekobt_json(
            {"error": False, "data": {"results": page, "more": offset + limit < len(rows)}}
        )

    # -- media ---------------------------------------------------------------------------------

    async def media(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/media/<id>`: a media with its episodes and the groups that released it."""
        media = self.data.media_by_id(request.match_info["media_id"])
        if media is None:
            return _error(404, "Media not found.")
        force = _Query(request).boolean("force", False)
        torrents = [t for t in self.data.torrents if t.fields["media_id"] == media["id"]]
        if not torrents and not force:
            return _error(400, "No torrents found for this media.")
        groups = []
        for index in sorted({t.primary_group for t in torrents if t.primary_group is not None}):
            group = self.data.groups[index]
            mine = [t for t in torrents if t.primary_group == index]
            episodes: dict[str, Json] = {}
            for torrent in mine:
                for episode in torrent.fields["media_episode_ids"]:
                    best = episodes.get(episode)
                    if best is None or torrent.fields["level"] > best["level"]:
                        episodes[episode] = {
                            "level": torrent.fields["level"],
                            "video_type": torrent.fields["video_type"],
                            "mtl": torrent.fields["mtl"],
                        }
            groups.append(
                {
                    **{k: group[k] for k in ("id", "name", "display_name", "tag", "display_tag")},
                    "tagline": group["tagline"],
                    "pfp_hash": group["pfp_hash"],
                    "episodes": episodes,
                    "max_level": max(t.fields["level"] for t in mine),
                    "langs": {
                        "fsub": _langs(t.fields["fsub_lang"] for t in mine),
                        "sub": _langs(t.fields["sub_lang"] for t in mine),
                    },
                }
            )
        return nekobt_json(
            {"error": False, "data": {**_media_core(media, episodes=True), "groups": groups}}
        )

    async def search_media(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/media/search`: media by title similarity (`query` is required)."""
        query = _Query(request)
        text = query.required("query")
        limit = query.integer("limit", 50, 1, 100)
        offset = query.integer("offset", 0, 0)
        scored = [
            (similarity, media)
            for media in self.data.media
            if (similarity := _similarity(text, media)) >= 0.3
        ]
        scored.sort(key=lambda pair: -pair[0])
        page = [
            {**_media_core(media), "similarity": round(similarity, 2)}
            for similarity, media in scored[offset : offset + limit]
        ]
        return nekobt_json(
            {"error": False, "data": {"more": offset + limit < len(scored), "results": page}}
        )

    # -- torrents ------------------------------------------------------------------------------

    async def search_torrents(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/torrents/search` with every documented filter (see the module docstring)."""
        q = _Query(request)
        text = (q.text("query") or "").strip()
        limit = q.integer("limit", 50, 1, 100)
        offset = q.integer("offset", 0, 0)
        sort_by = q.choice("sort_by", SORTS, "best")
        category = q.integer("category", 0, 0)
        media_id = q.text("media_id")
        episode_ids = q.items("episode_ids")
        episode_match_any = q.boolean("episode_match_any", False)
        levels = q.integers("levels")
        codecs = q.integers("video_codec")
        types = q.integers("video_type")
        audio = q.items("audio_lang")
        fansub = q.items("fansub_lang")
        subs = q.items("sub_lang")
        hardsub = q.boolean("hardsub", None)
        otl = q.boolean("otl", None)
        mtl = q.boolean("mtl", None)
        group_id = q.text("group_id")
        group_primary = q.boolean("group_primary", True)
        group_secondary = q.boolean("group_secondary", False)
        group_childs = q.boolean("group_childs", True)
        group_parents = q.boolean("group_parents", False)
        uploader_id = q.text("uploader_id")
        uploader_uploads = q.boolean("uploader_uploads", True)
        uploader_contributions = q.boolean("uploader_contributions", False)
        before = q.millis("before")
        after = q.millis("after")

        summary: list[str] = []
        debug: list[str] = []
        words: list[str] = []
        for word in text.lower().split():
            if word in _CODEC_HINTS:
                codecs = [*codecs, _CODEC_HINTS[word]]
                summary.append(f"video codec: {nekobt_data.VIDEO_CODECS[_CODEC_HINTS[word]]}")
            else:
                words.append(word)
        if not summary:
            debug.append("no hints found")
        infohash_match: str | None = None
        candidates = [t for t in self.data.torrents if not t.fields["hidden"]]
        debug.append("hiding hidden torrents")
        if _HEX40.match(text):
            hit = next((t for t in candidates if t.infohash == text.lower()), None)
            candidates = [hit] if hit else []
            infohash_match = hit.id if hit else None
            words = []
        group_family = (
            self._group_family(group_id, bool(group_childs), bool(group_parents))
            if group_id
            else set()
        )

        def keep(t: DemoTorrent) -> bool:
            f = t.fields
            title = f["title"].lower()
            if words and not all(word in title for word in words):
                return False
            if media_id and f["media_id"] != media_id:
                return False
            if episode_ids:
                have = set(f["media_episode_ids"])
                wanted = set(episode_ids)
                if not (have & wanted if episode_match_any else wanted <= have):
                    return False
            if levels and f["level"] not in levels:
                return False
            if codecs and f["video_codec"] not in codecs:
                return False
            if types and f["video_type"] not in types:
                return False
            for wanted_langs, have_langs in (
                (audio, f["audio_lang"]),
                (fansub, f["fsub_lang"]),
                (subs, f["sub_lang"]),
            ):
                if wanted_langs and not set(wanted_langs) & set(_split(have_langs)):
                    return False
            for flag, key in ((hardsub, "hardsub"), (otl, "otl"), (mtl, "mtl")):
                if flag is not None and f[key] != flag:
                    return False
            if group_id and not self._in_group(
                t, group_family, bool(group_primary), bool(group_secondary)
            ):
                return False
            if uploader_id and not (
                (uploader_uploads and nekobt_data.user_id(t.uploader) == uploader_id)
                or (
                    uploader_contributions
                    and uploader_id in {nekobt_data.user_id(u) for u in t.contributors}
                )
            ):
                return False
            if before is not None and t.uploaded_ms >= before:
                return False
            return after is None or t.uploaded_ms > after

        found = [t for t in candidates if keep(t)]
        _sort(found, sort_by)
        debug.append(f"sorting by {sort_by}")
        debug.append(f"found {len(found)} torrents")
        page = found[offset : offset + limit]

        recommended = None
        similar = None
        if words:
            media_ids = [t.fields["media_id"] for t in found]
            top = max(set(media_ids), key=media_ids.count) if media_ids else None
            if top is not None and media_ids.count(top) >= 0.7 * len(media_ids):
                recommended = _media_core(self.data.media_by_id(top) or {})
            else:
                close = [m for m in self.data.media if _similarity(text, m) >= 0.5]
                similar = [_media_core(m) for m in close] or None
        media = self.data.media_by_id(media_id) if media_id else None
        origin = _origin(request)
        return nekobt_json(
            {
                "error": False,
                "data": {
                    "results": [self._search_row(t, caller, origin) for t in page],
                    "infohash_match": infohash_match,
                    "recommended_media": recommended,
                    "media": _media_core(media) if media else None,
                    "similar_media": similar,
                    "debug": {"summary": summary, "debug": debug},
                    "more": offset + limit < len(found),
                    "search": {
                        "limit": limit,
                        "offset": offset,
                        "sort_by": sort_by,
                        "category": category,
                        "episode_match_any": episode_match_any,
                        "group_primary": group_primary,
                        "group_secondary": group_secondary,
                        "group_childs": group_childs,
                        "group_parents": group_parents,
                        "uploader_uploads": uploader_uploads,
                        "uploader_contributions": uploader_contributions,
                    },
                },
            }
        )

    def _group_family(self, group_id: str, childs: bool, parents: bool) -> set[int]:
        family = {i for i, g in enumerate(self.data.groups) if g["id"] == group_id}
        for index, group in enumerate(self.data.groups):
            if childs and group["parent"] == group_id:
                family.add(index)
            if parents and any(
                g["id"] == group_id and g["parent"] == group["id"] for g in self.data.groups
            ):
                family.add(index)
        return family

    @staticmethod
    def _in_group(t: DemoTorrent, family: set[int], primary: bool, secondary: bool) -> bool:
        if primary and t.primary_group in family:
            return True
        return secondary and bool(family & set(t.secondary_groups))

    def _search_row(self, t: DemoTorrent, caller: _Caller, origin: str) -> Json:
        f = t.fields
        keys = (
            "id", "uploaded_at", "title", "infohash", "media_id", "description", "filesize",
            "category", "level", "otl", "hardsub", "mtl", "deleted", "hidden", "waiting_approve",
            "auto_title", "audio_lang", "sub_lang", "fsub_lang", "video_codec", "video_type",
            "anonymous", "upgraded", "seeders", "leechers", "completed", "imported",
            "nyaa_upload_time",
        )  # fmt: skip
        authed = caller.user is not None
        row = {key: f[key] for key in keys}
        row.update(
            {
                "magnet": self._magnet(t, origin, None),
                "private_magnet": self._magnet(t, origin, DEMO_TORRENT_KEY) if authed else None,
                "comment_count": str(_count_comments(t.comments)),
                "uploader": None if f["anonymous"] else self._user_brief(t.uploader),
                "groups": [
                    {
                        **{k: g[k] for k in ("id", "display_name", "name", "anonymous", "tagline")},
                        "pfp_hash": g["pfp_hash"],
                        "uploading_group": primary,
                    }
                    for g, primary in self._groups_of(t)
                ],
                "user_is_seeding": False if authed else None,
                "user_is_leeching": False if authed else None,
                "user_download_count": 0 if authed else None,
                "has_mediainfo": f["mediainfo"] is not None,
            }
        )
        return row

    def _groups_of(self, t: DemoTorrent) -> list[tuple[Json, bool]]:
        groups = [] if t.primary_group is None else [(self.data.groups[t.primary_group], True)]
        return groups + [(self.data.groups[i], False) for i in t.secondary_groups]

    def _user_brief(self, index: int) -> Json:
        user = self.data.users[index]
        return {k: user[k] for k in ("id", "username", "display_name", "pfp_hash")}

    def _magnet(self, t: DemoTorrent, origin: str, passkey: str | None) -> str:
        tracker = quote(_announce(origin, passkey), safe="")
        return f"magnet:?xt=urn:btih:{t.infohash}&dn={quote(t.name)}&tr={tracker}"

    def _find_torrent(self, request: web.Request) -> DemoTorrent | None:
        return self.data.torrent(request.match_info["torrent_id"])

    async def torrent(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/torrents/<id>`: the full torrent object."""
        t = self._find_torrent(request)
        if t is None:
            return _error(404, "Torrent not found.")
        f = t.fields
        origin = _origin(request)
        authed = caller.user is not None
        files = []
        offset = 0
        for path, size in t.files:
            files.append({"path": path, "name": path, "length": size, "offset": offset})
            offset += size
        fetched = self._animetosho_fetched.get(t.id)
        animetosho: Any = None
        screenshots: list[str] = []
        if fetched is not None:
            animetosho = _animetosho_files(t) if t.animetosho == "ok" else t.animetosho
            if t.animetosho == "ok":
                screenshots = _screenshots(t)
        elif t.id in self._animetosho_calls:
            animetosho = "processing"
        data = {
            **{k: v for k, v in f.items() if k not in ("activity", "torrent_health")},
            "files": files,
            "magnet": self._magnet(t, origin, None),
            "private_magnet": self._magnet(t, origin, DEMO_TORRENT_KEY) if authed else None,
            "uploader": None if f["anonymous"] else self._user_brief(t.uploader),
            "groups": [self._torrent_group(t, g, primary) for g, primary in self._groups_of(t)],
            "activity": f["activity"],
            "torrent_health": f["torrent_health"],
            "animetosho": animetosho,
            "animetosho_fetch_time": None if fetched is None else str(fetched),
            "screenshots": screenshots,
            "can_edit": authed and t.uploader == caller.user,
            "disable_comments": False,
            "lock_comments": False,
            "disable_edits": False,
        }
        return nekobt_json({"error": False, "data": data})

    def _torrent_group(self, t: DemoTorrent, group: Json, primary: bool) -> Json:
        roles = ("Encode", "Translation", "Typesetting", "Timing", "QC")
        members = []
        for weight, member_id in enumerate(group["members"], start=1):
            user = self.data.user(member_id) or {}
            members.append(
                {
                    "id": member_id,
                    "invite": False,
                    "username": user.get("username"),
                    "display_name": user.get("display_name"),
                    "pfp_hash": user.get("pfp_hash"),
                    "role": roles[(weight + int(t.id[-2:])) % len(roles)],
                    "weight": weight,
                }
            )
        return {
            **{k: group[k] for k in ("id", "name", "display_name", "pfp_hash", "tagline")},
            "members": members,
            "uploading_group": primary,
            "role": None if primary else "Encode",
        }

    async def download(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/torrents/<id>/download`: the `.torrent`; with a key (and not `public=true`) its
        announce URL carries the demo user's passkey."""
        t = self._find_torrent(request)
        if t is None:
            return _error(404, "Torrent not found.")
        public = _Query(request).boolean("public", False)
        passkey = DEMO_TORRENT_KEY if caller.user is not None and not public else None
        body = nekobt_data.torrent_file(
            t, _announce(_origin(request), passkey), f"nekoBT demo torrent {t.id}"
        )
        return web.Response(
            body=body,
            content_type="application/x-bittorrent",
            headers={"Content-Disposition": f'attachment; filename="nekobt-{t.id}.torrent"'},
        )

    async def comments(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/torrents/<id>/comments`: top-level comments with their replies as `children`."""
        t = self._find_torrent(request)
        if t is None:
            return _error(404, "Torrent not found.")
        return nekobt_json({"error": False, "data": t.comments})

    async def animetosho(self, request: web.Request, caller: _Caller) -> web.Response:
        """`/torrents/<id>/animetosho`: 202 while "processing", then 201 once, then 200."""
        t = self._find_torrent(request)
        if t is None:
            return _error(404, "Torrent not found.", retry=False)
        if t.id in self._animetosho_fetched:
            return self._animetosho_answer(t, 200)
        with self._lock:
            calls = self._animetosho_calls.get(t.id, 0) + 1
            self._animetosho_calls[t.id] = calls
        if self.animetosho_delay:
            await asyncio.sleep(self.animetosho_delay)
        if calls <= self.animetosho_processing:
            return nekobt_json(
                {
                    "error": False,
                    "message": "Torrent is still being processed on AnimeTosho.",
                    "retry": True,
                },
                status=202,
            )
        self._animetosho_fetched[t.id] = DEMO_NOW * 1000 + calls
        return self._animetosho_answer(t, 201)

    @staticmethod
    def _animetosho_answer(t: DemoTorrent, status: int) -> web.Response:
        if t.animetosho != "ok":
            code, message = _ANIMETOSHO_ERRORS[t.animetosho]
            return _error(code, message, retry=False)
        return nekobt_json(
            {"error": False, "data": _animetosho_files(t), "retry": False}, status=status
        )


# ---------------------------------------------------------------------------------------------
# Helpers


def _origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _announce(origin: str, passkey: str | None) -> str:
    url = f"{origin}/announce"
    return f"{url}?passkey={passkey}" if passkey else url


def _split(langs: str) -> list[str]:
    return [lang for lang in langs.split(",") if lang]


def _langs(values: Iterable[str]) -> list[str]:
    return sorted({lang for value in values for lang in _split(value)})


def _count_comments(comments: list[Json]) -> int:
    return sum(1 + len(c.get("children") or []) for c in comments if not c.get("deleted"))


def _group_core(group: Json) -> Json:
    keys = (
        "id", "name", "display_name", "tag", "display_tag", "pfp_hash", "tagline",
        "description", "anonymous",
    )  # fmt: skip
    return {k: group[k] for k in keys}


def _media_core(media: Json, *, episodes: bool = False) -> Json:
    keys = (
        "id", "title", "year", "genres", "overview", "status", "banner_url", "runtime",
        "tvdbId", "tmdbId", "imdbId", "alternate_titles",
    )  # fmt: skip
    core = {k: media.get(k) for k in keys}
    if episodes:
        core["notes"] = media.get("notes")
        core["episodes"] = [
            {
                k: e[k]
                for k in (
                    "id",
                    "title",
                    "season",
                    "episode",
                    "overview",
                    "runtime",
                    "airDateUtc",
                    "tvdbId",
                )
            }
            for e in media.get("episodes", [])
        ]
    return core


def _similarity(text: str, media: Json) -> float:
    wanted = text.lower().strip()
    best = 0.0
    for name in [media["title"], *media.get("alternate_titles", [])]:
        name = name.lower()
        ratio = difflib.SequenceMatcher(None, wanted, name).ratio()
        if wanted and wanted in name:
            ratio = max(ratio, 0.5 + 0.5 * len(wanted) / len(name))
        best = max(best, ratio)
    return best


_SORT_KEYS: dict[str, tuple[Callable[[DemoTorrent], Any], bool]] = {
    "best": (lambda t: (t.fields["level"], int(t.fields["seeders"])), True),
    "latest": (lambda t: t.uploaded_ms, True),
    "rss": (lambda t: t.uploaded_ms, True),
    "oldest": (lambda t: t.uploaded_ms, False),
    "seeders": (lambda t: int(t.fields["seeders"]), True),
    "seeders_asc": (lambda t: int(t.fields["seeders"]), False),
    "leechers": (lambda t: int(t.fields["leechers"]), True),
    "leechers_asc": (lambda t: int(t.fields["leechers"]), False),
    "downloads": (lambda t: int(t.fields["completed"]), True),
    "downloads_asc": (lambda t: int(t.fields["completed"]), False),
    "comments": (lambda t: _count_comments(t.comments), True),
    "comments_asc": (lambda t: _count_comments(t.comments), False),
    "filesize": (lambda t: int(t.fields["filesize"]), True),
    "filesize_asc": (lambda t: int(t.fields["filesize"]), False),
}


def _sort(torrents: list[DemoTorrent], sort_by: str) -> None:
    key, descending = _SORT_KEYS[sort_by]
    # Ties keep id order in both directions, so pages never overlap.
    torrents.sort(key=lambda t: t.id)
    torrents.sort(key=key, reverse=descending)


def _animetosho_files(t: DemoTorrent) -> list[Json]:
    files = []
    for index, (path, size) in enumerate(t.files):
        file_id = 500_000 + int(t.id[-3:]) * 100 + index
        files.append(
            {
                "file_id": file_id,
                "filename": path,
                "filesize": size,
                "subs": [
                    {
                        "id": file_id * 10 + 1,
                        "codec": "ASS",
                        "lang": "eng",
                        "name": "Full Subtitles",
                        "default": True,
                        "enabled": True,
                        "forced": False,
                        "trackid": 3,
                        "tracknum": 4,
                    }
                ],
                "mediainfo": t.fields["mediainfo"] or "General\nFormat : Matroska\n",
                "screenshot_id": f"{file_id:08x}",
                "screenshot_timings": list(_SCREENSHOT_TIMINGS),
            }
        )
    return files


def _screenshots(t: DemoTorrent) -> list[str]:
    first = _animetosho_files(t)[0]
    return [
        f"https://storage.animetosho.invalid/sframes/{first['screenshot_id']}_{ms}.png"
        for ms in _SCREENSHOT_TIMINGS
    ]
