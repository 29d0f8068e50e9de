"""Typed AniLibria v2 objects, parsed by hand from the JSON the API returns.

The parser is tolerant on purpose. Both documented generations are accepted (v2.13.1 sent
`quality.resolution: 1080`, `type.length: "25 мин"`, `lq_audio: false`; v2.13.15 sends
`"1080p"`, `25`, `null`). A missing field, a field removed by `filter`, or a field of the wrong
type becomes None for scalars and objects and () for arrays — except a few sub-objects that are
always present with empty fields (`Title.names`, `Player.series`, ...), noted on each class.
Unknown keys are ignored. Only a top-level body of the wrong kind (a list where a title was
expected, ...) raises `BadResponseError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

from app.sources.errors import BadResponseError
from app.sources.fields import boolean as _bool
from app.sources.fields import each as _each
from app.sources.fields import integer as _int
from app.sources.fields import maybe as _maybe
from app.sources.fields import number as _number
from app.sources.fields import obj as _obj
from app.sources.fields import string as _str
from app.sources.http import Fetched

__all__ = [
    "Blocked",
    "Episode",
    "FeedItem",
    "Fetched",
    "Hls",
    "Names",
    "Player",
    "Poster",
    "Posters",
    "Quality",
    "ScheduleDay",
    "Season",
    "SeedStat",
    "Series",
    "Skips",
    "Status",
    "Team",
    "Title",
    "TitleType",
    "Torrent",
    "TorrentFile",
    "TorrentMetadata",
    "Torrents",
    "YouTubeVideo",
    "parse_caching_nodes",
    "parse_feed",
    "parse_genres",
    "parse_schedule",
    "parse_seed_stats",
    "parse_team_response",
    "parse_title",
    "parse_titles",
    "parse_years",
    "parse_youtube",
]

API = "AniLibria"

_M = TypeVar("_M")
_Json = Mapping[str, Any]

# --------------------------------------------------------------------------------------------
# Field readers: each turns whatever came into the declared type, or None / 0 / ().


def _count(value: Any) -> int:
    """A number the spec says is 0 when unknown."""
    return _int(value) or 0


def _leading_int(value: Any, pattern: re.Pattern[str]) -> int | None:
    if isinstance(value, str):
        match = pattern.match(value)
        return int(match.group(1)) if match else None
    return _int(value)


_MINUTES_RE = re.compile(r"\s*(\d+)")  # "25 мин", "25 мин.", "25"
_RESOLUTION_RE = re.compile(r"\s*(\d+)\s*[pP]?\s*$")  # "1080p", "1080"


def _strs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def _floats(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        float(item)
        for item in value
        if isinstance(item, int | float) and not isinstance(item, bool)
    )


def _always(value: Any, parse: Callable[[_Json], _M]) -> _M:
    return parse(_obj(value) or {})


# --------------------------------------------------------------------------------------------
# Objects


class Names(NamedTuple):
    """The title's names; all None when absent."""

    ru: str | None
    en: str | None
    alternative: str | None

    @classmethod
    def parse(cls, data: _Json) -> Names:
        """Read from the API's `names` object."""
        return cls(_str(data.get("ru")), _str(data.get("en")), _str(data.get("alternative")))


class Poster(NamedTuple):
    """One poster size: a URL relative to the site, and the image when `include=raw_poster`."""

    url: str | None
    raw_base64_file: str | None

    @classmethod
    def parse(cls, data: _Json) -> Poster:
        """Read from one size of the API's `posters` object."""
        return cls(_str(data.get("url")), _str(data.get("raw_base64_file")))


class Posters(NamedTuple):
    """The three poster sizes; a missing size is a Poster with no URL."""

    small: Poster
    medium: Poster
    original: Poster

    @classmethod
    def parse(cls, data: _Json) -> Posters:
        """Read from the API's `posters` object."""
        return cls(
            _always(data.get("small"), Poster.parse),
            _always(data.get("medium"), Poster.parse),
            _always(data.get("original"), Poster.parse),
        )


