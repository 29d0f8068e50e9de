"""Typed nekoBT API v1 objects, parsed by hand from the JSON the API returns.

Conventions of the whole module:

- **Numbers sent as strings** (ids stay strings; sizes, seeders, counts, byte totals) are parsed
  to `int`; a count that is absent or malformed is 0, a size None.
- **Timestamps** (Unix milliseconds, usually in a string, sometimes a number) become `float`
  Unix **seconds** (`uploaded_at`, `last_edit`, ...), so they compare with `time.time()`.
- Comma-separated language lists become tuples (`"ja,en"` -> `("ja", "en")`, `""` -> `()`).
- Tolerant: a missing or wrongly typed field is None for scalars and objects and () for lists;
  unknown keys are ignored. Only a body of the wrong kind at the top (no `data` object where
  one is promised) raises `BadResponseError`.

Every string is the API's text verbatim: titles may hold markup or escape sequences, so the UI
must show them as plain text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.sources.errors import BadResponseError
from app.sources.fields import boolean as _bool
from app.sources.fields import each as _each
from app.sources.fields import integer as _int
from app.sources.fields import maybe as _maybe
from app.sources.fields import obj as _obj
from app.sources.fields import string as _str
from app.sources.http import Fetched

__all__ = [
    "API",
    "AnimeTosho",
    "AnimeToshoFile",
    "AnimeToshoSub",
    "Announcement",
    "Comment",
    "Episode",
    "Fetched",
    "Group",
    "GroupLink",
    "GroupMedia",
    "GroupMember",
    "GroupSearch",
    "GroupStats",
    "GroupSummary",
    "Lang",
    "Langs",
    "Media",
    "MediaGroup",
    "MediaSearch",
    "Notification",
    "PeerSession",
    "Stats",
    "TopMedia",
    "Torrent",
    "TorrentFile",
    "TorrentGroup",
    "TorrentMember",
    "TorrentSearch",
    "User",
    "UserBrief",
    "UserGroup",
    "UserPeer",
    "UserSearch",
    "data_of",
]

API = "nekoBT"

_M = TypeVar("_M")
_Json = Mapping[str, Any]

# --------------------------------------------------------------------------------------------
# Field readers


def _id(value: Any) -> str | None:
    """An id: a string, or a number the API sent unquoted (ids are kept as strings)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _count(value: Any) -> int:
    return _int(value) or 0


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _ms(value: Any) -> float | None:
    """Unix milliseconds (string or number) -> Unix seconds; 0 and junk -> None."""
    millis = _float(value)
    return millis / 1000.0 if millis else None


def _flag(value: Any) -> bool:
    """A boolean the API may send as true/false, 0/1 (`anonymous` of groups) or null."""
    if isinstance(value, bool):
        return value
    return _int(value) == 1


def _strs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in (_id(v) for v in value) if item is not None)


def _ints(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(number for number in (_int(v) for v in value) if number is not None)


def _langs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, str):
        return ()
    return tuple(lang.strip() for lang in value.split(",") if lang.strip())


def data_of(body: Any, what: str) -> Any:
    """The `data` of a success body `{"error": false, "data": ...}`; raises `BadResponseError`."""
    if not isinstance(body, Mapping) or "data" not in body:
        raise BadResponseError(f"{API}: {what} came without data", api=API)
    return body["data"]


def _data_object(body: Any, what: str) -> _Json:
    data = _obj(data_of(body, what))
    if data is None:
        raise BadResponseError(f"{API}: {what} is not an object", api=API)
    return data


def _data_list(body: Any, what: str) -> list[Any]:
    data = data_of(body, what)
    if not isinstance(data, list):
        raise BadResponseError(f"{API}: {what} is not a list", api=API)
    return data


# --------------------------------------------------------------------------------------------
# Users and groups


@dataclass(frozen=True, slots=True)
class UserBrief:
    """A user as torrents and comments show them."""

    id: str | None
    username: str | None
    display_name: str | None
    pfp_hash: str | None

    @classmethod
    def parse(cls, data: _Json) -> UserBrief:
        """Read from an `uploader` object."""
        return cls(
            _id(data.get("id")),
            _str(data.get("username")),
            _str(data.get("display_name")),
            _str(data.get("pfp_hash")),
        )


@dataclass(frozen=True, slots=True)
class UserSearch:
    """`/users/search`: the users whose username is the query (nekoBT answers only an exact
    match, to keep users private); `more` when a next page exists."""

    results: tuple[UserBrief, ...]
    more: bool

    @classmethod
    def parse(cls, body: Any) -> UserSearch:
        """Read a whole answer body."""
        data = _data_object(body, "the user search")
        return cls(_each(data.get("results"), UserBrief.parse), _bool(data.get("more")) or False)


