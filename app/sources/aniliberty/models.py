"""AniLiberty API v1 answers, read into the domain models the v2 client produces.

A v1 release becomes a `Title` (`app.sources.anilibria.models`), its episodes `Episode`s of a
`Player`, its torrents `Torrent`s, a week's schedule `ScheduleDay`s — so the services above can
take either API. What v1 has beyond v2 gets small models of its own here (members with roles,
franchises, collections, watch timecodes, the login code, the profile, paging).

Tolerant like the v2 parser: unknown keys are ignored; a missing or mistyped field becomes None
or (); a top-level body of the wrong kind raises `BadResponseError`. The variants real servers
send are accepted (see shared/specs/aniliberty-api-v1-notes.md): a schedule week as a bare array
or under `data`, a release's torrents as an array or one object, a release as an object or an
array of one, poster sizes as `src` or `preview`, nested or flat `[id, type]` pairs.

Image paths stay as the API gives them (relative to the site root, `/storage/...`): the client
fetches them over whichever mirror answers (`AniLibertyClient.image`). HLS links are absolute.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Generic, Literal, NamedTuple, TypeVar
from urllib.parse import urlsplit

from app.sources.aniliberty.errors import API
from app.sources.anilibria.models import (
    Blocked,
    Episode,
    FeedItem,
    Hls,
    Names,
    Player,
    Poster,
    Posters,
    Quality,
    ScheduleDay,
    Season,
    Series,
    Skips,
    Status,
    Team,
    Title,
    TitleType,
    Torrent,
    Torrents,
    YouTubeVideo,
)
from app.sources.errors import BadResponseError
from app.sources.fields import Json, each, maybe, number, obj
from app.sources.fields import boolean as _bool
from app.sources.fields import integer as _int
from app.sources.fields import string as _str

__all__ = [
    "COLLECTION_TYPES",
    "AppStatus",
    "CollectionEntry",
    "CollectionType",
    "Franchise",
    "FranchiseRelease",
    "Genre",
    "Member",
    "Otp",
    "PageInfo",
    "Paged",
    "Profile",
    "ReferenceValue",
    "ReleaseEpisode",
    "ReleaseTorrent",
    "ScheduleEntry",
    "ScheduleNow",
    "Timecode",
    "data_list",
    "expect_list",
    "expect_object",
    "merge_feed",
    "one_object",
    "paged",
    "parse_collection_ids",
    "parse_episode",
    "parse_ids",
    "parse_release",
    "parse_release_episode",
    "parse_timecodes",
    "parse_video",
    "schedule_days",
    "team_of",
    "timestamp",
    "torrent_file_path",
]

_T = TypeVar("_T")

CollectionType = Literal["PLANNED", "WATCHING", "WATCHED", "POSTPONED", "ABANDONED"]
"""A user's collection a release can be in (one at a time)."""
COLLECTION_TYPES: tuple[CollectionType, ...] = (
    "PLANNED",
    "WATCHING",
    "WATCHED",
    "POSTPONED",
    "ABANDONED",
)

# v2's type codes (0 movie, 1 TV, 2 OVA, 3 ONA, 4 special) for v1's type values; DORAMA has none.
_TYPE_CODES = {"MOVIE": 0, "TV": 1, "OVA": 2, "OAD": 2, "ONA": 3, "WEB": 3, "SPECIAL": 4}
_SEASON_CODES = {"winter": 1, "spring": 2, "summer": 3, "autumn": 4}
# v2's status texts, which the screens show as they are.
_ONGOING = Status("В работе", 1)
_FINISHED = Status("Завершен", 2)
_TEAM_ROLES = {
    "voicing": "voice",
    "translating": "translator",
    "editing": "editing",
    "decorating": "decor",
    "timing": "timing",
}
_ENCODERS = {"x264/AVC": "h264", "x265/HEVC": "h265", "x265hq/HEVC-HQ": "h265", "AV1": "av1"}
_RESOLUTIONS = {"2k": 1440, "4k": 2160, "8k": 4320}
_LINES_RE = re.compile(r"\s*(\d+)\s*[pP]\s*$")
_RANGE_RE = re.compile(r"(\d+)(?:\s*[-–]\s*(\d+))?")


