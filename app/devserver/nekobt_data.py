"""The invented data the nekoBT devserver serves: media, groups, users, torrents, comments.

Everything is generated from fixed tables and a seeded RNG, so every run (and every test) sees
the same ids, titles, sizes and info-hashes.

Rules a test or another local server may rely on:

- Media ids are `s1`, `s2`, ... (series) and `m<n>` (movies), in `MEDIA_SEEDS` order. Their
  titles reuse the English names of the AniLibria demo catalog where one fits, so "find
  torrents elsewhere" for a demo title finds them here too.
- **IMDb ids**: the *n*-th media in `MEDIA_SEEDS` order (1-based, n <= 20) has
  `imdbId = "tt" + str(9000000 + n)`, i.e. `tt9000001` ... `tt9000020`; later media have none
  (null). The Torrent API devserver uses the same rule, so the two share those ids.
- Torrent ids are `"3000000001"` ... `"3000000060"` (`torrent_id(i)`, i 0-based). The torrent
  `HOSTILE_TORRENT_ID` ("3000000008") has a title full of markup and an escape sequence, served
  verbatim (its `.torrent` name has the escape replaced, as every generated file name).
- Users are `1000000001`...; groups `2000000001`...; Frostbyte Lite is a child of Frostbyte.
- Every torrent is real: each file is the demo clip of the torrent's resolution, padded to a
  size that derives from the torrent's id and episode (`app.devserver.demo_media`: mpv plays
  it; `torrent_payload`), and the `infohash` in the JSON is the v1 info-hash of the `.torrent`
  the server hands out. The files are small (about 100 KiB) so a local seeder can serve them;
  `filesize` is their true total.
- Category ids are invented (the spec gives no table): `VIDEO_CODECS`, `VIDEO_TYPES`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from dataclasses import dataclass, field
from typing import Any

from app.devserver.catalog import DEMO_NOW
from app.devserver.demo_media import VideoFile, VideoTorrent, clip_height, video_size

IMDB_BASE = 9_000_000
"""The n-th media (1-based, n <= `IMDB_COUNT`) has IMDb id `tt{IMDB_BASE + n}`."""
IMDB_COUNT = 20

HOSTILE_INDEX = 7
"""Index (0-based) of the torrent whose title is `HOSTILE_TITLE`."""

HOSTILE_TITLE = "[SubsPlease] [b]x[/b] [@click=app.quit] \x1b[31mred"
"""A torrent title full of markup and an ANSI escape: clients must show it as plain text."""

VIDEO_CODECS = {1: "AVC", 2: "HEVC", 3: "AV1", 4: "MPEG-2"}
"""Video codec ids (invented: the spec names ids but gives no table)."""
VIDEO_TYPES = {3: "DVD", 7: "BD", 9: "WEB-DL", 13: "WEBRip"}
"""Video type ids (invented)."""

_UNSAFE_PATH_CHARS = re.compile(r"[/\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class MediaSeed:
    """The facts one media entry is built from."""

    title: str
    year: int
    genres: tuple[str, ...]
    episodes: int
    movie: bool = False
    alternate_titles: tuple[str, ...] = ()
    ended: bool = True


MEDIA_SEEDS: tuple[MediaSeed, ...] = (
    MediaSeed(
        "Starlight Courier",
        2019,
        ("Adventure", "Anime", "Science Fiction"),
        12,
        alternate_titles=("Hoshiakari no Haitatsunin",),
    ),
    MediaSeed("Starlight Courier 2", 2021, ("Adventure", "Anime", "Science Fiction"), 12),
    MediaSeed(
        "The Witch of Lantern Street",
        2023,
        ("Anime", "Fantasy", "Slice of Life"),
        12,
        alternate_titles=("Chouchin-doori no Majo",),
    ),
    MediaSeed("Codex of the Frost Dragon", 2017, ("Action", "Anime", "Fantasy"), 24),
    MediaSeed("Midnight Chess Club", 2024, ("Anime", "Drama", "Mystery"), 12),
    MediaSeed("Dungeon Line Cook", 2026, ("Anime", "Comedy", "Fantasy"), 13, ended=False),
    MediaSeed("The Ninth Tram", 2026, ("Anime", "Mystery", "Supernatural"), 12, ended=False),
    MediaSeed("Fox Post Office", 2026, ("Anime", "Comedy", "Slice of Life"), 12, ended=False),
    MediaSeed("Steel Garden", 2026, ("Action", "Anime", "Mecha"), 24, ended=False),
    MediaSeed("Sisters of the Foghorn Lighthouse", 2026, ("Anime", "Drama"), 12, ended=False),
    MediaSeed("Shadowblade Academy", 2026, ("Action", "Anime", "School"), 12, ended=False),
    MediaSeed("Murasame the Cat Detective", 2026, ("Anime", "Comedy", "Mystery"), 12, ended=False),
    MediaSeed("Rooftop Runner", 2026, ("Anime", "Sports"), 12, ended=False),
    MediaSeed("Comet Hunters", 2026, ("Anime", "Science Fiction"), 12, ended=False),
    MediaSeed(
        "The Bakery at the World's Edge",
        2026,
        ("Anime", "Fantasy", "Slice of Life"),
        12,
        ended=False,
    ),
    MediaSeed("City Without Shadows", 2015, ("Anime", "Thriller"), 1, movie=True),
    MediaSeed("Song of the Desert Wind", 2016, ("Adventure", "Anime"), 1, movie=True),
    MediaSeed("The Last Train to Jupiter", 2019, ("Anime", "Science Fiction"), 1, movie=True),
    MediaSeed("Blood and Lavender", 2021, ("Anime", "Horror", "Romance"), 12),
    MediaSeed("Neon Oracle", 2026, ("Anime", "Cyberpunk", "Mystery"), 12, ended=False),
    MediaSeed("Paper Plane Pilots", 2016, ("Anime", "Drama"), 12),
    MediaSeed("Zero-G Volleyball", 2026, ("Anime", "Sports", "Science Fiction"), 12, ended=False),
)


@dataclass(frozen=True)
class GroupSeed:
    """A release group; `parent` is the index of its parent group, if linked."""

    name: str
    tagline: str
    parent: int | None = None


GROUP_SEEDS: tuple[GroupSeed, ...] = (
    GroupSeed("SubsPlease", "Simulcast rips, fast"),
    GroupSeed("Lantern Subs", "Slow, careful, typeset to death"),
    GroupSeed("Frostbyte", "BD encodes with love"),
    GroupSeed("Frostbyte Lite", "Small encodes of Frostbyte releases", parent=2),
    GroupSeed("NightOwl Fansubs", "Original translations since 2015"),
    GroupSeed("Kissaten Raws", "Raws only, no subs"),
    GroupSeed("AutoMTL", "Machine translation, clearly labelled"),
    GroupSeed("Tram Nine", "Group for one show"),
)

USER_NAMES = ("kisaragi", "mirrowen", "tsukune", "velvetka", "hoshiko", "ryoka", "pryanik")
"""Demo users' usernames; user ids are `"1000000" + 3-digit index` (1-based)."""