@dataclass(frozen=True, slots=True)
class UserGroup:
    """A group a user belongs to, with the user's rights in it."""

    id: str | None
    name: str | None
    display_name: str | None
    tag: str | None
    display_tag: str | None
    tagline: str | None
    leader: bool
    admin: bool

    @classmethod
    def parse(cls, data: _Json) -> UserGroup:
        """Read from an entry of a user's `groups`."""
        return cls(
            _id(data.get("id")),
            _str(data.get("name")),
            _str(data.get("display_name")),
            _str(data.get("tag")),
            _str(data.get("display_tag")),
            _str(data.get("tagline")),
            _bool(data.get("leader")) or False,
            _bool(data.get("admin")) or False,
        )


@dataclass(frozen=True, slots=True)
class User:
    """`/users/<id|@me>`. `torrent_key` (the tracker passkey) is present only for yourself;
    it is a secret: never shown in `repr` (the client registers it for redaction)."""

    id: str | None
    username: str | None
    display_name: str | None
    pfp_hash: str | None
    description: str | None
    torrent_count: int
    contribution_count: int
    groups: tuple[UserGroup, ...]
    upload: int
    """Total uploaded bytes."""
    download: int
    """Total downloaded bytes."""
    seeding: int
    leeching: int
    disabled: bool
    permissions: int | None
    torrent_key: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, data: _Json) -> User:
        """Read from the `data` of a user answer."""
        return cls(
            id=_id(data.get("id")),
            username=_str(data.get("username")),
            display_name=_str(data.get("display_name")),
            pfp_hash=_str(data.get("pfp_hash")),
            description=_str(data.get("description")),
            torrent_count=_count(data.get("torrent_count")),
            contribution_count=_count(data.get("contribution_count")),
            groups=_each(data.get("groups"), UserGroup.parse),
            upload=_count(data.get("upload")),
            download=_count(data.get("download")),
            seeding=_count(data.get("seeding")),
            leeching=_count(data.get("leeching")),
            disabled=_bool(data.get("disabled")) or False,
            permissions=_int(data.get("permissions")),
            torrent_key=_str(data.get("torrent_key")) or None,
        )

    @classmethod
    def parse_body(cls, body: Any) -> User:
        """Read a whole `/users/<id>` answer body."""
        return cls.parse(_data_object(body, "the user"))


_NOTIFICATION_TAG = re.compile(r"<(u|g|i|vi|ge|t|tc|r):\d+:(?:\d+:)?([^>]+)>")
# The spec's notification tags, each with the text its link shows: the last part, but an
# accept-invite link (`<i:id:code>`) whose last part is the invite code, not words.


def _tag_text(match: re.Match[str]) -> str:
    return "View Invite" if match.group(1) == "i" else match.group(2)


@dataclass(frozen=True, slots=True)
class Notification:
    """One of your notifications (`/users/@me/notifications`); `data` is the API's text with
    its link tags (`<u:id:name>`, `<t:id:title>`, ...), `text` the words a reader sees."""

    id: str | None
    data: str
    seen: bool

    @property
    def text(self) -> str:
        """`data` with each link tag replaced by the text its link shows."""
        return _NOTIFICATION_TAG.sub(_tag_text, self.data)

    @classmethod
    def parse(cls, data: _Json) -> Notification:
        """Read from an entry of the notifications list."""
        return cls(
            _id(data.get("id")), _str(data.get("data")) or "", _bool(data.get("seen")) or False
        )

    @staticmethod
    def parse_body(body: Any) -> tuple[Notification, ...]:
        """Read a notifications answer (the list, or the updated list after marking read)."""
        return _each(_data_list(body, "the notifications"), Notification.parse)


@dataclass(frozen=True, slots=True)
class PeerSession:
    """One torrent client of yours the tracker sees in a swarm (a `peers` entry)."""

    peer_id: str | None
    user_agent: str | None
    upload: int
    """Bytes uploaded in this session."""
    download: int
    left: int
    """Bytes left to download."""
    first_seen: float | None
    last_seen: float | None
    est_upload_speed: int
    """Bytes per second."""
    est_download_speed: int
    ip: str | None
    port: int | None

    @classmethod
    def parse(cls, data: _Json) -> PeerSession:
        """Read from an entry of a peer torrent's `peers`."""
        return cls(
            _str(data.get("peer_id")),
            _str(data.get("user_agent")),
            _count(data.get("upload")),
            _count(data.get("download")),
            _count(data.get("left")),
            _ms(data.get("first_seen")),
            _ms(data.get("last_seen")),
            _count(data.get("est_upload_speed")),
            _count(data.get("est_download_speed")),
            _str(data.get("ip")),
            _int(data.get("port")),
        )