class Status(NamedTuple):
    """Release status; code 1 ongoing, 2 finished, 3 hidden, 4 not ongoing."""

    string: str | None
    code: int | None

    @classmethod
    def parse(cls, data: _Json) -> Status:
        """Read from the API's `status` object."""
        return cls(_str(data.get("string")), _int(data.get("code")))


class TitleType(NamedTuple):
    """Kind of release (code 0 movie, 1 TV, 2 OVA, 3 ONA, 4 special) and episode length."""

    full_string: str | None
    code: int | None
    string: str | None
    series: int | None
    """Expected number of episodes."""
    length: int | None
    """Minutes per episode (v2.13.1 sent "25 мин", v2.13.15 sends 25)."""

    @classmethod
    def parse(cls, data: _Json) -> TitleType:
        """Read from the API's `type` object."""
        return cls(
            _str(data.get("full_string")),
            _int(data.get("code")),
            _str(data.get("string")),
            _int(data.get("series")),
            _leading_int(data.get("length"), _MINUTES_RE),
        )


class Team(NamedTuple):
    """Nicknames of the people who worked on a title (or, from getTeam, on the project)."""

    voice: tuple[str, ...]
    translator: tuple[str, ...]
    editing: tuple[str, ...]
    decor: tuple[str, ...]
    timing: tuple[str, ...]

    @classmethod
    def parse(cls, data: _Json) -> Team:
        """Read from the API's `team` object."""
        return cls(
            _strs(data.get("voice")),
            _strs(data.get("translator")),
            _strs(data.get("editing")),
            _strs(data.get("decor")),
            _strs(data.get("timing")),
        )


class Season(NamedTuple):
    """Season (code 1 winter … 4 autumn), year, and the weekday new episodes come out."""

    string: str | None
    code: int | None
    year: int | None
    week_day: int | None
    """0 is Monday, 6 is Sunday."""

    @classmethod
    def parse(cls, data: _Json) -> Season:
        """Read from the API's `season` object."""
        return cls(
            _str(data.get("string")),
            _int(data.get("code")),
            _int(data.get("year")),
            _int(data.get("week_day")),
        )


class Blocked(NamedTuple):
    """Whether the title is blocked (in Russia / after a Wakanim complaint); False if unknown."""

    blocked: bool
    bakanim: bool

    @classmethod
    def parse(cls, data: _Json) -> Blocked:
        """Read from the API's `blocked` object."""
        return cls(data.get("blocked") is True, data.get("bakanim") is True)


class Series(NamedTuple):
    """A range of episodes: first, last, and as text ("1-24")."""

    first: int | None
    last: int | None
    string: str | None

    @classmethod
    def parse(cls, data: _Json) -> Series:
        """Read from a `series` object."""
        return cls(_int(data.get("first")), _int(data.get("last")), _str(data.get("string")))


class Skips(NamedTuple):
    """Opening and ending ranges to skip, in seconds ([start, end] when present)."""

    opening: tuple[float, ...]
    ending: tuple[float, ...]

    @classmethod
    def parse(cls, data: _Json) -> Skips:
        """Read from an episode's `skips` object."""
        return cls(_floats(data.get("opening")), _floats(data.get("ending")))


class Hls(NamedTuple):
    """Stream paths (without host) per quality: 1080p, 720p, 480p."""

    fhd: str | None
    hd: str | None
    sd: str | None

    @classmethod
    def parse(cls, data: _Json) -> Hls:
        """Read from an episode's `hls` object."""
        return cls(_str(data.get("fhd")), _str(data.get("hd")), _str(data.get("sd")))


