"""The Torrent API client against the local Torrent API server, over real HTTP.

Waits go through the injected `sleep` (nothing really waits); `server.requests` shows what was
sent and how often.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from app.devserver.server import DevServer
from app.devserver.torrentapi import (
    COUNTRIES,
    DEMO_KEY,
    FORBIDDEN_KEY,
    HISTORY_DAYS,
    LAST_DAY,
    SUSPENDED_KEY,
    KeyAccess,
    TorrentApi,
    demo_imdb_id,
)
from app.sources.cache import HttpCache
from app.sources.errors import (
    AuthError,
    BadRequestError,
    BadResponseError,
    NotFoundError,
    SourceError,
)
from app.sources.http import HttpSettings
from app.sources.torrentapi import (
    AccessForbiddenError,
    ApiKeySuspendedError,
    ApiKeyUnknownError,
    CountryPeers,
    ErrorCode,
    InfohashNotFoundError,
    InvalidImdbError,
    InvalidInfohashError,
    InvalidInputError,
    MovieTorrent,
    PeersHistory,
    TorrentApiClient,
    TorrentApiError,
    TorrentApiPaths,
    is_imdb_id,
    is_infohash,
)
from app.sources.torrentapi.models import parse_movie, parse_peers, parse_torrent
from tests.sources.conftest import Sleeps, clock

PATH = "/torrentapi"


def api_requests(server: DevServer) -> list[Any]:
    """The requests that reached the Torrent API."""
    return [r for r in server.requests if r.path.startswith(PATH)]


def make_client(
    server: DevServer,
    api: TorrentApi,
    key: str,
    sleeps: Sleeps,
    settings: HttpSettings,
    cache: HttpCache | None = None,
) -> TorrentApiClient:
    return TorrentApiClient.create(
        api.url(server.base_url),
        api_key=key,
        cache=cache,
        settings=settings,
        sleep=sleeps,
        clock=clock,
    )


def movie_hash(api: TorrentApi, n: int = 1, index: int = 0) -> str:
    return api.movies[demo_imdb_id(n)].infohashes[index]


# --------------------------------------------------------------------------------------------
# The endpoints


async def test_movie_lists_its_torrents(
    client: TorrentApiClient, server: DevServer, torrent_api: TorrentApi
) -> None:
    fetched = await client.movie("tt9000001")

    movie = fetched.value
    assert movie.imdb == "tt9000001"
    assert movie.title == "Lanterns over Kiriyama"
    assert len(movie.torrents) == 4
    first = movie.torrents[0]
    expected = torrent_api.torrents[first.infohash or ""]
    assert first.name == expected.name
    assert first.size == expected.size > 0
    assert first.alive is True
    assert movie.torrents[3].alive is False
    assert first.date_added is not None and first.date_added.tzinfo is not None
    assert abs(first.date_added - expected.date_added) < timedelta(milliseconds=1)
    assert not fetched.from_cache
    (request,) = api_requests(server)
    assert (request.method, request.path) == ("GET", "/torrentapi/movie")
    assert request.query == {"imdb": "tt9000001", "key": DEMO_KEY}


async def test_unknown_movie_has_no_torrents(client: TorrentApiClient) -> None:
    movie = (await client.movie("tt0000001")).value

    assert (movie.imdb, movie.title, movie.torrents) == ("tt0000001", None, ())


async def test_torrent_information(
    client: TorrentApiClient, server: DevServer, torrent_api: TorrentApi
) -> None:
    infohash = movie_hash(torrent_api, 2, 1)

    info = (await client.torrent(infohash.upper())).value

    assert info.infohash == infohash
    assert info.category == "Movies"
    assert info.title == "The Last Train to Hoshizora"
    assert info.imdb_id == "tt9000002"
    assert info.torrent_name == torrent_api.torrents[infohash].name
    assert info.size == torrent_api.torrents[infohash].size
    assert info.alive is True and info.date_added is not None
    (request,) = api_requests(server)
    assert request.path == "/torrentapi/torrent"
    # Sent in one spelling (lower case), whatever the caller typed.
    assert request.query == {"infohash": infohash, "key": DEMO_KEY}


async def test_torrent_of_no_movie_has_no_imdb_id(
    client: TorrentApiClient, torrent_api: TorrentApi
) -> None:
    by_category = {t.category: t for t in torrent_api.torrents.values()}

    music = (await client.torrent(by_category["Music"].infohash)).value
    books = (await client.torrent(by_category["Books"].infohash)).value

    assert (music.category, music.imdb_id) == ("Music", None)
    assert music.title == "Lanterns over Kiriyama OST"
    assert (books.category, books.title, books.imdb_id) == ("Books", None, None)


async def test_peers_defaults_send_only_infohash_and_key(
    client: TorrentApiClient, server: DevServer, torrent_api: TorrentApi
) -> None:
    infohash = movie_hash(torrent_api)

    history = (await client.peers(infohash)).value

    (request,) = api_requests(server)
    assert request.path == "/torrentapi/peers"
    assert request.query == {"infohash": infohash, "key": DEMO_KEY}
    assert history.day == LAST_DAY
    assert history.infohash == infohash
    expected = torrent_api.peers_on(infohash, LAST_DAY)
    assert {c.code: c.peers for c in history.countries} == expected
    assert history.total_peers == sum(expected.values()) > 0
    peers = [c.peers for c in history.countries]
    assert peers == sorted(peers, reverse=True)


async def test_peers_parameters_are_serialised_as_the_spec_says(
    client: TorrentApiClient, server: DevServer, torrent_api: TorrentApi
) -> None:
    infohash = movie_hash(torrent_api)
    day = LAST_DAY - timedelta(days=3)

    one = (await client.peers(infohash, day=day, country_code="br", short=False)).value
    short = (await client.peers(infohash, day=day, short=True)).value

    first, second = api_requests(server)
    assert first.query == {
        "infohash": infohash,
        "day": day.isoformat(),
        "countryCode": "BR",
        "short": "false",
        "key": DEMO_KEY,
    }
    assert second.query == {
        "infohash": infohash,
        "day": day.isoformat(),
        "short": "true",
        "key": DEMO_KEY,
    }
    brazil = torrent_api.peers_on(infohash, day)["BR"]
    assert one.day == day
    assert one.countries == (CountryPeers("BR", brazil),)
    assert one.total_peers == brazil
    assert short.countries == ()
    assert short.total_peers == sum(torrent_api.peers_on(infohash, day).values())


async def test_peers_history_is_a_fortnight_in_ten_countries(
    client: TorrentApiClient, torrent_api: TorrentApi
) -> None:
    infohash = movie_hash(torrent_api, 5)
    days = [LAST_DAY - timedelta(days=i) for i in range(HISTORY_DAYS)]

    totals = [(await client.peers(infohash, day=day)).value for day in days]

    assert all(h.total_peers > 0 for h in totals)
    assert {c.code for h in totals for c in h.countries} == set(COUNTRIES)
    assert len({h.total_peers for h in totals}) > 1  # a chart with a shape
    before = (await client.peers(infohash, day=days[-1] - timedelta(days=1))).value
    assert (before.total_peers, before.countries) == (0, ())


async def test_datetime_day_is_sent_as_a_date(
    client: TorrentApiClient, server: DevServer, torrent_api: TorrentApi
) -> None:
    await client.peers(movie_hash(torrent_api), day=datetime(2026, 11, 20, 15, 30, tzinfo=UTC))

    assert api_requests(server)[0].query["day"] == "2026-11-20"


async def test_add_posts_form_fields(
    client: TorrentApiClient, server: DevServer, torrent_api: TorrentApi
) -> None:
    infohash = "AB" * 20

    await client.add(infohash)

    (request,) = api_requests(server)
    assert (request.method, request.path, request.query) == ("POST", "/torrentapi/add", {})
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(request.body.decode()) == {"key": [DEMO_KEY], "infohash": ["ab" * 20]}
    assert torrent_api.added == ["ab" * 20]


async def test_paths_are_configurable(
    server: DevServer, sleeps: Sleeps, fast: HttpSettings
) -> None:
    paths = TorrentApiPaths(
        movie="torrentapi/movie",
        torrent="torrentapi/torrent",
        peers="torrentapi/peers",
        add="torrentapi/add",
    )
    client = TorrentApiClient.create(
        server.base_url, api_key=DEMO_KEY, settings=fast, sleep=sleeps, clock=clock, paths=paths
    )
    try:
        movie = (await client.movie("tt9000003")).value
        assert len(movie.torrents) == 2
        await client.add("cd" * 20)
    finally:
        await client.aclose()

    assert [r.path for r in api_requests(server)] == ["/torrentapi/movie", "/torrentapi/add"]


# --------------------------------------------------------------------------------------------
# Errors: one class and message per code, never retried


@pytest.mark.parametrize(
    ("key", "call", "kind", "shared", "code"),
    [
        ("unknown-key-0000", "movie", ApiKeyUnknownError, AuthError, "API_KEY_UNKNOWN"),
        (SUSPENDED_KEY, "movie", ApiKeySuspendedError, AuthError, "API_KEY_SUSPENDED"),
        (FORBIDDEN_KEY, "peers", AccessForbiddenError, AuthError, "ACCESS_FORBIDDEN"),
        (FORBIDDEN_KEY, "add", AccessForbiddenError, AuthError, "ACCESS_FORBIDDEN"),
        (DEMO_KEY, "not_found", InfohashNotFoundError, NotFoundError, "INFOHASH_NOT_FOUND"),
    ],
)
async def test_error_codes_raise_their_class_once(
    server: DevServer,
    torrent_api: TorrentApi,
    sleeps: Sleeps,
    fast: HttpSettings,
    key: str,
    call: str,
    kind: type[TorrentApiError],
    shared: type[Exception],
    code: str,
) -> None:
    client = make_client(server, torrent_api, key, sleeps, fast)
    infohash = movie_hash(torrent_api)
    try:
        with pytest.raises(kind) as caught:
            if call == "movie":
                await client.movie("tt9000001")
            elif call == "peers":
                await client.peers(infohash)
            elif call == "add":
                await client.add(infohash)
            else:
                await client.torrent("0" * 40)
    finally:
        await client.aclose()

    error = caught.value
    assert isinstance(error, shared)
    assert error.error == code and error.error_code is ErrorCode(code)
    assert (error.status, error.api) == (500, "Torrent API")
    assert str(error).startswith("Torrent API: ") and str(error).endswith(f"({code})")
    # An answer, not a failure: sent once, no wait.
    assert len(api_requests(server)) == 1
    assert sleeps == []


async def test_server_side_validation_errors_raise_their_class_once(
    client: TorrentApiClient, server: DevServer, sleeps: Sleeps
) -> None:
    # The client refuses these before sending; the raw HTTP layer shows the server's answer.
    with pytest.raises(InvalidImdbError) as imdb:
        await client.http.get_json("movie", {"imdb": "9000001", "key": DEMO_KEY})
    with pytest.raises(InvalidInfohashError) as infohash:
        await client.http.get_json("torrent", {"infohash": "xyz", "key": DEMO_KEY})

    assert isinstance(imdb.value, BadRequestError)
    assert isinstance(infohash.value, BadRequestError)
    assert imdb.value.message == "Value of imdb is invalid"
    assert "IMDb id" in str(imdb.value) and "info-hash" in str(infohash.value)
    assert len(api_requests(server)) == 2
    assert sleeps == []


def test_every_code_has_its_own_readable_message() -> None:
    from app.sources.torrentapi.models import error_for

    errors = [error_for(error=code.value, message="x", status=500) for code in ErrorCode]

    assert len({type(e) for e in errors}) == len(ErrorCode)
    assert len({str(e) for e in errors}) == len(ErrorCode)
    for error in errors:
        assert re.fullmatch(r"Torrent API: [a-z][^()]+ \([A-Z_]+\)", str(error))


async def test_an_unknown_error_word_keeps_the_servers_text(
    client: TorrentApiClient, server: DevServer, sleeps: Sleeps, torrent_api: TorrentApi
) -> None:
    with pytest.raises(TorrentApiError) as caught:
        await client.http.get_json(
            "peers", {"infohash": movie_hash(torrent_api), "day": "yesterday", "key": DEMO_KEY}
        )

    error = caught.value
    assert type(error) is TorrentApiError
    assert (error.error, error.error_code) == ("INVALID_PARAMETER", None)
    assert "Value of day is invalid" in str(error) and "INVALID_PARAMETER" in str(error)
    assert len(api_requests(server)) == 1 and sleeps == []


async def test_a_500_without_an_error_word_is_retried(
    client: TorrentApiClient, server: DevServer, sleeps: Sleeps
) -> None:
    server.faults.fail_next(f"{PATH}/movie", 502, body="Bad Gateway")

    movie = (await client.movie("tt9000004")).value

    assert len(movie.torrents) == 1
    assert len(api_requests(server)) == 2
    assert sleeps == [0.5]


async def test_rate_limit_is_honoured_through_the_injected_sleep(
    client: TorrentApiClient, server: DevServer, sleeps: Sleeps, torrent_api: TorrentApi
) -> None:
    torrent_api.rate_limit(retry_after=0.2, times=2)

    info = (await client.torrent(movie_hash(torrent_api))).value

    assert info.category == "Movies"
    assert sleeps == [0.2, 0.2]
    assert len(api_requests(server)) == 3


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        ("movie", "9000001"),
        ("movie", "tt"),
        ("movie", "tt90000x1"),
        ("torrent", "ab" * 19),
        ("torrent", "g" * 40),
        ("peers", "ab" * 21),
        ("add", ""),
        ("country", "BRA"),
        ("country", "1"),
    ],
)
async def test_input_is_validated_without_a_request(
    client: TorrentApiClient, server: DevServer, torrent_api: TorrentApi, call: str, argument: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        if call == "movie":
            await client.movie(argument)
        elif call == "torrent":
            await client.torrent(argument)
        elif call == "peers":
            await client.peers(argument)
        elif call == "add":
            await client.add(argument)
        else:
            await client.peers(movie_hash(torrent_api), country_code=argument)

    assert isinstance(caught.value, ValueError) and isinstance(caught.value, SourceError)
    assert str(caught.value).startswith("Torrent API: ")
    assert api_requests(server) == []


def test_identifier_helpers() -> None:
    assert is_imdb_id("tt2250912") and is_imdb_id("tt10872600")
    assert not is_imdb_id("TT2250912") and not is_imdb_id("tt") and not is_imdb_id(" tt1")
    assert is_infohash("473bf68d4dd002a068e5c819de9dfaf2ec3d7dc0")
    assert is_infohash("473BF68D4DD002A068E5C819DE9DFAF2EC3D7DC0")
    assert not is_infohash("473bf68d4dd002a068e5c819de9dfaf2ec3d7dc") and not is_infohash("")


@pytest.mark.parametrize("body", ["[]", "<html>busy</html>"])
async def test_a_body_of_the_wrong_kind_is_a_bad_response(
    client: TorrentApiClient, server: DevServer, body: str
) -> None:
    server.faults.fail_next(f"{PATH}/movie", 200, body=body)

    with pytest.raises(BadResponseError):
        await client.movie("tt9000001")


def test_parsing_is_tolerant() -> None:
    movie = parse_movie({"torrents": [{"size": "big", "alive": 1, "dateAdded": "soon"}, 7]})
    info = parse_torrent({"infohash": 42, "size": 12.0, "extra": {"new": True}})
    peers = parse_peers({"day": "2017-10-08", "countries": [{"code": "BR"}, None]})

    assert movie.imdb is None and movie.title is None
    assert movie.torrents == (MovieTorrent(None, 0, None, None, None),)
    assert (info.infohash, info.size, info.category, info.alive) == (None, 12, None, None)
    assert peers == PeersHistory(date(2017, 10, 8), None, 0, (CountryPeers("BR", 0),))


# --------------------------------------------------------------------------------------------
# Cache and secrets


async def test_reads_are_cached_and_served_offline(
    client: TorrentApiClient, server: DevServer, torrent_api: TorrentApi
) -> None:
    infohash = movie_hash(torrent_api)
    live = await client.movie("tt9000001")
    info = await client.torrent(infohash)
    peers = await client.peers(infohash, short=True)
    sent = len(api_requests(server))

    assert (await client.movie("tt9000001", cache_only=True)).value == live.value
    assert (await client.torrent(infohash, cache_only=True)).value == info.value
    cached = await client.peers(infohash, short=True, cache_only=True)
    assert cached.value == peers.value and cached.from_cache
    assert len(api_requests(server)) == sent


async def test_the_key_never_leaves_through_logs_errors_or_cache(
    server: DevServer,
    torrent_api: TorrentApi,
    sleeps: Sleeps,
    fast: HttpSettings,
    cache: HttpCache,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "tapi-Secret-7f3a9c"
    other_secret = "tapi-Unknown-55e1b0"
    torrent_api.keys[secret] = KeyAccess()
    caplog.set_level(logging.DEBUG)
    client = make_client(server, torrent_api, secret, sleeps, fast, cache)
    refused = make_client(server, torrent_api, other_secret, sleeps, fast, cache)
    infohash = movie_hash(torrent_api)
    errors: list[ApiKeyUnknownError] = []
    try:
        torrent_api.rate_limit(retry_after=0.2)  # a retry logs the URL it repeats
        await client.movie("tt9000001")
        await client.torrent(infohash)
        await client.peers(infohash, day=LAST_DAY, country_code="US")
        await client.add(infohash)
        for failing in (refused.movie("tt9000001"), refused.add(infohash)):
            with pytest.raises(ApiKeyUnknownError) as caught:
                await failing
            errors.append(caught.value)
        server.faults.fail_next(f"{PATH}/torrent", 502, body="Bad Gateway")
        await client.torrent(infohash)
    finally:
        await client.aclose()
        await refused.aclose()
    cache.close()

    assert [r.query.get("key") for r in api_requests(server)][:2] == [secret, secret]
    assert "retry" in caplog.text and "/torrentapi/movie" in caplog.text
    cache_bytes = b"".join(p.read_bytes() for p in (tmp_path / "cache").iterdir())
    assert b"tt9000001" in cache_bytes  # the cache did store the answers
    for value in (secret, other_secret):
        assert value not in caplog.text
        assert value.encode() not in cache_bytes
        for error in errors:
            assert value not in str(error) and value not in repr(error)
            assert value not in error.message


# --------------------------------------------------------------------------------------------
# The server's demo data


def test_demo_data_rules(torrent_api: TorrentApi) -> None:
    assert list(torrent_api.movies) == [f"tt{9_000_000 + n:07d}" for n in range(1, 21)]
    counts = [len(m.infohashes) for m in torrent_api.movies.values()]
    assert counts[:5] == [4, 3, 2, 1, 4] and set(counts) == {1, 2, 3, 4}
    hashes = [h for m in torrent_api.movies.values() for h in m.infohashes]
    assert len(set(hashes)) == len(hashes) == sum(counts)
    assert all(is_infohash(h) and h == h.lower() for h in torrent_api.torrents)
    assert len({t.title for t in torrent_api.movies.values()}) == 20
    assert TorrentApi().torrents == torrent_api.torrents  # deterministic
    assert {t.category for t in torrent_api.torrents.values()} == {
        "Movies",
        "Music",
        "Anime",
        "Books",
    }


async def test_every_listed_torrent_is_the_torrent_the_demo_seeds(
    client: TorrentApiClient, torrent_api: TorrentApi
) -> None:
    """Info-hash, name and size the API lists are those of the .torrent the demo seeder serves
    (and of its payload), for a movie's torrents and for the others alike."""
    lt = pytest.importorskip("libtorrent")
    listed = {
        t.infohash: (t.name, t.size)
        for n in range(1, 21)
        for t in (await client.movie(demo_imdb_id(n))).value.torrents
    }
    for infohash, torrent in torrent_api.torrents.items():
        info = (await client.torrent(infohash)).value
        video = torrent_api.video_torrent(infohash.upper())
        assert video is not None
        served = lt.torrent_info(lt.bdecode(video.torrent_file()))
        assert str(served.info_hashes().v1) == infohash == info.infohash
        assert (served.name(), served.total_size()) == (info.torrent_name, info.size)
        if torrent.imdb is not None:
            assert listed[infohash] == (info.torrent_name, info.size)
        assert sum(len(data) for _, data in video.payload()) == info.size
    assert len(listed) == len(torrent_api.torrents) - 3
    assert torrent_api.video_torrent("ab" * 20) is None


async def test_error_bodies_and_429_are_the_specs_shape(
    server: DevServer, torrent_api: TorrentApi
) -> None:
    url = torrent_api.url(server.base_url)
    async with httpx.AsyncClient() as http:
        unknown = await http.get(f"{url}/movie", params={"imdb": "tt9000001"})
        torrent_api.rate_limit(retry_after=1.5)
        limited = await http.get(f"{url}/movie", params={"imdb": "tt9000001", "key": DEMO_KEY})
        added = await http.post(f"{url}/add", data={"key": DEMO_KEY, "infohash": "ab" * 20})

    assert unknown.status_code == 500
    assert unknown.json() == {"error": "API_KEY_UNKNOWN", "message": "API Key is unknown"}
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "1.5")
    assert (added.status_code, added.json()) == (200, {})