AMBIGUOUS_USERNAME = "Ryoka"
"""A user who uploads nothing, named like `ryoka` but for the case: nekoBT's user search finds
both for either name (it ignores case), so the app must let its user pick one. Added after
`USER_NAMES`, so the generated torrents stay as they were."""

_LANG_SETS = (
    ("ja", "", "en"),
    ("ja", "en", ""),
    ("ja", "", "en,es-419"),
    ("ja,en", "en", ""),
    ("ja", "", "ru"),
    ("ja", "", ""),
    ("ja", "en,pt-br,es-419,fr-fr,de", ""),
    ("ja", "", "enm"),
)
_RESOLUTIONS = ("1080p", "720p", "2160p", "480p")
_AUDIO = ("AAC 2.0", "FLAC 2.0", "Opus 2.0", "EAC3 5.1")


def media_id(index: int) -> str:
    """The id of the media at `index` (0-based) of `MEDIA_SEEDS`."""
    seed = MEDIA_SEEDS[index]
    return f"m{index + 1}" if seed.movie else f"s{index + 1}"


def imdb_id(index: int) -> str | None:
    """The IMDb id of the media at `index` (0-based): `tt9000001`.. for the first 20, else None."""
    return f"tt{IMDB_BASE + index + 1}" if index < IMDB_COUNT else None


def group_id(index: int) -> str:
    """The id of the group at `index` (0-based) of `GROUP_SEEDS`."""
    return f"2000000{index + 1:03d}"