# --------------------------------------------------------------------------------------------
# Field readers


def timestamp(value: Any) -> int | None:
    """Unix seconds of an ISO 8601 date-time ("2023-08-20T15:08:20+00:00"); None otherwise.

    A time without a zone is read as UTC, as the API's examples all are.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return int((when - datetime(1970, 1, 1)).total_seconds())
    return int(when.timestamp())


def _value(data: Json, key: str) -> Any:
    """`data[key]["value"]`: v1 wraps enums as `{value, description}` (a bare value is accepted)."""
    field = data.get(key)
    inner = obj(field)
    return inner.get("value") if inner is not None else field


def _description(data: Json, key: str) -> str | None:
    inner = obj(data.get(key))
    return None if inner is None else _str(inner.get("description"))


def _image(value: Any) -> str | None:
    """The full-size path of a v1 image (`src`, or `preview` as the OpenAPI file names it)."""
    data = obj(value)
    if data is None:
        return _str(value)
    return _str(data.get("src")) or _str(data.get("preview")) or _str(data.get("thumbnail"))


def _posters(value: Any) -> Posters | None:
    data = obj(value)
    if data is None:
        return None
    original = _image(data)
    optimized = _image(data.get("optimized"))
    return Posters(
        small=Poster(_str(data.get("thumbnail")) or optimized or original, None),
        medium=Poster(optimized or original, None),
        original=Poster(original, None),
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --------------------------------------------------------------------------------------------
# Episodes, torrents, members -> domain models


def _skip(value: Any) -> tuple[float, ...]:
    data = obj(value)
    if data is None:
        return ()
    start, stop = number(data.get("start")), number(data.get("stop"))
    if start is None or stop is None:
        return ()
    return (float(start), float(stop))


def parse_episode(data: Json) -> Episode | None:
    """An `Episode` from a v1 episode; None without an ordinal (it could not be chosen)."""
    serie = number(data.get("ordinal"))
    if serie is None:
        return None
    preview = obj(data.get("preview")) or {}
    return Episode(
        serie=serie,
        name=_str(data.get("name")) or _str(data.get("name_english")),
        uuid=_str(data.get("id")),
        created_timestamp=timestamp(data.get("updated_at")),
        preview=_image(preview.get("optimized")) or _image(preview),
        skips=Skips(opening=_skip(data.get("opening")), ending=_skip(data.get("ending"))),
        hls=Hls(
            fhd=_str(data.get("hls_1080")),
            hd=_str(data.get("hls_720")),
            sd=_str(data.get("hls_480")),
        ),
    )


def _episodes(value: Any) -> tuple[Episode, ...]:
    parsed = (parse_episode(item) for item in _list(value) if isinstance(item, Mapping))
    return tuple(sorted((e for e in parsed if e is not None), key=lambda e: e.serie))


def _series_of(numbers: Iterable[int | float]) -> Series:
    whole = sorted(int(n) for n in numbers if float(n).is_integer())
    if not whole:
        return Series(None, None, None)
    first, last = whole[0], whole[-1]
    return Series(first, last, str(first) if first == last else f"{first}-{last}")


def _stream_host(episodes: tuple[Episode, ...]) -> str | None:
    """The host of the first absolute HLS link: the player needs a host to try, and v1's links
    already carry theirs (`stream_url` leaves an absolute link as it is)."""
    for episode in episodes:
        for link in (episode.hls.fhd, episode.hls.hd, episode.hls.sd):
            host = urlsplit(link).netloc if link else ""
            if host:
                return host
    return None


def _player(data: Json) -> Player | None:
    """The episodes as v2's player; from `latest_episode` alone when the list is not there."""
    if isinstance(data.get("episodes"), list):
        episodes = _episodes(data.get("episodes"))
    elif obj(data.get("latest_episode")) is not None:
        episodes = _episodes([data["latest_episode"]])
    else:
        return None
    return Player(
        alternative_player=_str(data.get("external_player")),
        host=_stream_host(episodes),
        series=_series_of(e.serie for e in episodes),
        episodes=episodes,
    )


