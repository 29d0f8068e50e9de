"""Fixtures of the account library tests: collections and watch progress services on a temp data
dir, logged in (through the favorites service, as the app does) to the devserver's v1 API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.devserver.server import DevServer
from app.services.account_sync import AccountToken
from app.services.collections import CollectionsService
from app.services.events import Event, EventBus
from app.services.favorites import FavoritesService
from app.services.progress_sync import ProgressSyncService
from app.services.secrets import SecretStore
from app.sources.aniliberty.client import AniLibertyClient
from app.sources.aniliberty.compat import V2CompatClient
from app.sources.anilibria.client import AniLibriaClient
from app.sources.anilibria.models import Episode
from app.sources.cache import HttpCache
from app.sources.catalog_api import CatalogApi
from app.sources.http import HttpSettings
from app.store.db import Database
from app.store.history import HistoryStore
from tests.favorites.conftest import DEMO, Clock, Sleeps

TITLE = 9001
"""A demo title with several episodes."""


@dataclass
class Library:
    """Everything a library test touches."""

    server: DevServer
    client: CatalogApi
    db: Database
    secrets: SecretStore
    favorites: FavoritesService
    collections: CollectionsService
    progress: ProgressSyncService
    history: HistoryStore
    clock: Clock
    events: list[Event] = field(default_factory=list)

    async def log_in(self) -> None:
        """Log in as the demo account, as the app does (the favorites service keeps the token)."""
        await self.favorites.login(*DEMO)
        self.collections.logged_in()

    def server_collections(self) -> dict[int, str]:
        """The demo account's collections on the server."""
        return self.server.aniliberty.collections.setdefault("demo", {})

    def server_timecodes(self) -> dict[str, tuple[float, bool]]:
        """The demo account's timecodes on the server."""
        return self.server.aniliberty.timecodes.setdefault("demo", {})

    async def episodes(self, title_id: int = TITLE) -> tuple[Episode, ...]:
        """The title's episodes as the API lists them (with their UUIDs)."""
        title = (await self.client.get_title(id=title_id)).value
        assert title.player is not None
        return title.player.episodes

    async def settle(self) -> None:
        """Let the bus deliver what was published."""
        for _ in range(3):
            await asyncio.sleep(0)


async def _library(
    server: DevServer, home: Path, bus: EventBus, api: str
) -> AsyncIterator[Library]:
    cache = HttpCache(home / "cache" / "http.sqlite")
    settings = HttpSettings(timeout=2.0, connect_timeout=1.0, retries=0, backoff=0.0, jitter=0.0)
    client: CatalogApi
    if api == "v1":
        client = V2CompatClient(
            AniLibertyClient.create(
                server.aniliberty_api, cache=cache, settings=settings, sleep=Sleeps()
            )
        )
        library = client
    else:
        client = AniLibriaClient.create(
            server.anilibria_api, server.anilibria_site, cache=cache, settings=settings
        )
        library = None
    db = Database.open(home / "data" / "anitui.db")
    secrets = SecretStore(home / "data", environ={})
    clock = Clock()
    favorites = FavoritesService(db, client, secrets, bus, clock=clock)
    token = AccountToken(secrets, refused=favorites.session_refused)
    made = Library(
        server,
        client,
        db,
        secrets,
        favorites,
        CollectionsService(db, client, library, token, bus, clock=clock),
        ProgressSyncService(db, client, library, token, bus, clock=clock),
        HistoryStore(db),
        clock,
    )
    bus.subscribe(Event, made.events.append)
    try:
        yield made
    finally:
        server.faults.clear()
        await client.aclose()
        cache.close()
        db.close()


@pytest.fixture
async def library(
    fresh_devserver: DevServer, tmp_path: Path, bus: EventBus
) -> AsyncIterator[Library]:
    """The services on API v1, logged out, on a devserver of the test's own."""
    async for made in _library(fresh_devserver, tmp_path, bus, "v1"):
        yield made


@pytest.fixture
async def library_v2(
    fresh_devserver: DevServer, tmp_path: Path, bus: EventBus
) -> AsyncIterator[Library]:
    """The services on API v2 (no collections, no timecodes), logged out."""
    async for made in _library(fresh_devserver, tmp_path, bus, "v2"):
        yield made