class Episode(NamedTuple):
    """One episode of the online player."""

    serie: int | float
    """The episode number; a float for in-between releases such as 12.5."""
    name: str | None
    uuid: str | None
    created_timestamp: int | None
    preview: str | None
    skips: Skips
    hls: Hls

    @classmethod
    def parse(cls, data: _Json, serie: int | float) -> Episode:
        """Read from one playlist entry whose number is already known."""
        return cls(
            serie=serie,
            name=_str(data.get("name")),
            uuid=_str(data.get("uuid")),
            created_timestamp=_int(data.get("created_timestamp")),
            preview=_str(data.get("preview")),
            skips=_always(data.get("skips"), Skips.parse),
            hls=_always(data.get("hls"), Hls.parse),
        )


def _episodes(playlist: Any) -> tuple[Episode, ...]:
    """Episodes from `playlist_type=object` ({"1": {...}}) or `array` ([{...}]), by number."""
    entries: list[tuple[int | float | None, Any]]
    if isinstance(playlist, Mapping):
        entries = [(_number(key), value) for key, value in playlist.items()]
    elif isinstance(playlist, list):
        entries = [(None, value) for value in playlist]
    else:
        return ()
    episodes = []
    for key_number, value in entries:
        if not isinstance(value, Mapping):
            continue
        serie = _number(value.get("serie"))
        if serie is None:
            serie = key_number
        # An episode without any number cannot be ordered or chosen: leave it out.
        if serie is not None:
            episodes.append(Episode.parse(value, serie))
    return tuple(sorted(episodes, key=lambda episode: episode.serie))


class Player(NamedTuple):
    """The online player: stream host, episode range and the episodes, sorted by number."""

    alternative_player: str | None
    host: str | None
    """Host name to build stream URLs with (see `AniLibriaClient.stream_url`)."""
    series: Series
    episodes: tuple[Episode, ...]

    @classmethod
    def parse(cls, data: _Json) -> Player:
        """Read from the API's `player` object (either playlist type)."""
        return cls(
            alternative_player=_str(data.get("alternative_player")),
            host=_str(data.get("host")),
            series=_always(data.get("series"), Series.parse),
            episodes=_episodes(data.get("playlist")),
        )


class Quality(NamedTuple):
    """A torrent's video quality ("WEBRip 1080p", h264, ...)."""

    string: str | None
    type: str | None
    resolution: int | None
    """Lines, e.g. 1080 (v2.13.1 sent 1080, v2.13.15 sends "1080p")."""
    encoder: str | None
    lq_audio: bool | None

    @classmethod
    def parse(cls, data: _Json) -> Quality:
        """Read from a torrent's `quality` object."""
        return cls(
            _str(data.get("string")),
            _str(data.get("type")),
            _leading_int(data.get("resolution"), _RESOLUTION_RE),
            _str(data.get("encoder")),
            _bool(data.get("lq_audio")),
        )


class TorrentFile(NamedTuple):
    """One file inside a torrent (from `include=torrent_meta`)."""

    file: str
    size: int
    offset: int

    @classmethod
    def parse(cls, data: _Json) -> TorrentFile:
        """Read from one `files_list` entry."""
        return cls(
            _str(data.get("file")) or "", _count(data.get("size")), _count(data.get("offset"))
        )


class TorrentMetadata(NamedTuple):
    """What the .torrent file says (from `include=torrent_meta`).

    `announce` URLs can carry a tracker passkey: pass them through `redact` before showing them.
    """

    hash: str | None
    name: str | None
    announce: tuple[str, ...]
    created_timestamp: int | None
    files_list: tuple[TorrentFile, ...]

    @classmethod
    def parse(cls, data: _Json) -> TorrentMetadata:
        """Read from a torrent's `metadata` object."""
        return cls(
            _str(data.get("hash")),
            _str(data.get("name")),
            _strs(data.get("announce")),
            _int(data.get("created_timestamp")),
            _each(data.get("files_list"), TorrentFile.parse),
        )