def _torrent_series(description: str | None) -> Series:
    """The episode range a torrent's description starts with ("1-17 + OVA(1-4)" -> 1..17)."""
    match = _RANGE_RE.search(description or "")
    if match is None:
        return Series(None, None, description)
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else first
    return Series(first, last, description)


def _quality(data: Json) -> Quality:
    source = _str(_value(data, "type"))
    lines_text = _str(_value(data, "quality"))
    codec = _str(_value(data, "codec"))
    encoder = _ENCODERS.get(codec or "", codec)
    lines: int | None = None
    if lines_text is not None:
        match = _LINES_RE.match(lines_text)
        lines = int(match.group(1)) if match else _RESOLUTIONS.get(lines_text.lower())
    # v2 wrote "WEBRip 1080p", adding the codec only when it was not plain h264.
    parts = [source, lines_text, encoder.upper() if encoder and encoder != "h264" else None]
    return Quality(
        string=" ".join(p for p in parts if p) or None,
        type=source,
        resolution=lines,
        encoder=encoder,
        lq_audio=None,
    )


def _torrent(data: Json) -> Torrent:
    return Torrent(
        torrent_id=_int(data.get("id")) or 0,
        series=_torrent_series(_str(data.get("description"))),
        quality=_quality(data),
        leechers=_int(data.get("leechers")) or 0,
        seeders=_int(data.get("seeders")) or 0,
        downloads=_int(data.get("completed_times")) or 0,
        total_size=_int(data.get("size")) or 0,
        # Relative to the API root, by id: an ongoing release's torrent keeps its id while its
        # info-hash changes with every new episode, so the id always fetches the newest file.
        url=torrent_file_path(data.get("id")),
        uploaded_timestamp=timestamp(data.get("updated_at")) or timestamp(data.get("created_at")),
        hash=_str(data.get("hash")),
        metadata=None,  # v1 never lists the files inside
        raw_base64_file=None,
    )


def torrent_file_path(torrent_id: Any) -> str | None:
    """`anime/torrents/<id>/file`, the .torrent of a torrent id, relative to the API root."""
    number_id = _int(torrent_id)
    return None if number_id is None else f"anime/torrents/{number_id}/file"


def _torrents(value: Any) -> Torrents | None:
    """A release's torrents, from an array or (as some servers send it) one object."""
    if obj(value) is not None:
        value = [value]
    if not isinstance(value, list):
        return None
    return torrents_of(each(value, _torrent))


def torrents_of(torrents: tuple[Torrent, ...]) -> Torrents:
    """A release's torrents with the episodes they cover together."""
    firsts = [t.series.first for t in torrents if t.series.first is not None]
    lasts = [t.series.last for t in torrents if t.series.last is not None]
    covered = _series_of([*firsts, *lasts])
    return Torrents(series=covered, list=torrents)


class Member(NamedTuple):
    """Someone who worked on a release: `role` is v1's value (voicing, translating, editing,
    decorating, timing, poster, hevc, ...)."""

    id: str | None
    nickname: str
    role: str | None
    role_description: str | None
    user_id: int | None

    @classmethod
    def parse(cls, data: Json) -> Member:
        """Read one v1 release member."""
        return cls(
            id=_str(data.get("id")),
            nickname=_str(data.get("nickname")) or "",
            role=_str(_value(data, "role")),
            role_description=_description(data, "role"),
            user_id=_int((obj(data.get("user")) or {}).get("id")),
        )


