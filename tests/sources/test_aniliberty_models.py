"""Reading AniLiberty API v1 answers into the domain models: payloads shaped like the OpenAPI
file's schemas (its examples) and the variants the client notes describe."""

from __future__ import annotations

from typing import Any

import pytest

from app.sources.aniliberty.client import parse_aniliberty_error
from app.sources.aniliberty.compat import v1_fields
from app.sources.aniliberty.models import (
    Franchise,
    Otp,
    PageInfo,
    Profile,
    ScheduleEntry,
    data_list,
    merge_feed,
    one_object,
    paged,
    parse_collection_ids,
    parse_release,
    parse_release_episode,
    parse_timecodes,
    parse_video,
    schedule_days,
    timestamp,
)
from app.sources.anilibria.client import stream_url_for
from app.sources.anilibria.models import Hls, Player, Series
from app.sources.errors import BadResponseError
from app.sources.redaction import redact

HLS = "https://cache.libria.fun/videos/media/ts/9873/1/720/abc.m3u8?isWithAds=1&countryIso=RU"


def episode(ordinal: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"9b5e26ee-598f-4b8b-b77e-{str(ordinal).replace('.', '')}",
        "name": "Пролог",
        "ordinal": ordinal,
        "sort_order": ordinal,
        "duration": 1432,
        "hls_480": None,
        "hls_720": HLS,
        "hls_1080": None,
        "opening": {"start": 6, "stop": 125},
        "ending": None,
        "preview": {"src": "/storage/previews/1.jpg", "thumbnail": "/storage/previews/1t.jpg"},
        "updated_at": "2021-11-25T18:46:30+00:00",
        **extra,
    }


TORRENT = {
    "id": 18523,
    "hash": "8a8fb94b1bd22b44a116336bab6bf209d0ac3a90",
    "size": 7356495551,
    "type": {"value": "WEBRip", "description": "WEBRip"},
    "codec": {"value": "x265/HEVC", "label": "HEVC"},
    "quality": {"value": "1080p", "description": "1080p"},
    "label": "Shaman King (2021) - AniLibria.TV [WEB-Rip 1080p]",
    "magnet": "magnet:?xt=urn:btih:8a8fb94b1bd22b44a116336bab6bf209d0ac3a90",
    "filename": "Shaman King.torrent",
    "seeders": 234,
    "leechers": 58,
    "completed_times": 13538,
    "is_hardsub": True,
    "description": "1-17 + OVA(1-4)",
    "created_at": "2021-09-21T11:45:00+00:00",
    "updated_at": "2021-09-22T16:20:38+00:00",
}

RELEASE: dict[str, Any] = {
    "id": 7439,
    "type": {"value": "TV", "description": "ТВ"},
    "year": 2018,
    "name": {
        "main": "Мастера Меча Онлайн: Алисизация",
        "english": "Sword Art Online: Alicization",
        "alternative": "War of Underworld",
    },
    "alias": "sword-art-online-alicization",
    "season": {"value": "autumn", "description": "Осень"},
    "poster": {
        "preview": "/storage/releases/posters/7439/big.jpg",
        "thumbnail": "/storage/releases/posters/7439/thumb.jpg",
        "optimized": {"preview": "/storage/releases/posters/7439/big.webp"},
    },
    "fresh_at": "2019-12-29T23:06:39+00:00",
    "updated_at": "2023-08-20T15:08:20+00:00",
    "is_ongoing": False,
    "is_in_production": False,
    "publish_day": {"value": 7, "description": "Воскресенье"},
    "description": "Underworld - мир...",
    "notification": "Серии выходят по воскресеньям",
    "episodes_total": 36,
    "external_player": "//kodik.info/serial/1",
    "is_blocked_by_geo": False,
    "is_blocked_by_copyrights": True,
    "added_in_users_favorites": 25557,
    "average_duration_of_episode": 25,
    "genres": [{"id": 21, "name": "Комедия"}, {"id": 3, "name": "Фэнтези"}],
    "members": [
        {"id": "m1", "nickname": "Zvukar", "role": {"value": "voicing", "description": "Озвучка"}},
        {"id": "m2", "nickname": "Tuxoid", "role": {"value": "hevc"}},
        {"id": "m3", "nickname": "Lisa", "role": {"value": "translating"}},
    ],
    "episodes": [episode(12.5), episode(2.0), episode(0), episode(None)],
    "torrents": [TORRENT],
    "shikimori": {"id": 36474},
}