@dataclass(frozen=True, slots=True)
class UserPeer:
    """A torrent you are a peer of (`/users/@me/peers`), with your totals and sessions."""

    torrent_id: str | None
    torrent_title: str | None
    torrent_infohash: str | None
    torrent_filesize: int | None
    upload: int
    """Total bytes uploaded."""
    download: int
    completed: int
    """Downloads completed."""
    down_time: int
    """Seconds spent downloading."""
    up_time: int
    """Seconds spent uploading."""
    created_at: float | None
    """First connection (Unix seconds)."""
    updated_at: float | None
    """Last seen seeding or leeching."""
    last_completed: float | None
    peers: tuple[PeerSession, ...]

    @classmethod
    def parse(cls, data: _Json) -> UserPeer:
        """Read from an entry of the peers list."""
        return cls(
            _id(data.get("torrent_id")),
            _str(data.get("torrent_title")),
            _str(data.get("torrent_infohash")),
            _int(data.get("torrent_filesize")),
            _count(data.get("upload")),
            _count(data.get("download")),
            _count(data.get("completed")),
            _count(data.get("down_time")),
            _count(data.get("up_time")),
            _ms(data.get("created_at")),
            _ms(data.get("updated_at")),
            _ms(data.get("last_completed")),
            _each(data.get("peers"), PeerSession.parse),
        )

    @staticmethod
    def parse_body(body: Any) -> tuple[UserPeer, ...]:
        """Read a whole `/users/<id>/peers` answer body."""
        return _each(_data_list(body, "the peers"), UserPeer.parse)


@dataclass(frozen=True, slots=True)
class GroupMember:
    """A member (or invite) of a group."""

    id: str | None
    username: str | None
    display_name: str | None
    pfp_hash: str | None
    invite: bool
    leader: bool
    admin: bool
    torrent_count: int

    @classmethod
    def parse(cls, data: _Json) -> GroupMember:
        """Read from an entry of a group's `members`."""
        return cls(
            _id(data.get("id")),
            _str(data.get("username")),
            _str(data.get("display_name")),
            _str(data.get("pfp_hash")),
            _bool(data.get("invite")) or False,
            _bool(data.get("leader")) or False,
            _bool(data.get("admin")) or False,
            _count(data.get("torrent_count")),
        )


@dataclass(frozen=True, slots=True)
class GroupLink:
    """A parent or child group; `active` once both groups approved the link."""

    id: str | None
    name: str | None
    display_name: str | None
    tag: str | None
    display_tag: str | None
    active: bool

    @classmethod
    def parse(cls, data: _Json) -> GroupLink:
        """Read from an entry of `relations.parents` / `relations.children`."""
        return cls(
            _id(data.get("id")),
            _str(data.get("name")),
            _str(data.get("display_name")),
            _str(data.get("tag")),
            _str(data.get("display_tag")),
            _bool(data.get("active")) or False,
        )


@dataclass(frozen=True, slots=True)
class GroupMedia:
    """A media a group (or its children) worked on: its id, title and the torrents."""

    media_id: str | None
    title: str | None
    banner_url: str | None
    episode_ids: tuple[str, ...]
    torrent_ids: tuple[str, ...]
    group_ids: tuple[str, ...]

    @classmethod
    def parse(cls, data: _Json) -> GroupMedia:
        """Read from an entry of a group's `media`."""
        media = _obj(data.get("media")) or {}
        return cls(
            _id(media.get("id")),
            _str(media.get("title")),
            _str(media.get("banner_url")),
            _strs(data.get("episodes")),
            _strs(data.get("torrents")),
            _strs(data.get("groups")),
        )


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Upload and peer totals of a group."""

    uploads: int
    seeders: int
    leechers: int
    downloads: int

    @classmethod
    def parse(cls, data: _Json) -> GroupStats:
        """Read from a group's `stats`."""
        return cls(
            _count(data.get("uploads")),
            _count(data.get("seeders")),
            _count(data.get("leechers")),
            _count(data.get("downloads")),
        )


