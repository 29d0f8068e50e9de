"""Fixtures of the favorites tests: a FavoritesService on a temp data dir and the real devserver,
through AniLibria API v2 (`rig`) or AniLiberty API v1 (`v1_rig`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.devserver.server import DevServer
from app.services.events import Event, EventBus
from app.services.favorites import FavoritesService
from app.services.secrets import SecretStore
from app.sources.aniliberty.client import AniLibertyClient
from app.sources.aniliberty.compat import V2CompatClient
from app.sources.anilibria.client import AniLibriaClient
from app.sources.cache import HttpCache
from app.sources.catalog_api import CatalogApi
from app.sources.http import HttpSettings
from app.store.db import Database

DEMO = ("demo", "demo-password")


class Sleeps(list[float]):
    """An injected `sleep` that records the requested delays instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Clock:
    """A clock that moves one second per reading: every change gets its own time."""

    def __init__(self) -> None:
        self.now = 1_795_435_200.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@dataclass
class Rig:
    """Everything a favorites test touches."""

    server: DevServer
    service: FavoritesService
    client: CatalogApi
    db: Database
    secrets: SecretStore
    cache: HttpCache
    data_dir: Path
    events: list[Event]
    make: Callable[[], FavoritesService]

    def server_favorites(self) -> list[int]:
        """The favorites the server holds for the service's current session."""
        session = self.secrets.get("anilibria.session")
        assert session is not None
        return list(self.server.sessions[session].favorites)

    async def settle(self) -> None:
        """Let the bus deliver what was published."""
        for _ in range(3):
            await asyncio.sleep(0)


async def _rig(
    server: DevServer, tmp_path: Path, bus: EventBus, *, api: str = "v2"
) -> AsyncIterator[Rig]:
    server.faults.clear()
    data_dir = tmp_path / "data"
    cache = HttpCache(tmp_path / "cache" / "http.sqlite")
    settings = HttpSettings(timeout=2.0, connect_timeout=1.0, retries=2, backoff=0.5, jitter=0.0)
    client: CatalogApi
    if api == "v1":
        client = V2CompatClient(
            AniLibertyClient.create(
                server.aniliberty_api, cache=cache, settings=settings, sleep=Sleeps()
            ),
            site=server.aniliberty_site,
        )
    else:
        client = AniLibriaClient.create(
            server.anilibria_api,
            server.anilibria_site,
            cache=cache,
            settings=settings,
            sleep=Sleeps(),
        )
    db = Database.open(data_dir / "anitui.db")
    secrets = SecretStore(data_dir, environ={})
    clock = Clock()
    events: list[Event] = []
    bus.subscribe(Event, events.append)

    def make() -> FavoritesService:
        return FavoritesService(db, client, secrets, bus, clock=clock)

    try:
        yield Rig(server, make(), client, db, secrets, cache, data_dir, events, make)
    finally:
        server.faults.clear()
        await client.aclose()
        cache.close()
        db.close()


@pytest.fixture
async def rig(fresh_devserver: DevServer, tmp_path: Path, bus: EventBus) -> AsyncIterator[Rig]:
    """A service on a devserver of the test's own: favorites change the titles' counts, which
    other tests (snapshots) read from the session's server."""
    async for made in _rig(fresh_devserver, tmp_path, bus):
        yield made


@pytest.fixture
async def fresh_rig(
    fresh_devserver: DevServer, tmp_path: Path, bus: EventBus
) -> AsyncIterator[Rig]:
    """A service on a devserver of the test's own (to stop and restart it)."""
    async for made in _rig(fresh_devserver, tmp_path, bus):
        yield made


@pytest.fixture
async def v1_rig(fresh_devserver: DevServer, tmp_path: Path, bus: EventBus) -> AsyncIterator[Rig]:
    """A service through AniLiberty API v1, on a devserver of the test's own."""
    async for made in _rig(fresh_devserver, tmp_path, bus, api="v1"):
        yield made


@pytest.fixture
def title_ids(devserver: DevServer) -> Iterator[list[int]]:
    """Six ids of titles the demo catalog has."""
    ids: list[Any] = [t["id"] for t in devserver.catalog.titles[:6]]
    assert len(ids) == 6
    yield [int(i) for i in ids]
