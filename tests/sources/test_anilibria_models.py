"""Parsing AniLibria bodies: both documented generations, nulls, missing keys, wrong types."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.sources.anilibria.models import (
    Blocked,
    Episode,
    Fetched,
    Hls,
    Names,
    Poster,
    Quality,
    Series,
    Skips,
    Title,
    TitleType,
    parse_caching_nodes,
    parse_feed,
    parse_genres,
    parse_schedule,
    parse_seed_stats,
    parse_team_response,
    parse_title,
    parse_titles,
    parse_years,
    parse_youtube,
)
from app.sources.errors import BadResponseError

# The getTitle example of v2.13.15, with the playlist's "..." filled in by a second episode.
TITLE_2_13_15: dict[str, Any] = {
    "id": 8500,
    "code": "nanatsu-no-taizai-kamigami-no-gekirin",
    "names": {
        "ru": "Семь смертных грехов: Гнев богов ТВ-3",
        "en": "Nanatsu no Taizai: Kamigami no Gekirin TV-3",
        "alternative": None,
    },
    "announce": "В 24 серии замена войсера. В течение недели будет исправление.",
    "status": {"string": "Завершен", "code": 2},
    "posters": {
        "small": {
            "url": "/storage/releases/posters/8500/W4Q1mG49XVQnOUnc.jpg",
            "raw_base64_file": None,
        },
        "medium": {
            "url": "/storage/releases/posters/8500/W4Q1mG49XVQnOUnc.jpg",
            "raw_base64_file": None,
        },
        "original": {
            "url": "/storage/releases/posters/8500/W4Q1mG49XVQnOUnc.jpg",
            "raw_base64_file": None,
        },
    },
    "updated": 1585249972,
    "last_change": 1642539074,
    "type": {
        "full_string": "ТВ (24 эп.), 25 мин.",
        "code": 1,
        "string": "TV",
        "series": 24,
        "length": 25,
    },
    "genres": ["Магия", "Приключения", "Сверхъестественное", "Сёнен", "Экшен"],
    "team": {
        "voice": ["Anzen", "Cleo-chan", "Hekomi", "Kari", "Sharon"],
        "translator": ["Anku"],
        "editing": ["mutagenb"],
        "decor": [],
        "timing": ["Alkhorus"],
    },
    "season": {"string": "осень", "code": 4, "year": 2019, "week_day": 4},
    "description": "Продолжение аниме «Семь смертных грехов» ...",
    "in_favorites": 10333,
    "blocked": {"blocked": False, "bakanim": False},
    "player": {
        "alternative_player": "//kodik.info/serial/19248/803944eb832adacd4d4bec7d4221f941/720p",
        "host": "de4.libria.fun",
        "series": {"first": 1, "last": 24, "string": "1-24"},
        "playlist": {
            "2": {
                "serie": 2,
                "created_timestamp": 1571414072,
                "preview": "/storage/releases/episodes/previews/8500/2/x.jpg",
                "skips": {"opening": [95, 180.5], "ending": []},
                "hls": {"fhd": "/videos/media/ts/8500/2/1080/b.m3u8", "hd": None, "sd": None},
            },
            "1": {
                "serie": 1,
                "created_timestamp": 1570809272,
                "preview": None,
                "skips": {"opening": [], "ending": []},
                "hls": {
                    "fhd": "/videos/media/ts/8500/1/1080/6a6fc29f9428b2dcc8ce74ad21bb1cca.m3u8",
                    "hd": "/videos/media/ts/8500/1/720/8e5d9ba9e79d80ca6b6db6e6e375b4bb.m3u8",
                    "sd": "/videos/media/ts/8500/1/480/93048587fb765c9f2077ca7adad9457e.m3u8",
                },
            },
        },
    },
    "torrents": {
        "series": {"first": 1, "last": 24, "string": "1-24"},
        "list": [
            {
                "torrent_id": 10725,
                "series": {"first": 1, "last": 24, "string": "1-24"},
                "quality": {
                    "string": "WEBRip 1080p",
                    "type": "WEBRip",
                    "resolution": "1080p",
                    "encoder": "h264",
                    "lq_audio": None,
                },
                "leechers": 1,
                "seeders": 17,
                "downloads": 10692,
                "total_size": 35521275317,
                "url": "/public/torrent/download.php?id=10725",
                "uploaded_timestamp": 1590483840,
                "hash": "e45884bf43636bf61512a6c5eb1b7b9b0e84a925",
                "metadata": None,
                "raw_base64_file": None,
            }
        ],
    },
}


def title_2_13_1() -> dict[str, Any]:
    """The same title as v2.13.1 documented it: the older field types."""
    old = copy.deepcopy(TITLE_2_13_15)
    old["type"]["length"] = "25 мин"
    old["posters"]["small"]["url"] = "/media/releases/posters/8500/upFsMkr3ZkMtBQEC.jpg"
    quality = old["torrents"]["list"][0]["quality"]
    quality["resolution"] = 1080
    quality["lq_audio"] = False
    del old["torrents"]["list"][0]["hash"]
    for episode in old["player"]["playlist"].values():
        del episode["preview"], episode["skips"]
    return old


def test_full_title_from_the_spec_example() -> None:
    title = parse_title(TITLE_2_13_15)

    assert title.id == 8500
    assert title.display_name == "Семь смертных грехов: Гнев богов ТВ-3"
    assert title.names.alternative is None
    assert title.status is not None and title.status.code == 2
    assert title.posters is not None
    assert title.posters.original == Poster(
        "/storage/releases/posters/8500/W4Q1mG49XVQnOUnc.jpg", None
    )
    assert title.type == TitleType("ТВ (24 эп.), 25 мин.", 1, "TV", 24, 25)
    assert title.genres[0] == "Магия" and isinstance(title.genres, tuple)
    assert title.team is not None and title.team.decor == () and title.team.translator == ("Anku",)
    assert title.season is not None and title.season.week_day == 4
    assert title.blocked == Blocked(blocked=False, bakanim=False)
    assert title.in_favorites == 10333

    player = title.player
    assert player is not None
    assert player.host == "de4.libria.fun"
    assert player.series == Series(1, 24, "1-24")
    assert [e.serie for e in player.episodes] == [1, 2]  # sorted, though the object had "2" first
    assert player.episodes[1].skips == Skips(opening=(95.0, 180.5), ending=())
    assert player.episodes[1].hls == Hls("/videos/media/ts/8500/2/1080/b.m3u8", None, None)

    assert title.torrents is not None
    torrent = title.torrents.list[0]
    assert torrent.torrent_id == 10725
    assert torrent.quality == Quality("WEBRip 1080p", "WEBRip", 1080, "h264", None)
    assert torrent.total_size == 35521275317
    assert torrent.hash == "e45884bf43636bf61512a6c5eb1b7b9b0e84a925"
    assert torrent.metadata is None


def test_older_generation_parses_to_the_same_types() -> None:
    title = parse_title(title_2_13_1())

    assert title.type is not None and title.type.length == 25
    assert title.torrents is not None
    quality = title.torrents.list[0].quality
    assert quality.resolution == 1080
    assert quality.lq_audio is False
    assert title.torrents.list[0].hash is None
    assert title.player is not None
    assert title.player.episodes[0].skips == Skips((), ())
    assert title.player.episodes[0].preview is None


@pytest.mark.parametrize(
    ("length", "minutes"),
    [
        (25, 25),
        ("25 мин", 25),
        ("25 мин.", 25),
        ("24", 24),
        (None, None),
        ("около часа", None),
        (True, None),
    ],
)
def test_episode_length_in_either_form(length: Any, minutes: int | None) -> None:
    assert TitleType.parse({"length": length}).length == minutes


@pytest.mark.parametrize(
    ("resolution", "lines"),
    [
        (1080, 1080),
        ("1080p", 1080),
        ("720", 720),
        ("720P", 720),
        (None, None),
        ("HD", None),
        (1080.0, 1080),
    ],
)
def test_resolution_in_either_form(resolution: Any, lines: int | None) -> None:
    assert Quality.parse({"resolution": resolution}).resolution == lines


@pytest.mark.parametrize(
    ("raw", "value"), [(False, False), (True, True), (None, None), (0, None), ("no", None)]
)
def test_lq_audio(raw: Any, value: bool | None) -> None:
    assert Quality.parse({"lq_audio": raw}).lq_audio is value


def test_playlist_array_and_object_give_the_same_episodes() -> None:
    as_object = TITLE_2_13_15["player"]
    as_array = dict(as_object, playlist=list(as_object["playlist"].values()))

    from_object = parse_title({"player": as_object}).player
    from_array = parse_title({"player": as_array}).player

    assert from_object is not None and from_array is not None
    assert from_object.episodes == from_array.episodes
    assert [e.serie for e in from_array.episodes] == [1, 2]


def test_episode_numbers_from_keys_fractions_and_garbage() -> None:
    player = parse_title(
        {
            "player": {
                "playlist": {
                    "3": {"hls": {"sd": "/c.m3u8"}},  # no serie: the key says 3
                    "12.5": {"serie": 12.5},
                    "x": {"name": "no number anywhere"},  # dropped
                    "4": None,  # filtered away
                    "1": {"serie": "1", "name": "Начало", "uuid": "u-1"},
                }
            }
        }
    ).player

    assert player is not None
    assert [e.serie for e in player.episodes] == [1, 3, 12.5]
    assert player.episodes[0] == Episode(
        1, "Начало", "u-1", None, None, Skips((), ()), Hls(None, None, None)
    )
    assert isinstance(player.episodes[0].serie, int)
    assert player.episodes[1].hls.sd == "/c.m3u8"
    assert player.series == Series(None, None, None)


def test_filtered_title_keeps_what_came_and_defaults_the_rest() -> None:
    # /getTitle?id=8500&filter=posters,type,status: no id, names, player, torrents ...
    body = {k: TITLE_2_13_15[k] for k in ("posters", "type", "status")}
    title = parse_title(body)

    assert title.id == 0
    assert title.display_name == "#0"
    assert title.names == Names(None, None, None)
    assert title.genres == ()
    assert title.player is None and title.torrents is None and title.team is None
    assert title.blocked is None and title.season is None and title.description is None
    assert title.status is not None and title.type is not None and title.posters is not None


def test_display_name_falls_back_to_english_then_code() -> None:
    assert parse_title({"id": 1, "names": {"en": "Frieren"}}).display_name == "Frieren"
    assert parse_title({"id": 1, "code": "frieren", "names": {"ru": ""}}).display_name == "frieren"


def test_nulls_everywhere() -> None:
    body = {key: None for key in TITLE_2_13_15}
    title = parse_title(body)

    assert title == Title(
        id=0,
        code=None,
        names=Names(None, None, None),
        announce=None,
        status=None,
        posters=None,
        updated=None,
        last_change=None,
        type=None,
        genres=(),
        team=None,
        season=None,
        description=None,
        in_favorites=None,
        blocked=None,
        player=None,
        torrents=None,
    )


def test_wrong_types_never_crash() -> None:
    body: dict[str, Any] = {
        "id": "8500",  # a numeric string is still the id
        "code": 42,
        "names": ["not", "an", "object"],
        "status": "Завершен",
        "posters": {"small": "x.jpg", "medium": None},
        "updated": "yesterday",
        "type": {"series": "24", "code": True},
        "genres": ["Магия", 3, None, {"x": 1}],
        "team": {"voice": "Anzen"},
        "season": [],
        "in_favorites": 1.5,
        "blocked": {"blocked": "yes"},
        "player": {"playlist": "none", "series": 5, "host": ["h"]},
        "torrents": {"list": [None, 5, {"torrent_id": None, "quality": "1080p", "metadata": []}]},
        "unknown_key": {"ignored": True},
    }
    title = parse_title(body)

    assert title.id == 8500
    assert title.code is None
    assert title.names == Names(None, None, None)
    assert title.status is None
    assert title.posters is not None and title.posters.small == Poster(None, None)
    assert title.updated is None
    assert title.type is not None and title.type.series == 24 and title.type.code is None
    assert title.genres == ("Магия",)
    assert title.team is not None and title.team.voice == ()
    assert title.season is None
    assert title.in_favorites is None
    assert title.blocked == Blocked(False, False)
    assert title.player is not None
    assert title.player.episodes == () and title.player.host is None
    assert title.player.series == Series(None, None, None)
    assert title.torrents is not None and len(title.torrents.list) == 1
    torrent = title.torrents.list[0]
    assert torrent.torrent_id == 0 and torrent.seeders == 0
    assert torrent.quality == Quality(None, None, None, None, None)
    assert torrent.metadata is None


def test_torrent_metadata() -> None:
    torrent_list = {
        "list": [
            {
                "torrent_id": 1,
                "metadata": {
                    "hash": "abc",
                    "name": "Frieren",
                    "announce": ["http://tracker/announce", 7],
                    "created_timestamp": 1700000000,
                    "files_list": [
                        {"file": "Frieren/01.mkv", "size": 100, "offset": 0},
                        {"file": None, "size": "x", "offset": 100},
                        "junk",
                    ],
                },
            }
        ]
    }
    title = parse_title({"torrents": torrent_list})

    assert title.torrents is not None
    metadata = title.torrents.list[0].metadata
    assert metadata is not None
    assert metadata.announce == ("http://tracker/announce",)
    assert metadata.created_timestamp == 1700000000
    assert [(f.file, f.size, f.offset) for f in metadata.files_list] == [
        ("Frieren/01.mkv", 100, 0),
        ("", 0, 100),
    ]


def test_models_are_frozen_and_slotted() -> None:
    title = parse_title(TITLE_2_13_15)
    with pytest.raises(AttributeError):
        title.id = 1  # type: ignore[misc]  # the write under test: mypy refuses it too
    assert not hasattr(title, "__dict__")
    assert not hasattr(title.player, "__dict__")


def test_fetched_is_generic() -> None:
    fetched = Fetched[int](5, 1700000000.0, from_cache=True)
    assert fetched.value == 5 and fetched.from_cache


def test_title_lists_and_schedule() -> None:
    assert [t.id for t in parse_titles([TITLE_2_13_15, None, {"id": 2}])] == [8500, 2]
    assert parse_titles([]) == ()

    schedule = parse_schedule([{"day": 5, "list": [TITLE_2_13_15]}, {"day": 6, "list": None}, []])
    assert [(d.day, len(d.titles)) for d in schedule] == [(5, 1), (6, 0)]


def test_youtube_and_feed() -> None:
    video = {
        "id": 341,
        "title": "АНОНС - АНИМЕ ЗИМА 2017",
        "image": "https://img.youtube.com/vi/OXBO4h3l3rM/0.jpg",
        "youtube_id": "OXBO4h3l3rM",
        "timestamp": 1503824801,
    }
    (parsed,) = parse_youtube([video])
    assert parsed.youtube_id == "OXBO4h3l3rM" and parsed.timestamp == 1503824801

    feed = parse_feed([{"youtube": video}, {"title": {"id": 8500}}, {}])
    assert feed[0].youtube == parsed and feed[0].title is None
    assert feed[1].title is not None and feed[1].title.id == 8500 and feed[1].youtube is None
    assert feed[2].title is None and feed[2].youtube is None


def test_reference_lists() -> None:
    assert parse_years([1996, 1998, "2001", None]) == (1996, 1998, 2001)
    assert parse_genres(["боевые искусства", "вампиры", 5]) == ("боевые искусства", "вампиры")
    assert parse_caching_nodes(["de3.libria.fun", "de2.libria.fun"]) == (
        "de3.libria.fun",
        "de2.libria.fun",
    )
    team = parse_team_response({"team": {"voice": ["Anzen"], "timing": ["Alkhorus"]}})
    assert team.voice == ("Anzen",) and team.timing == ("Alkhorus",) and team.decor == ()
    stats = parse_seed_stats(
        [{"downloaded": 72110162198, "uploaded": 1163165762554, "user": "T1MOX4"}]
    )
    assert stats[0].user == "T1MOX4" and stats[0].uploaded == 1163165762554


@pytest.mark.parametrize(
    ("parse", "body"),
    [
        (parse_title, [TITLE_2_13_15]),
        (parse_title, "not json object"),
        (parse_titles, TITLE_2_13_15),
        (parse_titles, None),
        (parse_schedule, {"day": 1}),
        (parse_youtube, {}),
        (parse_feed, 5),
        (parse_years, {"years": []}),
        (parse_genres, "Магия"),
        (parse_caching_nodes, None),
        (parse_team_response, ["Anzen"]),
        (parse_seed_stats, {}),
    ],
)
def test_top_level_of_the_wrong_kind_is_a_bad_response(parse: Any, body: Any) -> None:
    with pytest.raises(BadResponseError) as caught:
        parse(body)
    assert caught.value.api == "AniLibria"