@dataclass(frozen=True, slots=True)
class Group:
    """`/groups/<id>`."""

    id: str | None
    name: str | None
    display_name: str | None
    tag: str | None
    display_tag: str | None
    pfp_hash: str | None
    tagline: str | None
    description: str | None
    """Markdown."""
    anonymous: bool
    members: tuple[GroupMember, ...]
    parents: tuple[GroupLink, ...]
    children: tuple[GroupLink, ...]
    media: tuple[GroupMedia, ...]
    stats: GroupStats

    @classmethod
    def parse(cls, data: _Json) -> Group:
        """Read from the `data` of a group answer."""
        relations = _obj(data.get("relations")) or {}
        return cls(
            id=_id(data.get("id")),
            name=_str(data.get("name")),
            display_name=_str(data.get("display_name")),
            tag=_str(data.get("tag")),
            display_tag=_str(data.get("display_tag")),
            pfp_hash=_str(data.get("pfp_hash")),
            tagline=_str(data.get("tagline")),
            description=_str(data.get("description")),
            anonymous=_flag(data.get("anonymous")),
            members=_each(data.get("members"), GroupMember.parse),
            parents=_each(relations.get("parents"), GroupLink.parse),
            children=_each(relations.get("children"), GroupLink.parse),
            media=_each(data.get("media"), GroupMedia.parse),
            stats=GroupStats.parse(_obj(data.get("stats")) or {}),
        )

    @classmethod
    def parse_body(cls, body: Any) -> Group:
        """Read a whole `/groups/<id>` answer body."""
        return cls.parse(_data_object(body, "the group"))


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """A group as `/groups/search` lists it."""

    id: str | None
    name: str | None
    display_name: str | None
    tag: str | None
    display_tag: str | None
    tagline: str | None
    member_count: int
    torrent_count: int
    download_count: int

    @classmethod
    def parse(cls, data: _Json) -> GroupSummary:
        """Read from an entry of the search `results`."""
        return cls(
            _id(data.get("id")),
            _str(data.get("name")),
            _str(data.get("display_name")),
            _str(data.get("tag")),
            _str(data.get("display_tag")),
            _str(data.get("tagline")),
            _count(data.get("member_count")),
            _count(data.get("torrent_count")),
            _count(data.get("download_count")),
        )


@dataclass(frozen=True, slots=True)
class GroupSearch:
    """A page of `/groups/search`; `more` when a next page exists."""

    results: tuple[GroupSummary, ...]
    more: bool

    @classmethod
    def parse(cls, body: Any) -> GroupSearch:
        """Read a whole answer body."""
        data = _data_object(body, "the group search")
        return cls(_each(data.get("results"), GroupSummary.parse), _bool(data.get("more")) or False)


# --------------------------------------------------------------------------------------------
# Media


@dataclass(frozen=True, slots=True)
class Episode:
    """An episode of a media; `air_date` is the API's ISO 8601 text (`airDateUtc`)."""

    id: int | None
    title: str | None
    season: int | None
    episode: int | None
    absolute: int | None
    overview: str | None
    runtime: int | None
    air_date: str | None
    tvdb_id: int | None

    @classmethod
    def parse(cls, data: _Json) -> Episode:
        """Read from an entry of `episodes`."""
        return cls(
            _int(data.get("id")),
            _str(data.get("title")),
            _int(data.get("season")),
            _int(data.get("episode")),
            _int(data.get("absolute")),
            _str(data.get("overview")),
            _int(data.get("runtime")),
            _str(data.get("airDateUtc")),
            _int(data.get("tvdbId")),
        )


@dataclass(frozen=True, slots=True)
class MediaGroup:
    """A group that released a media, with its best subtitle level and languages."""

    id: str | None
    name: str | None
    display_name: str | None
    tag: str | None
    display_tag: str | None
    tagline: str | None
    max_level: int | None
    fsub_langs: tuple[str, ...]
    sub_langs: tuple[str, ...]
    episode_levels: Mapping[str, int]
    """Episode id -> the highest subtitle level this group released it with."""

    @classmethod
    def parse(cls, data: _Json) -> MediaGroup:
        """Read from an entry of a media's `groups`."""
        langs = _obj(data.get("langs")) or {}
        episodes = _obj(data.get("episodes")) or {}
        levels = {}
        for episode_id, work in episodes.items():
            level = _int((_obj(work) or {}).get("level"))
            if level is not None:
                levels[str(episode_id)] = level
        return cls(
            _id(data.get("id")),
            _str(data.get("name")),
            _str(data.get("display_name")),
            _str(data.get("tag")),
            _str(data.get("display_tag")),
            _str(data.get("tagline")),
            _int(data.get("max_level")),
            _strs(langs.get("fsub")),
            _strs(langs.get("sub")),
            levels,
        )