def team_of(members: Iterable[Member]) -> Team:
    """v2's `Team` of `members`: the five roles v2 knew (poster and hevc have no place there)."""
    by_role: dict[str, list[str]] = {role: [] for role in _TEAM_ROLES.values()}
    for member in members:
        role = _TEAM_ROLES.get((member.role or "").lower())
        if role is not None and member.nickname and member.nickname not in by_role[role]:
            by_role[role].append(member.nickname)
    return Team(**{role: tuple(names) for role, names in by_role.items()})


# --------------------------------------------------------------------------------------------
# Releases


def _genre_names(value: Any) -> tuple[str, ...]:
    names = (
        _str(item.get("name")) if isinstance(item, Mapping) else _str(item) for item in _list(value)
    )
    return tuple(name for name in names if name)


def _season(data: Json) -> Season | None:
    season_value = _str(_value(data, "season"))
    year = _int(data.get("year"))
    publish_day = _int(_value(data, "publish_day"))
    if season_value is None and year is None and publish_day is None:
        return None
    return Season(
        string=_description(data, "season") or season_value,
        code=_SEASON_CODES.get((season_value or "").lower()),
        year=year,
        # v1 counts Monday as 1, v2 as 0.
        week_day=publish_day - 1 if publish_day is not None and 1 <= publish_day <= 7 else None,
    )


def _status(data: Json) -> Status | None:
    ongoing, in_production = _bool(data.get("is_ongoing")), _bool(data.get("is_in_production"))
    if ongoing is None and in_production is None:
        return None
    return _ONGOING if ongoing or in_production else _FINISHED


def _title_type(data: Json) -> TitleType | None:
    type_value = _str(_value(data, "type"))
    episodes_total = _int(data.get("episodes_total"))
    minutes = _int(data.get("average_duration_of_episode"))
    if type_value is None and episodes_total is None and minutes is None:
        return None
    return TitleType(
        full_string=_description(data, "type") or type_value,
        code=_TYPE_CODES.get((type_value or "").upper()),
        string=type_value,
        series=episodes_total,
        length=minutes,
    )


def _blocked(data: Json) -> Blocked | None:
    geo, copyright = (
        _bool(data.get("is_blocked_by_geo")),
        _bool(data.get("is_blocked_by_copyrights")),
    )
    if geo is None and copyright is None:
        return None
    return Blocked(blocked=bool(geo or copyright), bakanim=bool(copyright))


def parse_release(data: Json) -> Title:
    """A v2 `Title` from a v1 release (any endpoint's; fields left out by `include` are None)."""
    name = obj(data.get("name")) or {}
    members = data.get("members")
    return Title(
        id=_int(data.get("id")) or 0,
        code=_str(data.get("alias")),
        names=Names(
            ru=_str(name.get("main")),
            en=_str(name.get("english")),
            alternative=_str(name.get("alternative")),
        ),
        announce=_str(data.get("notification")),
        status=_status(data),
        posters=_posters(data.get("poster")),
        updated=timestamp(data.get("fresh_at")),
        last_change=timestamp(data.get("updated_at")),
        type=_title_type(data),
        genres=_genre_names(data.get("genres")),
        team=team_of(each(members, Member.parse)) if isinstance(members, list) else None,
        season=_season(data),
        description=_str(data.get("description")),
        in_favorites=_int(data.get("added_in_users_favorites")),
        blocked=_blocked(data),
        player=_player(data),
        torrents=_torrents(data.get("torrents")),
        shikimori_id=_external_id(data.get("shikimori")),
        mal_id=_external_id(data.get("mal")),
    )


def _external_id(value: Any) -> int | None:
    """The id of a release on another site (`shikimori{id, …}`, `mal{id, …}`: optional)."""
    site = obj(value)
    return None if site is None else _int(site.get("id"))


# --------------------------------------------------------------------------------------------
# Paging and v1's own models