def test_a_release_becomes_a_title() -> None:
    title = parse_release(RELEASE)

    assert (title.id, title.code) == (7439, "sword-art-online-alicization")
    assert title.names.ru == "Мастера Меча Онлайн: Алисизация"
    assert title.names.en == "Sword Art Online: Alicization"
    assert title.names.alternative == "War of Underworld"
    assert title.announce == "Серии выходят по воскресеньям"
    assert title.status is not None and title.status.code == 2
    assert title.type is not None
    assert (title.type.code, title.type.string, title.type.series, title.type.length) == (
        1,
        "TV",
        36,
        25,
    )
    # v1 counts Monday as 1, v2 as 0.
    assert title.season is not None
    assert (title.season.code, title.season.year, title.season.week_day) == (4, 2018, 6)
    assert title.genres == ("Комедия", "Фэнтези")
    assert title.updated == timestamp("2019-12-29T23:06:39+00:00") == 1577660799
    assert title.last_change == 1692544100
    assert title.in_favorites == 25557
    assert title.blocked is not None and title.blocked.blocked and title.blocked.bakanim
    assert title.posters is not None
    assert title.posters.original.url == "/storage/releases/posters/7439/big.jpg"
    assert title.posters.medium.url == "/storage/releases/posters/7439/big.webp"
    assert title.posters.small.url == "/storage/releases/posters/7439/thumb.jpg"
    assert title.team is not None
    assert (title.team.voice, title.team.translator, title.team.timing) == (
        ("Zvukar",),
        ("Lisa",),
        (),
    )


def test_episodes_keep_whole_ordinals_as_ints_and_drop_numberless_ones() -> None:
    player = parse_release(RELEASE).player
    assert player is not None
    assert [e.serie for e in player.episodes] == [0, 2, 12.5]
    assert [type(e.serie) for e in player.episodes] == [int, int, float]
    assert player.series == Series(0, 2, "0-2")
    assert player.alternative_player == "//kodik.info/serial/1"
    first = player.episodes[0]
    assert first.uuid == "9b5e26ee-598f-4b8b-b77e-0"
    assert first.hls == Hls(fhd=None, hd=HLS, sd=None)
    assert first.skips.opening == (6.0, 125.0) and first.skips.ending == ()
    assert first.preview == "/storage/previews/1.jpg"
    # The player needs a host; v1's links carry theirs.
    assert player.host == "cache.libria.fun"


def test_an_absolute_v1_stream_link_plays_as_it_is_and_a_v2_path_gets_the_host() -> None:
    player = parse_release(RELEASE).player
    assert player is not None
    path = player.episodes[0].hls.hd
    assert path is not None
    api = "https://anilibria.top/api/v1"
    assert stream_url_for(player, path, api_url=api, api="x") == HLS
    v2_player = Player(None, "cache.libria.fun", Series(1, 1, "1"), ())
    assert (
        stream_url_for(v2_player, "/videos/1.m3u8", api_url="https://api.test/v2", api="x")
        == "https://cache.libria.fun/videos/1.m3u8"
    )


def test_torrents_map_quality_range_and_hash_without_a_file_list() -> None:
    torrents = parse_release(RELEASE).torrents
    assert torrents is not None
    (torrent,) = torrents.list
    assert torrent.torrent_id == 18523
    assert torrent.hash == "8a8fb94b1bd22b44a116336bab6bf209d0ac3a90"
    assert torrent.metadata is None and torrent.raw_base64_file is None
    assert torrent.series == Series(1, 17, "1-17 + OVA(1-4)")
    assert torrent.quality.string == "WEBRip 1080p H265"
    assert (torrent.quality.type, torrent.quality.resolution, torrent.quality.encoder) == (
        "WEBRip",
        1080,
        "h265",
    )
    assert (torrent.seeders, torrent.leechers, torrent.downloads) == (234, 58, 13538)
    assert torrent.total_size == 7356495551
    assert torrent.url == "anime/torrents/18523/file"
    assert torrent.uploaded_timestamp == timestamp("2021-09-22T16:20:38+00:00")
    assert torrents.series == Series(1, 17, "1-17")