@dataclass(frozen=True, slots=True)
class Media:
    """A media (series `s…` or movie `m…`). `episodes` and `groups` only come from `/media/<id>`;
    `similarity` (0..1) only from `/media/search`."""

    id: str | None
    title: str | None
    year: int | None
    genres: tuple[str, ...]
    overview: str | None
    status: str | None
    """"continuing", "ended", ... as the API says."""
    banner_url: str | None
    runtime: int | None
    tvdb_id: int | None
    tmdb_id: int | None
    imdb_id: str | None
    alternate_titles: tuple[str, ...]
    notes: str | None = None
    episodes: tuple[Episode, ...] = ()
    groups: tuple[MediaGroup, ...] = ()
    similarity: float | None = None

    @classmethod
    def parse(cls, data: _Json) -> Media:
        """Read from a media object."""
        return cls(
            id=_id(data.get("id")),
            title=_str(data.get("title")),
            year=_int(data.get("year")),
            genres=_strs(data.get("genres")),
            overview=_str(data.get("overview")),
            status=_str(data.get("status")),
            banner_url=_str(data.get("banner_url")),
            runtime=_int(data.get("runtime")),
            tvdb_id=_int(data.get("tvdbId")),
            tmdb_id=_int(data.get("tmdbId")),
            imdb_id=_str(data.get("imdbId")),
            alternate_titles=_strs(data.get("alternate_titles")),
            notes=_str(data.get("notes")),
            episodes=_each(data.get("episodes"), Episode.parse),
            groups=_each(data.get("groups"), MediaGroup.parse),
            similarity=_float(data.get("similarity")),
        )

    @classmethod
    def parse_body(cls, body: Any) -> Media:
        """Read a whole `/media/<id>` answer body."""
        return cls.parse(_data_object(body, "the media"))


@dataclass(frozen=True, slots=True)
class MediaSearch:
    """A page of `/media/search`, best match first; `more` when a next page exists."""

    results: tuple[Media, ...]
    more: bool

    @classmethod
    def parse(cls, body: Any) -> MediaSearch:
        """Read a whole answer body."""
        data = _data_object(body, "the media search")
        return cls(_each(data.get("results"), Media.parse), _bool(data.get("more")) or False)


# --------------------------------------------------------------------------------------------
# Torrents


@dataclass(frozen=True, slots=True)
class TorrentMember:
    """Who did what on a release (`role`), ordered by `weight`."""

    id: str | None
    username: str | None
    display_name: str | None
    role: str | None
    weight: int | None
    invite: bool

    @classmethod
    def parse(cls, data: _Json) -> TorrentMember:
        """Read from an entry of a torrent group's `members`."""
        return cls(
            _id(data.get("id")),
            _str(data.get("username")),
            _str(data.get("display_name")),
            _str(data.get("role")),
            _int(data.get("weight")),
            _bool(data.get("invite")) or False,
        )


@dataclass(frozen=True, slots=True)
class TorrentGroup:
    """A group credited on a torrent; `uploading_group` is the primary group."""

    id: str | None
    name: str | None
    display_name: str | None
    tagline: str | None
    pfp_hash: str | None
    uploading_group: bool
    role: str | None
    members: tuple[TorrentMember, ...]

    @classmethod
    def parse(cls, data: _Json) -> TorrentGroup:
        """Read from an entry of a torrent's `groups`."""
        return cls(
            _id(data.get("id")),
            _str(data.get("name")),
            _str(data.get("display_name")),
            _str(data.get("tagline")),
            _str(data.get("pfp_hash")),
            _bool(data.get("uploading_group")) or False,
            _str(data.get("role")),
            _each(data.get("members"), TorrentMember.parse),
        )


@dataclass(frozen=True, slots=True)
class TorrentFile:
    """A file of a torrent; `offset` is its byte offset in the torrent's data."""

    path: str | None
    name: str | None
    length: int
    offset: int

    @classmethod
    def parse(cls, data: _Json) -> TorrentFile:
        """Read from an entry of `files`."""
        return cls(
            _str(data.get("path")),
            _str(data.get("name")),
            _count(data.get("length")),
            _count(data.get("offset")),
        )


@dataclass(frozen=True, slots=True)
class AnimeToshoSub:
    """A subtitle track AnimeTosho found in a file."""

    id: int | None
    codec: str | None
    lang: str | None
    name: str | None
    default: bool
    forced: bool
    enabled: bool
    tracknum: int | None

    @classmethod
    def parse(cls, data: _Json) -> AnimeToshoSub:
        """Read from an entry of a file's `subs`."""
        return cls(
            _int(data.get("id")),
            _str(data.get("codec")),
            _str(data.get("lang")),
            _str(data.get("name")),
            _bool(data.get("default")) or False,
            _bool(data.get("forced")) or False,
            _bool(data.get("enabled")) or False,
            _int(data.get("tracknum")),
        )


