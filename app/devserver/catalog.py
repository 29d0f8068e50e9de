"""The data the devserver serves: titles, YouTube entries, team, seed stats and accounts.

Titles are plain dicts in the exact shape of an AniLibria v2.13.15 `getTitle` answer, so a test
can add one (`Catalog.add_title`) or change one in place and the server serves it verbatim. Two
placeholders are resolved when a response is built, because the port is only known then:
`player.host` equal to `LOCAL_HOST` becomes the server's `host:port`, and a YouTube `image`
starting with `LOCAL_HOST` gets the server's origin instead.

Every torrent is real and deterministic: each file is the demo clip of the torrent's quality,
padded to a size that derives from (title id, torrent id, episode) (`app.devserver.demo_media`:
mpv plays it), so `torrent_payload()` can feed a local seeder and the `hash` served in the JSON
is the v1 info-hash of the `.torrent` file the server hands out.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import json
import random
import re
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.devserver.demo_media import PIECE_LENGTH as PIECE_LENGTH
from app.devserver.demo_media import VideoFile, VideoTorrent, clip_height, video_size

# Re-exported: the servers and tests find the demo assets through the catalog.
from app.devserver.demo_media import assets_dir as assets_dir

Title = dict[str, Any]

LOCAL_HOST = "@local"
"""Placeholder for the devserver's own `host:port` in `player.host` and YouTube `image` URLs."""

DEMO_NOW = 1795392000
"""2026-11-23 00:00 UTC (a Monday): the demo catalog's "today"."""

QUALITY_HEIGHTS = ("1080", "720", "480")
"""HLS qualities, in the order of `hls.fhd`, `hls.hd`, `hls.sd`."""

_UNSAFE_PATH_CHARS = re.compile(r"[/\\\x00-\x1f\x7f]")
_PLANNED = re.compile(r"\(\d+ эп\.\)")


def token(*parts: object, length: int = 16) -> str:
    """A deterministic alphanumeric token, like the random-looking names of AniLibria's files."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return base64.b64encode(digest, altchars=b"xZ").decode()[:length]


def hex_token(*parts: object) -> str:
    """A deterministic 32-hex-digit token (the shape of the HLS playlist names)."""
    return hashlib.md5(":".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def poster_url(title_id: int) -> str:
    """The site-relative URL of a title's poster."""
    return f"/storage/releases/posters/{title_id}/{token('poster', title_id)}.jpg"


def preview_url(title_id: int, episode: int) -> str:
    """The site-relative URL of an episode's preview image."""
    name = token("preview", title_id, episode)
    return f"/storage/releases/episodes/previews/{title_id}/{episode}/{name}.jpg"


def hls_paths(title_id: int, episode: int) -> dict[str, str]:
    """The `hls` object of a playlist item: fhd/hd/sd paths served by the devserver."""
    paths = {}
    for key, height in zip(("fhd", "hd", "sd"), QUALITY_HEIGHTS, strict=True):
        name = hex_token("hls", title_id, episode, height)
        paths[key] = f"/videos/media/ts/{title_id}/{episode}/{height}/{name}.m3u8"
    return paths


def series_object(first: int | None, last: int | None) -> dict[str, Any]:
    """A `series` object; `string` is "1-12", "1" for a single episode, or null when empty."""
    if first is None or last is None:
        return {"first": None, "last": None, "string": None}
    return {
        "first": first,
        "last": last,
        "string": str(first) if first == last else f"{first}-{last}",
    }


@dataclass(frozen=True)
class Account:
    """A site account that `/public/login.php` accepts by login or e-mail."""

    login: str
    email: str
    password: str


@dataclass(frozen=True)
class TorrentLayout:
    """What a generated torrent holds: a folder `name` with `files` as (file name, size), each
    the demo clip of quality `height` ("1080", "720", "480")."""

    torrent_id: int
    title_id: int
    name: str
    files: tuple[tuple[str, int], ...]
    created: int
    height: str

    def video(self) -> VideoTorrent:
        """The torrent's files as demo videos (info dict, info-hash, payload)."""
        return VideoTorrent(
            self.name, tuple(VideoFile(file, self.height, size) for file, size in self.files)
        )

    @property
    def total_size(self) -> int:
        """Sum of the file sizes in bytes."""
        return sum(size for _, size in self.files)


