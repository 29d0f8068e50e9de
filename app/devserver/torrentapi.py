"""The Torrent API (spec: shared/specs/torrent-api.md) on aiohttp, mounted on the DevServer.

`DevServer(extra_apis=[TorrentApi()])` serves it under `/torrentapi`: the client's URL is
`server.base_url + "/torrentapi"`. Shapes and error bodies follow the spec; where it is silent
this server chooses, and a client must not rely on more than this:

- Paths (the spec names none): `GET movie?imdb=`, `GET torrent?infohash=`,
  `GET peers?infohash=&day=&countryCode=&short=`, `POST add` (form fields `key`, `infohash`;
  like the Spring backends the spec comes from, query parameters count too). `MethodPaths`
  moves them, as another provider would (any other path answers a bare 404).
- Checks in this order: the key (missing or unknown `API_KEY_UNKNOWN`, `API_KEY_SUSPENDED`,
  `ACCESS_FORBIDDEN` for a method the key may not call), then the parameters. Every error is
  HTTP 500 with `{"error": WORD, "message": text}`. A `day` that is not yyyy-MM-dd gets the word
  `INVALID_PARAMETER`, which the spec does not list (it says new words can be added).
- An IMDb id is `tt` + digits, an info-hash 40 hex digits in either case. A well-formed IMDb id
  of no known movie answers 200 with no title and no torrents.
- Peers: `day` defaults to the last calculated day (`LAST_DAY`); a day outside the history, or a
  country with nobody, gives `totalPeers` 0 and no countries. `countryCode` keeps one country
  (`totalPeers` is then that country's). `short=true` leaves the `countries` array out. Countries
  come most peers first.
- `add` answers `{}` and appends the info-hash (lower case) to `added`; it is not served back.
- `rate_limit(retry_after, times)`: the next requests get 429 with `Retry-After` and a plain
  text body, before any other check.

Demo data (deterministic, invented names): the movies `tt9000001`…`tt9000020` (the ids the nekoBT
demo media carry), movie n with 4, 3, 2, 1, 4, … torrents (`4 - (n - 1) % 4`), plus three
torrents of no movie (music, anime, books). Every torrent is real (`video_torrent`): its files
are the demo clip of its resolution padded to a small size (`app.devserver.demo_media`: mpv
plays them, a local seeder serves them), a movie one file, the anime a folder of twelve
episodes; `size` is their true total, larger for a better release. The fourth release of a movie
(480p) is dead.
Peers exist for `HISTORY_DAYS` days up to `LAST_DAY` in the ten `COUNTRIES`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from app.devserver.demo_media import VideoFile, VideoTorrent, clip_height, video_size

PREFIX = "/torrentapi"
"""Where the API is mounted on the DevServer."""

DEMO_KEY = "demo-torrentapi-key"
"""A key that may call every method."""
SUSPENDED_KEY = "suspended-torrentapi-key"
"""A key that always gets API_KEY_SUSPENDED."""
FORBIDDEN_KEY = "forbidden-torrentapi-key"
"""A key that may read movies and torrents only: peers and add get ACCESS_FORBIDDEN."""

METHODS = frozenset({"movie", "torrent", "peers", "add"})
"""The method names `KeyAccess.methods` holds (the last segment of each path)."""

LAST_DAY = date(2026, 11, 22)
"""The last calculated day of the peers history (the day before the demo catalog's "today")."""
HISTORY_DAYS = 14
"""Days of peers history up to and including `LAST_DAY`."""
COUNTRIES = ("BR", "US", "IN", "RU", "JP", "DE", "FR", "GB", "PL", "UA")
"""Where the demo peers are, most (on average) first."""

_COUNTRY_WEIGHTS = (0.24, 0.18, 0.14, 0.11, 0.09, 0.07, 0.06, 0.05, 0.035, 0.025)
_IMDB_RE = re.compile(r"tt[0-9]+")
_INFOHASH_RE = re.compile(r"[0-9A-Fa-f]{40}")
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_MESSAGES = {
    "API_KEY_UNKNOWN": "API Key is unknown",
    "API_KEY_SUSPENDED": "API Key is suspended",
    "ACCESS_FORBIDDEN": "API Key doesn't provide access to method",
    "INVALID_IMDB": "Value of imdb is invalid",
    "INVALID_INFOHASH": "Value of infohash is invalid",
    "INFOHASH_NOT_FOUND": "Torrent with infohash not found",
    "INVALID_PARAMETER": "Value of day is invalid, expected yyyy-MM-dd",
}

_MOVIE_TITLES = (
    "Lanterns over Kiriyama",
    "The Last Train to Hoshizora",
    "Paper Cranes in Winter",
    "Clockwork Lighthouse",
    "Garden of the Silent Fox",
    "Starfall Academy: The Movie",
    "A Letter from the Moon Bakery",
    "Tidebound",
    "The Cartographer's Daughter",
    "Neon Koi",
    "Wind Between Two Rivers",
    "Summer of the Copper Dragon",
    "Ghost Signal 2048",
    "Hanabi Street Detectives",
    "The Snow Owl's Promise",
    "Iron Blossom",
    "Echoes of Aozora",
    "Little Witch of Harbor Town",
    "Midnight Tram Stories",
    "Beyond the Cloud Sea",
)

# (release, extra pieces of padding): the variants a movie has, in order; the fourth one is
# dead. The padding keeps the sizes in a plausible order: 2160p > 1080p > 720p > 480p.
_RELEASES = (
    ("1080p.BluRay.x264-ANIDEMO", (8, 12)),
    ("720p.WEB-DL.AAC-ANIDEMO", (4, 7)),
    ("2160p.UHD.BluRay.HEVC-ANIDEMO", (16, 24)),
    ("480p.DVDRip.XviD-ANIDEMO", (0, 3)),
)


@dataclass(frozen=True)
class MethodPaths:
    """Where each method is served, under the prefix (a provider chooses its own)."""

    movie: str = "movie"
    torrent: str = "torrent"
    peers: str = "peers"
    add: str = "add"


@dataclass(frozen=True)
class KeyAccess:
    """What an API key may do."""

    suspended: bool = False
    methods: frozenset[str] = METHODS
    """The methods the key may call; the others answer ACCESS_FORBIDDEN."""


@dataclass(frozen=True)
class DemoTorrent:
    """One torrent the API knows; `title`/`imdb` None when it is no movie's. `video` is what
    it holds (`infohash` and `size` are its info-hash and total size)."""

    infohash: str
    name: str
    size: int
    category: str
    title: str | None
    imdb: str | None
    date_added: datetime
    alive: bool
    video: VideoTorrent

    @classmethod
    def of(cls, video: VideoTorrent, **facts: Any) -> DemoTorrent:
        """The torrent holding `video`, with the other fields from `facts`."""
        return cls(
            infohash=video.info_hash, name=video.name, size=video.total_size, video=video, **facts
        )


@dataclass(frozen=True)
class DemoMovie:
    """A movie and the info-hashes of its torrents, in the order they are served."""

    imdb: str
    title: str
    infohashes: tuple[str, ...]


def demo_imdb_id(n: int) -> str:
    """The IMDb id of demo movie `n` (1…20): `tt9000001`…`tt9000020`."""
    return f"tt{9_000_000 + n:07d}"


def _single_video(
    name: str, resolution: str, *seed: object, extra_pieces: tuple[int, int]
) -> VideoTorrent:
    """A one-file torrent called `name`: the clip for `resolution`, padded by `extra_pieces`."""
    height = clip_height(resolution)
    size = video_size(height, *seed, extra_pieces=extra_pieces)
    return VideoTorrent(name, (VideoFile(name, height, size),), single=True)


def _spread(*parts: object) -> float:
    """A deterministic number in [0, 1) from `parts`."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _added_at(days_ago: int, *parts: object) -> datetime:
    seconds = int(_spread("added", *parts) * 86_400)
    return datetime(2026, 11, 23, tzinfo=UTC) - timedelta(days=days_ago, seconds=seconds)


def _demo_data() -> tuple[dict[str, DemoMovie], dict[str, DemoTorrent]]:
    movies: dict[str, DemoMovie] = {}
    torrents: dict[str, DemoTorrent] = {}
    for n, title in enumerate(_MOVIE_TITLES, start=1):
        imdb = demo_imdb_id(n)
        year = 2005 + n
        dotted = re.sub(r"[^A-Za-z0-9]+", ".", title).strip(".")
        hashes = []
        for index in range(4 - (n - 1) % 4):
            release, extra = _RELEASES[index]
            name = f"{dotted}.({year}).{release}.mkv"
            torrent = DemoTorrent.of(
                _single_video(name, release, "torrentapi", n, index, extra_pieces=extra),
                category="Movies",
                title=title,
                imdb=imdb,
                date_added=_added_at(n * 9 + index * 4, n, index),
                alive=index != 3,
            )
            torrents[torrent.infohash] = torrent
            hashes.append(torrent.infohash)
        movies[imdb] = DemoMovie(imdb, title, tuple(hashes))
    batch = "[AniDemo] Hoshizora Express - 01-12 [1080p]"
    episodes = tuple(
        VideoFile(
            f"[AniDemo] Hoshizora Express - {number:02d} [1080p].mkv",
            "1080",
            video_size("1080", "torrentapi", batch, number),
        )
        for number in range(1, 13)
    )
    others = (
        (
            _single_video(
                "Lanterns over Kiriyama - Original Soundtrack (FLAC)",
                "720",
                "torrentapi",
                "music",
                extra_pieces=(2, 4),
            ),
            "Music",
            "Lanterns over Kiriyama OST",
        ),
        (VideoTorrent(batch, episodes), "Anime", "Hoshizora Express"),
        (
            _single_video(
                "Clockwork Lighthouse Artbook (scans)",
                "480",
                "torrentapi",
                "books",
                extra_pieces=(0, 2),
            ),
            "Books",
            None,
        ),
    )
    for index, (video, category, known_title) in enumerate(others):
        torrent = DemoTorrent.of(
            video,
            category=category,
            title=known_title,
            imdb=None,
            date_added=_added_at(200 + index * 30, "other", index),
            alive=True,
        )
        torrents[torrent.infohash] = torrent
    return movies, torrents


def _date_added(value: datetime) -> str:
    """The spec's "2017-10-09T00:30:58.080+0000"."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


class _Refused(Exception):
    """An error the API answers with its error body."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _refusal(error: str) -> web.Response:
    body = {"error": error, "message": _MESSAGES[error]}
    return web.json_response(body, status=500)


class TorrentApi:
    """The Torrent API's four methods under `prefix`, with the demo data and test switches.

    `keys` (key -> `KeyAccess`) may be changed by tests; `added` lists the info-hashes `add`
    received; `movies` and `torrents` are the data served; `paths` where each method is.
    """

    def __init__(self, prefix: str = PREFIX, *, paths: MethodPaths = MethodPaths()) -> None:
        self.prefix = prefix.rstrip("/")
        self.paths = paths
        self.keys: dict[str, KeyAccess] = {
            DEMO_KEY: KeyAccess(),
            SUSPENDED_KEY: KeyAccess(suspended=True),
            FORBIDDEN_KEY: KeyAccess(methods=frozenset({"movie", "torrent"})),
        }
        self.movies, self.torrents = _demo_data()
        self.added: list[str] = []
        # Handlers run on the server's thread, the switches are flipped from the test's.
        self._lock = threading.Lock()
        self._limited = 0
        self._retry_after = 0.0

    def video_torrent(self, info_hash: str) -> VideoTorrent | None:
        """The torrent with this info-hash (hex) as demo videos, to seed; None if unknown."""
        torrent = self.torrents.get(info_hash.lower())
        return None if torrent is None else torrent.video

    def url(self, base_url: str) -> str:
        """The client's URL on a server at `base_url`."""
        return base_url.rstrip("/") + self.prefix

    def rate_limit(self, retry_after: float = 0.2, *, times: int = 1) -> None:
        """Answer the next `times` requests with 429 and `Retry-After: <retry_after>`."""
        with self._lock:
            self._limited = times
            self._retry_after = retry_after

    def peers_on(self, infohash: str, day: date) -> dict[str, int]:
        """The demo peers of `infohash` on `day` by country (countries with none left out)."""
        torrent = self.torrents.get(infohash.lower())
        if torrent is None or not LAST_DAY - timedelta(days=HISTORY_DAYS - 1) <= day <= LAST_DAY:
            return {}
        # A dead torrent is one that too few peers distribute.
        scale, floor = (600.0, 60.0) if torrent.alive else (8.0, 4.0)
        base = floor + scale * _spread("base", torrent.infohash)
        # A gentle weekly swell, so a bar chart over the fortnight has a shape.
        wave = 1.0 + 0.3 * math.sin(day.toordinal() * 2 * math.pi / 7)
        counts: dict[str, int] = {}
        for code, weight in zip(COUNTRIES, _COUNTRY_WEIGHTS, strict=True):
            jitter = 0.7 + 0.6 * _spread("peers", torrent.infohash, day, code)
            peers = round(base * weight * wave * jitter)
            if peers > 0:
                counts[code] = peers
        return counts

    def add_routes(self, app: web.Application) -> None:
        """Register the four methods under the prefix on `app`."""
        paths = self.paths
        app.router.add_get(f"{self.prefix}/{paths.movie.strip('/')}", self._movie)
        app.router.add_get(f"{self.prefix}/{paths.torrent.strip('/')}", self._torrent)
        app.router.add_get(f"{self.prefix}/{paths.peers.strip('/')}", self._peers)
        app.router.add_post(f"{self.prefix}/{paths.add.strip('/')}", self._add)

    # -- handlers ----------------------------------------------------------------------------

    async def _movie(self, request: web.Request) -> web.Response:
        return self._answer("movie", request.query, self._movie_body)

    async def _torrent(self, request: web.Request) -> web.Response:
        return self._answer("torrent", request.query, self._torrent_body)

    async def _peers(self, request: web.Request) -> web.Response:
        return self._answer("peers", request.query, self._peers_body)

    async def _add(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {k: v for k, v in request.query.items()}
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return self._answer("add", params, self._add_body)

    def _answer(
        self, method: str, params: Mapping[str, str], body: Callable[[Mapping[str, str]], Any]
    ) -> web.Response:
        limited = self._take_rate_limit()
        if limited is not None:
            return web.Response(
                status=429, text="Too Many Requests", headers={"Retry-After": f"{limited:g}"}
            )
        try:
            self._check_key(method, params.get("key"))
            value = body(params)
        except _Refused as refused:
            return _refusal(refused.error)
        return web.Response(
            text=json.dumps(value, ensure_ascii=False), content_type="application/json"
        )

    def _take_rate_limit(self) -> float | None:
        with self._lock:
            if self._limited <= 0:
                return None
            self._limited -= 1
            return self._retry_after

    def _check_key(self, method: str, key: str | None) -> None:
        access = self.keys.get(key or "")
        if access is None:
            raise _Refused("API_KEY_UNKNOWN")
        if access.suspended:
            raise _Refused("API_KEY_SUSPENDED")
        if method not in access.methods:
            raise _Refused("ACCESS_FORBIDDEN")

    def _known_torrent(self, params: Mapping[str, str]) -> DemoTorrent:
        infohash = params.get("infohash") or ""
        if not _INFOHASH_RE.fullmatch(infohash):
            raise _Refused("INVALID_INFOHASH")
        torrent = self.torrents.get(infohash.lower())
        if torrent is None:
            raise _Refused("INFOHASH_NOT_FOUND")
        return torrent

    def _movie_body(self, params: Mapping[str, str]) -> dict[str, Any]:
        imdb = params.get("imdb") or ""
        if not _IMDB_RE.fullmatch(imdb):
            raise _Refused("INVALID_IMDB")
        movie = self.movies.get(imdb)
        if movie is None:
            return {"imdb": imdb, "torrents": []}
        return {
            "imdb": movie.imdb,
            "title": movie.title,
            "torrents": [
                {
                    "infohash": t.infohash,
                    "size": t.size,
                    "dateAdded": _date_added(t.date_added),
                    "name": t.name,
                    "alive": t.alive,
                }
                for t in (self.torrents[h] for h in movie.infohashes)
            ],
        }

    def _torrent_body(self, params: Mapping[str, str]) -> dict[str, Any]:
        t = self._known_torrent(params)
        body: dict[str, Any] = {
            "infohash": t.infohash,
            "torrentName": t.name,
            "size": t.size,
            "category": t.category,
        }
        # The spec's example 2: title and imdbId are left out when not known.
        if t.title is not None:
            body["title"] = t.title
        if t.imdb is not None:
            body["imdbId"] = t.imdb
        body["dateAdded"] = _date_added(t.date_added)
        body["alive"] = t.alive
        return body

    def _peers_body(self, params: Mapping[str, str]) -> dict[str, Any]:
        t = self._known_torrent(params)
        day_text = params.get("day")
        if day_text is None:
            day = LAST_DAY
        else:
            try:
                if not _DAY_RE.fullmatch(day_text):
                    raise ValueError(day_text)
                day = date.fromisoformat(day_text)
            except ValueError:
                raise _Refused("INVALID_PARAMETER") from None
        counts = self.peers_on(t.infohash, day)
        country = params.get("countryCode")
        if country:
            counts = {code: n for code, n in counts.items() if code == country.upper()}
        body: dict[str, Any] = {
            "day": day.isoformat(),
            "infohash": t.infohash,
            "totalPeers": sum(counts.values()),
        }
        if (params.get("short") or "").lower() != "true":
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            body["countries"] = [{"code": code, "peers": n} for code, n in ranked]
        return body

    def _add_body(self, params: Mapping[str, str]) -> dict[str, Any]:
        infohash = params.get("infohash") or ""
        if not _INFOHASH_RE.fullmatch(infohash):
            raise _Refused("INVALID_INFOHASH")
        with self._lock:
            self.added.append(infohash.lower())
        return {}