class PageInfo(NamedTuple):
    """`meta.pagination` of a paged list; counts are 0 when the server left them out."""

    total: int
    items_on_page: int
    """v1's `count`, renamed: a tuple's `count` method would be shadowed by it."""
    per_page: int
    current_page: int
    total_pages: int

    @property
    def has_next(self) -> bool:
        """Whether a later page exists."""
        return self.current_page < self.total_pages

    @classmethod
    def parse(cls, meta: Any) -> PageInfo:
        """Read from a list's `meta` (its `pagination`, or `meta` itself when flat)."""
        data = obj(meta) or {}
        pagination = obj(data.get("pagination")) or data
        return cls(
            total=_int(pagination.get("total")) or 0,
            items_on_page=_int(pagination.get("count")) or 0,
            per_page=_int(pagination.get("per_page")) or 0,
            current_page=_int(pagination.get("current_page")) or 0,
            total_pages=_int(pagination.get("total_pages")) or 0,
        )


class Paged(NamedTuple, Generic[_T]):
    """One page of a paged list and where it sits."""

    items: tuple[_T, ...]
    page: PageInfo


class AppStatus(NamedTuple):
    """`/app/status`: whether this mirror is alive and what it sees of the caller."""

    is_alive: bool
    available_api_endpoints: tuple[str, ...]
    ip: str | None
    country: str | None
    iso_code: str | None
    timezone: str | None

    @classmethod
    def parse(cls, data: Json) -> AppStatus:
        """Read the status body."""
        request = obj(data.get("request")) or {}
        endpoints = (_str(e) for e in _list(data.get("available_api_endpoints")))
        return cls(
            is_alive=data.get("is_alive") is True,
            available_api_endpoints=tuple(e for e in endpoints if e),
            ip=_str(request.get("ip")),
            country=_str(request.get("country")),
            iso_code=_str(request.get("iso_code")),
            timezone=_str(request.get("timezone")),
        )


class ScheduleEntry(NamedTuple):
    """A release in the schedule with its newest published episode and the next one's number."""

    title: Title
    full_season_is_released: bool | None
    published_episode: Episode | None
    next_episode_number: int | float | None

    def with_episodes_out(self) -> Title:
        """The release, saying how many episodes are out even when the answer left its
        episode list out (as a trimmed schedule does): from the newest published episode,
        else the number of the next one."""
        title = self.title
        if title.player is not None and title.player.series.last is not None:
            return title
        if self.published_episode is not None:
            last = self.published_episode.serie
            episodes: tuple[Episode, ...] = (self.published_episode,)
        elif self.next_episode_number is not None:
            last, episodes = self.next_episode_number - 1, ()
        else:
            return title
        if last < 1:
            return title
        player = Player(
            alternative_player=None,
            host=_stream_host(episodes),
            series=_series_of((1, last)),
            episodes=episodes,
        )
        return title._replace(player=player)

    @classmethod
    def parse(cls, data: Json) -> ScheduleEntry:
        """Read one schedule item (`{release, full_season_is_released, ...}`)."""
        return cls(
            title=parse_release(obj(data.get("release")) or {}),
            full_season_is_released=_bool(data.get("full_season_is_released")),
            published_episode=maybe(data.get("published_release_episode"), parse_episode),
            next_episode_number=number(data.get("next_release_episode_number")),
        )


class ScheduleNow(NamedTuple):
    """`/anime/schedule/now`: the releases of yesterday, today and tomorrow."""

    yesterday: tuple[ScheduleEntry, ...]
    today: tuple[ScheduleEntry, ...]
    tomorrow: tuple[ScheduleEntry, ...]

    @classmethod
    def parse(cls, data: Json) -> ScheduleNow:
        """Read the body (a missing day is empty)."""
        return cls(
            yesterday=each(data.get("yesterday"), ScheduleEntry.parse),
            today=each(data.get("today"), ScheduleEntry.parse),
            tomorrow=each(data.get("tomorrow"), ScheduleEntry.parse),
        )