@dataclass(frozen=True, slots=True)
class AnimeToshoFile:
    """AnimeTosho's data about one file of a torrent."""

    file_id: int | None
    filename: str | None
    filesize: int | None
    subs: tuple[AnimeToshoSub, ...]
    mediainfo: str | None
    screenshot_id: str | None
    screenshot_timings: tuple[int, ...]
    """Milliseconds into the video; with `screenshot_id` they name the screenshot URLs."""

    @classmethod
    def parse(cls, data: _Json) -> AnimeToshoFile:
        """Read from an entry of the AnimeTosho `data` list."""
        return cls(
            _int(data.get("file_id")),
            _str(data.get("filename")),
            _int(data.get("filesize")),
            _each(data.get("subs"), AnimeToshoSub.parse),
            _str(data.get("mediainfo")),
            _str(data.get("screenshot_id")),
            _ints(data.get("screenshot_timings")),
        )


@dataclass(frozen=True, slots=True)
class AnimeTosho:
    """AnimeTosho data of a torrent.

    `status` is "ready" (with `files`), "processing" (ask again later), "absent" (never
    fetched: a torrent's `animetosho` null) or the API's final word: "skipped", "not_found",
    "no_media", "error". `retry` is whether asking again may help; `message` the API's text.
    """

    status: str
    files: tuple[AnimeToshoFile, ...] = ()
    retry: bool = False
    message: str | None = None

    @property
    def ready(self) -> bool:
        """Whether the data is here."""
        return self.status == "ready"

    @classmethod
    def parse_field(cls, value: Any) -> AnimeTosho:
        """Read a torrent's `animetosho` field: null, a list of files, or a status string."""
        if isinstance(value, list):
            return cls("ready", _each(value, AnimeToshoFile.parse))
        if isinstance(value, str) and value:
            return cls(value, retry=value in ("processing", "not_found"))
        return cls("absent", retry=True)

    @classmethod
    def parse_body(cls, body: Any) -> AnimeTosho:
        """Read a 200/201/202 answer body of `/torrents/<id>/animetosho`."""
        if not isinstance(body, Mapping):
            raise BadResponseError(f"{API}: the AnimeTosho answer is not an object", api=API)
        data = body.get("data")
        message = _str(body.get("message"))
        if isinstance(data, list):
            return cls("ready", _each(data, AnimeToshoFile.parse), message=message)
        return cls("processing", retry=_bool(body.get("retry")) is not False, message=message)


def _level(value: Any) -> int | None:
    level = _int(value)
    return level if level is not None and -1 <= level <= 4 else None