def test_a_release_s_torrents_may_be_one_object() -> None:
    title = parse_release({**RELEASE, "torrents": TORRENT})
    assert title.torrents is not None and len(title.torrents.list) == 1


def test_a_release_may_name_its_shikimori_and_mal_ids() -> None:
    linked = parse_release({**RELEASE, "shikimori": {"id": 5114, "url": "x"}, "mal": {"id": 5114}})
    assert (linked.shikimori_id, linked.mal_id) == (5114, 5114)
    bare = {key: value for key, value in RELEASE.items() if key != "shikimori"}
    assert (parse_release(bare).shikimori_id, parse_release(bare).mal_id) == (None, None)
    odd = parse_release({**RELEASE, "shikimori": {"id": "none"}, "mal": 42})
    assert (odd.shikimori_id, odd.mal_id) == (None, None)


def test_missing_unknown_and_mistyped_fields_never_crash() -> None:
    empty = parse_release({"surprise": {"x": 1}})
    assert empty.id == 0 and empty.names.ru is None
    assert empty.player is None and empty.torrents is None and empty.team is None
    assert empty.type is None and empty.season is None and empty.status is None
    odd = parse_release(
        {
            "id": "12",
            "name": "not an object",
            "poster": None,
            "episodes": [{"ordinal": "3", "hls_720": 5, "opening": {"start": "x"}}, "junk"],
            "torrents": [{"quality": {"value": "4k"}, "description": None}],
            "publish_day": {"value": 9},
        }
    )
    assert odd.id == 12 and odd.names.ru is None
    assert odd.player is not None and [e.serie for e in odd.player.episodes] == [3]
    assert odd.player.episodes[0].hls.hd is None and odd.player.host is None
    assert odd.torrents is not None and odd.torrents.list[0].quality.resolution == 2160
    assert odd.season is not None and odd.season.week_day is None


def test_a_release_answer_is_an_object_an_array_of_one_or_under_data() -> None:
    for body in (RELEASE, [RELEASE], {"data": RELEASE}):
        assert parse_release(one_object(body, "the release")).id == 7439
    with pytest.raises(BadResponseError):
        one_object([RELEASE, RELEASE], "the release")


def schedule_item(release_id: int, day: int) -> dict[str, Any]:
    return {
        "release": {"id": release_id, "publish_day": {"value": day}},
        "full_season_is_released": False,
        "published_release_episode": episode(8),
        "next_release_episode_number": 9,
    }


@pytest.mark.parametrize("wrapped", [False, True], ids=["bare array", "under data"])
def test_the_week_schedule_is_grouped_by_weekday_in_either_shape(wrapped: bool) -> None:
    items = [schedule_item(1, 7), schedule_item(2, 1), schedule_item(3, 1), {"release": {"id": 4}}]
    body: Any = {"data": items} if wrapped else items
    entries = [ScheduleEntry.parse(item) for item in data_list(body, "the schedule")]
    assert entries[0].next_episode_number == 9
    assert entries[0].published_episode is not None and entries[0].published_episode.serie == 8
    days = schedule_days(entries)
    assert [(d.day, [t.id for t in d.titles]) for d in days] == [(0, [2, 3]), (6, [1])]


def test_paged_lists_read_their_pagination() -> None:
    body = {
        "data": [RELEASE],
        "meta": {
            "pagination": {
                "total": 1704,
                "count": 10,
                "per_page": 10,
                "current_page": 5,
                "total_pages": 171,
                "links": {"previous": "/x?page=4", "next": "/x?page=6"},
            }
        },
    }
    page = paged(body, parse_release, "the catalog")
    assert page.page == PageInfo(1704, 10, 10, 5, 171) and page.page.has_next
    assert [t.id for t in page.items] == [7439]
    bare = paged([RELEASE], parse_release, "the search")
    assert bare.page.total_pages == 1 and not bare.page.has_next


def test_pairs_and_triples_flat_nested_or_as_objects() -> None:
    flat = [[8345, "WATCHING"], [9021, "PLANNED"], ["junk"]]
    assert parse_collection_ids(flat) == parse_collection_ids([flat])
    assert [(e.release_id, e.collection) for e in parse_collection_ids(flat)] == [
        (8345, "WATCHING"),
        (9021, "PLANNED"),
    ]
    uuid = "68d4d5c5-e3d5-419f-a21c-c511b6b251f5"
    triples = [[uuid, 743, True], [uuid, "x", False]]
    assert parse_timecodes(triples) == parse_timecodes([triples])
    (code,) = parse_timecodes(triples)
    assert (code.episode_uuid, code.seconds, code.is_watched) == (uuid, 743.0, True)
    objects = [{"release_episode_id": uuid, "time": 743.5, "is_watched": False}]
    assert parse_timecodes(objects)[0].seconds == 743.5


