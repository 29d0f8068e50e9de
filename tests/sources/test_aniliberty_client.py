"""The AniLiberty API v1 client over real HTTP against the local v1 devserver (`/api/v1`).

Retries and waits use the injected `sleep` (nothing really waits). Tests that log in or change
an account use a devserver of their own; the rest share the session's.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from app.bencode import bdecode, bencode
from app.devserver.server import DevServer
from app.sources.aniliberty.client import RELEASE_LIST_FIELDS, AniLibertyClient
from app.sources.aniliberty.compat import V2CompatClient
from app.sources.aniliberty.errors import ApiV2OnlyError, ApiVersionError, ValidationError
from app.sources.aniliberty.models import Timecode
from app.sources.anilibria.models import Title
from app.sources.cache import HttpCache
from app.sources.errors import (
    AuthError,
    LoginFailedError,
    NotCachedError,
    NotFoundError,
    RateLimitedError,
)
from app.sources.http import HttpSettings
from app.sources.redaction import redact
from app.sources.search_filters import FilterKey, SearchQuery
from tests.sources.conftest import NOW, Sleeps, clock

DEMO_LOGIN = ("demo", "demo-password")


def make_client(
    api_url: str, sleeps: Sleeps, settings: HttpSettings, cache: HttpCache | None = None
) -> AniLibertyClient:
    return AniLibertyClient.create(
        api_url, cache=cache, settings=settings, sleep=sleeps, clock=clock
    )


@pytest.fixture
def server(devserver: DevServer) -> Iterator[DevServer]:
    """The session's devserver, its faults, recorded requests and variants reset."""
    devserver.faults.clear()
    devserver.requests.clear()
    yield devserver
    devserver.faults.clear()
    devserver.aniliberty.variants.schedule_week_bare = False
    devserver.aniliberty.variants.release_torrents_single = False
    devserver.aniliberty.variants.release_as_array = False