@dataclass
class Catalog:
    """Everything the AniLibria devserver answers from; mutable, so tests can add titles.

    `titles` holds full title dicts in spec shape (see `add_title`); `youtube` the entries of
    getYouTube; `team` the getTeam lists; `seed_stats` the getSeedStats rows; `accounts` the
    logins the site accepts.
    """

    titles: list[Title] = field(default_factory=list)
    youtube: list[dict[str, Any]] = field(default_factory=list)
    team: dict[str, list[str]] = field(default_factory=dict)
    seed_stats: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    _layouts: dict[int, TorrentLayout] = field(default_factory=dict, init=False, repr=False)
    _built: dict[int, VideoTorrent] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def demo(cls) -> Catalog:
        """A fresh copy of the committed demo catalog (`assets/demo/catalog.json`)."""
        return cls.from_json(copy.deepcopy(_demo_data()))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Catalog:
        """Build a catalog from the layout of `catalog.json`; titles are taken as they are."""
        return cls(
            titles=list(data.get("titles", [])),
            youtube=list(data.get("youtube", [])),
            team={k: list(v) for k, v in data.get("team", {}).items()},
            seed_stats=list(data.get("seed_stats", [])),
            accounts=[Account(**a) for a in data.get("accounts", [])],
        )

    def to_json(self) -> dict[str, Any]:
        """The inverse of `from_json`."""
        return {
            "titles": self.titles,
            "youtube": self.youtube,
            "team": self.team,
            "seed_stats": self.seed_stats,
            "accounts": [a.__dict__ for a in self.accounts],
        }

    @classmethod
    def bulk(cls, n: int, seed: int = 0) -> Catalog:
        """`n` generated titles (deterministic for a seed) for benchmarks such as paging.

        Each has one torrent of demo videos and a playlist pointing at the shared demo clips.
        """
        catalog = cls()
        catalog.accounts = [Account("demo", "demo@anitui.invalid", "demo-password")]
        rng = random.Random(seed)
        for index in range(n):
            catalog.add_title(_bulk_title(rng, index))
        catalog.team = _team_of(catalog.titles)
        return catalog

    def add_title(self, title: Title) -> None:
        """Add a title dict in spec shape (kept by reference: later changes are served).

        `hash` and `total_size` of each torrent are set (in place) from the generated payload,
        so the `.torrent` the server hands out always matches them.
        """
        self.titles.append(title)
        for entry in _torrent_entries(title):
            self._index_torrent(title, entry)

    def latest_timestamp(self) -> int:
        """The newest timestamp the catalog holds: a title's `updated`/`last_change`, an
        episode's `created_timestamp`, a torrent's `uploaded_timestamp`, a video's `timestamp`."""
        stamps = [int(y.get("timestamp") or 0) for y in self.youtube]
        for title in self.titles:
            stamps += [int(title.get("updated") or 0), int(title.get("last_change") or 0)]
            stamps += [int(e.get("created_timestamp") or 0) for e in _playlist(title).values()]
            stamps += [int(e.get("uploaded_timestamp") or 0) for e in _torrent_entries(title)]
        return max(stamps, default=0)

    def fresh_timestamp(self, now: float | None = None) -> int:
        """The time of a change made now: the wall clock, but strictly after every timestamp the
        catalog holds (the demo catalog's "today" lies ahead of the real one), so `since`
        queries always find it."""
        wall = int(time.time() if now is None else now)
        return max(wall, self.latest_timestamp() + 1)

    def add_episode(self, title_id: int, timestamp: int) -> dict[str, Any]:
        """Release the title's next episode at `timestamp`; returns its playlist item.

        The item has the shape of the built ones (uuid, preview, skips, HLS paths);
        `player.series` grows to it, `type.series` too when it passes the planned count, and
        `updated` and `last_change` become `timestamp`. Raises KeyError for an unknown title.
        """
        title = self._title_or_raise(title_id)
        player = title.get("player")
        if not isinstance(player, dict):
            player = title["player"] = {"alternative_player": None, "host": LOCAL_HOST}
        playlist = _playlist(title)
        numbers = [int(e["serie"]) for e in playlist.values() if isinstance(e.get("serie"), int)]
        number = max(numbers, default=0) + 1
        last = playlist.get(str(max(numbers))) if numbers else None
        skips = (last or {}).get("skips") or {"opening": [], "ending": []}
        item = {
            "serie": number,
            "name": None,
            "uuid": _episode_uuid(title_id, number),
            "created_timestamp": timestamp,
            "preview": preview_url(title_id, number),
            "skips": {key: list(value) for key, value in skips.items()},
            "hls": hls_paths(title_id, number),
        }
        playlist[str(number)] = item
        player["playlist"] = playlist
        first = (player.get("series") or {}).get("first") or min(numbers, default=number)
        player["series"] = series_object(first, number)
        kind = title.get("type")
        planned = kind.get("series") if isinstance(kind, dict) else None
        if isinstance(kind, dict) and isinstance(planned, int) and 0 < planned < number:
            kind["series"] = number
            if isinstance(kind.get("full_string"), str):
                kind["full_string"] = _PLANNED.sub(f"({number} эп.)", kind["full_string"])
        title["updated"] = title["last_change"] = timestamp
        return item

    def reupload_episode(self, title_id: int, timestamp: int) -> dict[str, Any]:
        """Upload the title's last episode again at `timestamp`; returns its playlist item.

        Only `created_timestamp` and `last_change` move: a re-upload is no new release, so
        `updated` (getUpdates' order) stays. Raises KeyError for an unknown title, ValueError
        when it has no episode yet.
        """
        title = self._title_or_raise(title_id)
        playlist = _playlist(title)
        numbers = [int(e["serie"]) for e in playlist.values() if isinstance(e.get("serie"), int)]
        if not numbers:
            raise ValueError(f"title {title_id} has no episode to upload again")
        item = playlist[str(max(numbers))]
        item["created_timestamp"] = timestamp
        title["last_change"] = timestamp
        return dict(item)

    def reissue_torrent(self, title_id: int, timestamp: int) -> tuple[int, int]:
        """Replace the title's torrent of the latest episodes by a new one up to the last
        episode out (as AniLibria does when it adds an episode): a new torrent id at the same
        place in the list, uploaded at `timestamp`. Returns (old torrent id, new torrent id).

        Raises KeyError for an unknown title, ValueError when it has no torrent.
        """
        title = self._title_or_raise(title_id)
        entries = _torrent_entries(title)
        if not entries:
            raise ValueError(f"title {title_id} has no torrent")
        old = max(entries, key=lambda e: (e.get("series") or {}).get("last") or 0)
        old_series = old.get("series") or {}
        numbers = [
            int(e["serie"]) for e in _playlist(title).values() if isinstance(e.get("serie"), int)
        ]
        last = max([*numbers, old_series.get("last") or 1])
        new_id = 1 + max(
            (e["torrent_id"] for t in self.titles for e in _torrent_entries(t)), default=0
        )
        new = copy.deepcopy(old)
        new.update(
            torrent_id=new_id,
            series=series_object(old_series.get("first") or 1, last),
            leechers=0,
            seeders=1,
            downloads=0,
            total_size=0,
            url=f"/public/torrent/download.php?id={new_id}",
            uploaded_timestamp=timestamp,
            hash=None,
            metadata=None,
            raw_base64_file=None,
        )
        torrents = title["torrents"]
        torrents["list"][torrents["list"].index(old)] = new
        entries = _torrent_entries(title)
        torrents["series"] = series_object(
            min((e["series"].get("first") or 1 for e in entries), default=None),
            max((e["series"].get("last") or 1 for e in entries), default=None),
        )
        self._layouts.pop(old["torrent_id"], None)
        self._built.pop(old["torrent_id"], None)
        self._index_torrent(title, new)
        title["last_change"] = timestamp
        return int(old["torrent_id"]), new_id

    def grow_torrent(self, torrent_id: int, timestamp: int) -> str:
        """Update a torrent in place up to the title's last episode out (as AniLiberty does
        when an episode arrives): the same torrent id, uploaded at `timestamp`; with episodes
        added since, new files and so a new info-hash. Returns the info-hash; KeyError for an
        unknown torrent."""
        title = self.title_by_torrent(torrent_id)
        if title is None:
            raise KeyError(torrent_id)
        entry = next(e for e in _torrent_entries(title) if e["torrent_id"] == torrent_id)
        series = entry.get("series") or {}
        numbers = [
            int(e["serie"]) for e in _playlist(title).values() if isinstance(e.get("serie"), int)
        ]
        last = max([*numbers, series.get("last") or 1])
        entry.update(series=series_object(series.get("first") or 1, last))
        entry.update(uploaded_timestamp=timestamp, metadata=None, raw_base64_file=None)
        entries = _torrent_entries(title)
        title["torrents"]["series"] = series_object(
            min(e["series"].get("first") or 1 for e in entries),
            max(e["series"].get("last") or 1 for e in entries),
        )
        self._index_torrent(title, entry)
        title["last_change"] = timestamp
        return str(entry["hash"])

    def title(self, title_id: int) -> Title | None:
        """The title with this id, or None."""
        return next((t for t in self.titles if t.get("id") == title_id), None)

    def title_by_code(self, code: str) -> Title | None:
        """The title with this code, or None."""
        return next((t for t in self.titles if t.get("code") == code), None)

    def title_by_torrent(self, torrent_id: int) -> Title | None:
        """The title that lists this torrent, or None."""
        for title in self.titles:
            if any(e.get("torrent_id") == torrent_id for e in _torrent_entries(title)):
                return title
        return None

    def video_torrent(self, info_hash: str) -> VideoTorrent | None:
        """The torrent with this info-hash (hex) as demo videos, to seed; None if unknown."""
        torrent_id = self.torrent_by_hash(info_hash)
        return None if torrent_id is None else self._build(torrent_id)

    def torrent_by_hash(self, info_hash: str) -> int | None:
        """The id of the torrent whose info-hash (hex) this is, or None."""
        wanted = info_hash.lower()
        for title in self.titles:
            for entry in _torrent_entries(title):
                if str(entry.get("hash") or "").lower() == wanted:
                    return int(entry["torrent_id"])
        return None

    def torrent_layout(self, torrent_id: int) -> TorrentLayout:
        """Name and files of a torrent; raises KeyError for an unknown torrent id."""
        layout = self._layouts.get(torrent_id)
        if layout is not None:
            return layout
        title = self.title_by_torrent(torrent_id)
        if title is None:
            raise KeyError(torrent_id)
        entry = next(e for e in _torrent_entries(title) if e.get("torrent_id") == torrent_id)
        return self._layout_for(title, entry)

    def torrent_payload(self, torrent_id: int) -> list[tuple[str, bytes]]:
        """The files of a torrent as (path relative to the save dir, bytes), in torrent order.

        Paths start with the torrent's name (its folder):
        `"Name [WEBRip 1080p]/Name - 01 [1080p].mkv"`.
        """
        return self._build(torrent_id).payload()

    def torrent_info_hash(self, torrent_id: int) -> str:
        """The v1 info-hash (sha1 of the bencoded info dict) as 40 lowercase hex digits."""
        return self._build(torrent_id).info_hash

    def torrent_file(self, torrent_id: int, announce: Sequence[str]) -> bytes:
        """The bencoded `.torrent` with these tracker URLs (they don't change the info-hash)."""
        layout = self.torrent_layout(torrent_id)
        return self._build(torrent_id).torrent_file(
            announce,
            created=layout.created,
            comment=f"torrent {torrent_id} of title {layout.title_id}",
        )

    def torrent_metadata(self, torrent_id: int, announce: Sequence[str]) -> dict[str, Any]:
        """The `metadata` object of `include=torrent_meta`."""
        layout = self.torrent_layout(torrent_id)
        files_list = []
        offset = 0
        for file, size in layout.files:
            files_list.append({"file": file, "size": size, "offset": offset})
            offset += size
        return {
            "hash": self.torrent_info_hash(torrent_id),
            "name": layout.name,
            "announce": list(announce),
            "created_timestamp": layout.created,
            "files_list": files_list,
        }

    def _title_or_raise(self, title_id: int) -> Title:
        title = self.title(title_id)
        if title is None:
            raise KeyError(title_id)
        return title

    def _index_torrent(self, title: Title, entry: dict[str, Any]) -> None:
        """Set (in place) `hash` and `total_size` of a torrent entry from its generated payload."""
        self._layouts.pop(entry["torrent_id"], None)
        self._built.pop(entry["torrent_id"], None)
        layout = self._layout_for(title, entry)
        entry["hash"] = self.torrent_info_hash(layout.torrent_id)
        entry["total_size"] = layout.total_size

    def _layout_for(self, title: Title, entry: dict[str, Any]) -> TorrentLayout:
        torrent_id = int(entry["torrent_id"])
        names = title.get("names") or {}
        base = _safe_name(names.get("en") or title.get("code") or f"title-{title.get('id')}")
        quality = entry.get("quality") or {}
        tag = _resolution_tag(quality)
        height = clip_height(quality.get("resolution"))
        # Longer episodes (a film) make bigger files, as they would.
        padding = _minutes(title) // 12
        series = entry.get("series") or {}
        first = series.get("first") or 1
        last = series.get("last") or first
        files: list[tuple[str, int]] = []
        for episode in range(first, last + 1):
            name = f"{base} [{tag}].mkv" if first == last else f"{base} - {episode:02d} [{tag}].mkv"
            size = video_size(
                height, title.get("id"), torrent_id, episode, extra_pieces=(padding, padding + 4)
            )
            files.append((name, size))
        quality_string = quality.get("string") or tag
        layout = TorrentLayout(
            torrent_id=torrent_id,
            title_id=int(title.get("id") or 0),
            name=f"{base} [{_safe_name(str(quality_string))}]",
            files=tuple(files),
            created=int(entry.get("uploaded_timestamp") or 0),
            height=height,
        )
        self._layouts[torrent_id] = layout
        return layout

    def _build(self, torrent_id: int) -> VideoTorrent:
        built = self._built.get(torrent_id)
        if built is None:
            built = self._built[torrent_id] = self.torrent_layout(torrent_id).video()
        return built