def user_id(index: int) -> str:
    """The id of the user at `index` (0-based) of `USER_NAMES`."""
    return f"1000000{index + 1:03d}"


def torrent_id(index: int) -> str:
    """The id of the generated torrent at `index` (0-based)."""
    return f"3000000{index + 1:03d}"


HOSTILE_TORRENT_ID = torrent_id(HOSTILE_INDEX)
"""The id of the torrent whose title is `HOSTILE_TITLE`."""


def episode_id(media_index: int, episode: int) -> int:
    """The (numeric) id of episode `episode` (1-based) of a media."""
    return 40_000 + 100 * (media_index + 1) + episode


@dataclass
class DemoTorrent:
    """One torrent: its JSON fields (as the spec's torrent object, before per-request fields)
    and what its `.torrent` is built from."""

    id: str
    fields: dict[str, Any]
    name: str
    files: tuple[tuple[str, int], ...]
    height: str
    """The demo clip every file holds ("1080", "720", "480")."""
    primary_group: int | None
    secondary_groups: tuple[int, ...]
    uploader: int
    contributors: tuple[int, ...]
    comments: list[dict[str, Any]]
    animetosho: str
    """"ok", or the AnimeTosho status the torrent ends in: skipped, not_found, no_media, error."""
    info: bytes = b""
    infohash: str = ""

    @property
    def uploaded_ms(self) -> int:
        """The upload time in Unix milliseconds."""
        return int(self.fields["uploaded_at"])

    def video(self) -> VideoTorrent:
        """The torrent's files as demo videos (info dict, info-hash, payload)."""
        return VideoTorrent(
            self.name, tuple(VideoFile(path, self.height, size) for path, size in self.files)
        )


@dataclass
class DemoData:
    """Media, groups, users and torrents of the demo site (mutable: tests may edit them)."""

    media: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    torrents: list[DemoTorrent] = field(default_factory=list)
    hostile_torrent_id: str = ""
    notifications: list[dict[str, Any]] = field(default_factory=list)
    """The demo user's notifications, newest first (`seen` changes when marked read)."""

    def torrent(self, torrent_id: str) -> DemoTorrent | None:
        """The torrent with this id, or None."""
        return next((t for t in self.torrents if t.id == torrent_id), None)

    def media_by_id(self, media_id: str) -> dict[str, Any] | None:
        """The media with this id, or None."""
        return next((m for m in self.media if m["id"] == media_id), None)

    def group(self, group_id: str) -> dict[str, Any] | None:
        """The group with this id, or None."""
        return next((g for g in self.groups if g["id"] == group_id), None)

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The user with this id, or None."""
        return next((u for u in self.users if u["id"] == user_id), None)


def torrent_payload(torrent: DemoTorrent) -> list[tuple[str, bytes]]:
    """The files of a torrent as (path relative to the save dir, bytes), in torrent order."""
    return torrent.video().payload()


def torrent_file(torrent: DemoTorrent, announce: str, comment: str) -> bytes:
    """The bencoded `.torrent` with this announce URL (which does not change the info-hash)."""
    return torrent.video().torrent_file(
        [announce],
        created_by="anitui devserver (nekoBT)",
        created=torrent.uploaded_ms // 1000,
        comment=comment,
    )


def build() -> DemoData:
    """The demo data, freshly generated (deterministic)."""
    rng = random.Random(20261123)
    data = DemoData()
    data.users = [_user(index, name) for index, name in enumerate(USER_NAMES)]
    data.users.append(_user(len(USER_NAMES), AMBIGUOUS_USERNAME))
    data.groups = [_group(index, seed) for index, seed in enumerate(GROUP_SEEDS)]
    data.media = [_media(index, seed, rng) for index, seed in enumerate(MEDIA_SEEDS)]
    for index in range(60):
        data.torrents.append(_torrent(index, rng, data))
    hostile = data.torrents[HOSTILE_INDEX]
    hostile.fields["title"] = HOSTILE_TITLE
    hostile.fields["auto_title"] = HOSTILE_TITLE + " {Tags:L3;V9;C1;A-ja;F-en;}"
    hostile.name = _safe_name(HOSTILE_TITLE)
    data.hostile_torrent_id = hostile.id
    for torrent in data.torrents:
        _build_info(torrent)
        torrent.fields["infohash"] = torrent.infohash
    data.notifications = notifications(data)
    return data


PEER_TORRENTS = (0, 3)
"""Indexes of the torrents the demo user's clients are peers of (`user_peers`)."""