@pytest.fixture
async def client(
    server: DevServer, sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> AsyncIterator[AniLibertyClient]:
    made = make_client(server.aniliberty_api, sleeps, fast, cache)
    yield made
    await made.aclose()


@pytest.fixture
async def own(
    fresh_devserver: DevServer, sleeps: Sleeps, fast: HttpSettings
) -> AsyncIterator[AniLibertyClient]:
    """A client of a devserver of the test's own (accounts change)."""
    made = make_client(fresh_devserver.aniliberty_api, sleeps, fast)
    yield made
    await made.aclose()


def calls(server: DevServer, path: str) -> list[Any]:
    return [r for r in server.requests if r.path == "/api/v1/" + path]


async def some_release(client: AniLibertyClient) -> Title:
    """A release with episodes and torrents, read whole."""
    page = (await client.catalog(limit=5, sorting="FRESH_AT_DESC")).value
    return (await client.release(page.items[0].id)).value


# -- reads -------------------------------------------------------------------------------------


async def test_status_and_headers(client: AniLibertyClient, server: DevServer) -> None:
    status = await client.status()
    assert status.is_alive and status.available_api_endpoints
    (request,) = calls(server, "app/status")
    assert "gzip" in request.headers["Accept-Encoding"]
    assert request.headers["User-Agent"].startswith("anitui/")
    assert "Authorization" not in request.headers


async def test_a_release_by_id_and_alias_with_trimmed_fields(
    client: AniLibertyClient, server: DevServer
) -> None:
    title = await some_release(client)
    by_alias = (await client.release(title.code or "")).value
    assert by_alias == title
    assert calls(server, f"anime/releases/{title.id}")[0].query["include"].startswith("id,alias")
    assert title.player is not None and title.player.episodes
    episode = title.player.episodes[-1]
    assert episode.uuid and episode.hls.hd and episode.hls.hd.startswith("http")
    assert title.torrents is not None and title.torrents.list[0].hash
    assert title.team is not None and title.team.voice
    names_only = (await client.release(title.id, include=("id", "name"))).value
    assert names_only.names == title.names and names_only.player is None
    whole = await client.release(title.id, include=None)
    assert "include" not in calls(server, f"anime/releases/{title.id}")[-1].query
    assert whole.value.description


async def test_a_release_sent_as_a_one_item_array_reads_the_same(
    client: AniLibertyClient, server: DevServer
) -> None:
    title = await some_release(client)
    server.aniliberty.variants.release_as_array = True
    assert (await client.release(title.id)).value == title


async def test_an_unknown_release_is_not_found_with_the_server_s_text(
    client: AniLibertyClient,
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.release(999_999)
    assert caught.value.status == 404 and caught.value.message


async def test_release_lists_latest_random_members_episode(client: AniLibertyClient) -> None:
    title = await some_release(client)
    listed = (await client.releases(ids=[title.id], aliases=[title.code or ""])).value
    assert [t.id for t in listed.items] == [title.id] and listed.page.total == 1
    latest = (await client.latest(limit=3)).value
    assert len(latest) == 3
    assert all(t.player is not None and len(t.player.episodes) == 1 for t in latest)
    assert len(await client.random(limit=2)) == 2
    members = (await client.members(title.id)).value
    assert {m.role for m in members} >= {"voicing"}
    assert title.player is not None
    uuid = title.player.episodes[0].uuid or ""
    found = (await client.episode(uuid)).value
    assert found.episode.uuid == uuid and found.title is not None and found.title.id == title.id


@pytest.mark.parametrize("bare", [False, True], ids=["under data", "bare array"])
async def test_the_schedule_week_in_either_shape_and_now(
    client: AniLibertyClient, server: DevServer, bare: bool
) -> None:
    server.aniliberty.variants.schedule_week_bare = bare
    week = (await client.schedule_week()).value
    assert week and all(e.title.id and e.title.season for e in week)
    now = (await client.schedule_now()).value
    assert now.today or now.tomorrow or now.yesterday
    compat = V2CompatClient(client)
    days = (await compat.get_schedule()).value
    assert sum(len(d.titles) for d in days) == len(week)
    assert [d.day for d in days] == sorted(d.day for d in days)


async def test_the_catalog_with_every_filter(client: AniLibertyClient, server: DevServer) -> None:
    title = await some_release(client)
    genre_ids = {g.name: g.id for g in (await client.catalog_genres()).value}
    years = (await client.catalog_years()).value
    page = (
        await client.catalog(
            page=1,
            limit=50,
            genres=[genre_ids[title.genres[0]]],
            types=["TV", "MOVIE"],
            seasons=["winter", "spring", "summer", "autumn"],
            from_year=years[0],
            to_year=years[-1],
            sorting="YEAR_DESC",
            age_ratings=["R0_PLUS", "R6_PLUS", "R12_PLUS", "R16_PLUS", "R18_PLUS"],
            publish_statuses=["IS_ONGOING", "IS_NOT_ONGOING"],
            production_statuses=["IS_IN_PRODUCTION", "IS_NOT_IN_PRODUCTION"],
        )
    ).value
    assert title.id in [t.id for t in page.items]
    assert {t.type.string for t in page.items if t.type} <= {"TV", "MOVIE"}
    assert all(title.genres[0] in t.genres for t in page.items)
    stamps = [t.season.year or 0 for t in page.items if t.season]
    assert stamps == sorted(stamps, reverse=True)
    query = calls(server, "anime/catalog/releases")[-1].query
    assert query["f[types][]"] == "TV" and query["f[sorting]"] == "YEAR_DESC"
    assert query["f[years][from_year]"] == str(years[0])
    searched = (await client.catalog(search=page.items[0].names.ru)).value
    assert page.items[0].id in [t.id for t in searched.items]
    with pytest.raises(ValidationError) as caught:
        await client.catalog(sorting="SIDEWAYS")
    assert caught.value.status == 422 and caught.value.errors


async def test_references_franchises_genres_search_videos(client: AniLibertyClient) -> None:
    for name in ("age-ratings", "production-statuses", "publish-statuses", "seasons", "types"):
        assert (await client.catalog_reference(name)).value, name
    sorting = [r.value for r in (await client.catalog_reference("sorting")).value]
    assert "FRESH_AT_DESC" in sorting
    franchises = (await client.franchises()).value
    one = (await client.franchise(franchises[0].id)).value
    assert one.releases and one.releases[0].release_id
    of_release = (await client.release_franchises(one.releases[0].release_id)).value
    assert one.id in [f.id for f in of_release]
    assert all(g.total_releases is not None for g in (await client.genres()).value)
    title = await some_release(client)
    assert title.id in [t.id for t in await client.search(title.names.ru or "")]
    videos = (await client.videos(limit=2)).value
    assert len(videos) == 2 and videos[0].youtube_id


async def test_images_come_from_the_site_root_and_are_cached(
    client: AniLibertyClient, server: DevServer
) -> None:
    title = await some_release(client)
    assert title.posters is not None and title.posters.medium.url
    poster = await client.image(title.posters.medium.url)
    assert poster.value and not poster.from_cache
    again = await client.image(title.posters.medium.url, cache_only=True)
    assert again.value == poster.value and again.from_cache


async def test_cacheable_reads_are_served_from_the_cache_only_when_asked(
    client: AniLibertyClient,
) -> None:
    fresh = await client.schedule_week()
    cached = await client.schedule_week(cache_only=True)
    assert cached.from_cache and cached.value == fresh.value and cached.fetched_at == NOW
    with pytest.raises(NotCachedError):
        await client.catalog(search="anything", cache_only=True)


# -- torrents ----------------------------------------------------------------------------------


async def test_torrents_paged_by_release_one_file_and_rss(
    client: AniLibertyClient, server: DevServer
) -> None:
    page = (await client.torrents(page=1, limit=60)).value
    assert calls(server, "anime/torrents")[-1].query["limit"] == "50"
    assert len(page.items) == 50 and page.page.has_next
    first = page.items[0]
    assert first.title is not None and first.magnet and first.torrent.hash
    by_hash = (await client.torrent(first.torrent.hash or "")).value
    assert by_hash.torrent.torrent_id == first.torrent.torrent_id
    of_release = (await client.release_torrents(first.title.id)).value
    assert first.torrent.torrent_id in [t.torrent.torrent_id for t in of_release]
    server.aniliberty.variants.release_torrents_single = True
    single = (await client.release_torrents(first.title.id, cache_only=False)).value
    assert len(single) == 1
    torrent = await client.torrent_file(first.torrent.torrent_id)
    info = bencode(bdecode(torrent)[b"info"])
    assert hashlib.sha1(info).hexdigest() == first.torrent.hash
    rss = await client.torrents_rss(limit=2)
    assert rss.startswith("<?xml") and "<rss" in rss
    assert "<rss" in await client.torrents_rss(release_id=first.title.id)


# -- errors, retries, the wrong server ---------------------------------------------------------


async def test_429_is_retried_after_the_requested_wait(
    client: AniLibertyClient, server: DevServer, sleeps: Sleeps
) -> None:
    path = "/api/v1/anime/schedule/week"
    server.faults.fail_next(path, 429, headers={"Retry-After": "3"}, times=2)
    assert (await client.schedule_week()).value
    assert sleeps == [3.0, 3.0]


async def test_5xx_is_retried_with_backoff_then_reported(
    client: AniLibertyClient, server: DevServer, sleeps: Sleeps
) -> None:
    server.faults.fail_next("/api/v1/anime/genres", 503, times=1)
    assert (await client.genres()).value and sleeps == [0.5]
    server.faults.fail_next("/api/v1/anime/genres", 429, headers={"Retry-After": "1"}, times=9)
    with pytest.raises(RateLimitedError) as caught:
        await client.genres()
    assert caught.value.retry_after == 1.0


async def test_a_v2_server_at_the_v1_url_is_named(
    server: DevServer, sleeps: Sleeps, fast: HttpSettings
) -> None:
    wrong = make_client(server.anilibria_api, sleeps, fast)
    try:
        with pytest.raises(ApiVersionError) as caught:
            await wrong.schedule_week()
        assert caught.value.server_version == "2"
        assert "speaks API v2" in str(caught.value)
        assert 'set [anilibria] api_version = "v2"' in str(caught.value)
        assert sleeps == []  # never retried: waiting cannot fix the wrong server
    finally:
        await wrong.aclose()


# -- accounts ----------------------------------------------------------------------------------


async def test_password_login_profile_and_logout(
    own: AniLibertyClient, fresh_devserver: DevServer
) -> None:
    with pytest.raises(AuthError) as wrong:
        await own.login(login="demo", password="nope")
    assert wrong.value.message == "Неправильные логин или пароль"
    with pytest.raises(ValidationError) as empty:
        await own.login(login="", password="")
    assert set(empty.value.errors) == {"login", "password"}
    token = await own.login(login=DEMO_LOGIN[0], password=DEMO_LOGIN[1])
    profile = await own.profile(token=token)
    assert profile.login == "demo" and profile.passkey
    assert redact(f"pk={profile.passkey}") == "pk=***"
    request = calls(fresh_devserver, "accounts/users/me/profile")[-1]
    assert request.headers["Authorization"] == f"Bearer {token}"
    await own.logout(token=token)
    with pytest.raises(AuthError):
        await own.profile(token=token)


async def test_the_token_never_reaches_logs_or_error_messages(
    own: AniLibertyClient, fresh_devserver: DevServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = await own.login(login=DEMO_LOGIN[0], password=DEMO_LOGIN[1])
    fresh_devserver.aniliberty.expire_token(token)
    with pytest.raises(AuthError) as caught:
        await own.favorite_ids(token=token)
    texts = [str(caught.value), redact(f"headers: {{'Authorization': 'Bearer {token}'}}")]
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records
    assert not any(token in text for text in texts)
    assert not any(DEMO_LOGIN[1] in text for text in texts)


async def test_login_by_code_polls_until_confirmed(
    own: AniLibertyClient, fresh_devserver: DevServer
) -> None:
    otp = await own.otp_get("tv-in-the-kitchen")
    assert otp.code and otp.remaining_time and otp.device_id == "tv-in-the-kitchen"
    assert await own.otp_login(otp) is None  # 401: not confirmed yet
    phone = await own.login(login=DEMO_LOGIN[0], password=DEMO_LOGIN[1])
    await own.otp_accept(otp.code, token=phone)
    token = await own.otp_login(otp)
    assert token and token != phone
    assert (await own.profile(token=token)).login == "demo"
    assert await own.otp_login(otp) is None  # 404: the code is used up
    with pytest.raises(AuthError):
        await own.otp_accept(otp.code, token="not-a-token")


async def test_favorites_collections_and_timecodes(own: AniLibertyClient) -> None:
    token = await own.login(login=DEMO_LOGIN[0], password=DEMO_LOGIN[1])
    title = await some_release(own)
    assert title.id in await own.add_favorites([title.id], token=token)
    assert title.id in await own.favorite_ids(token=token)
    favorites = await own.favorite_releases(token=token)
    assert title.id in [t.id for t in favorites.items]
    assert title.id not in await own.remove_favorites([title.id], token=token)
    with pytest.raises(ValidationError):
        await own.add_favorites([999_999], token=token)

    await own.add_to_collection([title.id], "WATCHING", token=token)
    entries = await own.collection_ids(token=token)
    assert (title.id, "WATCHING") in [(e.release_id, e.collection) for e in entries]
    watching = await own.collection_releases("WATCHING", token=token)
    assert [t.id for t in watching.items] == [title.id]
    await own.remove_from_collections([title.id], token=token)
    assert await own.collection_ids(token=token) == ()

    assert title.player is not None
    uuid = title.player.episodes[0].uuid or ""
    await own.save_timecodes([Timecode(uuid, 743.5, False)], token=token)
    assert await own.timecodes(token=token) == (Timecode(uuid, 743.5, False),)
    await own.delete_timecodes([uuid], token=token)
    assert await own.timecodes(token=token) == ()
    with pytest.raises(AuthError):
        await own.timecodes(token="not-a-token")


# -- the v2-named facade ----------------------------------------------------------------------


@pytest.fixture
def compat(client: AniLibertyClient) -> V2CompatClient:
    return V2CompatClient(client)


async def test_compat_titles_and_updates(
    compat: V2CompatClient, client: AniLibertyClient, server: DevServer
) -> None:
    title = await some_release(client)
    assert (await compat.get_title(id=title.id)).value == title
    assert (await compat.get_title(code=title.code)).value.id == title.id
    assert title.torrents is not None
    torrent_id = title.torrents.list[0].torrent_id
    assert (await compat.get_title(torrent_id=torrent_id)).value.id == title.id
    several = (await compat.get_titles(id_list=[title.id])).value
    assert [t.id for t in several] == [title.id]
    updates = (await compat.get_updates(filter=("id", "names"), limit=4)).value
    later = (await compat.get_updates(filter=("id", "names"), limit=4, after=2)).value
    assert [t.id for t in updates][2:] == [t.id for t in later][:2]
    query = calls(server, "anime/catalog/releases")[-1].query
    assert query["f[sorting]"] == "FRESH_AT_DESC" and query["include"] == "id,name,fresh_at"
    newest = updates[0].updated or 0
    assert (await compat.get_updates(since=newest - 1, limit=4)).value[0].id == updates[0].id
    assert (await compat.get_random_title()).id


async def test_compat_feed_search_lists_and_files(
    compat: V2CompatClient, client: AniLibertyClient
) -> None:
    feed = (await compat.get_feed(limit=60)).value
    assert any(f.title for f in feed) and any(f.youtube for f in feed)
    stamps = [
        (f.title.updated if f.title else f.youtube.timestamp if f.youtube else 0) or 0 for f in feed
    ]
    assert stamps == sorted(stamps, reverse=True)
    assert (await compat.get_feed(limit=3, after=2)).value == feed[2:5]
    title = await some_release(client)
    assert (await compat.get_caching_nodes()).value == ()
    assert title.torrents is not None and title.torrents.list[0].url
    assert (await compat.torrent_file(title.torrents.list[0].url)).startswith(b"d")
    assert title.posters is not None and title.posters.small.url
    assert (await compat.poster(title.posters.small.url)).value
    assert title.player is not None
    hls = title.player.episodes[0].hls.hd or ""
    assert compat.stream_url(title.player, hls) == hls


async def test_compat_searches_by_v1_s_own_filters(
    compat: V2CompatClient, client: AniLibertyClient, server: DevServer
) -> None:
    assert FilterKey.TEAM not in compat.search_filters and not compat.offers_advanced_search
    options = {
        key: (await compat.search_filter_options(key)).value for key in compat.search_filters
    }
    assert all(options.values()), options
    # Seasons are numbered as in v2 (the screen names them); the rest are v1's own values.
    assert [o.value for o in options[FilterKey.SEASON]] == ["1", "2", "3", "4"]
    assert "MOVIE" in [o.value for o in options[FilterKey.TYPE]]
    assert "16+" in [o.label for o in options[FilterKey.AGE_RATING]]
    years = [int(o.value) for o in options[FilterKey.YEAR_FROM]]
    assert years == sorted(years, reverse=True)
    title = await some_release(client)
    assert title.season is not None and title.season.year and title.type is not None
    genre_id = next(o.value for o in options[FilterKey.GENRE] if o.label == title.genres[0])
    query = SearchQuery(
        text=title.names.ru or "",
        filters={
            FilterKey.GENRE: (genre_id,),
            FilterKey.TYPE: (title.type.string or "",),
            FilterKey.SEASON: (str(title.season.code),),
            FilterKey.YEAR_FROM: (str(title.season.year),),
            FilterKey.YEAR_TO: (str(title.season.year),),
            FilterKey.SORTING: ("YEAR_ASC",),
        },
    )
    assert title.id in [t.id for t in (await compat.search_catalog(query, limit=5)).titles]
    sent = calls(server, "anime/catalog/releases")[-1].query
    assert sent["f[genres]"] == genre_id and sent["f[sorting]"] == "YEAR_ASC"
    assert sent["f[seasons][]"] in ("winter", "spring", "summer", "autumn")
    assert sent["f[years][from_year]"] == sent["f[years][to_year]"] == str(title.season.year)
    ongoing = SearchQuery(filters={FilterKey.PUBLISH_STATUS: ("IS_ONGOING",)})
    ongoing_titles = (await compat.search_catalog(ongoing)).titles
    assert all(t.status and t.status.code == 1 for t in ongoing_titles)


async def test_compat_search_pages_past_the_first_and_counts_them(
    compat: V2CompatClient,
) -> None:
    everything = SearchQuery(filters={FilterKey.SORTING: ("YEAR_ASC",)})
    first = await compat.search_catalog(everything, limit=7)
    assert first.total is not None and first.total > 14
    # A window across two of the API's pages: the second page's first titles follow.
    second = await compat.search_catalog(everything, limit=7, after=7)
    assert second.total == first.total
    both = await compat.search_catalog(everything, limit=14)
    assert [t.id for t in both.titles] == [t.id for t in first.titles + second.titles]


async def test_compat_search_matches_any_of_several_values_of_a_filter(
    compat: V2CompatClient,
) -> None:
    async def total(*types: str) -> int | None:
        return (await compat.search_catalog(SearchQuery(filters={FilterKey.TYPE: types}))).total

    tv, movies, both = await total("TV"), await total("MOVIE"), await total("TV", "MOVIE")
    assert tv and movies and both == tv + movies


async def test_compat_says_what_is_v2_only(compat: V2CompatClient) -> None:
    by_member = SearchQuery(filters={FilterKey.TEAM: ("voice:Zvukar",)})
    for call in (
        compat.get_changes(since=0),
        compat.advanced_search(query="{season.year} == 2020"),
        compat.search_catalog(by_member),
        compat.search_filter_options(FilterKey.TEAM),
        compat.get_rss(rss_type="atom"),
    ):
        with pytest.raises(ApiV2OnlyError) as caught:
            await call
        assert "API v2 only" in str(caught.value)


async def test_compat_login_and_favorites(
    fresh_devserver: DevServer, sleeps: Sleeps, fast: HttpSettings
) -> None:
    compat = V2CompatClient(make_client(fresh_devserver.aniliberty_api, sleeps, fast))
    try:
        with pytest.raises(LoginFailedError) as refused:
            await compat.login(mail="demo", passwd="nope")
        assert refused.value.message == "Неправильные логин или пароль"
        session = await compat.login(mail=DEMO_LOGIN[0], passwd=DEMO_LOGIN[1])
        release = (await compat.get_updates(limit=1)).value[0]
        await compat.add_favorite(session=session, title_id=release.id)
        favorites = await compat.get_favorites(session=session, filter=("id", "names"))
        assert [t.id for t in favorites] == [release.id] and favorites[0].names.ru
        await compat.del_favorite(session=session, title_id=release.id)
        assert await compat.get_favorites(session=session) == ()
    finally:
        await compat.aclose()


def test_default_list_fields_carry_what_a_list_line_shows() -> None:
    assert {"id", "alias", "name", "poster", "fresh_at"} <= set(RELEASE_LIST_FIELDS)