_STATUS = {1: "В работе", 2: "Завершен", 3: "Скрыт", 4: "Неонгоинг"}
_TYPES = {
    0: ("MOVIE", "Фильм"),
    1: ("TV", "ТВ"),
    2: ("OVA", "OVA"),
    3: ("ONA", "ONA"),
    4: ("SPECIAL", "Спешл"),
}
_SEASONS = {1: "зима", 2: "весна", 3: "лето", 4: "осень"}
_QUALITIES = {
    "1080": ("WEBRip", 1080, "h264"),
    "720": ("WEBRip", 720, "h264"),
    "hevc": ("WEBRip", 1080, "h265"),
    "bd1080": ("BDRip", 1080, "h264"),
}


@dataclass
class TorrentSeed:
    """One torrent of a `TitleSeed`: episodes `first`..`last` in a quality of `_QUALITIES`."""

    torrent_id: int
    quality: str
    first: int
    last: int
    uploaded: int
    seeders: int = 12
    leechers: int = 1
    downloads: int = 300


@dataclass
class TitleSeed:
    """The few facts a title is built from; `build()` expands them into the spec's shape.

    `episode_times` gives the `created_timestamp` of episodes 1..n that are out;
    `old_generation` switches to the v2.13.1 field types (`type.length` "24 мин",
    `quality.resolution` 1080 as an int, `lq_audio` false) that old records still carry.
    """

    id: int
    code: str
    ru: str
    en: str | None
    description_html: str | None
    status: int
    type_code: int
    planned: int
    length: int
    genres: list[str]
    team: dict[str, list[str]]
    year: int
    season_code: int
    week_day: int
    in_favorites: int
    updated: int
    last_change: int
    episode_times: list[int]
    torrents: list[TorrentSeed]
    alternative: str | None = None
    announce: str | None = None
    blocked: bool = False
    bakanim: bool = False
    alternative_player: str | None = None
    old_generation: bool = False
    skips: dict[str, list[int]] = field(default_factory=lambda: {"opening": [], "ending": []})
    episode_names: dict[int, str] = field(default_factory=dict)

    def build(self) -> Title:
        """The full title dict (torrent `hash`/`total_size` are filled by `Catalog.add_title`)."""
        type_string, type_prefix = _TYPES[self.type_code]
        if self.type_code == 0:
            full_string = f"{type_prefix}, {self.length} мин."
        else:
            full_string = f"{type_prefix} ({self.planned} эп.), {self.length} мин."
        length: int | str = f"{self.length} мин" if self.old_generation else self.length
        playlist: dict[str, Any] = {}
        if not self.blocked:
            for number, created in enumerate(self.episode_times, start=1):
                playlist[str(number)] = {
                    "serie": number,
                    "name": self.episode_names.get(number),
                    "uuid": _episode_uuid(self.id, number),
                    "created_timestamp": created,
                    "preview": preview_url(self.id, number),
                    "skips": {k: list(v) for k, v in self.skips.items()},
                    "hls": hls_paths(self.id, number),
                }
        out = len(playlist)
        torrents = [self._torrent(seed) for seed in self.torrents]
        poster = {"url": poster_url(self.id), "raw_base64_file": None}
        return {
            "id": self.id,
            "code": self.code,
            "names": {"ru": self.ru, "en": self.en, "alternative": self.alternative},
            "announce": self.announce,
            "status": {"string": _STATUS[self.status], "code": self.status},
            "posters": {"small": dict(poster), "medium": dict(poster), "original": dict(poster)},
            "updated": self.updated,
            "last_change": self.last_change,
            "type": {
                "full_string": full_string,
                "code": self.type_code,
                "string": type_string,
                "series": self.planned,
                "length": length,
            },
            "genres": list(self.genres),
            "team": {role: list(self.team.get(role, [])) for role in TEAM_ROLES},
            "season": {
                "string": _SEASONS[self.season_code],
                "code": self.season_code,
                "year": self.year,
                "week_day": self.week_day,
            },
            "description": self.description_html,
            "in_favorites": self.in_favorites,
            "blocked": {"blocked": self.blocked, "bakanim": self.bakanim},
            "player": {
                "alternative_player": self.alternative_player,
                "host": LOCAL_HOST,
                "series": series_object(1, out) if out else series_object(None, None),
                "playlist": playlist,
            },
            "torrents": {
                "series": series_object(
                    min((s.first for s in self.torrents), default=None),
                    max((s.last for s in self.torrents), default=None),
                ),
                "list": torrents,
            },
        }

    def _torrent(self, seed: TorrentSeed) -> dict[str, Any]:
        kind, height, encoder = _QUALITIES[seed.quality]
        label = f"{kind} {height}p" + (" HEVC" if encoder == "h265" else "")
        resolution: int | str = height if self.old_generation else f"{height}p"
        return {
            "torrent_id": seed.torrent_id,
            "series": series_object(seed.first, seed.last),
            "quality": {
                "string": label,
                "type": kind,
                "resolution": resolution,
                "encoder": encoder,
                "lq_audio": False if self.old_generation else None,
            },
            "leechers": seed.leechers,
            "seeders": seed.seeders,
            "downloads": seed.downloads,
            "total_size": 0,
            "url": f"/public/torrent/download.php?id={seed.torrent_id}",
            "uploaded_timestamp": seed.uploaded,
            "hash": None,
            "metadata": None,
            "raw_base64_file": None,
        }


