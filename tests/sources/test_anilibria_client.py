"""The AniLibria client over real HTTP against the local devserver.

Retries and waits use the injected `sleep` (nothing really waits); the only real waits are the
deliberately tiny timeouts.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.devserver.catalog import Catalog
from app.devserver.server import DevServer
from app.sources.anilibria.client import AniLibriaClient
from app.sources.anilibria.models import Title
from app.sources.cache import HttpCache
from app.sources.errors import (
    AuthError,
    BadRequestError,
    BadResponseError,
    LoginFailedError,
    NetworkError,
    NotCachedError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnknownParametersError,
    WrongApiVersionError,
)
from app.sources.http import HttpSettings
from tests.sources.conftest import NOW, Sleeps, clock

DEMO_LOGIN = ("demo", "demo-password")


def make_client(
    server: DevServer,
    sleeps: Sleeps,
    settings: HttpSettings,
    cache: HttpCache | None = None,
    **kwargs: Any,
) -> AniLibriaClient:
    return AniLibriaClient.create(
        kwargs.pop("api_url", server.anilibria_api),
        server.anilibria_site,
        cache=cache,
        settings=settings,
        sleep=sleeps,
        clock=clock,
        **kwargs,
    )


@pytest.fixture
def server(devserver: DevServer) -> Iterator[DevServer]:
    """The session's devserver, its faults and recorded requests reset around each test."""
    devserver.faults.clear()
    devserver.requests.clear()
    yield devserver
    devserver.faults.clear()