def schedule_days(entries: Iterable[ScheduleEntry]) -> tuple[ScheduleDay, ...]:
    """v2's schedule (days 0 Monday … 6 Sunday, in order) from v1's entries; a release without
    a weekday cannot be placed and is left out."""
    days: dict[int, list[Title]] = {}
    for entry in entries:
        season = entry.title.season
        if season is not None and season.week_day is not None:
            days.setdefault(season.week_day, []).append(entry.with_episodes_out())
    return tuple(ScheduleDay(day, tuple(days[day])) for day in sorted(days))


class ReleaseEpisode(NamedTuple):
    """`/anime/releases/episodes/{uuid}`: one episode and the release it belongs to."""

    episode: Episode
    title: Title | None


class ReleaseTorrent(NamedTuple):
    """A torrent as v1 lists it: the domain `Torrent` plus what v1 adds, and its release."""

    torrent: Torrent
    label: str | None
    magnet: str | None
    filename: str | None
    is_hardsub: bool | None
    title: Title | None
    """The release, when the answer carried it (lists and single torrents do)."""

    @classmethod
    def parse(cls, data: Json) -> ReleaseTorrent:
        """Read one v1 torrent."""
        return cls(
            torrent=_torrent(data),
            label=_str(data.get("label")),
            magnet=_str(data.get("magnet")),
            filename=_str(data.get("filename")),
            is_hardsub=_bool(data.get("is_hardsub")),
            title=maybe(data.get("release"), parse_release),
        )


class Genre(NamedTuple):
    """A genre: v1 filters the catalog by `id`."""

    id: int
    name: str
    image: str | None
    total_releases: int | None

    @classmethod
    def parse(cls, data: Json) -> Genre:
        """Read one genre (a catalog reference or `/anime/genres` entry)."""
        return cls(
            id=_int(data.get("id")) or 0,
            name=_str(data.get("name")) or "",
            image=_image(data.get("image")),
            total_releases=_int(data.get("total_releases")),
        )


class ReferenceValue(NamedTuple):
    """One value a catalog filter takes (a type, season, sorting, age rating, status)."""

    value: str
    label: str | None
    description: str | None

    @classmethod
    def parse(cls, data: Json) -> ReferenceValue:
        """Read one reference entry."""
        raw = data.get("value")
        return cls(
            value=str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else "",
            label=_str(data.get("label")),
            description=_str(data.get("description")),
        )


class FranchiseRelease(NamedTuple):
    """A release's place in a franchise."""

    sort_order: int | None
    release_id: int
    title: Title | None

    @classmethod
    def parse(cls, data: Json) -> FranchiseRelease:
        """Read one `franchise_releases` entry."""
        title = maybe(data.get("release"), parse_release)
        release_id = _int(data.get("release_id")) or (title.id if title else 0)
        return cls(_int(data.get("sort_order")), release_id, title)


class Franchise(NamedTuple):
    """A franchise; `releases` in watching order when the answer listed them."""

    id: str
    name: str | None
    name_english: str | None
    image: str | None
    rating: float | None
    first_year: int | None
    last_year: int | None
    total_releases: int | None
    total_episodes: int | None
    total_duration_seconds: int | None
    releases: tuple[FranchiseRelease, ...]

    @classmethod
    def parse(cls, data: Json) -> Franchise:
        """Read one franchise (with or without `franchise_releases`)."""
        rating = number(data.get("rating"))
        releases = each(data.get("franchise_releases"), FranchiseRelease.parse)
        return cls(
            id=_str(data.get("id")) or str(_int(data.get("id")) or ""),
            name=_str(data.get("name")),
            name_english=_str(data.get("name_english")),
            image=_image(data.get("image")),
            rating=None if rating is None else float(rating),
            first_year=_int(data.get("first_year")),
            last_year=_int(data.get("last_year")),
            total_releases=_int(data.get("total_releases")),
            total_episodes=_int(data.get("total_episodes")),
            total_duration_seconds=_int(data.get("total_duration_in_seconds")),
            releases=tuple(
                sorted(releases, key=lambda r: (r.sort_order is None, r.sort_order or 0))
            ),
        )