TEAM_ROLES = ("voice", "translator", "editing", "decor", "timing")
"""The keys of a title's `team` object, in the spec's order."""


@functools.cache
def _demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((assets_dir() / "catalog.json").read_text("utf-8"))
    return data


def _episode_uuid(title_id: int, episode: int) -> str:
    digest = hashlib.md5(f"episode:{title_id}:{episode}".encode(), usedforsecurity=False)
    return str(uuid.UUID(bytes=digest.digest(), version=4))


def _playlist(title: Title) -> dict[str, Any]:
    """The title's playlist in object form (an empty one is stored as `{}` or `[]`)."""
    player = title.get("player")
    playlist = player.get("playlist") if isinstance(player, dict) else None
    if isinstance(playlist, dict):
        return playlist
    items = playlist if isinstance(playlist, list) else []
    return {str(e.get("serie")): e for e in items if isinstance(e, dict)}


def _torrent_entries(title: Title) -> list[dict[str, Any]]:
    torrents = title.get("torrents") or {}
    entries = (torrents.get("list") or []) if isinstance(torrents, dict) else []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("torrent_id"), int)]


def _minutes(title: Title) -> int:
    """An episode's length in minutes (`type.length`: 24, or "24 мин" in old records)."""
    kind = title.get("type")
    length = kind.get("length") if isinstance(kind, dict) else None
    digits = re.match(r"\d+", str(length)) if length is not None else None
    return int(digits.group()) if digits else 24