@dataclass(frozen=True, slots=True)
class Torrent:
    """A torrent, from a search page or `/torrents/<id>` (whose extra fields are empty in
    search rows: `files`, `media_episode_ids`, `mediainfo`, `screenshots`, `animetosho`...).

    `level` is the subtitle level: -1 no subtitles, 0..4 rising quality, None unknown.
    `uploaded_at`, `nyaa_upload_time`, `animetosho_fetch_time` are Unix seconds.
    """

    id: str | None
    title: str | None
    auto_title: str | None
    uploaded_at: float | None
    infohash: str | None
    magnet: str | None
    private_magnet: str | None
    """The magnet with your passkey (only when authenticated): a secret, never logged."""
    media_id: str | None
    description: str | None
    """Markdown, or None."""
    filesize: int | None
    """Bytes."""
    category: int | None
    level: int | None
    otl: bool
    mtl: bool
    hardsub: bool
    hidden: bool
    deleted: bool
    waiting_approve: bool
    anonymous: bool
    audio_langs: tuple[str, ...]
    sub_langs: tuple[str, ...]
    fsub_langs: tuple[str, ...]
    video_codec: int | None
    video_type: int | None
    upgraded: str | None
    """The id of the torrent that replaces this one."""
    uploader: UserBrief | None
    groups: tuple[TorrentGroup, ...]
    seeders: int
    leechers: int
    completed: int
    comment_count: int
    imported: str | None
    """The Nyaa id this torrent was imported from."""
    nyaa_upload_time: float | None
    has_mediainfo: bool
    user_is_seeding: bool | None
    user_is_leeching: bool | None
    user_download_count: int | None
    mediainfo: str | None = None
    media_episode_ids: tuple[str, ...] = ()
    files: tuple[TorrentFile, ...] = ()
    activity: int | None = None
    """Estimated peer speeds, bytes per second."""
    torrent_health: int | None = None
    """Estimated health, 0..100."""
    animetosho: AnimeTosho = AnimeTosho("absent", retry=True)
    animetosho_fetch_time: float | None = None
    screenshots: tuple[str, ...] = ()

    @property
    def primary_group(self) -> TorrentGroup | None:
        """The uploading group, if any."""
        return next((g for g in self.groups if g.uploading_group), None)

    @classmethod
    def parse(cls, data: _Json) -> Torrent:
        """Read from a torrent object (a search row or a torrent answer's `data`)."""
        mediainfo = _str(data.get("mediainfo"))
        has_mediainfo = _bool(data.get("has_mediainfo"))
        return cls(
            id=_id(data.get("id")),
            title=_str(data.get("title")),
            auto_title=_str(data.get("auto_title")),
            uploaded_at=_ms(data.get("uploaded_at")),
            infohash=_str(data.get("infohash")),
            magnet=_str(data.get("magnet")),
            private_magnet=_str(data.get("private_magnet")),
            media_id=_id(data.get("media_id")),
            description=_str(data.get("description")),
            filesize=_int(data.get("filesize")),
            category=_int(data.get("category")),
            level=_level(data.get("level")),
            otl=_bool(data.get("otl")) or False,
            mtl=_bool(data.get("mtl")) or False,
            hardsub=_bool(data.get("hardsub")) or False,
            hidden=_bool(data.get("hidden")) or False,
            # `deleted` is null or a truthy marker (the spec never shows its non-null form).
            deleted=data.get("deleted") not in (None, False),
            waiting_approve=_bool(data.get("waiting_approve")) or False,
            anonymous=_flag(data.get("anonymous")),
            audio_langs=_langs(data.get("audio_lang")),
            sub_langs=_langs(data.get("sub_lang")),
            fsub_langs=_langs(data.get("fsub_lang")),
            video_codec=_int(data.get("video_codec")),
            video_type=_int(data.get("video_type")),
            upgraded=_id(data.get("upgraded")),
            uploader=_maybe(data.get("uploader"), UserBrief.parse),
            groups=_each(data.get("groups"), TorrentGroup.parse),
            seeders=_count(data.get("seeders")),
            leechers=_count(data.get("leechers")),
            completed=_count(data.get("completed")),
            comment_count=_count(data.get("comment_count")),
            imported=_id(data.get("imported")),
            nyaa_upload_time=_ms(data.get("nyaa_upload_time")),
            has_mediainfo=has_mediainfo if has_mediainfo is not None else mediainfo is not None,
            user_is_seeding=_bool(data.get("user_is_seeding")),
            user_is_leeching=_bool(data.get("user_is_leeching")),
            user_download_count=_int(data.get("user_download_count")),
            mediainfo=mediainfo,
            media_episode_ids=_strs(data.get("media_episode_ids")),
            files=_each(data.get("files"), TorrentFile.parse),
            activity=_int(data.get("activity")),
            torrent_health=_int(data.get("torrent_health")),
            animetosho=AnimeTosho.parse_field(data.get("animetosho")),
            animetosho_fetch_time=_ms(data.get("animetosho_fetch_time")),
            screenshots=_strs(data.get("screenshots")),
        )

    @classmethod
    def parse_body(cls, body: Any) -> Torrent:
        """Read a whole `/torrents/<id>` answer body."""
        return cls.parse(_data_object(body, "the torrent"))


@dataclass(frozen=True, slots=True)
class TorrentSearch:
    """A page of `/torrents/search`.

    `more`: a next page exists. `infohash_match`: the torrent id when the query was an
    info-hash that matched. `recommended_media`: the media most results belong to (>= 70 %).
    `media`: the media of a `media_id` filter. `similar_media`: media whose title resembles the
    query. `summary`: filters the API read from the query ("hints"). `search`: the parameters
    the API actually used.
    """

    results: tuple[Torrent, ...]
    more: bool
    infohash_match: str | None
    recommended_media: Media | None
    media: Media | None
    similar_media: tuple[Media, ...]
    summary: tuple[str, ...]
    search: Mapping[str, Any]

    @classmethod
    def parse(cls, body: Any) -> TorrentSearch:
        """Read a whole answer body."""
        data = _data_object(body, "the torrent search")
        debug = _obj(data.get("debug")) or {}
        return cls(
            results=_each(data.get("results"), Torrent.parse),
            more=_bool(data.get("more")) or False,
            infohash_match=_id(data.get("infohash_match")),
            recommended_media=_maybe(data.get("recommended_media"), Media.parse),
            media=_maybe(data.get("media"), Media.parse),
            similar_media=_each(data.get("similar_media"), Media.parse),
            summary=_strs(debug.get("summary")),
            search=dict(_obj(data.get("search")) or {}),
        )