class Otp(NamedTuple):
    """A login code (`/accounts/otp/get`): the user confirms `code` on the site while the app
    polls `otp_login`; it is good for `remaining_time` seconds."""

    code: str
    device_id: str
    user_id: int | None
    expires_at: int | None
    """Unix seconds."""
    remaining_time: int | None
    """Seconds the code stays valid, counted from the answer."""

    @classmethod
    def parse(cls, data: Json, device_id: str) -> Otp:
        """Read the body; `device_id` is the one asked with (when the answer omits it)."""
        otp = obj(data.get("otp")) or {}
        code = otp.get("code")
        return cls(
            code=str(code) if isinstance(code, str | int) and not isinstance(code, bool) else "",
            device_id=_str(otp.get("device_id")) or device_id,
            user_id=_int(otp.get("user_id")),
            expires_at=timestamp(otp.get("expired_at")),
            remaining_time=_int(data.get("remaining_time")),
        )


class Profile(NamedTuple):
    """The logged-in user. `passkey` is a secret (the client registers it for redaction)."""

    id: int
    login: str | None
    email: str | None
    nickname: str | None
    avatar: str | None
    passkey: str | None
    uploaded: int | None
    downloaded: int | None
    is_banned: bool | None
    created_at: int | None

    @classmethod
    def parse(cls, data: Json) -> Profile:
        """Read `/accounts/users/me/profile`."""
        torrents = obj(data.get("torrents")) or {}
        return cls(
            id=_int(data.get("id")) or 0,
            login=_str(data.get("login")),
            email=_str(data.get("email")),
            nickname=_str(data.get("nickname")),
            avatar=_image(data.get("avatar")),
            passkey=_str(torrents.get("passkey")),
            uploaded=_int(torrents.get("uploaded")),
            downloaded=_int(torrents.get("downloaded")),
            is_banned=_bool(data.get("is_banned")),
            created_at=timestamp(data.get("created_at")),
        )


class CollectionEntry(NamedTuple):
    """A release in one of the user's collections."""

    release_id: int
    collection: str
    """One of `COLLECTION_TYPES` (a newer server may add others)."""


class Timecode(NamedTuple):
    """Watch progress of one episode (by its uuid): seconds reached, and whether watched.

    The API keeps no modification times: sync by merging against the last synced state.
    """

    episode_uuid: str
    seconds: float
    is_watched: bool


def _tuples(body: Any, size: int) -> list[list[Any]]:
    """The `[a, b, ...]` rows of a body: `[[...], ...]` as clients read it, or that list nested
    once more (`[[[...], ...]]`) as the OpenAPI file describes it."""
    rows = _list(body)
    if rows and all(isinstance(row, list) and row and isinstance(row[0], list) for row in rows):
        rows = [inner for row in rows for inner in row]
    return [row for row in rows if isinstance(row, list) and len(row) >= size]


def parse_collection_ids(body: Any) -> tuple[CollectionEntry, ...]:
    """`[[release_id, "WATCHING"], ...]` (also nested once more, or as objects)."""
    entries: list[CollectionEntry] = []
    rows: list[Any] = _tuples(body, 2)
    rows += [[i.get("release_id"), i.get("type_of_collection")] for i in _objects(body)]
    for row in rows:
        release_id, collection = _int(row[0]), _str(row[1])
        if release_id is not None and collection:
            entries.append(CollectionEntry(release_id, collection))
    return tuple(entries)