def _safe_name(name: str) -> str:
    cleaned = _UNSAFE_PATH_CHARS.sub("_", name).strip(" .")
    return cleaned[:120] or "untitled"


def _resolution_tag(quality: dict[str, Any]) -> str:
    resolution = quality.get("resolution")
    if isinstance(resolution, int):
        tag = f"{resolution}p"
    elif isinstance(resolution, str) and resolution:
        tag = _safe_name(resolution)
    else:
        tag = "video"
    return f"{tag} HEVC" if quality.get("encoder") == "h265" else tag


def _team_of(titles: Iterable[Title]) -> dict[str, list[str]]:
    team: dict[str, set[str]] = {role: set() for role in TEAM_ROLES}
    for title in titles:
        for role in TEAM_ROLES:
            team[role].update((title.get("team") or {}).get(role) or [])
    return {role: sorted(names, key=str.lower) for role, names in team.items()}


_BULK_SYLLABLES: tuple[str, ...] = ("ka", "mi", "to", "ra", "shi", "no", "yu")
_BULK_SYLLABLES += ("ri", "sa", "ki", "ha", "na", "ro", "me")
_BULK_NOUNS = (
    ("Chronicles", "Хроники"),
    ("Garden", "Сад"),
    ("Express", "Экспресс"),
    ("Requiem", "Реквием"),
    ("Academy", "Академия"),
    ("Protocol", "Протокол"),
    ("Festival", "Фестиваль"),
    ("Horizon", "Горизонт"),
)
_BULK_GENRES = ("Драма", "Комедия", "Магия", "Меха", "Романтика", "Фэнтези", "Экшен", "Школа")
_BULK_TEAM = ("Kisaragi", "Mirrowen", "Tsukune", "Velvetka", "Hoshiko", "Ryoka", "Pryanik")