class Torrent(NamedTuple):
    """One torrent of a title; counts are 0 when unknown."""

    torrent_id: int
    series: Series
    quality: Quality
    leechers: int
    seeders: int
    downloads: int
    total_size: int
    url: str | None
    """The .torrent file's path on the site (see `AniLibriaClient.torrent_file`)."""
    uploaded_timestamp: int | None
    hash: str | None
    metadata: TorrentMetadata | None
    raw_base64_file: str | None

    @classmethod
    def parse(cls, data: _Json) -> Torrent:
        """Read from one entry of `torrents.list`."""
        return cls(
            torrent_id=_count(data.get("torrent_id")),
            series=_always(data.get("series"), Series.parse),
            quality=_always(data.get("quality"), Quality.parse),
            leechers=_count(data.get("leechers")),
            seeders=_count(data.get("seeders")),
            downloads=_count(data.get("downloads")),
            total_size=_count(data.get("total_size")),
            url=_str(data.get("url")),
            uploaded_timestamp=_int(data.get("uploaded_timestamp")),
            hash=_str(data.get("hash")),
            metadata=_maybe(data.get("metadata"), TorrentMetadata.parse),
            raw_base64_file=_str(data.get("raw_base64_file")),
        )


class Torrents(NamedTuple):
    """A title's torrents and the episode range they cover together."""

    series: Series
    list: tuple[Torrent, ...]

    @classmethod
    def parse(cls, data: _Json) -> Torrents:
        """Read from the API's `torrents` object."""
        return cls(
            _always(data.get("series"), Series.parse), _each(data.get("list"), Torrent.parse)
        )


class Title(NamedTuple):
    """A release (anime title) as getTitle returns it; `id` is 0 when filtered out."""

    id: int
    code: str | None
    names: Names
    announce: str | None
    status: Status | None
    posters: Posters | None
    updated: int | None
    last_change: int | None
    type: TitleType | None
    genres: tuple[str, ...]
    team: Team | None
    season: Season | None
    description: str | None
    """Plain text, or HTML as given when asked with `description_type=html`."""
    in_favorites: int | None
    blocked: Blocked | None
    player: Player | None
    torrents: Torrents | None
    shikimori_id: int | None = None
    """The title on Shikimori, where the source says (AniLiberty v1's newer schema; v2 never)."""
    mal_id: int | None = None
    """The title on MyAnimeList, where the source says (as `shikimori_id`)."""

    @property
    def display_name(self) -> str:
        """The name to show: Russian, else English, else the code, else "#id"."""
        return self.names.ru or self.names.en or self.code or f"#{self.id}"

    @classmethod
    def parse(cls, data: _Json) -> Title:
        """Read from one title object (getTitle, an element of getTitles, ...)."""
        return cls(
            id=_count(data.get("id")),
            code=_str(data.get("code")),
            names=_always(data.get("names"), Names.parse),
            announce=_str(data.get("announce")),
            status=_maybe(data.get("status"), Status.parse),
            posters=_maybe(data.get("posters"), Posters.parse),
            updated=_int(data.get("updated")),
            last_change=_int(data.get("last_change")),
            type=_maybe(data.get("type"), TitleType.parse),
            genres=_strs(data.get("genres")),
            team=_maybe(data.get("team"), Team.parse),
            season=_maybe(data.get("season"), Season.parse),
            description=_str(data.get("description")),
            in_favorites=_int(data.get("in_favorites")),
            blocked=_maybe(data.get("blocked"), Blocked.parse),
            player=_maybe(data.get("player"), Player.parse),
            torrents=_maybe(data.get("torrents"), Torrents.parse),
        )


class ScheduleDay(NamedTuple):
    """The titles whose new episodes come out on `day` (0 Monday … 6 Sunday)."""

    day: int
    titles: tuple[Title, ...]

    @classmethod
    def parse(cls, data: _Json) -> ScheduleDay:
        """Read from one getSchedule entry ({"day": 5, "list": [...]})."""
        return cls(_count(data.get("day")), _each(data.get("list"), Title.parse))


