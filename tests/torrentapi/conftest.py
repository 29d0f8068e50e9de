"""Fixtures of the Torrent API tests: a DevServer with the Torrent API mounted, a client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.devserver.server import DevServer
from app.devserver.torrentapi import DEMO_KEY, TorrentApi
from app.sources.cache import HttpCache
from app.sources.http import HttpSettings
from app.sources.torrentapi import TorrentApiClient
from tests.sources.conftest import Sleeps, clock


@pytest.fixture
def torrent_api() -> TorrentApi:
    """The mounted API: its keys, rate-limit switch, demo data and `added` list."""
    return TorrentApi()


@pytest.fixture
def server(torrent_api: TorrentApi) -> Iterator[DevServer]:
    """A DevServer of the test's own serving `torrent_api` under /torrentapi."""
    with DevServer(extra_apis=[torrent_api]) as dev_server:
        yield dev_server


@pytest.fixture
def sleeps() -> Sleeps:
    """The delays the client asked to wait, in order."""
    return Sleeps()


@pytest.fixture
def fast() -> HttpSettings:
    """Short timeouts, exact (jitter-free) backoff delays of 0.5, 1, 2 s."""
    return HttpSettings(timeout=2.0, connect_timeout=1.0, retries=3, backoff=0.5, jitter=0.0)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[HttpCache]:
    """A response cache in the test's temp dir, closed afterwards."""
    http_cache = HttpCache(tmp_path / "cache" / "http.sqlite")
    yield http_cache
    http_cache.close()


@pytest.fixture
async def client(
    server: DevServer,
    torrent_api: TorrentApi,
    sleeps: Sleeps,
    fast: HttpSettings,
    cache: HttpCache,
) -> AsyncIterator[TorrentApiClient]:
    """A client of the server with the demo key, the recorded sleeps and the cache."""
    api_client = TorrentApiClient.create(
        torrent_api.url(server.base_url),
        api_key=DEMO_KEY,
        cache=cache,
        settings=fast,
        sleep=sleeps,
        clock=clock,
    )
    yield api_client
    await api_client.aclose()