def _bulk_title(rng: random.Random, index: int) -> Title:
    word = "".join(rng.choice(_BULK_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    noun_en, noun_ru = rng.choice(_BULK_NOUNS)
    title_id = 100_000 + index
    updated = DEMO_NOW - 60 * index - rng.randrange(60)
    episodes = rng.randint(1, 13)
    ongoing = rng.random() < 0.4
    seed = TitleSeed(
        id=title_id,
        code=f"{word.lower()}-{noun_en.lower()}-{index}",
        ru=f"{noun_ru} {word} {index}",
        en=f"{word} {noun_en} {index}",
        description_html=f"Сгенерированный тайтл номер {index}: {noun_ru.lower()} мира {word}.",
        status=1 if ongoing else 2,
        type_code=1,
        planned=episodes + (rng.randint(0, 12) if ongoing else 0),
        length=24,
        genres=sorted(rng.sample(_BULK_GENRES, rng.randint(1, 3))),
        team={"voice": sorted(rng.sample(_BULK_TEAM, 2)), "timing": [rng.choice(_BULK_TEAM)]},
        year=rng.randint(2015, 2026),
        season_code=rng.randint(1, 4),
        week_day=rng.randrange(7),
        in_favorites=rng.randrange(20_000),
        updated=updated,
        last_change=updated + rng.randrange(3600),
        episode_times=[updated - 7 * 86_400 * (episodes - n) for n in range(1, episodes + 1)],
        torrents=[TorrentSeed(1_000_000 + index, "1080", 1, episodes, updated)],
    )
    return seed.build()