class YouTubeVideo(NamedTuple):
    """A video on AniLibria's YouTube channels."""

    id: int
    title: str | None
    image: str | None
    youtube_id: str | None
    """Watch at https://youtu.be/{youtube_id}."""
    timestamp: int | None

    @classmethod
    def parse(cls, data: _Json) -> YouTubeVideo:
        """Read from one getYouTube entry."""
        return cls(
            _count(data.get("id")),
            _str(data.get("title")),
            _str(data.get("image")),
            _str(data.get("youtube_id")),
            _int(data.get("timestamp")),
        )


class FeedItem(NamedTuple):
    """One getFeed entry: a title update or a YouTube video (exactly one is set normally)."""

    title: Title | None
    youtube: YouTubeVideo | None

    @classmethod
    def parse(cls, data: _Json) -> FeedItem:
        """Read from one getFeed entry."""
        return cls(
            _maybe(data.get("title"), Title.parse), _maybe(data.get("youtube"), YouTubeVideo.parse)
        )


class GenreRank(NamedTuple):
    """A genre in a popularity list: v2 ranks genres by rating and gives no count; v1 has no
    rating, so its list is ranked by `releases`, the number of releases of the genre."""

    name: str
    releases: int | None


class SeedStat(NamedTuple):
    """A tracker user's totals, in bytes."""

    user: str
    downloaded: int
    uploaded: int

    @classmethod
    def parse(cls, data: _Json) -> SeedStat:
        """Read from one getSeedStats entry."""
        return cls(
            _str(data.get("user")) or "",
            _count(data.get("downloaded")),
            _count(data.get("uploaded")),
        )


# --------------------------------------------------------------------------------------------
# Top-level bodies


def _expect_object(body: Any, what: str) -> _Json:
    if not isinstance(body, Mapping):
        raise BadResponseError(f"{API}: {what} was not a JSON object", api=API)
    return body


def _expect_list(body: Any, what: str) -> list[Any]:
    if not isinstance(body, list):
        raise BadResponseError(f"{API}: {what} was not a JSON array", api=API)
    return body


def parse_title(body: Any) -> Title:
    """A getTitle / getRandomTitle body."""
    return Title.parse(_expect_object(body, "the title"))


def parse_titles(body: Any) -> tuple[Title, ...]:
    """A list of titles: getTitles, getUpdates, getChanges, searchTitles, getFavorites, ..."""
    return _each(_expect_list(body, "the title list"), Title.parse)


def parse_schedule(body: Any) -> tuple[ScheduleDay, ...]:
    """A getSchedule body, in the order the API sent the days."""
    return _each(_expect_list(body, "the schedule"), ScheduleDay.parse)


def parse_youtube(body: Any) -> tuple[YouTubeVideo, ...]:
    """A getYouTube body."""
    return _each(_expect_list(body, "the video list"), YouTubeVideo.parse)


def parse_feed(body: Any) -> tuple[FeedItem, ...]:
    """A getFeed body."""
    return _each(_expect_list(body, "the feed"), FeedItem.parse)


def parse_years(body: Any) -> tuple[int, ...]:
    """A getYears body; entries that are not years are skipped."""
    years = (_int(item) for item in _expect_list(body, "the year list"))
    return tuple(year for year in years if year is not None)


def parse_genres(body: Any) -> tuple[str, ...]:
    """A getGenres body."""
    return _strs(_expect_list(body, "the genre list"))


def parse_caching_nodes(body: Any) -> tuple[str, ...]:
    """A getCachingNodes body: host names, least loaded first."""
    return _strs(_expect_list(body, "the caching node list"))


def parse_team_response(body: Any) -> Team:
    """A getTeam body ({"team": {...}})."""
    return _always(_expect_object(body, "the team").get("team"), Team.parse)


def parse_seed_stats(body: Any) -> tuple[SeedStat, ...]:
    """A getSeedStats body."""
    return _each(_expect_list(body, "the seed statistics"), SeedStat.parse)