def notifications(data: DemoData) -> list[dict[str, Any]]:
    """The demo user's notifications, fresh (two unseen), using every kind of link tag the
    spec lists that a reader meets: user, group, invite, torrent and torrent comment."""
    commented = next(t for t in data.torrents if t.comments)
    reply = commented.comments[0]["children"][0]
    return [
        {
            "id": "4000000003",
            "data": f"<u:{user_id(1)}:Mirrowen> replied to your comment on"
            f" <tc:{commented.id}:{reply['id']}:{commented.fields['title']}>.",
            "seen": False,
        },
        {
            "id": "4000000002",
            "data": f"<u:{user_id(2)}:Tsukune> invited you to <g:{group_id(1)}:Lantern Subs>."
            " <i:5000000001:c0ffee>",
            "seen": False,
        },
        {"id": "4000000001", "data": "Welcome to the site.", "seen": True},
    ]


def user_peers(data: DemoData) -> list[dict[str, Any]]:
    """The demo user's tracker peers: one seeding session and one finished leech."""
    peers = []
    for number, index in enumerate(PEER_TORRENTS):
        torrent = data.torrents[index]
        created = torrent.uploaded_ms + 3_600_000
        seeding = number == 0
        peers.append(
            {
                "torrent_id": torrent.id,
                "upload": str(48_492 * (number + 1)),
                "download": "0" if seeding else torrent.fields["filesize"],
                "completed": "0" if seeding else "1",
                "down_time": "0" if seeding else "1820",
                "up_time": str(74_859 // (number + 1)),
                "created_at": str(created),
                "updated_at": str(created + 74_859_000),
                "last_completed": "0" if seeding else str(created + 1_820_000),
                "torrent_title": torrent.fields["title"],
                "torrent_infohash": torrent.infohash,
                "torrent_filesize": torrent.fields["filesize"],
                "peers": [
                    {
                        "torrent_id": torrent.id,
                        "peer_id": "-qB4650-" if seeding else "-TR4000-",
                        "upload": str(63_093_967 // (number + 1)),
                        "download": "0",
                        "left": "0",
                        "first_seen": str(created),
                        "last_seen": str(created + 74_859_000),
                        "user_agent": "qBittorrent/4.6.5" if seeding else "Transmission/4.0",
                        "est_upload_speed": 3911 if seeding else 0,
                        "est_download_speed": 0,
                        "ip": "192.0.2.10",
                        "port": 58071 + number,
                    }
                ],
            }
        )
    return peers


def _user(index: int, name: str) -> dict[str, Any]:
    return {
        "id": user_id(index),
        "username": name,
        "display_name": name.capitalize(),
        "pfp_hash": None if index % 2 else hashlib.sha1(name.encode()).hexdigest(),
        "description": f"Hi, I'm {name.capitalize()}. I encode things.",
    }


def _group(index: int, seed: GroupSeed) -> dict[str, Any]:
    tag = seed.name.replace(" ", "")
    return {
        "id": group_id(index),
        "name": seed.name.lower(),
        "display_name": seed.name,
        "tag": tag.lower(),
        "display_tag": tag,
        "pfp_hash": None,
        "tagline": seed.tagline,
        "description": f"**{seed.name}** — {seed.tagline.lower()}.\n\nJoin us on IRC.",
        "anonymous": 0,
        "parent": None if seed.parent is None else group_id(seed.parent),
        "members": [user_id(index % len(USER_NAMES)), user_id((index + 3) % len(USER_NAMES))],
    }


def _media(index: int, seed: MediaSeed, rng: random.Random) -> dict[str, Any]:
    episodes = []
    for number in range(1, seed.episodes + 1):
        # Ended shows aired over a year before the demo's "today"; running ones up to it.
        air = DEMO_NOW - 7 * 86_400 * (seed.episodes - number) - (86_400 * 400 if seed.ended else 0)
        episodes.append(
            {
                "id": episode_id(index, number),
                "title": seed.title if seed.movie else f"Episode {number}",
                "season": 1,
                "episode": number,
                "absolute": number,
                "overview": f"Episode {number} of {seed.title}.",
                "runtime": 24,
                "airDateUtc": _iso(air),
                "tvdbId": 9_100_000 + 100 * index + number,
            }
        )
    return {
        "id": media_id(index),
        "title": seed.title,
        "year": seed.year,
        "genres": list(seed.genres),
        "overview": f"{seed.title}: an invented anime for the anitui demo.",
        "status": "ended" if seed.ended else "continuing",
        "banner_url": f"https://artworks.invalid/banners/{media_id(index)}.jpg",
        "runtime": 110 if seed.movie else 24,
        "tvdbId": 8_000_000 + index,
        "tmdbId": 7_000_000 + index if rng.random() < 0.9 else None,
        "imdbId": imdb_id(index),
        "alternate_titles": list(seed.alternate_titles),
        "notes": None,
        "episodes": episodes,
    }


def _iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _torrent(index: int, rng: random.Random, data: DemoData) -> DemoTorrent:
    tid = torrent_id(index)
    media_index = index % len(data.media)
    media = data.media[media_index]
    seed = MEDIA_SEEDS[media_index]
    group_index: int | None = rng.randrange(len(GROUP_SEEDS)) if index % 9 else None
    group_name = GROUP_SEEDS[group_index].name if group_index is not None else None
    resolution = _RESOLUTIONS[rng.randrange(4) if index % 3 == 0 else 0]
    codec = rng.choice((1, 1, 2, 2, 3))
    video_type = rng.choice(tuple(VIDEO_TYPES))
    audio_lang, sub_lang, fsub_lang = _LANG_SETS[rng.randrange(len(_LANG_SETS))]
    level = -1 if not (sub_lang or fsub_lang) else rng.choice((0, 1, 2, 3, 4))
    mtl = group_index == 6 or (level >= 0 and rng.random() < 0.08)
    otl = group_index == 4 and level >= 3
    hardsub = rng.random() < 0.1
    batch = not seed.movie and index % 5 == 4
    episode = 1 + (index // len(data.media)) % max(1, seed.episodes)
    tags = f"[{VIDEO_TYPES[video_type]} {resolution} {VIDEO_CODECS[codec]}][{rng.choice(_AUDIO)}]"
    prefix = f"[{group_name}] " if group_name else ""
    if seed.movie:
        title = f"{prefix}{seed.title} ({seed.year}) {tags}"
        episode_numbers = [1]
    elif batch:
        title = f"{prefix}{seed.title} (01-{seed.episodes:02d}) {tags} [Batch]"
        episode_numbers = list(range(1, seed.episodes + 1))
    else:
        title = f"{prefix}{seed.title} - {episode:02d} {tags}"
        episode_numbers = [episode]
    if hardsub:
        title += " [Hardsub]"
    name = _safe_name(title)
    height = clip_height(resolution)
    files: list[tuple[str, int]] = []
    for number in episode_numbers:
        file_name = name if len(episode_numbers) == 1 else f"{seed.title} - {number:02d}"
        # A film makes a bigger file than an episode, as it would.
        extra = (8, 12) if seed.movie else (2, 6)
        size = video_size(height, "nekobt", tid, number, extra_pieces=extra)
        files.append((f"{_safe_name(file_name)}.mkv", size))
    uploaded = (DEMO_NOW - 3_600 * (3 * index + rng.randrange(3))) * 1000 + rng.randrange(1000)
    seeders = rng.choice((0, 1, 3, 12, 52, 140, 900))
    uploader = rng.randrange(len(USER_NAMES))
    anonymous = index % 13 == 5
    animetosho = {11: "skipped", 12: "not_found", 13: "no_media", 14: "error"}.get(index, "ok")
    audio_langs = audio_lang.split(",")
    fields: dict[str, Any] = {
        "id": tid,
        "uploaded_at": str(uploaded),
        "title": title,
        "auto_title": (
            f"{title} {{Tags:{'OTL;' if otl else ''}L{level};V{video_type};C{codec};"
            f"{''.join(f'A-{lang};' for lang in audio_langs)}"
            f"{''.join(f'F-{lang};' for lang in fsub_lang.split(',') if lang)}}}"
        ),
        "description": None if index % 6 == 3 else _description(title, group_name, index),
        "mediainfo": None if index % 4 == 2 else _mediainfo(name, resolution, codec),
        "category": 1,
        "deleted": None,
        "hidden": False,
        "waiting_approve": False,
        "otl": otl,
        "hardsub": hardsub,
        "level": level,
        "mtl": mtl,
        "filesize": str(sum(size for _, size in files)),
        "media_id": media["id"],
        "media_episode_ids": [str(episode_id(media_index, n)) for n in episode_numbers],
        "audio_lang": audio_lang,
        "sub_lang": sub_lang,
        "fsub_lang": fsub_lang,
        "video_codec": codec,
        "video_type": video_type,
        "anonymous": anonymous,
        "upgraded": None,
        "imported": 1_900_000 + index if index % 10 == 9 else None,
        "nyaa_upload_time": str(uploaded - 86_400_000) if index % 10 == 9 else None,
        "seeders": str(seeders),
        "leechers": str(rng.choice((0, 0, 1, 2, 7))),
        "completed": str(seeders * rng.randrange(2, 30)),
        "activity": str(rng.randrange(0, 9000)),
        "torrent_health": str(rng.choice((0, 40, 75, 100))) if seeders else "0",
    }
    secondary: tuple[int, ...] = ()
    if group_index is not None and group_index in (1, 4) and index % 2:
        secondary = ((group_index + 1) % len(GROUP_SEEDS),)
    contributors = (uploader, (uploader + 2) % len(USER_NAMES))
    return DemoTorrent(
        id=tid,
        fields=fields,
        name=name,
        files=tuple(files),
        height=height,
        primary_group=group_index,
        secondary_groups=secondary,
        uploader=uploader,
        contributors=contributors,
        comments=_comments(tid, index, uploaded),
        animetosho=animetosho,
    )


def _description(title: str, group: str | None, index: int) -> str:
    who = group or "an unaffiliated encoder"
    return (
        f"## {title}\n\nReleased by **{who}**.\n\n"
        f"- Video: see the mediainfo tab\n- Subtitles: *typeset*, `styled`\n\n"
        f"[Our site](https://example.invalid/{index}) · [b]not bbcode[/b]"
    )


def _mediainfo(name: str, resolution: str, codec: int) -> str:
    height = resolution.rstrip("p")
    return (
        "General\n"
        f"Complete name                            : {name}.mkv\n"
        "Format                                   : Matroska\n"
        "Duration                                 : 23 min 40 s\n\n"
        "Video\n"
        f"Format                                   : {VIDEO_CODECS[codec]}\n"
        f"Height                                   : {height} pixels\n\n"
        "Audio\nLanguage                                 : Japanese\n\n"
        "Text\nLanguage                                 : English\n"
    )


def _comments(tid: str, index: int, uploaded: int) -> list[dict[str, Any]]:
    if index % 3:
        return []
    root = _comment(f"{tid}1", 0, "Thanks for the release!", None, uploaded + 60_000)
    root["children"] = [
        _comment(f"{tid}2", 1, "@Kisaragi agreed, the typesetting is great", root["id"], None),
        {
            **_comment(f"{tid}3", 0, "[deleted]", root["id"], None),
            "deleted": True,
            "user_id": "0",
            "display_name": "[deleted]",
        },
    ]
    root["children"][0]["last_edit"] = uploaded + 120_000
    second = _comment(f"{tid}4", 2, "Any chance of a 720p version? [b]please[/b]", None, None)
    second["children"] = []
    return [root, second]


def _comment(
    comment_id: str, user: int, text: str, replying_to: str | None, edited: int | None
) -> dict[str, Any]:
    return {
        "id": comment_id,
        "deleted": False,
        "user_id": user_id(user),
        "text": text,
        "replying_to": replying_to,
        "display_name": USER_NAMES[user].capitalize(),
        "pfp_hash": None,
        "positive": str(len(text) % 5),
        "negative": "0",
        "pinned": replying_to is None and user == 0,
        "user_rating": None,
        "last_edit": edited,
    }


def _build_info(torrent: DemoTorrent) -> None:
    video = torrent.video()
    torrent.info = video.info
    torrent.infohash = video.info_hash


def _safe_name(name: str) -> str:
    cleaned = _UNSAFE_PATH_CHARS.sub("_", name).strip(" .")
    return cleaned[:120] or "untitled"