@dataclass(frozen=True, slots=True)
class Comment:
    """A torrent comment; replies are in `children`. A deleted comment says "[deleted]"."""

    id: str | None
    deleted: bool
    user_id: str | None
    text: str | None
    """Markdown-ish text, verbatim."""
    replying_to: str | None
    display_name: str | None
    pfp_hash: str | None
    positive: int
    negative: int
    pinned: bool
    user_rating: bool | None
    """Your own rating: True liked, False disliked, None none."""
    last_edit: float | None
    """Unix seconds of the last edit, or None."""
    children: tuple[Comment, ...]

    @classmethod
    def parse(cls, data: _Json) -> Comment:
        """Read from a comment object."""
        return cls(
            _id(data.get("id")),
            _bool(data.get("deleted")) or False,
            _id(data.get("user_id")),
            _str(data.get("text")),
            _id(data.get("replying_to")),
            _str(data.get("display_name")),
            _str(data.get("pfp_hash")),
            _count(data.get("positive")),
            _count(data.get("negative")),
            _bool(data.get("pinned")) or False,
            _bool(data.get("user_rating")),
            _ms(data.get("last_edit")),
            _each(data.get("children"), Comment.parse),
        )

    @staticmethod
    def parse_body(body: Any) -> tuple[Comment, ...]:
        """Read a whole `/torrents/<id>/comments` answer body."""
        return _each(_data_list(body, "the comments"), Comment.parse)


# --------------------------------------------------------------------------------------------
# Site-wide


@dataclass(frozen=True, slots=True)
class Lang:
    """A language the site knows: `code` ("ja", "es-419", "enm"), English `name`, flag URL."""

    code: str
    name: str | None
    flag: str | None


@dataclass(frozen=True, slots=True)
class Langs:
    """`/langs`: the languages by code, and the aliases the site converts (`jp` -> `ja`)."""

    langs: Mapping[str, Lang]
    convert: Mapping[str, str]

    def name(self, code: str) -> str:
        """The English name of a language code (an alias is converted first); else the code."""
        lang = self.langs.get(self.convert.get(code, code))
        return lang.name if lang is not None and lang.name else code

    @classmethod
    def parse(cls, body: Any) -> Langs:
        """Read a whole answer body."""
        data = _data_object(body, "the language list")
        langs = {}
        for code, entry in (_obj(data.get("langs")) or {}).items():
            entry = _obj(entry) or {}
            langs[str(code)] = Lang(
                _str(entry.get("code")) or str(code),
                _str(entry.get("name")),
                _str(entry.get("flag")),
            )
        convert = {
            str(k): v for k, v in (_obj(data.get("convert")) or {}).items() if isinstance(v, str)
        }
        return cls(langs, convert)


@dataclass(frozen=True, slots=True)
class Announcement:
    """A banner of the home page; `start_time` / `end_time` in Unix seconds."""

    start_time: float | None
    end_time: float | None
    message: str | None
    link: str | None
    """None when the API sent an empty link."""
    new_tab: bool
    color: str | None
    """info, success, warning, error, primary or grey."""
    dismissible: bool

    @classmethod
    def parse(cls, data: _Json) -> Announcement:
        """Read from an announcement object."""
        return cls(
            _ms(data.get("start_time")),
            _ms(data.get("end_time")),
            _str(data.get("message")),
            _str(data.get("link")) or None,
            _bool(data.get("new_tab")) or False,
            _str(data.get("color")),
            _bool(data.get("dismissible")) or False,
        )

    @staticmethod
    def parse_body(body: Any) -> tuple[Announcement, ...]:
        """Read a whole `/announcements` answer body."""
        return _each(_data_list(body, "the announcements"), Announcement.parse)


@dataclass(frozen=True, slots=True)
class TopMedia:
    """A media of the week's top list."""

    id: str | None
    title: str | None
    banner_url: str | None
    seeders: int


@dataclass(frozen=True, slots=True)
class Stats:
    """`/stats`: site totals; `created_at` (Unix seconds) is when the server computed them."""

    created_at: float | None
    top_media: tuple[TopMedia, ...]
    users: int
    groups: int
    torrents: int
    torrents_new_1d: int
    total_downloads: int
    seeders: int
    leechers: int

    @classmethod
    def parse(cls, body: Any) -> Stats:
        """Read a whole answer body."""
        data = _data_object(body, "the statistics")
        users = _obj(data.get("users")) or {}
        groups = _obj(data.get("groups")) or {}
        torrents = _obj(data.get("torrents")) or {}
        peers = _obj(data.get("peers")) or {}
        return cls(
            created_at=_ms(data.get("created_at")),
            top_media=_each(
                data.get("top_media_1w"),
                lambda m: TopMedia(
                    _id(m.get("id")),
                    _str(m.get("title")),
                    _str(m.get("banner_url")),
                    _count(m.get("seeders")),
                ),
            ),
            users=_count(users.get("total")),
            groups=_count(groups.get("total")),
            torrents=_count(torrents.get("total")),
            torrents_new_1d=_count(torrents.get("new_1d")),
            total_downloads=_count(torrents.get("total_downloads")),
            seeders=_count(peers.get("seeders")),
            leechers=_count(peers.get("leechers")),
        )
