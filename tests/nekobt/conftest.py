"""Fixtures of the nekoBT tests: one local server for the module, reset before every test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.devserver.nekobt import DEMO_API_KEY, PREFIX, NekoBtApi
from app.devserver.server import DevServer
from app.sources.cache import HttpCache
from app.sources.http import HttpSettings
from app.sources.nekobt import NekoBtClient

NOW = 1_795_435_200.0


class Sleeps(list[float]):
    """An injected `sleep` that records the requested delays instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(scope="module")
def nekobt_server() -> Iterator[tuple[DevServer, NekoBtApi]]:
    """A DevServer with the nekoBT API mounted, for the whole module."""
    api = NekoBtApi()
    server = DevServer(extra_apis=[api])
    server.start()
    try:
        yield server, api
    finally:
        server.stop()


@pytest.fixture
def server(nekobt_server: tuple[DevServer, NekoBtApi]) -> DevServer:
    """The server, with its recorded requests and scripted faults cleared."""
    dev, api = nekobt_server
    dev.requests.clear()
    dev.faults.clear()
    api.reset()
    api.animetosho_processing = 1
    api.animetosho_delay = 0.0
    return dev


@pytest.fixture
def api(nekobt_server: tuple[DevServer, NekoBtApi], server: DevServer) -> NekoBtApi:
    """The mounted nekoBT API (its knobs reset by `server`)."""
    return nekobt_server[1]


@pytest.fixture
def api_url(server: DevServer) -> str:
    """The client's base URL."""
    return server.base_url + PREFIX


@pytest.fixture
def sleeps() -> Sleeps:
    """The delays the code under test asked to wait, in order."""
    return Sleeps()


@pytest.fixture
def fast() -> HttpSettings:
    """Short timeouts, jitter-free backoff."""
    return HttpSettings(timeout=5.0, connect_timeout=2.0, retries=3, backoff=0.5, jitter=0.0)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[HttpCache]:
    """A response cache in the test's temp dir."""
    http_cache = HttpCache(tmp_path / "http.sqlite")
    yield http_cache
    http_cache.close()


@pytest.fixture
async def client(api_url: str, sleeps: Sleeps, fast: HttpSettings) -> AsyncIterator[NekoBtClient]:
    """An anonymous client."""
    neko = NekoBtClient.create(
        api_url, settings=fast, sleep=sleeps, clock=lambda: NOW, animetosho_poll_interval=7.0
    )
    yield neko
    await neko.aclose()


@pytest.fixture
async def authed(api_url: str, sleeps: Sleeps, fast: HttpSettings) -> AsyncIterator[NekoBtClient]:
    """A client with the demo API key."""
    neko = NekoBtClient.create(
        api_url, api_key=DEMO_API_KEY, settings=fast, sleep=sleeps, clock=lambda: NOW
    )
    yield neko
    await neko.aclose()