def test_small_models_of_v1() -> None:
    otp = Otp.parse(
        {
            "otp": {"code": "058701", "user_id": None, "expired_at": "2021-09-28T19:40:26+00:00"},
            "remaining_time": 120,
        },
        "device-1",
    )
    assert (otp.code, otp.device_id, otp.remaining_time) == ("058701", "device-1", 120)
    profile = Profile.parse(
        {
            "id": 4837362,
            "login": "animeshnik_488",
            "nickname": "Animeshnik488",
            "avatar": {"preview": "/storage/avatars/1.jpg"},
            "torrents": {"passkey": "xBSmRDA95bJXPk3E", "uploaded": 9, "downloaded": 2},
        }
    )
    assert (profile.passkey, profile.avatar, profile.uploaded) == (
        "xBSmRDA95bJXPk3E",
        "/storage/avatars/1.jpg",
        9,
    )
    franchise = Franchise.parse(
        {
            "id": "116e17d2",
            "name": "Re: Жизнь в другом мире с нуля",
            "rating": 8.45,
            "total_duration_in_seconds": 183600,
            "franchise_releases": [
                {"sort_order": 2, "release_id": 9045, "release": {"id": 9045}},
                {"sort_order": 1, "release_id": 9001},
            ],
        }
    )
    assert [r.release_id for r in franchise.releases] == [9001, 9045]
    assert franchise.rating == 8.45 and franchise.releases[1].title is not None
    episode_answer = parse_release_episode({**episode(5), "release": {"id": 7439}})
    assert episode_answer.episode.serie == 5 and episode_answer.title is not None


def test_the_feed_mixes_releases_and_videos_newest_first() -> None:
    video = parse_video(
        {
            "id": 57,
            "url": "https://www.youtube.com/watch?v=8f6FpV4sB0I",
            "title": "ТОП 10",
            "created_at": "2021-09-22T16:20:38+00:00",
        }
    )
    assert video.youtube_id == "8f6FpV4sB0I"
    older = parse_release({"id": 1, "fresh_at": "2021-09-01T00:00:00+00:00"})
    newer = parse_release({"id": 2, "fresh_at": "2021-10-01T00:00:00+00:00"})
    feed = merge_feed([older, newer], [video])
    assert [(f.title.id if f.title else None, f.youtube is not None) for f in feed] == [
        (2, False),
        (None, True),
        (1, False),
    ]


def test_v2_filter_paths_become_v1_include_paths() -> None:
    assert v1_fields(None) is None
    assert v1_fields(("id", "names", "player.series", "nonsense")) == (
        "id",
        "name",
        "episodes.ordinal",
    )
    feed = ("title.id", "title.code", "youtube.id")
    assert v1_fields(feed, prefix="title.") == ("id", "alias")


def test_the_error_parser_keeps_field_messages_and_never_retries_a_v2_body() -> None:
    body = {"message": "invalid", "errors": {"limit": ["The limit may not be greater than 50."]}}
    parsed = parse_aniliberty_error(422, body)
    assert parsed.message == "limit: The limit may not be greater than 50."
    assert not parsed.retryable
    assert parse_aniliberty_error(503, {"message": "down"}).retryable
    assert not parse_aniliberty_error(500, {"error": {"code": 503, "message": "x"}}).retryable


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer eyJpdiI6ImJDeElk==",
        "{'authorization': 'Bearer eyJpdiI6ImJDeElk=='}",
        '"Authorization": "Bearer eyJpdiI6ImJDeElk=="',
        "sent Bearer eyJpdiI6ImJDeElk== upstream",
        '{"token": "eyJpdiI6ImJDeElk=="}',
    ],
)
def test_authorization_headers_and_bearer_tokens_are_redacted(text: str) -> None:
    assert "eyJpdiI6ImJDeElk" not in redact(text)
    assert "***" in redact(text)