@pytest.fixture
async def client(
    server: DevServer, sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> AsyncIterator[AniLibriaClient]:
    anilibria = make_client(server, sleeps, fast, cache)
    yield anilibria
    await anilibria.aclose()


def sample(server: DevServer) -> dict[str, Any]:
    """A catalog title with episodes and torrents."""
    return next(
        t
        for t in server.catalog.titles
        if (t.get("player") or {}).get("playlist") and (t.get("torrents") or {}).get("list")
    )


def calls(server: DevServer, method: str) -> list[Any]:
    return [r for r in server.requests if r.path.endswith("/" + method)]


# -- titles ------------------------------------------------------------------------------------


async def test_get_title_by_id_code_and_torrent_id(
    client: AniLibriaClient, server: DevServer
) -> None:
    raw = sample(server)
    by_id = await client.get_title(id=raw["id"])
    by_code = await client.get_title(code=raw["code"])
    by_torrent = await client.get_title(torrent_id=raw["torrents"]["list"][0]["torrent_id"])

    title = by_id.value
    assert title.id == raw["id"] == by_code.value.id == by_torrent.value.id
    assert title.names.ru == raw["names"]["ru"]
    assert not by_id.from_cache and by_id.fetched_at == NOW
    assert title.player is not None and title.player.episodes
    assert title.torrents is not None and title.torrents.list[0].hash


async def test_description_type_html_is_passed_through(
    client: AniLibriaClient, server: DevServer
) -> None:
    raw = sample(server)
    html = (await client.get_title(id=raw["id"], description_type="html")).value
    plain = (await client.get_title(id=raw["id"], description_type="plain")).value
    assert calls(server, "getTitle")[0].query["description_type"] == "html"
    assert isinstance(html.description, str) and isinstance(plain.description, str)


async def test_filter_and_remove(client: AniLibriaClient, server: DevServer) -> None:
    raw = sample(server)
    filtered = (await client.get_title(id=raw["id"], filter=["id", "names", "player.series"])).value
    assert calls(server, "getTitle")[0].query["filter"] == "id,names,player.series"
    assert filtered.id == raw["id"] and filtered.names.ru == raw["names"]["ru"]
    assert filtered.torrents is None and filtered.genres == () and filtered.status is None
    assert filtered.player is not None and filtered.player.episodes == ()
    assert filtered.player.series.last == raw["player"]["series"]["last"]

    removed = (
        await client.get_title(id=raw["id"], remove=("player", "torrents", "names.en"))
    ).value
    assert removed.player is None and removed.torrents is None
    assert removed.names.en is None and removed.names.ru == raw["names"]["ru"]
    assert removed.genres == tuple(raw["genres"])


async def test_playlist_array_and_object_give_the_same_episodes(
    client: AniLibriaClient, server: DevServer
) -> None:
    raw = sample(server)
    as_array = (await client.get_title(id=raw["id"], playlist_type="array")).value
    as_object = (await client.get_title(id=raw["id"], playlist_type="object")).value
    assert as_array.player is not None and as_object.player is not None
    assert as_array.player.episodes == as_object.player.episodes
    assert len(as_array.player.episodes) == len(raw["player"]["playlist"])


async def test_get_titles_in_the_order_asked(client: AniLibriaClient, server: DevServer) -> None:
    ids = [t["id"] for t in server.catalog.titles[:3]][::-1]
    fetched = await client.get_titles(id_list=ids, filter=["id"])
    assert [t.id for t in fetched.value] == ids
    assert calls(server, "getTitles")[0].query["id_list"] == ",".join(map(str, ids))


async def test_updates_and_changes_page(client: AniLibriaClient) -> None:
    first_three = (await client.get_updates(limit=3, filter=["id", "updated"])).value
    page = (await client.get_updates(limit=2, after=1, filter=["id", "updated"])).value
    assert [t.id for t in page] == [t.id for t in first_three[1:3]]
    updated = [t.updated or 0 for t in first_three]
    assert updated == sorted(updated, reverse=True)

    changes = (await client.get_changes(limit=2, filter=["id", "last_change"])).value
    assert len(changes) == 2 and all(isinstance(t, Title) for t in changes)


async def test_since_polls(client: AniLibriaClient, server: DevServer) -> None:
    newest = max(int(t.get("updated") or 0) for t in server.catalog.titles)
    assert (await client.get_updates(since=newest, filter=["id"])).value == ()
    assert (await client.get_changes(since=newest + 10**6, filter=["id"])).value == ()
    assert calls(server, "getUpdates")[0].query["since"] == str(newest)


async def test_schedule(client: AniLibriaClient) -> None:
    week = (await client.get_schedule(filter=["id", "names", "season"])).value
    assert [d.day for d in week] == sorted(d.day for d in week)
    for day in week:
        assert all(t.season is None or t.season.week_day == day.day for t in day.titles)

    some = (await client.get_schedule(days=[0, 6], filter=["id"])).value
    assert {d.day for d in some} <= {0, 6}


async def test_random_title(client: AniLibriaClient, server: DevServer) -> None:
    title = await client.get_random_title(filter=["id", "names"])
    assert title.id in {t["id"] for t in server.catalog.titles}


# -- feeds and lists ---------------------------------------------------------------------------


async def test_youtube_and_feed(client: AniLibriaClient, server: DevServer) -> None:
    videos = (await client.get_youtube(limit=-1)).value
    assert len(videos) == len(server.catalog.youtube)
    stamps = [v.timestamp or 0 for v in videos]
    assert stamps == sorted(stamps, reverse=True)

    feed = (await client.get_feed(limit=5, filter=["id", "names", "title", "youtube_id"])).value
    assert len(feed) <= 5
    assert all((item.title is None) != (item.youtube is None) for item in feed)


async def test_feed_entries_a_filter_emptied_keep_their_kind_without_an_id(
    fresh_devserver: DevServer, sleeps: Sleeps, fast: HttpSettings
) -> None:
    # What CatalogService.feed tells the two readings of getFeed's filter paths apart by.
    client = make_client(fresh_devserver, sleeps, fast)
    try:
        fresh_devserver.feed_paths_inside_items = True
        feed = (await client.get_feed(limit=-1, filter=["title.id", "youtube.id"])).value
        assert {item.title.id for item in feed if item.title} == {0}
        assert {item.youtube.id for item in feed if item.youtube} == {0}
        assert len(feed) == len(fresh_devserver.catalog.titles) + len(
            fresh_devserver.catalog.youtube
        )
    finally:
        await client.aclose()


async def test_reference_lists(client: AniLibriaClient, server: DevServer) -> None:
    years = (await client.get_years()).value
    assert list(years) == sorted(years) and years

    genres = (await client.get_genres()).value
    in_catalog = {g for t in server.catalog.titles for g in t.get("genres") or []}
    assert set(genres) == in_catalog
    by_rating = (await client.get_genres(sorting_type=1)).value
    assert set(by_rating) == in_catalog
    assert calls(server, "getGenres")[-1].query["sorting_type"] == "1"

    nodes = (await client.get_caching_nodes()).value
    assert all(isinstance(n, str) and n for n in nodes)

    team = (await client.get_team()).value
    credited = {n for t in server.catalog.titles for n in (t.get("team") or {}).get("voice") or []}
    assert credited <= set(team.voice)


async def test_seed_stats(client: AniLibriaClient, server: DevServer) -> None:
    stats = await client.get_seed_stats(sort_by="uploaded", order=0, limit=-1)
    assert len(stats) == len(server.catalog.seed_stats)
    assert [s.uploaded for s in stats] == sorted((s.uploaded for s in stats), reverse=True)
    assert calls(server, "getSeedStats")[0].query == {
        "sort_by": "uploaded",
        "order": "0",
        "limit": "-1",
    }


@pytest.mark.parametrize(
    ("rss_type", "start"), [("rss", "<?xml"), ("atom", "<?xml"), ("json", "{")]
)
async def test_rss(client: AniLibriaClient, rss_type: str, start: str) -> None:
    text = await client.get_rss(rss_type=rss_type, limit=2)
    assert text.lstrip().startswith(start)


# -- search ------------------------------------------------------------------------------------


async def test_search_titles(client: AniLibriaClient, server: DevServer) -> None:
    raw = sample(server)
    found = await client.search_titles(search=raw["names"]["en"], filter=["id", "names"], limit=5)
    assert raw["id"] in [t.id for t in found]

    year = raw["season"]["year"]
    by_year = await client.search_titles(
        year=[year], genres=raw["genres"][:1], filter=["id"], limit=-1
    )
    assert raw["id"] in [t.id for t in by_year]
    assert calls(server, "searchTitles")[-1].query["year"] == str(year)


async def test_advanced_search(client: AniLibriaClient, server: DevServer) -> None:
    raw = sample(server)
    year = raw["season"]["year"]
    found = await client.advanced_search(
        query=f"{{season.year}} == {year}",
        order_by="in_favorites",
        sort_direction=1,
        filter=["id", "in_favorites", "season"],
        limit=-1,
    )
    assert raw["id"] in [t.id for t in found]
    assert all(t.season is not None and t.season.year == year for t in found)
    favorites = [t.in_favorites or 0 for t in found]
    assert favorites == sorted(favorites, reverse=True)


async def test_advanced_search_syntax_error_is_a_bad_request(client: AniLibriaClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        await client.advanced_search(query="{season.year} == == (")
    assert caught.value.code == 400 and caught.value.message


# -- errors and retries ------------------------------------------------------------------------


async def test_not_found_is_not_retried(
    client: AniLibriaClient, server: DevServer, sleeps: Sleeps
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.get_title(id=987654321)
    assert caught.value.status == 404 and "not found" in caught.value.message
    assert sleeps == [] and len(calls(server, "getTitle")) == 1


async def test_a_v1_server_at_the_v2_url_is_named(
    server: DevServer, sleeps: Sleeps, fast: HttpSettings
) -> None:
    wrong = make_client(server, sleeps, fast, api_url=server.aniliberty_api)
    try:
        with pytest.raises(WrongApiVersionError) as caught:
            await wrong.get_schedule()
        assert caught.value.server_version == "1" and caught.value.url == server.aniliberty_api
        assert 'speaks API v1, not v2; set [anilibria] api_version = "v1"' in str(caught.value)
        assert sleeps == []
    finally:
        await wrong.aclose()


async def test_unknown_parameter_is_412(client: AniLibriaClient, sleeps: Sleeps) -> None:
    # The client never sends what the spec does not list; ask through its HTTP layer directly.
    with pytest.raises(UnknownParametersError) as caught:
        await client.http.get_json("getChanges", {"playlist_type": "array"})
    assert caught.value.code == 412 and "playlist_type" in caught.value.message
    assert sleeps == []


async def test_missing_required_parameter_is_400(client: AniLibriaClient) -> None:
    with pytest.raises(BadRequestError):
        await client.get_title()


async def test_5xx_is_retried_with_backoff(
    client: AniLibriaClient, server: DevServer, sleeps: Sleeps
) -> None:
    raw = sample(server)
    server.faults.fail_next("/v2/getTitle", 503, times=2)
    title = (await client.get_title(id=raw["id"], filter=["id"])).value
    assert title.id == raw["id"]
    assert sleeps == [0.5, 1.0]
    assert len(calls(server, "getTitle")) == 3


async def test_5xx_retries_run_out_into_server_error_with_the_real_code(
    client: AniLibriaClient, server: DevServer, sleeps: Sleeps
) -> None:
    server.faults.fail_next("/v2/getYears", 503, times=10)
    with pytest.raises(ServerError) as caught:
        await client.get_years()
    assert (caught.value.code, caught.value.status) == (503, 500)
    assert sleeps == [0.5, 1.0, 2.0]


async def test_429_honours_retry_after(
    client: AniLibriaClient, server: DevServer, sleeps: Sleeps
) -> None:
    server.faults.fail_next("/v2/getGenres", 429, headers={"Retry-After": "7"})
    assert (await client.get_genres()).value
    assert sleeps == [7.0]

    server.faults.fail_next("/v2/getGenres", 429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimitedError) as caught:
        await client.get_genres()
    assert caught.value.retry_after == 3600.0 and sleeps == [7.0]


async def test_timeout(server: DevServer, sleeps: Sleeps) -> None:
    settings = HttpSettings(timeout=0.2, connect_timeout=0.2, retries=0)
    slow = make_client(server, sleeps, settings)
    server.faults.delay_next("/v2/getYears", 1.0)
    with pytest.raises(NetworkError) as caught:
        await slow.get_years()
    await slow.aclose()
    assert caught.value.reason == "timed out after 0.2 s"
    assert caught.value.url_host == f"127.0.0.1:{server.port}"


async def test_mirrors(
    server: DevServer,
    sleeps: Sleeps,
    fast: HttpSettings,
    cache: HttpCache,
    closed_port_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ports: list[int] = []
    guarded_connect = socket.socket.connect

    def recording_connect(sock: socket.socket, address: Any) -> Any:
        ports.append(address[1])
        return guarded_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    dead = closed_port_url + "/v2"
    first = make_client(server, sleeps, fast, cache, api_url=dead, mirrors=[server.anilibria_api])
    assert (await first.get_years()).value
    assert first.http.active_base_url == server.anilibria_api
    await first.aclose()
    assert ports == [int(closed_port_url.rsplit(":", 1)[1]), server.port]
    assert sleeps == []

    ports.clear()
    restarted = make_client(
        server, sleeps, fast, cache, api_url=dead, mirrors=[server.anilibria_api]
    )
    await restarted.get_genres()
    await restarted.aclose()
    assert ports == [server.port]  # the remembered mirror first: the dead URL is not even tried


# -- cache -------------------------------------------------------------------------------------


async def test_cache_serves_allow_listed_reads_when_the_server_is_gone(
    fresh_devserver: DevServer, sleeps: Sleeps, fast: HttpSettings, cache: HttpCache
) -> None:
    raw = sample(fresh_devserver)
    client = make_client(fresh_devserver, sleeps, fast, cache)
    live = await client.get_title(id=raw["id"], filter=["id", "names"])
    await client.get_updates(limit=3)
    await client.get_updates(limit=3, since=0)
    await client.get_random_title()
    await client.search_titles(search="a")
    fresh_devserver.stop()

    cached = await client.get_title(id=raw["id"], filter=["id", "names"], cache_only=True)
    assert cached.from_cache and cached.fetched_at == NOW
    assert cached.value == live.value
    assert len((await client.get_updates(limit=3, cache_only=True)).value) == 3

    with pytest.raises(NotCachedError):
        await client.get_updates(limit=3, since=0, cache_only=True)
    with pytest.raises(NotCachedError):
        await client.get_title(id=raw["id"], cache_only=True)  # other parameters: other key
    with pytest.raises(NetworkError, match="connection refused"):
        await client.get_years()
    await client.aclose()

    cache.close()
    with sqlite3.connect(cache.path) as db:
        keys = [k for (k,) in db.execute("SELECT key FROM responses")]
    assert any("getTitle" in k for k in keys)
    assert not [k for k in keys if "getRandomTitle" in k or "since=" in k or "searchTitles" in k]


async def test_posters_are_cached(
    client: AniLibriaClient, server: DevServer, cache: HttpCache
) -> None:
    title = (await client.get_title(id=sample(server)["id"], filter=["posters"])).value
    assert title.posters is not None and title.posters.small.url
    poster = await client.poster(title.posters.small.url)
    assert poster.value[:3] == b"\xff\xd8\xff"  # a JPEG
    cached = await client.poster(title.posters.small.url, cache_only=True)
    assert cached.from_cache and cached.value == poster.value


# -- API version -------------------------------------------------------------------------------


async def test_api_version_mismatch_is_logged_once(
    sleeps: Sleeps, fast: HttpSettings, caplog: pytest.LogCaptureFixture
) -> None:
    newer = DevServer(catalog=Catalog.bulk(3), api_version="2.14.0")
    newer.start()
    try:
        client = make_client(newer, sleeps, fast)
        await client.get_years()
        await client.get_genres()
        await client.get_title(id=newer.catalog.titles[0]["id"])
        await client.aclose()
    finally:
        newer.stop()
    warnings = [
        r for r in caplog.records if r.name == "anitui.http" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 1 and "2.14.0" in warnings[0].getMessage()
    assert client.http.server_api_version == "2.14.0"


async def test_the_expected_version_is_not_logged(
    client: AniLibriaClient, caplog: pytest.LogCaptureFixture
) -> None:
    await client.get_years()
    assert client.http.server_api_version == "2.13.15"
    assert "API version" not in caplog.text


# -- user: login, favorites, torrents, redaction -----------------------------------------------


async def test_login_failure_keeps_the_servers_message(client: AniLibriaClient) -> None:
    with pytest.raises(LoginFailedError) as caught:
        await client.login(mail="demo", passwd="wrong-password")
    assert caught.value.message == "Invalid login or password"
    with pytest.raises(LoginFailedError) as empty:
        await client.login(mail="demo", passwd="")
    assert empty.value.message == "Empty login or password"


async def test_favorites(client: AniLibriaClient, server: DevServer) -> None:
    session = await client.login(mail=DEMO_LOGIN[0], passwd=DEMO_LOGIN[1])
    assert session in server.sessions
    first, second = (t["id"] for t in server.catalog.titles[:2])
    try:
        await client.add_favorite(session=session, title_id=second)
        await client.add_favorite(session=session, title_id=first)
        favorites = await client.get_favorites(session=session, filter=["id", "names"])
        assert [t.id for t in favorites] == [second, first]
        add = calls(server, "addFavorite")[0]
        assert add.method == "PUT" and add.query["title_id"] == str(second)

        await client.del_favorite(session=session, title_id=second)
        assert [t.id for t in await client.get_favorites(session=session)] == [first]
        assert calls(server, "delFavorite")[0].method == "DELETE"
    finally:
        await client.del_favorite(session=session, title_id=first)
        await client.del_favorite(session=session, title_id=second)

    server.expire_session(session)
    with pytest.raises(AuthError):
        await client.get_favorites(session=session)


async def test_torrent_files(client: AniLibriaClient, server: DevServer) -> None:
    entry = sample(server)["torrents"]["list"][0]
    public = await client.torrent_file(entry["url"])
    assert public.startswith(b"d") and b"announce" in public

    session = await client.login(mail=DEMO_LOGIN[0], passwd=DEMO_LOGIN[1])
    personal = await client.torrent_file(entry["url"], session=session)
    assert personal != public  # the passkey is in the announce URL
    request = calls(server, "download.php")[-1]
    assert request.query == {"id": str(entry["torrent_id"]), "session": session}

    with pytest.raises(BadResponseError, match="torrent"):
        await client.torrent_file(entry["url"], session="not-a-session-at-all")
    with pytest.raises(NotFoundError):
        await client.torrent_file("/public/torrent/download.php?id=987654321")


async def test_stream_url_points_at_a_playable_playlist(
    client: AniLibriaClient, server: DevServer
) -> None:
    title = (await client.get_title(id=sample(server)["id"])).value
    assert title.player is not None
    path = title.player.episodes[0].hls.sd
    assert path is not None
    url = client.stream_url(title.player, path)
    assert url == f"http://127.0.0.1:{server.port}{path}"
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 200 and response.text.startswith("#EXTM3U")


async def test_a_session_never_leaks(
    fresh_devserver: DevServer,
    sleeps: Sleeps,
    fast: HttpSettings,
    cache: HttpCache,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(fresh_devserver, sleeps, fast, cache)
    session = await client.login(mail=DEMO_LOGIN[0], passwd=DEMO_LOGIN[1])
    title_id = fresh_devserver.catalog.titles[0]["id"]
    await client.get_years()
    await client.add_favorite(session=session, title_id=title_id)
    await client.get_favorites(session=session)
    await client.get_rss(session=session, limit=1)
    fresh_devserver.faults.fail_next("/v2/getFavorites", 503, times=10)
    errors: list[Exception] = []
    with pytest.raises(ServerError) as server_error:
        await client.get_favorites(session=session)
    errors.append(server_error.value)
    fresh_devserver.expire_session(session)
    with pytest.raises(AuthError) as auth_error:
        await client.del_favorite(session=session, title_id=title_id)
    errors.append(auth_error.value)
    fresh_devserver.stop()
    with pytest.raises(NetworkError) as network_error:
        await client.get_favorites(session=session)
    errors.append(network_error.value)
    await client.aclose()
    cache.close()

    assert "getFavorites" in caplog.text  # the requests were logged ...
    assert session not in caplog.text  # ... without the session
    assert DEMO_LOGIN[1] not in caplog.text
    for error in errors:
        assert session not in str(error) and session not in repr(error.args)
    stored = b"".join(p.read_bytes() for p in Path(cache.path).parent.iterdir() if p.is_file())
    assert stored and session.encode() not in stored
