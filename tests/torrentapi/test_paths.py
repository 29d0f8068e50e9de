"""The Torrent API's request paths: each one set by its `[torrent_api] *_path`, and a path the
provider does not serve named by its setting (real HTTP against the local server)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from app.devserver.server import DevServer
from app.devserver.torrentapi import DEMO_KEY, MethodPaths, TorrentApi, demo_imdb_id
from app.sources.errors import NotFoundError, PathNotFoundError
from app.sources.http import HttpSettings
from app.sources.torrentapi import TorrentApiClient, TorrentApiPaths
from tests.sources.conftest import Sleeps, clock

PROVIDER_PATHS = MethodPaths(
    movie="v3/film", torrent="v3/info", peers="v3/stats/peers", add="v3/submit"
)
"""A provider that serves every method somewhere else than our defaults."""


@pytest.fixture
def moved_api() -> TorrentApi:
    return TorrentApi(paths=PROVIDER_PATHS)


@pytest.fixture
def moved_server(moved_api: TorrentApi) -> Iterator[DevServer]:
    with DevServer(extra_apis=[moved_api]) as dev_server:
        yield dev_server


def infohash_of(api: TorrentApi) -> str:
    return api.movies[demo_imdb_id(1)].infohashes[0]


Call = Callable[[TorrentApiClient, TorrentApi], Awaitable[Any]]

CALLS: list[tuple[str, Call]] = [
    ("movie", lambda c, api: c.movie(demo_imdb_id(1))),
    ("torrent", lambda c, api: c.torrent(infohash_of(api))),
    ("peers", lambda c, api: c.peers(infohash_of(api), country_code="BR")),
    ("add", lambda c, api: c.add("ab" * 20)),
]


async def client_of(server: DevServer, api: TorrentApi, paths: TorrentApiPaths) -> TorrentApiClient:
    fast = HttpSettings(timeout=2.0, connect_timeout=1.0, retries=3, backoff=0.5, jitter=0.0)
    return TorrentApiClient.create(
        api.url(server.base_url),
        api_key=DEMO_KEY,
        settings=fast,
        sleep=Sleeps(),
        clock=clock,
        paths=paths,
    )


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
async def test_each_path_setting_moves_its_request(
    moved_server: DevServer, moved_api: TorrentApi, name: str, call: Call
) -> None:
    paths = TorrentApiPaths(**{name: getattr(PROVIDER_PATHS, name)})
    client = await client_of(moved_server, moved_api, paths)
    try:
        await call(client, moved_api)
    finally:
        await client.aclose()

    (request,) = moved_server.requests
    assert request.path == f"/torrentapi/{getattr(PROVIDER_PATHS, name)}"
    if name == "add":
        assert moved_api.added == ["ab" * 20]


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
async def test_a_path_the_provider_lacks_names_its_setting_once(
    moved_server: DevServer, moved_api: TorrentApi, name: str, call: Call
) -> None:
    client = await client_of(moved_server, moved_api, TorrentApiPaths())
    try:
        with pytest.raises(PathNotFoundError) as raised:
            await call(client, moved_api)
    finally:
        await client.aclose()

    assert raised.value.setting == f"[torrent_api] {name}_path"
    assert raised.value.path == name
    assert f"check [torrent_api] {name}_path" in str(raised.value)
    # Not read as "no such torrent" by the callers that treat that as an empty answer.
    assert not isinstance(raised.value, NotFoundError)
    assert len(moved_server.requests) == 1


async def test_an_unknown_torrent_is_still_the_apis_own_error(
    moved_server: DevServer, moved_api: TorrentApi
) -> None:
    client = await client_of(moved_server, moved_api, TorrentApiPaths(torrent="v3/info"))
    try:
        with pytest.raises(NotFoundError) as raised:
            await client.torrent("ef" * 20)
    finally:
        await client.aclose()
    assert not isinstance(raised.value, PathNotFoundError)