def parse_timecodes(body: Any) -> tuple[Timecode, ...]:
    """`[[episode_uuid, seconds, is_watched], ...]` (also nested once more, or as objects)."""
    codes: list[Timecode] = []
    rows: list[Any] = _tuples(body, 3)
    rows += [
        [i.get("release_episode_id"), i.get("time"), i.get("is_watched")] for i in _objects(body)
    ]
    for row in rows:
        uuid, seconds = _str(row[0]), number(row[1])
        if uuid and seconds is not None:
            codes.append(Timecode(uuid, float(seconds), row[2] is True))
    return tuple(codes)


def _objects(body: Any) -> list[Json]:
    return [item for item in _list(body) if isinstance(item, Mapping)]


def parse_ids(body: Any) -> tuple[int, ...]:
    """A list of release ids (`[9023, 9024]`); anything that is no id is skipped."""
    ids = (_int(item) for item in expect_list(body, "the id list"))
    return tuple(i for i in ids if i is not None)


# --------------------------------------------------------------------------------------------
# Top-level bodies


def expect_object(body: Any, what: str) -> Json:
    """`body` when it is a JSON object, else `BadResponseError` naming `what`."""
    if not isinstance(body, Mapping):
        raise BadResponseError(f"{API}: {what} was not a JSON object", api=API)
    return body


def expect_list(body: Any, what: str) -> list[Any]:
    """`body` when it is a JSON array, else `BadResponseError` naming `what`."""
    if not isinstance(body, list):
        raise BadResponseError(f"{API}: {what} was not a JSON array", api=API)
    return body


def data_list(body: Any, what: str) -> list[Any]:
    """The items of a list answer: a bare array, or an array under `data`."""
    if isinstance(body, Mapping) and isinstance(body.get("data"), list):
        return list(body["data"])
    return expect_list(body, what)


def one_object(body: Any, what: str) -> Json:
    """A single-object answer: the object, an array of one (the OpenAPI file types a release so),
    or either under `data`."""
    if isinstance(body, Mapping) and obj(body.get("data")) is not None and "id" not in body:
        body = body["data"]
    if isinstance(body, list) and len(body) == 1 and isinstance(body[0], Mapping):
        body = body[0]
    return expect_object(body, what)


def paged(body: Any, parse: Callable[[Json], _T], what: str) -> Paged[_T]:
    """A paged list (`{data: [...], meta: {pagination: {...}}}`); a bare array is one page."""
    items = each(data_list(body, what), parse)
    meta = body.get("meta") if isinstance(body, Mapping) else None
    page = PageInfo.parse(meta)
    if meta is None:
        page = PageInfo(len(items), len(items), len(items), 1, 1)
    return Paged(items, page)


def parse_release_episode(body: Any) -> ReleaseEpisode:
    """`/anime/releases/episodes/{uuid}`."""
    data = one_object(body, "the episode")
    episode = parse_episode(data)
    if episode is None:
        raise BadResponseError(f"{API}: the episode had no number", api=API)
    return ReleaseEpisode(episode, maybe(data.get("release"), parse_release))


def parse_video(data: Json) -> YouTubeVideo:
    """v2's `YouTubeVideo` from a `/media/videos` entry."""
    video_id = _str(data.get("video_id"))
    url = _str(data.get("url"))
    if video_id is None and url is not None:
        match = re.search(r"(?:v=|youtu\.be/)([\w-]{6,})", url)
        video_id = match.group(1) if match else None
    return YouTubeVideo(
        id=_int(data.get("id")) or 0,
        title=_str(data.get("title")),
        image=_image(data.get("image")),
        youtube_id=video_id,
        timestamp=timestamp(data.get("created_at")),
    )


def merge_feed(titles: Iterable[Title], videos: Iterable[YouTubeVideo]) -> tuple[FeedItem, ...]:
    """v2's feed from v1's latest releases and videos, newest first (a release by `fresh_at`)."""
    items = [(t.updated or 0, FeedItem(t, None)) for t in titles]
    items += [(v.timestamp or 0, FeedItem(None, v)) for v in videos]
    items.sort(key=lambda pair: pair[0], reverse=True)
    return tuple(item for _, item in items)
